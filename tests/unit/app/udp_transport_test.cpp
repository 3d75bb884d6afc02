// SPDX-License-Identifier: MIT
// udp_transport on real loopback sockets: a real io_context, every wait bounded (house-style §5).
#include <sngw/transport/udp_transport.hpp>

#include "support/free_port.hpp"
#include "support/hex.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/udp.hpp>

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace asio = boost::asio;
using udp = asio::ip::udp;
using sngw::test::bytes;
using sngw::test::hex;
using namespace sngw::transport;
using namespace std::chrono_literals;

namespace {

struct received {
    peer_id from;
    std::vector<std::byte> data;
};

/// Runs the io_context until `done` or 3 s; returns `done()`.
bool run_until(asio::io_context& io, const std::function<bool()>& done)
{
    const auto limit = std::chrono::steady_clock::now() + 3s;
    while (!done() && std::chrono::steady_clock::now() < limit) {
        io.restart();
        io.run_for(5ms);
    }
    return done();
}

/// Lets whatever is ready run for a short while (to see that nothing more arrives).
void settle(asio::io_context& io)
{
    io.restart();
    io.run_for(50ms);
}

/// A transport on `listen` and everything it received.
struct fixture {
    asio::io_context io;
    std::unique_ptr<udp_transport> link;
    std::vector<received> in;

    explicit fixture(udp::endpoint listen, udp_options o = {})
    {
        o.listen = listen;
        auto r = udp_transport::open(io.get_executor(), o);
        REQUIRE(r.has_value());
        link = std::move(*r);
        link->start([this](peer_id from, std::span<const std::byte> d) {
            in.push_back({from, std::vector<std::byte>(d.begin(), d.end())});
        });
    }

    udp::endpoint at() const { return link->local_endpoint(); }

    bool wait_for(std::size_t n)
    {
        return run_until(io, [&] { return in.size() >= n; });
    }
};

/// A plain sensor-side socket with blocking-free receive through the same io_context.
struct sensor {
    udp::socket socket;
    explicit sensor(asio::io_context& io, udp::endpoint bind_to) : socket(io, bind_to) {}

    void send(const std::vector<std::byte>& d, udp::endpoint to) { socket.send_to(asio::buffer(d), to); }

