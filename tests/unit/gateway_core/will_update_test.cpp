// SPDX-License-Identifier: MIT
// WILLTOPICUPD / WILLMSGUPD (MQTT-SN v1.2 §6.4): MQTT 5 cannot change the will of a live
// connection, so the gateway resumes the upstream session with the new will (DISCONNECT 0x00, then
// CONNECT Clean Start 0) and answers once the broker's CONNACK arrived.
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/errc.hpp>

using namespace std::chrono_literals;
using sngw::test::bytes;
using sngw::test::core_harness;
using sngw::test::quiet;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;

namespace {

const auto sensor = core_harness::peer(1);

// "u1" connected with the will "w/t" / "gone" (QoS 1, retain).
sngw::test::fake_broker& with_will(core_harness& h)
{
    h.send(sensor, "08 04 08 01 00 3c 75 31"); // CONNECT Will, clean 0, 60 s, "u1"
    h.send(sensor, "06 07 30 77 2f 74");       // WILLTOPIC QoS 1, retain, "w/t"
    h.send(sensor, "06 09 67 6f 6e 65");       // WILLMSG "gone"
    auto& b = h.broker("u1");
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    b.connack_success();
    REQUIRE(h.sent_to(sensor) == strings{"02 06", "02 08", "03 05 00"});
    h.events();
    return b;
}

// The relink: DISCONNECT 0x00 on the old link, a new link; returns the new CONNECT.
mqtt5::connect_packet relinked(sngw::test::fake_broker& b)
{
    CHECK(b.expect<mqtt5::disconnect_packet>().reason == mqtt5::reason_code::normal_disconnection);
    CHECK(b.opens() == 2);
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    CHECK_FALSE(c.clean_start); // the same session: nothing is lost
    return c;
}

} // namespace

TEST_CASE("WILLTOPICUPD resumes the upstream session with the new will and then answers WILLTOPICRESP")
{
    core_harness h(quiet());
    auto& b = with_will(h);
    h.send(sensor, "06"         // Length
                   "1a"         // WILLTOPICUPD
                   "20"         // Flags: QoS 1, no retain
                   "6e 2f 74"); // WillTopic "n/t"
    const auto c = relinked(b);
    REQUIRE(c.will);
    CHECK(c.will->topic == "n/t");
    CHECK(c.will->payload == bytes("gone")); // the will message is kept
    CHECK(c.will->qos == mqtt5::qos::at_least_once);
    CHECK_FALSE(c.will->retain);
    CHECK(h.sent_to(sensor).empty()); // not before the broker's CONNACK
    b.connack_success(true);
    CHECK(h.sent_to(sensor) == strings{"03 1b 00"}); // WILLTOPICRESP accepted
    CHECK(h.state_of(sensor) == core::client_state::active);
    bool updated = false;
    for (const auto& e : h.events())
        updated = updated || e.kind == core::client_event_kind::will_updated;
    CHECK(updated);
}

TEST_CASE("WILLMSGUPD resumes the upstream session with the new will message and then answers WILLMSGRESP")
{
    core_harness h(quiet());
    auto& b = with_will(h);
    h.send(sensor, "05"         // Length
                   "1c"         // WILLMSGUPD
                   "6e 65 77"); // "new"
    const auto c = relinked(b);
    REQUIRE(c.will);
    CHECK(c.will->topic == "w/t");
    CHECK(c.will->payload == bytes("new"));
    CHECK(c.will->retain);
    b.connack_success(true);
    CHECK(h.sent_to(sensor) == strings{"03 1d 00"}); // WILLMSGRESP accepted
}

TEST_CASE("an empty WILLTOPICUPD deletes the will upstream")
{
    core_harness h(quiet());
    auto& b = with_will(h);
    h.send(sensor, "02 1a");
    const auto c = relinked(b);
    CHECK_FALSE(c.will);
    b.connack_success(true);
    CHECK(h.sent_to(sensor) == strings{"03 1b 00"});
}

