// SPDX-License-Identifier: MIT
// The gateway's status topic (design §6): "online" retained after its own CONNACK, "offline" by
// its will when it ends (SIGTERM: DISCONNECT 0x04 Disconnect with Will Message) or dies (SIGKILL).
#include "gateway_harness.hpp"

using namespace std::chrono_literals;
using sngw::test::gateway_env;

namespace {

// default_args() has --gateway-id 7: the default status topic is sngw/7/status.
constexpr auto status_topic = "sngw/7/status";

std::optional<std::string> retained_status(std::uint16_t broker_port, const std::string& client_id)
{
    // A new subscriber gets the retained message at once (MQTT 5.0 §3.3.1.3).
    auto sub = sngw::test::subscriber(broker_port, status_topic, client_id);
    const auto m = sub->wait_for_topic(status_topic, 3s);
    if (!m || !m->retain) return std::nullopt;
    return m->payload;
}

} // namespace

TEST_CASE("the status topic says online while the gateway runs and offline after SIGTERM")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    // "online" follows the own session's CONNACK, which may come just after the GWINFO.
    std::optional<std::string> s;
    for (int i = 0; i < 20 && s != "online"; ++i) {
        s = retained_status(env.broker.port(), "status-" + std::to_string(i));
        if (s != "online") std::this_thread::sleep_for(100ms);
    }
    CHECK_MESSAGE(s == std::optional<std::string>("online"), env.describe());

    auto live = sngw::test::subscriber(env.broker.port(), status_topic, "status-live");
    env.gateway->terminate();
    REQUIRE(env.gateway->wait_for(5s).has_value());
    const auto m = live->wait_for_payload("offline", 3s);
    REQUIRE_MESSAGE(m.has_value(), env.describe());
    CHECK(m->topic == status_topic);
    CHECK(retained_status(env.broker.port(), "status-after") == std::optional<std::string>("offline"));
}

TEST_CASE("the status topic says offline when the gateway is killed")
{
    SNGW_REQUIRE_GATEWAY();
    auto args = gateway_env::default_args();
    args.insert(args.end(), {"--broker-keep-alive", "2"});
    gateway_env env(args);
    auto live = sngw::test::subscriber(env.broker.port(), status_topic, "status-live");
    REQUIRE_MESSAGE(live->wait_for_payload("online", 5s).has_value(), env.describe());
    env.gateway->kill();
    // The broker publishes the will when the link closes (or at 1.5 x the keep-alive at most).
    const auto m = live->wait_for_payload("offline", 5s);
    REQUIRE_MESSAGE(m.has_value(), env.describe() << "\n" << env.broker.log());
    CHECK(m->topic == status_topic);
}

TEST_CASE("an empty status prefix turns the status topic off")
{
    SNGW_REQUIRE_GATEWAY();
    auto args = gateway_env::default_args();
    args.insert(args.end(), {"--status-prefix", ""});
    gateway_env env(args);
    auto live = sngw::test::subscriber(env.broker.port(), "sngw/#", "status-none");
    env.connected_sensor("status-none-sensor");
    CHECK(live->messages().empty());
    env.gateway->terminate();
    REQUIRE(env.gateway->wait_for(5s).has_value());
    std::this_thread::sleep_for(300ms);
    CHECK(live->messages().empty());
}
