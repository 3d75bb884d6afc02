// SPDX-License-Identifier: MIT
// Senders without a session (design §2): a message that needs one gets a bare v1.2 DISCONNECT
// where it is recognisably v1.2; garbage is dropped; the core keeps nothing for any of them.
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/errc.hpp>
#include <sngw/sn/errc.hpp>

#include <cstdlib>
#include <random>

using sngw::test::core_harness;
using sngw::test::quiet;
namespace core = sngw::core;
namespace sn = sngw::sn;
using namespace std::chrono_literals;

namespace {

} // namespace

TEST_CASE("PUBLISH QoS 1 before CONNECT is answered with a bare DISCONNECT")
{
    core_harness h(quiet());
    const auto p = core_harness::peer(1);
    // PUBLISH: Length 9, 0x0c, Flags 0x20 (QoS 1), TopicId 1, MsgId 1, Data "hi"
    h.send(p, "09 0c 20 00 01 00 01 68 69");
    CHECK(h.sent_to(p) == std::vector<std::string>{"02 18"});
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::no_session));
    CHECK(d[0].detail == "PUBLISH");
    CHECK(d[0].client_id.empty());
    CHECK(h.forgotten() == std::vector<core::peer_id>{p});
    CHECK_FALSE(h.state_of(p));
    CHECK(h.gw().clients().empty());
}

TEST_CASE("every v1.2 message that needs a session gets a bare DISCONNECT from a stranger")
{
    core_harness h(quiet());
    const auto p = core_harness::peer(1);
    const char* const needs_session[] = {
        "02 16",                // PINGREQ
        "07 0b 00 01 00 01 00", // REGACK
        "07 0d 00 01 00 01 00", // PUBACK
        "04 0f 00 01",          // PUBREC
        "04 10 00 01",          // PUBREL
        "07 14 00 00 01 61 62", // UNSUBSCRIBE "ab"
        "05 1a 00 61 62",       // WILLTOPICUPD "ab"
    };
    for (const std::string m : needs_session) {
        CAPTURE(m);
        h.send(p, m);
        CHECK(h.sent_to(p) == std::vector<std::string>{"02 18"});
        const auto d = h.dropped();
        REQUIRE(d.size() == 1);
        CHECK(d[0].error == core::make_error_code(core::errc::no_session));
    }
    CHECK(h.forgotten().size() == std::size(needs_session));
    CHECK(h.gw().clients().empty());
}

TEST_CASE("a message that could be either version is dropped without an answer from a stranger")
{
    core_harness h(quiet());
    const auto p = core_harness::peer(1);
    const std::string ambiguous[] = {
        "04 0e 00 01",             // v1.2 PUBCOMP, or a v2.0 DISCONNECT of 4 octets
        "08 0a 00 00 00 01 61 62", // v1.2 REGISTER; 0x0a is a v2.0 type too
    };
    for (const auto& m : ambiguous) {
        CAPTURE(m);
        h.send(p, m);
        CHECK(h.sent_to(p).empty());
        const auto d = h.dropped();
        REQUIRE(d.size() == 1);
        CHECK(d[0].error == core::make_error_code(core::errc::no_session));
        CHECK(h.forgotten() == std::vector<core::peer_id>{p});
    }
}

TEST_CASE("a DISCONNECT from a stranger is dropped without an answer")
{
    core_harness h(quiet());
    const auto p = core_harness::peer(1);
    h.send(p, "02 18");
    CHECK(h.sent_to(p).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::no_session));
    CHECK(h.forgotten() == std::vector<core::peer_id>{p});
}

TEST_CASE("garbage from a stranger is dropped with its decode error and the stranger forgotten")
{
    core_harness h(quiet());
    const auto p = core_harness::peer(1);
    struct case_t {
        std::string bytes;
        sn::errc error;
    };
    const case_t cases[] = {
        {"05", sn::errc::truncated},                // Length only
        {"05 0c 62", sn::errc::truncated},          // a PUBLISH cut short
        {"02 19", sn::errc::reserved_msg_type},     // MsgType 0x19 is reserved
        {"01 00", sn::errc::truncated},             // 3-octet Length form, cut
        {"03 01 00 00", sn::errc::length_mismatch}, // one octet more than Length says
    };
    for (const auto& c : cases) {
        CAPTURE(c.bytes);
        h.send(p, c.bytes);
        CHECK(h.sent_to(p).empty());
        const auto d = h.dropped();
        REQUIRE(d.size() == 1);
        CHECK(d[0].error == sn::make_error_code(c.error));
        CHECK(h.forgotten() == std::vector<core::peer_id>{p});
    }
    h.send(p, std::vector<std::byte>{}); // an empty datagram
    CHECK(h.sent_to(p).empty());
    CHECK(h.dropped().size() == 1);
    CHECK(h.stats().datagrams_in == 6);
    CHECK(h.stats().datagrams_dropped == 6);
}

