// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/packets.hpp>
#include <sngw/mqtt5/session_action.hpp>
#include <sngw/mqtt5/session_config.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <span>
#include <string>
#include <vector>

namespace sngw::mqtt5 {

/// Where the session's current link is.
enum class session_state : std::uint8_t {
    disconnected, // no link, or the session closed it (close_link) or heard it end
    connecting,   // CONNECT sent, waiting for CONNACK (maybe exchanging AUTH)
    connected,    // CONNACK Success received
};

/// The protocol state of one MQTT 5.0 client: CONNECT/CONNACK, keep-alive, packet identifiers,
/// QoS 1/2 in both directions, flow control (Receive Maximum), topic aliases both ways, session
/// resumption, SUBSCRIBE/UNSUBSCRIBE, AUTH. Pure (house-style §1): every call takes `now` and
/// returns actions (send bytes, close the link, events); it reads no clock and does no I/O.
/// The driver feeds link events and whole packets in, applies the actions in order, and arms one
/// timer at next_deadline(), calling on_timeout() when it fires.
///
/// The session outlives links: QoS 1/2 state survives a lost link and resumes with the next one
/// (CONNECT Clean Start 0 and CONNACK Session Present 1: §4.4).
///
/// Calls and what they may return:
/// - on_link_up: send CONNECT (or, if the CONNECT cannot be encoded, close_link + connect_failed 0x81).
/// - on_bytes / on_packet: message_received; send PUBACK/PUBREC/PUBREL/PUBCOMP; publish_completed;
///   subscribe_result; unsubscribe_result; auth_received; connected (+ session_state_dropped, +
///   queued or resent PUBLISH/PUBREL); connect_failed + close_link; broker_disconnected + close_link;
///   send DISCONNECT + close_link + protocol_error_detected on a broker fault.
/// - on_link_down: link_lost(link_down) while connecting or connected, else nothing.
/// - on_timeout: send PINGREQ; close_link(abrupt) + link_lost(ping_timeout | connack_timeout).
/// - requests: see each.
/// When a link ends (any way), SUBSCRIBE/UNSUBSCRIBE still waiting for their ack are completed with
/// `local` results (0x80 per filter) after the event that ended it; so is (publish_completed local
/// 0x80) a PUBLISH under which session_config::max_link_losses_in_flight links have ended.
/// Acks from the broker with a failure code §2.4 does not list for them (PUBACK 0x95 from
/// mosquitto) complete the request with that code instead of failing as malformed.
/// Outbound QoS 0 PUBLISHes are never queued; QoS 1/2 ones wait, in publish order, for the link and
/// for a Receive Maximum slot (a QoS 0 PUBLISH can overtake them).
///
/// Memory: the CONNECT template, the QoS 1/2 messages in flight or queued (payload dropped once
/// PUBREC'd), the inbound ids not completed, the alias tables (bounded by the Topic Alias Maximum
/// values). Lookups are linear: sized for a sensor's handful of messages in flight.
/// Thread safety: distinct objects safe; shared objects unsafe. Use from the gateway executor.
class client_session {
public:
    explicit client_session(session_config config);

    // ---- the link ---------------------------------------------------------------------------

    /// The transport is connected: returns the CONNECT. Clean Start is the template's on the
    /// first connection and 0 after a successful one (resume, design §4), unless set_clean_start().
    /// The client id is the broker's Assigned Client Identifier once one was assigned.
    /// Called while a link is up: the old one counts as replaced (its requests are completed locally).
    std::vector<action> on_link_up(time_point now);

    /// One whole control packet from the broker, fixed header included (broker_connection's
    /// on_packet). Bytes that do not decode: DISCONNECT 0x81 Malformed Packet (0x82 Protocol Error for
    /// a duplicated property or a forbidden property value, 0x95 Packet too large over our Maximum
    /// Packet Size) + close + protocol_error_detected (§4.13). Ignored while disconnected.
    /// While connecting, an MQTT 3.1.1 CONNACK refusal (`20 02 00 01`..`05`, a broker without MQTT 5)
    /// is connect_failed 0x84 Unsupported Protocol Version + close.
    std::vector<action> on_bytes(std::span<const std::byte> whole_packet, time_point now);

