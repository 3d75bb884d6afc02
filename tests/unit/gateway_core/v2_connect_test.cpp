// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 (CSD01) CONNECT in the core: Keep Alive 0, Session Expiry, Default Awake Messages,
// MQTT-BASIC and enhanced authentication, Allow Server Suggested values, Session Present, and the
// switch between versions on one record.
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

std::vector<std::byte> b(std::string_view s)
{
    return sngw::test::bytes(s);
}

} // namespace

TEST_CASE(
    "a v2.0 CONNECT with Session Expiry, Default Awake Messages and MQTT-BASIC connects upstream with them")
{
    core_harness h(quiet());
    const auto c = sngw::test::connect_v2(h, sensor, "c1",
                                          "28"           // Length 40
                                          " 01"          // CONNECT
                                          " 1d"          // Flags: DAM, Sess Exp, Auth, Clean Start
                                          " 00 01"       // Packet Identifier 1
                                          " 02"          // Protocol Version 2
                                          " 00 3c"       // Keep Alive 60 s
                                          " 00 00"       // Maximum Packet Size: no limit
                                          " 05"          // Default Awake Messages 5
                                          " 00 00 0e 10" // Session Expiry Interval 3600 s
                                          " 0a 4d 51 54 54 2d 42 41 53 49 43" // Auth Method "MQTT-BASIC"
                                          " 00 0a"                            // Auth Data Length 10
                                          " 00 03 62 6f 62"                   //   User Name "bob"
                                          " 00 03 70 77 31"                   //   Password "pw1"
                                          " 63 31",                           // Client Identifier "c1"
                                          sngw::test::v2_connack_ok);
    // MQTT 5.0 §3.1.3.5, §3.1.3.6: the sensor's user name and password, not the configured ones;
    // §3.1.2.11.2: its Session Expiry; no enhanced authentication.
    CHECK(c.username == std::optional<std::string>("bob"));
    CHECK(c.password == std::optional<std::vector<std::byte>>(b("pw1")));
    CHECK(c.props.session_expiry_interval == std::optional<std::uint32_t>(3600));
    CHECK_FALSE(c.props.authentication_method.has_value());
    CHECK(c.clean_start);
    CHECK(h.state_of(sensor) == core::client_state::active);
}

TEST_CASE(
    "a v2.0 CONNECT without Session Expiry asks the broker for none and the record goes with the connection")
{
    core_harness h(quiet());
    const auto c =
        sngw::test::connect_v2(h, sensor, "c1", sngw::test::v2_connect_c1, sngw::test::v2_connack_ok);
    // CSD01 §3.1.9: absent = 0, the session ends with the VC.
    CHECK(c.props.session_expiry_interval == std::optional<std::uint32_t>(0));
    h.send(sensor, "03 0e 00"); // DISCONNECT, no fields (§3.13)
    CHECK(h.sent_to(sensor).empty());
    CHECK_FALSE(h.client("c1").has_value()); // removed at once
}

TEST_CASE("a v2.0 CONNECT with Keep Alive 0 gets CONNACK 0x82 and nothing goes upstream")
{
    core_harness h(quiet());
    h.send(sensor, "0c 01 01"
                   " 00 07" // Packet Identifier 7
                   " 02"    // Protocol Version 2
                   " 00 00" // Keep Alive 0: a protocol error (§3.1.6 [MQTT-SN-3.1.6-4])
                   " 00 00 63 31");
    CHECK(h.sent_to(sensor) ==
          strings{wire("06 02 00 00 07 82")}); // CONNACK Packet Id 7, 0x82 Protocol Error
    CHECK_FALSE(h.client("c1").has_value());
    CHECK(h.dropped().size() == 1);
}

TEST_CASE("a malformed v2.0 CONNECT gets CONNACK 0x81 with its Packet Identifier")
{
    core_harness h(quiet());
    h.send(sensor, "0c 01"
                   " 81"    // Flags: reserved bit 7 set (MQTT-SN-3.1.2-1: malformed), Clean Start
                   " 00 07" // Packet Identifier 7
                   " 02 00 3c 00 00 63 31");
    CHECK(h.sent_to(sensor) == strings{wire("06 02 00 00 07 81")}); // 0x81 Malformed Packet
    CHECK(h.dropped().size() == 1);
    CHECK_FALSE(h.client("c1").has_value());
}

