// SPDX-License-Identifier: MIT
#include <sngw/app/control_render.hpp>

#include <sngw/mqtt5/reason_code.hpp>
#include <sngw/sn/classify.hpp>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <ctime>

namespace sngw::app {

namespace json = boost::json;

namespace {

std::string_view upstream_text(mqtt5::session_state s) noexcept
{
    switch (s) {
    case mqtt5::session_state::disconnected:
        return "disconnected";
    case mqtt5::session_state::connecting:
        return "connecting";
    case mqtt5::session_state::connected:
        return "connected";
    }
    return "?";
}

/// Whole seconds (Boost.JSON writes every double in exponent form: integers read better).
std::int64_t seconds(std::chrono::steady_clock::duration d)
{
    return std::chrono::floor<std::chrono::seconds>(d).count();
}

double rounded(double v)
{
    return std::round(v * 100.0) / 100.0;
}

std::chrono::system_clock::time_point wall(core::time_point t, const render_clock& c)
{
    return c.wall_now - std::chrono::duration_cast<std::chrono::system_clock::duration>(c.now - t);
}

json::object counters_json(const transport::link_counters& k)
{
    return {{"datagrams_in", k.datagrams_in},
            {"datagrams_out", k.datagrams_out},
            {"bytes_in", k.bytes_in},
            {"bytes_out", k.bytes_out},
            {"receive_errors", k.receive_errors},
            {"send_errors", k.send_errors},
            {"framing_errors", k.framing_errors},
            {"crc_errors", k.crc_errors},
            {"drops", k.drops}};
}

} // namespace

std::string iso8601_utc(std::chrono::system_clock::time_point t)
{
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const std::time_t tt = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf, n);
}

json::object client_json(const core::client_info& c, const client_place& place, const render_clock& clock)
{
    json::object o;
    o["id"] = json_text(c.client_id);
    o["version"] = sn::to_string(c.version);
    o["state"] = core::to_string(c.state);
    o["link"] = place.link;
    o["link_index"] = c.peer.link;
    o["address"] = json_text(place.address);
    o["keep_alive"] = c.keep_alive;
    o["sleep_duration"] = c.sleep_duration;
    if (c.last_seen == core::time_point{}) {
        o["last_seen"] = nullptr;
        o["last_seen_ago"] = nullptr;
    } else {
        o["last_seen"] = iso8601_utc(wall(c.last_seen, clock));
        o["last_seen_ago"] = seconds(clock.now - c.last_seen);
    }
    o["buffered"] = c.buffered;
    o["in_flight"] = c.in_flight;
    o["retransmissions"] = c.retransmissions;
    o["dropped_qos0"] = c.dropped_qos0;
    o["topics"] = c.topics;
    json::array subs;
    for (const auto& s : c.subscriptions)
        subs.emplace_back(json_text(s));
    o["subscriptions"] = std::move(subs);
    o["upstream"] = upstream_text(c.upstream);
    o["session"] = c.session;
    o["verdict_pending"] = c.verdict_pending;
    if (c.hold_down_until && *c.hold_down_until > clock.now) {
        o["hold_down_until"] = iso8601_utc(wall(*c.hold_down_until, clock));
        o["hold_down_left"] = seconds(*c.hold_down_until - clock.now);
    } else {
        o["hold_down_until"] = nullptr;
        o["hold_down_left"] = nullptr;
    }
    o["datagrams_in"] = place.datagrams_in;
    o["datagrams_out"] = place.datagrams_out;
    if (c.last_disconnect_reason) {
        json::object d;
        d["reason"] = *c.last_disconnect_reason;
        d["name"] = mqtt5::to_string(static_cast<mqtt5::reason_code>(*c.last_disconnect_reason));
        if (c.last_disconnect_time) {
            d["time"] = iso8601_utc(wall(*c.last_disconnect_time, clock));
            d["ago"] = seconds(clock.now - *c.last_disconnect_time);
        } else {
            d["time"] = nullptr;
            d["ago"] = nullptr;
        }
        if (c.last_disconnect_reason_string)
            d["reason_string"] = json_text(*c.last_disconnect_reason_string);
        else
            d["reason_string"] = nullptr;
        o["last_disconnect"] = std::move(d);
    } else {
        o["last_disconnect"] = nullptr;
    }
    return o;
}

