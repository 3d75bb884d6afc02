// SPDX-License-Identifier: MIT
// CONNECT from the template, CONNACK honoured property by property, CONNACK failures, the CONNACK
// timeout, enhanced authentication.
#include "scripted_broker.hpp"

#include <doctest/doctest.h>

namespace {

using namespace sngw::test;
using m5::qos;
using m5::reason_code;

TEST_CASE("a minimal CONNECT is byte-exact: clean start, keep alive 10 s, client id \"c1\"")
{
    auto cfg = basic_config(10);
    cfg.connect.client_id = "c1";
    scripted_broker b(cfg);
    b.link_up();
    REQUIRE(b.wire().size() == 1);
    CHECK(to_hex(b.wire()[0]) == to_hex(hex("10 14"             // CONNECT, Remaining Length 20
                                            "00 04 4d 51 54 54" // Protocol Name "MQTT"
                                            "05"                // Protocol Version 5
                                            "02"                // Connect Flags: Clean Start
                                            "00 0a"             // Keep Alive 10 s
                                            "05"                // Property Length 5
                                            "27 00 01 04 00"    // Maximum Packet Size 66,560 (default)
                                            "00 02 63 31")));   // Client Identifier "c1"
    CHECK(b.session().state() == m5::session_state::connecting);
}

TEST_CASE("the CONNECT bounds Maximum Packet Size by default, a larger packet from the broker is 0x95")
{
    scripted_broker b(basic_config());
    b.link_up();
    CHECK(b.expect<m5::connect_packet>().props.maximum_packet_size == m5::default_max_packet_size);
    CHECK(b.session().config().connect.props.maximum_packet_size == 65'536u + 1'024u);
    b.send(m5::connack_packet{});
    b.expect_event<m5::connected>();
    // A PUBLISH one byte over: the broker broke [MQTT-3.1.2-25].
    m5::publish_packet big{false, qos::at_most_once, false, "t", 0, {}, {}};
    big.payload.resize(m5::default_max_packet_size - 8 + 1); // 1 + 3 (Remaining Length) + 3 (topic) + 1
    REQUIRE(m5::encoded_size(m5::packet{big}) == m5::default_max_packet_size + 1);
    b.send(big);
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::packet_too_large);
    CHECK(b.expect_event<m5::protocol_error_detected>().sent.reason == reason_code::packet_too_large);

    auto cfg = basic_config();
    cfg.connect.props.maximum_packet_size = 1'000'000; // the user's own choice is kept
    scripted_broker b2(cfg);
    b2.link_up();
    CHECK(b2.expect<m5::connect_packet>().props.maximum_packet_size == 1'000'000u);
}

TEST_CASE("the CONNECT carries the whole template: will with its properties, credentials and properties")
{
    auto cfg = basic_config(30);
    auto& c = cfg.connect;
    c.props.session_expiry_interval = 3600;
    c.props.receive_maximum = 4; // the sensor's buffer (design §3)
    c.props.maximum_packet_size = 2048;
    c.props.topic_alias_maximum = 8;
    c.props.request_problem_information = true;
    c.props.user_properties = {{"gateway", "sngw"}};
    m5::will_message will;
    will.topic = "sensors/sensor-1/status";
    will.payload = bytes("offline");
    will.qos = qos::at_least_once;
    will.retain = true;
    will.props.will_delay_interval = 5;
    will.props.payload_format_indicator = m5::payload_format::utf8;
    will.props.message_expiry_interval = 600;
    will.props.content_type = "text/plain";
    will.props.response_topic = "sensors/sensor-1/ack";
    will.props.correlation_data = bytes("x1");
    will.props.user_properties = {{"k", "v"}};
    c.will = will;
    c.username = "user";
    c.password = bytes("secret");

    scripted_broker b(cfg);
    b.link_up();
    const auto sent = b.expect<m5::connect_packet>();
    CHECK(sent == cfg.connect);
}

TEST_CASE("CONNACK Success is surfaced with everything it said and the defaults of what it left out")
{
    scripted_broker b(basic_config(60));
    m5::connack_packet ack;
    ack.props.reason_string = "welcome";
    ack.props.user_properties = {{"region", "eu"}};
    ack.props.response_information = "ignored/by/the/session";
    const auto ev = b.connect_ok(ack);
    CHECK_FALSE(ev.session_present);
    CHECK(ev.client_id == "sensor-1");
    CHECK_FALSE(ev.client_id_assigned);
    CHECK(ev.keep_alive == 60);
    CHECK(ev.session_expiry_interval == 0);
    CHECK(ev.limits == m5::broker_limits{});
    CHECK(ev.props == ack.props);
    CHECK(b.session().state() == m5::session_state::connected);
    CHECK(b.nothing_sent());
    CHECK(b.no_events());
}