    std::optional<std::vector<std::byte>> receive(asio::io_context& io)
    {
        std::vector<std::byte> buf(65'536);
        std::optional<std::size_t> got;
        udp::endpoint from;
        socket.async_receive_from(asio::buffer(buf), from, [&](boost::system::error_code ec, std::size_t n) {
            if (!ec) got = n;
        });
        run_until(io, [&] { return got.has_value(); });
        if (!got) {
            socket.cancel();
            settle(io);
            return std::nullopt;
        }
        buf.resize(*got);
        return buf;
    }

    udp::endpoint at() const { return socket.local_endpoint(); }
};

const udp::endpoint loopback4{asio::ip::make_address("127.0.0.1"), 0};
const udp::endpoint loopback6{asio::ip::make_address("::1"), 0};

bool has_ipv6()
{
    return sngw::test::has_ipv6_loopback();
}

/// Both directions, stable ids, for one address family.
void check_round_trip(const udp::endpoint& where)
{
    fixture f(where);
    sensor a(f.io, where);
    sensor b(f.io, where);

    const auto connect = hex("08 04 04 01 00 0a 63 31"); // CONNECT clean, Duration 10, "c1"
    a.send(connect, f.at());
    REQUIRE(f.wait_for(1));
    CHECK(f.in[0].data == connect);
    CHECK(f.in[0].from.link == 1);
    CHECK(f.in[0].from.address == 1);
    CHECK(f.link->describe(f.in[0].from) == to_string(a.at()));

    a.send(hex("02 16"), f.at()); // PINGREQ
    b.send(hex("02 16"), f.at());
    REQUIRE(f.wait_for(3));
    CHECK(f.in[1].from == f.in[0].from); // same endpoint, same id
    CHECK(f.in[2].from != f.in[0].from);
    CHECK(f.in[2].from.address == 2);
    CHECK(f.link->peer_count() == 2);

    const auto connack = hex("03 05 00");
    f.link->send(f.in[0].from, connack);
    CHECK(a.receive(f.io) == connack);
    // The largest datagram IPv4 and IPv6 both carry, byte-exact.
    const auto big = sngw::test::counting(65'507);
    f.link->send(f.in[2].from, big);
    CHECK(b.receive(f.io) == big);
    CHECK(f.link->counters().datagrams_in == 3);
    CHECK(f.link->counters().datagrams_out == 2);
    CHECK(f.link->counters().bytes_out == 3 + 65'507);
    CHECK(f.link->counters().bytes_in == connect.size() + 4);
}

} // namespace

TEST_CASE("UDP over IPv4: peer ids are stable per endpoint and datagrams arrive byte-exact both ways")
{
    check_round_trip(loopback4);
}

TEST_CASE("UDP over IPv6: peer ids are stable per endpoint and datagrams arrive byte-exact both ways")
{
    if (!has_ipv6()) {
        MESSAGE("skipped: this machine has no IPv6 loopback (::1)");
        return;
    }
    check_round_trip(loopback6);
}

TEST_CASE("IPv6 peers are described in brackets")
{
    if (!has_ipv6()) {
        MESSAGE("skipped: this machine has no IPv6 loopback (::1)");
        return;
    }
    fixture f(loopback6);
    sensor a(f.io, loopback6);
    a.send(bytes("x"), f.at());
    REQUIRE(f.wait_for(1));
    CHECK(f.link->describe(f.in[0].from) == "[::1]:" + std::to_string(a.at().port()));
    CHECK(f.link->name() == "udp [::1]:" + std::to_string(f.at().port()));
}

TEST_CASE("a forgotten peer gets a new id on its next datagram and its old id is never reused")
{
    fixture f(loopback4);
    sensor a(f.io, loopback4);
    a.send(bytes("1"), f.at());
    REQUIRE(f.wait_for(1));
    const auto first = f.in[0].from;

    f.link->forget(first);
    CHECK(f.link->peer_count() == 0);
    CHECK(f.link->describe(first).empty());
    f.link->send(first, bytes("lost")); // an id the link no longer knows: counted, not sent
    CHECK(f.link->counters().send_errors == 1);
    f.link->forget(first);         // twice: nothing happens
    f.link->forget(peer_id{7, 1}); // another link's peer: not ours

    a.send(bytes("2"), f.at());
    REQUIRE(f.wait_for(2));
    CHECK(f.in[1].from != first);
    CHECK(f.in[1].from.address == 2);

    sensor b(f.io, loopback4);
    f.link->forget(f.in[1].from);
    b.send(bytes("3"), f.at());
    a.send(bytes("4"), f.at());
    REQUIRE(f.wait_for(4));
    CHECK(f.in[2].from.address == 3);
    CHECK(f.in[3].from.address == 4);
}

TEST_CASE("a receive error such as ICMP port unreachable is counted and receiving goes on")
{
    fixture f(loopback4);
    // Linux reports ICMP errors on an unconnected UDP socket only with IP_RECVERR (udp(7)); other
    // systems (and Windows' WSAECONNRESET) report them unasked. Ask, so the error path runs.
    const int on = 1;
    REQUIRE(::setsockopt(f.link->native_handle(), IPPROTO_IP, IP_RECVERR, &on, sizeof on) == 0);
    std::optional<sensor> gone(std::in_place, f.io, loopback4);
    gone->send(bytes("hello"), f.at());
    REQUIRE(f.wait_for(1));
    gone.reset(); // its port is closed now: the next send to it draws ICMP port unreachable

    f.link->send(f.in[0].from, bytes("anyone?"));
    CHECK(run_until(f.io, [&] { return f.link->counters().receive_errors >= 1; }));

    sensor alive(f.io, loopback4);
    alive.send(bytes("still here"), f.at());
    REQUIRE(f.wait_for(2));
    CHECK(f.in[1].data == bytes("still here"));
}

TEST_CASE("the receive buffer asked for is set as far as the system allows")
{
    asio::io_context io;
    udp_options o;
    o.listen = udp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    auto plain = udp_transport::open(io.get_executor(), o);
    REQUIRE(plain);
    const auto system_default = (*plain)->receive_buffer_size();
    CHECK(system_default > 0);
    CHECK((*plain)->queued_bytes() == 0);

    o.receive_buffer = std::size_t{8} << 20;
    auto big = udp_transport::open(io.get_executor(), o);
    REQUIRE(big);
    // Without CAP_NET_ADMIN capped at net.core.rmem_max, which is at least the default.
    CHECK((*big)->receive_buffer_size() >= system_default);
    CHECK((*big)->receive_buffer_size() <= o.receive_buffer);
    (*plain)->stop();
    (*big)->stop();
}

TEST_CASE("stop is idempotent and no datagram is handed over after it")
{
    fixture f(loopback4);
    sensor a(f.io, loopback4);
    const auto at = f.at();
    f.link->stop();
    f.link->stop();
    a.send(bytes("late"), at);
    settle(f.io);
    CHECK(f.in.empty());
    CHECK(f.io.stopped()); // the aborted receive was the last work: nothing keeps the loop alive
    f.link->send(peer_id{1, 1}, bytes("x")); // after stop: refused, counted, nothing crashes
    f.link->broadcast(bytes("x"));
}

TEST_CASE("the receive handler may stop the link: nothing more is received")
{
    asio::io_context io;
    auto opened = udp_transport::open(io.get_executor(), udp_options{.listen = loopback4});
    REQUIRE(opened.has_value());
    auto link = std::move(*opened);
    int calls = 0;
    link->start([&](peer_id, std::span<const std::byte>) {
        ++calls;
        link->stop();
    });
    sensor a(io, loopback4);
    a.send(bytes("1"), link->local_endpoint());
    a.send(bytes("2"), link->local_endpoint());
    run_until(io, [&] { return calls > 0; });
    settle(io);
    CHECK(calls == 1);
}

TEST_CASE("past max_peers a datagram from a new address is dropped and counted")
{
    fixture f(loopback4, udp_options{.max_peers = 1});
    sensor a(f.io, loopback4);
    sensor b(f.io, loopback4);
    a.send(bytes("a"), f.at());
    REQUIRE(f.wait_for(1));
    b.send(bytes("b"), f.at());
    CHECK(run_until(f.io, [&] { return f.link->counters().drops == 1; }));
    CHECK(f.in.size() == 1);

    f.link->forget(f.in[0].from); // room again
    b.send(bytes("b"), f.at());
    REQUIRE(f.wait_for(2));
    CHECK(f.in[1].data == bytes("b"));
}

TEST_CASE("sends past max_queued_bytes are refused and counted")
{
    fixture f(loopback4, udp_options{.max_queued_bytes = 100});
    sensor a(f.io, loopback4);
    a.send(bytes("hi"), f.at());
    REQUIRE(f.wait_for(1));
    const auto sixty = sngw::test::counting(60);
    // Nothing runs between the calls, so all three are queued at once.
    f.link->send(f.in[0].from, sixty);
    f.link->send(f.in[0].from, sixty);
    f.link->send(f.in[0].from, sngw::test::counting(40));
    CHECK(f.link->counters().send_errors == 1);
    CHECK(a.receive(f.io) == sixty);
    CHECK(a.receive(f.io) == sngw::test::counting(40));
    // Completed sends free the room again.
    f.link->send(f.in[0].from, sixty);
    CHECK(a.receive(f.io) == sixty);
}

TEST_CASE("a second listener on an address in use fails to open with address_in_use")
{
    asio::io_context io;
    auto first = udp_transport::open(io.get_executor(), udp_options{.listen = loopback4});
    REQUIRE(first.has_value());
    auto second = udp_transport::open(io.get_executor(), udp_options{.listen = (*first)->local_endpoint()});
    REQUIRE(second.has_error());
    CHECK(second.error() == asio::error::address_in_use);
}

TEST_CASE("the IPv4 and IPv6 wildcard addresses can both be bound on one port")
{
    if (!has_ipv6()) {
        MESSAGE("skipped: this machine has no IPv6 loopback (::1)");
        return;
    }
    asio::io_context io;
    auto v6 = udp_transport::open(io.get_executor(),
                                  udp_options{.listen = udp::endpoint(asio::ip::address_v6::any(), 0)});
    REQUIRE(v6.has_value());
    const auto port = (*v6)->local_endpoint().port();
    auto v4 = udp_transport::open(io.get_executor(),
                                  udp_options{.listen = udp::endpoint(asio::ip::address_v4::any(), port)});
    CHECK(v4.has_value());
}

TEST_CASE("a multicast group of the other address family is refused")
{
    asio::io_context io;
    const udp::endpoint group6(asio::ip::make_address("ff02::1"), 47'000);
    auto r = udp_transport::open(io.get_executor(), udp_options{.listen = loopback4, .multicast = group6});
    CHECK(r.has_error());
}

TEST_CASE("with a multicast group, SEARCHGW to the group arrives and broadcast reaches the group")
{
    const auto group_port = sngw::test::free_udp_port();
    const udp::endpoint group(asio::ip::make_address("239.255.77.41"), group_port);
    fixture f(loopback4, udp_options{.multicast = group});
    CHECK(f.link->name() == "udp 127.0.0.1:" + std::to_string(f.at().port()) +
                                " multicast 239.255.77.41:" + std::to_string(group_port));

    // A sensor that listens to the group on the loopback interface.
    asio::io_context& io = f.io;
    udp::socket member(io);
    member.open(udp::v4());
    member.set_option(asio::socket_base::reuse_address(true));
    member.bind(group);
    member.set_option(
        asio::ip::multicast::join_group(group.address().to_v4(), asio::ip::make_address_v4("127.0.0.1")));
    member.set_option(asio::ip::multicast::outbound_interface(asio::ip::make_address_v4("127.0.0.1")));

    const auto searchgw = hex("03 01 01"); // SEARCHGW Radius 1
    member.send_to(asio::buffer(searchgw), group);
    REQUIRE(f.wait_for(1));
    CHECK(f.in[0].data == searchgw);

    const auto advertise = hex("05 00 01 03 84"); // ADVERTISE GwId 1, Duration 900
    f.link->broadcast(advertise);
    // The member hears its own SEARCHGW looped back too; skip anything that is not the ADVERTISE.
    std::vector<std::byte> buf(64);
    bool heard = false;
    const auto limit = std::chrono::steady_clock::now() + 3s;
    while (!heard && std::chrono::steady_clock::now() < limit) {
        std::optional<std::size_t> got;
        udp::endpoint from;
        member.async_receive_from(asio::buffer(buf), from, [&](boost::system::error_code ec, std::size_t n) {
            if (!ec) got = n;
        });
        run_until(io, [&] { return got.has_value(); });
        if (!got) break;
        heard =
            std::vector<std::byte>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*got)) == advertise;
        if (heard) CHECK(from == f.at()); // sent from the listener, so sensors answer to it
    }
    CHECK(heard);
}
