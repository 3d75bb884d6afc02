// SPDX-License-Identifier: MIT
// The daemon as a process: discovery on its UDP port, a second listener on the IPv6 loopback, and the
// orderly shutdown on SIGTERM (design §3: connected sensors are told with a bare DISCONNECT, sleeping ones
// are not, every upstream session is closed normally, exit 0 within 5 s).
#include "gateway_harness.hpp"
#include "support/free_port.hpp"

#include <sys/wait.h>

#include <csignal>
#include <thread>

#include <doctest/doctest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace {

namespace v1_2 = sngw::sn::v1_2;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::test::gateway_env;
using sngw::test::payload;
using sngw::test::subscriber;
using v1_2::qos;
using clock_type = std::chrono::steady_clock;

std::string show(const v1_2::message& m)
{
    std::ostringstream os;
    os << m;
    return os.str();
}

} // namespace

TEST_CASE("SEARCHGW is answered with a GWINFO carrying the configured gateway id")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env; // --gateway-id 7
    auto s = env.sensor("searcher");
    const auto info = s.search_gateway(1);
    REQUIRE_MESSAGE(info.has_value(), info.error().message() << "\n" << env.describe());
    CHECK(info->gw_id == 7);
    CHECK_FALSE(info->gw_add.has_value()); // a gateway answers without GwAdd (§5.4.3)
}

TEST_CASE("a sensor on the IPv6 loopback publishes through a second UDP listener")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_SKIP_UNLESS(sngw::test::has_ipv6_loopback(), "no IPv6 loopback here");
    const auto v6_port = sngw::test::free_udp_port(); // free on 127.0.0.1; ::1 is a separate binding
    auto args = gateway_env::default_args();
    args.insert(args.end(), {"--udp", "[::1]:" + std::to_string(v6_port)});
    gateway_env env(args);
    auto sub = subscriber(env.broker.port(), "v6/#");
    auto o = env.sensor_options("six");
    o.gateway_host = "::1";
    o.gateway_port = v6_port;
    auto s = env.connected_sensor(o);
    const auto r = s.publish("v6/hello", payload("over ::1"), qos::one);
    REQUIRE_MESSAGE(r.has_value(), r.error().message() << "\n" << env.describe());
    CHECK(r->return_code == v1_2::return_codes::accepted);
    const auto m = sub->wait_for_payload("over ::1");
    REQUIRE_MESSAGE(m.has_value(), env.describe());
    CHECK(m->topic == "v6/hello");
}

TEST_CASE("SIGTERM sends DISCONNECT to every connected sensor and the gateway exits 0 within 5 s")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    std::vector<sngw::sn_client::client> active;
    for (int i = 0; i < 3; ++i) {
        active.push_back(env.connected_sensor("active-" + std::to_string(i)));
        REQUIRE(active.back().subscribe("shutdown/" + std::to_string(i), qos::one).has_value());
    }
    auto sleeper = env.connected_sensor("asleep");
    REQUIRE(sleeper.disconnect(std::uint16_t{60}).has_value());

    const auto sent_at = clock_type::now();
    env.gateway->terminate();
    for (auto& s : active) {
        const auto m = s.receive(5s);
        REQUIRE_MESSAGE(m.has_value(), s.options().client_id << " got no DISCONNECT\n" << env.describe());
        CHECK_MESSAGE(std::holds_alternative<v1_2::disconnect_msg>(*m), "got " << show(*m));
        if (const auto* d = std::get_if<v1_2::disconnect_msg>(&*m)) CHECK_FALSE(d->duration.has_value());
    }
    const auto status = env.gateway->wait_for(
        std::chrono::duration_cast<std::chrono::milliseconds>(5s - (clock_type::now() - sent_at)) + 100ms);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - sent_at);
    REQUIRE_MESSAGE(status.has_value(), "still running 5 s after SIGTERM\n" << env.describe());
    CHECK_MESSAGE((WIFEXITED(*status) && WEXITSTATUS(*status) == 0),
                  sngw::test::gateway_process::describe_status(status) << "\n"
                                                                       << env.describe());
    CHECK(took <= 5s);
    MESSAGE("exited " << took.count() << " ms after SIGTERM");
    // A sleeping sensor is not told (it could not hear it; a DISCONNECT right after its sleep request
    // would read as the sleep acknowledgement, §6.14).
    const auto none = sleeper.receive(200ms);
    CHECK_MESSAGE(none.has_error(), "the sleeping sensor got " << (none ? show(*none) : std::string{}));
}

TEST_CASE("SIGHUP reloads the configuration: the gateway keeps running and its sensors stay connected")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto sub = subscriber(env.broker.port(), "hup/#");
    auto s = env.connected_sensor("hup-1");
    REQUIRE(::kill(env.gateway->pid(), SIGHUP) == 0);
    const auto deadline = clock_type::now() + 5s;
    while (env.gateway->log().find("reload done") == std::string::npos && clock_type::now() < deadline)
        std::this_thread::sleep_for(20ms);
    REQUIRE_MESSAGE(env.gateway->log().find("reload done") != std::string::npos, env.describe());
    CHECK(env.gateway->running());
    const auto none = s.receive(200ms);
    CHECK_MESSAGE(none.has_error(), "after SIGHUP the sensor got " << (none ? show(*none) : std::string{}));
    const auto r = s.publish("hup/still", payload("here"), qos::one);
    REQUIRE_MESSAGE(r.has_value(), r.error().message() << "\n" << env.describe());
    CHECK(r->return_code == v1_2::return_codes::accepted);
    CHECK(sub->wait_for_payload("here").has_value());
}

// Design §3: SIGTERM ends every upstream session with DISCONNECT 0x00 and the Session Expiry keeps it, so
// a QoS 1 message published while no gateway runs waits at the broker for the sensor.
TEST_CASE("sessions are kept after SIGTERM and a QoS 1 message published meanwhile arrives after the restart")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto s = env.connected_sensor("kept-1");
    const auto suback = s.subscribe("kept/one", qos::one);
    REQUIRE(suback.has_value());
    REQUIRE(suback->return_code == v1_2::return_codes::accepted);

    const auto status = env.gateway->stop();
    REQUIRE_MESSAGE((status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0),
                    sngw::test::gateway_process::describe_status(status));
    auto pub = sngw::test::publisher(env.broker.port());
    REQUIRE(pub->publish("kept/one", "while down", mqtt5::qos::at_least_once) == mqtt5::reason_code::success);

    env.start_gateway();
    s.options().clean_session = false;
    const auto back = s.connect();
    REQUIRE_MESSAGE(back.has_value(), back.error().message() << "\n" << env.describe());
    REQUIRE(*back == v1_2::return_codes::accepted);
    // The new gateway has no topic id for it: REGISTER (answered by the client), then the PUBLISH.
    std::vector<std::string> seen;
    const v1_2::publish_msg* found = nullptr;
    std::vector<v1_2::message> all;
    const auto deadline = clock_type::now() + 5s;
    while (found == nullptr && clock_type::now() < deadline) {
        auto m = s.receive(500ms);
        if (!m) continue;
        all.push_back(*m);
        seen.push_back(show(*m));
        found = std::get_if<v1_2::publish_msg>(&all.back());
    }
    std::string got;
    for (const auto& line : seen)
        got += "\n  " + line;
    REQUIRE_MESSAGE(found != nullptr, "no PUBLISH; received:" << got << "\n" << env.describe());
    CHECK(found->q == qos::one);
    CHECK(found->data == payload("while down"));
}
