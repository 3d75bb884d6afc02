// SPDX-License-Identifier: MIT
// An MQTT 5 publisher feeds sensors through a real sngw: wildcard subscriptions (the gateway REGISTERs
// the topic before its first PUBLISH, MQTT-SN v1.2 §6.10), subscriptions by name (the SUBACK's id),
// short names and predefined ids, and QoS 2 with its full flow toward the sensor.
#include "gateway_harness.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <variant>

namespace {

namespace v1_2 = sngw::sn::v1_2;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::sn_client::topic;
using sngw::test::gateway_env;
using sngw::test::publisher;
using v1_2::qos;

std::string show(const v1_2::message& m)
{
    std::ostringstream os;
    os << m;
    return os.str();
}

/// The next message the sensor gets, or the test fails with the gateway's log.
v1_2::message next(sngw::sn_client::client& s, gateway_env& env, std::chrono::milliseconds limit = 5s)
{
    auto m = s.receive(limit);
    REQUIRE_MESSAGE(m.has_value(), "sensor received nothing: " << m.error().message() << "\n"
                                                               << env.describe());
    return *m;
}

} // namespace

TEST_CASE("a message on a wildcard subscription is delivered with REGISTER before the PUBLISH")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto s = env.connected_sensor("downlink-1");
    const auto suback = s.subscribe("dl/+/cmd", qos::one);
    REQUIRE_MESSAGE(suback.has_value(), suback.error().message() << "\n" << env.describe());
    CHECK(suback->return_code == v1_2::return_codes::accepted);
    CHECK(suback->topic_id == 0); // §6.9: a wildcard filter gets topic id 0x0000
    CHECK(suback->q == qos::one);

    auto pub = publisher(env.broker.port());
    REQUIRE(pub->publish("dl/a/cmd", "on", mqtt5::qos::at_least_once) == mqtt5::reason_code::success);
    const auto first = next(s, env);
    const auto* reg = std::get_if<v1_2::register_msg>(&first);
    REQUIRE_MESSAGE(reg != nullptr, "expected REGISTER, got " << show(first));
    CHECK(reg->topic_name == "dl/a/cmd");
    CHECK(reg->topic_id != 0);
    // The client answered REGACK as the REGISTER arrived; now the PUBLISH with that id.
    const auto second = next(s, env);
    const auto* p = std::get_if<v1_2::publish_msg>(&second);
    REQUIRE_MESSAGE(p != nullptr, "expected PUBLISH, got " << show(second));
    CHECK(p->topic_id_type == v1_2::topic_id_type::normal);
    CHECK(p->topic_id == reg->topic_id);
    CHECK(p->q == qos::one);
    CHECK(sngw::test::text(p->data) == "on");

    // The same topic again: the id is known, no second REGISTER.
    REQUIRE(pub->publish("dl/a/cmd", "off", mqtt5::qos::at_least_once) == mqtt5::reason_code::success);
    const auto third = next(s, env);
    const auto* p2 = std::get_if<v1_2::publish_msg>(&third);
    REQUIRE_MESSAGE(p2 != nullptr, "expected PUBLISH, got " << show(third));
    CHECK(p2->topic_id == reg->topic_id);
    CHECK(sngw::test::text(p2->data) == "off");

    // Another topic under the filter: a new REGISTER with another id.
    REQUIRE(pub->publish("dl/b/cmd", "b", mqtt5::qos::at_most_once) == mqtt5::reason_code::success);
    const auto fourth = next(s, env);
    const auto* reg_b = std::get_if<v1_2::register_msg>(&fourth);
    REQUIRE_MESSAGE(reg_b != nullptr, "expected REGISTER, got " << show(fourth));
    CHECK(reg_b->topic_name == "dl/b/cmd");
    CHECK(reg_b->topic_id != reg->topic_id);
    const auto fifth = next(s, env);
    const auto* p3 = std::get_if<v1_2::publish_msg>(&fifth);
    REQUIRE_MESSAGE(p3 != nullptr, "expected PUBLISH, got " << show(fifth));
    CHECK(p3->topic_id == reg_b->topic_id);
    CHECK(p3->q == qos::zero);
}

