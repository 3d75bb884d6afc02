// SPDX-License-Identifier: MIT
// Broker verdicts carried back to v1.2 sensors (design §4) against a real mosquitto: an
// administrative kick through the dynamic-security plugin (active and asleep), the hold-down, a
// take-over by another MQTT client, a PUBLISH over the broker's max_packet_size.
#include "gateway_harness.hpp"

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <fstream>

using namespace std::chrono_literals;
using sngw::test::gateway_env;
using sngw::test::mosquitto_config;
using sngw::test::mosquitto_process;
namespace v1_2 = sngw::sn::v1_2;
namespace mqtt5 = sngw::mqtt5;

namespace {

constexpr auto admin = "admin";
constexpr auto admin_password = "admin-secret";

/// mosquitto with the dynamic-security plugin, one sensor user (`user` / "sensor-pass") whose
/// credentials the gateway uses for client id `client_id`, the gateway's own session as the admin.
struct dynsec_env {
    sngw::test::temp_dir files;
    std::optional<gateway_env> env;

    dynsec_env(const std::filesystem::path& plugin, const std::string& client_id, const std::string& user)
    {
        mosquitto_config config;
        mosquitto_process::enable_dynamic_security(config, plugin, files / "dynsec.json", admin,
                                                   admin_password);
        const auto creds = files / "credentials.txt";
        std::ofstream(creds) << client_id << "," << user << ",sensor-pass\n";
        auto args = gateway_env::default_args();
        for (const char* a :
             {"--broker-user", admin, "--broker-password", admin_password, "--hold-down", "3"})
            args.emplace_back(a);
        args.emplace_back("--credentials");
        args.emplace_back(creds.string());
        // The broker first: the user must exist before the sensor connects.
        env.emplace(std::move(args), std::move(config));
        ctrl({"createClient", user, "-p", "sensor-pass"});
    }

    /// `mosquitto_ctrl dynsec ARGS...` as the admin; REQUIREs success.
    void ctrl(std::vector<std::string> args)
    {
        const auto exe = sngw::test::find_program("mosquitto_ctrl", {"/usr/bin/mosquitto_ctrl"});
        REQUIRE(exe.has_value());
        std::vector<std::string> argv{
            exe->string(), "-h",  "127.0.0.1", "-p",           std::to_string(env->broker.port()),
            "-u",          admin, "-P",        admin_password, "dynsec"};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto out = files / "ctrl.out";
        REQUIRE_MESSAGE(sngw::test::run_program(argv, out, 10s) == 0, sngw::test::read_file(out));
    }
};

#define SNGW_REQUIRE_DYNSEC(plugin)                                                                          \
    SNGW_REQUIRE_GATEWAY();                                                                                  \
    const auto plugin = mosquitto_process::dynamic_security_plugin();                                        \
    SNGW_SKIP_UNLESS(plugin.has_value(), "the mosquitto dynamic-security plugin is not installed");          \
    SNGW_SKIP_UNLESS(sngw::test::find_program("mosquitto_ctrl").has_value(),                                 \
                     "mosquitto_ctrl is not installed")

bool is_bare_disconnect(const v1_2::message& m)
{
    const auto* d = std::get_if<v1_2::disconnect_msg>(&m);
    return d != nullptr && !d->duration;
}

} // namespace

TEST_CASE("an administrative kick reaches an active v1.2 sensor as DISCONNECT and its CONNECTs wait out the "
          "hold-down")
{
    SNGW_REQUIRE_DYNSEC(plugin);
    dynsec_env d(*plugin, "verdict-active", "user-x");
    auto s = d.env->connected_sensor("verdict-active");
    d.ctrl({"disableClient", "user-x"}); // mosquitto: DISCONNECT 0x98 Administrative action
    const auto m = s.receive(5s);
    REQUIRE_MESSAGE(m.has_value(), m.error().message() << "\n" << d.env->describe());
    CHECK(is_bare_disconnect(*m)); // `02 18`: v1.2 has no reason code
    // Design §4 "do not retry": CONNECT during the hold-down (3 s) is refused without the broker.
    const auto c = s.connect();
    REQUIRE(c.has_value());
    CHECK(*c == v1_2::return_codes::rejected_not_supported);
    // After it, a CONNECT goes to the broker again.
    d.ctrl({"enableClient", "user-x"});
    std::this_thread::sleep_for(3s);
    const auto again = s.connect();
    REQUIRE(again.has_value());
    CHECK(*again == v1_2::return_codes::accepted);
    const auto log = d.env->gateway->log();
    CHECK(log.find("0x98") != std::string::npos);
}

TEST_CASE("an administrative kick while a v1.2 sensor sleeps is its bare DISCONNECT at the next PINGREQ")
{
    SNGW_REQUIRE_DYNSEC(plugin);
    dynsec_env d(*plugin, "verdict-asleep", "user-y");
    auto s = d.env->connected_sensor("verdict-asleep");
    REQUIRE(s.disconnect(std::uint16_t{30}).has_value()); // asleep for 30 s
    d.ctrl({"disableClient", "user-y"});
    std::this_thread::sleep_for(500ms);
    CHECK_FALSE(s.receive(200ms).has_value()); // a sleeper hears nothing
    sngw::sn_client::wake_options w;
    w.timeout = 3s;
    const auto r = s.wake(w);
    REQUIRE(r.has_value());
    INFO(d.env->describe());
    CHECK(r->disconnected);
    CHECK_FALSE(r->pingresp);
    REQUIRE(r->received.size() == 1);
    CHECK(is_bare_disconnect(r->received[0]));
}

TEST_CASE("another MQTT client taking over a sensor's client id keeps it and the sensor is told")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto s = env.connected_sensor("verdict-takeover");
    sngw::test::mqtt_peer other({env.broker.port(), "verdict-takeover"});
    REQUIRE(other.connect());
    // mosquitto 2.0.11 closes the gateway's link without DISCONNECT; the gateway's own link stays
    // up, so after the witness time (1 s) it is 0x8E: the sensor is told, nothing re-opened.
    const auto m = s.receive(5s);
    REQUIRE_MESSAGE(m.has_value(), m.error().message() << "\n" << env.describe());
    CHECK(is_bare_disconnect(*m));
    std::this_thread::sleep_for(3s);
    CHECK(other.connected());
    CHECK(other.connections() == 1);
    const auto log = env.gateway->log();
    CHECK_MESSAGE(log.find("taken over") != std::string::npos, env.describe());
}

TEST_CASE("a PUBLISH over the broker's max_packet_size is answered PUBACK 0x03 to a v1.2 sensor")
{
    SNGW_REQUIRE_GATEWAY();
    mosquitto_config config;
    config.extra_lines.push_back("max_packet_size 300");
    gateway_env env(gateway_env::default_args(), config);
    auto s = env.connected_sensor("verdict-large");
    const std::string big(400, 'x');
    const auto r = s.publish("big/one", sngw::test::payload(big), v1_2::qos::one);
    REQUIRE_MESSAGE(r.has_value(), r.error().message() << "\n" << env.describe());
    CHECK(r->return_code == v1_2::return_codes::rejected_not_supported); // MQTT 5 0x95, v1.2 Table 5
    const auto small = s.publish("big/one", sngw::test::payload("ok"), v1_2::qos::one);
    REQUIRE(small.has_value());
    CHECK(small->return_code == v1_2::return_codes::accepted); // the session goes on
}
