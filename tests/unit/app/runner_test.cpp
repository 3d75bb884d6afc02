// SPDX-License-Identifier: MIT
// The runner end to end inside one process: real UDP sockets on loopback, the real core, and a
// scripted MQTT broker on a loopback TCP port (just enough MQTT 5: CONNACK to every CONNECT). No
// mosquitto: these run with the unit tests, under the sanitizers too.
#include <sngw/app/runner.hpp>

#include <sngw/core/gateway.hpp>

#include "support/hex.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/write.hpp>

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using boost::system::error_code;
using sngw::test::bytes;
using sngw::test::hex;
using namespace sngw::app;
using namespace std::chrono_literals;

namespace {

bool run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit = 5s)
{
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end) {
        io.restart();
        io.run_for(5ms);
    }
    return done();
}

/// An MQTT 5 broker that answers every CONNECT with CONNACK success and records, per connection,
/// the packet types it received and whether the gateway closed it.
class scripted_broker {
public:
    struct connection {
        tcp::socket socket;
        std::vector<std::uint8_t> buffer{};
        std::array<std::uint8_t, 4096> chunk{};
        std::vector<int> types{}; // MQTT control packet types, in order
        bool closed = false;
        explicit connection(tcp::socket s) : socket(std::move(s)) {}
    };

    explicit scripted_broker(asio::io_context& io)
        : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))
    {
        do_accept();
    }
    ~scripted_broker() { stop(); }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    const std::deque<std::shared_ptr<connection>>& connections() const { return connections_; }
    bool all_closed() const
    {
        for (const auto& c : connections_)
            if (!c->closed) return false;
        return true;
    }
    void stop()
    {
        error_code ignored;
        acceptor_.close(ignored);
        for (auto& c : connections_)
            c->socket.close(ignored);
    }

private:
    void do_accept()
    {
        acceptor_.async_accept([this](error_code ec, tcp::socket s) {
            if (ec) return;
            auto c = std::make_shared<connection>(std::move(s));
            connections_.push_back(c);
            do_read(c);
            do_accept();
        });
    }

    void do_read(const std::shared_ptr<connection>& c)
    {
        c->socket.async_read_some(asio::buffer(c->chunk), [this, c](error_code ec, std::size_t n) {
            if (ec) {
                c->closed = true;
                return;
            }
            c->buffer.insert(c->buffer.end(), c->chunk.begin(),
                             c->chunk.begin() + static_cast<std::ptrdiff_t>(n));
            handle_packets(*c);
            do_read(c);
        });
    }

    // MQTT 5.0 §2.1: fixed header = type/flags octet + Remaining Length (variable byte integer).
    void handle_packets(connection& c)
    {
        for (;;) {
            std::size_t length = 0, shift = 0, i = 1;
            for (; i < c.buffer.size() && i <= 4; ++i) {
                length |= std::size_t{c.buffer[i] & 0x7Fu} << shift;
                shift += 7;
                if (!(c.buffer[i] & 0x80)) break;
            }
            if (i >= c.buffer.size() || c.buffer.size() < i + 1 + length) return;
            const int type = c.buffer[0] >> 4;
            c.types.push_back(type);
            c.buffer.erase(c.buffer.begin(), c.buffer.begin() + static_cast<std::ptrdiff_t>(i + 1 + length));
            if (type == 1) { // CONNECT → CONNACK: no session present, success, no properties
                static const std::uint8_t connack[] = {0x20, 0x03, 0x00, 0x00, 0x00};
                asio::write(c.socket, asio::buffer(connack));
            } else if (type == 12) { // PINGREQ → PINGRESP
                static const std::uint8_t pingresp[] = {0xD0, 0x00};
                asio::write(c.socket, asio::buffer(pingresp));
            }
        }
    }

    tcp::acceptor acceptor_;
    std::deque<std::shared_ptr<connection>> connections_{};
};

