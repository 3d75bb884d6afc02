// SPDX-License-Identifier: MIT
// The semantic rules of every packet: decode() runs them on what it parsed, encode() on what it is
// asked to send, so the two accept exactly the same packets.
#include <sngw/mqtt5/codec.hpp>

#include "rules.hpp"

#include <cstdint>

namespace sngw::mqtt5 {
namespace {

using boost::system::error_code;
using detail::check_properties;

bool bad_qos(qos q) noexcept
{
    return static_cast<std::uint8_t>(q) > 2;
}

// MQTT 5.0 §2.2.1 [MQTT-2.2.1-3]: a non-zero Packet Identifier.
error_code check_packet_id(std::uint16_t id) noexcept
{
    return id == 0 ? error_code{errc::zero_packet_id} : error_code{};
}

error_code check_reason(packet_type t, reason_code rc) noexcept
{
    return reason_code_allowed(t, rc) ? error_code{} : error_code{errc::bad_reason_code};
}

error_code check(const connect_packet& p) noexcept
{
    if (auto ec = check_properties(p.props, property_scope::connect)) return ec;
    // MQTT 5.0 §3.1.3.1: a UTF-8 string, possibly empty.
    if (auto ec = detail::check_utf8(p.client_id)) return ec;
    if (p.will) {
        if (bad_qos(p.will->qos)) return errc::bad_qos;
        if (auto ec = check_properties(p.will->props, property_scope::will)) return ec;
        // MQTT 5.0 §3.1.3.3 Will Topic is a Topic Name, §4.7.3 at least one character.
        if (p.will->topic.empty()) return errc::empty_topic_name;
        if (auto ec = detail::check_topic_name(p.will->topic)) return ec;
        if (p.will->payload.size() > detail::max_field_length) return errc::field_too_long;
    }
    if (p.username)
        if (auto ec = detail::check_utf8(*p.username)) return ec;
    if (p.password && p.password->size() > detail::max_field_length) return errc::field_too_long;
    return {};
}

error_code check(const connack_packet& p) noexcept
{
    if (auto ec = check_reason(packet_type::connack, p.reason)) return ec;
    // MQTT 5.0 §3.2.2.1.1 [MQTT-3.2.2-6]: Session Present 0 with a non-zero Reason Code.
    if (p.session_present && p.reason != reason_code::success) return errc::bad_connack_flags;
    return check_properties(p.props, property_scope::connack);
}

error_code check(const publish_packet& p) noexcept
{
    if (bad_qos(p.qos)) return errc::bad_qos;
    // MQTT 5.0 §3.3.1.1 [MQTT-3.3.1-2]
    if (p.dup && p.qos == qos::at_most_once) return errc::dup_with_qos0;
    if (p.qos != qos::at_most_once)
        if (auto ec = check_packet_id(p.packet_id)) return ec;
    if (auto ec = detail::check_topic_name(p.topic)) return ec;
    if (auto ec = check_properties(p.props, property_scope::publish)) return ec;
    // MQTT 5.0 §3.3.2.3.4: a zero-length Topic Name only together with a Topic Alias.
    if (p.topic.empty() && !p.props.topic_alias) return errc::empty_topic_name;
    return {};
}

template <class Ack> error_code check_ack(const Ack& p, packet_type t) noexcept
{
    if (auto ec = check_packet_id(p.packet_id)) return ec;
    if (auto ec = check_reason(t, p.reason)) return ec;
    return check_properties(p.props, scope_of(t));
}

error_code check(const subscribe_packet& p) noexcept
{
    if (auto ec = check_packet_id(p.packet_id)) return ec;
    if (auto ec = check_properties(p.props, property_scope::subscribe)) return ec;
    // MQTT 5.0 §3.8.3 [MQTT-3.8.3-2]: at least one Topic Filter and Subscription Options pair.
    if (p.subscriptions.empty()) return errc::no_topic_filters;
    for (const auto& s : p.subscriptions) {
        if (auto ec = detail::check_topic_filter(s.topic_filter)) return ec;
        // MQTT 5.0 §3.8.3.1 Subscription Options
        if (bad_qos(s.options.max_qos)) return errc::bad_qos;
        if (static_cast<std::uint8_t>(s.options.retain_handling) > 2) return errc::bad_retain_handling;
        if (s.options.no_local && detail::is_shared_subscription(s.topic_filter))
            return errc::bad_subscription_options; // [MQTT-3.8.3-4]
    }
    return {};
}

template <class Ack> error_code check_sub_ack(const Ack& p, packet_type t) noexcept
{
    if (auto ec = check_packet_id(p.packet_id)) return ec;
    if (auto ec = check_properties(p.props, scope_of(t))) return ec;
    // MQTT 5.0 §3.9.3 / §3.11.3: one Reason Code per Topic Filter of the request, so at least one.
    if (p.reason_codes.empty()) return errc::no_reason_codes;
    for (auto rc : p.reason_codes)
        if (auto ec = check_reason(t, rc)) return ec;
    return {};
}

error_code check(const unsubscribe_packet& p) noexcept
{
    if (auto ec = check_packet_id(p.packet_id)) return ec;
    if (auto ec = check_properties(p.props, property_scope::unsubscribe)) return ec;
    // MQTT 5.0 §3.10.3 [MQTT-3.10.3-2]
    if (p.topic_filters.empty()) return errc::no_topic_filters;
    for (const auto& f : p.topic_filters)
        if (auto ec = detail::check_topic_filter(f)) return ec;
    return {};
}

template <class Packet> error_code check_reason_and_props(const Packet& p, packet_type t) noexcept
{
    if (auto ec = check_reason(t, p.reason)) return ec;
    return check_properties(p.props, scope_of(t));
}

} // namespace

error_code validate(const packet& p) noexcept
{
    switch (type_of(p)) {
    case packet_type::connect:
        return check(std::get<connect_packet>(p));
    case packet_type::connack:
        return check(std::get<connack_packet>(p));
    case packet_type::publish:
        return check(std::get<publish_packet>(p));
    case packet_type::puback:
        return check_ack(std::get<puback_packet>(p), packet_type::puback);
    case packet_type::pubrec:
        return check_ack(std::get<pubrec_packet>(p), packet_type::pubrec);
    case packet_type::pubrel:
        return check_ack(std::get<pubrel_packet>(p), packet_type::pubrel);
    case packet_type::pubcomp:
        return check_ack(std::get<pubcomp_packet>(p), packet_type::pubcomp);
    case packet_type::subscribe:
        return check(std::get<subscribe_packet>(p));
    case packet_type::suback:
        return check_sub_ack(std::get<suback_packet>(p), packet_type::suback);
    case packet_type::unsubscribe:
        return check(std::get<unsubscribe_packet>(p));
    case packet_type::unsuback:
        return check_sub_ack(std::get<unsuback_packet>(p), packet_type::unsuback);
    case packet_type::pingreq:
    case packet_type::pingresp:
        return {};
    case packet_type::disconnect:
        return check_reason_and_props(std::get<disconnect_packet>(p), packet_type::disconnect);
    case packet_type::auth:
        return check_reason_and_props(std::get<auth_packet>(p), packet_type::auth);
    }
    return {};
}

} // namespace sngw::mqtt5
