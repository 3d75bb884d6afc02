// SPDX-License-Identifier: MIT
// One MQTT-SN v1.2 client and its upstream MQTT 5 session: the connection (CONNECT, will flow,
// §6.2-§6.3), will update (§6.4), PINGREQ, DISCONNECT, sleep (§6.11, §6.12, §6.14), keep-alive
// supervision, and the life of the upstream link. Topics and PUBLISH/SUBSCRIBE in both directions
// are in client_session_publish.cpp.
#include "client_session_impl.hpp"

#include "reason_mapping.hpp"
#include "sn_conversions.hpp"

#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>
#include <sngw/sn/wire.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <utility>

namespace sngw::core::detail {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using enum client_state;

// Design §4 back-off between re-opens: 1 s doubling, at most 30 s.
constexpr seconds backoff_first{1};
constexpr seconds backoff_max{30};

milliseconds backoff(unsigned step) noexcept
{
    if (step >= 5) return backoff_max; // 32 s and more
    return std::min<milliseconds>(backoff_first * (1 << step), backoff_max);
}

// Keep-alive / sleep supervision (design §3): Duration x factor.
milliseconds supervision_period(std::uint32_t duration_s, std::uint32_t factor_percent) noexcept
{
    return milliseconds(std::int64_t{duration_s} * 1000 * std::int64_t{factor_percent} / 100);
}

std::string describe(mqtt5::reason_code rc, const std::optional<std::string>& reason_string)
{
    std::string s = code_text(static_cast<std::uint8_t>(rc)) + " " + std::string(mqtt5::to_string(rc));
    if (reason_string) s += " (" + *reason_string + ")";
    return s;
}

std::string_view cause_name(mqtt5::link_lost_cause c) noexcept
{
    switch (c) {
    case mqtt5::link_lost_cause::link_down:
        return "broker link lost";
    case mqtt5::link_lost_cause::ping_timeout:
        return "no PINGRESP from the broker";
    case mqtt5::link_lost_cause::connack_timeout:
        return "no CONNACK from the broker in time";
    }
    return "broker link lost";
}

} // namespace

void set_credentials(mqtt5::client_session& s, const broker_credentials& creds)
{
    std::optional<std::vector<std::byte>> password;
    if (creds.password) password = sn::wire::to_bytes(*creds.password);
    s.set_credentials(creds.user_name, std::move(password));
}

// ============================================================================================
// impl: helpers
// ============================================================================================

client_session::impl::impl(session_id sid, std::string cid, peer_id p, const config& c,
                           const predefined_table& pre, gateway_stats& s, const own_link_watch& o,
                           sn::protocol_version v)
    : id(sid), client_id(std::move(cid)), peer(p), cfg(c), stats(s), own(o), version(v),
      upstream(mqtt5::session_config{}), topics(pre, c.max_topics_per_client)
{
    upstream = mqtt5::client_session(make_session_config(true));
}

void client_session::impl::send(const v12::message& m, std::vector<action>& out)
{
    auto bytes = v12::encode(m);
    if (!bytes) return; // only over 65535 octets; what we build is checked against the datagram size first
    out.emplace_back(send_datagram{peer, std::move(*bytes)});
}

bool client_session::impl::send(const v20::message& m, std::vector<action>& out)
{
    note_answer(m); // CSD01 §4.9: even one not sent for its size answers the request ("as if sent")
    auto bytes = v20::encode(m);
    if (!bytes) return false;
    // CSD01 §3.1.7 [MQTT-SN-3.1.7-2]: never more than the sensor's Maximum Packet Size; a packet
    // that does not fit is handled as if sent (the caller decides what that means for the flow).
    if (max_packet_size != 0 && bytes->size() > max_packet_size) {
        drop(errc::message_too_large,
             std::string(v20::type_name(m)) + " of " + std::to_string(bytes->size()) +
                 " octets over the sensor's Maximum Packet Size " + std::to_string(max_packet_size),
             out);
        return false;
    }
    out.emplace_back(send_datagram{peer, std::move(*bytes)});
    return true;
}

void client_session::impl::send_connack(std::uint8_t v12_code, std::uint8_t v2_code, std::vector<action>& out)
{
    if (version == sn::protocol_version::v1_2) {
        send(v12::connack_msg{v12_code}, out);
        return;
    }
    // CSD01 §3.2: the CONNECT's Packet Identifier; an assigned client id when it sent none
    // (§3.2.11). Session Present, Session Expiry and Server Keep Alive: client_session_v2.cpp.
    v20::connack_msg c;
    c.packet_id = connect_packet_id;
    c.reason_code = v2_code;
    if (v2_code < 0x80 && client_id_assigned) c.assigned_client_id = client_id;
    if (v2_code < 0x80) fill_connack(c);
    send(c, out);
}

void client_session::impl::send_pingresp(std::vector<action>& out)
{
    if (version == sn::protocol_version::v1_2)
        send(v12::pingresp_msg{}, out);
    else
        send(v20::pingresp_msg{ping_packet_id, std::nullopt}, out);
}

void client_session::impl::send_no_connection(std::optional<std::uint16_t> packet_id,
                                              std::vector<action>& out)
{
    out.emplace_back(
        send_datagram{peer, disconnect_datagram(version, v2_no_virtual_connection, std::nullopt, packet_id,
                                                max_packet_size == 0 ? std::numeric_limits<std::size_t>::max()
                                                                     : std::size_t{max_packet_size})});
}

void client_session::impl::event(client_event_kind kind, std::string detail, std::vector<action>& out)
{
    out.emplace_back(client_event{id, peer, client_id, kind, state, std::move(detail)});
}

void client_session::impl::drop(errc e, std::string detail, std::vector<action>& out)
{
    out.emplace_back(dropped{peer, client_id, make_error_code(e), std::move(detail)});
}

bool client_session::impl::connected_sensor() const noexcept
{
    return state == active || state == awake;
}

// ---- the upstream session ---------------------------------------------------------------------

std::optional<mqtt5::will_message> client_session::impl::desired_will() const
{
    // MQTT-SN v1.2 §6.2: WILLTOPIC (QoS, Retain, topic) and WILLMSG become the MQTT 5 Will Message
    // (MQTT 5.0 §3.1.2.5-§3.1.2.7, §3.1.3.2-§3.1.3.4): the broker owns it and publishes it when the
    // link ends without DISCONNECT 0x00.
    if (!will_topic) return std::nullopt;
    mqtt5::will_message w;
    w.topic = will_topic->will_topic;
    w.payload = will_msg;
    w.qos = to_mqtt5(will_topic->q);
    w.retain = will_topic->retain;
    return w;
}

