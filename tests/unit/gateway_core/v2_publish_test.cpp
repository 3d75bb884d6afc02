// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 (CSD01) PUBLISH in the core, both ways: from the sensor by session alias, predefined
// alias and Topic Name with QoS 0/1/2 acknowledged end to end (design §3) and the broker's codes
// mapped (§2.3, reason_mapping); to the sensor with QoS 0/1/2, its acknowledgements passed upstream,
// exponential retransmission back-off (§4.4, Appendix C.4), the sensor's Maximum Packet Size
// (§3.1.7), Default Awake Messages while it sleeps (§4.14); bad input (§4.12).
#include "v2_topics_helpers.hpp"

#include "reason_mapping.hpp"

#include <sngw/core/errc.hpp>

#include <algorithm>

using namespace std::chrono_literals;
using sngw::test::bytes;
using sngw::test::core_harness;
using sngw::test::quiet;
using sngw::test::wire;
using sngw::test::v2b::sensor;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;
namespace v2b = sngw::test::v2b;

namespace {

// SUBSCRIBE "d/t" QoS 2 (Packet Identifier 1) -> SUBACK session alias 1, granted QoS 2.
void subscribe_d_t(core_harness& h, sngw::test::fake_broker& b)
{
    v2b::subscribe(h, b,
                   "08"        // Length
                   "08"        // SUBSCRIBE
                   "43"        // Flags: QoS 2, Topic Type 0b11
                   "00 01"     // Packet Identifier 1
                   "64 2f 74", // "d/t"
                   "d/t", mqtt5::reason_code::granted_qos_2);
    REQUIRE(h.sent_to(sensor) == strings{wire("08"     // Length
                                              "09"     // SUBACK
                                              "04"     // Flags: Topic Alias present, session alias
                                              "00 01"  // Packet Identifier 1
                                              "00 01"  // Topic Alias 1
                                              "02")}); // granted QoS 2
}

} // namespace

// ---- sensor -> broker -------------------------------------------------------------------------

TEST_CASE("v2.0 PUBLISH QoS 0 by session alias goes upstream with its Retain flag and gets no answer")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    v2b::register_s_t(h);
    h.send(sensor, "07"      // Length
                   "03"      // PUBLISH
                   "10"      // Flags: QoS 0, Retain, session alias
                   "00 01"   // Topic Alias 1 (no Packet Identifier at QoS 0)
                   "68 69"); // "hi"
    const auto p = b.expect<mqtt5::publish_packet>();
    CHECK(p.topic == "s/t");
    CHECK(p.qos == mqtt5::qos::at_most_once);
    CHECK(p.retain);
    CHECK(p.payload == bytes("hi"));
    CHECK(h.sent_to(sensor).empty());
}

TEST_CASE("v2.0 PUBLISH QoS 1 by predefined alias is PUBACKed only after the broker's PUBACK")
{
    core_harness h(v2b::with_predefined());
    auto& b = v2b::connect(h);
    h.send(sensor, "09"      // Length
                   "03"      // PUBLISH
                   "21"      // Flags: QoS 1, predefined alias
                   "00 03"   // Packet Identifier 3
                   "00 05"   // Topic Alias 5
                   "68 69"); // "hi"
    const auto p = b.expect<mqtt5::publish_packet>();
    CHECK(p.topic == "pre/five");
    CHECK(p.qos == mqtt5::qos::at_least_once);
    CHECK(h.sent_to(sensor).empty());
    h.send(sensor, "09 03 21 00 03 00 05 68 69"); // a re-send before the broker answered
    CHECK(b.pending() == 0);                      // published once
    b.puback(p.packet_id);
    CHECK(h.sent_to(sensor) == strings{wire("04"        // Length
                                            "04"        // PUBACK
                                            "00 03")}); // Packet Identifier 3 (0x00 left out)
}

