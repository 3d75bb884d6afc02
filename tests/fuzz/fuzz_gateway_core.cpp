// SPDX-License-Identifier: MIT
// The whole core driven by a script (house-style §6): datagrams from a few peers, broker link
// events and packets for the sessions the core opened, time jumps, shutdown. The fuzzer finds the
// paths; the invariants after each step are what must hold for any input:
// - no crash, no sanitizer report, no exception;
// - every datagram goes to a real peer, fits max_datagram_size and decodes as MQTT-SN v1.2;
// - every packet to the broker decodes as MQTT 5 and goes to a session the core opened;
// - after on_timeout(now), next_deadline() is later than now (else the app's timer spins).
//
// Script: a sequence of steps, each an op octet and its operands (missing operands read as 0):
//   op % 16 = 0..5  datagram: peer octet (1 of 4 peers), length octet, that many octets
//             6     broker link up:   session octet (index into the sessions opened so far)
//             7     broker bytes:     session octet, length octet, that many octets
//             8..10 a canned broker packet: session octet, kind octet, packet id octet
//             11    broker link down: session octet
//             12..14 time jump: octet t, advance t*t*4 ms (up to ~4 min), firing deadlines
//             15    shutdown (only when op is 0xFF), kick (only when op is 0xEF: client octet, reason
//                   octet), else a canned CONNECT of a sensor
#include "fuzz_seeds.hpp"

#include <sngw/core/gateway.hpp>
#include <sngw/mqtt5/codec.hpp>
#include <sngw/sn/v1_2/codec.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace sngw;
using namespace std::chrono_literals;

core::config fuzz_config()
{
    core::config c;
    c.gateway_id = 9;
    c.advertise_interval = 30s;
    c.predefined_topics = {{1, "p/1"}, {2, "p/two"}};
    c.session_expiry = 5;
    c.broker_keep_alive = 20;
    c.broker_connect_timeout = 3s;
    c.retry_interval = 1s;
    c.retry_count = 2;
    c.max_clients = 3;
    c.max_topics_per_client = 4;
    c.max_buffered_messages = 2;
    c.max_datagram_size = 96;
    c.max_client_id_length = 16;
    return c;
}

struct reader {
    std::span<const std::uint8_t> in;
    std::size_t at = 0;
    bool done() const { return at >= in.size(); }
    std::uint8_t u8() { return at < in.size() ? in[at++] : 0; }
    std::vector<std::byte> bytes(std::size_t n)
    {
        std::vector<std::byte> out;
        for (; n > 0 && at < in.size(); --n)
            out.push_back(static_cast<std::byte>(in[at++]));
        return out;
    }
};

[[noreturn]] void fail(const char* what, const core::action& a)
{
    std::ostringstream os;
    os << a;
    std::fprintf(stderr, "invariant broken: %s: %s\n", what, os.str().c_str());
    std::abort();
}

// SNGW_FUZZ_TRACE=1: print every action (to see what a seed or a crash input does).
const bool trace = std::getenv("SNGW_FUZZ_TRACE") != nullptr;

struct driver {
    core::gateway gw{fuzz_config()};
    core::time_point now = core::time_point{} + std::chrono::hours(1);
    std::vector<core::session_id> sessions; // in the order they were opened

    void check(const std::vector<core::action>& actions)
    {
        const auto& cfg = gw.configuration();
        for (const auto& a : actions) {
            std::ostringstream line; // every action prints
            line << a;
            if (trace) std::fprintf(stderr, "%s\n", line.str().c_str());
            if (const auto* d = std::get_if<core::send_datagram>(&a)) {
                if (!d->to) fail("datagram to no peer", a);
                if (d->bytes.size() > cfg.max_datagram_size) fail("datagram over max_datagram_size", a);
                if (!sn::v1_2::decode(d->bytes)) fail("undecodable datagram", a);
            } else if (const auto* b = std::get_if<core::broadcast_datagram>(&a)) {
                if (!sn::v1_2::decode(b->bytes)) fail("undecodable broadcast", a);
            } else if (const auto* o = std::get_if<core::open_broker_link>(&a)) {
                if (o->session == 0) fail("session 0", a);
                if (std::find(sessions.begin(), sessions.end(), o->session) == sessions.end())
                    sessions.push_back(o->session);
            } else if (const auto* s = std::get_if<core::send_to_broker>(&a)) {
                if (std::find(sessions.begin(), sessions.end(), s->session) == sessions.end())
                    fail("packet for a session never opened", a);
                auto p = mqtt5::decode(s->bytes);
                if (!p || mqtt5::type_of(*p) != s->type) fail("undecodable packet upstream", a);
            } else if (const auto* c = std::get_if<core::close_broker_link>(&a)) {
                if (std::find(sessions.begin(), sessions.end(), c->session) == sessions.end())
                    fail("close of a session never opened", a);
            }
        }
    }