mqtt5::session_config client_session::impl::make_session_config(bool clean_start) const
{
    // Design §2 transparent mode: one MQTT 5 connection per sensor, as itself.
    mqtt5::session_config sc;
    auto& c = sc.connect;
    c.client_id = cfg.client_id_prefix + client_id;
    c.clean_start = clean_start;          // MQTT 5.0 §3.1.2.4: the sensor's CleanSession
    c.keep_alive = cfg.broker_keep_alive; // §3.1.2.10
    // §3.1.2.11.2: v1.2, the configured one (survives a gateway restart); v2.0, the sensor's (CSD01
    // §3.1.9: absent = 0, the session ends with the connection).
    c.props.session_expiry_interval = session_expiry_interval();
    // §3.1.2.11.3: at most this many QoS 1/2 messages un-acknowledged toward us: what a sleeping
    // sensor's buffer holds; the broker keeps the rest (design §3).
    c.props.receive_maximum =
        static_cast<std::uint16_t>(std::clamp<std::size_t>(cfg.max_buffered_messages, 1, 65535));
    const auto& creds = credentials();
    c.username = creds.user_name;                                         // §3.1.3.5
    if (creds.password) c.password = sn::wire::to_bytes(*creds.password); // §3.1.3.6
    c.will = desired_will();
    if (auth_method) { // CSD01 §4.11: enhanced authentication, relayed (MQTT 5.0 §4.12)
        c.props.authentication_method = auth_method;
        c.props.authentication_data = auth_data;
    }
    sc.connect_timeout = cfg.broker_connect_timeout;
    return sc;
}

bool client_session::impl::publishes_upstream() const noexcept
{
    return connected_sensor() && !shut_down &&
           (relinking || (link_state == link::up && upstream.state() == mqtt5::session_state::connected));
}

const broker_credentials& client_session::impl::credentials() const
{
    if (sensor_credentials) return *sensor_credentials; // CSD01 §4.11 MQTT-BASIC
    const auto found = cfg.credentials.find(client_id);
    return found != cfg.credentials.end() ? found->second : cfg.default_credentials;
}

void client_session::impl::open_link(time_point now, std::vector<action>& out)
{
    set_credentials(upstream, credentials()); // a reload's credentials apply from here on
    const auto& props = upstream.config().connect.props;
    // A followed Server Reference (design §4 "go elsewhere"): host and port; else the broker.
    out.emplace_back(open_broker_link{id, props.maximum_packet_size.value_or(mqtt5::default_max_packet_size),
                                      elsewhere ? elsewhere->host : std::string{},
                                      elsewhere ? elsewhere->port : std::uint16_t{0}});
    link_state = link::opening;
    link_connected = false;
    witnessing = false;
    // The transport part of connecting is bounded like the CONNACK wait (config comment).
    link_deadline = now + cfg.broker_connect_timeout;
}

void client_session::impl::close_link(time_point now, std::vector<action>& out)
{
    switch (link_state) {
    case link::up:
        // MQTT 5.0 §3.14.2.1 0x00 Normal disconnection: the session is kept (Session Expiry from the
        // CONNECT) and the will is not published.
        apply(upstream.disconnect(mqtt5::reason_code::normal_disconnection, std::nullopt, now), now, out);
        break;
    case link::opening:
        out.emplace_back(close_broker_link{id, mqtt5::close_mode::graceful});
        break;
    case link::closed:
    case link::backoff:
        break;
    }
    link_state = link::closed;
    relinking = false;
}

void client_session::impl::relink(time_point now, std::vector<action>& out)
{
    // Issue #4: "resume the upstream session with the new will": MQTT 5 cannot change the will of
    // a live connection, so DISCONNECT 0x00 (session kept, no will published), then a new link on
    // the same mqtt5 session: CONNECT with Clean Start 0 and the new will (MQTT 5.0 §3.1.2.4:
    // Session Present 1 resumes it). QoS 1/2 flows both ways and packet ids carry over (§4.4).
    upstream.set_will(desired_will());
    close_link(now, out);
    upstream.set_clean_start(false);
    open_link(now, out);
    relinking = true;
}

void client_session::impl::maybe_relink_for_will(time_point now, std::vector<action>& out)
{
    // A will the connection on the link does not carry (WILLTOPICUPD / WILLMSGUPD, or a CONNECT's
    // will that came while a link was connecting): relinked once the session is connected and no
    // SUBSCRIBE / UNSUBSCRIBE waits for the broker (ending the link would answer it with congestion).
    if (relinking || shut_down) return;
    if (state != active && state != asleep && state != awake) return;
    if (link_state != link::up || upstream.state() != mqtt5::session_state::connected) return;
    if (will_in_force() || !sub_requests.empty()) return;
    relink(now, out);
}

void client_session::impl::send_will_resp(v12::msg_type type, std::uint8_t return_code,
                                          std::vector<action>& out)
{
    if (type == v12::msg_type::willtopicresp)
        send(v12::willtopicresp_msg{return_code}, out);
    else
        send(v12::willmsgresp_msg{return_code}, out);
}

void client_session::impl::release_held(time_point now, std::vector<action>& out)
{
    // The relink's CONNACK: what the sensor published meanwhile goes up now, in order.
    auto msgs = std::exchange(held, {});
    for (auto& m : msgs)
        publish_qos0(std::move(m), now, out);
}

void client_session::impl::drop_held(std::vector<action>& out)
{
    if (held.empty()) return;
    const auto n = held.size();
    held.clear();
    drop(errc::broker_unavailable,
         std::to_string(n) + " PUBLISH QoS 0 held while the upstream session resumed", out);
}

