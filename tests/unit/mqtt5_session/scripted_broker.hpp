// SPDX-License-Identifier: MIT
// A scripted MQTT 5 peer for client_session tests: it owns the session under test and a manual clock,
// decodes every packet the session sends (with our codec), and sends the packets the test scripts.
// It also checks, on every step, what any broker would check: packets decode, stay within the
// Maximum Packet Size and Receive Maximum the CONNACK announced, use known topic aliases within the
// announced maximum, nothing is sent on a closed link, and next_deadline() is never in the past
// after on_timeout().
#pragma once

#include <sngw/mqtt5/client_session.hpp>
#include <sngw/mqtt5/codec.hpp>
#include <sngw/mqtt5/io.hpp>

#include <support/hex.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sngw::test {

namespace m5 = sngw::mqtt5;
using namespace std::chrono_literals;

/// A session config as the gateway would write it: client id "sensor-1", Clean Start 1.
inline m5::session_config basic_config(std::uint16_t keep_alive = 60)
{
    m5::session_config c;
    c.connect.client_id = "sensor-1";
    c.connect.clean_start = true;
    c.connect.keep_alive = keep_alive;
    return c;
}

template <class T> std::string describe(const T& v)
{
    std::ostringstream os;
    os << v;
    return os.str();
}

/// One PUBLISH the session sent: as on the wire, and its topic with the alias resolved.
struct sent_publish {
    m5::publish_packet packet;
    std::string topic;
};

class scripted_broker {
public:
    explicit scripted_broker(m5::session_config config) : session_(std::move(config)) {}

