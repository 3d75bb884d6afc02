// SPDX-License-Identifier: MIT
// Broker verdicts carried to MQTT-SN 2.0 sensors (design §4, issue 5) against a real mosquitto, as
// the exact DISCONNECT / PUBACK bytes the sensor receives: an administrative kick through the
// dynamic-security plugin (active, and asleep: at its next PINGREQ), a take-over of the client id by
// another MQTT client, a PUBLISH over the broker's max_packet_size. The sensors authenticate with
// MQTT-BASIC (CSD01 §4.11), which the broker checks (anonymous access off).
#include "gateway_harness.hpp"
#include "gateway_v2_sensor.hpp"

#include <sngw/sn/v2_0/codec.hpp>
#include <sngw/sn_client/client_v2.hpp>

#include "support/child_process.hpp"
#include "support/hex.hpp"
#include "support/temp_dir.hpp"

#include <memory>

using namespace std::chrono_literals;
using sngw::test::gateway_env;
using sngw::test::open_v2;
using sngw::test::v2_options;
using sngw::test::mosquitto_config;
using sngw::test::mosquitto_process;
namespace v2_0 = sngw::sn::v2_0;
using sngw::sn_client::client_v2;
using sngw::sn_client::client_v2_options;

namespace {

constexpr auto admin_user = "v2-admin";
constexpr auto admin_secret = "v2-admin-secret";
constexpr auto sensor_secret = "v2-sensor-secret";

/// Datagrams a sensor sent (true) and received (false), in order (client_v2's trace).
using wire_entries = std::vector<std::pair<bool, std::vector<std::byte>>>;

std::shared_ptr<wire_entries> trace_into(client_v2_options& o)
{
    auto log = std::make_shared<wire_entries>();
    o.trace = [log](bool sent, std::span<const std::byte> d) {
        log->emplace_back(sent, std::vector<std::byte>(d.begin(), d.end()));
    };
    return log;
}

/// The last datagram received (sent == false) or sent (true) of Packet Type `type` (1-octet Length).
std::optional<std::vector<std::byte>> last_of(const wire_entries& log, bool sent, std::uint8_t type)
{
    for (auto it = log.rbegin(); it != log.rend(); ++it)
        if (it->first == sent && it->second.size() > 1 &&
            std::to_integer<std::uint8_t>(it->second[1]) == type)
            return it->second;
    return std::nullopt;
}

/// mosquitto with the dynamic-security plugin and anonymous access off, the gateway's own session as
/// its admin, and one sensor user `user` (password sensor_secret) that v2.0 sensors name in MQTT-BASIC.
struct dynsec_v2_env {
    sngw::test::temp_dir files{"sngw-v2-dynsec"};
    std::optional<gateway_env> env;

    dynsec_v2_env(const std::filesystem::path& plugin, const std::string& user)
    {
        mosquitto_config config;
        mosquitto_process::enable_dynamic_security(config, plugin, files / "dynsec.json", admin_user,
                                                   admin_secret);
        auto args = gateway_env::default_args();
        for (const char* a :
             {"--broker-user", admin_user, "--broker-password", admin_secret, "--hold-down", "3"})
            args.emplace_back(a);
        env.emplace(std::move(args), std::move(config));
        ctrl({"createClient", user, "-p", sensor_secret});
    }

    /// `mosquitto_ctrl dynsec ARGS...` as the admin; REQUIREs exit status 0.
    void ctrl(const std::vector<std::string>& args)
    {
        const auto exe = sngw::test::find_program("mosquitto_ctrl", {"/usr/bin/mosquitto_ctrl"});
        REQUIRE(exe.has_value());
        std::vector<std::string> argv{
            exe->string(), "-h",       "127.0.0.1", "-p",         std::to_string(env->broker.port()),
            "-u",          admin_user, "-P",        admin_secret, "dynsec"};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto out = files / "ctrl.out";
        REQUIRE_MESSAGE(sngw::test::run_program(argv, out, 10s) == 0, sngw::test::read_file(out));
    }