    void timeout()
    {
        check(gw.on_timeout(now));
        if (auto next = gw.next_deadline(); next && *next <= now) {
            std::fprintf(stderr, "invariant broken: next_deadline not after on_timeout's now\n");
            std::abort();
        }
    }

    // The app's timer: every deadline up to `target`, each at its own instant.
    void advance(std::chrono::milliseconds d)
    {
        const auto target = now + d;
        for (int guard = 0; guard < 100'000; ++guard) {
            auto next = gw.next_deadline();
            if (!next || *next > target) break;
            if (*next > now) now = *next;
            timeout();
        }
        now = target;
    }

    core::session_id session(std::uint8_t pick) const
    {
        return sessions.empty() ? core::session_id{0} : sessions[pick % sessions.size()];
    }

    mqtt5::packet canned(std::uint8_t kind, std::uint16_t id) const
    {
        static const char* const topics[] = {"p/1", "a/b", "ab", "p/two", "x"};
        const auto topic = std::string(topics[id % 5]);
        switch (kind % 13) {
        case 0:
            return mqtt5::connack_packet{.session_present = (id & 2) != 0}; // ids 1, 4: not present
        case 1:
            return mqtt5::connack_packet{.reason = (id & 1) ? mqtt5::reason_code::not_authorized
                                                            : mqtt5::reason_code::server_busy};
        case 2:
            return mqtt5::puback_packet{.packet_id = id};
        case 3:
            return mqtt5::pubrec_packet{.packet_id = id};
        case 4:
            return mqtt5::pubcomp_packet{.packet_id = id};
        case 5:
            return mqtt5::suback_packet{.packet_id = id, .reason_codes = {mqtt5::reason_code::granted_qos_1}};
        case 6:
            return mqtt5::unsuback_packet{.packet_id = id, .reason_codes = {mqtt5::reason_code::success}};
        case 7:
            return mqtt5::publish_packet{.topic = topic, .payload = {std::byte{0x31}}};
        case 8:
            return mqtt5::publish_packet{.qos = mqtt5::qos::at_least_once,
                                         .topic = topic,
                                         .packet_id = id,
                                         .payload = {std::byte{0x32}}};
        case 9:
            return mqtt5::publish_packet{.qos = mqtt5::qos::exactly_once,
                                         .topic = topic,
                                         .packet_id = id,
                                         .payload = std::vector<std::byte>(id % 120, std::byte{0x33})};
        case 10:
            return mqtt5::pubrel_packet{.packet_id = id};
        case 11:
            return mqtt5::disconnect_packet{.reason = (id & 1) ? mqtt5::reason_code::server_shutting_down
                                                               : mqtt5::reason_code::administrative_action};
        default:
            return mqtt5::pingresp_packet{};
        }
    }

