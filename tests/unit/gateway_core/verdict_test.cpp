// SPDX-License-Identifier: MIT
// Broker verdicts (design §4) as the core acts on them: the class of each reason code decides
// between re-opening (at once, with back-off, elsewhere) and telling the sensor; the hold-down;
// the verdict kept for a sleeper; kick; the take-over witness.
#include "core_harness.hpp"

#include "support/hex.hpp"

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::quiet;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;
using rc = mqtt5::reason_code;

namespace {
const auto sensor = core_harness::peer(1);
} // namespace

TEST_CASE("kick of an unknown client id is refused")
{
    core_harness h(quiet());
    CHECK_FALSE(h.gw().kick("nobody", rc::administrative_action, h.now()));
}

TEST_CASE("kick ends the upstream session with DISCONNECT 0x00 and tells an active sensor at once")
{
    core_harness h(quiet());
    auto& b = h.connect_sensor(sensor, "k1", 60, false);
    auto out = h.gw().kick("k1", rc::administrative_action, h.now());
    REQUIRE(out);
    h.apply(std::move(*out));
    const auto d = b.expect<mqtt5::disconnect_packet>();
    CHECK(d.reason == rc::normal_disconnection); // the broker keeps the session, no will
    CHECK(b.closed());
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
    CHECK(b.opens() == 1);
    REQUIRE(h.client("k1"));
    CHECK(h.client("k1")->last_disconnect_reason == std::optional<std::uint8_t>(0x98));
}
