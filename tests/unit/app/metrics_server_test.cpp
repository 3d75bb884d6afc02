// SPDX-License-Identifier: MIT
// metrics_server on 127.0.0.1:0 with a real io_context on its own thread; the test thread is the HTTP
// client (plain blocking sockets, every read bounded by SO_RCVTIMEO).
#include <sngw/app/metrics.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

/// A metrics_server on 127.0.0.1:0, its io_context run by a thread of its own.
class server_fixture {
public:
    server_fixture() : server_fixture(sngw::app::metrics_server_options{}) {}

    explicit server_fixture(
        sngw::app::metrics_server_options options,
        std::function<std::string()> render = [] { return std::string("sngw_up 1\n"); })
        : work_(io_.get_executor())
    {
        server_ = std::make_unique<sngw::app::metrics_server>(
            io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), std::move(render), options);
        const auto ec = server_->open();
        REQUIRE_MESSAGE(!ec, ec.message());
        port_ = server_->local_endpoint().port();
        REQUIRE(port_ != 0);
        thread_ = std::thread([this] { io_.run(); });
    }

    ~server_fixture() { stop(); }
    server_fixture(const server_fixture&) = delete;
    server_fixture& operator=(const server_fixture&) = delete;

    std::uint16_t port() const noexcept { return port_; }

    /// Runs `f` on the io_context's thread and waits for it.
    template <class F> auto on_io(F f)
    {
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto result = task.get_future();
        asio::post(io_, [&task] { task(); });
        REQUIRE(result.wait_for(3s) == std::future_status::ready);
        return result.get();
    }

    sngw::app::metrics_server_stats stats()
    {
        return on_io([this] { return server_->stats(); });
    }

    void close()
    {
        on_io([this] {
            server_->close();
            return 0;
        });
    }

    void stop()
    {
        if (!thread_.joinable()) return;
        close();
        work_.reset();
        io_.stop();
        thread_.join();
        server_.reset();
    }

private:
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::unique_ptr<sngw::app::metrics_server> server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

/// A blocking TCP client to 127.0.0.1:port; reads time out after `read_limit`.
class client {
public:
    explicit client(std::uint16_t port, std::chrono::milliseconds read_limit = 3s)
        : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
    {
        REQUIRE(fd_ >= 0);
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(read_limit.count() / 1000);
        tv.tv_usec = static_cast<suseconds_t>((read_limit.count() % 1000) * 1000);
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
    }
    ~client()
    {
        if (fd_ >= 0) ::close(fd_);
    }
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    void send(const std::string& data)
    {
        std::size_t done = 0;
        while (done < data.size()) {
            const auto n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
            REQUIRE(n > 0);
            done += static_cast<std::size_t>(n);
        }
    }

    /// Everything until the server closes; `closed` tells whether it did (false: the read timed out).
    std::string read_all(bool* closed = nullptr)
    {
        std::string out;
        char buf[4096];
        for (;;) {
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n > 0) {
                out.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (closed) *closed = n == 0 || errno == ECONNRESET;
            return out;
        }
    }

private:
    int fd_;
};

struct response {
    int status = 0;
    std::string head;
    std::string body;
    bool closed = false;
};

response exchange(std::uint16_t port, const std::string& request)
{
    client c(port);
    c.send(request);
    response r;
    const auto all = c.read_all(&r.closed);
    const auto end = all.find("\r\n\r\n");
    REQUIRE_MESSAGE(end != std::string::npos, "no response head in: " << all);
    r.head = all.substr(0, end + 2);
    r.body = all.substr(end + 4);
    REQUIRE(r.head.rfind("HTTP/1.1 ", 0) == 0);
    r.status = std::stoi(r.head.substr(9, 3));
    return r;
}

bool has_header(const response& r, const std::string& line)
{
    return r.head.find("\r\n" + line + "\r\n") != std::string::npos;
}

} // namespace

