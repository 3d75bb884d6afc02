// SPDX-License-Identifier: MIT
// systemd notifications without libsystemd (sd_notify(3)): one datagram to $NOTIFY_SOCKET, a path or
// an abstract name ('@'), nothing when unset; the messages the daemon sends.
#include <sngw/app/sd_notify.hpp>

#include "support/scoped_env.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

using namespace sngw::app;

namespace {

using sngw::test::scoped_env;

/// What systemd holds: an AF_UNIX datagram socket bound to a path or an abstract name ("@…").
class notify_socket {
public:
    explicit notify_socket(const std::string& name) : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0))
    {
        REQUIRE(fd_ >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, name.data(), name.size());
        auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
        if (name.front() == '@')
            a.sun_path[0] = '\0';
        else
            ++length;
        REQUIRE_MESSAGE(::bind(fd_, reinterpret_cast<const sockaddr*>(&a), length) == 0,
                        std::strerror(errno));
    }
    notify_socket(const notify_socket&) = delete;
    notify_socket& operator=(const notify_socket&) = delete;
    ~notify_socket() { ::close(fd_); }

    /// The next datagram, or nullopt after 2 s.
    std::optional<std::string> receive() const
    {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 2000) != 1) return std::nullopt;
        std::string buf(4096, '\0');
        const auto n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n < 0) return std::nullopt;
        buf.resize(static_cast<std::size_t>(n));
        return buf;
    }

private:
    int fd_;
};

std::string abstract_name(const char* what)
{
    return "@sngw-sd-notify-test-" + std::to_string(::getpid()) + "-" + what;
}

} // namespace

TEST_CASE("a notification reaches a socket bound to a path as one datagram")
{
    sngw::test::temp_dir dir{"sngw-notify"};
    const auto path = (dir / "notify").string();
    notify_socket systemd(path);
    const sd_notifier n(path);
    REQUIRE(n.enabled());
    CHECK_FALSE(n.notify("READY=1\nSTATUS=up\n"));
    CHECK(systemd.receive() == "READY=1\nSTATUS=up\n");
}

TEST_CASE("a notification reaches a socket in the abstract namespace named with '@'")
{
    const auto name = abstract_name("abstract");
    notify_socket systemd(name);
    const sd_notifier n(name);
    REQUIRE(n.enabled());
    CHECK_FALSE(n.notify("STOPPING=1\n"));
    CHECK(systemd.receive() == "STOPPING=1\n");
}

TEST_CASE("NOTIFY_SOCKET names the socket and without it notifying does nothing")
{
    const auto name = abstract_name("environment");
    notify_socket systemd(name);
    {
        scoped_env env("NOTIFY_SOCKET", name.c_str());
        const auto n = sd_notifier::from_environment();
        CHECK(n.socket() == name);
        CHECK_FALSE(n.notify("WATCHDOG=1\n"));
        CHECK(systemd.receive() == "WATCHDOG=1\n");
    }
    {
        scoped_env env("NOTIFY_SOCKET", nullptr);
        const auto n = sd_notifier::from_environment();
        CHECK_FALSE(n.enabled());
        CHECK_FALSE(n.notify("READY=1\n")); // a no-op, not an error
    }
}

TEST_CASE("a socket name that is neither a path nor abstract, or too long for sun_path, disables notifying")
{
    CHECK_FALSE(sd_notifier("").enabled());
    CHECK_FALSE(sd_notifier("run/systemd/notify").enabled());
    CHECK_FALSE(sd_notifier("vsock:2:1234").enabled());
    CHECK_FALSE(sd_notifier("/" + std::string(200, 'x')).enabled());
    CHECK(sd_notifier("/run/systemd/notify").enabled());
}

TEST_CASE("a notification nobody listens to is an error for the log, not a failure of the daemon")
{
    sngw::test::temp_dir dir{"sngw-notify"};
    CHECK(sd_notifier((dir / "nobody").string()).notify("READY=1\n"));
    CHECK(sd_notifier(abstract_name("nobody")).notify("READY=1\n"));
}

TEST_CASE("READY=1 carries the status and the daemon's pid")
{
    CHECK(ready_message("listening on udp 127.0.0.1:1883") ==
          "READY=1\nSTATUS=listening on udp 127.0.0.1:1883\nMAINPID=" + std::to_string(::getpid()) + "\n");
    // A newline would start a new assignment (sd_notify(3)): the status stays one line.
    CHECK(ready_message("a\nSTOPPING=1").find("\nSTOPPING=1") == std::string::npos);
}

TEST_CASE("RELOADING=1 carries MONOTONIC_USEC and STOPPING=1 a status")
{
    const auto reloading = reloading_message();
    CHECK(reloading.starts_with("RELOADING=1\n"));
    const auto at = reloading.find("\nMONOTONIC_USEC=");
    REQUIRE(at != std::string::npos);
    const auto usec = std::stoll(reloading.substr(at + 16));
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    CHECK(usec > 0);
    CHECK(usec <= static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1'000);
    CHECK(stopping_message() == "STOPPING=1\nSTATUS=shutting down\n");
}

TEST_CASE("the watchdog period is WATCHDOG_USEC when WATCHDOG_PID is unset or this process")
{
    using std::chrono::microseconds;
    {
        scoped_env usec("WATCHDOG_USEC", nullptr);
        CHECK(watchdog_interval_from_environment() == microseconds(0));
    }
    scoped_env usec("WATCHDOG_USEC", "30000000");
    {
        scoped_env pid("WATCHDOG_PID", nullptr);
        CHECK(watchdog_interval_from_environment() == microseconds(30'000'000));
    }
    {
        const auto self = std::to_string(::getpid());
        scoped_env pid("WATCHDOG_PID", self.c_str());
        CHECK(watchdog_interval_from_environment() == microseconds(30'000'000));
    }
    {
        const auto other = std::to_string(::getpid() + 1);
        scoped_env pid("WATCHDOG_PID", other.c_str());
        CHECK(watchdog_interval_from_environment() == microseconds(0));
    }
    {
        scoped_env pid("WATCHDOG_PID", nullptr);
        scoped_env bad("WATCHDOG_USEC", "soon");
        CHECK(watchdog_interval_from_environment() == microseconds(0));
    }
}
