// SPDX-License-Identifier: MIT
// Topic registration (MQTT-SN v1.2 §6.5, §6.7) and PUBLISH in both directions with end-to-end
// acknowledgement (§6.6, §6.10, design §3).
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/errc.hpp>

using namespace std::chrono_literals;
using sngw::test::bytes;
using sngw::test::core_harness;
using sngw::test::quiet;
using sngw::test::wire;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;

namespace {

const auto sensor = core_harness::peer(1);

// A connected sensor "p1" that registered "a" (topic id 1).
sngw::test::fake_broker& with_topic_a(core_harness& h)
{
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "p1");
    h.send(sensor, "07"                                            // Length
                   "0a"                                            // REGISTER
                   "00 00"                                         // TopicId 0 (from a client)
                   "00 01"                                         // MsgId 1
                   "61");                                          // TopicName "a"
    REQUIRE(h.sent_to(sensor) == strings{"07 0b 00 01 00 01 00"}); // REGACK id 1, accepted
    return b;
}

} // namespace

// ---- REGISTER from the sensor ----------------------------------------------------------------------

TEST_CASE("REGISTER gets a new topic id, and the same id again for the same name")
{
    core_harness h(quiet());
    with_topic_a(h);
    h.send(sensor, "09 0a 00 00 00 02 62 2f 63");                // REGISTER msg id 2, "b/c"
    h.send(sensor, "07 0a 00 00 00 03 61");                      // REGISTER msg id 3, "a" again
    CHECK(h.sent_to(sensor) == strings{"07 0b 00 02 00 02 00",   // REGACK id 2, msg id 2
                                       "07 0b 00 01 00 03 00"}); // REGACK id 1, msg id 3
    CHECK(h.client("p1")->topics == 2);
}

TEST_CASE("topic ids assigned by the gateway skip the predefined ones")
{
    auto c = quiet();
    c.predefined_topics = {{1, "pre/one"}, {3, "pre/three"}};
    core_harness h(c);
    h.auto_broker(true);
    h.connect_sensor(sensor, "p2");
    h.send(sensor, "07 0a 00 00 00 01 61"); // "a"
    h.send(sensor, "07 0a 00 00 00 02 62"); // "b"
    h.send(sensor, "07 0a 00 00 00 03 63"); // "c"
    CHECK(h.sent_to(sensor) ==
          strings{"07 0b 00 02 00 01 00", "07 0b 00 04 00 02 00", "07 0b 00 05 00 03 00"});
}

TEST_CASE("REGISTER past max_topics_per_client is rejected with congestion")
{
    auto c = quiet();
    c.max_topics_per_client = 1;
    core_harness h(c);
    with_topic_a(h);
    h.send(sensor, "07 0a 00 00 00 02 62");                      // "b": over the limit
    CHECK(h.sent_to(sensor) == strings{"07 0b 00 00 00 02 01"}); // REGACK rejected: congestion
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::topic_limit));
    h.send(sensor, "07 0a 00 00 00 03 61"); // "a" is still there
    CHECK(h.sent_to(sensor) == strings{"07 0b 00 01 00 03 00"});
}

TEST_CASE("REGISTER of a name with a wildcard is rejected as an invalid topic")
{
    core_harness h(quiet());
    with_topic_a(h);
    h.send(sensor, "07 0a 00 00 00 02 23"); // "#"
    CHECK(h.sent_to(sensor) == strings{"07 0b 00 00 00 02 02"});
}

// ---- PUBLISH from the sensor -------------------------------------------------------------------------

TEST_CASE("a sensor's QoS 0 PUBLISH goes upstream at once")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    h.send(sensor, "09"      // Length
                   "0c"      // PUBLISH
                   "10"      // Flags: QoS 0, Retain, TopicIdType normal
                   "00 01"   // TopicId 1 ("a")
                   "00 00"   // MsgId 0
                   "68 69"); // "hi"
    const auto p = b.expect<mqtt5::publish_packet>();
    CHECK(p.topic == "a");
    CHECK(p.qos == mqtt5::qos::at_most_once);
    CHECK(p.retain);
    CHECK(p.payload == bytes("hi"));
    CHECK(h.sent_to(sensor).empty());
    CHECK(h.stats().publishes_from_clients[0] == 1);
}

