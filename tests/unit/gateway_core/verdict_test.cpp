// SPDX-License-Identifier: MIT
// Broker verdicts (design §4) as the core acts on them: the class of each reason code decides
// between re-opening (at once, with back-off, elsewhere) and telling the sensor; the hold-down;
// the verdict kept for a sleeper; kick; the take-over witness.
#include "core_harness.hpp"

#include "reason_mapping.hpp"
#include "support/hex.hpp"

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::quiet;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;
namespace detail = sngw::core::detail;
using rc = mqtt5::reason_code;

namespace {
const auto sensor = core_harness::peer(1);
} // namespace

TEST_CASE("kick of an unknown client id is refused")
{
    core_harness h(quiet());
    CHECK_FALSE(h.gw().kick("nobody", rc::administrative_action, h.now()));
}

TEST_CASE("kick ends the upstream session with DISCONNECT 0x00 and tells an active sensor at once")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "k1", 60, false);
    auto out = h.gw().kick("k1", rc::administrative_action, h.now());
    REQUIRE(out);
    h.apply(std::move(*out));
    const auto d = b.expect<mqtt5::disconnect_packet>();
    CHECK(d.reason == rc::normal_disconnection); // the broker keeps the session, no will
    CHECK(b.closed());
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
    CHECK(b.opens() == 1);
    REQUIRE(h.client("k1"));
    CHECK(h.client("k1")->last_disconnect_reason == std::optional<std::uint8_t>(0x98));
}

namespace {

core::config short_timers()
{
    auto c = quiet();
    c.takeover_witness = {};
    c.hold_down = 5s;
    return c;
}

} // namespace

TEST_CASE("kick of a sleeping sensor is its bare DISCONNECT at the next PINGREQ, not before")
{
    core_harness h(short_timers());
    auto& b = h.connect_sensor(sensor, "k2", 60, false);
    h.send(sensor, "04 18 00 64"); // asleep for 100 s
    REQUIRE(h.sent_to(sensor) == strings{"02 18"});
    auto out = h.gw().kick("k2", rc::session_taken_over, h.now());
    REQUIRE(out);
    h.apply(std::move(*out));
    CHECK(h.sent_to(sensor).empty());
    REQUIRE(h.client("k2"));
    CHECK(h.client("k2")->verdict_pending);
    CHECK(h.client("k2")->hold_down_until == std::optional(h.now() + 5s));
    h.advance(2s);
    h.send(sensor, "04 16 6b 32"); // PINGREQ "k2": wakes
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
    CHECK(b.opens() == 1);
    CHECK(h.stats().verdicts_sent == 1);
}

TEST_CASE("kick with a reconnect-class reason re-opens the session and the sensor notices nothing")
{
    core_harness h(short_timers());
    auto& b = h.connect_sensor(sensor, "k3", 60, false);
    auto out = h.gw().kick("k3", rc::keep_alive_timeout, h.now());
    REQUIRE(out);
    h.apply(std::move(*out));
    CHECK(b.opens() == 2);
    CHECK(h.sent_to(sensor).empty());
}

TEST_CASE("the reconnect class tries config.reconnect_tries times at once then 1 s 2 s 4 s apart")
{
    auto c = short_timers();
    c.reconnect_tries = 4;
    core_harness h(c);
    auto& b = h.connect_sensor(sensor, "b1", 60, false);
    b.reply(mqtt5::disconnect_packet{.reason = rc::keep_alive_timeout});
    CHECK(b.opens() == 2); // at once
    b.link_down();
    h.advance(999ms);
    CHECK(b.opens() == 2);
    h.advance(1ms);
    CHECK(b.opens() == 3); // + 1 s
    b.link_down();
    h.advance(2s);
    CHECK(b.opens() == 4); // + 2 s
    b.link_down();
    h.advance(3999ms);
    CHECK(b.opens() == 4);
    CHECK(h.sent_to(sensor).empty());
    h.advance(1ms);
    CHECK(b.opens() == 5); // + 4 s: the fourth and last
    b.link_down();
    CHECK(h.sent_to(sensor) == strings{"02 18"}); // bounded: the sensor is told
    h.advance(60s);
    CHECK(b.opens() == 5);
}

TEST_CASE("no reconnect tries tells the sensor at once")
{
    auto c = short_timers();
    c.reconnect_tries = 0;
    core_harness h(c);
    auto& b = h.connect_sensor(sensor, "b2", 60, false);
    b.link_down();
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    CHECK(b.opens() == 1);
}

