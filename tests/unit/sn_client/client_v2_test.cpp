// SPDX-License-Identifier: MIT
// sngw::sn_client::client_v2 (MQTT-SN 2.0) against a scripted gateway on loopback UDP that answers
// with codec-encoded packets: the flows sngw-pub and sngw-sub run with -V 2.0, before sngw speaks 2.0.
#include <sngw/sn_client/client_v2.hpp>

#include "scripted_gateway.hpp"
#include "support/hex.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

namespace {

namespace v2_0 = sngw::sn::v2_0;
using namespace std::chrono_literals;
using sngw::sn_client::client_v2;
using sngw::sn_client::client_v2_options;
using sngw::sn_client::errc;
using sngw::sn_client::topic_alias_v2;
using sngw::test::bytes;
using sngw::test::hex;
using sngw::test::scripted_gateway_v2;
using sngw::test::wire_v2;
using v2_0::qos;
using v2_0::topic_type;

client_v2_options options_for(const scripted_gateway_v2& gw, std::string client_id = "s2")
{
    client_v2_options o;
    o.gateway_host = "127.0.0.1";
    o.gateway_port = gw.port();
    o.client_id = std::move(client_id);
    o.keep_alive = 30;
    o.reply_timeout = 2s;
    return o;
}

client_v2 open(client_v2_options o)
{
    auto c = client_v2::open(std::move(o));
    REQUIRE_MESSAGE(c.has_value(), c.error().message());
    return std::move(*c);
}

void check_script(scripted_gateway_v2& gw)
{
    for (const auto& e : gw.finish())
        FAIL_CHECK(e);
}

v2_0::publish_msg publish_msg(qos q, topic_type t, std::uint16_t alias, std::uint16_t packet_id,
                              std::string_view payload)
{
    v2_0::publish_msg p;
    p.q = q;
    p.topic_type = t;
    p.topic_alias = alias;
    p.packet_id = packet_id;
    p.payload = bytes(payload);
    return p;
}

} // namespace

TEST_CASE("v2.0 connect sends CONNECT with Protocol Version 2, Session Expiry and Maximum Packet Size")
{
    const auto connect_wire = hex("10 01"       // Length 16, Packet Type CONNECT
                                  "08"          // Connect Flags: Sess Exp (Clean Start 0)
                                  "00 01"       // Packet Identifier 1
                                  "02"          // Protocol Version 2.0 (§3.1.6)
                                  "00 1e"       // Keep Alive 30 s
                                  "ff ff"       // Maximum Packet Size 65535
                                  "00 00 0e 10" // Session Expiry Interval 3600 s
                                  "73 32");     // Client Identifier "s2"
    const auto expected = v2_0::decode(connect_wire);
    REQUIRE(expected.has_value());
    v2_0::connack_msg ack{.session_present = true, .packet_id = 1, .reason_code = 0x00};
    scripted_gateway_v2 gw({{*expected, {wire_v2(ack)}}});
    auto o = options_for(gw);
    o.clean_start = false;
    o.session_expiry_interval = 3600;
    o.maximum_packet_size = 65535;
    auto c = open(o);
    const auto r = c.connect();
    REQUIRE(r.has_value());
    CHECK(r->reason_code == 0x00);
    CHECK(r->session_present);
    check_script(gw);
}

TEST_CASE("v2.0 connect returns a refusing CONNACK's reason code and names it")
{
    scripted_gateway_v2 gw(
        {{v2_0::connect_msg{.clean_start = true, .packet_id = 1, .keep_alive = 30, .client_id = "s2"},
          {wire_v2(v2_0::connack_msg{.packet_id = 1, .reason_code = 0x87})}}});
    auto c = open(options_for(gw));
    const auto r = c.connect();
    REQUIRE(r.has_value());
    CHECK(r->reason_code == 0x87);
    CHECK(sngw::sn_client::reason_code_meaning(v2_0::msg_type::connack, 0x87) == "Not authorized");
    check_script(gw);
}