void client_session::impl::apply(std::vector<mqtt5::action>&& actions, time_point now,
                                 std::vector<action>& out)
{
    for (auto& a : actions) {
        if (auto* b = std::get_if<mqtt5::send_bytes>(&a)) {
            out.emplace_back(send_to_broker{id, b->type, std::move(b->bytes)});
        } else if (auto* c = std::get_if<mqtt5::close_link>(&a)) {
            out.emplace_back(close_broker_link{id, c->mode});
            link_state = link::closed;
        } else if (auto* ok = std::get_if<mqtt5::connected>(&a)) {
            on_upstream_connected(*ok, now, out);
        } else if (auto* failed = std::get_if<mqtt5::connect_failed>(&a)) {
            on_upstream_end(link_end{link_end::kind::verdict, failed->reason, failed->reason_string(),
                                     failed->server_reference()},
                            "broker refused CONNECT: " + describe(failed->reason, failed->reason_string()),
                            now, out);
        } else if (auto* msg = std::get_if<mqtt5::message_received>(&a)) {
            on_message_received(std::move(*msg), now, out);
        } else if (auto* done = std::get_if<mqtt5::publish_completed>(&a)) {
            on_publish_completed(*done, now, out);
        } else if (auto* sub = std::get_if<mqtt5::subscribe_result>(&a)) {
            on_subscribe_result(*sub, now, out);
        } else if (auto* unsub = std::get_if<mqtt5::unsubscribe_result>(&a)) {
            on_unsubscribe_result(*unsub, now, out);
        } else if (auto* verdict = std::get_if<mqtt5::broker_disconnected>(&a)) {
            ++stats.broker_disconnects[static_cast<std::uint8_t>(verdict->reason)];
            const auto detail = "broker DISCONNECT " + describe(verdict->reason, verdict->reason_string());
            event(client_event_kind::broker_verdict, detail, out);
            on_upstream_end(link_end{link_end::kind::verdict, verdict->reason, verdict->reason_string(),
                                     verdict->server_reference()},
                            detail, now, out);
        } else if (auto* lost = std::get_if<mqtt5::link_lost>(&a)) {
            on_link_lost(lost->cause, now, out);
        } else if (auto* fault = std::get_if<mqtt5::protocol_error_detected>(&a)) {
            on_upstream_end(link_end{},
                            "broker broke the protocol: sent DISCONNECT " +
                                describe(fault->sent.reason, fault->sent.props.reason_string),
                            now, out);
        } else if (auto* dropped_state = std::get_if<mqtt5::session_state_dropped>(&a)) {
            // MQTT 5.0 §3.2.2.1.1 Session Present 0: the broker forgot its session. Our PUBLISHes it
            // had not acknowledged get no completion: forget them, the sensor re-sends (§6.13) and
            // they are published again. Messages held for the sensor are still delivered (their
            // acknowledge() now does nothing).
            std::erase_if(uplinks, [&](const uplink& u) {
                return std::find(dropped_state->outbound.begin(), dropped_state->outbound.end(),
                                 u.packet_id) != dropped_state->outbound.end();
            });
        } else if (auto* auth = std::get_if<mqtt5::auth_received>(&a)) {
            on_auth_received(*auth, now, out); // CSD01 §4.11: relayed to a v2.0 sensor
        }
    }
}

void client_session::impl::on_upstream_connected(const mqtt5::connected& c, time_point now,
                                                 std::vector<action>& out)
{
    reconnect_attempts = 0;
    recovering.reset(); // recovered: the sensor notices nothing (design §4)
    broker_session = true;
    relinking = false;
    link_connected = true;
    upstream_session_present = c.session_present; // for a v2.0 CONNACK (CSD01 §3.2.3)
    upstream_session_expiry = c.session_expiry_interval;
    upstream_auth_data = c.props.authentication_data;
    // The broker lost the session although the sensor asked to keep it (clean 0, §6.3): its
    // subscriptions are gone upstream, so make them again; the sensor cannot be told (v1.2 CONNACK
    // has no Session Present).
    if (!c.session_present && !subscriptions.empty()) resubscribe(now, out);
    release_held(now, out);

    if (state == connecting_upstream) {
        accept_connect(now, out);
        return;
    }
    event(client_event_kind::upstream_up, c.session_present ? "session resumed" : "new session", out);
    if (will_resp_owed && will_in_force()) {
        // §6.4: the new will is in force upstream (after the relink, or a reconnect that followed
        // a failed one). A link whose CONNECT still had the old will is relinked first.
        const auto type = *std::exchange(will_resp_owed, std::nullopt);
        if (connected_sensor()) send_will_resp(type, v12::return_codes::accepted, out); // not to a sleeper
        event(client_event_kind::will_updated, "", out);
    }
    pump(now, out);
}

void client_session::impl::on_link_lost(mqtt5::link_lost_cause cause, time_point now,
                                        std::vector<action>& out)
{
    // Design §4, take-over without a reason: mosquitto 2.0.11 closes the old connection on a
    // take-over without DISCONNECT 0x8E, which looks like a lost link (reconnect class) and would
    // take the session back from its new owner, who would take it back again: flapping. A
    // connected link closed while the gateway's own link to the same broker stays up is a verdict
    // about this session, not about the network: wait config.takeover_witness; if the own link is
    // still up and was not lost meanwhile, it is 0x8E; otherwise (broker restart, network) reconnect.
    const bool listening = state == active || state == asleep || state == awake;
    if (cause == mqtt5::link_lost_cause::link_down && link_connected && own.connected && listening &&
        !recovering && !shut_down && cfg.takeover_witness > milliseconds::zero()) {
        link_state = link::backoff;
        link_connected = false;
        relinking = false;
        witnessing = true;
        witness_own_downs = own.downs;
        link_deadline = now + cfg.takeover_witness;
        event(client_event_kind::upstream_down,
              "broker link closed without DISCONNECT while the gateway's own link is up: a take-over "
              "unless the own link goes down too",
              out);
        return;
    }
    on_upstream_end(link_end{}, std::string(cause_name(cause)), now, out);
}

// The one place that decides what follows the end of the upstream link (design §4; the table in
// reason_mapping.cpp holds the per-reason part).
void client_session::impl::on_upstream_end(link_end end, std::string detail, time_point now,
                                           std::vector<action>& out)
{
    link_state = link::closed;
    relinking = false;
    link_connected = false;
    witnessing = false;
    if (end.how == link_end::kind::verdict) {
        last_disconnect_reason = static_cast<std::uint8_t>(end.reason);
        last_disconnect_time = now;
        last_disconnect_reason_string = end.reason_string;
    }
    if (shut_down) return;

    const auto raw = end.how == link_end::kind::verdict ? class_of(end.reason)
                     : end.how == link_end::kind::lost  ? link_lost_row().what
                                                        : broker_unreachable_row().what;
    // A code no broker ends a session with is handled as a lost link.
    const auto cls = raw == verdict_class::not_a_verdict ? verdict_class::reconnect : raw;

    switch (state) {
    case disconnected:
    case lost:
        recovering.reset();
        return; // we closed it ourselves
    case connecting_upstream: {
        // The sensor waits for its CONNACK: tell it now, mapped (design §4: 0x01 transient, 0x03 not).
        recovering.reset();
        const auto code =
            end.how == link_end::kind::verdict ? connack_return_code(end.reason) : connack_broker_unreachable;
        if (cls == verdict_class::do_not_retry) hold_down_until = now + cfg.hold_down;
        const auto v2_code = v2_connack_code(end.code());
        send_connack(code, v2_code, out);
        state = disconnected;
        closed_since = now;
        drop_held(out);
        // The code the sensor got, in its version.
        event(client_event_kind::connect_refused,
              "CONNACK " + code_text(version == sn::protocol_version::v2_0 ? v2_code : code) + ": " + detail,
              out);
        return;
    }
    case awaiting_will_topic:
    case awaiting_will_msg:
        return; // the CONNECT in progress opens its own link
    case active:
    case asleep:
    case awake:
        break;
    }

    auto follow = [&] {
        // MQTT 5.0 §4.11: the Server Reference names where to connect instead.
        if (!cfg.follow_server_reference || !end.server_reference) return false;
        auto ref = parse_server_reference(*end.server_reference);
        if (!ref) return false;
        elsewhere = std::move(*ref);
        detail += "; following the Server Reference to " + elsewhere->host +
                  (elsewhere->port != 0 ? ":" + std::to_string(elsewhere->port) : std::string{});
        return true;
    };

    if (!recovering) {
        recovering = recovery{cls, end, now};
        reconnect_attempts = 0;
        if (cls == verdict_class::go_elsewhere) // followed: bounded tries like a reconnect
            recovering->policy = follow() ? verdict_class::reconnect : verdict_class::fix_then_retry;
    } else if (cls == verdict_class::fix_then_retry || cls == verdict_class::do_not_retry ||
               cls == verdict_class::go_elsewhere) {
        // A refusal while re-opening ends the recovery: retrying cannot help (a Server Reference is
        // followed once per recovery, never from one redirect to the next).
        recovering->policy = verdict_class::fix_then_retry;
        recovering->cause = end;
    } else if (end.how == link_end::kind::verdict) {
        recovering->cause = end; // what the sensor is told if the policy runs out
    }
    continue_recovery(std::move(detail), now, out);
}

