// SPDX-License-Identifier: MIT
// XBee API frames, mode 1 and mode 2. The first vectors are the examples in Digi's Zigbee user guide
// (Transmit Request "TxData0A", Receive Packet "RxData", Transmit Status, Modem Status, AT response).
#include "deframe.hpp"

#include <sngw/framing/xbee.hpp>
#include <sngw/sn/v1_2/codec.hpp>

#include <doctest/doctest.h>

#include <sstream>

using namespace sngw::framing;
using sngw::test::bytes;
using sngw::test::counting;
using sngw::test::deframe_all;
using sngw::test::deframe_bytewise;
using sngw::test::hex;
using sngw::test::join;
using sngw::test::to_hex;

namespace {

const xbee_options mode1{.mode = xbee_api_mode::unescaped};
const xbee_options mode2{.mode = xbee_api_mode::escaped};

// Digi's Transmit Request example: "TxData0A" to 0013A200400A0127.
const auto tx_mode1 = hex("7e"                      // start delimiter
                          "00 16"                   // length 22
                          "10"                      // frame type Transmit Request
                          "01"                      // frame id 1
                          "00 13 a2 00 40 0a 01 27" // 64-bit destination
                          "ff fe"                   // 16-bit destination: unknown
                          "00"                      // broadcast radius: maximum
                          "00"                      // transmit options
                          "54 78 44 61 74 61 30 41" // RF data "TxData0A"
                          "13");                    // checksum 0xFF - 0xEC
const auto tx_mode2 = hex("7e 00 16 10 01"
                          "00 7d 33 a2 00 40 0a 01 27" // 0x13 escaped: 7D 33
                          "ff fe 00 00 54 78 44 61 74 61 30 41"
                          "7d 33"); // the checksum 0x13 escaped too

// Digi's Receive Packet example: "RxData" from 0013A20040522BAA, 16-bit address 7D84.
const auto rx_mode1 = hex("7e"                      // start delimiter
                          "00 12"                   // length 18
                          "90"                      // frame type Receive Packet
                          "00 13 a2 00 40 52 2b aa" // 64-bit source
                          "7d 84"                   // 16-bit source
                          "01"                      // receive options: acknowledged
                          "52 78 44 61 74 61"       // RF data "RxData"
                          "0d");                    // checksum
const auto rx_mode2 = hex("7e 00 12 90"
                          "00 7d 33 a2 00 40 52 2b aa" // 0x13 escaped
                          "7d 5d 84"                   // 0x7D escaped: 7D 5D
                          "01 52 78 44 61 74 61 0d");

// A sensor's MQTT-SN CONNECT in a Receive Packet, from an address holding 0x11 and 0x7E.
const auto connect = hex("08 04 04 01 00 3c 73 31"); // CONNECT, CleanSession, Duration 60 s, "s1"
const auto connect_mode2 = hex("7e"
                               "00 14"                            // length 20
                               "90"                               // Receive Packet
                               "00 7d 33 a2 00 41 b2 7d 31 7d 5e" // source 0013A20041B2117E, escaped
                               "ff fe"                            // 16-bit source unknown (DigiMesh)
                               "01"                               // options
                               "08 04 04 01 00 3c 73 31"          // RF data: the CONNECT
                               "49");                             // checksum

const auto modem_status = hex("7e 00 02"
                              "8a" // Modem Status
                              "06" // coordinator started
                              "6f");
const auto tx_status_ok = hex("7e 00 07"
                              "8b"    // Transmit Status
                              "01"    // frame id
                              "7d 84" // 16-bit destination (mode 1: not escaped)
                              "00"    // retries
                              "00"    // delivery status: success
                              "01"    // discovery status: address discovery
                              "71");
const auto tx_status_failed = hex("7e 00 07 8b 02 ff fe 03"
                                  "21" // delivery status 0x21: network ACK failure
                                  "00 51");
const auto at_response = hex("7e 00 05"
                             "88"    // AT Command Response
                             "01"    // frame id
                             "42 44" // "BD"
                             "00"    // status OK
                             "f0");

} // namespace

