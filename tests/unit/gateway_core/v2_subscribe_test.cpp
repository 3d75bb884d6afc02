// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 (CSD01) SUBSCRIBE / UNSUBSCRIBE in the core (§3.7 - §3.10): by Topic Filter, by
// predefined alias and by session alias, the subscription options passed to the MQTT 5 SUBSCRIBE
// (MQTT 5.0 §3.8.3.1), the alias the SUBACK carries (§4.7.2.2), the broker's codes mapped, unknown
// aliases (0xF0), UNSUBACK with the broker's reason code.
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

TEST_CASE("v2.0 SUBSCRIBE by name passes its options upstream and gets a session alias in the SUBACK")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    const auto s = v2b::subscribe(h, b,
                                  "08"        // Length
                                  "08"        // SUBSCRIBE
                                  "bb"        // Flags: No Local, QoS 1, Retain As Published,
                                              //        Retain Handling 2, Topic Type 0b11
                                  "00 01"     // Packet Identifier 1
                                  "73 2f 74", // "s/t"
                                  "s/t", mqtt5::reason_code::granted_qos_1);
    CHECK(s.options.max_qos == mqtt5::qos::at_least_once);
    CHECK(s.options.no_local);
    CHECK(s.options.retain_as_published);
    CHECK(s.options.retain_handling == mqtt5::retain_handling::do_not_send);
    CHECK(h.sent_to(sensor) == strings{wire("08"     // Length
                                            "09"     // SUBACK
                                            "04"     // Flags: Topic Alias present, session alias
                                            "00 01"  // Packet Identifier 1
                                            "00 01"  // Topic Alias 1
                                            "01")}); // granted QoS 1
    CHECK(h.client("c1")->subscriptions == strings{"s/t"});

    b.publish("s/t", "v", mqtt5::qos::at_most_once); // the alias is known: no REGISTER
    CHECK(h.sent_to(sensor) == strings{wire("06 03 00 00 01 76")});
}

TEST_CASE("v2.0 SUBSCRIBE options default to Retain Handling 0 and the granted QoS may be lower")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    const auto s = v2b::subscribe(h, b, "08 08 43 00 02 61 2f 62", "a/b", mqtt5::reason_code::granted_qos_1);
    CHECK(s.options.max_qos == mqtt5::qos::exactly_once);
    CHECK_FALSE(s.options.no_local);
    CHECK_FALSE(s.options.retain_as_published);
    CHECK(s.options.retain_handling == mqtt5::retain_handling::send_on_subscribe);
    CHECK(h.sent_to(sensor) == strings{wire("08 09 04 00 02 00 01 01")}); // granted QoS 1
}

TEST_CASE("v2.0 SUBSCRIBE to a name with a predefined alias gets that alias, by the alias none")
{
    core_harness h(v2b::with_predefined());
    auto& b = v2b::connect(h);
    v2b::subscribe(h, b,
                   "0d"                       // Length 13
                   "08"                       // SUBSCRIBE
                   "03"                       // Flags: QoS 0, Topic Type 0b11
                   "00 02"                    // Packet Identifier 2
                   "70 72 65 2f 66 69 76 65", // "pre/five"
                   "pre/five", mqtt5::reason_code::granted_qos_0);
    CHECK(h.sent_to(sensor) == strings{wire("08"     // Length
                                            "09"     // SUBACK
                                            "05"     // Flags: Topic Alias present, predefined alias
                                            "00 02"  // Packet Identifier 2
                                            "00 05"  // Topic Alias 5
                                            "00")}); // granted QoS 0
    CHECK(h.client("c1")->topics == 0);

    v2b::subscribe(h, b,
                   "07"     // Length
                   "08"     // SUBSCRIBE
                   "21"     // Flags: QoS 1, predefined alias
                   "00 03"  // Packet Identifier 3
                   "00 05", // Topic Alias 5
                   "pre/five", mqtt5::reason_code::granted_qos_1);
    CHECK(h.sent_to(sensor) == strings{wire("06"     // Length
                                            "09"     // SUBACK
                                            "01"     // Flags: no alias ([MQTT-SN-3.8.4-3]), predefined
                                            "00 03"  // Packet Identifier 3
                                            "01")}); // granted QoS 1

    b.publish("pre/five", "v", mqtt5::qos::at_most_once);
    CHECK(h.sent_to(sensor) == strings{wire("06"     // Length
                                            "03"     // PUBLISH
                                            "01"     // Flags: QoS 0, predefined alias
                                            "00 05"  // Topic Alias 5
                                            "76")}); // "v"
}

