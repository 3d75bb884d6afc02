// SPDX-License-Identifier: MIT
// sngw-pub: publishes MQTT-SN messages through a gateway, in the style of mosquitto_pub.
#include "support.hpp"

#include <sngw/sn/v1_2/codec.hpp>

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

using namespace sngw;
using namespace sngw::pub_sub;

namespace {

constexpr std::string_view program = "sngw-pub";

/// The messages to send, one at a time: -m, -f and -n give one, -l one per line of stdin.
class message_feed {
public:
    explicit message_feed(const pub_options& o) : o_(o) {}

    /// The file's content, read before any packet goes out (a missing file is the user's error).
    bool load(std::string& error)
    {
        if (o_.source != message_source::file) return true;
        std::ifstream in(o_.message, std::ios::binary);
        if (!in) {
            error = "cannot read " + o_.message;
            return false;
        }
        file_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        return true;
    }

    /// The next message; with -l, `idle` is called every 200 ms while standard input is quiet (the
    /// connection's keep-alive); a false from it ends the feed.
    std::optional<std::string> next(const std::function<bool()>& idle = {})
    {
        switch (o_.source) {
        case message_source::lines: {
            while (idle && std::cin.rdbuf()->in_avail() <= 0) {
                if (stop_requested() || !idle()) return std::nullopt;
                pollfd p{STDIN_FILENO, POLLIN, 0};
                const int ready = ::poll(&p, 1, 200);
                if (ready > 0 || (ready < 0 && errno != EINTR)) break;
            }
            std::string line;
            if (!std::getline(std::cin, line)) return std::nullopt;
            return line;
        }
        case message_source::message:
            return once(o_.message);
        case message_source::file:
            return once(file_);
        case message_source::null:
        case message_source::none:
            return once({});
        }
        return std::nullopt;
    }

private:
    std::optional<std::string> once(const std::string& text)
    {
        if (done_) return std::nullopt;
        done_ = true;
        return text;
    }

    const pub_options& o_;
    std::string file_;
    bool done_ = false;
};

int fail(const pub_options& o, const boost::system::error_code& ec)
{
    say(program, describe_error(o, ec));
    return exit_gateway_error;
}

/// The -l feed's idle hook: a PINGREQ when the keep-alive is due; false (and `error` set) when it
/// fails.
template <class Client>
auto ping_when_due(Client& c, keep_alive_timer& timer, boost::system::error_code& error)
{
    return [&c, &timer, &error] {
        if (!timer.due(c.counters().datagrams_sent)) return true;
        auto pong = c.ping();
        if (!pong) error = pong.error();
        return pong.has_value();
    };
}

int run_v1_2(const pub_options& o, message_feed& feed)
{
    namespace v1_2 = sn::v1_2;
    auto c = sn_client::client::open(v1_2_options(o, program));
    if (!c) return fail(o, c.error());

    std::optional<sn_client::topic> by_id;
    if (o.topic.predefined)
        by_id = sn_client::topic::predefined(*o.topic.predefined);
    else if (o.topic.is_short())
        by_id = sn_client::topic::short_name(o.topic.name[0], o.topic.name[1]);

    const auto q = o.qos < 0 ? v1_2::qos::minus_one : static_cast<v1_2::qos>(o.qos);
    if (q != v1_2::qos::minus_one) { // §6.8: QoS -1 needs no connection
        auto r = c->connect();
        if (!r) return fail(o, r.error());
        if (*r != v1_2::return_codes::accepted) {
            say(program, "CONNECT refused: " + v1_2_code(*r));
            return exit_gateway_error;
        }
    }
    keep_alive_timer keep_alive(q == v1_2::qos::minus_one ? 0 : o.keep_alive);
    boost::system::error_code idle_error;
    const auto idle = ping_when_due(*c, keep_alive, idle_error);
    while (auto text = feed.next(idle)) {
        const auto data = bytes_of(*text);
        auto r = by_id ? c->publish(*by_id, data, q, o.retain) : c->publish(o.topic.name, data, q, o.retain);
        if (!r) return fail(o, r.error());
        if (r->return_code != v1_2::return_codes::accepted) {
            say(program, std::string(r->transmissions == 0 ? "REGISTER of " + o.topic.name : "PUBLISH") +
                             " refused: " + v1_2_code(r->return_code));
            (void)c->disconnect();
            return exit_gateway_error;
        }
        if (stop_requested()) break;
    }
    if (idle_error) return fail(o, idle_error);
    if (q != v1_2::qos::minus_one) {
        // §6.14: the gateway answers DISCONNECT with DISCONNECT; a lost answer changes nothing here.
        if (auto d = c->disconnect(); !d && d.error() != sn_client::errc::timeout) return fail(o, d.error());
    }
    return exit_ok;
}

int run_v2_0(const pub_options& o, message_feed& feed)
{
    namespace v2_0 = sn::v2_0;
    auto c = sn_client::client_v2::open(v2_0_options(o, program));
    if (!c) return fail(o, c.error());
    const auto v2_fail = [&](const boost::system::error_code& ec) { return fail_v2_0(program, o, *c, ec); };

    if (o.qos < 0) { // §3.6.1 PUBWOS: no Virtual Connection
        while (auto text = feed.next()) {
            const auto data = bytes_of(*text);
            auto r = o.topic.predefined
                         ? c->publish_without_session(
                               sn_client::topic_alias_v2::predefined(*o.topic.predefined), data, o.retain)
                         : c->publish_without_session(o.topic.name, data, o.retain);
            if (!r) return v2_fail(r.error());
        }
        return exit_ok;
    }
    auto r = c->connect();
    if (!r) return v2_fail(r.error());
    if (r->reason_code >= 0x80) {
        say(program, "CONNECT refused: " + v2_0_code(v2_0::msg_type::connack, r->reason_code));
        return exit_gateway_error;
    }
    const auto q = static_cast<v2_0::qos>(o.qos);
    keep_alive_timer keep_alive(o.keep_alive);
    boost::system::error_code idle_error;
    const auto idle = ping_when_due(*c, keep_alive, idle_error);
    while (auto text = feed.next(idle)) {
        const auto data = bytes_of(*text);
        auto p = o.topic.predefined ? c->publish(sn_client::topic_alias_v2::predefined(*o.topic.predefined),
                                                 data, q, o.retain)
                                    : c->publish(o.topic.name, data, q, o.retain);
        if (!p) return v2_fail(p.error());
        if (p->reason_code >= 0x80) {
            say(program, std::string(p->transmissions == 0 ? "REGISTER of " + o.topic.name : "PUBLISH") +
                             " refused: " + v2_0_code(v2_0::msg_type::puback, p->reason_code));
            (void)c->disconnect();
            return exit_gateway_error;
        }
        if (stop_requested()) break;
    }
    if (idle_error) return v2_fail(idle_error);
    // §3.13: the server does not answer a DISCONNECT.
    if (auto d = c->disconnect(); !d) return v2_fail(d.error());
    return exit_ok;
}

} // namespace

int main(int argc, char** argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = parse_pub(args);
    if (auto done = answer_command_line(program, parsed, pub_help())) return *done;
    auto& o = parsed.options;
    if (o.client_id.empty()) o.client_id = "sngw-pub-" + std::to_string(::getpid());
    message_feed feed(o);
    if (std::string error; !feed.load(error)) {
        say(program, error);
        return exit_gateway_error;
    }
    install_stop_signals();
    return run_reporting(
        program, [&] { return o.version == protocol_version::v1_2 ? run_v1_2(o, feed) : run_v2_0(o, feed); });
}
