// SPDX-License-Identifier: MIT
// One MQTT-SN 2.0 (OASIS CSD01) client: CONNECT (will inside it, authentication, Session Expiry,
// Maximum Packet Size, Default Awake Messages), PINGREQ, SLEEPREQ, DISCONNECT, AUTH, and the
// dispatch of every v2.0 packet. The state machine (states, the upstream link, verdicts, timers) is
// the one of client_session.cpp; aliases and PUBLISH/SUBSCRIBE are in client_session_v2_publish.cpp.
#include "client_session_impl.hpp"
#include "sn_conversions.hpp"

#include <sngw/sn/v2_0/codec.hpp>
#include <sngw/sn/wire.hpp>

#include <cstdio>
#include <limits>
#include <type_traits>

namespace sngw::core::detail {
namespace {

using enum client_state;

// CSD01 §4.9: the sensor's packets that need an answer from the gateway. §4.9 lists PUBREC too,
// but a client's PUBREC belongs to a flow the gateway started (its QoS 2 PUBLISH, e.g. while Awake
// with the waking PINGREQ unanswered): counting it would end every such delivery with 0x93, so
// only the client's own flows count here.
bool is_request(const v20::message& m) noexcept
{
    if (const auto* p = std::get_if<v20::publish_msg>(&m)) return p->q != v20::qos::qos0;
    return std::holds_alternative<v20::pubrel_msg>(m) || std::holds_alternative<v20::register_msg>(m) ||
           std::holds_alternative<v20::subscribe_msg>(m) || std::holds_alternative<v20::unsubscribe_msg>(m) ||
           std::holds_alternative<v20::pingreq_msg>(m) || std::holds_alternative<v20::sleepreq_msg>(m) ||
           std::holds_alternative<v20::auth_msg>(m);
}

// What a client may send to its gateway at all (CSD01 §2.1.3 Figure 2-4 directions); CONNECT,
// SEARCHGW, PUBWOS and the encapsulations are the gateway's to route.
bool client_sends(const v20::message& m) noexcept
{
    return std::visit(
        [](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            return std::is_same_v<T, v20::pingreq_msg> || std::is_same_v<T, v20::disconnect_msg> ||
                   std::is_same_v<T, v20::sleepreq_msg> || std::is_same_v<T, v20::auth_msg> ||
                   std::is_same_v<T, v20::register_msg> || std::is_same_v<T, v20::regack_msg> ||
                   std::is_same_v<T, v20::publish_msg> || std::is_same_v<T, v20::puback_msg> ||
                   std::is_same_v<T, v20::pubrec_msg> || std::is_same_v<T, v20::pubrel_msg> ||
                   std::is_same_v<T, v20::pubcomp_msg> || std::is_same_v<T, v20::subscribe_msg> ||
                   std::is_same_v<T, v20::unsubscribe_msg>;
        },
        m);
}

// CSD01 §4.14: what a sleeping client may send (Asleep: PINGREQ, CONNECT, DISCONNECT, and SLEEPREQ
// per §3.15 "repeated SLEEPREQ"); in Awake: the acknowledgements of what we deliver, CONNECT,
// DISCONNECT, and its PINGREQ again (a retransmission of the one that woke it, §4.9).
bool allowed_asleep(const v20::message& m) noexcept
{
    return std::holds_alternative<v20::pingreq_msg>(m) || std::holds_alternative<v20::sleepreq_msg>(m) ||
           std::holds_alternative<v20::disconnect_msg>(m);
}

bool allowed_awake(const v20::message& m) noexcept
{
    return std::holds_alternative<v20::puback_msg>(m) || std::holds_alternative<v20::pubrec_msg>(m) ||
           std::holds_alternative<v20::pubcomp_msg>(m) || std::holds_alternative<v20::regack_msg>(m) ||
           std::holds_alternative<v20::disconnect_msg>(m) || std::holds_alternative<v20::pingreq_msg>(m);
}

// CSD01 §4.11 "MQTT-BASIC": User Name Length (2), User Name (UTF-8), Password Length (2), Password,
// nothing after. Anything else is a bad user name or password (CONNACK 0x86).
std::optional<broker_credentials> parse_mqtt_basic(const std::vector<std::byte>& d)
{
    std::size_t i = 0;
    auto field = [&]() -> std::optional<std::string> {
        if (d.size() - i < 2) return std::nullopt;
        const std::size_t n =
            (std::to_integer<std::size_t>(d[i]) << 8) | std::to_integer<std::size_t>(d[i + 1]);
        i += 2;
        if (d.size() - i < n) return std::nullopt;
        std::string v;
        v.reserve(n);
        for (std::size_t k = 0; k < n; ++k)
            v.push_back(static_cast<char>(std::to_integer<unsigned char>(d[i + k])));
        i += n;
        return v;
    };
    auto user = field();
    if (!user || !sn::wire::is_valid_utf8(*user)) return std::nullopt;
    auto password = field();
    if (!password || i != d.size()) return std::nullopt;
    return broker_credentials{std::move(user), std::move(password)};
}

// MQTT 5.0 §3.14.2.1: what a Client's DISCONNECT may carry upstream; the sensor's other codes are
// sent as 0x80 Unspecified error (the will is published for every code but 0x00).
mqtt5::reason_code upstream_disconnect_reason(std::uint8_t code) noexcept
{
    switch (code) {
    case 0x00:
    case 0x04:
    case 0x80:
    case 0x81:
    case 0x82:
    case 0x83:
    case 0x90:
    case 0x93:
    case 0x94:
    case 0x95:
    case 0x96:
    case 0x97:
    case 0x98:
    case 0x99:
        return mqtt5::reason_code{code};
    default:
        return mqtt5::reason_code::unspecified_error;
    }
}

constexpr std::uint8_t rc_protocol_error = 0x82;       // CSD01 §2.3 Protocol Error
constexpr std::uint8_t rc_bad_credentials = 0x86;      // Bad User Name or Password
constexpr std::uint8_t rc_receive_max_exceeded = 0x93; // Receive Maximum exceeded (§4.9)

} // namespace

void client_session::impl::reset_v2_connection() noexcept
{
    max_packet_size = 0;
    client_id_assigned = false;
    default_awake_messages = 0;
    v2_session_expiry = 0;
    allow_address_changes = false;
    allow_suggested_values = false;
    sensor_credentials.reset();
    auth_method.reset();
    auth_data.reset();
    outstanding_request.reset();
    wakeup_sent = false;
    upstream.set_authentication(std::nullopt, std::nullopt);
    upstream.set_session_expiry_interval(cfg.session_expiry);
}

std::uint32_t client_session::impl::session_expiry_interval() const noexcept
{
    return version == sn::protocol_version::v2_0 ? v2_session_expiry : cfg.session_expiry;
}

void client_session::impl::on_connect(const v20::connect_msg& m, bool assigned, time_point now,
                                      std::vector<action>& out)
{
    if (shut_down) return;
    const bool listening =
        state == active || state == asleep || state == awake || state == connecting_upstream;
    version = sn::protocol_version::v2_0;
    connect_packet_id = m.packet_id;
    max_packet_size = m.maximum_packet_size; // §3.1.7: send(v20) enforces it
    client_id_assigned = assigned;
    outstanding_request.reset();
    wakeup_sent = false;

    // CSD01 §3.1.14-§3.1.17, §4.11: "MQTT-BASIC" carries a user name and password (the upstream
    // CONNECT's); any other method is MQTT 5 enhanced authentication, relayed.
    std::optional<broker_credentials> basic;
    if (m.auth && m.auth->method == "MQTT-BASIC") {
        basic = parse_mqtt_basic(m.auth->data);
        if (!basic) {
            // §3.2.4 [MQTT-SN-3.2.4-2]: a CONNACK of 0x80 or more deletes the VC (an old one too).
            send_connack(v12::return_codes::rejected_not_supported, rc_bad_credentials, out);
            if (listening) {
                violation(rc_bad_credentials, "CONNECT: malformed MQTT-BASIC data", false, now, out);
            } else {
                state = disconnected;
                closed_since = now;
                event(client_event_kind::connect_refused, "CONNACK 0x86: malformed MQTT-BASIC data", out);
            }
            return;
        }
    }
    // §3.1.2.6, §3.1.2.7, §3.1.8: kept for the Connection Encapsulation, CONNACK / SLEEPRESP, the pump.
    allow_address_changes = m.allow_network_address_changes;
    allow_suggested_values = m.allow_server_suggested_values;
    default_awake_messages = m.default_awake_messages.value_or(0);
    if (!begin_connect(m.clean_start, m.keep_alive, now, out)) return;

    // §3.1.9: absent = 0, the session ends with the VC; the upstream session lives as long
    // (transparent gateway, design §2), so a gateway restart keeps it only when the sensor asked.
    v2_session_expiry = m.session_expiry_interval.value_or(0);
    sensor_credentials = std::move(basic);
    if (m.auth && !sensor_credentials) {
        auth_method = m.auth->method;
        auth_data = m.auth->data;
    } else {
        auth_method.reset();
        auth_data.reset();
    }
    auth_packet_id = m.packet_id; // [MQTT-SN-3.3.2-1]: the broker's first AUTH answers the CONNECT
    upstream.set_session_expiry_interval(v2_session_expiry);
    upstream.set_authentication(auth_method, auth_data);
    if (m.clean_start) accepted_before = false;
    // §3.2.3 Session Present: a CONNECT answered without asking the broker resumes the session
    // the link holds; a broker CONNACK replaces this with its own.
    upstream_session_present = !m.clean_start;

    // CSD01 §3.1.3: the will comes inside CONNECT (no will flow); a CONNECT without one has none.
    will_topic.reset();
    will_msg.clear();
    if (m.will) {
        std::optional<std::string> name;
        switch (m.will->topic_type) {
        case v20::topic_type::topic_name:
            name = m.will->topic_name;
            break;
        case v20::topic_type::predefined_alias:
            if (const auto* n = topics.predefined_name(m.will->topic_alias)) name = *n;
            break;
        case v20::topic_type::session_alias:
            if (const auto* n = topics.name_of(m.will->topic_alias)) name = *n;
            break;
        }
        if (!name || !is_topic_name(*name)) {
            send_connack(v12::return_codes::rejected_invalid_topic_id, 0x90, out); // Topic Name invalid
            state = disconnected;
            closed_since = now;
            event(client_event_kind::connect_refused, "CONNACK 0x90: will topic unknown or invalid", out);
            return;
        }
        will_topic = v12::will_topic_fields{to_v12(m.will->q), m.will->retain, std::move(*name)};
        will_msg = m.will->payload;
    }
    // Credentials or an authentication from the sensor are the broker's to check: a link whose
    // CONNECT had others is replaced (Clean Start 0 keeps the session, MQTT 5.0 §3.1.2.4).
    if (!m.clean_start && m.auth && link_state != link::closed) close_link(now, out);
    continue_connect(now, out);
}

void client_session::impl::fill_connack(v20::connack_msg& c)
{
    // §3.2.3: Session Present only when both halves exist: this record's (aliases, subscriptions:
    // a CONNACK 0x00 went to it and Clean Start was 0) and the broker's (its CONNACK said so).
    c.session_present = !clean_session && accepted_before && upstream_session_present;
    // §3.2.5 [MQTT-SN-3.1.2.7-2]: the Session Expiry the broker put in force, only when the sensor
    // allowed suggested values. No Server Keep Alive: every Keep Alive > 0 is accepted.
    if (allow_suggested_values && link_connected && upstream_session_expiry != v2_session_expiry) {
        c.session_expiry_interval = upstream_session_expiry;
        v2_session_expiry = upstream_session_expiry;
    }
    // §3.2.7-§3.2.10: the broker's last authentication data (MQTT 5.0 §4.12).
    if (auth_method && upstream_auth_data) c.auth = v20::auth_fields{*auth_method, *upstream_auth_data};
    accepted_before = true;
    outstanding_request.reset();
}

void client_session::impl::note_answer(const v20::message& m) noexcept
{
    if (!outstanding_request) return;
    if (std::holds_alternative<v20::connack_msg>(m) || std::holds_alternative<v20::disconnect_msg>(m)) {
        outstanding_request.reset(); // the exchange (or the VC) is over
        return;
    }
    // The gateway's PUBREL is its own request (its QoS 2 flow), never an answer.
    const bool answer =
        std::holds_alternative<v20::puback_msg>(m) || std::holds_alternative<v20::pubrec_msg>(m) ||
        std::holds_alternative<v20::pubcomp_msg>(m) || std::holds_alternative<v20::regack_msg>(m) ||
        std::holds_alternative<v20::suback_msg>(m) || std::holds_alternative<v20::unsuback_msg>(m) ||
        std::holds_alternative<v20::pingresp_msg>(m) || std::holds_alternative<v20::sleepresp_msg>(m) ||
        std::holds_alternative<v20::auth_msg>(m);
    if (answer && packet_id_of(m) == outstanding_request) outstanding_request.reset();
}

void client_session::impl::violation(std::uint8_t v2_reason, std::string detail, bool tell, time_point now,
                                     std::vector<action>& out)
{
    // CSD01 §4.12: DISCONNECT with the reason code, then the VC is deleted. Upstream as a lost
    // sensor (MQTT 5.0 §3.1.2.5: a connection closed without DISCONNECT publishes the will): the
    // sensor broke the protocol, it did not say goodbye.
    if (tell) {
        out.emplace_back(send_datagram{
            peer, disconnect_datagram(version, v2_reason, std::nullopt, std::nullopt,
                                      max_packet_size == 0 ? std::numeric_limits<std::size_t>::max()
                                                           : std::size_t{max_packet_size})});
        ++stats.verdicts_sent;
    }
    outstanding_request.reset();
    lose("DISCONNECT " + code_text(v2_reason) + ": " + detail, now, out);
}

void client_session::impl::on_message(const v20::message& m, time_point now, std::vector<action>& out)
{
    if (shut_down) return;
    last_seen = now;
    if (state == active || state == asleep) supervised_since = now;

    if ((state == disconnected || state == lost) && !std::holds_alternative<v20::disconnect_msg>(m)) {
        // CSD01 §3.13.3: DISCONNECT 0xF4 "No Virtual Connection exists" with the packet's id.
        send_no_connection(packet_id_of(m), out);
        drop(errc::unexpected_message,
             std::string(v20::type_name(m)) + " while " + std::string(to_string(state)), out);
        return;
    }
    const std::string name(v20::type_name(m));
    if (!client_sends(m)) {
        // §4.12: a packet a client never sends to a server (CONNACK, SUBACK, PINGRESP, WAKEUP, ...).
        violation(rc_protocol_error, name + " from a client", true, now, out);
        return;
    }
    if (state == connecting_upstream) {
        // §4.11 / §3.1: before CONNACK the server ignores everything but AUTH (and DISCONNECT ends it).
        if (!std::holds_alternative<v20::auth_msg>(m) && !std::holds_alternative<v20::disconnect_msg>(m)) {
            drop(errc::unexpected_message, name + " before CONNACK", out);
            return;
        }
    } else if ((state == asleep && !allowed_asleep(m)) || (state == awake && !allowed_awake(m))) {
        violation(rc_protocol_error, name + " while " + std::string(to_string(state)), true, now,
                  out); // §4.14
        return;
    }
    if (is_request(m)) {
        // §4.9 [MQTT-SN-4.9-1]: one request at a time; the same Packet Identifier again is its
        // retransmission (the handler answers it again), another one ends the VC.
        const auto pid = packet_id_of(m);
        if (outstanding_request && pid != outstanding_request) {
            violation(rc_receive_max_exceeded,
                      name + " " + std::to_string(pid.value_or(0)) + " while request " +
                          std::to_string(*outstanding_request) + " is unanswered",
                      true, now, out);
            return;
        }
        outstanding_request = pid;
    }

    std::visit(
        [&](const auto& msg) {
            using T = std::decay_t<decltype(msg)>;
            if constexpr (std::is_same_v<T, v20::pingreq_msg> || std::is_same_v<T, v20::disconnect_msg> ||
                          std::is_same_v<T, v20::sleepreq_msg> || std::is_same_v<T, v20::auth_msg> ||
                          std::is_same_v<T, v20::register_msg> || std::is_same_v<T, v20::regack_msg> ||
                          std::is_same_v<T, v20::publish_msg> || std::is_same_v<T, v20::puback_msg> ||
                          std::is_same_v<T, v20::pubrec_msg> || std::is_same_v<T, v20::pubrel_msg> ||
                          std::is_same_v<T, v20::pubcomp_msg> || std::is_same_v<T, v20::subscribe_msg> ||
                          std::is_same_v<T, v20::unsubscribe_msg>) {
                handle(msg, now, out);
            }
        },
        m);
    maybe_relink_for_will(now, out);
}

void client_session::impl::handle(const v20::pingreq_msg& m, time_point now, std::vector<action>& out)
{
    // CSD01 §3.11/§3.12: the PINGRESP (or the verdict, design §4) echoes this Packet Identifier.
    // Asleep with nothing buffered: PINGRESP at once; with a stored verdict: DISCONNECT with its
    // reason code and this id instead (client_session.cpp).
    ping_packet_id = m.packet_id;
    handle(v12::pingreq_msg{}, now, out);
    if (state != asleep) wakeup_sent = false;
}

void client_session::impl::handle(const v20::sleepreq_msg& m, time_point now, std::vector<action>& out)
{
    if (state != active && state != asleep) {
        drop(errc::unexpected_message, "SLEEPREQ while " + std::string(to_string(state)), out);
        return;
    }
    if (state == asleep && verdict_owed) {
        // Design §4: the sensor speaks, so it hears: the stored verdict answers its SLEEPREQ (with
        // the SLEEPREQ's Packet Identifier, as a PINGREQ's would be).
        ping_packet_id = m.packet_id;
        const auto v = *std::exchange(verdict_owed, std::nullopt);
        send_disconnect(v.v2_reason, v.reason_string, out);
        state = disconnected;
        closed_since = now;
        event(client_event_kind::disconnected, "upstream session lost while asleep: DISCONNECT at SLEEPREQ",
              out);
        return;
    }
    // CSD01 §3.15, §3.16: granted as asked (no Sleep Duration in SLEEPRESP: the gateway does not change
    // it, [MQTT-SN-3.16.2.1-3]); keep-alive suspended, the sleep timer (duration x
    // keep_alive_factor) runs; a repeated SLEEPREQ restarts the cycle. The upstream session stays
    // connected (design §3); deliveries wait for the next PINGREQ.
    send(v20::sleepresp_msg{m.packet_id, std::nullopt, std::uint8_t{0x00}}, out);
    state = asleep;
    sleep_duration = m.sleep_duration;
    supervised_since = now;
    wakeup_sent = false;
    pause_delivery();
    // §3.15 Retain Topic Aliases 0: the sensor forgets its session aliases; each is REGISTERed again
    // before its next use in Awake (§3.4).
    if (!m.retain_topic_aliases) topics.forget_announcements();
    event(client_event_kind::asleep, "for " + std::to_string(sleep_duration) + " s", out);
}

void client_session::impl::end_connection_from_sensor(mqtt5::reason_code upstream_reason,
                                                      std::optional<std::uint32_t> session_expiry,
                                                      std::string detail, time_point now,
                                                      std::vector<action>& out)
{
    state = disconnected; // first: nothing more goes to the sensor
    closed_since = now;
    if (link_state == link::up)
        apply(upstream.disconnect(upstream_reason, session_expiry, now), now, out);
    else if (link_state == link::opening)
        out.emplace_back(close_broker_link{id, mqtt5::close_mode::graceful});
    link_state = link::closed;
    relinking = false;
    link_connected = false;
    witnessing = false;
    recovering.reset();
    verdict_owed.reset();
    outstanding_request.reset();
    drop_held(out);
    pause_delivery();
    event(client_event_kind::disconnected, std::move(detail), out);
}

void client_session::impl::handle(const v20::disconnect_msg& m, time_point now, std::vector<action>& out)
{
    // CSD01 §3.13: never answered. Without a VC there is nothing to end.
    if (state == disconnected || state == lost) return;
    const std::uint8_t code = m.reason_code.value_or(0x00);
    if (m.session_expiry_interval && *m.session_expiry_interval != 0 && v2_session_expiry == 0) {
        // §3.13 (as MQTT 5.0 §3.14.2.2.2): a Session Expiry where the CONNECT had 0 is a protocol error.
        violation(rc_protocol_error, "DISCONNECT with a Session Expiry after a CONNECT without one", true,
                  now, out);
        return;
    }
    if (m.session_expiry_interval) v2_session_expiry = *m.session_expiry_interval;
    // §3.13: 0x00 the will is discarded, 0x04 it is published: the upstream DISCONNECT says the same
    // (MQTT 5.0 §3.14.2.1), with the new Session Expiry (§3.14.2.2.2).
    char text[40];
    std::snprintf(text, sizeof text, "DISCONNECT 0x%02X from the sensor", static_cast<unsigned>(code));
    end_connection_from_sensor(upstream_disconnect_reason(code), m.session_expiry_interval, text, now, out);
}

void client_session::impl::handle(const v20::auth_msg& m, time_point now, std::vector<action>& out)
{
    // CSD01 §4.11: AUTH only within enhanced authentication (never with MQTT-BASIC), with the CONNECT's
    // method (MQTT 5.0 §4.12), 0x18 while connecting, 0x19 (or 0x18 within it) to re-authenticate.
    const bool connecting = state == connecting_upstream;
    const bool ok_reason =
        connecting ? m.reason_code == 0x18 : (m.reason_code == 0x18 || m.reason_code == 0x19);
    if (!auth_method || m.auth_method != *auth_method || !ok_reason || (!connecting && state != active)) {
        violation(rc_protocol_error,
                  !auth_method
                      ? std::string("AUTH without an enhanced authentication method")
                      : "AUTH " + std::string(m.auth_method) + " reason " + std::to_string(m.reason_code),
                  true, now, out);
        return;
    }
    if (link_state != link::up) {
        drop(errc::broker_unavailable, "AUTH while the broker link is not up", out);
        return;
    }
    auth_packet_id = m.packet_id; // [MQTT-SN-3.3.2-1]: the broker's answer echoes it
    mqtt5::properties props;
    props.authentication_method = m.auth_method;
    props.authentication_data = m.auth_data;
    apply(upstream.send_auth(mqtt5::reason_code{m.reason_code}, std::move(props), now), now, out);
}

void client_session::impl::on_auth_received(const mqtt5::auth_received& a, time_point,
                                            std::vector<action>& out)
{
    // MQTT 5.0 §4.12: the broker's AUTH goes to the sensor as a v2.0 AUTH (CSD01 §3.3) with the Packet
    // Identifier of the CONNECT or AUTH it answers.
    if (version != sn::protocol_version::v2_0 || !auth_method) return;
    if (state != connecting_upstream && state != active) {
        drop(errc::unexpected_message, "broker AUTH while " + std::string(to_string(state)), out);
        return;
    }
    v20::auth_msg m;
    m.packet_id = auth_packet_id;
    m.reason_code = static_cast<std::uint8_t>(a.reason);
    m.auth_method = a.props.authentication_method.value_or(*auth_method);
    if (a.props.authentication_data) m.auth_data = *a.props.authentication_data;
    send(m, out);
}

// ---- client_session: the v2.0 entry points gateway.cpp uses ------------------------------------

bool client_session::has_v2_connection() const noexcept
{
    const auto& s = *impl_;
    return s.version == sn::protocol_version::v2_0 && !s.shut_down &&
           (s.state == active || s.state == asleep || s.state == awake || s.state == connecting_upstream);
}

bool client_session::accepts_connection_encapsulation() const noexcept
{
    return has_v2_connection() && impl_->allow_address_changes;
}

void client_session::take_over(time_point now, std::vector<action>& out)
{
    if (!has_v2_connection()) return;
    impl_->violation(0x8E, "taken over by a CONNECT from another address", true, now, out);
}

void client_session::on_bad_packet(std::uint8_t v2_reason, std::string detail, bool tell, time_point now,
                                   std::vector<action>& out)
{
    auto& s = *impl_;
    if (!has_v2_connection()) {
        s.drop(errc::unexpected_message, std::move(detail), out);
        return;
    }
    s.last_seen = now;
    s.violation(v2_reason, std::move(detail), tell, now, out);
}

} // namespace sngw::core::detail
