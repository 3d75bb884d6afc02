// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 (CSD01) ends of a connection in the core: DISCONNECT from the sensor (§3.13), flow
// control (§4.9), the gateway's own verdicts (malformed 0x81, protocol error 0x82, 0x93, 0x8B at
// shutdown; design §4), and the Connection Encapsulation (§3.18).
#include "core_harness.hpp"
#include "v2_helpers.hpp"

#include "support/hex.hpp"

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::quiet;
using sngw::test::wire;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;

namespace {

const auto sensor = core_harness::peer(1);
const auto elsewhere = core_harness::peer(2);

// CONNECT "c1" with Session Expiry 60 s (Flags: Sess Exp, Clean Start).
constexpr auto connect_se60 = "10 01 09 00 01 02 00 3c 00 00"
                              " 00 00 00 3c" // Session Expiry Interval 60 s
                              " 63 31";

// CONNECT "c1" with Allow Network Address changes (Flags: Net Addr, Clean Start).
constexpr auto connect_moves = "0c 01 21 00 01 02 00 3c 00 00 63 31";

sngw::test::fake_broker& active_c1(core_harness& h, std::string_view connect = sngw::test::v2_connect_c1)
{
    sngw::test::connect_v2(h, sensor, "c1", connect, sngw::test::v2_connack_ok);
    return h.broker("c1");
}

} // namespace

TEST_CASE("DISCONNECT 0x00 from a v2.0 sensor goes upstream as DISCONNECT 0x00 and is not answered")
{
    core_harness h(quiet());
    auto& br = active_c1(h, connect_se60);
    h.send(sensor, "04 0e 04 00"); // DISCONNECT, Flags Reason Code, 0x00
    CHECK(h.sent_to(sensor).empty());
    const auto d = br.expect<mqtt5::disconnect_packet>();
    CHECK(d.reason == mqtt5::reason_code::normal_disconnection); // the will is discarded
    CHECK_FALSE(d.props.session_expiry_interval.has_value());
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
    CHECK(h.client("c1").has_value()); // Session Expiry 60 s: kept
}

TEST_CASE(
    "DISCONNECT 0x04 from a v2.0 sensor goes upstream as DISCONNECT 0x04 so the broker publishes the will")
{
    core_harness h(quiet());
    auto& br = active_c1(h);
    h.send(sensor, "04 0e 04 04");
    CHECK(h.sent_to(sensor).empty());
    CHECK(br.expect<mqtt5::disconnect_packet>().reason == mqtt5::reason_code::disconnect_with_will_message);
}

TEST_CASE("a Session Expiry in the sensor's DISCONNECT goes upstream and decides how long the record stays")
{
    core_harness h(quiet());
    auto& br = active_c1(h, connect_se60);
    h.send(sensor, "07 0e 02 00 00 02 58"); // DISCONNECT, Flags Sess Exp, 600 s
    const auto d = br.expect<mqtt5::disconnect_packet>();
    CHECK(d.reason == mqtt5::reason_code::normal_disconnection);
    CHECK(d.props.session_expiry_interval == std::optional<std::uint32_t>(600));
    h.advance(590s);
    CHECK(h.client("c1").has_value());
    h.advance(20s);
    h.send(sensor, "04 0c 00 05"); // PINGREQ: no VC (0xF4), and the expired session is gone
    CHECK(h.sent_to(sensor) == strings{wire("06 0e 05 00 05 f4")});
    CHECK_FALSE(h.client("c1").has_value());
}

TEST_CASE("a Session Expiry in DISCONNECT after a CONNECT without one is a protocol error")
{
    core_harness h(quiet());
    auto& br = active_c1(h);
    h.send(sensor, "07 0e 02 00 00 02 58");
    CHECK(h.sent_to(sensor) == strings{wire("04 0e 04 82")}); // DISCONNECT 0x82 Protocol Error
    CHECK(br.close_mode() == mqtt5::close_mode::abrupt);      // upstream: no DISCONNECT, the will fires
    CHECK_FALSE(h.client("c1").has_value());                  // lost: VC deleted, Session Expiry 0
}

