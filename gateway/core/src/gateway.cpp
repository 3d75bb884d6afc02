// SPDX-License-Identifier: MIT
// The gateway core's routing layer (design §1-§3): datagrams by peer, CONNECT and wake-ups by client
// id, first contact, discovery, QoS -1 through the gateway's own upstream session, limits, and one
// deadline table across every client. Everything a single client does lives in client_session.
#include <sngw/core/gateway.hpp>

#include "client_session.hpp"
#include "reason_mapping.hpp"
#include "sn_conversions.hpp"
#include "topic_registry.hpp"

#include <sngw/core/errc.hpp>
#include <sngw/mqtt5/io.hpp>
#include <sngw/sn/errc.hpp>
#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>
#include <sngw/sn/wire.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace sngw::core {
namespace {

namespace v12 = sn::v1_2;
namespace v20 = sn::v2_0;

constexpr std::chrono::seconds reconnect_first{1};
constexpr std::chrono::seconds reconnect_max{60};
// Records whose session expired while nothing happened to them are collected this often (only
// inside on_timeout calls that happen anyway: no timer of its own).
constexpr std::chrono::seconds sweep_interval{60};

std::vector<std::byte> encode_v12(const v12::message& m)
{
    auto bytes = v12::encode(m);
    return bytes ? std::move(*bytes) : std::vector<std::byte>{};
}

std::vector<std::byte> encode_v20(const v20::message& m)
{
    auto bytes = v20::encode(m);
    return bytes ? std::move(*bytes) : std::vector<std::byte>{};
}

// For a DISCONNECT 0xF4 that echoes the packet's id (CSD01 §3.13.3).
using detail::packet_id_of;

// CSD01 §3.1 Figure 3-1: a v2.0 CONNECT that does not decode still says which CONNECT it was
// (Packet Identifier, after Flags and the optional Will Flags) and its Keep Alive (after the
// Protocol Version): enough for a CONNACK with a reason code (§4.12). None when even those are cut.
struct v2_connect_head {
    std::uint16_t packet_id = 0;
    std::uint16_t keep_alive = 0;
};

std::optional<v2_connect_head> peek_v2_connect(std::span<const std::byte> d)
{
    auto h = sn::wire::parse_header(d);
    if (!h || h->msg_type != static_cast<std::uint8_t>(v20::msg_type::connect)) return std::nullopt;
    std::size_t i = h->header_size;
    if (d.size() < i + 1) return std::nullopt;
    const auto flags = std::to_integer<unsigned>(d[i]);
    i += (flags & 0x02u) != 0 ? 2 : 1; // §3.1.3 Will Flags follow when the Will flag is set
    if (d.size() < i + 5) return std::nullopt;
    auto u16 = [&](std::size_t at) {
        return static_cast<std::uint16_t>((std::to_integer<unsigned>(d[at]) << 8) |
                                          std::to_integer<unsigned>(d[at + 1]));
    };
    return v2_connect_head{u16(i), u16(i + 3)};
}

std::string peer_text(peer_id p)
{
    return std::to_string(p.link) + ":" + std::to_string(p.address);
}

// The message name for a `dropped` detail: the MsgType's name when the header parses.
std::string describe_datagram(std::span<const std::byte> d)
{
    if (auto h = sn::wire::parse_header(d)) return std::string(v12::msg_type_name(h->msg_type));
    return "datagram of " + std::to_string(d.size()) + " octets";
}

template <class T> std::string to_text(const T& v)
{
    std::ostringstream os;
    os << v;
    return os.str();
}

} // namespace

struct gateway::impl {
    using deadline_table = std::multimap<time_point, session_id>;

    struct record {
        std::unique_ptr<detail::client_session> s;
        deadline_table::iterator deadline; // deadlines.end() when none
    };

    enum class link_phase : std::uint8_t { none, opening, up };

    explicit impl(config c)
        : cfg(std::move(c)),
          own_client_id(cfg.gateway_client_id.empty() ? "sngw-" + std::to_string(cfg.gateway_id)
                                                      : cfg.gateway_client_id),
          predefined(cfg.predefined_topics), own(make_own_config())
    {}

    config cfg;
    gateway_stats stats{};
    std::string own_client_id;
    detail::predefined_table predefined; // config.predefined_topics, hashed once (§6.7)

    // ---- client records --------------------------------------------------------------------
    std::map<session_id, record> sessions; // ordered by id = creation order (eviction: oldest first)
    std::unordered_map<peer_id, session_id> by_peer;
    std::unordered_map<std::string, session_id> by_client;
    deadline_table deadlines;
    session_id next_session = 1;
    time_point next_sweep{};
    std::uint64_t assigned_ids = 0; // client ids assigned to v2.0 CONNECTs without one

    // ---- the gateway's own upstream session (QoS -1 senders, design §2) ---------------------
    session_id own_id = next_session++;
    mqtt5::client_session own;
    link_phase own_link = link_phase::none;
    detail::own_link_watch own_watch{}; // the take-over witness (design §4)
    std::optional<time_point> reconnect_at{};
    std::chrono::seconds backoff = reconnect_first;

    // ---- discovery and life --------------------------------------------------------------------
    std::optional<time_point> advertise_at{};
    bool started = false;
    bool shutting_down = false;

    mqtt5::session_config make_own_config() const
    {
        mqtt5::session_config sc;
        sc.connect.client_id = own_client_id;
        sc.connect.clean_start = true; // QoS 0 only: nothing to resume
        sc.connect.keep_alive = cfg.broker_keep_alive;
        sc.connect.username = cfg.default_credentials.user_name;
        if (cfg.default_credentials.password)
            sc.connect.password = sn::wire::to_bytes(*cfg.default_credentials.password);
        sc.connect_timeout = cfg.broker_connect_timeout;
        if (!cfg.status_topic.empty()) {
            // Design §6 status topic: "offline" (retained, QoS 1) as this connection's will, so the
            // broker publishes it when the gateway dies or ends with DISCONNECT 0x04.
            mqtt5::will_message w;
            w.topic = cfg.status_topic;
            w.payload = sn::wire::to_bytes("offline");
            w.qos = mqtt5::qos::at_least_once;
            w.retain = true;
            sc.connect.will = std::move(w);
        }
        return sc;
    }

    // ---- output helpers ------------------------------------------------------------------------