TEST_CASE("v2.0 PUBLISH QoS 2 by Topic Name is PUBRECed after the broker's PUBCOMP and PUBREL gets PUBCOMP")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    h.send(sensor, "0b"       // Length
                   "03"       // PUBLISH
                   "43"       // Flags: QoS 2, Topic Type 0b11
                   "00 04"    // Packet Identifier 4
                   "00 03"    // Topic Name Length 3
                   "71 2f 32" // "q/2"
                   "78");     // "x"
    const auto p = b.expect<mqtt5::publish_packet>();
    CHECK(p.topic == "q/2");
    CHECK(p.qos == mqtt5::qos::exactly_once);
    h.send(sensor, "0b 03 c3 00 04 00 03 71 2f 32 78"); // the same with DUP (§3.6.2.2.3)
    CHECK(b.pending() == 0);
    b.pubrec(p.packet_id);
    (void)b.expect<mqtt5::pubrel_packet>();
    CHECK(h.sent_to(sensor).empty());
    b.pubcomp(p.packet_id);
    CHECK(h.sent_to(sensor) == strings{wire("04 05 00 04")}); // PUBREC Packet Identifier 4
    h.send(sensor, "0b 03 c3 00 04 00 03 71 2f 32 78");       // our PUBREC was lost: again, once
    CHECK(h.sent_to(sensor) == strings{wire("04 05 00 04")});
    CHECK(b.pending() == 0);
    h.send(sensor, "04 06 00 04");                            // PUBREL
    CHECK(h.sent_to(sensor) == strings{wire("04 07 00 04")}); // PUBCOMP
}

TEST_CASE("v2.0 PUBLISH to an unknown session alias gets Unknown Topic Alias")
{
    core_harness h(v2b::with_predefined());
    auto& b = v2b::connect(h);
    h.send(sensor, "07 03 20 00 05 00 09");          // QoS 1, session alias 9 (never given), no payload
    CHECK(h.sent_to(sensor) == strings{wire("05"     // Length
                                            "04"     // PUBACK
                                            "00 05"  // Packet Identifier 5
                                            "f0")}); // 0xF0 Unknown Topic Alias
    // The wrong type: 5 is a predefined alias, no session alias (separate value spaces, §4.7.2).
    h.send(sensor, "08 03 20 00 06 00 05 78");
    CHECK(h.sent_to(sensor) == strings{wire("05 04 00 06 f0")});
    // QoS 2 is answered with PUBREC (Figure 3-11); an unknown predefined alias likewise.
    h.send(sensor, "08 03 41 00 07 00 06 78");
    CHECK(h.sent_to(sensor) == strings{wire("05 05 00 07 f0")});
    CHECK(b.pending() == 0);
    const auto d = h.dropped();
    REQUIRE(d.size() == 3);
    CHECK(d[0].error == core::make_error_code(core::errc::unknown_topic));
}

TEST_CASE("v2.0 PUBLISH with a wildcard in its Topic Name gets Topic Name invalid and at QoS 0 is dropped")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    h.send(sensor, "0a"                                          // Length
                   "03"                                          // PUBLISH
                   "23"                                          // Flags: QoS 1, Topic Type 0b11
                   "00 07"                                       // Packet Identifier 7
                   "00 03"                                       // Topic Name Length 3
                   "61 2f 23");                                  // "a/#"
    CHECK(h.sent_to(sensor) == strings{wire("05 04 00 07 90")}); // PUBACK 0x90 Topic Name invalid
    h.send(sensor, "08 03 03 00 03 61 2f 2b");                   // QoS 0 "a/+"
    CHECK(h.sent_to(sensor).empty());
    CHECK(b.pending() == 0);
    CHECK(h.dropped().size() == 2);
}

TEST_CASE("the broker's failure codes reach the v2.0 sensor mapped to codes its PUBACK and PUBREC carry")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    v2b::register_s_t(h);
    struct row {
        mqtt5::reason_code broker;
        std::string puback;
    };
    const row rows[] = {
        {mqtt5::reason_code::no_matching_subscribers, "05 04 00 02 10"}, // same value
        {mqtt5::reason_code::not_authorized, "05 04 00 02 87"},          // same value
        {mqtt5::reason_code::topic_name_invalid, "05 04 00 02 90"},      // same value
        {mqtt5::reason_code::quota_exceeded, "05 04 00 02 f1"},          // not in PUBACK: Congestion
        {mqtt5::reason_code::implementation_specific_error, "05 04 00 02 83"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.puback);
        h.send(sensor, "08 03 20 00 02 00 01 76"); // QoS 1, Packet Identifier 2, alias 1, "v"
        b.puback(b.expect<mqtt5::publish_packet>().packet_id, r.broker);
        CHECK(h.sent_to(sensor) == strings{wire(r.puback)});
    }
    // QoS 2 refused by the broker's PUBREC: the sensor's PUBREC carries it.
    h.send(sensor, "08 03 40 00 03 00 01 76");
    b.pubrec(b.expect<mqtt5::publish_packet>().packet_id, mqtt5::reason_code::not_authorized);
    CHECK(h.sent_to(sensor) == strings{wire("05 05 00 03 87")});
}