    void run(reader& r)
    {
        check(gw.start(now));
        for (int steps = 0; !r.done() && steps < 2'000; ++steps) {
            const std::uint8_t op = r.u8();
            switch (op % 16) {
            case 0:
            case 1:
            case 2:
            case 3:
            case 4:
            case 5: {
                const auto peer = core::peer_id{1, 1u + r.u8() % 4u};
                const auto d = r.bytes(r.u8());
                check(gw.on_datagram(peer, d, now));
                break;
            }
            case 6:
                check(gw.on_broker_link_up(session(r.u8()), now));
                break;
            case 7: {
                const auto s = session(r.u8());
                const auto d = r.bytes(r.u8());
                check(gw.on_broker_bytes(s, d, now));
                break;
            }
            case 8:
            case 9:
            case 10: {
                const auto s = session(r.u8());
                const auto kind = r.u8();
                const auto id = static_cast<std::uint16_t>(1 + r.u8() % 4);
                auto bytes = mqtt5::encode(canned(kind, id));
                if (bytes) check(gw.on_broker_bytes(s, *bytes, now));
                break;
            }
            case 11:
                check(gw.on_broker_link_down(session(r.u8()), now));
                break;
            case 12:
            case 13:
            case 14: {
                const unsigned t = r.u8();
                advance(std::chrono::milliseconds(t * t * 4));
                break;
            }
            default:
                if (op == 0xFF) {
                    check(gw.shutdown(now));
                    if (!gw.idle()) std::abort();
                } else if (op == 0xEF) {
                    // sngwctl kick c<n> with any reason code (design §4: the broker verdict path).
                    const std::string id{'c', static_cast<char>('0' + r.u8() % 4)};
                    const auto reason = static_cast<mqtt5::reason_code>(r.u8());
                    if (auto out = gw.kick(id, reason, now)) check(std::move(*out));
                } else {
                    // CONNECT from peer (op >> 4) & 3, client id "c<n>", clean by bit 6, Will by bit 7
                    const auto n = static_cast<char>('0' + ((op >> 4) & 3));
                    const std::uint8_t flags =
                        static_cast<std::uint8_t>((op & 0x40 ? 0x04 : 0) | (op & 0x80 ? 0x08 : 0));
                    std::vector<std::byte> c = {
                        std::byte{8}, std::byte{4},  std::byte{flags}, std::byte{1},
                        std::byte{0}, std::byte{30}, std::byte{'c'},   static_cast<std::byte>(n)};
                    check(gw.on_datagram(core::peer_id{1, 1u + ((op >> 4) & 3u)}, c, now));
                }
                break;
            }
            // The app's loop: a deadline already due fires at once.
            if (auto next = gw.next_deadline(); next && *next <= now) timeout();
            (void)gw.clients();
        }
        // Everything ends: a long wait, then shutdown.
        advance(std::chrono::minutes(10));
        check(gw.shutdown(now));
        advance(std::chrono::minutes(10));
    }
};

// ---- seeds: hand-made scripts ------------------------------------------------------------------

struct script {
    std::vector<std::byte> out;
    script& op(std::initializer_list<int> octets)
    {
        for (int o : octets)
            out.push_back(static_cast<std::byte>(o));
        return *this;
    }
    script& datagram(int peer, std::initializer_list<int> octets)
    {
        op({0, peer, static_cast<int>(octets.size())});
        return op(octets);
    }
    script& link_up(int s) { return op({6, s}); }
    script& canned(int s, int kind, int id) { return op({8, s, kind, id}); }
    script& wait(int t) { return op({12, t}); }
};

} // namespace

// libFuzzer calls this once at start: with SNGW_FUZZ_SEED_DIR set, the built-in seeds are written
// there (seed-0, seed-1, ...) so a corpus can start from them (-runs=0 just writes them).
extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    if (const char* dir = std::getenv("SNGW_FUZZ_SEED_DIR")) {
        int n = 0;
        for (const auto& seed : sngw_fuzz_seeds()) {
            const std::string path = std::string(dir) + "/seed-" + std::to_string(n++);
            if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
                std::fwrite(seed.data(), 1, seed.size(), f);
                std::fclose(f);
            }
        }
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    reader r{{data, size}};
    driver d;
    d.run(r);
    return 0;
}

