// SPDX-License-Identifier: MIT
#include <sngw/app/runner.hpp>

#include <sngw/app/config_parse.hpp>
#include <sngw/app/control_path.hpp>
#include <sngw/app/control_render.hpp>
#include <sngw/app/control_server.hpp>
#include <sngw/app/metrics.hpp>
#include <sngw/app/sd_notify.hpp>

#include <sngw/core/errc.hpp>
#include <sngw/core/gateway.hpp>
#include <sngw/mqtt_bridge/broker_connection.hpp>
#include <sngw/mqtt_bridge/tls_context.hpp>
#include <sngw/mqtt5/io.hpp>
#include <sngw/mqtt5/reason_code.hpp>
#include <sngw/sn/errc.hpp>
#include <sngw/transport/serial_transport.hpp>
#include <sngw/transport/udp_transport.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <deque>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <utility>

namespace sngw::app {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using mqtt_bridge::broker_connection;
using mqtt_bridge::close_reason;

std::string_view event_words(core::client_event_kind k) noexcept
{
    using enum core::client_event_kind;
    switch (k) {
    case connected:
        return "connected";
    case connect_refused:
        return "connect refused";
    case disconnected:
        return "disconnected";
    case asleep:
        return "asleep";
    case awake:
        return "awake";
    case lost:
        return "lost";
    case will_updated:
        return "will updated";
    case moved:
        return "moved";
    case broker_verdict:
        return "broker verdict";
    case upstream_up:
        return "upstream up";
    case upstream_down:
        return "upstream down";
    case removed:
        return "removed";
    }
    return "event";
}

/// Routine garbage (decode errors, strays, echoes of discovery) is debug: a noisy radio must not
/// flood the log. Limits reached are what an operator must see.
log_level drop_level(const error_code& ec) noexcept
{
    if (ec.category() != core::core_category()) return log_level::debug; // sn::errc: malformed datagram
    switch (static_cast<core::errc>(ec.value())) {
    case core::errc::client_limit:
    case core::errc::topic_limit:
    case core::errc::buffer_full:
    case core::errc::message_too_large:
    case core::errc::broker_unavailable:
        return log_level::warn;
    case core::errc::invalid_client_id:
    case core::errc::retries_exhausted:
    case core::errc::keep_alive_expired:
        return log_level::info;
    default:
        return log_level::debug;
    }
}

/// A broker link that ended other than by our own close() is worth a warning, once a minute per
/// cause: a broker that is down makes every session fail the same way, with back-off, for as long
/// as it is down.
bool link_failure(close_reason r) noexcept
{
    return r != close_reason::closed_locally;
}

/// The option a core::config field comes from (the names core::gateway::reconfigure returns), for
/// "reload: --max-clients changed" lines.
std::string option_of(std::string_view field)
{
    static const std::map<std::string_view, std::string_view> renamed{
        {"default_credentials", "broker-user/--broker-password"},
        {"status_topic", "status-prefix"},
        {"keep_alive_factor_percent", "keep-alive-factor"},
        {"max_buffered_messages", "max-buffered"},
        {"max_topics_per_client", "max-topics"},
        {"max_datagram_size", "max-datagram"},
    };
    if (const auto it = renamed.find(field); it != renamed.end()) return "--" + std::string(it->second);
    std::string option = "--" + std::string(field);
    for (auto& c : option)
        if (c == '_') c = '-';
    return option;
}

} // namespace

struct runner::impl {
    impl(asio::io_context& context, app_config c, logger& l, runner_options o)
        : io(context), cfg(std::move(c)), log(l), opts(o), core(cfg.core), timer(context),
          shutdown_timer(context), flush_timer(context), watchdog_timer(context), signals(context)
    {}

    asio::io_context& io;
    app_config cfg;
    logger& log;
    runner_options opts;
    core::gateway core;

    /// Every link, UDP first then serial, index = peer_id::link - 1.
    std::vector<std::unique_ptr<transport::datagram_transport>> links{};
    std::vector<transport::udp_transport*> udp_links{}; // the UDP ones, in --udp order
    std::shared_ptr<asio::ssl::context> tls{};

    struct broker_link {
        std::shared_ptr<broker_connection> connection;
        std::uint64_t serial = 0; // tells this link's late events from a replacement's
        bool refusal_logged = false;
    };
    std::unordered_map<core::session_id, broker_link> broker{};
    /// Links the core asked to close, until their on_closed: the core has already forgotten them.
    std::unordered_map<std::uint64_t, std::shared_ptr<broker_connection>> closing{};
    std::unordered_map<core::session_id, std::string> client_of{}; // for log lines
    std::unordered_map<core::session_id, std::optional<std::pair<core::client_event_kind, std::string>>>
        last_event{};
    std::uint64_t next_serial = 1;
    std::map<std::pair<close_reason, error_code>, core::time_point> failure_logged{};

    asio::steady_timer timer;
    std::optional<core::time_point> armed{};
    asio::steady_timer shutdown_timer;
    asio::steady_timer flush_timer; // finish(): the UDP links' send queues emptying
    asio::steady_timer watchdog_timer;
    std::optional<std::chrono::steady_clock::time_point> stop_deadline{};
    asio::signal_set signals;
    bool started = false;
    bool stopping = false;
    bool done = false;
    bool links_stopped = false; // the last step of a shutdown
    runner_stats stats{};

