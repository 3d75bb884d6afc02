// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/packet_type.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sngw::mqtt5 {

/// Property identifiers (MQTT 5.0 §2.2.2.2). All 27 of them.
enum class property_id : std::uint8_t {
    payload_format_indicator = 0x01,
    message_expiry_interval = 0x02,
    content_type = 0x03,
    response_topic = 0x08,
    correlation_data = 0x09,
    subscription_identifier = 0x0B,
    session_expiry_interval = 0x11,
    assigned_client_identifier = 0x12,
    server_keep_alive = 0x13,
    authentication_method = 0x15,
    authentication_data = 0x16,
    request_problem_information = 0x17,
    will_delay_interval = 0x18,
    request_response_information = 0x19,
    response_information = 0x1A,
    server_reference = 0x1C,
    reason_string = 0x1F,
    receive_maximum = 0x21,
    topic_alias_maximum = 0x22,
    topic_alias = 0x23,
    maximum_qos = 0x24,
    retain_available = 0x25,
    user_property = 0x26,
    maximum_packet_size = 0x27,
    wildcard_subscription_available = 0x28,
    subscription_identifier_available = 0x29,
    shared_subscription_available = 0x2A,
};

/// Data representation of a property value (§1.5, §2.2.2.2).
enum class property_type : std::uint8_t {
    byte,
    two_byte_integer,
    four_byte_integer,
    variable_byte_integer,
    utf8_string,
    binary_data,
    utf8_string_pair,
};

/// Where a property block sits: a packet's variable header (the packet_type values), or the Will
/// Properties in the CONNECT payload (§3.1.3.2).
enum class property_scope : std::uint8_t {
    connect = 1,
    connack,
    publish,
    puback,
    pubrec,
    pubrel,
    pubcomp,
    subscribe,
    suback,
    unsubscribe,
    unsuback,
    pingreq,
    pingresp,
    disconnect,
    auth,
    will,
};

constexpr property_scope scope_of(packet_type t) noexcept
{
    return static_cast<property_scope>(t);
}

/// One row of the table in §2.2.2.2.
struct property_info {
    property_id id;
    property_type type;
    std::string_view name; // the spec's name, "Payload Format Indicator"
    std::uint32_t scopes;  // bit (1 << property_scope) for each scope that may carry it
    bool repeatable;       // User Property only; Subscription Identifier repeats in PUBLISH but
                           // not in SUBSCRIBE, so it is false here (see check in validate())
};

/// The 27 rows, in identifier order.
std::span<const property_info> all_properties() noexcept;
/// The row for identifier `id`, or nullptr if MQTT 5.0 does not define it.
const property_info* find_property(std::uint8_t id) noexcept;
/// True if `id` may appear in `scope` (§2.2.2.2 table, §3.1.3.2 for Will Properties).
bool property_allowed(property_id id, property_scope scope) noexcept;

/// Payload Format Indicator values (§3.3.2.3.2).
enum class payload_format : std::uint8_t {
    unspecified = 0, // bytes
    utf8 = 1,
};

/// A User Property, a UTF-8 String Pair (§1.5.7). Order and duplicates are preserved.
struct user_property {
    std::string name{};
    std::string value{};
    friend bool operator==(const user_property&, const user_property&) = default;
};

/// The properties of one property block. Absent = std::nullopt (the spec's defaults are the
/// session's business, not the codec's). Which fields may be set depends on the scope
/// (property_allowed); decode rejects others with errc::property_not_allowed, and so does encode.
/// Single-valued properties given twice on the wire are errc::duplicate_property.
/// Encoding order is by identifier, User Properties in vector order at 0x26.
struct properties {
    std::optional<payload_format> payload_format_indicator{}; // 0x01 §3.3.2.3.2
    std::optional<std::uint32_t> message_expiry_interval{};   // 0x02 §3.3.2.3.3, seconds
    std::optional<std::string> content_type{};                // 0x03 §3.3.2.3.9
    std::optional<std::string> response_topic{};              // 0x08 §3.3.2.3.5, a Topic Name
    std::optional<std::vector<std::byte>> correlation_data{}; // 0x09 §3.3.2.3.6
    std::vector<std::uint32_t> subscription_identifiers{};    // 0x0B §3.3.2.3.8 / §3.8.2.1.2, 1..268435455
    std::optional<std::uint32_t> session_expiry_interval{};   // 0x11 §3.1.2.11.2, seconds
    std::optional<std::string> assigned_client_identifier{};  // 0x12 §3.2.2.3.7
    std::optional<std::uint16_t> server_keep_alive{};         // 0x13 §3.2.2.3.14, seconds
    std::optional<std::string> authentication_method{};       // 0x15 §3.1.2.11.9
    std::optional<std::vector<std::byte>> authentication_data{}; // 0x16 §3.1.2.11.10
    std::optional<bool> request_problem_information{};           // 0x17 §3.1.2.11.7
    std::optional<std::uint32_t> will_delay_interval{};          // 0x18 §3.1.3.2.2, seconds
    std::optional<bool> request_response_information{};          // 0x19 §3.1.2.11.6
    std::optional<std::string> response_information{};           // 0x1A §3.2.2.3.15
    std::optional<std::string> server_reference{};               // 0x1C §3.2.2.3.16, §4.11
    std::optional<std::string> reason_string{};                  // 0x1F §3.2.2.3.9
    std::optional<std::uint16_t> receive_maximum{};              // 0x21 §3.1.2.11.3, 1..65535
    std::optional<std::uint16_t> topic_alias_maximum{};          // 0x22 §3.1.2.11.5
    std::optional<std::uint16_t> topic_alias{};                  // 0x23 §3.3.2.3.4, 1..65535
    std::optional<qos> maximum_qos{};                            // 0x24 §3.2.2.3.4, 0 or 1 only
    std::optional<bool> retain_available{};                      // 0x25 §3.2.2.3.5
    std::vector<user_property> user_properties{};                // 0x26 §3.1.2.11.8
    std::optional<std::uint32_t> maximum_packet_size{};          // 0x27 §3.1.2.11.4, 1..
    std::optional<bool> wildcard_subscription_available{};       // 0x28 §3.2.2.3.11
    std::optional<bool> subscription_identifier_available{};     // 0x29 §3.2.2.3.12
    std::optional<bool> shared_subscription_available{};         // 0x2A §3.2.2.3.13

    /// True if no property is set (the block encodes as the single byte 00).
    bool empty() const noexcept;
    /// True if property `id` is set (for repeatable ones: at least one value).
    bool has(property_id id) const noexcept;

    friend bool operator==(const properties&, const properties&) = default;
};

} // namespace sngw::mqtt5
