// SPDX-License-Identifier: MIT
// The whole core driven by a script (house-style §6): datagrams from a few peers, MQTT-SN v1.2 and
// 2.0 (CSD01) mixed, broker link events and packets for the sessions the core opened, time jumps,
// shutdown. The fuzzer finds the paths; the invariants after each step are what must hold for any
// input:
// - no crash, no sanitizer report, no exception;
// - every datagram goes to a real peer, fits max_datagram_size and decodes as MQTT-SN v1.2 or 2.0;
//   to a peer whose record had one version before and after the step, it decodes as that version
//   (or as the version of the CONNECT the peer sent in that step);
// - to a v2.0 sensor: no datagram over the Maximum Packet Size of its accepted CONNECT (CSD01
//   §3.1.7), no DISCONNECT with a Session Expiry Interval (§3.13.5, MQTT-SN-3.13.5-1), and a CONNECT
//   without a client id is never refused as an invalid one, and accepted with one assigned (§3.2.11);
// - every packet to the broker decodes as MQTT 5 and goes to a session the core opened;
// - after on_timeout(now), next_deadline() is later than now (else the app's timer spins).
//
// Script: a sequence of steps, each an op octet and its operands (missing operands read as 0):
//   op % 16 = 0..3  datagram: peer octet (1 of 4 peers), length octet, that many octets
//             4     v2.0 CONNECT built from 4 octets (connect_v2 below: peer, client id, empty id,
//                   flags, will, auth MQTT-BASIC / other / malformed, Maximum Packet Size, DAM,
//                   keep-alive, session expiry)
//             5     a canned v2.0 packet from 3 octets (canned_v2 below: peer, every packet type,
//                   optionally inside a Connection Encapsulation naming c<n>)
//             6     broker link up:   session octet (index into the sessions opened so far)
//             7     broker bytes:     session octet, length octet, that many octets
//             8..10 a canned broker packet: session octet, kind octet, packet id octet (1 + id % 16)
//             11    broker link down: session octet
//             12..14 time jump: octet t, advance t*t*4 ms (up to ~4 min), firing deadlines
//             15    shutdown (only when op is 0xFF), kick (only when op is 0xEF: client octet, reason
//                   octet), else a canned v1.2 CONNECT of a sensor
#include "fuzz_seeds.hpp"

#include <sngw/core/gateway.hpp>
#include <sngw/mqtt5/codec.hpp>
#include <sngw/sn/classify.hpp>
#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace sngw;
using namespace std::chrono_literals;
namespace v20 = sn::v2_0;

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

// ---- v2.0 packets a sensor sends (CSD01) --------------------------------------------------------

std::string client_name(unsigned n) { return std::string{'c', static_cast<char>('0' + n % 4)}; }

std::vector<std::byte> encode_or_empty(const v20::message& m)
{
    auto bytes = v20::encode(m);
    return bytes ? std::move(*bytes) : std::vector<std::byte>{};
}