TEST_CASE("a sensor's QoS 1 PUBLISH is PUBACKed only after the broker's PUBACK")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    h.send(sensor, "09 0c 20 00 01 00 05 68 69"); // PUBLISH QoS 1, topic 1, msg id 5, "hi"
    const auto p = b.expect<mqtt5::publish_packet>();
    CHECK(p.qos == mqtt5::qos::at_least_once);
    CHECK(p.topic == "a");
    CHECK(h.sent_to(sensor).empty()); // nothing until the broker has it

    b.puback(p.packet_id);
    CHECK(h.sent_to(sensor) == strings{wire("07"     // Length
                                            "0d"     // PUBACK
                                            "00 01"  // TopicId 1
                                            "00 05"  // MsgId 5
                                            "00")}); // accepted
}

TEST_CASE("the broker's PUBACK failure codes reach the sensor as v1.2 return codes")
{
    const struct {
        mqtt5::reason_code broker;
        const char* puback;
    } cases[] = {
        {mqtt5::reason_code::no_matching_subscribers, "07 0d 00 01 00 05 00"},
        {mqtt5::reason_code::quota_exceeded, "07 0d 00 01 00 05 01"},     // congestion
        {mqtt5::reason_code::topic_name_invalid, "07 0d 00 01 00 05 02"}, // invalid topic id
        {mqtt5::reason_code::not_authorized, "07 0d 00 01 00 05 03"},     // not supported
    };
    for (const auto& c : cases) {
        CAPTURE(c.puback);
        core_harness h(quiet());
        auto& b = with_topic_a(h);
        h.send(sensor, "09 0c 20 00 01 00 05 68 69");
        b.puback(b.expect<mqtt5::publish_packet>().packet_id, c.broker);
        CHECK(h.sent_to(sensor) == strings{c.puback});
    }
}

TEST_CASE("a sensor's QoS 2 PUBLISH gets its PUBREC when the broker's flow is complete")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    h.send(sensor, "09 0c 40 00 01 00 07 68 69"); // PUBLISH QoS 2, msg id 7
    const auto p = b.expect<mqtt5::publish_packet>();
    CHECK(p.qos == mqtt5::qos::exactly_once);
    b.pubrec(p.packet_id);
    CHECK(b.expect<mqtt5::pubrel_packet>().packet_id == p.packet_id);
    CHECK(h.sent_to(sensor).empty());
    b.pubcomp(p.packet_id);
    CHECK(h.sent_to(sensor) == strings{"04 0f 00 07"}); // PUBREC msg id 7
    h.send(sensor, "04 10 00 07");                      // PUBREL
    CHECK(h.sent_to(sensor) == strings{"04 0e 00 07"}); // PUBCOMP
    CHECK(b.pending() == 0);
}

TEST_CASE("a DUP re-send of a QoS 1 PUBLISH the broker has not acknowledged is not published twice")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    h.send(sensor, "09 0c 20 00 01 00 05 68 69");
    const auto p = b.expect<mqtt5::publish_packet>();
    h.send(sensor, "09 0c a0 00 01 00 05 68 69"); // DUP, same msg id
    CHECK(b.pending() == 0);
    b.puback(p.packet_id);
    CHECK(h.sent_to(sensor) == strings{"07 0d 00 01 00 05 00"});
}

TEST_CASE("a QoS 2 PUBLISH repeated after its PUBREC gets the PUBREC again and is not published again")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    h.send(sensor, "09 0c 40 00 01 00 07 68 69");
    const auto p = b.expect<mqtt5::publish_packet>();
    b.pubrec(p.packet_id);
    b.pubcomp(p.packet_id);
    b.packets();
    CHECK(h.sent_to(sensor) == strings{"04 0f 00 07"});
    h.send(sensor, "09 0c c0 00 01 00 07 68 69"); // DUP: our PUBREC was lost
    CHECK(h.sent_to(sensor) == strings{"04 0f 00 07"});
    CHECK(b.pending() == 0);
}

TEST_CASE("a PUBLISH to a topic id the sensor never registered is answered with PUBACK 0x02")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    h.send(sensor, "09 0c 20 00 09 00 05 68 69"); // topic id 9
    CHECK(h.sent_to(sensor) == strings{"07 0d 00 09 00 05 02"});
    CHECK(b.pending() == 0);
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unknown_topic));
    h.send(sensor, "09 0c 00 00 09 00 00 68 69"); // QoS 0 gets the same answer (§6.6)
    CHECK(h.sent_to(sensor) == strings{"07 0d 00 09 00 00 02"});
}

