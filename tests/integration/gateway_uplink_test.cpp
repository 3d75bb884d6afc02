// SPDX-License-Identifier: MIT
// Sensors publish through a real sngw to a real mosquitto; an MQTT 5 subscriber checks topic, payload and
// QoS of what arrives: QoS 0/1/2 to a registered id, a short name and a predefined id, and QoS -1 from
// senders without a session (through the gateway's own upstream connection).
#include "gateway_harness.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

namespace v1_2 = sngw::sn::v1_2;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::sn_client::topic;
using sngw::test::gateway_env;
using sngw::test::payload;
using sngw::test::subscriber;
using v1_2::qos;

mqtt5::qos as_mqtt5(qos q)
{
    return q == qos::two   ? mqtt5::qos::exactly_once
           : q == qos::one ? mqtt5::qos::at_least_once
                           : mqtt5::qos::at_most_once;
}

/// The message the subscriber got with `body`, checked for topic and QoS.
void check_delivered(sngw::test::mqtt_peer& sub, gateway_env& env, const std::string& body,
                     const std::string& topic_name, qos q)
{
    const auto found = sub.wait_for_payload(body);
    REQUIRE_MESSAGE(found.has_value(), "no message '" << body << "' at the subscriber\n" << env.describe());
    CHECK(found->topic == topic_name);
    CHECK(found->qos == as_mqtt5(q));
    CHECK_FALSE(found->retain);
}

} // namespace

TEST_CASE("QoS 0, 1 and 2 publishes to a registered topic id reach an MQTT 5 subscriber")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto sub = subscriber(env.broker.port(), "up/#");
    auto s = env.connected_sensor("uplink-1");
    for (const auto q : {qos::zero, qos::one, qos::two}) {
        const std::string body = "registered qos " + std::to_string(static_cast<int>(q));
        const auto r = s.publish("up/registered", payload(body), q);
        REQUIRE_MESSAGE(r.has_value(), r.error().message() << "\n" << env.describe());
        CHECK(r->return_code == v1_2::return_codes::accepted);
        check_delivered(*sub, env, body, "up/registered", q);
    }
}

TEST_CASE("QoS 0, 1 and 2 publishes to a short topic name and a predefined topic id reach the subscriber")
{
    SNGW_REQUIRE_GATEWAY();
    sngw::test::temp_dir files;
    gateway_env env(gateway_env::with_predefined(gateway_env::default_args(), files / "topics.csv",
                                                 {{1, "up/predefined/one"}, {300, "up/predefined/300"}}));
    auto sub = subscriber(env.broker.port(), "#");
    auto s = env.connected_sensor("uplink-2");
    for (const auto q : {qos::zero, qos::one, qos::two}) {
        const auto n = std::to_string(static_cast<int>(q));
        const auto short_r = s.publish(topic::short_name('u', 'p'), payload("short " + n), q);
        REQUIRE_MESSAGE(short_r.has_value(), short_r.error().message() << "\n" << env.describe());
        CHECK(short_r->return_code == v1_2::return_codes::accepted);
        check_delivered(*sub, env, "short " + n, "up", q);

        const auto pre_r = s.publish(topic::predefined(300), payload("predefined " + n), q);
        REQUIRE_MESSAGE(pre_r.has_value(), pre_r.error().message() << "\n" << env.describe());
        CHECK(pre_r->return_code == v1_2::return_codes::accepted);
        check_delivered(*sub, env, "predefined " + n, "up/predefined/300", q);
    }
}

TEST_CASE("QoS -1 publishes to a short name and a predefined id from senders without a session reach the "
          "subscriber")
{
    SNGW_REQUIRE_GATEWAY();
    sngw::test::temp_dir files;
    gateway_env env(gateway_env::with_predefined(gateway_env::default_args(), files / "topics.csv",
                                                 {{2, "up/minus/two"}}));
    auto sub = subscriber(env.broker.port(), "#");
    // Never connected: QoS -1 needs no session (MQTT-SN v1.2 §6.8).
    auto s = env.sensor("never-connected");
    // The gateway's own upstream connection may still be coming up when it already answers SEARCHGW,
    // and QoS -1 has no acknowledgement: send every 200 ms until one arrives (at most 5 s).
    const auto send_until_seen = [&](sngw::sn_client::topic t, const std::string& body,
                                     const std::string& name) {
        std::optional<sngw::test::mqtt_peer::message> seen;
        for (int i = 0; i < 25 && !seen; ++i) {
            REQUIRE(s.publish(t, payload(body), qos::minus_one).has_value());
            seen = sub->wait_for_topic(name, 200ms);
        }
        REQUIRE_MESSAGE(seen.has_value(), "QoS -1 to '" << name << "' never arrived\n" << env.describe());
        CHECK(seen->payload == body);
        CHECK(seen->qos == mqtt5::qos::at_most_once); // published QoS 0 upstream
    };
    send_until_seen(topic::short_name('q', 'm'), "minus one short", "qm");
    send_until_seen(topic::predefined(2), "minus one predefined", "up/minus/two");
    CHECK(env.gateway->running());
}
