// SPDX-License-Identifier: MIT
// sngw-sub: subscribes through an MQTT-SN gateway and prints what arrives, in the style of
// mosquitto_sub; --sleep runs a sleeping sensor's cycle.
#include "support.hpp"

#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace sngw;
using namespace sngw::pub_sub;

namespace {

constexpr std::string_view program = "sngw-sub";
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// Prints messages, counts them and knows when -C or -W says to stop.
class printer {
public:
    explicit printer(const sub_options& o) : o_(o)
    {
        if (o.wait_for) deadline_ = clock::now() + *o.wait_for;
    }

    void print(const std::string& topic, std::string_view payload)
    {
        if (count_reached()) return; // -C: more came in the same wake; acknowledged, not printed
        std::string line;
        if (o_.verbose) line = topic + " ";
        line.append(payload);
        if (!o_.no_newline) line += '\n';
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
        ++printed_;
    }

    bool count_reached() const noexcept { return o_.count && printed_ >= *o_.count; }
    bool time_up() const noexcept { return deadline_ && clock::now() >= *deadline_; }
    bool done() const noexcept { return count_reached() || time_up() || stop_requested(); }
    /// The next wait: at most `slice`, and not past -W.
    milliseconds slice(milliseconds slice) const
    {
        if (!deadline_) return slice;
        return std::clamp(std::chrono::duration_cast<milliseconds>(*deadline_ - clock::now()),
                          milliseconds(0), slice);
    }
    /// Sleeps `total` in short steps, returning early when done().
    void sleep(std::chrono::seconds total) const
    {
        const auto until = clock::now() + total;
        while (!done() && clock::now() < until)
            std::this_thread::sleep_for(std::min<clock::duration>(milliseconds(50), until - clock::now()));
    }
    unsigned printed() const noexcept { return printed_; }

private:
    const sub_options& o_;
    std::optional<clock::time_point> deadline_;
    unsigned printed_ = 0;
};

/// A PUBLISH's topic for -v: its name, else the predefined id.
std::string topic_text(const std::string& name, std::uint16_t id)
{
    return name.empty() ? std::to_string(id) : name;
}

std::string status_line(std::size_t n, std::uint32_t seconds)
{
    return "awake, " + std::to_string(n) + (n == 1 ? " message" : " messages") + ", asleep again for " +
           std::to_string(seconds) + " s";
}

int fail(const sub_options& o, const boost::system::error_code& ec)
{
    say(program, describe_error(o, ec));
    return exit_gateway_error;
}

constexpr milliseconds receive_slice{200};

int run_v1_2(const sub_options& o)
{
    namespace v1_2 = sn::v1_2;
    auto c = sn_client::client::open(v1_2_options(o, program));
    if (!c) return fail(o, c.error());
    auto r = c->connect();
    if (!r) return fail(o, r.error());
    if (*r != v1_2::return_codes::accepted) {
        say(program, "CONNECT refused: " + v1_2_code(*r));
        return exit_gateway_error;
    }
    const auto q = static_cast<v1_2::qos>(o.qos);
    for (const auto& t : o.topics) {
        auto s = t.predefined   ? c->subscribe(sn_client::topic::predefined(*t.predefined), q)
                 : t.is_short() ? c->subscribe(sn_client::topic::short_name(t.name[0], t.name[1]), q)
                                : c->subscribe(t.name, q);
        if (!s) return fail(o, s.error());
        if (s->return_code != v1_2::return_codes::accepted) {
            say(program, "SUBSCRIBE to " + (t.predefined ? "id " + std::to_string(*t.predefined) : t.name) +
                             " refused: " + v1_2_code(s->return_code));
            (void)c->disconnect();
            return exit_gateway_error;
        }
    }
    printer out(o);
    const auto show = [&](const sn_client::publication& p) {
        out.print(topic_text(p.topic_name, p.message.topic_id), p.payload());
    };
    const auto leave = [&] {
        (void)c->disconnect(); // the gateway answers with DISCONNECT (§6.14); bounded by --timeout
        return exit_ok;
    };

    if (o.sleep) {
        // §6.14: DISCONNECT with a Duration puts the sensor to sleep; PINGREQ(ClientId) wakes it, the
        // gateway sends what it buffered and PINGRESP, and the sensor is asleep again.
        const auto duration = static_cast<std::uint16_t>(*o.sleep);
        if (auto d = c->disconnect(duration); !d) return fail(o, d.error());
        say(program, "asleep for " + std::to_string(duration) + " s");
        for (;;) {
            out.sleep(std::chrono::seconds(duration));
            if (out.done()) return leave();
            // What the gateway buffered is printed as it arrives (-C may be reached mid-wake: the
            // wake still runs to its PINGRESP, so nothing is left half-acknowledged).
            auto w = c->wake({.acknowledge = true, .timeout = o.timeout, .on_publication = show});
            if (!w) return fail(o, w.error());
            if (w->disconnected) {
                say(program, "the gateway sent DISCONNECT");
                return exit_gateway_error;
            }
            if (!w->pingresp) return fail(o, make_error_code(sn_client::errc::timeout));
            say(program, status_line(w->publications.size(), duration));
            if (out.done()) return leave();
        }
    }
    keep_alive_timer keep_alive(o.keep_alive);
    while (!out.done()) {
        if (keep_alive.due(c->counters().datagrams_sent)) {
            if (auto pong = c->ping(); !pong) return fail(o, pong.error());
        }
        auto m = c->receive(out.slice(receive_slice));
        if (!m) {
            if (m.error() == sn_client::errc::timeout) continue;
            return fail(o, m.error());
        }
        if (const auto* p = std::get_if<v1_2::publish_msg>(&*m)) {
            const auto name = c->topic_name(sn_client::topic{p->topic_id_type, p->topic_id});
            out.print(topic_text(name, p->topic_id),
                      {reinterpret_cast<const char*>(p->data.data()), p->data.size()});
        } else if (std::holds_alternative<v1_2::disconnect_msg>(*m)) {
            say(program, "the gateway sent DISCONNECT");
            return exit_gateway_error;
        }
    }
    return leave();
}

int run_v2_0(const sub_options& o)
{
    namespace v2_0 = sn::v2_0;
    auto c = sn_client::client_v2::open(v2_0_options(o, program));
    if (!c) return fail(o, c.error());
    const auto v2_fail = [&](const boost::system::error_code& ec) { return fail_v2_0(program, o, *c, ec); };
    auto r = c->connect();
    if (!r) return v2_fail(r.error());
    if (r->reason_code >= 0x80) {
        say(program, "CONNECT refused: " + v2_0_code(v2_0::msg_type::connack, r->reason_code));
        return exit_gateway_error;
    }
    const sn_client::subscribe_options_v2 so{static_cast<v2_0::qos>(o.qos)};
    for (const auto& t : o.topics) {
        auto s = t.predefined ? c->subscribe(sn_client::topic_alias_v2::predefined(*t.predefined), so)
                              : c->subscribe(t.name, so);
        if (!s) return v2_fail(s.error());
        if (s->reason_code.value_or(0) >= 0x80) {
            say(program, "SUBSCRIBE to " + (t.predefined ? "id " + std::to_string(*t.predefined) : t.name) +
                             " refused: " + v2_0_code(v2_0::msg_type::suback, *s->reason_code));
            (void)c->disconnect();
            return exit_gateway_error;
        }
    }
    printer out(o);
    const auto show = [&](const sn_client::publication_v2& p) {
        out.print(topic_text(p.topic_name, p.message.topic_alias), p.payload());
    };
    const auto leave = [&] {
        (void)c->disconnect(std::uint8_t{0x00}); // §3.13: not answered
        return exit_ok;
    };

    if (o.sleep) {
        // §4.14.2: SLEEPREQ / SLEEPRESP, then each PINGREQ wakes the client until the PINGRESP.
        auto s = c->sleep(*o.sleep);
        if (!s) return v2_fail(s.error());
        if (s->reason_code.value_or(0) >= 0x80) {
            say(program, "SLEEPREQ refused: " + v2_0_code(v2_0::msg_type::sleepresp, *s->reason_code));
            return exit_gateway_error;
        }
        const std::uint32_t duration = s->sleep_duration.value_or(*o.sleep); // §3.16.4: the server's value
        say(program, "asleep for " + std::to_string(duration) + " s");
        for (;;) {
            // §3.14: a WAKEUP while asleep is a hint that messages wait; take it and wake early.
            const auto until = clock::now() + std::chrono::seconds(duration);
            while (!out.done() && clock::now() < until) {
                const auto left = std::chrono::duration_cast<milliseconds>(until - clock::now());
                auto m = c->receive(std::clamp(out.slice(milliseconds(200)), milliseconds(0), left));
                if (m && std::holds_alternative<v2_0::wakeup_msg>(*m)) {
                    say(program, "WAKEUP from the gateway, waking early");
                    break;
                }
                if (!m && m.error() != sn_client::errc::timeout) return v2_fail(m.error());
            }
            if (out.done()) return leave();
            auto w = c->wake(o.timeout, show);
            if (!w) return v2_fail(w.error());
            if (w->disconnected) {
                say(program, v2_0_disconnect_text(c->last_disconnect()));
                return exit_gateway_error;
            }
            if (!w->pingresp) return fail(o, make_error_code(sn_client::errc::timeout));
            say(program, status_line(w->publications.size(), duration));
            if (out.done()) return leave();
        }
    }
    keep_alive_timer keep_alive(o.keep_alive);
    while (!out.done()) {
        if (keep_alive.due(c->counters().datagrams_sent)) {
            if (auto pong = c->ping(); !pong) return v2_fail(pong.error());
        }
        auto m = c->receive(out.slice(receive_slice));
        if (!m) {
            if (m.error() == sn_client::errc::timeout) continue;
            return v2_fail(m.error());
        }
        if (const auto* p = std::get_if<v2_0::publish_msg>(&*m)) {
            const auto name = p->topic_type == v2_0::topic_type::topic_name
                                  ? p->topic_name
                                  : c->topic_name(p->topic_type, p->topic_alias);
            out.print(topic_text(name, p->topic_alias),
                      {reinterpret_cast<const char*>(p->payload.data()), p->payload.size()});
        } else if (std::holds_alternative<v2_0::disconnect_msg>(*m)) {
            say(program, v2_0_disconnect_text(c->last_disconnect()));
            return exit_gateway_error;
        }
    }
    return leave();
}

} // namespace

int main(int argc, char** argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = parse_sub(args);
    if (auto done = answer_command_line(program, parsed, sub_help())) return *done;
    auto& o = parsed.options;
    if (o.client_id.empty()) o.client_id = "sngw-sub-" + std::to_string(::getpid());
    install_stop_signals();
    return run_reporting(program,
                         [&] { return o.version == protocol_version::v1_2 ? run_v1_2(o) : run_v2_0(o); });
}