    void drop(std::vector<action>& out, peer_id p, std::string client_id, boost::system::error_code ec,
              std::string detail)
    {
        out.push_back(dropped{p, std::move(client_id), ec, std::move(detail)});
    }

    void send(std::vector<action>& out, peer_id to, const v12::message& m)
    {
        out.push_back(send_datagram{to, encode_v12(m)});
    }

    void send(std::vector<action>& out, peer_id to, const v20::message& m)
    {
        out.push_back(send_datagram{to, encode_v20(m)});
    }

    // A sender the core keeps nothing for (MQTT-SN has no session without CONNECT).
    void forget_if_unknown(std::vector<action>& out, peer_id p)
    {
        if (!by_peer.contains(p)) out.push_back(forget_peer{p});
    }

    record* find(session_id id)
    {
        auto it = sessions.find(id);
        return it == sessions.end() ? nullptr : &it->second;
    }

    record* find_by_peer(peer_id p)
    {
        auto it = by_peer.find(p);
        return it == by_peer.end() ? nullptr : find(it->second);
    }

    // ---- after every call on a client session ---------------------------------------------------

    /// Post-processes what session `id` appended from `first` on, refreshes its deadline, and
    /// removes the record when it says so.
    void settle(session_id id, std::vector<action>& out, std::size_t first, time_point now)
    {
        // A record detached from its peer (another client id took the address) cannot be reached.
        auto dead = [](const action& a) {
            const auto* d = std::get_if<send_datagram>(&a);
            return d != nullptr && !d->to;
        };
        out.erase(std::remove_if(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), dead),
                  out.end());

