// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 (CSD01) sleep in the core: SLEEPREQ/SLEEPRESP (§3.15, §3.16), the sleep timer,
// PINGREQ while asleep (§3.11, §4.14), what an asleep sensor may send, WAKEUP (§3.14).
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

// SLEEPREQ (§3.15): Flags Retain Topic Aliases, Packet Identifier 2, Sleep Duration 100 s.
constexpr auto sleepreq_100 = "09"            // Length 9
                              " 13"           // SLEEPREQ
                              " 01"           // Flags: Retain Topic Aliases
                              " 00 02"        // Packet Identifier 2
                              " 00 00 00 64"; // Sleep Duration 100 s
// SLEEPRESP (§3.16): no Sleep Duration (the gateway keeps the sensor's), Packet Id 2, 0x00.
constexpr auto sleepresp_2 = "06 14 00 00 02 00";

sngw::test::fake_broker& asleep_c1(core_harness& h)
{
    sngw::test::connect_v2(h, sensor, "c1", sngw::test::v2_connect_c1, sngw::test::v2_connack_ok);
    h.send(sensor, sleepreq_100);
    REQUIRE(h.sent_to(sensor) == strings{wire(sleepresp_2)});
    REQUIRE(h.state_of(sensor) == core::client_state::asleep);
    return h.broker("c1");
}

} // namespace

TEST_CASE("SLEEPREQ is granted with SLEEPRESP and the sleep timer is 1.5 x its duration")
{
    core_harness h(quiet());
    auto& br = asleep_c1(h);
    CHECK(h.client("c1")->sleep_duration == 100);
    CHECK(br.pending() == 0); // the upstream session stays connected (design §3)
    h.advance(149s);
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    h.advance(1s);
    CHECK_FALSE(h.client("c1").has_value());             // lost: VC deleted, Session Expiry 0
    CHECK(br.close_mode() == mqtt5::close_mode::abrupt); // no DISCONNECT: the broker publishes the will
}

TEST_CASE(
    "PINGREQ from an asleep v2.0 sensor with nothing buffered gets PINGRESP at once and the timer restarts")
{
    core_harness h(quiet());
    asleep_c1(h);
    h.advance(140s);
    h.send(sensor, "04 0c 00 03");                            // PINGREQ Packet Identifier 3
    CHECK(h.sent_to(sensor) == strings{wire("04 0d 00 03")}); // PINGRESP Packet Identifier 3
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    h.advance(149s);
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    h.advance(1s);
    CHECK_FALSE(h.client("c1").has_value()); // lost: VC deleted, Session Expiry 0
}

TEST_CASE("a repeated SLEEPREQ restarts the cycle with its own duration")
{
    core_harness h(quiet());
    asleep_c1(h);
    h.advance(100s);
    h.send(sensor, "09 13 00 00 04 00 00 00 c8"); // SLEEPREQ Retain 0, Packet Id 4, 200 s
    CHECK(h.sent_to(sensor) == strings{wire("06 14 00 00 04 00")});
    h.advance(299s);
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    h.advance(1s);
    CHECK_FALSE(h.client("c1").has_value()); // lost: VC deleted, Session Expiry 0
}

