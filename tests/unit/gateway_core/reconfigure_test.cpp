// SPDX-License-Identifier: MIT
// gateway::reconfigure (SIGHUP): predefined topics and credentials are taken over in place, no
// sensor is dropped, every other setting that differs is named and left as it was.
#include "core_harness.hpp"

#include "support/hex.hpp"

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::quiet;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;

namespace {
const auto sensor = core_harness::peer(1);
} // namespace

TEST_CASE("a reload applies predefined topics and credentials and names the settings it did not apply")
{
    auto c = quiet();
    c.predefined_topics = {{1, "pre/one"}};
    c.credentials["c1"] = core::broker_credentials{"u1", "old"};
    core_harness h(c);
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "c1", 60, false);
    h.send(sensor, "08 0c 01 00 01 00 00 31"); // PUBLISH QoS 0, predefined id 1, "1"
    CHECK(b.expect<mqtt5::publish_packet>().topic == "pre/one");

    auto next = c;
    next.predefined_topics = {{1, "pre/one"}, {7, "pre/seven"}};
    next.credentials["c1"] = core::broker_credentials{"u1", "new"};
    next.max_clients = 5;
    next.session_expiry = 10;
    const auto skipped = h.gw().reconfigure(next, h.now());
    CHECK(skipped == strings{"session_expiry", "max_clients"});
    CHECK(h.cfg().max_clients == c.max_clients); // not applied
    CHECK(h.cfg().predefined_topics == next.predefined_topics);

    // The connected sensor keeps working, and the new predefined id works at once.
    CHECK(h.state_of(sensor) == core::client_state::active);
    h.send(sensor, "08 0c 01 00 01 00 00 32");
    CHECK(b.expect<mqtt5::publish_packet>().topic == "pre/one");
    h.send(sensor, "08 0c 01 00 07 00 00 33");
    CHECK(b.expect<mqtt5::publish_packet>().topic == "pre/seven");
    CHECK(h.sent_to(sensor).empty());
    CHECK(b.connects().size() == 1); // nothing re-opened

    // An upstream reconnect (the session resumed) carries the new password.
    b.reply(mqtt5::disconnect_packet{.reason = mqtt5::reason_code::keep_alive_timeout});
    REQUIRE(b.connects().size() == 2);
    CHECK_FALSE(b.connects()[1].clean_start);
    CHECK(b.connects()[1].password == std::optional<std::vector<std::byte>>(sngw::test::bytes("new")));
    CHECK(h.sent_to(sensor).empty()); // the sensor noticed nothing
}

TEST_CASE("a reload with nothing changed names nothing")
{
    core_harness h(quiet());
    CHECK(h.gw().reconfigure(quiet(), h.now()).empty());
}

TEST_CASE("a reload of the default credentials reaches the gateway's own session at its next CONNECT")
{
    auto c = quiet();
    c.default_credentials = core::broker_credentials{"gw", "one"};
    core_harness h(c);
    auto next = c;
    next.default_credentials = core::broker_credentials{"gw", "two"};
    CHECK(h.gw().reconfigure(next, h.now()).empty());
    auto& own = h.gateway_broker();
    own.link_down(); // the first open fails: the next one goes after the back-off
    h.advance(1s);
    own.link_up();
    const auto connect = own.expect<mqtt5::connect_packet>();
    CHECK(connect.password == std::optional<std::vector<std::byte>>(sngw::test::bytes("two")));
}