        auto* r = find(id);
        if (r == nullptr) return;
        refresh_deadline(id, *r);
        if (r->s->removable(now)) remove(id, out, "");
    }

    void refresh_deadline(session_id id, record& r)
    {
        if (r.deadline != deadlines.end()) deadlines.erase(r.deadline);
        r.deadline = deadlines.end();
        if (auto d = r.s->next_deadline()) r.deadline = deadlines.emplace(*d, id);
    }

    void remove(session_id id, std::vector<action>& out, std::string why)
    {
        auto it = sessions.find(id);
        if (it == sessions.end()) return;
        auto& r = it->second;
        if (r.deadline != deadlines.end()) deadlines.erase(r.deadline);
        const peer_id p = r.s->peer();
        const std::string client_id = r.s->client_id();
        const client_state state = r.s->state();
        if (auto pi = by_peer.find(p); pi != by_peer.end() && pi->second == id) by_peer.erase(pi);
        if (auto ci = by_client.find(client_id); ci != by_client.end() && ci->second == id)
            by_client.erase(ci);
        sessions.erase(it);
        out.push_back(client_event{id, p, client_id, client_event_kind::removed, state, std::move(why)});
        if (p) forget_if_unknown(out, p);
    }

    /// Points `p` at session `id`: a record that held `p` before is detached from it (and ended if
    /// its sensor listens: see client_session::detach), the old peer of `id` is forgotten.
    void bind(session_id id, record& r, peer_id p, time_point now, std::vector<action>& out)
    {
        if (auto pi = by_peer.find(p); pi != by_peer.end() && pi->second != id) {
            const session_id other = pi->second;
            by_peer.erase(pi);
            if (auto* o = find(other)) {
                // Its datagrams would reach the new client. Lost at once rather than left to a
                // keep-alive that may never come (Duration 0): the sensor at that address is gone.
                const std::size_t first = out.size();
                o->s->detach("its address now belongs to client " + r.s->client_id(), now, out);
                settle(other, out, first, now);
            }
        }
        by_peer[p] = id;
        const peer_id old = r.s->peer();
        if (old == p) return;
        r.s->rebind(p);
        if (old) {
            if (auto it = by_peer.find(old); it != by_peer.end() && it->second == id) by_peer.erase(it);
            out.push_back(client_event{id, p, r.s->client_id(), client_event_kind::moved, r.s->state(),
                                       "from " + peer_text(old)});
            forget_if_unknown(out, old);
        }
    }

    // ---- datagrams ------------------------------------------------------------------------------

    std::vector<action> on_datagram(peer_id from, std::span<const std::byte> d, time_point now)
    {
        std::vector<action> out;
        ++stats.datagrams_in;
        auto* r = find_by_peer(from);
        const std::string client_id = r != nullptr ? r->s->client_id() : std::string{};
        if (d.size() > cfg.max_datagram_size) {
            // Never decoded: a limit that protects the decoder too.
            drop(out, from, client_id, errc::datagram_too_large,
                 "datagram of " + std::to_string(d.size()) + " octets");
        } else if (shutting_down) {
            drop(out, from, client_id, errc::unexpected_message, "gateway shutting down");
        } else if (r != nullptr) {
            from_known(from, d, now, out);
        } else {
            first_contact(from, d, now, out);
        }
        // A record created and removed within this call has already forgotten its peer.
        const bool forgotten = std::any_of(out.begin(), out.end(), [&](const action& a) {
            const auto* f = std::get_if<forget_peer>(&a);
            return f != nullptr && f->peer == from;
        });
        if (r == nullptr && !forgotten) forget_if_unknown(out, from);
        if (std::any_of(out.begin(), out.end(),
                        [](const action& a) { return std::holds_alternative<dropped>(a); }))
            ++stats.datagrams_dropped;
        return out;
    }

    // A sender with a record: decoded with its version (design §2). A CONNECT of the other version
    // (the sensor was re-flashed, or two stacks share an address) is recognised by its shape.
    void from_known(peer_id from, std::span<const std::byte> d, time_point now, std::vector<action>& out)
    {
        const session_id id = by_peer.at(from);
        auto* r = find(id);
        const auto fc = sn::classify_first_contact(d);
        const auto version =
            fc.kind == sn::first_contact_kind::connect && fc.version ? *fc.version : r->s->version();
        if (version == sn::protocol_version::v2_0) {
            from_known_v2(from, id, d, now, out);
            return;
        }
        auto m = v12::decode(d);
        if (!m) {
            drop(out, from, r->s->client_id(), m.error(), describe_datagram(d));
            return;
        }
        std::visit(
            [&](auto& msg) {
                using T = std::decay_t<decltype(msg)>;
                if constexpr (std::is_same_v<T, v12::connect_msg>) {
                    on_connect(from, msg, now, out);
                } else if constexpr (std::is_same_v<T, v12::searchgw_msg>) {
                    on_searchgw(from, out);
                } else if constexpr (std::is_same_v<T, v12::advertise_msg> ||
                                     std::is_same_v<T, v12::gwinfo_msg>) {
                    drop(out, from, r->s->client_id(), errc::own_advertisement,
                         std::string(v12::type_name(*m)));
                } else if constexpr (std::is_same_v<T, v12::encapsulated_msg>) {
                    // TODO(#6): forwarders.
                    drop(out, from, r->s->client_id(), errc::unexpected_message,
                         "forwarder encapsulation (not supported yet)");
                } else if constexpr (std::is_same_v<T, v12::publish_msg>) {
                    // §6.8 QoS -1: a sensor with a connected session publishes as itself (design §2
                    // transparent mode: its authorisation, its client id), as QoS 0; any other
                    // sender through the gateway's own session.
                    if (msg.q == v12::qos::minus_one && !r->s->publishes_upstream())
                        publish_qos_minus_one(from, r->s->client_id(), msg, now, out);
                    else
                        deliver(id, *m, now, out);
                } else if constexpr (std::is_same_v<T, v12::pingreq_msg>) {
                    // A PINGREQ with ClientId is a wake-up (§6.14), routed by the client id: it may
                    // name another record than the one bound to this address.
                    if (msg.client_id && *msg.client_id != r->s->client_id())
                        on_wake(from, msg, now, out);
                    else
                        deliver(id, *m, now, out);
                } else {
                    deliver(id, *m, now, out);
                }
            },
            *m);
    }

    // MQTT-SN 2.0 (CSD01) from a sender with a record.
    void from_known_v2(peer_id from, session_id id, std::span<const std::byte> d, time_point now,
                       std::vector<action>& out)
    {
        auto* r = find(id);
        auto m = v20::decode(d);
        if (!m) {
            drop(out, from, r->s->client_id(), m.error(), describe_datagram_v2(d));
            if (refuse_bad_connect(from, d, m.error(), out)) {
                // §3.2.4 [MQTT-SN-3.2.4-2]: a CONNACK of 0x80 or more deletes the VC too.
                if (r->s->has_v2_connection()) {
                    const std::size_t first = out.size();
                    r->s->on_bad_packet(0x81, "CONNECT does not decode", false, now, out);
                    settle(id, out, first, now);
                }
                return;
            }
            if (r->s->has_v2_connection()) {
                // CSD01 §4.12 (design §4): DISCONNECT 0x81 Malformed Packet, the VC is deleted.
                const std::size_t first = out.size();
                r->s->on_bad_packet(0x81, describe_datagram_v2(d) + ": " + m.error().message(), true, now,
                                    out);
                settle(id, out, first, now);
            }
            return;
        }
        if (sessionless_v2(from, r->s->client_id(), *m, now, out)) return;
        if (std::holds_alternative<v20::forwarder_encapsulation_msg>(*m) ||
            std::holds_alternative<v20::protection_encapsulation_msg>(*m)) {
            // Forwarders are unwrapped by the transport (design §5); protection is not supported
            // (CSD01 §3.17 is optional).
            drop(out, from, r->s->client_id(), errc::unexpected_message,
                 std::string(v20::type_name(*m)) + " (not supported)");
            return;
        }
        deliver_v2(id, *m, now, out);
    }

    // The v2.0 packets the gateway answers whether or not the sender has a VC (design §2):
    // CONNECT, SEARCHGW, PUBWOS, Connection Encapsulation, and another gateway's ADVERTISE or
    // GWINFO (dropped). False: `m` is none of these, the caller decides. `client_id`: the sender's
    // record's, empty without one.
    bool sessionless_v2(peer_id from, const std::string& client_id, const v20::message& m, time_point now,
                        std::vector<action>& out)
    {
        return std::visit(
            [&](const auto& msg) {
                using T = std::decay_t<decltype(msg)>;
                if constexpr (std::is_same_v<T, v20::connect_msg>) {
                    on_connect_v2(from, msg, now, out);
                } else if constexpr (std::is_same_v<T, v20::searchgw_msg>) {
                    on_searchgw_v2(from, out);
                } else if constexpr (std::is_same_v<T, v20::pubwos_msg>) {
                    // CSD01 §3.6.1: no session needed; through the gateway's shared connection
                    // (design §2), as QoS 0.
                    publish_without_session(from, client_id, msg, now, out);
                } else if constexpr (std::is_same_v<T, v20::connection_encapsulation_msg>) {
                    on_connection_encapsulation(from, msg, now, out);
                } else if constexpr (std::is_same_v<T, v20::advertise_msg> ||
                                     std::is_same_v<T, v20::gwinfo_msg>) {
                    drop(out, from, client_id, errc::own_advertisement, std::string(v20::type_name(m)));
                } else {
                    return false;
                }
                return true;
            },
            m);
    }

    void deliver_v2(session_id id, const v20::message& m, time_point now, std::vector<action>& out)
    {
        auto* r = find(id);
        const std::size_t first = out.size();
        r->s->on_message(m, now, out);
        settle(id, out, first, now);
    }

    static std::string describe_datagram_v2(std::span<const std::byte> d)
    {
        if (auto h = sn::wire::parse_header(d)) {
            std::ostringstream os;
            os << "MQTT-SN 2.0 packet type 0x" << std::hex << static_cast<unsigned>(h->msg_type);
            return os.str();
        }
        return "datagram of " + std::to_string(d.size()) + " octets";
    }

    /// A v2.0 CONNECT that does not decode (CSD01 §4.12: CONNECT errors MAY get a CONNACK with the
    /// code): Keep Alive 0 is a Protocol Error (0x82, §3.1.6 [MQTT-SN-3.1.6-4]), anything else 0x81
    /// Malformed Packet. True when a CONNACK went out.
    bool refuse_bad_connect(peer_id from, std::span<const std::byte> d, boost::system::error_code ec,
                            std::vector<action>& out)
    {
        const auto fc = sn::classify_first_contact(d);
        if (fc.kind != sn::first_contact_kind::connect || fc.version != sn::protocol_version::v2_0)
            return false;
        const auto head = peek_v2_connect(d);
        if (!head) return false;
        v20::connack_msg c;
        c.packet_id = head->packet_id;
        c.reason_code =
            head->keep_alive == 0 && ec == make_error_code(sn::errc::bad_field_value) ? 0x82 : 0x81;
        send(out, from, c);
        return true;
    }

    // CSD01 §3.18: a sensor whose address changed speaks through a Connection Encapsulation naming
    // its client id; the record moves to the new address when its CONNECT allowed it (Allow Network
    // Address changes, §3.1.2.6).
    void on_connection_encapsulation(peer_id from, const v20::connection_encapsulation_msg& m, time_point now,
                                     std::vector<action>& out)
    {
        // decode() has checked that the inner packet is v2.0 and one of the seven types §3.18
        // allows (PUBLISH, SUBSCRIBE, UNSUBSCRIBE, REGISTER, DISCONNECT, SLEEPREQ, PINGREQ).
        auto inner = v20::decode(m.message);
        if (!inner) {
            drop(out, from, m.client_id, inner.error(), "Connection Encapsulation: inner packet");
            return;
        }
        auto no_connection = [&](std::string why) {
            // §3.13.3: DISCONNECT 0xF4 echoing the inner packet's id; never for a DISCONNECT.
            if (!std::holds_alternative<v20::disconnect_msg>(*inner))
                out.push_back(
                    send_datagram{from, detail::disconnect_datagram(sn::protocol_version::v2_0,
                                                                    detail::v2_no_virtual_connection,
                                                                    std::nullopt, packet_id_of(*inner))});
            drop(out, from, m.client_id, errc::no_session, "Connection Encapsulation: " + why);
        };
        auto it = by_client.find(m.client_id);
        if (it == by_client.end()) {
            no_connection("unknown client id");
            return;
        }
        const session_id id = it->second;
        auto& r = *find(id);
        if (!r.s->has_v2_connection()) {
            no_connection("no MQTT-SN 2.0 connection");
            return;
        }
        if (!r.s->accepts_connection_encapsulation()) {
            // §3.1.2.6 [MQTT-SN-3.1.2.6-1]: a protocol error: DISCONNECT (to the sender) and the VC is
            // deleted.
            out.push_back(send_datagram{from, detail::disconnect_datagram(sn::protocol_version::v2_0, 0x82)});
            drop(out, from, m.client_id, errc::unexpected_message,
                 "Connection Encapsulation without Allow Network Address changes");
            const std::size_t first = out.size();
            r.s->on_bad_packet(0x82, "Connection Encapsulation without Allow Network Address changes", false,
                               now, out);
            settle(id, out, first, now);
            return;
        }
        bind(id, r, from, now, out);
        deliver_v2(id, *inner, now, out);
    }

    void deliver(session_id id, const v12::message& m, time_point now, std::vector<action>& out)
    {
        auto* r = find(id);
        const std::size_t first = out.size();
        r->s->on_message(m, now, out);
        settle(id, out, first, now);
    }

    void first_contact(peer_id from, std::span<const std::byte> d, time_point now, std::vector<action>& out)
    {
        using sn::first_contact_kind;
        const auto fc = sn::classify_first_contact(d);
        if (fc.version == sn::protocol_version::v2_0) {
            ++stats.datagrams_v2_0;
            first_contact_v2(from, fc, d, now, out);
            return;
        }
        if (fc.kind == first_contact_kind::encapsulation) {
            // TODO(#6): forwarders (MQTT-SN v1.2 §5.5).
            drop(out, from, {}, errc::unexpected_message, "forwarder encapsulation (not supported yet)");
            return;
        }
        auto m = v12::decode(d);
        if (!m) {
            drop(out, from, {}, m.error(), describe_datagram(d));
            return;
        }
        switch (fc.kind) {
        case first_contact_kind::connect:
            if (auto* c = std::get_if<v12::connect_msg>(&*m)) {
                on_connect(from, *c, now, out);
                return;
            }
            break;
        case first_contact_kind::searchgw:
            if (std::holds_alternative<v12::searchgw_msg>(*m)) {
                on_searchgw(from, out);
                return;
            }
            break;
        case first_contact_kind::publish_without_session:
            if (auto* p = std::get_if<v12::publish_msg>(&*m); p != nullptr && p->q == v12::qos::minus_one) {
                publish_qos_minus_one(from, {}, *p, now, out);
                return;
            }
            break;
        case first_contact_kind::wake:
            if (auto* p = std::get_if<v12::pingreq_msg>(&*m); p != nullptr && p->client_id) {
                on_wake(from, *p, now, out);
                return;
            }
            break;
        case first_contact_kind::encapsulation:
        case first_contact_kind::other:
            break;
        }
        needs_session(from, *m, fc.version == sn::protocol_version::v1_2, out);
    }

    // Design §2: a v2.0 CONNECT, SEARCHGW, PUBWOS or Connection Encapsulation from a sender without
    // a record; anything else that is recognisably v2.0 gets DISCONNECT 0xF4 (CSD01 §3.13).
    void first_contact_v2(peer_id from, const sn::first_contact& fc, std::span<const std::byte> d,
                          time_point now, std::vector<action>& out)
    {
        (void)fc;
        auto m = v20::decode(d);
        if (!m) {
            drop(out, from, {}, m.error(), describe_datagram_v2(d));
            refuse_bad_connect(from, d, m.error(), out);
            return;
        }
        if (sessionless_v2(from, {}, *m, now, out)) return;
        // CSD01 §3.13.3: "No Virtual Connection exists", echoing the packet's id; never in answer to
        // a DISCONNECT (two gateways would answer each other for ever).
        if (!std::holds_alternative<v20::disconnect_msg>(*m))
            out.push_back(send_datagram{from, detail::disconnect_datagram(sn::protocol_version::v2_0,
                                                                          detail::v2_no_virtual_connection,
                                                                          std::nullopt, packet_id_of(*m))});
        drop(out, from, {}, errc::no_session, std::string(v20::type_name(*m)));
    }

    // A well-formed v1.2 message that needs a session the sender does not have. `surely_v1_2`: its
    // shape is v1.2 only (classify_first_contact); a shape v2.0 shares is not answered in v1.2.
    void needs_session(peer_id from, const v12::message& m, bool surely_v1_2, std::vector<action>& out)
    {
        const std::string name(v12::type_name(m));
        if (std::holds_alternative<v12::advertise_msg>(m) || std::holds_alternative<v12::gwinfo_msg>(m)) {
            // Another gateway's (or our own multicast echo): never answered.
            drop(out, from, {}, errc::own_advertisement, name);
            return;
        }
        // MQTT-SN v1.2 §6.3/§5.4.21: the sender must CONNECT first; the bare DISCONNECT tells it.
        // Not in answer to a DISCONNECT: two gateways would otherwise answer each other for ever.
        if (surely_v1_2 && !std::holds_alternative<v12::disconnect_msg>(m))
            send(out, from, v12::disconnect_msg{});
        drop(out, from, {}, errc::no_session, name);
    }

    // ---- CONNECT, wake-up -----------------------------------------------------------------------

    bool valid_client_id(const std::string& id) const
    {
        // gw_common: empty, too long, NUL or not UTF-8 cannot be an MQTT 5 client id.
        return !id.empty() && id.size() <= cfg.max_client_id_length && sn::wire::is_valid_utf8(id);
    }

    void on_connect(peer_id from, const v12::connect_msg& m, time_point now, std::vector<action>& out)
    {
        if (!valid_client_id(m.client_id)) {
            send(out, from, v12::connack_msg{v12::return_codes::rejected_not_supported});
            drop(out, from, {}, errc::invalid_client_id,
                 "CONNECT with a client id of " + std::to_string(m.client_id.size()) + " octets");
            return;
        }
        session_id id = 0;
        if (auto it = by_client.find(m.client_id); it != by_client.end()) {
            id = it->second;
        } else {
            if (sessions.size() >= cfg.max_clients && !evict_one(now, out)) {
                // MQTT-SN v1.2 §5.3.10: "rejected: congestion".
                send(out, from, v12::connack_msg{v12::return_codes::rejected_congestion});
                drop(out, from, m.client_id, errc::client_limit,
                     "CONNECT: " + std::to_string(cfg.max_clients) + " clients");
                return;
            }
            id = create(m.client_id, from);
        }
        auto& r = *find(id);
        bind(id, r, from, now, out);
        const std::size_t first = out.size();
        r.s->on_connect(m, now, out);
        settle(id, out, first, now);
    }

    // CSD01 §3.1: a v2.0 CONNECT. An empty client id gets one assigned (§3.2.11, returned in CONNACK).
    void on_connect_v2(peer_id from, const v20::connect_msg& m, time_point now, std::vector<action>& out)
    {
        auto refuse = [&](std::uint8_t code) {
            v20::connack_msg c;
            c.packet_id = m.packet_id;
            c.reason_code = code;
            send(out, from, c);
        };
        std::string client_id = m.client_id;
        const bool assigned = client_id.empty();
        if (assigned) client_id = assign_client_id(now);
        if (!valid_client_id(client_id)) {
            refuse(0x85); // Client Identifier not valid
            drop(out, from, {}, errc::invalid_client_id,
                 "CONNECT with a client id of " + std::to_string(m.client_id.size()) + " octets");
            return;
        }
        // CSD01 §3.1.7, §3.2.11: the CONNACK carries the assigned id and must fit the sensor's Maximum
        // Packet Size; when it cannot, the connection is refused with 0x95 (6 octets, which always fit).
        if (assigned && m.maximum_packet_size != 0 &&
            v20::encoded_size(v20::connack_msg{false, m.packet_id, 0x00, std::nullopt, std::nullopt, std::nullopt,
                                               client_id}) > m.maximum_packet_size) {
            refuse(0x95); // Packet too large
            drop(out, from, {}, errc::message_too_large,
                 "CONNACK with the assigned client id over the sensor's Maximum Packet Size " +
                     std::to_string(m.maximum_packet_size));
            return;
        }
        session_id id = 0;
        if (auto it = by_client.find(client_id); it != by_client.end()) {
            id = it->second;
        } else {
            if (sessions.size() >= cfg.max_clients && !evict_one(now, out)) {
                refuse(0x89); // Server busy: the gateway's own verdict for overload (design §4, CSD01 §2.3)
                drop(out, from, client_id, errc::client_limit,
                     "CONNECT: " + std::to_string(cfg.max_clients) + " clients");
                return;
            }
            id = create(client_id, from, sn::protocol_version::v2_0);
        }
        auto& r = *find(id);
        if (const peer_id old = r.s->peer(); r.s->has_v2_connection() && old && old != from) {
            // CSD01 §3.1 [MQTT-SN-3.1.19-3] (as MQTT 5.0 §3.1.4): a CONNECT for a client id with a VC
            // elsewhere takes it over: the old VC gets DISCONNECT 0x8E and is deleted, its will
            // published; this CONNECT then goes on as on a record without a VC.
            r.s->take_over(now, out);
        }
        bind(id, r, from, now, out);
        const std::size_t first = out.size();
        r.s->on_connect(m, assigned, now, out);
        settle(id, out, first, now);
    }

    /// A client id for a v2.0 CONNECT without one (CSD01 §3.2.11): unique among the records and
    /// across restarts (the start time is part of it), at most 36 characters.
    std::string assign_client_id(time_point now)
    {
        for (;;) {
            const auto ticks = static_cast<unsigned long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
            char buf[40];
            std::snprintf(buf, sizeof buf, "sngw%u-%llx-%llx", static_cast<unsigned>(cfg.gateway_id), ticks,
                          static_cast<unsigned long long>(++assigned_ids));
            if (!by_client.contains(buf)) return buf;
        }
    }

    session_id create(const std::string& client_id, peer_id from,
                      sn::protocol_version version = sn::protocol_version::v1_2)
    {
        const session_id id = next_session++;
        auto s = std::make_unique<detail::client_session>(id, client_id, from, cfg, predefined, stats,
                                                          own_watch, version);
        sessions.emplace(id, record{std::move(s), deadlines.end()});
        by_client.emplace(client_id, id);
        return id; // bind() enters the peer
    }

    /// max_clients: the oldest record that can go, if any.
    bool evict_one(time_point now, std::vector<action>& out)
    {
        for (auto& [id, r] : sessions) {
            if (r.s->removable(now)) {
                ++stats.clients_evicted;
                remove(id, out, "evicted: client limit");
                return true;
            }
        }
        return false;
    }

    // MQTT-SN v1.2 §6.14: a sleeping client wakes with PINGREQ carrying its ClientId, maybe from a
    // new address.
    void on_wake(peer_id from, const v12::pingreq_msg& m, time_point now, std::vector<action>& out)
    {
        auto it = by_client.find(*m.client_id);
        if (it == by_client.end()) {
            // It must CONNECT again; the DISCONNECT tells it so (§6.14 has no other answer; design §4:
            // v2.0 0xF4 No Virtual Connection exists, through the same builder).
            out.push_back(send_datagram{from, detail::disconnect_datagram(sn::protocol_version::v1_2,
                                                                          detail::v2_no_virtual_connection)});
            drop(out, from, *m.client_id, errc::unknown_client, "PINGREQ");
            return;
        }
        const session_id id = it->second;
        auto& r = *find(id);
        bind(id, r, from, now, out);
        const std::size_t first = out.size();
        r.s->on_message(m, now, out);
        settle(id, out, first, now);
    }

    // ---- discovery (MQTT-SN v1.2 §6.1) -------------------------------------------------------------

    void on_searchgw(peer_id from, std::vector<action>& out)
    {
        // §5.4.3: a gateway's GWINFO carries only its GwId.
        send(out, from, v12::gwinfo_msg{cfg.gateway_id, std::nullopt});
    }

    void on_searchgw_v2(peer_id from, std::vector<action>& out)
    {
        // CSD01 §3.20.3: a gateway's GWINFO carries only its Gateway Id.
        send(out, from, v20::gwinfo_msg{cfg.gateway_id, {}});
    }

    void advertise(time_point now, std::vector<action>& out)
    {
        // §5.4.1 Duration: seconds until the next ADVERTISE.
        const auto secs = std::min<std::chrono::seconds::rep>(cfg.advertise_interval.count(), 0xFFFF);
        out.push_back(broadcast_datagram{
            encode_v12(v12::advertise_msg{cfg.gateway_id, static_cast<std::uint16_t>(secs)})});
        advertise_at = now + cfg.advertise_interval;
    }

    // ---- QoS -1 (MQTT-SN v1.2 §6.8) -----------------------------------------------------------------

    void publish_qos_minus_one(peer_id from, const std::string& client_id, const v12::publish_msg& m,
                               time_point now, std::vector<action>& out)
    {
        std::string topic;
        switch (m.topic_id_type) {
        case v12::topic_id_type::short_name:
            // §6.7: the two characters, first in the high octet.
            topic.push_back(static_cast<char>(m.topic_id >> 8));
            topic.push_back(static_cast<char>(m.topic_id & 0xFF));
            break;
        case v12::topic_id_type::predefined: {
            const auto* name = predefined.name(m.topic_id);
            if (name == nullptr) {
                drop(out, from, client_id, errc::unknown_topic,
                     "PUBLISH QoS -1 to predefined topic id " + std::to_string(m.topic_id));
                return;
            }
            topic = *name;
            break;
        }
        case v12::topic_id_type::normal:
            // §6.8: a sender without a session has no registered topic ids.
            drop(out, from, client_id, errc::unknown_topic,
                 "PUBLISH QoS -1 to normal topic id " + std::to_string(m.topic_id));
            return;
        }
        publish_shared(from, client_id, std::move(topic), m.data, m.retain, "PUBLISH QoS -1", now, out);
    }

    // CSD01 §3.6.1 PUBWOS: QoS 0 through the gateway's shared connection (design §2), by predefined
    // alias or topic name.
    void publish_without_session(peer_id from, const std::string& client_id, const v20::pubwos_msg& m,
                                 time_point now, std::vector<action>& out)
    {
        std::string topic;
        if (m.topic_type == v20::topic_type::predefined_alias) {
            const auto* name = predefined.name(m.topic_alias);
            if (name == nullptr) {
                drop(out, from, client_id, errc::unknown_topic,
                     "PUBWOS to predefined topic alias " + std::to_string(m.topic_alias));
                return;
            }
            topic = *name;
        } else if (m.topic_type == v20::topic_type::topic_name && detail::is_topic_name(m.topic_name)) {
            topic = m.topic_name;
        } else {
            drop(out, from, client_id, errc::unknown_topic, "PUBWOS without a usable topic");
            return;
        }
        publish_shared(from, client_id, std::move(topic), m.payload, m.retain, "PUBWOS", now, out);
    }

    // QoS -1 / PUBWOS: one QoS 0 PUBLISH on the gateway's own session; `what` names it in drops.
    void publish_shared(peer_id from, const std::string& client_id, std::string topic,
                        const std::vector<std::byte>& payload, bool retain, const std::string& what,
                        time_point now, std::vector<action>& out)
    {
        if (own.state() != mqtt5::session_state::connected) {
            drop(out, from, client_id, errc::broker_unavailable, what + " to " + topic);
            return;
        }
        auto r = own.publish(std::move(topic), payload, mqtt5::qos::at_most_once, retain, {}, now);
        if (r.status == mqtt5::request_status::sent) {
            ++stats.publishes_from_clients[3];
        } else if (r.status == mqtt5::request_status::not_connected) {
            drop(out, from, client_id, errc::broker_unavailable, what);
        } else {
            drop(out, from, client_id,
                 r.reason == mqtt5::reason_code::packet_too_large ? errc::message_too_large
                                                                  : errc::unexpected_message,
                 what + " refused: " + to_text(r.reason));
        }
        own_actions(std::move(r.actions), now, out);
    }

    // ---- the gateway's own session -----------------------------------------------------------------

    void open_own(std::vector<action>& out)
    {
        own_link = link_phase::opening;
        reconnect_at.reset();
        detail::set_credentials(own, cfg.default_credentials); // a reload's, from here on
        const auto max =
            own.config().connect.props.maximum_packet_size.value_or(mqtt5::default_max_packet_size);
        out.push_back(open_broker_link{own_id, max, {}, 0});
    }

    void own_event(client_event_kind kind, std::string detail, std::vector<action>& out)
    {
        out.push_back(client_event{own_id, peer_id{}, own_client_id, kind,
                                   kind == client_event_kind::upstream_up ? client_state::active
                                                                          : client_state::disconnected,
                                   std::move(detail)});
    }

    void own_actions(std::vector<mqtt5::action> actions, time_point now, std::vector<action>& out)
    {
        for (auto& a : actions) {
            std::visit(
                [&](auto& x) {
                    using T = std::decay_t<decltype(x)>;
                    if constexpr (std::is_same_v<T, mqtt5::send_bytes>) {
                        out.push_back(send_to_broker{own_id, x.type, std::move(x.bytes)});
                    } else if constexpr (std::is_same_v<T, mqtt5::close_link>) {
                        out.push_back(close_broker_link{own_id, x.mode});
                        own_link = link_phase::none;
                    } else if constexpr (std::is_same_v<T, mqtt5::connected>) {
                        backoff = reconnect_first;
                        own_watch.connected = true;
                        own_event(client_event_kind::upstream_up, {}, out);
                        publish_status(now, out);
                    } else if constexpr (std::is_same_v<T, mqtt5::connect_failed> ||
                                         std::is_same_v<T, mqtt5::broker_disconnected> ||
                                         std::is_same_v<T, mqtt5::link_lost> ||
                                         std::is_same_v<T, mqtt5::protocol_error_detected>) {
                        if constexpr (std::is_same_v<T, mqtt5::link_lost>)
                            if (x.cause == mqtt5::link_lost_cause::link_down) own_link = link_phase::none;
                        if (own_watch.connected) ++own_watch.downs;
                        own_watch.connected = false;
                        own_event(client_event_kind::upstream_down, to_text(mqtt5::action{x}), out);
                    } else if constexpr (std::is_same_v<T, mqtt5::message_received>) {
                        // Nothing subscribes on this session; a QoS 1/2 message is acknowledged so the
                        // broker does not hold it for ever.
                        if (x.delivery.value != 0) own_actions(own.acknowledge(x.delivery, now), now, out);
                    }
                },
                a);
        }
        if (own_link == link_phase::none && !reconnect_at && !shutting_down && started) {
            // Back-off 1 s doubling to 60 s; reset by a CONNACK Success.
            reconnect_at = now + backoff;
            backoff = std::min(backoff * 2, std::chrono::seconds(reconnect_max));
        }
    }

    void publish_status(time_point now, std::vector<action>& out)
    {
        // Design §6: "online", retained, QoS 1, after each CONNACK (the will says "offline").
        if (cfg.status_topic.empty()) return;
        auto r = own.publish(cfg.status_topic, sn::wire::to_bytes("online"), mqtt5::qos::at_least_once, true,
                             {}, now);
        own_actions(std::move(r.actions), now, out);
    }

    // ---- broker events --------------------------------------------------------------------------------

    std::vector<action> on_link_up(session_id s, time_point now)
    {
        std::vector<action> out;
        if (s == own_id) {
            if (own_link != link_phase::opening) return out; // not asked for (or already closed): ignore
            if (shutting_down) {
                out.push_back(close_broker_link{own_id, mqtt5::close_mode::graceful});
                own_link = link_phase::none;
                return out;
            }
            own_link = link_phase::up;
            own_actions(own.on_link_up(now), now, out);
            return out;
        }
        if (find(s) == nullptr) return out;
        if (shutting_down) {
            // A link that was still connecting when we shut down: close it unused.
            out.push_back(close_broker_link{s, mqtt5::close_mode::graceful});
            return out;
        }
        find(s)->s->on_broker_link_up(now, out);
        settle(s, out, 0, now);
        return out;
    }

    std::vector<action> on_bytes(session_id s, std::span<const std::byte> p, time_point now)
    {
        std::vector<action> out;
        if (s == own_id) {
            if (own_link == link_phase::up) own_actions(own.on_bytes(p, now), now, out);
            return out;
        }
        if (auto* r = find(s)) {
            r->s->on_broker_bytes(p, now, out);
            settle(s, out, 0, now);
        }
        return out;
    }

    std::vector<action> on_link_down(session_id s, time_point now)
    {
        std::vector<action> out;
        if (s == own_id) {
            if (own_link == link_phase::opening) {
                own_link = link_phase::none;
                own_event(client_event_kind::upstream_down, "broker unreachable", out);
                own_actions({}, now, out);
            } else if (own_link == link_phase::up) {
                own_actions(own.on_link_down(now), now, out);
            }
            return out;
        }
        if (auto* r = find(s)) {
            r->s->on_broker_link_down(now, out);
            settle(s, out, 0, now);
        }
        return out;
    }

    // ---- time -------------------------------------------------------------------------------------------

    std::vector<action> on_timeout(time_point now)
    {
        std::vector<action> out;
        if (advertise_at && *advertise_at <= now && !shutting_down) advertise(now, out);
        if (auto d = own.next_deadline(); d && *d <= now) own_actions(own.on_timeout(now), now, out);
        if (reconnect_at && *reconnect_at <= now && !shutting_down) open_own(out);

        // Each due client once per call; a client that is due again at once waits for the next call.
        std::vector<session_id> due;
        for (auto it = deadlines.begin(); it != deadlines.end() && it->first <= now; ++it)
            due.push_back(it->second);
        for (session_id id : due) {
            auto* r = find(id);
            if (r == nullptr) continue;
            const std::size_t first = out.size();
            r->s->on_timeout(now, out);
            settle(id, out, first, now);
        }

        if (now >= next_sweep) {
            next_sweep = now + sweep_interval;
            std::vector<session_id> gone;
            for (auto& [id, r] : sessions)
                if (r.s->removable(now)) gone.push_back(id);
            for (session_id id : gone)
                remove(id, out, "session expired");
        }
        return out;
    }

    std::optional<time_point> next_deadline() const
    {
        std::optional<time_point> best;
        auto consider = [&](std::optional<time_point> t) {
            if (t && (!best || *t < *best)) best = t;
        };
        if (!deadlines.empty()) consider(deadlines.begin()->first);
        consider(own.next_deadline());
        if (!shutting_down) {
            consider(reconnect_at);
            consider(advertise_at);
        }
        return best;
    }

    // ---- start, shutdown ----------------------------------------------------------------------------

    std::vector<action> start(time_point now)
    {
        std::vector<action> out;
        if (started) return out;
        started = true;
        next_sweep = now + sweep_interval;
        open_own(out);
        if (cfg.advertise_interval.count() > 0) advertise(now, out); // §6.1: the first one at once
        return out;
    }

    std::vector<action> shutdown(time_point now)
    {
        std::vector<action> out;
        if (shutting_down) return out;
        shutting_down = true;
        advertise_at.reset();
        reconnect_at.reset();
        for (auto& [id, r] : sessions) {
            const std::size_t first = out.size();
            r.s->shutdown(now, out);
            // settle() without removal: the table must not change under the loop.
            out.erase(std::remove_if(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                                     [](const action& a) {
                                         const auto* d = std::get_if<send_datagram>(&a);
                                         return d != nullptr && !d->to;
                                     }),
                      out.end());
            refresh_deadline(id, r);
        }
        if (own_link == link_phase::up) {
            // Design §6: with a status topic, MQTT 5.0 §3.14.2.1 0x04 Disconnect with Will Message:
            // the broker publishes the will, "offline" (retained); else 0x00.
            own_actions(own.disconnect(cfg.status_topic.empty()
                                           ? mqtt5::reason_code::normal_disconnection
                                           : mqtt5::reason_code::disconnect_with_will_message,
                                       std::nullopt, now),
                        now, out);
            if (own_link != link_phase::none) {
                out.push_back(close_broker_link{own_id, mqtt5::close_mode::graceful});
                own_link = link_phase::none;
            }
        } else if (own_link == link_phase::opening) {
            out.push_back(close_broker_link{own_id, mqtt5::close_mode::graceful});
            own_link = link_phase::none;
        }
        return out;
    }
};

