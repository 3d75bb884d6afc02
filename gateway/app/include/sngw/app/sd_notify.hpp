// SPDX-License-Identifier: MIT
#pragma once

#include <boost/system/error_code.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace sngw::app {

/// The daemon's side of systemd's notification protocol (sd_notify(3), without libsystemd): one
/// datagram of `KEY=VALUE` lines to the AF_UNIX socket named by $NOTIFY_SOCKET. A path starting
/// with '/' is a filesystem socket, one starting with '@' is in the abstract namespace (the '@'
/// stands for the leading NUL). Without a socket every call is a no-op, so the daemon behaves the
/// same outside systemd.
/// Thread safety: notify() is const and keeps no state between calls.
class sd_notifier {
public:
    /// Disabled.
    sd_notifier() = default;
    /// `socket`: "/run/systemd/notify", "@name", or "" (disabled). Any other form is disabled too
    /// (systemd's vsock: addresses are not supported).
    explicit sd_notifier(std::string socket);
    /// From $NOTIFY_SOCKET.
    static sd_notifier from_environment();

    bool enabled() const noexcept { return !socket_.empty(); }
    const std::string& socket() const noexcept { return socket_; }

    /// Sends `state` ("READY=1\nSTATUS=…") as one datagram, without blocking. A failure (no
    /// listener, a full queue) is returned for the log and changes nothing: the daemon keeps
    /// running whether systemd heard it or not. Disabled: does nothing, returns success.
    boost::system::error_code notify(std::string_view state) const;

private:
    std::string socket_{};
};

/// `READY=1`, `STATUS=<status>` and `MAINPID=<this process>`: what the daemon sends once every
/// listener receives (and again after a reload). A newline in `status` becomes a blank.
std::string ready_message(std::string_view status);
/// `RELOADING=1` with `MONOTONIC_USEC` (systemd ≥ 253 requires it for Type=notify-reload; 252
/// ignores it) and a STATUS line.
std::string reloading_message();
/// `STOPPING=1` and a STATUS line.
std::string stopping_message();

/// The watchdog period systemd asks for ($WATCHDOG_USEC, if $WATCHDOG_PID is unset or this process),
/// or zero: no WATCHDOG=1 pings wanted. The daemon pings at half of it (sd_watchdog_enabled(3)).
std::chrono::microseconds watchdog_interval_from_environment();

} // namespace sngw::app
