// SPDX-License-Identifier: MIT
// The control socket server on a real io_context (its own thread) and real UNIX sockets in a private
// temp directory: mode, stale and live sockets, one answer per line in order, bad lines, oversized
// lines, too many connections, a client that never reads. Every wait is bounded.
#include <sngw/app/control_server.hpp>

#include "support/temp_dir.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace sngw::app;
using namespace std::chrono_literals;

namespace {

/// A blocking client with 3 s timeouts.
class client {
public:
    explicit client(const std::string& path)
    {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        timeval tv{3, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path.data(), path.size());
        connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    }
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    ~client() { ::close(fd_); }

    bool connected() const noexcept { return connected_; }

    bool send(std::string_view s)
    {
        while (!s.empty()) {
            const auto n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            s.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    /// The next line without '\n'; nullopt on EOF, error or timeout.
    std::optional<std::string> line()
    {
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                auto l = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return l;
            }
            char chunk[4096];
            const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    /// True when the server closed the connection (EOF) within 3 s, whatever came before.
    bool closed_by_peer()
    {
        char chunk[4096];
        for (;;) {
            const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n == 0) return true;
            if (n < 0) return errno == ECONNRESET;
        }
    }

private:
    int fd_ = -1;
    bool connected_ = false;
    std::string buffer_{};
};

/// A server on its own io_context thread. The handler answers {"ok":true,"cmd":...,"id":...} and,
/// for "clients", `big` octets of padding.
struct fixture {
    sngw::test::temp_dir dir{"sngw-control"};
    std::string path = (dir / "sngw.sock").string();
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::unique_ptr<control_server> server;
    std::thread thread;
    std::size_t big = 0;

    boost::system::error_code open(control_server_options o = {})
    {
        o.path = path;
        auto r = control_server::open(io.get_executor(), std::move(o), [this](const control_request& rq) {
            json::object body{{"cmd", to_string(rq.command)}, {"id", rq.id}};
            if (rq.command == control_command::clients) body["pad"] = std::string(big, 'x');
            if (rq.command == control_command::client && rq.id == "nobody")
                return error_line("no client nobody");
            return ok_line(body);
        });
        if (!r) return r.error();
        server = std::move(*r);
        server->start();
        thread = std::thread([this] { io.run(); });
        return {};
    }

    template <class F> auto on_io(F f)
    {
        std::promise<decltype(f())> p;
        asio::post(io, [&] { p.set_value(f()); });
        auto fut = p.get_future();
        REQUIRE(fut.wait_for(3s) == std::future_status::ready);
        return fut.get();
    }

    control_counters counters()
    {
        return on_io([this] { return server->counters(); });
    }

