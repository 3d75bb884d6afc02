// SPDX-License-Identifier: MIT
// render_prometheus (pure): the exact text for a small snapshot, and a large one read back by a strict
// text-format parser.
#include <sngw/app/metrics.hpp>

#include "unit/app/metrics_text_parser.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace sngw;
using namespace std::chrono_literals;

namespace {

core::client_info sensor(std::string id, core::client_state state, std::size_t buffered = 0,
                         std::size_t in_flight = 0, sn::protocol_version v = sn::protocol_version::v1_2)
{
    core::client_info c;
    c.client_id = std::move(id);
    c.state = state;
    c.buffered = buffered;
    c.in_flight = in_flight;
    c.version = v;
    return c;
}

app::metrics_snapshot small_snapshot()
{
    app::metrics_snapshot s;
    s.version = "0.1.0";
    s.uptime = 12500ms;
    s.broker_connected = true;
    s.broker_links = 2;
    s.gateway.publishes_from_clients[0] = 5; // QoS 0
    s.gateway.publishes_from_clients[1] = 7; // QoS 1
    s.gateway.publishes_from_clients[2] = 1; // QoS 2
    s.gateway.publishes_from_clients[3] = 2; // QoS -1
    s.gateway.publishes_to_clients[0] = 3;
    s.gateway.publishes_to_clients[1] = 4;
    s.gateway.retransmissions = 6;
    s.gateway.qos0_dropped = 1;
    s.gateway.clients_lost = 1;
    s.gateway.broker_disconnects = {{0x98, 1}, {0x8E, 2}}; // administrative action, session taken over
    s.gateway.verdicts_sent = 3;
    s.clients = {sensor("c1", core::client_state::active, 0, 1), sensor("c2", core::client_state::asleep, 3),
                 sensor("c3", core::client_state::lost)};
    s.runner.broker_links_opened = 4;
    s.runner.dropped = {{"truncated", 2}, {"a \"quoted\" \\ reason\nline two", 1}};
    app::link_metrics udp;
    udp.name = "udp 127.0.0.1:1883";
    udp.kind = "udp";
    udp.counters.datagrams_in = 10;
    udp.counters.datagrams_out = 8;
    udp.counters.bytes_in = 200;
    udp.counters.bytes_out = 150;
    udp.counters.send_errors = 1;
    udp.counters.drops = 2;
    s.links.push_back(udp);
    return s;
}

} // namespace

