// SPDX-License-Identifier: MIT
// One writer, two sinks: counting (encoded_size) and appending (encode), so the size encode()
// produces is the size encoded_size() announces by construction.
#include <sngw/mqtt5/codec.hpp>

#include <sngw/mqtt5/varint.hpp>

#include <cstdint>
#include <string_view>

namespace sngw::mqtt5 {
namespace {

// Sizes are computed in size_t: a packet encode() refuses may exceed what a varint can hold.
constexpr std::size_t varint_length(std::size_t v) noexcept
{
    return v < 128u ? 1 : v < 16'384u ? 2 : v < 2'097'152u ? 3 : 4;
}

struct counter {
    std::size_t size = 0;
    void u8(std::uint8_t) noexcept { ++size; }
    void raw(const void*, std::size_t n) noexcept { size += n; }
    void varint(std::size_t v) noexcept { size += varint_length(v); }
};

struct appender {
    std::vector<std::byte>& out;
    void u8(std::uint8_t v) { out.push_back(std::byte{v}); }
    void raw(const void* data, std::size_t n)
    {
        const auto* p = static_cast<const std::byte*>(data);
        out.insert(out.end(), p, p + n);
    }
    // Only called after encode() checked every length against varint_max.
    void varint(std::size_t v) { encode_varint(static_cast<std::uint32_t>(v), out); }
};

template <class Sink> void u16(Sink& s, std::uint16_t v)
{
    s.u8(static_cast<std::uint8_t>(v >> 8));
    s.u8(static_cast<std::uint8_t>(v & 0xFFu));
}

template <class Sink> void u32(Sink& s, std::uint32_t v)
{
    u16(s, static_cast<std::uint16_t>(v >> 16));
    u16(s, static_cast<std::uint16_t>(v & 0xFFFFu));
}

// MQTT 5.0 §1.5.4 UTF-8 Encoded String and §1.5.6 Binary Data: two-byte length, then the bytes.
// Lengths were validated (≤ 65535) before an appender gets here.
template <class Sink> void string(Sink& s, std::string_view v)
{
    u16(s, static_cast<std::uint16_t>(v.size()));
    s.raw(v.data(), v.size());
}

template <class Sink> void binary(Sink& s, const std::vector<std::byte>& v)
{
    u16(s, static_cast<std::uint16_t>(v.size()));
    s.raw(v.data(), v.size());
}

template <class Sink> void id(Sink& s, property_id p)
{
    s.u8(static_cast<std::uint8_t>(p));
}

// MQTT 5.0 §2.2.2.2: every property in identifier order; User Properties in their own order.
template <class Sink> void property_list(Sink& s, const properties& p)
{
    using pid = property_id;
    if (p.payload_format_indicator) {
        id(s, pid::payload_format_indicator);
        s.u8(static_cast<std::uint8_t>(*p.payload_format_indicator));
    }
    if (p.message_expiry_interval) {
        id(s, pid::message_expiry_interval);
        u32(s, *p.message_expiry_interval);
    }
    if (p.content_type) {
        id(s, pid::content_type);
        string(s, *p.content_type);
    }
    if (p.response_topic) {
        id(s, pid::response_topic);
        string(s, *p.response_topic);
    }
    if (p.correlation_data) {
        id(s, pid::correlation_data);
        binary(s, *p.correlation_data);
    }
    for (auto v : p.subscription_identifiers) {
        id(s, pid::subscription_identifier);
        s.varint(v);
    }
    if (p.session_expiry_interval) {
        id(s, pid::session_expiry_interval);
        u32(s, *p.session_expiry_interval);
    }
    if (p.assigned_client_identifier) {
        id(s, pid::assigned_client_identifier);
        string(s, *p.assigned_client_identifier);
    }
    if (p.server_keep_alive) {
        id(s, pid::server_keep_alive);
        u16(s, *p.server_keep_alive);
    }
    if (p.authentication_method) {
        id(s, pid::authentication_method);
        string(s, *p.authentication_method);
    }
    if (p.authentication_data) {
        id(s, pid::authentication_data);
        binary(s, *p.authentication_data);
    }
    if (p.request_problem_information) {
        id(s, pid::request_problem_information);
        s.u8(*p.request_problem_information ? 1 : 0);
    }
    if (p.will_delay_interval) {
        id(s, pid::will_delay_interval);
        u32(s, *p.will_delay_interval);
    }
    if (p.request_response_information) {
        id(s, pid::request_response_information);
        s.u8(*p.request_response_information ? 1 : 0);
    }
    if (p.response_information) {
        id(s, pid::response_information);
        string(s, *p.response_information);
    }
    if (p.server_reference) {
        id(s, pid::server_reference);
        string(s, *p.server_reference);
    }
    if (p.reason_string) {
        id(s, pid::reason_string);
        string(s, *p.reason_string);
    }
    if (p.receive_maximum) {
        id(s, pid::receive_maximum);
        u16(s, *p.receive_maximum);
    }
    if (p.topic_alias_maximum) {
        id(s, pid::topic_alias_maximum);
        u16(s, *p.topic_alias_maximum);
    }
    if (p.topic_alias) {
        id(s, pid::topic_alias);
        u16(s, *p.topic_alias);
    }
    if (p.maximum_qos) {
        id(s, pid::maximum_qos);
        s.u8(static_cast<std::uint8_t>(*p.maximum_qos));
    }
    if (p.retain_available) {
        id(s, pid::retain_available);
        s.u8(*p.retain_available ? 1 : 0);
    }
    for (const auto& u : p.user_properties) {
        id(s, pid::user_property);
        string(s, u.name);
        string(s, u.value);
    }
    if (p.maximum_packet_size) {
        id(s, pid::maximum_packet_size);
        u32(s, *p.maximum_packet_size);
    }
    if (p.wildcard_subscription_available) {
        id(s, pid::wildcard_subscription_available);
        s.u8(*p.wildcard_subscription_available ? 1 : 0);
    }
    if (p.subscription_identifier_available) {
        id(s, pid::subscription_identifier_available);
        s.u8(*p.subscription_identifier_available ? 1 : 0);
    }
    if (p.shared_subscription_available) {
        id(s, pid::shared_subscription_available);
        s.u8(*p.shared_subscription_available ? 1 : 0);
    }
}

std::size_t property_list_size(const properties& p) noexcept
{
    counter c;
    property_list(c, p);
    return c.size;
}

// MQTT 5.0 §2.2.2.1 Property Length, then the properties.
template <class Sink> void property_block(Sink& s, const properties& p)
{
    s.varint(property_list_size(p));
    property_list(s, p);
}

std::uint8_t rc(reason_code r) noexcept
{
    return static_cast<std::uint8_t>(r);
}

// Variable header and payload, without the fixed header.
template <class Sink> void body(Sink& s, const connect_packet& p)
{
    // MQTT 5.0 §3.1.2.1 Protocol Name, §3.1.2.2 Protocol Version
    string(s, "MQTT");
    s.u8(5);
    // MQTT 5.0 §3.1.2.3 Connect Flags; bit 0 reserved
    unsigned flags = 0;
    if (p.username) flags |= 0x80u;
    if (p.password) flags |= 0x40u;
    if (p.will) {
        if (p.will->retain) flags |= 0x20u;
        flags |= static_cast<unsigned>(p.will->qos) << 3;
        flags |= 0x04u;
    }
    if (p.clean_start) flags |= 0x02u;
    s.u8(static_cast<std::uint8_t>(flags));
    u16(s, p.keep_alive); // §3.1.2.10
    property_block(s, p.props);
    // MQTT 5.0 §3.1.3 Payload: Client Identifier, Will Properties, Will Topic, Will Payload,
    // User Name, Password, in that order.
    string(s, p.client_id);
    if (p.will) {
        property_block(s, p.will->props);
        string(s, p.will->topic);
        binary(s, p.will->payload);
    }
    if (p.username) string(s, *p.username);
    if (p.password) binary(s, *p.password);
}

template <class Sink> void body(Sink& s, const connack_packet& p)
{
    // MQTT 5.0 §3.2.2: flags, reason code and Property Length are always present.
    s.u8(p.session_present ? 1 : 0);
    s.u8(rc(p.reason));
    property_block(s, p.props);
}

template <class Sink> void body(Sink& s, const publish_packet& p)
{
    string(s, p.topic);                                  // §3.3.2.1
    if (p.qos != qos::at_most_once) u16(s, p.packet_id); // §3.3.2.2, only for QoS 1 and 2
    property_block(s, p.props);
    s.raw(p.payload.data(), p.payload.size()); // §3.3.3
}

// MQTT 5.0 §3.4.2.1 (PUBACK; §3.5.2.1, §3.6.2.1, §3.7.2.1 alike): the Reason Code may be omitted
// for Success without properties (Remaining Length 2), the Property Length when there are no
// properties (Remaining Length 3).
template <class Sink, class Ack> void ack_body(Sink& s, const Ack& p)
{
    u16(s, p.packet_id);
    const bool no_props = p.props.empty();
    if (p.reason == reason_code::success && no_props) return;
    s.u8(rc(p.reason));
    if (!no_props) property_block(s, p.props);
}

template <class Sink> void body(Sink& s, const puback_packet& p)
{
    ack_body(s, p);
}
template <class Sink> void body(Sink& s, const pubrec_packet& p)
{
    ack_body(s, p);
}
template <class Sink> void body(Sink& s, const pubrel_packet& p)
{
    ack_body(s, p);
}
template <class Sink> void body(Sink& s, const pubcomp_packet& p)
{
    ack_body(s, p);
}

template <class Sink> void body(Sink& s, const subscribe_packet& p)
{
    u16(s, p.packet_id);
    property_block(s, p.props);
    for (const auto& sub : p.subscriptions) {
        string(s, sub.topic_filter);
        // MQTT 5.0 §3.8.3.1 Subscription Options: bits 0-1 Maximum QoS, 2 No Local,
        // 3 Retain As Published, 4-5 Retain Handling, 6-7 reserved.
        unsigned o = static_cast<unsigned>(sub.options.max_qos);
        if (sub.options.no_local) o |= 0x04u;
        if (sub.options.retain_as_published) o |= 0x08u;
        o |= static_cast<unsigned>(sub.options.retain_handling) << 4;
        s.u8(static_cast<std::uint8_t>(o));
    }
}

template <class Sink, class Ack> void sub_ack_body(Sink& s, const Ack& p)
{
    u16(s, p.packet_id);
    property_block(s, p.props);
    for (auto r : p.reason_codes)
        s.u8(rc(r));
}

template <class Sink> void body(Sink& s, const suback_packet& p)
{
    sub_ack_body(s, p);
}
template <class Sink> void body(Sink& s, const unsuback_packet& p)
{
    sub_ack_body(s, p);
}

template <class Sink> void body(Sink& s, const unsubscribe_packet& p)
{
    u16(s, p.packet_id);
    property_block(s, p.props);
    for (const auto& f : p.topic_filters)
        string(s, f);
}

template <class Sink> void body(Sink&, const pingreq_packet&) {}
template <class Sink> void body(Sink&, const pingresp_packet&) {}

template <class Sink> void body(Sink& s, const disconnect_packet& p)
{
    // MQTT 5.0 §3.14.2.1: Remaining Length 0 means Normal disconnection without properties;
    // §3.14.2.2.1: below 2 the Property Length is absent.
    const bool no_props = p.props.empty();
    if (p.reason == reason_code::normal_disconnection && no_props) return;
    s.u8(rc(p.reason));
    if (!no_props) property_block(s, p.props);
}

template <class Sink> void body(Sink& s, const auth_packet& p)
{
    // MQTT 5.0 §3.15.2.1: Reason Code and Property Length are omitted together or not at all.
    if (p.reason == reason_code::success && p.props.empty()) return;
    s.u8(rc(p.reason));
    property_block(s, p.props);
}

// MQTT 5.0 §2.1.3 Flags: PUBLISH carries DUP, QoS, RETAIN; PUBREL, SUBSCRIBE and UNSUBSCRIBE 0b0010.
std::uint8_t first_byte(const packet& p) noexcept
{
    unsigned flags = 0;
    if (const auto* pub = std::get_if<publish_packet>(&p)) {
        flags = (pub->dup ? 0x08u : 0u) | (static_cast<unsigned>(pub->qos) << 1) | (pub->retain ? 1u : 0u);
    } else if (std::holds_alternative<pubrel_packet>(p) || std::holds_alternative<subscribe_packet>(p) ||
               std::holds_alternative<unsubscribe_packet>(p)) {
        flags = 0x02u;
    }
    return static_cast<std::uint8_t>((static_cast<unsigned>(type_of(p)) << 4) | flags);
}

std::size_t body_size(const packet& p) noexcept
{
    counter c;
    std::visit([&](const auto& v) { body(c, v); }, p);
    return c.size;
}

// The largest Variable Byte Integer the packet needs: its Remaining Length, or a Property Length
// (never larger than the Remaining Length that contains it).
bool fits_varints(std::size_t remaining_length) noexcept
{
    return remaining_length <= varint_max;
}

} // namespace

std::size_t encoded_size(const packet& p) noexcept
{
    const std::size_t n = body_size(p);
    return 1 + varint_length(n) + n;
}

boost::system::result<std::size_t> encode(const packet& p, std::vector<std::byte>& out,
                                          std::uint32_t max_packet_size)
{
    if (auto ec = validate(p)) return ec;
    const std::size_t n = body_size(p);
    const std::size_t total = 1 + varint_length(n) + n;
    // MQTT 5.0 §2.1.4 (Remaining Length at most 268,435,455) and §3.1.2.11.4 / §3.2.2.3.6
    // [MQTT-3.1.2-24]: never send a packet larger than the peer's Maximum Packet Size.
    if (!fits_varints(n) || total > max_packet_size) return errc::packet_too_large;
    out.reserve(out.size() + total);
    appender a{out};
    a.u8(first_byte(p));
    a.varint(n);
    std::visit([&](const auto& v) { body(a, v); }, p);
    return total;
}

boost::system::result<std::vector<std::byte>> encode(const packet& p, std::uint32_t max_packet_size)
{
    std::vector<std::byte> out;
    auto r = encode(p, out, max_packet_size);
    if (!r) return r.error();
    return out;
}

} // namespace sngw::mqtt5
