// SPDX-License-Identifier: MIT
// set_will (MQTT 5.0 §3.1.2.5, §3.1.3.2-§3.1.3.4): the will of the next CONNECT. MQTT cannot change
// the will of a live connection; the gateway brings a sensor's new will (MQTT-SN v1.2 §6.4) into
// force with DISCONNECT 0x00 and a new link on the same session, which keeps every QoS flow (§4.4).
#include "scripted_broker.hpp"

#include <doctest/doctest.h>

namespace {

using namespace sngw::test;
using m5::qos;
using m5::reason_code;

m5::will_message will(std::string topic, std::string_view payload, qos q = qos::at_most_once,
                      bool retain = false)
{
    m5::will_message w;
    w.topic = std::move(topic);
    w.payload = bytes(payload);
    w.qos = q;
    w.retain = retain;
    return w;
}

m5::session_config keep_session_config()
{
    auto cfg = basic_config(60);
    cfg.connect.props.session_expiry_interval = 3600;
    return cfg;
}

} // namespace

TEST_CASE("set_will changes the next CONNECT only, byte-exact: Clean Start 0, Will Flag, QoS and Retain")
{
    auto cfg = basic_config(60);
    cfg.connect.client_id = "c1";
    scripted_broker b(cfg);
    CHECK_FALSE(b.connect_ok().session_present);
    b.session().set_will(will("w", "x", qos::at_least_once, true));
    CHECK(b.nothing_sent()); // nothing on the live connection
    REQUIRE(b.session().config().connect.will);
    CHECK(b.session().config().connect.will->topic == "w");

    b.disconnect();
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::normal_disconnection);
    b.link_up();
    b.expect<m5::connect_packet>();
    CHECK(to_hex(b.wire().back()) == "10 1b"              // CONNECT, Remaining Length 27
                                     " 00 04 4d 51 54 54" // Protocol Name "MQTT"
                                     " 05"                // Protocol Version 5
                                     " 2c"                // Flags: Will Retain, QoS 1, Will; Clean Start 0
                                     " 00 3c"             // Keep Alive 60 s
                                     " 05 27 00 01 04 00" // Properties: Maximum Packet Size 66,560
                                     " 00 02 63 31"       // Client Identifier "c1"
                                     " 00"                // Will Properties: none
                                     " 00 01 77"          // Will Topic "w"
                                     " 00 01 78");        // Will Payload "x"
}

TEST_CASE("set_will with no will clears the Will Flag of the next CONNECT")
{
    auto cfg = basic_config();
    cfg.connect.will = will("w/t", "gone");
    scripted_broker b(cfg);
    CHECK(b.connect().will);
    b.expect_event<m5::connected>();
    b.session().set_will(std::nullopt);
    b.link_down();
    b.expect_event<m5::link_lost>();
    b.link_up();
    const auto c = b.expect<m5::connect_packet>();
    CHECK_FALSE(c.will);
    CHECK_FALSE(c.clean_start);
}

TEST_CASE("a new will by DISCONNECT 0x00 and a new link keeps QoS flows both ways and the packet ids")
{
    scripted_broker b(keep_session_config());
    b.connect_ok();
    REQUIRE(b.publish("up/1", "a", qos::at_least_once).packet_id == 1);
    b.expect_publish();
    m5::publish_packet in;
    in.qos = qos::exactly_once;
    in.packet_id = 7;
    in.topic = "down/1";
    in.payload = bytes("b");
    b.send(in);
    const auto delivery = b.expect_event<m5::message_received>().delivery;

    b.session().set_will(will("w/t", "gone"));
    b.disconnect(); // 0x00: the broker keeps the session and publishes no will
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::normal_disconnection);
    CHECK(b.no_events());
    CHECK(b.session().outbound_pending() == 1);
    CHECK(b.session().inbound_pending() == 1);

    m5::connack_packet ack;
    ack.session_present = true;
    const auto c = b.connect(ack);
    CHECK_FALSE(c.clean_start);
    REQUIRE(c.will);
    CHECK(c.will->topic == "w/t");
    CHECK(b.expect_event<m5::connected>().session_present);
    const auto again = b.expect_publish(); // §4.4: re-sent with DUP 1
    CHECK(again.packet.packet_id == 1);
    CHECK(again.packet.dup);
    in.dup = true;
    b.send(in); // the broker re-sends its own: not delivered twice
    CHECK(b.no_events());
    b.acknowledge(delivery); // the token of the first link still names it
    CHECK(b.expect<m5::pubrec_packet>().packet_id == 7);
    b.send(m5::puback_packet{1, reason_code::success, {}});
    CHECK(b.expect_event<m5::publish_completed>().packet_id == 1);
    CHECK(b.publish("up/2", "c", qos::at_least_once).packet_id == 2);
}
