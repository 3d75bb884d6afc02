// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/core/config.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

/// The two files the daemon reads besides its INI file. Pure: text in, value and line-numbered
/// errors out; reading the file is the caller's business. Common to both: one entry a line, lines
/// end with LF or CRLF, a line whose first non-blank character is `#` is a comment, blank lines
/// are ignored.
namespace sngw::app {

/// A bad line: its number (from 1) and what is wrong with it.
struct line_error {
    std::size_t line = 0;
    std::string message{};
    friend bool operator==(const line_error&, const line_error&) = default;
};

/// What a file parser returns: the entries of every good line, and one error per bad line. A file
/// with any error is refused as a whole by the daemon (exit 2), so `value` is for tests and tools.
template <class T> struct file_parse {
    T value{};
    std::vector<line_error> errors{};
    bool ok() const noexcept { return errors.empty(); }
};

/// `--predefined-topics FILE`: `ID,NAME` a line (MQTT-SN v1.2 §6.7 predefined topic ids).
/// ID: decimal 1..65535. NAME: a Topic Name (MQTT 5.0 §4.7: non-empty, UTF-8, no NUL, no
/// wildcard `+` `#`), blanks around ID and NAME ignored. A `#` after a blank starts a trailing
/// comment (`1,sensors/temperature   # the outdoor probe`); `a/#` is a wildcard error. Errors: missing comma, bad ID, bad name,
/// an ID or a name given twice (the line of the second names the first).
file_parse<std::vector<core::predefined_topic>> parse_predefined_topics(std::string_view text);

/// `--credentials FILE`: `CLIENT_ID,USER,PASSWORD` a line: the MQTT 5 user name and password of
/// that sensor's upstream CONNECT (the client id as the sensor sends it, without
/// --client-id-prefix). The password is the rest of the line after the second comma, exactly
/// (commas, blanks and `#` included: only whole lines are comments here); blanks around CLIENT_ID and USER are ignored. An empty USER or
/// PASSWORD (or no second comma) means none is sent. Errors: no comma, an empty client id, a
/// client id given twice.
file_parse<std::map<std::string, core::broker_credentials>> parse_credentials(std::string_view text);

} // namespace sngw::app
