// SPDX-License-Identifier: MIT
// The JSON the control socket answers with (README "The socket protocol"): every client_info field,
// times as ISO 8601 UTC and seconds ago, status counts by state and version.
#include <sngw/app/control_render.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace json = boost::json;
using namespace sngw::app;
using namespace std::chrono_literals;
using sngw::core::client_info;
using sngw::core::client_state;

namespace {

render_clock fixed_clock()
{
    // 2026-11-25T12:00:00Z
    return {sngw::core::time_point{} + 1000s, std::chrono::system_clock::time_point{} + 1795608000s};
}

} // namespace

TEST_CASE("iso8601_utc prints whole seconds in UTC")
{
    CHECK(iso8601_utc(std::chrono::system_clock::time_point{} + 1795608000s + 999ms) ==
          "2026-11-25T12:00:00Z");
    CHECK(iso8601_utc(std::chrono::system_clock::time_point{}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("a client carries every client_info field with its place and times")
{
    const auto clock = fixed_clock();
    client_info c;
    c.client_id = "sensor-1";
    c.peer = {1, 5};
    c.session = 9;
    c.state = client_state::asleep;
    c.keep_alive = 60;
    c.sleep_duration = 30;
    c.last_seen = clock.now - 2500ms;
    c.buffered = 3;
    c.in_flight = 1;
    c.retransmissions = 4;
    c.dropped_qos0 = 2;
    c.topics = 5;
    c.subscriptions = {"a/b", "c/#"};
    c.upstream = sngw::mqtt5::session_state::connected;
    c.last_disconnect_reason = 0x8e;
    c.last_disconnect_time = clock.now - 60s;
    c.last_disconnect_reason_string = "moved";
    const auto o = client_json(c, {"udp 127.0.0.1:1883", "127.0.0.1:40000", 12, 7}, clock);
    CHECK(o.at("id") == "sensor-1");
    CHECK(o.at("version") == "1.2");
    CHECK(o.at("state") == "asleep");
    CHECK(o.at("link") == "udp 127.0.0.1:1883");
    CHECK(o.at("link_index") == 1);
    CHECK(o.at("address") == "127.0.0.1:40000");
    CHECK(o.at("keep_alive") == 60);
    CHECK(o.at("sleep_duration") == 30);
    CHECK(o.at("last_seen") == "2026-11-25T11:59:57Z");
    CHECK(o.at("last_seen_ago") == 2); // whole seconds
    CHECK(o.at("verdict_pending") == false);
    CHECK(o.at("hold_down_until").is_null());
    CHECK(o.at("buffered") == 3);
    CHECK(o.at("in_flight") == 1);
    CHECK(o.at("retransmissions") == 4);
    CHECK(o.at("dropped_qos0") == 2);
    CHECK(o.at("topics") == 5);
    CHECK(json::serialize(o.at("subscriptions")) == R"(["a/b","c/#"])");
    CHECK(o.at("upstream") == "connected");
    CHECK(o.at("session") == 9);
    CHECK(o.at("datagrams_in") == 12);
    CHECK(o.at("datagrams_out") == 7);
    const auto& d = o.at("last_disconnect");
    CHECK(d.at("reason") == 0x8e);
    CHECK(d.at("name") == "Session taken over");
    CHECK(d.at("time") == "2026-11-25T11:59:00Z");
    CHECK(d.at("ago") == 60);
    CHECK(d.at("reason_string") == "moved");
}

TEST_CASE("a client never seen and never disconnected has nulls, not zeros")
{
    client_info c;
    c.client_id = "bad\xff";
    const auto o = client_json(c, {}, fixed_clock());
    CHECK(o.at("id") == "bad\\xff");
    CHECK(o.at("last_seen").is_null());
    CHECK(o.at("last_seen_ago").is_null());
    CHECK(o.at("last_disconnect").is_null());
    CHECK(o.at("link") == "");
    CHECK(o.at("upstream") == "disconnected");
}

TEST_CASE("status counts sensors by state and version and shows every link")
{
    const auto clock = fixed_clock();
    metrics_snapshot m;
    m.version = "0.1.0";
    m.uptime = 3723s;
    m.broker_connected = true;
    m.broker_links = 3;
    m.gateway.publishes_from_clients[1] = 8;
    m.gateway.publishes_from_clients[3] = 2;
    m.gateway.publishes_to_clients[0] = 5;
    m.runner.broker_links_opened = 4;
    m.runner.dropped["keep-alive expired"] = 1;
    m.gateway.broker_disconnects[0x8e] = 2;
    client_info a, b, c;
    a.state = client_state::active;
    a.buffered = 1;
    b.state = client_state::asleep;
    b.buffered = 2;
    c.state = client_state::lost;
    m.clients = {a, b, c};
    link_metrics udp{"udp 127.0.0.1:1883", "udp", {}, std::nullopt};
    udp.counters.datagrams_in = 10;
    link_metrics serial{"serial /dev/ttyUSB0", "serial", {}, sngw::transport::serial_stats{}};
    serial.serial->open = true;
    serial.serial->reopens = 2;
    m.links = {udp, serial};
    status_extras x;
    x.broker = "127.0.0.1:1883";
    x.gateway_id = 7;
    x.rates = {10, 1.234, 0.5, 2, 1, 100, 50};
    x.control_path = "/run/sngw/sngw.sock";
    x.control.requests = 6;
    x.started = clock.now - 3723s;
    const auto o = status_json(m, x, clock);
    CHECK(o.at("version") == "0.1.0");
    CHECK(o.at("gateway_id") == 7);
    CHECK(o.at("uptime") == 3723);
    CHECK(o.at("started") == "2026-11-25T10:57:57Z");
    CHECK(o.at("broker").at("connected") == true);
    CHECK(o.at("broker").at("links_open") == 3);
    CHECK(o.at("broker").at("links_opened") == 4);
    const auto& links = o.at("links").as_array();
    REQUIRE(links.size() == 2);
    CHECK(links[0].at("index") == 1);
    CHECK(links[0].at("kind") == "udp");
    CHECK(links[0].at("counters").at("datagrams_in") == 10);
    CHECK(links[0].as_object().if_contains("serial") == nullptr);
    CHECK(links[1].at("serial").at("open") == true);
    CHECK(links[1].at("serial").at("reopens") == 2);
    const auto& s = o.at("sensors");
    CHECK(s.at("total") == 3);
    CHECK(s.at("by_state").at("active") == 1);
    CHECK(s.at("by_state").at("asleep") == 1);
    CHECK(s.at("by_state").at("lost") == 1);
    CHECK(s.at("by_state").at("awake") == 0);
    CHECK(s.at("by_version").at("1.2") == 3);
    CHECK(s.at("by_version").at("2.0") == 0);
    CHECK(s.at("buffered") == 3);
    CHECK(o.at("messages").at("from_sensors").at("qos_1") == 8);
    CHECK(o.at("messages").at("from_sensors").at("qos_-1") == 2);
    CHECK(o.at("messages").at("to_sensors").at("qos_0") == 5);
    CHECK(o.at("rates").at("window").as_double() == doctest::Approx(10));
    CHECK(o.at("rates").at("messages_in").as_double() == doctest::Approx(1.23));
    CHECK(o.at("drops").at("keep-alive expired") == 1);
    const auto& bd = o.at("broker_disconnects").as_array();
    REQUIRE(bd.size() == 1);
    CHECK(bd[0].at("reason") == 0x8e);
    CHECK(bd[0].at("name") == "Session taken over");
    CHECK(bd[0].at("count") == 2);
    CHECK(o.at("control").at("path") == "/run/sngw/sngw.sock");
    CHECK(o.at("control").at("requests") == 6);
}
