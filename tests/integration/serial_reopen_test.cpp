// SPDX-License-Identifier: MIT
// A serial device unplugged and plugged back in (the pty closed and re-created under the same path):
// the gateway notices, spends no CPU on the port while it is gone, keeps serving its other links, and
// the sensor behind the port continues its session once the device is back.
#include "serial_env.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

namespace {

namespace v1_2 = sngw::sn::v1_2;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::test::payload;
using sngw::test::publisher;
using sngw::test::serial_env;
using sngw::test::subscriber;
using sngw::transport::serial_framing;

} // namespace

TEST_CASE(
    "a serial device unplugged for 3 s and plugged back: no CPU meanwhile, UDP unaffected, traffic resumes")
{
    SNGW_REQUIRE_GATEWAY();
    serial_env e({.framing = serial_framing::slip});
    auto sub = subscriber(e.env.broker.port(), "replug/#");
    auto s = e.connected_sensor("replug-serial");
    auto before = s.publish("replug/before", payload("before"), v1_2::qos::one);
    REQUIRE(before.has_value());
    REQUIRE(before->return_code == v1_2::return_codes::accepted);
    auto udp = e.env.connected_sensor("replug-udp");

    const auto pid = e.env.gateway->pid();
    e.bridge.unplug();
    std::this_thread::sleep_for(200ms); // the gateway reads EOF/EIO at once and closes the port
    const auto cpu_before = sngw::test::process_cpu_time(pid);
    REQUIRE(cpu_before.has_value());
    const auto outage_start = std::chrono::steady_clock::now();

    // Every other link keeps working meanwhile.
    const auto u = udp.publish("replug/udp", payload("over udp during the outage"), v1_2::qos::one);
    REQUIRE(u.has_value());
    CHECK(u->return_code == v1_2::return_codes::accepted);
    CHECK(sub->wait_for_payload("over udp during the outage").has_value());

    std::this_thread::sleep_until(outage_start + 3s);
    const auto cpu_after = sngw::test::process_cpu_time(pid);
    REQUIRE(cpu_after.has_value());
    const auto used = *cpu_after - *cpu_before;
    MESSAGE("CPU time during the 3 s outage: " << used.count() << " ms");
    CHECK_MESSAGE(used < 300ms, "the gateway used " << used.count() << " ms of CPU while the port was gone\n"
                                                    << e.describe());

    e.bridge.replug();
    // Retried at 0.5, 1.5, 3.5, 7.5 s after the loss (back-off 0.5 s doubling to 10 s).
    REQUIRE_MESSAGE(e.bridge.wait_configured(15s), e.describe());

    // The same session: the topic id registered before the outage still works, and so does delivery.
    const auto after = s.publish("replug/before", payload("after"), v1_2::qos::one);
    REQUIRE_MESSAGE(after.has_value(), after.error().message() << "\n" << e.describe());
    CHECK(after->return_code == v1_2::return_codes::accepted);
    CHECK(sub->wait_for_payload("after").has_value());
    REQUIRE(s.subscribe("replug/down", v1_2::qos::one).has_value());
    auto pub = publisher(e.env.broker.port());
    REQUIRE(pub->publish("replug/down", "welcome back", mqtt5::qos::at_least_once) ==
            mqtt5::reason_code::success);
    const auto down = s.receive_publish(5s);
    REQUIRE(down.has_value());
    CHECK(down->payload() == "welcome back");

    const auto log = e.env.gateway->log();
    CHECK(log.find("serial " + e.bridge.link().string() + ": lost") != std::string::npos);
    CHECK(log.find("serial " + e.bridge.link().string() + ": open") != std::string::npos);
}
