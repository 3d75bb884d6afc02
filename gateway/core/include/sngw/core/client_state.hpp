// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string_view>

namespace sngw::core {

/// Where one MQTT-SN client is (house-style §1; MQTT-SN v1.2 §6.14 Fig. 4 for the sleep states).
enum class client_state : std::uint8_t {
    disconnected,        // DISCONNECT without Duration; record kept for a later CONNECT (clean 0)
    awaiting_will_topic, // CONNECT with Will: WILLTOPICREQ sent (§6.3)
    awaiting_will_msg,   // WILLTOPIC received, WILLMSGREQ sent
    connecting_upstream, // waiting for the broker's CONNACK before CONNACK goes to the sensor
    active,
    asleep,              // DISCONNECT with Duration (§6.14): buffering, upstream kept alive
    awake,               // woke with PINGREQ: delivering what was buffered, PINGRESP at the end
    lost,                // keep-alive, sleep timer or retries expired; upstream aborted (will fires)
};

/// Every client_state in enum order (status views and metrics list zeros too).
inline constexpr std::array all_client_states{
    client_state::disconnected, client_state::awaiting_will_topic, client_state::awaiting_will_msg,
    client_state::connecting_upstream, client_state::active, client_state::asleep, client_state::awake,
    client_state::lost};

std::string_view to_string(client_state s) noexcept; // "active", "asleep", ...
std::ostream& operator<<(std::ostream& os, client_state s); // to_string(s), for logs and CHECKs

} // namespace sngw::core
