// SPDX-License-Identifier: MIT
// PUBLISH from the broker: QoS 0/1/2 with end-to-end acks (design §3), duplicates (MQTT 5.0 §4.3.3),
// inbound topic aliases (§3.3.2.3.4), our Receive Maximum (§4.9).
#include "scripted_broker.hpp"

#include <doctest/doctest.h>

namespace {

using namespace sngw::test;
using m5::qos;
using m5::reason_code;

m5::publish_packet incoming(qos q, std::uint16_t id, std::string topic = "cmd/sensor-1",
                            std::string_view payload = "on")
{
    m5::publish_packet p;
    p.qos = q;
    p.packet_id = q == qos::at_most_once ? 0 : id;
    p.topic = std::move(topic);
    p.payload = bytes(payload);
    return p;
}

TEST_CASE("an inbound QoS 0 PUBLISH is delivered with everything it carries and answered with nothing")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    auto p = incoming(qos::at_most_once, 0);
    p.retain = true;
    p.props.content_type = "text/plain";
    p.props.subscription_identifiers = {7};
    p.props.user_properties = {{"a", "b"}};
    b.send(p);
    const auto ev = b.expect_event<m5::message_received>();
    CHECK(ev.message == p);
    CHECK(b.nothing_sent());
    CHECK(b.session().inbound_pending() == 0);
}

TEST_CASE("an inbound QoS 1 PUBLISH is PUBACKed only when the gateway acknowledges it")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(incoming(qos::at_least_once, 12));
    const auto ev = b.expect_event<m5::message_received>();
    CHECK(ev.message.packet_id == 12);
    CHECK(ev.message.qos == qos::at_least_once);
    b.advance(3s); // the sensor takes its time
    CHECK(b.nothing_sent());
    CHECK(b.session().inbound_pending() == 1);

    SUBCASE("a duplicate before the acknowledgement is not delivered again")
    {
        auto dup = incoming(qos::at_least_once, 12);
        dup.dup = true;
        b.send(dup);
        CHECK(b.no_events());
        CHECK(b.nothing_sent());
    }
    b.acknowledge(12);
    const auto ack = b.expect<m5::puback_packet>();
    CHECK(ack.packet_id == 12);
    CHECK(ack.reason == reason_code::success);
    CHECK(to_hex(b.wire().back()) == "40 02 00 0c"); // PUBACK id 12, Success in short form
    CHECK(b.session().inbound_pending() == 0);

    b.acknowledge(12); // twice: nothing
    CHECK(b.nothing_sent());
}

TEST_CASE("the gateway's acknowledgement carries its reason code, one PUBACK cannot carry becomes 0x80")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(incoming(qos::at_least_once, 1));
    b.send(incoming(qos::at_least_once, 2));
    b.acknowledge(1, reason_code::quota_exceeded);
    CHECK(b.expect<m5::puback_packet>().reason == reason_code::quota_exceeded);
    b.acknowledge(2, reason_code::server_moved);
    CHECK(b.expect<m5::puback_packet>().reason == reason_code::unspecified_error);
}

TEST_CASE("an inbound QoS 2 PUBLISH: PUBREC on acknowledge, PUBCOMP on PUBREL, never delivered twice")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(incoming(qos::exactly_once, 5));
    CHECK(b.expect_event<m5::message_received>().message.qos == qos::exactly_once);
    CHECK(b.nothing_sent());

    auto dup = incoming(qos::exactly_once, 5);
    dup.dup = true;
    b.send(dup); // before the gateway acknowledged: silently absorbed
    CHECK(b.no_events());
    CHECK(b.nothing_sent());

    b.acknowledge(5);
    const auto rec = b.expect<m5::pubrec_packet>();
    CHECK(rec.packet_id == 5);
    CHECK(rec.reason == reason_code::success);

    b.send(dup); // after PUBREC, before PUBREL: PUBREC again, no delivery (§4.3.3)
    CHECK(b.no_events());
    CHECK(b.expect<m5::pubrec_packet>().packet_id == 5);

    b.send(m5::pubrel_packet{5, reason_code::success, {}});
    const auto comp = b.expect<m5::pubcomp_packet>();
    CHECK(comp.packet_id == 5);
    CHECK(comp.reason == reason_code::success);
    CHECK(b.session().inbound_pending() == 0);
    CHECK(b.no_events());

    // The id is free again: a new message with it is delivered.
    b.send(incoming(qos::exactly_once, 5, "cmd/other"));
    CHECK(b.expect_event<m5::message_received>().message.topic == "cmd/other");
}

TEST_CASE("an inbound QoS 2 PUBLISH refused by the gateway ends with PUBREC 0x80 and no PUBREL is expected")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(incoming(qos::exactly_once, 8));
    b.expect_event<m5::message_received>();
    b.acknowledge(8, reason_code::unspecified_error);
    CHECK(b.expect<m5::pubrec_packet>().reason == reason_code::unspecified_error);
    CHECK(b.session().inbound_pending() == 0);
}

