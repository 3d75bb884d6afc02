// SPDX-License-Identifier: MIT
// Outbound PUBLISH: QoS 0/1/2 flows (MQTT 5.0 §4.3), Receive Maximum (§4.9), the CONNACK limits
// applied locally (§3.2.2.3), topic aliases (§3.3.2.3.4), packet identifiers (§2.2.1).
#include "scripted_broker.hpp"

#include <doctest/doctest.h>

namespace {

using namespace sngw::test;
using m5::qos;
using m5::reason_code;
using m5::request_status;

TEST_CASE("QoS 0 PUBLISH goes out at once, without packet id or completion")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    const auto r = b.publish("sensors/t", "21.5", qos::at_most_once, false);
    CHECK(r.status == request_status::sent);
    CHECK(r.packet_id == 0);
    CHECK(to_hex(b.wire().back()) == to_hex(hex("30 10" // PUBLISH QoS 0, Remaining Length 16
                                                "00 09 73 65 6e 73 6f 72 73 2f 74" // Topic "sensors/t"
                                                "00"                               // Property Length 0
                                                "32 31 2e 35")));                  // Payload "21.5"
    const auto p = b.expect_publish();
    CHECK(p.packet.payload == bytes("21.5"));
    CHECK(b.no_events());
    CHECK(b.session().outbound_pending() == 0);
}

TEST_CASE("QoS 0 PUBLISH without a connection is not_connected")
{
    scripted_broker b(basic_config());
    CHECK(b.publish("a", "x", qos::at_most_once).status == request_status::not_connected);
    b.link_up();
    CHECK(b.publish("a", "x", qos::at_most_once).status == request_status::not_connected); // before CONNACK
}

TEST_CASE("QoS 1 PUBLISH completes with the broker's PUBACK")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    m5::properties props;
    props.message_expiry_interval = 30;
    props.user_properties = {{"unit", "C"}};
    const auto r = b.publish("sensors/t", "21.5", qos::at_least_once, true, props);
    CHECK(r.status == request_status::sent);
    CHECK(r.packet_id == 1);
    const auto p = b.expect_publish();
    CHECK(p.packet.qos == qos::at_least_once);
    CHECK(p.packet.retain);
    CHECK_FALSE(p.packet.dup);
    CHECK(p.packet.packet_id == 1);
    CHECK(p.packet.props.message_expiry_interval == 30);
    CHECK(p.packet.props.user_properties == props.user_properties);
    CHECK(b.session().in_flight() == 1);
    CHECK(b.no_events());

    b.send(m5::puback_packet{1, reason_code::success, {}});
    const auto done = b.expect_event<m5::publish_completed>();
    CHECK(done.packet_id == 1);
    CHECK(done.qos == qos::at_least_once);
    CHECK(done.reason == reason_code::success);
    CHECK_FALSE(done.local);
    CHECK(b.session().in_flight() == 0);
    CHECK(b.session().outbound_pending() == 0);
    CHECK(b.nothing_sent());
}

TEST_CASE("a PUBACK of 0x80 or more is surfaced with its reason string")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.publish("secret/t", "1", qos::at_least_once);
    b.expect_publish();
    m5::puback_packet ack{1, reason_code::not_authorized, {}};
    ack.props.reason_string = "no write access";
    b.send(ack);
    const auto done = b.expect_event<m5::publish_completed>();
    CHECK(done.reason == reason_code::not_authorized);
    CHECK(done.props.reason_string == "no write access");
}

TEST_CASE("a PUBACK with a failure code PUBACK does not list (mosquitto's 0x95) completes the PUBLISH")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.publish("big/t", "1", qos::at_least_once);
    b.expect_publish();
    b.send_raw(hex("40"    // PUBACK
                   "03"    // Remaining Length
                   "00 01" // Packet Identifier 1
                   "95")); // 0x95 Packet too large: not in §3.4.2.1's list
    const auto done = b.expect_event<m5::publish_completed>();
    CHECK(done.packet_id == 1);
    CHECK(done.reason == reason_code::packet_too_large);
    CHECK_FALSE(done.local);
    CHECK(b.link_open()); // no DISCONNECT 0x81
    CHECK(b.nothing_sent());
    CHECK(b.session().outbound_pending() == 0);
}

