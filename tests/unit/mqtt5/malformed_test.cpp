// SPDX-License-Identifier: MIT
// Each decode rule rejects its malformed packet with its own error.
#include "test_print.hpp"

#include "support/hex.hpp"
#include "vectors/mqtt5/mqtt5_vectors.hpp"

#include <sngw/mqtt5/codec.hpp>

#include <doctest/doctest.h>

#include <set>

using namespace sngw;
using namespace sngw::mqtt5;
using test::hex;

TEST_CASE("every malformed vector fails with its own error code")
{
    for (const auto& v : test::mqtt5_malformed_vectors()) {
        INFO(v.name << " [" << test::to_hex(v.wire) << "]");
        auto r = decode(v.wire);
        REQUIRE_FALSE(r);
        CHECK_MESSAGE(r.error() == v.expected, "got: " << r.error().message());
    }
}

TEST_CASE("every decode error but packet_too_large has a malformed vector")
{
    std::set<errc> seen;
    for (const auto& v : test::mqtt5_malformed_vectors())
        seen.insert(v.expected);
    for (int e = static_cast<int>(errc::truncated); e <= static_cast<int>(errc::field_too_long); ++e) {
        const auto code = static_cast<errc>(e);
        if (code == errc::packet_too_large || code == errc::field_too_long)
            continue; // limits-dependent / encode only
        INFO(make_error_code(code).message());
        CHECK(seen.count(code) == 1);
    }
}

TEST_CASE("error codes have names and a category")
{
    CHECK(make_error_code(errc::bad_utf8).category().name() == std::string("mqtt5"));
    CHECK(make_error_code(errc::bad_utf8).message() == "invalid UTF-8 string");
    boost::system::error_code ec = errc::packet_too_large;
    CHECK(ec == errc::packet_too_large);
    CHECK(ec.message() == "packet too large");
}

TEST_CASE("unknown reason codes are rejected, not kept as data (MQTT 5.0 §2.4)")
{
    // Every byte value either is a PUBACK reason code or makes PUBACK fail with bad_reason_code.
    int accepted = 0;
    for (unsigned rc = 0; rc < 256; ++rc) {
        const std::vector<std::byte> wire{std::byte{0x40}, std::byte{0x03}, std::byte{0x00}, std::byte{0x01},
                                          std::byte(rc)};
        auto r = decode(wire);
        if (r) {
            ++accepted;
            CHECK(reason_code_allowed(packet_type::puback, std::get<puback_packet>(*r).reason));
        } else {
            CHECK(r.error() == errc::bad_reason_code);
        }
    }
    CHECK(accepted == 9);
}

TEST_CASE("with accept_unlisted_failure_acks, an ack's unlisted failure code is kept as data")
{
    const decode_limits lenient{max_packet_size_limit, true};
    // mosquitto 2.0's answer to a PUBLISH over its message_size_limit.
    const auto puback = hex("40"    // PUBACK
                            "03"    // Remaining Length
                            "00 01" // Packet Identifier 1
                            "95");  // Reason Code 0x95 Packet too large: not listed for PUBACK (§3.4.2.1)
    CHECK(decode(puback).error() == errc::bad_reason_code); // strict by default
    const auto r = decode(puback, lenient);
    REQUIRE(r);
    CHECK(std::get<puback_packet>(*r) == puback_packet{1, reason_code::packet_too_large, {}});

    const auto pubrec = hex("50 03" // PUBREC, Remaining Length
                            "00 02" // Packet Identifier 2
                            "89");  // 0x89 Server busy: not listed for PUBREC
    CHECK(std::get<pubrec_packet>(decode(pubrec, lenient).value()).reason == reason_code::server_busy);

    const auto pubcomp = hex("70 03" // PUBCOMP, Remaining Length
                             "00 03" // Packet Identifier 3
                             "80");  // 0x80: PUBCOMP lists only 0x00 and 0x92
    CHECK(std::get<pubcomp_packet>(decode(pubcomp, lenient).value()).reason ==
          reason_code::unspecified_error);

    const auto suback = hex("90 05"   // SUBACK, Remaining Length
                            "00 04"   // Packet Identifier 4
                            "00"      // Property Length
                            "01 95"); // Granted QoS 1, then 0x95 (not listed for SUBACK)
    const auto sub = std::get<suback_packet>(decode(suback, lenient).value());
    CHECK(sub.reason_codes ==
          std::vector<reason_code>{reason_code::granted_qos_1, reason_code::packet_too_large});

    // Below 0x80 stays strict, and so do packets that are not acks.
    CHECK(decode(hex("40 03 00 01 05"), lenient).error() == errc::bad_reason_code);
    CHECK(decode(hex("e0 01 05"), lenient).error() == errc::bad_reason_code); // DISCONNECT 0x05
    CHECK(decode(hex("e0 01 91"), lenient).error() == errc::bad_reason_code); // DISCONNECT 0x91
}
