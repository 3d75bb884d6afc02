// SPDX-License-Identifier: MIT
#pragma once

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sngw::test {

/// How one sngw daemon is started for a test.
struct gateway_options {
    std::filesystem::path binary{};        // the sngw executable (see gateway_process::find_binary)
    std::uint16_t broker_port = 0;         // a broker on 127.0.0.1 (--broker 127.0.0.1:PORT)
    std::uint16_t udp_port = 0;            // --udp 127.0.0.1:PORT; 0: a free port
    std::vector<std::string> extra_args{}; // appended as given: --retry-interval 1, --udp [::1]:P, ...
    std::chrono::milliseconds start_timeout{std::chrono::seconds(5)};
};

/// A real `sngw` for one test: `sngw --udp 127.0.0.1:<port> --broker 127.0.0.1:<broker> <extra>`,
/// its stdout and stderr in <dir>/sngw.log. The constructor returns once the gateway answers a
/// SEARCHGW with a GWINFO on its UDP port (bounded by start_timeout), and throws std::runtime_error
/// with the log in the message if it does not (or exits first). The destructor stops it (SIGTERM,
/// then SIGKILL after 5 s). Every wait is bounded. Not thread safe.
class gateway_process {
public:
    explicit gateway_process(gateway_options options);
    gateway_process(const gateway_process&) = delete;
    gateway_process& operator=(const gateway_process&) = delete;
    ~gateway_process();

    /// The executable to test: $SNGW_GATEWAY_BINARY if set, else `built` (the build tree's sngw, passed
    /// by the test target as a compile definition) if it exists; nullopt: the test should skip.
    static std::optional<std::filesystem::path>
    find_binary(const std::optional<std::filesystem::path>& built);

    std::uint16_t udp_port() const noexcept { return options_.udp_port; }
    pid_t pid() const noexcept { return process_->pid(); }
    const std::filesystem::path& dir() const noexcept { return dir_.path(); }
    /// Everything the gateway printed so far.
    std::string log() const;
    /// "sngw on 127.0.0.1:PORT (pid N); its log: ..." (the last 8 KiB), for failure messages.
    std::string describe() const;
    bool running();

    /// Sends SIGTERM and returns at once (see wait_for).
    void terminate() noexcept;
    /// Waits until it exits or `limit` passes: the wait status, or nullopt.
    std::optional<int> wait_for(std::chrono::milliseconds limit);
    /// SIGTERM, then SIGKILL after `grace`. Idempotent. The wait status.
    std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::seconds(5)) noexcept;
    /// SIGKILL at once: a crash, as far as sensors and the broker can tell.
    void kill() noexcept;

    /// "exited 0", "killed by signal 9", ...
    static std::string describe_status(std::optional<int> status);

private:
    temp_dir dir_{"sngw-gateway"};
    gateway_options options_;
    std::unique_ptr<child_process> process_;
};

/// True once something answers SEARCHGW (03 01 00) with a GWINFO (type 0x02) on 127.0.0.1:port, probing
/// every 100 ms; false after `limit`, or as soon as `still_worth_waiting()` is false.
bool wait_for_gwinfo(
    std::uint16_t port, std::chrono::milliseconds limit,
    const std::function<bool()>& still_worth_waiting = [] { return true; });

} // namespace sngw::test