/// A sensor: a UDP socket on loopback that sends and receives through the test's io_context.
struct sensor {
    udp::socket socket;
    udp::endpoint gateway;
    sensor(asio::io_context& io, udp::endpoint gw)
        : socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), gateway(gw)
    {}

    void send(const std::vector<std::byte>& d) { socket.send_to(asio::buffer(d), gateway); }

    std::optional<std::vector<std::byte>> receive(asio::io_context& io)
    {
        std::vector<std::byte> buf(65'536);
        std::optional<std::size_t> got;
        udp::endpoint from;
        socket.async_receive_from(asio::buffer(buf), from, [&](error_code ec, std::size_t n) {
            if (!ec) got = n;
        });
        run_until(io, [&] { return got.has_value(); });
        if (!got) {
            socket.cancel();
            io.restart();
            io.run_for(20ms);
            return std::nullopt;
        }
        buf.resize(*got);
        return buf;
    }

    std::string address() const
    {
        const auto ep = socket.local_endpoint();
        return ep.address().to_string() + ':' + std::to_string(ep.port());
    }
};

/// A free TCP port nothing listens on (connections to it are refused).
std::uint16_t closed_tcp_port(asio::io_context& io)
{
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

app_config loopback_config(std::uint16_t broker_port)
{
    app_config c;
    c.udp = {{"127.0.0.1", 0}};
    c.broker = {"127.0.0.1", broker_port};
    c.core.broker_connect_timeout = 2s;
    return c;
}

struct captured_log {
    std::vector<std::string> lines;
    logger log{log_level::debug, logger::style::plain, [this](std::string_view l) { lines.emplace_back(l); }};

    bool has(const std::string& prefix, const std::string& part) const
    {
        for (const auto& l : lines)
            if (l.rfind(prefix, 0) == 0 && l.find(part) != std::string::npos) return true;
        return false;
    }
};

const runner_options test_options{.shutdown_limit = 2s, .handle_signals = false};

} // namespace

TEST_CASE("the runner answers SEARCHGW with GWINFO over UDP")
{
    asio::io_context io;
    captured_log logs;
    auto cfg = loopback_config(closed_tcp_port(io));
    cfg.core.gateway_id = 42;
    runner r(io, cfg, logs.log, test_options);
    REQUIRE(r.open());
    r.start();
    CHECK(logs.has("INFO ", "listening on udp 127.0.0.1:"));
    CHECK(logs.has("INFO ", "broker 127.0.0.1:"));

    sensor s(io, r.local_endpoints().at(0));
    s.send(hex("03 01 01"));           // SEARCHGW Radius 1 (MQTT-SN v1.2 §5.4.2)
    CHECK(s.receive(io) == hex("03"    // Length
                               "02"    // GWINFO
                               "2a")); // GwId 42, no GwAdd from the gateway (§5.4.3)
}

TEST_CASE("a sensor connects end to end and a shutdown tells it and closes its broker session")
{
    asio::io_context io;
    captured_log logs;
    scripted_broker broker(io);
    runner r(io, loopback_config(broker.port()), logs.log, test_options);
    REQUIRE(r.open());
    r.start();

    sensor s(io, r.local_endpoints().at(0));
    s.send(hex("08 04"                       // CONNECT
               "04"                          // Flags: CleanSession
               "01"                          // ProtocolId
               "00 3c"                       // Duration 60 s
               "63 31"));                    // ClientId "c1"
    CHECK(s.receive(io) == hex("03 05 00")); // CONNACK accepted, after the broker's CONNACK
    CHECK(logs.has("INFO ", "client c1 [" + s.address() + "] connected"));
    CHECK(r.broker_links() == 2); // the gateway's own session and c1's

    r.request_shutdown();
    r.request_shutdown();                 // idempotent
    CHECK(s.receive(io) == hex("02 18")); // DISCONNECT (design §3)
    CHECK(run_until(io, [&] { return r.finished() && broker.all_closed(); }));
    for (const auto& c : broker.connections()) {
        REQUIRE_FALSE(c->types.empty());
        CHECK(c->types.front() == 1); // CONNECT
        CHECK(c->types.back() == 14); // DISCONNECT before the close: the session is kept, no will
    }
    CHECK(r.broker_links() == 0);
    // Nothing of the runner's is left to run: the daemon's io_context.run() returns.
    broker.stop();
    io.restart();
    io.run_for(1s);
    CHECK(io.stopped());
    CHECK(logs.has("INFO ", "stopped"));
}

