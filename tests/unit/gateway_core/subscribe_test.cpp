// SPDX-License-Identifier: MIT
// SUBSCRIBE / UNSUBSCRIBE (MQTT-SN v1.2 §6.9) by name, wildcard, short name and predefined id:
// SUBACK after the broker's SUBACK with the topic id §6.9 asks for, the broker's failures mapped,
// and delivery on each kind of subscription (§6.7, §6.10).
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/errc.hpp>

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::quiet;
using sngw::test::wire;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;

namespace {

const auto sensor = core_harness::peer(1);

// Sends SUBSCRIBE `datagram`, checks the upstream SUBSCRIBE for `filter` / `qos` and answers it.
void subscribe(core_harness& h, sngw::test::fake_broker& b, std::string_view datagram,
               const std::string& filter, mqtt5::qos qos, mqtt5::reason_code answer)
{
    h.send(sensor, datagram);
    const auto s = b.expect<mqtt5::subscribe_packet>();
    REQUIRE(s.subscriptions.size() == 1);
    CHECK(s.subscriptions[0].topic_filter == filter);
    CHECK(s.subscriptions[0].options.max_qos == qos);
    CHECK(h.sent_to(sensor).empty()); // SUBACK only after the broker's
    b.suback(s.packet_id, {answer});
}

} // namespace

TEST_CASE("SUBSCRIBE by name gets its topic id in the SUBACK after the broker's SUBACK")
{
    core_harness h(quiet());
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "s1");
    subscribe(h, b,
              "08"        // Length
              "12"        // SUBSCRIBE
              "20"        // Flags: QoS 1, TopicIdType normal (a topic name follows)
              "00 01"     // MsgId 1
              "73 2f 74", // "s/t"
              "s/t", mqtt5::qos::at_least_once, mqtt5::reason_code::granted_qos_1);
    CHECK(h.sent_to(sensor) == strings{wire("08"     // Length
                                            "13"     // SUBACK
                                            "20"     // Flags: granted QoS 1
                                            "00 01"  // TopicId 1
                                            "00 01"  // MsgId 1
                                            "00")}); // accepted
    CHECK(h.client("s1")->subscriptions == strings{"s/t"});

    b.publish("s/t", "v", mqtt5::qos::at_least_once, 5); // the sensor knows id 1: no REGISTER
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 01 76"});
}

TEST_CASE("a message on a wildcard subscription is preceded by REGISTER, and the SUBACK topic id is 0x0000")
{
    core_harness h(quiet());
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "s3");
    subscribe(h, b, "08 12 00 00 01 74 2f 23", "t/#", mqtt5::qos::at_most_once,
              mqtt5::reason_code::granted_qos_0);
    CHECK(h.sent_to(sensor) == strings{"08 13 00 00 00 00 01 00"}); // §6.9: topic id 0x0000

    b.publish("t/a", "1");
    CHECK(h.sent_to(sensor) == strings{wire("09"           // Length
                                            "0a"           // REGISTER
                                            "00 01"        // TopicId 1
                                            "00 01"        // MsgId 1
                                            "74 2f 61")}); // "t/a"
    b.publish("t/a", "2");                                 // waits behind the REGISTER
    CHECK(h.sent_to(sensor).empty());
    h.send(sensor, "07 0b 00 01 00 01 00"); // REGACK
    CHECK(h.sent_to(sensor) == strings{"08 0c 00 00 01 00 00 31", "08 0c 00 00 01 00 00 32"});

    b.publish("t/b", "3");
    CHECK(h.sent_to(sensor) == strings{"09 0a 00 02 00 02 74 2f 62"});
}

TEST_CASE("a SUBSCRIBE by short name gets topic id 0x0000 and its messages come with the short name")
{
    core_harness h(quiet());
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "s4");
    subscribe(h, b,
              "07"     // Length
              "12"     // SUBSCRIBE
              "42"     // Flags: QoS 2, TopicIdType short name
              "00 09"  // MsgId 9
              "61 62", // "ab"
              "ab", mqtt5::qos::exactly_once, mqtt5::reason_code::granted_qos_2);
    CHECK(h.sent_to(sensor) == strings{"08 13 40 00 00 00 09 00"});
    b.publish("ab", "x");
    CHECK(h.sent_to(sensor) == strings{wire("08"     // Length
                                            "0c"     // PUBLISH
                                            "02"     // Flags: QoS 0, TopicIdType short name
                                            "61 62"  // "ab"
                                            "00 00"  // MsgId
                                            "78")}); // "x"
}

