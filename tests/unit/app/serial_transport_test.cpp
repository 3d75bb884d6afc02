// SPDX-License-Identifier: MIT
// serial_transport over a pseudo-terminal the test opens itself: raw mode, each framing both ways,
// peers (single, xbee, forwarder), hang-up and reopen with back-off, the raw idle reset, limits.
// A real io_context with millisecond limits; every wait is bounded.
#include <sngw/transport/serial_transport.hpp>

#include <sngw/framing/cobs.hpp>
#include <sngw/framing/forwarder.hpp>
#include <sngw/framing/slip.hpp>
#include <sngw/framing/xbee.hpp>

#include "support/hex.hpp"
#include "support/pty_pair.hpp"
#include "support/temp_dir.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace sngw::transport;
using sngw::test::hex;
using sngw::test::pty_pair;

namespace {

using bytes = std::vector<std::byte>;
using clock_type = std::chrono::steady_clock;

std::vector<std::byte> cat(bytes a, const bytes& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

/// One serial_transport on a pty behind a symlink (so the pty can be replaced under the same path).
struct serial_fixture {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    sngw::test::temp_dir dir{"sngw-serial-test"};
    std::unique_ptr<pty_pair> pty = std::make_unique<pty_pair>();
    std::filesystem::path link = dir / "tty";
    std::vector<std::pair<peer_id, bytes>> received;
    std::vector<serial_event> events;
    std::unique_ptr<serial_transport> t;

    serial_fixture() { sngw::test::point_symlink(link, pty->slave_path()); }

    serial_options options(serial_settings s)
    {
        serial_options o;
        o.link = 3;
        s.device = link.string();
        o.settings = std::move(s);
        o.reopen_initial = 20ms;
        o.reopen_max = 80ms;
        o.on_event = [this](const serial_event& e) { events.push_back(e); };
        return o;
    }

    void start(serial_options o)
    {
        t = std::make_unique<serial_transport>(io.get_executor(), std::move(o));
        t->start([this](peer_id from, std::span<const std::byte> d) {
            received.emplace_back(from, bytes(d.begin(), d.end()));
        });
    }

    void start(serial_settings s) { start(options(std::move(s))); }

    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 2s)
    {
        const auto deadline = clock_type::now() + limit;
        while (!done()) {
            if (clock_type::now() >= deadline) return false;
            io.run_for(5ms);
        }
        return true;
    }

    /// Writes to the device side and runs the transport until `n` datagrams arrived in all.
    bool feed(const bytes& b, std::size_t n)
    {
        REQUIRE(pty->write(b));
        return run_until([&] { return received.size() >= n; });
    }

    /// What the transport wrote to the device, once `done` holds for it (bounded).
    bytes device_reads(const std::function<bool(const bytes&)>& done, std::chrono::milliseconds limit = 2s)
    {
        bytes out;
        run_until(
            [&] {
                const auto more = pty->read(0ms, 0ms);
                out.insert(out.end(), more.begin(), more.end());
                return done(out);
            },
            limit);
        return out;
    }

    bytes device_reads(std::size_t n)
    {
        return device_reads([n](const bytes& b) { return b.size() >= n; });
    }

    /// Writes after a short run show whether anything else arrives.
    bytes device_quiet(std::chrono::milliseconds for_how_long = 50ms)
    {
        bytes out;
        const auto until = clock_type::now() + for_how_long;
        while (clock_type::now() < until) {
            io.run_for(5ms);
            const auto more = pty->read(0ms, 0ms);
            out.insert(out.end(), more.begin(), more.end());
        }
        return out;
    }

    std::size_t count(serial_event::kind k) const
    {
        std::size_t n = 0;
        for (const auto& e : events)
            n += e.what == k ? 1 : 0;
        return n;
    }
};

serial_settings settings(serial_framing f, serial_addressing a = serial_addressing::single, bool crc = true)
{
    serial_settings s;
    s.framing = f;
    s.addressing = a;
    s.crc = crc;
    return s;
}

/// The frame data of every XBee API frame in `wire` (escaped mode).
std::vector<bytes> xbee_frames(const bytes& wire)
{
    sngw::framing::xbee_deframer d;
    std::vector<bytes> out;
    std::span<const std::byte> in = wire;
    for (;;) {
        const auto r = d.put(in);
        in = in.subspan(r.consumed);
        if (r.status == sngw::framing::deframe_status::need_more) break;
        if (r.status != sngw::framing::deframe_status::corrupt)
            out.emplace_back(d.api_frame().begin(), d.api_frame().end());
    }
    return out;
}

bytes receive_packet(std::uint64_t source64, const bytes& data)
{
    sngw::framing::xbee_receive_packet rx;
    rx.source64 = source64;
    rx.source16 = 0x1234;
    rx.options = 0x01;
    rx.data = data;
    return sngw::framing::xbee_frame(sngw::framing::encode_xbee_frame(rx)).value();
}

} // namespace