TEST_CASE("a PUBLISH with a predefined topic id or a short topic name needs no REGISTER")
{
    auto c = quiet();
    c.predefined_topics = {{0x0102, "pre/defined"}};
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "p3");
    h.send(sensor, "08 0c 01 01 02 00 00 31"); // QoS 0, TopicIdType predefined, id 0x0102, "1"
    CHECK(b.expect<mqtt5::publish_packet>().topic == "pre/defined");
    h.send(sensor, "08 0c 02 73 74 00 00 32"); // QoS 0, TopicIdType short, "st", "2"
    CHECK(b.expect<mqtt5::publish_packet>().topic == "st");
    h.send(sensor, "08 0c 21 00 63 00 01 33"); // QoS 1, predefined id 0x0063: not configured
    CHECK(h.sent_to(sensor) == strings{"07 0d 00 63 00 01 02"});
}

// ---- PUBLISH toward the sensor ------------------------------------------------------------------------

TEST_CASE("a broker message on a topic the sensor registered is delivered with its topic id")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    b.publish("a", "hi");
    CHECK(h.sent_to(sensor) == strings{wire("09"        // Length
                                            "0c"        // PUBLISH
                                            "00"        // Flags: QoS 0, normal topic id
                                            "00 01"     // TopicId 1
                                            "00 00"     // MsgId 0
                                            "68 69")}); // "hi"
    CHECK(h.stats().publishes_to_clients[0] == 1);
}

TEST_CASE("a broker QoS 1 message is acknowledged to the broker only after the sensor's PUBACK")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    b.publish("a", "hi", mqtt5::qos::at_least_once, 10, true);
    CHECK(h.sent_to(sensor) == strings{"09 0c 30 00 01 00 01 68 69"}); // QoS 1, Retain, msg id 1
    CHECK(b.pending() == 0);                                           // no PUBACK upstream yet
    CHECK(h.client("p1")->in_flight == 1);
    h.send(sensor, "07 0d 00 01 00 01 00"); // the sensor's PUBACK
    const auto ack = b.expect<mqtt5::puback_packet>();
    CHECK(ack.packet_id == 10);
    CHECK(ack.reason == mqtt5::reason_code::success);
    CHECK(h.client("p1")->in_flight == 0);
}

TEST_CASE("a broker QoS 2 message gets PUBREC upstream after the sensor's PUBREC, then PUBREL and PUBCOMP")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    b.publish("a", "hi", mqtt5::qos::exactly_once, 11);
    CHECK(h.sent_to(sensor) == strings{"09 0c 40 00 01 00 01 68 69"});
    CHECK(b.pending() == 0);
    h.send(sensor, "04 0f 00 01"); // PUBREC from the sensor
    CHECK(b.expect<mqtt5::pubrec_packet>().packet_id == 11);
    CHECK(h.sent_to(sensor) == strings{"04 10 00 01"}); // PUBREL to the sensor
    b.pubrel(11);
    CHECK(b.expect<mqtt5::pubcomp_packet>().packet_id == 11);
    h.send(sensor, "04 0e 00 01"); // PUBCOMP
    CHECK(h.client("p1")->in_flight == 0);
    CHECK(h.dropped().empty());
}

TEST_CASE("QoS 0 messages wait behind the outstanding QoS 1 message and keep their order")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    b.publish("a", "1", mqtt5::qos::at_least_once, 20);
    b.publish("a", "2");
    b.publish("a", "3", mqtt5::qos::at_least_once, 21);
    b.publish("a", "4");
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 01 31"}); // only the first
    CHECK(h.client("p1")->buffered == 3);
    h.send(sensor, "07 0d 00 01 00 01 00");
    CHECK(h.sent_to(sensor) == strings{"08 0c 00 00 01 00 00 32", "08 0c 20 00 01 00 02 33"});
    h.send(sensor, "07 0d 00 01 00 02 00");
    CHECK(h.sent_to(sensor) == strings{"08 0c 00 00 01 00 00 34"});
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 20);
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 21);
}