TEST_CASE("every v2.0 PUBACK, SUBACK and UNSUBACK code of the table is one CSD01 allows in that packet")
{
    // CSD01 §2.3 Figure 2-7 (0x95 in PUBACK by issue #5).
    const std::vector<std::uint8_t> puback{0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x95, 0x99, 0xF0, 0xF1};
    const std::vector<std::uint8_t> suback{0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F,
                                           0x91, 0x97, 0x9E, 0xA1, 0xA2, 0xF0, 0xF1};
    const std::vector<std::uint8_t> unsuback{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91, 0xF0};
    auto in = [](const std::vector<std::uint8_t>& v, std::uint8_t c) {
        return std::find(v.begin(), v.end(), c) != v.end();
    };
    for (const auto& row : sngw::core::detail::reason_table()) {
        CAPTURE(static_cast<int>(row.reason));
        CHECK(in(puback, row.v2_puback));
        CHECK(in(suback, row.v2_suback));
        CHECK(in(unsuback, row.v2_unsuback));
        // Same value where the packet has the code (§2.3, digest B.5).
        const auto rc = static_cast<std::uint8_t>(row.reason);
        if (in(puback, rc)) CHECK(row.v2_puback == rc);
        if (in(suback, rc)) CHECK(row.v2_suback == rc);
        if (in(unsuback, rc)) CHECK(row.v2_unsuback == rc);
    }
    CHECK(sngw::core::detail::mqtt5_ack_reason(0xF0) == mqtt5::reason_code::unspecified_error);
    CHECK(sngw::core::detail::mqtt5_ack_reason(0x10) == mqtt5::reason_code::no_matching_subscribers);
    CHECK(sngw::core::detail::mqtt5_ack_reason(0x87) == mqtt5::reason_code::not_authorized);
}

TEST_CASE("a v2.0 PUBLISH over the broker's Maximum Packet Size gets 0x95 at QoS 1 and is dropped and "
          "counted at QoS 0")
{
    core_harness h(quiet());
    mqtt5::properties props;
    props.maximum_packet_size = 20;
    auto& b = v2b::connect(h, 0, std::nullopt, props);
    v2b::register_s_t(h);
    const std::string big(30, 'x');
    std::string datagram = "25 03 20 00 08 00 01"; // Length 37, PUBLISH QoS 1, Packet Id 8, alias 1
    for (std::size_t i = 0; i < big.size(); ++i)
        datagram += " 78";
    h.send(sensor, datagram);
    CHECK(h.sent_to(sensor) == strings{wire("05 04 00 08 95")}); // PUBACK 0x95 Packet too large
    std::string qos0 = "23 03 00 00 01";                         // Length 35, PUBLISH QoS 0, alias 1
    for (std::size_t i = 0; i < big.size(); ++i)
        qos0 += " 78";
    h.send(sensor, qos0);
    CHECK(h.sent_to(sensor).empty());
    CHECK(b.pending() == 0);
    CHECK(h.stats().qos0_dropped == 1);
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::message_too_large));
}

TEST_CASE("v2.0 PUBREL without PUBREC gets PUBCOMP Packet Identifier not found")
{
    core_harness h(quiet());
    v2b::connect(h);
    h.send(sensor, "04 06 00 09");                   // PUBREL Packet Identifier 9
    CHECK(h.sent_to(sensor) == strings{wire("05"     // Length
                                            "07"     // PUBCOMP
                                            "00 09"  // Packet Identifier 9
                                            "92")}); // 0x92 Packet Identifier not found
}

// ---- broker -> sensor -------------------------------------------------------------------------

TEST_CASE(
    "a broker message reaches the v2.0 sensor at QoS 2 and QoS 1 with the sensor's codes passed upstream")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    subscribe_d_t(h, b);

    b.publish("d/t", "a", mqtt5::qos::exactly_once, 9);
    CHECK(h.sent_to(sensor) == strings{wire("08"     // Length
                                            "03"     // PUBLISH
                                            "40"     // Flags: QoS 2, session alias
                                            "00 01"  // Packet Identifier 1
                                            "00 01"  // Topic Alias 1
                                            "61")}); // "a"
    CHECK(b.pending() == 0);       // the broker's PUBREC waits for the sensor's (design §3)
    h.send(sensor, "04 05 00 01"); // PUBREC
    const auto rec = b.expect<mqtt5::pubrec_packet>();
    CHECK(rec.packet_id == 9);
    CHECK(h.sent_to(sensor) == strings{wire("04 06 00 01")}); // PUBREL
    h.send(sensor, "04 05 00 01");                            // PUBREC again: our PUBREL was lost
    CHECK(h.sent_to(sensor) == strings{wire("04 06 00 01")});
    h.send(sensor, "04 07 00 01"); // PUBCOMP
    b.pubrel(9);
    (void)b.expect<mqtt5::pubcomp_packet>();

    b.publish("d/t", "b", mqtt5::qos::at_least_once, 10);
    CHECK(h.sent_to(sensor) == strings{wire("08 03 20 00 02 00 01 62")}); // QoS 1, Packet Id 2
    h.send(sensor, "05 04 00 02 10"); // PUBACK 0x10 No matching subscribers
    const auto ack = b.expect<mqtt5::puback_packet>();
    CHECK(ack.packet_id == 10);
    CHECK(ack.reason == mqtt5::reason_code::no_matching_subscribers);

    b.publish("d/t", "c", mqtt5::qos::at_most_once, 0, true);
    CHECK(h.sent_to(sensor) == strings{wire("06"     // Length
                                            "03"     // PUBLISH
                                            "10"     // Flags: QoS 0, Retain, session alias
                                            "00 01"  // Topic Alias 1
                                            "63")}); // "c"
}

