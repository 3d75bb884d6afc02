// SPDX-License-Identifier: MIT
// CONNECT (MQTT-SN v1.2 §6.2, §6.3): the upstream MQTT 5 CONNECT built from the config, the
// sensor's CONNACK after the broker's (end to end), broker refusals mapped to v1.2 return codes
// (design §4), CleanSession, DISCONNECT (§6.12), and what follows the end of the upstream link.
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/errc.hpp>

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::quiet;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;

namespace {

const auto sensor = core_harness::peer(1);

bool has_event(const std::vector<core::client_event>& events, core::client_event_kind kind)
{
    for (const auto& e : events)
        if (e.kind == kind) return true;
    return false;
}

} // namespace

TEST_CASE("a CONNECT is answered with CONNACK only after the broker's CONNACK")
{
    auto c = quiet();
    c.client_id_prefix = "sn/";
    c.session_expiry = 7200;
    c.broker_keep_alive = 30;
    c.max_buffered_messages = 5;
    c.credentials["c1"] = core::broker_credentials{"user-c1", "secret"};
    c.default_credentials = core::broker_credentials{"someone", "else"};
    core_harness h(c);

    h.send(sensor, "08"      // Length
                   "04"      // MsgType CONNECT
                   "04"      // Flags: CleanSession
                   "01"      // ProtocolId
                   "00 3c"   // Duration 60 s
                   "63 31"); // ClientId "c1"
    CHECK(h.sent_to(sensor).empty());
    CHECK(h.state_of(sensor) == core::client_state::connecting_upstream);

    auto& b = h.broker("c1");
    REQUIRE(b.open());
    b.link_up();
    const auto connect = b.expect<mqtt5::connect_packet>();
    CHECK(connect.client_id == "sn/c1");                      // prefix + the sensor's client id
    CHECK(connect.clean_start);                               // the sensor's CleanSession
    CHECK(connect.keep_alive == 30);                          // config.broker_keep_alive
    CHECK(connect.props.session_expiry_interval == 7200u);    // config.session_expiry, always
    CHECK(connect.props.receive_maximum == std::uint16_t{5}); // config.max_buffered_messages
    CHECK(connect.username == std::optional<std::string>("user-c1"));
    CHECK(connect.password == std::optional<std::vector<std::byte>>(sngw::test::bytes("secret")));
    CHECK_FALSE(connect.will);
    CHECK(h.sent_to(sensor).empty()); // still nothing: the broker has not answered

    b.connack_success();
    CHECK(h.sent_to(sensor) == strings{"03 05 00"}); // CONNACK accepted
    CHECK(h.state_of(sensor) == core::client_state::active);
    CHECK(has_event(h.events(), core::client_event_kind::connected));
}

TEST_CASE("a sensor without credentials of its own connects upstream with the default ones")
{
    auto c = quiet();
    c.default_credentials = core::broker_credentials{"gateway", std::nullopt};
    core_harness h(c);
    auto& b = h.connect_sensor(sensor, "c2");
    REQUIRE(b.connects().size() == 1);
    CHECK(b.connects()[0].client_id == "c2");
    CHECK(b.connects()[0].username == std::optional<std::string>("gateway"));
    CHECK_FALSE(b.connects()[0].password);
}

TEST_CASE("CleanSession=false connects upstream with Clean Start 0")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "c3", 60, false);
    REQUIRE(b.connects().size() == 1);
    CHECK_FALSE(b.connects()[0].clean_start);
}

TEST_CASE("a broker CONNACK 0x87 Not authorized reaches the sensor as CONNACK 0x03 not supported")
{
    core_harness h(quiet());
    h.send(sensor, "08 04 04 01 00 3c 63 31"); // CONNECT clean, 60 s, "c1"
    auto& b = h.broker("c1");
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    b.connack(mqtt5::reason_code::not_authorized);
    CHECK(h.sent_to(sensor) == strings{"03 05 03"}); // CONNACK rejected: not supported
    CHECK(b.closed());
    CHECK(has_event(h.events(), core::client_event_kind::connect_refused));
    // Design §4 "do not retry": the record stays for the hold-down, whose CONNECTs are refused
    // without asking the broker.
    REQUIRE(h.client("c1"));
    CHECK(h.client("c1")->hold_down_until == std::optional(h.now() + h.cfg().hold_down));
    h.send(sensor, "08 04 04 01 00 3c 63 31");
    CHECK(h.sent_to(sensor) == strings{"03 05 03"});
    CHECK(b.opens() == 1);
}