    m5::client_session& session() { return session_; }
    m5::time_point now() const { return now_; }
    /// Time since the broker was created (t0).
    std::chrono::milliseconds elapsed() const
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(now_ - start_);
    }

    // ---- time ---------------------------------------------------------------------------------

    /// Moves the clock forward by `d`, firing every deadline on the way at its own time, as a timer
    /// armed at next_deadline() would.
    void advance(std::chrono::milliseconds d) { advance_to(now_ + d); }
    void advance_to(m5::time_point t)
    {
        for (int guard = 0; guard < 100000; ++guard) {
            const auto next = session_.next_deadline();
            if (!next || *next > t) break;
            fire(*next);
        }
        now_ = std::max(now_, t);
    }
    /// Jumps to the next deadline and handles it. False if there is none.
    bool advance_to_next_deadline()
    {
        const auto next = session_.next_deadline();
        if (!next) return false;
        fire(*next);
        return true;
    }

    // ---- the link -----------------------------------------------------------------------------

    void link_up()
    {
        link_open_ = true;
        aliases_.clear();
        unacked_.clear();
        apply(session_.on_link_up(now_));
    }
    void link_down()
    {
        link_open_ = false;
        apply(session_.on_link_down(now_));
    }
    bool link_open() const { return link_open_; }
    /// How the session closed the link (the last close_link), if it did.
    std::optional<m5::close_mode> closed() const { return closed_; }

    /// Link up, CONNECT received and returned, CONNACK `ack` sent.
    m5::connect_packet connect(m5::connack_packet ack = {})
    {
        link_up();
        auto c = expect<m5::connect_packet>();
        send(std::move(ack));
        return c;
    }
    /// connect() and the `connected` event.
    m5::connected connect_ok(m5::connack_packet ack = {})
    {
        connect(std::move(ack));
        return expect_event<m5::connected>();
    }

    // ---- what the session sent ----------------------------------------------------------------

    /// The next packet the session sent, which must be a P.
    template <class P> P expect()
    {
        REQUIRE_MESSAGE(!sent_.empty(), "the session sent nothing; expected " << describe(m5::packet{P{}}));
        auto p = std::move(sent_.front());
        sent_.pop_front();
        REQUIRE_MESSAGE(std::holds_alternative<P>(p.packet), "the session sent " << describe(p.packet));
        return std::get<P>(std::move(p.packet));
    }
    /// The next packet, a PUBLISH, with its topic resolved.
    sent_publish expect_publish()
    {
        REQUIRE_MESSAGE(!sent_.empty(), "the session sent nothing; expected a PUBLISH");
        auto p = std::move(sent_.front());
        sent_.pop_front();
        REQUIRE_MESSAGE(std::holds_alternative<m5::publish_packet>(p.packet),
                        "the session sent " << describe(p.packet));
        return sent_publish{std::get<m5::publish_packet>(std::move(p.packet)), std::move(p.topic)};
    }
    bool nothing_sent() const { return sent_.empty(); }
    std::size_t sent_count() const { return sent_.size(); }
    /// The raw bytes of every packet sent so far, in order.
    const std::vector<std::vector<std::byte>>& wire() const { return wire_; }

    // ---- what the broker sends ----------------------------------------------------------------

    void send(m5::packet p)
    {
        note_broker_packet(p);
        auto bytes = m5::encode(p);
        REQUIRE_MESSAGE(bytes.has_value(), "the script's packet does not encode: " << describe(p));
        apply(session_.on_bytes(*bytes, now_));
    }
    void send_raw(const std::vector<std::byte>& bytes) { apply(session_.on_bytes(bytes, now_)); }

    // ---- what the session told the gateway ----------------------------------------------------

    template <class E> E expect_event()
    {
        REQUIRE_MESSAGE(!events_.empty(), "no event; expected " << describe(m5::action{E{}}));
        auto e = std::move(events_.front());
        events_.pop_front();
        REQUIRE_MESSAGE(std::holds_alternative<E>(e), "the event is " << describe(e));
        return std::get<E>(std::move(e));
    }
    bool no_events() const { return events_.empty(); }
    std::string pending_events() const
    {
        std::string s;
        for (const auto& e : events_)
            s += describe(e) + "; ";
        return s;
    }
    /// Every action of the last call, in order.
    const std::vector<m5::action>& last_actions() const { return last_; }

    // ---- the gateway's requests ---------------------------------------------------------------

    m5::request_result publish(std::string topic, std::string_view payload, m5::qos q, bool retain = false,
                               m5::properties props = {})
    {
        auto r = session_.publish(std::move(topic), bytes(payload), q, retain, std::move(props), now_);
        apply(std::exchange(r.actions, {}));
        return r;
    }
    m5::request_result subscribe(std::vector<m5::subscription> subs, m5::properties props = {})
    {
        auto r = session_.subscribe(std::move(subs), std::move(props), now_);
        apply(std::exchange(r.actions, {}));
        return r;
    }
    m5::request_result unsubscribe(std::vector<std::string> filters, m5::properties props = {})
    {
        auto r = session_.unsubscribe(std::move(filters), std::move(props), now_);
        apply(std::exchange(r.actions, {}));
        return r;
    }
    void acknowledge(std::uint16_t id, m5::reason_code rc = m5::reason_code::success)
    {
        apply(session_.acknowledge(id, rc, now_));
    }
    void acknowledge(m5::delivery_token d, m5::reason_code rc = m5::reason_code::success)
    {
        apply(session_.acknowledge(d, rc, now_));
    }
    void disconnect(m5::reason_code rc = m5::reason_code::normal_disconnection,
                    std::optional<std::uint32_t> expiry = std::nullopt)
    {
        apply(session_.disconnect(rc, expiry, now_));
    }
    void abort() { apply(session_.abort(now_)); }
    void send_auth(m5::reason_code rc, m5::properties props)
    {
        apply(session_.send_auth(rc, std::move(props), now_));
    }

    /// Applies a call's actions as a driver would, checking them on the way.
    void apply(std::vector<m5::action> actions)
    {
        last_ = actions;
        bool closed_in_call = false;
        for (auto& a : actions) {
            if (auto* s = std::get_if<m5::send_bytes>(&a)) {
                CHECK_MESSAGE(!closed_in_call, "send_bytes after close_link");
                CHECK_MESSAGE(link_open_, "send_bytes on a closed link");
                on_wire(std::move(s->bytes), s->type);
            } else if (auto* c = std::get_if<m5::close_link>(&a)) {
                closed_in_call = true;
                closed_ = c->mode;
                link_open_ = false;
            } else {
                events_.push_back(std::move(a));
            }
        }
    }