TEST_CASE("a will update that changes nothing upstream is answered at once")
{
    core_harness h(quiet());
    auto& b = with_will(h);
    h.send(sensor, "06 1a 30 77 2f 74"); // the same will topic, QoS and retain
    CHECK(h.sent_to(sensor) == strings{"03 1b 00"});
    h.auto_broker(true);
    h.connect_sensor(core_harness::peer(2), "u2");
    h.send(core_harness::peer(2), "05 1c 6e 65 77"); // a will message without a will topic
    CHECK(h.sent_to(core_harness::peer(2)) == strings{"03 1d 00"});
    CHECK(b.opens() == 1);
    CHECK(h.broker("u2").opens() == 1);
}

TEST_CASE("a will update while QoS flows are in progress both ways resumes the same session and loses none")
{
    core_harness h(quiet());
    auto& b = with_will(h);
    h.send(sensor, "07 0a 00 00 00 01 61"); // REGISTER "a"
    h.sent_to(sensor);
    b.publish("a", "m", mqtt5::qos::at_least_once, 3); // held until the sensor's PUBACK
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 01 6d"});
    h.send(sensor, "08 0c 20 00 01 00 09 75"); // the sensor's own PUBLISH QoS 1, msg id 9, "u"
    const auto up = b.expect<mqtt5::publish_packet>();

    h.send(sensor, "06 1a 20 6e 2f 74"); // WILLTOPICUPD QoS 1 "n/t"
    const auto c = relinked(b);
    REQUIRE(c.will);
    CHECK(c.will->topic == "n/t");
    b.connack_success(true);
    CHECK(h.sent_to(sensor) == strings{"03 1b 00"});      // WILLTOPICRESP accepted
    const auto again = b.expect<mqtt5::publish_packet>(); // §4.4: re-sent with DUP, same packet id
    CHECK(again.dup);
    CHECK(again.packet_id == up.packet_id);
    b.puback(up.packet_id);
    CHECK(h.sent_to(sensor) == strings{"07 0d 00 01 00 09 00"}); // PUBACK to the sensor, end to end
    h.send(sensor, "07 0d 00 01 00 01 00");                      // the sensor's PUBACK for ours
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 3);      // reaches the broker on the new link
    CHECK(b.pending() == 0);
}

TEST_CASE("a will update while a SUBSCRIBE waits for the broker relinks once the SUBACK is in")
{
    core_harness h(quiet());
    auto& b = with_will(h);
    h.send(sensor, "08 12 20 00 01 73 2f 74"); // SUBSCRIBE QoS 1, msg id 1, "s/t"
    const auto sub = b.expect<mqtt5::subscribe_packet>();
    h.send(sensor, "05 1c 6e 65 77"); // WILLMSGUPD "new"
    CHECK(b.pending() == 0);          // ending the link now would answer the SUBSCRIBE with congestion
    CHECK(h.sent_to(sensor).empty());
    b.suback(sub.packet_id, {mqtt5::reason_code::granted_qos_1});
    CHECK(h.sent_to(sensor) == strings{"08 13 20 00 01 00 01 00"}); // SUBACK QoS 1, topic id 1, msg id 1
    const auto c = relinked(b);
    REQUIRE(c.will);
    CHECK(c.will->payload == bytes("new"));
    b.connack_success(true);
    CHECK(h.sent_to(sensor) == strings{"03 1d 00"}); // WILLMSGRESP accepted
}

TEST_CASE("QoS 0 messages from the sensor during a will update relink are sent after the CONNACK")
{
    auto cfg = quiet();
    cfg.max_buffered_messages = 2;
    core_harness h(cfg);
    auto& b = with_will(h);
    h.send(sensor, "07 0a 00 00 00 01 61"); // REGISTER "a"
    h.sent_to(sensor);
    h.send(sensor, "06 1a 20 6e 2f 74"); // WILLTOPICUPD
    relinked(b);
    h.send(sensor, "08 0c 00 00 01 00 00 31"); // PUBLISH QoS 0 "1"
    h.send(sensor, "08 0c 00 00 01 00 00 32"); // PUBLISH QoS 0 "2"
    h.send(sensor, "08 0c 00 00 01 00 00 33"); // PUBLISH QoS 0 "3": over max_buffered_messages
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::buffer_full));
    CHECK(h.client("u1")->dropped_qos0 == 1);
    CHECK(b.pending() == 0);
    b.connack_success(true);
    const auto first = b.expect<mqtt5::publish_packet>();
    const auto second = b.expect<mqtt5::publish_packet>();
    CHECK(first.payload == bytes("1"));
    CHECK(second.payload == bytes("2"));
    CHECK(first.topic == "a");
    CHECK(first.qos == mqtt5::qos::at_most_once);
    CHECK(h.sent_to(sensor) == strings{"03 1b 00"});
}

