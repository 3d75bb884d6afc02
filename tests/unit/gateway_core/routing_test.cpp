// SPDX-License-Identifier: MIT
// Routing by peer and by client id (design §2): every datagram reaches the record bound to its
// sender's address; CONNECT and the wake-up PINGREQ find the record by client id and move it.
#include "core_harness.hpp"

#include <sngw/core/errc.hpp>

using sngw::test::core_harness;
using sngw::test::quiet;
namespace core = sngw::core;

namespace {

} // namespace

TEST_CASE("two sensors on two peers stay apart")
{
    core_harness h(quiet());
    h.auto_broker(true);
    const auto a = core_harness::peer(1);
    const auto b = core_harness::peer(2);
    auto& up_a = h.connect_sensor(a, "alpha");
    auto& up_b = h.connect_sensor(b, "beta");
    CHECK(up_a.id() != up_b.id());
    CHECK(up_a.client_id() == "alpha");
    CHECK(up_b.client_id() == "beta");

    h.send(a, "02 16");                                       // PINGREQ (§5.4.19), no ClientId
    CHECK(h.sent_to(a) == std::vector<std::string>{"02 17"}); // PINGRESP
    CHECK(h.sent_to(b).empty());

    h.send(b, "02 16");
    CHECK(h.sent_to(b) == std::vector<std::string>{"02 17"});
    CHECK(h.sent_to(a).empty());

    CHECK(h.state_of(a) == core::client_state::active);
    CHECK(h.state_of(b) == core::client_state::active);
    REQUIRE(h.client("alpha"));
    CHECK(h.client("alpha")->peer == a);
    CHECK(h.client("beta")->peer == b);
    CHECK(h.client("alpha")->session == up_a.id());
    CHECK(h.gw().clients().size() == 2);
    CHECK(h.forgotten().empty());
}

TEST_CASE("a known client id connecting from a new peer moves there and the old peer is forgotten")
{
    core_harness h(quiet());
    h.auto_broker(true);
    const auto old_peer = core_harness::peer(1);
    const auto new_peer = core_harness::peer(3);
    auto& up = h.connect_sensor(old_peer, "alpha", 60, false);
    h.events();

    // CONNECT: Length 0x0b, MsgType 0x04, Flags 0x00 (clean 0), ProtocolId 0x01, Duration 60, "alpha"
    h.send(new_peer, "0b 04 00 01 00 3c 61 6c 70 68 61");
    CHECK(h.sent_to(new_peer) == std::vector<std::string>{"03 05 00"});
    CHECK(h.sent_to(old_peer).empty());
    CHECK(h.forgotten() == std::vector<core::peer_id>{old_peer});
    CHECK_FALSE(h.state_of(old_peer));
    CHECK(h.state_of(new_peer) == core::client_state::active);
    REQUIRE(h.client("alpha"));
    CHECK(h.client("alpha")->peer == new_peer);
    CHECK(h.client("alpha")->session == up.id()); // the same record and upstream session
    CHECK(h.gw().clients().size() == 1);

    bool moved = false;
    for (const auto& e : h.events())
        if (e.kind == core::client_event_kind::moved) {
            moved = true;
            CHECK(e.peer == new_peer);
            CHECK(e.client_id == "alpha");
            CHECK(e.detail == "from 1:1");
        }
    CHECK(moved);

    // The old address is a stranger now: a PINGREQ from it needs a session it does not have.
    h.send(old_peer, "02 16");
    CHECK(h.sent_to(old_peer) == std::vector<std::string>{"02 18"});
    CHECK(h.sent_to(new_peer).empty());
}

TEST_CASE("a new client id from an address another client holds takes the address over")
{
    core_harness h(quiet());
    h.auto_broker(true);
    const auto p = core_harness::peer(1);
    h.connect_sensor(p, "alpha");
    h.connect_sensor(p, "beta");
    REQUIRE(h.client("beta"));
    CHECK(h.client("beta")->peer == p);
    REQUIRE(h.client("alpha"));
    CHECK_FALSE(h.client("alpha")->peer); // detached: nothing it sends can reach beta
    CHECK(h.forgotten().empty());         // the address is still in use

    h.send(p, "02 16");
    CHECK(h.sent_to(p) == std::vector<std::string>{"02 17"});
}

TEST_CASE("a wake-up PINGREQ for a client id the gateway does not hold gets DISCONNECT")
{
    core_harness h(quiet());
    const auto p = core_harness::peer(9);
    // PINGREQ (§5.4.19) with ClientId "zz"
    h.send(p, "04 16 7a 7a");
    CHECK(h.sent_to(p) == std::vector<std::string>{"02 18"});
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unknown_client));
    CHECK(d[0].client_id == "zz");
    CHECK(h.forgotten() == std::vector<core::peer_id>{p});
}