void client_session::impl::continue_recovery(std::string detail, time_point now, std::vector<action>& out)
{
    auto& r = *recovering;
    std::optional<milliseconds> delay;
    switch (r.policy) {
    case verdict_class::reconnect:
        // At once, then 1 s, 2 s, ...: config.reconnect_tries re-opens in all.
        if (reconnect_attempts < cfg.reconnect_tries)
            delay = reconnect_attempts == 0 ? milliseconds::zero() : backoff(reconnect_attempts - 1u);
        break;
    case verdict_class::retry_later:
        // 1 s, 2 s, 4 s .. 30 s while the next re-open still falls within the grace period.
        if (now + backoff(reconnect_attempts) <= r.since + cfg.retry_later_grace)
            delay = backoff(reconnect_attempts);
        break;
    case verdict_class::go_elsewhere:
    case verdict_class::fix_then_retry:
    case verdict_class::do_not_retry:
    case verdict_class::not_a_verdict:
        break;
    }
    if (!delay) {
        const auto cause = r.cause;
        give_verdict(cause, std::move(detail), now, out);
        return;
    }
    ++reconnect_attempts;
    // MQTT 5.0 §3.1.2.4 Clean Start 0: the same session, QoS state resumed (§4.4).
    upstream.set_clean_start(false);
    if (*delay == milliseconds::zero()) {
        open_link(now, out);
        event(client_event_kind::upstream_down, detail + "; reconnecting", out);
    } else {
        link_state = link::backoff;
        link_deadline = now + *delay;
        event(client_event_kind::upstream_down,
              detail + "; reconnecting in " + std::to_string(delay->count()) + " ms", out);
    }
}

void client_session::impl::send_disconnect(std::uint8_t v2_reason,
                                           const std::optional<std::string>& reason_string,
                                           std::vector<action>& out)
{
    // Design §4: every DISCONNECT the gateway decides goes through the one builder (v1.2: bare).
    // v2.0: the reason string only if it fits the sensor's Maximum Packet Size; the PINGREQ's
    // Packet Identifier when the verdict answers one (state asleep: given at its next PINGREQ).
    std::optional<std::uint16_t> packet_id;
    if (version == sn::protocol_version::v2_0 && state == asleep) packet_id = ping_packet_id;
    out.emplace_back(
        send_datagram{peer, disconnect_datagram(version, v2_reason, reason_string, packet_id,
                                                max_packet_size == 0 ? std::numeric_limits<std::size_t>::max()
                                                                     : std::size_t{max_packet_size})});
    ++stats.verdicts_sent;
}

void client_session::impl::give_verdict(const link_end& end, std::string detail, time_point now,
                                        std::vector<action>& out)
{
    // Giving up: the sensor must act (§6.12 unsolicited DISCONNECT). A sleeping one cannot hear
    // it: it gets the DISCONNECT instead of PINGRESP at its next wake-up (design §4).
    recovering.reset();
    reconnect_attempts = 0;
    elsewhere.reset();
    if (end.how == link_end::kind::verdict && class_of(end.reason) == verdict_class::do_not_retry) {
        hold_down_until = now + cfg.hold_down;
        detail += "; hold-down " + std::to_string(cfg.hold_down.count()) + " s";
    }
    drop_held(out);
    if (will_resp_owed) {
        // §6.4: the new will never came into force upstream: "rejected: congestion", and the
        // stored will is the one before it (a later CONNECT without Will keeps that one, §6.3).
        const auto type = *std::exchange(will_resp_owed, std::nullopt);
        will_topic = std::move(will_topic_before);
        will_msg = std::move(will_msg_before);
        upstream.set_will(desired_will());
        if (state != asleep) send_will_resp(type, v12::return_codes::rejected_congestion, out);
    }
    const std::uint8_t v2 = v2_disconnect_code(end.code());
    // Design §4: a v2.0 sensor gets the broker's Reason String; a link that ended without one
    // (lost, unreachable) is named so the sensor's log says why (0x80 alone says nothing).
    auto why = end.reason_string;
    if (!why && end.how == link_end::kind::lost) why = "broker connection lost";
    if (!why && end.how == link_end::kind::unreachable) why = "broker unreachable";
    if (state == asleep) {
        verdict_owed = stored_verdict{v2, why, now};
        if (version == sn::protocol_version::v2_0 && !wakeup_sent) {
            // CSD01 §3.14: a best-effort hint to wake, once; the verdict waits for its PINGREQ.
            send(v20::wakeup_msg{}, out);
            wakeup_sent = true;
        }
        event(client_event_kind::upstream_down, detail + "; the sensor is told when it wakes", out);
        return;
    }
    send_disconnect(v2, why, out);
    state = disconnected;
    closed_since = now;
    pause_delivery();
    event(client_event_kind::upstream_down, detail + "; DISCONNECT sent to the sensor", out);
}

// ============================================================================================
// CONNECT and the will flow (MQTT-SN v1.2 §6.2, §6.3)
// ============================================================================================