TEST_CASE("a PUBLISH in flight while three links in a row end is completed locally with 0x80")
{
    auto cfg = basic_config();
    cfg.connect.props.session_expiry_interval = 3600;
    scripted_broker b(cfg);
    b.connect_ok();
    REQUIRE(b.publish("poison", "1", qos::at_least_once).packet_id == 1);
    b.expect_publish();
    m5::connack_packet resumed;
    resumed.session_present = true;
    for (int i = 0; i < 2; ++i) {
        b.link_down();
        b.expect_event<m5::link_lost>();
        CHECK(b.no_events()); // not yet
        b.connect(resumed);
        b.expect_event<m5::connected>();
        CHECK(b.expect_publish().packet.dup);
    }
    b.send(m5::disconnect_packet{reason_code::unspecified_error, {}}); // the third ends by the broker
    b.expect_event<m5::broker_disconnected>();
    const auto done = b.expect_event<m5::publish_completed>();
    CHECK(done.packet_id == 1);
    CHECK(done.reason == reason_code::unspecified_error);
    CHECK(done.local);
    CHECK(b.session().outbound_pending() == 0);
    b.connect(resumed);
    b.expect_event<m5::connected>();
    CHECK(b.nothing_sent()); // not re-sent again
}

TEST_CASE("our own disconnect and abort do not count against a PUBLISH in flight")
{
    auto cfg = basic_config();
    cfg.connect.props.session_expiry_interval = 3600;
    scripted_broker b(cfg);
    b.connect_ok();
    b.publish("t", "1", qos::at_least_once);
    b.expect_publish();
    m5::connack_packet resumed;
    resumed.session_present = true;
    for (int i = 0; i < 4; ++i) {
        if (i % 2) {
            b.abort();
        } else {
            b.disconnect();
            b.expect<m5::disconnect_packet>();
        }
        b.connect(resumed);
        b.expect_event<m5::connected>();
        CHECK(b.no_events());
        CHECK(b.expect_publish().packet.dup);
    }
    CHECK(b.session().outbound_pending() == 1);
}

TEST_CASE("a PUBACK for an id not in flight is ignored")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(m5::puback_packet{9, reason_code::success, {}});
    CHECK(b.no_events());
    CHECK(b.nothing_sent());
    CHECK(b.link_open());
}

TEST_CASE("QoS 2 PUBLISH: PUBREC, PUBREL, PUBCOMP, then completed")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    const auto r = b.publish("cmd/x", "go", qos::exactly_once);
    CHECK(r.status == request_status::sent);
    CHECK(b.expect_publish().packet.qos == qos::exactly_once);
    b.send(m5::pubrec_packet{r.packet_id, reason_code::success, {}});
    CHECK(b.no_events());
    const auto rel = b.expect<m5::pubrel_packet>();
    CHECK(rel.packet_id == r.packet_id);
    CHECK(rel.reason == reason_code::success);
    CHECK(to_hex(b.wire().back()) == "62 02 00 01"); // PUBREL (flags 0010), id 1, Success in short form
    CHECK(b.session().in_flight() == 1);             // a slot is held until PUBCOMP (§4.9)

    SUBCASE("a repeated PUBREC gets the PUBREL again")
    {
        b.send(m5::pubrec_packet{r.packet_id, reason_code::success, {}});
        CHECK(b.expect<m5::pubrel_packet>().packet_id == r.packet_id);
        CHECK(b.no_events());
    }
    b.send(m5::pubcomp_packet{r.packet_id, reason_code::success, {}});
    const auto done = b.expect_event<m5::publish_completed>();
    CHECK(done.packet_id == r.packet_id);
    CHECK(done.qos == qos::exactly_once);
    CHECK(done.reason == reason_code::success);
    CHECK(b.session().in_flight() == 0);
    CHECK(b.session().outbound_pending() == 0);
}

