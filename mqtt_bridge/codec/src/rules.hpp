// SPDX-License-Identifier: MIT
// Internal: the per-field rules shared by decode() and validate(), so that what decodes is
// exactly what encodes.
#pragma once

#include <sngw/mqtt5/errc.hpp>
#include <sngw/mqtt5/properties.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <span>
#include <string_view>

namespace sngw::mqtt5::detail {

/// Largest String / Binary Data (two-byte length prefix, §1.5.4, §1.5.6).
inline constexpr std::size_t max_field_length = 65535;

/// MQTT 5.0 §1.5.4 UTF-8 Encoded String: well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF) without U+0000, at most 65535 bytes.
/// Errors: bad_utf8, field_too_long.
boost::system::error_code check_utf8(std::string_view s) noexcept;

/// A Topic Name (§4.7): a UTF-8 string without '+' or '#'. Empty names are the caller's business
/// (PUBLISH allows one with a Topic Alias). Errors: bad_utf8, field_too_long, wildcard_in_topic_name.
boost::system::error_code check_topic_name(std::string_view s) noexcept;

/// A Topic Filter (§4.7.1, §4.7.3, §4.8.2): non-empty; '#' alone or after '/', and last; '+'
/// alone in its level; "$share/{ShareName}/{filter}" with a non-empty ShareName without '/', '+',
/// '#' and a non-empty filter. Errors: bad_utf8, field_too_long, bad_topic_filter.
boost::system::error_code check_topic_filter(std::string_view s) noexcept;

/// True if `s` names a shared subscription (§4.8.2).
bool is_shared_subscription(std::string_view s) noexcept;

/// Every property in `p` may appear in `scope` and has a legal value.
/// Errors: property_not_allowed, duplicate_property (Subscription Identifier twice outside
/// PUBLISH), bad_property_value, bad_utf8, field_too_long, wildcard_in_topic_name (Response Topic),
/// auth_data_without_method.
boost::system::error_code check_properties(const properties& p, property_scope scope) noexcept;

} // namespace sngw::mqtt5::detail