    // ---- issue #7: the control socket, the metrics endpoint, what they show ----------------------
    std::unique_ptr<control_server> control{};
    std::unique_ptr<metrics_server> metrics{};
    core::time_point started_at = core::clock::now();
    std::optional<core::session_id> own_session{}; // the gateway's own upstream session
    bool own_connected = false;
    /// Datagrams from / to each peer the links know (for `sngwctl top`'s activity); forgotten with
    /// the peer, so it is bounded like the links' peer tables.
    std::unordered_map<core::peer_id, std::pair<std::uint64_t, std::uint64_t>> peer_traffic{};

    /// Counter totals at one moment, for the rates of `status`.
    struct traffic_sample {
        core::time_point at{};
        std::uint64_t messages_in = 0, messages_out = 0, datagrams_in = 0, datagrams_out = 0, bytes_in = 0,
                      bytes_out = 0;
    };
    /// One sample per second at most, taken on the event path (rearm()): an idle gateway is not woken
    /// for it. The rates of `status` are over the last rate_window (or since the oldest sample).
    std::deque<traffic_sample> samples{};
    core::time_point last_activity{};
    static constexpr auto rate_window = std::chrono::seconds(10);

    // ---- the three steps of every callback --------------------------------------------------------

    void apply(std::vector<core::action> actions)
    {
        for (auto& a : actions)
            std::visit([this](auto& x) { do_apply(x); }, a);
    }

    // House-style §1: one timer at the core's next deadline.
    void rearm()
    {
        if (done) return;
        sample_traffic();
        const auto next = core.next_deadline();
        if (next == armed) return; // already waiting for exactly that
        armed = next;
        if (!next) {
            timer.cancel();
            return;
        }
        timer.expires_at(*next); // cancels the pending wait (its handler sees operation_aborted)
        timer.async_wait([this](error_code ec) {
            if (ec == asio::error::operation_aborted) return; // re-armed or stopping: touch nothing
            armed.reset();
            if (done) return;
            apply(core.on_timeout(core::clock::now()));
            rearm();
        });
    }

    // ---- actions --------------------------------------------------------------------------------

    transport::datagram_transport* link_of(std::uint32_t index)
    {
        if (index == 0 || index > links.size()) {
            log.error("core named link " + std::to_string(index) + ", which does not exist");
            return nullptr;
        }
        return links[index - 1].get();
    }

    std::string peer_text(const core::peer_id& p)
    {
        if (!p || p.link > links.size()) return "-";
        auto text = links[p.link - 1]->describe(p);
        return text.empty() ? "link " + std::to_string(p.link) + " peer " + std::to_string(p.address) : text;
    }

    std::string client_text(core::session_id s)
    {
        const auto it = client_of.find(s);
        return it == client_of.end() ? "session " + std::to_string(s) : "client " + printable(it->second);
    }

    void do_apply(core::send_datagram& a)
    {
        if (auto* l = link_of(a.to.link)) {
            ++peer_traffic[a.to].second;
            l->send(a.to, a.bytes);
        }
    }

    void do_apply(core::broadcast_datagram& a)
    {
        for (auto& l : links)
            l->broadcast(a.bytes);
    }

    void do_apply(core::forget_peer& a)
    {
        peer_traffic.erase(a.peer);
        if (auto* l = link_of(a.peer.link)) l->forget(a.peer);
    }

    void do_apply(core::open_broker_link& a)
    {
        if (done) return;
        if (auto old = broker.find(a.session); old != broker.end()) {
            // The core closes a link before it opens the next one; if not, the old one goes now.
            log.warn(client_text(a.session) + ": a new broker link replaces one still open");
            closing.emplace(old->second.serial, old->second.connection);
            auto c = std::move(old->second.connection);
            broker.erase(old);
            c->close();
        }
        mqtt_bridge::connection_options o;
        o.host = a.host.empty() ? cfg.broker.host : a.host;
        // A Server Reference without a port (MQTT 5.0 §4.11) keeps the configured broker port.
        o.port = a.host.empty() || a.port == 0 ? cfg.broker.port : a.port;
        o.tls = tls;
        // --tls-server-name names the configured broker; another host (a Server Reference) is
        // checked against its own name.
        if (a.host.empty()) o.tls_server_name = cfg.tls_server_name;
        o.connect_timeout = cfg.core.broker_connect_timeout;
        if (a.max_packet_size != 0) o.max_packet_size = a.max_packet_size;
        auto where = to_string(host_port{o.host, o.port});
        auto c = broker_connection::create(io.get_executor(), std::move(o));
        const auto s = a.session;
        const auto serial = next_serial++;
        broker[s] = broker_link{c, serial, false};
        ++stats.broker_links_opened;
        c->start({
            .on_connected =
                [this, s, serial] {
                    if (!current(s, serial) || done) return;
                    apply(core.on_broker_link_up(s, core::clock::now()));
                    rearm();
                },
            .on_packet =
                [this, s, serial](std::span<const std::byte> packet) {
                    if (!current(s, serial) || done) return;
                    apply(core.on_broker_bytes(s, packet, core::clock::now()));
                    rearm();
                },
            .on_closed = [this, s, serial, where = std::move(where)](
                             close_reason r, error_code ec) { on_link_closed(s, serial, where, r, ec); },
        });
    }