TEST_CASE("a broker message on a topic the sensor has no id for is preceded by REGISTER")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    b.publish("x/y", "hi", mqtt5::qos::at_least_once, 30);
    CHECK(h.sent_to(sensor) == strings{wire("09"           // Length
                                            "0a"           // REGISTER
                                            "00 02"        // TopicId 2 (assigned now)
                                            "00 01"        // MsgId 1
                                            "78 2f 79")}); // "x/y"
    h.send(sensor, "07 0b 00 02 00 01 00");                // REGACK accepted
    CHECK(h.sent_to(sensor) == strings{"09 0c 20 00 02 00 02 68 69"});
    h.send(sensor, "07 0d 00 02 00 02 00");
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 30);
    b.publish("x/y", "again"); // known now: no REGISTER
    CHECK(h.sent_to(sensor) == strings{"0c 0c 00 00 02 00 00 61 67 61 69 6e"});
}

TEST_CASE("a REGACK rejection drops the message, acknowledges it upstream and stops that topic")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    b.publish("x/y", "hi", mqtt5::qos::at_least_once, 30);
    CHECK(h.sent_to(sensor) == strings{"09 0a 00 02 00 01 78 2f 79"});
    h.send(sensor, "07 0b 00 02 00 01 03"); // REGACK rejected: not supported
    const auto ack = b.expect<mqtt5::puback_packet>();
    CHECK(ack.packet_id == 30);
    CHECK(mqtt5::is_error(ack.reason)); // the broker does not re-send it
    auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unknown_topic));
    // §6.10: "corresponds to an unsubscribe": later messages on it go the same way, no REGISTER.
    b.publish("x/y", "more", mqtt5::qos::at_least_once, 31);
    CHECK(h.sent_to(sensor).empty());
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 31);
    CHECK(h.dropped().size() == 1);
    b.publish("a", "ok"); // other topics are not affected
    CHECK(h.sent_to(sensor) == strings{"09 0c 00 00 01 00 00 6f 6b"});
}

TEST_CASE("a PUBACK 0x02 from the sensor makes the gateway REGISTER the topic again and re-send")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    b.publish("a", "hi", mqtt5::qos::at_least_once, 40);
    CHECK(h.sent_to(sensor) == strings{"09 0c 20 00 01 00 01 68 69"});
    h.send(sensor, "07 0d 00 01 00 01 02");                      // the sensor forgot topic id 1
    CHECK(h.sent_to(sensor) == strings{"07 0a 00 01 00 02 61"}); // REGISTER id 1 "a", msg id 2
    CHECK(b.pending() == 0);
    h.send(sensor, "07 0b 00 01 00 02 00");
    CHECK(h.sent_to(sensor) == strings{"09 0c 20 00 01 00 03 68 69"});
    h.send(sensor, "07 0d 00 01 00 03 00");
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 40);
}

TEST_CASE("a broker message too large for max_datagram_size is not sent, acknowledged upstream and counted")
{
    auto c = quiet();
    c.max_datagram_size = 20;
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "p4");
    h.send(sensor, "07 0a 00 00 00 01 61");
    h.sent_to(sensor);
    b.publish("a", std::string(13, 'z'), mqtt5::qos::at_least_once, 50); // 7 + 13 = 20: fits
    CHECK(h.sent_to(sensor).size() == 1);
    h.send(sensor, "07 0d 00 01 00 01 00");
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 50);
    b.publish("a", std::string(14, 'z'), mqtt5::qos::at_least_once, 51); // 21 octets
    CHECK(h.sent_to(sensor).empty());
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 51);
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::message_too_large));
}

TEST_CASE("a broker message on a predefined topic is sent with its predefined id")
{
    auto c = quiet();
    c.predefined_topics = {{7, "pre/seven"}};
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "p5");
    b.publish("pre/seven", "!");
    CHECK(h.sent_to(sensor) == strings{"08 0c 01 00 07 00 00 21"}); // TopicIdType predefined
}

TEST_CASE("a sensor's QoS 2 PUBLISH the broker refuses at PUBREC is answered with a PUBACK carrying the code")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    h.send(sensor, "09 0c 40 00 01 00 07 68 69");
    b.pubrec(b.expect<mqtt5::publish_packet>().packet_id, mqtt5::reason_code::quota_exceeded);
    CHECK(h.sent_to(sensor) == strings{"07 0d 00 01 00 07 01"}); // §6.6: PUBACK rejected: congestion
    CHECK(b.pending() == 0);                                     // no PUBREL: the flow ended
}

