// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string_view>

namespace sngw::mqtt5 {

/// MQTT Control Packet type, bits 7-4 of the fixed header (MQTT 5.0 §2.1.2). 0 is reserved.
enum class packet_type : std::uint8_t {
    connect = 1,
    connack = 2,
    publish = 3,
    puback = 4,
    pubrec = 5,
    pubrel = 6,
    pubcomp = 7,
    subscribe = 8,
    suback = 9,
    unsubscribe = 10,
    unsuback = 11,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14,
    auth = 15,
};

/// "CONNECT", "PUBLISH", ...; "RESERVED" for anything else.
std::string_view to_string(packet_type t) noexcept;

/// QoS (MQTT 5.0 §4.3). 3 is not a value: decode rejects it with errc::bad_qos.
enum class qos : std::uint8_t {
    at_most_once = 0,
    at_least_once = 1,
    exactly_once = 2,
};

} // namespace sngw::mqtt5
