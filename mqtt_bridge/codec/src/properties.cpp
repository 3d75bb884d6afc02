// SPDX-License-Identifier: MIT
#include <sngw/mqtt5/properties.hpp>

#include <array>

namespace sngw::mqtt5 {
namespace {

constexpr std::uint32_t bit(property_scope s) noexcept
{
    return 1u << static_cast<unsigned>(s);
}

using s = property_scope;
using t = property_type;
using id = property_id;

// MQTT 5.0 §2.2.2.2 Table 2-4 Properties; "Will Properties" (§3.1.3.2) is its own scope.
// Subscription Identifier may repeat in PUBLISH (§3.3.2.3.8) but not in SUBSCRIBE (§3.8.2.1.2):
// `repeatable` is false for it; check_properties() accepts repeats in PUBLISH only.
constexpr std::uint32_t will_and_publish = bit(s::publish) | bit(s::will);
constexpr std::uint32_t user_property_scopes =
    bit(s::connect) | bit(s::connack) | bit(s::publish) | bit(s::will) | bit(s::puback) | bit(s::pubrec) |
    bit(s::pubrel) | bit(s::pubcomp) | bit(s::subscribe) | bit(s::suback) | bit(s::unsubscribe) |
    bit(s::unsuback) | bit(s::disconnect) | bit(s::auth);
constexpr std::uint32_t reason_string_scopes = bit(s::connack) | bit(s::puback) | bit(s::pubrec) |
                                               bit(s::pubrel) | bit(s::pubcomp) | bit(s::suback) |
                                               bit(s::unsuback) | bit(s::disconnect) | bit(s::auth);

constexpr std::array<property_info, 27> table{{
    {id::payload_format_indicator, t::byte, "Payload Format Indicator", will_and_publish, false},
    {id::message_expiry_interval, t::four_byte_integer, "Message Expiry Interval", will_and_publish, false},
    {id::content_type, t::utf8_string, "Content Type", will_and_publish, false},
    {id::response_topic, t::utf8_string, "Response Topic", will_and_publish, false},
    {id::correlation_data, t::binary_data, "Correlation Data", will_and_publish, false},
    {id::subscription_identifier, t::variable_byte_integer, "Subscription Identifier",
     bit(s::publish) | bit(s::subscribe), false},
    {id::session_expiry_interval, t::four_byte_integer, "Session Expiry Interval",
     bit(s::connect) | bit(s::connack) | bit(s::disconnect), false},
    {id::assigned_client_identifier, t::utf8_string, "Assigned Client Identifier", bit(s::connack), false},
    {id::server_keep_alive, t::two_byte_integer, "Server Keep Alive", bit(s::connack), false},
    {id::authentication_method, t::utf8_string, "Authentication Method",
     bit(s::connect) | bit(s::connack) | bit(s::auth), false},
    {id::authentication_data, t::binary_data, "Authentication Data",
     bit(s::connect) | bit(s::connack) | bit(s::auth), false},
    {id::request_problem_information, t::byte, "Request Problem Information", bit(s::connect), false},
    {id::will_delay_interval, t::four_byte_integer, "Will Delay Interval", bit(s::will), false},
    {id::request_response_information, t::byte, "Request Response Information", bit(s::connect), false},
    {id::response_information, t::utf8_string, "Response Information", bit(s::connack), false},
    {id::server_reference, t::utf8_string, "Server Reference", bit(s::connack) | bit(s::disconnect), false},
    {id::reason_string, t::utf8_string, "Reason String", reason_string_scopes, false},
    {id::receive_maximum, t::two_byte_integer, "Receive Maximum", bit(s::connect) | bit(s::connack), false},
    {id::topic_alias_maximum, t::two_byte_integer, "Topic Alias Maximum", bit(s::connect) | bit(s::connack),
     false},
    {id::topic_alias, t::two_byte_integer, "Topic Alias", bit(s::publish), false},
    {id::maximum_qos, t::byte, "Maximum QoS", bit(s::connack), false},
    {id::retain_available, t::byte, "Retain Available", bit(s::connack), false},
    {id::user_property, t::utf8_string_pair, "User Property", user_property_scopes, true},
    {id::maximum_packet_size, t::four_byte_integer, "Maximum Packet Size", bit(s::connect) | bit(s::connack),
     false},
    {id::wildcard_subscription_available, t::byte, "Wildcard Subscription Available", bit(s::connack), false},
    {id::subscription_identifier_available, t::byte, "Subscription Identifier Available", bit(s::connack),
     false},
    {id::shared_subscription_available, t::byte, "Shared Subscription Available", bit(s::connack), false},
}};

} // namespace

std::span<const property_info> all_properties() noexcept
{
    return table;
}

const property_info* find_property(std::uint8_t value) noexcept
{
    for (const auto& row : table)
        if (static_cast<std::uint8_t>(row.id) == value) return &row;
    return nullptr;
}

bool property_allowed(property_id pid, property_scope scope) noexcept
{
    const auto* row = find_property(static_cast<std::uint8_t>(pid));
    return row != nullptr && (row->scopes & bit(scope)) != 0;
}

bool properties::has(property_id pid) const noexcept
{
    switch (pid) {
    case id::payload_format_indicator:
        return payload_format_indicator.has_value();
    case id::message_expiry_interval:
        return message_expiry_interval.has_value();
    case id::content_type:
        return content_type.has_value();
    case id::response_topic:
        return response_topic.has_value();
    case id::correlation_data:
        return correlation_data.has_value();
    case id::subscription_identifier:
        return !subscription_identifiers.empty();
    case id::session_expiry_interval:
        return session_expiry_interval.has_value();
    case id::assigned_client_identifier:
        return assigned_client_identifier.has_value();
    case id::server_keep_alive:
        return server_keep_alive.has_value();
    case id::authentication_method:
        return authentication_method.has_value();
    case id::authentication_data:
        return authentication_data.has_value();
    case id::request_problem_information:
        return request_problem_information.has_value();
    case id::will_delay_interval:
        return will_delay_interval.has_value();
    case id::request_response_information:
        return request_response_information.has_value();
    case id::response_information:
        return response_information.has_value();
    case id::server_reference:
        return server_reference.has_value();
    case id::reason_string:
        return reason_string.has_value();
    case id::receive_maximum:
        return receive_maximum.has_value();
    case id::topic_alias_maximum:
        return topic_alias_maximum.has_value();
    case id::topic_alias:
        return topic_alias.has_value();
    case id::maximum_qos:
        return maximum_qos.has_value();
    case id::retain_available:
        return retain_available.has_value();
    case id::user_property:
        return !user_properties.empty();
    case id::maximum_packet_size:
        return maximum_packet_size.has_value();
    case id::wildcard_subscription_available:
        return wildcard_subscription_available.has_value();
    case id::subscription_identifier_available:
        return subscription_identifier_available.has_value();
    case id::shared_subscription_available:
        return shared_subscription_available.has_value();
    }
    return false;
}

bool properties::empty() const noexcept
{
    for (const auto& row : table)
        if (has(row.id)) return false;
    return true;
}

} // namespace sngw::mqtt5
