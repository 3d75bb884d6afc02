// SPDX-License-Identifier: MIT
// Every vector both ways, every packet type and every property covered, the truncation sweep.
#include "test_print.hpp"

#include "support/hex.hpp"
#include "vectors/mqtt5/mqtt5_vectors.hpp"

#include <sngw/mqtt5/codec.hpp>
#include <sngw/mqtt5/io.hpp>

#include <doctest/doctest.h>

#include <set>
#include <sstream>

using namespace sngw;
using namespace sngw::mqtt5;
using test::hex;
using test::to_hex;

TEST_CASE("every MQTT 5 vector decodes to its value")
{
    for (const auto& v : test::mqtt5_vectors()) {
        INFO(v.name);
        auto decoded = decode(v.wire);
        REQUIRE_MESSAGE(decoded, decoded.error().message());
        CHECK(*decoded == v.value);
    }
}

TEST_CASE("every MQTT 5 vector value encodes to its bytes, and encoded_size agrees")
{
    for (const auto& v : test::mqtt5_vectors()) {
        INFO(v.name);
        auto encoded = encode(v.value);
        REQUIRE_MESSAGE(encoded, encoded.error().message());
        CHECK(encoded_size(v.value) == encoded->size());
        if (v.encodes_back)
            CHECK(to_hex(*encoded) == to_hex(v.wire));
        else
            CHECK(encoded->size() < v.wire.size());
    }
}

TEST_CASE("the vectors cover every control packet type")
{
    std::set<std::size_t> seen;
    for (const auto& v : test::mqtt5_vectors())
        seen.insert(v.value.index());
    CHECK(seen.size() == std::variant_size_v<packet>);
}

TEST_CASE("the vectors carry all 27 properties, in packets and in the will")
{
    std::set<property_id> seen;
    auto note = [&](const properties& p) {
        for (const auto& row : all_properties())
            if (p.has(row.id)) seen.insert(row.id);
    };
    for (const auto& v : test::mqtt5_vectors()) {
        std::visit(
            [&](const auto& pk) {
                if constexpr (requires { pk.props; }) note(pk.props);
                if constexpr (requires { pk.will; })
                    if (pk.will) note(pk.will->props);
            },
            v.value);
    }
    for (const auto& row : all_properties()) {
        INFO(row.name);
        CHECK(seen.count(row.id) == 1);
    }
    CHECK(seen.size() == 27);
}

TEST_CASE("every strict prefix of every vector fails cleanly")
{
    for (const auto& v : test::mqtt5_vectors()) {
        INFO(v.name);
        for (std::size_t n = 0; n < v.wire.size(); ++n) {
            auto r = decode(std::span{v.wire}.first(n));
            INFO("prefix of " << n << " bytes");
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::truncated);
        }
    }
}

TEST_CASE("one extra byte after any vector is trailing_bytes")
{
    for (const auto& v : test::mqtt5_vectors()) {
        INFO(v.name);
        auto longer = v.wire;
        longer.push_back(std::byte{0});
        auto r = decode(longer);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::trailing_bytes);
    }
}

TEST_CASE("a decoded packet larger than the Maximum Packet Size is packet_too_large")
{
    for (const auto& v : test::mqtt5_vectors()) {
        INFO(v.name);
        const auto size = static_cast<std::uint32_t>(v.wire.size());
        CHECK(decode(v.wire, {.max_packet_size = size}));
        auto r = decode(v.wire, {.max_packet_size = size - 1});
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::packet_too_large);
    }
}

TEST_CASE("the smallest forms: PUBACK success is 4 bytes, DISCONNECT normal and AUTH success 2")
{
    CHECK(to_hex(encode(puback_packet{.packet_id = 0x1234}).value()) == "40 02 12 34");
    CHECK(to_hex(encode(pubrec_packet{.packet_id = 1}).value()) == "50 02 00 01");
    CHECK(to_hex(encode(pubrel_packet{.packet_id = 1}).value()) == "62 02 00 01");
    CHECK(to_hex(encode(pubcomp_packet{.packet_id = 1}).value()) == "70 02 00 01");
    CHECK(to_hex(encode(disconnect_packet{}).value()) == "e0 00");
    CHECK(to_hex(encode(auth_packet{}).value()) == "f0 00");
    CHECK(to_hex(encode(pingreq_packet{}).value()) == "c0 00");
    CHECK(to_hex(encode(pingresp_packet{}).value()) == "d0 00");
    // A failure without properties drops only the Property Length.
    CHECK(to_hex(encode(puback_packet{.packet_id = 1, .reason = reason_code::quota_exceeded}).value()) ==
          "40 03 00 01 97");
    CHECK(to_hex(encode(disconnect_packet{.reason = reason_code::server_shutting_down}).value()) ==
          "e0 01 8b");
    // AUTH never drops the Property Length alone (§3.15.2.1).
    CHECK(to_hex(encode(auth_packet{.reason = reason_code::re_authenticate}).value()) == "f0 02 19 00");
}

TEST_CASE("every packet prints as one readable line")
{
    for (const auto& v : test::mqtt5_vectors()) {
        std::ostringstream os;
        os << v.value;
        const auto text = os.str();
        INFO(text);
        CHECK(text.find('\n') == std::string::npos);
        CHECK(text.find(to_string(type_of(v.value))) == 0);
    }
    std::ostringstream os;
    os << packet{publish_packet{.qos = qos::at_least_once,
                                .topic = "a/\"b\"\x01",
                                .packet_id = 2,
                                .props = {.topic_alias = 3, .user_properties = {{"k", "v"}}},
                                .payload = test::bytes("hi")}};
    CHECK(os.str() == "PUBLISH{qos:1,dup:0,retain:0,packet_id:2,topic:\"a/\\\"b\\\"\\x01\","
                      "props:{topic_alias:3,user:\"k\"=\"v\"},payload:2 bytes}");
    std::ostringstream rc;
    rc << reason_code::not_authorized;
    CHECK(rc.str() == "0x87 Not authorized");
}