TEST_CASE("a raw port puts the tty in raw mode and is one peer: packets in, packets out verbatim")
{
    serial_fixture f;
    CHECK_FALSE(f.pty->slave_is_raw()); // kernel defaults: canonical mode, echo, CR/LF translation
    f.start(settings(serial_framing::raw));
    REQUIRE(f.t->is_open());
    CHECK(f.pty->slave_is_raw());
    CHECK(f.t->name() == "serial " + f.link.string());
    REQUIRE(f.count(serial_event::kind::opened) == 1);

    REQUIRE(f.feed(cat(hex("02 16"), hex("08 04 04 01 00 0a 63 31")), 2)); // PINGREQ, CONNECT "c1"
    CHECK(f.received[0].second == hex("02 16"));
    CHECK(f.received[1].second == hex("08 04 04 01 00 0a 63 31"));
    const auto peer = f.received[0].first;
    CHECK(peer == peer_id{3, 1});
    CHECK(f.received[1].first == peer);
    CHECK(f.t->describe(peer) == f.link.string());
    CHECK(f.t->describe(peer_id{3, 2}).empty());
    CHECK(f.t->peer_count() == 0);

    f.t->send(peer, hex("03 05 00")); // CONNACK accepted
    CHECK(f.device_reads(3) == hex("03 05 00"));
    REQUIRE(f.run_until([&] { return f.t->counters().datagrams_out == 1; }));
    const auto& c = f.t->counters();
    CHECK(c.datagrams_in == 2);
    CHECK(c.bytes_in == 10);
    CHECK(c.datagrams_out == 1);
    CHECK(c.bytes_out == 3);
    CHECK(c.framing_errors == 0);

    // Forgetting the port's peer changes nothing: the port is the sensor.
    f.t->forget(peer);
    REQUIRE(f.feed(hex("02 16"), 3));
    CHECK(f.received[2].first == peer);
}

TEST_CASE("raw mode: CR, LF, XON, XOFF, ^C, ^D, DEL and 0xFF pass unchanged in both directions")
{
    serial_fixture f;
    f.start(settings(serial_framing::raw));
    const auto publish = hex("11"                      // Length 17
                             "0c 00 00 01 00 00"       // PUBLISH QoS 0, topic id 1, MsgId 0
                             "0d 0a 11 13 03 04 7f ff" // data: CR LF XON XOFF ^C ^D DEL 0xFF
                             "0d 0d");                 // CR CR
    REQUIRE(f.feed(publish, 1));
    CHECK(f.received[0].second == publish);
    f.t->send(f.received[0].first, publish);
    CHECK(f.device_reads(publish.size()) == publish);
    CHECK(f.device_quiet().empty()); // no echo, nothing added
}