TEST_CASE("the retry-later class backs off 1 s 2 s 4 s and tells the sensor when the grace runs out")
{
    auto c = short_timers();
    c.retry_later_grace = 10s;
    core_harness h(c);
    auto& b = h.connect_sensor(sensor, "g1", 60, false);
    b.reply(mqtt5::disconnect_packet{.reason = rc::server_busy});
    CHECK(b.opens() == 1);
    h.advance(1s);
    CHECK(b.opens() == 2); // t + 1 s
    b.link_up();
    b.connack(rc::server_busy); // still busy
    h.advance(2s);
    CHECK(b.opens() == 3); // t + 3 s
    b.link_down();         // unreachable now: the same policy goes on
    h.advance(4s);
    CHECK(b.opens() == 4); // t + 7 s
    CHECK(h.sent_to(sensor).empty());
    b.link_down(); // the next try (t + 15 s) would fall outside the grace (10 s): told now
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    REQUIRE(h.client("g1"));
    CHECK(h.client("g1")->last_disconnect_reason == std::optional<std::uint8_t>(0x89));
    h.advance(60s);
    CHECK(b.opens() == 4);
}

TEST_CASE("a refusal while re-opening ends the recovery with that verdict")
{
    core_harness h(short_timers());
    auto& b = h.connect_sensor(sensor, "g2", 60, false);
    b.link_down(); // reconnect at once
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    b.connack(rc::not_authorized); // design §4 "do not retry"
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    h.send(sensor, "08 04 00 01 00 3c 67 32"); // CONNECT "g2": hold-down
    CHECK(h.sent_to(sensor) == strings{"03 05 03"});
    CHECK(b.opens() == 2);
}

TEST_CASE("a Server Reference is not followed unless the config allows it")
{
    core_harness h(short_timers());
    auto& b = h.connect_sensor(sensor, "e1", 60, false);
    mqtt5::disconnect_packet d{.reason = rc::server_moved};
    d.props.server_reference = "new.example:1885";
    b.reply(d);
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    CHECK(b.opens() == 1);
    // A CONNECT meanwhile goes to the configured broker (no hold-down).
    h.send(sensor, "08 04 00 01 00 3c 65 31");
    CHECK(b.opens() == 2);
    CHECK(b.last_open().host.empty());
}

TEST_CASE("a followed Server Reference that cannot be reached tells the sensor after the bounded tries")
{
    auto c = short_timers();
    c.follow_server_reference = true;
    c.reconnect_tries = 2;
    core_harness h(c);
    auto& b = h.connect_sensor(sensor, "e2", 60, false);
    mqtt5::disconnect_packet d{.reason = rc::use_another_server};
    d.props.server_reference = "a.example b.example:1999";
    b.reply(d);
    REQUIRE(b.opens() == 2);
    CHECK(b.last_open().host == "a.example"); // the first of the list, default port
    CHECK(b.last_open().port == 0);
    b.link_down();
    h.advance(1s);
    REQUIRE(b.opens() == 3);
    CHECK(b.last_open().host == "a.example");
    b.link_down();
    CHECK(h.sent_to(sensor) == strings{"02 18"});
}

TEST_CASE("a link closed without DISCONNECT while the gateway's own link stays up is a take-over")
{
    auto c = quiet();
    c.hold_down = 5s;
    core_harness h(c);
    h.gateway_session_up();
    auto& b = h.connect_sensor(sensor, "w1", 60, false);
    b.link_down(); // mosquitto 2.0.11 on a take-over: the socket closes, no DISCONNECT 0x8E
    CHECK(b.opens() == 1);
    CHECK(h.sent_to(sensor).empty());
    h.advance(1s); // the witness time: the own link is still up
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    CHECK(b.opens() == 1); // not fought for
    REQUIRE(h.client("w1"));
    CHECK(h.client("w1")->last_disconnect_reason == std::optional<std::uint8_t>(0x8E));
    h.send(sensor, "08 04 00 01 00 3c 77 31"); // CONNECT "w1": hold-down
    CHECK(h.sent_to(sensor) == strings{"03 05 03"});
}

TEST_CASE("a link closed while the gateway's own link goes down too is an outage and is re-opened")
{
    core_harness h(quiet());
    h.gateway_session_up();
    auto& b = h.connect_sensor(sensor, "w2", 60, false);
    b.link_down();
    h.gateway_broker().link_down(); // the broker restarts: every link goes
    h.advance(1s);
    CHECK(b.opens() == 2); // re-opened after the witness time
    CHECK(h.sent_to(sensor).empty());
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    b.connack_success(true);
    h.send(sensor, "02 16");
    CHECK(h.sent_to(sensor) == strings{"02 17"});
}

TEST_CASE("a verdict kept for a sleeper goes when its sleep timer ends")
{
    core_harness h(short_timers());
    auto& b = h.connect_sensor(sensor, "s1", 60, false);
    h.send(sensor, "04 18 00 0a"); // asleep for 10 s
    h.sent_to(sensor);
    b.reply(mqtt5::disconnect_packet{.reason = rc::administrative_action});
    REQUIRE(h.client("s1"));
    CHECK(h.client("s1")->verdict_pending);
    h.advance(15s); // 1.5 x the sleep duration: lost
    REQUIRE(h.client("s1"));
    CHECK_FALSE(h.client("s1")->verdict_pending);
    CHECK(h.client("s1")->state == core::client_state::lost);
    h.send(sensor, "04 16 73 31"); // PINGREQ "s1": no session to wake
    CHECK(h.sent_to(sensor) == strings{"02 18"});
}

