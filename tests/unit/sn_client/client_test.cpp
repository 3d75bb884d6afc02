// SPDX-License-Identifier: MIT
// sngw::sn_client against a scripted gateway on loopback UDP: the flows a sensor runs, what goes on the
// wire, and what the caller gets back, without a real gateway.
#include <sngw/sn_client/client.hpp>

#include "scripted_gateway.hpp"
#include "support/free_port.hpp"
#include "support/hex.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace {

namespace v1_2 = sngw::sn::v1_2;
using namespace std::chrono_literals;
using sngw::sn_client::ack_policy;
using sngw::sn_client::client;
using sngw::sn_client::client_options;
using sngw::sn_client::errc;
using sngw::sn_client::last_will;
using sngw::sn_client::topic;
using sngw::test::bytes;
using sngw::test::hex;
using sngw::test::script_step;
using sngw::test::scripted_gateway;
using sngw::test::wire;
using v1_2::qos;
using v1_2::topic_id_type;

client_options options_for(const scripted_gateway& gw, std::string client_id = "s1")
{
    client_options o;
    o.gateway_host = "127.0.0.1";
    o.gateway_port = gw.port();
    o.client_id = std::move(client_id);
    o.keep_alive = 30;
    o.reply_timeout = 2s;
    return o;
}

client open(client_options o)
{
    auto c = client::open(std::move(o));
    REQUIRE_MESSAGE(c.has_value(), c.error().message());
    return std::move(*c);
}

void check_script(scripted_gateway& gw)
{
    const auto errors = gw.finish();
    for (const auto& e : errors)
        FAIL_CHECK(e);
}

v1_2::publish_msg publish_msg(qos q, std::uint16_t topic_id, std::uint16_t msg_id, std::string_view payload,
                              topic_id_type type = topic_id_type::normal, bool dup = false)
{
    return v1_2::publish_msg{dup, q, false, type, topic_id, msg_id, bytes(payload)};
}

} // namespace

TEST_CASE("connect sends CONNECT with the options' fields and returns the CONNACK's return code")
{
    scripted_gateway gw({{v1_2::connect_msg{false, true, 30, "s1"}, {wire(v1_2::connack_msg{0x03})}}});
    auto c = open(options_for(gw));
    const auto r = c.connect();
    REQUIRE(r.has_value());
    CHECK(*r == v1_2::return_codes::rejected_not_supported);
    check_script(gw);
}

TEST_CASE("connect answers WILLTOPICREQ and WILLMSGREQ with the will, also when the gateway asks again")
{
    const v1_2::will_topic_fields will_fields{qos::one, true, "dead/s1"};
    scripted_gateway gw({
        {v1_2::connect_msg{true, false, 30, "s1"}, {wire(v1_2::willtopicreq_msg{})}},
        // The gateway lost our WILLTOPIC (T_RETRY) and asks again.
        {v1_2::willtopic_msg{will_fields}, {wire(v1_2::willtopicreq_msg{})}},
        {v1_2::willtopic_msg{will_fields}, {wire(v1_2::willmsgreq_msg{})}},
        {v1_2::willmsg_msg{bytes("gone")}, {wire(v1_2::connack_msg{0x00})}},
    });
    auto o = options_for(gw);
    o.clean_session = false;
    o.will = last_will{"dead/s1", bytes("gone"), qos::one, true};
    auto c = open(o);
    const auto r = c.connect();
    REQUIRE(r.has_value());
    CHECK(*r == v1_2::return_codes::accepted);
    check_script(gw);
}

TEST_CASE("connect answers a WILLTOPICREQ with an empty WILLTOPIC when it has no will")
{
    scripted_gateway gw({
        {v1_2::connect_msg{false, true, 30, "s1"}, {wire(v1_2::willtopicreq_msg{})}},
        {v1_2::willtopic_msg{}, {wire(v1_2::connack_msg{0x00})}},
    });
    auto c = open(options_for(gw));
    CHECK(c.connect().value() == 0x00);
    // The empty WILLTOPIC is exactly two octets (§5.4.7).
    CHECK(wire(v1_2::willtopic_msg{}) == hex("02 07"));
    check_script(gw);
}

