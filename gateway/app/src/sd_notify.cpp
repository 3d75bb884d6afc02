// SPDX-License-Identifier: MIT
#include <sngw/app/sd_notify.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace sngw::app {

namespace {

using boost::system::error_code;

error_code last_error()
{
    return {errno, boost::system::system_category()};
}

/// Closes the descriptor on every path out of notify().
struct fd_guard {
    int fd;
    ~fd_guard()
    {
        if (fd >= 0) ::close(fd);
    }
};

std::string one_line(std::string_view text)
{
    std::string out(text);
    for (auto& c : out)
        if (c == '\n') c = ' ';
    return out;
}

} // namespace

sd_notifier::sd_notifier(std::string socket)
{
    // sd_notify(3): "/" a path, "@" the abstract namespace. sun_path holds 108 octets (with the NUL of
    // a path), so a longer name cannot be addressed.
    if ((socket.starts_with('/') || socket.starts_with('@')) &&
        socket.size() < sizeof(sockaddr_un{}.sun_path))
        socket_ = std::move(socket);
}

sd_notifier sd_notifier::from_environment()
{
    const char* s = std::getenv("NOTIFY_SOCKET");
    return sd_notifier(s ? std::string(s) : std::string{});
}

error_code sd_notifier::notify(std::string_view state) const
{
    if (!enabled()) return {};
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket_.data(), socket_.size());
    auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
    if (socket_.front() == '@')
        address.sun_path[0] = '\0'; // abstract: the name is exactly the octets after the NUL
    else
        ++length; // a path's terminating NUL

    fd_guard s{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) return last_error();
    // MSG_DONTWAIT: a notification never stalls the gateway's one thread; MSG_NOSIGNAL: no SIGPIPE.
    for (;;) {
        const auto n = ::sendto(s.fd, state.data(), state.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length);
        if (n >= 0) return {};
        if (errno != EINTR) return last_error();
    }
}

std::string ready_message(std::string_view status)
{
    return "READY=1\nSTATUS=" + one_line(status) + "\nMAINPID=" + std::to_string(::getpid()) + "\n";
}

std::string reloading_message()
{
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    const auto usec = static_cast<long long>(t.tv_sec) * 1'000'000 + t.tv_nsec / 1'000;
    return "RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=" + std::to_string(usec) + "\n";
}

std::string stopping_message()
{
    return "STOPPING=1\nSTATUS=shutting down\n";
}

std::chrono::microseconds watchdog_interval_from_environment()
{
    const char* usec = std::getenv("WATCHDOG_USEC");
    if (!usec || !*usec) return {};
    if (const char* pid = std::getenv("WATCHDOG_PID"); pid && *pid) {
        char* end = nullptr;
        const auto p = std::strtoll(pid, &end, 10);
        if (*end != '\0' || p != static_cast<long long>(::getpid())) return {}; // meant for another process
    }
    char* end = nullptr;
    const auto v = std::strtoll(usec, &end, 10);
    if (*end != '\0' || v <= 0) return {};
    return std::chrono::microseconds(v);
}

} // namespace sngw::app
