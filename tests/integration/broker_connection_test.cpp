// SPDX-License-Identifier: MIT
// broker_connection against a real mosquitto on loopback (and a few hand-made misbehaving servers):
// every way a connection can start and end, TLS verification, and the byte path both ways.
#include <sngw/mqtt_bridge/broker_connection.hpp>
#include <sngw/mqtt_bridge/tls_context.hpp>
#include <sngw/mqtt5/codec.hpp>
#include <sngw/mqtt5/io.hpp>

#include "support/free_port.hpp"
#include "support/hex.hpp"
#include "support/mosquitto_process.hpp"
#include "support/skip.hpp"
#include "support/tls_test_certs.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include <openssl/x509_vfy.h>

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::mqtt_bridge::broker_connection;
using sngw::mqtt_bridge::close_reason;
using sngw::mqtt_bridge::connection_options;
using sngw::mqtt_bridge::connection_state;
using sngw::test::bytes;
using sngw::test::mosquitto_config;
using sngw::test::mosquitto_process;
using sngw::test::tls_test_certs;

// --- packets, through our codec -----------------------------------------------------------------

std::vector<std::byte> encoded(const mqtt5::packet& p)
{
    return mqtt5::encode(p).value();
}

std::vector<std::byte> connect_packet(const std::string& client_id,
                                      std::optional<mqtt5::will_message> will = {})
{
    return encoded(mqtt5::connect_packet{
        .clean_start = true, .keep_alive = 60, .client_id = client_id, .will = std::move(will)});
}

std::vector<std::byte> subscribe_packet(std::uint16_t packet_id, const std::string& filter)
{
    return encoded(
        mqtt5::subscribe_packet{.packet_id = packet_id, .subscriptions = {{.topic_filter = filter}}});
}

std::vector<std::byte> publish_packet(const std::string& topic, std::vector<std::byte> payload)
{
    return encoded(mqtt5::publish_packet{.topic = topic, .payload = std::move(payload)});
}

std::vector<std::byte> disconnect_packet()
{
    return encoded(mqtt5::disconnect_packet{});
}

mqtt5::packet decoded(const std::vector<std::byte>& whole_packet)
{
    auto p = mqtt5::decode(whole_packet);
    REQUIRE_MESSAGE(p.has_value(), "undecodable packet: " << sngw::test::to_hex(whole_packet));
    return *p;
}

bool is_connack_success(const std::vector<std::byte>& whole_packet)
{
    const auto p = decoded(whole_packet);
    const auto* connack = std::get_if<mqtt5::connack_packet>(&p);
    return connack && connack->reason == mqtt5::reason_code::success;
}

// --- a connection under test and what it reported -----------------------------------------------

struct events {
    int connected = 0;
    std::vector<std::vector<std::byte>> packets;
    int closed = 0;
    close_reason reason = close_reason::closed_locally;
    boost::system::error_code ec;
};

std::string describe(const events& e)
{
    return std::string(sngw::mqtt_bridge::to_string(e.reason)) + ": " + e.ec.message();
}

/// One set of certificates per test process (generating them costs ~0.3 s); `index` 1 is a second,
/// unrelated CA.
const tls_test_certs& shared_certs(int index = 0)
{
    static tls_test_certs first;
    if (index == 0) return first;
    static tls_test_certs second;
    return second;
}

struct client {
    client(asio::io_context& io, connection_options options)
        : connection(broker_connection::create(io.get_executor(), std::move(options)))
    {}

    /// Starts; `on_connected` runs inside the connection's on_connected (e.g. to send CONNECT).
    void start(std::function<void(broker_connection&)> on_connected = {})
    {
        auto e = ev;
        // The handlers capture the connection weakly: it drops them after on_closed anyway.
        std::weak_ptr<broker_connection> weak = connection;
        connection->start({
            .on_connected =
                [e, weak, on_connected] {
                    ++e->connected;
                    if (auto c = weak.lock(); c && on_connected) on_connected(*c);
                },
            .on_packet = [e](std::span<const std::byte> p) { e->packets.emplace_back(p.begin(), p.end()); },
            .on_closed =
                [e](close_reason r, boost::system::error_code ec) {
                    ++e->closed;
                    e->reason = r;
                    e->ec = ec;
                },
        });
    }

    /// Starts and sends CONNECT once connected.
    void start_mqtt(const std::string& client_id, std::optional<mqtt5::will_message> will = {})
    {
        start([connect = connect_packet(client_id, std::move(will))](broker_connection& c) {
            c.send(connect);
        });
    }

    std::shared_ptr<broker_connection> connection;
    std::shared_ptr<events> ev = std::make_shared<events>();
};

/// Runs `io` until `done()` or `limit` (a test never waits unbounded).
template <class Predicate>
bool run_until(asio::io_context& io, Predicate done, std::chrono::milliseconds limit = 5s)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_for(10ms);
    }
    return done();
}

connection_options plain(std::uint16_t port, std::string host = "127.0.0.1")
{
    connection_options o;
    o.host = std::move(host);
    o.port = port;
    o.connect_timeout = 3s;
    o.close_timeout = 2s;
    return o;
}

