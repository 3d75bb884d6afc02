// SPDX-License-Identifier: MIT
// The Prometheus text (exposition format 0.0.4) of a metrics_snapshot. Pure: no I/O, no clock.
#include <sngw/app/metrics.hpp>

#include <sngw/core/client_state.hpp>
#include <sngw/mqtt5/reason_code.hpp>
#include <sngw/sn/classify.hpp>

#include <array>
#include <cstdio>
#include <map>
#include <string_view>
#include <utility>

namespace sngw::app {

namespace {

/// One label: name="value" (the value escaped when written).
using label = std::pair<std::string_view, std::string_view>;

/// Builds the text one family at a time: `# HELP` and `# TYPE` once, then its samples.
class text_writer {
public:
    explicit text_writer(std::string& out) : out_(out) {}

    /// Prometheus text format 0.0.4: "# HELP name docstring" (`\` and newline escaped), then
    /// "# TYPE name counter|gauge". A counter's family name keeps its `_total` in 0.0.4.
    void family(std::string_view name, std::string_view type, std::string_view help)
    {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        for (char c : help) {
            if (c == '\\')
                out_ += "\\\\";
            else if (c == '\n')
                out_ += "\\n";
            else
                out_ += c;
        }
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }

    void sample(std::string_view name, std::initializer_list<label> labels, std::uint64_t value)
    {
        head(name, labels);
        out_ += std::to_string(value);
        out_ += '\n';
    }

    void sample(std::string_view name, std::initializer_list<label> labels, double value)
    {
        head(name, labels);
        std::array<char, 64> buf{};
        const int n = std::snprintf(buf.data(), buf.size(), "%.3f", value);
        out_.append(buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0U);
        out_ += '\n';
    }

private:
    void head(std::string_view name, std::initializer_list<label> labels)
    {
        out_ += name;
        if (labels.size() > 0) {
            out_ += '{';
            bool first = true;
            for (const auto& [key, value] : labels) {
                if (!first) out_ += ',';
                first = false;
                out_ += key;
                out_ += "=\"";
                out_ += escape_label_value(value);
                out_ += '"';
            }
            out_ += '}';
        }
        out_ += ' ';
    }