    bool current(core::session_id s, std::uint64_t serial) const
    {
        const auto it = broker.find(s);
        return it != broker.end() && it->second.serial == serial;
    }

    void do_apply(core::send_to_broker& a)
    {
        const auto it = broker.find(a.session);
        if (it == broker.end()) {
            ++stats.broker_sends_refused;
            log.debug(client_text(a.session) + ": no broker link for a " + to_text(a.type));
            return;
        }
        if (it->second.connection->send(std::move(a.bytes))) return;
        ++stats.broker_sends_refused;
        // Once per link: a slow broker refuses every packet after the first.
        if (!it->second.refusal_logged) {
            it->second.refusal_logged = true;
            log.warn(client_text(a.session) + ": broker link refused a " + to_text(a.type) +
                     " (send queue full or link closing)" + (stopping ? "" : "; dropping the link"));
        }
        // The core believes the packet sent: a lost packet on a live link would never be resent.
        // A link failure instead: on_closed (always later, from the executor) tells the core
        // on_broker_link_down, and the mqtt5 session resends what is unacknowledged on the next link
        // (MQTT 5.0 §4.4). Not while stopping: the links are being closed anyway.
        if (!stopping) it->second.connection->abort();
    }

    static std::string to_text(mqtt5::packet_type t)
    {
        std::ostringstream os;
        os << t;
        return os.str();
    }

    void do_apply(core::close_broker_link& a)
    {
        const auto it = broker.find(a.session);
        if (it == broker.end()) return;
        // Detached first: the core must not hear of a link it already dropped.
        auto c = std::move(it->second.connection);
        closing.emplace(it->second.serial, c);
        broker.erase(it);
        if (a.mode == mqtt5::close_mode::abrupt)
            c->abort();
        else
            c->close();
    }

    void do_apply(core::dropped& a)
    {
        const auto message = a.error.message();
        ++stats.dropped[message];
        const auto level = drop_level(a.error);
        if (!log.enabled(level)) return;
        std::string line = "dropped";
        if (!a.detail.empty()) line += ' ' + printable(a.detail);
        line += " from " + peer_text(a.peer);
        if (!a.client_id.empty()) line += " (client " + printable(a.client_id) + ')';
        line += ": " + message;
        log.log(level, line);
    }

    void do_apply(core::client_event& a)
    {
        if (own_session && a.session == *own_session) {
            if (a.kind == core::client_event_kind::upstream_up) own_connected = true;
            if (a.kind == core::client_event_kind::upstream_down) own_connected = false;
        }
        // The same event again for the same session (a broker that stays down, retried with
        // back-off) is debug: the first one said it.
        auto level = log_level::info;
        if (a.session != 0) {
            auto& last = last_event[a.session];
            if (last && last->first == a.kind && last->second == a.detail) level = log_level::debug;
            last.emplace(a.kind, a.detail);
            if (a.kind == core::client_event_kind::removed) {
                client_of.erase(a.session);
                last_event.erase(a.session);
            } else if (!a.client_id.empty()) {
                client_of[a.session] = a.client_id;
            }
        }
        if (!log.enabled(level)) return;
        std::string line = "client " + printable(a.client_id);
        if (a.peer) line += " [" + peer_text(a.peer) + ']';
        line += ' ';
        line += event_words(a.kind);
        if (!a.detail.empty()) line += ": " + printable(a.detail);
        log.log(level, line);
    }

    // ---- broker link ends -----------------------------------------------------------------------

    void on_link_closed(core::session_id s, std::uint64_t serial, const std::string& where, close_reason r,
                        error_code ec)
    {
        if (closing.erase(serial) != 0) {
            log.debug(client_text(s) + ": broker link closed (" + std::string(to_string(r)) + ')');
            maybe_finish();
            return;
        }
        if (!current(s, serial)) return;
        broker.erase(s);
        log_link_end(s, where, r, ec);
        if (!done) {
            apply(core.on_broker_link_down(s, core::clock::now()));
            rearm();
        }
        maybe_finish();
    }

    void log_link_end(core::session_id s, const std::string& where, close_reason r, const error_code& ec)
    {
        std::string line =
            client_text(s) + ": broker link to " + where + " ended: " + std::string(to_string(r));
        if (ec) line += " (" + ec.message() + ')';
        auto level = log_level::debug;
        if (link_failure(r) && !stopping) {
            const auto now = core::clock::now();
            auto& last = failure_logged[{r, ec}];
            if (last == core::time_point{} || now - last >= std::chrono::minutes(1)) {
                last = now;
                level = log_level::warn;
            }
        }
        log.log(level, line);
    }

    // ---- shutdown -------------------------------------------------------------------------------

    // ---- systemd (sd_notify(3)) and SIGHUP ----------------------------------------------------------

