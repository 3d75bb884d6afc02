// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/app/config.hpp>
#include <sngw/app/logger.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sngw::core {
class gateway;
}

namespace sngw::app {

/// What the runner counts itself (the core and the links count the rest).
struct runner_stats {
    std::uint64_t broker_links_opened = 0;
    std::uint64_t broker_sends_refused = 0;         // send_to_broker a link did not take
    std::map<std::string, std::uint64_t> dropped{}; // by error message: what the core dropped
};

/// Knobs that are not configuration (tests shorten them).
struct runner_options {
    /// Shutdown waits this long for every broker link to close (design §3), then drops the rest.
    std::chrono::milliseconds shutdown_limit{std::chrono::seconds(5)};
    /// SIGTERM/SIGINT start the shutdown; a second one exits at once; SIGHUP reloads. Off in tests.
    bool handle_signals = true;
    /// systemd notifications (sd_notify.hpp; main sends them to $NOTIFY_SOCKET): the end of start()
    /// sends READY=1 (every listener bound and receiving, everything open() opens is open), the
    /// shutdown STOPPING=1, a reload RELOADING=1 then READY=1, the watchdog WATCHDOG=1. Empty: none.
    std::function<void(std::string_view state)> notify{};
    /// $WATCHDOG_USEC: WATCHDOG=1 through `notify` every half of it. Zero: no pings.
    std::chrono::microseconds watchdog{0};
    /// SIGHUP: the configuration read again from the sources the daemon started with (main:
    /// parse_arguments on the same command line). Throws (config_error) if it cannot be read.
    /// Empty: SIGHUP is logged and ignored.
    std::function<app_config()> reload_config{};
    /// The control socket at the default place (control_path.hpp) when --control is not given; main
    /// sets it. Off, only an explicit --control PATH opens one (tests do not touch /run/sngw).
    bool default_control_socket = false;
};

/// The gateway on one io_context (house-style §1 "gateway/app: wiring"): the pure core, one
/// udp_transport per --udp address (link index = position + 1), one broker_connection per open
/// upstream session, and one steady_timer armed at the core's next deadline. Every event (datagram,
/// broker link up / packet / closed, timer) is handed to the core with core::clock::now(); the
/// actions it returns are applied in order; then the timer is re-armed.
///
/// open() also opens the control socket (control_server.hpp: at --control PATH, else at the default
/// place when options.default_control_socket; an explicit path that cannot be had fails open(), the
/// default place only warns) and the --metrics endpoint (its failure fails open()); both close at the
/// end of the shutdown.
/// Life: open() (binds, builds the TLS context), start() (core start, receiving, signals), then the
/// caller runs the io_context. request_shutdown() (SIGTERM/SIGINT) tells the core to shut down
/// (sensors get DISCONNECT, upstream sessions DISCONNECT 0x00 and are kept), waits until every broker
/// link has closed or shutdown_limit passed, stops the listeners and leaves the io_context without
/// work, so run() returns.
/// Lifetime: the runner must outlive the io_context's run(); destroy it before the io_context.
/// Thread safety: one thread, the io_context's.
class runner {
public:
    runner(boost::asio::io_context& io, app_config config, logger& log, runner_options options = {});
    ~runner();
    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;

    /// Binds every listener, builds the TLS context. On failure logs why and returns false (the
    /// daemon exits 1); nothing is left open.
    bool open();
    /// Starts the core, the listeners and the signal handling; logs the startup lines.
    void start();
    /// What SIGTERM does. Idempotent.
    void request_shutdown();
    /// What SIGHUP does: reads the configuration through options.reload_config and applies what can
    /// change while running (the log level; the predefined topics and credentials, through
    /// core::gateway::reconfigure); logs one line per other setting that differs ("reload: --udp
    /// changed; restart sngw to apply"). A configuration that cannot be read is logged once and
    /// nothing changes. No sensor is dropped. Ignored once the shutdown has started.
    void reload();
    /// True once the shutdown has completed (the listeners stopped). A name lookup may still be running
    /// in Asio's resolver thread (it cannot be interrupted): main exits without waiting for it.
    bool finished() const noexcept;

    /// The bound address of each listener, in --udp order (the real port for ":0").
    std::vector<boost::asio::ip::udp::endpoint> local_endpoints() const;
    const core::gateway& core() const noexcept;
    const runner_stats& stats() const noexcept;
    /// Broker links open or closing.
    std::size_t broker_links() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Raises the soft RLIMIT_NOFILE to the hard limit (10,000 sensors are 10,000 TCP connections).
/// Returns {old soft, new soft}; {0, 0} when the limit cannot be read.
std::pair<std::uint64_t, std::uint64_t> raise_open_file_limit() noexcept;

} // namespace sngw::app