TEST_CASE("a broker CONNACK 0x89 Server busy reaches the sensor as CONNACK 0x01 congestion")
{
    core_harness h(quiet());
    h.send(sensor, "08 04 04 01 00 3c 63 31");
    auto& b = h.broker("c1");
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    b.connack(mqtt5::reason_code::server_busy);
    CHECK(h.sent_to(sensor) == strings{"03 05 01"});
}

TEST_CASE("an unreachable broker is CONNACK 0x01 congestion")
{
    core_harness h(quiet());
    h.send(sensor, "08 04 04 01 00 3c 63 31");
    auto& b = h.broker("c1");
    b.link_down(); // the TCP connect failed
    CHECK(h.sent_to(sensor) == strings{"03 05 01"});
}

TEST_CASE("a broker that does not answer the CONNECT within the connect timeout is CONNACK 0x01")
{
    auto c = quiet();
    c.broker_connect_timeout = 5s;
    core_harness h(c);
    h.send(sensor, "08 04 04 01 00 3c 63 31");
    auto& b = h.broker("c1");
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    h.advance(4900ms);
    CHECK(h.sent_to(sensor).empty());
    h.advance(100ms);
    CHECK(h.sent_to(sensor) == strings{"03 05 01"});
    CHECK(b.close_mode() == mqtt5::close_mode::abrupt);
}

TEST_CASE("a link that never comes up is given up after the connect timeout with CONNACK 0x01")
{
    auto c = quiet();
    c.broker_connect_timeout = 5s;
    core_harness h(c);
    h.send(sensor, "08 04 04 01 00 3c 63 31");
    auto& b = h.broker("c1");
    h.advance(5s);
    CHECK(h.sent_to(sensor) == strings{"03 05 01"});
    CHECK(b.closed());
}

TEST_CASE("a CONNECT while the upstream session is up is answered at once")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "c4", 60, false);
    h.send(sensor, "08 04 00 01 00 3c 63 34"); // CONNECT clean 0, will 0: nothing changes upstream
    CHECK(h.sent_to(sensor) == strings{"03 05 00"});
    CHECK(b.opens() == 1);
    CHECK(b.pending() == 0);
}

TEST_CASE("CleanSession=true drops topic ids and starts a new upstream session")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "c5", 60, false);
    h.send(sensor, "07 0a 00 00 00 01 61"); // REGISTER msg id 1, "a"
    h.send(sensor, "07 0a 00 00 00 02 62"); // REGISTER msg id 2, "b"
    CHECK(h.sent_to(sensor) == strings{"07 0b 00 01 00 01 00", "07 0b 00 02 00 02 00"}); // ids 1, 2

    h.send(sensor, "08 04 04 01 00 3c 63 35"); // CONNECT clean
    // MQTT 5.0 §3.14: the old link ends with DISCONNECT 0x00 (session kept, no will) ...
    CHECK(b.expect<mqtt5::disconnect_packet>().reason == mqtt5::reason_code::normal_disconnection);
    CHECK(b.opens() == 2); // ... and a new one starts with Clean Start 1
    b.link_up();
    CHECK(b.expect<mqtt5::connect_packet>().clean_start);
    b.connack_success();
    CHECK(h.sent_to(sensor) == strings{"03 05 00"});

    h.send(sensor, "07 0a 00 00 00 03 62"); // REGISTER "b" again: the ids start afresh
    CHECK(h.sent_to(sensor) == strings{"07 0b 00 01 00 03 00"});
}