TEST_CASE("connect drops a DISCONNECT that arrives before the CONNACK")
{
    // A lost sensor's earlier re-sends were each answered with DISCONNECT; one arrives late.
    scripted_gateway gw({{v1_2::connect_msg{false, true, 30, "s1"},
                          {wire(v1_2::disconnect_msg{}), wire(v1_2::connack_msg{0x00})}}});
    auto c = open(options_for(gw));
    const auto r = c.connect();
    REQUIRE(r.has_value());
    CHECK(*r == 0x00);
    CHECK(c.counters().stray_disconnects == 1);
    check_script(gw);
}

TEST_CASE("connect re-sends CONNECT after each reply timeout and then reports a timeout")
{
    scripted_gateway gw({
        {v1_2::connect_msg{false, true, 30, "s1"}, {}},
        {v1_2::connect_msg{false, true, 30, "s1"}, {}},
    });
    auto o = options_for(gw);
    o.reply_timeout = 150ms;
    o.retries = 1;
    auto c = open(o);
    const auto r = c.connect();
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::timeout);
    CHECK(c.counters().retransmissions == 1);
    check_script(gw);
}

TEST_CASE("publish QoS 1 waits for the PUBACK with its MsgId and keeps a PUBLISH that arrives meanwhile")
{
    // The gateway answers with a PUBACK for another MsgId first, and delivers a QoS 1 PUBLISH.
    scripted_gateway gw({
        {publish_msg(qos::one, 7, 1, "up"),
         {wire(v1_2::puback_msg{7, 99, 0x00}), wire(publish_msg(qos::one, 7, 500, "down")),
          wire(v1_2::puback_msg{7, 1, 0x02})}},
        // The client acknowledged the PUBLISH as it arrived (ack_policy::automatic).
        {v1_2::puback_msg{7, 500, 0x00}, {}},
    });
    auto c = open(options_for(gw));
    const auto r = c.publish(topic::normal(7), bytes("up"), qos::one);
    REQUIRE(r.has_value());
    CHECK(r->return_code == v1_2::return_codes::rejected_invalid_topic_id);
    CHECK(r->msg_id == 1);
    CHECK(r->transmissions == 1);
    check_script(gw);
    // Kept, in arrival order: the stray PUBACK, then the PUBLISH.
    auto first = c.receive(100ms);
    REQUIRE(first.has_value());
    CHECK(std::holds_alternative<v1_2::puback_msg>(*first));
    auto p = c.receive_publish(100ms);
    REQUIRE(p.has_value());
    CHECK(p->message.msg_id == 500);
    CHECK(p->payload() == "down");
}

TEST_CASE("publish QoS 2 runs PUBREC, PUBREL and PUBCOMP")
{
    scripted_gateway gw({
        {publish_msg(qos::two, 5, 1, "x", topic_id_type::predefined), {wire(v1_2::pubrec_msg{1})}},
        {v1_2::pubrel_msg{1}, {wire(v1_2::pubcomp_msg{1})}},
    });
    auto c = open(options_for(gw));
    const auto r = c.publish(topic::predefined(5), bytes("x"), qos::two);
    REQUIRE(r.has_value());
    CHECK(r->return_code == 0x00);
    check_script(gw);
}

TEST_CASE("publish QoS 2 refused with a PUBACK returns its return code and sends no PUBREL")
{
    scripted_gateway gw({
        {publish_msg(qos::two, 5, 1, "x"), {wire(v1_2::puback_msg{5, 1, 0x01})}},
        {std::nullopt, {}, 300ms},
    });
    auto c = open(options_for(gw));
    const auto r = c.publish(topic::normal(5), bytes("x"), qos::two);
    REQUIRE(r.has_value());
    CHECK(r->return_code == v1_2::return_codes::rejected_congestion);
    check_script(gw);
}

TEST_CASE("publish re-sends the PUBLISH with DUP set after a reply timeout")
{
    scripted_gateway gw({
        {publish_msg(qos::one, 3, 1, "a"), {}},
        {publish_msg(qos::one, 3, 1, "a", topic_id_type::normal, true), {wire(v1_2::puback_msg{3, 1, 0})}},
    });
    auto o = options_for(gw);
    o.reply_timeout = 200ms;
    o.retries = 2;
    auto c = open(o);
    const auto r = c.publish(topic::normal(3), bytes("a"), qos::one);
    REQUIRE(r.has_value());
    CHECK(r->transmissions == 2);
    CHECK(c.counters().retransmissions == 1);
    check_script(gw);
}

