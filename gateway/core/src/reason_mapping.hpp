// SPDX-License-Identifier: MIT
#pragma once

// Internal to the core: what a broker verdict (an MQTT 5 Reason Code) means for an MQTT-SN v1.2
// sensor (design §4). One table; one test walks every row. Not installed.

#include <sngw/mqtt5/reason_code.hpp>

#include <cstdint>
#include <optional>
#include <span>

namespace sngw::core::detail {

/// After the upstream link of a sensor ended (broker DISCONNECT, or lost without one).
enum class upstream_recovery : std::uint8_t {
    reconnect, // re-open the session (Clean Start 0) a few times; the sensor notices nothing if it works
    give_up,   // do not reconnect on the sensor's behalf; tell it (v1.2: bare DISCONNECT)
};

/// One MQTT 5 Reason Code and the MQTT-SN v1.2 return codes (§5.3.10 Table 5) the gateway answers
/// with when the broker uses it.
struct reason_row {
    mqtt5::reason_code reason;
    std::uint8_t connack;               // CONNACK to the sensor when the broker's CONNECT fails with it
    std::uint8_t puback;                // PUBACK to the sensor when its PUBLISH completes with it
    std::uint8_t suback;                // SUBACK to the sensor when its SUBSCRIBE gets it
    upstream_recovery after_disconnect; // broker DISCONNECT with it
};

/// Every MQTT 5.0 Reason Code (§2.4), in code order.
std::span<const reason_row> reason_table() noexcept;

/// The row of `rc` (every reason_code value has one; a value MQTT 5 does not define gets the
/// row of 0x80 Unspecified error).
const reason_row& reason_row_of(mqtt5::reason_code rc) noexcept;

/// CONNACK return code for a failed upstream CONNECT (design §4): 0x01 congestion for what is
/// transient (the sensor should try again later), 0x03 not supported for what retrying cannot fix.
std::uint8_t connack_return_code(mqtt5::reason_code rc) noexcept;
/// The broker could not be reached at all (link down, no CONNACK in time): transient.
inline constexpr std::uint8_t connack_broker_unreachable = 0x01;

/// PUBACK return code for a sensor's PUBLISH completed by the broker (PUBACK, PUBCOMP, or a
/// failing PUBREC): 0x00 below 0x80; 0x02 for a topic the broker refuses; 0x01 for quota/busy;
/// 0x03 otherwise.
std::uint8_t puback_return_code(mqtt5::reason_code rc) noexcept;

/// SUBACK return code for the broker's SUBACK reason code: 0x00 for a granted QoS, 0x02 for an
/// invalid topic filter, 0x01 for quota, 0x03 otherwise.
std::uint8_t suback_return_code(mqtt5::reason_code rc) noexcept;

/// What to do after the broker ended a sensor's upstream link: with a DISCONNECT (`reason`), or
/// without one (std::nullopt: link lost, keep-alive timeout, protocol error detected by us).
/// The one place this decision is made (issue #5 extends it with the design §4 classes).
upstream_recovery recovery_after(std::optional<mqtt5::reason_code> reason) noexcept;

} // namespace sngw::core::detail