TEST_CASE("a PUBREL for an unknown packet id is answered with PUBCOMP 0x92")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(m5::pubrel_packet{44, reason_code::success, {}});
    const auto comp = b.expect<m5::pubcomp_packet>();
    CHECK(comp.packet_id == 44);
    CHECK(comp.reason == reason_code::packet_identifier_not_found);
}

TEST_CASE("a PUBREL before our PUBREC is a protocol error")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(incoming(qos::exactly_once, 3));
    b.expect_event<m5::message_received>();
    b.send(m5::pubrel_packet{3, reason_code::success, {}});
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
    b.expect_event<m5::protocol_error_detected>();
}

TEST_CASE("inbound topic aliases are resolved, re-mapped, and forgotten with the connection")
{
    auto cfg = basic_config();
    cfg.connect.props.topic_alias_maximum = 4;
    scripted_broker b(cfg);
    b.connect_ok();

    auto first = incoming(qos::at_most_once, 0, "building/1/setpoint", "21");
    first.props.topic_alias = 3;
    b.send(first);
    auto ev = b.expect_event<m5::message_received>();
    CHECK(ev.message.topic == "building/1/setpoint");
    CHECK_FALSE(ev.message.props.topic_alias); // the gateway never sees aliases

    auto aliased = incoming(qos::at_least_once, 9, "", "22");
    aliased.props.topic_alias = 3;
    b.send(aliased);
    ev = b.expect_event<m5::message_received>();
    CHECK(ev.message.topic == "building/1/setpoint");
    CHECK(ev.message.payload == bytes("22"));
    CHECK(ev.message.packet_id == 9);

    auto remap = incoming(qos::at_most_once, 0, "building/2/setpoint", "19");
    remap.props.topic_alias = 3;
    b.send(remap);
    b.expect_event<m5::message_received>();
    auto again = incoming(qos::at_most_once, 0, "", "18");
    again.props.topic_alias = 3;
    b.send(again);
    CHECK(b.expect_event<m5::message_received>().message.topic == "building/2/setpoint");

    // A new connection starts without mappings (§3.3.2.3.4).
    b.link_down();
    b.expect_event<m5::link_lost>();
    m5::connack_packet ack;
    ack.session_present = true;
    b.connect(ack);
    b.expect_event<m5::connected>();
    b.send(again);
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
}

TEST_CASE("an unknown inbound topic alias is a protocol error: DISCONNECT 0x82")
{
    auto cfg = basic_config();
    cfg.connect.props.topic_alias_maximum = 4;
    scripted_broker b(cfg);
    b.connect_ok();
    auto p = incoming(qos::at_most_once, 0, "", "x");
    p.props.topic_alias = 2;
    b.send(p);
    const auto d = b.expect<m5::disconnect_packet>();
    CHECK(d.reason == reason_code::protocol_error);
    CHECK(b.closed() == m5::close_mode::graceful);
    const auto ev = b.expect_event<m5::protocol_error_detected>();
    CHECK(ev.sent == d);
    CHECK_FALSE(ev.error);
    CHECK(b.no_events());
}

TEST_CASE("an inbound topic alias above our Topic Alias Maximum is DISCONNECT 0x94")
{
    auto cfg = basic_config();
    cfg.connect.props.topic_alias_maximum = 4;
    scripted_broker b(cfg);
    b.connect_ok();
    auto p = incoming(qos::at_most_once, 0, "a/b", "x");
    p.props.topic_alias = 5;
    b.send(p);
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::topic_alias_invalid);
    CHECK(b.expect_event<m5::protocol_error_detected>().sent.reason == reason_code::topic_alias_invalid);
    CHECK(b.no_events());
}

TEST_CASE("any inbound topic alias when we announced none is DISCONNECT 0x94")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    auto p = incoming(qos::at_most_once, 0, "a/b", "x");
    p.props.topic_alias = 1;
    b.send(p);
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::topic_alias_invalid);
}

TEST_CASE("the broker exceeding our Receive Maximum is DISCONNECT 0x93")
{
    auto cfg = basic_config();
    cfg.connect.props.receive_maximum = 2; // the sensor buffers two messages
    scripted_broker b(cfg);
    b.connect_ok();
    b.send(incoming(qos::at_least_once, 1));
    b.send(incoming(qos::exactly_once, 2));
    b.expect_event<m5::message_received>();
    b.expect_event<m5::message_received>();
    b.send(incoming(qos::at_most_once, 0)); // QoS 0 does not count
    b.expect_event<m5::message_received>();

    SUBCASE("an acknowledged QoS 1 frees its place")
    {
        b.acknowledge(1);
        b.expect<m5::puback_packet>();
        b.send(incoming(qos::at_least_once, 3));
        b.expect_event<m5::message_received>();
        CHECK(b.link_open());
    }
    SUBCASE("a QoS 2 holds its place until PUBREL")
    {
        b.acknowledge(2);
        b.expect<m5::pubrec_packet>();
        b.send(incoming(qos::at_least_once, 3));
        CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::receive_maximum_exceeded);
        CHECK(b.expect_event<m5::protocol_error_detected>().sent.reason ==
              reason_code::receive_maximum_exceeded);
    }
}