std::shared_ptr<asio::ssl::context> tls_context(const tls_test_certs& certs, bool with_client_cert = false)
{
    sngw::mqtt_bridge::tls_options t;
    t.ca_file = certs.ca_cert().string();
    if (with_client_cert) {
        t.cert_file = certs.client_cert().string();
        t.key_file = certs.client_key().string();
    }
    auto ctx = sngw::mqtt_bridge::make_tls_context(t);
    REQUIRE_MESSAGE(ctx.has_value(), ctx.error().message());
    return *ctx;
}

/// A connected MQTT client subscribed to `filter` (SUBACK received): the broker-side observer.
std::unique_ptr<client> subscriber(asio::io_context& io, std::uint16_t port, const std::string& id,
                                   const std::string& filter)
{
    auto s = std::make_unique<client>(io, plain(port));
    s->start([connect = connect_packet(id), subscribe = subscribe_packet(1, filter)](broker_connection& c) {
        c.send(connect);
        c.send(subscribe);
    });
    auto e = s->ev;
    REQUIRE(run_until(io, [&] { return e->packets.size() >= 2 || e->closed; }));
    REQUIRE(is_connack_success(e->packets[0]));
    REQUIRE(std::holds_alternative<mqtt5::suback_packet>(decoded(e->packets[1])));
    e->packets.clear();
    return s;
}

std::vector<std::byte> payload_of(const std::vector<std::byte>& whole_packet)
{
    const auto p = decoded(whole_packet);
    const auto* publish = std::get_if<mqtt5::publish_packet>(&p);
    REQUIRE_MESSAGE(publish, "not a PUBLISH: " << p);
    return publish->payload;
}

} // namespace

// --- plain TCP ----------------------------------------------------------------------------------

TEST_CASE("plain TCP: CONNECT goes out, CONNACK comes back whole, close() ends it once as closed locally")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    client c(io, plain(broker.port()));
    CHECK(c.connection->state() == connection_state::idle);
    c.start_mqtt("sngw-plain");
    CHECK(c.connection->state() == connection_state::connecting);

    REQUIRE(run_until(io, [&] { return !c.ev->packets.empty() || c.ev->closed; }));
    CHECK(c.ev->connected == 1);
    CHECK(c.connection->state() == connection_state::open);
    CHECK(c.connection->remote_endpoint() == "127.0.0.1:" + std::to_string(broker.port()));
    REQUIRE(c.ev->packets.size() == 1);
    CHECK(is_connack_success(c.ev->packets[0]));

    c.connection->send(disconnect_packet());
    c.connection->close();
    c.connection->close(); // idempotent
    c.connection->abort(); // too late to change the outcome
    CHECK_FALSE(c.connection->send(publish_packet("late", bytes("x"))));
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    io.restart();
    io.run_for(50ms); // nothing else may arrive
    CHECK(c.ev->closed == 1);
    CHECK(c.ev->reason == close_reason::closed_locally);
    CHECK_FALSE(c.ev->ec);
    CHECK(c.connection->state() == connection_state::closed);
}

TEST_CASE("bytes sent before the connection is open go out right after on_connected")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    client c(io, plain(broker.port()));
    CHECK(c.connection->send(connect_packet("sngw-early")));
    c.start();
    CHECK(c.connection->queued_bytes() > 0);
    REQUIRE(run_until(io, [&] { return !c.ev->packets.empty() || c.ev->closed; }));
    CHECK(is_connack_success(c.ev->packets.at(0)));
    CHECK(c.connection->queued_bytes() == 0);
    c.connection->abort();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->reason == close_reason::closed_locally);
}

TEST_CASE("a host name is resolved and every address tried: localhost")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    client c(io, plain(broker.port(), "localhost"));
    c.start_mqtt("sngw-localhost");
    REQUIRE(run_until(io, [&] { return !c.ev->packets.empty() || c.ev->closed; }));
    CHECK(is_connack_success(c.ev->packets.at(0)));
    c.connection->abort();
}

TEST_CASE("a closed port is reported as connect failed with connection refused")
{
    asio::io_context io;
    client c(io, plain(sngw::test::free_tcp_port()));
    c.start();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->connected == 0);
    CHECK(c.ev->reason == close_reason::connect_failed);
    CHECK(c.ev->ec == asio::error::connection_refused);
}

TEST_CASE("a host name that cannot resolve is reported as resolve failed")
{
    asio::io_context io;
    // An empty label is not a valid host name, so glibc refuses it before asking DNS (no traffic
    // leaves the machine); .invalid never resolves anyway (RFC 6761 §6.4).
    client c(io, plain(1883, "sngw..invalid"));
    c.start();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->connected == 0);
    CHECK(c.ev->reason == close_reason::resolve_failed);
    CHECK(c.ev->ec);
}

