// SPDX-License-Identifier: MIT
// CRC-16/CCITT-FALSE (CRC-16/IBM-3740), the trailer of the SLIP and COBS framings.
#include "support/hex.hpp"

#include <sngw/framing/crc16.hpp>

#include <doctest/doctest.h>

using sngw::framing::crc16_ccitt_false;
using sngw::test::bytes;
using sngw::test::hex;

TEST_CASE("CRC-16/CCITT-FALSE of \"123456789\" is the catalogue check value 0x29B1")
{
    CHECK(crc16_ccitt_false(bytes("123456789")) == 0x29B1);
}

TEST_CASE("CRC-16 of nothing is the initial value 0xFFFF")
{
    CHECK(crc16_ccitt_false({}) == 0xFFFF);
}

TEST_CASE("CRC-16 of a PINGREQ matches Python's binascii.crc_hqx(data, 0xFFFF)")
{
    CHECK(crc16_ccitt_false(hex("02 16")) == 0x099A);
    CHECK(crc16_ccitt_false(hex("09 0c 00 00 01 00 00 68 69")) == 0x1E44);
}

TEST_CASE("CRC-16 computed in pieces equals the CRC of the whole")
{
    const auto whole = bytes("123456789");
    const auto first = std::span(whole).first(4);
    const auto rest = std::span(whole).subspan(4);
    CHECK(crc16_ccitt_false(rest, crc16_ccitt_false(first)) == 0x29B1);
}

TEST_CASE("the CRC-16 over a payload followed by its big-endian trailer is zero")
{
    auto data = bytes("123456789");
    data.push_back(std::byte{0x29});
    data.push_back(std::byte{0xB1});
    CHECK(crc16_ccitt_false(data) == 0);
}