TEST_CASE("GET /metrics answers 200 with the text format content type, its length and Connection close")
{
    const std::string text = "# HELP sngw_up 1 while the gateway runs.\n# TYPE sngw_up gauge\nsngw_up 1\n";
    server_fixture f({}, [&] { return text; });
    const auto r = exchange(f.port(), "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n");
    CHECK(r.status == 200);
    CHECK(has_header(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
    CHECK(has_header(r, "Content-Length: " + std::to_string(text.size())));
    CHECK(has_header(r, "Connection: close"));
    CHECK(r.body == text);
    CHECK(r.closed);
    CHECK(exchange(f.port(), "GET /metrics?name[]=sngw_up HTTP/1.0\n\n").body == text); // query, bare LF
    const auto stats = f.stats();
    CHECK(stats.scrapes == 2);
    CHECK(stats.connections == 2);
}

TEST_CASE(
    "the metrics server answers / with a pointer, unknown paths 404, other methods 405, HEAD without body")
{
    server_fixture f({}, [] { return std::string("sngw_up 1\n"); });
    const auto index = exchange(f.port(), "GET / HTTP/1.1\r\n\r\n");
    CHECK(index.status == 200);
    CHECK(index.body.find("/metrics") != std::string::npos);
    CHECK(exchange(f.port(), "GET /favicon.ico HTTP/1.1\r\n\r\n").status == 404);
    CHECK(exchange(f.port(), "GET /metricsx HTTP/1.1\r\n\r\n").status == 404);
    const auto post = exchange(f.port(), "POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
    CHECK(post.status == 405);
    CHECK(has_header(post, "Allow: GET, HEAD"));
    const auto head = exchange(f.port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
    CHECK(head.status == 200);
    CHECK(has_header(head, "Content-Length: 10"));
    CHECK(head.body.empty());
    const auto stats = f.stats();
    CHECK(stats.index == 1);
    CHECK(stats.not_found == 2);
    CHECK(stats.bad_method == 1);
    CHECK(stats.scrapes == 1);
}

TEST_CASE("malformed request lines are answered 400 and counted")
{
    server_fixture f;
    CHECK(exchange(f.port(), "garbage\r\n\r\n").status == 400);
    CHECK(exchange(f.port(), "GET /metrics\r\n\r\n").status == 400);
    CHECK(exchange(f.port(), "GET metrics HTTP/1.1\r\n\r\n").status == 400);
    CHECK(exchange(f.port(), "GET /metrics SPDY/3\r\n\r\n").status == 400);
    CHECK(exchange(f.port(), std::string("G\0T /metrics HTTP/1.1\r\n\r\n", 25)).status == 400);
    CHECK(exchange(f.port(), "\r\n\r\n").status == 400);
    CHECK(f.stats().bad_requests == 6);
}

TEST_CASE("a request head over the limit is answered 431 and the server keeps serving")
{
    server_fixture f;
    const std::string huge = "GET /metrics HTTP/1.1\r\nX-Padding: " + std::string(9000, 'a') + "\r\n\r\n";
    const auto r = exchange(f.port(), huge);
    CHECK(r.status == 431);
    CHECK(r.closed);
    // A head that never ends is cut at the limit too.
    CHECK(exchange(f.port(), std::string(20000, 'x')).status == 431);
    CHECK(exchange(f.port(), "GET /metrics HTTP/1.1\r\n\r\n").status == 200);
    CHECK(f.stats().bad_requests == 2);
}

TEST_CASE("a client that sends its request too slowly is closed unanswered after the deadline")
{
    sngw::app::metrics_server_options o;
    o.deadline = 200ms;
    server_fixture f(o);
    client slow(f.port());
    slow.send("GET /metr");
    const auto start = std::chrono::steady_clock::now();
    bool closed = false;
    const auto got = slow.read_all(&closed);
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(closed);
    CHECK(got.empty());
    CHECK(waited < 2s);
    client silent(f.port());
    CHECK(silent.read_all(&closed).empty());
    CHECK(closed);
    CHECK(exchange(f.port(), "GET /metrics HTTP/1.1\r\n\r\n").status == 200);
    CHECK(f.stats().timeouts == 2);
}

TEST_CASE("many scrapers at once are all answered and connections past the limit are closed at once")
{
    sngw::app::metrics_server_options o;
    o.max_connections = 40;
    server_fixture f(o, [] { // larger than a socket buffer
        std::string body(100'000, '#');
        body += '\n'; // not operator+ on a temporary: g++ 12 -O2 warns falsely (-Warray-bounds)
        return body;
    });
    {
        std::vector<std::unique_ptr<client>> clients;
        for (int i = 0; i < 30; ++i)
            clients.push_back(std::make_unique<client>(f.port()));
        for (auto& c : clients)
            c->send("GET /metrics HTTP/1.1\r\n\r\n");
        for (auto& c : clients) {
            bool closed = false;
            const auto all = c->read_all(&closed);
            CHECK(closed);
            CHECK(all.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
            CHECK(all.size() > 100'000);
        }
    }
    CHECK(f.stats().scrapes == 30);

    sngw::app::metrics_server_options tight;
    tight.max_connections = 2;
    server_fixture g(tight);
    client a(g.port());
    client b(g.port());
    // The server may not have accepted a and b yet when c arrives: wait until both are counted.
    for (int i = 0; i < 300 && g.stats().connections < 2; ++i)
        std::this_thread::sleep_for(10ms);
    REQUIRE(g.stats().connections == 2);
    client c(g.port());
    bool closed = false;
    CHECK(c.read_all(&closed).empty());
    CHECK(closed);
    CHECK(g.stats().rejected == 1);
}

TEST_CASE("a render function that throws is answered 500 and the server keeps serving")
{
    int calls = 0;
    server_fixture f({}, [&]() -> std::string {
        if (++calls == 1) throw std::runtime_error("no");
        return "sngw_up 1\n";
    });
    CHECK(exchange(f.port(), "GET /metrics HTTP/1.1\r\n\r\n").status == 500);
    CHECK(exchange(f.port(), "GET /metrics HTTP/1.1\r\n\r\n").status == 200);
    CHECK(f.stats().render_failures == 1);
}

TEST_CASE("open reports an address in use and close ends open connections")
{
    server_fixture f;
    asio::io_context io;
    sngw::app::metrics_server second(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), f.port()),
                                     [] { return std::string(); });
    CHECK(second.open() == asio::error::address_in_use);
    CHECK(second.local_endpoint() == tcp::endpoint{});

    client idle(f.port());
    for (int i = 0; i < 300 && f.stats().connections < 1; ++i)
        std::this_thread::sleep_for(10ms);
    f.close();
    bool closed = false;
    CHECK(idle.read_all(&closed).empty());
    CHECK(closed);
}

TEST_CASE("metrics_endpoint takes IP literals as they are and resolves localhost")
{
    const auto v4 = sngw::app::metrics_endpoint({"127.0.0.1", 9464});
    REQUIRE(v4.has_value());
    CHECK(*v4 == tcp::endpoint(asio::ip::make_address("127.0.0.1"), 9464));
    const auto v6 = sngw::app::metrics_endpoint({"::", 9464});
    REQUIRE(v6.has_value());
    CHECK(v6->address().is_v6());
    const auto local = sngw::app::metrics_endpoint({"localhost", 9464});
    REQUIRE(local.has_value());
    CHECK(local->address().is_loopback());
    CHECK(local->port() == 9464);
}