TEST_CASE("CleanSession=false keeps topic ids across DISCONNECT and CONNECT")
{
    core_harness h(quiet());
    h.auto_broker(true);
    h.connect_sensor(sensor, "c6", 60, false);
    h.send(sensor, "07 0a 00 00 00 01 61"); // REGISTER "a" -> 1
    h.send(sensor, "07 0a 00 00 00 02 62"); // REGISTER "b" -> 2
    h.sent_to(sensor);
    h.send(sensor, "02 18"); // DISCONNECT
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    CHECK(h.state_of(sensor) == core::client_state::disconnected);

    auto& b = h.connect_sensor(sensor, "c6", 60, false);
    b.expect<mqtt5::disconnect_packet>();      // of the DISCONNECT above
    h.send(sensor, "08 0c 00 00 02 00 00 78"); // PUBLISH QoS 0 to topic id 2 (still "b"), "x"
    auto p = b.expect<mqtt5::publish_packet>();
    CHECK(p.topic == "b");
    CHECK(p.payload == sngw::test::bytes("x"));
}

TEST_CASE("a DISCONNECT is acknowledged and the upstream session is closed normally and kept")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "c7", 60, false);
    h.events();
    h.send(sensor, "02 18");
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    const auto d = b.expect<mqtt5::disconnect_packet>();
    CHECK(d.reason == mqtt5::reason_code::normal_disconnection); // no will
    CHECK_FALSE(d.props.session_expiry_interval);                // the CONNECT's expiry stands
    CHECK(b.close_mode() == mqtt5::close_mode::graceful);
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
    CHECK(has_event(h.events(), core::client_event_kind::disconnected));
}

TEST_CASE("a PUBLISH from a disconnected sensor is answered with a bare DISCONNECT")
{
    core_harness h(quiet());
    h.auto_broker(true);
    h.connect_sensor(sensor, "c8", 60, false);
    h.send(sensor, "02 18");
    h.sent_to(sensor);
    h.dropped();
    h.send(sensor, "08 0c 00 00 01 00 00 78"); // PUBLISH QoS 0
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unexpected_message));
}

TEST_CASE("a CONNECT from an asleep sensor makes it active without asking the broker")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "c9", 60, false);
    h.send(sensor, "04 18 00 3c"); // DISCONNECT, Duration 60 s: asleep
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    h.send(sensor, "08 04 00 01 00 3c 63 39"); // CONNECT clean 0 (§6.14: asleep -> active)
    CHECK(h.sent_to(sensor) == strings{"03 05 00"});
    CHECK(h.state_of(sensor) == core::client_state::active);
    CHECK(b.opens() == 1);
}

TEST_CASE("a broker DISCONNECT is survived by reconnecting with Clean Start 0 and the sensor notices nothing")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "r1", 60, false);
    h.events();
    // (reply(), not disconnect(): the harness's disconnect() marks the link closed after the call,
    // which would hide the re-open made inside it.)
    b.reply(mqtt5::disconnect_packet{.reason = mqtt5::reason_code::server_shutting_down});
    CHECK(h.sent_to(sensor).empty());
    CHECK(b.opens() == 1);
    h.advance(1s);
    CHECK(b.opens() == 2); // design §4 "retry later": re-opened after 1 s
    b.link_up();
    CHECK_FALSE(b.expect<mqtt5::connect_packet>().clean_start);
    b.connack_success(true);
    CHECK(h.sent_to(sensor).empty());
    CHECK(h.state_of(sensor) == core::client_state::active);
    const auto info = h.client("r1");
    REQUIRE(info);
    CHECK(info->last_disconnect_reason == std::optional<std::uint8_t>(0x8B));
    CHECK(info->upstream == mqtt5::session_state::connected);
    const auto events = h.events();
    CHECK(has_event(events, core::client_event_kind::broker_verdict));
    CHECK(has_event(events, core::client_event_kind::upstream_up));
}

TEST_CASE("when the upstream session cannot be re-opened the active sensor gets a bare DISCONNECT")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "r2", 60, false);
    b.link_down();         // lost without DISCONNECT
    CHECK(b.opens() == 2); // first retry at once
    b.link_down();         // unreachable
    h.advance(1s);
    CHECK(b.opens() == 3); // second after 1 s
    b.link_down();
    h.advance(2s);
    CHECK(b.opens() == 4); // third after 2 s
    CHECK(h.sent_to(sensor).empty());
    b.link_down();
    CHECK(h.sent_to(sensor) == strings{"02 18"}); // §6.12 unsolicited DISCONNECT: CONNECT again
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
    h.advance(10s);
    CHECK(b.opens() == 4);
}