TEST_CASE("a SUBSCRIBE by predefined id gets that id, an unknown one SUBACK 0x02 and nothing upstream")
{
    auto c = quiet();
    c.predefined_topics = {{7, "pre/seven"}};
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "s5");
    subscribe(h, b,
              "07"     // Length
              "12"     // SUBSCRIBE
              "21"     // Flags: QoS 1, TopicIdType predefined
              "00 02"  // MsgId 2
              "00 07", // TopicId 7
              "pre/seven", mqtt5::qos::at_least_once, mqtt5::reason_code::granted_qos_1);
    CHECK(h.sent_to(sensor) == strings{"08 13 20 00 07 00 02 00"});
    b.publish("pre/seven", "!");
    CHECK(h.sent_to(sensor) == strings{"08 0c 01 00 07 00 00 21"});

    h.send(sensor, "07 12 21 00 03 00 08"); // predefined id 8: unknown
    CHECK(h.sent_to(sensor) == strings{"08 13 00 00 00 00 03 02"});
    CHECK(b.pending() == 0);
}

TEST_CASE("the broker's SUBACK failure codes reach the sensor as v1.2 return codes")
{
    const struct {
        mqtt5::reason_code broker;
        const char* suback;
    } cases[] = {
        {mqtt5::reason_code::quota_exceeded, "08 13 00 00 00 00 01 01"},       // congestion
        {mqtt5::reason_code::topic_filter_invalid, "08 13 00 00 00 00 01 02"}, // invalid topic
        {mqtt5::reason_code::not_authorized, "08 13 00 00 00 00 01 03"},       // not supported
        {mqtt5::reason_code::unspecified_error, "08 13 00 00 00 00 01 03"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.suback);
        core_harness h(quiet());
        h.auto_broker(true);
        auto& b = h.connect_sensor(sensor, "s6");
        subscribe(h, b, "08 12 20 00 01 74 2f 23", "t/#", mqtt5::qos::at_least_once, c.broker);
        CHECK(h.sent_to(sensor) == strings{c.suback});
        CHECK(h.client("s6")->subscriptions.empty());
    }
}

TEST_CASE("SUBSCRIBE by name past the topic limit is SUBACK 0x01 and nothing goes upstream")
{
    auto c = quiet();
    c.max_topics_per_client = 1;
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "s7");
    h.send(sensor, "07 0a 00 00 00 01 61"); // REGISTER "a": the one topic
    h.sent_to(sensor);
    h.send(sensor, "06 12 00 00 02 62"); // SUBSCRIBE "b"
    CHECK(h.sent_to(sensor) == strings{"08 13 00 00 00 00 02 01"});
    CHECK(b.pending() == 0);
}

TEST_CASE("UNSUBSCRIBE is answered with UNSUBACK after the broker's UNSUBACK")
{
    core_harness h(quiet());
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "s8");
    subscribe(h, b, "08 12 00 00 01 73 2f 74", "s/t", mqtt5::qos::at_most_once,
              mqtt5::reason_code::granted_qos_0);
    h.sent_to(sensor);
    h.send(sensor, "08"         // Length
                   "14"         // UNSUBSCRIBE
                   "00"         // Flags: TopicIdType normal
                   "00 02"      // MsgId 2
                   "73 2f 74"); // "s/t"
    const auto u = b.expect<mqtt5::unsubscribe_packet>();
    CHECK(u.topic_filters == strings{"s/t"});
    CHECK(h.sent_to(sensor).empty());
    b.unsuback(u.packet_id);
    CHECK(h.sent_to(sensor) == strings{"04 15 00 02"}); // UNSUBACK msg id 2
    CHECK(h.client("s8")->subscriptions.empty());
}

TEST_CASE("a SUBSCRIBE while the upstream link is down is SUBACK 0x01 congestion")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "s9", 60, false);
    b.link_down(); // reconnecting
    h.send(sensor, "08 12 00 00 01 73 2f 74");
    CHECK(h.sent_to(sensor) == strings{"08 13 00 00 00 00 01 01"});
}

TEST_CASE("subscriptions are made again when the broker has lost the session")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "s10", 60, false);
    subscribe(h, b, "08 12 20 00 01 74 2f 23", "t/#", mqtt5::qos::at_least_once,
              mqtt5::reason_code::granted_qos_1);
    h.sent_to(sensor);
    b.link_down();
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    b.connack_success(false); // Session Present 0: the broker restarted without persistence
    const auto s = b.expect<mqtt5::subscribe_packet>();
    REQUIRE(s.subscriptions.size() == 1);
    CHECK(s.subscriptions[0].topic_filter == "t/#");
    CHECK(s.subscriptions[0].options.max_qos == mqtt5::qos::at_least_once);
    b.suback(s.packet_id, {mqtt5::reason_code::granted_qos_1});
    CHECK(h.sent_to(sensor).empty()); // the sensor is not asked anything
    CHECK(h.client("s10")->subscriptions == strings{"t/#"});
}