TEST_CASE("publish to a topic name registers it once and then uses the id")
{
    scripted_gateway gw({
        {v1_2::register_msg{0, 1, "a/b"}, {wire(v1_2::regack_msg{12, 1, 0x00})}},
        {publish_msg(qos::zero, 12, 0, "1"), {}},
        {publish_msg(qos::zero, 12, 0, "2"), {}},
    });
    auto c = open(options_for(gw));
    REQUIRE(c.publish("a/b", bytes("1"), qos::zero).has_value());
    REQUIRE(c.publish("a/b", bytes("2"), qos::zero).has_value());
    CHECK(c.topic_id("a/b") == 12);
    CHECK(c.topic_name(topic::normal(12)) == "a/b");
    check_script(gw);
}

TEST_CASE("publish to a topic name returns the REGACK's return code when the name is refused")
{
    scripted_gateway gw({{v1_2::register_msg{0, 1, "a/b"}, {wire(v1_2::regack_msg{0, 1, 0x01})}}});
    auto c = open(options_for(gw));
    const auto r = c.publish("a/b", bytes("1"), qos::one);
    REQUIRE(r.has_value());
    CHECK(r->return_code == v1_2::return_codes::rejected_congestion);
    CHECK(r->transmissions == 0);
    CHECK_FALSE(c.topic_id("a/b").has_value());
    check_script(gw);
}

TEST_CASE("QoS -1 goes out with MsgId 0 to a short name and is refused for a topic name")
{
    scripted_gateway gw({{publish_msg(qos::minus_one, 0x7431, 0, "v", topic_id_type::short_name), {}}});
    auto c = open(options_for(gw));
    REQUIRE(c.publish(topic::short_name('t', '1'), bytes("v"), qos::minus_one).has_value());
    const auto by_name = c.publish("t1", bytes("v"), qos::minus_one);
    REQUIRE(by_name.has_error());
    CHECK(by_name.error() == errc::invalid_argument);
    check_script(gw);
}

TEST_CASE("subscribe by name remembers the SUBACK's topic id and a wildcard filter remembers nothing")
{
    scripted_gateway gw({
        {v1_2::subscribe_msg{false, qos::one, topic_id_type::normal, 1, "a/b", 0},
         {wire(v1_2::suback_msg{qos::one, 4, 1, 0x00})}},
        {v1_2::subscribe_msg{false, qos::two, topic_id_type::normal, 2, "a/+", 0},
         {wire(v1_2::suback_msg{qos::one, 0, 2, 0x00}), wire(publish_msg(qos::zero, 4, 0, "p"))}},
    });
    auto c = open(options_for(gw));
    const auto s1 = c.subscribe("a/b", qos::one);
    REQUIRE(s1.has_value());
    CHECK(s1->topic_id == 4);
    const auto s2 = c.subscribe("a/+", qos::two);
    REQUIRE(s2.has_value());
    CHECK(s2->q == qos::one);
    CHECK(c.topic_id("a/b") == 4);
    CHECK_FALSE(c.topic_id("a/+").has_value());
    auto p = c.receive_publish(1s);
    REQUIRE(p.has_value());
    CHECK(p->topic_name == "a/b");
    check_script(gw);
}

TEST_CASE("subscribe and unsubscribe by short name carry the two characters, by predefined id the id")
{
    scripted_gateway gw({
        {v1_2::subscribe_msg{false, qos::zero, topic_id_type::short_name, 1, "ab", 0},
         {wire(v1_2::suback_msg{qos::zero, 0, 1, 0x00})}},
        {v1_2::subscribe_msg{false, qos::one, topic_id_type::predefined, 2, "", 9},
         {wire(v1_2::suback_msg{qos::one, 9, 2, 0x02})}},
        {v1_2::unsubscribe_msg{topic_id_type::short_name, 3, "ab", 0}, {wire(v1_2::unsuback_msg{3})}},
        {v1_2::unsubscribe_msg{topic_id_type::normal, 4, "x/#", 0}, {wire(v1_2::unsuback_msg{4})}},
    });
    auto c = open(options_for(gw));
    CHECK(c.subscribe(topic::short_name('a', 'b'), qos::zero).value().return_code == 0x00);
    CHECK(c.subscribe(topic::predefined(9), qos::one).value().return_code == 0x02);
    CHECK(c.unsubscribe(topic::short_name('a', 'b')).has_value());
    CHECK(c.unsubscribe("x/#").has_value());
    CHECK(c.subscribe(topic::normal(1), qos::zero).error() == errc::invalid_argument);
    check_script(gw);
}