TEST_CASE("malformed MQTT-BASIC data gets CONNACK 0x86 and nothing goes upstream")
{
    core_harness h(quiet());
    h.send(sensor, "1c 01 05"                          // Length 28, CONNECT, Flags: Auth, Clean Start
                   " 00 01 02 00 3c 00 00"             // Packet Id 1, version 2, Keep Alive 60, no limit
                   " 0a 4d 51 54 54 2d 42 41 53 49 43" // Auth Method "MQTT-BASIC"
                   " 00 03 00 05 62"                   // Auth Data: User Name Length 5 but 1 octet
                   " 63 31");                          // "c1"
    CHECK(h.sent_to(sensor) == strings{wire("06 02 00 00 01 86")}); // 0x86 Bad User Name or Password
    CHECK_FALSE(h.client("c1").has_value());
    CHECK_FALSE(h.has_broker("c1"));
}

TEST_CASE("malformed MQTT-BASIC data ends the connection of an active v2.0 sensor")
{
    core_harness h(quiet());
    sngw::test::connect_v2(h, sensor, "c1", sngw::test::v2_connect_c1, sngw::test::v2_connack_ok);
    auto& br = h.broker("c1");
    h.send(sensor, "1b 01 05 00 02 02 00 3c 00 00"
                   " 0a 4d 51 54 54 2d 42 41 53 49 43"
                   " 00 02 00 00" // User Name "" and no Password Length
                   " 63 31");
    CHECK(h.sent_to(sensor) == strings{wire("06 02 00 00 02 86")});
    CHECK_FALSE(h.client("c1").has_value()); // VC deleted, and with it (Session Expiry 0) the session
    CHECK(br.close_mode() == mqtt5::close_mode::abrupt); // the will would fire
}

TEST_CASE(
    "enhanced authentication is relayed: CONNECT, the broker's AUTH, the sensor's AUTH, CONNACK with data")
{
    core_harness h(quiet());
    h.send(sensor, "16 01 05" // Length 22, CONNECT, Flags: Auth, Clean Start
                   " 00 01 02 00 3c 00 00"
                   " 05 53 43 52 41 4d" // Auth Method "SCRAM"
                   " 00 02 78 31"       // Auth Data "x1"
                   " 63 31");           // "c1"
    auto& br = h.broker("c1");
    br.link_up();
    auto c = br.expect<mqtt5::connect_packet>();
    CHECK(c.props.authentication_method == std::optional<std::string>("SCRAM"));
    CHECK(c.props.authentication_data == std::optional<std::vector<std::byte>>(b("x1")));
    CHECK_FALSE(c.username.has_value());

    mqtt5::auth_packet challenge{mqtt5::reason_code::continue_authentication, {}};
    challenge.props.authentication_method = "SCRAM";
    challenge.props.authentication_data = b("s1");
    br.reply(challenge);
    // CSD01 §3.3: AUTH, the CONNECT's Packet Identifier, 0x18 Continue, Method, Data.
    CHECK(h.sent_to(sensor) == strings{wire("0d 0f 00 01 18 05 53 43 52 41 4d 73 31")});

    h.send(sensor, "0d 0f 00 02 18 05 53 43 52 41 4d 72 32"); // AUTH Packet Id 2, 0x18, "SCRAM", "r2"
    auto a = br.expect<mqtt5::auth_packet>();
    CHECK(a.reason == mqtt5::reason_code::continue_authentication);
    CHECK(a.props.authentication_data == std::optional<std::vector<std::byte>>(b("r2")));

    mqtt5::connack_packet ok{};
    ok.props.authentication_method = "SCRAM";
    ok.props.authentication_data = b("ok");
    br.reply(ok);
    CHECK(h.sent_to(sensor) == strings{wire("10 02"              // Length 16, CONNACK
                                            " 08"                // Flags: Auth
                                            " 00 01"             // the CONNECT's Packet Identifier
                                            " 00"                // Success
                                            " 05 53 43 52 41 4d" // Auth Method "SCRAM"
                                            " 00 02 6f 6b")});   // Auth Data "ok"
    CHECK(h.state_of(sensor) == core::client_state::active);
}

TEST_CASE("AUTH from a v2.0 sensor without enhanced authentication is a protocol error")
{
    core_harness h(quiet());
    sngw::test::connect_v2(h, sensor, "c1", sngw::test::v2_connect_c1, sngw::test::v2_connack_ok);
    h.send(sensor, "0b 0f 00 02 19 05 53 43 52 41 4d");       // AUTH 0x19 Re-authenticate "SCRAM"
    CHECK(h.sent_to(sensor) == strings{wire("04 0e 04 82")}); // DISCONNECT 0x82 Protocol Error
    CHECK_FALSE(h.client("c1").has_value()); // VC deleted, and with it (Session Expiry 0) the session
    CHECK(h.broker("c1").close_mode() == mqtt5::close_mode::abrupt);
}

