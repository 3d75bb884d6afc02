// SPDX-License-Identifier: MIT
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace sngw::mqtt5 {

/// Why bytes are not a well-formed MQTT 5.0 control packet, or why a packet cannot be encoded.
/// These are errors, not protocol outcomes: a reason_code is data carried in a packet.
/// Each malformation has its own code so that a failure can be counted and logged by cause; the
/// session answers every decode error with DISCONNECT 0x81 (Malformed Packet) or 0x82 (Protocol Error),
/// or 0x95 (Packet too large) for packet_too_large (MQTT 5.0 §4.13).
enum class errc {
    truncated = 1,        // fewer bytes than the fixed header + Remaining Length, or a field, announces
    trailing_bytes,       // more bytes than the fixed header + Remaining Length announce (decode: one packet)
    leftover_bytes,       // bytes left inside the packet after its last field
    malformed_varint,     // Variable Byte Integer of more than 4 bytes (§1.5.5)
    overlong_varint,      // Variable Byte Integer not in its shortest form (§1.5.5 [MQTT-1.5.5-1])
    reserved_packet_type, // control packet type 0 (§2.1.2)
    bad_header_flags,     // fixed-header flags not as §2.1.3 specifies for the type
    bad_qos,              // QoS 3: PUBLISH (§3.3.1.2), Will QoS (§3.1.2.6), Maximum QoS option (§3.8.3.1)
    dup_with_qos0,        // PUBLISH DUP set with QoS 0 (§3.3.1.1 [MQTT-3.3.1-2])
    zero_packet_id,       // Packet Identifier 0 where one is required (§2.2.1 [MQTT-2.2.1-3])
    bad_protocol_name,    // CONNECT Protocol Name other than "MQTT" (§3.1.2.1)
    bad_protocol_version, // CONNECT Protocol Version other than 5 (§3.1.2.2)
    bad_connect_flags,    // CONNECT reserved flag bit 0 set (§3.1.2.3 [MQTT-3.1.2-3])
    will_flags_without_will,  // Will QoS or Will Retain set while the Will Flag is 0 (§3.1.2.6, §3.1.2.7)
    bad_connack_flags,        // CONNACK flags bits 7-1 set, or Session Present with an error (§3.2.2.1)
    bad_reason_code,          // a reason code the packet type does not define (§2.4; see reason_code.hpp)
    no_topic_filters,         // SUBSCRIBE / UNSUBSCRIBE without a topic filter (§3.8.3, §3.10.3)
    no_reason_codes,          // SUBACK / UNSUBACK without a reason code (§3.9.3, §3.11.3)
    bad_subscription_options, // Subscription Options bits 7-6 set, or No Local on a shared subscription
                              // (§3.8.3.1)
    bad_retain_handling,      // Retain Handling 3 (§3.8.3.1)
    bad_utf8,                 // ill-formed UTF-8, a surrogate, or U+0000 in a UTF-8 string (§1.5.4)
    wildcard_in_topic_name,   // '+' or '#' in a Topic Name or Response Topic (§3.3.2.1, §4.7.1)
    empty_topic_name,         // empty PUBLISH Topic Name without a Topic Alias (§3.3.2.1, §3.3.2.3.4)
    bad_topic_filter, // empty, or wildcards misplaced, or a malformed shared subscription (§4.7, §4.8.2)
    unknown_property, // a property identifier MQTT 5.0 does not define (§2.2.2.2)
    property_not_allowed,     // a property the packet (or the Will Properties) may not carry (§2.2.2.2)
    duplicate_property,       // a single-valued property given twice (§2.2.2.2, each property's section)
    bad_property_value,       // a property value the spec forbids (Receive Maximum 0, Topic Alias 0, ...)
    bad_property_length,      // a property runs past the end of its Property Length (§2.2.2.1)
    auth_data_without_method, // Authentication Data without Authentication Method (§3.1.2.11.10)
    packet_too_large, // larger than the Maximum Packet Size in force, or than MQTT allows (§3.1.2.11.4)
    field_too_long,   // encode: a string or binary field longer than 65535 bytes (§1.5.4, §1.5.6)
};

const boost::system::error_category& mqtt5_category() noexcept;
boost::system::error_code make_error_code(errc e) noexcept;

} // namespace sngw::mqtt5

template <> struct boost::system::is_error_code_enum<sngw::mqtt5::errc> : std::true_type {};