TEST_CASE("XBee Transmit Request: Digi's example in mode 1 and mode 2")
{
    const auto data = bytes("TxData0A");
    CHECK(xbee_transmit(1, 0x0013A200400A0127ULL, data, xbee_api_mode::unescaped).value() == tx_mode1);
    CHECK(xbee_transmit(1, 0x0013A200400A0127ULL, data, xbee_api_mode::escaped).value() == tx_mode2);
    for (const auto& [wire, options] : {std::pair{tx_mode1, mode1}, std::pair{tx_mode2, mode2}}) {
        xbee_deframer d(options);
        const auto got = deframe_bytewise(d, wire);
        CHECK(got.text() == "other[10 01 00 13 a2 00 40 0a 01 27 ff fe 00 00 54 78 44 61 74 61 30 41]");
        CHECK(d.xbee_stats().other_types == 1);
    }
}

TEST_CASE(
    "XBee Receive Packet: Digi's example in mode 1 and mode 2 gives the RF data and both source addresses")
{
    for (const auto& [wire, options] : {std::pair{rx_mode1, mode1}, std::pair{rx_mode2, mode2}}) {
        xbee_deframer d(options);
        const auto r = d.put(wire);
        CHECK(r.consumed == wire.size());
        REQUIRE(r.status == deframe_status::frame);
        CHECK(to_hex({d.frame().begin(), d.frame().end()}) == to_hex(bytes("RxData")));
        const auto f = d.last_frame();
        REQUIRE(f.has_value());
        const auto& p = std::get<xbee_receive_packet>(*f);
        CHECK(p.source64 == 0x0013A20040522BAAULL);
        CHECK(p.source16 == 0x7D84);
        CHECK(p.options == 0x01);
        CHECK(!p.broadcast());
        CHECK(xbee_frame(d.api_frame(), options.mode).value() == wire);
        CHECK(d.put({}).status == deframe_status::need_more);
        CHECK(d.api_frame().empty()); // valid until the next put()
        CHECK(d.counters().frames == 1);
    }
}

TEST_CASE("XBee mode 2: an MQTT-SN CONNECT from a sensor whose address needs escaping")
{
    xbee_deframer d;
    const auto got = deframe_bytewise(d, connect_mode2);
    REQUIRE(got.frames.size() == 1);
    CHECK(got.frames[0] == connect);
    auto m = sngw::sn::v1_2::decode(got.frames[0]);
    REQUIRE(m.has_value());
    CHECK(std::get<sngw::sn::v1_2::connect_msg>(*m).client_id == "s1");
    const xbee_receive_packet p{
        .source64 = 0x0013A20041B2117EULL, .source16 = 0xFFFE, .options = 1, .data = connect};
    CHECK(xbee_frame(encode_xbee_frame(p)).value() == connect_mode2);
}

TEST_CASE("XBee broadcast: a Transmit Request to 000000000000FFFF, its length 0x13 escaped in mode 2")
{
    const auto advertise = hex("05 00 01 03 84"); // ADVERTISE GwId 1, Duration 900 s
    CHECK(xbee_transmit(0, xbee_broadcast_address, advertise, xbee_api_mode::escaped).value() ==
          hex("7e"
              "00 7d 33"                // length 19: 0x13 escaped
              "10"                      // Transmit Request
              "00"                      // frame id 0: no Transmit Status wanted
              "00 00 00 00 00 00 ff ff" // broadcast
              "ff fe"                   // 16-bit destination unknown
              "00 00"                   // radius, options
              "05 00 01 03 84"          // the ADVERTISE
              "67"));                   // checksum
}

TEST_CASE(
    "XBee: Transmit Status, Modem Status and AT responses are reported as other and counted, not as data")
{
    xbee_deframer d(mode1);
    const auto got =
        deframe_bytewise(d, join({tx_status_ok, modem_status, tx_status_failed, at_response, rx_mode1}));
    CHECK(got.text() ==
          "other[8b 01 7d 84 00 00 01] other[8a 06] other[8b 02 ff fe 03 21 00] other[88 01 42 44 00] "
          "frame[52 78 44 61 74 61]");
    CHECK(d.counters().frames == 1);
    CHECK(d.counters().others == 4);
    CHECK(d.xbee_stats().transmit_status_delivered == 1);
    CHECK(d.xbee_stats().transmit_status_failed == 1);
    CHECK(d.xbee_stats().modem_status == 1);
    CHECK(d.xbee_stats().at_responses == 1);
    CHECK(d.xbee_stats().other_types == 0);
}