TEST_CASE("a v2.0 sensor's failing PUBREC ends the QoS 2 flow on both hops")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    subscribe_d_t(h, b);
    b.publish("d/t", "a", mqtt5::qos::exactly_once, 9);
    CHECK(h.sent_to(sensor) == strings{wire("08 03 40 00 01 00 01 61")});
    h.send(sensor, "05 05 00 01 80"); // PUBREC 0x80 Unspecified error
    const auto rec = b.expect<mqtt5::pubrec_packet>();
    CHECK(rec.packet_id == 9);
    CHECK(rec.reason == mqtt5::reason_code::unspecified_error);
    CHECK(h.sent_to(sensor).empty());                     // no PUBREL
    b.publish("d/t", "b", mqtt5::qos::at_least_once, 10); // the next one goes at once
    CHECK(h.sent_to(sensor) == strings{wire("08 03 20 00 02 00 01 62")});
}

TEST_CASE("v2.0 acknowledgements for a packet id not in flight are dropped and counted")
{
    core_harness h(quiet());
    v2b::connect(h);
    h.send(sensor, "04 04 00 07"); // PUBACK
    h.send(sensor, "04 05 00 07"); // PUBREC
    h.send(sensor, "04 07 00 07"); // PUBCOMP
    CHECK(h.sent_to(sensor).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 3);
    for (const auto& x : d)
        CHECK(x.error == core::make_error_code(core::errc::unexpected_message));
}

TEST_CASE(
    "v2.0 retransmissions back off exponentially up to 60 s and are byte-identical but for DUP on QoS 2")
{
    auto cfg = quiet();
    cfg.retry_interval = 20s;
    cfg.retry_count = 4;
    core_harness h(cfg);
    auto& b = v2b::connect(h);
    subscribe_d_t(h, b);
    h.auto_pingresp(true);

    b.publish("d/t", "a", mqtt5::qos::exactly_once, 9);
    CHECK(h.sent_to(sensor) == strings{wire("08 03 40 00 01 00 01 61")});
    const auto dup = wire("08"    // Length
                          "03"    // PUBLISH
                          "c0"    // Flags: DUP, QoS 2, session alias
                          "00 01" // Packet Identifier 1 (the same)
                          "00 01" // Topic Alias 1
                          "61");  // "a"
    // CSD01 Appendix C.4: 20 s, then doubling (40 s), capped by C.3's Max. Retry Interval (60 s).
    const std::chrono::seconds waits[] = {20s, 40s, 60s, 60s};
    for (const auto w : waits) {
        CAPTURE(w.count());
        h.advance(w - 1s);
        CHECK(h.sent_to(sensor).empty());
        h.advance(1s);
        CHECK(h.sent_to(sensor) == strings{dup});
    }
    // N_RETRY re-sends and one more interval without an answer: the sensor is gone (§4.4).
    h.advance(59s);
    CHECK(h.state_of(sensor) == core::client_state::active);
    CHECK_FALSE(b.closed());
    h.advance(1s);
    CHECK(h.state_of(sensor) != core::client_state::active); // lost (or gone: Session Expiry 0)
    CHECK(b.close_mode() == mqtt5::close_mode::abrupt);      // no DISCONNECT: the will fires
}

TEST_CASE("a v2.0 QoS 1 retransmission carries no DUP")
{
    auto cfg = quiet();
    cfg.retry_interval = 1s;
    core_harness h(cfg);
    auto& b = v2b::connect(h);
    subscribe_d_t(h, b);
    b.publish("d/t", "b", mqtt5::qos::at_least_once, 10);
    CHECK(h.sent_to(sensor) == strings{wire("08 03 20 00 01 00 01 62")});
    h.advance(1s);
    CHECK(h.sent_to(sensor) == strings{wire("08 03 20 00 01 00 01 62")}); // byte-identical (§4.4)
    h.advance(2s);
    CHECK(h.sent_to(sensor) == strings{wire("08 03 20 00 01 00 01 62")});
}

