// SPDX-License-Identifier: MIT
#include "support/pty_pair.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace sngw::test {

namespace {

using clock = std::chrono::steady_clock;

std::runtime_error failure(const std::string& what)
{
    return std::runtime_error(what + ": " + std::strerror(errno));
}

int remaining_ms(clock::time_point deadline)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

} // namespace

pty_pair::pty_pair()
{
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0) throw failure("posix_openpt");
    if (::grantpt(master_) != 0 || ::unlockpt(master_) != 0) {
        const auto e = failure("grantpt/unlockpt");
        close();
        throw e;
    }
    char name[128] = {};
    if (::ptsname_r(master_, name, sizeof name) != 0) {
        const auto e = failure("ptsname_r");
        close();
        throw e;
    }
    slave_path_ = name;
    slave_ = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (slave_ < 0) {
        const auto e = failure("open " + slave_path_);
        close();
        throw e;
    }
    const int flags = ::fcntl(master_, F_GETFL);
    ::fcntl(master_, F_SETFL, flags | O_NONBLOCK);
}

pty_pair::~pty_pair()
{
    close();
}

void pty_pair::close() noexcept
{
    if (slave_ >= 0) ::close(slave_);
    if (master_ >= 0) ::close(master_);
    slave_ = -1;
    master_ = -1;
}

std::optional<termios> pty_pair::slave_termios() const
{
    if (slave_ < 0) return std::nullopt;
    termios t{};
    if (::tcgetattr(slave_, &t) != 0) return std::nullopt;
    return t;
}

bool pty_pair::slave_is_raw() const
{
    const auto t = slave_termios();
    if (!t) return false;
    const bool lflags = (t->c_lflag & (ICANON | ECHO | ISIG | IEXTEN)) == 0;
    const bool iflags = (t->c_iflag & (ICRNL | INLCR | IGNCR | IXON | IXOFF | ISTRIP)) == 0;
    const bool oflags = (t->c_oflag & OPOST) == 0;
    const bool cflags = (t->c_cflag & CSIZE) == CS8 && (t->c_cflag & PARENB) == 0;
    return lflags && iflags && oflags && cflags;
}

bool pty_pair::wait_slave_raw(std::chrono::milliseconds limit) const
{
    const auto deadline = clock::now() + limit;
    for (;;) {
        if (slave_is_raw()) return true;
        if (clock::now() >= deadline) return false;
        ::poll(nullptr, 0, 10);
    }
}

bool pty_pair::write(std::span<const std::byte> bytes, std::chrono::milliseconds limit)
{
    const auto deadline = clock::now() + limit;
    while (!bytes.empty()) {
        if (master_ < 0) return false;
        const auto n = ::write(master_, bytes.data(), bytes.size());
        if (n > 0) {
            bytes = bytes.subspan(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
        pollfd p{master_, POLLOUT, 0};
        if (::poll(&p, 1, remaining_ms(deadline)) <= 0 && clock::now() >= deadline) return false;
    }
    return true;
}

std::vector<std::byte> pty_pair::read(std::chrono::milliseconds limit, std::chrono::milliseconds quiet)
{
    std::vector<std::byte> out;
    const auto deadline = clock::now() + limit;
    for (;;) {
        if (master_ < 0) return out;
        // Once something came, wait only `quiet` more (bounded by the deadline).
        const int wait = out.empty() ? remaining_ms(deadline)
                                     : std::min(remaining_ms(deadline), static_cast<int>(quiet.count()));
        pollfd p{master_, POLLIN, 0};
        const int r = ::poll(&p, 1, wait);
        if (r <= 0) return out;
        if ((p.revents & POLLIN) == 0) return out; // POLLHUP: no slave open at all
        std::byte buffer[4096];
        const auto n = ::read(master_, buffer, sizeof buffer);
        if (n <= 0) return out;
        out.insert(out.end(), buffer, buffer + n);
    }
}

std::vector<std::byte> pty_pair::read_until(const std::function<bool(const std::vector<std::byte>&)>& done,
                                            std::chrono::milliseconds limit)
{
    std::vector<std::byte> out;
    const auto deadline = clock::now() + limit;
    while (!done(out)) {
        const auto left = remaining_ms(deadline);
        if (left <= 0 || master_ < 0) break;
        pollfd p{master_, POLLIN, 0};
        if (::poll(&p, 1, left) <= 0 || (p.revents & POLLIN) == 0) break;
        std::byte buffer[4096];
        const auto n = ::read(master_, buffer, sizeof buffer);
        if (n <= 0) break;
        out.insert(out.end(), buffer, buffer + n);
    }
    return out;
}

void point_symlink(const std::filesystem::path& link, const std::filesystem::path& target)
{
    auto tmp = link;
    tmp += ".new";
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    std::filesystem::create_symlink(target, tmp);
    std::filesystem::rename(tmp, link);
}

std::optional<std::chrono::milliseconds> process_cpu_time(int pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    // Field 2 (comm) is in parentheses and may contain spaces: count from the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    // proc(5): after comm come state (3), ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
    // majflt, cmajflt, utime (14), stime (15), in clock ticks.
    std::string skip;
    for (int i = 3; i <= 13; ++i)
        fields >> skip;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    if (!(fields >> utime >> stime)) return std::nullopt;
    const auto ticks = ::sysconf(_SC_CLK_TCK);
    if (ticks <= 0) return std::nullopt;
    return std::chrono::milliseconds(static_cast<long long>((utime + stime) * 1000ULL) /
                                     static_cast<long long>(ticks));
}

} // namespace sngw::test