TEST_CASE("after resume, QoS 2 messages awaiting PUBREL do not count against our Receive Maximum")
{
    // MQTT 5.0 §4.9: the quota is per Network Connection.
    auto cfg = basic_config();
    cfg.connect.props.session_expiry_interval = 300;
    cfg.connect.props.receive_maximum = 2;
    scripted_broker b(cfg);
    b.connect_ok();
    b.send(incoming(qos::exactly_once, 1));
    b.send(incoming(qos::exactly_once, 2));
    b.expect_event<m5::message_received>();
    b.expect_event<m5::message_received>();
    b.acknowledge(1);
    b.acknowledge(2);
    b.expect<m5::pubrec_packet>();
    b.expect<m5::pubrec_packet>();
    b.link_down();
    b.expect_event<m5::link_lost>();

    m5::connack_packet ack;
    ack.session_present = true;
    b.connect(ack);
    b.expect_event<m5::connected>();
    // New messages before the broker re-sends the PUBRELs: within the new connection's quota.
    b.send(incoming(qos::at_least_once, 3));
    b.send(incoming(qos::exactly_once, 4));
    CHECK(b.expect_event<m5::message_received>().message.packet_id == 3);
    CHECK(b.expect_event<m5::message_received>().message.packet_id == 4);
    CHECK(b.link_open());
    b.send(m5::pubrel_packet{1, reason_code::success, {}});
    CHECK(b.expect<m5::pubcomp_packet>().packet_id == 1);
    b.send(m5::pubrel_packet{2, reason_code::success, {}});
    CHECK(b.expect<m5::pubcomp_packet>().packet_id == 2);
    // A third new one is over this connection's quota of 2.
    b.send(incoming(qos::at_least_once, 5));
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::receive_maximum_exceeded);
}

TEST_CASE("after resume, a carried-over unacknowledged message counts again once the broker re-sends it")
{
    auto cfg = basic_config();
    cfg.connect.props.session_expiry_interval = 300;
    cfg.connect.props.receive_maximum = 1;
    scripted_broker b(cfg);
    b.connect_ok();
    b.send(incoming(qos::at_least_once, 1));
    b.expect_event<m5::message_received>();
    b.link_down();
    b.expect_event<m5::link_lost>();
    m5::connack_packet ack;
    ack.session_present = true;
    b.connect(ack);
    b.expect_event<m5::connected>();
    auto again = incoming(qos::at_least_once, 1);
    again.dup = true;
    b.send(again); // the re-send: not delivered twice, in this link's quota
    CHECK(b.no_events());
    b.send(incoming(qos::at_least_once, 2));
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::receive_maximum_exceeded);
}

TEST_CASE("an acknowledgement made while the link is down is sent when the broker re-sends the PUBLISH")
{
    auto cfg = basic_config();
    cfg.connect.props.session_expiry_interval = 300;
    scripted_broker b(cfg);
    b.connect_ok();
    b.send(incoming(qos::at_least_once, 21, "q1"));
    b.send(incoming(qos::exactly_once, 22, "q2"));
    b.expect_event<m5::message_received>();
    b.expect_event<m5::message_received>();
    b.link_down();
    b.expect_event<m5::link_lost>();
    b.acknowledge(21);
    b.acknowledge(22);
    CHECK(b.nothing_sent());

    m5::connack_packet ack;
    ack.session_present = true;
    CHECK_FALSE(b.connect(ack).clean_start);
    b.expect_event<m5::connected>();
    CHECK(b.nothing_sent());
    // §4.4: the broker re-sends both with DUP 1; they are answered, not delivered again.
    auto r1 = incoming(qos::at_least_once, 21, "q1");
    r1.dup = true;
    b.send(r1);
    CHECK(b.expect<m5::puback_packet>().packet_id == 21);
    auto r2 = incoming(qos::exactly_once, 22, "q2");
    r2.dup = true;
    b.send(r2);
    CHECK(b.expect<m5::pubrec_packet>().packet_id == 22);
    CHECK(b.no_events());
    b.send(m5::pubrel_packet{22, reason_code::success, {}});
    CHECK(b.expect<m5::pubcomp_packet>().packet_id == 22);
    CHECK(b.session().inbound_pending() == 0);
}

TEST_CASE("an inbound QoS 2 PUBREC'd before the link dropped is completed by the re-sent PUBREL")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(incoming(qos::exactly_once, 30));
    b.expect_event<m5::message_received>();
    b.acknowledge(30);
    b.expect<m5::pubrec_packet>();
    b.link_down();
    b.expect_event<m5::link_lost>();
    m5::connack_packet ack;
    ack.session_present = true;
    b.connect(ack);
    b.expect_event<m5::connected>();
    b.send(m5::pubrel_packet{30, reason_code::success, {}});
    CHECK(b.expect<m5::pubcomp_packet>().reason == reason_code::success);
}

} // namespace