std::vector<std::vector<std::byte>> sngw_fuzz_seeds()
{
    std::vector<std::vector<std::byte>> seeds;
    // Sessions: index 0 is the gateway's own, 1.. the sensors in connect order.
    const std::initializer_list<int> connect_c1 = {0x08, 0x04, 0x04, 0x01, 0x00, 0x1e, 0x63, 0x31};

    // Connect, publish QoS 1 to a predefined topic, broker PUBACK, PINGREQ, DISCONNECT.
    seeds.push_back(script{}
                        .link_up(0)
                        .canned(0, 0, 0)
                        .datagram(0, connect_c1)
                        .link_up(1)
                        .canned(1, 0, 0)
                        .datagram(0, {0x09, 0x0c, 0x21, 0x00, 0x01, 0x00, 0x07, 0x68, 0x69})
                        .canned(1, 2, 0)
                        .datagram(0, {0x02, 0x16})
                        .datagram(0, {0x02, 0x18})
                        .out);
    // Register, subscribe, broker publishes QoS 0/1/2, sensor acks, time passes (retries).
    seeds.push_back(script{}
                        .datagram(1, connect_c1)
                        .link_up(1)
                        .canned(1, 0, 0)
                        .datagram(1, {0x08, 0x0a, 0x00, 0x00, 0x00, 0x02, 0x61, 0x2f})
                        .datagram(1, {0x08, 0x12, 0x20, 0x00, 0x03, 0x61, 0x2f, 0x62})
                        .datagram(1, {0x08, 0x12, 0x20, 0x00, 0x04, 0x61, 0x2f, 0x23})
                        .canned(1, 5, 0)
                        .canned(1, 7, 1)
                        .canned(1, 8, 1)
                        .canned(1, 9, 2)
                        .datagram(1, {0x07, 0x0b, 0x00, 0x01, 0x00, 0x01, 0x00})
                        .datagram(1, {0x07, 0x0d, 0x00, 0x01, 0x00, 0x01, 0x00})
                        .wait(40)
                        .wait(60)
                        .wait(200)
                        .out);
    // Sleep, broker messages buffered, wake from another peer, keep-alive loss.
    seeds.push_back(script{}
                        .datagram(2, connect_c1)
                        .link_up(1)
                        .canned(1, 0, 0)
                        .datagram(2, {0x04, 0x18, 0x00, 0x0a})
                        .canned(1, 7, 0)
                        .canned(1, 8, 1)
                        .canned(1, 7, 2)
                        .datagram(3, {0x04, 0x16, 0x63, 0x31})
                        .wait(30)
                        .wait(255)
                        .wait(255)
                        .out);
    // Will flow, QoS -1, SEARCHGW, max_clients, shutdown.
    seeds.push_back(script{}
                        .link_up(0)
                        .canned(0, 0, 0)
                        .datagram(0, {0x08, 0x04, 0x0c, 0x01, 0x00, 0x1e, 0x63, 0x32})
                        .datagram(0, {0x06, 0x07, 0x20, 0x77, 0x2f, 0x74})
                        .datagram(0, {0x04, 0x09, 0x62, 0x79})
                        .link_up(1)
                        .canned(1, 0, 0)
                        .datagram(3, {0x09, 0x0c, 0x62, 0x61, 0x62, 0x00, 0x00, 0x68, 0x69})
                        .datagram(3, {0x03, 0x01, 0x00})
                        .op({0x0f})
                        .op({0x1f})
                        .op({0x2f})
                        .op({0x3f})
                        .op({0xff})
                        .out);
    // Broker trouble: refusals, link down, DISCONNECT, garbage bytes.
    seeds.push_back(script{}
                        .datagram(0, connect_c1)
                        .link_up(1)
                        .canned(1, 1, 0)
                        .datagram(0, connect_c1)
                        .link_up(1)
                        .canned(1, 0, 0)
                        .op({11, 1})
                        .wait(20)
                        .link_up(1)
                        .canned(1, 11, 0)
                        .op({7, 1, 3, 0x20, 0x01, 0x00})
                        .wait(100)
                        .out);
    // Design §4 verdicts: kick c1 asleep (0x98, hold-down) and woken, CONNECT in the hold-down; the
    // own link up while a sensor's link closes (the take-over witness); kick with 0x8D (re-open).
    seeds.push_back(script{}
                        .link_up(0)
                        .canned(0, 0, 0)
                        .datagram(0, connect_c1)
                        .link_up(1)
                        .canned(1, 0, 0)
                        .datagram(0, {0x04, 0x18, 0x00, 0x0a})
                        .op({0xef, 1, 0x98})
                        .datagram(0, {0x04, 0x16, 0x63, 0x31})
                        .datagram(0, connect_c1)
                        .wait(130)
                        .datagram(0, connect_c1)
                        .link_up(2)
                        .canned(2, 0, 0)
                        .op({11, 2})
                        .wait(20)
                        .op({0xef, 1, 0x8d})
                        .wait(40)
                        .out);
    return seeds;
}
