// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/core/client_state.hpp>
#include <sngw/mqtt5/session_action.hpp>
#include <sngw/transport/peer_id.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <variant>
#include <vector>

/// What the core asks the app to do. The app applies a returned vector in order.
namespace sngw::core {

using transport::peer_id;

/// Names one upstream MQTT 5 session (one per sensor, plus the gateway's own). Never reused, never 0,
/// so a late link event for a session that is gone is recognised and ignored.
using session_id = std::uint64_t;

/// One datagram to one sensor.
struct send_datagram {
    peer_id to{};
    std::vector<std::byte> bytes{};
    friend bool operator==(const send_datagram&, const send_datagram&) = default;
};

/// One datagram to every link's multicast/broadcast destination (ADVERTISE).
struct broadcast_datagram {
    std::vector<std::byte> bytes{};
    friend bool operator==(const broadcast_datagram&, const broadcast_datagram&) = default;
};

/// The core keeps nothing for this peer any more: the transport may drop its address entry.
struct forget_peer {
    peer_id peer{};
    friend bool operator==(const forget_peer&, const forget_peer&) = default;
};

/// Open a TCP/TLS connection to the broker for `session` (the configured broker, or `host:port` when
/// `host` is set: a followed Server Reference, design §4; `port` 0 then means the configured broker's
/// port). Answer with on_broker_link_up / on_broker_link_down.
/// `max_packet_size`: the largest packet the session accepts (size the stream splitter alike).
struct open_broker_link {
    session_id session = 0;
    std::uint32_t max_packet_size = 0;
    std::string host{};
    std::uint16_t port = 0;
    friend bool operator==(const open_broker_link&, const open_broker_link&) = default;
};

/// Write one whole MQTT 5 packet on `session`'s link, after every earlier one.
struct send_to_broker {
    session_id session = 0;
    mqtt5::packet_type type = mqtt5::packet_type::publish; // for logs and counters
    std::vector<std::byte> bytes{};
    friend bool operator==(const send_to_broker&, const send_to_broker&) = default;
};

/// Close `session`'s link: graceful (after queued bytes) or abrupt (no DISCONNECT: the broker
/// publishes the will). No on_broker_link_down is needed afterwards (it is ignored if it comes).
struct close_broker_link {
    session_id session = 0;
    mqtt5::close_mode mode = mqtt5::close_mode::graceful;
    friend bool operator==(const close_broker_link&, const close_broker_link&) = default;
};

/// A datagram the core did not act on (malformed, not allowed, over a limit). `error` is an
/// sn::errc or core::errc; `detail` names the message ("PUBLISH", "datagram of 5000 octets"). The
/// app logs it once and counts it by error.
struct dropped {
    peer_id peer{};
    std::string client_id{}; // empty when the sender has no session
    boost::system::error_code error{};
    std::string detail{};
    friend bool operator==(const dropped&, const dropped&) = default;
};

/// What happened to a client, for the log and the counters: one action per change.
enum class client_event_kind : std::uint8_t {
    connected,      // CONNACK accepted sent
    connect_refused,// CONNACK with a rejection sent (detail says why)
    disconnected,   // DISCONNECT from the sensor
    asleep,         // DISCONNECT with Duration
    awake,          // woke up with PINGREQ
    lost,           // keep-alive, sleep timer or retries expired (detail says which)
    will_updated,   // WILLTOPICUPD / WILLMSGUPD applied upstream
    moved,          // a known client id now speaks from another peer
    broker_verdict, // the broker ended the upstream session (detail: reason code and string)
    upstream_up,    // the upstream session (re)connected
    upstream_down,  // the upstream link ended (detail says how)
    removed,        // the client record is gone (session expired or replaced)
};

struct client_event {
    session_id session = 0;
    peer_id peer{};
    std::string client_id{};
    client_event_kind kind = client_event_kind::connected;
    client_state state = client_state::disconnected; // after the event
    std::string detail{};
    friend bool operator==(const client_event&, const client_event&) = default;
};

using action = std::variant<send_datagram, broadcast_datagram, forget_peer, open_broker_link,
                            send_to_broker, close_broker_link, dropped, client_event>;

std::ostream& operator<<(std::ostream& os, client_event_kind k);
std::ostream& operator<<(std::ostream& os, const action& a); // one readable line

} // namespace sngw::core