TEST_CASE("slip and cobs ports: CRC-16 frames in and out, a bad CRC counted and skipped, crc=off too")
{
    for (const auto framing : {serial_framing::slip, serial_framing::cobs}) {
        for (const bool crc : {true, false}) {
            CAPTURE(to_string(framing));
            CAPTURE(crc);
            serial_fixture f;
            f.start(settings(framing, serial_addressing::single, crc));
            const auto frame = [&](const bytes& payload) {
                return framing == serial_framing::slip
                           ? sngw::framing::slip_frame(payload, {.crc = crc}).value()
                           : sngw::framing::cobs_frame(payload, {.crc = crc}).value();
            };
            auto corrupt = frame(hex("02 16"));
            corrupt[corrupt.size() - 2] ^= std::byte{0x01}; // a CRC (or payload) octet, not the delimiter
            REQUIRE(f.feed(cat(cat(frame(hex("02 16")), corrupt), frame(hex("03 0c 00"))), 2));
            CHECK(f.received[0].second == hex("02 16"));
            if (crc) {
                CHECK(f.received[1].second == hex("03 0c 00"));
                CHECK(f.t->counters().crc_errors == 1);
            }
            f.t->send(f.received[0].first, hex("03 05 00"));
            const auto expected = frame(hex("03 05 00"));
            CHECK(f.device_reads(expected.size()) == expected);
            CHECK(f.t->stats().deframer.frames == (crc ? 2u : 3u));
        }
    }
}

TEST_CASE("an xbee port: each 64-bit source address is a peer, replies are Transmit Requests to it")
{
    serial_fixture f;
    f.start(settings(serial_framing::xbee));
    const std::uint64_t a = 0x0013A20040522BAAULL;
    const std::uint64_t b = 0x0013A20040522BBBULL;
    REQUIRE(f.feed(cat(receive_packet(a, hex("02 16")), receive_packet(b, hex("02 16"))), 2));
    const auto pa = f.received[0].first;
    const auto pb = f.received[1].first;
    CHECK(pa != pb);
    CHECK(f.t->peer_count() == 2);
    CHECK(f.t->describe(pa) == f.link.string() + " xbee 0013a20040522baa");

    // A Transmit Status is counted, not delivered.
    const auto status = sngw::framing::xbee_frame(hex("8b 01 ff fe 00 00 00")).value();
    REQUIRE(f.pty->write(status));
    REQUIRE(f.run_until([&] { return f.t->stats().xbee.transmit_status_delivered == 1; }));
    CHECK(f.received.size() == 2);

    f.t->send(pb, hex("02 17")); // PINGRESP
    auto frames = xbee_frames(f.device_reads([](const bytes& w) { return xbee_frames(w).size() == 1; }));
    REQUIRE(frames.size() == 1);
    auto tx = sngw::framing::parse_xbee_frame(frames[0]);
    REQUIRE(tx.has_value());
    const auto* req = std::get_if<sngw::framing::xbee_transmit_request>(&*tx);
    REQUIRE(req != nullptr);
    CHECK(req->destination64 == b);
    CHECK(req->frame_id != 0); // so that a Transmit Status comes back and is counted
    CHECK(bytes(req->data.begin(), req->data.end()) == hex("02 17"));

    f.t->broadcast(hex("05 00 01 03 84")); // ADVERTISE
    frames = xbee_frames(f.device_reads([](const bytes& w) { return xbee_frames(w).size() == 1; }));
    REQUIRE(frames.size() == 1);
    tx = sngw::framing::parse_xbee_frame(frames[0]);
    REQUIRE(tx.has_value());
    CHECK(std::get<sngw::framing::xbee_transmit_request>(*tx).destination64 ==
          sngw::framing::xbee_broadcast_address);

    // forget(): the table entry goes; the same source later is a new peer.
    f.t->forget(pa);
    CHECK(f.t->peer_count() == 1);
    f.t->send(pa, hex("02 17"));
    CHECK(f.t->counters().send_errors == 1);
    REQUIRE(f.feed(receive_packet(a, hex("02 16")), 3));
    CHECK(f.received[2].first != pa);
}

