// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 (CSD01) topic aliases in the core: REGISTER from the sensor and REGACK with a session
// alias (§3.4, §3.5, §4.7.2), a predefined name (0x1A), the alias limit (0x97), invalid names (0x90);
// the gateway's REGISTER before a PUBLISH on a name without alias, the sensor's REGACK, and the
// Topic Name in the PUBLISH when no alias is left.
#include "v2_topics_helpers.hpp"

#include <sngw/core/errc.hpp>

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::quiet;
using sngw::test::wire;
using sngw::test::v2b::sensor;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;
namespace v2b = sngw::test::v2b;

namespace {

// SUBSCRIBE "s/#" QoS 1 (CSD01 §3.7), Packet Identifier 1, answered with granted QoS 1.
void subscribe_s_wildcard(core_harness& h, sngw::test::fake_broker& b)
{
    v2b::subscribe(h, b,
                   "08"        // Length
                   "08"        // SUBSCRIBE
                   "23"        // Flags: QoS 1, Topic Type 0b11 (filter)
                   "00 01"     // Packet Identifier 1
                   "73 2f 23", // "s/#"
                   "s/#", mqtt5::reason_code::granted_qos_1);
    CHECK(h.sent_to(sensor) == strings{wire("06"     // Length
                                            "09"     // SUBACK
                                            "01"     // Flags: no alias, Topic Type predefined
                                            "00 01"  // Packet Identifier 1
                                            "01")}); // granted QoS 1
}

} // namespace

TEST_CASE("v2.0 REGISTER gets a session alias in REGACK and the same alias again for the same name")
{
    core_harness h(quiet());
    v2b::connect(h);
    h.send(sensor, "08"                                 // Length
                   "10"                                 // REGISTER
                   "00"                                 // Flags: no Topic Alias (a client's, §3.4)
                   "00 01"                              // Packet Identifier 1
                   "73 2f 74");                         // "s/t"
    CHECK(h.sent_to(sensor) == strings{wire("07"        // Length
                                            "11"        // REGACK
                                            "04"        // Flags: Topic Alias present, session alias
                                            "00 01"     // Packet Identifier 1
                                            "00 01")}); // Topic Alias 1 (Reason Code absent: 0x00)
    h.send(sensor, "08 10 00 00 02 73 2f 74");          // the same name, Packet Identifier 2
    CHECK(h.sent_to(sensor) == strings{wire("07 11 04 00 02 00 01")});
    CHECK(h.client("c1")->topics == 1);
}

TEST_CASE("v2.0 REGISTER of a name with a predefined alias gets that alias and Topic Alias Exists")
{
    core_harness h(v2b::with_predefined());
    v2b::connect(h);
    h.send(sensor, "0d"                              // Length 13
                   "10"                              // REGISTER
                   "00"                              // Flags
                   "00 02"                           // Packet Identifier 2
                   "70 72 65 2f 66 69 76 65");       // "pre/five"
    CHECK(h.sent_to(sensor) == strings{wire("08"     // Length
                                            "11"     // REGACK
                                            "05"     // Flags: Topic Alias present, predefined alias
                                            "00 02"  // Packet Identifier 2
                                            "00 05"  // Topic Alias 5
                                            "1a")}); // 0x1A Topic Alias Exists
    CHECK(h.client("c1")->topics == 0); // no session alias for it (§4.7.2.2 [MQTT-SN-4.7.2.2-4])
}

TEST_CASE("v2.0 REGISTER past the alias limit gets Quota exceeded and is counted")
{
    auto cfg = quiet();
    cfg.max_topics_per_client = 1;
    core_harness h(cfg);
    v2b::connect(h);
    h.send(sensor, "06 10 00 00 01 61"); // REGISTER "a", Packet Identifier 1
    CHECK(h.sent_to(sensor) == strings{wire("07 11 04 00 01 00 01")});
    h.send(sensor, "06 10 00 00 02 62");             // REGISTER "b"
    CHECK(h.sent_to(sensor) == strings{wire("06"     // Length
                                            "11"     // REGACK
                                            "00"     // Flags: no alias, session alias type
                                            "00 02"  // Packet Identifier 2
                                            "97")}); // 0x97 Quota exceeded
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::topic_limit));
}

TEST_CASE("v2.0 REGISTER of a name with a wildcard gets Topic Name invalid")
{
    core_harness h(quiet());
    v2b::connect(h);
    h.send(sensor, "08 10 00 00 04 61 2f 2b");       // REGISTER "a/+", Packet Identifier 4
    CHECK(h.sent_to(sensor) == strings{wire("06"     // Length
                                            "11"     // REGACK
                                            "00"     // Flags
                                            "00 04"  // Packet Identifier 4
                                            "90")}); // 0x90 Topic Name invalid
    CHECK(h.client("c1")->topics == 0);
}