TEST_CASE("a subscription by topic name gets its topic id in the SUBACK and messages come with it")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto s = env.connected_sensor("downlink-2");
    const auto suback = s.subscribe("dl/exact", qos::one);
    REQUIRE_MESSAGE(suback.has_value(), suback.error().message() << "\n" << env.describe());
    CHECK(suback->return_code == v1_2::return_codes::accepted);
    REQUIRE(suback->topic_id != 0);

    auto pub = publisher(env.broker.port());
    REQUIRE(pub->publish("dl/exact", "x", mqtt5::qos::at_least_once) == mqtt5::reason_code::success);
    const auto m = next(s, env);
    const auto* p = std::get_if<v1_2::publish_msg>(&m);
    REQUIRE_MESSAGE(p != nullptr, "expected PUBLISH (no REGISTER), got " << show(m));
    CHECK(p->topic_id_type == v1_2::topic_id_type::normal);
    CHECK(p->topic_id == suback->topic_id);
    CHECK(sngw::test::text(p->data) == "x");

    // After UNSUBSCRIBE nothing more comes.
    REQUIRE(s.unsubscribe("dl/exact").has_value());
    // No subscriber left: mosquitto answers 0x10 No matching subscribers.
    REQUIRE(sngw::test::accepted(pub->publish("dl/exact", "y", mqtt5::qos::at_least_once)));
    const auto none = s.receive(700ms);
    CHECK_MESSAGE(none.has_error(), "after UNSUBSCRIBE the sensor got " << (none ? show(*none) : std::string{}));
}

TEST_CASE("subscriptions by short name and by predefined id deliver with that topic id type")
{
    SNGW_REQUIRE_GATEWAY();
    sngw::test::temp_dir files;
    gateway_env env(gateway_env::with_predefined(gateway_env::default_args(), files / "topics.csv",
                                                 {{40, "dl/pre/forty"}}));
    auto s = env.connected_sensor("downlink-3");
    const auto short_ack = s.subscribe(topic::short_name('d', 's'), qos::zero);
    REQUIRE(short_ack.has_value());
    CHECK(short_ack->return_code == v1_2::return_codes::accepted);
    CHECK(short_ack->topic_id == 0); // §6.9
    const auto pre_ack = s.subscribe(topic::predefined(40), qos::one);
    REQUIRE(pre_ack.has_value());
    CHECK(pre_ack->return_code == v1_2::return_codes::accepted);
    CHECK(pre_ack->topic_id == 40);
    // An unknown predefined id is refused (§6.9: invalid topic id).
    const auto bad_ack = s.subscribe(topic::predefined(41), qos::one);
    REQUIRE(bad_ack.has_value());
    CHECK(bad_ack->return_code == v1_2::return_codes::rejected_invalid_topic_id);

    auto pub = publisher(env.broker.port());
    REQUIRE(pub->publish("ds", "short", mqtt5::qos::at_most_once) == mqtt5::reason_code::success);
    const auto m1 = next(s, env);
    const auto* p1 = std::get_if<v1_2::publish_msg>(&m1);
    REQUIRE_MESSAGE(p1 != nullptr, "expected PUBLISH, got " << show(m1));
    CHECK(p1->topic_id_type == v1_2::topic_id_type::short_name);
    CHECK(p1->topic_id == topic::short_name('d', 's').id);
    CHECK(sngw::test::text(p1->data) == "short");

    REQUIRE(pub->publish("dl/pre/forty", "pre", mqtt5::qos::at_least_once) == mqtt5::reason_code::success);
    const auto m2 = next(s, env);
    const auto* p2 = std::get_if<v1_2::publish_msg>(&m2);
    REQUIRE_MESSAGE(p2 != nullptr, "expected PUBLISH, got " << show(m2));
    CHECK(p2->topic_id_type == v1_2::topic_id_type::predefined);
    CHECK(p2->topic_id == 40);
    CHECK(p2->q == qos::one);
}

TEST_CASE("a QoS 2 message to a sensor runs PUBLISH, PUBREC, PUBREL and PUBCOMP")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto s = env.connected_sensor("downlink-4");
    const auto suback = s.subscribe("dl/two", qos::two);
    REQUIRE(suback.has_value());
    CHECK(suback->q == qos::two);

    auto pub = publisher(env.broker.port());
    REQUIRE(pub->publish("dl/two", "exactly once", mqtt5::qos::exactly_once) == mqtt5::reason_code::success);
    const auto m1 = next(s, env);
    const auto* p = std::get_if<v1_2::publish_msg>(&m1);
    REQUIRE_MESSAGE(p != nullptr, "expected PUBLISH, got " << show(m1));
    CHECK(p->q == qos::two);
    CHECK(sngw::test::text(p->data) == "exactly once");
    // The client sent PUBREC as the PUBLISH arrived; the gateway releases it.
    const auto m2 = next(s, env);
    const auto* rel = std::get_if<v1_2::pubrel_msg>(&m2);
    REQUIRE_MESSAGE(rel != nullptr, "expected PUBREL, got " << show(m2));
    CHECK(rel->msg_id == p->msg_id);
    // PUBCOMP went out; nothing is re-sent afterwards (retry interval 1 s).
    const auto none = s.receive(1500ms);
    CHECK_MESSAGE(none.has_error(), "after PUBCOMP the sensor got " << (none ? show(*none) : std::string{}));
}
