// SPDX-License-Identifier: MIT
#include "test_print.hpp"

#include "support/hex.hpp"

#include <sngw/mqtt5/varint.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace sngw;
using namespace sngw::mqtt5;
using test::hex;
using test::to_hex;

TEST_CASE("Variable Byte Integer boundaries encode as in MQTT 5.0 §1.5.5 Table 1-1")
{
    struct row {
        std::uint32_t value;
        const char* wire;
    };
    const row rows[] = {
        {0, "00"},
        {127, "7f"},
        {128, "80 01"},
        {16'383, "ff 7f"},
        {16'384, "80 80 01"},
        {2'097'151, "ff ff 7f"},
        {2'097'152, "80 80 80 01"},
        {268'435'455, "ff ff ff 7f"},
    };
    for (const auto& r : rows) {
        INFO(r.value);
        std::vector<std::byte> out;
        encode_varint(r.value, out);
        CHECK(to_hex(out) == r.wire);
        CHECK(varint_size(r.value) == out.size());
        auto d = decode_varint(hex(r.wire));
        REQUIRE(d);
        CHECK(d->value == r.value);
        CHECK(d->size == out.size());
    }
    CHECK(varint_size(268'435'456) == 0);
}

TEST_CASE("a Variable Byte Integer ignores the bytes after it")
{
    auto d = decode_varint(hex("80 01 ff ff"));
    REQUIRE(d);
    CHECK(d->value == 128);
    CHECK(d->size == 2);
}

TEST_CASE("over-long Variable Byte Integers are rejected")
{
    for (const char* wire : {"80 00", "ff 00", "80 80 00", "ff ff 00", "80 80 80 00", "ff ff ff 00"}) {
        INFO(wire);
        auto d = decode_varint(hex(wire));
        REQUIRE_FALSE(d);
        CHECK(d.error() == errc::overlong_varint);
    }
}

TEST_CASE("a Variable Byte Integer of 5 bytes is malformed")
{
    for (const char* wire : {"80 80 80 80 01", "ff ff ff ff 7f", "ff ff ff ff"}) {
        INFO(wire);
        auto d = decode_varint(hex(std::string(wire) + " 00"));
        REQUIRE_FALSE(d);
        CHECK(d.error() == errc::malformed_varint);
    }
}

TEST_CASE("a Variable Byte Integer cut short is truncated")
{
    for (const char* wire : {"", "80", "ff ff", "80 80 80"}) {
        INFO(wire);
        auto d = decode_varint(hex(wire));
        REQUIRE_FALSE(d);
        CHECK(d.error() == errc::truncated);
    }
}

TEST_CASE("every Variable Byte Integer round-trips across the size boundaries")
{
    for (std::uint32_t base : {0u, 128u, 16'384u, 2'097'152u, 268'435'455u - 300u}) {
        for (std::uint32_t v = base; v < base + 300; ++v) {
            std::vector<std::byte> out;
            encode_varint(v, out);
            auto d = decode_varint(out);
            REQUIRE(d);
            CHECK(d->value == v);
        }
    }
}