TEST_CASE("DISCONNECT from a v2.0 sensor without a connection is not answered")
{
    core_harness h(quiet());
    active_c1(h, connect_se60);
    h.send(sensor, "03 0e 00");
    h.send(sensor, "03 0e 00");
    CHECK(h.sent_to(sensor).empty());
}

TEST_CASE("a second request while the first is unanswered ends the connection with DISCONNECT 0x93")
{
    core_harness h(quiet());
    auto& br = active_c1(h);
    // PUBLISH QoS 1 (Flags QoS 1, Topic Type name), Packet Id 1, Topic Name "t", "hi": the broker's
    // PUBACK is awaited.
    h.send(sensor, "0a 03 23 00 01 00 01 74 68 69");
    h.send(sensor, "0a 03 23 00 01 00 01 74 68 69"); // its retransmission: no second request
    for (const auto& d : h.sent_to(sensor))
        CHECK(d != wire("04 0e 04 93"));
    h.send(sensor, "04 0c 00 02"); // PINGREQ Packet Id 2
    const auto got = h.sent_to(sensor);
    REQUIRE_FALSE(got.empty());
    CHECK(got.back() == wire("04 0e 04 93")); // DISCONNECT 0x93 Receive Maximum exceeded
    CHECK_FALSE(h.client("c1").has_value());  // lost: VC deleted, Session Expiry 0
    CHECK(br.close_mode() == mqtt5::close_mode::abrupt);
}

TEST_CASE("an answered request lets the next one through")
{
    core_harness h(quiet());
    active_c1(h);
    h.send(sensor, "04 0c 00 07");
    h.send(sensor, "04 0c 00 08");
    CHECK(h.sent_to(sensor) == strings{wire("04 0d 00 07"), wire("04 0d 00 08")});
    CHECK(h.state_of(sensor) == core::client_state::active);
}

TEST_CASE("a second AUTH during enhanced authentication ends the connection with DISCONNECT 0x93")
{
    core_harness h(quiet());
    h.send(sensor, "14 01 05 00 01 02 00 3c 00 00"
                   " 05 53 43 52 41 4d 00 00" // Auth Method "SCRAM", no data
                   " 63 31");
    auto& br = h.broker("c1");
    br.link_up();
    br.expect<mqtt5::connect_packet>();
    h.send(sensor, "0d 0f 00 02 18 05 53 43 52 41 4d 72 32"); // AUTH Packet Id 2
    br.expect<mqtt5::auth_packet>();
    h.send(sensor, "0d 0f 00 02 18 05 53 43 52 41 4d 72 32"); // the same again: a retransmission
    br.expect<mqtt5::auth_packet>();
    CHECK(h.sent_to(sensor).empty());
    h.send(sensor, "0d 0f 00 03 18 05 53 43 52 41 4d 72 33"); // AUTH Packet Id 3
    CHECK(h.sent_to(sensor) == strings{wire("04 0e 04 93")});
    CHECK(br.close_mode() == mqtt5::close_mode::abrupt);
}

TEST_CASE("a malformed packet from a connected v2.0 sensor gets DISCONNECT 0x81 and the will fires")
{
    core_harness h(quiet());
    auto& br = active_c1(h);
    h.send(sensor, "03 0e 80"); // DISCONNECT with a reserved flag bit set (MQTT-SN-3.13.2-1)
    CHECK(h.sent_to(sensor) == strings{wire("04 0e 04 81")}); // DISCONNECT 0x81 Malformed Packet
    CHECK(h.dropped().size() == 1);
    CHECK_FALSE(h.client("c1").has_value()); // lost: VC deleted, Session Expiry 0
    CHECK(br.close_mode() == mqtt5::close_mode::abrupt);
    h.send(sensor, "03 0e 80"); // no connection any more: dropped, not answered
    CHECK(h.sent_to(sensor).empty());
}

