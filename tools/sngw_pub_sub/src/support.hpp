// SPDX-License-Identifier: MIT
#pragma once

// What sngw-pub and sngw-sub share at run time: signals, -d output, error lines, client options.

#include <sngw/pub_sub/options.hpp>
#include <sngw/sn_client/client.hpp>
#include <sngw/sn_client/client_v2.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

namespace sngw::pub_sub {

/// Exit statuses, as mosquitto_pub / mosquitto_sub use them.
inline constexpr int exit_ok = 0;
inline constexpr int exit_gateway_error = 1;
inline constexpr int exit_usage = 2;

/// SIGINT and SIGTERM set stop_requested() (no SA_RESTART: a blocking poll returns at once).
void install_stop_signals();
bool stop_requested() noexcept;

/// "127.0.0.1:1883" or "/dev/ttyUSB0 (slip)".
std::string where(const common_options& o);

/// "<program>: <text>" on stderr.
void say(std::string_view program, const std::string& text);

/// The line for a failed call: "no answer from HOST:PORT (is sngw running?)" for a timeout, "the
/// gateway sent DISCONNECT" ..., else the error's message.
std::string describe_error(const common_options& o, const boost::system::error_code& ec);

/// --help printed (exit 0) or a command-line error reported (exit 2); nothing when the tool is to run.
template <class Options>
std::optional<int> answer_command_line(std::string_view program, const parsed<Options>& p,
                                       std::string_view help)
{
    if (p.help) {
        std::cout << help;
        return exit_ok;
    }
    if (!p.error.empty()) {
        say(program, p.error);
        say(program, "see " + std::string(program) + " --help");
        return exit_usage;
    }
    return std::nullopt;
}

/// `run()`, with an exception (out of memory, a stream error: nothing the gateway did) told as a
/// gateway-side failure.
template <class Run> int run_reporting(std::string_view program, Run&& run)
{
    try {
        return run();
    } catch (const std::exception& e) {
        say(program, e.what());
        return exit_gateway_error;
    }
}

/// Tells a failed v2.0 call: a DISCONNECT with the server's Reason Code (and Reason String),
/// anything else as describe_error() does; returns exit_gateway_error.
int fail_v2_0(std::string_view program, const common_options& o, const sn_client::client_v2& c,
              const boost::system::error_code& ec);

/// Client options from the command line (v1.2 / v2.0), with -d tracing to stderr.
sn_client::client_options v1_2_options(const common_options& o, std::string_view program);
sn_client::client_v2_options v2_0_options(const common_options& o, std::string_view program);

/// "rejected: congestion (0x01)" / "Not authorized (0x87)".
std::string v1_2_code(std::uint8_t return_code);
std::string v2_0_code(sn::v2_0::msg_type packet, std::uint8_t reason_code);

/// "the gateway disconnected: Server shutting down (0x8B), \"reason string\"".
std::string v2_0_disconnect_text(const std::optional<sn::v2_0::disconnect_msg>& d);

std::vector<std::byte> bytes_of(std::string_view text);

/// When a connected client owes the gateway a PINGREQ (MQTT-SN v1.2 §6.11, 2.0 §3.1.7): after
/// `keep_alive` seconds without sending anything (the gateway gives up after 1.5 times that).
class keep_alive_timer {
public:
    explicit keep_alive_timer(std::uint16_t keep_alive) : period_(keep_alive) {}
    /// `datagrams_sent`: the client's counter; a change means something went out just now.
    bool due(std::uint64_t datagrams_sent)
    {
        const auto now = std::chrono::steady_clock::now();
        if (datagrams_sent != sent_) {
            sent_ = datagrams_sent;
            last_ = now;
        }
        return period_.count() > 0 && now - last_ >= period_;
    }

private:
    std::chrono::seconds period_;
    std::uint64_t sent_ = 0;
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

} // namespace sngw::pub_sub