    /// A decoded packet from the broker (on_bytes after decode). Packets a client never receives
    /// (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ), anything but CONNACK/AUTH/DISCONNECT before
    /// CONNACK, a second CONNACK, a DISCONNECT with a Session Expiry Interval or reason 0x04 (the
    /// Client's only): DISCONNECT 0x82. A DISCONNECT before CONNACK is surfaced as connect_failed
    /// with its reason (0x80 if below 0x80): the connection never came up, and the gateway maps it
    /// like a CONNACK failure. Any packet counts as an answer to an outstanding PINGREQ.
    std::vector<action> on_packet(packet p, time_point now);

    /// The transport ended (not after our own close_link): link_lost(link_down).
    std::vector<action> on_link_down(time_point now);

    /// Handles every deadline at or before `now`: PINGREQ after Keep Alive seconds without sending
    /// anything (§3.1.2.10), and also after Keep Alive seconds without receiving anything, so a
    /// half-open link is noticed within Keep Alive + ping timeout (1.5 x Keep Alive by default) even
    /// while we keep publishing; link lost when the PINGRESP or CONNACK is late.
    std::vector<action> on_timeout(time_point now);

    /// The earliest deadline: CONNACK timeout (connecting), next PINGREQ or PINGRESP timeout
    /// (connected, Keep Alive in force > 0). None while disconnected or with Keep Alive 0.
    std::optional<time_point> next_deadline() const noexcept;

    // ---- requests from the gateway ------------------------------------------------------------

    /// PUBLISH (§3.3). A Topic Alias in `props` is ignored: the session chooses outbound aliases
    /// (least recently used topic replaced when the table is full, §3.3.2.3.4).
    /// Refused locally (status refused, nothing sent) with the broker's own reason code:
    /// 0x9B QoS above the broker's Maximum QoS (refused, not downgraded: a sensor's QoS 2 must not
    /// silently become QoS 1, §3.2.2.3.4 [MQTT-3.2.2-11]), 0x9A retain while Retain Available is 0
    /// (§3.2.2.3.5), 0x95 larger than the broker's Maximum Packet Size (§3.2.2.3.6), 0x90 a Topic Name
    /// the protocol forbids, 0x81 any other field the codec refuses, 0x97 all 65535 packet ids in use.
    /// QoS 0: sent at once, or not_connected. QoS 1/2: packet id allocated (never 0, skipping ids in
    /// use, wrapping after 65535); sent if connected and a Receive Maximum slot is free, else queued.
    /// Limits are those of the last CONNACK; a queued PUBLISH is checked again when it goes out.
    request_result publish(std::string topic, std::vector<std::byte> payload, qos q, bool retain,
                           properties props, time_point now);

    /// SUBSCRIBE (§3.8). The Subscription Identifier, if any, is props.subscription_identifiers[0].
    /// Needs a connected session. Refused locally: 0xA1 Subscription Identifier, 0x9E shared
    /// subscription, 0xA2 wildcard, when the broker said unavailable (§3.2.2.3.11-13); 0x8F a bad
    /// topic filter, 0x82 No Local on a shared subscription, 0x95 too large, 0x97 no packet id.
    request_result subscribe(std::vector<subscription> subscriptions, properties props, time_point now);

    /// UNSUBSCRIBE (§3.10). As subscribe().
    request_result unsubscribe(std::vector<std::string> topic_filters, properties props, time_point now);

    /// The gateway delivered the inbound QoS 1/2 PUBLISH of message_received::delivery (design §3):
    /// QoS 1 PUBACK, QoS 2 PUBREC (then PUBCOMP when PUBREL arrives), with `reason` (0x80 and above
    /// ends a QoS 2 flow; a code PUBACK/PUBREC cannot carry becomes 0x80). While the link is down the
    /// ack is kept and sent when the broker re-sends the PUBLISH. Unknown, dropped (Session Present 0)
    /// or already acknowledged deliveries: nothing. The gateway uses these: a late ack can never
    /// reach a different message that reuses the packet id in a new broker session.
    std::vector<action> acknowledge(delivery_token delivery, time_point now);
    std::vector<action> acknowledge(delivery_token delivery, reason_code reason, time_point now);

    /// The same, by the packet id of the inbound PUBLISH not yet acknowledged. Safe only when the ack
    /// cannot outlive the delivery's broker session (e.g. an immediate auto-acknowledge); after
    /// Session Present 0 an old id may name a new message. Prefer the delivery_token overloads.
    std::vector<action> acknowledge(std::uint16_t packet_id, time_point now);
    std::vector<action> acknowledge(std::uint16_t packet_id, reason_code reason, time_point now);