TEST_CASE("a shutdown with the broker unreachable finishes and leaves nothing to run")
{
    asio::io_context io;
    captured_log logs;
    runner r(io, loopback_config(closed_tcp_port(io)), logs.log, test_options);
    REQUIRE(r.open());
    r.start();
    run_until(
        io, [&] { return logs.has("WARN ", "connect failed"); }, 2s);
    CHECK(logs.has("WARN ", "broker link to 127.0.0.1:"));
    r.request_shutdown();
    io.restart();
    io.run_for(3s); // returns early once there is no work left
    CHECK(io.stopped());
    CHECK(r.finished());
}

TEST_CASE("a broker that never closes its end does not hold the shutdown past its limit")
{
    asio::io_context io;
    captured_log logs;
    // Accepts, never reads: the gateway's DISCONNECT is written, the broker never closes.
    tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::vector<tcp::socket> accepted;
    std::function<void()> accept = [&] {
        silent.async_accept([&](error_code ec, tcp::socket sock) {
            if (ec) return;
            accepted.push_back(std::move(sock));
            accept();
        });
    };
    accept();
    auto options = test_options;
    options.shutdown_limit = 300ms;
    runner r(io, loopback_config(silent.local_endpoint().port()), logs.log, options);
    REQUIRE(r.open());
    r.start();
    run_until(io, [&] { return !accepted.empty(); });
    const auto begin = std::chrono::steady_clock::now();
    r.request_shutdown();
    CHECK(run_until(io, [&] { return r.finished(); }));
    CHECK(std::chrono::steady_clock::now() - begin < 2500ms);
    silent.close();
}

TEST_CASE("a listener that cannot bind makes open() fail with the reason in the log")
{
    asio::io_context io;
    captured_log logs;
    udp::socket taken(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto cfg = loopback_config(1883);
    cfg.udp = {{"127.0.0.1", taken.local_endpoint().port()}};
    runner r(io, cfg, logs.log, test_options);
    CHECK_FALSE(r.open());
    CHECK(logs.has("ERROR ", "cannot listen on udp 127.0.0.1:" +
                                 std::to_string(taken.local_endpoint().port()) + ": Address already in use"));
}

TEST_CASE("a TLS file that cannot be loaded makes open() fail with the reason in the log")
{
    asio::io_context io;
    captured_log logs;
    auto cfg = loopback_config(8883);
    cfg.broker_tls = true;
    cfg.ca_file = "/nonexistent/ca.pem";
    runner r(io, cfg, logs.log, test_options);
    CHECK_FALSE(r.open());
    CHECK(logs.has("ERROR ", "cannot set up TLS toward the broker"));
}

TEST_CASE("a datagram the core drops is logged with the sender's address and counted")
{
    asio::io_context io;
    captured_log logs;
    runner r(io, loopback_config(closed_tcp_port(io)), logs.log, test_options);
    REQUIRE(r.open());
    r.start();
    sensor s(io, r.local_endpoints().at(0));
    s.send(hex("05 0c 00 01")); // PUBLISH whose Length says 5, 4 octets sent
    CHECK(run_until(io, [&] { return logs.has("DEBUG ", "dropped"); }));
    CHECK(logs.has("DEBUG ", "from " + s.address()));
    std::uint64_t counted = 0;
    for (const auto& [what, n] : r.stats().dropped)
        counted += n;
    CHECK(counted == 1);
}
