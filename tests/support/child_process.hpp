// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sngw::test {

/// A program run by a test (mosquitto, openssl, our own daemon), with stdout and stderr going to a file.
/// The child gets no inherited descriptors beyond 0-2, and is sent SIGKILL if the test process dies
/// (PR_SET_PDEATHSIG), so a crashed or timed-out test leaves no broker behind.
/// Every wait is bounded. Not thread safe; use from the test's thread.
class child_process {
public:
    /// Starts argv[0] (an absolute path) with `argv`. Throws std::runtime_error if fork/exec fails.
    child_process(std::vector<std::string> argv, const std::filesystem::path& output_file);
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    ~child_process(); // stop(2 s)

    pid_t pid() const noexcept { return pid_; }

    /// True until the child has exited (reaps it if it has).
    bool running();

    /// Waits until the child exits or `limit` passes. The wait status (as from waitpid), or nullopt.
    std::optional<int> wait_for(std::chrono::milliseconds limit);

    /// SIGTERM, then SIGKILL if it has not exited within `grace`. Idempotent. Returns the wait status.
    std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::seconds(2)) noexcept;

    /// SIGKILL at once (a crash, as far as the child's peers can tell). Idempotent.
    void kill() noexcept;

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

/// Runs a program to completion (at most `limit`, then SIGKILL) and returns its exit code, or -1 if it
/// was killed or did not exit in time. Output goes to `output_file`.
int run_program(std::vector<std::string> argv, const std::filesystem::path& output_file,
                std::chrono::milliseconds limit = std::chrono::seconds(20));

/// The first of `candidates` that exists and is executable, else the program found on PATH, else nullopt.
std::optional<std::filesystem::path> find_program(const std::string& name,
                                                  const std::vector<std::filesystem::path>& candidates = {});

/// The whole content of a file ("" if it cannot be read): logs for failure messages.
std::string read_file(const std::filesystem::path& path);

} // namespace sngw::test