TEST_CASE("a sleeping client waking up from a new address is rebound before its PINGREQ is handled")
{
    core_harness h(quiet());
    h.auto_broker(true);
    const auto old_peer = core_harness::peer(1);
    const auto new_peer = core_harness::peer(2);
    h.connect_sensor(old_peer, "alpha");
    h.send(old_peer, "04 18 00 3c"); // DISCONNECT with Duration 60: sleep (§6.14)
    CHECK(h.sent_to(old_peer) == std::vector<std::string>{"02 18"});
    REQUIRE(h.state_of(old_peer) == core::client_state::asleep);

    h.advance(std::chrono::seconds(30));
    h.send(new_peer, "07 16 61 6c 70 68 61");                        // PINGREQ with ClientId "alpha"
    CHECK(h.sent_to(new_peer) == std::vector<std::string>{"02 17"}); // nothing buffered: PINGRESP at once
    CHECK(h.forgotten() == std::vector<core::peer_id>{old_peer});
    CHECK_FALSE(h.state_of(old_peer));
    CHECK(h.state_of(new_peer) == core::client_state::asleep);
    CHECK(h.client("alpha")->peer == new_peer);
}

TEST_CASE("the deadline table follows each client: the earliest client timer is next_deadline")
{
    core::config c = quiet();
    c.broker_keep_alive = 0; // no upstream PINGREQ timers: only the sensors' keep-alive
    core_harness h(c);
    h.auto_broker(true);
    h.connect_sensor(core_harness::peer(1), "a", 100);
    h.connect_sensor(core_harness::peer(2), "b", 20);
    REQUIRE(h.gw().next_deadline());
    // b: 20 s x 150 %
    CHECK(*h.gw().next_deadline() == h.now() + std::chrono::seconds(30));
    h.advance(std::chrono::seconds(31));
    CHECK(h.state_of(core_harness::peer(2)) != core::client_state::active);
    CHECK(h.state_of(core_harness::peer(1)) == core::client_state::active);
    REQUIRE(h.gw().next_deadline());
    CHECK(*h.gw().next_deadline() > h.now());
}

TEST_CASE("a sensor reconnecting from the same address keeps its record and upstream session")
{
    core_harness h(quiet());
    const auto p = core_harness::peer(1);
    auto& first = h.connect_sensor(p, "alpha", 60, false);
    auto& again = h.connect_sensor(p, "alpha", 60, false);
    CHECK(&first == &again);
    auto& clean = h.connect_sensor(p, "alpha", 60, true);
    CHECK(&first == &clean);
    CHECK(h.gw().clients().size() == 1);
    CHECK(h.forgotten().empty());
    CHECK(h.state_of(p) == core::client_state::active);
}

TEST_CASE("a keep-alive 0 client whose address another client id takes is lost at once and its will fires")
{
    core_harness h(quiet());
    h.auto_broker(true);
    const auto p = core_harness::peer(1);
    auto& a = h.connect_sensor(p, "ka0", 0, true); // Duration 0: no keep-alive supervision
    h.events();
    auto& other = h.connect_sensor(p, "other", 60, true);
    REQUIRE(h.client("ka0"));
    CHECK(h.client("ka0")->state == core::client_state::lost);
    CHECK_FALSE(h.client("ka0")->peer);
    CHECK(a.close_mode() == sngw::mqtt5::close_mode::abrupt); // no DISCONNECT: the broker publishes the will
    CHECK(other.open());
    bool lost = false;
    for (const auto& e : h.events())
        if (e.kind == core::client_event_kind::lost && e.client_id == "ka0") {
            lost = true;
            CHECK(e.detail == "its address now belongs to client other");
        }
    CHECK(lost);
    CHECK(h.stats().clients_lost == 1);
    h.send(p, "02 16"); // "other" pings: answered for "other"
    CHECK(h.sent_to(p) == std::vector<std::string>{"02 17"});
    CHECK(h.state_of(p) == core::client_state::active);
}

TEST_CASE("a sleeping client whose address another client id takes keeps its record and wakes elsewhere")
{
    core_harness h(quiet());
    h.auto_broker(true);
    const auto p = core_harness::peer(1);
    auto& z = h.connect_sensor(p, "zz", 60, false);
    h.send(p, "04 18 00 64"); // DISCONNECT Duration 100 s
    REQUIRE(h.sent_to(p) == std::vector<std::string>{"02 18"});
    h.connect_sensor(p, "other");
    REQUIRE(h.client("zz"));
    CHECK(h.client("zz")->state == core::client_state::asleep);
    CHECK_FALSE(h.client("zz")->peer);
    CHECK(z.open()); // its upstream session stays
    const auto q = core_harness::peer(2);
    h.send(q, "04"      // Length
              "16"      // PINGREQ
              "7a 7a"); // ClientId "zz"
    CHECK(h.sent_to(q) == std::vector<std::string>{"02 17"});
    CHECK(h.client("zz")->peer == q);
    CHECK(h.state_of(p) == core::client_state::active); // "other" keeps the first address
}