    /// AUTH (§3.15): 0x18 Continue authentication or 0x19 Re-authenticate, with the Authentication
    /// Method (the CONNECT's, §4.12) and Data in `props`. Nothing while disconnected.
    /// From the broker, an AUTH or CONNACK whose Authentication Method differs from the CONNECT's,
    /// an AUTH 0x19, or an AUTH after CONNACK outside a re-authentication we started with 0x19, is
    /// a Protocol Error (DISCONNECT 0x82, §4.12, §4.12.1).
    std::vector<action> send_auth(reason_code reason, properties props, time_point now);

    /// Normal close (§3.14): DISCONNECT with `reason` then close_link(graceful). `session_expiry`
    /// updates the Session Expiry Interval, except that a non-zero value is left out when the CONNECT
    /// had 0 (a Protocol Error, §3.14.2.2.2). QoS state is kept for a later on_link_up. Nothing while
    /// disconnected.
    std::vector<action> disconnect(reason_code reason, std::optional<std::uint32_t> session_expiry,
                                   time_point now);

    /// Close at once without DISCONNECT (close_link abrupt), so the broker publishes the will.
    /// QoS state is kept. Nothing while disconnected.
    std::vector<action> abort(time_point now);

    /// Clean Start of the next CONNECT (§3.1.2.4). With true, whatever state the broker no longer has
    /// is dropped at CONNACK (session_state_dropped).
    void set_clean_start(bool clean_start) noexcept { clean_start_ = clean_start; }

    /// The Will Message of the next CONNECT (§3.1.2.5, §3.1.3.2-§3.1.3.4; none: Will Flag 0). It
    /// applies from the next on_link_up: MQTT cannot change the will of a live connection, so the
    /// connection in progress keeps the will its CONNECT carried. To bring a new will into force
    /// without losing anything, disconnect() with 0x00 (session kept, no will published) and open a
    /// new link: the CONNECT has Clean Start 0 and this will, and QoS 1/2 state resumes (§4.4).
    /// config().connect.will shows it.
    void set_will(std::optional<will_message> will) { config_.connect.will = std::move(will); }

    /// The User Name and Password of the next CONNECT (§3.1.3.5, §3.1.3.6); like set_will they apply
    /// from the next on_link_up (a reload of the credentials must not drop a live connection).
    void set_credentials(std::optional<std::string> username, std::optional<std::vector<std::byte>> password)
    {
        config_.connect.username = std::move(username);
        config_.connect.password = std::move(password);
    }

    /// The Session Expiry Interval (§3.1.2.11.2; none: absent, i.e. 0) and the Authentication Method
    /// and Data (§3.1.2.11.9, §3.1.2.11.10; no method: no enhanced authentication) of the next CONNECT.
    /// Like set_will they apply from the next on_link_up (the MQTT-SN 2.0 gateway takes them from each
    /// sensor's CONNECT); AUTH and CONNACK from the broker are checked against the method in force.
    void set_session_expiry_interval(std::optional<std::uint32_t> interval) noexcept
    {
        config_.connect.props.session_expiry_interval = interval;
    }
    void set_authentication(std::optional<std::string> method, std::optional<std::vector<std::byte>> data)
    {
        config_.connect.props.authentication_method = std::move(method);
        config_.connect.props.authentication_data = std::move(data);
    }

    // ---- observers ------------------------------------------------------------------------------

    session_state state() const noexcept { return state_; }
    /// The client id in force: ours, or the one the broker assigned.
    const std::string& client_id() const noexcept { return config_.connect.client_id; }
    /// The Keep Alive in force, seconds (Server Keep Alive or ours).
    std::uint16_t keep_alive() const noexcept { return keep_alive_; }
    /// The Session Expiry Interval in force, seconds.
    std::uint32_t session_expiry_interval() const noexcept { return session_expiry_; }
    /// The last CONNACK's limits (defaults before the first).
    const broker_limits& limits() const noexcept { return limits_; }
    /// Outbound QoS 1/2 PUBLISHes sent on this link and not completed (≤ Receive Maximum).
    std::size_t in_flight() const noexcept { return in_flight_; }
    /// Outbound QoS 1/2 PUBLISHes not completed, in flight or waiting.
    std::size_t outbound_pending() const noexcept { return outbound_.size(); }
    /// Inbound QoS 1/2 PUBLISHes not completed.
    std::size_t inbound_pending() const noexcept { return inbound_.size(); }
    const session_config& config() const noexcept { return config_; }

private:
    enum class out_stage : std::uint8_t { queued, awaiting_ack, awaiting_pubcomp };
    struct outbound_entry {
        publish_packet message; // full topic, no alias; payload released once PUBREC'd
        out_stage stage = out_stage::queued;
        bool on_link = false;        // sent on this link: holds a Receive Maximum slot
        std::uint8_t links_lost = 0; // links that ended while it awaited PUBACK/PUBREC
    };
    enum class in_stage : std::uint8_t { awaiting_ack, ack_pending, awaiting_pubrel };
    struct inbound_entry {
        std::uint16_t packet_id = 0;
        mqtt5::qos qos = mqtt5::qos::at_least_once;
        in_stage stage = in_stage::awaiting_ack;
        reason_code ack_reason = reason_code::success; // ack_pending: what to answer
        std::uint64_t delivery = 0;                    // the message_received's delivery_token
        bool on_link = false; // its PUBLISH arrived on this link: counts against our Receive Maximum
    };
    struct pending_request {
        std::uint16_t packet_id = 0;
        bool subscribe = true;
        std::uint32_t filters = 0;
    };
    struct alias_entry {
        std::string topic;
        std::uint16_t alias = 0;
        std::uint32_t last_use = 0;
    };