    std::string& out_;
};

constexpr std::array all_versions{sn::protocol_version::v1_2, sn::protocol_version::v2_0};

std::string hex_code(std::uint8_t code)
{
    std::array<char, 8> buf{};
    std::snprintf(buf.data(), buf.size(), "0x%02X", static_cast<unsigned>(code));
    return buf.data();
}

} // namespace

std::string escape_label_value(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        // Prometheus text format 0.0.4: label values escape backslash, double quote and line feed.
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string render_prometheus(const metrics_snapshot& s)
{
    std::string out;
    out.reserve(4096 + 1024 * s.links.size());
    text_writer w(out);
    const auto& g = s.gateway;

    w.family("sngw_up", "gauge", "1 while the gateway runs.");
    w.sample("sngw_up", {}, std::uint64_t{1});
    w.family("sngw_build_info", "gauge", "The gateway's version, as a label; the value is 1.");
    w.sample("sngw_build_info", {{"version", s.version}}, std::uint64_t{1});
    w.family("sngw_uptime_seconds", "gauge", "Seconds since the gateway started.");
    w.sample("sngw_uptime_seconds", {}, s.uptime.count());
    w.family("sngw_broker_connected", "gauge",
             "1 while the gateway's own MQTT 5 session with the broker is connected, else 0.");
    w.sample("sngw_broker_connected", {}, std::uint64_t{s.broker_connected ? 1U : 0U});
    w.family("sngw_broker_links", "gauge",
             "MQTT 5 links to the broker open or closing (one per sensor session).");
    w.sample("sngw_broker_links", {}, static_cast<std::uint64_t>(s.broker_links));

    // Sensors by state and protocol version; every combination, zeros included, so a series never
    // disappears when its last sensor leaves.
    std::map<std::pair<core::client_state, sn::protocol_version>, std::uint64_t> sensors;
    std::uint64_t buffered = 0;
    std::uint64_t in_flight = 0;
    for (const auto& c : s.clients) {
        ++sensors[{c.state, c.version}];
        buffered += c.buffered;
        in_flight += c.in_flight;
    }
    w.family("sngw_sensors", "gauge",
             "MQTT-SN clients the gateway holds a record for, by state and protocol version.");
    for (auto state : core::all_client_states)
        for (auto version : all_versions) {
            const auto it = sensors.find({state, version});
            w.sample("sngw_sensors", {{"state", core::to_string(state)}, {"version", sn::to_string(version)}},
                     it == sensors.end() ? std::uint64_t{0} : it->second);
        }
    w.family("sngw_buffered_messages", "gauge",
             "Messages held for sensors (asleep, or behind an unacknowledged one).");
    w.sample("sngw_buffered_messages", {}, buffered);
    w.family("sngw_inflight_messages", "gauge", "Messages sent to sensors and not yet acknowledged.");
    w.sample("sngw_inflight_messages", {}, in_flight);

    w.family("sngw_messages_total", "counter",
             "PUBLISH messages: in = sensor to broker, out = broker to sensor, by MQTT-SN QoS (-1 to 2).");
    // gateway_stats::publishes_from_clients is indexed 0, 1, 2, then -1 (index 3).
    w.sample("sngw_messages_total", {{"direction", "in"}, {"qos", "-1"}}, g.publishes_from_clients[3]);
    w.sample("sngw_messages_total", {{"direction", "in"}, {"qos", "0"}}, g.publishes_from_clients[0]);
    w.sample("sngw_messages_total", {{"direction", "in"}, {"qos", "1"}}, g.publishes_from_clients[1]);
    w.sample("sngw_messages_total", {{"direction", "in"}, {"qos", "2"}}, g.publishes_from_clients[2]);
    w.sample("sngw_messages_total", {{"direction", "out"}, {"qos", "0"}}, g.publishes_to_clients[0]);
    w.sample("sngw_messages_total", {{"direction", "out"}, {"qos", "1"}}, g.publishes_to_clients[1]);
    w.sample("sngw_messages_total", {{"direction", "out"}, {"qos", "2"}}, g.publishes_to_clients[2]);

    w.family("sngw_retransmissions_total", "counter",
             "Messages sent to sensors again after T_RETRY without an answer (MQTT-SN v1.2 §6.13).");
    w.sample("sngw_retransmissions_total", {}, g.retransmissions);

    // Drops by reason: what the core refused (by its error message), QoS 0 messages for a sensor whose
    // buffer was full, sends a broker link did not take, datagrams the links dropped themselves.
    std::map<std::string, std::uint64_t, std::less<>> drops(s.runner.dropped.begin(), s.runner.dropped.end());
    drops["qos0 buffer full"] += g.qos0_dropped;
    drops["broker send refused"] += s.runner.broker_sends_refused;
    std::uint64_t link_drops = 0;
    for (const auto& l : s.links)
        link_drops += l.counters.drops;
    drops["link"] += link_drops;
    w.family("sngw_drops_total", "counter",
             "Datagrams and messages dropped, by reason (the core's error, qos0 buffer full, link, ...).");
    for (const auto& [reason, n] : drops)
        w.sample("sngw_drops_total", {{"reason", reason}}, n);

    w.family("sngw_broker_disconnects_total", "counter",
             "DISCONNECT packets from the broker on sensors' sessions, by MQTT 5 reason code (MQTT 5.0 "
             "§3.14.2.1).");
    for (const auto& [code, n] : g.broker_disconnects) {
        const auto code_text = hex_code(code);
        w.sample("sngw_broker_disconnects_total",
                 {{"reason", code_text}, {"name", mqtt5::to_string(static_cast<mqtt5::reason_code>(code))}},
                 n);
    }

    w.family("sngw_verdicts_total", "counter",
             "DISCONNECTs the gateway decided to send a sensor for a broker's verdict (design §4).");
    w.sample("sngw_verdicts_total", {}, g.verdicts_sent);

    w.family("sngw_clients_lost_total", "counter",
             "Sensors lost: keep-alive, sleep timer or retransmissions expired (their wills fire).");
    w.sample("sngw_clients_lost_total", {}, g.clients_lost);
    w.family("sngw_clients_evicted_total", "counter",
             "Records of disconnected or lost sensors dropped to make room for a new one at --max-clients.");
    w.sample("sngw_clients_evicted_total", {}, g.clients_evicted);
    w.family("sngw_broker_links_opened_total", "counter", "MQTT 5 links to the broker opened.");
    w.sample("sngw_broker_links_opened_total", {}, s.runner.broker_links_opened);

    // Per link: one family at a time, every link in it.
    const auto per_link = [&](std::string_view name, std::string_view help, auto value) {
        w.family(name, "counter", help);
        for (const auto& l : s.links)
            w.sample(name, {{"link", l.name}}, static_cast<std::uint64_t>(value(l)));
    };
    const auto per_link_direction = [&](std::string_view name, std::string_view help, auto in,
                                        auto out_value) {
        w.family(name, "counter", help);
        for (const auto& l : s.links) {
            w.sample(name, {{"link", l.name}, {"direction", "in"}}, static_cast<std::uint64_t>(in(l)));
            w.sample(name, {{"link", l.name}, {"direction", "out"}},
                     static_cast<std::uint64_t>(out_value(l)));
        }
    };
    per_link_direction(
        "sngw_bytes_total", "Octets received (in) and sent (out) on each link, serial framing included.",
        [](const link_metrics& l) { return l.counters.bytes_in; },
        [](const link_metrics& l) { return l.counters.bytes_out; });
    per_link_direction(
        "sngw_datagrams_total", "MQTT-SN datagrams received (in) and sent (out) on each link.",
        [](const link_metrics& l) { return l.counters.datagrams_in; },
        [](const link_metrics& l) { return l.counters.datagrams_out; });
    per_link("sngw_receive_errors_total", "Receive errors on each link (each skipped).",
             [](const link_metrics& l) { return l.counters.receive_errors; });
    per_link("sngw_send_errors_total", "Sends that failed or were refused on each link.",
             [](const link_metrics& l) { return l.counters.send_errors; });
    per_link("sngw_framing_errors_total", "Corrupt frames on each link (serial; 0 for UDP).",
             [](const link_metrics& l) { return l.counters.framing_errors; });
    per_link("sngw_crc_errors_total",
             "Frames whose CRC did not match, on each link (serial with CRC; else 0).",
             [](const link_metrics& l) { return l.counters.crc_errors; });

    bool any_serial = false;
    for (const auto& l : s.links)
        any_serial = any_serial || l.serial.has_value();
    if (any_serial) {
        w.family("sngw_serial_open", "gauge", "1 while the serial port is open, else 0.");
        for (const auto& l : s.links)
            if (l.serial)
                w.sample("sngw_serial_open", {{"link", l.name}}, std::uint64_t{l.serial->open ? 1U : 0U});
        w.family("sngw_serial_reopens_total", "counter",
                 "Serial port opened again after a loss or a failed first open.");
        for (const auto& l : s.links)
            if (l.serial) w.sample("sngw_serial_reopens_total", {{"link", l.name}}, l.serial->reopens);
        w.family("sngw_serial_losses_total", "counter",
                 "Open serial port lost (hang-up, unplugged, I/O error).");
        for (const auto& l : s.links)
            if (l.serial) w.sample("sngw_serial_losses_total", {{"link", l.name}}, l.serial->losses);
    }

    if (s.http) {
        const auto& h = *s.http;
        w.family("sngw_metrics_http_requests_total", "counter",
                 "Requests to this metrics endpoint, by answer (timeout: closed unanswered).");
        w.sample("sngw_metrics_http_requests_total", {{"code", "200"}}, h.scrapes + h.index);
        w.sample("sngw_metrics_http_requests_total", {{"code", "400"}}, h.bad_requests);
        w.sample("sngw_metrics_http_requests_total", {{"code", "404"}}, h.not_found);
        w.sample("sngw_metrics_http_requests_total", {{"code", "405"}}, h.bad_method);
        w.sample("sngw_metrics_http_requests_total", {{"code", "500"}}, h.render_failures);
        w.sample("sngw_metrics_http_requests_total", {{"code", "timeout"}}, h.timeouts);
        w.sample("sngw_metrics_http_requests_total", {{"code", "rejected"}}, h.rejected);
    }
    return out;
}

} // namespace sngw::app