TEST_CASE("IPv6: connects to a broker listening on ::1")
{
    SNGW_REQUIRE_MOSQUITTO();
    SNGW_SKIP_UNLESS(sngw::test::has_ipv6_loopback(), "this machine has no IPv6 loopback (::1)");
    mosquitto_config config;
    const auto port6 = config.add_listener("::1");
    mosquitto_process broker(config);
    asio::io_context io;
    client c(io, plain(port6, "::1"));
    c.start_mqtt("sngw-v6");
    // The ::1 listener is not probed by mosquitto_process (it probes IPv4); allow for its start.
    REQUIRE(run_until(io, [&] { return !c.ev->packets.empty() || c.ev->closed; }));
    REQUIRE_MESSAGE(c.ev->closed == 0, describe(*c.ev));
    CHECK(c.connection->remote_endpoint() == "[::1]:" + std::to_string(port6));
    CHECK(is_connack_success(c.ev->packets.at(0)));
    c.connection->abort();
}

// --- timeouts and misbehaving servers -----------------------------------------------------------

TEST_CASE("connect timeout: a TCP listener that never answers the TLS ClientHello")
{
    SNGW_SKIP_UNLESS(tls_test_certs::available(), tls_test_certs::skip_reason());
    const auto& certs = shared_certs();
    asio::io_context io;
    // Listening is enough: the kernel completes the TCP handshake; nobody ever reads the ClientHello.
    asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
    auto options = plain(silent.local_endpoint().port());
    options.tls = tls_context(certs);
    options.connect_timeout = 200ms;
    client c(io, options);
    const auto t0 = std::chrono::steady_clock::now();
    c.start();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(c.ev->reason == close_reason::connect_timeout);
    CHECK(c.ev->ec == asio::error::timed_out);
    CHECK(took >= 150ms);
    CHECK(took < 2s);
}

TEST_CASE("close() while connecting ends it at once as closed locally")
{
    SNGW_SKIP_UNLESS(tls_test_certs::available(), tls_test_certs::skip_reason());
    const auto& certs = shared_certs();
    asio::io_context io;
    asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
    auto options = plain(silent.local_endpoint().port());
    options.tls = tls_context(certs);
    client c(io, options);
    c.start();
    io.run_for(50ms); // TCP connected, handshake pending
    c.connection->close();
    REQUIRE(run_until(
        io, [&] { return c.ev->closed > 0; }, 1s));
    CHECK(c.ev->closed == 1);
    CHECK(c.ev->connected == 0);
    CHECK(c.ev->reason == close_reason::closed_locally);
}

TEST_CASE("a server that hangs up is reported as closed by peer")
{
    asio::io_context io;
    asio::ip::tcp::acceptor server(io, {asio::ip::make_address("127.0.0.1"), 0});
    server.async_accept([](boost::system::error_code, asio::ip::tcp::socket s) { s.close(); });
    client c(io, plain(server.local_endpoint().port()));
    c.start();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->connected == 1);
    CHECK(c.ev->reason == close_reason::closed_by_peer);
    CHECK(c.ev->ec == asio::error::eof);
}

TEST_CASE("a server that resets the connection is reported as read failed")
{
    asio::io_context io;
    asio::ip::tcp::acceptor server(io, {asio::ip::make_address("127.0.0.1"), 0});
    server.async_accept([](boost::system::error_code ec, asio::ip::tcp::socket s) {
        if (ec) return;
        s.set_option(asio::socket_base::linger(true, 0), ec); // close() now sends RST, not FIN
        s.close(ec);
    });
    client c(io, plain(server.local_endpoint().port()));
    c.start();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->connected == 1);
    CHECK(c.ev->reason == close_reason::read_failed);
    CHECK(c.ev->ec == asio::error::connection_reset);
}

TEST_CASE("close() to a server that never hangs up ends after close_timeout, as closed locally")
{
    asio::io_context io;
    asio::ip::tcp::acceptor server(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket held(io); // accepted, never read, never closed
    server.async_accept(held, [](boost::system::error_code) {});
    auto options = plain(server.local_endpoint().port());
    options.close_timeout = 200ms;
    client c(io, options);
    c.start([](broker_connection& conn) { conn.close(); });
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->reason == close_reason::closed_locally);
    CHECK(c.ev->ec == asio::error::timed_out);
    CHECK(std::chrono::steady_clock::now() - t0 >= 150ms);
}