bool client_session::impl::begin_connect(bool clean, std::uint16_t keep_alive_s, time_point now,
                                         std::vector<action>& out)
{
    if (hold_down_until && now < *hold_down_until) {
        // Design §4 "do not retry": the broker is not asked on the sensor's behalf until the
        // hold-down ends; "rejected: not supported" (§5.3.10).
        last_seen = now;
        verdict_owed.reset();
        if (state == asleep || state == awake || state == active) {
            state = disconnected;
            closed_since = now;
            pause_delivery();
        }
        // v2.0: the broker's code that started the hold-down (design §4).
        send_connack(connack_hold_down,
                     last_disconnect_reason ? v2_connack_code(mqtt5::reason_code{*last_disconnect_reason})
                                            : std::uint8_t{0x87},
                     out);
        event(client_event_kind::connect_refused,
              "CONNACK: hold-down for " +
                  std::to_string(std::chrono::duration_cast<seconds>(*hold_down_until - now).count()) +
                  " s more after " +
                  (last_disconnect_reason ? code_text(*last_disconnect_reason) : "a verdict"),
              out);
        return false;
    }
    hold_down_until.reset();
    recovering.reset();
    witnessing = false;
    last_seen = now;
    supervised_since = now;
    keep_alive = keep_alive_s;
    clean_session = clean;
    sleep_duration = 0;
    verdict_owed.reset();
    will_resp_owed.reset();
    pending_will_topic.reset();
    will_req_deadline.reset();
    pause_delivery(); // re-sent after the CONNACK
    reconnect_attempts = 0;

    if (clean) {
        // §6.3 CleanSession=true: delete all subscriptions and Will data; the topic ids, what is
        // buffered and the QoS flows belong to the old session too. Upstream: a new session
        // (Clean Start 1, MQTT 5.0 §3.1.2.4) once the will is known; the old link goes now.
        sub_requests.clear();
        close_link(now, out);
        topics.clear();
        subscriptions.clear();
        uplinks.clear();
        pubrel_awaited.clear();
        will_topic.reset();
        will_msg.clear();
        clear_downlink();
        drop_held(out);
    } else {
        // §6.3 CleanSession=false: the gateway keeps all stored data; a sensor that refused one of
        // our REGISTERs may accept it on this connection. §6.5, §6.10: after a reconnect the
        // sensor may have lost its topic ids, so each normal id is REGISTERed again (same id)
        // before the gateway uses it.
        topics.forget_refusals();
        topics.forget_announcements();
    }
    return true;
}

void client_session::impl::on_connect(const v12::connect_msg& m, time_point now, std::vector<action>& out)
{
    if (shut_down) return;
    version = sn::protocol_version::v1_2;
    reset_v2_connection();
    if (!begin_connect(m.clean_session, m.duration, now, out)) return;

    if (m.will) {
        // §6.2 Fig. 3: prompt for the will topic, then the will message; CONNACK at the end. With
        // CleanSession=false the new will overwrites the stored one (§6.3).
        state = awaiting_will_topic;
        send(v12::willtopicreq_msg{}, out);
        will_req_retries = 0;
        will_req_deadline = now + cfg.retry_interval;
        return;
    }
    continue_connect(now, out);
}

void client_session::impl::continue_connect(time_point now, std::vector<action>& out)
{
    will_req_deadline.reset();
    state = connecting_upstream;

    if (clean_session) {
        // Design §2: the sensor's CONNACK follows the broker's (end to end). Clean Start 1 drops
        // every QoS state, so a new session object.
        close_link(now, out);
        upstream = mqtt5::client_session(make_session_config(true));
        broker_session = false;
        open_link(now, out);
        return;
    }

    // §6.3 CleanSession=false: resume whatever session the broker holds (MQTT 5.0 §3.1.2.4) with
    // this CONNECT's will, which the next upstream CONNECT carries.
    upstream.set_will(desired_will());
    if (link_state == link::up && upstream.state() == mqtt5::session_state::connected) {
        if (will_in_force()) {
            // The sensor's session is already up (it reconnects while active, asleep or awake,
            // §6.14): nothing to ask the broker.
            accept_connect(now, out);
            return;
        }
        relink(now, out);  // CONNACK after the broker's
        relinking = false; // a CONNECT, not a will update: the CONNACK answers it
        return;
    }
    // A link whose CONNECT is still to go out (it carries this will), or one connecting with it:
    // its CONNACK answers this CONNECT.
    if (link_state == link::opening || (link_state == link::up && will_in_force())) return;

    close_link(now, out);
    upstream.set_clean_start(false);
    open_link(now, out);
}

void client_session::impl::accept_connect(time_point now, std::vector<action>& out)
{
    // §5.4.5 CONNACK accepted; §6.14: the client is active.
    send_connack(v12::return_codes::accepted, 0x00, out);
    state = active;
    supervised_since = now;
    event(client_event_kind::connected, clean_session ? "clean session" : "session kept", out);
    pump(now, out);
    maybe_relink_for_will(now, out);
}

void client_session::impl::handle(const v12::willtopic_msg& m, time_point now, std::vector<action>& out)
{
    if (state == awaiting_will_topic || state == awaiting_will_msg) {
        if (!m.will) {
            // §5.4.7, §6.3: an empty WILLTOPIC deletes the will topic and the will message; there is
            // no WILLMSG to ask for.
            will_topic.reset();
            will_msg.clear();
            continue_connect(now, out);
            return;
        }
        // awaiting_will_msg: the sensor repeats WILLTOPIC because our WILLMSGREQ was lost.
        pending_will_topic = *m.will;
        state = awaiting_will_msg;
        send(v12::willmsgreq_msg{}, out);
        will_req_retries = 0;
        will_req_deadline = now + cfg.retry_interval;
        return;
    }
    drop(errc::unexpected_message, "WILLTOPIC while " + std::string(to_string(state)), out);
}

void client_session::impl::handle(const v12::willmsg_msg& m, time_point now, std::vector<action>& out)
{
    if (state != awaiting_will_msg || !pending_will_topic) {
        drop(errc::unexpected_message, "WILLMSG while " + std::string(to_string(state)), out);
        return;
    }
    will_topic = *std::exchange(pending_will_topic, std::nullopt);
    will_msg = m.will_msg;
    continue_connect(now, out);
}

// ============================================================================================
// PINGREQ, DISCONNECT, sleep (§6.11, §6.12, §6.14), keep-alive supervision
// ============================================================================================

void client_session::impl::handle(const v12::pingreq_msg&, time_point now, std::vector<action>& out)
{
    switch (state) {
    case active:
        // §6.11: PINGREQ -> PINGRESP.
        send_pingresp(out);
        return;
    case asleep:
        // §6.14: the sleep timer stops; awake.
        if (verdict_owed) {
            // Design §4: the upstream session ended while it slept and could not be re-opened: the
            // stored verdict instead of the buffered messages and PINGRESP (v1.2: bare DISCONNECT;
            // never right after a sleep request, where it would read as "sleep granted", §6.14).
            const auto v = *std::exchange(verdict_owed, std::nullopt);
            send_disconnect(v.v2_reason, v.reason_string, out);
            state = disconnected;
            closed_since = now;
            event(client_event_kind::disconnected,
                  "upstream session lost while asleep: DISCONNECT at wake-up", out);
            return;
        }
        if (queue.empty()) {
            // §6.14: nothing buffered: PINGRESP at once, asleep again, sleep timer restarted.
            send_pingresp(out);
            supervised_since = now;
            return;
        }
        state = awake;
        event(client_event_kind::awake, std::to_string(queue.size()) + " buffered", out);
        pump(now, out); // ends with PINGRESP
        return;
    case awake:
        return; // the sensor repeats its PINGREQ (§6.14 retransmission); delivery is under way
    case disconnected:
    case lost:
        // Design §4 / §6.12: no session to wake: it must CONNECT (v2.0: 0xF4, the same builder).
        send_no_connection(std::nullopt, out);
        drop(errc::unexpected_message, "PINGREQ while " + std::string(to_string(state)), out);
        return;
    case awaiting_will_topic:
    case awaiting_will_msg:
    case connecting_upstream:
        drop(errc::unexpected_message, "PINGREQ while " + std::string(to_string(state)), out);
        return;
    }
}