    ~fixture()
    {
        if (thread.joinable()) {
            asio::post(io, [this] { server.reset(); });
            work.reset();
            io.stop();
            thread.join();
        }
        server.reset();
    }
};

mode_t mode_of(const std::string& path)
{
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode;
}

} // namespace

TEST_CASE("the control socket is created mode 0660 whatever the umask")
{
    for (mode_t mask : {mode_t{0}, mode_t{0077}, mode_t{0022}}) {
        const auto old = ::umask(mask);
        fixture f;
        const auto ec = f.open();
        ::umask(old);
        REQUIRE_MESSAGE(!ec, ec.message());
        CHECK(S_ISSOCK(mode_of(f.path)));
        CHECK((mode_of(f.path) & 07777) == 0660);
    }
}

TEST_CASE("requests on one connection are answered in order and a bad line does not end the connection")
{
    fixture f;
    REQUIRE(!f.open());
    client c(f.path);
    REQUIRE(c.connected());
    REQUIRE(c.send("{\"cmd\":\"status\"}\nthis is not "
                   "json\n{\"cmd\":\"bogus\"}\n\n{\"cmd\":\"client\",\"id\":\"a\"}\n"));
    const auto a1 = c.line();
    const auto a2 = c.line();
    const auto a3 = c.line();
    const auto a4 = c.line();
    REQUIRE(a1);
    REQUIRE(a2);
    REQUIRE(a3);
    REQUIRE(a4);
    CHECK(*a1 == R"({"ok":true,"cmd":"status","id":""})");
    const auto e2 = json::parse(*a2);
    CHECK(e2.at("ok") == false);
    CHECK(std::string(e2.at("error").as_string()).starts_with("not JSON"));
    const auto e3 = json::parse(*a3);
    CHECK(e3.at("ok") == false);
    CHECK(std::string(e3.at("error").as_string()).starts_with("unknown command \"bogus\""));
    CHECK(*a4 == R"({"ok":true,"cmd":"client","id":"a"})");
    // Still usable afterwards.
    REQUIRE(c.send("{\"cmd\":\"client\",\"id\":\"nobody\"}\n"));
    CHECK(c.line() == std::optional<std::string>(R"({"ok":false,"error":"no client nobody"})"));
    const auto k = f.counters();
    CHECK(k.connections == 1);
    CHECK(k.requests == 2);
    CHECK(k.bad_requests == 3);
}

TEST_CASE("an oversized request line is answered with an error and the connection closed")
{
    fixture f;
    control_server_options o;
    o.max_line = 1024;
    REQUIRE(!f.open(o));
    client c(f.path);
    REQUIRE(c.connected());
    REQUIRE(c.send(std::string(5000, 'a')));
    const auto a = c.line();
    REQUIRE(a);
    CHECK(*a == R"({"ok":false,"error":"request line longer than 1024 octets"})");
    CHECK(c.closed_by_peer());
    CHECK(f.counters().oversized == 1);
    // The server goes on.
    client d(f.path);
    REQUIRE(d.send("{\"cmd\":\"status\"}\n"));
    CHECK(d.line().has_value());
}

TEST_CASE("connections beyond the limit are told so and closed while the others are served")
{
    fixture f;
    control_server_options o;
    o.max_connections = 2;
    REQUIRE(!f.open(o));
    client a(f.path), b(f.path);
    REQUIRE(a.send("{\"cmd\":\"status\"}\n"));
    REQUIRE(b.send("{\"cmd\":\"status\"}\n"));
    REQUIRE(a.line());
    REQUIRE(b.line());
    client c(f.path);
    REQUIRE(c.connected());
    const auto refused = c.line();
    REQUIRE(refused);
    CHECK(refused->find("too many control connections (2)") != std::string::npos);
    CHECK(c.closed_by_peer());
    CHECK(f.counters().connections_refused == 1);
    REQUIRE(a.send("{\"cmd\":\"clients\"}\n"));
    CHECK(a.line().has_value());
}

TEST_CASE("a client that never reads its answers is dropped and the others are still served")
{
    fixture f;
    f.big = 64 * 1024;
    control_server_options o;
    o.max_queued = 256 * 1024;
    REQUIRE(!f.open(o));
    client slow(f.path);
    REQUIRE(slow.connected());
    // Each request asks for 64 KiB; the socket buffers fill, then the queue passes 256 KiB.
    bool sending = true;
    for (int i = 0; i < 2000 && sending; ++i)
        sending = slow.send("{\"cmd\":\"clients\"}\n");
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (f.counters().slow_readers == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    CHECK(f.counters().slow_readers == 1);
    client other(f.path);
    REQUIRE(other.send("{\"cmd\":\"status\"}\n"));
    CHECK(other.line().has_value());
}

TEST_CASE("a stale socket file is replaced and a live one is left alone")
{
    sngw::test::temp_dir dir{"sngw-control"};
    const auto path = (dir / "sngw.sock").string();
    {
        // A socket bound and closed without unlink: what a killed daemon leaves.
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path.data(), path.size());
        REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
        ::close(fd);
    }
    asio::io_context io;
    const auto handler = [](const control_request&) { return ok_line({}); };
    auto first = control_server::open(io.get_executor(), {.path = path}, handler);
    REQUIRE_MESSAGE(first.has_value(), first.error().message());
    auto second = control_server::open(io.get_executor(), {.path = path}, handler);
    REQUIRE(second.has_error());
    CHECK(second.error() == asio::error::address_in_use);
    CHECK(S_ISSOCK(mode_of(path)));
    (*first)->stop();
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a file that is not a socket is never replaced")
{
    sngw::test::temp_dir dir{"sngw-control"};
    const auto path = (dir / "sngw.sock").string();
    std::ofstream(path) << "precious";
    asio::io_context io;
    auto r = control_server::open(io.get_executor(), {.path = path},
                                  [](const control_request&) { return ok_line({}); });
    REQUIRE(r.has_error());
    CHECK(r.error() == boost::system::errc::file_exists);
    std::ifstream in(path);
    std::string content;
    in >> content;
    CHECK(content == "precious");
}

TEST_CASE("stop removes the socket file only if it is still the server's own")
{
    sngw::test::temp_dir dir{"sngw-control"};
    const auto path = (dir / "sngw.sock").string();
    asio::io_context io;
    auto r = control_server::open(io.get_executor(), {.path = path},
                                  [](const control_request&) { return ok_line({}); });
    REQUIRE(r.has_value());
    // Someone replaced it meanwhile (a second daemon after a stale check): theirs stays.
    std::filesystem::remove(path);
    std::ofstream(path) << "theirs";
    (*r)->stop();
    CHECK(std::filesystem::exists(path));
}

TEST_CASE("a path too long for a UNIX socket is refused")
{
    asio::io_context io;
    auto r = control_server::open(io.get_executor(), {.path = "/tmp/" + std::string(200, 'x')},
                                  [](const control_request&) { return ok_line({}); });
    REQUIRE(r.has_error());
    CHECK(r.error() == boost::system::errc::filename_too_long);
}

TEST_CASE("one answer larger than the unread limit is still delivered to a client that reads")
{
    fixture f;
    f.big = 600 * 1024; // `clients` of thousands of sensors
    control_server_options o;
    o.max_queued = 256 * 1024;
    REQUIRE(!f.open(o));
    client c(f.path);
    REQUIRE(c.send("{\"cmd\":\"clients\"}\n"));
    const auto a = c.line();
    REQUIRE(a);
    CHECK(a->size() > 600 * 1024);
    REQUIRE(c.send("{\"cmd\":\"clients\"}\n"));
    CHECK(c.line().has_value());
    CHECK(f.counters().slow_readers == 0);
}