TEST_CASE("a packet handler that aborts gets no further packets, even from the same read")
{
    asio::io_context io;
    asio::ip::tcp::acceptor server(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket accepted(io);
    const auto three = sngw::test::hex("d0 00 d0 00 d0 00"); // three PINGRESPs in one write
    server.async_accept(accepted, [&](boost::system::error_code ec) {
        if (!ec)
            asio::async_write(accepted, asio::buffer(three), [](boost::system::error_code, std::size_t) {});
    });
    auto c = broker_connection::create(io.get_executor(), plain(server.local_endpoint().port()));
    int packets = 0;
    std::optional<close_reason> reason;
    c->start({.on_packet =
                  [&](std::span<const std::byte>) {
                      ++packets;
                      c->abort();
                  },
              .on_closed = [&](close_reason r, boost::system::error_code) { reason = r; }});
    REQUIRE(run_until(io, [&] { return reason.has_value(); }));
    CHECK(packets == 1);
    CHECK(*reason == close_reason::closed_locally);
}

TEST_CASE("a stream that is not MQTT is reported as malformed stream, after the packets before it")
{
    asio::io_context io;
    asio::ip::tcp::acceptor server(io, {asio::ip::make_address("127.0.0.1"), 0});
    auto accepted = std::make_shared<asio::ip::tcp::socket>(io);
    const auto garbage = sngw::test::hex("d0 00"               // PINGRESP, whole
                                         "30 ff ff ff ff 7f"); // PUBLISH with a 5-byte Remaining Length
    server.async_accept(*accepted, [&](boost::system::error_code ec) {
        if (!ec)
            asio::async_write(*accepted, asio::buffer(garbage),
                              [](boost::system::error_code, std::size_t) {});
    });
    client c(io, plain(server.local_endpoint().port()));
    c.start();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->packets == std::vector<std::vector<std::byte>>{sngw::test::hex("d0 00")});
    CHECK(c.ev->reason == close_reason::malformed_stream);
    CHECK(c.ev->ec == mqtt5::errc::malformed_varint);
}

// --- the broker's side of the story -------------------------------------------------------------

TEST_CASE("broker going away is reported as closed by peer")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    client c(io, plain(broker.port()));
    c.start_mqtt("sngw-orphan");
    REQUIRE(run_until(io, [&] { return !c.ev->packets.empty() || c.ev->closed; }));
    broker.kill();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->reason == close_reason::closed_by_peer);
}

TEST_CASE("a packet above max_packet_size is reported as packet too large")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    auto options = plain(broker.port());
    options.max_packet_size = 1000; // not announced in CONNECT, so the broker sends it anyway
    client c(io, options);
    c.start([](broker_connection& conn) {
        conn.send(connect_packet("sngw-small"));
        conn.send(subscribe_packet(1, "big"));
        conn.send(publish_packet("big", std::vector<std::byte>(2000, std::byte{0x42})));
    });
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->packets.size() == 2); // CONNACK, SUBACK
    CHECK(c.ev->reason == close_reason::packet_too_large);
    CHECK(c.ev->ec == mqtt5::errc::packet_too_large);
}

TEST_CASE("abort() without DISCONNECT makes the broker publish the will, DISCONNECT + close() does not")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    auto observer = subscriber(io, broker.port(), "sngw-observer", "will/#");
    auto will = [](const std::string& who) {
        return mqtt5::will_message{.topic = "will/" + who, .payload = bytes("gone: " + who)};
    };

    SUBCASE("abrupt")
    {
        client c(io, plain(broker.port()));
        c.start_mqtt("sngw-abrupt", will("abrupt"));
        REQUIRE(run_until(io, [&] { return !c.ev->packets.empty() || c.ev->closed; }));
        REQUIRE(is_connack_success(c.ev->packets.at(0)));
        c.connection->abort();
        REQUIRE(run_until(io, [&] { return c.ev->closed && !observer->ev->packets.empty(); }));
        CHECK(c.ev->reason == close_reason::closed_locally);
        CHECK(payload_of(observer->ev->packets.at(0)) == bytes("gone: abrupt"));
    }
    SUBCASE("graceful")
    {
        client c(io, plain(broker.port()));
        c.start_mqtt("sngw-graceful", will("graceful"));
        REQUIRE(run_until(io, [&] { return !c.ev->packets.empty() || c.ev->closed; }));
        REQUIRE(is_connack_success(c.ev->packets.at(0)));
        c.connection->send(disconnect_packet());
        c.connection->close();
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        CHECK(c.ev->reason == close_reason::closed_locally);
        CHECK_FALSE(c.ev->ec);
        // The broker has seen our EOF (close() waited for its answer), so a will would be queued to
        // the observer before this marker.
        observer->connection->send(publish_packet("will/marker", bytes("marker")));
        REQUIRE(run_until(io, [&] { return !observer->ev->packets.empty(); }));
        CHECK(payload_of(observer->ev->packets.at(0)) == bytes("marker"));
    }
    observer->connection->abort();
}

TEST_CASE("close() right after queueing many packets still delivers every one, in order")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    auto observer = subscriber(io, broker.port(), "sngw-observer", "seq");
    constexpr int count = 300;
    client c(io, plain(broker.port()));
    c.start([](broker_connection& conn) {
        conn.send(connect_packet("sngw-burst"));
        for (int i = 0; i < count; ++i)
            conn.send(publish_packet("seq", bytes(std::to_string(i))));
        conn.send(disconnect_packet());
        conn.close();
    });
    REQUIRE(run_until(
        io, [&] { return (observer->ev->packets.size() >= count && c.ev->closed) || observer->ev->closed; }));
    REQUIRE(c.ev->closed == 1);
    CHECK(c.ev->reason == close_reason::closed_locally);
    CHECK_FALSE(c.ev->ec);
    REQUIRE(observer->ev->packets.size() == count);
    for (int i = 0; i < count; ++i)
        REQUIRE(payload_of(observer->ev->packets[static_cast<std::size_t>(i)]) == bytes(std::to_string(i)));
    observer->connection->abort();
}

