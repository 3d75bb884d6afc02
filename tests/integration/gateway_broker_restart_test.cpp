// SPDX-License-Identifier: MIT
// The broker is killed (SIGKILL) and restarted on the same port in the middle of a sensor's QoS 1
// stream. End-to-end acknowledgements (design §3) mean a PUBACK reaches the sensor only after the
// broker's PUBACK, so every message the sensor got a PUBACK for must reach the subscriber.
#include "gateway_harness.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace v1_2 = sngw::sn::v1_2;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::test::gateway_env;
using sngw::test::mqtt_peer;
using sngw::test::payload;
using v1_2::qos;
using clock_type = std::chrono::steady_clock;

} // namespace

TEST_CASE("every QoS 1 message a sensor got a PUBACK for reaches the subscriber across a broker restart")
{
    SNGW_REQUIRE_GATEWAY();
    // The subscriber's session must survive the broker's death, or messages the broker accepts after the
    // restart, before the subscriber is back, would have no subscription to go to: persistence on, saved
    // every second (a SIGKILL skips the save at exit), and the subscription made well before the kill.
    sngw::test::mosquitto_config broker_config;
    broker_config.extra_lines = {"persistence true", "persistence_location {dir}/", "autosave_interval 1"};
    gateway_env env(gateway_env::default_args(), broker_config);
    // Clean Start 0 from the first CONNECT: mosquitto 2.0.11 does not restore a session begun with
    // Clean Start 1 from its database, whatever its Session Expiry (checked with mosquitto_sub -x 600).
    mqtt_peer sub({.port = env.broker.port(),
                   .client_id = "restart-observer",
                   .clean_start = false,
                   .session_expiry = 600,
                   .reconnect = true});
    REQUIRE(sub.connect());
    REQUIRE(sub.subscribe("stream/#", mqtt5::qos::at_least_once) == mqtt5::reason_code::granted_qos_1);

    auto o = env.sensor_options("streamer");
    o.reply_timeout = 1s;
    o.retries = 2; // a sensor's own T_RETRY / N_RETRY: the DUP re-send of an unanswered PUBLISH
    auto s = env.connected_sensor(o);
    s.options().clean_session = false; // reconnects resume the session
    auto topic_id = s.register_topic("stream/one");
    REQUIRE(topic_id.has_value());
    REQUIRE(topic_id->return_code == v1_2::return_codes::accepted);
    // Wait until an autosave after the subscription is on disk (mosquitto.db written after it).
    const auto subscribed_at = std::filesystem::file_time_type::clock::now();
    const auto db = env.broker.dir() / "mosquitto.db";
    bool saved = false;
    for (int i = 0; i < 100 && !saved; ++i) {
        std::this_thread::sleep_for(50ms);
        std::error_code ec;
        const auto written = std::filesystem::last_write_time(db, ec);
        saved = !ec && written > subscribed_at;
    }
    REQUIRE_MESSAGE(saved, "mosquitto did not save its database within 5 s\n" << env.describe());

    std::set<std::string> acked;
    std::ostringstream story; // what the sensor saw, for the failure message
    int next = 0;
    int acked_after_restart = 0;
    enum class phase { before, down, after } now = phase::before;
    clock_type::time_point killed_at{};
    clock_type::time_point restarted_at{};
    const auto give_up = clock_type::now() + 40s;

    while (clock_type::now() < give_up) {
        if (now == phase::before && acked.size() >= 20) {
            env.broker.kill();
            killed_at = clock_type::now();
            now = phase::down;
            story << "[broker killed after " << next << " messages]\n";
        }
        if (now == phase::down && clock_type::now() - killed_at >= 1s) {
            env.broker.restart();
            restarted_at = clock_type::now();
            now = phase::after;
            story << "[broker restarted]\n";
        }
        if (now == phase::after && acked_after_restart >= 20) break;

        const std::string body = "m-" + std::to_string(next++);
        const auto r = s.publish(sngw::sn_client::topic::normal(topic_id->topic_id), payload(body), qos::one);
        if (r && r->return_code == v1_2::return_codes::accepted) {
            acked.insert(body);
            if (now == phase::after) ++acked_after_restart;
            continue;
        }
        if (r) {
            story << body << ": PUBACK return code " << int(r->return_code) << "\n";
            if (r->return_code == v1_2::return_codes::rejected_invalid_topic_id) {
                // The gateway no longer knows the id (§6.8: the sensor registers the name again).
                auto again = s.register_topic("stream/one");
                story << "  REGISTER: "
                      << (again ? "REGACK " + std::to_string(again->return_code) + " id " +
                                      std::to_string(again->topic_id)
                                : again.error().message())
                      << "\n";
                if (again && again->return_code == v1_2::return_codes::accepted) topic_id = *again;
            } else {
                std::this_thread::sleep_for(100ms);
            }
            continue;
        }
        story << body << ": " << r.error().message() << "\n";
        if (r.error() == sngw::sn_client::errc::disconnected) {
            // The gateway gave the sensor up: connect again (clean session 0) until it is accepted.
            const auto c = s.connect();
            story << "  reconnect: " << (c ? "CONNACK " + std::to_string(*c) : c.error().message()) << "\n";
            if (!c || *c != v1_2::return_codes::accepted) std::this_thread::sleep_for(200ms);
        }
    }
    INFO("sensor's story:\n" << story.str());
    INFO(env.describe());
    REQUIRE(now == phase::after);
    CHECK_MESSAGE(acked_after_restart >= 20, "the stream did not recover within 40 s of the start");

    // Every acknowledged message at the subscriber (it reconnects by itself after the restart).
    const auto all_in = [&] {
        std::set<std::string> seen;
        for (const auto& m : sub.messages())
            seen.insert(m.payload);
        std::vector<std::string> missing;
        for (const auto& b : acked)
            if (!seen.count(b)) missing.push_back(b);
        return missing;
    };
    std::vector<std::string> missing = all_in();
    for (int i = 0; i < 100 && !missing.empty(); ++i) {
        std::this_thread::sleep_for(100ms);
        missing = all_in();
    }
    std::ostringstream list;
    for (const auto& m : missing)
        list << m << " ";
    CHECK_MESSAGE(missing.empty(),
                  missing.size() << " of " << acked.size()
                                 << " acknowledged messages never reached the subscriber: " << list.str());
    MESSAGE(acked.size()
            << " messages acknowledged, " << acked_after_restart << " after the restart, " << next
            << " sent; restart took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(restarted_at - killed_at).count()
            << " ms");
}
