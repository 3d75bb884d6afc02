// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/core/action.hpp>
#include <sngw/core/client_state.hpp>
#include <sngw/core/config.hpp>
#include <sngw/core/time.hpp>
#include <sngw/mqtt5/client_session.hpp>
#include <sngw/sn/classify.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sngw::core {

/// One client as `sngwctl clients` and the logs see it (design §6).
struct client_info {
    std::string client_id{};
    sn::protocol_version version = sn::protocol_version::v1_2;
    peer_id peer{};
    session_id session = 0;
    client_state state = client_state::disconnected;
    std::uint16_t keep_alive = 0;     // seconds (CONNECT Duration)
    std::uint16_t sleep_duration = 0; // seconds (DISCONNECT Duration), when asleep/awake
    time_point last_seen{};
    std::size_t buffered = 0;  // messages waiting for the sensor (QoS 0/1/2)
    std::size_t in_flight = 0; // sent to the sensor, not yet acknowledged (0 or 1)
    std::uint64_t retransmissions = 0;
    std::uint64_t dropped_qos0 = 0; // QoS 0 messages dropped because the buffer was full
    std::size_t topics = 0;         // registered topic ids
    std::vector<std::string> subscriptions{};
    mqtt5::session_state upstream = mqtt5::session_state::disconnected;
    std::optional<std::uint8_t> last_disconnect_reason{}; // the broker's, MQTT 5 reason code
    std::optional<time_point> last_disconnect_time{};
    std::optional<std::string> last_disconnect_reason_string{}; // the broker's Reason String
    bool verdict_pending = false;                // asleep: a DISCONNECT waits for its next PINGREQ
    std::optional<time_point> hold_down_until{}; // design §4 "do not retry": CONNACK 0x03 until then
};

/// Gateway-wide counters (monotonic), for logs, `sngwctl status` and metrics.
struct gateway_stats {
    std::uint64_t datagrams_in = 0;
    std::uint64_t datagrams_dropped = 0;
    std::uint64_t publishes_from_clients[4] = {}; // by QoS: 0, 1, 2, -1 (index 3)
    std::uint64_t publishes_to_clients[3] = {};   // by QoS 0, 1, 2
    std::uint64_t retransmissions = 0;
    std::uint64_t qos0_dropped = 0;
    std::uint64_t clients_lost = 0;
    std::uint64_t clients_evicted = 0; // removable records dropped for a new client at max_clients
    std::uint64_t datagrams_v2_0 = 0;  // MQTT-SN 2.0 first contacts (senders without a record)
    /// DISCONNECTs from the broker on sensors' sessions, by MQTT 5 reason code (design §4).
    std::map<std::uint8_t, std::uint64_t> broker_disconnects{};
    std::uint64_t verdicts_sent = 0; // DISCONNECTs the gateway decided to send a sensor (design §4)
};

/// The gateway core (design §1-§3): one state machine per MQTT-SN client, routing by peer and by
/// client id, discovery, the gateway's own upstream session for QoS -1 senders, limits. Pure: every
/// call takes `now` and returns actions; nothing reads a clock, does I/O or logs.
///
/// The app: calls start() once, then feeds every datagram, broker link event and broker packet;
/// applies the returned actions in order; arms one timer at next_deadline() and calls on_timeout()
/// when it fires. On SIGTERM it calls shutdown() and waits (bounded) until idle().
///
/// Calls and what they may return:
/// - start: open_broker_link for the gateway's own session; the first ADVERTISE is scheduled.
/// - on_datagram: send_datagram (answers), open/send/close broker link, forget_peer for a sender
///   the core keeps nothing for, dropped, client_event.
/// - on_broker_link_up / on_broker_bytes / on_broker_link_down: send_to_broker, send_datagram,
///   close_broker_link, client_event. Events for unknown or finished sessions: nothing.
/// - on_timeout: retransmissions, PINGREQs upstream, lost clients (close abrupt), ADVERTISE.
/// - shutdown: design §3: every connected sensor gets DISCONNECT, every upstream session
///   DISCONNECT 0x00 with its session kept, then close. Datagrams after it are dropped.
/// Thread safety: none; one executor.
class gateway {
public:
    explicit gateway(config cfg);
    ~gateway();
    gateway(const gateway&) = delete;
    gateway& operator=(const gateway&) = delete;

    std::vector<action> start(time_point now);

    /// One datagram from a sensor (or a forwarder), exactly as received.
    std::vector<action> on_datagram(peer_id from, std::span<const std::byte> datagram, time_point now);

    /// The TCP/TLS link of `s` is up (CONNECT goes out) / one whole MQTT 5 packet from it / it ended.
    std::vector<action> on_broker_link_up(session_id s, time_point now);
    std::vector<action> on_broker_bytes(session_id s, std::span<const std::byte> whole_packet,
                                        time_point now);
    std::vector<action> on_broker_link_down(session_id s, time_point now);

    /// Handles every deadline at or before `now`.
    std::vector<action> on_timeout(time_point now);
    /// The earliest deadline, or none. Never earlier than the `now` of the last on_timeout call
    /// unless an event since then created a deadline that is already due.
    std::optional<time_point> next_deadline() const;

    /// `sngwctl kick ID [--reason CODE]`: ends the client's session as a broker DISCONNECT with
    /// `reason` would (design §4: the same table, the same answers to the sensor, asleep or awake).
    /// std::nullopt: no client with this id.
    std::optional<std::vector<action>> kick(const std::string& client_id, mqtt5::reason_code reason,
                                            time_point now);

    /// SIGHUP: takes the predefined topics and credentials of `next` (they apply from the next
    /// message / upstream CONNECT on; no sensor is dropped). Returns the names of the other settings
    /// that differ from the running ones and were NOT applied (they need a restart), e.g.
    /// "max_clients".
    std::vector<std::string> reconfigure(const config& next, time_point now);

    std::vector<action> shutdown(time_point now);
    /// After shutdown(): true once every upstream link was asked to close.
    bool idle() const noexcept;

    // ---- observers (sngwctl, metrics, tests) ---------------------------------------------------
    std::vector<client_info> clients() const;
    std::optional<client_info> client(const std::string& client_id) const;
    std::optional<client_state> state_of(peer_id peer) const;
    const gateway_stats& stats() const noexcept;
    const config& configuration() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace sngw::core
