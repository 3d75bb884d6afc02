// SPDX-License-Identifier: MIT
#include "rules.hpp"

#include <sngw/mqtt5/varint.hpp>

#include <cstdint>

namespace sngw::mqtt5::detail {

boost::system::error_code check_utf8(std::string_view s) noexcept
{
    if (s.size() > max_field_length) return errc::field_too_long;
    // MQTT 5.0 §1.5.4 [MQTT-1.5.4-1] well-formed UTF-8 per Unicode / RFC 3629 Table 3-7,
    // [MQTT-1.5.4-2] no U+0000. Surrogates (ED A0..BF) and overlong forms are ill-formed.
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    auto cont = [&](std::size_t at, unsigned lo, unsigned hi) {
        return at < n && p[at] >= lo && p[at] <= hi;
    };
    while (i < n) {
        const unsigned c = p[i];
        if (c == 0x00) return errc::bad_utf8;
        if (c < 0x80) {
            i += 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (!cont(i + 1, 0x80, 0xBF)) return errc::bad_utf8;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
            const unsigned hi = c == 0xED ? 0x9F : 0xBF;
            if (!cont(i + 1, lo, hi) || !cont(i + 2, 0x80, 0xBF)) return errc::bad_utf8;
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            const unsigned lo = c == 0xF0 ? 0x90 : 0x80;
            const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;
            if (!cont(i + 1, lo, hi) || !cont(i + 2, 0x80, 0xBF) || !cont(i + 3, 0x80, 0xBF))
                return errc::bad_utf8;
            i += 4;
        } else {
            return errc::bad_utf8; // 80..C1 (stray continuation, overlong lead), F5..FF
        }
    }
    return {};
}

boost::system::error_code check_topic_name(std::string_view s) noexcept
{
    if (auto ec = check_utf8(s)) return ec;
    // MQTT 5.0 §3.3.2.1 [MQTT-3.3.2-2], §4.7.1: wildcards are for Topic Filters only.
    if (s.find_first_of("+#") != std::string_view::npos) return errc::wildcard_in_topic_name;
    return {};
}

namespace {

constexpr std::string_view share_prefix = "$share/";

// MQTT 5.0 §4.7.1.2 multi-level wildcard, §4.7.1.3 single-level wildcard, §4.7.3 non-empty.
bool well_placed_wildcards(std::string_view f) noexcept
{
    if (f.empty()) return false;
    for (std::size_t i = 0; i < f.size(); ++i) {
        const char c = f[i];
        if (c != '+' && c != '#') continue;
        const bool starts_level = i == 0 || f[i - 1] == '/';
        const bool ends_level = i + 1 == f.size() || f[i + 1] == '/';
        if (!starts_level || !ends_level) return false;
        if (c == '#' && i + 1 != f.size()) return false;
    }
    return true;
}

} // namespace

bool is_shared_subscription(std::string_view s) noexcept
{
    return s.starts_with(share_prefix);
}

boost::system::error_code check_topic_filter(std::string_view s) noexcept
{
    if (auto ec = check_utf8(s)) return ec;
    std::string_view filter = s;
    if (is_shared_subscription(s)) {
        // MQTT 5.0 §4.8.2: $share/{ShareName}/{filter}, ShareName at least one character and
        // without '/', '+' or '#'.
        const std::string_view rest = s.substr(share_prefix.size());
        const auto slash = rest.find('/');
        if (slash == std::string_view::npos || slash == 0) return errc::bad_topic_filter;
        if (rest.substr(0, slash).find_first_of("+#") != std::string_view::npos)
            return errc::bad_topic_filter;
        filter = rest.substr(slash + 1);
    }
    if (!well_placed_wildcards(filter)) return errc::bad_topic_filter;
    return {};
}

namespace {

bool allowed(const properties& p, property_id id, property_scope scope) noexcept
{
    return !p.has(id) || property_allowed(id, scope);
}

boost::system::error_code check_binary(const std::optional<std::vector<std::byte>>& b) noexcept
{
    if (b && b->size() > max_field_length) return errc::field_too_long;
    return {};
}

boost::system::error_code check_string(const std::optional<std::string>& s) noexcept
{
    return s ? check_utf8(*s) : boost::system::error_code{};
}

} // namespace

boost::system::error_code check_properties(const properties& p, property_scope scope) noexcept
{
    for (const auto& row : all_properties())
        if (!allowed(p, row.id, scope)) return errc::property_not_allowed;

    // MQTT 5.0 §3.3.2.3.2: 0 (unspecified bytes) or 1 (UTF-8).
    if (p.payload_format_indicator && static_cast<std::uint8_t>(*p.payload_format_indicator) > 1)
        return errc::bad_property_value;
    if (auto ec = check_string(p.content_type)) return ec;
    // MQTT 5.0 §3.3.2.3.5 [MQTT-3.3.2-14]: the Response Topic is a Topic Name.
    if (p.response_topic)
        if (auto ec = check_topic_name(*p.response_topic)) return ec;
    if (auto ec = check_binary(p.correlation_data)) return ec;
    // MQTT 5.0 §3.8.2.1.2: at most once in SUBSCRIBE; §3.3.2.3.8: 1 to 268,435,455, 0 is a
    // Protocol Error.
    if (scope != property_scope::publish && p.subscription_identifiers.size() > 1)
        return errc::duplicate_property;
    for (auto v : p.subscription_identifiers)
        if (v == 0 || v > varint_max) return errc::bad_property_value;
    if (auto ec = check_string(p.assigned_client_identifier)) return ec;
    if (auto ec = check_string(p.authentication_method)) return ec;
    if (auto ec = check_binary(p.authentication_data)) return ec;
    // MQTT 5.0 §3.1.2.11.10, §3.2.2.3.18, §3.15.2.2.3: Authentication Data needs a method.
    if (p.authentication_data && !p.authentication_method) return errc::auth_data_without_method;
    if (auto ec = check_string(p.response_information)) return ec;
    if (auto ec = check_string(p.server_reference)) return ec;
    if (auto ec = check_string(p.reason_string)) return ec;
    // MQTT 5.0 §3.1.2.11.3 / §3.2.2.3.3: Receive Maximum 0 is a Protocol Error.
    if (p.receive_maximum && *p.receive_maximum == 0) return errc::bad_property_value;
    // MQTT 5.0 §3.3.2.3.4: Topic Alias 0 is not permitted.
    if (p.topic_alias && *p.topic_alias == 0) return errc::bad_property_value;
    // MQTT 5.0 §3.2.2.3.4: Maximum QoS is 0 or 1 (absent means 2).
    if (p.maximum_qos && static_cast<std::uint8_t>(*p.maximum_qos) > 1) return errc::bad_property_value;
    for (const auto& u : p.user_properties) {
        if (auto ec = check_utf8(u.name)) return ec;
        if (auto ec = check_utf8(u.value)) return ec;
    }
    // MQTT 5.0 §3.1.2.11.4 / §3.2.2.3.6: Maximum Packet Size 0 is a Protocol Error.
    if (p.maximum_packet_size && *p.maximum_packet_size == 0) return errc::bad_property_value;
    return {};
}

} // namespace sngw::mqtt5::detail