TEST_CASE("an Assigned Client Identifier is exposed and used by the next CONNECT")
{
    auto cfg = basic_config();
    cfg.connect.client_id = "";
    scripted_broker b(cfg);
    m5::connack_packet ack;
    ack.props.assigned_client_identifier = "auto-7f3a";
    const auto ev = b.connect_ok(ack);
    CHECK(ev.client_id == "auto-7f3a");
    CHECK(ev.client_id_assigned);
    CHECK(b.session().client_id() == "auto-7f3a");

    b.link_down();
    CHECK(b.expect_event<m5::link_lost>().cause == m5::link_lost_cause::link_down);
    b.link_up();
    const auto again = b.expect<m5::connect_packet>();
    CHECK(again.client_id == "auto-7f3a");
    CHECK_FALSE(again.clean_start); // resume the session the broker keeps under that id
}

TEST_CASE("after a successful connection the next CONNECT resumes (Clean Start 0) unless told otherwise")
{
    scripted_broker b(basic_config());
    CHECK(b.connect().clean_start);
    b.expect_event<m5::connected>();
    b.link_down();
    b.link_up();
    CHECK_FALSE(b.expect<m5::connect_packet>().clean_start);
    b.link_down();
    b.session().set_clean_start(true);
    b.link_up();
    CHECK(b.expect<m5::connect_packet>().clean_start);
}

TEST_CASE("a failed CONNACK does not turn Clean Start off")
{
    scripted_broker b(basic_config());
    b.connect(m5::connack_packet{false, reason_code::server_busy, {}});
    b.expect_event<m5::connect_failed>();
    b.link_up();
    CHECK(b.expect<m5::connect_packet>().clean_start);
}

TEST_CASE("the broker's Session Expiry Interval replaces ours")
{
    auto cfg = basic_config();
    cfg.connect.props.session_expiry_interval = 86400;
    scripted_broker b(cfg);
    m5::connack_packet ack;
    ack.props.session_expiry_interval = 600;
    CHECK(b.connect_ok(ack).session_expiry_interval == 600);
    CHECK(b.session().session_expiry_interval() == 600);
}

TEST_CASE("CONNACK 0x87 Not authorized is surfaced with its reason string and the link is closed")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack{false, reason_code::not_authorized, {}};
    ack.props.reason_string = "ACL denies sensor-1";
    b.connect(ack);
    CHECK(b.closed() == m5::close_mode::graceful);
    const auto ev = b.expect_event<m5::connect_failed>();
    CHECK(ev.reason == reason_code::not_authorized);
    CHECK(ev.reason_string() == "ACL denies sensor-1");
    CHECK_FALSE(ev.server_reference());
    CHECK(b.session().state() == m5::session_state::disconnected);
    CHECK(b.session().next_deadline() == std::nullopt);
    CHECK(b.no_events());
}

TEST_CASE("CONNACK 0x86 Bad user name or password is surfaced")
{
    auto cfg = basic_config();
    cfg.connect.username = "sensor";
    cfg.connect.password = bytes("wrong");
    scripted_broker b(cfg);
    b.connect(m5::connack_packet{false, reason_code::bad_user_name_or_password, {}});
    CHECK(b.closed() == m5::close_mode::graceful);
    const auto ev = b.expect_event<m5::connect_failed>();
    CHECK(ev.reason == reason_code::bad_user_name_or_password);
    CHECK_FALSE(ev.reason_string());
}

TEST_CASE("CONNACK 0x9C Use another server is surfaced with its Server Reference, exactly")
{
    scripted_broker b(basic_config());
    m5::connack_packet ack{false, reason_code::use_another_server, {}};
    ack.props.server_reference = "broker-2.example:8883 broker-3.example";
    ack.props.reason_string = "draining";
    b.connect(ack);
    CHECK(b.closed() == m5::close_mode::graceful);
    const auto ev = b.expect_event<m5::connect_failed>();
    CHECK(ev.reason == reason_code::use_another_server);
    CHECK(ev.server_reference() == "broker-2.example:8883 broker-3.example");
    CHECK(ev.reason_string() == "draining");
}

TEST_CASE("no CONNACK within connect_timeout: the link is lost at exactly the timeout and closed abruptly")
{
    auto cfg = basic_config();
    cfg.connect_timeout = 5s;
    scripted_broker b(cfg);
    b.link_up();
    b.expect<m5::connect_packet>();
    CHECK(b.session().next_deadline() == b.now() + 5s);
    b.advance(4999ms);
    CHECK(b.no_events());
    CHECK(b.link_open());
    b.advance(1ms);
    CHECK(b.closed() == m5::close_mode::abrupt);
    CHECK(b.expect_event<m5::link_lost>().cause == m5::link_lost_cause::connack_timeout);
    CHECK(b.session().state() == m5::session_state::disconnected);
    CHECK(b.nothing_sent());
}

