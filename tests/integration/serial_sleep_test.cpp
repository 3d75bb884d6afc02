// SPDX-License-Identifier: MIT
// A sleeping sensor on a serial port (MQTT-SN v1.2 §6.14): what the broker sent while it slept is
// delivered in order when it wakes, then PINGRESP, exactly as over UDP.
#include "serial_env.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace {

namespace v1_2 = sngw::sn::v1_2;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::test::publisher;
using sngw::test::serial_env;
using sngw::transport::serial_framing;

std::string show(const std::vector<v1_2::message>& ms)
{
    std::ostringstream os;
    for (const auto& m : ms)
        os << "\n  " << m;
    return os.str();
}

} // namespace

TEST_CASE("a sleeping sensor on a serial port gets what was published meanwhile when it wakes, then PINGRESP")
{
    SNGW_REQUIRE_GATEWAY();
    serial_env e({.framing = serial_framing::cobs});
    auto s = e.connected_sensor("serial-sleeper");
    const auto suback = s.subscribe("serial/sleep", v1_2::qos::one);
    REQUIRE(suback.has_value());
    REQUIRE(suback->return_code == v1_2::return_codes::accepted);
    const auto slept = s.disconnect(std::uint16_t{30}); // asleep for 30 s
    REQUIRE_MESSAGE(slept.has_value(), slept.error().message() << "\n" << e.describe());

    auto pub = publisher(e.env.broker.port());
    for (int i = 0; i < 3; ++i)
        REQUIRE(pub->publish("serial/sleep", "m" + std::to_string(i), mqtt5::qos::at_least_once) ==
                mqtt5::reason_code::success);
    REQUIRE(pub->publish("serial/sleep", "m3 at QoS 0", mqtt5::qos::at_most_once) ==
            mqtt5::reason_code::success);
    const auto early = s.receive(500ms);
    CHECK_MESSAGE(early.has_error(), "a sleeping sensor got a message");

    const auto w = s.wake({.acknowledge = true, .timeout = 10s});
    REQUIRE(w.has_value());
    REQUIRE_MESSAGE(w->pingresp, "no PINGRESP; received:" << show(w->received) << "\n" << e.describe());
    REQUIRE_MESSAGE(w->publications.size() == 4, "received:" << show(w->received));
    for (int i = 0; i < 3; ++i) {
        CHECK(w->publications[static_cast<std::size_t>(i)].payload() == "m" + std::to_string(i));
        CHECK(w->publications[static_cast<std::size_t>(i)].message.q == v1_2::qos::one);
    }
    CHECK(w->publications[3].payload() == "m3 at QoS 0");
    CHECK(std::holds_alternative<v1_2::pingresp_msg>(w->received.back()));

    // Asleep again: nothing buffered, PINGRESP at once.
    const auto w2 = s.wake({.acknowledge = true, .timeout = 5s});
    REQUIRE(w2.has_value());
    CHECK(w2->pingresp);
    CHECK_MESSAGE(w2->publications.empty(), "received again:" << show(w2->received));
    CHECK(e.bridge.errors() == 0);
}