TEST_CASE("a PUBREC of 0x80 or more ends the QoS 2 flow: no PUBREL, completed with its reason")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    const auto r = b.publish("cmd/x", "go", qos::exactly_once);
    b.expect_publish();
    b.send(m5::pubrec_packet{r.packet_id, reason_code::quota_exceeded, {}});
    CHECK(b.nothing_sent());
    const auto done = b.expect_event<m5::publish_completed>();
    CHECK(done.reason == reason_code::quota_exceeded);
    CHECK(done.qos == qos::exactly_once);
    CHECK(b.session().in_flight() == 0);
}

TEST_CASE("a PUBREC for an unknown packet id is answered with PUBREL 0x92")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(m5::pubrec_packet{77, reason_code::success, {}});
    const auto rel = b.expect<m5::pubrel_packet>();
    CHECK(rel.packet_id == 77);
    CHECK(rel.reason == reason_code::packet_identifier_not_found);
    CHECK(b.no_events());
}

TEST_CASE("Receive Maximum 2: the third PUBLISH waits until an ack frees a slot, and order is kept")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack;
    ack.props.receive_maximum = 2;
    CHECK(b.connect_ok(ack).limits.receive_maximum == 2);

    const auto r1 = b.publish("t/1", "1", qos::at_least_once);
    const auto r2 = b.publish("t/2", "2", qos::exactly_once);
    const auto r3 = b.publish("t/3", "3", qos::at_least_once);
    const auto r4 = b.publish("t/4", "4", qos::exactly_once);
    CHECK(r1.status == request_status::sent);
    CHECK(r2.status == request_status::sent);
    CHECK(r3.status == request_status::queued);
    CHECK(r4.status == request_status::queued);
    CHECK(r3.packet_id == 3);
    CHECK(r3.actions.empty());
    CHECK(b.expect_publish().topic == "t/1");
    CHECK(b.expect_publish().topic == "t/2");
    CHECK(b.nothing_sent());
    CHECK(b.session().in_flight() == 2);
    CHECK(b.session().outbound_pending() == 4);

    SUBCASE("a QoS 0 PUBLISH is not held back")
    {
        CHECK(b.publish("t/0", "0", qos::at_most_once).status == request_status::sent);
        CHECK(b.expect_publish().topic == "t/0");
    }
    // PUBREC of the QoS 2 one does not free its slot: only PUBCOMP does.
    b.send(m5::pubrec_packet{r2.packet_id, reason_code::success, {}});
    b.expect<m5::pubrel_packet>();
    CHECK(b.nothing_sent());

    b.send(m5::puback_packet{r1.packet_id, reason_code::success, {}});
    CHECK(b.expect_event<m5::publish_completed>().packet_id == r1.packet_id);
    const auto third = b.expect_publish();
    CHECK(third.topic == "t/3");
    CHECK(third.packet.packet_id == r3.packet_id);
    CHECK_FALSE(third.packet.dup);
    CHECK(b.nothing_sent());

    b.send(m5::pubcomp_packet{r2.packet_id, reason_code::success, {}});
    CHECK(b.expect_event<m5::publish_completed>().packet_id == r2.packet_id);
    CHECK(b.expect_publish().topic == "t/4");
    CHECK(b.session().in_flight() == 2);
}

TEST_CASE("Maximum QoS 1: a QoS 2 PUBLISH is refused locally with 0x9B, QoS 1 and 0 go out")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack;
    ack.props.maximum_qos = qos::at_least_once;
    CHECK(b.connect_ok(ack).limits.maximum_qos == qos::at_least_once);
    const auto r = b.publish("t", "x", qos::exactly_once);
    CHECK(r.status == request_status::refused);
    CHECK(r.reason == reason_code::qos_not_supported);
    CHECK(r.packet_id == 0);
    CHECK(b.nothing_sent());
    CHECK(b.session().outbound_pending() == 0);
    CHECK(b.publish("t", "x", qos::at_least_once).status == request_status::sent);
    CHECK(b.publish("t", "x", qos::at_most_once).status == request_status::sent);
}

TEST_CASE("Maximum QoS 0: QoS 1 is refused too")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack;
    ack.props.maximum_qos = qos::at_most_once;
    b.connect_ok(ack);
    CHECK(b.publish("t", "x", qos::at_least_once).reason == reason_code::qos_not_supported);
    CHECK(b.publish("t", "x", qos::at_most_once).status == request_status::sent);
}