TEST_CASE("Session Present 1 after Clean Start 1 is a protocol error")
{
    scripted_broker b(basic_config());
    b.connect(m5::connack_packet{true, reason_code::success, {}});
    const auto d = b.expect<m5::disconnect_packet>();
    CHECK(d.reason == reason_code::protocol_error);
    CHECK(b.closed() == m5::close_mode::graceful);
    CHECK(b.expect_event<m5::protocol_error_detected>().sent.reason == reason_code::protocol_error);
}

TEST_CASE("an MQTT 3.1.1 broker's CONNACK refusal is connect_failed 0x84 Unsupported Protocol Version")
{
    scripted_broker b(basic_config());
    b.link_up();
    b.expect<m5::connect_packet>();
    b.send_raw(hex("20"    // CONNACK
                   "02"    // Remaining Length 2 (MQTT 3.1.1: no properties)
                   "00"    // Connect Acknowledge Flags
                   "01")); // 3.1.1 return code 1: unacceptable protocol version
    const auto failed = b.expect_event<m5::connect_failed>();
    CHECK(failed.reason == reason_code::unsupported_protocol_version);
    CHECK(failed.reason_string() == "MQTT 3.1.1 CONNACK return code 1");
    CHECK(b.nothing_sent()); // no DISCONNECT 0x81
    CHECK(b.closed() == m5::close_mode::graceful);
    CHECK(b.no_events());

    // Once connected the same bytes are a second CONNACK that does not decode: malformed.
    b.connect_ok();
    b.send_raw(hex("20 02 00 01"));
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::malformed_packet);
}

TEST_CASE("a PUBLISH before CONNACK is a protocol error")
{
    scripted_broker b(basic_config());
    b.link_up();
    b.expect<m5::connect_packet>();
    b.send(m5::publish_packet{false, qos::at_most_once, false, "a", 0, {}, bytes("x")});
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
    CHECK(b.expect_event<m5::protocol_error_detected>().sent.reason == reason_code::protocol_error);
    CHECK(b.no_events());
}

TEST_CASE("a second CONNACK is a protocol error")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    b.send(m5::connack_packet{});
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
    b.expect_event<m5::protocol_error_detected>();
}

TEST_CASE("enhanced authentication: AUTH before CONNACK is surfaced and answered with the CONNECT's method")
{
    auto cfg = basic_config();
    cfg.connect.props.authentication_method = "SCRAM-SHA-1";
    cfg.connect.props.authentication_data = bytes("client-first");
    scripted_broker b(cfg);
    b.link_up();
    CHECK(b.expect<m5::connect_packet>().props.authentication_method == "SCRAM-SHA-1");

    m5::auth_packet challenge{reason_code::continue_authentication, {}};
    challenge.props.authentication_method = "SCRAM-SHA-1";
    challenge.props.authentication_data = bytes("server-first");
    b.send(challenge);
    const auto ev = b.expect_event<m5::auth_received>();
    CHECK(ev.reason == reason_code::continue_authentication);
    CHECK(ev.props.authentication_data == bytes("server-first"));

    m5::properties answer;
    answer.authentication_data = bytes("client-final");
    b.send_auth(reason_code::continue_authentication, answer);
    const auto sent = b.expect<m5::auth_packet>();
    CHECK(sent.reason == reason_code::continue_authentication);
    CHECK(sent.props.authentication_method == "SCRAM-SHA-1");
    CHECK(sent.props.authentication_data == bytes("client-final"));

    m5::connack_packet ack;
    ack.props.authentication_method = "SCRAM-SHA-1";
    ack.props.authentication_data = bytes("server-final");
    b.send(ack);
    CHECK(b.expect_event<m5::connected>().props.authentication_data == bytes("server-final"));
}

TEST_CASE("an AUTH when the CONNECT chose no authentication method is a protocol error")
{
    scripted_broker b(basic_config());
    b.connect_ok();
    m5::auth_packet a{reason_code::re_authenticate, {}};
    a.props.authentication_method = "X";
    b.send(a);
    CHECK(b.expect<m5::disconnect_packet>().reason == reason_code::protocol_error);
    b.expect_event<m5::protocol_error_detected>();
}

TEST_CASE("a CONNECT the codec cannot encode is refused locally, without sending anything")
{
    auto cfg = basic_config();
    cfg.connect.client_id = std::string("bad\0id", 6); // U+0000 is not allowed in a UTF-8 string (§1.5.4)
    scripted_broker b(cfg);
    b.link_up();
    CHECK(b.nothing_sent());
    CHECK(b.closed() == m5::close_mode::abrupt);
    CHECK(b.expect_event<m5::connect_failed>().reason == reason_code::malformed_packet);
    CHECK(b.session().state() == m5::session_state::disconnected);
}

} // namespace