TEST_CASE("v2.0 connect carries the will and reports a timeout when nobody answers")
{
    scripted_gateway_v2 gw(
        {{v2_0::connect_msg{
              .clean_start = true,
              .packet_id = 1,
              .keep_alive = 30,
              .will = v2_0::will_fields{true, qos::qos1, topic_type::topic_name, 0, "w/t", bytes("gone")},
              .client_id = "s2"},
          {}}});
    auto o = options_for(gw);
    o.will = sngw::sn_client::will_v2{"w/t", bytes("gone"), qos::qos1, true};
    o.reply_timeout = 200ms;
    auto c = open(o);
    const auto r = c.connect();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::timeout);
    check_script(gw);
}

TEST_CASE("v2.0 publish QoS 1 to a name registers it once and returns the PUBACK's reason code")
{
    scripted_gateway_v2 gw({
        {v2_0::register_msg{1, std::nullopt, "a/b"},
         {wire_v2(v2_0::regack_msg{topic_type::session_alias, 1, std::uint16_t{5}, std::uint8_t{0}})}},
        {publish_msg(qos::qos1, topic_type::session_alias, 5, 2, "x"),
         {wire_v2(v2_0::puback_msg{2, std::uint8_t{0x10}})}},
        {publish_msg(qos::qos1, topic_type::session_alias, 5, 3, "y"),
         {wire_v2(v2_0::puback_msg{3, std::nullopt})}},
    });
    auto c = open(options_for(gw));
    const auto first = c.publish("a/b", bytes("x"), qos::qos1);
    REQUIRE(first.has_value());
    CHECK(first->reason_code == 0x10); // No matching subscribers: a success
    CHECK(first->packet_id == 2);
    const auto second = c.publish("a/b", bytes("y"), qos::qos1);
    REQUIRE(second.has_value());
    CHECK(second->reason_code == 0x00); // absent Reason Code: Success (§3.6.3)
    CHECK(c.alias_of("a/b") == topic_alias_v2::session(5));
    check_script(gw);
}

TEST_CASE("v2.0 publish QoS 2 runs PUBREC, PUBREL and PUBCOMP and a failing PUBREC ends the flow")
{
    scripted_gateway_v2 gw({
        {publish_msg(qos::qos2, topic_type::predefined_alias, 7, 1, "x"),
         {wire_v2(v2_0::pubrec_msg{1, std::uint8_t{0}})}},
        {v2_0::pubrel_msg{1, std::uint8_t{0}}, {wire_v2(v2_0::pubcomp_msg{1, std::uint8_t{0}})}},
        {publish_msg(qos::qos2, topic_type::predefined_alias, 7, 2, "y"),
         {wire_v2(v2_0::pubrec_msg{2, std::uint8_t{0x87}})}},
        {std::nullopt, {}, 300ms}, // no PUBREL after a refusal
    });
    auto c = open(options_for(gw));
    const auto ok = c.publish(topic_alias_v2::predefined(7), bytes("x"), qos::qos2);
    REQUIRE(ok.has_value());
    CHECK(ok->reason_code == 0x00);
    const auto refused = c.publish(topic_alias_v2::predefined(7), bytes("y"), qos::qos2);
    REQUIRE(refused.has_value());
    CHECK(refused->reason_code == 0x87);
    check_script(gw);
}

TEST_CASE("v2.0 publish by name carries the topic name and PUBWOS needs no session")
{
    v2_0::publish_msg by_name = publish_msg(qos::qos0, topic_type::topic_name, 0, 0, "n");
    by_name.topic_name = "long/name";
    scripted_gateway_v2 gw({
        {by_name, {}},
        {v2_0::pubwos_msg{false, topic_type::topic_name, 0, "t/w", bytes("w")}, {}},
        {v2_0::pubwos_msg{true, topic_type::predefined_alias, 9, {}, bytes("p")}, {}},
    });
    auto c = open(options_for(gw));
    CHECK(c.publish("long/name", bytes("n"), qos::qos0, false, true).has_value());
    CHECK(c.publish_without_session("t/w", bytes("w")).has_value());
    CHECK(c.publish_without_session(topic_alias_v2::predefined(9), bytes("p"), true).has_value());
    const auto bad = c.publish_without_session(topic_alias_v2::session(3), bytes("s"));
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error() == errc::invalid_argument);
    check_script(gw);
}

