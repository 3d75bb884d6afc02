// SPDX-License-Identifier: MIT
// QoS -1 (MQTT-SN v1.2 §6.8): PUBLISH published QoS 0, through the sender's own upstream session
// when it is connected (design §2 transparent mode), else through the gateway's own session.
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/errc.hpp>

using sngw::test::core_harness;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;

namespace {

core::config qos_minus_one_config()
{
    core::config c;
    c.advertise_interval = 0s;
    c.gateway_id = 3;
    c.predefined_topics = {{5, "sensors/temp"}, {0x1234, "plant/line-1/state"}};
    return c;
}

} // namespace

TEST_CASE("the gateway's own session connects at start with its own client id and Clean Start")
{
    core_harness h(qos_minus_one_config());
    auto& own = h.gateway_broker();
    CHECK(own.open());
    CHECK(own.opens() == 1);
    own.link_up();
    const auto c = own.expect<mqtt5::connect_packet>();
    CHECK(c.client_id == "sngw-3");
    CHECK(c.clean_start);
    CHECK(c.keep_alive == 60);
    CHECK_FALSE(c.will);
    own.connack_success();
    const auto e = h.events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == core::client_event_kind::upstream_up);
    CHECK(e[0].client_id == "sngw-3");
    CHECK(e[0].session == own.id());
}

TEST_CASE("the gateway's own client id can be configured")
{
    auto c = qos_minus_one_config();
    c.gateway_client_id = "edge-gw";
    c.default_credentials = {"gw-user", "secret"};
    core_harness h(c);
    h.gateway_broker().link_up();
    const auto connect = h.gateway_broker().expect<mqtt5::connect_packet>();
    CHECK(connect.client_id == "edge-gw");
    CHECK(connect.username == std::optional<std::string>("gw-user"));
    CHECK(connect.password == std::optional<std::vector<std::byte>>(sngw::test::bytes("secret")));
}

TEST_CASE("QoS -1 PUBLISH to a short topic is published QoS 0 through the gateway's own session")
{
    core_harness h(qos_minus_one_config());
    h.gateway_session_up();
    const auto p = core_harness::peer(7);
    // PUBLISH: Length 9, MsgType 0x0c, Flags 0x62 (QoS -1, TopicIdType short), TopicId "ab",
    // MsgId 0, Data "hi"
    h.send(p, "09 0c 62 61 62 00 00 68 69");
    const auto pub = h.gateway_broker().expect<mqtt5::publish_packet>();
    CHECK(pub.topic == "ab");
    CHECK(pub.qos == mqtt5::qos::at_most_once);
    CHECK_FALSE(pub.retain);
    CHECK(pub.payload == sngw::test::bytes("hi"));
    CHECK(h.gateway_broker().pending() == 0);
    CHECK(h.sent_to(p).empty()); // QoS -1 is never answered
    CHECK(h.forgotten() == std::vector<core::peer_id>{p});
    CHECK(h.dropped().empty());
    CHECK(h.stats().publishes_from_clients[3] == 1);
    CHECK_FALSE(h.state_of(p)); // no record
}

TEST_CASE("QoS -1 PUBLISH to a predefined topic id is published under the predefined name")
{
    core_harness h(qos_minus_one_config());
    h.gateway_session_up();
    const auto p = core_harness::peer(7);
    // Flags 0x71: QoS -1, Retain, TopicIdType predefined; TopicId 0x1234; Data 01 02 03
    h.send(p, "0a 0c 71 12 34 00 00 01 02 03");
    const auto pub = h.gateway_broker().expect<mqtt5::publish_packet>();
    CHECK(pub.topic == "plant/line-1/state");
    CHECK(pub.qos == mqtt5::qos::at_most_once);
    CHECK(pub.retain);
    CHECK(pub.payload == sngw::test::hex("01 02 03"));

    h.send(p, "07 0c 61 00 05 00 00"); // predefined id 5, empty Data
    const auto second = h.gateway_broker().expect<mqtt5::publish_packet>();
    CHECK(second.topic == "sensors/temp");
    CHECK(second.payload.empty());
    CHECK(h.stats().publishes_from_clients[3] == 2);
}