    void notify(const std::string& state)
    {
        if (opts.notify) opts.notify(state);
    }

    std::string status_text() const
    {
        std::string text = "listening on ";
        for (std::size_t i = 0; i < links.size(); ++i)
            text += (i == 0 ? "" : ", ") + links[i]->name();
        return text + "; broker " + to_string(cfg.broker) + (cfg.broker_tls ? " (TLS)" : "");
    }

    // One io_context, no thread: a stalled executor stops the pings and systemd restarts us.
    void ping_watchdog()
    {
        if (opts.watchdog.count() <= 0 || done) return;
        notify("WATCHDOG=1\n");
        watchdog_timer.expires_after(opts.watchdog / 2);
        watchdog_timer.async_wait([this](error_code ec) {
            if (ec == asio::error::operation_aborted) return;
            ping_watchdog();
        });
    }

    void reload()
    {
        if (stopping || done) {
            log.debug("SIGHUP during the shutdown: ignored");
            return;
        }
        if (!opts.reload_config) {
            log.warn("SIGHUP: no configuration to reload; ignored");
            return;
        }
        notify(reloading_message());
        log.info("SIGHUP: reloading the configuration");
        std::optional<app_config> next;
        try {
            next = opts.reload_config();
        } catch (const std::exception& e) {
            log.error(std::string("reload failed, running configuration kept: ") + e.what());
        }
        if (next) apply_reload(*next);
        notify(ready_message(status_text()));
    }

    void apply_reload(const app_config& next)
    {
        if (next.level != cfg.level) {
            // Said before a quieter level hides it, and after a louder one shows it.
            log.info("reload: --log-level " + std::string(to_string(cfg.level)) + " -> " +
                     std::string(to_string(next.level)));
            log.set_threshold(next.level);
            cfg.level = next.level;
        }
        // Options the runner or the transports hold; each needs a restart.
        std::vector<std::string> restart;
        if (next.udp != cfg.udp) restart.emplace_back("--udp");
        if (next.udp_receive_buffer != cfg.udp_receive_buffer) restart.emplace_back("--udp-receive-buffer");
        if (next.serial != cfg.serial) restart.emplace_back("--serial");
        if (next.multicast != cfg.multicast) restart.emplace_back("--multicast");
        if (!(next.broker == cfg.broker)) restart.emplace_back("--broker");
        if (next.broker_tls != cfg.broker_tls || next.ca_file != cfg.ca_file ||
            next.cert_file != cfg.cert_file || next.key_file != cfg.key_file ||
            next.tls_server_name != cfg.tls_server_name)
            restart.emplace_back("--broker-tls/--ca-file/--cert/--key/--tls-server-name");
        if (next.control_path != cfg.control_path) restart.emplace_back("--control");
        if (next.metrics != cfg.metrics) restart.emplace_back("--metrics");
        if (next.status_prefix != cfg.status_prefix) restart.emplace_back("--status-prefix");

        const bool topics_changed = next.core.predefined_topics != cfg.core.predefined_topics;
        const bool credentials_changed = next.core.credentials != cfg.core.credentials;
        // The core takes the predefined topics and credentials and names what it did not take.
        for (const auto& field : core.reconfigure(next.core, core::clock::now()))
            restart.push_back(option_of(field));
        std::set<std::string> said;
        for (const auto& option : restart)
            if (said.insert(option).second) log.warn("reload: " + option + " changed; restart sngw to apply");

        const auto& running = core.configuration();
        // A setting the core named above was said already.
        if (topics_changed && !said.contains("--predefined-topics")) {
            if (running.predefined_topics == next.core.predefined_topics) {
                cfg.core.predefined_topics = next.core.predefined_topics;
                cfg.predefined_topics_file = next.predefined_topics_file;
                log.info("reload: " + std::to_string(next.core.predefined_topics.size()) +
                         " predefined topics" +
                         (next.predefined_topics_file.empty() ? "" : " from " + next.predefined_topics_file));
            } else {
                log.warn(
                    "reload: the predefined topics changed but the core did not take them; restart sngw to "
                    "apply");
            }
        }
        if (credentials_changed && !said.contains("--credentials")) {
            if (running.credentials == next.core.credentials) {
                cfg.core.credentials = next.core.credentials;
                cfg.credentials_file = next.credentials_file;
                log.info("reload: " + std::to_string(next.core.credentials.size()) + " sensor credentials" +
                         (next.credentials_file.empty() ? "" : " from " + next.credentials_file) +
                         " (used from each sensor's next upstream CONNECT)");
            } else {
                log.warn(
                    "reload: the sensor credentials changed but the core did not take them; restart sngw to "
                    "apply");
            }
        }
        log.info("reload done");
        // A timer the new settings moved (none today) is picked up here.
        rearm();
    }