TEST_CASE("a sensor's QoS 1 PUBLISH made while the upstream link is re-opened is PUBACKed once it is back")
{
    core_harness h(quiet());
    h.send(sensor, "08 04 00 01 00 3c 70 31"); // CONNECT clean 0, "p1"
    auto& b = h.broker("p1");
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    b.connack_success();
    h.send(sensor, "07 0a 00 00 00 01 61");
    h.sent_to(sensor);

    b.link_down(); // re-opened at once, not up yet
    h.send(sensor, "09 0c 20 00 01 00 05 68 69");
    CHECK(h.sent_to(sensor).empty());
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    b.connack_success(true);
    const auto p = b.expect<mqtt5::publish_packet>(); // sent when the session is back
    CHECK(p.topic == "a");
    b.puback(p.packet_id);
    CHECK(h.sent_to(sensor) == strings{"07 0d 00 01 00 05 00"});
}

TEST_CASE("messages the broker re-sends when the session resumes reach the sensor after its CONNACK")
{
    core_harness h(quiet());
    h.send(sensor, "08 04 00 01 00 3c 70 32"); // CONNECT clean 0, "p2"
    auto& b = h.broker("p2");
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    // The broker answers and at once delivers what it kept for the session (MQTT 5.0 §4.4).
    b.connack_success(true);
    b.publish("kept/1", "k", mqtt5::qos::at_least_once, 3);
    CHECK(h.sent_to(sensor) == strings{"03 05 00", "0c 0a 00 01 00 01 6b 65 70 74 2f 31"}); // REGISTER
    h.send(sensor, "07 0b 00 01 00 01 00");
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 02 6b"});
    h.send(sensor, "07 0d 00 01 00 02 00");
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 3);
}

TEST_CASE("the gateway's counters count publishes both ways by QoS")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    h.send(sensor, "08 0c 00 00 01 00 00 31"); // QoS 0
    h.send(sensor, "08 0c 20 00 01 00 02 32"); // QoS 1
    h.send(sensor, "08 0c 40 00 01 00 03 33"); // QoS 2
    b.publish("a", "x");
    b.publish("a", "y", mqtt5::qos::at_least_once, 1);
    const auto& s = h.stats();
    CHECK(s.publishes_from_clients[0] == 1);
    CHECK(s.publishes_from_clients[1] == 1);
    CHECK(s.publishes_from_clients[2] == 1);
    CHECK(s.publishes_to_clients[0] == 1);
    CHECK(s.publishes_to_clients[1] == 1);
}

// ---- review findings (issue #4) ---------------------------------------------------------------------

TEST_CASE("a DUP re-send of a QoS 2 PUBLISH before the broker completed its flow is not published twice")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    h.send(sensor, "09 0c 40 00 01 00 07 68 69"); // PUBLISH QoS 2, topic id 1, msg id 7, "hi"
    const auto p = b.expect<mqtt5::publish_packet>();
    b.pubrec(p.packet_id);
    CHECK(b.expect<mqtt5::pubrel_packet>().packet_id == p.packet_id);
    h.send(sensor, "09"               // Length
                   "0c"               // PUBLISH
                   "c0"               // Flags: DUP, QoS 2, TopicIdType normal
                   "00 01"            // TopicId 1
                   "00 07"            // MsgId 7
                   "68 69");          // "hi"
    CHECK(b.pending() == 0);          // not published again
    CHECK(h.sent_to(sensor).empty()); // nor answered before the broker's flow is complete
    b.pubcomp(p.packet_id);
    CHECK(h.sent_to(sensor) == strings{"04 0f 00 07"}); // PUBREC msg id 7, once
    h.send(sensor, "04 10 00 07");                      // PUBREL
    CHECK(h.sent_to(sensor) == strings{"04 0e 00 07"}); // PUBCOMP
    CHECK(h.stats().publishes_from_clients[2] == 1);
}

