// SPDX-License-Identifier: MIT
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

// Loopback port helpers for integration tests. Plain POSIX sockets, so they work with or without Asio.
// A port found free may be taken by someone else before the test binds it; on a test machine the window
// is small, and the helpers that start processes fail loudly (never hang) if it happens.
namespace sngw::test {

namespace detail {

/// Owns a socket descriptor for the length of one helper call.
class scoped_fd {
public:
    explicit scoped_fd(int fd) noexcept : fd_(fd) {}
    scoped_fd(const scoped_fd&) = delete;
    scoped_fd& operator=(const scoped_fd&) = delete;
    ~scoped_fd()
    {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

inline sockaddr_in loopback_v4(std::uint16_t port) noexcept
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

inline std::uint16_t bound_port(int type)
{
    scoped_fd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    auto a = loopback_v4(0);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
        throw std::runtime_error(std::string("bind 127.0.0.1:0: ") + std::strerror(errno));
    socklen_t len = sizeof a;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error(std::string("getsockname: ") + std::strerror(errno));
    return ntohs(a.sin_port);
}

} // namespace detail

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
inline std::uint16_t free_tcp_port()
{
    return detail::bound_port(SOCK_STREAM);
}

/// A UDP port on 127.0.0.1 that was free a moment ago.
inline std::uint16_t free_udp_port()
{
    return detail::bound_port(SOCK_DGRAM);
}

/// True if this machine can bind a TCP socket to ::1 (some containers have no IPv6 at all).
inline bool has_ipv6_loopback() noexcept
{
    detail::scoped_fd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return false;
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    return ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
}

/// True if a TCP connect to 127.0.0.1:port succeeds now (the connection is closed at once).
inline bool tcp_port_accepts(std::uint16_t port) noexcept
{
    detail::scoped_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return false;
    const auto a = detail::loopback_v4(port);
    return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
}

/// Polls tcp_port_accepts every 10 ms until it is true or `limit` has passed.
/// `still_worth_waiting` lets the caller give up early (e.g. the server process already exited).
template <class Predicate>
bool wait_for_tcp_accept(std::uint16_t port, std::chrono::milliseconds limit, Predicate still_worth_waiting)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (tcp_port_accepts(port)) return true;
        if (std::chrono::steady_clock::now() >= deadline || !still_worth_waiting()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

inline bool wait_for_tcp_accept(std::uint16_t port, std::chrono::milliseconds limit)
{
    return wait_for_tcp_accept(port, limit, [] { return true; });
}

} // namespace sngw::test