TEST_CASE("a forwarder port: each node is a peer, replies and broadcasts are wrapped for the node")
{
    serial_fixture f;
    f.start(settings(serial_framing::slip, serial_addressing::forwarder));
    const auto slip = [](const bytes& p) { return sngw::framing::slip_frame(p).value(); };
    const auto node1 = hex("05 fe 01 00 01");          // v1.2, radius 1, node 00 01
    const auto node2 = hex("05 fe 02 00 02");          // v1.2, radius 2, node 00 02
    const auto node3 = hex("08 fc 01 33 04 0c 00 01"); // v2.0, Length 8, node 33, PINGREQ (v2.0)
    REQUIRE(f.feed(cat(cat(slip(cat(node1, hex("02 16"))), slip(cat(node2, hex("02 16")))), slip(node3)), 3));
    const auto p1 = f.received[0].first;
    const auto p2 = f.received[1].first;
    const auto p3 = f.received[2].first;
    CHECK(f.received[0].second == hex("02 16"));
    CHECK(f.received[2].second == hex("04 0c 00 01"));
    CHECK(p1 != p2);
    CHECK(p2 != p3);
    CHECK(f.t->peer_count() == 3);
    CHECK(f.t->describe(p1) == f.link.string() + " fwd1.2 node 0001");
    CHECK(f.t->describe(p3) == f.link.string() + " fwd2.0 node 33");

    f.t->send(p2, hex("02 17"));
    f.t->send(p3, hex("02 0d"));
    const auto expected = cat(slip(hex("05 fe 02 00 02 02 17")), slip(hex("06 fc 01 33 02 0d")));
    CHECK(f.device_reads(expected.size()) == expected);

    // Not an encapsulation: dropped and counted.
    REQUIRE(f.pty->write(slip(hex("02 16"))));
    REQUIRE(f.run_until([&] { return f.t->stats().forwarder_errors == 1; }));
    CHECK(f.t->counters().drops == 1);
    CHECK(f.received.size() == 3);

    // A broadcast reaches every node, wrapped for it.
    f.t->broadcast(hex("05 00 01 03 84"));
    const auto all =
        cat(cat(slip(hex("05 fe 01 00 01 05 00 01 03 84")), slip(hex("05 fe 02 00 02 05 00 01 03 84"))),
            slip(hex("09 fc 01 33 05 00 01 03 84")));
    CHECK(f.device_reads(all.size()) == all);

    f.t->forget(p1);
    CHECK(f.t->peer_count() == 2);
}

TEST_CASE("a raw forwarder port joins a v1.2 header and its message, which the Length fields split")
{
    serial_fixture f;
    f.start(settings(serial_framing::raw, serial_addressing::forwarder));
    REQUIRE(f.feed(hex("05 fe 00 0a 0b"          // v1.2 header, node 0a 0b
                       "08 04 04 01 00 0a 63 31" // CONNECT "c1"
                       "06 fc 01 0c 02 16"),     // v2.0, node 0c, PINGREQ
                   2));
    CHECK(f.received[0].second == hex("08 04 04 01 00 0a 63 31"));
    CHECK(f.received[1].second == hex("02 16"));
    f.t->send(f.received[0].first, hex("03 05 00"));
    CHECK(f.device_reads(8) == hex("05 fe 00 0a 0b 03 05 00"));
}

TEST_CASE("a hung-up port is reopened with back-off under the same path, and the sensor keeps its peer")
{
    serial_fixture f;
    f.start(settings(serial_framing::raw));
    REQUIRE(f.feed(hex("02 16"), 1));
    const auto peer = f.received[0].first;

    f.pty->close(); // the master goes: the slave reads EOF/EIO, /dev/pts/N disappears
    // The symlink must not keep naming /dev/pts/N: the kernel reuses the number for the next pty, which
    // may be another test's (ctest -j2), and the reopen would then take that test's device.
    sngw::test::point_symlink(f.link, f.dir / "unplugged");
    REQUIRE(f.run_until([&] { return f.count(serial_event::kind::lost) == 1; }));
    CHECK_FALSE(f.t->is_open());
    // The symlink dangles: opens fail, each retry later than the one before, up to reopen_max.
    REQUIRE(f.run_until([&] { return f.count(serial_event::kind::open_failed) >= 3; }));
    std::vector<long long> delays;
    for (const auto& e : f.events)
        if (e.what != serial_event::kind::opened) delays.push_back(e.retry_in.count());
    CHECK(delays[0] == 20);
    CHECK(delays[1] == 40);
    CHECK(delays[2] == 80);
    CHECK(delays[3] == 80);
    f.t->send(peer, hex("02 17"));
    CHECK(f.t->counters().send_errors == 1); // nowhere to write

    f.pty = std::make_unique<pty_pair>();
    sngw::test::point_symlink(f.link, f.pty->slave_path());
    REQUIRE(f.run_until([&] { return f.count(serial_event::kind::opened) == 2; }));
    CHECK(f.pty->slave_is_raw());
    REQUIRE(f.feed(hex("02 16"), 2));
    CHECK(f.received[1].first == peer);
    f.t->send(peer, hex("02 17"));
    CHECK(f.device_reads(2) == hex("02 17"));
    CHECK(f.t->stats().opens == 2);
    CHECK(f.t->stats().reopens == 1);
    CHECK(f.t->stats().losses == 1);
}

