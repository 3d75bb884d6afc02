// SPDX-License-Identifier: MIT
// How connections end: broker DISCONNECT (MQTT 5.0 §3.14), our DISCONNECT, abort, link loss, and the
// broker's protocol faults answered with DISCONNECT (§4.13).
#include "scripted_broker.hpp"

#include <doctest/doctest.h>

namespace {

using namespace sngw::test;
using m5::qos;
using m5::reason_code;

void check_broker_disconnect(reason_code rc, std::optional<std::string> reason_string,
                             std::optional<std::string> server_reference)
{
    scripted_broker b(basic_config());
    b.connect_ok();
    m5::disconnect_packet d{rc, {}};
    d.props.reason_string = reason_string;
    d.props.server_reference = server_reference;
    d.props.user_properties = {{"node", "emqx@10.0.0.7"}};
    b.send(d);
    CHECK(b.nothing_sent()); // no DISCONNECT back (§3.14.4)
    CHECK(b.closed() == m5::close_mode::graceful);
    const auto ev = b.expect_event<m5::broker_disconnected>();
    CHECK(ev.reason == rc);
    CHECK(ev.reason_string() == reason_string);
    CHECK(ev.server_reference() == server_reference);
    CHECK(ev.props == d.props);
    CHECK(b.no_events());
    CHECK(b.session().state() == m5::session_state::disconnected);
    CHECK(b.session().next_deadline() == std::nullopt);
    b.link_down(); // the transport's own report afterwards: already handled
    CHECK(b.no_events());
}

TEST_CASE("broker DISCONNECT 0x8B Server shutting down is surfaced and the link closed")
{
    check_broker_disconnect(reason_code::server_shutting_down, "maintenance", std::nullopt);
}

TEST_CASE("broker DISCONNECT 0x89 Server busy is surfaced")
{
    check_broker_disconnect(reason_code::server_busy, std::nullopt, std::nullopt);
}

TEST_CASE("broker DISCONNECT 0x9C Use another server is surfaced with its Server Reference, exactly")
{
    check_broker_disconnect(reason_code::use_another_server, "rebalancing", "mqtt-b.example.net:1883");
}

TEST_CASE("broker DISCONNECT 0x9D Server moved is surfaced with its Server Reference, exactly")
{
    check_broker_disconnect(reason_code::server_moved, std::nullopt, "[2001:db8::7]:8883 mqtt-c.example.net");
}

TEST_CASE("broker DISCONNECT 0x00 and 0x8E Session taken over are surfaced as well")
{
    check_broker_disconnect(reason_code::normal_disconnection, std::nullopt, std::nullopt);
    check_broker_disconnect(reason_code::session_taken_over, "another client with id sensor-1", std::nullopt);
}

TEST_CASE("a broker DISCONNECT before CONNACK is surfaced as a failed connect with its reason")
{
    scripted_broker b(basic_config());
    b.link_up();
    b.expect<m5::connect_packet>();
    m5::disconnect_packet d{reason_code::server_busy, {}};
    d.props.reason_string = "busy";
    b.send(d);
    const auto failed = b.expect_event<m5::connect_failed>();
    CHECK(failed.reason == reason_code::server_busy);
    CHECK(failed.reason_string() == "busy");
    CHECK(b.nothing_sent());
    CHECK(b.closed() == m5::close_mode::graceful);
    CHECK(b.session().state() == m5::session_state::disconnected);

    b.link_up();
    b.expect<m5::connect_packet>();
    b.send(m5::disconnect_packet{reason_code::normal_disconnection, {}}); // no verdict: 0x80
    CHECK(b.expect_event<m5::connect_failed>().reason == reason_code::unspecified_error);
}

TEST_CASE("a server DISCONNECT with a Session Expiry Interval or reason 0x04 is a protocol error")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    SUBCASE("Session Expiry Interval [MQTT-3.14.2-2]")
    {
        m5::disconnect_packet d{reason_code::server_shutting_down, {}};
        d.props.session_expiry_interval = 0;
        b.send(d);
    }
    SUBCASE("0x04 Disconnect with Will Message, which only a client sends")
    {
        b.send(m5::disconnect_packet{reason_code::disconnect_with_will_message, {}});
    }
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
    CHECK(b.expect_event<m5::protocol_error_detected>().sent.reason == reason_code::protocol_error);
    CHECK(b.no_events());
    CHECK_FALSE(b.link_open());
}