void client_session::impl::handle(const v12::disconnect_msg& m, time_point now, std::vector<action>& out)
{
    const bool sleep_request = m.duration && *m.duration > 0;
    if (sleep_request && (state == active || state == awake || state == asleep)) {
        // §6.14 Fig. 5: DISCONNECT with Duration: acknowledged by a DISCONNECT, asleep, the sleep
        // timer runs. The upstream session stays connected (design §3), pinging by itself. A PUBLISH
        // the sensor has not acknowledged waits for its wake-up.
        send(v12::disconnect_msg{}, out);
        state = asleep;
        sleep_duration = *m.duration;
        supervised_since = now;
        pause_delivery();
        event(client_event_kind::asleep, "for " + std::to_string(sleep_duration) + " s", out);
        maybe_relink_for_will(now, out);
        return;
    }
    // §6.12: acknowledged with a DISCONNECT. A Duration of 0 is read as no Duration (a sleep of
    // zero seconds cannot be supervised).
    send(v12::disconnect_msg{}, out);
    if (state == disconnected || state == lost) return;
    // §6.12: subscriptions and will are kept for the next CONNECT; upstream DISCONNECT 0x00 keeps
    // the session and publishes no will (MQTT 5.0 §3.14.2.1).
    state = disconnected; // first: nothing more goes to the sensor
    closed_since = now;
    close_link(now, out);
    drop_held(out);
    will_req_deadline.reset();
    will_resp_owed.reset();
    pending_will_topic.reset();
    pause_delivery();
    event(client_event_kind::disconnected, "", out);
}

void client_session::impl::lose(std::string detail, time_point now, std::vector<action>& out)
{
    // §6.14: lost, "activates the Will feature": the upstream link is closed without DISCONNECT so
    // the broker publishes the will (MQTT 5.0 §3.1.2.5).
    state = lost; // first: nothing more goes to the sensor
    if (link_state == link::up)
        apply(upstream.abort(now), now, out);
    else if (link_state == link::opening)
        out.emplace_back(close_broker_link{id, mqtt5::close_mode::abrupt});
    link_state = link::closed;
    relinking = false;
    link_connected = false;
    witnessing = false;
    recovering.reset();
    verdict_owed.reset(); // kept only until the sleep timer ends (design §4)
    drop_held(out);
    will_req_deadline.reset();
    will_resp_owed.reset();
    pause_delivery();
    closed_since = now;
    ++stats.clients_lost;
    event(client_event_kind::lost, std::move(detail), out);
}

void client_session::impl::kick(mqtt5::reason_code reason, time_point now, std::vector<action>& out)
{
    // As if the broker had ended the session with `reason` (design §4); the link is ours to end:
    // MQTT 5.0 §3.14.2.1 0x00 keeps the broker's session and publishes no will.
    const auto detail = "kicked: " + describe(reason, std::nullopt);
    event(client_event_kind::broker_verdict, detail, out);
    close_link(now, out);
    link_connected = false;
    witnessing = false;
    recovering.reset(); // the kick's verdict replaces any recovery under way
    const link_end end{link_end::kind::verdict, reason, std::string("kicked by the gateway operator"),
                       std::nullopt};
    if (state == disconnected || state == lost) {
        // Nothing to tell: only the record of the verdict and its hold-down.
        last_disconnect_reason = static_cast<std::uint8_t>(reason);
        last_disconnect_time = now;
        last_disconnect_reason_string = end.reason_string;
        if (class_of(reason) == verdict_class::do_not_retry) hold_down_until = now + cfg.hold_down;
        return;
    }
    on_upstream_end(end, detail, now, out);
}

void client_session::impl::detach(std::string detail, time_point now, std::vector<action>& out)
{
    // Another client id now speaks from this record's address, so nothing can reach the sensor
    // there. A sensor that listens (or is connecting) is taken as gone: lost at once, the upstream
    // link aborted so the broker publishes its will, as keep-alive expiry would have done (which
    // never comes with keep-alive 0). A sleeping one keeps its record: it may wake from a new
    // address (§6.14), and its sleep timer still runs.
    peer = peer_id{};
    switch (state) {
    case active:
    case awake:
    case connecting_upstream:
    case awaiting_will_topic:
    case awaiting_will_msg:
        lose(std::move(detail), now, out);
        return;
    case asleep:
    case disconnected:
    case lost:
        return;
    }
}

// ============================================================================================
// WILLTOPICUPD / WILLMSGUPD (§6.4)
// ============================================================================================

void client_session::impl::handle(const v12::willtopicupd_msg& m, time_point now, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "WILLTOPICUPD while " + std::string(to_string(state)), out);
        return;
    }
    // §5.4.22: an empty WILLTOPICUPD deletes the will topic and the will message.
    update_will(m.will, m.will ? will_msg : std::vector<std::byte>{}, v12::msg_type::willtopicresp, now, out);
}

void client_session::impl::handle(const v12::willmsgupd_msg& m, time_point now, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "WILLMSGUPD while " + std::string(to_string(state)), out);
        return;
    }
    update_will(will_topic, m.will_msg, v12::msg_type::willmsgresp, now, out);
}