gateway::gateway(config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {}
gateway::~gateway() = default;

std::vector<action> gateway::start(time_point now)
{
    return impl_->start(now);
}

std::vector<action> gateway::on_datagram(peer_id from, std::span<const std::byte> datagram, time_point now)
{
    return impl_->on_datagram(from, datagram, now);
}

std::vector<action> gateway::on_broker_link_up(session_id s, time_point now)
{
    return impl_->on_link_up(s, now);
}

std::vector<action> gateway::on_broker_bytes(session_id s, std::span<const std::byte> whole_packet,
                                             time_point now)
{
    return impl_->on_bytes(s, whole_packet, now);
}

std::vector<action> gateway::on_broker_link_down(session_id s, time_point now)
{
    return impl_->on_link_down(s, now);
}

std::vector<action> gateway::on_timeout(time_point now)
{
    return impl_->on_timeout(now);
}

std::optional<time_point> gateway::next_deadline() const
{
    return impl_->next_deadline();
}

std::optional<std::vector<action>> gateway::kick(const std::string& client_id, mqtt5::reason_code reason,
                                                 time_point now)
{
    auto& g = *impl_;
    auto it = g.by_client.find(client_id);
    if (it == g.by_client.end()) return std::nullopt;
    const session_id id = it->second;
    std::vector<action> out;
    if (g.shutting_down) return out;
    g.find(id)->s->kick(reason, now, out);
    g.settle(id, out, 0, now);
    return out;
}

std::vector<std::string> gateway::reconfigure(const config& next, time_point now)
{
    (void)now;
    auto& g = *impl_;
    std::vector<std::string> not_applied;
    auto differs = [&](const char* name, bool d) {
        if (d) not_applied.emplace_back(name);
    };
    const config& c = g.cfg;
    differs("gateway_id", c.gateway_id != next.gateway_id);
    differs("advertise_interval", c.advertise_interval != next.advertise_interval);
    differs("gateway_client_id", c.gateway_client_id != next.gateway_client_id);
    differs("client_id_prefix", c.client_id_prefix != next.client_id_prefix);
    differs("session_expiry", c.session_expiry != next.session_expiry);
    differs("broker_keep_alive", c.broker_keep_alive != next.broker_keep_alive);
    differs("broker_connect_timeout", c.broker_connect_timeout != next.broker_connect_timeout);
    differs("reconnect_tries", c.reconnect_tries != next.reconnect_tries);
    differs("retry_later_grace", c.retry_later_grace != next.retry_later_grace);
    differs("follow_server_reference", c.follow_server_reference != next.follow_server_reference);
    differs("hold_down", c.hold_down != next.hold_down);
    differs("takeover_witness", c.takeover_witness != next.takeover_witness);
    differs("status_topic", c.status_topic != next.status_topic);
    differs("retry_interval", c.retry_interval != next.retry_interval);
    differs("retry_count", c.retry_count != next.retry_count);
    differs("keep_alive_factor_percent", c.keep_alive_factor_percent != next.keep_alive_factor_percent);
    differs("max_clients", c.max_clients != next.max_clients);
    differs("max_topics_per_client", c.max_topics_per_client != next.max_topics_per_client);
    differs("max_buffered_messages", c.max_buffered_messages != next.max_buffered_messages);
    differs("max_datagram_size", c.max_datagram_size != next.max_datagram_size);
    differs("max_client_id_length", c.max_client_id_length != next.max_client_id_length);

    // Applied: every client holds references to cfg and to the predefined table, so both change
    // in place. Predefined ids are looked up per message (§6.7); credentials go with the next
    // upstream CONNECT of each session (client_session::impl::open_link refreshes them).
    g.cfg.predefined_topics = next.predefined_topics;
    g.predefined = detail::predefined_table(g.cfg.predefined_topics);
    g.cfg.credentials = next.credentials;
    g.cfg.default_credentials = next.default_credentials;
    return not_applied;
}

std::vector<action> gateway::shutdown(time_point now)
{
    return impl_->shutdown(now);
}

bool gateway::idle() const noexcept
{
    // shutdown() asks every link to close at once; links still connecting are closed when they come up.
    return impl_->shutting_down;
}

std::vector<client_info> gateway::clients() const
{
    std::vector<client_info> out;
    out.reserve(impl_->sessions.size());
    for (const auto& [id, r] : impl_->sessions)
        out.push_back(r.s->info());
    return out;
}

std::optional<client_info> gateway::client(const std::string& client_id) const
{
    auto it = impl_->by_client.find(client_id);
    if (it == impl_->by_client.end()) return std::nullopt;
    return impl_->sessions.at(it->second).s->info();
}

std::optional<client_state> gateway::state_of(peer_id peer) const
{
    auto it = impl_->by_peer.find(peer);
    if (it == impl_->by_peer.end()) return std::nullopt;
    return impl_->sessions.at(it->second).s->state();
}

const gateway_stats& gateway::stats() const noexcept
{
    return impl_->stats;
}

const config& gateway::configuration() const noexcept
{
    return impl_->cfg;
}

} // namespace sngw::core
