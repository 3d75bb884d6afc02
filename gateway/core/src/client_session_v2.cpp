// SPDX-License-Identifier: MIT
// One MQTT-SN 2.0 (OASIS CSD01) client: CONNECT (will inside it, authentication, Session Expiry,
// Maximum Packet Size, Default Awake Messages), PINGREQ, SLEEPREQ, DISCONNECT, AUTH, and the
// dispatch of every v2.0 packet. The state machine (states, the upstream link, verdicts, timers) is
// the one of client_session.cpp; aliases and PUBLISH/SUBSCRIBE are in client_session_v2_publish.cpp.
#include "client_session_impl.hpp"

#include <sngw/sn/v2_0/codec.hpp>

#include <type_traits>

namespace sngw::core::detail {
namespace {

using enum client_state;

v12::qos to_v12(v20::qos q) noexcept
{
    switch (q) {
    case v20::qos::qos1:
        return v12::qos::one;
    case v20::qos::qos2:
        return v12::qos::two;
    case v20::qos::qos0:
        break;
    }
    return v12::qos::zero;
}

// The Packet Identifier of a packet that has one (CSD01 §2.2).
std::optional<std::uint16_t> packet_id_of(const v20::message& m)
{
    return std::visit(
        [](const auto& x) -> std::optional<std::uint16_t> {
            if constexpr (requires { x.packet_id; })
                return x.packet_id;
            else
                return std::nullopt;
        },
        m);
}

} // namespace

void client_session::impl::on_connect(const v20::connect_msg& m, bool assigned, time_point now,
                                      std::vector<action>& out)
{
    if (shut_down) return;
    version = sn::protocol_version::v2_0;
    connect_packet_id = m.packet_id;
    max_packet_size = m.maximum_packet_size;
    client_id_assigned = assigned;
    if (!begin_connect(m.clean_start, m.keep_alive, now, out)) return;

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
    // TODO(#5 helper A): Session Expiry, Default Awake Messages, authentication (MQTT-BASIC, AUTH),
    // Allow Server Suggested values / Network Address changes, Session Present in CONNACK.
    continue_connect(now, out);
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
            } else {
                // Packets a client never sends to its gateway (CONNACK, SUBACK, PINGRESP, WAKEUP, ...).
                drop(errc::unexpected_message, std::string(v20::type_name(m)) + " from a client", out);
            }
        },
        m);
}

void client_session::impl::handle(const v20::pingreq_msg& m, time_point now, std::vector<action>& out)
{
    // CSD01 §3.11/§3.12: the PINGRESP (or the verdict, design §4) echoes this Packet Identifier.
    ping_packet_id = m.packet_id;
    handle(v12::pingreq_msg{}, now, out);
}

void client_session::impl::handle(const v20::disconnect_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "DISCONNECT (MQTT-SN 2.0: not supported yet)", out); // TODO(#5 A)
}

void client_session::impl::handle(const v20::sleepreq_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "SLEEPREQ (not supported yet)", out); // TODO(#5 A)
}

void client_session::impl::handle(const v20::auth_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "AUTH (not supported yet)", out); // TODO(#5 A)
}

} // namespace sngw::core::detail
