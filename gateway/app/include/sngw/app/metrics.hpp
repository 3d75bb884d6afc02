// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/app/config.hpp>
#include <sngw/app/runner.hpp>
#include <sngw/core/gateway.hpp>
#include <sngw/transport/datagram_transport.hpp>
#include <sngw/transport/serial_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sngw::app {

/// One link (UDP listener or serial port) as the metrics see it.
struct link_metrics {
    std::string name{}; // "udp 0.0.0.0:1883", "serial /dev/ttyUSB0"
    std::string kind{}; // "udp", "serial"
    transport::link_counters counters{};
    std::optional<transport::serial_stats> serial{}; // serial ports only
};

/// What the metrics server counts about its own HTTP clients (bad input is counted, never fatal).
struct metrics_server_stats {
    std::uint64_t connections = 0;     // accepted
    std::uint64_t rejected = 0;        // closed at once: max_connections were open
    std::uint64_t scrapes = 0;         // GET/HEAD /metrics answered 200
    std::uint64_t index = 0;           // GET/HEAD / answered 200 (a pointer to /metrics)
    std::uint64_t not_found = 0;       // 404
    std::uint64_t bad_method = 0;      // 405
    std::uint64_t bad_requests = 0;    // 400 (malformed request line), 431 (head over the limit)
    std::uint64_t timeouts = 0;        // closed by the deadline (slow or silent client)
    std::uint64_t render_failures = 0; // 500: the render function threw
};

/// Everything one scrape shows (design §6, issue #7 item 3): plain data the runner fills from its live
/// state right before render_prometheus() is called. Nothing here refers back to the runner.
struct metrics_snapshot {
    std::string version{};                      // sngw_build_info{version}
    std::chrono::duration<double> uptime{};     // since the daemon started
    bool broker_connected = false;              // the gateway's own upstream session is connected
    std::size_t broker_links = 0;               // upstream (MQTT 5) links open or closing
    core::gateway_stats gateway{};              // the core's counters
    std::vector<core::client_info> clients{};   // counted by state and version, buffered summed
    runner_stats runner{};                      // the core's drops by reason, refused broker sends
    std::vector<link_metrics> links{};          // in link index order
    std::optional<metrics_server_stats> http{}; // the metrics server's own counters, when known
};

/// The snapshot as Prometheus text exposition format 0.0.4: `# HELP` and `# TYPE` once per family,
/// families in a fixed order, names `sngw_…` (counters end in `_total`, units in the name), label
/// values escaped (`\\`, `\"`, `\n`). Families (README "Metrics" has the table):
/// sngw_up, sngw_build_info{version}, sngw_uptime_seconds, sngw_broker_connected, sngw_broker_links,
/// sngw_sensors{state,version}, sngw_buffered_messages, sngw_inflight_messages,
/// sngw_messages_total{direction="in|out",qos="-1|0|1|2"} (in: sensor → broker, out: broker → sensor),
/// sngw_retransmissions_total, sngw_drops_total{reason}, sngw_broker_disconnects_total{reason,name}
/// (reason "0x98", name "Administrative action"), sngw_verdicts_total, sngw_clients_lost_total,
/// sngw_clients_evicted_total, sngw_broker_links_opened_total,
/// sngw_bytes_total{link,direction}, sngw_datagrams_total{link,direction},
/// sngw_receive_errors_total{link}, sngw_send_errors_total{link}, sngw_framing_errors_total{link},
/// sngw_crc_errors_total{link}, sngw_serial_open{link}, sngw_serial_reopens_total{link},
/// sngw_serial_losses_total{link}, and sngw_metrics_http_requests_total{code} when `http` is set.
/// Pure: no I/O, no clock; never throws except std::bad_alloc.
std::string render_prometheus(const metrics_snapshot& snapshot);

/// `value` escaped for a label value in the text format: `\` → `\\`, `"` → `\"`, newline → `\n`.
std::string escape_label_value(std::string_view value);

/// Knobs of the metrics server (tests shorten them).
struct metrics_server_options {
    /// A request head (request line + headers) longer than this is answered 431 and closed.
    std::size_t max_request_head = 8 * 1024;
    /// Each connection must send its request head and take the response within this time
    /// (slowloris); otherwise it is closed.
    std::chrono::milliseconds deadline{std::chrono::seconds(5)};
    /// Connections open at once; one more is closed at once (counted as rejected).
    std::size_t max_connections = 64;
};

/// The Prometheus endpoint (`--metrics HOST:PORT`): a small HTTP/1.1 server on the gateway's
/// io_context. One request per connection (`Connection: close`):
/// - GET or HEAD /metrics (a query string is ignored) → 200, `Content-Type: text/plain;
///   version=0.0.4; charset=utf-8`, Content-Length, the text `render()` returns (called on the
///   io_context's thread, once per scrape; if it throws: 500).
/// - GET / → 200, a short text pointing at /metrics. Other paths → 404. Other methods → 405 (Allow).
/// - A malformed request line → 400; a request head over max_request_head → 431; a head not complete
///   within the deadline → closed without an answer. Never blocks the io_context; every event counted.
/// Lifetime: open() once, close() (or the destructor) stops accepting and closes every connection;
/// no handler touches the server after close(). Destroy it before the io_context.
/// Thread safety: one thread, the io_context's.
class metrics_server {
public:
    metrics_server(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint where,
                   std::function<std::string()> render, metrics_server_options options = {});
    ~metrics_server();
    metrics_server(const metrics_server&) = delete;
    metrics_server& operator=(const metrics_server&) = delete;

    /// Binds and listens, then accepts. The error when it cannot bind (the daemon exits 1).
    boost::system::error_code open();
    /// The bound address (the real port for port 0); default-constructed when not open.
    boost::asio::ip::tcp::endpoint local_endpoint() const;
    /// Stops accepting, closes every connection. Idempotent.
    void close() noexcept;
    const metrics_server_stats& stats() const noexcept;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

/// The endpoint to bind for `--metrics HOST:PORT`: an IP literal as is, a name (e.g. "localhost")
/// resolved once, first address. Blocks (startup only). The resolver's error when it fails.
boost::system::result<boost::asio::ip::tcp::endpoint> metrics_endpoint(const host_port& where);

} // namespace sngw::app