TEST_CASE("a REGISTER from the gateway is answered with REGACK and names the PUBLISH that follows")
{
    scripted_gateway gw({
        {v1_2::pingreq_msg{},
         {wire(v1_2::register_msg{21, 77, "x/y/z"}), wire(publish_msg(qos::zero, 21, 0, "v"))}},
        {v1_2::regack_msg{21, 77, 0x00}, {wire(v1_2::pingresp_msg{})}},
    });
    auto c = open(options_for(gw));
    REQUIRE(c.ping().has_value());
    auto reg = c.receive(1s);
    REQUIRE(reg.has_value());
    CHECK(std::holds_alternative<v1_2::register_msg>(*reg));
    auto p = c.receive_publish(1s);
    REQUIRE(p.has_value());
    CHECK(p->topic_name == "x/y/z");
    check_script(gw);
}

TEST_CASE("wake collects every message until PINGRESP and acknowledges QoS 1 and QoS 2 as they come")
{
    scripted_gateway gw({
        {v1_2::pingreq_msg{"s1"}, {wire(publish_msg(qos::one, 5, 10, "m1", topic_id_type::predefined))}},
        {v1_2::puback_msg{5, 10, 0x00},
         {wire(publish_msg(qos::two, 5, 11, "m2", topic_id_type::predefined))}},
        {v1_2::pubrec_msg{11}, {wire(v1_2::pubrel_msg{11})}},
        {v1_2::pubcomp_msg{11},
         {wire(publish_msg(qos::zero, 0x6162, 0, "m3", topic_id_type::short_name)),
          wire(v1_2::pingresp_msg{})}},
    });
    auto o = options_for(gw);
    o.predefined_topics = {{5, "pre/five"}};
    auto c = open(o);
    const auto w = c.wake();
    REQUIRE(w.has_value());
    CHECK(w->pingresp);
    CHECK_FALSE(w->disconnected);
    REQUIRE(w->publications.size() == 3);
    CHECK(w->publications[0].topic_name == "pre/five");
    CHECK(w->publications[0].payload() == "m1");
    CHECK(w->publications[1].payload() == "m2");
    CHECK(w->publications[2].topic_name == "ab");
    CHECK(w->received.size() == 5); // 3 PUBLISH, PUBREL, PINGRESP
    check_script(gw);
}

TEST_CASE("wake without acknowledging answers nothing but REGISTER and returns what came by its deadline")
{
    scripted_gateway gw({
        {v1_2::pingreq_msg{"s1"}, {wire(v1_2::register_msg{3, 1, "t/3"})}},
        {v1_2::regack_msg{3, 1, 0x00},
         {wire(publish_msg(qos::one, 3, 2, "m")),
          wire(publish_msg(qos::one, 3, 2, "m", topic_id_type::normal, true))}},
        {std::nullopt, {}, 500ms},
    });
    auto c = open(options_for(gw));
    const auto w = c.wake({.acknowledge = false, .timeout = 400ms});
    REQUIRE(w.has_value());
    CHECK_FALSE(w->pingresp);
    REQUIRE(w->publications.size() == 2);
    CHECK(w->publications[0].topic_name == "t/3");
    CHECK(w->publications[1].message.dup);
    check_script(gw);
}

TEST_CASE("manual acknowledgement sends nothing until acknowledge is called")
{
    scripted_gateway gw({
        {v1_2::pingreq_msg{},
         {wire(publish_msg(qos::one, 8, 40, "a")), wire(publish_msg(qos::two, 8, 41, "b")),
          wire(v1_2::pingresp_msg{})}},
        {std::nullopt, {}, 300ms},
        {v1_2::puback_msg{8, 40, 0x02}, {}},
        {v1_2::pubrec_msg{41}, {}},
    });
    auto o = options_for(gw);
    o.acks = ack_policy::manual;
    auto c = open(o);
    REQUIRE(c.ping().has_value());
    auto a = c.receive_publish(1s);
    auto b = c.receive_publish(1s);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    // Give the script its window of silence before answering.
    std::this_thread::sleep_for(400ms);
    REQUIRE(c.acknowledge(a->message, v1_2::return_codes::rejected_invalid_topic_id).has_value());
    REQUIRE(c.acknowledge(b->message).has_value());
    check_script(gw);
}