TEST_CASE("CONNACK carries the broker's Session Expiry only when the sensor allows suggested values")
{
    for (const bool allow : {true, false}) {
        CAPTURE(allow);
        core_harness h(quiet());
        // Flags: [Srv Sugg,] Sess Exp, Clean Start; Packet Id 1; Version 2; Keep Alive 60; Max Packet
        // Size 0; Session Expiry never (ff ff ff ff); Client Identifier "c1". Two literals, not a
        // concatenation: g++ 12 -O2 warns falsely (-Warray-bounds) on std::string operator+ here.
        h.send(sensor, allow ? "10 01 49 00 01 02 00 3c 00 00 ff ff ff ff 63 31"
                             : "10 01 09 00 01 02 00 3c 00 00 ff ff ff ff 63 31");
        auto& br = h.broker("c1");
        br.link_up();
        CHECK(br.expect<mqtt5::connect_packet>().props.session_expiry_interval ==
              std::optional<std::uint32_t>(0xFFFFFFFF));
        mqtt5::connack_packet ok{};
        ok.props.session_expiry_interval = 86400; // MQTT 5.0 §3.2.2.3.2: the broker's cap
        br.reply(ok);
        if (allow)
            CHECK(h.sent_to(sensor) == strings{wire("0a 02 02 00 01 00 00 01 51 80")}); // Sess Exp 86400
        else
            CHECK(h.sent_to(sensor) == strings{wire(sngw::test::v2_connack_ok)});
    }
}

TEST_CASE("CONNACK Session Present needs the gateway's record and the broker's session")
{
    core_harness h(quiet());
    // Clean Start 0, Session Expiry 600 s: a new record, so Session Present 0 whatever the broker says.
    const auto clean0 = "10 01 08 00 01 02 00 3c 00 00 00 00 02 58 63 31";
    sngw::test::connect_v2(h, sensor, "c1", clean0, sngw::test::v2_connack_ok, true);
    h.send(sensor, "03 0e 00"); // DISCONNECT: the session is kept for 600 s
    REQUIRE(h.client("c1").has_value());
    h.advance(10s);
    sngw::test::connect_v2(h, sensor, "c1", clean0, "06 02 01 00 01 00", true); // Session Present 1
    h.send(sensor, "03 0e 00");
    sngw::test::connect_v2(h, sensor, "c1", clean0, sngw::test::v2_connack_ok, false); // the broker lost it
}

TEST_CASE("a v1.2 record whose sensor sends a v2.0 CONNECT switches version and back")
{
    core_harness h(quiet());
    h.connect_sensor(sensor, "c1", 60, false);
    REQUIRE(h.client("c1")->version == sngw::sn::protocol_version::v1_2);
    h.send(sensor, sngw::test::v2_connect_c1);
    h.last_broker().link_up();
    h.last_broker().connack_success();
    CHECK(h.sent_to(sensor) == strings{wire(sngw::test::v2_connack_ok)});
    CHECK(h.client("c1")->version == sngw::sn::protocol_version::v2_0);
    h.send(sensor, "04 0c 00 05"); // v2.0 PINGREQ Packet Id 5
    CHECK(h.sent_to(sensor) == strings{wire("04 0d 00 05")});
    h.send(sensor, "08 04 04 01 00 3c 63 31"); // v1.2 CONNECT clean "c1"
    h.last_broker().link_up();
    h.last_broker().connack_success();
    CHECK(h.sent_to(sensor) == strings{"03 05 00"});
    CHECK(h.client("c1")->version == sngw::sn::protocol_version::v1_2);
    // The v1.2 session uses the configured Session Expiry and credentials again.
    CHECK(h.last_broker().connects().back().props.session_expiry_interval ==
          std::optional<std::uint32_t>(h.cfg().session_expiry));
}

TEST_CASE("packets other than AUTH before CONNACK are ignored")
{
    core_harness h(quiet());
    h.send(sensor, sngw::test::v2_connect_c1);
    h.send(sensor, "04 0c 00 05"); // PINGREQ before CONNACK
    CHECK(h.sent_to(sensor).empty());
    CHECK(h.dropped().size() == 1);
    auto& br = h.broker("c1");
    br.link_up();
    br.connack_success();
    CHECK(h.sent_to(sensor) == strings{wire(sngw::test::v2_connack_ok)});
}

TEST_CASE("a v2.0 CONNECT without a client id is assigned one and CONNACK carries it")
{
    core_harness h(quiet());
    h.send(sensor, "0a 01 01 00 01 02 00 3c 00 00"); // CONNECT, Clean Start, no Client Identifier
    auto& br = h.last_broker();
    br.link_up();
    const auto c = br.expect<mqtt5::connect_packet>();
    br.connack_success();
    REQUIRE_FALSE(c.client_id.empty());
    const auto id = b(c.client_id);
    auto expected = sngw::test::hex("00"     // Length (set below)
                                    " 02"    // CONNACK
                                    " 00"    // Flags
                                    " 00 01" // Packet Identifier 1
                                    " 00");  // Success
    expected[0] = static_cast<std::byte>(expected.size() + id.size());
    expected.insert(expected.end(), id.begin(), id.end()); // Assigned Client Identifier (§3.2.11)
    CHECK(h.sent_to(sensor) == strings{sngw::test::to_hex(expected)});
    CHECK(h.client(c.client_id).has_value());
}

