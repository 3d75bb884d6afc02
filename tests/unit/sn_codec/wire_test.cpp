// SPDX-License-Identifier: MIT
// The Length/MsgType header shared by both versions (MQTT-SN v1.2 §5.2.1, 2.0 §2.1.2), the field
// reader/writer and the UTF-8 rule.
#include <sngw/sn/wire.hpp>

#include "support/hex.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using namespace sngw;
using sngw::test::hex;

TEST_CASE("a 1-octet Length counts the whole message and is followed by MsgType")
{
    const auto h = sn::wire::parse_header(hex("03 01 05"));   // SEARCHGW radius 5
    REQUIRE(h.has_value());
    CHECK(h->header_size == 2);
    CHECK(h->msg_type == 0x01);
}

TEST_CASE("a 3-octet Length is accepted for long and for short messages")
{
    const auto short_in_long_form = sn::wire::parse_header(hex("01 00 05 01 05"));
    REQUIRE(short_in_long_form.has_value());
    CHECK(short_in_long_form->header_size == 4);
    CHECK(short_in_long_form->msg_type == 0x01);

    std::vector<std::byte> big(300, std::byte{0x41});
    big[0] = std::byte{0x01};
    big[1] = std::byte{0x01};
    big[2] = std::byte{0x2c};   // 300
    big[3] = std::byte{0x0c};
    CHECK(sn::wire::parse_header(big).has_value());
}

TEST_CASE("header errors: empty, lone 0x01, announced < 2 or < 4, more or fewer octets than announced")
{
    CHECK(sn::wire::parse_header({}).error() == sn::errc::truncated);
    CHECK(sn::wire::parse_header(hex("01")).error() == sn::errc::truncated);
    CHECK(sn::wire::parse_header(hex("01 00")).error() == sn::errc::truncated);
    CHECK(sn::wire::parse_header(hex("00 01")).error() == sn::errc::bad_length_field);
    CHECK(sn::wire::parse_header(hex("01 00 03 01")).error() == sn::errc::bad_length_field);
    CHECK(sn::wire::parse_header(hex("01 00 00 01")).error() == sn::errc::bad_length_field);
    CHECK(sn::wire::parse_header(hex("02")).error() == sn::errc::truncated);        // no MsgType
    CHECK(sn::wire::parse_header(hex("04 01 05")).error() == sn::errc::truncated);
    CHECK(sn::wire::parse_header(hex("02 17 00")).error() == sn::errc::length_mismatch);
    CHECK(sn::wire::parse_header(hex("01 00 05 01 05 00")).error() == sn::errc::length_mismatch);
}

TEST_CASE("the writer picks the 1-octet Length up to 255 octets and the 3-octet form from 256")
{
    CHECK(sn::wire::header_size_for(253) == 2);   // 2 + 253 = 255
    CHECK(sn::wire::header_size_for(254) == 4);   // would be 256 in the short form

    std::vector<std::byte> out;
    REQUIRE(sn::wire::write_header(out, 253, 0x0c).has_value());
    CHECK(out == hex("ff 0c"));
    out.clear();
    REQUIRE(sn::wire::write_header(out, 254, 0x0c).has_value());
    CHECK(out == hex("01 01 02 0c"));   // 4 + 254 = 258
    out.clear();
    CHECK(sn::wire::write_header(out, 65531, 0x0c).has_value());    // 65535 in all
    out.clear();
    CHECK(sn::wire::write_header(out, 65532, 0x0c).error() == sn::errc::field_too_long);
    CHECK(out.empty());
}

TEST_CASE("the reader fails with truncated instead of reading past the end")
{
    const auto data = hex("01 02 03");
    sn::wire::reader r(data);
    CHECK(r.u16().value() == 0x0102);
    CHECK(r.u16().error() == sn::errc::truncated);
    CHECK(r.u32().error() == sn::errc::truncated);
    CHECK(r.take(2).error() == sn::errc::truncated);
    CHECK(r.u8().value() == 0x03);
    CHECK(r.u8().error() == sn::errc::truncated);
    CHECK(r.empty());
}

TEST_CASE("UTF-8 validation follows MQTT 5 §1.5.4: no overlongs, surrogates, U+0000 or code points above U+10FFFF")
{
    using sn::wire::is_valid_utf8;
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("sensors/temp"));
    CHECK(is_valid_utf8("\xc3\xa9t\xc3\xa9"));            // "été"
    CHECK(is_valid_utf8("\xf0\x9f\x8c\xa1"));             // U+1F321
    CHECK_FALSE(is_valid_utf8(std::string_view("a\0b", 3)));
    CHECK_FALSE(is_valid_utf8("\xc0\xaf"));               // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xe0\x80\xaf"));           // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));           // U+D800 surrogate
    CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));       // U+110000
    CHECK_FALSE(is_valid_utf8("\xc3"));                   // cut sequence
    CHECK_FALSE(is_valid_utf8("\xe2\x82"));               // cut sequence
    CHECK_FALSE(is_valid_utf8("\x80"));                   // lone continuation
    CHECK_FALSE(is_valid_utf8("\xff"));
}

TEST_CASE("every errc has its own message")
{
    std::vector<std::string> seen;
    for (int e = 1; e <= static_cast<int>(sn::errc::field_too_long); ++e) {
        const auto text = sn::make_error_code(static_cast<sn::errc>(e)).message();
        CHECK(std::find(seen.begin(), seen.end(), text) == seen.end());
        CHECK(text.find("unknown mqtt-sn error") == std::string::npos);
        seen.push_back(text);
    }
}