TEST_CASE("a QoS 2 PUBLISH whose broker flow completes while the sensor reconnects is published once")
{
    core_harness h(quiet());
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "q2", 60, false);
    h.send(sensor, "07 0a 00 00 00 01 61"); // REGISTER "a"
    REQUIRE(h.sent_to(sensor) == strings{"07 0b 00 01 00 01 00"});
    h.send(sensor, "09 0c 40 00 01 00 05 68 69"); // PUBLISH QoS 2, msg id 5, "hi"
    const auto p = b.expect<mqtt5::publish_packet>();
    // The sensor reconnects before its PUBREC came (CleanSession 0, Will 1).
    h.send(sensor, "08"                             // Length
                   "04"                             // CONNECT
                   "08"                             // Flags: Will, CleanSession 0
                   "01"                             // ProtocolId
                   "00 3c"                          // Duration 60 s
                   "71 32");                        // ClientId "q2"
    REQUIRE(h.sent_to(sensor) == strings{"02 06"}); // WILLTOPICREQ
    b.pubrec(p.packet_id);
    b.expect<mqtt5::pubrel_packet>();
    b.pubcomp(p.packet_id);           // the broker's flow completes during the will flow
    CHECK(h.sent_to(sensor).empty()); // the sensor cannot take the PUBREC now
    h.send(sensor, "02 07");          // empty WILLTOPIC: no will
    REQUIRE(h.sent_to(sensor) == strings{"03 05 00"});
    h.send(sensor, "09 0c c0 00 01 00 05 68 69");       // the sensor re-sends its PUBLISH with DUP (§6.13)
    CHECK(b.pending() == 0);                            // exactly once
    CHECK(h.sent_to(sensor) == strings{"04 0f 00 05"}); // PUBREC msg id 5
    h.send(sensor, "04 10 00 05");
    CHECK(h.sent_to(sensor) == strings{"04 0e 00 05"});
}

TEST_CASE("a sensor reconnecting without CleanSession gets REGISTER before the first message on its topic")
{
    core_harness h(quiet());
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "r2", 60, false);
    h.send(sensor, "07 0a 00 00 00 01 61"); // REGISTER "a": topic id 1
    REQUIRE(h.sent_to(sensor) == strings{"07 0b 00 01 00 01 00"});
    h.send(sensor, "02 18"); // DISCONNECT
    REQUIRE(h.sent_to(sensor) == strings{"02 18"});
    CHECK(&h.connect_sensor(sensor, "r2", 60, false) == &b);
    b.packets(); // the DISCONNECT that ended the old link
    b.publish("a", "x");
    // §6.5, §6.10: the sensor may have lost its ids: the same id is REGISTERed before it is used.
    CHECK(h.sent_to(sensor) == strings{wire("07"     // Length
                                            "0a"     // REGISTER
                                            "00 01"  // TopicId 1 (the same id)
                                            "00 01"  // MsgId 1
                                            "61")}); // "a"
    h.send(sensor, "07 0b 00 01 00 01 00");          // REGACK accepted
    CHECK(h.sent_to(sensor) == strings{"08 0c 00 00 01 00 00 78"});
    b.publish("a", "y"); // told now: no REGISTER
    CHECK(h.sent_to(sensor) == strings{"08 0c 00 00 01 00 00 79"});
    h.send(sensor, "08 0c 00 00 01 00 00 7a"); // and the sensor's own PUBLISH on id 1 still works
    CHECK(b.expect<mqtt5::publish_packet>().topic == "a");
}

TEST_CASE("a PUBACK 0x03 from the sensor drops the message, acknowledges it upstream with 0x80 and counts it")
{
    core_harness h(quiet());
    auto& b = with_topic_a(h);
    b.publish("a", "m", mqtt5::qos::at_least_once, 9);
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 01 6d"});
    h.send(sensor, "07"    // Length
                   "0d"    // PUBACK
                   "00 01" // TopicId 1
                   "00 01" // MsgId 1
                   "03");  // rejected: not supported
    const auto ack = b.expect<mqtt5::puback_packet>();
    CHECK(ack.packet_id == 9);
    CHECK(ack.reason == mqtt5::reason_code::unspecified_error);
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].detail == "PUBLISH on a: PUBACK 0x03");
    CHECK(h.stats().datagrams_dropped == 1);
    b.publish("a", "n"); // the next one goes out
    CHECK(h.sent_to(sensor) == strings{"08 0c 00 00 01 00 00 6e"});
}