TEST_CASE("v2.0 SUBSCRIBE by session alias subscribes to its name and returns the alias")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    v2b::register_s_t(h);
    v2b::subscribe(h, b,
                   "07"     // Length
                   "08"     // SUBSCRIBE
                   "20"     // Flags: QoS 1, session alias
                   "00 04"  // Packet Identifier 4
                   "00 01", // Topic Alias 1
                   "s/t", mqtt5::reason_code::granted_qos_1);
    CHECK(h.sent_to(sensor) == strings{wire("08 09 04 00 04 00 01 01")});
}

TEST_CASE("v2.0 SUBSCRIBE and UNSUBSCRIBE with an unknown alias get Unknown Topic Alias")
{
    core_harness h(v2b::with_predefined());
    auto& b = v2b::connect(h);
    h.send(sensor, "07 08 20 00 05 00 09");          // SUBSCRIBE session alias 9
    CHECK(h.sent_to(sensor) == strings{wire("06"     // Length
                                            "09"     // SUBACK
                                            "01"     // Flags: no alias
                                            "00 05"  // Packet Identifier 5
                                            "f0")}); // 0xF0 Unknown Topic Alias
    h.send(sensor, "07 08 21 00 06 00 09");          // SUBSCRIBE predefined alias 9
    CHECK(h.sent_to(sensor) == strings{wire("06 09 01 00 06 f0")});
    h.send(sensor, "07 0a 00 00 07 00 09");          // UNSUBSCRIBE session alias 9
    CHECK(h.sent_to(sensor) == strings{wire("05"     // Length
                                            "0b"     // UNSUBACK
                                            "00 07"  // Packet Identifier 7
                                            "f0")}); // 0xF0 Unknown Topic Alias
    CHECK(b.pending() == 0);
}

TEST_CASE("the broker's SUBACK failure reaches the v2.0 sensor with the same code")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    v2b::subscribe(h, b, "08 08 23 00 06 73 2f 23", "s/#", mqtt5::reason_code::not_authorized);
    CHECK(h.sent_to(sensor) == strings{wire("06"     // Length
                                            "09"     // SUBACK
                                            "01"     // Flags: no alias
                                            "00 06"  // Packet Identifier 6
                                            "87")}); // 0x87 Not authorized
    v2b::subscribe(h, b, "08 08 23 00 07 73 2f 23", "s/#", mqtt5::reason_code::quota_exceeded);
    CHECK(h.sent_to(sensor) == strings{wire("06 09 01 00 07 97")});
    CHECK(h.client("c1")->subscriptions.empty());
}

TEST_CASE("v2.0 UNSUBSCRIBE gets UNSUBACK after the broker's with its reason code")
{
    core_harness h(quiet());
    auto& b = v2b::connect(h);
    v2b::subscribe(h, b, "08 08 23 00 01 73 2f 23", "s/#", mqtt5::reason_code::granted_qos_1);
    (void)h.sent_to(sensor);

    h.send(sensor, "08"         // Length
                   "0a"         // UNSUBSCRIBE
                   "03"         // Flags: Topic Type 0b11
                   "00 02"      // Packet Identifier 2
                   "73 2f 23"); // "s/#"
    auto u = b.expect<mqtt5::unsubscribe_packet>();
    CHECK(h.sent_to(sensor).empty());
    b.unsuback(u.packet_id);
    CHECK(h.sent_to(sensor) == strings{wire("04"        // Length
                                            "0b"        // UNSUBACK
                                            "00 02")}); // Packet Identifier 2 (0x00 left out)
    CHECK(h.client("c1")->subscriptions.empty());

    h.send(sensor, "08 0a 03 00 03 73 2f 23"); // again: nothing to unsubscribe
    u = b.expect<mqtt5::unsubscribe_packet>();
    b.unsuback(u.packet_id, {mqtt5::reason_code::no_subscription_existed});
    CHECK(h.sent_to(sensor) == strings{wire("05"     // Length
                                            "0b"     // UNSUBACK
                                            "00 03"  // Packet Identifier 3
                                            "11")}); // 0x11 No subscription existed
}
