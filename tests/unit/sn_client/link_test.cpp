// SPDX-License-Identifier: MIT
// sngw::sn_client::datagram_link on a serial port: a pty the test opens itself plays the gateway's
// end, so the octets the client writes are checked byte for byte in each framing.
#include <sngw/framing/slip.hpp>
#include <sngw/framing/xbee.hpp>
#include <sngw/sn_client/client.hpp>
#include <sngw/sn_client/link.hpp>

#include "support/hex.hpp"
#include "support/pty_pair.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <variant>

namespace {

using namespace std::chrono_literals;
using sngw::sn_client::datagram_link;
using sngw::sn_client::serial_port;
using sngw::test::hex;
using sngw::transport::serial_framing;

datagram_link open_on(const sngw::test::pty_pair& pty, serial_framing f, bool crc = true)
{
    auto l = datagram_link::open_serial(serial_port{pty.slave_path(), 115200, f, crc});
    REQUIRE_MESSAGE(l.has_value(), l.error().message());
    return std::move(*l);
}

std::vector<std::byte> receive(datagram_link& l)
{
    auto got = l.receive(std::chrono::steady_clock::now() + 2s);
    REQUIRE(got.has_value());
    REQUIRE(got->has_value());
    return {(*got)->begin(), (*got)->end()};
}

} // namespace

TEST_CASE("a serial link puts the port in raw mode and frames a PINGREQ as the README shows")
{
    sngw::test::pty_pair pty;
    auto slip = open_on(pty, serial_framing::slip);
    CHECK(pty.slave_is_raw());
    REQUIRE(slip.send(hex("02 16")).has_value());
    CHECK(pty.read(2s) == hex("c0 02 16 09 9a c0")); // END, PINGREQ, CRC 0x099A, END

    auto cobs = open_on(pty, serial_framing::cobs, false);
    REQUIRE(cobs.send(hex("02 16")).has_value());
    CHECK(pty.read(2s) == hex("03 02 16 00")); // code 3, PINGREQ, delimiter

    auto raw = open_on(pty, serial_framing::raw);
    REQUIRE(raw.send(hex("02 16")).has_value());
    CHECK(pty.read(2s) == hex("02 16"));
    CHECK(raw.is_serial());
    CHECK(raw.local_port() == 0);
}

TEST_CASE("a serial link delivers whole datagrams however the octets arrive and skips corrupt frames")
{
    sngw::test::pty_pair pty;
    auto l = open_on(pty, serial_framing::slip);
    REQUIRE(pty.write(hex("c0 03 05")));
    REQUIRE(pty.write(hex("00 aa bb c0"))); // CONNACK with a wrong CRC: skipped
    REQUIRE(pty.write(sngw::framing::slip_frame(hex("03 05 00")).value()));
    CHECK(receive(l) == hex("03 05 00"));
    CHECK(l.framing_errors() == 1);
    auto none = l.receive(std::chrono::steady_clock::now() + 50ms);
    REQUIRE(none.has_value());
    CHECK_FALSE(none->has_value());
}

TEST_CASE("an xbee link sends Transmit Requests to the coordinator and takes Receive Packets")
{
    sngw::test::pty_pair pty;
    auto l = open_on(pty, serial_framing::xbee);
    REQUIRE(l.send(hex("02 16")).has_value());
    const auto out = pty.read(2s);
    sngw::framing::xbee_deframer d;
    const auto r = d.put(out);
    REQUIRE(r.status == sngw::framing::deframe_status::other); // a 0x10, not a 0x90
    const auto f = sngw::framing::parse_xbee_frame(d.api_frame());
    REQUIRE(f.has_value());
    const auto* tx = std::get_if<sngw::framing::xbee_transmit_request>(&*f);
    REQUIRE(tx != nullptr);
    CHECK(tx->destination64 == sngw::sn_client::xbee_coordinator_address);
    CHECK(std::vector<std::byte>(tx->data.begin(), tx->data.end()) == hex("02 16"));

    sngw::framing::xbee_receive_packet rx;
    rx.source64 = 0;
    rx.source16 = 0;
    const auto connack = hex("03 05 00");
    rx.data = connack;
    REQUIRE(pty.write(sngw::framing::xbee_frame(sngw::framing::encode_xbee_frame(rx)).value()));
    CHECK(receive(l) == connack);
}

TEST_CASE("the v1.2 client runs its flows over a serial link")
{
    sngw::test::pty_pair pty;
    sngw::sn_client::client_options o;
    o.serial = serial_port{pty.slave_path(), 115200, serial_framing::raw, true};
    o.client_id = "s1";
    o.reply_timeout = 2s;
    auto c = sngw::sn_client::client::open(o);
    REQUIRE(c.has_value());
    REQUIRE(pty.write(hex("03 05 00"))); // CONNACK accepted, waiting in the port before the CONNECT
    const auto r = c->connect();
    REQUIRE(r.has_value());
    CHECK(*r == 0x00);
    CHECK(pty.read(2s) == hex("08 04"    // Length 8, MsgType CONNECT
                              "04"       // Flags: CleanSession
                              "01"       // ProtocolId
                              "00 3c"    // Duration 60 s
                              "73 31")); // ClientId "s1"
}