TEST_CASE("a v2.0 SEARCHGW is answered in v2.0, a v2.0 packet that needs a connection gets DISCONNECT 0xF4, a v1.2 forwarder encapsulation is dropped")
{
    core_harness h(quiet());
    const auto p = core_harness::peer(1);
    // v2.0 SEARCHGW (0x17, CSD01 §3.20.2) -> GWINFO (0x18) with the Gateway Id only (§3.20.3)
    h.send(p, "02 17");
    CHECK(h.sent_to(p) == std::vector<std::string>{"03 18 01"});
    // v2.0 PINGREQ (0x0C) with Packet Identifier 0x1234 from nobody: 0xF4 echoing the id (§3.13.3)
    h.send(p, "04 0c 12 34");
    CHECK(h.sent_to(p) == std::vector<std::string>{"06 0e 05 12 34 f4"});
    // v1.2 forwarder encapsulation (§5.5): the transport unwraps it; in the core it is dropped.
    h.send(p, "04 fe 00 01 02 16");
    CHECK(h.sent_to(p).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 2);
    CHECK(h.stats().datagrams_v2_0 == 2);
}

TEST_CASE("a thousand random and truncated datagrams from random peers leave a working gateway")
{
    // Seeded: the seed is printed; SNGW_SEED repeats a run.
    std::uint64_t seed = 0x5eed'c0de;
    if (const char* s = std::getenv("SNGW_SEED")) seed = std::strtoull(s, nullptr, 0);
    MESSAGE("seed " << seed);
    std::mt19937_64 rng(seed);

    core_harness h(quiet());
    h.auto_broker(true);
    const std::vector<std::vector<std::byte>> shapes = {
        sngw::test::hex("08 04 04 01 00 3c 73 31"),             // CONNECT "s1"
        sngw::test::hex("09 0c 62 61 62 00 00 68 69"),          // QoS -1 PUBLISH
        sngw::test::hex("09 0c 20 00 01 00 01 68 69"),          // PUBLISH QoS 1
        sngw::test::hex("03 01 00"),                            // SEARCHGW
        sngw::test::hex("04 16 7a 7a"),                         // PINGREQ "zz"
        sngw::test::hex("04 18 00 3c"),                         // DISCONNECT with Duration
        sngw::test::hex("08 0a 00 00 00 01 61 62"),             // REGISTER
        sngw::test::hex("07 12 00 00 01 61 62"),                // SUBSCRIBE
        sngw::test::hex("04 fe 00 01 02 16"),                   // encapsulation
        sngw::test::hex("0c 01 00 00 01 02 00 3c 00 00 61 62"), // v2.0 CONNECT
    };
    std::uniform_int_distribution<int> pick(0, 3);
    std::uniform_int_distribution<std::size_t> shape(0, shapes.size() - 1);
    std::uniform_int_distribution<std::uint64_t> sender(100, 140);
    std::uniform_int_distribution<unsigned> octet(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 48);
    for (int i = 0; i < 1000; ++i) {
        std::vector<std::byte> d;
        switch (pick(rng)) {
        case 0: // random octets
            d.resize(length(rng));
            for (auto& b : d)
                b = static_cast<std::byte>(octet(rng));
            break;
        case 1: { // a real shape, truncated
            d = shapes[shape(rng)];
            d.resize(std::uniform_int_distribution<std::size_t>(0, d.size())(rng));
            break;
        }
        case 2: { // a real shape with one octet changed
            d = shapes[shape(rng)];
            d[std::uniform_int_distribution<std::size_t>(0, d.size() - 1)(rng)] =
                static_cast<std::byte>(octet(rng));
            break;
        }
        default: // a real shape with random octets appended
            d = shapes[shape(rng)];
            for (std::size_t n = length(rng) % 5; n > 0; --n)
                d.push_back(static_cast<std::byte>(octet(rng)));
            break;
        }
        const auto from = core_harness::peer(sender(rng));
        const auto step = h.send(from, d);
        // Whatever happened, an answer only ever goes to the sender, with one exception: a v2.0
        // CONNECT for a client id connected at another address takes it over, and the old address
        // gets DISCONNECT 0x8E Session taken over (CSD01 [MQTT-SN-3.1.19-3]).
        for (const auto& a : step)
            if (const auto* s = std::get_if<core::send_datagram>(&a); s != nullptr && s->to != from)
                CHECK(sngw::test::to_hex(s->bytes) == "04 0e 04 8e");
        if (i % 50 == 0) h.advance(7s);
    }
    CHECK(h.stats().datagrams_in == 1000);
    const auto p = core_harness::peer(1);
    h.connect_sensor(p, "after-the-noise");
    h.send(p, "02 16");
    CHECK(h.sent_to(p) == std::vector<std::string>{"02 17"});
}