TEST_CASE("malformed bytes from the broker: DISCONNECT 0x81 sent, the link closed, the fault surfaced")
{
    const char* cases[] = {
        "30 02 00",          // PUBLISH whose Remaining Length runs past the bytes
        "00 00",             // reserved packet type 0
        "41 02 00 01",       // PUBACK with reserved flags set
        "30 04 00 01 2b 00", // PUBLISH to topic "+": a wildcard in a Topic Name
        "40 03 00 01 05",    // PUBACK with a reason code PUBACK cannot carry
    };
    for (const char* wire : cases) {
        CAPTURE(wire);
        scripted_broker b(basic_config());
        b.connect_ok();
        b.send_raw(hex(wire));
        const auto d = b.expect<m5::disconnect_packet>();
        CHECK(d.reason == reason_code::malformed_packet);
        CHECK(b.closed() == m5::close_mode::graceful);
        const auto ev = b.expect_event<m5::protocol_error_detected>();
        CHECK(ev.sent == d);
        CHECK(ev.error.category() == m5::mqtt5_category());
        CHECK(b.no_events());
        CHECK(b.session().state() == m5::session_state::disconnected);
        b.send_raw(hex("d0 00")); // bytes after the close are ignored
        CHECK(b.nothing_sent());
        CHECK(b.no_events());
    }
}

TEST_CASE("a property given twice is a protocol error: DISCONNECT 0x82")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send_raw(hex("30 0e"             // PUBLISH QoS 0, Remaining Length 14
                   "00 01 61"          // Topic "a"
                   "0a"                // Property Length 10
                   "02 00 00 00 01"    // Message Expiry Interval 1
                   "02 00 00 00 01")); // Message Expiry Interval again
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
    CHECK(b.expect_event<m5::protocol_error_detected>().error == m5::errc::duplicate_property);
}

TEST_CASE("a packet above our Maximum Packet Size is DISCONNECT 0x95")
{
    auto cfg = basic_config();
    cfg.connect.props.maximum_packet_size = 32;
    scripted_broker b(cfg);
    b.connect_ok();
    b.send(m5::publish_packet{false, qos::at_most_once, false, "a", 0, {}, bytes(std::string(40, 'x'))});
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::packet_too_large);
    CHECK(b.expect_event<m5::protocol_error_detected>().error == m5::errc::packet_too_large);
}

TEST_CASE("packets a server never sends are protocol errors")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(m5::pingreq_packet{});
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
    b.expect_event<m5::protocol_error_detected>();
}

TEST_CASE("Request Problem Information 0: a reason string on a PUBACK is a protocol error")
{
    auto cfg = basic_config();
    cfg.connect.props.request_problem_information = false;
    scripted_broker b(cfg);
    m5::connack_packet ack;
    ack.props.reason_string = "allowed on CONNACK";
    b.connect_ok(ack);
    b.publish("t", "x", qos::at_least_once);
    b.expect_publish();
    m5::puback_packet p{1, reason_code::success, {}};
    p.props.reason_string = "not asked for";
    b.send(p);
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
}

TEST_CASE("our DISCONNECT: the packet, then a graceful close, QoS state is kept for the next connection")
{
    auto cfg = basic_config();
    cfg.connect.props.session_expiry_interval = 60;
    scripted_broker b(cfg);
    b.connect_ok();
    b.publish("t", "x", qos::at_least_once);
    b.expect_publish();
    b.disconnect(reason_code::normal_disconnection, 3600);
    const auto d = b.expect<m5::disconnect_packet>();
    CHECK(d.reason == reason_code::normal_disconnection);
    CHECK(d.props.session_expiry_interval == 3600);
    REQUIRE(b.last_actions().size() == 2);
    CHECK(std::holds_alternative<m5::send_bytes>(b.last_actions()[0]));
    CHECK(b.last_actions()[1] == m5::action{m5::close_link{m5::close_mode::graceful}});
    CHECK(b.no_events());
    CHECK(b.session().session_expiry_interval() == 3600);
    CHECK(b.session().outbound_pending() == 1);
    b.disconnect(); // twice: nothing
    CHECK(b.nothing_sent());
}

TEST_CASE("a short DISCONNECT is byte-exact: e0 00")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.disconnect();
    CHECK(to_hex(b.wire().back()) == "e0 00");
}

TEST_CASE("a non-zero Session Expiry on DISCONNECT is left out when the CONNECT had 0")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.disconnect(reason_code::disconnect_with_will_message, 3600);
    const auto d = b.expect<m5::disconnect_packet>();
    CHECK(d.reason == reason_code::disconnect_with_will_message);
    CHECK_FALSE(d.props.session_expiry_interval);
}