private:
    struct sent_packet {
        m5::packet packet;
        std::string topic; // PUBLISH: resolved
    };

    void fire(m5::time_point t)
    {
        now_ = std::max(now_, t);
        apply(session_.on_timeout(now_));
        const auto after = session_.next_deadline();
        REQUIRE_MESSAGE((!after || *after > now_), "next_deadline() is not after on_timeout()");
    }

    void on_wire(std::vector<std::byte> bytes, m5::packet_type type)
    {
        CHECK_MESSAGE(bytes.size() <= max_packet_size_, "packet above the broker's Maximum Packet Size");
        auto decoded = m5::decode(bytes);
        REQUIRE_MESSAGE(decoded.has_value(), "the session sent bytes that do not decode: " << to_hex(bytes));
        CHECK(m5::type_of(*decoded) == type);
        wire_.push_back(std::move(bytes));
        sent_packet s{std::move(*decoded), {}};
        if (auto* p = std::get_if<m5::publish_packet>(&s.packet)) {
            s.topic = resolve(*p);
            if (p->qos != m5::qos::at_most_once) {
                if (std::find(unacked_.begin(), unacked_.end(), p->packet_id) == unacked_.end())
                    unacked_.push_back(p->packet_id);
                CHECK_MESSAGE(unacked_.size() <= receive_maximum_,
                              "more than Receive Maximum PUBLISHes unacknowledged");
            }
        }
        if (auto* r = std::get_if<m5::pubrel_packet>(&s.packet)) {
            // A re-sent PUBREL re-occupies a slot (the session counts it that way).
            if (std::find(unacked_.begin(), unacked_.end(), r->packet_id) == unacked_.end())
                unacked_.push_back(r->packet_id);
            CHECK(unacked_.size() <= receive_maximum_);
        }
        sent_.push_back(std::move(s));
    }

    std::string resolve(const m5::publish_packet& p)
    {
        if (!p.props.topic_alias) return p.topic;
        const auto alias = *p.props.topic_alias;
        CHECK_MESSAGE(alias <= topic_alias_maximum_, "topic alias above the broker's Topic Alias Maximum");
        auto it =
            std::find_if(aliases_.begin(), aliases_.end(), [&](const auto& a) { return a.first == alias; });
        if (!p.topic.empty()) {
            if (it == aliases_.end())
                aliases_.emplace_back(alias, p.topic);
            else
                it->second = p.topic;
            return p.topic;
        }
        REQUIRE_MESSAGE(it != aliases_.end(), "topic alias " << alias << " used before it was mapped");
        return it->second;
    }

    void note_broker_packet(const m5::packet& p)
    {
        if (auto* c = std::get_if<m5::connack_packet>(&p)) {
            receive_maximum_ = c->props.receive_maximum.value_or(65535);
            max_packet_size_ = c->props.maximum_packet_size.value_or(m5::max_packet_size_limit);
            topic_alias_maximum_ = c->props.topic_alias_maximum.value_or(0);
        }
        auto release = [&](std::uint16_t id) { std::erase(unacked_, id); };
        if (auto* a = std::get_if<m5::puback_packet>(&p)) release(a->packet_id);
        if (auto* a = std::get_if<m5::pubcomp_packet>(&p)) release(a->packet_id);
        if (auto* a = std::get_if<m5::pubrec_packet>(&p); a && m5::is_error(a->reason)) release(a->packet_id);
    }

    m5::client_session session_;
    m5::time_point start_ = m5::time_point{} + std::chrono::hours(1000);
    m5::time_point now_ = start_;
    bool link_open_ = false;
    std::optional<m5::close_mode> closed_;
    std::deque<sent_packet> sent_;
    std::vector<std::vector<std::byte>> wire_;
    std::deque<m5::action> events_;
    std::vector<m5::action> last_;
    // what this link's CONNACK announced
    std::uint16_t receive_maximum_ = 65535;
    std::uint32_t max_packet_size_ = m5::max_packet_size_limit;
    std::uint16_t topic_alias_maximum_ = 0;
    std::vector<std::pair<std::uint16_t, std::string>> aliases_;
    std::vector<std::uint16_t> unacked_;
};

} // namespace sngw::test
