// SPDX-License-Identifier: MIT
// The one table from MQTT 5 reason codes to MQTT-SN v1.2 return codes (design §4): every row is
// walked, every MQTT 5.0 reason code has exactly one row, and the decisions gw_common names hold.
#include "reason_mapping.hpp"

#include <doctest/doctest.h>

#include <set>

namespace detail = sngw::core::detail;
using rc = sngw::mqtt5::reason_code;

namespace {

constexpr std::uint8_t accepted = 0x00;
constexpr std::uint8_t congestion = 0x01;
constexpr std::uint8_t invalid_topic = 0x02;
constexpr std::uint8_t not_supported = 0x03;

} // namespace

TEST_CASE("every MQTT 5 reason code has exactly one row and every row maps to a v1.2 return code")
{
    std::set<std::uint8_t> seen;
    for (const auto& row : detail::reason_table()) {
        const auto code = static_cast<std::uint8_t>(row.reason);
        CAPTURE(static_cast<int>(code));
        CHECK(seen.insert(code).second);                        // once
        CHECK(sngw::mqtt5::to_string(row.reason) != "Unknown"); // a code MQTT 5.0 defines
        CHECK(row.connack <= not_supported);                    // Table 5, never reserved
        CHECK(row.puback <= not_supported);
        CHECK(row.suback <= not_supported);
        CHECK(&detail::reason_row_of(row.reason) == &row);
        if (sngw::mqtt5::is_error(row.reason)) {
            CHECK(detail::connack_return_code(row.reason) == row.connack);
            CHECK(row.connack != accepted); // a failure is never "accepted"
            CHECK(row.puback != accepted);
            CHECK(row.suback != accepted);
        } else {
            CHECK(row.puback == accepted);
            CHECK(row.suback == accepted);
        }
        CHECK(detail::puback_return_code(row.reason) == row.puback);
        CHECK(detail::suback_return_code(row.reason) == row.suback);
        CHECK(detail::class_of(row.reason) == row.what);
    }
    // Every value MQTT 5.0 §2.4 defines is in the table.
    for (int v = 0; v < 256; ++v) {
        const auto r = static_cast<rc>(v);
        if (sngw::mqtt5::to_string(r) != "Unknown")
            CHECK_MESSAGE(seen.count(static_cast<std::uint8_t>(v)) == 1, v);
    }
}

TEST_CASE("a broker CONNACK failure is congestion when transient and not supported otherwise")
{
    for (const auto r : {rc::server_unavailable, rc::server_busy, rc::quota_exceeded,
                         rc::connection_rate_exceeded, rc::keep_alive_timeout, rc::unspecified_error,
                         rc::server_shutting_down, rc::use_another_server, rc::server_moved})
        CHECK(detail::connack_return_code(r) == congestion);
    for (const auto r : {rc::client_identifier_not_valid, rc::bad_user_name_or_password, rc::not_authorized,
                         rc::banned, rc::bad_authentication_method, rc::topic_name_invalid,
                         rc::packet_too_large, rc::retain_not_supported, rc::qos_not_supported,
                         rc::unsupported_protocol_version, rc::malformed_packet, rc::protocol_error})
        CHECK(detail::connack_return_code(r) == not_supported);
    CHECK(detail::connack_broker_unreachable == congestion);
}

TEST_CASE("a broker PUBACK maps topic faults to invalid topic id and quota or load to congestion")
{
    CHECK(detail::puback_return_code(rc::success) == accepted);
    CHECK(detail::puback_return_code(rc::no_matching_subscribers) == accepted);
    CHECK(detail::puback_return_code(rc::topic_name_invalid) == invalid_topic);
    CHECK(detail::puback_return_code(rc::topic_filter_invalid) == invalid_topic);
    CHECK(detail::puback_return_code(rc::quota_exceeded) == congestion);
    CHECK(detail::puback_return_code(rc::server_busy) == congestion);
    CHECK(detail::puback_return_code(rc::not_authorized) == not_supported);
    CHECK(detail::puback_return_code(rc::payload_format_invalid) == not_supported);
    CHECK(detail::puback_return_code(rc::unspecified_error) == not_supported);
}

TEST_CASE("a broker SUBACK grants with accepted, and refuses with congestion, invalid topic or not supported")
{
    CHECK(detail::suback_return_code(rc::granted_qos_0) == accepted);
    CHECK(detail::suback_return_code(rc::granted_qos_1) == accepted);
    CHECK(detail::suback_return_code(rc::granted_qos_2) == accepted);
    CHECK(detail::suback_return_code(rc::quota_exceeded) == congestion);
    CHECK(detail::suback_return_code(rc::topic_filter_invalid) == invalid_topic);
    CHECK(detail::suback_return_code(rc::not_authorized) == not_supported);
    CHECK(detail::suback_return_code(rc::wildcard_subscriptions_not_supported) == not_supported);
    CHECK(detail::suback_return_code(rc::shared_subscriptions_not_supported) == not_supported);
}

TEST_CASE("after the upstream link ends the class of its cause decides what the gateway does")
{
    using vc = detail::verdict_class;
    CHECK(detail::class_of(std::nullopt) == vc::reconnect); // link lost
    for (const auto r : {rc::keep_alive_timeout, rc::receive_maximum_exceeded, rc::topic_alias_invalid,
                         rc::maximum_connect_time, rc::subscription_identifiers_not_supported})
        CHECK(detail::class_of(r) == vc::reconnect);
    for (const auto r : {rc::normal_disconnection, rc::unspecified_error, rc::implementation_specific_error,
                         rc::server_busy, rc::server_shutting_down, rc::message_rate_too_high,
                         rc::quota_exceeded, rc::connection_rate_exceeded})
        CHECK(detail::class_of(r) == vc::retry_later);
    CHECK(detail::class_of(rc::use_another_server) == vc::go_elsewhere);
    CHECK(detail::class_of(rc::server_moved) == vc::go_elsewhere);
    for (const auto r : {rc::malformed_packet, rc::protocol_error, rc::topic_filter_invalid,
                         rc::topic_name_invalid, rc::packet_too_large, rc::payload_format_invalid,
                         rc::retain_not_supported, rc::qos_not_supported,
                         rc::shared_subscriptions_not_supported, rc::wildcard_subscriptions_not_supported})
        CHECK(detail::class_of(r) == vc::fix_then_retry);
    // Design §4 "do not retry" (0x8E: reconnecting would steal the session back).
    for (const auto r : {rc::not_authorized, rc::session_taken_over, rc::administrative_action})
        CHECK(detail::class_of(r) == vc::do_not_retry);
}