TEST_CASE("v2.0 REGISTER carrying a Topic Alias from the sensor is a protocol error: DISCONNECT 0x82")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    h.send(sensor, "0a"         // Length
                   "10"         // REGISTER
                   "01"         // Flags: Topic Alias present (a server's only, [MQTT-SN-3.4-1])
                   "00 05"      // Packet Identifier 5
                   "00 07"      // Topic Alias 7
                   "61 2f 62"); // "a/b"
    CHECK(h.sent_to(sensor) == strings{wire("04"     // Length
                                            "0e"     // DISCONNECT
                                            "04"     // Flags: Reason Code present
                                            "82")}); // 0x82 Protocol Error
    CHECK(h.state_of(sensor) != core::client_state::active);
    CHECK(b.close_mode() == mqtt5::close_mode::abrupt); // as a lost sensor: the will fires
}

TEST_CASE("a broker message on a name without alias is REGISTERed first and published with the session alias")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    subscribe_s_wildcard(h, b);

    b.publish("s/x", "v", mqtt5::qos::at_least_once, 7);
    CHECK(h.sent_to(sensor) == strings{wire("0a"           // Length
                                            "10"           // REGISTER
                                            "01"           // Flags: Topic Alias present
                                            "00 01"        // Packet Identifier 1
                                            "00 01"        // Topic Alias 1
                                            "73 2f 78")}); // "s/x"
    CHECK(b.pending() == 0);
    h.send(sensor, "05"                              // Length
                   "11"                              // REGACK
                   "00"                              // Flags: no alias (a client's, [MQTT-SN-3.5.4-1])
                   "00 01");                         // Packet Identifier 1 (Reason Code absent: 0x00)
    CHECK(h.sent_to(sensor) == strings{wire("08"     // Length
                                            "03"     // PUBLISH
                                            "20"     // Flags: QoS 1, session alias
                                            "00 02"  // Packet Identifier 2
                                            "00 01"  // Topic Alias 1
                                            "76")}); // "v"
    h.send(sensor, "04 04 00 02");                   // PUBACK Packet Identifier 2
    const auto ack = b.expect<mqtt5::puback_packet>();
    CHECK(ack.packet_id == 7);
    CHECK(ack.reason == mqtt5::reason_code::success);

    b.publish("s/x", "w", mqtt5::qos::at_most_once);                // known now: no REGISTER
    CHECK(h.sent_to(sensor) == strings{wire("06 03 00 00 01 77")}); // PUBLISH QoS 0, alias 1, "w"
}

TEST_CASE("a refused v2.0 REGACK makes the name undeliverable and the broker gets 0x80")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    subscribe_s_wildcard(h, b);
    b.publish("s/x", "v", mqtt5::qos::at_least_once, 7);
    CHECK(h.sent_to(sensor) == strings{wire("0a 10 01 00 01 00 01 73 2f 78")});
    h.send(sensor, "06"    // Length
                   "11"    // REGACK
                   "00"    // Flags
                   "00 01" // Packet Identifier 1
                   "87");  // 0x87 Not authorized
    auto ack = b.expect<mqtt5::puback_packet>();
    CHECK(ack.packet_id == 7);
    CHECK(ack.reason == mqtt5::reason_code::unspecified_error);
    CHECK(h.dropped().size() == 1);

    // As v1.2 §6.10: "corresponds to an unsubscribe": later messages on it are not offered.
    b.publish("s/x", "w", mqtt5::qos::at_least_once, 8);
    CHECK(h.sent_to(sensor).empty());
    ack = b.expect<mqtt5::puback_packet>();
    CHECK(ack.packet_id == 8);
    b.publish("s/y", "z", mqtt5::qos::at_most_once); // another name: its own REGISTER
    CHECK(h.sent_to(sensor) == strings{wire("0a 10 01 00 02 00 02 73 2f 79")});
}

TEST_CASE("a v2.0 REGACK for a packet id not in flight is dropped and counted")
{
    core_harness h(quiet());
    v2b::connect(h);
    h.send(sensor, "05 11 00 00 09"); // REGACK Packet Identifier 9, nothing sent
    CHECK(h.sent_to(sensor).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unexpected_message));
}

TEST_CASE("with no session alias left a broker message goes with its Topic Name")
{
    auto cfg = quiet();
    cfg.max_topics_per_client = 1;
    core_harness h(cfg);
    auto& b = v2b::connect(h);
    h.send(sensor, "06 10 00 00 01 61"); // REGISTER "a": the one alias
    CHECK(h.sent_to(sensor) == strings{wire("07 11 04 00 01 00 01")});
    subscribe_s_wildcard(h, b);

    b.publish("s/x", "v", mqtt5::qos::at_most_once);
    CHECK(h.sent_to(sensor) == strings{wire("09"       // Length
                                            "03"       // PUBLISH
                                            "03"       // Flags: QoS 0, Topic Type 0b11 (name)
                                            "00 03"    // Topic Name Length 3
                                            "73 2f 78" // "s/x"
                                            "76")});   // "v"
    CHECK(h.dropped().empty());
}