TEST_CASE("a write queue of many packets arrives in order, and the echo is cut into the same packets")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    auto self = subscriber(io, broker.port(), "sngw-echo", "echo");
    constexpr int count = 500;
    for (int i = 0; i < count; ++i)
        self->connection->send(publish_packet("echo", bytes("message " + std::to_string(i))));
    // One packet much larger than the read buffer: reassembled from many reads.
    std::vector<std::byte> big(100'000);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<std::byte>(i % 251);
    self->connection->send(publish_packet("echo", big));
    CHECK(self->connection->queued_bytes() > 100'000);
    REQUIRE(run_until(io, [&] { return self->ev->packets.size() >= count + 1 || self->ev->closed; }));
    REQUIRE(self->ev->packets.size() == count + 1);
    for (int i = 0; i < count; ++i)
        REQUIRE(payload_of(self->ev->packets[static_cast<std::size_t>(i)]) ==
                bytes("message " + std::to_string(i)));
    CHECK(payload_of(self->ev->packets.back()) == big);
    CHECK(self->connection->queued_bytes() == 0);
    self->connection->abort();
}

// --- write buffers outlive their write ------------------------------------------------------------

namespace {

/// Runs one handler at a time until `done()` (bounded), so a test can act between two handlers.
template <class Predicate>
bool step_until(asio::io_context& io, Predicate done, std::chrono::milliseconds limit = 5s)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_one_for(10ms);
    }
    return done();
}

} // namespace

TEST_CASE("abort() between two parts of a large TLS write frees nothing the write still reads (ASan)")
{
    // The TLS write of a large packet runs in parts (one record each); the next part reads the
    // packet again. abort() at every handler boundary: a buffer freed while the write is in flight
    // is a heap-use-after-free under ASan.
    SNGW_REQUIRE_MOSQUITTO();
    SNGW_SKIP_UNLESS(tls_test_certs::available(), tls_test_certs::skip_reason());
    const auto& certs = shared_certs();
    mosquitto_config config;
    const auto tls_port = config.add_tls_listener(certs.ca_cert(), certs.server_cert(), certs.server_key());
    mosquitto_process broker(config);
    asio::io_context io;
    auto options = plain(tls_port, "localhost");
    options.tls = tls_context(certs);
    const auto big = publish_packet("inflight", std::vector<std::byte>(256 * 1024, std::byte{0x5a}));
    for (int steps = 0; steps < 24; ++steps) {
        CAPTURE(steps);
        client c(io, options);
        c.start([&big](broker_connection& conn) {
            conn.send(connect_packet("sngw-inflight"));
            conn.send(big);
        });
        REQUIRE(step_until(io, [&] { return c.ev->connected > 0 || c.ev->closed > 0; }));
        REQUIRE_MESSAGE(c.ev->closed == 0, describe(*c.ev));
        for (int i = 0; i < steps; ++i) {
            io.restart();
            io.run_one_for(100ms);
        }
        c.connection->abort();
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        CHECK(c.ev->reason == close_reason::closed_locally);
        CHECK(c.connection->queued_bytes() == 0);
    }
}

TEST_CASE("close_timeout with a large write stuck in flight ends as closed locally, timed out (ASan)")
{
    asio::io_context io;
    asio::ip::tcp::acceptor server(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket held(io); // accepted, never read: the socket buffers fill, the write stalls
    server.async_accept(held, [](boost::system::error_code) {});
    auto options = plain(server.local_endpoint().port());
    options.close_timeout = 200ms;
    client c(io, options);
    c.start([](broker_connection& conn) {
        conn.send(std::vector<std::byte>(32 * 1024 * 1024, std::byte{0x30}));
        conn.close();
    });
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->reason == close_reason::closed_locally);
    CHECK(c.ev->ec == asio::error::timed_out);
    CHECK(c.connection->queued_bytes() == 0);
    io.restart();
    io.run_for(50ms); // the aborted write's completion runs after on_closed
}

// --- the write queue's bound ----------------------------------------------------------------------