TEST_CASE("a broker message over the v2.0 sensor's Maximum Packet Size is acknowledged upstream and counted")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h, 12);                                 // the sensor takes at most 12 octets
    subscribe_d_t(h, b);                                           // SUBACK: 8 octets
    b.publish("d/t", "0123456789", mqtt5::qos::at_least_once, 11); // PUBLISH would be 17 octets
    CHECK(h.sent_to(sensor).empty());
    const auto ack = b.expect<mqtt5::puback_packet>(); // CSD01 §3.1.7: as if sent
    CHECK(ack.packet_id == 11);
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::message_too_large));
    b.publish("d/t", "ok", mqtt5::qos::at_most_once); // 8 octets: goes
    CHECK(h.sent_to(sensor) == strings{wire("07 03 00 00 01 6f 6b")});
}

TEST_CASE(
    "an awake v2.0 sensor gets at most Default Awake Messages per PINGREQ and PINGRESP says how many remain")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h, 0, 1); // Default Awake Messages 1
    subscribe_d_t(h, b);
    h.send(sensor, "09 13 01 00 02 00 00 00 64"); // SLEEPREQ Retain Topic Aliases, Packet Id 2, 100 s
    (void)h.sent_to(sensor);                      // SLEEPRESP (engineer A's)
    REQUIRE(h.state_of(sensor) == core::client_state::asleep);
    b.publish("d/t", "a", mqtt5::qos::at_least_once, 21);
    b.publish("d/t", "b", mqtt5::qos::at_least_once, 22);
    b.publish("d/t", "c", mqtt5::qos::at_most_once);
    (void)h.sent_to(sensor); // a WAKEUP hint, if any: nothing else goes to a sleeper

    h.send(sensor, "04 0c 00 03"); // PINGREQ Packet Identifier 3
    CHECK(h.sent_to(sensor) == strings{wire("08 03 20 00 01 00 01 61")});
    h.send(sensor, "04 04 00 01");                   // PUBACK
    CHECK(h.sent_to(sensor) == strings{wire("05"     // Length
                                            "0d"     // PINGRESP
                                            "00 03"  // Packet Identifier 3
                                            "02")}); // Application Messages Remaining 2
    CHECK(h.state_of(sensor) == core::client_state::asleep);

    h.send(sensor, "04 0c 00 04");
    CHECK(h.sent_to(sensor) == strings{wire("08 03 20 00 02 00 01 62")});
    h.send(sensor, "04 04 00 02");
    CHECK(h.sent_to(sensor) == strings{wire("05 0d 00 04 01")});

    h.send(sensor, "04 0c 00 05");
    CHECK(h.sent_to(sensor) == strings{wire("06 03 00 00 01 63"), // the QoS 0 one
                                       wire("04 0d 00 05")});     // nothing left: field absent
    CHECK(h.state_of(sensor) == core::client_state::asleep);
}

TEST_CASE("after SLEEPREQ without Retain Topic Aliases the awake v2.0 sensor is told its session alias again")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    subscribe_d_t(h, b);
    h.send(sensor, "09"            // Length
                   "13"            // SLEEPREQ
                   "00"            // Flags: Retain Topic Aliases 0
                   "00 02"         // Packet Identifier 2
                   "00 00 00 64"); // Sleep Duration 100 s
    (void)h.sent_to(sensor);       // SLEEPRESP (engineer A's)
    REQUIRE(h.state_of(sensor) == core::client_state::asleep);
    b.publish("d/t", "a", mqtt5::qos::at_least_once, 21);
    (void)h.sent_to(sensor);

    h.send(sensor, "04 0c 00 03");                         // PINGREQ
    CHECK(h.sent_to(sensor) == strings{wire("0a"           // Length
                                            "10"           // REGISTER
                                            "01"           // Flags: Topic Alias present
                                            "00 01"        // Packet Identifier 1
                                            "00 01"        // Topic Alias 1 (the same one)
                                            "64 2f 74")}); // "d/t"
    h.send(sensor, "05 11 00 00 01");                      // REGACK
    CHECK(h.sent_to(sensor) == strings{wire("08 03 20 00 02 00 01 61")});
    h.send(sensor, "04 04 00 02");                            // PUBACK
    CHECK(h.sent_to(sensor) == strings{wire("04 0d 00 03")}); // PINGRESP: nothing left
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 21);
}
