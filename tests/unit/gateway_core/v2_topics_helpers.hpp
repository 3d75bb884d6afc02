// SPDX-License-Identifier: MIT
#pragma once

// MQTT-SN 2.0 helpers for the topic and message scenario tests (B: REGISTER, PUBLISH, SUBSCRIBE).
// The datagrams under test are written field by field in the tests; these only shorten the setup.

#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/sn/v2_0/codec.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sngw::test::v2b {

inline const core::peer_id sensor = core_harness::peer(1);

/// A v2.0 CONNECT of "c1" from `sensor` (Clean Start, Keep Alive 600 s, Packet Identifier 1) with
/// the sensor's Maximum Packet Size and Default Awake Messages; the broker's CONNACK Success carries
/// `connack_props` (its Maximum Packet Size, ...). REQUIREs a CONNACK 0x00 to the sensor and
/// nothing else.
inline fake_broker& connect(core_harness& h, std::uint16_t max_packet_size = 0,
                            std::optional<std::uint8_t> default_awake_messages = std::nullopt,
                            mqtt5::properties connack_props = {})
{
    sn::v2_0::connect_msg c;
    c.clean_start = true;
    c.packet_id = 1;
    c.keep_alive = 600; // long: retransmission tests run for minutes
    c.maximum_packet_size = max_packet_size;
    c.default_awake_messages = default_awake_messages;
    c.client_id = "c1";
    h.send(sensor, sn::v2_0::encode(c).value());
    auto& b = h.broker("c1");
    REQUIRE_MESSAGE(b.open(), h.dump());
    b.link_up();
    (void)b.expect<mqtt5::connect_packet>();
    b.reply(mqtt5::connack_packet{false, mqtt5::reason_code::success, std::move(connack_props)});
    const auto got = h.sent_to(sensor);
    REQUIRE_MESSAGE(got.size() == 1, h.dump());
    const auto m = sn::v2_0::decode(hex(got[0]));
    REQUIRE(m.has_value());
    const auto* a = std::get_if<sn::v2_0::connack_msg>(&*m);
    REQUIRE(a != nullptr);
    REQUIRE(a->reason_code == 0);
    return b;
}

/// REGISTER "s/t" (CSD01 §3.4, Packet Identifier 1) from `sensor`; REQUIREs REGACK session alias 1.
inline void register_s_t(core_harness& h)
{
    h.send(sensor, "08"         // Length
                   "10"         // REGISTER
                   "00"         // Flags: no Topic Alias (a client's, §3.4)
                   "00 01"      // Packet Identifier 1
                   "73 2f 74"); // "s/t"
    REQUIRE(h.sent_to(sensor) == std::vector<std::string>{wire("07"        // Length
                                                               "11"        // REGACK
                                                               "04"        // Flags: session alias
                                                               "00 01"     // Packet Identifier 1
                                                               "00 01")}); // Topic Alias 1 (Success)
}

/// Sends SUBSCRIBE `datagram`, REQUIREs one upstream SUBSCRIBE of `filter` and no SUBACK yet,
/// answers it with `answer`; returns the upstream subscription (its options).
inline mqtt5::subscription subscribe(core_harness& h, fake_broker& b, std::string_view datagram,
                                     const std::string& filter, mqtt5::reason_code answer)
{
    h.send(sensor, datagram);
    const auto s = b.expect<mqtt5::subscribe_packet>();
    REQUIRE(s.subscriptions.size() == 1);
    CHECK(s.subscriptions[0].topic_filter == filter);
    CHECK(h.sent_to(sensor).empty()); // SUBACK only after the broker's (design §3)
    b.suback(s.packet_id, {answer});
    return s.subscriptions[0];
}

/// A config with ADVERTISE off and predefined topic 5 = "pre/five".
inline core::config with_predefined()
{
    auto c = quiet();
    c.predefined_topics = {core::predefined_topic{5, "pre/five"}};
    return c;
}

} // namespace sngw::test::v2b