    // link life
    void start_link_state();
    void end_link(std::vector<action>& out, bool by_us = false);
    void fail_protocol(reason_code reason, boost::system::error_code ec, std::string_view why,
                       std::vector<action>& out, time_point now);
    bool send(const packet& p, std::vector<action>& out, time_point now);

    // inbound packets
    void handle(connack_packet&& p, std::vector<action>& out, time_point now);
    void handle(publish_packet&& p, std::vector<action>& out, time_point now);
    void handle(const puback_packet& p, std::vector<action>& out, time_point now);
    void handle(const pubrec_packet& p, std::vector<action>& out, time_point now);
    void handle(const pubrel_packet& p, std::vector<action>& out, time_point now);
    void handle(pubcomp_packet&& p, std::vector<action>& out, time_point now);
    void handle(suback_packet&& p, std::vector<action>& out, time_point now);
    void handle(unsuback_packet&& p, std::vector<action>& out, time_point now);
    void handle(disconnect_packet&& p, std::vector<action>& out, time_point now);
    void handle(auth_packet&& p, std::vector<action>& out, time_point now);

    // outbound flow
    void pump(std::vector<action>& out, time_point now);
    bool send_publish(publish_packet& message, std::vector<action>& out, time_point now);
    reason_code check_publish(publish_packet& message) const;
    void complete_outbound(std::size_t index, reason_code reason, properties props, bool local,
                           std::vector<action>& out);
    std::optional<std::uint16_t> allocate_packet_id() noexcept;
    bool packet_id_in_use(std::uint16_t id) const noexcept;
    void send_inbound_ack(std::size_t index, reason_code reason, std::vector<action>& out, time_point now);
    std::vector<action> acknowledge_entry(inbound_entry* e, reason_code reason, time_point now);

    // lookups
    outbound_entry* find_outbound(std::uint16_t id) noexcept;
    inbound_entry* find_inbound(std::uint16_t id) noexcept;

    std::uint32_t our_max_packet_size() const noexcept;
    std::uint16_t our_receive_maximum() const noexcept;
    std::uint16_t our_topic_alias_maximum() const noexcept;
    std::chrono::milliseconds ping_timeout() const noexcept;
    time_point ping_due() const noexcept;

    session_config config_;
    session_state state_ = session_state::disconnected;
    bool clean_start_;              // for the next CONNECT
    bool clean_start_sent_ = false; // in the current CONNECT
    bool reauthenticating_ = false; // AUTH 0x19 sent on this link, broker's AUTH 0x00 not yet seen
    std::uint16_t keep_alive_ = 0;
    std::uint32_t session_expiry_ = 0;
    broker_limits limits_{};

    time_point connack_deadline_{};
    time_point last_sent_{};
    time_point last_received_{};
    std::optional<time_point> pingresp_deadline_{};

    std::vector<outbound_entry> outbound_; // publish order
    std::size_t in_flight_ = 0;
    std::vector<inbound_entry> inbound_;
    std::vector<pending_request> requests_;
    std::uint16_t next_packet_id_ = 1;
    std::uint64_t next_delivery_ = 1; // delivery_token values, never reused

    std::vector<std::pair<std::uint16_t, std::string>> inbound_aliases_; // this link's
    std::vector<alias_entry> outbound_aliases_;                          // this link's
    std::uint32_t alias_clock_ = 0;
};

} // namespace sngw::mqtt5
