// SPDX-License-Identifier: MIT
// MQTT 5.0 §1.5.4: UTF-8 strings are well-formed and free of U+0000, wherever they occur.
#include "test_print.hpp"

#include "support/hex.hpp"

#include <sngw/mqtt5/codec.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace sngw;
using namespace sngw::mqtt5;
using test::hex;

namespace {

struct bad_string {
    const char* what;
    const char* bytes;
};

// Each kind of ill-formed UTF-8 the spec names, and a few more.
const bad_string bad_strings[] = {
    {"overlong '/' (c0 af)", "c0 af"},
    {"overlong NUL (c0 80)", "c0 80"},
    {"overlong 3-byte (e0 80 af)", "e0 80 af"},
    {"overlong 4-byte (f0 80 80 af)", "f0 80 80 af"},
    {"high surrogate U+D800", "ed a0 80"},
    {"low surrogate U+DFFF", "ed bf bf"},
    {"U+0000", "61 00 62"},
    {"truncated 2-byte sequence", "61 c3"},
    {"truncated 3-byte sequence", "e2 82"},
    {"truncated 4-byte sequence", "f0 9f 98"},
    {"lone continuation byte", "80"},
    {"byte fe", "fe"},
    {"beyond U+10FFFF", "f4 90 80 80"},
};

std::vector<std::byte> str16(const std::vector<std::byte>& s)
{
    std::vector<std::byte> out{std::byte(s.size() >> 8), std::byte(s.size() & 0xFF)};
    out.insert(out.end(), s.begin(), s.end());
    return out;
}

std::vector<std::byte> with_header(std::uint8_t first, const std::vector<std::byte>& body)
{
    std::vector<std::byte> out{std::byte{first}, std::byte(body.size())}; // bodies here are < 128 bytes
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

std::vector<std::byte> operator+(std::vector<std::byte> a, const std::vector<std::byte>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::vector<std::byte> publish_with_topic(const std::vector<std::byte>& topic)
{
    return with_header(0x30, str16(topic) + hex("00"));
}

std::vector<std::byte> connect_with_client_id(const std::vector<std::byte>& id)
{
    return with_header(0x10, hex("00 04 4d 51 54 54 05 02 00 3c 00") + str16(id));
}

std::vector<std::byte> publish_with_user_property(const std::vector<std::byte>& name,
                                                  const std::vector<std::byte>& value)
{
    const auto prop = hex("26") + str16(name) + str16(value);
    return with_header(0x30, str16(test::bytes("a")) + std::vector<std::byte>{std::byte(prop.size())} + prop);
}

} // namespace

TEST_CASE("ill-formed UTF-8 is rejected in a PUBLISH topic name")
{
    for (const auto& s : bad_strings) {
        INFO(s.what);
        auto r = decode(publish_with_topic(hex(s.bytes)));
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::bad_utf8);
    }
}

TEST_CASE("ill-formed UTF-8 is rejected in a CONNECT client identifier")
{
    for (const auto& s : bad_strings) {
        INFO(s.what);
        auto r = decode(connect_with_client_id(hex(s.bytes)));
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::bad_utf8);
    }
}

TEST_CASE("ill-formed UTF-8 is rejected in a user property name and value")
{
    for (const auto& s : bad_strings) {
        INFO(s.what);
        auto in_name = decode(publish_with_user_property(hex(s.bytes), test::bytes("v")));
        REQUIRE_FALSE(in_name);
        CHECK(in_name.error() == errc::bad_utf8);
        auto in_value = decode(publish_with_user_property(test::bytes("k"), hex(s.bytes)));
        REQUIRE_FALSE(in_value);
        CHECK(in_value.error() == errc::bad_utf8);
    }
}

TEST_CASE("ill-formed UTF-8 is refused by encode too")
{
    for (const auto& s : bad_strings) {
        INFO(s.what);
        const auto raw = hex(s.bytes);
        const std::string text(reinterpret_cast<const char*>(raw.data()), raw.size());
        CHECK(encode(publish_packet{.topic = text}).error() == errc::bad_utf8);
        CHECK(encode(connect_packet{.client_id = text}).error() == errc::bad_utf8);
        CHECK(encode(connect_packet{.username = text}).error() == errc::bad_utf8);
        CHECK(encode(disconnect_packet{.props = {.user_properties = {{"k", text}}}}).error() ==
              errc::bad_utf8);
    }
}

TEST_CASE("well-formed multi-byte UTF-8 is accepted and kept byte for byte")
{
    // é (2 bytes), € (3), 😀 (4), U+FEFF (kept, not stripped: §1.5.4 [MQTT-1.5.4-3]), U+FFFF
    // (a non-character: "SHOULD NOT", still well-formed), U+10FFFF (the last code point).
    const auto raw = hex("c3 a9 2f e2 82 ac 2f f0 9f 98 80 2f ef bb bf 2f ef bf bf 2f f4 8f bf bf");
    const std::string text(reinterpret_cast<const char*>(raw.data()), raw.size());
    auto r = decode(publish_with_topic(raw));
    REQUIRE(r);
    CHECK(std::get<publish_packet>(*r).topic == text);
    CHECK(encode(*r));
}