    void shutdown()
    {
        if (stopping) return;
        stopping = true;
        notify(stopping_message());
        stop_deadline = std::chrono::steady_clock::now() + opts.shutdown_limit;
        log.info("shutting down: telling the sensors, closing " + std::to_string(broker.size()) +
                 " broker links");
        apply(core.shutdown(core::clock::now()));
        rearm();
        shutdown_timer.expires_after(opts.shutdown_limit);
        shutdown_timer.async_wait([this](error_code ec) {
            if (ec == asio::error::operation_aborted || done) return;
            log.warn(std::to_string(broker.size() + closing.size()) + " broker links still open after " +
                     std::to_string(opts.shutdown_limit.count()) + " ms: dropping them");
            finish();
        });
        maybe_finish();
    }

    void maybe_finish()
    {
        if (stopping && !done && broker.empty() && closing.empty()) finish();
    }

    void finish()
    {
        if (done) return;
        done = true;
        // Links still open past the limit are dropped; their on_closed finds nothing to do.
        for (auto& [s, l] : broker)
            closing.emplace(l.serial, l.connection);
        broker.clear();
        for (auto& [serial, c] : closing)
            c->abort();
        timer.cancel();
        shutdown_timer.cancel();
        // sngwctl sees "no gateway" from here on; the socket file goes (main _Exits: no destructors).
        if (control) control->stop();
        if (metrics) metrics->close();
        watchdog_timer.cancel();
        error_code ignored;
        signals.cancel(ignored);
        // After the handlers already queued (the sensors' DISCONNECTs among them) have run.
        asio::post(io, [this] {
            for (auto& l : links) {
                const auto& c = l->counters();
                log.info(l->name() + ": " + std::to_string(c.datagrams_in) + " datagrams in, " +
                         std::to_string(c.datagrams_out) + " out, " + std::to_string(c.receive_errors) +
                         " receive errors, " + std::to_string(c.send_errors) + " send errors, " +
                         std::to_string(c.drops) + " dropped by the link" +
                         (c.framing_errors + c.crc_errors != 0
                              ? ", " + std::to_string(c.framing_errors) + " framing errors, " +
                                    std::to_string(c.crc_errors) + " CRC errors"
                              : std::string{}));
                if (const auto* s = dynamic_cast<const transport::serial_transport*>(l.get())) {
                    const auto& st = s->stats();
                    log.info(l->name() + ": opened " + std::to_string(st.opens) + " times (" +
                             std::to_string(st.reopens) + " reopens), lost " + std::to_string(st.losses) +
                             " times, " + std::to_string(st.open_failures) + " failed opens");
                }
            }
            std::string dropped;
            for (const auto& [what, n] : stats.dropped)
                dropped += (dropped.empty() ? "" : ", ") + std::to_string(n) + " " + what;
            if (!dropped.empty()) log.info("datagrams dropped by the core: " + dropped);
            if (!stop_deadline) stop_deadline = std::chrono::steady_clock::now() + opts.shutdown_limit;
            stop_links_when_flushed();
        });
    }

    /// The sensors' DISCONNECTs may still sit in a UDP send queue (a full socket buffer): each link
    /// is stopped once its queue is empty, all of them when the shutdown limit has passed.
    void stop_links_when_flushed()
    {
        const bool late = std::chrono::steady_clock::now() >= *stop_deadline;
        std::size_t unsent = 0;
        for (auto* u : udp_links)
            unsent += u->queued_bytes();
        if (unsent != 0 && !late) {
            flush_timer.expires_after(std::chrono::milliseconds(10));
            flush_timer.async_wait([this](error_code ec) {
                if (!ec) stop_links_when_flushed(); // aborted: the runner is gone (~runner)
            });
            return;
        }
        if (unsent != 0) log.warn(std::to_string(unsent) + " octets to sensors still unsent: dropped");
        for (auto& l : links)
            l->stop();
        links_stopped = true;
        log.info("stopped");
    }

    void log_serial_event(const std::string& name, const std::string& settings,
                          const transport::serial_event& e)
    {
        using kind = transport::serial_event::kind;
        const auto retry = std::to_string(e.retry_in.count()) + " ms";
        switch (e.what) {
        case kind::opened:
            log.info(name + ": open (" + settings + ")");
            return;
        case kind::open_failed:
            // Once, then quietly: a device that is unplugged for hours is retried every 10 s.
            log.log(e.failures == 1 ? log_level::warn : log_level::debug,
                    name + ": cannot open: " + e.error.message() + "; retrying in " + retry);
            return;
        case kind::lost:
            log.warn(name + ": lost (" + e.error.message() + "); reopening in " + retry);
            return;
        }
    }

    // ---- the control socket (design §6) ----------------------------------------------------------