TEST_CASE("QoS -1 PUBLISH from a connected sensor goes through its own session as QoS 0")
{
    core_harness h(qos_minus_one_config());
    h.auto_broker(true);
    const auto p = core_harness::peer(1);
    auto& sensor = h.connect_sensor(p, "s1");
    h.send(p, "09"      // Length
              "0c"      // PUBLISH
              "62"      // Flags: QoS -1, TopicIdType short name
              "61 62"   // TopicId: short name "ab"
              "00 00"   // MsgId
              "68 69"); // Data "hi"
    // Design §2 transparent mode: the broker sees the sensor itself, not the gateway.
    const auto pub = sensor.expect<mqtt5::publish_packet>();
    CHECK(pub.topic == "ab");
    CHECK(pub.qos == mqtt5::qos::at_most_once);
    CHECK(pub.payload == sngw::test::bytes("hi"));
    CHECK(h.gateway_broker().pending() == 0);
    CHECK(h.sent_to(p).empty()); // §6.8: no answer
    CHECK(h.forgotten().empty());
    CHECK(h.state_of(p) == core::client_state::active);
    CHECK(h.stats().publishes_from_clients[3] == 1);
}

TEST_CASE("QoS -1 PUBLISH from a sleeping sensor goes through the gateway's own session")
{
    core_harness h(qos_minus_one_config());
    h.auto_broker(true);
    const auto p = core_harness::peer(1);
    auto& sensor = h.connect_sensor(p, "s1");
    h.send(p, "04 18 00 64"); // DISCONNECT Duration 100 s: asleep
    REQUIRE(h.sent_to(p) == strings{"02 18"});
    h.send(p, "09 0c 62 61 62 00 00 68 69"); // QoS -1, short name "ab", "hi"
    CHECK(h.gateway_broker().expect<mqtt5::publish_packet>().topic == "ab");
    CHECK(sensor.pending() == 0);
    CHECK(h.state_of(p) == core::client_state::asleep);
}

TEST_CASE("QoS -1 PUBLISH from a disconnected sensor goes through the gateway's own session")
{
    core_harness h(qos_minus_one_config());
    h.auto_broker(true);
    const auto p = core_harness::peer(1);
    auto& sensor = h.connect_sensor(p, "s1", 60, false);
    h.send(p, "02 18"); // DISCONNECT: the record is kept (clean 0)
    REQUIRE(h.sent_to(p) == strings{"02 18"});
    sensor.packets();
    h.send(p, "09 0c 62 61 62 00 00 68 69");
    CHECK(h.gateway_broker().expect<mqtt5::publish_packet>().topic == "ab");
    CHECK(sensor.pending() == 0);
    CHECK(h.sent_to(p).empty()); // not told to reconnect: QoS -1 needs no connection
}

TEST_CASE("QoS -1 PUBLISH with a normal topic id is dropped as unknown topic")
{
    core_harness h(qos_minus_one_config());
    h.gateway_session_up();
    const auto p = core_harness::peer(7);
    h.send(p, "09 0c 60 00 01 00 00 68 69"); // TopicIdType normal, id 1
    CHECK(h.gateway_broker().pending() == 0);
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unknown_topic));
    CHECK(d[0].peer == p);
    CHECK(h.sent_to(p).empty());
    CHECK(h.forgotten() == std::vector<core::peer_id>{p});
    CHECK(h.stats().publishes_from_clients[3] == 0);
    CHECK(h.stats().datagrams_dropped == 1);
}

TEST_CASE("QoS -1 PUBLISH to a predefined id that is not configured is dropped as unknown topic")
{
    core_harness h(qos_minus_one_config());
    h.gateway_session_up();
    h.send(core_harness::peer(7), "09 0c 61 00 09 00 00 68 69");
    CHECK(h.gateway_broker().pending() == 0);
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unknown_topic));
}

