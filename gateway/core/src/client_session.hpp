// SPDX-License-Identifier: MIT
#pragma once

// Internal to the core: the per-client state machine that core::gateway routes to. Not installed.

#include <sngw/core/action.hpp>
#include <sngw/core/config.hpp>
#include <sngw/core/gateway.hpp>
#include <sngw/core/time.hpp>
#include <sngw/sn/classify.hpp>
#include <sngw/sn/v1_2/messages.hpp>
#include <sngw/sn/v2_0/messages.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sngw::core::detail {

class predefined_table;

/// The gateway's own upstream link (QoS -1 senders, design §2) as the take-over witness sees it
/// (design §4): owned by the gateway, read by every client.
struct own_link_watch {
    bool connected = false;  // CONNACK Success and not ended since
    std::uint64_t downs = 0; // times a connected own link ended
};

/// Puts `creds` into the next CONNECT of `s` (MQTT 5.0 §3.1.3.5, §3.1.3.6): a reload (SIGHUP)
/// applies new credentials from the next upstream CONNECT on, also on a resumed session.
void set_credentials(mqtt5::client_session& s, const broker_credentials& creds);

/// One MQTT-SN client (v1.2 or v2.0) and its upstream MQTT 5 session (design §2 transparent mode: one MQTT 5
/// connection per sensor, client id = prefix + the sensor's). Owns a mqtt5::client_session by value.
///
/// Division of work with gateway (gateway.cpp):
/// - gateway decodes datagrams (with this client's version), enforces max_datagram_size, routes by
///   peer, handles first contact (CONNECT from a new peer for a known client id: rebind() then
///   on_connect(); wake-up PINGREQ with ClientId: rebind() then on_message()), SEARCHGW, ADVERTISE,
///   QoS -1, max_clients, and removes records when removable().
/// - client_session does everything else of MQTT-SN v1.2 §6 for this client: CONNECT + will flow,
///   REGISTER both ways, PUBLISH/SUBSCRIBE/UNSUBSCRIBE, PINGREQ, DISCONNECT, sleep, keep-alive,
///   retransmission, WILLTOPICUPD/WILLMSGUPD, the upstream session's events, shutdown.
/// All calls append actions to `out`; none reads a clock.
class client_session {
public:
    /// `cfg`, `predefined` and `stats` are the gateway's: they outlive every client. `version`: the
    /// protocol of the CONNECT that creates the record (a later CONNECT may switch it).
    client_session(session_id id, std::string client_id, peer_id peer, const config& cfg,
                   const predefined_table& predefined, gateway_stats& stats, const own_link_watch& own,
                   sn::protocol_version version = sn::protocol_version::v1_2);
    ~client_session();
    client_session(const client_session&) = delete;
    client_session& operator=(const client_session&) = delete;

    /// A CONNECT for this client id (new record, or an existing one in any state; the peer is
    /// already rebound). §6.3 (will flow, clean session), §6.14 (CONNECT ends sleep).
    void on_connect(const sn::v1_2::connect_msg& m, time_point now, std::vector<action>& out);

    /// Any other message from this client's peer, decoded with v1.2 (not CONNECT, not
    /// encapsulated_msg). Messages a client never sends or not valid in the state: dropped (and
    /// where §6 says so, answered).
    void on_message(const sn::v1_2::message& m, time_point now, std::vector<action>& out);

    /// MQTT-SN 2.0 (CSD01): a CONNECT for this client id (the record switches to v2.0; an empty
    /// client id was already replaced by an assigned one, `assigned` true), and any other packet
    /// from this client's peer decoded with v2.0 (not CONNECT, SEARCHGW, encapsulations: the gateway
    /// routes those).
    void on_connect(const sn::v2_0::connect_msg& m, bool assigned, time_point now, std::vector<action>& out);
    void on_message(const sn::v2_0::message& m, time_point now, std::vector<action>& out);
    /// MQTT-SN 2.0: a datagram from this client's peer that is no valid packet (`v2_reason` 0x81
    /// Malformed Packet) or that the protocol forbids here (0x82). A sensor with a VC gets
    /// DISCONNECT `v2_reason` (when `tell`) and loses the VC (CSD01 §4.12), its upstream link is
    /// closed without DISCONNECT (the will is published); otherwise the datagram is dropped.
    void on_bad_packet(std::uint8_t v2_reason, std::string detail, bool tell, time_point now,
                       std::vector<action>& out);
    /// MQTT-SN 2.0 §3.1 [MQTT-SN-3.1.19-3]: a CONNECT for this client id came from another address
    /// while it has a v2.0 VC: DISCONNECT 0x8E Session taken over to the current address, the VC is
    /// deleted and its upstream link closed without DISCONNECT (the will is published). Call before
    /// rebinding the record to the new address.
    void take_over(time_point now, std::vector<action>& out);
    /// MQTT-SN 2.0 §3.18: a v2.0 sensor with a VC whose CONNECT set Allow Network Address changes
    /// (§3.1.2.6): a Connection Encapsulation naming it may move it to a new address.
    bool accepts_connection_encapsulation() const noexcept;
    /// A v2.0 sensor with a VC (active, awake, asleep, or waiting for its CONNACK).
    bool has_v2_connection() const noexcept;
    /// The protocol version of the sensor's current (or last) CONNECT: its datagrams are decoded
    /// with it (design §2).
    sn::protocol_version version() const noexcept;

    /// The client now speaks from `p` (wake-up from a new address, reconnect). The gateway updates
    /// its peer table and emits forget_peer for the old one.
    void rebind(peer_id p) noexcept;

    /// Another client id took this client's address: the record has no peer any more. A sensor
    /// that listens is lost at once (upstream aborted: its will fires); a sleeping one waits to
    /// wake from elsewhere. `detail` says who took the address.
    void detach(std::string detail, time_point now, std::vector<action>& out);

    /// A QoS -1 PUBLISH from this client goes through its own upstream session (transparent mode,
    /// design §2): it is active or awake and the session is connected (or resuming for a new will).
    bool publishes_upstream() const noexcept;

    void on_broker_link_up(time_point now, std::vector<action>& out);
    void on_broker_bytes(std::span<const std::byte> whole_packet, time_point now, std::vector<action>& out);
    void on_broker_link_down(time_point now, std::vector<action>& out);

    void on_timeout(time_point now, std::vector<action>& out);
    std::optional<time_point> next_deadline() const;

    /// `sngwctl kick`: the upstream session ends as if the broker had sent DISCONNECT `reason`
    /// (design §4): the link is closed with DISCONNECT 0x00 (session kept), then the verdict path
    /// of `reason`'s class runs (re-open, or the sensor is told, hold-down).
    void kick(mqtt5::reason_code reason, time_point now, std::vector<action>& out);

    /// Gateway shutdown (design §3): DISCONNECT to the sensor if connected (active/awake/asleep
    /// sensors are not told while asleep: they cannot hear), upstream DISCONNECT 0x00 keeping the
    /// session (no will), close graceful.
    void shutdown(time_point now, std::vector<action>& out);

    /// The record may be dropped: nothing upstream is open or pending, and nothing kept for a
    /// later CONNECT is still worth keeping (clean session, or session_expiry passed since it went
    /// down).
    bool removable(time_point now) const;

    client_info info() const;
    client_state state() const noexcept;
    peer_id peer() const noexcept;
    const std::string& client_id() const noexcept;
    session_id id() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace sngw::core::detail
