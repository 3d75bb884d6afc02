// SPDX-License-Identifier: MIT
// A sensor's will (MQTT-SN v1.2 §6.3) is the MQTT 5 will of its upstream connection: the broker publishes
// it when the gateway loses the sensor (keep-alive), and not after a normal DISCONNECT nor when the
// gateway stops on SIGTERM (it closes every upstream session normally, design §3).
#include "gateway_harness.hpp"

#include <sys/wait.h>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <variant>

namespace {

namespace v1_2 = sngw::sn::v1_2;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::sn_client::last_will;
using sngw::test::gateway_env;
using sngw::test::payload;
using sngw::test::subscriber;
using v1_2::qos;

sngw::sn_client::client_options with_will(const gateway_env& env, const std::string& id,
                                          std::uint16_t keep_alive)
{
    auto o = env.sensor_options(id);
    o.keep_alive = keep_alive;
    o.will = last_will{"will/" + id, payload(id + " is gone"), qos::one, false};
    return o;
}

} // namespace

TEST_CASE("a will is published when a sensor falls silent past its keep-alive")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto sub = subscriber(env.broker.port(), "will/#");
    const auto connected_at = std::chrono::steady_clock::now();
    auto s = env.connected_sensor(with_will(env, "silent", 1));
    // Keep-alive 1 s: lost after 1.5 s of silence; the upstream link is dropped without DISCONNECT.
    const auto will = sub->wait_for_topic("will/silent", 6s);
    REQUIRE_MESSAGE(will.has_value(), "no will\n" << env.describe());
    CHECK(will->payload == "silent is gone");
    CHECK(will->qos == mqtt5::qos::at_least_once);
    CHECK(will->at - connected_at >= 1500ms); // keep-alive x 1.5 (--keep-alive-factor default)
    // The sensor is lost: what it sends now is answered with DISCONNECT (it must reconnect).
    REQUIRE(s.send(v1_2::pingreq_msg{}).has_value());
    const auto m = s.receive(3s);
    REQUIRE(m.has_value());
    CHECK(std::holds_alternative<v1_2::disconnect_msg>(*m));
}

TEST_CASE("no will is published after a sensor's normal DISCONNECT")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto sub = subscriber(env.broker.port(), "will/#");
    auto s = env.connected_sensor(with_will(env, "polite", 1));
    const auto bye = s.disconnect();
    REQUIRE_MESSAGE(bye.has_value(), bye.error().message() << "\n" << env.describe());
    // Past 1.5 x the keep-alive: a disconnected sensor is not supervised, and its upstream session was
    // closed with DISCONNECT 0x00.
    const auto will = sub->wait_for_topic("will/polite", 3s);
    CHECK_MESSAGE(!will.has_value(), "a will after a normal DISCONNECT\n" << env.describe());
}

TEST_CASE("no will is published when the gateway stops on SIGTERM")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto sub = subscriber(env.broker.port(), "will/#");
    auto s = env.connected_sensor(with_will(env, "bystander", 60));
    env.gateway->terminate();
    // The connected sensor is told (bare DISCONNECT), the process exits 0 within 5 s.
    const auto m = s.receive(5s);
    REQUIRE_MESSAGE(m.has_value(), "no DISCONNECT\n" << env.describe());
    CHECK(std::holds_alternative<v1_2::disconnect_msg>(*m));
    const auto status = env.gateway->wait_for(5s);
    REQUIRE_MESSAGE(status.has_value(), "still running 5 s after SIGTERM\n" << env.describe());
    CHECK_MESSAGE((WIFEXITED(*status) && WEXITSTATUS(*status) == 0),
                  sngw::test::gateway_process::describe_status(status) << "\n"
                                                                       << env.describe());
    const auto will = sub->wait_for_topic("will/bystander", 2s);
    CHECK_MESSAGE(!will.has_value(), "a will after the gateway's SIGTERM\n" << env.describe());
}
