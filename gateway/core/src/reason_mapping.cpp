// SPDX-License-Identifier: MIT
#include "reason_mapping.hpp"

#include <array>

namespace sngw::core::detail {
namespace {

using mqtt5::reason_code;
using enum upstream_recovery;

// MQTT-SN v1.2 §5.3.10 Table 5.
constexpr std::uint8_t ok = 0x00;
constexpr std::uint8_t congestion = 0x01;    // "rejected: congestion": try again later (T_WAIT)
constexpr std::uint8_t invalid_topic = 0x02; // "rejected: invalid topic ID"
constexpr std::uint8_t unsupported = 0x03;   // "rejected: not supported": retrying will not help

// Design §4. CONNACK: transient causes (the design's "reconnect", "retry later" and "go elsewhere"
// classes) are congestion, the rest ("fix, then retry", "do not retry", and the CONNACK-only
// refusals of the sensor's identity or credentials) not supported. PUBACK / SUBACK: the codes of
// MQTT 5.0 §3.4.2.1 / §3.9.3 that name the topic are "invalid topic ID", quota and load are
// congestion. After a broker DISCONNECT (§3.14.2.1): reconnect unless the design says not to retry
// on the sensor's behalf ("fix, then retry": the same request would fail again; "do not retry":
// 0x8E would steal the session back from wherever the sensor went).
// clang-format off
constexpr std::array<reason_row, 43> table{{
    // reason                                   CONNACK      PUBACK         SUBACK         after DISCONNECT
    {reason_code::success,                        ok,          ok,            ok,            reconnect},
    {reason_code::granted_qos_1,                  ok,          ok,            ok,            reconnect},
    {reason_code::granted_qos_2,                  ok,          ok,            ok,            reconnect},
    {reason_code::disconnect_with_will_message,   ok,          ok,            ok,            reconnect},
    {reason_code::no_matching_subscribers,        ok,          ok,            ok,            reconnect},
    {reason_code::no_subscription_existed,        ok,          ok,            ok,            reconnect},
    {reason_code::continue_authentication,        ok,          ok,            ok,            reconnect},
    {reason_code::re_authenticate,                ok,          ok,            ok,            reconnect},
    {reason_code::unspecified_error,              congestion,  unsupported,   unsupported,   reconnect},
    {reason_code::malformed_packet,               unsupported, unsupported,   unsupported,   give_up},
    {reason_code::protocol_error,                 unsupported, unsupported,   unsupported,   give_up},
    {reason_code::implementation_specific_error,  congestion,  unsupported,   unsupported,   reconnect},
    {reason_code::unsupported_protocol_version,   unsupported, unsupported,   unsupported,   give_up},
    {reason_code::client_identifier_not_valid,    unsupported, unsupported,   unsupported,   give_up},
    {reason_code::bad_user_name_or_password,      unsupported, unsupported,   unsupported,   give_up},
    {reason_code::not_authorized,                 unsupported, unsupported,   unsupported,   give_up},
    {reason_code::server_unavailable,             congestion,  congestion,    congestion,    reconnect},
    {reason_code::server_busy,                    congestion,  congestion,    congestion,    reconnect},
    {reason_code::banned,                         unsupported, unsupported,   unsupported,   give_up},
    {reason_code::server_shutting_down,           congestion,  congestion,    congestion,    reconnect},
    {reason_code::bad_authentication_method,      unsupported, unsupported,   unsupported,   give_up},
    {reason_code::keep_alive_timeout,             congestion,  congestion,    congestion,    reconnect},
    {reason_code::session_taken_over,             unsupported, unsupported,   unsupported,   give_up},
    {reason_code::topic_filter_invalid,           unsupported, invalid_topic, invalid_topic, give_up},
    {reason_code::topic_name_invalid,             unsupported, invalid_topic, invalid_topic, give_up},
    {reason_code::packet_identifier_in_use,       congestion,  congestion,    congestion,    reconnect},
    {reason_code::packet_identifier_not_found,    congestion,  unsupported,   unsupported,   reconnect},
    {reason_code::receive_maximum_exceeded,       congestion,  congestion,    congestion,    reconnect},
    {reason_code::topic_alias_invalid,            congestion,  unsupported,   unsupported,   reconnect},
    {reason_code::packet_too_large,               unsupported, unsupported,   unsupported,   give_up},
    {reason_code::message_rate_too_high,          congestion,  congestion,    congestion,    reconnect},
    {reason_code::quota_exceeded,                 congestion,  congestion,    congestion,    reconnect},
    {reason_code::administrative_action,          unsupported, unsupported,   unsupported,   give_up},
    {reason_code::payload_format_invalid,         unsupported, unsupported,   unsupported,   give_up},
    {reason_code::retain_not_supported,           unsupported, unsupported,   unsupported,   give_up},
    {reason_code::qos_not_supported,              unsupported, unsupported,   unsupported,   give_up},
    {reason_code::use_another_server,             congestion,  congestion,    congestion,    reconnect},
    {reason_code::server_moved,                   congestion,  congestion,    congestion,    reconnect},
    {reason_code::shared_subscriptions_not_supported, unsupported, unsupported, unsupported, give_up},
    {reason_code::connection_rate_exceeded,       congestion,  congestion,    congestion,    reconnect},
    {reason_code::maximum_connect_time,           congestion,  congestion,    congestion,    reconnect},
    {reason_code::subscription_identifiers_not_supported, congestion, unsupported, unsupported, reconnect},
    {reason_code::wildcard_subscriptions_not_supported, unsupported, unsupported, unsupported, give_up},
}};
// clang-format on

} // namespace

std::span<const reason_row> reason_table() noexcept
{
    return table;
}

const reason_row& reason_row_of(mqtt5::reason_code rc) noexcept
{
    for (const auto& row : reason_table())
        if (row.reason == rc) return row;
    return table[8]; // 0x80 Unspecified error
}

std::uint8_t connack_return_code(mqtt5::reason_code rc) noexcept
{
    // A CONNECT that "fails" below 0x80 is no verdict: treat as unspecified (transient).
    if (!mqtt5::is_error(rc)) return congestion;
    return reason_row_of(rc).connack;
}

std::uint8_t puback_return_code(mqtt5::reason_code rc) noexcept
{
    return reason_row_of(rc).puback;
}

std::uint8_t suback_return_code(mqtt5::reason_code rc) noexcept
{
    return reason_row_of(rc).suback;
}

upstream_recovery recovery_after(std::optional<mqtt5::reason_code> reason) noexcept
{
    // Lost without a DISCONNECT (link down, PINGRESP or CONNACK late, our own protocol-error
    // DISCONNECT): design §4 "reconnect" class.
    if (!reason) return reconnect;
    return reason_row_of(*reason).after_disconnect;
}

} // namespace sngw::core::detail