void client_session::impl::update_will(std::optional<v12::will_topic_fields> topic,
                                       std::vector<std::byte> msg, v12::msg_type resp, time_point now,
                                       std::vector<action>& out)
{
    if (will_resp_owed) return; // a repeat while the update runs: its answer is on the way

    auto old_topic = std::exchange(will_topic, std::move(topic));
    auto old_msg = std::exchange(will_msg, std::move(msg));
    if (link_state == link::closed) {
        // No upstream session to carry it (not reached while the sensor is connected: a session
        // that cannot be re-opened ends the sensor's connection). "Rejected: congestion"
        // (§5.3.10), the will is unchanged.
        will_topic = std::move(old_topic);
        will_msg = std::move(old_msg);
        send_will_resp(resp, v12::return_codes::rejected_congestion, out);
        return;
    }
    upstream.set_will(desired_will()); // the next upstream CONNECT carries it
    if (link_state == link::up && upstream.state() == mqtt5::session_state::connected && will_in_force()) {
        // Nothing changes upstream (a will message without a will topic, the same will).
        send_will_resp(resp, v12::return_codes::accepted, out);
        return;
    }
    // In force after a relink (now, or once the pending SUBSCRIBEs are answered), or with the
    // CONNECT of the link being opened: answered after the broker's CONNACK. QoS flows in progress
    // carry over (§4.4), so the sensor never needs to be told to wait.
    will_resp_owed = resp;
    will_topic_before = std::move(old_topic);
    will_msg_before = std::move(old_msg);
    maybe_relink_for_will(now, out);
}

// ============================================================================================
// dispatch, timers
// ============================================================================================

void client_session::impl::on_message(const v12::message& m, time_point now, std::vector<action>& out)
{
    if (shut_down) return;
    if (const auto* c = std::get_if<v12::connect_msg>(&m)) {
        on_connect(*c, now, out);
        return;
    }
    last_seen = now;
    // §6.14: "does not receive any message from the client": any datagram restarts the keep-alive
    // (and, while asleep, the sleep timer).
    if (state == active || state == asleep) supervised_since = now;

    if ((state == disconnected || state == lost) && !std::holds_alternative<v12::disconnect_msg>(m) &&
        !std::holds_alternative<v12::pingreq_msg>(m)) {
        // §6.12: an unsolicited DISCONNECT tells the sensor it has no connection: it must CONNECT
        // (design §4: v2.0 0xF4 No Virtual Connection exists, from the same builder).
        send_no_connection(std::nullopt, out);
        drop(errc::unexpected_message,
             std::string(v12::type_name(m)) + " while " + std::string(to_string(state)), out);
        return;
    }

    std::visit(
        [&](const auto& msg) {
            using T = std::decay_t<decltype(msg)>;
            if constexpr (std::is_same_v<T, v12::willtopic_msg> || std::is_same_v<T, v12::willmsg_msg> ||
                          std::is_same_v<T, v12::pingreq_msg> || std::is_same_v<T, v12::disconnect_msg> ||
                          std::is_same_v<T, v12::willtopicupd_msg> ||
                          std::is_same_v<T, v12::willmsgupd_msg> || std::is_same_v<T, v12::register_msg> ||
                          std::is_same_v<T, v12::regack_msg> || std::is_same_v<T, v12::publish_msg> ||
                          std::is_same_v<T, v12::puback_msg> || std::is_same_v<T, v12::pubrec_msg> ||
                          std::is_same_v<T, v12::pubrel_msg> || std::is_same_v<T, v12::pubcomp_msg> ||
                          std::is_same_v<T, v12::subscribe_msg> || std::is_same_v<T, v12::unsubscribe_msg>) {
                handle(msg, now, out);
            } else if constexpr (std::is_same_v<T, v12::pingresp_msg>) {
                // §6.11: the answer to a gateway PINGREQ; we send none, nothing to do.
            } else {
                // Messages a client never sends to its gateway (ADVERTISE, CONNACK, SUBACK, ...) or
                // that the gateway handles before routing (SEARCHGW, encapsulation).
                drop(errc::unexpected_message, std::string(v12::type_name(m)) + " from a client", out);
            }
        },
        m);
    maybe_relink_for_will(now, out);
}

void client_session::impl::on_timeout(time_point now, std::vector<action>& out)
{
    if (link_state == link::up) apply(upstream.on_timeout(now), now, out);
    if (shut_down) return;

    if (link_state == link::opening && now >= link_deadline) {
        out.emplace_back(close_broker_link{id, mqtt5::close_mode::abrupt});
        on_upstream_end(link_end{link_end::kind::unreachable}, "broker link not up in time", now, out);
    }
    if (link_state == link::backoff && now >= link_deadline) {
        if (witnessing) {
            witnessing = false;
            link_state = link::closed;
            if (own.connected && own.downs == witness_own_downs)
                on_upstream_end(link_end{link_end::kind::verdict, mqtt5::reason_code::session_taken_over,
                                         std::string("session taken over (link closed without DISCONNECT, "
                                                     "the gateway's own link stayed up)"),
                                         std::nullopt},
                                "broker link closed while the gateway's own link stayed up: taken over", now,
                                out);
            else
                on_upstream_end(link_end{}, "broker link lost (the gateway's own link went down too)", now,
                                out);
        } else {
            open_link(now, out);
        }
    }

    if (will_req_deadline && now >= *will_req_deadline &&
        (state == awaiting_will_topic || state == awaiting_will_msg)) {
        // §6.13 applied to the gateway's own requests: re-send WILLTOPICREQ / WILLMSGREQ.
        if (will_req_retries < cfg.retry_count) {
            ++will_req_retries;
            ++retransmissions;
            ++stats.retransmissions;
            if (state == awaiting_will_topic)
                send(v12::willtopicreq_msg{}, out);
            else
                send(v12::willmsgreq_msg{}, out);
            will_req_deadline = now + cfg.retry_interval;
        } else {
            lose("no answer to " + std::string(state == awaiting_will_topic ? "WILLTOPICREQ" : "WILLMSGREQ"),
                 now, out);
        }
    }

    if (retry_deadline && now >= *retry_deadline && connected_sensor()) retransmit(now, out);

    if (state == active && keep_alive > 0 &&
        now >= supervised_since + supervision_period(keep_alive, cfg.keep_alive_factor_percent))
        lose("keep-alive expired", now, out); // §6.14, design §3
    else if (state == asleep && sleep_duration > 0 &&
             now >= supervised_since + supervision_period(sleep_duration, cfg.keep_alive_factor_percent))
        lose("sleep timer expired", now, out); // §6.14

    maybe_relink_for_will(now, out);
}

std::optional<time_point> client_session::impl::next_deadline() const
{
    std::optional<time_point> next;
    auto consider = [&](std::optional<time_point> t) {
        if (t && (!next || *t < *next)) next = t;
    };
    if (link_state == link::up) consider(upstream.next_deadline());
    if (shut_down) return next;
    if (link_state == link::opening || link_state == link::backoff) consider(link_deadline);
    if (state == awaiting_will_topic || state == awaiting_will_msg) consider(will_req_deadline);
    if (connected_sensor()) consider(retry_deadline);
    if (state == active && keep_alive > 0)
        consider(supervised_since + supervision_period(keep_alive, cfg.keep_alive_factor_percent));
    if (state == asleep && sleep_duration > 0)
        consider(supervised_since + supervision_period(sleep_duration, cfg.keep_alive_factor_percent));
    return next;
}

// ============================================================================================
// client_session: the interface
// ============================================================================================

