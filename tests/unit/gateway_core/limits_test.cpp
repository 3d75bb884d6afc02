// SPDX-License-Identifier: MIT
// Gateway-wide limits: max_clients (CONNACK "rejected: congestion", MQTT-SN v1.2 §5.3.10) and
// max_datagram_size (dropped before decoding).
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/errc.hpp>

using sngw::test::core_harness;
namespace core = sngw::core;
using namespace std::chrono_literals;

namespace {

core::config limited(std::size_t max_clients)
{
    core::config c;
    c.advertise_interval = 0s;
    c.max_clients = max_clients;
    return c;
}

} // namespace

TEST_CASE(
    "a CONNECT for a new client id at max_clients gets CONNACK rejected congestion when no record can go")
{
    core_harness h(limited(2));
    h.auto_broker(true);
    h.connect_sensor(core_harness::peer(1), "s1");
    h.connect_sensor(core_harness::peer(2), "s2");
    const auto p = core_harness::peer(3);
    // CONNECT: Length 8, 0x04, Flags 0x04 (clean), ProtocolId 1, Duration 60, "s3"
    h.send(p, "08 04 04 01 00 3c 73 33");
    CHECK(h.sent_to(p) == std::vector<std::string>{"03 05 01"}); // CONNACK rejected: congestion
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::client_limit));
    CHECK(d[0].client_id == "s3");
    CHECK(h.forgotten() == std::vector<core::peer_id>{p});
    CHECK_FALSE(h.has_broker("s3"));
    CHECK_FALSE(h.client("s3"));
    CHECK(h.gw().clients().size() == 2);
}

TEST_CASE("a known client id reconnecting at max_clients is not refused")
{
    core_harness h(limited(1));
    h.auto_broker(true);
    h.connect_sensor(core_harness::peer(1), "s1", 60, false);
    h.connect_sensor(core_harness::peer(2), "s1", 60, false); // the same record, moved
    CHECK(h.gw().clients().size() == 1);
}

TEST_CASE("a CONNECT at max_clients evicts the oldest record that can be removed")
{
    auto c = limited(2);
    c.session_expiry = 10; // a disconnected clean-0 record is kept 10 s
    core_harness h(c);
    h.auto_broker(true);
    h.connect_sensor(core_harness::peer(1), "s1", 60, false);
    h.connect_sensor(core_harness::peer(2), "s2", 60, false);
    h.send(core_harness::peer(1), "02 18"); // DISCONNECT: s1 is kept for a later CONNECT
    CHECK(h.sent_to(core_harness::peer(1)) == std::vector<std::string>{"02 18"});
    REQUIRE(h.client("s1"));

    const auto p = core_harness::peer(3);
    h.send(p, "08 04 04 01 00 3c 73 33");
    CHECK(h.sent_to(p) == std::vector<std::string>{"03 05 01"}); // s1's session has not expired yet
    h.dropped();

    h.advance(11s);
    h.events();
    h.connect_sensor(p, "s3");
    CHECK_FALSE(h.client("s1"));
    REQUIRE(h.client("s2"));
    REQUIRE(h.client("s3"));
    CHECK(h.gw().clients().size() == 2);
    CHECK(h.stats().clients_evicted <= 1); // 0 when s1's own timer removed it first
}

TEST_CASE("a datagram over max_datagram_size from an unknown sender is dropped without decoding")
{
    auto c = limited(10);
    c.max_datagram_size = 16;
    core_harness h(c);
    const auto p = core_harness::peer(4);
    // A well-formed CONNECT of 17 octets (client id "abcdefghijk"): too large, never looked at.
    h.send(p, "11 04 04 01 00 3c 61 62 63 64 65 66 67 68 69 6a 6b");
    CHECK(h.sent_to(p).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::datagram_too_large));
    CHECK(d[0].detail == "datagram of 17 octets");
    CHECK(d[0].peer == p);
    CHECK(h.forgotten() == std::vector<core::peer_id>{p});
    CHECK(h.stats().datagrams_in == 1);
    CHECK(h.stats().datagrams_dropped == 1);
    CHECK_FALSE(h.client("abcdefghijk"));
}