    /// Opens the control socket and the metrics endpoint; false (logged) when the daemon must not run.
    bool open_control()
    {
        const bool explicit_path = !cfg.control_path.empty();
        if (explicit_path || opts.default_control_socket) {
            const auto path = daemon_control_path(cfg.control_path);
            auto r = control_server::open(io.get_executor(), {.path = path},
                                          [this](const control_request& rq) { return answer(rq); });
            if (r) {
                control = std::move(*r);
                control->start();
                log.info("control socket " + path + " (sngwctl" +
                         (explicit_path ? " --control " + path : "") + ")");
            } else {
                const bool live = r.error() == asio::error::address_in_use;
                const auto why = live ? std::string("another sngw answers there")
                                 : r.error() == boost::system::errc::file_exists
                                     ? std::string("a file that is not a socket is in the way")
                                     : r.error().message();
                if (explicit_path) {
                    log.error("cannot open the control socket " + path + ": " + why +
                              (live ? " (stop it, or give this one another --control PATH)" : ""));
                    return false;
                }
                // The default place is a convenience: a second gateway on the machine still runs.
                log.warn("no control socket: " + path + ": " + why +
                         "; sngwctl cannot reach this gateway (give it --control PATH)");
            }
        }
        if (cfg.metrics) {
            const auto where = metrics_endpoint(*cfg.metrics);
            if (!where) {
                log.error("--metrics " + to_string(*cfg.metrics) + ": " + where.error().message());
                return false;
            }
            metrics = std::make_unique<metrics_server>(io, *where,
                                                       [this] { return render_prometheus(snapshot()); });
            if (const auto ec = metrics->open()) {
                log.error("cannot serve metrics on " + to_string(*cfg.metrics) + ": " + ec.message());
                metrics.reset();
                return false;
            }
            const auto ep = metrics->local_endpoint();
            log.info("metrics at http://" + to_string(host_port{ep.address().to_string(), ep.port()}) +
                     "/metrics");
        }
        return true;
    }

    traffic_sample totals(core::time_point now) const
    {
        traffic_sample t;
        t.at = now;
        const auto& g = core.stats();
        for (auto n : g.publishes_from_clients)
            t.messages_in += n;
        for (auto n : g.publishes_to_clients)
            t.messages_out += n;
        for (const auto& l : links) {
            const auto& c = l->counters();
            t.datagrams_in += c.datagrams_in;
            t.datagrams_out += c.datagrams_out;
            t.bytes_in += c.bytes_in;
            t.bytes_out += c.bytes_out;
        }
        return t;
    }

    void sample_traffic()
    {
        const auto now = core::clock::now();
        last_activity = now;
        if (!samples.empty() && now - samples.back().at < std::chrono::seconds(1)) return;
        samples.push_back(totals(now));
        // Enough to reach back rate_window at one sample a second, plus one.
        while (samples.size() > 12)
            samples.pop_front();
    }

    traffic_rates rates(core::time_point now) const
    {
        traffic_rates r;
        if (samples.empty()) return r;
        // The newest sample at least rate_window old, else the oldest one.
        const traffic_sample* base = &samples.front();
        for (const auto& s : samples)
            if (now - s.at >= rate_window) base = &s;
        const auto window = std::chrono::duration<double>(now - base->at).count();
        r.window_seconds = window;
        // Nothing happened within the window: the rates are 0 (the last samples may predate a burst's
        // end by up to a second).
        if (window <= 0 || now - last_activity >= rate_window) return r;
        const auto cur = totals(now);
        const auto per_second = [window](std::uint64_t a, std::uint64_t b) {
            return a >= b ? static_cast<double>(a - b) / window : 0.0;
        };
        r.messages_in = per_second(cur.messages_in, base->messages_in);
        r.messages_out = per_second(cur.messages_out, base->messages_out);
        r.datagrams_in = per_second(cur.datagrams_in, base->datagrams_in);
        r.datagrams_out = per_second(cur.datagrams_out, base->datagrams_out);
        r.bytes_in = per_second(cur.bytes_in, base->bytes_in);
        r.bytes_out = per_second(cur.bytes_out, base->bytes_out);
        return r;
    }

    /// The live numbers, for `status`, `metrics` and the Prometheus endpoint.
    metrics_snapshot snapshot() const
    {
        metrics_snapshot m;
        m.version = std::string(version());
        m.uptime = core::clock::now() - started_at;
        m.broker_connected = own_connected;
        m.broker_links = broker.size() + closing.size();
        m.gateway = core.stats();
        m.clients = core.clients();
        m.runner = stats;
        for (const auto& l : links) {
            link_metrics k;
            k.name = l->name();
            k.counters = l->counters();
            if (const auto* s = dynamic_cast<const transport::serial_transport*>(l.get())) {
                k.kind = "serial";
                k.serial = s->stats();
            } else {
                k.kind = "udp";
            }
            m.links.push_back(std::move(k));
        }
        if (metrics) m.http = metrics->stats();
        return m;
    }

    render_clock clock_now() const { return {core::clock::now(), std::chrono::system_clock::now()}; }

    client_place place_of(const core::client_info& c)
    {
        client_place p;
        if (!c.peer || c.peer.link > links.size()) return p;
        const auto& l = *links[c.peer.link - 1];
        p.link = l.name();
        p.address = l.describe(c.peer);
        if (const auto it = peer_traffic.find(c.peer); it != peer_traffic.end()) {
            p.datagrams_in = it->second.first;
            p.datagrams_out = it->second.second;
        }
        return p;
    }

