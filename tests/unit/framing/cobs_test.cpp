// SPDX-License-Identifier: MIT
// COBS with a 0x00 delimiter, with the CRC-16/CCITT-FALSE trailer and without it.
#include "deframe.hpp"

#include <sngw/framing/cobs.hpp>

#include <doctest/doctest.h>

using namespace sngw::framing;
using sngw::test::counting;
using sngw::test::deframe_all;
using sngw::test::deframe_bytewise;
using sngw::test::hex;
using sngw::test::join;
using sngw::test::to_hex;

namespace {

/// Octets first..last, counting up.
std::vector<std::byte> run(unsigned first, unsigned last)
{
    std::vector<std::byte> out;
    for (unsigned v = first; v <= last; ++v)
        out.push_back(static_cast<std::byte>(v));
    return out;
}

const cobs_options no_crc{.crc = false};

struct vector {
    const char* name;
    std::vector<std::byte> payload;
    std::vector<std::byte> wire;
};

/// The examples of the COBS paper's encoding rules (also those on Wikipedia), without CRC.
std::vector<vector> plain_vectors()
{
    return {
        {"one zero", hex("00"),
         hex("01"    // code 1: no data, then a zero
             "01"    // code 1: no data, last block (its zero is implied)
             "00")}, // delimiter
        {"two zeros", hex("00 00"), hex("01 01 01 00")},
        {"zero, octet, zero", hex("00 11 00"),
         hex("01"    // zero
             "02 11" // 11, then zero
             "01"    // last (empty) block
             "00")},
        {"zero inside", hex("11 22 00 33"),
         hex("03 11 22" // 11 22, then zero
             "02 33"    // 33, last block
             "00")},
        {"no zero", hex("11 22 33 44"), hex("05 11 22 33 44 00")},
        {"trailing zeros", hex("11 00 00 00"), hex("02 11 01 01 01 00")},
        {"254 non-zero octets: one full block, nothing after it", run(1, 254),
         join({hex("ff"), run(1, 254), hex("00")})},
        {"a zero then 254 non-zero octets", join({hex("00"), run(1, 254)}),
         join({hex("01 ff"), run(1, 254), hex("00")})},
        {"255 non-zero octets: a full block then a block of one", run(1, 255),
         join({hex("ff"), run(1, 254), hex("02 ff 00")})},
        {"254 non-zero octets then a zero", join({run(2, 255), hex("00")}),
         join({hex("ff"), run(2, 255), hex("01 01 00")})},
        {"253 non-zero octets, a zero, one octet", join({run(3, 255), hex("00 01")}),
         join({hex("fe"), run(3, 255), hex("02 01 00")})},
    };
}

const auto pingreq = hex("02 16");
const auto pingreq_cobs = hex("05"    // code 5: four non-zero octets follow, last block
                              "02 16" // PINGREQ
                              "09 9a" // CRC-16/CCITT-FALSE 0x099A, big-endian
                              "00");  // delimiter

// PUBLISH QoS 0, TopicId 1, MsgId 0, Data "hi": four zeros to stuff.
const auto publish = hex("09 0c 00 00 01 00 00 68 69");
const auto publish_cobs = hex("03 09 0c" // Length, PUBLISH, then the zero of Flags
                              "01"       // the zero of TopicId's high octet
                              "02 01"    // TopicId low octet, then MsgId's first zero
                              "01"       // MsgId's second zero
                              "05 68 69" // Data "hi"
                              "1e 44"    // CRC 0x1E44, last block
                              "00");     // delimiter

} // namespace

TEST_CASE("COBS without CRC: the reference examples, both ways")
{
    for (const auto& v : plain_vectors()) {
        CAPTURE(v.name);
        CHECK(cobs_frame(v.payload, no_crc).value() == v.wire);
        cobs_deframer d(no_crc);
        const auto got = deframe_bytewise(d, v.wire);
        REQUIRE(got.frames.size() == 1);
        CHECK(got.frames[0] == v.payload);
        CHECK(got.events.size() == 1);
    }
}