client_session::client_session(session_id id, std::string client_id, peer_id peer, const config& cfg,
                               const predefined_table& predefined, gateway_stats& stats,
                               const own_link_watch& own, sn::protocol_version version)
    : impl_(std::make_unique<impl>(id, std::move(client_id), peer, cfg, predefined, stats, own, version))
{}

client_session::~client_session() = default;

void client_session::on_connect(const sn::v1_2::connect_msg& m, time_point now, std::vector<action>& out)
{
    impl_->on_connect(m, now, out);
}

void client_session::on_message(const sn::v1_2::message& m, time_point now, std::vector<action>& out)
{
    impl_->on_message(m, now, out);
}

void client_session::on_connect(const sn::v2_0::connect_msg& m, bool assigned, time_point now,
                                std::vector<action>& out)
{
    impl_->on_connect(m, assigned, now, out);
}

void client_session::on_message(const sn::v2_0::message& m, time_point now, std::vector<action>& out)
{
    impl_->on_message(m, now, out);
}

sn::protocol_version client_session::version() const noexcept
{
    return impl_->version;
}

void client_session::rebind(peer_id p) noexcept
{
    impl_->peer = p;
}

void client_session::detach(std::string detail, time_point now, std::vector<action>& out)
{
    impl_->detach(std::move(detail), now, out);
}

bool client_session::publishes_upstream() const noexcept
{
    return impl_->publishes_upstream();
}

void client_session::on_broker_link_up(time_point now, std::vector<action>& out)
{
    auto& s = *impl_;
    if (s.link_state != impl::link::opening) {
        // A link we no longer want (given up on, or the sensor went away meanwhile).
        if (s.link_state != impl::link::up)
            out.emplace_back(close_broker_link{s.id, mqtt5::close_mode::abrupt});
        return;
    }
    s.link_state = impl::link::up;
    s.link_will = s.upstream.config().connect.will; // what this link's CONNECT carries
    s.apply(s.upstream.on_link_up(now), now, out);
}

void client_session::on_broker_bytes(std::span<const std::byte> whole_packet, time_point now,
                                     std::vector<action>& out)
{
    auto& s = *impl_;
    if (s.link_state != impl::link::up) return;
    s.apply(s.upstream.on_bytes(whole_packet, now), now, out);
    s.maybe_relink_for_will(now, out);
}

void client_session::on_broker_link_down(time_point now, std::vector<action>& out)
{
    auto& s = *impl_;
    if (s.link_state == impl::link::opening) {
        s.on_upstream_end(impl::link_end{impl::link_end::kind::unreachable}, "broker unreachable", now, out);
        return;
    }
    if (s.link_state != impl::link::up) return;
    s.apply(s.upstream.on_link_down(now), now, out);
}

void client_session::on_timeout(time_point now, std::vector<action>& out)
{
    impl_->on_timeout(now, out);
}

void client_session::kick(mqtt5::reason_code reason, time_point now, std::vector<action>& out)
{
    if (impl_->shut_down) return;
    impl_->kick(reason, now, out);
}

std::optional<time_point> client_session::next_deadline() const
{
    return impl_->next_deadline();
}

void client_session::shutdown(time_point now, std::vector<action>& out)
{
    auto& s = *impl_;
    if (s.shut_down) return;
    // Design §3: connected sensors are told (v1.2 bare DISCONNECT); sleeping ones cannot hear.
    switch (s.state) {
    case active:
    case awake:
    case connecting_upstream:
    case awaiting_will_topic:
    case awaiting_will_msg:
        s.send_disconnect(0x8B, std::nullopt, out); // MQTT-SN v2.0 0x8B Server shutting down
        s.state = disconnected;
        s.closed_since = now;
        break;
    case asleep:
    case disconnected:
    case lost:
        break;
    }
    // Upstream DISCONNECT 0x00 with the session kept: no will fires because the gateway stopped.
    s.close_link(now, out);
    s.drop_held(out);
    s.shut_down = true;
    s.pause_delivery();
    s.will_req_deadline.reset();
}

bool client_session::removable(time_point now) const
{
    const auto& s = *impl_;
    if (s.link_state != impl::link::closed || s.upstream.state() != mqtt5::session_state::disconnected)
        return false;
    if (s.state != disconnected && s.state != lost) return false;
    if (s.hold_down_until && now < *s.hold_down_until) return false; // design §4: CONNACK 0x03 meanwhile
    // §6.12: subscriptions and will data persist after DISCONNECT (whatever CleanSession was) until
    // a CONNECT with CleanSession=true; the broker keeps the session as long (MQTT 5.0
    // §3.1.2.11.2, Session Expiry from the config). §6.3: a sensor that connected without
    // CleanSession keeps its topic ids and subscriptions also when its upstream session could not
    // be re-opened. Only a record that holds nothing goes at once.
    const bool holds =
        s.broker_session ||
        (!s.clean_session && (s.topics.size() > 0 || !s.subscriptions.empty() || s.will_topic.has_value()));
    if (!holds) return true;
    const auto expiry = s.session_expiry_interval();
    if (expiry == 0xFFFFFFFFu) return false; // CSD01 §3.1.9: never expires
    return now >= s.closed_since + seconds(expiry);
}

client_info client_session::info() const
{
    const auto& s = *impl_;
    client_info i;
    i.client_id = s.client_id;
    i.version = s.version;
    i.peer = s.peer;
    i.session = s.id;
    i.state = s.state;
    i.keep_alive = s.keep_alive;
    i.sleep_duration = (s.state == asleep || s.state == awake)
                           ? static_cast<std::uint16_t>(std::min<std::uint32_t>(s.sleep_duration, 0xFFFF))
                           : std::uint16_t{0};
    i.last_seen = s.last_seen;
    i.in_flight = s.in_flight() ? 1 : 0;
    i.buffered = s.queue.size() - i.in_flight;
    i.retransmissions = s.retransmissions;
    i.dropped_qos0 = s.dropped_qos0;
    i.topics = s.topics.size();
    for (const auto& sub : s.subscriptions)
        i.subscriptions.push_back(sub.filter);
    i.upstream = s.upstream.state();
    i.last_disconnect_reason = s.last_disconnect_reason;
    i.last_disconnect_time = s.last_disconnect_time;
    i.last_disconnect_reason_string = s.last_disconnect_reason_string;
    i.verdict_pending = s.verdict_owed.has_value();
    i.hold_down_until = s.hold_down_until;
    return i;
}

client_state client_session::state() const noexcept
{
    return impl_->state;
}

peer_id client_session::peer() const noexcept
{
    return impl_->peer;
}

const std::string& client_session::client_id() const noexcept
{
    return impl_->client_id;
}

session_id client_session::id() const noexcept
{
    return impl_->id;
}

} // namespace sngw::core::detail