TEST_CASE("a topic subscribed by name that is also predefined arrives with the SUBACK's topic id")
{
    auto c = quiet();
    c.predefined_topics = {{5, "p/t"}};
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "r5");
    subscribe(h, b,
              "08"        // Length
              "12"        // SUBSCRIBE
              "20"        // Flags: QoS 1, TopicIdType normal
              "00 01"     // MsgId 1
              "70 2f 74", // "p/t"
              "p/t", mqtt5::qos::at_least_once, mqtt5::reason_code::granted_qos_1);
    CHECK(h.sent_to(sensor) == strings{wire("08"     // Length
                                            "13"     // SUBACK
                                            "20"     // Flags: granted QoS 1
                                            "00 01"  // TopicId 1 (normal: predefined 5 is skipped)
                                            "00 01"  // MsgId 1
                                            "00")}); // accepted
    b.publish("p/t", "v");
    // §6.10: the id the sensor got from its SUBACK, not the predefined one.
    CHECK(h.sent_to(sensor) == strings{wire("08"     // Length
                                            "0c"     // PUBLISH
                                            "00"     // Flags: QoS 0, TopicIdType normal
                                            "00 01"  // TopicId 1
                                            "00 00"  // MsgId
                                            "76")}); // "v"
}

TEST_CASE("a predefined topic subscribed by name and then by its id arrives with the predefined id")
{
    auto c = quiet();
    c.predefined_topics = {{5, "p/t"}};
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "r6");
    subscribe(h, b, "08 12 00 00 01 70 2f 74", "p/t", mqtt5::qos::at_most_once,
              mqtt5::reason_code::granted_qos_0);
    CHECK(h.sent_to(sensor) == strings{"08 13 00 00 01 00 01 00"}); // normal id 1
    subscribe(h, b, "07 12 01 00 02 00 05", "p/t", mqtt5::qos::at_most_once,
              mqtt5::reason_code::granted_qos_0);
    CHECK(h.sent_to(sensor) == strings{"08 13 00 00 05 00 02 00"}); // predefined id 5
    b.publish("p/t", "v");
    CHECK(h.sent_to(sensor) == strings{"08 0c 01 00 05 00 00 76"}); // TopicIdType predefined, id 5
}

TEST_CASE("UNSUBSCRIBE by predefined id unsubscribes its name, an unknown id is answered at once")
{
    auto c = quiet();
    c.predefined_topics = {{7, "pre/seven"}};
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "u1");
    subscribe(h, b, "07 12 21 00 01 00 07", "pre/seven", mqtt5::qos::at_least_once,
              mqtt5::reason_code::granted_qos_1);
    h.sent_to(sensor);
    h.send(sensor, "07"      // Length
                   "14"      // UNSUBSCRIBE
                   "01"      // Flags: TopicIdType predefined
                   "00 02"   // MsgId 2
                   "00 07"); // TopicId 7
    const auto u = b.expect<mqtt5::unsubscribe_packet>();
    CHECK(u.topic_filters == strings{"pre/seven"});
    CHECK(h.sent_to(sensor).empty());
    b.unsuback(u.packet_id);
    CHECK(h.sent_to(sensor) == strings{"04 15 00 02"}); // UNSUBACK msg id 2
    CHECK(h.client("u1")->subscriptions.empty());

    h.send(sensor, "07 14 01 00 03 00 08");             // predefined id 8: unknown
    CHECK(h.sent_to(sensor) == strings{"04 15 00 03"}); // nothing was subscribed under it
    CHECK(b.pending() == 0);
}

TEST_CASE("UNSUBSCRIBE by short name unsubscribes the two-character topic")
{
    core_harness h(quiet());
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "u2");
    subscribe(h, b, "07 12 02 00 01 61 62", "ab", mqtt5::qos::at_most_once,
              mqtt5::reason_code::granted_qos_0);
    CHECK(h.sent_to(sensor) == strings{"08 13 00 00 00 00 01 00"});
    h.send(sensor, "07"      // Length
                   "14"      // UNSUBSCRIBE
                   "02"      // Flags: TopicIdType short name
                   "00 02"   // MsgId 2
                   "61 62"); // "ab"
    const auto u = b.expect<mqtt5::unsubscribe_packet>();
    CHECK(u.topic_filters == strings{"ab"});
    b.unsuback(u.packet_id);
    CHECK(h.sent_to(sensor) == strings{"04 15 00 02"});
    CHECK(h.client("u2")->subscriptions.empty());
}

TEST_CASE("UNSUBSCRIBE while the upstream link is down is not answered and goes through when re-sent")
{
    auto c = quiet();
    c.takeover_witness = {}; // the link_down below is an outage, though the own link stays up
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "u3");
    subscribe(h, b, "08 12 00 00 01 73 2f 74", "s/t", mqtt5::qos::at_most_once,
              mqtt5::reason_code::granted_qos_0);
    h.sent_to(sensor);
    h.auto_broker(false);
    b.link_down();                             // the gateway re-opens it at once
    h.send(sensor, "08 14 00 00 02 73 2f 74"); // UNSUBSCRIBE msg id 2, "s/t"
    CHECK(h.sent_to(sensor).empty());          // §6.13: the sensor re-sends it
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::broker_unavailable));
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    b.connack_success(true);
    h.send(sensor, "08 14 80 00 02 73 2f 74"); // the re-send (DUP)
    const auto u = b.expect<mqtt5::unsubscribe_packet>();
    CHECK(u.topic_filters == strings{"s/t"});
    b.unsuback(u.packet_id);
    CHECK(h.sent_to(sensor) == strings{"04 15 00 02"});
}