// A v2.0 CONNECT (CSD01 §3.1) from four octets:
//   a: bits 0-1 peer, 2-3 client c<n>, 4 empty client id (§3.2.11), 5 Clean Start,
//      6 Allow Network Address changes, 7 Allow Server Suggested values
//   b: bit 0 Will, 1-2 Will QoS (3 reads as 2), 3 Will Topic by predefined alias 1 (else the name
//      w/c<n>), 4 Will Retain, 5-6 Auth (0 none, 1 MQTT-BASIC u/pw, 2 MQTT-BASIC data cut short,
//      3 another method), 7 Default Awake Messages (b >> 5)
//   c: Maximum Packet Size: 0 no limit, 1-9 become 10 + c (tight), else c
//   d: bits 0-5 Keep Alive (0, a protocol error, included), 6-7 Session Expiry (absent, 0, 5, never)
v20::connect_msg connect_v2(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
{
    const unsigned n = (a >> 2) & 3u;
    v20::connect_msg m;
    m.clean_start = (a & 0x20) != 0;
    m.allow_network_address_changes = (a & 0x40) != 0;
    m.allow_server_suggested_values = (a & 0x80) != 0;
    m.packet_id = static_cast<std::uint16_t>(1 + c % 4);
    m.keep_alive = static_cast<std::uint16_t>(d & 0x3F);
    m.maximum_packet_size = static_cast<std::uint16_t>(c == 0 ? 0 : c < 10 ? 10 + c : c);
    if (b & 0x80) m.default_awake_messages = static_cast<std::uint8_t>(b >> 5);
    switch (d >> 6) {
    case 1: m.session_expiry_interval = 0; break;
    case 2: m.session_expiry_interval = 5; break;
    case 3: m.session_expiry_interval = 0xFFFFFFFF; break;
    default: break;
    }
    if (b & 0x01) {
        v20::will_fields w;
        w.q = static_cast<v20::qos>(std::min((b >> 1) & 3, 2));
        w.retain = (b & 0x10) != 0;
        if (b & 0x08) {
            w.topic_type = v20::topic_type::predefined_alias;
            w.topic_alias = 1;
        } else {
            w.topic_name = "w/" + client_name(n);
        }
        w.payload = {std::byte{'x'}};
        m.will = std::move(w);
    }
    // §4.11 MQTT-BASIC: u16 length + user name, u16 length + password.
    static const std::vector<std::byte> basic = {std::byte{0}, std::byte{1}, std::byte{'u'}, std::byte{0},
                                                 std::byte{2}, std::byte{'p'}, std::byte{'w'}};
    switch ((b >> 5) & 3) {
    case 1: m.auth = v20::auth_fields{"MQTT-BASIC", basic}; break;
    case 2: m.auth = v20::auth_fields{"MQTT-BASIC", {std::byte{0}}}; break;
    case 3: m.auth = v20::auth_fields{"SCRAM-SHA-1", {std::byte{'n'}}}; break;
    default: break;
    }
    if ((a & 0x10) == 0) m.client_id = client_name(n);
    return m;
}

// A canned v2.0 packet of any type, most of them what a sensor sends, some the other direction
// (which the gateway must refuse). `e` picks the packet id (1 + e % 4), an alias (1 + (e >> 2) % 4)
// and variants (e >> 4).
v20::message canned_v2(std::uint8_t kind, std::uint8_t e)
{
    static const char* const names[] = {"a/b", "p/1", "ab", "a/#", "+/b", "p/two", "x/y", ""};
    const auto id = static_cast<std::uint16_t>(1 + e % 4);
    const auto alias = static_cast<std::uint16_t>(1 + (e >> 2) % 4);
    const auto v = static_cast<unsigned>(e >> 4);
    const std::string name = names[v % 8];
    const auto q = static_cast<v20::qos>(v % 3);
    const std::vector<std::byte> payload(v * 5u, std::byte{0x34});
    switch (kind % 30) {
    case 0: // §3.6.2 PUBLISH QoS 0 by session alias
        return v20::publish_msg{.topic_type = v20::topic_type::session_alias, .topic_alias = alias, .payload = payload};
    case 1: // QoS 1 by predefined alias (1, 2 defined; 3, 4 not)
        return v20::publish_msg{.q = v20::qos::qos1,
                                .topic_type = v20::topic_type::predefined_alias,
                                .packet_id = id,
                                .topic_alias = alias,
                                .payload = payload};
    case 2: // QoS 2 by topic name, DUP on odd variants
        return v20::publish_msg{.dup = (v & 1) != 0,
                                .q = v20::qos::qos2,
                                .topic_type = v20::topic_type::topic_name,
                                .packet_id = id,
                                .topic_name = name,
                                .payload = payload};
    case 3: // any QoS by session alias
        return v20::publish_msg{.q = q, .topic_type = v20::topic_type::session_alias, .packet_id = id,
                                .topic_alias = alias, .payload = payload};
    case 4: return v20::puback_msg{id, v & 1 ? std::optional<std::uint8_t>{0x80} : std::nullopt};
    case 5: return v20::pubrec_msg{id, v & 1 ? std::optional<std::uint8_t>{0x00} : std::nullopt};
    case 6: return v20::pubrel_msg{id, v & 1 ? std::optional<std::uint8_t>{0x92} : std::nullopt};
    case 7: return v20::pubcomp_msg{id, v & 1 ? std::optional<std::uint8_t>{0x00} : std::nullopt};
    case 8: // §3.7 SUBSCRIBE by filter
        return v20::subscribe_msg{.no_local = (v & 8) != 0, .q = q, .retain_handling =
                                      static_cast<v20::retain_handling>(v % 3),
                                  .topic_type = v20::topic_type::topic_name, .packet_id = id,
                                  .topic_filter = name};
    case 9: // by alias: predefined or session
        return v20::subscribe_msg{.q = q,
                                  .topic_type = v & 1 ? v20::topic_type::predefined_alias
                                                      : v20::topic_type::session_alias,
                                  .packet_id = id,
                                  .topic_alias = alias};
    case 10: // §3.9 UNSUBSCRIBE
        return v20::unsubscribe_msg{.topic_type = v20::topic_type::topic_name, .packet_id = id, .topic_filter = name};
    case 11:
        return v20::unsubscribe_msg{.topic_type = v & 1 ? v20::topic_type::predefined_alias
                                                        : v20::topic_type::session_alias,
                                    .packet_id = id,
                                    .topic_alias = alias};
    case 12: // §3.4 REGISTER: "p/1" has a predefined alias (REGACK 0x1A)
        return v20::register_msg{id, std::nullopt, name};
    case 13: // a REGISTER with an alias is the server's (§3.4-2): a protocol error from a client
        return v20::register_msg{id, alias, name};
    case 14: // §3.5 the sensor's REGACK to the gateway's REGISTER
        return v20::regack_msg{v20::topic_type::session_alias, id, std::nullopt,
                               v & 1 ? std::optional<std::uint8_t>{0x80} : std::optional<std::uint8_t>{0x00}};
    case 15: return v20::pingreq_msg{id}; // §3.11
    case 16: { // §3.13: 0x00, 0x04 (will), with Session Expiry, with a reason string
        v20::disconnect_msg d;
        if (v & 1) d.reason_code = static_cast<std::uint8_t>(v & 2 ? 0x04 : 0x00);
        if (v & 4) d.session_expiry_interval = v & 8 ? 0u : 7u;
        if (v & 8) d.packet_id = id;
        if (v == 15) d.reason_string = "bye";
        return d;
    }
    case 17: // §3.15 SLEEPREQ: 10 s, 1 s, or 0 (invalid)
        return v20::sleepreq_msg{(v & 4) != 0, id, v % 3 == 0 ? 10u : v % 3 == 1 ? 1u : 0u};
    case 18: return v20::auth_msg{id, static_cast<std::uint8_t>(v & 1 ? 0x18 : 0x19), "SCRAM-SHA-1", payload};
    case 19: // §3.6.1 PUBWOS by predefined alias or name
        return v & 1 ? v20::pubwos_msg{.retain = (v & 2) != 0, .topic_type = v20::topic_type::topic_name,
                                       .topic_name = name, .payload = payload}
                     : v20::pubwos_msg{.topic_type = v20::topic_type::predefined_alias, .topic_alias = alias,
                                       .payload = payload};
    case 20: return v20::searchgw_msg{payload};
    case 21: return v20::advertise_msg{7, 60};
    case 22: return v20::gwinfo_msg{7, payload};
    case 23: return v20::connack_msg{.packet_id = id, .reason_code = 0};
    case 24: return v20::suback_msg{v20::topic_type::session_alias, id, alias, std::uint8_t{0x01}};
    case 25: return v20::unsuback_msg{id, std::nullopt};
    case 26: return v20::sleepresp_msg{id, 10u, std::nullopt};
    case 27: return v20::pingresp_msg{id, std::nullopt};
    case 28: return v20::wakeup_msg{};
    default: // §3.19 a forwarder's encapsulation (refused: forwarders are the transport's)
        return v20::forwarder_encapsulation_msg{{std::byte{1}, std::byte{2}},
                                                encode_or_empty(v20::pingreq_msg{id})};
    }
}

// A canned v2.0 datagram, optionally inside a Connection Encapsulation naming c<n> (CSD01 §3.18).
std::vector<std::byte> canned_v2_datagram(std::uint8_t a, std::uint8_t kind, std::uint8_t e)
{
    auto inner = encode_or_empty(canned_v2(kind, e));
    if ((a & 0x04) == 0 || inner.empty()) return inner;
    auto outer = encode_or_empty(v20::connection_encapsulation_msg{client_name((a >> 3) & 3u), inner});
    return outer.empty() ? inner : outer;
}

// Who is bound to each peer after a step, from clients(): the record's version and client id. A
// peer two records claim with different versions has no version (either may have answered).
struct bound_peer {
    std::optional<sn::protocol_version> version;
    std::string client_id;
};
using bound_peers = std::map<core::peer_id, bound_peer>;

// The datagram a step fed in, for the v2.0 CONNECT bookkeeping.
struct inbound {
    core::peer_id from;
    std::span<const std::byte> bytes;
};

struct driver {
    core::gateway gw{fuzz_config()};
    core::time_point now = core::time_point{} + std::chrono::hours(1);
    std::vector<core::session_id> sessions; // in the order they were opened
    // CSD01 §3.1.7: the Maximum Packet Size of each v2.0 client's last CONNECT (0 = no limit); the
    // session takes it as soon as the CONNECT arrives, before the CONNACK.
    std::map<std::string, std::uint16_t> max_packet_size;
    // The last v2.0 CONNECT of a peer had no client id: its Maximum Packet Size, until a CONNACK
    // names the assigned id (§3.2.11).
    std::map<core::peer_id, std::uint16_t> awaiting_assigned_id;

    bound_peers bound() const
    {
        bound_peers out;
        for (const auto& c : gw.clients()) {
            if (!c.peer) continue;
            auto [it, fresh] = out.emplace(c.peer, bound_peer{c.version, c.client_id});
            if (!fresh && it->second.version != c.version) it->second.version.reset();
        }
        return out;
    }

    // A v2.0 CONNECT fed in: its Maximum Packet Size applies from now on (§3.1.7).
    void note_connect(const inbound& in)
    {
        const auto fc = sn::classify_first_contact(in.bytes);
        if (fc.kind != sn::first_contact_kind::connect) return;
        awaiting_assigned_id.erase(in.from);
        if (fc.version != sn::protocol_version::v2_0) return;
        auto m = v20::decode(in.bytes);
        const auto* c = m ? std::get_if<v20::connect_msg>(&*m) : nullptr;
        if (c == nullptr) return;
        if (c->client_id.empty())
            awaiting_assigned_id[in.from] = c->maximum_packet_size;
        else
            max_packet_size[c->client_id] = c->maximum_packet_size;
    }

    // Invariants of one datagram to a sensor whose record was v2.0 before and after the step.
    void check_v2(const v20::message& m, std::size_t size, const bound_peer& to, const core::action& a)
    {
        if (const auto* d = std::get_if<v20::disconnect_msg>(&m); d && d->session_expiry_interval)
            fail("v2.0 DISCONNECT from the gateway with a Session Expiry Interval (CSD01 §3.13.5)", a);
        if (auto it = max_packet_size.find(to.client_id); it != max_packet_size.end())
            if (it->second != 0 && size > it->second)
                fail("datagram over the sensor's Maximum Packet Size (CSD01 §3.1.7)", a);
    }

    // A v2.0 CONNACK to `to`: an accepted CONNECT without a client id gets one (§3.2.11).
    void note_connack(core::peer_id to, const v20::connack_msg& c, const core::action& a)
    {
        auto it = awaiting_assigned_id.find(to);
        if (it == awaiting_assigned_id.end()) return;
        if (c.reason_code == 0 && !c.assigned_client_id)
            fail("CONNACK accepting a CONNECT without client id assigns none (CSD01 §3.2.11)", a);
        // 0x85 Client Identifier not valid: the sensor sent none, so the one at fault is the id the
        // gateway assigned.
        if (c.reason_code == 0x85) fail("CONNECT without client id refused as an invalid client id", a);
        if (c.assigned_client_id) max_packet_size[*c.assigned_client_id] = it->second;
        awaiting_assigned_id.erase(it);
    }

    void check(const std::vector<core::action>& actions, const bound_peers& before,
               std::optional<inbound> in = std::nullopt)
    {
        if (in) note_connect(*in);
        // A CONNECT of the other version than the sender's record (a re-flashed sensor, design §2)
        // may be answered in its own version.
        std::optional<sn::protocol_version> connect_version;
        if (in) {
            const auto fc = sn::classify_first_contact(in->bytes);
            if (fc.kind == sn::first_contact_kind::connect) connect_version = fc.version;
        }
        const auto after = bound();
        const auto& cfg = gw.configuration();
        for (const auto& a : actions) {
            std::ostringstream line; // every action prints
            line << a;
            if (trace) std::fprintf(stderr, "%s\n", line.str().c_str());
            if (const auto* d = std::get_if<core::send_datagram>(&a)) {
                if (!d->to) fail("datagram to no peer", a);
                if (d->bytes.size() > cfg.max_datagram_size) fail("datagram over max_datagram_size", a);
                const bool v12 = sn::v1_2::decode(d->bytes).has_value();
                const auto v2 = v20::decode(d->bytes);
                if (!v12 && !v2) fail("undecodable datagram", a);
                if (v2)
                    if (const auto* c = std::get_if<v20::connack_msg>(&*v2)) note_connack(d->to, *c, a);
                if (connect_version && d->to == in->from &&
                    (*connect_version == sn::protocol_version::v1_2 ? v12 : v2.has_value()))
                    continue; // the answer to the CONNECT
                const auto b = before.find(d->to);
                const auto f = after.find(d->to);
                if (b == before.end() || f == after.end() || !f->second.version ||
                    b->second.version != f->second.version)
                    continue; // no record, or its version changed in this step
                if (*f->second.version == sn::protocol_version::v1_2 && !v12)
                    fail("datagram to a v1.2 sensor does not decode as v1.2", a);
                if (*f->second.version == sn::protocol_version::v2_0) {
                    if (!v2) fail("datagram to a v2.0 sensor does not decode as v2.0", a);
                    check_v2(*v2, d->bytes.size(), f->second, a);
                }
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

    void datagram(core::peer_id from, std::span<const std::byte> d)
    {
        const auto before = bound();
        check(gw.on_datagram(from, d, now), before, inbound{from, d});
    }

    void timeout()
    {
        const auto before = bound();
        check(gw.on_timeout(now), before);
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
        switch (kind % 14) {
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
        case 12:
            return mqtt5::pingresp_packet{};
        default: { // MQTT 5.0 §4.12 enhanced authentication, relayed to a v2.0 sensor as AUTH (CSD01 §3.3)
            mqtt5::auth_packet a{.reason = (id & 1) ? mqtt5::reason_code::continue_authentication
                                                    : mqtt5::reason_code::success};
            a.props.authentication_method = (id & 2) ? "SCRAM-SHA-1" : "OTHER";
            a.props.authentication_data = std::vector<std::byte>{std::byte{'s'}};
            return a;
        }
        }
    }

    void run(reader& r)
    {
        {
            const auto before = bound();
            check(gw.start(now), before);
        }
        for (int steps = 0; !r.done() && steps < 2'000; ++steps) {
            const std::uint8_t op = r.u8();
            switch (op % 16) {
            case 0:
            case 1:
            case 2:
            case 3: {
                const auto peer = core::peer_id{1, 1u + r.u8() % 4u};
                const auto d = r.bytes(r.u8());
                datagram(peer, d);
                break;
            }
            case 4: {
                const std::uint8_t a = r.u8(), b = r.u8(), c = r.u8(), d = r.u8();
                datagram(core::peer_id{1, 1u + (a & 3u)}, encode_or_empty(connect_v2(a, b, c, d)));
                break;
            }
            case 5: {
                const std::uint8_t a = r.u8(), kind = r.u8(), e = r.u8();
                datagram(core::peer_id{1, 1u + (a & 3u)}, canned_v2_datagram(a, kind, e));
                break;
            }
            case 6: {
                const auto before = bound();
                check(gw.on_broker_link_up(session(r.u8()), now), before);
                break;
            }
            case 7: {
                const auto s = session(r.u8());
                const auto d = r.bytes(r.u8());
                const auto before = bound();
                check(gw.on_broker_bytes(s, d, now), before);
                break;
            }
            case 8:
            case 9:
            case 10: {
                const auto s = session(r.u8());
                const auto kind = r.u8();
                // Packet ids 1..16: the gateway numbers its upstream requests from 1, one flow
                // takes a few.
                const auto id = static_cast<std::uint16_t>(1 + r.u8() % 16);
                auto bytes = mqtt5::encode(canned(kind, id));
                const auto before = bound();
                if (bytes) check(gw.on_broker_bytes(s, *bytes, now), before);
                break;
            }
            case 11: {
                const auto before = bound();
                check(gw.on_broker_link_down(session(r.u8()), now), before);
                break;
            }
            case 12:
            case 13:
            case 14: {
                const unsigned t = r.u8();
                advance(std::chrono::milliseconds(t * t * 4));
                break;
            }
            default:
                if (op == 0xFF) {
                    const auto before = bound();
                    check(gw.shutdown(now), before);
                    if (!gw.idle()) std::abort();
                } else if (op == 0xEF) {
                    // sngwctl kick c<n> with any reason code (design §4: the broker verdict path).
                    const std::string id{'c', static_cast<char>('0' + r.u8() % 4)};
                    const auto reason = static_cast<mqtt5::reason_code>(r.u8());
                    const auto before = bound();
                    if (auto out = gw.kick(id, reason, now)) check(std::move(*out), before);
                } else {
                    // v1.2 CONNECT from peer (op >> 4) & 3, client id "c<n>", clean by bit 6, Will by bit 7
                    const auto n = static_cast<char>('0' + ((op >> 4) & 3));
                    const std::uint8_t flags =
                        static_cast<std::uint8_t>((op & 0x40 ? 0x04 : 0) | (op & 0x80 ? 0x08 : 0));
                    std::vector<std::byte> c = {
                        std::byte{8}, std::byte{4},  std::byte{flags}, std::byte{1},
                        std::byte{0}, std::byte{30}, std::byte{'c'},   static_cast<std::byte>(n)};
                    datagram(core::peer_id{1, 1u + ((op >> 4) & 3u)}, c);
                }
                break;
            }
            // The app's loop: a deadline already due fires at once.
            if (auto next = gw.next_deadline(); next && *next <= now) timeout();
            (void)gw.clients();
        }
        // Everything ends: a long wait, then shutdown.
        advance(std::chrono::minutes(10));
        const auto before = bound();
        check(gw.shutdown(now), before);
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
    script& v2_connect(int a, int b, int c, int d) { return op({4, a, b, c, d}); }
    script& v2(int a, int kind, int e) { return op({5, a, kind, e}); }
    // A v2.0 datagram as raw octets (op 0), e.g. one the canned ones cannot express.
    script& raw(int peer, const std::vector<std::byte>& bytes)
    {
        op({0, peer, static_cast<int>(bytes.size())});
        out.insert(out.end(), bytes.begin(), bytes.end());
        return *this;
    }
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
    // ---- MQTT-SN 2.0 (CSD01) --------------------------------------------------------------------
    // v2.0 c1 (peer 0, Clean Start, Keep Alive 30), then a packet of every type in a plausible
    // order: REGISTER, PUBLISH by alias / predefined / name, SUBSCRIBE with a broker PUBLISH and the
    // sensor's REGACK and PUBACK, PINGREQ, SLEEPREQ and a wake, the wrong-direction packets, a
    // forwarder's, DISCONNECT.
    {
        script s;
        s.link_up(0).canned(0, 0, 0).v2_connect(0x24, 0, 0, 30).link_up(1).canned(1, 0, 0);
        // REGISTER a/b (REGACK: session alias 3, the predefined ones are 1 and 2); PUBLISH QoS 0 by
        // that alias, QoS 1 by predefined alias 1, QoS 2 by name, QoS 1 by alias 3, each answered
        // by the broker (its packet ids are the gateway's upstream ones: 1, 2, 3).
        s.v2(0, 12, 0x00).v2(0, 0, 0x08).v2(0, 1, 0x10).canned(1, 2, 0);
        s.v2(0, 2, 0x01).canned(1, 3, 1).v2(0, 6, 0x01).canned(1, 4, 1);
        s.v2(0, 3, 0x1A).canned(1, 2, 2);
        // SUBSCRIBE a/# (upstream id 4), a broker PUBLISH QoS 1 on a/b: the gateway's REGISTER or
        // PUBLISH, the sensor's REGACK and PUBACK; SUBSCRIBE by predefined alias, UNSUBSCRIBE.
        s.v2(0, 8, 0x30).canned(1, 5, 3).canned(1, 8, 0).v2(0, 14, 0x00).v2(0, 4, 0x00).v2(0, 4, 0x01);
        s.v2(0, 9, 0x11).canned(1, 5, 4).v2(0, 10, 0x02).canned(1, 6, 5).v2(0, 11, 0x13).canned(1, 6, 6);
        // PINGREQ, SLEEPREQ, messages while asleep, a wake with the gateway's REGISTER and
        // PUBLISH acknowledged, PUBWOS, AUTH; a REGISTER with an alias (the server's form:
        // DISCONNECT 0x82), then the packets a client never sends, without a connection.
        s.v2(0, 15, 0x01).v2(0, 17, 0x00).canned(1, 7, 1).canned(1, 9, 8).wait(40);
        s.v2(0, 15, 0x02).v2(0, 14, 0x01).v2(0, 4, 0x02).v2(0, 5, 0x02).v2(0, 7, 0x02).wait(5);
        s.v2(0, 19, 0x11).v2(0, 19, 0x00).v2(0, 18, 0x10).v2(0, 13, 0x00);
        for (int kind = 20; kind < 30; ++kind)
            s.v2(0, kind, kind * 7);
        s.v2(0, 16, 0x10).wait(60);
        seeds.push_back(s.out);
    }
    // v2.0 CONNECT variants: no client id (assigned) with a will, MQTT-BASIC and a tight Maximum
    // Packet Size; malformed MQTT-BASIC with a predefined will topic and DAM; another auth method;
    // Keep Alive 0 (a protocol error); Allow Server Suggested values; session expiry never.
    seeds.push_back(script{}
                        .link_up(0)
                        .canned(0, 0, 0)
                        .v2_connect(0x30, 0x21, 12, 0x80 | 20)
                        .link_up(1)
                        .canned(1, 0, 0)
                        .canned(1, 7, 2)
                        .canned(1, 9, 4)
                        .v2_connect(0x05, 0xD9, 0, 0xC0 | 15)
                        .v2_connect(0x0A, 0x60, 200, 0x40 | 10)
                        .link_up(2)
                        .canned(2, 13, 2)
                        .v2(2, 18, 0x10)
                        .canned(2, 13, 2)
                        .canned(2, 0, 0)
                        .v2_connect(0x8F, 0x00, 5, 0)
                        .v2_connect(0x93, 0x80, 1, 0x40 | 3)
                        .link_up(3)
                        .canned(3, 0, 0)
                        .wait(80)
                        .out);
    // Mixed peers: v1.2 c1, v2.0 c2; v2.0 c1 from another peer takes v1.2 c1 over, v1.2 c2 takes
    // v2.0 c2 over; broker publishes to both; both sleep; keep-alive loss.
    seeds.push_back(script{}
                        .datagram(0, connect_c1)
                        .link_up(1)
                        .canned(1, 0, 0)
                        .v2_connect(0x29, 0, 40, 30)
                        .link_up(2)
                        .canned(2, 0, 0)
                        .canned(1, 7, 0)
                        .canned(2, 7, 0)
                        .v2_connect(0x26, 0, 0, 30)
                        .op({0x2f})
                        .canned(1, 8, 1)
                        .canned(2, 8, 1)
                        .v2(2, 17, 0x00)
                        .datagram(1, {0x04, 0x18, 0x00, 0x0a})
                        .canned(1, 9, 3)
                        .canned(2, 9, 3)
                        .v2(2, 15, 0x01)
                        .wait(255)
                        .out);
    // Connection Encapsulation (CSD01 §3.18): c1 allows address changes and speaks from peer 3
    // through it (PINGREQ, PUBLISH, a PUBACK the spec does not allow inside, DISCONNECT); c2 does not
    // allow it; an encapsulation naming a client nobody is.
    seeds.push_back(script{}
                        .v2_connect(0x64, 0, 0, 30)
                        .link_up(1)
                        .canned(1, 0, 0)
                        .v2_connect(0x29, 0, 0, 30)
                        .link_up(2)
                        .canned(2, 0, 0)
                        .v2(0x0F, 15, 0x01)
                        .v2(0x0F, 1, 0x02)
                        .v2(0x0F, 4, 0x00)
                        .v2(0x17, 15, 0x01)
                        .v2(0x1F, 15, 0x01)
                        .v2(0x0F, 17, 0x00)
                        .v2(0x0F, 16, 0x00)
                        .wait(30)
                        .out);
    // Sleep with Default Awake Messages 4 (CSD01 §4.14): six QoS 1 messages buffered, PINGREQ wakes
    // it, four come with their PUBACKs, PINGRESP tells how many remain; again.
    seeds.push_back(script{}
                        .v2_connect(0x24, 0x80, 0, 30)
                        .link_up(1)
                        .canned(1, 0, 0)
                        .v2(0, 12, 0x00)
                        .v2(0, 17, 0x00)
                        .canned(1, 8, 1)
                        .canned(1, 8, 2)
                        .canned(1, 8, 3)
                        .canned(1, 8, 4)
                        .canned(1, 7, 1)
                        .canned(1, 9, 2)
                        .v2(0, 15, 0x01)
                        .v2(0, 14, 0x00)
                        .v2(0, 4, 0x00)
                        .v2(0, 4, 0x01)
                        .v2(0, 4, 0x02)
                        .v2(0, 4, 0x03)
                        .wait(20)
                        .v2(0, 15, 0x02)
                        .v2(0, 5, 0x00)
                        .v2(0, 7, 0x00)
                        .wait(60)
                        .out);
    // A v2.0 sensor re-flashed to v1.2 (design §2): a v1.2 CONNECT with an invalid client id from
    // the v2.0 record's address is refused in v1.2 (the fuzzer's first find: the harness expected
    // v2.0), then a valid one takes the record over, then v2.0 again.
    seeds.push_back(script{}
                        .v2_connect(0x04, 0x16, 0x63, 0x31)
                        .datagram(0, {0x08, 0x04, 0x08, 0x01, 0x01, 0x00, 0x00, 0x1e})
                        .link_up(1)
                        .canned(1, 0, 0)
                        .datagram(0, connect_c1)
                        .v2_connect(0x24, 0x00, 0x00, 0x31)
                        .wait(30)
                        .out);
    // v2.0 packets of every type from a sender without a connection (0xF4, PUBWOS, SEARCHGW), raw
    // CONNECTs cut short and in the 3-octet Length form.
    {
        script s;
        for (int kind = 0; kind < 30; ++kind)
            s.v2(3, kind, kind * 5);
        auto c = encode_or_empty(connect_v2(0x24, 0x21, 0, 30));
        for (std::size_t cut = 1; cut < c.size(); cut += 3)
            s.raw(2, std::vector<std::byte>(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(cut)));
        std::vector<std::byte> long_form = {std::byte{0x01}, std::byte{0x00},
                                            static_cast<std::byte>(c.size() + 2)};
        long_form.insert(long_form.end(), c.begin() + 1, c.end());
        s.raw(2, long_form).link_up(1).canned(1, 0, 0).wait(20);
        seeds.push_back(s.out);
    }
    return seeds;
}
