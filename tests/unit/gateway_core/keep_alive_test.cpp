// SPDX-License-Identifier: MIT
// Keep-alive supervision (MQTT-SN v1.2 §6.11, §6.14, design §3): PINGREQ/PINGRESP, a silent sensor
// lost after Duration x keep_alive_factor_percent, its upstream link aborted so the will fires.
#include "core_harness.hpp"

#include <sngw/core/errc.hpp>

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::quiet;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;

namespace {

const auto sensor = core_harness::peer(1);

std::optional<core::client_event> find_event(const std::vector<core::client_event>& events,
                                             core::client_event_kind kind)
{
    for (const auto& e : events)
        if (e.kind == kind) return e;
    return std::nullopt;
}

} // namespace

TEST_CASE("PINGREQ from an active sensor is answered with PINGRESP")
{
    core_harness h(quiet());
    h.auto_broker(true);
    h.connect_sensor(sensor, "k1");
    h.send(sensor, "02 16");
    CHECK(h.sent_to(sensor) == strings{"02 17"});
}

TEST_CASE("a silent client is lost after 1.5 x Duration and the upstream link is aborted")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "k2", 10, false); // Duration 10 s, session kept
    h.events();
    h.advance(14999ms);
    CHECK(h.state_of(sensor) == core::client_state::active);
    h.advance(1ms); // 15 s
    CHECK(h.state_of(sensor) == core::client_state::lost);
    // Closed without DISCONNECT: the broker publishes the will (MQTT 5.0 §3.1.2.5).
    CHECK(b.close_mode() == mqtt5::close_mode::abrupt);
    for (const auto& p : b.packets())
        CHECK_FALSE(std::holds_alternative<mqtt5::disconnect_packet>(p));
    CHECK(h.stats().clients_lost == 1);
    const auto lost = find_event(h.events(), core::client_event_kind::lost);
    REQUIRE(lost);
    CHECK(lost->detail == "keep-alive expired");
    CHECK(h.sent_to(sensor).empty()); // it cannot hear anyway
    h.advance(1h);
    CHECK(b.opens() == 1); // nobody reconnects on its behalf
}

TEST_CASE("any datagram from the sensor restarts its keep-alive")
{
    core_harness h(quiet());
    h.auto_broker(true);
    h.connect_sensor(sensor, "k3", 10, false);
    h.advance(14s);
    h.send(sensor, "02 16"); // PINGREQ
    h.advance(14s);
    h.send(sensor, "07 0a 00 00 00 01 61"); // REGISTER counts too
    h.advance(14s);
    CHECK(h.state_of(sensor) == core::client_state::active);
    h.advance(1s);
    CHECK(h.state_of(sensor) == core::client_state::lost);
}

TEST_CASE("keep_alive_factor_percent sets the tolerance")
{
    auto c = quiet();
    c.keep_alive_factor_percent = 110; // MQTT-SN v1.2 §7.2: +10 % for durations over a minute
    core_harness h(c);
    h.auto_broker(true);
    h.connect_sensor(sensor, "k4", 600, false);
    h.advance(659s);
    CHECK(h.state_of(sensor) == core::client_state::active);
    h.advance(1s);
    CHECK(h.state_of(sensor) == core::client_state::lost);
}

TEST_CASE("Duration 0 means no keep-alive supervision")
{
    core_harness h(quiet());
    h.auto_broker(true);
    h.connect_sensor(sensor, "k5", 0, false);
    h.advance(3h);
    CHECK(h.state_of(sensor) == core::client_state::active);
}

TEST_CASE("a lost sensor is told to reconnect and a CONNECT resumes its upstream session")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "k6", 10, false);
    h.advance(15s);
    REQUIRE(h.state_of(sensor) == core::client_state::lost);
    h.send(sensor, "02 16"); // PINGREQ: there is no connection any more
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    h.dropped();

    h.send(sensor, "08 04 00 01 00 0a 6b 36"); // CONNECT clean 0, 10 s, "k6"
    CHECK(b.opens() == 2);
    b.link_up();
    CHECK_FALSE(b.expect<mqtt5::connect_packet>().clean_start);
    b.connack_success(true);
    CHECK(h.sent_to(sensor) == strings{"03 05 00"});
    CHECK(h.state_of(sensor) == core::client_state::active);
}

TEST_CASE("the upstream session keeps its own keep-alive while the sensor is active")
{
    auto c = quiet();
    c.broker_keep_alive = 30;
    core_harness h(c);
    auto& b = h.connect_sensor(sensor, "k7", 0, false);
    h.advance(31s);
    CHECK(b.pings() >= 1); // MQTT 5.0 §3.1.2.10 PINGREQ, answered by the fake broker
    CHECK(b.open());
}
