// SPDX-License-Identifier: MIT
#pragma once

// MQTT-SN 2.0 helpers for the core scenario tests (A: the connection side). Datagrams are written
// field by field in the tests themselves; these only shorten the connect dance.

#include "core_harness.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sngw::test {

/// A v2.0 CONNECT `connect_hex` from `p` for `client_id` → the upstream link comes up, its CONNECT
/// is answered with CONNACK Success (Session Present `present`) → REQUIREs that the sensor got
/// exactly `connack_hex`. Returns the CONNECT the gateway sent upstream.
inline mqtt5::connect_packet connect_v2(core_harness& h, core::peer_id p, std::string_view client_id,
                                        std::string_view connect_hex, std::string_view connack_hex,
                                        bool present = false)
{
    h.send(p, connect_hex);
    auto& b = h.broker(client_id);
    REQUIRE_MESSAGE(b.open(), h.dump());
    b.link_up();
    // Whatever went upstream before the new CONNECT (a DISCONNECT ending the old link) is skipped.
    std::optional<mqtt5::connect_packet> c;
    while (!c && b.pending() > 0)
        if (auto x = b.next_packet(); std::holds_alternative<mqtt5::connect_packet>(x))
            c = std::get<mqtt5::connect_packet>(std::move(x));
    REQUIRE_MESSAGE(c.has_value(), h.dump());
    b.connack_success(present);
    const auto got = h.sent_to(p);
    REQUIRE_MESSAGE(got == std::vector<std::string>{wire(connack_hex)}, h.dump());
    return *c;
}

// CSD01 §3.1 CONNECT of client "c1": Clean Start, Keep Alive 60 s, no limit, Packet Identifier 1.
inline constexpr std::string_view v2_connect_c1 = "0c"      // Length 12
                                                  " 01"     // CONNECT
                                                  " 01"     // Flags: Clean Start
                                                  " 00 01"  // Packet Identifier 1
                                                  " 02"     // Protocol Version 2
                                                  " 00 3c"  // Keep Alive 60 s
                                                  " 00 00"  // Maximum Packet Size: no limit
                                                  " 63 31"; // Client Identifier "c1"
// CSD01 §3.2 CONNACK: Flags 0, Packet Identifier 1, Reason Code 0x00 Success.
inline constexpr std::string_view v2_connack_ok = "06 02 00 00 01 00";

} // namespace sngw::test