TEST_CASE("v2.0 subscribe sends the options, names the alias of the SUBACK and acknowledges what arrives")
{
    v2_0::subscribe_msg sub{.no_local = true,
                            .q = qos::qos1,
                            .retain_as_published = true,
                            .retain_handling = v2_0::retain_handling::do_not_send,
                            .topic_type = topic_type::topic_name,
                            .packet_id = 1,
                            .topic_filter = "s/t"};
    scripted_gateway_v2 gw({
        {sub,
         {wire_v2(v2_0::suback_msg{topic_type::session_alias, 1, std::uint16_t{4}, std::uint8_t{0x01}}),
          wire_v2(publish_msg(qos::qos1, topic_type::session_alias, 4, 0x99, "hello"))}},
        {v2_0::puback_msg{0x99, std::uint8_t{0}}, {}},
    });
    auto c = open(options_for(gw));
    const auto s = c.subscribe("s/t", {qos::qos1, true, true, v2_0::retain_handling::do_not_send});
    REQUIRE(s.has_value());
    CHECK(s->reason_code == std::uint8_t{0x01});
    const auto p = c.receive_publish(2s);
    REQUIRE(p.has_value());
    CHECK(p->topic_name == "s/t");
    CHECK(p->payload() == "hello");
    check_script(gw);
}

TEST_CASE("v2.0 a REGISTER from the server is answered with a REGACK without alias and names the PUBLISH")
{
    scripted_gateway_v2 gw({
        {v2_0::pingreq_msg{1},
         {wire_v2(v2_0::register_msg{0x20, std::uint16_t{12}, "x/y"}),
          wire_v2(publish_msg(qos::qos0, topic_type::session_alias, 12, 0, "v")),
          wire_v2(v2_0::pingresp_msg{1, {}})}},
        {v2_0::regack_msg{topic_type::session_alias, 0x20, std::nullopt, std::uint8_t{0}}, {}},
    });
    auto c = open(options_for(gw));
    const auto pong = c.ping();
    REQUIRE(pong.has_value());
    const auto p = c.receive_publish(1s);
    REQUIRE(p.has_value());
    CHECK(p->topic_name == "x/y");
    check_script(gw);
}

TEST_CASE("v2.0 sleep and wake: SLEEPREQ, then PINGREQ collects the buffered messages until PINGRESP")
{
    scripted_gateway_v2 gw({
        {v2_0::sleepreq_msg{true, 1, 30}, {wire_v2(v2_0::sleepresp_msg{1, std::nullopt, std::uint8_t{0}})}},
        {v2_0::pingreq_msg{2},
         {wire_v2(publish_msg(qos::qos1, topic_type::predefined_alias, 3, 0x10, "one")),
          wire_v2(publish_msg(qos::qos2, topic_type::predefined_alias, 3, 0x11, "two"))}},
        {v2_0::puback_msg{0x10, std::uint8_t{0}}, {}},
        {v2_0::pubrec_msg{0x11, std::uint8_t{0}}, {wire_v2(v2_0::pubrel_msg{0x11, std::uint8_t{0}})}},
        {v2_0::pubcomp_msg{0x11, std::uint8_t{0}}, {wire_v2(v2_0::pingresp_msg{2, std::uint8_t{0}})}},
    });
    auto o = options_for(gw);
    o.predefined_topics = {{3, "pre/three"}};
    auto c = open(o);
    const auto s = c.sleep(30);
    REQUIRE(s.has_value());
    CHECK(s->reason_code.value_or(0) == 0x00);
    const auto w = c.wake(2s);
    REQUIRE(w.has_value());
    CHECK(w->pingresp);
    REQUIRE(w->publications.size() == 2);
    CHECK(w->publications[0].topic_name == "pre/three");
    CHECK(w->publications[1].payload() == "two");
    CHECK(w->messages_remaining == std::uint8_t{0});
    check_script(gw);
}