TEST_CASE("Retain Available 0: a retained PUBLISH is refused locally with 0x9A")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack;
    ack.props.retain_available = false;
    CHECK_FALSE(b.connect_ok(ack).limits.retain_available);
    for (auto q : {qos::at_most_once, qos::at_least_once}) {
        const auto r = b.publish("status", "online", q, true);
        CHECK(r.status == request_status::refused);
        CHECK(r.reason == reason_code::retain_not_supported);
    }
    CHECK(b.nothing_sent());
    CHECK(b.publish("status", "online", qos::at_least_once, false).status == request_status::sent);
}

TEST_CASE(
    "Maximum Packet Size: a PUBLISH of exactly the maximum goes out, one byte more is refused with 0x95")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack;
    ack.props.maximum_packet_size = 64;
    CHECK(b.connect_ok(ack).limits.maximum_packet_size == 64);
    // QoS 1 PUBLISH "t": 2 (fixed header) + 3 (topic) + 2 (packet id) + 1 (properties) = 8 + payload.
    const std::string fits(56, 'x');
    const auto ok = b.publish("t", fits, qos::at_least_once);
    CHECK(ok.status == request_status::sent);
    CHECK(b.wire().back().size() == 64);
    b.expect_publish();
    const auto big = b.publish("t", fits + "x", qos::at_least_once);
    CHECK(big.status == request_status::refused);
    CHECK(big.reason == reason_code::packet_too_large);
    // QoS 0 has no packet id: 2 bytes more payload fit, 3 do not.
    CHECK(b.publish("t", fits + "xx", qos::at_most_once).status == request_status::sent);
    CHECK(b.wire().back().size() == 64);
    b.expect_publish();
    const auto big0 = b.publish("t", fits + "xxx", qos::at_most_once);
    CHECK(big0.reason == reason_code::packet_too_large);
    CHECK(b.nothing_sent());
}

TEST_CASE(
    "Topic Alias Maximum 2: repeated topics use aliases, never more than 2, least recently used re-mapped")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack;
    ack.props.topic_alias_maximum = 2;
    CHECK(b.connect_ok(ack).limits.topic_alias_maximum == 2);

    auto send = [&](const std::string& topic) {
        REQUIRE(b.publish(topic, "v", qos::at_most_once).status == request_status::sent);
        return b.expect_publish();
    };
    // First use: topic + alias. Later: alias + empty topic.
    auto p = send("building/1/temperature");
    CHECK(p.packet.topic == "building/1/temperature");
    CHECK(p.packet.props.topic_alias == 1);
    p = send("building/1/temperature");
    CHECK(p.packet.topic.empty());
    CHECK(p.packet.props.topic_alias == 1);
    CHECK(p.topic == "building/1/temperature");
    p = send("building/1/humidity");
    CHECK(p.packet.topic == "building/1/humidity");
    CHECK(p.packet.props.topic_alias == 2);
    p = send("building/1/temperature"); // alias 1 is now the most recently used
    CHECK(p.packet.props.topic_alias == 1);
    CHECK(p.packet.topic.empty());
    // A third topic: the table is full, the least recently used alias (2, humidity) is re-mapped.
    p = send("building/1/pressure");
    CHECK(p.packet.topic == "building/1/pressure");
    CHECK(p.packet.props.topic_alias == 2);
    p = send("building/1/humidity");
    CHECK(p.packet.topic == "building/1/humidity");
    CHECK(p.packet.props.topic_alias == 1); // temperature was least recently used now
    p = send("building/1/pressure");
    CHECK(p.packet.topic.empty());
    CHECK(p.packet.props.topic_alias == 2);
    CHECK(p.topic == "building/1/pressure");
}

TEST_CASE("Topic Alias Maximum absent (0): no alias is ever sent, a caller's alias is ignored")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    m5::properties props;
    props.topic_alias = 5;
    for (int i = 0; i < 3; ++i) {
        b.publish("a/b", "v", qos::at_most_once, false, props);
        const auto p = b.expect_publish();
        CHECK(p.packet.topic == "a/b");
        CHECK_FALSE(p.packet.props.topic_alias);
    }
}

