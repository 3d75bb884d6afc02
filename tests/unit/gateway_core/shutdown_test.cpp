// SPDX-License-Identifier: MIT
// Gateway shutdown (design §3): sensors are told, upstream sessions end with DISCONNECT 0x00 and
// are kept by the broker (no will).
#include "core_harness.hpp"

#include <sngw/core/errc.hpp>

using sngw::test::core_harness;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;

namespace {

// ADVERTISE every minute, so a test can see that none goes out after shutdown.
core::config advertising_every_minute()
{
    core::config c;
    c.advertise_interval = 60s;
    return c;
}

} // namespace

TEST_CASE(
    "shutdown tells active sensors with DISCONNECT and ends every upstream session with DISCONNECT 0x00")
{
    core_harness h(advertising_every_minute());
    h.auto_broker(true);
    const auto a = core_harness::peer(1);
    const auto b = core_harness::peer(2);
    auto& up_a = h.connect_sensor(a, "a");
    auto& up_b = h.connect_sensor(b, "b");
    auto& own = h.gateway_broker();
    REQUIRE(own.up());
    CHECK_FALSE(h.gw().idle());

    h.shutdown();
    CHECK(h.sent_to(a) == std::vector<std::string>{"02 18"});
    CHECK(h.sent_to(b) == std::vector<std::string>{"02 18"});
    for (auto* up : {&up_a, &up_b, &own}) {
        CAPTURE(up->id());
        const auto d = up->expect<mqtt5::disconnect_packet>();
        CHECK(d.reason == mqtt5::reason_code::normal_disconnection);
        CHECK_FALSE(d.props.session_expiry_interval); // the CONNECT's expiry stays: session kept
        CHECK(up->closed());
        CHECK(up->close_mode() == mqtt5::close_mode::graceful);
        CHECK(up->pending() == 0);
    }
    CHECK(h.gw().idle());
}

TEST_CASE("after shutdown datagrams are dropped and no ADVERTISE goes out")
{
    core_harness h(advertising_every_minute());
    h.auto_broker(true);
    h.broadcasts();
    h.shutdown();
    const auto p = core_harness::peer(1);
    h.send(p, "08 04 04 01 00 3c 73 31");
    CHECK(h.sent_to(p).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].detail == "gateway shutting down");
    h.advance(10min);
    CHECK(h.broadcasts().empty());
    CHECK(h.gateway_broker().opens() == 1); // no reconnect
}

TEST_CASE("shutdown while the gateway's own link is still opening closes it")
{
    core_harness h(advertising_every_minute());
    auto& own = h.gateway_broker();
    REQUIRE(own.open());
    h.shutdown();
    CHECK(own.closed());
    CHECK(h.gw().idle());
    // The app's connect completes anyway: the link is not used (no CONNECT).
    const auto late = h.apply(h.gw().on_broker_link_up(own.id(), h.now()));
    for (const auto& a : late)
        CHECK_FALSE(std::holds_alternative<core::send_to_broker>(a));
}

TEST_CASE("sleeping sensors are not told at shutdown")
{
    core_harness h(advertising_every_minute());
    h.auto_broker(true);
    const auto p = core_harness::peer(1);
    auto& up = h.connect_sensor(p, "sleeper");
    h.send(p, "04 18 00 3c"); // DISCONNECT Duration 60: asleep
    CHECK(h.sent_to(p) == std::vector<std::string>{"02 18"});
    h.shutdown();
    CHECK(h.sent_to(p).empty());
    CHECK(up.expect<mqtt5::disconnect_packet>().reason == mqtt5::reason_code::normal_disconnection);
    CHECK(h.gw().idle());
}