    /// One answer line per request (control_protocol.hpp; README "The socket protocol").
    std::string answer(const control_request& rq)
    {
        const auto clock = clock_now();
        switch (rq.command) {
        case control_command::status: {
            status_extras x;
            x.broker = to_string(cfg.broker);
            x.broker_tls = cfg.broker_tls;
            x.gateway_id = cfg.core.gateway_id;
            x.rates = rates(clock.now);
            if (control) {
                x.control_path = control->path();
                x.control = control->counters();
            }
            x.started = started_at;
            return ok_line(status_json(snapshot(), x, clock));
        }
        case control_command::clients: {
            boost::json::array list;
            const auto all = core.clients();
            list.reserve(all.size());
            for (const auto& c : all)
                list.emplace_back(client_json(c, place_of(c), clock));
            return ok_line({{"count", all.size()}, {"clients", std::move(list)}});
        }
        case control_command::client: {
            const auto c = core.client(rq.id);
            if (!c) return error_line("no client \"" + json_text(rq.id) + "\"");
            return ok_line({{"client", client_json(*c, place_of(*c), clock)}});
        }
        case control_command::kick:
            return kick(rq, clock.now);
        case control_command::metrics:
            return ok_line({{"metrics", render_prometheus(snapshot())}});
        }
        return error_line("unknown command");
    }

    std::string kick(const control_request& rq, core::time_point now)
    {
        const auto reason = static_cast<mqtt5::reason_code>(rq.reason);
        // MQTT 5.0 §3.14.2.1: only a DISCONNECT reason code can be a broker's verdict.
        if (!mqtt5::reason_code_allowed(mqtt5::packet_type::disconnect, reason))
            return error_line("reason " + std::to_string(rq.reason) +
                              " is not a DISCONNECT reason code (MQTT 5.0 "
                              "§3.14.2.1), e.g. 152 (0x98) Administrative action");
        if (stopping || done) return error_line("the gateway is shutting down");
        auto actions = core.kick(rq.id, reason, now);
        if (!actions) return error_line("no client \"" + json_text(rq.id) + "\"");
        log.info("control: client " + printable(rq.id) + " kicked (" + std::string(mqtt5::to_string(reason)) +
                 ")");
        const auto n = actions->size();
        apply(std::move(*actions));
        rearm();
        return ok_line({{"id", json_text(rq.id)},
                        {"reason", rq.reason},
                        {"name", mqtt5::to_string(reason)},
                        {"actions", n}});
    }

    void wait_signal()
    {
        signals.async_wait([this](error_code ec, int signo) {
            if (ec == asio::error::operation_aborted || done) return;
            if (signo == SIGHUP) {
                reload();
                wait_signal();
                return;
            }
            if (stopping) {
                log.warn("second signal " + std::to_string(signo) + ": exiting now");
                std::_Exit(128 + signo);
            }
            log.info(std::string("signal ") +
                     (signo == SIGTERM  ? "SIGTERM"
                      : signo == SIGINT ? "SIGINT"
                                        : "?") +
                     " received");
            shutdown();
            if (!done) wait_signal(); // a second one exits at once; after finish() nothing may wait
        });
    }
};

runner::runner(asio::io_context& io, app_config config, logger& log, runner_options options)
    : impl_(std::make_unique<impl>(io, std::move(config), log, options))
{}

runner::~runner()
{
    auto& d = *impl_;
    // A runner dropped without a completed shutdown (tests, a failed open): nothing may run later.
    d.done = true;
    for (auto& [s, l] : d.broker)
        l.connection->abort();
    for (auto& [serial, c] : d.closing)
        c->abort();
    d.flush_timer.cancel();
    d.watchdog_timer.cancel();
    if (d.control) d.control->stop();
    if (d.metrics) d.metrics->close();
    for (auto& l : d.links)
        l->stop();
}

