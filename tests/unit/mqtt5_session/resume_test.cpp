// SPDX-License-Identifier: MIT
// Session resumption (MQTT 5.0 §4.4): re-sending PUBLISH with DUP and PUBREL, in order, within the
// new connection's Receive Maximum; Session Present 0 discarding the in-flight state (§3.2.2.1.1).
#include "scripted_broker.hpp"

#include <doctest/doctest.h>

namespace {

using namespace sngw::test;
using m5::qos;
using m5::reason_code;
using m5::request_status;

m5::session_config persistent_config()
{
    auto cfg = basic_config();
    cfg.connect.props.session_expiry_interval = 3600;
    return cfg;
}

// Four outbound messages in every state: 1 QoS 1 unacked, 2 QoS 2 PUBREC'd (awaiting PUBCOMP),
// 3 QoS 2 unacked, 4 queued behind Receive Maximum 3.
void four_in_flight(scripted_broker& b)
{
    m5::connack_packet ack;
    ack.props.receive_maximum = 3;
    b.connect_ok(ack);
    REQUIRE(b.publish("m/1", "1", qos::at_least_once).packet_id == 1);
    REQUIRE(b.publish("m/2", "2", qos::exactly_once).packet_id == 2);
    REQUIRE(b.publish("m/3", "3", qos::exactly_once).packet_id == 3);
    REQUIRE(b.publish("m/4", "4", qos::at_least_once).status == request_status::queued);
    b.expect_publish();
    b.expect_publish();
    b.expect_publish();
    b.send(m5::pubrec_packet{2, reason_code::success, {}});
    b.expect<m5::pubrel_packet>();
    REQUIRE(b.nothing_sent());
}

TEST_CASE("on resume, unacknowledged PUBLISHes are re-sent with DUP 1 and PUBRELs re-sent, in order")
{
    scripted_broker b(persistent_config());
    four_in_flight(b);
    b.link_down();
    CHECK(b.expect_event<m5::link_lost>().cause == m5::link_lost_cause::link_down);
    CHECK(b.session().in_flight() == 0);
    CHECK(b.session().outbound_pending() == 4);

    b.advance(2s);
    m5::connack_packet ack;
    ack.session_present = true;
    const auto c = b.connect(ack);
    CHECK_FALSE(c.clean_start);
    CHECK(b.expect_event<m5::connected>().session_present);
    CHECK(b.no_events());

    auto p = b.expect_publish();
    CHECK(p.packet.packet_id == 1);
    CHECK(p.packet.dup);
    CHECK(p.topic == "m/1");
    CHECK(p.packet.payload == bytes("1"));
    CHECK(b.expect<m5::pubrel_packet>().packet_id == 2);
    p = b.expect_publish();
    CHECK(p.packet.packet_id == 3);
    CHECK(p.packet.dup);
    CHECK(p.packet.qos == qos::exactly_once);
    p = b.expect_publish(); // never sent before: not a duplicate
    CHECK(p.packet.packet_id == 4);
    CHECK_FALSE(p.packet.dup);
    CHECK(b.nothing_sent());

    b.send(m5::puback_packet{1, reason_code::success, {}});
    b.send(m5::pubcomp_packet{2, reason_code::success, {}});
    b.send(m5::pubrec_packet{3, reason_code::success, {}});
    CHECK(b.expect<m5::pubrel_packet>().packet_id == 3);
    b.send(m5::pubcomp_packet{3, reason_code::success, {}});
    b.send(m5::puback_packet{4, reason_code::success, {}});
    for (std::uint16_t id = 1; id <= 4; ++id) {
        const auto done = b.expect_event<m5::publish_completed>();
        CHECK(done.packet_id == id);
        CHECK(done.reason == reason_code::success);
    }
    CHECK(b.session().outbound_pending() == 0);
}

TEST_CASE("the re-sending respects the new connection's Receive Maximum and keeps order")
{
    scripted_broker b(persistent_config());
    four_in_flight(b);
    b.link_down();
    b.expect_event<m5::link_lost>();

    m5::connack_packet ack;
    ack.session_present = true;
    ack.props.receive_maximum = 1;
    b.connect(ack);
    b.expect_event<m5::connected>();
    auto p = b.expect_publish();
    CHECK(p.packet.packet_id == 1);
    CHECK(p.packet.dup);
    CHECK(b.nothing_sent());

    b.send(m5::puback_packet{1, reason_code::success, {}});
    b.expect_event<m5::publish_completed>();
    CHECK(b.expect<m5::pubrel_packet>().packet_id == 2); // a re-sent PUBREL holds the slot
    CHECK(b.nothing_sent());
    b.send(m5::pubcomp_packet{2, reason_code::success, {}});
    b.expect_event<m5::publish_completed>();
    p = b.expect_publish();
    CHECK(p.packet.packet_id == 3);
    CHECK(p.packet.dup);
    CHECK(b.nothing_sent());
}

TEST_CASE("re-sent PUBLISHes carry their full topic: topic aliases do not survive the connection")
{
    scripted_broker b(persistent_config());
    m5::connack_packet ack;
    ack.props.topic_alias_maximum = 5;
    b.connect_ok(ack);
    b.publish("long/topic/name", "1", qos::at_least_once);
    b.publish("long/topic/name", "2", qos::at_least_once);
    CHECK(b.expect_publish().packet.topic == "long/topic/name");
    auto second = b.expect_publish();
    CHECK(second.packet.topic.empty());
    CHECK(second.packet.props.topic_alias == 1);
    b.link_down();
    b.expect_event<m5::link_lost>();

    m5::connack_packet again;
    again.session_present = true;
    b.connect(again); // no Topic Alias Maximum this time
    b.expect_event<m5::connected>();
    for (int i = 0; i < 2; ++i) {
        const auto p = b.expect_publish();
        CHECK(p.packet.topic == "long/topic/name");
        CHECK_FALSE(p.packet.props.topic_alias);
        CHECK(p.packet.dup);
    }
}

TEST_CASE("Session Present 0 after we expected a session drops the in-flight state and surfaces it")
{
    scripted_broker b(persistent_config());
    four_in_flight(b);
    b.send(m5::publish_packet{false, qos::at_least_once, false, "in/1", 50, {}, bytes("a")});
    b.send(m5::publish_packet{false, qos::exactly_once, false, "in/2", 51, {}, bytes("b")});
    b.expect_event<m5::message_received>();
    b.expect_event<m5::message_received>();
    b.link_down();
    b.expect_event<m5::link_lost>();

    m5::connack_packet ack; // Session Present 0: the broker lost (or expired) the session
    CHECK_FALSE(b.connect(ack).clean_start);
    CHECK_FALSE(b.expect_event<m5::connected>().session_present);
    const auto dropped = b.expect_event<m5::session_state_dropped>();
    CHECK(dropped.outbound == std::vector<std::uint16_t>{1, 2, 3});
    CHECK(dropped.inbound == std::vector<std::uint16_t>{50, 51});
    // The queued one was never sent: it is not session state and goes out now, as new.
    const auto p = b.expect_publish();
    CHECK(p.packet.packet_id == 4);
    CHECK_FALSE(p.packet.dup);
    CHECK(b.nothing_sent());
    CHECK(b.no_events());
    CHECK(b.session().outbound_pending() == 1);
    CHECK(b.session().inbound_pending() == 0);

    b.acknowledge(50); // forgotten: nothing
    CHECK(b.nothing_sent());
    b.send(m5::puback_packet{1, reason_code::success, {}}); // a late ack for a dropped id: ignored
    CHECK(b.no_events());
}

TEST_CASE(
    "a late acknowledge of a message dropped by Session Present 0 never acks the new message with its id")
{
    // Design §3: the sensor acks the OLD message; the new broker session reuses packet id 1.
    scripted_broker b(persistent_config());
    b.connect_ok();
    b.send(m5::publish_packet{false, qos::at_least_once, false, "in/old", 1, {}, bytes("old")});
    const auto old_delivery = b.expect_event<m5::message_received>().delivery;
    CHECK(old_delivery.value != 0);
    b.link_down();
    b.expect_event<m5::link_lost>();

    b.connect(); // Session Present 0
    b.expect_event<m5::connected>();
    const auto dropped = b.expect_event<m5::session_state_dropped>();
    CHECK(dropped.inbound == std::vector<std::uint16_t>{1});
    CHECK(dropped.inbound_deliveries == std::vector<m5::delivery_token>{old_delivery});
    b.send(m5::publish_packet{false, qos::at_least_once, false, "in/new", 1, {}, bytes("new")});
    const auto fresh = b.expect_event<m5::message_received>();
    CHECK(fresh.message.topic == "in/new");
    CHECK(fresh.delivery != old_delivery);

    b.acknowledge(old_delivery);
    CHECK(b.nothing_sent()); // the new message 1 is still the sensor's to acknowledge
    CHECK(b.session().inbound_pending() == 1);

    b.acknowledge(fresh.delivery);
    const auto ack = b.expect<m5::puback_packet>();
    CHECK(ack.packet_id == 1);
    b.acknowledge(fresh.delivery); // already acknowledged: nothing
    CHECK(b.nothing_sent());
}

TEST_CASE("on resume, a re-send above the new connection's Maximum QoS is completed locally with 0x9B")
{
    scripted_broker b(persistent_config());
    b.connect_ok();
    b.publish("q2", "2", qos::exactly_once);
    b.publish("q1", "1", qos::at_least_once);
    b.expect_publish();
    b.expect_publish();
    b.link_down();
    b.expect_event<m5::link_lost>();

    m5::connack_packet ack;
    ack.session_present = true;
    ack.props.maximum_qos = qos::at_least_once; // lowered since
    b.connect(ack);
    b.expect_event<m5::connected>();
    const auto done = b.expect_event<m5::publish_completed>();
    CHECK(done.packet_id == 1);
    CHECK(done.reason == reason_code::qos_not_supported);
    CHECK(done.local);
    const auto p = b.expect_publish(); // the QoS 1 one is still re-sent
    CHECK(p.packet.packet_id == 2);
    CHECK(p.packet.dup);
    CHECK(b.nothing_sent());
    CHECK(b.session().outbound_pending() == 1);
}

TEST_CASE("Session Present 0 with nothing in flight surfaces nothing")
{
    scripted_broker b(persistent_config());
    b.connect_ok();
    b.link_down();
    b.expect_event<m5::link_lost>();
    b.connect();
    b.expect_event<m5::connected>();
    CHECK(b.no_events());
}

TEST_CASE("an explicit Clean Start drops the in-flight state at CONNACK")
{
    scripted_broker b(persistent_config());
    b.connect_ok();
    b.publish("x", "1", qos::at_least_once);
    b.expect_publish();
    b.abort();
    CHECK(b.closed() == m5::close_mode::abrupt);
    b.session().set_clean_start(true);
    CHECK(b.connect().clean_start);
    b.expect_event<m5::connected>();
    CHECK(b.expect_event<m5::session_state_dropped>().outbound == std::vector<std::uint16_t>{1});
}

} // namespace