TEST_CASE("XBee: the parsed status frames carry their fields")
{
    xbee_deframer d(mode1);
    REQUIRE(d.put(tx_status_failed).status == deframe_status::other);
    const auto s = std::get<xbee_transmit_status>(d.last_frame().value());
    CHECK(s == xbee_transmit_status{.frame_id = 2,
                                    .destination16 = 0xFFFE,
                                    .retry_count = 3,
                                    .delivery_status = 0x21,
                                    .discovery_status = 0});
    CHECK(!s.delivered());
    REQUIRE(d.put(at_response).status == deframe_status::other);
    const auto a = std::get<xbee_at_response>(d.last_frame().value());
    CHECK(a.command == std::array<char, 2>{'B', 'D'});
    CHECK(a.status == 0);
    std::ostringstream text;
    text << d.last_frame().value();
    CHECK(text.str() == "at_response{id:1,cmd:4244,status:00,len:0}");
}

TEST_CASE("XBee: a bad checksum is counted corrupt and the next frame is decoded, in both modes")
{
    for (const auto& [good, options] : {std::pair{rx_mode1, mode1}, std::pair{rx_mode2, mode2}}) {
        const int mode =
            static_cast<int>(options.mode); // clang 14: no structured binding in CAPTURE's lambda
        CAPTURE(mode);
        auto bad = good;
        bad.back() = std::byte{0x0e}; // checksum 0x0D expected
        xbee_deframer d(options);
        const auto got = deframe_bytewise(d, join({bad, good, hex("55")}));
        CHECK(got.text() == "corrupt(bad_checksum) frame[52 78 44 61 74 61]");
        CHECK(d.counters().corrupt_by(errc::bad_checksum) == 1);
        CHECK(d.counters().bytes_skipped == bad.size() + 1); // and the 55 at the end, not yet reported
    }
}

TEST_CASE("XBee: garbage before a start delimiter is one report per run, and the frame after it is found")
{
    xbee_deframer d;
    const auto got =
        deframe_bytewise(d, join({hex("55 aa 00 ff"), modem_status, hex("0d 0a"), modem_status}));
    CHECK(got.text() == "corrupt(garbage_skipped) other[8a 06] corrupt(garbage_skipped) other[8a 06]");
    CHECK(d.counters().bytes_skipped == 6);
}

TEST_CASE("XBee mode 2: a start delimiter inside a frame cuts it short and starts the next one")
{
    xbee_deframer d;
    CHECK(deframe_bytewise(d, join({hex("7e 00 12 90 00 7d 33"), rx_mode2})).text() ==
          "corrupt(truncated) frame[52 78 44 61 74 61]");
    CHECK(d.counters().bytes_skipped == 7);
}

TEST_CASE("XBee mode 2: 0x7D followed by 0x7E is a bad escape, and the 0x7E starts the next frame")
{
    xbee_deframer d;
    CHECK(deframe_bytewise(d, join({hex("7e 00 12 90 7d"), rx_mode2})).text() ==
          "corrupt(bad_escape) frame[52 78 44 61 74 61]");
}

TEST_CASE("XBee: length 0 is bad_length and the next frame is found")
{
    for (const auto& options : {mode1, mode2}) {
        xbee_deframer d(options);
        CHECK(deframe_bytewise(d, join({hex("7e 00 00 ff"), modem_status})).text() ==
              "corrupt(bad_length) other[8a 06]");
    }
}

