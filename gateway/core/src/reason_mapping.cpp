// SPDX-License-Identifier: MIT
#include "reason_mapping.hpp"

#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>

#include <array>
#include <charconv>

namespace sngw::core::detail {
namespace {

using mqtt5::reason_code;
using enum verdict_class;

// MQTT-SN v1.2 §5.3.10 Table 5.
constexpr std::uint8_t ok = 0x00;
constexpr std::uint8_t congestion = 0x01;    // "rejected: congestion": try again later (T_WAIT)
constexpr std::uint8_t invalid_topic = 0x02; // "rejected: invalid topic ID"
constexpr std::uint8_t unsupported = 0x03;   // "rejected: not supported": retrying will not help

// Design §4, the whole mapping. Class: after a broker DISCONNECT (MQTT 5.0 §3.14.2.1) or a refused
// CONNACK (§3.2.2.2) with the code. Codes MQTT 5 allows only in CONNACK (0x84, 0x85, 0x86, 0x88,
// 0x8A, 0x8C) get the class of what they mean: 0x88 is transient, 0x8A Banned is 0x87's stronger
// form (hold-down), the rest need the sensor's or the operator's fix. Codes no DISCONNECT or
// CONNACK carries (0x01..0x19, 0x91, 0x92) are not verdicts: a link that ends with one is handled
// as lost.
// v1.2: CONNACK 0x01 for the transient classes, 0x03 for the rest (design §4); PUBACK / SUBACK:
// the codes of MQTT 5.0 §3.4.2.1 / §3.9.3 that name the topic are "invalid topic ID", quota and
// load are congestion. DISCONNECT: always bare.
// v2.0 DISCONNECT: the same code (CSD01 §2.4 lists every one for DISCONNECT), except the reconnect
// class, whose causes belong to the gateway's link: 0x80, or 0x83 for 0x94 / 0xA1 (our own
// faults); codes CSD01 allows only in CONNACK become the nearest DISCONNECT code (0x84 -> 0x83,
// 0x85 / 0x88 -> 0x80, 0x86 / 0x8A -> 0x87). v2.0 CONNACK: the same code, except 0x84 -> 0x88
// (the sensor's MQTT-SN version is fine; ours toward the broker is not), 0x97 -> 0x89, 0x99 ->
// 0x80 (CSD01 has them only outside CONNACK), and below 0x80 (no refusal) 0x80.
// v2.0 PUBACK/PUBREC, SUBACK, UNSUBACK (the broker's ack of a v2.0 sensor's request, CSD01 §2.3):
// the same code where CSD01 lists it for that packet; a success code the packet does not carry is
// 0x00; otherwise 0xF1 Congestion for what the v1.2 columns call congestion (PUBACK, SUBACK; UNSUBACK
// has no 0xF1), 0x90 <-> 0x8F between a name and a filter, else 0x80. One addition to CSD01: PUBACK/
// PUBREC 0x95 Packet too large (issue #5: a PUBLISH over the broker's Maximum Packet Size).
// clang-format off
constexpr std::array<reason_row, 43> table{{
    // reason                                      class           CONNACK      PUBACK         SUBACK         v2 DISC v2 CONNACK v2 PUBACK v2 SUBACK v2 UNSUBACK
    {reason_code::success,                         retry_later,    ok,          ok,            ok,            0x00, 0x80, 0x00, 0x00, 0x00},
    {reason_code::granted_qos_1,                   not_a_verdict,  ok,          ok,            ok,            0x80, 0x80, 0x00, 0x01, 0x00},
    {reason_code::granted_qos_2,                   not_a_verdict,  ok,          ok,            ok,            0x80, 0x80, 0x00, 0x02, 0x00},
    {reason_code::disconnect_with_will_message,    not_a_verdict,  ok,          ok,            ok,            0x80, 0x80, 0x00, 0x00, 0x00},
    {reason_code::no_matching_subscribers,         not_a_verdict,  ok,          ok,            ok,            0x80, 0x80, 0x10, 0x00, 0x00},
    {reason_code::no_subscription_existed,         not_a_verdict,  ok,          ok,            ok,            0x80, 0x80, 0x00, 0x00, 0x11},
    {reason_code::continue_authentication,         not_a_verdict,  ok,          ok,            ok,            0x80, 0x80, 0x00, 0x00, 0x00},
    {reason_code::re_authenticate,                 not_a_verdict,  ok,          ok,            ok,            0x80, 0x80, 0x00, 0x00, 0x00},
    {reason_code::unspecified_error,               retry_later,    congestion,  unsupported,   unsupported,   0x80, 0x80, 0x80, 0x80, 0x80},
    {reason_code::malformed_packet,                fix_then_retry, unsupported, unsupported,   unsupported,   0x81, 0x81, 0x80, 0x80, 0x80},
    {reason_code::protocol_error,                  fix_then_retry, unsupported, unsupported,   unsupported,   0x82, 0x82, 0x80, 0x80, 0x80},
    {reason_code::implementation_specific_error,   retry_later,    congestion,  unsupported,   unsupported,   0x83, 0x83, 0x83, 0x83, 0x83},
    {reason_code::unsupported_protocol_version,    fix_then_retry, unsupported, unsupported,   unsupported,   0x83, 0x88, 0x80, 0x80, 0x80},
    {reason_code::client_identifier_not_valid,     fix_then_retry, unsupported, unsupported,   unsupported,   0x80, 0x85, 0x80, 0x80, 0x80},
    {reason_code::bad_user_name_or_password,       fix_then_retry, unsupported, unsupported,   unsupported,   0x87, 0x86, 0x80, 0x80, 0x80},
    {reason_code::not_authorized,                  do_not_retry,   unsupported, unsupported,   unsupported,   0x87, 0x87, 0x87, 0x87, 0x87},
    {reason_code::server_unavailable,              retry_later,    congestion,  congestion,    congestion,    0x80, 0x88, 0xF1, 0xF1, 0x80},
    {reason_code::server_busy,                     retry_later,    congestion,  congestion,    congestion,    0x89, 0x89, 0xF1, 0xF1, 0x80},
    {reason_code::banned,                          do_not_retry,   unsupported, unsupported,   unsupported,   0x87, 0x8A, 0x80, 0x80, 0x80},
    {reason_code::server_shutting_down,            retry_later,    congestion,  congestion,    congestion,    0x8B, 0x8B, 0xF1, 0xF1, 0x80},
    {reason_code::bad_authentication_method,       fix_then_retry, unsupported, unsupported,   unsupported,   0x8C, 0x8C, 0x80, 0x80, 0x80},
    {reason_code::keep_alive_timeout,              reconnect,      congestion,  congestion,    congestion,    0x80, 0x8D, 0xF1, 0xF1, 0x80},
    {reason_code::session_taken_over,              do_not_retry,   unsupported, unsupported,   unsupported,   0x8E, 0x8E, 0x80, 0x80, 0x80},
    {reason_code::topic_filter_invalid,            fix_then_retry, unsupported, invalid_topic, invalid_topic, 0x8F, 0x8F, 0x90, 0x8F, 0x8F},
    {reason_code::topic_name_invalid,              fix_then_retry, unsupported, invalid_topic, invalid_topic, 0x90, 0x90, 0x90, 0x8F, 0x8F},
    {reason_code::packet_identifier_in_use,        not_a_verdict,  congestion,  congestion,    congestion,    0x80, 0x80, 0x91, 0x91, 0x91},
    {reason_code::packet_identifier_not_found,     not_a_verdict,  congestion,  unsupported,   unsupported,   0x80, 0x80, 0x80, 0x80, 0x80},
    {reason_code::receive_maximum_exceeded,        reconnect,      congestion,  congestion,    congestion,    0x80, 0x93, 0xF1, 0xF1, 0x80},
    {reason_code::topic_alias_invalid,             reconnect,      congestion,  unsupported,   unsupported,   0x83, 0x94, 0x80, 0x80, 0x80},
    {reason_code::packet_too_large,                fix_then_retry, unsupported, unsupported,   unsupported,   0x95, 0x95, 0x95, 0x80, 0x80},
    {reason_code::message_rate_too_high,           retry_later,    congestion,  congestion,    congestion,    0x96, 0x96, 0xF1, 0xF1, 0x80},
    {reason_code::quota_exceeded,                  retry_later,    congestion,  congestion,    congestion,    0x97, 0x89, 0xF1, 0x97, 0x80},
    {reason_code::administrative_action,           do_not_retry,   unsupported, unsupported,   unsupported,   0x98, 0x98, 0x80, 0x80, 0x80},
    {reason_code::payload_format_invalid,          fix_then_retry, unsupported, unsupported,   unsupported,   0x99, 0x80, 0x99, 0x80, 0x80},
    {reason_code::retain_not_supported,            fix_then_retry, unsupported, unsupported,   unsupported,   0x9A, 0x9A, 0x80, 0x80, 0x80},
    {reason_code::qos_not_supported,               fix_then_retry, unsupported, unsupported,   unsupported,   0x9B, 0x9B, 0x80, 0x80, 0x80},
    {reason_code::use_another_server,              go_elsewhere,   congestion,  congestion,    congestion,    0x9C, 0x9C, 0xF1, 0xF1, 0x80},
    {reason_code::server_moved,                    go_elsewhere,   congestion,  congestion,    congestion,    0x9D, 0x9D, 0xF1, 0xF1, 0x80},
    {reason_code::shared_subscriptions_not_supported, fix_then_retry, unsupported, unsupported, unsupported,  0x9E, 0x9E, 0x80, 0x9E, 0x80},
    {reason_code::connection_rate_exceeded,        retry_later,    congestion,  congestion,    congestion,    0x9F, 0x9F, 0xF1, 0xF1, 0x80},
    {reason_code::maximum_connect_time,            reconnect,      congestion,  congestion,    congestion,    0x80, 0xA0, 0xF1, 0xF1, 0x80},
    {reason_code::subscription_identifiers_not_supported, reconnect, congestion, unsupported, unsupported,    0x83, 0xA1, 0x80, 0xA1, 0x80},
    {reason_code::wildcard_subscriptions_not_supported, fix_then_retry, unsupported, unsupported, unsupported, 0xA2, 0xA2, 0x80, 0xA2, 0x80},
}};

// Design §4 "connection lost without DISCONNECT" and "broker unreachable".
constexpr reason_row lost_row{reason_code::unspecified_error, reconnect, congestion, unsupported, unsupported, 0x80, 0x88, 0xF1, 0xF1, 0x80};
constexpr reason_row unreachable_row{reason_code::unspecified_error, retry_later, congestion, unsupported, unsupported, 0x80, 0x88, 0xF1, 0xF1, 0x80};
// clang-format on

} // namespace

std::string_view to_string(verdict_class c) noexcept
{
    switch (c) {
    case reconnect:
        return "reconnect";
    case retry_later:
        return "retry later";
    case go_elsewhere:
        return "go elsewhere";
    case fix_then_retry:
        return "fix, then retry";
    case do_not_retry:
        return "do not retry";
    case not_a_verdict:
        return "not a verdict";
    }
    return "?";
}

std::span<const reason_row> reason_table() noexcept
{
    return table;
}

const reason_row& link_lost_row() noexcept
{
    return lost_row;
}

const reason_row& broker_unreachable_row() noexcept
{
    return unreachable_row;
}

const reason_row& reason_row_of(mqtt5::reason_code rc) noexcept
{
    for (const auto& row : reason_table())
        if (row.reason == rc) return row;
    return table[8]; // 0x80 Unspecified error
}

const reason_row& reason_row_of(std::optional<mqtt5::reason_code> rc) noexcept
{
    return rc ? reason_row_of(*rc) : lost_row;
}

verdict_class class_of(std::optional<mqtt5::reason_code> reason) noexcept
{
    return reason_row_of(reason).what;
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

std::uint8_t v2_disconnect_code(std::optional<mqtt5::reason_code> reason) noexcept
{
    return reason_row_of(reason).v2_disconnect;
}

std::uint8_t v2_connack_code(std::optional<mqtt5::reason_code> reason) noexcept
{
    return reason ? reason_row_of(*reason).v2_connack : unreachable_row.v2_connack;
}

std::uint8_t v2_puback_code(mqtt5::reason_code rc) noexcept
{
    return reason_row_of(rc).v2_puback;
}

std::uint8_t v2_suback_code(mqtt5::reason_code rc) noexcept
{
    return reason_row_of(rc).v2_suback;
}

std::uint8_t v2_unsuback_code(mqtt5::reason_code rc) noexcept
{
    return reason_row_of(rc).v2_unsuback;
}

mqtt5::reason_code mqtt5_ack_reason(std::uint8_t v2_code) noexcept
{
    // MQTT 5.0 §3.4.2.1 / §3.5.2.1: the codes a PUBACK / PUBREC may carry.
    switch (v2_code) {
    case 0x00:
    case 0x10:
    case 0x80:
    case 0x83:
    case 0x87:
    case 0x90:
    case 0x91:
    case 0x97:
    case 0x99:
        return static_cast<reason_code>(v2_code);
    default:
        break;
    }
    return v2_code < 0x80 ? reason_code::success : reason_code::unspecified_error;
}

std::vector<std::byte> disconnect_datagram(sn::protocol_version version, std::uint8_t v2_reason,
                                           const std::optional<std::string>& reason_string,
                                           std::optional<std::uint16_t> packet_id,
                                           std::size_t max_packet_size)
{
    if (version == sn::protocol_version::v1_2) {
        // MQTT-SN v1.2 §5.4.21: Length, MsgType, no Duration.
        auto bytes = sn::v1_2::encode(sn::v1_2::disconnect_msg{});
        return bytes ? std::move(*bytes) : std::vector<std::byte>{};
    }
    // MQTT-SN v2.0 CSD01 §3.13.
    sn::v2_0::disconnect_msg m;
    m.packet_id = packet_id;
    m.reason_code = v2_reason;
    if (reason_string && !reason_string->empty()) {
        m.reason_string = reason_string;
        if (sn::v2_0::encoded_size(m) > max_packet_size) m.reason_string.reset();
    }
    auto bytes = sn::v2_0::encode(m);
    return bytes ? std::move(*bytes) : std::vector<std::byte>{};
}

std::optional<server_reference> parse_server_reference(std::string_view text)
{
    // MQTT 5.0 §4.11: "a space separated list of references"; the first is the one to use.
    const auto start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) return std::nullopt;
    text.remove_prefix(start);
    text = text.substr(0, text.find(' '));
    server_reference ref;
    std::string_view port;
    if (text.front() == '[') { // an IPv6 literal
        const auto close = text.find(']');
        if (close == std::string_view::npos || close == 1) return std::nullopt;
        ref.host = std::string(text.substr(1, close - 1));
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = rest.substr(1);
        }
    } else {
        const auto colon = text.rfind(':');
        if (colon != std::string_view::npos && text.find(':') != colon) {
            ref.host = std::string(text); // a bare IPv6 address without a port
        } else {
            ref.host = std::string(text.substr(0, colon));
            if (colon != std::string_view::npos) port = text.substr(colon + 1);
        }
    }
    if (ref.host.empty()) return std::nullopt;
    if (!port.empty()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
            return std::nullopt;
        ref.port = static_cast<std::uint16_t>(value);
    } else if (text.back() == ':') {
        return std::nullopt;
    }
    return ref;
}

} // namespace sngw::core::detail