json::object status_json(const metrics_snapshot& m, const status_extras& x, const render_clock& clock)
{
    json::object o;
    o["version"] = m.version;
    o["gateway_id"] = x.gateway_id;
    o["uptime"] = seconds(std::chrono::duration_cast<std::chrono::steady_clock::duration>(m.uptime));
    o["started"] = iso8601_utc(wall(x.started, clock));
    o["now"] = iso8601_utc(clock.wall_now);

    o["broker"] = json::object{{"address", x.broker},
                               {"tls", x.broker_tls},
                               {"connected", m.broker_connected},
                               {"links_open", m.broker_links},
                               {"links_opened", m.runner.broker_links_opened},
                               {"sends_refused", m.runner.broker_sends_refused}};

    json::array links;
    for (std::size_t i = 0; i < m.links.size(); ++i) {
        const auto& l = m.links[i];
        json::object e;
        e["index"] = i + 1;
        e["name"] = l.name;
        e["kind"] = l.kind;
        e["counters"] = counters_json(l.counters);
        if (l.serial) {
            const auto& s = *l.serial;
            e["serial"] = json::object{{"open", s.open},
                                       {"opens", s.opens},
                                       {"reopens", s.reopens},
                                       {"open_failures", s.open_failures},
                                       {"losses", s.losses},
                                       {"idle_resets", s.idle_resets},
                                       {"forwarder_errors", s.forwarder_errors}};
        }
        links.emplace_back(std::move(e));
    }
    o["links"] = std::move(links);

    json::object by_state;
    for (auto s : core::all_client_states)
        by_state[core::to_string(s)] = 0;
    json::object by_version{{"1.2", 0}, {"2.0", 0}};
    std::uint64_t buffered = 0;
    std::uint64_t in_flight = 0;
    for (const auto& c : m.clients) {
        auto& n = by_state[core::to_string(c.state)];
        n = n.to_number<std::uint64_t>() + 1;
        auto& v = by_version[sn::to_string(c.version)];
        v = v.to_number<std::uint64_t>() + 1;
        buffered += c.buffered;
        in_flight += c.in_flight;
    }
    o["sensors"] = json::object{{"total", m.clients.size()},
                                {"by_state", std::move(by_state)},
                                {"by_version", std::move(by_version)},
                                {"buffered", buffered},
                                {"in_flight", in_flight}};

    const auto& g = m.gateway;
    o["messages"] = json::object{{"from_sensors", json::object{{"qos_-1", g.publishes_from_clients[3]},
                                                               {"qos_0", g.publishes_from_clients[0]},
                                                               {"qos_1", g.publishes_from_clients[1]},
                                                               {"qos_2", g.publishes_from_clients[2]}}},
                                 {"to_sensors", json::object{{"qos_0", g.publishes_to_clients[0]},
                                                             {"qos_1", g.publishes_to_clients[1]},
                                                             {"qos_2", g.publishes_to_clients[2]}}},
                                 {"datagrams_in", g.datagrams_in},
                                 {"datagrams_dropped", g.datagrams_dropped},
                                 {"retransmissions", g.retransmissions},
                                 {"qos0_dropped", g.qos0_dropped},
                                 {"clients_lost", g.clients_lost},
                                 {"clients_evicted", g.clients_evicted},
                                 {"verdicts_sent", g.verdicts_sent},
                                 {"datagrams_v2_0", g.datagrams_v2_0}};

    // design §4: what the broker ended sensors' sessions with, by reason code.
    json::array disconnects;
    for (const auto& [code, n] : g.broker_disconnects)
        disconnects.emplace_back(
            json::object{{"reason", code},
                         {"name", mqtt5::to_string(static_cast<mqtt5::reason_code>(code))},
                         {"count", n}});
    o["broker_disconnects"] = std::move(disconnects);

    const auto& r = x.rates;
    o["rates"] =
        json::object{{"window", rounded(r.window_seconds)},       {"messages_in", rounded(r.messages_in)},
                     {"messages_out", rounded(r.messages_out)},   {"datagrams_in", rounded(r.datagrams_in)},
                     {"datagrams_out", rounded(r.datagrams_out)}, {"bytes_in", rounded(r.bytes_in)},
                     {"bytes_out", rounded(r.bytes_out)}};

    json::object drops;
    for (const auto& [what, n] : m.runner.dropped)
        drops[what] = n;
    o["drops"] = std::move(drops);

    o["control"] = json::object{{"path", x.control_path},
                                {"connections", x.control.connections},
                                {"connections_refused", x.control.connections_refused},
                                {"requests", x.control.requests},
                                {"bad_requests", x.control.bad_requests},
                                {"oversized", x.control.oversized},
                                {"slow_readers", x.control.slow_readers}};
    return o;
}

} // namespace sngw::app