    /// A v2.0 sensor authenticating as `user` (CSD01 §4.11 MQTT-BASIC).
    client_v2_options sensor_options(std::string client_id, const std::string& user,
                                     const std::string& password = sensor_secret) const
    {
        auto o = v2_options(*env, std::move(client_id));
        o.authentication = sngw::sn_client::mqtt_basic(user, password);
        return o;
    }
};

#define SNGW_REQUIRE_DYNSEC_V2(plugin)                                                                       \
    SNGW_REQUIRE_GATEWAY();                                                                                  \
    const auto plugin = mosquitto_process::dynamic_security_plugin();                                        \
    SNGW_SKIP_UNLESS(plugin.has_value(), "the mosquitto dynamic-security plugin is not installed");          \
    SNGW_SKIP_UNLESS(sngw::test::find_program("mosquitto_ctrl").has_value(),                                 \
                     "mosquitto_ctrl is not installed")

} // namespace

TEST_CASE("an administrative kick reaches an active v2.0 sensor connected with MQTT-BASIC as DISCONNECT 0x98")
{
    SNGW_REQUIRE_DYNSEC_V2(plugin);
    dynsec_v2_env d(*plugin, "v2-user-x");

    // MQTT-BASIC reaches the broker: a wrong password is refused by it, and the broker's code is the
    // sensor's (design §4; mosquitto 2.0.11's dynamic-security plugin answers 0x87, not 0x86).
    auto wrong = open_v2(d.sensor_options("v2-kick-wrong", "v2-user-x", "not-the-password"));
    const auto refused = wrong.connect();
    REQUIRE_MESSAGE(refused.has_value(), refused.error().message() << "\n" << d.env->describe());
    CHECK_MESSAGE(refused->reason_code == 0x87, d.env->describe()); // Not authorized

    auto o = d.sensor_options("v2-kick-active", "v2-user-x");
    const auto wire = trace_into(o);
    auto s = open_v2(o);
    const auto r = s.connect();
    REQUIRE_MESSAGE(r.has_value(), r.error().message() << "\n" << d.env->describe());
    REQUIRE_MESSAGE(r->reason_code == 0x00, int(r->reason_code) << "\n" << d.env->describe());

    d.ctrl({"disableClient", "v2-user-x"}); // mosquitto: DISCONNECT 0x98 Administrative action
    const auto m = s.receive(5s);
    REQUIRE_MESSAGE(m.has_value(), m.error().message() << "\n" << d.env->describe());
    CHECK(std::holds_alternative<v2_0::disconnect_msg>(*m));
    const auto bytes = last_of(*wire, false, 0x0E);
    REQUIRE(bytes.has_value());
    CHECK_MESSAGE(*bytes == sngw::test::hex("04 0e 04 98"),
                  sngw::test::to_hex(*bytes)); // Length 4, DISCONNECT, Flags: Reason Code, 0x98
}

TEST_CASE("an administrative kick while a v2.0 sensor sleeps is DISCONNECT 0x98 with its PINGREQ's packet id "
          "at its next PINGREQ and no PINGRESP")
{
    SNGW_REQUIRE_DYNSEC_V2(plugin);
    dynsec_v2_env d(*plugin, "v2-user-y");
    auto o = d.sensor_options("v2-kick-asleep", "v2-user-y");
    const auto wire = trace_into(o);
    auto s = open_v2(o);
    const auto r = s.connect();
    REQUIRE_MESSAGE((r.has_value() && r->reason_code == 0x00), d.env->describe());
    const auto slept = s.sleep(30);
    REQUIRE_MESSAGE(slept.has_value(), slept.error().message() << "\n" << d.env->describe());
    REQUIRE(slept->reason_code.value_or(0) == 0x00);

    d.ctrl({"disableClient", "v2-user-y"});
    // CSD01 §3.14: WAKEUP is a best-effort hint (design §4: sent once for a stored verdict); nothing else.
    const auto hint = s.receive(1500ms);
    if (hint.has_value()) {
        CHECK(std::holds_alternative<v2_0::wakeup_msg>(*hint));
        const auto w = last_of(*wire, false, 0x15);
        REQUIRE(w.has_value());
        CHECK_MESSAGE(*w == sngw::test::hex("02 15"), sngw::test::to_hex(*w)); // Length 2, WAKEUP
    } else {
        MESSAGE("no WAKEUP hint came (best effort)");
    }

    const auto woke = s.wake(3s);
    REQUIRE(woke.has_value());
    INFO(d.env->describe());
    CHECK(woke->disconnected);
    CHECK_FALSE(woke->pingresp);
    CHECK(woke->publications.empty());
    const auto ping = last_of(*wire, true, 0x0C);
    REQUIRE(ping.has_value());
    REQUIRE(ping->size() == 4);
    const auto verdict = last_of(*wire, false, 0x0E);
    REQUIRE(verdict.has_value());
    // Length 6, DISCONNECT, Flags: Reason Code + Packet Id, the PINGREQ's Packet Identifier, 0x98.
    CHECK_MESSAGE(*verdict ==
                      sngw::test::cat(sngw::test::hex("06 0e 05"),
                                      sngw::test::cat({(*ping)[2], (*ping)[3]}, sngw::test::hex("98"))),
                  sngw::test::to_hex(*verdict));
}

