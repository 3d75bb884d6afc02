// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/packets.hpp>
#include <sngw/mqtt5/session_config.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

/// What a client_session asks its driver to do (send, close) and tells the gateway (events).
namespace sngw::mqtt5 {

// ---- toward the link --------------------------------------------------------------------------

/// Write one whole control packet to the broker, after every earlier send_bytes.
struct send_bytes {
    packet_type type = packet_type::publish; // for logs and counters
    std::vector<std::byte> bytes{};
    friend bool operator==(const send_bytes&, const send_bytes&) = default;
};

enum class close_mode : std::uint8_t {
    graceful, // after the queued bytes (broker_connection::close())
    abrupt,   // at once, queue discarded, no DISCONNECT: the broker publishes the will (abort())
};

/// Close the link. Always after every send_bytes of the same call. The session already counts the
/// link as gone: it ignores on_bytes and on_link_down until the next on_link_up.
struct close_link {
    close_mode mode = close_mode::graceful;
    friend bool operator==(const close_link&, const close_link&) = default;
};

// ---- events for the gateway ---------------------------------------------------------------------

/// CONNACK with Reason Code Success (MQTT 5.0 §3.2). Everything the broker said, and what is now
/// in force.
struct connected {
    bool session_present = false;
    std::string client_id{};                   // in force: the Assigned Client Identifier, else ours
    bool client_id_assigned = false;           // §3.2.2.3.7
    std::uint16_t keep_alive = 0;              // in force: Server Keep Alive (§3.2.2.3.14), else ours
    std::uint32_t session_expiry_interval = 0; // in force: the CONNACK's (§3.2.2.3.2), else ours
    broker_limits limits{};
    properties props{}; // the CONNACK properties as received (reason string, user
                        // properties, response information, authentication, ...)
    friend bool operator==(const connected&, const connected&) = default;
};

/// CONNACK with a Reason Code of 0x80 or more (§3.2.2.2). The link is being closed.
struct connect_failed {
    reason_code reason = reason_code::unspecified_error;
    properties props{}; // the CONNACK properties as received
    const std::optional<std::string>& reason_string() const noexcept { return props.reason_string; }
    /// 0x9C Use another server, 0x9D Server moved (§4.11).
    const std::optional<std::string>& server_reference() const noexcept { return props.server_reference; }
    friend bool operator==(const connect_failed&, const connect_failed&) = default;
};

/// Names one delivery of an inbound QoS 1/2 PUBLISH to the gateway, for acknowledge(). Unique for
/// the life of a client_session (a 64-bit counter, never reused, never 0). Packet ids are not:
/// after Session Present 0 the broker starts a new session and reuses them (§3.2.2.1.1).
struct delivery_token {
    std::uint64_t value = 0; // 0: none (QoS 0)
    friend bool operator==(const delivery_token&, const delivery_token&) = default;
};

/// A PUBLISH from the broker. The topic is always the full Topic Name (an inbound Topic Alias is
/// resolved, and message.props.topic_alias is cleared). QoS 1 and 2: nothing is answered until the
/// gateway calls client_session::acknowledge(delivery) (end-to-end acks, design §3).
struct message_received {
    publish_packet message{};
    delivery_token delivery{}; // QoS 1/2: what acknowledge() takes; QoS 0: {0}
    friend bool operator==(const message_received&, const message_received&) = default;
};

/// The end of an outbound QoS 1 or 2 PUBLISH: PUBACK (QoS 1), PUBCOMP (QoS 2), or PUBREC with a
/// Reason Code of 0x80 or more (QoS 2, §4.3.3). `local`: decided by the session, not the broker
/// (a queued or re-sent PUBLISH that the limits of a new connection refuse, the reason says which,
/// e.g. 0x9B after a lower Maximum QoS; or 0x80 after session_config::max_link_losses_in_flight).
struct publish_completed {
    std::uint16_t packet_id = 0;
    mqtt5::qos qos = mqtt5::qos::at_least_once;
    reason_code reason = reason_code::success;
    properties props{};
    bool local = false;
    friend bool operator==(const publish_completed&, const publish_completed&) = default;
};

/// SUBACK: one reason code per topic filter, in request order (§3.9.3). `local`: the link ended
/// before the SUBACK; every code is then 0x80 and the request is gone (resend it if needed).
struct subscribe_result {
    std::uint16_t packet_id = 0;
    std::vector<reason_code> reason_codes{};
    properties props{};
    bool local = false;
    friend bool operator==(const subscribe_result&, const subscribe_result&) = default;
};

/// UNSUBACK, as subscribe_result (§3.11.3).
struct unsubscribe_result {
    std::uint16_t packet_id = 0;
    std::vector<reason_code> reason_codes{};
    properties props{};
    bool local = false;
    friend bool operator==(const unsubscribe_result&, const unsubscribe_result&) = default;
};

/// AUTH from the broker (§3.15, §4.12): 0x18 Continue authentication or 0x00 Success of a
/// re-authentication. Answer with client_session::send_auth().
struct auth_received {
    reason_code reason = reason_code::success;
    properties props{}; // authentication method and data, reason string, ...
    friend bool operator==(const auth_received&, const auth_received&) = default;
};

/// DISCONNECT from the broker (§3.14). The link is being closed.
struct broker_disconnected {
    reason_code reason = reason_code::normal_disconnection;
    properties props{};
    const std::optional<std::string>& reason_string() const noexcept { return props.reason_string; }
    const std::optional<std::string>& server_reference() const noexcept { return props.server_reference; }
    friend bool operator==(const broker_disconnected&, const broker_disconnected&) = default;
};

enum class link_lost_cause : std::uint8_t {
    link_down,       // on_link_down: the transport ended without a DISCONNECT either way
    ping_timeout,    // no PINGRESP (nor any packet) within the ping timeout after a PINGREQ
    connack_timeout, // no CONNACK within connect_timeout
};

/// The connection ended without a DISCONNECT. For the timeouts the session closes the link
/// abruptly (close_link abrupt in the same call), so the broker publishes the will.
struct link_lost {
    link_lost_cause cause = link_lost_cause::link_down;
    friend bool operator==(const link_lost&, const link_lost&) = default;
};

/// The broker broke the protocol; the session sent `sent` (0x81 Malformed Packet, 0x82 Protocol
/// Error, 0x93 Receive Maximum exceeded, 0x94 Topic Alias invalid, 0x95 Packet too large) and is
/// closing the link (§4.13).
struct protocol_error_detected {
    disconnect_packet sent{};
    boost::system::error_code error{}; // the decode error (mqtt5::errc), or {} for a rule broken
                                       // by a well-formed packet (reason string says which)
    friend bool operator==(const protocol_error_detected&, const protocol_error_detected&) = default;
};

/// CONNACK Session Present 0 while the session held in-flight state (§3.2.2.1.1):
/// that state is discarded. `outbound`: packet ids of PUBLISHes already sent and not completed;
/// they get no publish_completed (publish again if needed). `inbound`: packet ids of received
/// QoS 1/2 PUBLISHes not completed; acknowledge() ignores them from now on. PUBLISHes still queued
/// (never sent) are kept and go out on this connection. `inbound_deliveries`: the delivery tokens of
/// `inbound`, in the same order (acknowledge() with them does nothing).
struct session_state_dropped {
    std::vector<std::uint16_t> outbound{};
    std::vector<std::uint16_t> inbound{};
    std::vector<delivery_token> inbound_deliveries{};
    friend bool operator==(const session_state_dropped&, const session_state_dropped&) = default;
};

/// One thing to do. In a returned vector, send_bytes are in wire order and close_link comes after
/// every send_bytes; events appear where they happen.
using action = std::variant<send_bytes, close_link, connected, connect_failed, message_received,
                            publish_completed, subscribe_result, unsubscribe_result, auth_received,
                            broker_disconnected, link_lost, protocol_error_detected, session_state_dropped>;

/// What publish(), subscribe() and unsubscribe() did with a request.
enum class request_status : std::uint8_t {
    sent,          // the packet is in `actions`
    queued,        // PUBLISH QoS 1/2: waits for a Receive Maximum slot or for the link (it keeps its
                   // packet id; a publish_completed follows)
    refused,       // not sent and forgotten; `reason` says why (a broker limit applied locally)
    not_connected, // needs a connected session: QoS 0 PUBLISH, SUBSCRIBE, UNSUBSCRIBE
};

struct request_result {
    request_status status = request_status::refused;
    std::uint16_t packet_id = 0;               // sent/queued QoS 1/2 PUBLISH, SUBSCRIBE, UNSUBSCRIBE
    reason_code reason = reason_code::success; // refused: the outcome, as the broker would have said
    std::vector<action> actions{};
};

/// One readable line per action, for logs and failed CHECKs: `send PUBLISH (12 bytes)`,
/// `connect_failed{0x87 Not authorized,props:{...}}`.
std::ostream& operator<<(std::ostream& os, close_mode m);
std::ostream& operator<<(std::ostream& os, link_lost_cause c);
std::ostream& operator<<(std::ostream& os, request_status s);
std::ostream& operator<<(std::ostream& os, const action& a);

} // namespace sngw::mqtt5
