// SPDX-License-Identifier: MIT
#pragma once

// Internal to client_session: its state, shared by client_session.cpp (connection, will, sleep,
// keep-alive, the upstream link) and client_session_publish.cpp (topics, PUBLISH both ways,
// SUBSCRIBE, retransmission). Not installed.

#include "client_session.hpp"
#include "reason_mapping.hpp"
#include "topic_registry.hpp"

#include <sngw/core/errc.hpp>
#include <sngw/mqtt5/client_session.hpp>

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace sngw::core::detail {

namespace v12 = sngw::sn::v1_2;
namespace v20 = sngw::sn::v2_0;

struct client_session::impl {
    impl(session_id sid, std::string cid, peer_id p, const config& c, const predefined_table& pre,
         gateway_stats& s, const own_link_watch& o, sn::protocol_version v);

    // ---- identity -------------------------------------------------------------------------------
    session_id id;
    std::string client_id;
    peer_id peer;
    const config& cfg;
    gateway_stats& stats;
    const own_link_watch& own;
    client_state state = client_state::disconnected;
    bool shut_down = false;
    /// The protocol of the sensor's last CONNECT (design §2): what its datagrams are decoded with
    /// and every answer is encoded in.
    sn::protocol_version version = sn::protocol_version::v1_2;

    // ---- MQTT-SN 2.0 connection (CSD01 §3.1, §3.2, §3.11-§3.16); unused for v1.2 ------------------
    std::uint16_t connect_packet_id = 0; // echoed by CONNACK (§3.2)
    /// The sensor's Maximum Packet Size (§3.1.7): nothing larger is sent to it. 0: no limit.
    std::uint16_t max_packet_size = 0;
    std::uint16_t ping_packet_id = 0;   // of the PINGREQ a PINGRESP (or a verdict) answers (§3.12)
    bool client_id_assigned = false;    // CONNECT had an empty client id: CONNACK carries ours (§3.2.11)
    /// Default Awake Messages of the CONNECT (§3.1.8, §4.14.2 [MQTT-SN-4.14.2-3/-4]): at most this
    /// many buffered messages go to the sensor in one awake cycle (PINGREQ .. PINGRESP); 0 (or
    /// absent): the gateway decides (no cap). The pump cuts the cycle short after this many and
    /// fills PINGRESP's Application Messages Remaining (§3.12) with what is left (1..254, 0xFF "some"
    /// for 255 and more); with nothing left the field is absent.
    std::uint8_t default_awake_messages = 0;
    /// Session Expiry Interval of the CONNECT (§3.1.9), or of a later DISCONNECT (§3.13): absent = 0,
    /// the session ends with the connection; 0xFFFFFFFF: never. The upstream CONNECT carries it
    /// (transparent: the broker keeps the session as long) and the record outlives its connection
    /// as long (v1.2 records: config::session_expiry).
    std::uint32_t v2_session_expiry = 0;
    bool allow_address_changes = false;  // CONNECT §3.1.2.6: Connection Encapsulation may move it
    bool allow_suggested_values = false; // CONNECT §3.1.2.7: CONNACK / SLEEPRESP may carry ours
    /// MQTT-BASIC user name and password of the CONNECT (§4.11): the upstream CONNECT's, instead of
    /// the configured ones.
    std::optional<broker_credentials> sensor_credentials;
    /// Enhanced authentication (§4.11, MQTT 5.0 §4.12): the CONNECT's method (relayed upstream) and
    /// the Packet Identifier the next AUTH to the sensor echoes (the CONNECT's, then its AUTH's,
    /// [MQTT-SN-3.3.2-1]).
    std::optional<std::string> auth_method;
    std::optional<std::vector<std::byte>> auth_data; // of the CONNECT
    std::uint16_t auth_packet_id = 0;
    /// The broker's last CONNACK for this sensor: Session Present (§3.2.3), the Session Expiry in
    /// force and its authentication data, for the sensor's CONNACK.
    bool upstream_session_present = false;
    std::uint32_t upstream_session_expiry = 0;
    std::optional<std::vector<std::byte>> upstream_auth_data;
    bool accepted_before = false; // a CONNACK 0x00 went to this record (its half of the session exists)
    /// Flow control (§4.9): the Packet Identifier of the sensor's request not answered yet. Set by
    /// on_message(v20), cleared when send(v20) sends the answer with that id (or the VC ends).
    std::optional<std::uint16_t> outstanding_request;
    bool wakeup_sent = false; // WAKEUP (§3.14) sent for the stored verdict: once per sleep

    // ---- the sensor's connection (MQTT-SN v1.2 §6.2, §6.11, §6.14) -----------------------------
    std::uint16_t keep_alive = 0;     // CONNECT Duration, seconds
    bool clean_session = false;       // of the last CONNECT
    std::uint32_t sleep_duration = 0; // DISCONNECT Duration (v2.0: SLEEPREQ Sleep Duration), seconds
    time_point last_seen{};           // last datagram from the sensor
    time_point supervised_since{};    // keep-alive / sleep timer start (last datagram, or PINGRESP)
    time_point closed_since{};        // when it went disconnected / lost (for session expiry)

    // ---- will (§6.3, §6.4): the sensor's stored will data ---------------------------------------
    std::optional<v12::will_topic_fields> will_topic; // none: no will
    std::vector<std::byte> will_msg;
    std::optional<v12::will_topic_fields> pending_will_topic; // WILLTOPIC received, WILLMSG awaited
    std::optional<time_point> will_req_deadline;              // WILLTOPICREQ / WILLMSGREQ re-send
    std::uint8_t will_req_retries = 0;
    /// WILLTOPICRESP / WILLMSGRESP owed once a CONNACK for a CONNECT with the new will arrives.
    std::optional<v12::msg_type> will_resp_owed;
    /// The will data before that update: restored if the update never comes into force.
    std::optional<v12::will_topic_fields> will_topic_before;
    std::vector<std::byte> will_msg_before;

    // ---- the upstream MQTT 5 session --------------------------------------------------------------
    enum class link : std::uint8_t {
        closed,  // no link; mqtt5 session disconnected
        opening, // open_broker_link emitted, on_broker_link_up awaited (until link_deadline)
        up,      // on_broker_link_up seen: mqtt5 session connecting or connected
        backoff, // waiting until link_deadline to re-open (reconnect)
    };
    mqtt5::client_session upstream;
    link link_state = link::closed;
    time_point link_deadline{};
    std::uint8_t reconnect_attempts = 0; // re-opens since the link was last connected
    bool relinking = false;              // the current link replaces one we closed for a new will
    bool link_connected = false;         // the current link got CONNACK Success
    /// The will of the CONNECT on the current link (upstream.config() holds the next CONNECT's).
    std::optional<mqtt5::will_message> link_will;

    // ---- broker verdicts (design §4) ---------------------------------------------------------------
    /// How a link ended: the broker's verdict (DISCONNECT or refused CONNACK, with its reason code,
    /// reason string and Server Reference), lost without DISCONNECT, or the broker unreachable.
    struct link_end {
        enum class kind : std::uint8_t { verdict, lost, unreachable };
        kind how = kind::lost;
        mqtt5::reason_code reason = mqtt5::reason_code::unspecified_error; // kind::verdict
        std::optional<std::string> reason_string{};
        std::optional<std::string> server_reference{};
        std::optional<mqtt5::reason_code> code() const
        {
            return how == kind::verdict ? std::optional(reason) : std::nullopt;
        }
    };
    /// A recovery in progress (the sensor has not been told): the cause that decides the policy,
    /// the last cause with a reason code (what the sensor is told if recovery fails), its start.
    struct recovery {
        verdict_class policy = verdict_class::reconnect;
        link_end cause{};
        time_point since{};
    };
    std::optional<recovery> recovering;
    /// Elsewhere to open the link (a followed Server Reference, MQTT 5.0 §4.11): kept for this
    /// session's later links.
    std::optional<server_reference> elsewhere;
    /// The take-over witness (design §4): the link closed without DISCONNECT while the gateway's
    /// own link was up; decided at link_deadline (link::backoff).
    bool witnessing = false;
    std::uint64_t witness_own_downs = 0;
    /// A verdict for a sleeper, given at its next PINGREQ instead of PINGRESP.
    struct stored_verdict {
        std::uint8_t v2_reason = 0x80;
        std::optional<std::string> reason_string{};
        time_point at{};
    };
    std::optional<stored_verdict> verdict_owed;
    std::optional<time_point> hold_down_until; // design §4 "do not retry": CONNACK 0x03 until then
    std::optional<std::string> last_disconnect_reason_string;
    bool broker_session = false; // a CONNACK Success since the last Clean Start 1: the broker
                                 // holds a session for Session Expiry seconds
    std::optional<std::uint8_t> last_disconnect_reason;
    std::optional<time_point> last_disconnect_time;

    // ---- sensor -> broker (§6.6) ----------------------------------------------------------------
    struct uplink {
        std::uint16_t msg_id = 0;
        std::uint16_t topic_id = 0; // as the sensor sent it, for the PUBACK
        v12::qos q = v12::qos::one;
        std::uint16_t packet_id = 0; // upstream
    };
    std::vector<uplink> uplinks;               // published upstream, broker's ack awaited
    std::vector<std::uint16_t> pubrel_awaited; // QoS 2: the broker's flow completed, PUBREL awaited
    /// A sensor's PUBLISH on its way upstream (publish_upstream). Held: QoS 0 / -1 PUBLISHes from
    /// the sensor while a relink for a new will runs: sent after its CONNACK (at most
    /// config::max_buffered_messages).
    struct held_publish {
        std::string topic;
        std::vector<std::byte> payload;
        bool retain = false;
        v12::qos q = v12::qos::zero; // held: zero or minus_one
        std::uint16_t topic_id = 0;  // as the sensor sent them, for a PUBACK with a rejection
        std::uint16_t msg_id = 0;
    };
    std::vector<held_publish> held;

    // ---- SUBSCRIBE / UNSUBSCRIBE (§6.9) ---------------------------------------------------------
    struct sub_request {
        std::uint16_t packet_id = 0; // upstream
        std::uint16_t msg_id = 0;    // the sensor's
        bool subscribe = true;
        bool internal = false; // our re-subscribe after the broker lost the session: no answer
        v12::topic_id_type type = v12::topic_id_type::normal;
        std::uint16_t topic_id = 0; // SUBACK's
        std::string filter;
        mqtt5::subscribe_options options{}; // v2.0: No Local, Retain As Published, Retain Handling
        bool alias_in_suback = true;        // v2.0: not when subscribed by predefined alias (§3.8.4)
    };
    struct subscription {
        std::string filter;
        v12::topic_id_type type = v12::topic_id_type::normal;
        mqtt5::qos granted = mqtt5::qos::at_most_once;
        mqtt5::subscribe_options options{}; // v2.0: as subscribed (CSD01 §3.7.2), for resubscribe()
    };
    std::vector<sub_request> sub_requests;
    std::vector<subscription> subscriptions;

    // ---- broker -> sensor (§6.10, §6.13, §6.14) ---------------------------------------------------
    enum class stage : std::uint8_t { queued, register_sent, publish_sent, pubrel_sent };
    struct downlink {
        std::string topic;
        std::vector<std::byte> payload;
        v12::qos q = v12::qos::zero;
        bool retain = false;
        mqtt5::delivery_token delivery{};
        v12::topic_id_type type = v12::topic_id_type::normal;
        std::uint16_t topic_id = 0;
        std::uint16_t msg_id = 0;          // PUBLISH (QoS 1/2), once sent
        std::uint16_t register_msg_id = 0; // our REGISTER for it
        stage at = stage::queued;
        bool sent_before = false;  // a PUBLISH of it went out: re-sends carry DUP (§5.3.4)
        bool reregistered = false; // the sensor answered PUBACK 0x02 once: REGISTERed again
        bool by_name = false;      // v2.0: PUBLISH with Topic Type 0b11 (no alias left, CSD01 §3.6.2)
    };
    topic_registry topics;
    std::deque<downlink> queue; // in order; the front may be in flight (at != queued)
    std::size_t queued_qos0 = 0;
    std::uint16_t next_msg_id = 1;
    std::uint16_t last_completed_msg_id = 0;  // a late duplicate ack for it is not an error
    std::optional<time_point> retry_deadline; // T_RETRY of the one in flight (active/awake only)
    std::uint8_t retries = 0;                 // re-sends of the one in flight
    /// The sensor answered the one in flight with "rejected: congestion" (§5.3.10): retry_deadline
    /// is the T_WAIT pause before it is offered again, which N_RETRY does not count.
    bool congested = false;
    std::uint64_t retransmissions = 0;
    std::uint64_t dropped_qos0 = 0;
    std::size_t awake_delivered = 0; // v2.0: messages delivered in this awake cycle (§4.14, DAM)

    // ---- helpers (client_session.cpp) ------------------------------------------------------------
    void send(const v12::message& m, std::vector<action>& out);
    /// A v2.0 packet to the sensor; one larger than its Maximum Packet Size is not sent (CSD01
    /// §3.1.7 [MQTT-SN-3.1.7-2]: "as if sent"), and false is returned so the caller can react.
    bool send(const v20::message& m, std::vector<action>& out);
    /// CONNACK in the sensor's version: v1.2 Return Code `v12_code` (§5.4.6) or v2.0 Reason Code
    /// `v2_code` with the CONNECT's Packet Identifier (CSD01 §3.2).
    void send_connack(std::uint8_t v12_code, std::uint8_t v2_code, std::vector<action>& out);
    /// PINGRESP in the sensor's version (v2.0: the PINGREQ's Packet Identifier, CSD01 §3.12).
    void send_pingresp(std::vector<action>& out);
    /// A packet that needs a connection while there is none: v1.2 bare DISCONNECT (§6.12), v2.0
    /// DISCONNECT 0xF4 with the packet's Packet Identifier when it has one (CSD01 §3.13.3).
    void send_no_connection(std::optional<std::uint16_t> packet_id, std::vector<action>& out);
    void event(client_event_kind kind, std::string detail, std::vector<action>& out);
    void drop(errc e, std::string detail, std::vector<action>& out);
    bool connected_sensor() const noexcept; // active or awake

    mqtt5::session_config make_session_config(bool clean_start) const;
    const broker_credentials& credentials() const; // this client's, else the default
    std::optional<mqtt5::will_message> desired_will() const;
    bool will_in_force() const { return link_will == desired_will(); }
    /// The sensor publishes through its own upstream session (QoS 0 / -1): connected, and the
    /// session is up or comes back from a relink.
    bool publishes_upstream() const noexcept;
    void open_link(time_point now, std::vector<action>& out);
    void close_link(time_point now, std::vector<action>& out); // graceful, DISCONNECT 0x00 if up
    void relink(time_point now, std::vector<action>& out);
    void apply(std::vector<mqtt5::action>&& actions, time_point now, std::vector<action>& out);
    void on_upstream_connected(const mqtt5::connected& c, time_point now, std::vector<action>& out);
    void on_upstream_end(link_end end, std::string detail, time_point now, std::vector<action>& out);
    /// The next re-open of a recovery, or the verdict to the sensor when the policy is exhausted.
    void continue_recovery(std::string detail, time_point now, std::vector<action>& out);
    /// Design §4: tell the sensor (at once, or at its next PINGREQ while asleep); hold-down for the
    /// "do not retry" class.
    void give_verdict(const link_end& end, std::string detail, time_point now, std::vector<action>& out);
    void send_disconnect(std::uint8_t v2_reason, const std::optional<std::string>& reason_string,
                         std::vector<action>& out);
    void on_link_lost(mqtt5::link_lost_cause cause, time_point now, std::vector<action>& out);
    void maybe_relink_for_will(time_point now, std::vector<action>& out);
    void release_held(time_point now, std::vector<action>& out);
    void drop_held(std::vector<action>& out);
    void send_will_resp(v12::msg_type type, std::uint8_t return_code, std::vector<action>& out);

    void on_connect(const v12::connect_msg& m, time_point now, std::vector<action>& out);
    /// What every CONNECT does first (§6.3, design §4 hold-down); false: refused (answered).
    bool begin_connect(bool clean, std::uint16_t keep_alive_s, time_point now, std::vector<action>& out);
    void continue_connect(time_point now, std::vector<action>& out);
    void accept_connect(time_point now, std::vector<action>& out);
    void lose(std::string detail, time_point now, std::vector<action>& out);
    void kick(mqtt5::reason_code reason, time_point now, std::vector<action>& out);
    void detach(std::string detail, time_point now, std::vector<action>& out);
    void on_message(const v12::message& m, time_point now, std::vector<action>& out);
    void on_timeout(time_point now, std::vector<action>& out);
    std::optional<time_point> next_deadline() const;

    void handle(const v12::willtopic_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::willmsg_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::pingreq_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::disconnect_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::willtopicupd_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::willmsgupd_msg& m, time_point now, std::vector<action>& out);
    void update_will(std::optional<v12::will_topic_fields> topic, std::vector<std::byte> msg,
                     v12::msg_type resp, time_point now, std::vector<action>& out);

    // ---- MQTT-SN 2.0: connection, sleep, ping, DISCONNECT, AUTH (client_session_v2.cpp) ----------
    void on_connect(const v20::connect_msg& m, bool assigned, time_point now, std::vector<action>& out);
    void on_message(const v20::message& m, time_point now, std::vector<action>& out);
    void handle(const v20::pingreq_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::disconnect_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::sleepreq_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::auth_msg& m, time_point now, std::vector<action>& out);
    /// The gateway's own verdict on the sensor (design §4, CSD01 §4.12): DISCONNECT `v2_reason` (when
    /// `tell`), the VC deleted, upstream closed without DISCONNECT so the broker publishes the will.
    void violation(std::uint8_t v2_reason, std::string detail, bool tell, time_point now,
                   std::vector<action>& out);
    void on_auth_received(const mqtt5::auth_received& a, time_point now, std::vector<action>& out);
    /// Flow control bookkeeping of a packet going to the sensor (§4.9).
    void note_answer(const v20::message& m) noexcept;
    /// Session Present, Session Expiry, authentication of a v2.0 CONNACK 0x00 (§3.2).
    void fill_connack(v20::connack_msg& c);
    /// v1.2 CONNECT: the v2.0 connection fields back to their defaults.
    void reset_v2_connection() noexcept;
    /// How long the session outlives the connection, seconds (v2.0 §3.1.9; v1.2 config).
    std::uint32_t session_expiry_interval() const noexcept;
    void end_connection_from_sensor(mqtt5::reason_code upstream_reason,
                                    std::optional<std::uint32_t> session_expiry, std::string detail,
                                    time_point now, std::vector<action>& out);

    // ---- MQTT-SN 2.0: aliases, PUBLISH, SUBSCRIBE (client_session_v2_publish.cpp) ----------------
    void handle(const v20::register_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::regack_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::publish_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::puback_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::pubrec_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::pubrel_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::pubcomp_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::subscribe_msg& m, time_point now, std::vector<action>& out);
    void handle(const v20::unsubscribe_msg& m, time_point now, std::vector<action>& out);
    /// v2.0 PUBACK (QoS 1) or PUBREC (QoS 2) to the sensor (CSD01 §3.6.2.7 Figure 3-11); the
    /// Reason Code is left out when 0x00 (absent means Success, §3.6.3.2).
    void send_v2_publish_ack(v12::qos q, std::uint16_t packet_id, std::uint8_t code, std::vector<action>& out);
    /// The v2.0 form of a broker message for the sensor (§4.7.2): predefined alias, session alias
    /// (REGISTERed first), or the Topic Name; false: undeliverable (answered upstream, counted).
    bool choose_v2_topic(downlink& d, time_point now, std::vector<action>& out);
    /// The sensor's PUBACK / PUBREC `code` for the PUBLISH in flight (CSD01 §3.6.3, §3.6.4): 0xF1
    /// Congestion waits and offers it again, 0xF0 for our session alias REGISTERs it again first
    /// (once). True when it did either; else the code goes to the broker.
    bool retry_front_v2(std::uint8_t code, std::uint16_t packet_id, time_point now, std::vector<action>& out);
    /// The v1.2 form (§6.7, §6.10): predefined id, short name or normal id; false: undeliverable.
    bool choose_v12_topic(downlink& d, time_point now, std::vector<action>& out);
    /// PINGRESP with Application Messages Remaining (CSD01 §3.12; v1.2: plain PINGRESP).
    void send_pingresp(std::optional<std::uint8_t> remaining, std::vector<action>& out);
    /// CSD01 §4.4, Appendix C.4: the v2.0 retry interval after `retries` re-sends (v1.2: T_RETRY).
    milliseconds retry_wait() const noexcept;

    // ---- topics, PUBLISH, SUBSCRIBE (client_session_publish.cpp) --------------------------------
    void handle(const v12::register_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::regack_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::publish_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::puback_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::pubrec_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::pubrel_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::pubcomp_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::subscribe_msg& m, time_point now, std::vector<action>& out);
    void handle(const v12::unsubscribe_msg& m, time_point now, std::vector<action>& out);

    void publish_qos0(held_publish m, time_point now, std::vector<action>& out);
    /// Why publish_upstream / subscribe_upstream did not forward a request; the caller answers in
    /// the sensor's version. No broker reason: congestion (too many outstanding, or no upstream
    /// session).
    struct upstream_refusal {
        std::optional<mqtt5::reason_code> broker_reason;
    };
    /// A sensor's PUBLISH on a known topic, upstream (design §3), v1.2 and v2.0 alike: QoS 0 / -1
    /// at once (held while a relink runs); QoS 1/2 forwarded with its acknowledgement awaiting the
    /// broker's (on_publish_completed).
    std::optional<upstream_refusal> publish_upstream(held_publish p, time_point now, std::vector<action>& out);
    /// A sensor's SUBSCRIBE upstream, v1.2 and v2.0 alike: sent or queued, `req` waits for the
    /// broker's SUBACK (on_subscribe_result); refused locally (the broker's limits) or no session.
    std::optional<upstream_refusal> subscribe_upstream(sub_request req, mqtt5::subscription s, time_point now,
                                                       std::vector<action>& out);
    void on_publish_completed(const mqtt5::publish_completed& c, time_point now, std::vector<action>& out);
    void on_subscribe_result(const mqtt5::subscribe_result& r, time_point now, std::vector<action>& out);
    void on_unsubscribe_result(const mqtt5::unsubscribe_result& r, time_point now, std::vector<action>& out);
    void on_message_received(mqtt5::message_received&& m, time_point now, std::vector<action>& out);
    void resubscribe(time_point now, std::vector<action>& out);

    bool in_flight() const noexcept { return !queue.empty() && queue.front().at != stage::queued; }
    std::uint16_t allocate_msg_id() noexcept;
    void pump(time_point now, std::vector<action>& out);
    void transmit_front(bool resend, time_point now, std::vector<action>& out);
    void complete_front(time_point now, std::vector<action>& out);
    void undeliverable(downlink& d, errc e, std::string detail, time_point now, std::vector<action>& out);
    void pause_delivery() noexcept;
    void wait_for_congestion(time_point now) noexcept;
    void retransmit(time_point now, std::vector<action>& out);
    void clear_downlink() noexcept;
};

} // namespace sngw::core::detail