TEST_CASE("our own alias bound caps what the broker allows")
{
    auto cfg = basic_config();
    cfg.max_outbound_topic_aliases = 1;
    scripted_broker b(cfg);
    m5::connack_packet ack;
    ack.props.topic_alias_maximum = 100;
    b.connect_ok(ack);
    b.publish("x/1", "v", qos::at_most_once);
    CHECK(b.expect_publish().packet.props.topic_alias == 1);
    b.publish("x/2", "v", qos::at_most_once);
    CHECK(b.expect_publish().packet.props.topic_alias == 1);
}

TEST_CASE("a QoS 1/2 PUBLISH made while disconnected is queued and goes out after CONNACK")
{
    scripted_broker b(basic_config());
    const auto r = b.publish("early", "1", qos::at_least_once);
    CHECK(r.status == request_status::queued);
    CHECK(r.packet_id == 1);
    b.link_up();
    b.expect<m5::connect_packet>();
    CHECK(b.publish("early/2", "2", qos::exactly_once).status == request_status::queued); // before CONNACK
    CHECK(b.nothing_sent());
    b.send(m5::connack_packet{});
    b.expect_event<m5::connected>();
    auto p = b.expect_publish();
    CHECK(p.topic == "early");
    CHECK_FALSE(p.packet.dup);
    CHECK(b.expect_publish().topic == "early/2");
}

TEST_CASE("a queued PUBLISH that the new connection's limits refuse is completed locally")
{
    scripted_broker b(basic_config());
    b.publish("a", "1", qos::exactly_once);
    b.publish("b", "2", qos::at_least_once, true);
    b.publish("c", "3", qos::at_least_once);
    m5::connack_packet ack;
    ack.props.maximum_qos = qos::at_least_once;
    ack.props.retain_available = false;
    b.connect(ack);
    b.expect_event<m5::connected>();
    auto e = b.expect_event<m5::publish_completed>();
    CHECK(e.packet_id == 1);
    CHECK(e.reason == reason_code::qos_not_supported);
    CHECK(e.local);
    e = b.expect_event<m5::publish_completed>();
    CHECK(e.packet_id == 2);
    CHECK(e.reason == reason_code::retain_not_supported);
    CHECK(e.local);
    CHECK(b.expect_publish().topic == "c");
    CHECK(b.nothing_sent());
}

TEST_CASE("a topic name with a wildcard is refused locally with 0x90")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    const auto r = b.publish("a/+/b", "x", qos::at_least_once);
    CHECK(r.status == request_status::refused);
    CHECK(r.reason == reason_code::topic_name_invalid);
    CHECK(b.nothing_sent());
}

TEST_CASE("packet ids count up, skip ids in use, wrap from 65535 to 1 and are never 0")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    // Id 1 stays in flight the whole time.
    REQUIRE(b.publish("held", "x", qos::at_least_once).packet_id == 1);
    b.expect_publish();
    auto& s = b.session();
    // Publish and complete ids 2 .. 65535 directly on the session (fast: no encoding of acks).
    for (std::uint32_t expected = 2; expected <= 65535; ++expected) {
        auto r = s.publish("t", {}, qos::at_least_once, false, {}, b.now());
        auto acts = s.on_packet(m5::puback_packet{r.packet_id, reason_code::success, {}}, b.now());
        if (r.packet_id != expected || acts.size() != 1)
            FAIL("publish number " << expected << " got packet id " << r.packet_id);
    }
    // Wrap: 1 is in use, so the next is 2.
    const auto wrapped = b.publish("t", "x", qos::at_least_once);
    CHECK(wrapped.packet_id == 2);
    b.expect_publish();
    // A SUBSCRIBE in flight holds its id too.
    const auto sub = b.subscribe({{"s/#", {}}});
    CHECK(sub.packet_id == 3);
    CHECK(b.publish("t", "x", qos::at_least_once).packet_id == 4);
}

} // namespace
