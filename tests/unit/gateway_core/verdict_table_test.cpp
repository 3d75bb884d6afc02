// SPDX-License-Identifier: MIT
// Design §4's one table, walked row by row against the core: for every MQTT 5 reason code (and the
// link lost without DISCONNECT, and the broker unreachable), what a v1.2 sensor receives, active and
// asleep (now, or at its next PINGREQ), what the core does upstream next, and the exact DISCONNECT
// datagram a v2.0 sensor would get from the builder. The expected values are written here from
// design §4, independently of reason_mapping.cpp, and compared with its table too.
#include "core_harness.hpp"
#include "reason_mapping.hpp"

#include "support/hex.hpp"

#include <set>

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::quiet;
using sngw::test::wire;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace detail = sngw::core::detail;
namespace mqtt5 = sngw::mqtt5;
using rc = mqtt5::reason_code;

namespace {

const auto sensor = core_harness::peer(1);

// R reconnect, L retry later, E go elsewhere, F fix then retry, D do not retry, N not a verdict.
struct expected {
    std::uint8_t code;
    char what;
    std::uint8_t v12_connack; // MQTT-SN v1.2 CONNACK return code for a refused CONNECT
    std::uint8_t v2_disconnect;
    std::uint8_t v2_connack;
};

// clang-format off
constexpr expected rows[] = {
    {0x00, 'L', 0x01, 0x00, 0x80}, {0x01, 'N', 0x01, 0x80, 0x80}, {0x02, 'N', 0x01, 0x80, 0x80},
    {0x04, 'N', 0x01, 0x80, 0x80}, {0x10, 'N', 0x01, 0x80, 0x80}, {0x11, 'N', 0x01, 0x80, 0x80},
    {0x18, 'N', 0x01, 0x80, 0x80}, {0x19, 'N', 0x01, 0x80, 0x80},
    {0x80, 'L', 0x01, 0x80, 0x80}, {0x81, 'F', 0x03, 0x81, 0x81}, {0x82, 'F', 0x03, 0x82, 0x82},
    {0x83, 'L', 0x01, 0x83, 0x83}, {0x84, 'F', 0x03, 0x83, 0x88}, {0x85, 'F', 0x03, 0x80, 0x85},
    {0x86, 'F', 0x03, 0x87, 0x86}, {0x87, 'D', 0x03, 0x87, 0x87}, {0x88, 'L', 0x01, 0x80, 0x88},
    {0x89, 'L', 0x01, 0x89, 0x89}, {0x8A, 'D', 0x03, 0x87, 0x8A}, {0x8B, 'L', 0x01, 0x8B, 0x8B},
    {0x8C, 'F', 0x03, 0x8C, 0x8C}, {0x8D, 'R', 0x01, 0x80, 0x8D}, {0x8E, 'D', 0x03, 0x8E, 0x8E},
    {0x8F, 'F', 0x03, 0x8F, 0x8F}, {0x90, 'F', 0x03, 0x90, 0x90}, {0x91, 'N', 0x01, 0x80, 0x80},
    {0x92, 'N', 0x01, 0x80, 0x80}, {0x93, 'R', 0x01, 0x80, 0x93}, {0x94, 'R', 0x01, 0x83, 0x94},
    {0x95, 'F', 0x03, 0x95, 0x95}, {0x96, 'L', 0x01, 0x96, 0x96}, {0x97, 'L', 0x01, 0x97, 0x89},
    {0x98, 'D', 0x03, 0x98, 0x98}, {0x99, 'F', 0x03, 0x99, 0x80}, {0x9A, 'F', 0x03, 0x9A, 0x9A},
    {0x9B, 'F', 0x03, 0x9B, 0x9B}, {0x9C, 'E', 0x01, 0x9C, 0x9C}, {0x9D, 'E', 0x01, 0x9D, 0x9D},
    {0x9E, 'F', 0x03, 0x9E, 0x9E}, {0x9F, 'L', 0x01, 0x9F, 0x9F}, {0xA0, 'R', 0x01, 0x80, 0xA0},
    {0xA1, 'R', 0x01, 0x83, 0xA1}, {0xA2, 'F', 0x03, 0xA2, 0xA2},
};
// clang-format on

// MQTT 5.0 §3.14.2.1 / §3.2.2.2: the codes a DISCONNECT / a CONNACK may carry. Another code there
// is a malformed packet: our MQTT 5 session ends the link with DISCONNECT 0x81, so the gateway sees
// a link lost (reconnect class; a CONNECT still waiting gets CONNACK 0x01).
bool allowed_in_disconnect(std::uint8_t c)
{
    static const std::set<std::uint8_t> codes{0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                              0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                              0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
    return codes.count(c) > 0;
}

bool allowed_in_connack(std::uint8_t c)
{
    static const std::set<std::uint8_t> codes{0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                              0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95,
                                              0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
    return codes.count(c) > 0;
}

std::string code_hex(std::uint8_t code)
{
    return sngw::test::to_hex(std::vector<std::byte>{std::byte{code}});
}

char letter(detail::verdict_class c)
{
    switch (c) {
    case detail::verdict_class::reconnect:
        return 'R';
    case detail::verdict_class::retry_later:
        return 'L';
    case detail::verdict_class::go_elsewhere:
        return 'E';
    case detail::verdict_class::fix_then_retry:
        return 'F';
    case detail::verdict_class::do_not_retry:
        return 'D';
    case detail::verdict_class::not_a_verdict:
        return 'N';
    }
    return '?';
}

core::config table_config()
{
    auto c = quiet();
    c.takeover_witness = {}; // a lost link is an outage here (the witness has its own tests)
    c.follow_server_reference = true;
    c.retry_later_grace = 10s;
    c.hold_down = 5s;
    return c;
}

const auto pingreq_wake = "04 16 74 31";           // PINGREQ with ClientId "t1" (§5.4.19)
const auto connect_t1 = "08 04 00 01 00 3c 74 31"; // CONNECT clean 0, 60 s, "t1"

// After a re-open: the link comes up, its CONNECT resumes the session (Clean Start 0), the broker
// accepts: the sensor noticed nothing; active, it gets PINGRESP; asleep, its wake-up too.
void recovers(core_harness& h, sngw::test::fake_broker& b)
{
    b.link_up();
    bool resumed = false;
    for (const auto& p : b.packets())
        if (const auto* c = std::get_if<mqtt5::connect_packet>(&p)) resumed = !c->clean_start;
    CHECK(resumed);
    b.connack_success(true);
    CHECK(h.sent_to(sensor).empty());
}

// The sensor is told: at once if active, at its next PINGREQ if asleep (and not before).
void told(core_harness& h, const strings& now, bool asleep)
{
    if (asleep) {
        CHECK(now.empty());
        REQUIRE(h.client("t1"));
        CHECK(h.client("t1")->verdict_pending);
        h.send(sensor, pingreq_wake);
    } else {
        CHECK(now == strings{"02 18"});
        h.send(sensor, "02 16"); // PINGREQ: no session any more
    }
    CHECK(h.sent_to(sensor) == strings{"02 18"}); // the verdict, bare (v1.2), no PINGRESP
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
}

void walk(std::uint8_t code, char what, bool asleep)
{
    core_harness h(table_config());
    auto& b = h.connect_sensor(sensor, "t1", 60, false);
    if (asleep) {
        h.send(sensor, "04 18 00 64"); // DISCONNECT Duration 100 s: asleep
        REQUIRE(h.sent_to(sensor) == strings{"02 18"});
    }
    // MQTT 5.0 §3.14: DISCONNECT, Remaining Length 29, the code, Property Length 27, Reason String
    // "why", Server Reference "other.example:1884" (raw: our encoder refuses codes §3.14.2.1 does not
    // list for DISCONNECT; a broker may send them).
    b.reply_bytes(sngw::test::hex("e0 1d " + code_hex(code) +
                                  " 1b"
                                  " 1f 00 03 77 68 79"
                                  " 1c 00 12 6f 74 68 65 72 2e 65 78 61 6d 70 6c 65 3a 31 38 38 34"));
    const auto now = h.sent_to(sensor);
    switch (what) {
    case 'R':
    case 'N': // re-opened at once, to the same broker
        CHECK(now.empty());
        CHECK(b.opens() == 2);
        CHECK(b.last_open().host.empty());
        recovers(h, b);
        break;
    case 'L': // re-opened after 1 s
        CHECK(now.empty());
        CHECK(b.opens() == 1);
        h.advance(1s);
        CHECK(b.opens() == 2);
        recovers(h, b);
        break;
    case 'E': // re-opened at once, to the Server Reference
        CHECK(now.empty());
        REQUIRE(b.opens() == 2);
        CHECK(b.last_open().host == "other.example");
        CHECK(b.last_open().port == 1884);
        recovers(h, b);
        break;
    case 'F': // told at once, no re-open; a CONNECT goes to the broker again
        told(h, now, asleep);
        CHECK(b.opens() == 1);
        h.send(sensor, connect_t1);
        CHECK(b.opens() == 2);
        break;
    case 'D': // told at once, no re-open, hold-down
        told(h, now, asleep);
        CHECK(b.opens() == 1);
        h.send(sensor, connect_t1);
        CHECK(h.sent_to(sensor) == strings{"03 05 03"}); // not supported, the broker untouched
        CHECK(b.opens() == 1);
        h.advance(5s);
        h.send(sensor, connect_t1);
        CHECK(b.opens() == 2); // after the hold-down a CONNECT tries again
        break;
    default:
        FAIL("bad row");
    }
    if (what == 'R' || what == 'N' || what == 'L' || what == 'E') {
        h.send(sensor, asleep ? pingreq_wake : "02 16");
        CHECK(h.sent_to(sensor) == strings{"02 17"}); // PINGRESP: the session carries on
    }
}

// ---- MQTT-SN 2.0 sensors (CSD01): the same rows through the core --------------------------------

// CONNECT "t1" (§3.1): Clean Start 0, Session Expiry 600 s (the record outlives a verdict), Packet
// Identifier 1, Keep Alive 60 s.
const auto v2_connect_t1 = "10 01"
                           " 08"    // Flags: Sess Exp
                           " 00 01" // Packet Identifier 1
                           " 02 00 3c 00 00"
                           " 00 00 02 58" // Session Expiry Interval 600 s
                           " 74 31";      // "t1"
const auto v2_pingreq = "04 0c 00 07";    // PINGREQ Packet Identifier 7 (§3.11)

// The sensor is told: at once if active (DISCONNECT, Flags Reason Code, the code, Reason String
// "why"); asleep, a WAKEUP hint at once (§3.14) and at its next PINGREQ the DISCONNECT with that
// PINGREQ's Packet Identifier instead of PINGRESP (design §4).
void told_v2(core_harness& h, const strings& now, bool asleep, std::uint8_t v2)
{
    if (asleep) {
        CHECK(now == strings{"02 15"});
        REQUIRE(h.client("t1"));
        CHECK(h.client("t1")->verdict_pending);
        h.send(sensor, v2_pingreq);
        CHECK(h.sent_to(sensor) == strings{wire("09 0e 05 00 07 " + code_hex(v2) + " 77 68 79")});
    } else {
        CHECK(now == strings{wire("07 0e 04 " + code_hex(v2) + " 77 68 79")});
        h.send(sensor, v2_pingreq); // no VC any more: 0xF4 echoing its Packet Identifier (§3.13.3)
        CHECK(h.sent_to(sensor) == strings{wire("06 0e 05 00 07 f4")});
    }
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
}

void walk_v2(const expected& e, char what, bool asleep)
{
    core_harness h(table_config());
    h.send(sensor, v2_connect_t1);
    auto& b = h.broker("t1");
    b.link_up();
    b.expect<mqtt5::connect_packet>();
    b.connack_success();
    REQUIRE(h.sent_to(sensor) == strings{wire("06 02 00 00 01 00")}); // CONNACK Packet Id 1, Success
    if (asleep) {
        h.send(sensor, "09 13 01 00 02 00 00 00 64"); // SLEEPREQ Packet Id 2, 100 s
        REQUIRE(h.sent_to(sensor) == strings{wire("06 14 00 00 02 00")});
    }
    // The same broker DISCONNECT as for v1.2 (walk above).
    b.reply_bytes(sngw::test::hex("e0 1d " + code_hex(e.code) +
                                  " 1b"
                                  " 1f 00 03 77 68 79"
                                  " 1c 00 12 6f 74 68 65 72 2e 65 78 61 6d 70 6c 65 3a 31 38 38 34"));
    const auto now = h.sent_to(sensor);
    switch (what) {
    case 'R':
    case 'N':
        CHECK(now.empty());
        CHECK(b.opens() == 2);
        recovers(h, b);
        break;
    case 'L':
        CHECK(now.empty());
        h.advance(1s);
        CHECK(b.opens() == 2);
        recovers(h, b);
        break;
    case 'E':
        CHECK(now.empty());
        REQUIRE(b.opens() == 2);
        CHECK(b.last_open().host == "other.example");
        recovers(h, b);
        break;
    case 'F':
        told_v2(h, now, asleep, e.v2_disconnect);
        CHECK(b.opens() == 1);
        h.send(sensor, v2_connect_t1);
        CHECK(b.opens() == 2);
        break;
    case 'D':
        told_v2(h, now, asleep, e.v2_disconnect);
        h.send(sensor, v2_connect_t1);
        // Hold-down: CONNACK with the broker's code (design §4), the broker untouched.
        CHECK(h.sent_to(sensor) == strings{wire("06 02 00 00 01 " + code_hex(e.v2_connack))});
        CHECK(b.opens() == 1);
        h.advance(5s);
        h.send(sensor, v2_connect_t1);
        CHECK(b.opens() == 2);
        break;
    default:
        FAIL("bad row");
    }
    if (what == 'R' || what == 'N' || what == 'L' || what == 'E') {
        h.send(sensor, v2_pingreq);
        CHECK(h.sent_to(sensor) == strings{wire("04 0d 00 07")}); // PINGRESP: the session carries on
    }
}

} // namespace

TEST_CASE("the verdict table has design §4's row for every MQTT 5 reason code")
{
    std::set<std::uint8_t> seen;
    REQUIRE(detail::reason_table().size() == std::size(rows));
    for (const auto& e : rows) {
        CAPTURE(static_cast<int>(e.code));
        const auto& row = detail::reason_row_of(static_cast<rc>(e.code));
        CHECK(static_cast<std::uint8_t>(row.reason) == e.code);
        CHECK(seen.insert(e.code).second);
        CHECK(letter(row.what) == e.what);
        CHECK(row.v2_disconnect == e.v2_disconnect);
        CHECK(row.v2_connack == e.v2_connack);
        if (e.code >= 0x80) CHECK(detail::connack_return_code(static_cast<rc>(e.code)) == e.v12_connack);
    }
    // The two causes without a reason code.
    CHECK(letter(detail::link_lost_row().what) == 'R');
    CHECK(detail::v2_disconnect_code(std::nullopt) == 0x80);
    CHECK(letter(detail::broker_unreachable_row().what) == 'L');
    CHECK(detail::v2_connack_code(std::nullopt) == 0x88);
    CHECK(detail::connack_broker_unreachable == 0x01);
}

TEST_CASE("every broker DISCONNECT reaches an active and a sleeping v1.2 sensor as design §4 says")
{
    for (const auto& e : rows) {
        for (const bool asleep : {false, true}) {
            CAPTURE(static_cast<int>(e.code));
            CAPTURE(e.what);
            CAPTURE(asleep);
            walk(e.code, allowed_in_disconnect(e.code) ? e.what : 'R', asleep);
        }
    }
}

TEST_CASE("every broker DISCONNECT has its v2.0 DISCONNECT datagram from the builder")
{
    for (const auto& e : rows) {
        CAPTURE(static_cast<int>(e.code));
        const auto v2 = detail::v2_disconnect_code(static_cast<rc>(e.code));
        const std::string code = code_hex(v2);
        // MQTT-SN v2.0 §3.13: Length, DISCONNECT, Flags Reason C, Reason Code, Reason String "why".
        CHECK(sngw::test::to_hex(detail::disconnect_datagram(sngw::sn::protocol_version::v2_0, v2, "why")) ==
              wire("07 0e 04 " + code + " 77 68 79"));
        // v1.2: bare, whatever the reason.
        CHECK(sngw::test::to_hex(detail::disconnect_datagram(sngw::sn::protocol_version::v1_2, v2, "why")) ==
              wire("02 18"));
    }
}

TEST_CASE("a link lost without DISCONNECT is re-opened at once and a sleeper never notices")
{
    for (const bool asleep : {false, true}) {
        CAPTURE(asleep);
        core_harness h(table_config());
        auto& b = h.connect_sensor(sensor, "t1", 60, false);
        if (asleep) {
            h.send(sensor, "04 18 00 64");
            h.sent_to(sensor);
        }
        b.link_down();
        CHECK(h.sent_to(sensor).empty());
        CHECK(b.opens() == 2);
        recovers(h, b);
        h.send(sensor, asleep ? pingreq_wake : "02 16");
        CHECK(h.sent_to(sensor) == strings{"02 17"});
    }
}

TEST_CASE("every broker CONNACK refusal and an unreachable broker reach a connecting v1.2 sensor as CONNACK")
{
    for (const auto& e : rows) {
        if (e.code < 0x80) continue;
        CAPTURE(static_cast<int>(e.code));
        core_harness h(table_config());
        h.send(sensor, connect_t1);
        auto& b = h.broker("t1");
        b.link_up();
        b.expect<mqtt5::connect_packet>();
        // MQTT 5.0 §3.2: CONNACK, Remaining Length 3, no Session Present, the code, no properties
        // (raw: our encoder refuses codes §3.2.2.2 does not list for CONNACK; a broker may send them).
        b.reply_bytes(sngw::test::hex("20 03 00 " + code_hex(e.code) + " 00"));
        const bool allowed = allowed_in_connack(e.code);
        CHECK(h.sent_to(sensor) == strings{wire("03 05 " + code_hex(allowed ? e.v12_connack : 0x01))});
        h.send(sensor, connect_t1);
        if (allowed && e.what == 'D') {
            CHECK(h.sent_to(sensor) == strings{"03 05 03"}); // hold-down: the broker is not asked
            CHECK(b.opens() == 1);
        } else {
            CHECK(h.sent_to(sensor).empty());
            CHECK(h.last_broker().open()); // asked again (a new record: the refused one held nothing)
        }
    }
    core_harness h(table_config());
    h.send(sensor, connect_t1);
    h.broker("t1").link_down(); // unreachable
    CHECK(h.sent_to(sensor) == strings{"03 05 01"});
}

TEST_CASE("every broker DISCONNECT reaches an active and a sleeping v2.0 sensor as design §4 says")
{
    for (const auto& e : rows) {
        for (const bool asleep : {false, true}) {
            CAPTURE(static_cast<int>(e.code));
            CAPTURE(e.what);
            CAPTURE(asleep);
            walk_v2(e, allowed_in_disconnect(e.code) ? e.what : 'R', asleep);
        }
    }
}

TEST_CASE("every broker CONNACK refusal and an unreachable broker reach a connecting v2.0 sensor as CONNACK")
{
    for (const auto& e : rows) {
        if (e.code < 0x80) continue;
        CAPTURE(static_cast<int>(e.code));
        core_harness h(table_config());
        h.send(sensor, v2_connect_t1);
        auto& b = h.broker("t1");
        b.link_up();
        b.expect<mqtt5::connect_packet>();
        b.reply_bytes(sngw::test::hex("20 03 00 " + code_hex(e.code) + " 00"));
        const bool allowed = allowed_in_connack(e.code);
        // CONNACK Packet Id 1 with design §4's code (0x88: a refusal our session cannot read is a
        // link lost, i.e. the broker unavailable).
        CHECK(h.sent_to(sensor) ==
              strings{wire("06 02 00 00 01 " + code_hex(allowed ? e.v2_connack : 0x88))});
        h.send(sensor, v2_connect_t1);
        if (allowed && e.what == 'D') {
            CHECK(h.sent_to(sensor) == strings{wire("06 02 00 00 01 " + code_hex(e.v2_connack))});
            CHECK(b.opens() == 1);
        } else {
            CHECK(h.sent_to(sensor).empty());
            CHECK(h.last_broker().open());
        }
    }
    core_harness h(table_config());
    h.send(sensor, v2_connect_t1);
    h.broker("t1").link_down();                                     // unreachable
    CHECK(h.sent_to(sensor) == strings{wire("06 02 00 00 01 88")}); // 0x88 Server unavailable
}