TEST_CASE("abort closes abruptly without DISCONNECT, so the broker publishes the will")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.abort();
    CHECK(b.nothing_sent());
    CHECK(b.closed() == m5::close_mode::abrupt);
    CHECK(b.no_events());
    CHECK(b.session().state() == m5::session_state::disconnected);
    b.abort(); // twice: nothing
    CHECK(b.last_actions().empty());
}

TEST_CASE("the link going down is surfaced as link_lost, once")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.link_down();
    CHECK(b.expect_event<m5::link_lost>().cause == m5::link_lost_cause::link_down);
    CHECK(b.session().state() == m5::session_state::disconnected);
    b.link_down();
    CHECK(b.no_events());
    CHECK(b.nothing_sent());
}

TEST_CASE("the link going down while connecting is surfaced too")
{
    scripted_broker b(basic_config());
    b.link_up();
    b.expect<m5::connect_packet>();
    b.link_down();
    CHECK(b.expect_event<m5::link_lost>().cause == m5::link_lost_cause::link_down);
    CHECK(b.session().next_deadline() == std::nullopt);
}

TEST_CASE("a re-authentication: AUTH 0x19 sent, the broker's AUTH surfaced")
{
    auto cfg = basic_config();
    cfg.connect.props.authentication_method = "TOKEN";
    scripted_broker b(cfg);
    b.connect_ok();
    m5::properties props;
    props.authentication_data = bytes("new-token");
    b.send_auth(reason_code::re_authenticate, props);
    const auto a = b.expect<m5::auth_packet>();
    CHECK(a.reason == reason_code::re_authenticate);
    CHECK(a.props.authentication_method == "TOKEN");
    m5::auth_packet ok{reason_code::success, {}};
    ok.props.authentication_method = "TOKEN";
    b.send(ok);
    CHECK(b.expect_event<m5::auth_received>().reason == reason_code::success);
}

TEST_CASE("an AUTH after CONNACK that we did not start with 0x19 is a protocol error")
{
    auto cfg = basic_config();
    cfg.connect.props.authentication_method = "TOKEN";
    scripted_broker b(cfg);
    b.connect_ok();
    m5::auth_packet a{reason_code::continue_authentication, {}};
    a.props.authentication_method = "TOKEN";
    SUBCASE("never started") {}
    SUBCASE("the previous re-authentication already ended with Success")
    {
        b.send_auth(reason_code::re_authenticate, {});
        b.expect<m5::auth_packet>();
        m5::auth_packet ok{reason_code::success, {}};
        ok.props.authentication_method = "TOKEN";
        b.send(ok);
        b.expect_event<m5::auth_received>();
    }
    b.send(a);
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
    b.expect_event<m5::protocol_error_detected>();
    CHECK(b.no_events());
}

TEST_CASE("an AUTH or CONNACK with an authentication method other than ours is a protocol error")
{
    auto cfg = basic_config();
    cfg.connect.props.authentication_method = "SCRAM-SHA-1";
    scripted_broker b(cfg);
    SUBCASE("AUTH before CONNACK")
    {
        b.link_up();
        b.expect<m5::connect_packet>();
        m5::auth_packet a{reason_code::continue_authentication, {}};
        a.props.authentication_method = "SCRAM-SHA-256";
        b.send(a);
    }
    SUBCASE("AUTH during a re-authentication")
    {
        b.connect_ok();
        b.send_auth(reason_code::re_authenticate, {});
        b.expect<m5::auth_packet>();
        m5::auth_packet a{reason_code::continue_authentication, {}};
        a.props.authentication_method = "PLAIN";
        b.send(a);
    }
    SUBCASE("CONNACK")
    {
        b.link_up();
        b.expect<m5::connect_packet>();
        m5::connack_packet ack;
        ack.props.authentication_method = "PLAIN";
        b.send(ack);
    }
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
    b.expect_event<m5::protocol_error_detected>();
    CHECK(b.no_events());
}

TEST_CASE("actions print readably for logs and failed checks")
{
    CHECK(describe(m5::action{m5::link_lost{m5::link_lost_cause::ping_timeout}}) ==
          "link_lost{ping_timeout}");
    CHECK(describe(m5::action{m5::close_link{m5::close_mode::abrupt}}) == "close_link{abrupt}");
    CHECK(describe(m5::action{m5::send_bytes{m5::packet_type::pingreq, hex("c0 00")}}) ==
          "send PINGREQ (2 bytes)");
    CHECK(describe(m5::action{m5::session_state_dropped{{1, 2}, {3}}}) ==
          "session_state_dropped{outbound:[1,2],inbound:[3]}");
    CHECK(describe(m5::request_status::queued) == "queued");
}

} // namespace