TEST_CASE("broker DISCONNECTs are counted by reason code and the reason string is kept")
{
    core_harness h(short_timers());
    auto& b = h.connect_sensor(sensor, "c1", 60, false);
    mqtt5::disconnect_packet d{.reason = rc::administrative_action};
    d.props.reason_string = "disabled";
    b.reply(d);
    CHECK(h.stats().broker_disconnects.at(0x98) == 1);
    CHECK(h.stats().verdicts_sent == 1);
    REQUIRE(h.client("c1"));
    CHECK(h.client("c1")->last_disconnect_reason_string == std::optional<std::string>("disabled"));
}

TEST_CASE("the DISCONNECT builder keeps a v2.0 reason string only when the packet fits and carries a "
          "PINGREQ's packet id")
{
    using sngw::sn::protocol_version;
    const auto hex = [](const std::vector<std::byte>& b) { return sngw::test::to_hex(b); };
    // Length 7, DISCONNECT, Flags: PacketId + Reason C, Packet Id 0x1234, Reason 0x98, "ab".
    CHECK(hex(detail::disconnect_datagram(protocol_version::v2_0, 0x98, "ab", 0x1234)) ==
          sngw::test::wire("08 0e 05 12 34 98 61 62"));
    // 8 octets do not fit a Maximum Packet Size of 7: the reason string goes, the code stays.
    CHECK(hex(detail::disconnect_datagram(protocol_version::v2_0, 0x98, "ab", 0x1234, 7)) ==
          sngw::test::wire("06 0e 05 12 34 98"));
    CHECK(hex(detail::disconnect_datagram(protocol_version::v2_0, 0x98, "ab", 0x1234, 8)) ==
          sngw::test::wire("08 0e 05 12 34 98 61 62"));
    // No virtual connection (v2.0 §3.11.3): 0xF4 with the PINGREQ's packet id.
    CHECK(hex(detail::disconnect_datagram(protocol_version::v2_0, detail::v2_no_virtual_connection,
                                          std::nullopt, 7)) == sngw::test::wire("06 0e 05 00 07 f4"));
    CHECK(hex(detail::disconnect_datagram(protocol_version::v1_2, 0x98, "ab", 0x1234)) ==
          sngw::test::wire("02 18"));
}

TEST_CASE("a Server Reference is read as host and port from the first of its list")
{
    using ref = detail::server_reference;
    CHECK(detail::parse_server_reference("b.example") == std::optional(ref{"b.example", 0}));
    CHECK(detail::parse_server_reference("b.example:1884 c.example") ==
          std::optional(ref{"b.example", 1884}));
    CHECK(detail::parse_server_reference("[::1]:1885") == std::optional(ref{"::1", 1885}));
    CHECK(detail::parse_server_reference("2001:db8::1") == std::optional(ref{"2001:db8::1", 0}));
    CHECK_FALSE(detail::parse_server_reference(""));
    CHECK_FALSE(detail::parse_server_reference("host:"));
    CHECK_FALSE(detail::parse_server_reference("host:99999"));
    CHECK_FALSE(detail::parse_server_reference(":1883"));
}

TEST_CASE("the gateway's own session leaves offline as its will and says online after each CONNACK")
{
    auto c = quiet();
    c.status_topic = "sngw/1/status";
    core_harness h(c);
    auto& own = h.gateway_broker();
    own.link_up();
    const auto connect = own.expect<mqtt5::connect_packet>();
    REQUIRE(connect.will);
    CHECK(connect.will->topic == "sngw/1/status");
    CHECK(connect.will->payload == sngw::test::bytes("offline"));
    CHECK(connect.will->qos == mqtt5::qos::at_least_once);
    CHECK(connect.will->retain);
    own.connack_success();
    const auto online = own.expect<mqtt5::publish_packet>();
    CHECK(online.topic == "sngw/1/status");
    CHECK(online.payload == sngw::test::bytes("online"));
    CHECK(online.qos == mqtt5::qos::at_least_once);
    CHECK(online.retain);
    own.puback(online.packet_id);
    // Shutdown: DISCONNECT 0x04, so the broker publishes the will ("offline").
    h.shutdown();
    CHECK(own.expect<mqtt5::disconnect_packet>().reason == rc::disconnect_with_will_message);
}

TEST_CASE("without a status topic the gateway's own session has no will and ends with DISCONNECT 0x00")
{
    core_harness h(quiet());
    auto& own = h.gateway_broker();
    own.link_up();
    CHECK_FALSE(own.expect<mqtt5::connect_packet>().will);
    own.connack_success();
    CHECK(own.pending() == 0);
    h.shutdown();
    CHECK(own.expect<mqtt5::disconnect_packet>().reason == rc::normal_disconnection);
}