TEST_CASE("a device missing at start is retried with back-off, and opened once it appears")
{
    serial_fixture f;
    auto o = f.options(settings(serial_framing::slip));
    o.settings.device = (f.dir / "not-yet").string();
    f.start(std::move(o));
    CHECK_FALSE(f.t->is_open());
    REQUIRE(f.count(serial_event::kind::open_failed) == 1);
    CHECK(f.events[0].failures == 1);
    CHECK(f.events[0].error.value() == ENOENT);
    REQUIRE(f.run_until([&] { return f.count(serial_event::kind::open_failed) >= 2; }));
    CHECK(f.events[1].failures == 2);
    sngw::test::point_symlink(f.dir / "not-yet", f.pty->slave_path());
    REQUIRE(f.run_until([&] { return f.t->is_open(); }));
    CHECK(f.t->stats().reopens == 1);
    CHECK(f.t->stats().opens == 1);
}

TEST_CASE(
    "raw framing drops a partial packet once the line has been idle, so noise cannot swallow the next one")
{
    serial_fixture f;
    auto o = f.options(settings(serial_framing::raw));
    o.raw_idle_reset = 50ms;
    f.start(std::move(o));
    REQUIRE(f.pty->write(hex("05 0c 00"))); // a Length 5 packet of which 3 octets came (noise, or cut)
    REQUIRE(f.run_until([&] { return f.t->stats().idle_resets == 1; }));
    REQUIRE(f.feed(hex("02 16"), 1));
    CHECK(f.received[0].second == hex("02 16"));
    CHECK(f.t->counters().framing_errors == 1);
}

TEST_CASE("sends are bounded: a full queue, a datagram too large, a raw packet that lies about its Length")
{
    serial_fixture f;
    auto o = f.options(settings(serial_framing::raw));
    o.max_queued_bytes = 20;
    o.max_datagram_size = 64;
    f.start(std::move(o));
    const peer_id port{3, 1};
    const auto connect = hex("08 04 04 01 00 0a 63 31");
    f.t->send(port, connect);
    f.t->send(port, connect);
    f.t->send(port, connect); // 24 octets queued: refused
    CHECK(f.t->counters().send_errors == 1);
    std::vector<std::byte> big(65, std::byte{0});
    big[0] = std::byte{65};
    big[1] = std::byte{0x0c};
    f.t->send(port, big);
    f.t->send(port, hex("05 16")); // Length 5, 2 octets
    CHECK(f.t->counters().drops == 2);
    f.t->send(peer_id{4, 1}, hex("02 16")); // another link's peer
    f.t->send(peer_id{3, 9}, hex("02 16")); // not this port's
    CHECK(f.t->counters().send_errors == 3);
    CHECK(f.device_reads(16) == cat(connect, connect));
    CHECK(f.run_until([&] { return f.t->counters().datagrams_out == 2; }));
}

TEST_CASE("stop() closes the port, runs no handler after it and is idempotent")
{
    serial_fixture f;
    f.start(settings(serial_framing::raw));
    REQUIRE(f.feed(hex("02 16"), 1));
    f.t->stop();
    f.t->stop();
    CHECK_FALSE(f.t->is_open());
    const auto events = f.events.size();
    REQUIRE(f.pty->write(hex("02 16")));
    f.pty->close();
    f.io.run_for(100ms);
    CHECK(f.received.size() == 1);
    CHECK(f.events.size() == events);
    f.t->send(peer_id{3, 1}, hex("02 17"));
    CHECK(f.t->counters().send_errors == 1);
}
