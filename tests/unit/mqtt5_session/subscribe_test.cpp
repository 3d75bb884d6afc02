// SPDX-License-Identifier: MIT
// SUBSCRIBE / UNSUBSCRIBE (MQTT 5.0 §3.8 - §3.11): options, per-filter reason codes, features the
// broker lacks (§3.2.2.3.11 - §3.2.2.3.13) refused locally.
#include "scripted_broker.hpp"

#include <doctest/doctest.h>

namespace {

using namespace sngw::test;
using m5::qos;
using m5::reason_code;
using m5::request_status;

TEST_CASE("SUBSCRIBE carries every subscription option and the SUBACK's per-filter codes are surfaced")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    m5::subscription a{"cmd/sensor-1/#", {qos::exactly_once, true, true, m5::retain_handling::do_not_send}};
    m5::subscription c{"$share/gw/cfg/+",
                       {qos::at_least_once, false, false, m5::retain_handling::send_if_new_subscription}};
    m5::properties props;
    props.subscription_identifiers = {42};
    props.user_properties = {{"origin", "sensor-1"}};
    const auto r = b.subscribe({a, c}, props);
    CHECK(r.status == request_status::sent);
    CHECK(r.packet_id == 1);
    const auto sent = b.expect<m5::subscribe_packet>();
    CHECK(sent.packet_id == 1);
    CHECK(sent.subscriptions == std::vector<m5::subscription>{a, c});
    CHECK(sent.props == props);

    m5::suback_packet ack{1, {}, {reason_code::granted_qos_1, reason_code::not_authorized}};
    ack.props.reason_string = "partly";
    b.send(ack);
    const auto ev = b.expect_event<m5::subscribe_result>();
    CHECK(ev.packet_id == 1);
    CHECK(ev.reason_codes ==
          std::vector<reason_code>{reason_code::granted_qos_1, reason_code::not_authorized});
    CHECK(ev.props.reason_string == "partly");
    CHECK_FALSE(ev.local);
}

TEST_CASE("UNSUBSCRIBE and its per-filter UNSUBACK codes")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    const auto r = b.unsubscribe({"a/b", "c/#"});
    CHECK(r.status == request_status::sent);
    const auto sent = b.expect<m5::unsubscribe_packet>();
    CHECK(sent.topic_filters == std::vector<std::string>{"a/b", "c/#"});
    b.send(
        m5::unsuback_packet{r.packet_id, {}, {reason_code::success, reason_code::no_subscription_existed}});
    const auto ev = b.expect_event<m5::unsubscribe_result>();
    CHECK(ev.packet_id == r.packet_id);
    CHECK(ev.reason_codes ==
          std::vector<reason_code>{reason_code::success, reason_code::no_subscription_existed});
}

TEST_CASE("Wildcard Subscription Available 0: a filter with a wildcard is refused locally with 0xA2")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack;
    ack.props.wildcard_subscription_available = false;
    CHECK_FALSE(b.connect_ok(ack).limits.wildcard_subscription_available);
    for (const char* f : {"a/+", "a/#", "#"}) {
        const auto r = b.subscribe({{f, {}}});
        CHECK(r.status == request_status::refused);
        CHECK(r.reason == reason_code::wildcard_subscriptions_not_supported);
    }
    CHECK(b.nothing_sent());
    CHECK(b.subscribe({{"a/b", {}}}).status == request_status::sent);
}

TEST_CASE("Shared Subscription Available 0: a shared subscription is refused locally with 0x9E")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack;
    ack.props.shared_subscription_available = false;
    b.connect_ok(ack);
    const auto r = b.subscribe({{"a/b", {}}, {"$share/g/a/b", {}}});
    CHECK(r.status == request_status::refused);
    CHECK(r.reason == reason_code::shared_subscriptions_not_supported);
    CHECK(b.nothing_sent());
}

TEST_CASE("Subscription Identifier Available 0: a SUBSCRIBE with one is refused locally with 0xA1")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack;
    ack.props.subscription_identifier_available = false;
    b.connect_ok(ack);
    m5::properties props;
    props.subscription_identifiers = {1};
    const auto r = b.subscribe({{"a/b", {}}}, props);
    CHECK(r.status == request_status::refused);
    CHECK(r.reason == reason_code::subscription_identifiers_not_supported);
    CHECK(b.nothing_sent());
    CHECK(b.subscribe({{"a/b", {}}}).status == request_status::sent);
}

TEST_CASE("bad topic filters are refused locally with 0x8F, No Local on a shared subscription with 0x82")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    CHECK(b.subscribe({{"a/#/b", {}}}).reason == reason_code::topic_filter_invalid);
    CHECK(b.unsubscribe({"a+"}).reason == reason_code::topic_filter_invalid);
    m5::subscribe_options no_local;
    no_local.no_local = true;
    CHECK(b.subscribe({{"$share/g/x", no_local}}).reason == reason_code::protocol_error);
    CHECK(b.nothing_sent());
}

TEST_CASE("SUBSCRIBE and UNSUBSCRIBE need a connected session")
{
    scripted_broker b(basic_config());
    CHECK(b.subscribe({{"a", {}}}).status == request_status::not_connected);
    b.link_up();
    CHECK(b.unsubscribe({"a"}).status == request_status::not_connected);
}

TEST_CASE("a SUBSCRIBE too large for the broker is refused locally with 0x95")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack;
    ack.props.maximum_packet_size = 32;
    b.connect_ok(ack);
    CHECK(b.subscribe({{std::string(40, 'a'), {}}}).reason == reason_code::packet_too_large);
    CHECK(b.nothing_sent());
}

TEST_CASE("requests still waiting when the link ends are completed locally with 0x80")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    const auto s = b.subscribe({{"a", {}}, {"b", {}}});
    const auto u = b.unsubscribe({"c"});
    b.link_down();
    CHECK(b.expect_event<m5::link_lost>().cause == m5::link_lost_cause::link_down);
    const auto sr = b.expect_event<m5::subscribe_result>();
    CHECK(sr.packet_id == s.packet_id);
    CHECK(sr.local);
    CHECK(sr.reason_codes == std::vector<reason_code>(2, reason_code::unspecified_error));
    const auto ur = b.expect_event<m5::unsubscribe_result>();
    CHECK(ur.packet_id == u.packet_id);
    CHECK(ur.local);
    CHECK(ur.reason_codes == std::vector<reason_code>{reason_code::unspecified_error});
    CHECK(b.no_events());
}

TEST_CASE("a SUBACK with the wrong number of reason codes is a protocol error")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    const auto r = b.subscribe({{"a", {}}, {"b", {}}});
    b.expect<m5::subscribe_packet>();
    b.send(m5::suback_packet{r.packet_id, {}, {reason_code::granted_qos_0}});
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
    b.expect_event<m5::protocol_error_detected>();
    // The request is completed locally after the event that ended the link.
    CHECK(b.expect_event<m5::subscribe_result>().local);
}

TEST_CASE("a SUBACK for an unknown packet id is ignored")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(m5::suback_packet{99, {}, {reason_code::granted_qos_0}});
    CHECK(b.no_events());
    CHECK(b.link_open());
}

} // namespace