TEST_CASE("QoS -1 PUBLISH while the gateway's own session is down is dropped and counted")
{
    core_harness h(qos_minus_one_config());
    const auto p = core_harness::peer(7);
    h.send(p, "09 0c 62 61 62 00 00 68 69");
    CHECK(h.gateway_broker().pending() == 0);
    auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::broker_unavailable));
    CHECK(h.stats().datagrams_dropped == 1);
    CHECK(h.stats().datagrams_in == 1);

    // Link up but no CONNACK yet: still unavailable.
    h.gateway_broker().link_up();
    h.gateway_broker().expect<mqtt5::connect_packet>();
    h.send(p, "09 0c 62 61 62 00 00 68 69");
    d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::broker_unavailable));
    CHECK(h.stats().datagrams_dropped == 2);

    h.gateway_broker().connack_success();
    h.send(p, "09 0c 62 61 62 00 00 68 69");
    CHECK(h.gateway_broker().expect<mqtt5::publish_packet>().topic == "ab");
    CHECK(h.dropped().empty());
}

TEST_CASE("the gateway's own session reconnects with back-off from 1 s doubling up to 60 s")
{
    core_harness h(qos_minus_one_config());
    auto& own = h.gateway_broker();
    own.link_down(); // broker unreachable
    CHECK_FALSE(own.open());
    const std::chrono::seconds expected[] = {1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s};
    std::size_t opens = 1;
    for (auto wait : expected) {
        h.advance(wait - 1ms);
        CHECK(own.opens() == opens);
        h.advance(1ms);
        CHECK(own.opens() == ++opens);
        own.link_down();
    }
    // A CONNACK Success resets the back-off.
    h.advance(60s);
    REQUIRE(own.open());
    own.link_up();
    own.expect<mqtt5::connect_packet>();
    own.connack_success();
    own.link_down();
    h.advance(1s);
    CHECK(own.open());
    CHECK(h.gateway_broker().opens() == opens + 2);
}

TEST_CASE("the gateway's own session answers the broker's keep-alive and survives a refused CONNACK")
{
    core_harness h(qos_minus_one_config());
    auto& own = h.gateway_broker();
    own.link_up();
    own.expect<mqtt5::connect_packet>();
    own.connack(mqtt5::reason_code::server_busy);
    CHECK(own.closed());
    h.events();
    h.advance(1s);
    CHECK(own.opens() == 2);
    own.link_up();
    own.expect<mqtt5::connect_packet>();
    own.connack_success();
    h.advance(10min); // PINGREQs answered by the fake broker
    CHECK(own.up());
    CHECK(own.pings() >= 9);
    CHECK(own.opens() == 2);
}

TEST_CASE("QoS -1 PUBLISH to a short topic with a wildcard character is dropped, nothing upstream")
{
    core_harness h(qos_minus_one_config());
    h.gateway_session_up();
    const auto p = core_harness::peer(7);
    h.send(p, "09 0c 62 2b 61 00 00 68 69"); // short topic "+a": not a valid MQTT Topic Name
    CHECK(h.gateway_broker().pending() == 0);
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unexpected_message));
    CHECK(d[0].detail == "PUBLISH QoS -1 refused: 0x90 Topic Name invalid");
    CHECK(h.stats().publishes_from_clients[3] == 0);
}

TEST_CASE("a QoS 1 message the broker sends on the gateway's own session is acknowledged at once")
{
    core_harness h(qos_minus_one_config());
    h.gateway_session_up();
    h.gateway_broker().publish("odd/one", "x", mqtt5::qos::at_least_once, 9);
    const auto ack = h.gateway_broker().expect<mqtt5::puback_packet>();
    CHECK(ack.packet_id == 9);
    CHECK(ack.reason == mqtt5::reason_code::success);
}