TEST_CASE("label values escape backslash, double quote and line feed and nothing else")
{
    CHECK(app::escape_label_value("plain /dev/ttyUSB0 [::1]:1883") == "plain /dev/ttyUSB0 [::1]:1883");
    CHECK(app::escape_label_value("a\\b") == "a\\\\b");
    CHECK(app::escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
    CHECK(app::escape_label_value("one\ntwo") == "one\\ntwo");
    CHECK(app::escape_label_value("tab\there") == "tab\there");
    CHECK(app::escape_label_value("") == "");
}

TEST_CASE("a small snapshot renders to the exact text format with HELP and TYPE once per family")
{
    const std::string expected =
        "# HELP sngw_up 1 while the gateway runs.\n"
        "# TYPE sngw_up gauge\n"
        "sngw_up 1\n"
        "# HELP sngw_build_info The gateway's version, as a label; the value is 1.\n"
        "# TYPE sngw_build_info gauge\n"
        "sngw_build_info{version=\"0.1.0\"} 1\n"
        "# HELP sngw_uptime_seconds Seconds since the gateway started.\n"
        "# TYPE sngw_uptime_seconds gauge\n"
        "sngw_uptime_seconds 12.500\n"
        "# HELP sngw_broker_connected 1 while the gateway's own MQTT 5 session with the broker is connected, "
        "else 0.\n"
        "# TYPE sngw_broker_connected gauge\n"
        "sngw_broker_connected 1\n"
        "# HELP sngw_broker_links MQTT 5 links to the broker open or closing (one per sensor session).\n"
        "# TYPE sngw_broker_links gauge\n"
        "sngw_broker_links 2\n"
        "# HELP sngw_sensors MQTT-SN clients the gateway holds a record for, by state and protocol version.\n"
        "# TYPE sngw_sensors gauge\n"
        "sngw_sensors{state=\"disconnected\",version=\"1.2\"} 0\n"
        "sngw_sensors{state=\"disconnected\",version=\"2.0\"} 0\n"
        "sngw_sensors{state=\"awaiting_will_topic\",version=\"1.2\"} 0\n"
        "sngw_sensors{state=\"awaiting_will_topic\",version=\"2.0\"} 0\n"
        "sngw_sensors{state=\"awaiting_will_msg\",version=\"1.2\"} 0\n"
        "sngw_sensors{state=\"awaiting_will_msg\",version=\"2.0\"} 0\n"
        "sngw_sensors{state=\"connecting_upstream\",version=\"1.2\"} 0\n"
        "sngw_sensors{state=\"connecting_upstream\",version=\"2.0\"} 0\n"
        "sngw_sensors{state=\"active\",version=\"1.2\"} 1\n"
        "sngw_sensors{state=\"active\",version=\"2.0\"} 0\n"
        "sngw_sensors{state=\"asleep\",version=\"1.2\"} 1\n"
        "sngw_sensors{state=\"asleep\",version=\"2.0\"} 0\n"
        "sngw_sensors{state=\"awake\",version=\"1.2\"} 0\n"
        "sngw_sensors{state=\"awake\",version=\"2.0\"} 0\n"
        "sngw_sensors{state=\"lost\",version=\"1.2\"} 1\n"
        "sngw_sensors{state=\"lost\",version=\"2.0\"} 0\n"
        "# HELP sngw_buffered_messages Messages held for sensors (asleep, or behind an unacknowledged one).\n"
        "# TYPE sngw_buffered_messages gauge\n"
        "sngw_buffered_messages 3\n"
        "# HELP sngw_inflight_messages Messages sent to sensors and not yet acknowledged.\n"
        "# TYPE sngw_inflight_messages gauge\n"
        "sngw_inflight_messages 1\n"
        "# HELP sngw_messages_total PUBLISH messages: in = sensor to broker, out = broker to sensor, by "
        "MQTT-SN "
        "QoS (-1 to 2).\n"
        "# TYPE sngw_messages_total counter\n"
        "sngw_messages_total{direction=\"in\",qos=\"-1\"} 2\n"
        "sngw_messages_total{direction=\"in\",qos=\"0\"} 5\n"
        "sngw_messages_total{direction=\"in\",qos=\"1\"} 7\n"
        "sngw_messages_total{direction=\"in\",qos=\"2\"} 1\n"
        "sngw_messages_total{direction=\"out\",qos=\"0\"} 3\n"
        "sngw_messages_total{direction=\"out\",qos=\"1\"} 4\n"
        "sngw_messages_total{direction=\"out\",qos=\"2\"} 0\n"
        "# HELP sngw_retransmissions_total Messages sent to sensors again after T_RETRY without an answer "
        "(MQTT-SN v1.2 §6.13).\n"
        "# TYPE sngw_retransmissions_total counter\n"
        "sngw_retransmissions_total 6\n"
        "# HELP sngw_drops_total Datagrams and messages dropped, by reason (the core's error, qos0 buffer "
        "full, "
        "link, ...).\n"
        "# TYPE sngw_drops_total counter\n"
        "sngw_drops_total{reason=\"a \\\"quoted\\\" \\\\ reason\\nline two\"} 1\n"
        "sngw_drops_total{reason=\"broker send refused\"} 0\n"
        "sngw_drops_total{reason=\"link\"} 2\n"
        "sngw_drops_total{reason=\"qos0 buffer full\"} 1\n"
        "sngw_drops_total{reason=\"truncated\"} 2\n"
        "# HELP sngw_broker_disconnects_total DISCONNECT packets from the broker on sensors' sessions, by "
        "MQTT 5 "
        "reason code (MQTT 5.0 §3.14.2.1).\n"
        "# TYPE sngw_broker_disconnects_total counter\n"
        "sngw_broker_disconnects_total{reason=\"0x8E\",name=\"Session taken over\"} 2\n"
        "sngw_broker_disconnects_total{reason=\"0x98\",name=\"Administrative action\"} 1\n"
        "# HELP sngw_verdicts_total DISCONNECTs the gateway decided to send a sensor for a broker's verdict "
        "(design §4).\n"
        "# TYPE sngw_verdicts_total counter\n"
        "sngw_verdicts_total 3\n"
        "# HELP sngw_clients_lost_total Sensors lost: keep-alive, sleep timer or retransmissions expired "
        "(their "
        "wills fire).\n"
        "# TYPE sngw_clients_lost_total counter\n"
        "sngw_clients_lost_total 1\n"
        "# HELP sngw_clients_evicted_total Records of disconnected or lost sensors dropped to make room for "
        "a "
        "new one at --max-clients.\n"
        "# TYPE sngw_clients_evicted_total counter\n"
        "sngw_clients_evicted_total 0\n"
        "# HELP sngw_broker_links_opened_total MQTT 5 links to the broker opened.\n"
        "# TYPE sngw_broker_links_opened_total counter\n"
        "sngw_broker_links_opened_total 4\n"
        "# HELP sngw_bytes_total Octets received (in) and sent (out) on each link, serial framing included.\n"
        "# TYPE sngw_bytes_total counter\n"
        "sngw_bytes_total{link=\"udp 127.0.0.1:1883\",direction=\"in\"} 200\n"
        "sngw_bytes_total{link=\"udp 127.0.0.1:1883\",direction=\"out\"} 150\n"
        "# HELP sngw_datagrams_total MQTT-SN datagrams received (in) and sent (out) on each link.\n"
        "# TYPE sngw_datagrams_total counter\n"
        "sngw_datagrams_total{link=\"udp 127.0.0.1:1883\",direction=\"in\"} 10\n"
        "sngw_datagrams_total{link=\"udp 127.0.0.1:1883\",direction=\"out\"} 8\n"
        "# HELP sngw_receive_errors_total Receive errors on each link (each skipped).\n"
        "# TYPE sngw_receive_errors_total counter\n"
        "sngw_receive_errors_total{link=\"udp 127.0.0.1:1883\"} 0\n"
        "# HELP sngw_send_errors_total Sends that failed or were refused on each link.\n"
        "# TYPE sngw_send_errors_total counter\n"
        "sngw_send_errors_total{link=\"udp 127.0.0.1:1883\"} 1\n"
        "# HELP sngw_framing_errors_total Corrupt frames on each link (serial; 0 for UDP).\n"
        "# TYPE sngw_framing_errors_total counter\n"
        "sngw_framing_errors_total{link=\"udp 127.0.0.1:1883\"} 0\n"
        "# HELP sngw_crc_errors_total Frames whose CRC did not match, on each link (serial with CRC; else "
        "0).\n"
        "# TYPE sngw_crc_errors_total counter\n"
        "sngw_crc_errors_total{link=\"udp 127.0.0.1:1883\"} 0\n";

    const auto text = app::render_prometheus(small_snapshot());
    CHECK(text == expected);
    const auto parsed = test::parse_prometheus(text);
    CHECK_MESSAGE(parsed.errors.empty(), parsed.describe_errors());
    CHECK(parsed.value("sngw_drops_total", {{"reason", "a \"quoted\" \\ reason\nline two"}}) == 1.0);
}

TEST_CASE("serial links add their open state, reopens and losses, and the server its own requests")
{
    auto s = small_snapshot();
    app::link_metrics serial;
    serial.name = "serial /dev/ttyUSB0";
    serial.kind = "serial";
    serial.counters.framing_errors = 3;
    serial.counters.crc_errors = 2;
    serial.serial = transport::serial_stats{};
    serial.serial->open = true;
    serial.serial->reopens = 4;
    serial.serial->losses = 5;
    s.links.push_back(serial);
    s.http = app::metrics_server_stats{};
    s.http->scrapes = 9;
    s.http->index = 1;
    s.http->timeouts = 2;

    const auto parsed = test::parse_prometheus(app::render_prometheus(s));
    REQUIRE_MESSAGE(parsed.errors.empty(), parsed.describe_errors());
    const std::map<std::string, std::string> port{{"link", "serial /dev/ttyUSB0"}};
    CHECK(parsed.value("sngw_framing_errors_total", port) == 3.0);
    CHECK(parsed.value("sngw_crc_errors_total", port) == 2.0);
    CHECK(parsed.value("sngw_serial_open", port) == 1.0);
    CHECK(parsed.value("sngw_serial_reopens_total", port) == 4.0);
    CHECK(parsed.value("sngw_serial_losses_total", port) == 5.0);
    CHECK_FALSE(parsed.value("sngw_serial_open", {{"link", "udp 127.0.0.1:1883"}}).has_value());
    CHECK(parsed.value("sngw_metrics_http_requests_total", {{"code", "200"}}) == 10.0);
    CHECK(parsed.value("sngw_metrics_http_requests_total", {{"code", "timeout"}}) == 2.0);
    CHECK(parsed.type.at("sngw_serial_open") == "gauge");
    CHECK(parsed.type.at("sngw_serial_reopens_total") == "counter");
}

TEST_CASE("a large snapshot parses: every sample is name labels value and every family has HELP and TYPE")
{
    app::metrics_snapshot s = small_snapshot();
    constexpr core::client_state states[] = {core::client_state::active, core::client_state::asleep,
                                             core::client_state::awake, core::client_state::lost,
                                             core::client_state::connecting_upstream};
    s.clients.clear();
    std::size_t buffered = 0;
    for (std::size_t i = 0; i < 5000; ++i) {
        const auto version = i % 7 == 0 ? sn::protocol_version::v2_0 : sn::protocol_version::v1_2;
        s.clients.push_back(sensor("sensor-" + std::to_string(i), states[i % 5], i % 4, i % 2, version));
        buffered += i % 4;
    }
    for (int i = 0; i < 50; ++i)
        s.runner.dropped["error number " + std::to_string(i) + " with \"quotes\" and \\ and\nnewline"] =
            static_cast<std::uint64_t>(i);
    for (int i = 0; i < 20; ++i) {
        app::link_metrics l;
        l.name = (i % 2 ? "udp [::1]:" : "serial /dev/tty\"odd\\") + std::to_string(1000 + i);
        l.kind = i % 2 ? "udp" : "serial";
        l.counters.bytes_in = static_cast<std::uint64_t>(i) * 1000;
        l.counters.drops = 1;
        if (i % 2 == 0) l.serial = transport::serial_stats{};
        s.links.push_back(l);
    }
    s.gateway.publishes_from_clients[1] = 18'446'744'073'709'551'615ULL; // the largest counter

    const auto parsed = test::parse_prometheus(app::render_prometheus(s));
    REQUIRE_MESSAGE(parsed.errors.empty(), parsed.describe_errors());
    for (const auto& sample : parsed.samples) {
        INFO(sample.name);
        CHECK(sample.name.rfind("sngw_", 0) == 0);
        CHECK(parsed.help.count(sample.name) == 1);
        CHECK(parsed.type.count(sample.name) == 1);
        if (parsed.type.at(sample.name) == "counter") CHECK(sample.name.size() > 6);
        if (parsed.type.at(sample.name) == "counter")
            CHECK(sample.name.substr(sample.name.size() - 6) == "_total");
    }
    CHECK(parsed.sum("sngw_sensors") == 5000.0);
    CHECK(parsed.value("sngw_sensors", {{"state", "active"}, {"version", "2.0"}}) > 0.0);
    CHECK(parsed.value("sngw_buffered_messages") == static_cast<double>(buffered));
    CHECK(parsed.value("sngw_drops_total",
                       {{"reason", "error number 7 with \"quotes\" and \\ and\nnewline"}}) == 7.0);
    CHECK(parsed.value("sngw_drops_total", {{"reason", "link"}}) == 22.0); // 2 + 20 x 1
    CHECK(parsed.value("sngw_bytes_total", {{"link", "serial /dev/tty\"odd\\1004"}, {"direction", "in"}}) ==
          4000.0);
    CHECK(parsed.value("sngw_messages_total", {{"direction", "in"}, {"qos", "1"}}) ==
          18'446'744'073'709'551'615.0);
}
