// SPDX-License-Identifier: MIT
#include <sngw/app/logger.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sngw::app {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void write_stderr(std::string_view line)
{
    // One write(2) per line, retried on a short write: lines never interleave mid-way.
    while (!line.empty()) {
        const auto n = ::write(STDERR_FILENO, line.data(), line.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return; // nowhere left to report it
        }
        line.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string_view level_word(log_level l) noexcept
{
    switch (l) {
    case log_level::error:
        return "ERROR";
    case log_level::warn:
        return "WARN";
    case log_level::info:
        return "INFO";
    case log_level::debug:
        return "DEBUG";
    }
    return "?";
}

// syslog(3) priorities: LOG_ERR 3, LOG_WARNING 4, LOG_INFO 6, LOG_DEBUG 7.
char syslog_priority(log_level l) noexcept
{
    switch (l) {
    case log_level::error:
        return '3';
    case log_level::warn:
        return '4';
    case log_level::info:
        return '6';
    case log_level::debug:
        return '7';
    }
    return '6';
}

std::string_view colour(log_level l) noexcept
{
    switch (l) {
    case log_level::error:
        return "\x1b[1;31m";
    case log_level::warn:
        return "\x1b[33m";
    case log_level::info:
        return "\x1b[32m";
    case log_level::debug:
        return "\x1b[2m";
    }
    return "";
}

/// `network`: text from a sensor: only printable ASCII passes, and `\` is escaped too so that an
/// escape in the log cannot be forged. Otherwise only control characters are escaped (UTF-8 stays).
void append_escaped(std::string& out, std::string_view text, bool network)
{
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || (network && (u > 0x7f || c == '\\'))) {
            out += "\\x";
            out += hex_digits[u >> 4];
            out += hex_digits[u & 15];
        } else {
            out += c;
        }
    }
}

} // namespace

logger::logger(log_level threshold) : logger(threshold, detect_style(), write_stderr) {}

logger::logger(log_level threshold, style s, sink out)
    : threshold_(threshold), style_(s), out_(std::move(out))
{}

logger::style logger::detect_style()
{
    return detect_style(STDERR_FILENO);
}

logger::style logger::detect_style(int fd)
{
    // systemd.exec(5): JOURNAL_STREAM is "<st_dev>:<st_ino>" in decimal of the journal stream.
    if (const char* j = std::getenv("JOURNAL_STREAM"); j && *j) {
        struct stat st {};
        if (::fstat(fd, &st) == 0 &&
            std::string(j) == std::to_string(static_cast<unsigned long long>(st.st_dev)) + ':' +
                                  std::to_string(static_cast<unsigned long long>(st.st_ino)))
            return style::journal;
    }
    const char* term = std::getenv("TERM");
    const char* no_colour = std::getenv("NO_COLOR"); // no-color.org
    if (::isatty(fd) == 1 && !(term && std::strcmp(term, "dumb") == 0) && !(no_colour && *no_colour))
        return style::colour;
    return style::plain;
}

std::string logger::format(log_level level, std::string_view message, style s)
{
    std::string line;
    line.reserve(message.size() + 16);
    switch (s) {
    case style::journal:
        line += '<';
        line += syslog_priority(level);
        line += '>';
        break;
    case style::colour:
        line += colour(level);
        line += level_word(level);
        line += "\x1b[0m ";
        break;
    case style::plain:
        line += level_word(level);
        line += ' ';
        break;
    }
    append_escaped(line, message, false);
    line += '\n';
    return line;
}

void logger::log(log_level l, std::string_view message)
{
    if (!enabled(l)) return;
    out_(format(l, message, style_));
}

std::string printable(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    append_escaped(out, text, true);
    return out;
}

} // namespace sngw::app