TEST_CASE("a packet a client never sends is a protocol error")
{
    core_harness h(quiet());
    active_c1(h);
    h.send(sensor, "06 02 00 00 01 00"); // CONNACK
    CHECK(h.sent_to(sensor) == strings{wire("04 0e 04 82")});
    CHECK_FALSE(h.client("c1").has_value()); // lost: VC deleted, Session Expiry 0
}

TEST_CASE("a v2.0 sensor is told DISCONNECT 0x8B at shutdown")
{
    core_harness h(quiet());
    auto& br = active_c1(h);
    h.shutdown();
    CHECK(h.sent_to(sensor) == strings{wire("04 0e 04 8b")}); // 0x8B Server shutting down
    CHECK(br.expect<mqtt5::disconnect_packet>().reason == mqtt5::reason_code::normal_disconnection);
}

TEST_CASE("a Connection Encapsulation moves a sensor that allowed it and delivers the inner packet")
{
    core_harness h(quiet());
    active_c1(h, connect_moves);
    h.send(elsewhere, "0a"             // Length 10
                      " fe"            // Connection Encapsulation
                      " 00 02 63 31"   // Client Identifier "c1"
                      " 04 0c 00 09"); // PINGREQ Packet Identifier 9
    CHECK(h.sent_to(elsewhere) == strings{wire("04 0d 00 09")});
    CHECK(h.state_of(elsewhere) == core::client_state::active);
    CHECK_FALSE(h.state_of(sensor).has_value());
    CHECK(h.client("c1")->peer == elsewhere);
}

TEST_CASE("a Connection Encapsulation for a sensor that did not allow it is a protocol error")
{
    core_harness h(quiet());
    auto& br = active_c1(h);
    h.send(elsewhere, "0a fe 00 02 63 31 04 0c 00 09");
    CHECK(h.sent_to(elsewhere) == strings{wire("04 0e 04 82")});
    CHECK(h.sent_to(sensor).empty());
    CHECK_FALSE(h.client("c1").has_value()); // lost: VC deleted, Session Expiry 0
    CHECK(br.close_mode() == mqtt5::close_mode::abrupt);
}

TEST_CASE("a Connection Encapsulation naming no connection gets DISCONNECT 0xF4 with the inner packet's id")
{
    core_harness h(quiet());
    h.send(elsewhere, "0a fe 00 02 63 39 04 0c 00 09"); // client "c9": unknown
    CHECK(h.sent_to(elsewhere) == strings{wire("06 0e 05 00 09 f4")});
    CHECK(h.dropped().size() == 1);
    h.send(elsewhere, "09 fe 00 02 63 39 03 0e 00"); // an inner DISCONNECT is never answered
    CHECK(h.sent_to(elsewhere).empty());
}

TEST_CASE("a Connection Encapsulation naming a v1.2 sensor gets DISCONNECT 0xF4 and leaves it alone")
{
    core_harness h(quiet());
    h.connect_sensor(sensor, "c1");
    h.send(elsewhere, "0a fe 00 02 63 31 04 0c 00 09");
    CHECK(h.sent_to(elsewhere) == strings{wire("06 0e 05 00 09 f4")});
    CHECK(h.state_of(sensor) == core::client_state::active);
    CHECK(h.client("c1")->peer == sensor);
}

TEST_CASE("a v2.0 sensor whose broker link is lost for good gets DISCONNECT 0x80 with a reason string")
{
    auto cfg = quiet();
    cfg.takeover_witness = {}; // a closed link is an outage
    core_harness h(cfg);
    auto& br = active_c1(h);
    br.link_down(); // design §4 "reconnect": re-opened at once, then after 1 s, 2 s
    strings got;
    for (int i = 0; i < 10 && got.empty(); ++i) {
        if (br.open() && !br.up()) br.link_down(); // unreachable
        h.advance(3s);
        got = h.sent_to(sensor);
    }
    // DISCONNECT: Length 26, Flags Reason Code, 0x80 Unspecified error, "broker connection lost".
    CHECK(got == strings{wire("1a 0e 04 80") + " " +
                         sngw::test::to_hex(sngw::test::bytes("broker connection lost"))});
}