TEST_CASE("COBS with CRC: a PINGREQ and a PUBLISH with zeros, both ways")
{
    CHECK(cobs_frame(pingreq).value() == pingreq_cobs);
    CHECK(cobs_frame(publish).value() == publish_cobs);
    cobs_deframer d;
    CHECK(deframe_bytewise(d, join({pingreq_cobs, publish_cobs})).text() ==
          "frame[02 16] frame[09 0c 00 00 01 00 00 68 69]");
}

TEST_CASE("COBS: a full last block followed by an empty block decodes like the short form")
{
    cobs_deframer d(no_crc);
    const auto got = deframe_all(d, join({hex("ff"), run(1, 254), hex("01 00")}));
    REQUIRE(got.frames.size() == 1);
    CHECK(got.frames[0] == run(1, 254));
}

TEST_CASE("COBS: leading and repeated delimiters make no empty frames, and leading_delimiter sends one")
{
    cobs_deframer d;
    CHECK(deframe_all(d, join({hex("00 00"), pingreq_cobs, hex("00"), pingreq_cobs})).text() ==
          "frame[02 16] frame[02 16]");
    CHECK(d.counters().corrupt_total() == 0);
    CHECK(cobs_frame(pingreq, {.leading_delimiter = true}).value() == join({hex("00"), pingreq_cobs}));
}

TEST_CASE("COBS: the delimiter inside a block is bad_block and the next frame is decoded")
{
    cobs_deframer d;
    const auto got = deframe_bytewise(d, join({hex("05 02 16 00"), pingreq_cobs}));
    CHECK(got.text() == "corrupt(bad_block) frame[02 16]");
    CHECK(d.counters().bytes_skipped == 3);
}

TEST_CASE("COBS: a bad CRC is counted corrupt and the next frame is decoded")
{
    cobs_deframer d;
    CHECK(deframe_bytewise(d, join({hex("05 02 16 09 9b 00"), pingreq_cobs})).text() ==
          "corrupt(bad_crc) frame[02 16]");
    CHECK(d.counters().corrupt_by(errc::bad_crc) == 1);
}

TEST_CASE("COBS with CRC: a frame of one octet is too short for its trailer")
{
    cobs_deframer d;
    CHECK(deframe_all(d, join({hex("02 55 00"), pingreq_cobs})).text() ==
          "corrupt(short_frame) frame[02 16]");
}

TEST_CASE("COBS: noise before a frame spoils that frame only, and with a leading delimiter none")
{
    const auto noise = hex("55 aa 13 37");
    cobs_deframer d;
    // The noise and the first frame end at the same delimiter: one corrupt frame, then in step.
    CHECK(deframe_bytewise(d, join({noise, pingreq_cobs, pingreq_cobs})).text() ==
          "corrupt(bad_block) frame[02 16]");
    cobs_deframer e;
    CHECK(deframe_bytewise(e, join({noise, hex("00"), pingreq_cobs})).text() ==
          "corrupt(bad_block) frame[02 16]");
}

TEST_CASE("COBS: an oversized frame is refused as soon as the limit is passed, without growing memory")
{
    cobs_deframer d({.max_frame_size = 8});
    const std::vector<std::byte> flood(100'000, std::byte{0x01}); // code 1 again and again: zeros
    const auto got = deframe_bytewise(d, join({flood, hex("00"), pingreq_cobs}));
    CHECK(got.text() == "corrupt(oversized) frame[02 16]");
    CHECK(got.max_buffered <= 8 + 2);
    CHECK(d.counters().bytes_skipped == 100'000);
    CHECK(cobs_frame(counting(9), {.max_frame_size = 8}).error() == make_error_code(errc::payload_too_large));
}

TEST_CASE("COBS: a frame of 65,535 octets with CRC survives, both ways")
{
    const auto payload = counting(65535);
    const auto wire = cobs_frame(payload).value();
    CHECK(wire.size() <= payload.size() + 2 + (payload.size() + 2) / 254 + 2);
    cobs_deframer d;
    const auto got = deframe_all(d, wire);
    REQUIRE(got.frames.size() == 1);
    CHECK(got.frames[0] == payload);
}
