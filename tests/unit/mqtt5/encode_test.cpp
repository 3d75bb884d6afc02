// SPDX-License-Identifier: MIT
// encode() refuses what the peer would have to reject, and says so before anything is sent.
#include "test_print.hpp"

#include "support/hex.hpp"

#include <sngw/mqtt5/codec.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace sngw;
using namespace sngw::mqtt5;
using test::to_hex;

namespace {

boost::system::error_code encode_error(const packet& p, std::uint32_t max = max_packet_size_limit)
{
    auto r = encode(p, max);
    return r ? boost::system::error_code{} : r.error();
}

} // namespace

TEST_CASE("encode refuses packets that break a decode rule")
{
    CHECK(encode_error(publish_packet{.qos = qos::at_least_once, .topic = "a"}) == errc::zero_packet_id);
    CHECK(encode_error(publish_packet{.dup = true, .topic = "a"}) == errc::dup_with_qos0);
    CHECK(encode_error(publish_packet{.qos = static_cast<qos>(3), .topic = "a", .packet_id = 1}) ==
          errc::bad_qos);
    CHECK(encode_error(publish_packet{.topic = "a/#"}) == errc::wildcard_in_topic_name);
    CHECK(encode_error(publish_packet{.topic = ""}) == errc::empty_topic_name);
    CHECK(encode_error(publish_packet{.topic = "", .props = {.topic_alias = 1}}) ==
          boost::system::error_code{});
    CHECK(encode_error(publish_packet{.topic = "a", .props = {.topic_alias = 0}}) ==
          errc::bad_property_value);
    CHECK(encode_error(publish_packet{.topic = "a", .props = {.session_expiry_interval = 1}}) ==
          errc::property_not_allowed);
    CHECK(encode_error(puback_packet{}) == errc::zero_packet_id);
    CHECK(encode_error(puback_packet{.packet_id = 1, .reason = reason_code::granted_qos_1}) ==
          errc::bad_reason_code);
    CHECK(encode_error(subscribe_packet{.packet_id = 1}) == errc::no_topic_filters);
    CHECK(encode_error(subscribe_packet{.packet_id = 1, .subscriptions = {{"a+", {}}}}) ==
          errc::bad_topic_filter);
    CHECK(encode_error(subscribe_packet{
              .packet_id = 1,
              .subscriptions = {{"a", {.retain_handling = static_cast<retain_handling>(3)}}}}) ==
          errc::bad_retain_handling);
    CHECK(encode_error(subscribe_packet{.packet_id = 1,
                                        .props = {.subscription_identifiers = {1, 2}},
                                        .subscriptions = {{"a", {}}}}) == errc::duplicate_property);
    CHECK(encode_error(suback_packet{.packet_id = 1}) == errc::no_reason_codes);
    CHECK(encode_error(unsubscribe_packet{.packet_id = 1}) == errc::no_topic_filters);
    CHECK(encode_error(connack_packet{.session_present = true, .reason = reason_code::banned}) ==
          errc::bad_connack_flags);
    CHECK(encode_error(connect_packet{.client_id = std::string("a\0b", 3)}) == errc::bad_utf8);
    CHECK(encode_error(connect_packet{.will = will_message{.topic = "w", .props = {.topic_alias = 1}}}) ==
          errc::property_not_allowed);
    CHECK(encode_error(connect_packet{.props = {.authentication_data = test::bytes("x")}}) ==
          errc::auth_data_without_method);
    CHECK(encode_error(disconnect_packet{.reason = reason_code::granted_qos_1}) == errc::bad_reason_code);
}

TEST_CASE("encode refuses strings and binary data longer than 65535 bytes")
{
    const std::string long_string(65536, 'a');
    CHECK(encode_error(publish_packet{.topic = long_string}) == errc::field_too_long);
    CHECK(encode_error(publish_packet{.topic = std::string(65535, 'a')}) == boost::system::error_code{});
    CHECK(encode_error(connect_packet{.client_id = long_string}) == errc::field_too_long);
    CHECK(encode_error(connect_packet{.password = std::vector<std::byte>(65536)}) == errc::field_too_long);
    CHECK(encode_error(disconnect_packet{.props = {.reason_string = long_string}}) == errc::field_too_long);
    CHECK(encode_error(publish_packet{.topic = "a", .props = {.user_properties = {{"k", long_string}}}}) ==
          errc::field_too_long);
}

TEST_CASE("a packet above the peer's Maximum Packet Size is refused before sending")
{
    const packet p = publish_packet{.topic = "t", .payload = std::vector<std::byte>(100)};
    const auto size = encoded_size(p);
    CHECK(size == 1 + 1 + 3 + 1 + 100);
    CHECK(encode(p, static_cast<std::uint32_t>(size)));
    CHECK(encode_error(p, static_cast<std::uint32_t>(size - 1)) == errc::packet_too_large);

    std::vector<std::byte> out{std::byte{0xAA}};
    auto r = encode(p, out, static_cast<std::uint32_t>(size - 1));
    CHECK_FALSE(r);
    CHECK(out.size() == 1); // nothing appended on failure
}

TEST_CASE("encode appends after what the buffer already holds")
{
    std::vector<std::byte> out = test::hex("c0 00");
    auto n = encode(puback_packet{.packet_id = 7}, out);
    REQUIRE(n);
    CHECK(*n == 4);
    CHECK(to_hex(out) == "c0 00 40 02 00 07");
}

TEST_CASE("encoded_size of a packet beyond what MQTT can carry is still reported")
{
    // 268,435,455 is the largest Remaining Length (§2.1.4); a bigger packet is refused as too large.
    const packet p = publish_packet{.topic = "t", .payload = std::vector<std::byte>(268'435'455)};
    CHECK(encoded_size(p) > max_packet_size_limit);
    CHECK(encode_error(p) == errc::packet_too_large);
}

TEST_CASE("a QoS 0 PUBLISH never carries a packet identifier")
{
    auto r = encode(publish_packet{.topic = "a", .packet_id = 9});
    REQUIRE(r);
    CHECK(to_hex(*r) == "30 04 00 01 61 00");
}