TEST_CASE("an empty write queue takes one packet larger than max_queued_bytes, then refuses more")
{
    asio::io_context io;
    auto options = plain(1883);
    options.max_queued_bytes = 1000;
    client c(io, options); // idle: send() queues, nothing is written
    CHECK(c.connection->send(std::vector<std::byte>(1500, std::byte{0x30})));
    CHECK_FALSE(c.connection->send(std::vector<std::byte>(1, std::byte{0xc0})));
    CHECK(c.connection->queued_bytes() == 1500);

    options.max_queued_bytes = 0; // unbounded
    client unbounded(io, options);
    for (int i = 0; i < 100; ++i)
        REQUIRE(unbounded.connection->send(std::vector<std::byte>(1000, std::byte{0x30})));
    CHECK(unbounded.connection->queued_bytes() == 100'000);
}

TEST_CASE("a broker that does not read fills the write queue up to max_queued_bytes, send() refuses the rest")
{
    asio::io_context io;
    asio::ip::tcp::acceptor server(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket held(io); // accepted, not read until the end: the socket buffers fill
    server.async_accept(held, [](boost::system::error_code) {});
    auto options = plain(server.local_endpoint().port());
    options.max_queued_bytes = 64 * 1024;
    client c(io, options);
    c.start();
    REQUIRE(run_until(io, [&] { return c.ev->connected > 0 || c.ev->closed > 0; }));
    REQUIRE_MESSAGE(c.ev->closed == 0, describe(*c.ev));

    const std::vector<std::byte> packet(16 * 1024, std::byte{0x30});
    std::size_t sent = 0;
    bool refused = false;
    for (int i = 0; i < 8192 && !refused; ++i) { // the kernel takes a few MiB on loopback first
        if (c.connection->send(packet))
            sent += packet.size();
        else
            refused = true;
        io.restart();
        io.poll();
    }
    REQUIRE(refused);
    CHECK(c.connection->queued_bytes() <= options.max_queued_bytes);
    CHECK(c.connection->queued_bytes() + packet.size() > options.max_queued_bytes);
    CHECK(c.connection->state() == connection_state::open); // a refusal is not an error
    CHECK(c.ev->closed == 0);

    // The broker reads again: the queue drains, every accepted byte arrives, send() accepts again.
    std::size_t received = 0;
    std::vector<std::byte> sink(256 * 1024);
    std::function<void()> drain = [&] {
        held.async_read_some(asio::buffer(sink), [&](boost::system::error_code ec, std::size_t n) {
            received += n;
            if (!ec) drain();
        });
    };
    drain();
    REQUIRE(run_until(io, [&] { return received == sent; }, 10s));
    CHECK(c.connection->queued_bytes() == 0);
    CHECK(c.connection->send(packet));
    c.connection->abort();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->reason == close_reason::closed_locally);
}

// --- stream errors: DISCONNECT before the close ---------------------------------------------------

TEST_CASE("a corrupt stream is answered with DISCONNECT 0x81 or 0x95 before the close (MQTT 5.0 §4.13.1)")
{
    struct script {
        std::vector<std::byte> answer; // what the peer sends once it has the CONNECT
        std::uint32_t max_packet_size;
        std::vector<std::byte> goodbye; // what it must receive after the CONNECT
        close_reason reason;
        mqtt5::errc ec;
    };
    const script malformed{
        .answer = sngw::test::hex("30 ff ff ff ff 7f"), // PUBLISH, Remaining Length of 5 bytes (§1.5.5)
        .max_packet_size = 1 + 4 + 268'435'455,
        .goodbye = sngw::test::hex("e0 01" // DISCONNECT, Remaining Length 1
                                   "81"),  // Reason Code: Malformed Packet
        .reason = close_reason::malformed_stream,
        .ec = mqtt5::errc::malformed_varint,
    };
    const script too_large{
        .answer = sngw::test::hex("30 ff 01"), // PUBLISH, Remaining Length 255: 258 bytes whole
        .max_packet_size = 100,
        .goodbye = sngw::test::hex("e0 01" // DISCONNECT, Remaining Length 1
                                   "95"),  // Reason Code: Packet too large
        .reason = close_reason::packet_too_large,
        .ec = mqtt5::errc::packet_too_large,
    };
    for (const script* s : {&malformed, &too_large}) {
        const std::string name(sngw::mqtt_bridge::to_string(s->reason));
        CAPTURE(name);
        asio::io_context io;
        asio::ip::tcp::acceptor server(io, {asio::ip::make_address("127.0.0.1"), 0});
        asio::ip::tcp::socket peer(io);
        const auto connect = connect_packet("sngw-corrupt");
        std::vector<std::byte> received;
        std::vector<std::byte> chunk(4096);
        boost::system::error_code peer_end; // how the peer's read ended: eof is our FIN
        bool answered = false;
        std::function<void()> read = [&] {
            peer.async_read_some(asio::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
                received.insert(received.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
                if (!answered && received.size() >= connect.size()) {
                    answered = true;
                    asio::async_write(peer, asio::buffer(s->answer), [](boost::system::error_code, std::size_t) {});
                }
                if (ec) {
                    peer_end = ec;
                    peer.close(); // answers our FIN with its own
                    return;
                }
                read();
            });
        };
        server.async_accept(peer, [&](boost::system::error_code ec) {
            if (!ec) read();
        });
        auto options = plain(server.local_endpoint().port());
        options.max_packet_size = s->max_packet_size;
        client c(io, options);
        c.start_mqtt("sngw-corrupt");
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        CHECK(c.ev->packets.empty());
        CHECK(c.ev->reason == s->reason);
        CHECK(c.ev->ec == s->ec);
        CHECK(peer_end == asio::error::eof); // a FIN after the DISCONNECT, not a reset
        auto expected = connect;
        expected.insert(expected.end(), s->goodbye.begin(), s->goodbye.end());
        CHECK(sngw::test::to_hex(received) == sngw::test::to_hex(expected));
    }
}

// --- TLS ----------------------------------------------------------------------------------------

TEST_CASE("TLS: the broker's certificate is verified against the CA and the host name")
{
    SNGW_REQUIRE_MOSQUITTO();
    SNGW_SKIP_UNLESS(tls_test_certs::available(), tls_test_certs::skip_reason());
    const auto& certs = shared_certs();
    mosquitto_config config;
    const auto tls_port = config.add_tls_listener(certs.ca_cert(), certs.server_cert(), certs.server_key());
    mosquitto_process broker(config);
    asio::io_context io;

    for (const char* host : {"localhost", "127.0.0.1"}) { // SAN DNS entry, SAN IP entry
        CAPTURE(host);
        auto options = plain(tls_port, host);
        options.tls = tls_context(certs);
        client c(io, options);
        c.start_mqtt(std::string("sngw-tls-") + host);
        REQUIRE(run_until(io, [&] { return !c.ev->packets.empty() || c.ev->closed; }));
        REQUIRE_MESSAGE(c.ev->closed == 0, describe(*c.ev));
        CHECK(is_connack_success(c.ev->packets.at(0)));
        c.connection->send(disconnect_packet());
        c.connection->close();
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        CHECK(c.ev->reason == close_reason::closed_locally);
        CHECK_FALSE(c.ev->ec); // TLS shutdown and EOF within close_timeout
    }
}

TEST_CASE("TLS: a certificate for another host name is refused as a verification failure")
{
    SNGW_REQUIRE_MOSQUITTO();
    SNGW_SKIP_UNLESS(tls_test_certs::available(), tls_test_certs::skip_reason());
    const auto& certs = shared_certs();
    mosquitto_config config;
    const auto tls_port =
        config.add_tls_listener(certs.ca_cert(), certs.wrong_host_cert(), certs.wrong_host_key());
    mosquitto_process broker(config);
    asio::io_context io;

    SUBCASE("by name")
    {
        auto options = plain(tls_port, "localhost");
        options.tls = tls_context(certs);
        client c(io, options);
        c.start();
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        CHECK(c.ev->connected == 0);
        CHECK(c.ev->reason == close_reason::tls_verify_failed);
        CHECK(c.ev->ec == boost::system::error_code(X509_V_ERR_HOSTNAME_MISMATCH,
                                                    sngw::mqtt_bridge::tls_verify_category()));
        CHECK(c.ev->ec.message() == "hostname mismatch");
    }
    SUBCASE("by address")
    {
        auto options = plain(tls_port, "127.0.0.1");
        options.tls = tls_context(certs);
        client c(io, options);
        c.start();
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        CHECK(c.ev->reason == close_reason::tls_verify_failed);
        CHECK(c.ev->ec.value() == X509_V_ERR_IP_ADDRESS_MISMATCH);
    }
    SUBCASE("unless tls_server_name names what the certificate says")
    {
        auto options = plain(tls_port, "127.0.0.1");
        options.tls = tls_context(certs);
        options.tls_server_name = "wrong.example";
        client c(io, options);
        c.start_mqtt("sngw-override");
        REQUIRE(run_until(io, [&] { return !c.ev->packets.empty() || c.ev->closed; }));
        REQUIRE_MESSAGE(c.ev->closed == 0, describe(*c.ev));
        CHECK(is_connack_success(c.ev->packets.at(0)));
        c.connection->abort();
    }
}

TEST_CASE("TLS: a broker certificate from an unknown CA is refused as a verification failure")
{
    SNGW_REQUIRE_MOSQUITTO();
    SNGW_SKIP_UNLESS(tls_test_certs::available(), tls_test_certs::skip_reason());
    const auto& certs = shared_certs();
    const auto& other = shared_certs(1); // a CA the client trusts, which did not sign the broker's cert
    mosquitto_config config;
    const auto tls_port = config.add_tls_listener(certs.ca_cert(), certs.server_cert(), certs.server_key());
    mosquitto_process broker(config);
    asio::io_context io;
    auto options = plain(tls_port, "localhost");
    options.tls = tls_context(other);
    client c(io, options);
    c.start();
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    CHECK(c.ev->reason == close_reason::tls_verify_failed);
    CHECK(c.ev->ec.category() == sngw::mqtt_bridge::tls_verify_category());
    CHECK(c.ev->ec.value() != X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_CASE("TLS: a broker that requires a client certificate accepts ours and refuses its absence")
{
    SNGW_REQUIRE_MOSQUITTO();
    SNGW_SKIP_UNLESS(tls_test_certs::available(), tls_test_certs::skip_reason());
    const auto& certs = shared_certs();
    mosquitto_config config;
    const auto tls_port = config.add_tls_listener(certs.ca_cert(), certs.server_cert(), certs.server_key(),
                                                  /*require_certificate=*/true);
    mosquitto_process broker(config);
    asio::io_context io;

    SUBCASE("with a client certificate")
    {
        auto options = plain(tls_port, "localhost");
        options.tls = tls_context(certs, /*with_client_cert=*/true);
        client c(io, options);
        c.start_mqtt("sngw-client-cert");
        REQUIRE(run_until(io, [&] { return !c.ev->packets.empty() || c.ev->closed; }));
        REQUIRE_MESSAGE(c.ev->closed == 0, describe(*c.ev));
        CHECK(is_connack_success(c.ev->packets.at(0)));
        c.connection->abort();
    }
    SUBCASE("without")
    {
        auto options = plain(tls_port, "localhost");
        options.tls = tls_context(certs);
        client c(io, options);
        c.start_mqtt("sngw-no-client-cert");
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        CHECK(c.ev->packets.empty());
        // TLS 1.3: the client's handshake completes before the server checks the client's
        // certificate, so the refusal arrives as an alert on the first read, or as a reset on the
        // CONNECT's write when the broker has already hung up.
        const auto r = c.ev->reason;
        CHECK_MESSAGE((r == close_reason::tls_handshake_failed || r == close_reason::read_failed ||
                       r == close_reason::closed_by_peer || r == close_reason::write_failed),
                      describe(*c.ev));
    }
}

TEST_CASE("make_tls_context reports an unreadable CA file as an error, without throwing")
{
    sngw::mqtt_bridge::tls_options t;
    t.ca_file = "/nonexistent/ca.crt";
    auto ctx = sngw::mqtt_bridge::make_tls_context(t);
    REQUIRE_FALSE(ctx.has_value());
    CHECK(ctx.error());
}

// --- the test support itself ---------------------------------------------------------------------

TEST_CASE("mosquitto_process restarts on the same port, and clients see the restart as closed by peer")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    const auto port = broker.port();
    asio::io_context io;
    client before(io, plain(port));
    before.start_mqtt("sngw-before");
    REQUIRE(run_until(io, [&] { return !before.ev->packets.empty() || before.ev->closed; }));
    broker.restart();
    CHECK(broker.port() == port);
    REQUIRE(run_until(io, [&] { return before.ev->closed > 0; }));
    CHECK(before.ev->reason == close_reason::closed_by_peer);

    client after(io, plain(port));
    after.start_mqtt("sngw-after");
    REQUIRE(run_until(io, [&] { return !after.ev->packets.empty() || after.ev->closed; }));
    CHECK(is_connack_success(after.ev->packets.at(0)));
    after.connection->abort();
}

TEST_CASE("mosquitto_process with a password file refuses anonymous clients and accepts the user")
{
    SNGW_REQUIRE_MOSQUITTO();
    sngw::test::temp_dir dir;
    mosquitto_process::write_password_file(dir / "passwd", "sensor", "secret");
    mosquitto_config config;
    config.allow_anonymous = false;
    config.extra_lines.push_back("password_file " + (dir / "passwd").string());
    mosquitto_process broker(config);
    asio::io_context io;

    client anonymous(io, plain(broker.port()));
    anonymous.start_mqtt("sngw-anonymous");
    REQUIRE(run_until(io, [&] { return !anonymous.ev->packets.empty() || anonymous.ev->closed; }));
    REQUIRE_FALSE(anonymous.ev->packets.empty());
    CHECK_FALSE(is_connack_success(anonymous.ev->packets[0]));

    client user(io, plain(broker.port()));
    user.start([](broker_connection& c) {
        c.send(encoded(mqtt5::connect_packet{.clean_start = true,
                                             .client_id = "sngw-user",
                                             .username = "sensor",
                                             .password = bytes("secret")}));
    });
    REQUIRE(run_until(io, [&] { return !user.ev->packets.empty() || user.ev->closed; }));
    CHECK(is_connack_success(user.ev->packets.at(0)));
    user.connection->abort();
}

TEST_CASE("mosquitto_process with the dynamic-security plugin accepts its admin")
{
    SNGW_REQUIRE_MOSQUITTO();
    const auto plugin = mosquitto_process::dynamic_security_plugin();
    SNGW_SKIP_UNLESS(plugin.has_value(), "the mosquitto dynamic-security plugin is not installed");
    sngw::test::temp_dir dir;
    mosquitto_config config;
    mosquitto_process::enable_dynamic_security(config, *plugin, dir / "dynsec.json", "admin", "admin-secret");
    mosquitto_process broker(config);
    asio::io_context io;
    client admin(io, plain(broker.port()));
    admin.start([](broker_connection& c) {
        c.send(encoded(mqtt5::connect_packet{.clean_start = true,
                                             .client_id = "sngw-admin",
                                             .username = "admin",
                                             .password = bytes("admin-secret")}));
    });
    REQUIRE(run_until(io, [&] { return !admin.ev->packets.empty() || admin.ev->closed; }));
    CHECK(is_connack_success(admin.ev->packets.at(0)));
    admin.connection->abort();
}