TEST_CASE("a DISCONNECT from the gateway ends the wait for an answer")
{
    scripted_gateway gw({{publish_msg(qos::one, 3, 1, "a"), {wire(v1_2::disconnect_msg{})}}});
    auto c = open(options_for(gw));
    const auto r = c.publish(topic::normal(3), bytes("a"), qos::one);
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::disconnected);
    check_script(gw);
}

TEST_CASE("disconnect with a duration sends the sleep request and waits for the gateway's DISCONNECT")
{
    scripted_gateway gw({{v1_2::disconnect_msg{60}, {wire(v1_2::disconnect_msg{})}}});
    auto c = open(options_for(gw));
    CHECK(c.disconnect(std::uint16_t{60}).has_value());
    CHECK(wire(v1_2::disconnect_msg{60}) == hex("04 18 00 3c")); // Length, DISCONNECT, Duration 60
    check_script(gw);
}

TEST_CASE("malformed datagrams are counted and skipped")
{
    scripted_gateway gw({
        {v1_2::pingreq_msg{}, {hex("05 0d 00"), hex("02 03"), hex(""), wire(v1_2::pingresp_msg{})}},
    });
    auto c = open(options_for(gw));
    REQUIRE(c.ping().has_value());
    CHECK(c.counters().malformed_received == 3);
    check_script(gw);
}

TEST_CASE("raw bytes go out unchanged and search_gateway returns the GWINFO")
{
    scripted_gateway gw({
        {v1_2::pingreq_msg{"raw"}, {}},
        {v1_2::searchgw_msg{1}, {wire(v1_2::gwinfo_msg{42, std::nullopt})}},
    });
    auto c = open(options_for(gw));
    REQUIRE(c.send_raw(hex("05 16 72 61 77")).has_value()); // PINGREQ with ClientId "raw"
    const auto info = c.search_gateway(1);
    REQUIRE(info.has_value());
    CHECK(info->gw_id == 42);
    check_script(gw);
}

TEST_CASE("receive reports a timeout when nothing arrives, also when nothing listens at the gateway's port")
{
    client_options o;
    o.gateway_port = sngw::test::free_udp_port();
    auto c = open(o);
    REQUIRE(c.send(v1_2::pingreq_msg{}).has_value());
    const auto r = c.receive(200ms);
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::timeout);
}

TEST_CASE("a gateway on the IPv6 loopback is reached the same way")
{
    if (!sngw::test::has_ipv6_loopback()) {
        MESSAGE("skipped: no IPv6 loopback here");
        return;
    }
    scripted_gateway gw({{v1_2::connect_msg{false, true, 30, "s6"}, {wire(v1_2::connack_msg{0x00})}}}, true);
    auto o = options_for(gw, "s6");
    o.gateway_host = "::1";
    auto c = open(o);
    CHECK(c.connect().value() == 0x00);
    check_script(gw);
}

TEST_CASE("rebind moves the client to another local port and it keeps working")
{
    scripted_gateway gw({
        {v1_2::pingreq_msg{}, {wire(v1_2::pingresp_msg{})}},
        {v1_2::pingreq_msg{"s1"}, {wire(v1_2::pingresp_msg{})}},
    });
    auto c = open(options_for(gw));
    REQUIRE(c.ping().has_value());
    const auto before = c.local_port();
    REQUIRE(c.rebind().has_value());
    CHECK(c.local_port() != before);
    const auto w = c.wake();
    REQUIRE(w.has_value());
    CHECK(w->pingresp);
    check_script(gw);
}

TEST_CASE("message ids count from 1 and skip 0 when they wrap")
{
    client_options o;
    auto c = open(o);
    CHECK(c.next_msg_id() == 1);
    CHECK(c.next_msg_id() == 2);
    for (int i = 0; i < 65532; ++i)
        (void)c.next_msg_id();
    CHECK(c.next_msg_id() == 65535);
    CHECK(c.next_msg_id() == 1);
}
