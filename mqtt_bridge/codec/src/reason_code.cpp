// SPDX-License-Identifier: MIT
#include <sngw/mqtt5/reason_code.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace sngw::mqtt5 {

std::string_view to_string(packet_type t) noexcept
{
    switch (t) {
    case packet_type::connect:
        return "CONNECT";
    case packet_type::connack:
        return "CONNACK";
    case packet_type::publish:
        return "PUBLISH";
    case packet_type::puback:
        return "PUBACK";
    case packet_type::pubrec:
        return "PUBREC";
    case packet_type::pubrel:
        return "PUBREL";
    case packet_type::pubcomp:
        return "PUBCOMP";
    case packet_type::subscribe:
        return "SUBSCRIBE";
    case packet_type::suback:
        return "SUBACK";
    case packet_type::unsubscribe:
        return "UNSUBSCRIBE";
    case packet_type::unsuback:
        return "UNSUBACK";
    case packet_type::pingreq:
        return "PINGREQ";
    case packet_type::pingresp:
        return "PINGRESP";
    case packet_type::disconnect:
        return "DISCONNECT";
    case packet_type::auth:
        return "AUTH";
    }
    return "RESERVED";
}

std::string_view to_string(reason_code rc) noexcept
{
    // MQTT 5.0 §2.4 Table 2-6 Reason Codes
    switch (rc) {
    case reason_code::success:
        return "Success";
    case reason_code::granted_qos_1:
        return "Granted QoS 1";
    case reason_code::granted_qos_2:
        return "Granted QoS 2";
    case reason_code::disconnect_with_will_message:
        return "Disconnect with Will Message";
    case reason_code::no_matching_subscribers:
        return "No matching subscribers";
    case reason_code::no_subscription_existed:
        return "No subscription existed";
    case reason_code::continue_authentication:
        return "Continue authentication";
    case reason_code::re_authenticate:
        return "Re-authenticate";
    case reason_code::unspecified_error:
        return "Unspecified error";
    case reason_code::malformed_packet:
        return "Malformed Packet";
    case reason_code::protocol_error:
        return "Protocol Error";
    case reason_code::implementation_specific_error:
        return "Implementation specific error";
    case reason_code::unsupported_protocol_version:
        return "Unsupported Protocol Version";
    case reason_code::client_identifier_not_valid:
        return "Client Identifier not valid";
    case reason_code::bad_user_name_or_password:
        return "Bad User Name or Password";
    case reason_code::not_authorized:
        return "Not authorized";
    case reason_code::server_unavailable:
        return "Server unavailable";
    case reason_code::server_busy:
        return "Server busy";
    case reason_code::banned:
        return "Banned";
    case reason_code::server_shutting_down:
        return "Server shutting down";
    case reason_code::bad_authentication_method:
        return "Bad authentication method";
    case reason_code::keep_alive_timeout:
        return "Keep Alive timeout";
    case reason_code::session_taken_over:
        return "Session taken over";
    case reason_code::topic_filter_invalid:
        return "Topic Filter invalid";
    case reason_code::topic_name_invalid:
        return "Topic Name invalid";
    case reason_code::packet_identifier_in_use:
        return "Packet Identifier in use";
    case reason_code::packet_identifier_not_found:
        return "Packet Identifier not found";
    case reason_code::receive_maximum_exceeded:
        return "Receive Maximum exceeded";
    case reason_code::topic_alias_invalid:
        return "Topic Alias invalid";
    case reason_code::packet_too_large:
        return "Packet too large";
    case reason_code::message_rate_too_high:
        return "Message rate too high";
    case reason_code::quota_exceeded:
        return "Quota exceeded";
    case reason_code::administrative_action:
        return "Administrative action";
    case reason_code::payload_format_invalid:
        return "Payload format invalid";
    case reason_code::retain_not_supported:
        return "Retain not supported";
    case reason_code::qos_not_supported:
        return "QoS not supported";
    case reason_code::use_another_server:
        return "Use another server";
    case reason_code::server_moved:
        return "Server moved";
    case reason_code::shared_subscriptions_not_supported:
        return "Shared Subscriptions not supported";
    case reason_code::connection_rate_exceeded:
        return "Connection rate exceeded";
    case reason_code::maximum_connect_time:
        return "Maximum connect time";
    case reason_code::subscription_identifiers_not_supported:
        return "Subscription Identifiers not supported";
    case reason_code::wildcard_subscriptions_not_supported:
        return "Wildcard Subscriptions not supported";
    }
    return "Unknown";
}

namespace {

template <std::size_t N> bool contains(const std::array<std::uint8_t, N>& codes, reason_code rc) noexcept
{
    return std::find(codes.begin(), codes.end(), static_cast<std::uint8_t>(rc)) != codes.end();
}

// MQTT 5.0 §3.2.2.2 CONNACK Reason Code
constexpr std::array<std::uint8_t, 22> connack_codes{0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                                     0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                                                     0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
// MQTT 5.0 §3.4.2.1 PUBACK Reason Code, §3.5.2.1 PUBREC Reason Code (the same set)
constexpr std::array<std::uint8_t, 9> puback_codes{0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
// MQTT 5.0 §3.6.2.1 PUBREL, §3.7.2.1 PUBCOMP Reason Code
constexpr std::array<std::uint8_t, 2> pubrel_codes{0x00, 0x92};
// MQTT 5.0 §3.9.3 SUBACK Payload
constexpr std::array<std::uint8_t, 12> suback_codes{0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                                    0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
// MQTT 5.0 §3.11.3 UNSUBACK Payload
constexpr std::array<std::uint8_t, 7> unsuback_codes{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
// MQTT 5.0 §3.14.2.1 Disconnect Reason Code
constexpr std::array<std::uint8_t, 29> disconnect_codes{
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
    0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
// MQTT 5.0 §3.15.2.1 Authenticate Reason Code
constexpr std::array<std::uint8_t, 3> auth_codes{0x00, 0x18, 0x19};

} // namespace

bool reason_code_allowed(packet_type t, reason_code rc) noexcept
{
    switch (t) {
    case packet_type::connack:
        return contains(connack_codes, rc);
    case packet_type::puback:
    case packet_type::pubrec:
        return contains(puback_codes, rc);
    case packet_type::pubrel:
    case packet_type::pubcomp:
        return contains(pubrel_codes, rc);
    case packet_type::suback:
        return contains(suback_codes, rc);
    case packet_type::unsuback:
        return contains(unsuback_codes, rc);
    case packet_type::disconnect:
        return contains(disconnect_codes, rc);
    case packet_type::auth:
        return contains(auth_codes, rc);
    default:
        return false;
    }
}

} // namespace sngw::mqtt5
