// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/app/config.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace sngw::app {

/// One line per event on stderr (design §6): `LEVEL message`. Colour on the level word only when
/// stderr is a terminal; under systemd (stderr is the stream $JOURNAL_STREAM names) the line starts
/// with the syslog priority `<3>`..`<7>` instead of the level word, which journald turns into the
/// entry's priority (sd-daemon(3)), so `journalctl -p warning` works. Control characters in a message
/// are escaped (`\x0a`), so a line is always one line whatever a sensor sent.
/// Thread safety: one thread (the gateway's executor).
class logger {
public:
    enum class style { plain, colour, journal };
    using sink = std::function<void(std::string_view line)>; // one whole line, newline included

    /// Writes to stderr in the style detect_style() finds.
    explicit logger(log_level threshold);
    logger(log_level threshold, style s, sink out);

    /// detect_style(STDERR_FILENO).
    static style detect_style();
    /// journal if $JOURNAL_STREAM is `DEVICE:INODE` of `fd` (systemd.exec(5): a shell or a child with
    /// stderr redirected inherits the variable but not the stream), else colour if `fd` is a terminal
    /// (TERM not "dumb", NO_COLOR not set), else plain.
    static style detect_style(int fd);
    /// The line for one event, newline included.
    static std::string format(log_level level, std::string_view message, style s);

    void set_threshold(log_level l) noexcept { threshold_ = l; } // SIGHUP: --log-level
    log_level threshold() const noexcept { return threshold_; }
    style line_style() const noexcept { return style_; }
    bool enabled(log_level l) const noexcept { return l <= threshold_; }
    void log(log_level l, std::string_view message);
    void error(std::string_view m) { log(log_level::error, m); }
    void warn(std::string_view m) { log(log_level::warn, m); }
    void info(std::string_view m) { log(log_level::info, m); }
    void debug(std::string_view m) { log(log_level::debug, m); }

private:
    log_level threshold_;
    style style_;
    sink out_;
};

/// Text from the network made safe for one log line: printable ASCII as is, everything else
/// (control characters, octets >= 0x7f, and the backslash itself) as `\xNN`.
std::string printable(std::string_view text);

} // namespace sngw::app