TEST_CASE("v2.0 a DISCONNECT from the server ends the wait and keeps its reason code and string")
{
    scripted_gateway_v2 gw({
        {v2_0::pingreq_msg{1},
         {wire_v2(v2_0::disconnect_msg{std::nullopt, std::nullopt, std::uint8_t{0x8B}, std::string("bye")})}},
        {v2_0::disconnect_msg{std::nullopt, std::nullopt, std::uint8_t{0x04}, std::nullopt}, {}},
    });
    auto c = open(options_for(gw));
    const auto r = c.ping();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::disconnected);
    REQUIRE(c.last_disconnect().has_value());
    CHECK(c.last_disconnect()->reason_code == std::uint8_t{0x8B});
    CHECK(c.last_disconnect()->reason_string == std::string("bye"));
    CHECK(sngw::sn_client::reason_code_meaning(v2_0::msg_type::disconnect, 0x8B) == "Server shutting down");
    CHECK(c.disconnect(std::uint8_t{0x04}).has_value()); // with will; the server does not answer
    check_script(gw);
}

TEST_CASE("v2.0 connect with MQTT-BASIC carries the user name and password as Authentication Data")
{
    const auto connect_wire = hex("20 01"             // Length 32, Packet Type CONNECT
                                  "25"                // Connect Flags: Net Addr, Auth, Clean Start
                                  "00 01"             // Packet Identifier 1
                                  "02"                // Protocol Version 2.0
                                  "00 1e"             // Keep Alive 30 s
                                  "00 00"             // Maximum Packet Size: no limit
                                  "0a"                // Authentication Method Length 10
                                  "4d 51 54 54 2d 42" // "MQTT-B
                                  "41 53 49 43"       //  ASIC"
                                  "00 07"             // Authentication Data Length 7
                                  "00 01 75"          // §4.11 User Name length 1, "u"
                                  "00 02 70 77"       // §4.11 Password length 2, "pw"
                                  "73 32");           // Client Identifier "s2"
    const auto expected = v2_0::decode(connect_wire);
    REQUIRE(expected.has_value());
    scripted_gateway_v2 gw({{*expected, {wire_v2(v2_0::connack_msg{.packet_id = 1, .reason_code = 0x00})}}});
    auto o = options_for(gw);
    o.authentication = sngw::sn_client::mqtt_basic("u", "pw");
    o.allow_network_address_changes = true;
    auto c = open(o);
    const auto r = c.connect();
    REQUIRE(r.has_value());
    CHECK(r->reason_code == 0x00);
    check_script(gw);
}

TEST_CASE("v2.0 after rebind the packets go in Connection Encapsulation from a new port and answers reach it")
{
    const auto encapsulated_ping = hex("0a"            // Length 10 (the whole packet)
                                       "fe"            // Connection Encapsulation (§3.18)
                                       "00 02"         // Client Identifier Length 2
                                       "73 32"         // "s2"
                                       "04 0c 00 01"); // PINGREQ, Packet Identifier 1
    const auto expected = v2_0::decode(encapsulated_ping);
    REQUIRE(expected.has_value());
    scripted_gateway_v2 gw({
        {*expected, {wire_v2(v2_0::pingresp_msg{.packet_id = 1})}},
        // PUBACK is not among what §3.18 wraps: it goes bare.
        {v2_0::puback_msg{7, std::uint8_t{0x00}}, {}},
    });
    auto c = open(options_for(gw));
    const auto before = c.link().local_port();
    REQUIRE(c.rebind().has_value());
    CHECK(c.link().local_port() != before);
    c.options().connection_encapsulation = true;
    const auto r = c.ping();
    REQUIRE_MESSAGE(r.has_value(), r.error().message());
    CHECK(r->packet_id == 1);
    CHECK(c.send(v2_0::puback_msg{7, std::uint8_t{0x00}}).has_value());
    check_script(gw);
}
