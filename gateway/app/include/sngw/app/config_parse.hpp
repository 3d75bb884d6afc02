// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/app/config.hpp>

#include <boost/system/result.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sngw::app {

/// A configuration the daemon cannot run with: the message names the option (or FILE:LINE) and
/// what is wrong. main() prints it with a usage hint and exits 2.
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Reads a whole file: its text, or an error_code (errno) for the message.
using file_reader = std::function<boost::system::result<std::string>(const std::string& path)>;

/// The file reader the daemon uses.
boost::system::result<std::string> read_text_file(const std::string& path);

/// What the command line asks for.
struct parse_result {
    enum class action { run, help, version };
    action what = action::run;
    std::string text{}; // the help or version text, for stdout
    app_config config{};
};

/// Parses the command line (argv[0] is the program name) and the INI file of `-c FILE` (same keys
/// as the long options; the command line wins), then reads and parses --credentials and
/// --predefined-topics through `read`. Every value is checked here, so the runner gets a
/// configuration it can run with. Throws config_error (never a Program_options exception) for
/// anything wrong: unknown option, bad value or range, unreadable file, a bad line in a file.
parse_result parse_arguments(int argc, const char* const* argv, const file_reader& read = read_text_file);

/// The project version ("0.1.0").
std::string_view version() noexcept;

/// The --help text: usage line and every option with its default.
std::string help_text();

/// "HOST:PORT", "[V6]:PORT", or with `default_port` just "HOST" / a bare IPv6 literal. `what` names
/// the option in the error ("--broker"). Throws config_error. Port 0 only with `allow_port_zero`.
host_port parse_host_port(std::string_view text, std::string_view what,
                          std::optional<std::uint16_t> default_port, bool allow_port_zero = false);

} // namespace sngw::app