TEST_CASE("a v2.0 CONNECT without a client id whose Maximum Packet Size cannot hold the assigned one gets CONNACK 0x95")
{
    core_harness h(quiet());
    h.send(sensor, "0a 01 01"   // Length 10, CONNECT, Flags: Clean Start
                   " 00 01"     // Packet Identifier 1
                   " 02"        // Protocol Version 2
                   " 00 3c"     // Keep Alive 60
                   " 00 0c");   // Maximum Packet Size 12: no room for an assigned id (CSD01 §3.1.7)
    CHECK(h.sent_to(sensor) == strings{"06 02 00 00 01 95"}); // CONNACK 0x95 Packet too large
    CHECK(h.gw().clients().empty());
    CHECK(h.dropped().size() == 1);
}

TEST_CASE("a v2.0 CONNECT beyond max_clients gets CONNACK 0x89 Server busy")
{
    auto cfg = quiet();
    cfg.max_clients = 1;
    core_harness h(cfg);
    h.send(sensor, "0c 01 00 00 01 02 00 3c 00 00 61 31"); // CONNECT "a1" (kept: the link is opening)
    const auto other = core_harness::peer(2);
    h.send(other, "0c 01 00"   // Length 12, CONNECT, Flags 0
                  " 00 07"     // Packet Identifier 7
                  " 02 00 3c"  // Protocol Version 2, Keep Alive 60
                  " 00 00"     // Maximum Packet Size: no limit
                  " 61 32");   // Client Identifier "a2"
    CHECK(h.sent_to(other) == strings{"06 02 00 00 07 89"}); // CONNACK, Packet Id 7, 0x89 Server busy
}

TEST_CASE("an AUTH with another method than the CONNECT's is a protocol error")
{
    core_harness h(quiet());
    h.send(sensor, "14 01 05 00 01 02 00 3c 00 00"
                   " 05 53 43 52 41 4d 00 00" // Auth Method "SCRAM", no data
                   " 63 31");
    auto& br = h.broker("c1");
    br.link_up();
    br.expect<mqtt5::connect_packet>();
    h.send(sensor, "0a 0f 00 02 18 04 50 4c 41 4e"); // AUTH Packet Id 2, 0x18, Method "PLAN"
    CHECK(h.sent_to(sensor) == strings{wire("04 0e 04 82")});
    CHECK(br.pending() == 0); // nothing relayed
    CHECK(br.close_mode() == mqtt5::close_mode::abrupt);
}

TEST_CASE("DISCONNECT before CONNACK ends the connect without an answer")
{
    core_harness h(quiet());
    h.send(sensor, sngw::test::v2_connect_c1);
    auto& br = h.broker("c1");
    br.link_up();
    br.expect<mqtt5::connect_packet>();
    h.send(sensor, "03 0e 00");
    CHECK(h.sent_to(sensor).empty());
    CHECK(br.closed());
    CHECK_FALSE(h.client("c1").has_value());
}

TEST_CASE("a v2.0 CONNECT for a connected client id from another address takes it over with DISCONNECT 0x8E")
{
    core_harness h(quiet());
    const auto other = core_harness::peer(2);
    sngw::test::connect_v2(h, sensor, "c1", sngw::test::v2_connect_c1, sngw::test::v2_connack_ok);
    auto& br = h.broker("c1");
    h.send(other, sngw::test::v2_connect_c1);
    CHECK(h.sent_to(sensor) == strings{wire("04 0e 04 8e")}); // DISCONNECT 0x8E Session taken over
    // The old VC's link was closed without DISCONNECT (its will is published), then a new one opened.
    bool aborted = false;
    for (const auto& a : h.log())
        if (const auto* c = std::get_if<core::close_broker_link>(&a))
            aborted = aborted || c->mode == mqtt5::close_mode::abrupt;
    CHECK(aborted);
    CHECK(br.opens() == 2);
    // Then as for a sensor without a VC: a new link, CONNACK to the new address.
    br.link_up();
    br.expect<mqtt5::connect_packet>();
    br.connack_success();
    CHECK(h.sent_to(other) == strings{wire(sngw::test::v2_connack_ok)});
    h.send(sensor, "04 0c 00 05"); // the old address has no VC any more
    CHECK(h.sent_to(sensor) == strings{wire("06 0e 05 00 05 f4")});
    // From the same address a second CONNECT is no take-over.
    h.send(other, sngw::test::v2_connect_c1);
    CHECK(h.sent_to(sensor).empty());
}
