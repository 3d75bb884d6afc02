// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/packet_type.hpp>

#include <cstdint>
#include <string_view>

namespace sngw::mqtt5 {

/// Every MQTT 5.0 Reason Code (§2.4). A reason code is DATA carried by CONNACK, PUBACK, PUBREC,
/// PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT and AUTH: a protocol outcome, not an error.
/// 0x00 has three spec names; they are the same value.
enum class reason_code : std::uint8_t {
    success = 0x00,
    normal_disconnection = 0x00,
    granted_qos_0 = 0x00,
    granted_qos_1 = 0x01,
    granted_qos_2 = 0x02,
    disconnect_with_will_message = 0x04,
    no_matching_subscribers = 0x10,
    no_subscription_existed = 0x11,
    continue_authentication = 0x18,
    re_authenticate = 0x19,
    unspecified_error = 0x80,
    malformed_packet = 0x81,
    protocol_error = 0x82,
    implementation_specific_error = 0x83,
    unsupported_protocol_version = 0x84,
    client_identifier_not_valid = 0x85,
    bad_user_name_or_password = 0x86,
    not_authorized = 0x87,
    server_unavailable = 0x88,
    server_busy = 0x89,
    banned = 0x8A,
    server_shutting_down = 0x8B,
    bad_authentication_method = 0x8C,
    keep_alive_timeout = 0x8D,
    session_taken_over = 0x8E,
    topic_filter_invalid = 0x8F,
    topic_name_invalid = 0x90,
    packet_identifier_in_use = 0x91,
    packet_identifier_not_found = 0x92,
    receive_maximum_exceeded = 0x93,
    topic_alias_invalid = 0x94,
    packet_too_large = 0x95,
    message_rate_too_high = 0x96,
    quota_exceeded = 0x97,
    administrative_action = 0x98,
    payload_format_invalid = 0x99,
    retain_not_supported = 0x9A,
    qos_not_supported = 0x9B,
    use_another_server = 0x9C,
    server_moved = 0x9D,
    shared_subscriptions_not_supported = 0x9E,
    connection_rate_exceeded = 0x9F,
    maximum_connect_time = 0xA0,
    subscription_identifiers_not_supported = 0xA1,
    wildcard_subscriptions_not_supported = 0xA2,
};

/// The spec's name: "Success", "Not authorized", ... ("Success" for 0x00 whatever the packet);
/// "Unknown" for a value MQTT 5.0 does not define.
std::string_view to_string(reason_code rc) noexcept;

/// True if MQTT 5.0 defines `rc` as a reason code of packets of type `t` (the table of §2.4 and
/// §3.2.2.2, §3.4.2.1, §3.5.2.1, §3.6.2.1, §3.7.2.1, §3.9.3, §3.11.3, §3.14.2.1, §3.15.2.1).
/// Both directions count (DISCONNECT 0x04 is client-only, 0x8B server-only: both allowed).
/// False for packet types that carry no reason code.
///
/// Decision: decode() REJECTS a reason code the packet type does not define (errc::bad_reason_code)
/// instead of keeping it as data. §2.4 gives each packet its set, the senders "MUST use one of" them
/// ([MQTT-3.2.2-8], [MQTT-3.4.2-1], ...), and a value outside the set is a Malformed Packet (§4.13)
/// the session answers with DISCONNECT 0x81. Keeping it would push an undefined value into the
/// session and into the gateway's reason mapping table, which then needs a row for "unknown".
bool reason_code_allowed(packet_type t, reason_code rc) noexcept;

/// Reason codes of 0x80 and above report failure (§2.4).
constexpr bool is_error(reason_code rc) noexcept
{
    return static_cast<std::uint8_t>(rc) >= 0x80;
}

} // namespace sngw::mqtt5
