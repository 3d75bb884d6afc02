// SPDX-License-Identifier: MIT
#pragma once

// Internal to gateway/core: the conversions between MQTT-SN v1.2, MQTT-SN 2.0 and MQTT 5 values
// that several core files need (client_session*.cpp, gateway.cpp), written once. Not installed.

#include <sngw/mqtt5/packet_type.hpp>
#include <sngw/mqtt5/packets.hpp>
#include <sngw/sn/v1_2/messages.hpp>
#include <sngw/sn/v2_0/messages.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace sngw::core::detail {

namespace v12 = sngw::sn::v1_2;
namespace v20 = sngw::sn::v2_0;

/// MQTT 5 QoS of a v1.2 QoS; -1 (v1.2 §6.8, PUBLISH without connection) is QoS 0 upstream.
inline mqtt5::qos to_mqtt5(v12::qos q) noexcept
{
    switch (q) {
    case v12::qos::one:
        return mqtt5::qos::at_least_once;
    case v12::qos::two:
        return mqtt5::qos::exactly_once;
    case v12::qos::zero:
    case v12::qos::minus_one:
        break;
    }
    return mqtt5::qos::at_most_once;
}

/// v1.2 QoS of an MQTT 5 QoS (a broker message or a granted QoS toward the sensor).
inline v12::qos to_sn(mqtt5::qos q) noexcept
{
    switch (q) {
    case mqtt5::qos::at_least_once:
        return v12::qos::one;
    case mqtt5::qos::exactly_once:
        return v12::qos::two;
    case mqtt5::qos::at_most_once:
        break;
    }
    return v12::qos::zero;
}

/// The v1.2 QoS the core keeps for a v2.0 QoS (CSD01 §3.6: the same three levels).
inline v12::qos to_v12(v20::qos q) noexcept
{
    switch (q) {
    case v20::qos::qos1:
        return v12::qos::one;
    case v20::qos::qos2:
        return v12::qos::two;
    case v20::qos::qos0:
        break;
    }
    return v12::qos::zero;
}

inline mqtt5::qos to_mqtt5(v20::qos q) noexcept
{
    switch (q) {
    case v20::qos::qos1:
        return mqtt5::qos::at_least_once;
    case v20::qos::qos2:
        return mqtt5::qos::exactly_once;
    case v20::qos::qos0:
        break;
    }
    return mqtt5::qos::at_most_once;
}

/// CSD01 §3.7.2 Retain Handling, passed on as MQTT 5.0 §3.8.3.1's.
inline mqtt5::retain_handling to_mqtt5(v20::retain_handling r) noexcept
{
    switch (r) {
    case v20::retain_handling::send_if_new_subscription:
        return mqtt5::retain_handling::send_if_new_subscription;
    case v20::retain_handling::do_not_send:
        return mqtt5::retain_handling::do_not_send;
    case v20::retain_handling::send_on_subscribe:
        break;
    }
    return mqtt5::retain_handling::send_on_subscribe;
}

/// A return or reason code as logged: "0x8F".
inline std::string code_text(std::uint8_t rc)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    return std::string("0x") + digits[rc >> 4] + digits[rc & 15];
}

/// The Packet Identifier of a packet that has one (CSD01 §2.2); DISCONNECT's is optional (§3.13).
inline std::optional<std::uint16_t> packet_id_of(const v20::message& m)
{
    return std::visit(
        [](const auto& x) -> std::optional<std::uint16_t> {
            if constexpr (requires { x.packet_id; })
                return x.packet_id;
            else
                return std::nullopt;
        },
        m);
}

} // namespace sngw::core::detail