TEST_CASE("another MQTT client taking over a v2.0 sensor's client id keeps it and the sensor gets DISCONNECT "
          "0x8E")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto o = v2_options(env, "v2-takeover");
    const auto wire = trace_into(o);
    auto s = open_v2(o);
    const auto r = s.connect();
    REQUIRE_MESSAGE((r.has_value() && r->reason_code == 0x00), env.describe());
    // A second sensor whose Maximum Packet Size leaves no room for a reason string.
    auto small_o = v2_options(env, "v2-takeover-small");
    small_o.maximum_packet_size = 16;
    const auto small_wire = trace_into(small_o);
    auto small = open_v2(small_o);
    const auto sr = small.connect();
    REQUIRE_MESSAGE((sr.has_value() && sr->reason_code == 0x00), env.describe());
    sngw::test::mqtt_peer other({env.broker.port(), "v2-takeover"});
    REQUIRE(other.connect());
    sngw::test::mqtt_peer other_small({env.broker.port(), "v2-takeover-small"});
    REQUIRE(other_small.connect());
    const auto m = s.receive(5s);
    REQUIRE_MESSAGE(m.has_value(), m.error().message() << "\n" << env.describe());
    REQUIRE(std::holds_alternative<v2_0::disconnect_msg>(*m));
    // 0x8E Session taken over, no Packet Identifier, no Session Expiry (CSD01 §3.13); the gateway
    // may add a reason string saying how it knows.
    const auto& d = std::get<v2_0::disconnect_msg>(*m);
    CHECK(d.reason_code == std::optional<std::uint8_t>(0x8E));
    CHECK_FALSE(d.packet_id.has_value());
    CHECK_FALSE(d.session_expiry_interval.has_value());
    const auto bytes = last_of(*wire, false, 0x0E);
    REQUIRE(bytes.has_value());
    REQUIRE(bytes->size() >= 4);
    // DISCONNECT, Flags: Reason Code (the reason string is the rest of the packet), 0x8E.
    CHECK_MESSAGE(std::vector<std::byte>(bytes->begin() + 1, bytes->begin() + 4) ==
                      sngw::test::hex("0e 04 8e"),
                  sngw::test::to_hex(*bytes));
    // Design §4 "do not retry": the gateway does not take the session back.
    const auto sm = small.receive(5s);
    REQUIRE_MESSAGE(sm.has_value(), sm.error().message() << "\n" << env.describe());
    const auto small_bytes = last_of(*small_wire, false, 0x0E);
    REQUIRE(small_bytes.has_value());
    // Exactly Length 4, DISCONNECT, Flags: Reason Code, 0x8E: the reason string did not fit in 16.
    CHECK_MESSAGE(*small_bytes == sngw::test::hex("04 0e 04 8e"), sngw::test::to_hex(*small_bytes));
    std::this_thread::sleep_for(2s);
    CHECK(other.connected());
    CHECK(other.connections() == 1);
    CHECK(other_small.connected());
    CHECK(other_small.connections() == 1);
}

