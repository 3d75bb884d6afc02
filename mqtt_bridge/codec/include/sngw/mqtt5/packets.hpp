// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/packet_type.hpp>
#include <sngw/mqtt5/properties.hpp>
#include <sngw/mqtt5/reason_code.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

/// The 15 MQTT 5.0 control packets as plain values that mirror the wire (§3). Meaning (timers,
/// defaults of absent properties, topic alias tables) belongs to the session, not here.
namespace sngw::mqtt5 {

/// The Will Message of a CONNECT (§3.1.2.5 - §3.1.2.7, §3.1.3.2 - §3.1.3.4).
struct will_message {
    std::string topic{};              // a Topic Name: no wildcards
    std::vector<std::byte> payload{}; // Will Payload, Binary Data
    mqtt5::qos qos = mqtt5::qos::at_most_once;
    bool retain = false;
    properties props{}; // Will Properties (scope will)
    friend bool operator==(const will_message&, const will_message&) = default;
};

/// CONNECT (§3.1). Protocol Name "MQTT" and Protocol Version 5 are implied.
/// A password without a user name is legal in MQTT 5.0 (§3.1.2.9).
struct connect_packet {
    bool clean_start = false;                         // §3.1.2.4
    std::uint16_t keep_alive = 0;                     // §3.1.2.10, seconds
    properties props{};                               // §3.1.2.11
    std::string client_id{};                          // §3.1.3.1, may be empty
    std::optional<will_message> will{};               // Will Flag set iff present
    std::optional<std::string> username{};            // §3.1.3.5
    std::optional<std::vector<std::byte>> password{}; // §3.1.3.6, Binary Data
    friend bool operator==(const connect_packet&, const connect_packet&) = default;
};

/// CONNACK (§3.2). Session Present must be false with an error reason code (§3.2.2.1.1).
struct connack_packet {
    bool session_present = false;
    reason_code reason = reason_code::success;
    properties props{};
    friend bool operator==(const connack_packet&, const connack_packet&) = default;
};

/// PUBLISH (§3.3). packet_id is absent on the wire for QoS 0: decode sets 0, encode ignores it;
/// for QoS 1 and 2 it must be non-zero.
/// The topic may be empty only when props.topic_alias is set (§3.3.2.3.4).
struct publish_packet {
    bool dup = false;
    mqtt5::qos qos = mqtt5::qos::at_most_once;
    bool retain = false;
    std::string topic{};
    std::uint16_t packet_id = 0;
    properties props{};
    std::vector<std::byte> payload{};
    friend bool operator==(const publish_packet&, const publish_packet&) = default;
};

/// PUBACK (§3.4). Encoded in its shortest form: `40 02 id id` for Success without properties.
struct puback_packet {
    std::uint16_t packet_id = 0;
    reason_code reason = reason_code::success;
    properties props{};
    friend bool operator==(const puback_packet&, const puback_packet&) = default;
};

/// PUBREC (§3.5), same layout as PUBACK.
struct pubrec_packet {
    std::uint16_t packet_id = 0;
    reason_code reason = reason_code::success;
    properties props{};
    friend bool operator==(const pubrec_packet&, const pubrec_packet&) = default;
};

/// PUBREL (§3.6): Success or Packet Identifier not found.
struct pubrel_packet {
    std::uint16_t packet_id = 0;
    reason_code reason = reason_code::success;
    properties props{};
    friend bool operator==(const pubrel_packet&, const pubrel_packet&) = default;
};

/// PUBCOMP (§3.7): Success or Packet Identifier not found.
struct pubcomp_packet {
    std::uint16_t packet_id = 0;
    reason_code reason = reason_code::success;
    properties props{};
    friend bool operator==(const pubcomp_packet&, const pubcomp_packet&) = default;
};

/// Retain Handling subscription option (§3.8.3.1). 3 is rejected with errc::bad_retain_handling.
enum class retain_handling : std::uint8_t {
    send_on_subscribe = 0,
    send_if_new_subscription = 1,
    do_not_send = 2,
};

/// Subscription Options byte (§3.8.3.1).
struct subscribe_options {
    mqtt5::qos max_qos = mqtt5::qos::at_most_once;
    bool no_local = false;
    bool retain_as_published = false;
    mqtt5::retain_handling retain_handling = mqtt5::retain_handling::send_on_subscribe;
    friend bool operator==(const subscribe_options&, const subscribe_options&) = default;
};

/// One Topic Filter and its options in a SUBSCRIBE payload (§3.8.3).
struct subscription {
    std::string topic_filter{};
    subscribe_options options{};
    friend bool operator==(const subscription&, const subscription&) = default;
};

/// SUBSCRIBE (§3.8). At least one subscription.
struct subscribe_packet {
    std::uint16_t packet_id = 0;
    properties props{};
    std::vector<subscription> subscriptions{};
    friend bool operator==(const subscribe_packet&, const subscribe_packet&) = default;
};

/// SUBACK (§3.9). One reason code per subscription, at least one.
struct suback_packet {
    std::uint16_t packet_id = 0;
    properties props{};
    std::vector<reason_code> reason_codes{};
    friend bool operator==(const suback_packet&, const suback_packet&) = default;
};

/// UNSUBSCRIBE (§3.10). At least one topic filter.
struct unsubscribe_packet {
    std::uint16_t packet_id = 0;
    properties props{};
    std::vector<std::string> topic_filters{};
    friend bool operator==(const unsubscribe_packet&, const unsubscribe_packet&) = default;
};

/// UNSUBACK (§3.11). One reason code per topic filter, at least one.
struct unsuback_packet {
    std::uint16_t packet_id = 0;
    properties props{};
    std::vector<reason_code> reason_codes{};
    friend bool operator==(const unsuback_packet&, const unsuback_packet&) = default;
};

/// PINGREQ (§3.12): `c0 00`.
struct pingreq_packet {
    friend bool operator==(const pingreq_packet&, const pingreq_packet&) = default;
};

/// PINGRESP (§3.13): `d0 00`.
struct pingresp_packet {
    friend bool operator==(const pingresp_packet&, const pingresp_packet&) = default;
};

/// DISCONNECT (§3.14). Encoded as `e0 00` for Normal disconnection without properties.
struct disconnect_packet {
    reason_code reason = reason_code::normal_disconnection;
    properties props{};
    friend bool operator==(const disconnect_packet&, const disconnect_packet&) = default;
};

/// AUTH (§3.15). Encoded as `f0 00` for Success without properties.
struct auth_packet {
    reason_code reason = reason_code::success;
    properties props{};
    friend bool operator==(const auth_packet&, const auth_packet&) = default;
};

/// Any control packet. The alternative index is the packet type minus one.
using packet =
    std::variant<connect_packet, connack_packet, publish_packet, puback_packet, pubrec_packet, pubrel_packet,
                 pubcomp_packet, subscribe_packet, suback_packet, unsubscribe_packet, unsuback_packet,
                 pingreq_packet, pingresp_packet, disconnect_packet, auth_packet>;

/// The control packet type of `p`.
constexpr packet_type type_of(const packet& p) noexcept
{
    return static_cast<packet_type>(p.index() + 1);
}

} // namespace sngw::mqtt5
