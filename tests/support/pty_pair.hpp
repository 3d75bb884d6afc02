// SPDX-License-Identifier: MIT
#pragma once

#include <termios.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sngw::test {

/// A pseudo-terminal a test opens itself (posix_openpt, grantpt, unlockpt): the test holds the master
/// and plays the device; the code under test opens the slave path as its serial port. Closing the
/// master hangs the slave up (its reader sees EOF/EIO) and removes /dev/pts/N, which is how a test
/// unplugs the "device".
///
/// The slave is also held open by the test until close(), so the master never reads EIO just because
/// nobody has the slave open yet. Its termios are the kernel's defaults (canonical mode, echo, ICRNL,
/// ONLCR, IXON): whoever opens the slave must put it in raw mode, which slave_is_raw() tells.
/// Every wait is bounded. Not thread safe.
class pty_pair {
public:
    /// Throws std::runtime_error if no pty can be had.
    pty_pair();
    pty_pair(const pty_pair&) = delete;
    pty_pair& operator=(const pty_pair&) = delete;
    ~pty_pair();

    int master() const noexcept { return master_; }
    /// "/dev/pts/7".
    const std::string& slave_path() const noexcept { return slave_path_; }
    bool is_open() const noexcept { return master_ >= 0; }

    /// Closes the master and the held slave: the pty is gone. Idempotent.
    void close() noexcept;

    /// The slave's termios now (read through the held slave descriptor); nullopt once closed.
    std::optional<termios> slave_termios() const;
    /// No canonical mode, echo, signals, CR/LF translation, output processing or XON/XOFF, 8 bits.
    bool slave_is_raw() const;
    /// Waits until slave_is_raw() (someone opened and configured the port), at most `limit`.
    bool wait_slave_raw(std::chrono::milliseconds limit) const;

    /// Writes all of `bytes` to the master within `limit`; false if it could not.
    bool write(std::span<const std::byte> bytes, std::chrono::milliseconds limit = std::chrono::seconds(2));
    /// What the master can read within `limit`: returns as soon as something arrived and the line
    /// then stayed quiet for `quiet` (so a packet written in pieces comes back whole).
    std::vector<std::byte> read(std::chrono::milliseconds limit,
                                std::chrono::milliseconds quiet = std::chrono::milliseconds(30));
    /// Reads until `done(everything read so far)` holds or `limit` passes; returns everything read.
    std::vector<std::byte> read_until(const std::function<bool(const std::vector<std::byte>&)>& done,
                                      std::chrono::milliseconds limit);

private:
    int master_ = -1;
    int slave_ = -1;
    std::string slave_path_;
};

/// Points the symlink `link` at `target`, replacing what was there atomically (rename), so a
/// daemon given `link` as its device finds a re-created pty under the same path.
void point_symlink(const std::filesystem::path& link, const std::filesystem::path& target);

/// CPU time (user + system) a process has used so far, from /proc/<pid>/stat; nullopt if unreadable.
std::optional<std::chrono::milliseconds> process_cpu_time(int pid);

} // namespace sngw::test
