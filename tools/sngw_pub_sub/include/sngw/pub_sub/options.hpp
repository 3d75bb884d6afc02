// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/sn_client/link.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Command lines of `sngw-pub` and `sngw-sub` (MQTT-SN clients in the style of mosquitto_pub /
/// mosquitto_sub), parsed without I/O so the unit tests can check every option.
namespace sngw::pub_sub {

enum class protocol_version : std::uint8_t { v1_2, v2_0 };

/// A topic as given: a name (-t) or a predefined id (-T).
struct topic_arg {
    std::string name{};
    std::optional<std::uint16_t> predefined{};
    /// MQTT-SN v1.2 §6.7: a two-character name without wildcards goes as a short topic name.
    bool is_short() const noexcept
    {
        return !predefined && name.size() == 2 && name.find_first_of("+#") == std::string::npos;
    }
    friend bool operator==(const topic_arg&, const topic_arg&) = default;
};

struct will_arg {
    std::string topic{};
    std::string payload{};
    int qos = 0;
    bool retain = false;
    friend bool operator==(const will_arg&, const will_arg&) = default;
};

/// What both tools share.
struct common_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    std::string client_id{}; // empty: sngw-pub-<pid> / sngw-sub-<pid>
    std::uint16_t keep_alive = 60;
    bool clean_session = true; // -c: off
    protocol_version version = protocol_version::v1_2;
    std::optional<sn_client::serial_port> serial{};
    bool debug = false;
    /// How long each request waits for its answer (--timeout).
    std::chrono::milliseconds timeout{std::chrono::seconds(5)};
    std::optional<will_arg> will{};
};

enum class message_source : std::uint8_t {
    none,
    message, // -m
    file,    // -f
    lines,   // -l
    null,    // -n
};

struct pub_options : common_options {
    topic_arg topic{};
    message_source source = message_source::none;
    std::string message{}; // -m text, or -f path
    int qos = 0;           // -1..2
    bool retain = false;
};

struct sub_options : common_options {
    std::vector<topic_arg> topics{};
    int qos = 0; // 0..2
    bool verbose = false;
    bool no_newline = false;
    std::optional<unsigned> count{};                     // -C
    std::optional<std::chrono::milliseconds> wait_for{}; // -W
    std::optional<std::uint32_t> sleep{};                // --sleep SECONDS
};

/// A parsed command line: run with `options`, print the help, or a usage error (exit status 2).
template <class Options> struct parsed {
    Options options{};
    bool help = false;
    std::string error{}; // non-empty: what was wrong, for "sngw-pub: <error>"
    bool ok() const noexcept { return !help && error.empty(); }
};

/// argv without the program name.
parsed<pub_options> parse_pub(const std::vector<std::string>& args);
parsed<sub_options> parse_sub(const std::vector<std::string>& args);

/// `DEVICE[,baud=N][,framing=raw|slip|cobs|xbee][,crc=on|off]`, the gateway's --serial syntax
/// (single addressing). An error message, or the port.
struct serial_parse {
    std::optional<sn_client::serial_port> port{};
    std::string error{};
};
serial_parse parse_serial(std::string_view text);

/// The --help texts (the README's option tables say the same).
std::string_view pub_help() noexcept;
std::string_view sub_help() noexcept;

} // namespace sngw::pub_sub
