// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/core/config.hpp>
#include <sngw/transport/serial_settings.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sngw::app {

/// How much the daemon logs: each level includes the ones before it.
enum class log_level : std::uint8_t { error, warn, info, debug };

std::string_view to_string(log_level l) noexcept; // "error", "warn", "info", "debug"
std::optional<log_level> parse_log_level(std::string_view text) noexcept;

/// A HOST:PORT option as given: `host` without the brackets of "[::1]:1883" (a scope stays:
/// "fe80::1%eth0").
struct host_port {
    std::string host{};
    std::uint16_t port = 0;
    friend bool operator==(const host_port&, const host_port&) = default;
};

/// "127.0.0.1:1883", "[::1]:1883" (the form logs and --help print).
std::string to_string(const host_port& hp);

/// Everything the daemon runs with (README "Configuration"; defaults are the daemon's defaults).
/// Built by parse_arguments(); plain data.
struct app_config {
    core::config core{};
    /// --udp: one UDP listener each, link index = position + 1. The default listener applies
    /// unless --udp or --serial is given.
    std::vector<host_port> udp{{"0.0.0.0", 1883}};
    /// --udp-receive-buffer: SO_RCVBUF asked for on each UDP listener, octets; 0: system default.
    std::size_t udp_receive_buffer = std::size_t{4} << 20;
    /// --serial: one serial port each, link index = udp.size() + position + 1.
    std::vector<transport::serial_settings> serial{};
    /// --broker.
    host_port broker{"127.0.0.1", 1883};
    /// --multicast: ADVERTISE destination and SEARCHGW group, on the first listener of its family.
    std::optional<host_port> multicast{};

    /// TLS toward the broker: --broker-tls, or implied by --ca-file / --cert / --key.
    bool broker_tls = false;
    std::string ca_file{};
    std::string cert_file{};
    std::string key_file{};
    std::string tls_server_name{};

    log_level level = log_level::info;

    /// --control: the control socket's path (design §6). Empty: the default place
    /// ($RUNTIME_DIRECTORY/sngw.sock, else /run/sngw/sngw.sock, else <temp dir>/sngw.sock).
    std::string control_path{};
    /// --metrics: serve Prometheus text format at http://HOST:PORT/metrics. None: no endpoint.
    std::optional<host_port> metrics{};
    /// --status-prefix: the status topic is <prefix>/status (core.status_topic). Default
    /// "sngw/<gateway-id>"; "" turns the status topic off.
    std::string status_prefix{};

    /// Where settings came from, for the startup log ("" when not given).
    std::string config_file{};
    std::string credentials_file{};
    std::string predefined_topics_file{};
};

} // namespace sngw::app