TEST_CASE(
    "a PUBLISH over the broker's max_packet_size is answered PUBACK 0x95 or PUBREC 0x95 to a v2.0 sensor")
{
    SNGW_REQUIRE_GATEWAY();
    mosquitto_config config;
    config.extra_lines.push_back("max_packet_size 300");
    gateway_env env(gateway_env::default_args(), config);
    auto o = v2_options(env, "v2-large");
    const auto wire = trace_into(o);
    auto s = open_v2(o);
    const auto c = s.connect();
    REQUIRE_MESSAGE((c.has_value() && c->reason_code == 0x00), env.describe());
    const std::string big(400, 'x');
    const auto r = s.publish("v2big/one", sngw::test::payload(big), v2_0::qos::qos1);
    REQUIRE_MESSAGE(r.has_value(), r.error().message() << "\n" << env.describe());
    CHECK(r->reason_code == 0x95); // Packet too large
    const auto puback = last_of(*wire, false, 0x04);
    REQUIRE(puback.has_value());
    // Length 5, PUBACK, the PUBLISH's Packet Identifier, 0x95.
    CHECK_MESSAGE(*puback == sngw::test::cat(sngw::test::hex("05 04"),
                                             sngw::test::cat({static_cast<std::byte>(r->packet_id >> 8),
                                                              static_cast<std::byte>(r->packet_id & 0xFF)},
                                                             sngw::test::hex("95"))),
                  sngw::test::to_hex(*puback));
    // QoS 2: the PUBREC carries it and the flow ends there (CSD01 §3.6.4).
    const auto r2 = s.publish("v2big/two", sngw::test::payload(big), v2_0::qos::qos2);
    REQUIRE_MESSAGE(r2.has_value(), r2.error().message() << "\n" << env.describe());
    CHECK(r2->reason_code == 0x95);
    const auto pubrec = last_of(*wire, false, 0x05);
    REQUIRE(pubrec.has_value());
    CHECK_MESSAGE(pubrec->back() == std::byte{0x95}, sngw::test::to_hex(*pubrec));
    const auto small = s.publish("v2big/one", sngw::test::payload("ok"), v2_0::qos::qos1);
    REQUIRE(small.has_value());
    CHECK(small->reason_code < 0x80); // the session goes on
}

TEST_CASE("an administrative kick while a v2.0 sensor is awake and being flushed reaches it at once as "
          "DISCONNECT 0x98")
{
    SNGW_REQUIRE_DYNSEC_V2(plugin);
    dynsec_v2_env d(*plugin, "v2-user-z");
    // dynsec denies publishing and subscribing by default: a role that allows both.
    d.ctrl({"createRole", "v2-sensors"});
    d.ctrl({"addRoleACL", "v2-sensors", "publishClientSend", "v2awake/#", "allow"});
    d.ctrl({"addRoleACL", "v2-sensors", "subscribePattern", "v2awake/#", "allow"});
    d.ctrl({"addClientRole", "v2-user-z", "v2-sensors"});
    auto o = d.sensor_options("v2-kick-awake", "v2-user-z");
    o.auto_ack = false; // stays Awake: its PUBLISH unacknowledged
    auto s = open_v2(o);
    const auto r = s.connect();
    REQUIRE_MESSAGE((r.has_value() && r->reason_code == 0x00), d.env->describe());
    const auto sub = s.subscribe("v2awake/t", {.q = v2_0::qos::qos1});
    REQUIRE(sub.has_value());
    REQUIRE_MESSAGE(sub->reason_code.value_or(0) == 0x01, d.env->describe());
    const auto slept = s.sleep(30);
    REQUIRE_MESSAGE((slept.has_value() && slept->reason_code.value_or(0) == 0x00), d.env->describe());

    auto feeder = open_v2(d.sensor_options("v2-awake-feeder", "v2-user-z"));
    const auto fr = feeder.connect();
    REQUIRE_MESSAGE((fr.has_value() && fr->reason_code == 0x00), d.env->describe());
    const auto sent = feeder.publish("v2awake/t", sngw::test::payload("flushed"), v2_0::qos::qos1);
    REQUIRE_MESSAGE(sent.has_value(), d.env->describe());
    REQUIRE_MESSAGE(sent->reason_code == 0x00, int(sent->reason_code) << "\n" << d.env->describe());
    std::this_thread::sleep_for(300ms);

    // CSD01 §4.14.2: PINGREQ wakes it; the buffered PUBLISH comes, left unacknowledged.
    REQUIRE(s.send(v2_0::pingreq_msg{s.next_packet_id()}).has_value());
    const auto p = s.receive(3s);
    REQUIRE_MESSAGE(p.has_value(), d.env->describe());
    REQUIRE_MESSAGE(std::holds_alternative<v2_0::publish_msg>(*p), v2_0::type_name(*p) << "\n"
                                                                                       << d.env->describe());

    d.ctrl({"disableClient", "v2-user-z"});
    // Design §4: a sensor that is awake is told at once (the PUBLISH may be re-sent meanwhile).
    std::optional<v2_0::disconnect_msg> verdict;
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (!verdict && std::chrono::steady_clock::now() < deadline) {
        auto m = s.receive(500ms);
        if (m)
            if (const auto* x = std::get_if<v2_0::disconnect_msg>(&*m)) verdict = *x;
    }
    REQUIRE_MESSAGE(verdict.has_value(), d.env->describe());
    CHECK(verdict->reason_code == std::optional<std::uint8_t>(0x98));
}