TEST_CASE("a Sleep Duration beyond 65535 s is kept whole")
{
    core_harness h(quiet());
    sngw::test::connect_v2(h, sensor, "c1", sngw::test::v2_connect_c1, sngw::test::v2_connack_ok);
    h.send(sensor, "09 13 01 00 02 00 01 11 70"); // SLEEPREQ 70000 s
    CHECK(h.sent_to(sensor) == strings{wire(sleepresp_2)});
    h.advance(104'999s);
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    h.advance(1s);
    CHECK_FALSE(h.client("c1").has_value()); // lost: VC deleted, Session Expiry 0
}

TEST_CASE("an asleep v2.0 sensor that publishes breaks the protocol and gets DISCONNECT 0x82")
{
    core_harness h(quiet());
    auto& br = asleep_c1(h);
    h.send(sensor, "07 03 01 00 01 68 69");                   // PUBLISH QoS 0, predefined alias 1, "hi"
    CHECK(h.sent_to(sensor) == strings{wire("04 0e 04 82")}); // DISCONNECT 0x82 Protocol Error (§4.14)
    CHECK_FALSE(h.client("c1").has_value());                  // lost: VC deleted, Session Expiry 0
    CHECK(br.close_mode() == mqtt5::close_mode::abrupt);
}

TEST_CASE("a sleeping v2.0 sensor gets one WAKEUP for a stored verdict and the verdict at its PINGREQ")
{
    auto cfg = quiet();
    cfg.hold_down = 5s;
    core_harness h(cfg);
    auto& br = asleep_c1(h);
    br.disconnect(mqtt5::reason_code::not_authorized); // "do not retry" (design §4)
    CHECK(h.sent_to(sensor) == strings{"02 15"});      // WAKEUP (§3.14): a hint, once
    auto kicked = h.gw().kick("c1", mqtt5::reason_code::administrative_action, h.now());
    REQUIRE(kicked.has_value());
    h.apply(std::move(*kicked));      // a second verdict replaces the first
    CHECK(h.sent_to(sensor).empty()); // no second WAKEUP
    h.send(sensor, "04 0c 00 09");    // PINGREQ Packet Identifier 9
    // DISCONNECT (no PINGRESP): Length 36, Flags Packet Id + Reason Code, Packet Id 9, 0x98
    // Administrative action, Reason String.
    CHECK(h.sent_to(sensor) ==
          strings{wire("24 0e 05 00 09 98") + " " +
                  sngw::test::to_hex(sngw::test::bytes("kicked by the gateway operator"))});
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
}

TEST_CASE("a stored verdict answers a SLEEPREQ of the sleeping sensor too")
{
    core_harness h(quiet());
    auto& br = asleep_c1(h);
    br.disconnect(mqtt5::reason_code::not_authorized);
    h.sent_to(sensor);                                              // WAKEUP
    h.send(sensor, "09 13 01 00 05 00 00 00 64");                   // SLEEPREQ Packet Identifier 5
    CHECK(h.sent_to(sensor) == strings{wire("06 0e 05 00 05 87")}); // DISCONNECT Packet Id 5, 0x87
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
}

TEST_CASE("SLEEPREQ before CONNACK is ignored")
{
    core_harness h(quiet());
    h.send(sensor, sngw::test::v2_connect_c1);
    h.send(sensor, sleepreq_100);
    CHECK(h.sent_to(sensor).empty());
    CHECK(h.dropped().size() == 1);
}

TEST_CASE("DISCONNECT from an asleep v2.0 sensor ends its session upstream with DISCONNECT 0x00")
{
    core_harness h(quiet());
    auto& br = asleep_c1(h);
    h.send(sensor, "03 0e 00");
    CHECK(h.sent_to(sensor).empty()); // CSD01 §3.13: never answered
    CHECK(br.expect<mqtt5::disconnect_packet>().reason == mqtt5::reason_code::normal_disconnection);
    CHECK_FALSE(h.client("c1").has_value()); // Session Expiry 0: nothing kept
}

TEST_CASE("SLEEPREQ from an awake v2.0 sensor while its buffer is delivered is a protocol error")
{
    core_harness h(quiet());
    auto& br = asleep_c1(h);
    br.publish("t/1", "x", mqtt5::qos::at_least_once, 1); // buffered for the sleeper
    CHECK(h.sent_to(sensor).empty());
    h.send(sensor, "04 0c 00 03"); // PINGREQ: awake, the delivery starts (REGISTER or PUBLISH)
    CHECK_FALSE(h.sent_to(sensor).empty());
    REQUIRE(h.state_of(sensor) == core::client_state::awake);
    h.send(sensor, sleepreq_100); // §4.14: in Awake only acknowledgements, CONNECT, DISCONNECT
    CHECK(h.sent_to(sensor) == strings{wire("04 0e 04 82")});
    CHECK_FALSE(h.client("c1").has_value());
}