TEST_CASE("a datagram of exactly max_datagram_size is accepted")
{
    auto c = limited(10);
    c.max_datagram_size = 16;
    core_harness h(c);
    h.auto_broker(true);
    h.connect_sensor(core_harness::peer(4), "abcdefghij"); // 6 + 10 = 16 octets
}

TEST_CASE("a datagram over max_datagram_size from a connected sensor is dropped and the sensor stays")
{
    auto c = limited(10);
    c.max_datagram_size = 16;
    core_harness h(c);
    h.auto_broker(true);
    const auto p = core_harness::peer(1);
    h.connect_sensor(p, "s1");
    auto big = sngw::test::hex("14 0c 00 00 01 00 00");
    big.resize(20, std::byte{0x41}); // a PUBLISH of 20 octets
    h.send(p, big);
    CHECK(h.sent_to(p).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::datagram_too_large));
    CHECK(d[0].client_id == "s1");
    CHECK(h.forgotten().empty());
    CHECK(h.state_of(p) == core::client_state::active);
}

TEST_CASE("CONNECT with a client id the broker cannot take gets CONNACK not supported and nothing upstream")
{
    auto c = limited(10);
    c.max_client_id_length = 4;
    core_harness h(c);
    h.auto_broker(true);
    const auto p = core_harness::peer(1);
    h.send(p, "0b 04 04 01 00 3c 61 62 63 64 65"); // "abcde": over the limit of 4
    CHECK(h.sent_to(p) == std::vector<std::string>{"03 05 03"});
    h.send(p, "09 04 04 01 00 3c 61 00 62"); // "a\0b": NUL
    CHECK(h.sent_to(p) == std::vector<std::string>{"03 05 03"});
    h.send(p, "08 04 04 01 00 3c c3 28"); // not UTF-8
    CHECK(h.sent_to(p) == std::vector<std::string>{"03 05 03"});
    const auto d = h.dropped();
    REQUIRE(d.size() == 3);
    for (const auto& x : d)
        CHECK(x.error == core::make_error_code(core::errc::invalid_client_id));
    CHECK(h.gw().clients().empty());
    CHECK(h.gateway_broker().id() == h.last_broker().id()); // only the gateway's own session was opened
    CHECK(h.forgotten().size() == 3);
}

TEST_CASE("ten thousand sensors fit the default limit and the next one is refused")
{
    core::config c; // max_clients 10,000 by default
    c.advertise_interval = 0s;
    core_harness h(c);
    h.auto_broker(true);
    REQUIRE(c.max_clients == 10'000);
    for (std::uint64_t n = 1; n <= c.max_clients; ++n) {
        const auto id = "s" + std::to_string(n);
        // CONNECT, CleanSession, Duration 60, ClientId id
        auto connect = sngw::test::hex("00 04 04 01 00 3c");
        connect[0] = static_cast<std::byte>(6 + id.size());
        const auto name = sngw::test::bytes(id);
        connect.insert(connect.end(), name.begin(), name.end());
        h.send(core_harness::peer(n), connect);
    }
    CHECK(h.gw().clients().size() == 10'000);
    CHECK(h.datagrams_pending() == 10'000); // one CONNACK each
    CHECK(h.sent_to(core_harness::peer(10'000)) == std::vector<std::string>{"03 05 00"});

    h.send(core_harness::peer(10'001), "0b 04 04 01 00 3c 6c 61 74 65 72"); // "later"
    CHECK(h.sent_to(core_harness::peer(10'001)) == std::vector<std::string>{"03 05 01"});

    // Every sensor pings within its keep-alive: nobody is lost over two minutes.
    for (int round = 0; round < 4; ++round) {
        h.advance(30s);
        for (std::uint64_t n = 1; n <= 10'000; n += 1)
            h.send(core_harness::peer(n), "02 16");
    }
    std::size_t active = 0;
    for (const auto& info : h.gw().clients())
        active += info.state == core::client_state::active ? 1 : 0;
    CHECK(active == 10'000);
}
