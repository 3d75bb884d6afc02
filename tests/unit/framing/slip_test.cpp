// SPDX-License-Identifier: MIT
// SLIP (RFC 1055) with the CRC-16/CCITT-FALSE trailer, and without it.
#include "deframe.hpp"

#include <sngw/framing/slip.hpp>

#include <doctest/doctest.h>

using namespace sngw::framing;
using sngw::test::counting;
using sngw::test::deframe_all;
using sngw::test::deframe_bytewise;
using sngw::test::hex;
using sngw::test::join;

namespace {

const auto pingreq = hex("02 16");
const auto pingreq_slip = hex("c0"    // END (leading, flushes line noise)
                              "02 16" // PINGREQ
                              "09 9a" // CRC-16/CCITT-FALSE 0x099A, big-endian
                              "c0");  // END

// PUBLISH QoS 0, TopicId 1, Data c0 db 0b: both special octets in the payload, and a CRC (0xDB09)
// whose high octet needs escaping too.
const auto publish = hex("0a 0c 00 00 01 00 00 c0 db 0b");
const auto publish_slip = hex("c0"                   // END
                              "0a 0c 00 00 01 00 00" // Length, PUBLISH, Flags, TopicId, MsgId
                              "db dc"                // ESC ESC_END: 0xC0
                              "db dd"                // ESC ESC_ESC: 0xDB
                              "0b"                   // plain octet
                              "db dd 09"             // CRC 0xDB09: ESC ESC_ESC, then 0x09
                              "c0");                 // END

} // namespace

TEST_CASE("SLIP with CRC: a PINGREQ, both ways")
{
    CHECK(slip_frame(pingreq).value() == pingreq_slip);
    slip_deframer d;
    CHECK(deframe_all(d, pingreq_slip).text() == "frame[02 16]");
}

TEST_CASE("SLIP with CRC: END and ESC in the payload and in the CRC trailer are escaped, both ways")
{
    CHECK(slip_frame(publish).value() == publish_slip);
    slip_deframer d;
    const auto got = deframe_bytewise(d, publish_slip);
    REQUIRE(got.frames.size() == 1);
    CHECK(got.frames[0] == publish);
}

TEST_CASE("SLIP without CRC: the payload alone between ENDs, both ways")
{
    const slip_options no_crc{.crc = false};
    CHECK(slip_frame(pingreq, no_crc).value() == hex("c0 02 16 c0"));
    CHECK(slip_frame(pingreq, {.crc = false, .leading_end = false}).value() == hex("02 16 c0"));
    CHECK(slip_frame(publish, no_crc).value() == hex("c0 0a 0c 00 00 01 00 00 db dc db dd 0b c0"));
    slip_deframer d(no_crc);
    CHECK(deframe_all(d, hex("c0 02 16 c0 0a 0c 00 00 01 00 00 db dc db dd 0b c0")).text() ==
          "frame[02 16] frame[0a 0c 00 00 01 00 00 c0 db 0b]");
}

TEST_CASE("SLIP: a leading END and repeated ENDs make no empty frames, and a frame without leading END is taken")
{
    slip_deframer d;
    CHECK(deframe_all(d, hex("c0 c0 c0 02 16 09 9a c0 c0 02 16 09 9a c0")).text() ==
          "frame[02 16] frame[02 16]");
    CHECK(d.counters().corrupt_total() == 0);
    CHECK(d.counters().bytes_skipped == 0);
}

TEST_CASE("SLIP: a bad CRC is counted corrupt and the next frame is decoded")
{
    slip_deframer d;
    const auto got = deframe_bytewise(d, join({hex("c0 02 16 09 9b c0"), pingreq_slip}));
    CHECK(got.text() == "corrupt(bad_crc) frame[02 16]");
    CHECK(d.counters().corrupt_by(errc::bad_crc) == 1);
    CHECK(d.counters().bytes_skipped == 4);
    CHECK(d.counters().frames == 1);
}

TEST_CASE("SLIP: ESC followed by a plain octet is a bad escape, and the rest up to END is dropped")
{
    slip_deframer d;
    const auto got = deframe_bytewise(d, join({hex("c0 02 db 16 09 9a c0"), pingreq_slip}));
    CHECK(got.text() == "corrupt(bad_escape) frame[02 16]");
    CHECK(d.counters().bytes_skipped == 5); // 02 db 16 at the error, 09 9a after it
}

TEST_CASE("SLIP: ESC END is a bad escape, and that END still ends the frame")
{
    slip_deframer d;
    CHECK(deframe_bytewise(d, join({hex("c0 02 16 db c0"), hex("02 16 09 9a c0")})).text() ==
          "corrupt(bad_escape) frame[02 16]");
}

TEST_CASE("SLIP with CRC: a frame of one octet is too short for its trailer")
{
    slip_deframer d;
    CHECK(deframe_all(d, join({hex("c0 55 c0"), pingreq_slip})).text() ==
          "corrupt(short_frame) frame[02 16]");
}

TEST_CASE("SLIP: noise between frames is its own frame, rejected by the CRC, and the next frame is found")
{
    slip_deframer d;
    const auto got = deframe_bytewise(d, join({pingreq_slip, hex("55 aa 13 37 0d 0a"), pingreq_slip}));
    CHECK(got.text() == "frame[02 16] corrupt(bad_crc) frame[02 16]");
    CHECK(d.counters().bytes_skipped == 6);
}

TEST_CASE("SLIP: an oversized frame is refused as soon as the limit is passed, without growing memory")
{
    slip_deframer d({.max_frame_size = 8});
    std::vector<std::byte> flood(100'000, std::byte{0x55});
    const auto got = deframe_bytewise(d, join({hex("c0"), flood, hex("c0"), pingreq_slip}));
    CHECK(got.text() == "corrupt(oversized) frame[02 16]");
    CHECK(got.max_buffered <= 8 + 2);
    CHECK(d.counters().bytes_skipped == 100'000);
    CHECK(slip_frame(counting(9), {.max_frame_size = 8}).error() == make_error_code(errc::payload_too_large));
    CHECK(slip_frame(counting(8), {.max_frame_size = 8}).has_value());
}

TEST_CASE("SLIP: a frame of exactly max_frame_size octets is accepted")
{
    slip_deframer d({.max_frame_size = 300});
    const auto payload = counting(300);
    const auto got = deframe_bytewise(d, slip_frame(payload, {.max_frame_size = 300}).value());
    REQUIRE(got.frames.size() == 1);
    CHECK(got.frames[0] == payload);
}

TEST_CASE("SLIP: reset() forgets a partial frame")
{
    slip_deframer d;
    CHECK(deframe_all(d, hex("c0 02 16")).events.empty());
    d.reset();
    CHECK(deframe_all(d, hex("02 16 09 9a c0")).text() == "frame[02 16]");
}