TEST_CASE("XBee: a length above max_frame_size is refused before buffering, and the next frame is found")
{
    for (const auto& mode : {xbee_api_mode::unescaped, xbee_api_mode::escaped}) {
        xbee_deframer d({.mode = mode, .max_frame_size = 32});
        std::vector<std::byte> body(5000, std::byte{0x55});
        const auto got = deframe_bytewise(d, join({hex("7e 13 88"), body, modem_status}));
        CHECK(got.text() == "corrupt(oversized) other[8a 06]");
        CHECK(d.counters().bytes_skipped == 3 + body.size());
        CHECK(got.max_buffered <= 3 * (32 + 3));
    }
}

TEST_CASE("XBee mode 1: a false start in noise does not swallow the good frames behind it")
{
    // 7E 00 30 announces 48 octets: they include the whole Receive Packet and part of the Modem Status
    // that follow. The checksum fails, the octets are searched again, and both frames are found.
    xbee_deframer d(mode1);
    const auto stream = join({hex("7e 00 30"), rx_mode1, modem_status, modem_status, modem_status,
                              modem_status, modem_status, modem_status, modem_status});
    const auto got = deframe_bytewise(d, stream);
    CHECK(got.events.front() == "corrupt(bad_checksum)");
    CHECK(got.frames.size() == 1);
    CHECK(d.counters().others == 7);
    CHECK(d.counters().corrupt_total() == 1); // the searched-again octets are not reported twice
    xbee_deframer whole(mode1);
    CHECK(deframe_all(whole, stream).text() == got.text());
}

TEST_CASE("XBee: a Receive Packet too short for its fields is bad_api_frame")
{
    xbee_deframer d(mode1);
    CHECK(deframe_all(d, join({hex("7e 00 05 90 00 01 02 03 69"), rx_mode1})).text() ==
          "corrupt(bad_api_frame) frame[52 78 44 61 74 61]");
}

TEST_CASE("XBee: unknown frame types are other, counted by type")
{
    xbee_deframer d(mode1);
    REQUIRE(d.put(hex("7e 00 03 a1 01 02 5b")).status == deframe_status::other);
    CHECK(d.xbee_stats().other_types == 1);
    std::ostringstream text;
    text << d.last_frame().value();
    CHECK(text.str() == "frame{type:a1,len:2}");
}

TEST_CASE("XBee: every frame type parses and encodes back to the same frame data")
{
    const auto payload = bytes("xyz");
    const std::vector<xbee_api_frame> frames{
        xbee_receive_packet{
            .source64 = 0x0013A20040522BAAULL, .source16 = 0x7D84, .options = 2, .data = payload},
        xbee_transmit_request{.frame_id = 7,
                              .destination64 = 42,
                              .destination16 = 0x1234,
                              .broadcast_radius = 3,
                              .options = 0x40,
                              .data = payload},
        xbee_transmit_status{.frame_id = 1,
                             .destination16 = 0xFFFE,
                             .retry_count = 2,
                             .delivery_status = 0x24,
                             .discovery_status = 0},
        xbee_modem_status{.status = 2},
        xbee_at_response{.frame_id = 9, .command = {'N', 'I'}, .status = 0, .data = payload},
        xbee_unknown_frame{.type = 0xA1, .body = payload},
    };
    for (const auto& f : frames) {
        const auto data = encode_xbee_frame(f);
        const auto back = parse_xbee_frame(data);
        REQUIRE(back.has_value());
        CHECK(*back == f);
    }
    CHECK(parse_xbee_frame({}).error() == make_error_code(errc::bad_length));
    CHECK(parse_xbee_frame(hex("8b 01 02")).error() == make_error_code(errc::bad_api_frame));
    CHECK(parse_xbee_frame(hex("10 01 02")).error() == make_error_code(errc::bad_api_frame));
}

TEST_CASE("XBee framer: empty and over-long frame data are refused")
{
    CHECK(xbee_frame({}).error() == make_error_code(errc::bad_length));
    CHECK(xbee_frame(counting(65536)).error() == make_error_code(errc::payload_too_large));
    CHECK(xbee_transmit(1, 1, counting(65535 - 13)).error() == make_error_code(errc::payload_too_large));
    CHECK(xbee_transmit(1, 1, counting(65535 - 14)).has_value());
}