TEST_CASE(
    "a will update whose new session is refused once is answered when a reconnect brings the new will up")
{
    core_harness h(quiet());
    auto& b = with_will(h);
    h.send(sensor, "06 1a 20 6e 2f 74");
    relinked(b);
    b.connack(mqtt5::reason_code::server_unavailable);
    CHECK(h.sent_to(sensor).empty());
    CHECK(b.opens() == 2);
    h.advance(1s);
    CHECK(b.opens() == 3); // design §4 "retry later": re-opened after 1 s
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    REQUIRE(c.will);
    CHECK(c.will->topic == "n/t");
    b.connack_success(true);
    CHECK(h.sent_to(sensor) == strings{"03 1b 00"});
    CHECK(h.state_of(sensor) == core::client_state::active);
}

TEST_CASE(
    "a will update whose new session cannot be opened is answered with congestion before the DISCONNECT")
{
    core_harness h(quiet());
    auto& b = with_will(h);
    h.send(sensor, "06 1a 20 6e 2f 74");
    relinked(b);
    b.connack(mqtt5::reason_code::not_authorized); // design §4: not retried on the sensor's behalf
    CHECK(h.sent_to(sensor) == strings{"03 1b 01", "02 18"});
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
    h.advance(h.cfg().hold_down);              // design §4: CONNACK 0x03 until the hold-down ends
    h.send(sensor, "08 04 00 01 00 3c 75 31"); // CONNECT clean 0, will 0: the old will is kept
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    REQUIRE(c.will);
    CHECK(c.will->topic == "w/t");
}

TEST_CASE("WILLTOPICUPD from a sensor that is not connected is dropped")
{
    core_harness h(quiet());
    with_will(h);
    h.send(sensor, "04 18 00 64"); // asleep
    h.sent_to(sensor);
    h.send(sensor, "06 1a 20 6e 2f 74");
    CHECK(h.sent_to(sensor).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unexpected_message));
}

TEST_CASE(
    "a will update while the upstream session reconnects goes with the next CONNECT and is answered then")
{
    core_harness h(quiet());
    auto& b = with_will(h);
    b.link_down(); // re-opened at once (design §4)
    CHECK(b.opens() == 2);
    h.send(sensor, "05 1c 6e 65 77"); // WILLMSGUPD "new"
    CHECK(h.sent_to(sensor).empty());
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    CHECK_FALSE(c.clean_start);
    REQUIRE(c.will);
    CHECK(c.will->payload == bytes("new"));
    b.connack_success(true);
    CHECK(h.sent_to(sensor) == strings{"03 1d 00"}); // WILLMSGRESP accepted
    CHECK(b.opens() == 2);                           // no relink needed
}

TEST_CASE(
    "a will update while the CONNECT of a reconnect is on its way is applied by a relink after its CONNACK")
{
    core_harness h(quiet());
    auto& b = with_will(h);
    b.link_down();
    b.link_up(); // CONNECT with the old will sent
    CHECK(b.expect<mqtt5::connect_packet>().will->payload == bytes("gone"));
    h.send(sensor, "05 1c 6e 65 77"); // WILLMSGUPD "new"
    b.connack_success(true);
    CHECK(h.sent_to(sensor).empty()); // the will in force is still the old one
    CHECK(b.expect<mqtt5::disconnect_packet>().reason == mqtt5::reason_code::normal_disconnection);
    CHECK(b.opens() == 3);
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    CHECK_FALSE(c.clean_start);
    REQUIRE(c.will);
    CHECK(c.will->payload == bytes("new"));
    b.connack_success(true);
    CHECK(h.sent_to(sensor) == strings{"03 1d 00"});
}
