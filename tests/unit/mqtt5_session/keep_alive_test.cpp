// SPDX-License-Identifier: MIT
// Keep-alive to the millisecond (MQTT 5.0 §3.1.2.10, §3.2.2.3.14) on the manual clock.
#include "scripted_broker.hpp"

#include <doctest/doctest.h>

namespace {

using namespace sngw::test;
using m5::qos;
using m5::reason_code;

TEST_CASE("PINGREQ after exactly Keep Alive seconds without sending, not a millisecond before")
{
    scripted_broker b(basic_config(10));
    b.connect_ok(); // CONNECT sent at t0
    CHECK(b.session().next_deadline() == b.now() + 10s);
    b.advance(9999ms);
    CHECK(b.nothing_sent());
    b.advance(1ms);
    b.expect<m5::pingreq_packet>();
    CHECK(to_hex(b.wire().back()) == "c0 00"); // PINGREQ
    CHECK(b.elapsed() == 10s);
    CHECK(b.no_events());
}

TEST_CASE("the PINGREQ is due Keep Alive after the earlier of the last packet sent and the last received")
{
    scripted_broker b(basic_config(10));
    b.connect_ok();
    b.advance(4s);
    CHECK(b.publish("a/b", "x", qos::at_most_once).status == m5::request_status::sent);
    b.expect_publish();
    b.advance(3s);
    b.send(m5::publish_packet{false, qos::at_most_once, false, "in", 0, {}, bytes("y")}); // at t0+7 s
    b.expect_event<m5::message_received>();
    b.advance(6999ms); // t0+13.999 s
    CHECK(b.nothing_sent());
    b.advance(1ms); // t0+14 s: 10 s after the PUBLISH
    b.expect<m5::pingreq_packet>();
}

TEST_CASE("sending alone does not postpone the PINGREQ: Keep Alive without receiving pings too")
{
    scripted_broker b(basic_config(10));
    b.connect_ok(); // received at t0
    b.advance(9s);
    b.publish("a/b", "x", qos::at_most_once); // sent at t0+9 s
    b.expect_publish();
    b.advance(1s); // t0+10 s: nothing received for Keep Alive
    b.expect<m5::pingreq_packet>();
    b.send(m5::pingresp_packet{});
    b.advance(9999ms); // t0+19.999 s: 10 s after the last send and the last receive... almost
    CHECK(b.nothing_sent());
    b.advance(1ms);
    b.expect<m5::pingreq_packet>();
}

TEST_CASE("a silent broker is noticed within 1.5 x Keep Alive while we publish QoS 0 every second")
{
    scripted_broker b(basic_config(10));
    b.connect_ok();
    int published = 0;
    for (int second = 1; second <= 600 && b.link_open(); ++second) {
        b.advance(1s);
        if (!b.link_open()) break;
        CHECK(b.publish("sensors/t", "21.5", qos::at_most_once).status == m5::request_status::sent);
        ++published;
    }
    CHECK_FALSE(b.link_open());
    CHECK(b.elapsed() <= 15s);
    CHECK(b.closed() == m5::close_mode::abrupt);
    CHECK(b.expect_event<m5::link_lost>().cause == m5::link_lost_cause::ping_timeout);
    CHECK(published >= 10);
}

TEST_CASE("no PINGRESP: the link is lost half a Keep Alive after the PINGREQ and closed abruptly")
{
    scripted_broker b(basic_config(10));
    b.connect_ok();
    b.advance(10s);
    b.expect<m5::pingreq_packet>();
    CHECK(b.session().next_deadline() == b.now() + 5s);
    b.advance(4999ms);
    CHECK(b.link_open());
    CHECK(b.no_events());
    b.advance(1ms); // t0+15 s: 1.5 x Keep Alive of silence
    CHECK(b.elapsed() == 15s);
    CHECK(b.closed() == m5::close_mode::abrupt); // no DISCONNECT: the broker publishes the will
    CHECK(b.nothing_sent());
    CHECK(b.expect_event<m5::link_lost>().cause == m5::link_lost_cause::ping_timeout);
    CHECK(b.session().state() == m5::session_state::disconnected);
    CHECK(b.session().next_deadline() == std::nullopt);
}

TEST_CASE("a PINGRESP clears the timeout, the next PINGREQ comes Keep Alive after the last one")
{
    scripted_broker b(basic_config(10));
    b.connect_ok();
    b.advance(10s);
    b.expect<m5::pingreq_packet>();
    b.advance(300ms);
    b.send(m5::pingresp_packet{});
    CHECK(b.session().next_deadline() == b.now() - 300ms + 10s);
    b.advance(9699ms);
    CHECK(b.nothing_sent());
    b.advance(1ms);
    b.expect<m5::pingreq_packet>();
    CHECK(b.elapsed() == 20s);
    CHECK(b.link_open());
}

TEST_CASE("any packet from the broker answers an outstanding PINGREQ")
{
    scripted_broker b(basic_config(10));
    b.connect_ok();
    b.advance(10s);
    b.expect<m5::pingreq_packet>();
    b.advance(2s);
    b.send(m5::publish_packet{false, qos::at_most_once, false, "in", 0, {}, bytes("y")});
    b.expect_event<m5::message_received>();
    b.advance(5s); // past the PINGRESP timeout
    CHECK(b.link_open());
    CHECK(b.no_events());
}

TEST_CASE("a configured ping timeout replaces half the Keep Alive")
{
    auto cfg = basic_config(60);
    cfg.ping_timeout = 2500ms;
    scripted_broker b(cfg);
    b.connect_ok();
    b.advance(60s);
    b.expect<m5::pingreq_packet>();
    b.advance(2499ms);
    CHECK(b.link_open());
    b.advance(1ms);
    CHECK(b.expect_event<m5::link_lost>().cause == m5::link_lost_cause::ping_timeout);
}

TEST_CASE("Server Keep Alive replaces ours for pings")
{
    scripted_broker b(basic_config(60));
    m5::connack_packet ack;
    ack.props.server_keep_alive = 5;
    CHECK(b.connect_ok(ack).keep_alive == 5);
    CHECK(b.session().keep_alive() == 5);
    b.advance(4999ms);
    CHECK(b.nothing_sent());
    b.advance(1ms);
    b.expect<m5::pingreq_packet>();
    b.advance(2499ms);
    CHECK(b.link_open());
    b.advance(1ms); // half of the Server Keep Alive
    CHECK(b.expect_event<m5::link_lost>().cause == m5::link_lost_cause::ping_timeout);
}

TEST_CASE("Server Keep Alive 0 disables pings even though we asked for 60 s")
{
    scripted_broker b(basic_config(60));
    m5::connack_packet ack;
    ack.props.server_keep_alive = 0;
    b.connect_ok(ack);
    CHECK(b.session().next_deadline() == std::nullopt);
    b.advance(3600s);
    CHECK(b.nothing_sent());
}

TEST_CASE("Keep Alive 0 disables pings")
{
    scripted_broker b(basic_config(0));
    b.connect_ok();
    CHECK(b.session().next_deadline() == std::nullopt);
    b.advance(24h);
    CHECK(b.nothing_sent());
    CHECK(b.link_open());
}

TEST_CASE("on_timeout before a deadline does nothing, a late timer pings when it fires")
{
    scripted_broker b(basic_config(10));
    b.connect_ok();
    b.apply(b.session().on_timeout(b.now() + 9s));
    CHECK(b.nothing_sent());
    b.apply(b.session().on_timeout(b.now() + 12s)); // a timer that fired 2 s late
    b.expect<m5::pingreq_packet>();
    CHECK(b.session().next_deadline() == b.now() + 12s + 5s);
}

TEST_CASE("no deadline while disconnected, the CONNACK timeout while connecting")
{
    scripted_broker b(basic_config(10));
    CHECK(b.session().next_deadline() == std::nullopt);
    b.link_up();
    CHECK(b.session().next_deadline() == b.now() + 10s); // connect_timeout, 10 s by default
    b.send(m5::connack_packet{});
    b.expect_event<m5::connected>();
    CHECK(b.session().next_deadline() == b.now() + 10s); // Keep Alive
    b.abort();
    CHECK(b.session().next_deadline() == std::nullopt);
}

} // namespace
