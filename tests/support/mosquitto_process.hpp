// SPDX-License-Identifier: MIT
#pragma once

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sngw::test {

/// What goes into the generated mosquitto.conf besides the default plain listener.
/// Every string may contain "{dir}", replaced by the broker's private directory (where files named in
/// `files` are written before start), so a test can refer to files it has not got a path for yet.
struct mosquitto_config {
    bool allow_anonymous = true;
    /// Lines appended verbatim: password_file, max_packet_size, plugin + plugin_opt_config_file, ...
    std::vector<std::string> extra_lines;
    /// Files written into the broker's directory before it starts: {name, content}.
    std::vector<std::pair<std::string, std::string>> files;
    /// Further listener ports to wait for at start (added by the add_*_listener helpers).
    std::vector<std::uint16_t> extra_ports;

    /// Adds a plain TCP listener on `address` (127.0.0.1 or ::1) and a free port, which it returns.
    std::uint16_t add_listener(const std::string& address);

    /// Adds a TLS listener on 127.0.0.1 and a free port (returned). mosquitto 2.0 per-listener options
    /// cafile/certfile/keyfile/require_certificate; with require_certificate the client must present a
    /// certificate signed by `cafile`.
    std::uint16_t add_tls_listener(const std::filesystem::path& cafile, const std::filesystem::path& certfile,
                                   const std::filesystem::path& keyfile, bool require_certificate = false);
};

/// A real mosquitto on loopback for one test: `mosquitto -c <dir>/mosquitto.conf` with a listener on
/// 127.0.0.1:port(), allow_anonymous by default, persistence off, all logging to <dir>/mosquitto.log.
/// The constructor returns once every listener accepts TCP connections (at most 5 s) and throws
/// std::runtime_error, with the broker's log in the message, if it does not.
/// The destructor stops it (SIGTERM, then SIGKILL after 2 s) and removes the directory.
///
/// Skipping: if mosquitto is not installed, tests should report it and return, e.g.
///     if (!mosquitto_process::available()) { MESSAGE(mosquitto_process::skip_reason()); return; }
/// (doctest 2.4 has no runtime skip; `SNGW_REQUIRE_MOSQUITTO()` in support/skip.hpp does exactly this).
class mosquitto_process {
public:
    explicit mosquitto_process(mosquitto_config config = {});
    mosquitto_process(const mosquitto_process&) = delete;
    mosquitto_process& operator=(const mosquitto_process&) = delete;
    ~mosquitto_process();

    /// The mosquitto executable, if installed (/usr/sbin/mosquitto on Debian, or on PATH).
    static std::optional<std::filesystem::path> executable();
    static bool available() { return executable().has_value(); }
    static std::string skip_reason();

    /// The default plain listener, on 127.0.0.1.
    std::uint16_t port() const noexcept { return port_; }
    const std::filesystem::path& dir() const noexcept { return dir_.path(); }
    /// Everything the broker has logged so far (log_type all).
    std::string log() const;
    bool running();

    /// Stops the broker (SIGTERM, then SIGKILL after `grace`). Idempotent.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(2));
    /// Kills the broker at once (SIGKILL): its clients see the connection drop without DISCONNECT.
    void kill();
    /// Stops it if running and starts it again with the same configuration and ports.
    void restart();

    /// Writes a mosquitto password file `path` with one user (runs mosquitto_passwd -c -b).
    static void write_password_file(const std::filesystem::path& path, const std::string& user,
                                    const std::string& password);
    /// The dynamic-security plugin, if installed; use with `plugin <so>` and `plugin_opt_config_file`.
    static std::optional<std::filesystem::path> dynamic_security_plugin();
    /// Writes an initial dynamic-security JSON with one admin (runs mosquitto_ctrl dynsec init).
    static void init_dynamic_security(const std::filesystem::path& json, const std::string& admin,
                                      const std::string& password);
    /// Sets `config` up for the dynamic-security plugin `plugin`: writes its JSON at `json` with one
    /// admin, loads the plugin with it, and turns anonymous access off.
    static void enable_dynamic_security(mosquitto_config& config, const std::filesystem::path& plugin,
                                        const std::filesystem::path& json, const std::string& admin,
                                        const std::string& password);

private:
    void start();

    temp_dir dir_{"sngw-mosquitto"};
    mosquitto_config config_;
    std::uint16_t port_ = 0;
    std::unique_ptr<child_process> process_;
};

} // namespace sngw::test
