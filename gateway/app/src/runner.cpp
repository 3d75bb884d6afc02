// SPDX-License-Identifier: MIT
#include <sngw/app/runner.hpp>

#include <sngw/app/sd_notify.hpp>

#include <sngw/core/errc.hpp>
#include <sngw/core/gateway.hpp>
#include <sngw/mqtt_bridge/broker_connection.hpp>
#include <sngw/mqtt_bridge/tls_context.hpp>
#include <sngw/mqtt5/io.hpp>
#include <sngw/sn/errc.hpp>
#include <sngw/transport/serial_transport.hpp>
#include <sngw/transport/udp_transport.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
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
        if (auto* l = link_of(a.to.link)) l->send(a.to, a.bytes);
    }

    void do_apply(core::broadcast_datagram& a)
    {
        for (auto& l : links)
            l->broadcast(a.bytes);
    }

    void do_apply(core::forget_peer& a)
    {
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
        o.port = a.host.empty() ? cfg.broker.port : a.port;
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
    d.apply(d.core.start(core::clock::now()));
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