TEST_CASE("a broker DISCONNECT 0x8E Session taken over is not fought: the sensor is told at once")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "r3", 60, false);
    b.disconnect(mqtt5::reason_code::session_taken_over);
    CHECK(b.opens() == 1);
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
}

TEST_CASE(
    "a sensor given up while the broker stays down keeps its topic ids for a CONNECT without CleanSession")
{
    auto c = quiet();
    c.takeover_witness = {}; // the link_down below is an outage, though the own link stays up
    c.session_expiry = 600;
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "r4", 60, true); // CleanSession 1 first, as sensors often do
    h.send(sensor, "07 0a 00 00 00 01 61");             // REGISTER "a": topic id 1
    REQUIRE(h.sent_to(sensor) == strings{"07 0b 00 01 00 01 00"});
    h.auto_broker(false);
    b.link_down(); // the broker dies: re-opened at once, after 1 s, after 2 s
    b.link_down();
    h.advance(1s);
    b.link_down();
    h.advance(2s);
    b.link_down();
    REQUIRE(h.sent_to(sensor) == strings{"02 18"}); // given up: the sensor must CONNECT again
    REQUIRE(h.client("r4"));
    CHECK(h.client("r4")->state == core::client_state::disconnected);
    CHECK(h.client("r4")->topics == 1);

    h.send(sensor, "08 04 00 01 00 3c 72 34"); // CONNECT CleanSession 0: the broker is still down
    b.link_down();
    CHECK(h.sent_to(sensor) == strings{"03 05 01"}); // CONNACK congestion
    h.advance(60s);
    REQUIRE(h.client("r4")); // kept (§6.3), also when its upstream session could not be re-opened
    CHECK(h.client("r4")->topics == 1);

    h.auto_broker(true); // the broker is back
    h.send(sensor, "08 04 00 01 00 3c 72 34");
    CHECK(h.sent_to(sensor) == strings{"03 05 00"});
    h.send(sensor, "08 0c 00 00 01 00 00 78"); // PUBLISH QoS 0 on topic id 1: still known
    CHECK(h.sent_to(sensor).empty());          // no PUBACK 0x02
    const auto p = b.packets();
    REQUIRE_FALSE(p.empty());
    REQUIRE(std::holds_alternative<mqtt5::publish_packet>(p.back()));
    CHECK(std::get<mqtt5::publish_packet>(p.back()).topic == "a");
}

TEST_CASE("a record kept after a failed reconnect goes once its session expiry has passed")
{
    auto c = quiet();
    c.session_expiry = 600;
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "r5", 60, false);
    h.send(sensor, "07 0a 00 00 00 01 61");
    h.sent_to(sensor);
    h.auto_broker(false);
    b.link_down();
    b.link_down();
    h.advance(1s);
    b.link_down();
    h.advance(2s);
    b.link_down();
    REQUIRE(h.sent_to(sensor) == strings{"02 18"});
    h.advance(599s);
    CHECK(h.client("r5"));
    h.advance(61s); // the next sweep after 600 s
    CHECK_FALSE(h.client("r5"));
}

TEST_CASE("a will from a CONNECT the broker could not take is kept for the next CONNECT without Will")
{
    core_harness h(quiet());
    h.send(sensor, "08 04 08 01 00 3c 72 36"); // CONNECT Will, CleanSession 0, "r6"
    h.send(sensor, "06 07 20 77 2f 74");       // WILLTOPIC QoS 1, "w/t"
    h.send(sensor, "06 09 67 6f 6e 65");       // WILLMSG "gone"
    auto& b = h.broker("r6");
    b.link_down(); // unreachable
    CHECK(h.sent_to(sensor) == strings{"02 06", "02 08", "03 05 01"});
    REQUIRE(h.client("r6"));                   // §6.3: the will is stored data of a CleanSession 0 client
    h.send(sensor, "08 04 00 01 00 3c 72 36"); // CONNECT, no Will, CleanSession 0
    b.link_up();
    const auto connect = b.expect<mqtt5::connect_packet>();
    REQUIRE(connect.will);
    CHECK(connect.will->topic == "w/t");
    CHECK(connect.will->payload == sngw::test::bytes("gone"));
}