bool runner::open()
{
    auto& d = *impl_;
    const auto& cfg = d.cfg;
    // --multicast goes to the first listener of its address family (config checked there is one).
    // A plain endpoint + flag, not std::optional: g++ 12 -O2 warns maybe-uninitialized on copying an
    // optional<udp::endpoint> (a false positive that -Werror turns into a build failure).
    asio::ip::udp::endpoint group_endpoint;
    bool group_pending = false;
    if (cfg.multicast) {
        group_endpoint = {asio::ip::make_address(cfg.multicast->host), cfg.multicast->port};
        group_pending = true;
    }
    for (std::size_t i = 0; i < cfg.udp.size(); ++i) {
        const auto& u = cfg.udp[i];
        transport::udp_options o;
        o.link = static_cast<std::uint32_t>(i + 1);
        o.listen = asio::ip::udp::endpoint(asio::ip::make_address(u.host), u.port);
        if (group_pending && group_endpoint.address().is_v4() == o.listen.address().is_v4()) {
            o.multicast = group_endpoint;
            group_pending = false;
        }
        // Every client record may hold a peer; strays are forgotten at once (forget_peer).
        o.max_peers = cfg.core.max_clients + 1024;
        o.receive_buffer = cfg.udp_receive_buffer;
        auto r = transport::udp_transport::open(d.io.get_executor(), o);
        if (!r) {
            d.log.error("cannot listen on udp " + to_string(u) +
                        (o.multicast ? " with multicast " + to_string(*cfg.multicast) : std::string{}) +
                        ": " + r.error().message());
            d.links.clear();
            d.udp_links.clear();
            return false;
        }
        if (cfg.udp_receive_buffer != 0) {
            // Below the request: capped at net.core.rmem_max (no CAP_NET_ADMIN for SO_RCVBUFFORCE).
            const auto granted = (*r)->receive_buffer_size();
            const auto line = "udp " + to_string(u) + ": receive buffer (SO_RCVBUF) " +
                              std::to_string(granted) + " octets, asked " +
                              std::to_string(cfg.udp_receive_buffer);
            if (granted < cfg.udp_receive_buffer)
                d.log.warn(line + "; raise net.core.rmem_max (sysctl) or run with CAP_NET_ADMIN, or "
                                  "bursts from many sensors are dropped by the kernel");
            else
                d.log.info(line);
        }
        d.udp_links.push_back(r->get());
        d.links.push_back(std::move(*r));
    }
    // Serial ports never fail here: a port that cannot be opened is retried with back-off (a USB
    // adapter plugged in later), and the log says so.
    for (const auto& s : cfg.serial) {
        transport::serial_options o;
        o.link = static_cast<std::uint32_t>(d.links.size() + 1);
        o.settings = s;
        o.max_datagram_size = cfg.core.max_datagram_size;
        o.max_peers = cfg.core.max_clients + 1024;
        o.on_event = [&d, name = "serial " + s.device, text = transport::to_string(s)](
                         const transport::serial_event& e) { d.log_serial_event(name, text, e); };
        d.links.push_back(std::make_unique<transport::serial_transport>(d.io.get_executor(), std::move(o)));
    }
    if (cfg.broker_tls) {
        auto t = mqtt_bridge::make_tls_context(
            {.ca_file = cfg.ca_file, .cert_file = cfg.cert_file, .key_file = cfg.key_file});
        if (!t) {
            d.log.error("cannot set up TLS toward the broker: " + t.error().message());
            d.links.clear();
            d.udp_links.clear();
            return false;
        }
        d.tls = std::move(*t);
    }
    // After the listeners: READY=1 (after start()) means sngwctl and the metrics endpoint answer too.
    if (!d.open_control()) {
        d.control.reset();
        d.links.clear();
        d.udp_links.clear();
        return false;
    }
    return true;
}

void runner::start()
{
    auto& d = *impl_;
    if (d.started) return;
    d.started = true;
    for (auto& l : d.links) {
        d.log.info("listening on " + l->name());
        l->start([&d](core::peer_id from, std::span<const std::byte> datagram) {
            if (d.done) return;
            ++d.peer_traffic[from].first;
            d.apply(d.core.on_datagram(from, datagram, core::clock::now()));
            d.rearm();
        });
    }
    d.log.info("broker " + to_string(d.cfg.broker) + (d.cfg.broker_tls ? " (TLS)" : "") + ", gateway id " +
               std::to_string(d.cfg.core.gateway_id));
    if (!d.cfg.core.predefined_topics.empty())
        d.log.info(std::to_string(d.cfg.core.predefined_topics.size()) + " predefined topics from " +
                   d.cfg.predefined_topics_file);
    if (!d.cfg.core.credentials.empty())
        d.log.info(std::to_string(d.cfg.core.credentials.size()) + " sensor credentials from " +
                   d.cfg.credentials_file);
    if (d.opts.handle_signals) {
        d.signals.add(SIGTERM);
        d.signals.add(SIGINT);
        d.signals.add(SIGHUP);
        d.wait_signal();
    }
    d.started_at = core::clock::now();
    auto first = d.core.start(core::clock::now());
    // The gateway's own session is the one core.start() opens (its state is `status`'s broker link).
    for (const auto& a : first)
        if (const auto* o = std::get_if<core::open_broker_link>(&a)) d.own_session = o->session;
    d.apply(std::move(first));
    d.rearm();
    // Every listener is bound (open()) and has a receive pending: a datagram sent from now on is
    // answered. systemd starts the units ordered after ours only now (Type=notify).
    d.notify(ready_message(d.status_text()));
    d.ping_watchdog();
}

void runner::request_shutdown()
{
    impl_->shutdown();
}

void runner::reload()
{
    impl_->reload();
}

bool runner::finished() const noexcept
{
    return impl_->links_stopped;
}

std::vector<asio::ip::udp::endpoint> runner::local_endpoints() const
{
    std::vector<asio::ip::udp::endpoint> out;
    for (const auto* l : impl_->udp_links)
        out.push_back(l->local_endpoint());
    return out;
}

const core::gateway& runner::core() const noexcept
{
    return impl_->core;
}

const runner_stats& runner::stats() const noexcept
{
    return impl_->stats;
}

std::size_t runner::broker_links() const noexcept
{
    return impl_->broker.size() + impl_->closing.size();
}

std::pair<std::uint64_t, std::uint64_t> raise_open_file_limit() noexcept
{
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) != 0) return {0, 0};
    const auto old = static_cast<std::uint64_t>(l.rlim_cur);
    if (l.rlim_cur == l.rlim_max) return {old, old};
    l.rlim_cur = l.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &l) != 0) return {old, old};
    return {old, static_cast<std::uint64_t>(l.rlim_cur)};
}

} // namespace sngw::app
