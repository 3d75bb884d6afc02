// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 decoder (OASIS CSD01 as pinned in specs/mqtt-sn-v2.0-csd01.md; section numbers are
// that text's heading numbers, requirement ids its «MQTT-SN-x-y» marks).
//
// What the codec rejects, and what it leaves to the gateway core
// ---------------------------------------------------------------
// The spec tells apart a Malformed Packet ("cannot be parsed according to this specification") and
// a Protocol Error ("detected after a Packet has been parsed and found to contain data that is not
// allowed by the protocol or is inconsistent with the state of the Client or Server", §1.4).
// decode() is context-free: it sees one datagram, not the sender, the direction or the session.
// It rejects
//   - every malformation: lengths, reserved flag bits the spec says must be 0 or the packet is
//     malformed (reserved_bits), QoS 3 (bad_qos), the reserved Topic Type 0b10 (bad_topic_type),
//     ill-formed UTF-8 (bad_utf8, §1.8.4), octets after the last field (trailing_octets);
//   - and the protocol errors that the packet alone proves, whatever the state and whoever sent
//     it, because a struct holding them would be a value the spec says cannot exist: Protocol
//     Version != 2, Keep Alive 0, Maximum Packet Size 1..9, Retain Handling 3, Sleep Duration 0,
//     a Topic Type the packet cannot carry, zero-length topic names and filters, DUP on QoS 0/1,
//     Session Present with a failure CONNACK, a packet type that an encapsulation may not carry.
// It leaves to the core (which answers with the reason codes of §4.12, e.g. DISCONNECT 0x82):
//   - rules that depend on the direction: a client's REGISTER/REGACK must not carry a Topic Alias
//     (MQTT-SN-3.4-1, -3.5.4-1), a server must not send Session Expiry in DISCONNECT
//     (MQTT-SN-3.13.5-1), SLEEPREQ from a server (MQTT-SN-3.15.5-1), Connection Encapsulation
//     from a server (MQTT-SN-3.18-2);
//   - rules that depend on the session or on other packets: a non-zero DISCONNECT Session Expiry
//     after a zero one in CONNECT (§3.13.5), Connection Encapsulation without "Allow Network
//     Address changes" (MQTT-SN-3.18-1), packet identifiers (non-zero, unused: MQTT-SN-2.2-1),
//     flow control (0x93), unknown topic aliases, the reason codes a given packet may use
//     (they stay data: unknown codes round-trip);
//   - topic syntax (wildcard placement, '$', §4.7.1): the codec checks only that names and
//     filters are non-empty UTF-8.
#include <sngw/sn/v2_0/codec.hpp>

#include <sngw/sn/wire.hpp>

#include <algorithm>
#include <string>
#include <string_view>

namespace sngw::sn::v2_0 {
namespace {

using boost::system::result;
using wire::reader;

// Every read failure inside a packet whose Length is already checked means a field announced
// more octets than are left: errc::truncated. These helpers keep the decoders readable.
[[nodiscard]] bool get(reader& r, std::uint8_t& v) noexcept
{
    auto x = r.u8();
    if (!x) return false;
    v = *x;
    return true;
}

[[nodiscard]] bool get(reader& r, std::uint16_t& v) noexcept
{
    auto x = r.u16();
    if (!x) return false;
    v = *x;
    return true;
}

[[nodiscard]] bool get(reader& r, std::uint32_t& v) noexcept
{
    auto x = r.u32();
    if (!x) return false;
    v = *x;
    return true;
}

[[nodiscard]] bool get(reader& r, std::size_t n, std::span<const std::byte>& v) noexcept
{
    auto x = r.take(n);
    if (!x) return false;
    v = *x;
    return true;
}

std::vector<std::byte> to_vector(std::span<const std::byte> s)
{
    return {s.begin(), s.end()};
}

// MQTT-SN 2.0 §1.8.4: every text field is a UTF-8 Encoded String; ill-formed UTF-8 or U+0000 is
// a Malformed Packet (MQTT-SN-1.8.4-1, -1.8.4-2). Disallowed code points (controls,
// non-characters) are only "MAY treat as malformed": accepted here.
result<std::string> utf8(std::span<const std::byte> s)
{
    std::string text = wire::to_string(s);
    if (!wire::is_valid_utf8(text)) return errc::bad_utf8;
    return text;
}

constexpr bool bit(std::uint8_t flags, unsigned n) noexcept
{
    return ((flags >> n) & 1u) != 0;
}

// MQTT-SN 2.0 §2.4 Figure 2-8: 0b10 is reserved.
result<topic_type> to_topic_type(std::uint8_t bits) noexcept
{
    switch (bits & 0x03u) {
    case 0b00:
        return topic_type::session_alias;
    case 0b01:
        return topic_type::predefined_alias;
    case 0b11:
        return topic_type::topic_name;
    default:
        return errc::bad_topic_type;
    }
}

// QoS 3 is reserved (§3.6.2.2.2 Figure 3-10), malformed in the Will Flags (§3.1.3.2) and a
// protocol error in SUBSCRIBE (§3.7.2.4): bad_qos everywhere.
result<qos> to_qos(std::uint8_t bits) noexcept
{
    switch (bits & 0x03u) {
    case 0:
        return qos::qos0;
    case 1:
        return qos::qos1;
    case 2:
        return qos::qos2;
    default:
        return errc::bad_qos;
    }
}

bool is_alias(topic_type t) noexcept
{
    return t != topic_type::topic_name;
}

// "Topic Alias or Topic Name Length" (2 octets) followed by the Topic Name when the type is
// 0b11: PUBLISH §3.6.2.4-§3.6.2.5, PUBWOS §3.6.1.3-§3.6.1.4, CONNECT Will §3.1.10-§3.1.11.
result<void> get_topic(reader& r, topic_type type, std::uint16_t& alias, std::string& name)
{
    std::uint16_t alias_or_length = 0;
    if (!get(r, alias_or_length)) return errc::truncated;
    if (is_alias(type)) {
        alias = alias_or_length;
        return {};
    }
    // MQTT-SN-4.7.1.3-1: Topic Names are at least one character long.
    if (alias_or_length == 0) return errc::empty_field;
    std::span<const std::byte> raw;
    if (!get(r, alias_or_length, raw)) return errc::truncated;
    auto text = utf8(raw);
    if (!text) return text.error();
    name = std::move(*text);
    return {};
}

// A topic name or filter that fills the rest of the packet (REGISTER §3.4.5, SUBSCRIBE §3.7.5,
// UNSUBSCRIBE §3.9.5): at least one character (MQTT-SN-4.7.1.3-1; for SUBSCRIBE also §3.7.5).
result<std::string> rest_topic(reader& r)
{
    auto raw = r.rest();
    if (raw.empty()) return errc::empty_field;
    return utf8(raw);
}

// The optional one-octet Reason Code whose presence "is inferred from the Packet length"
// (PUBACK §3.6.3.3 and the other acknowledgements). Anything after it is trailing.
result<std::optional<std::uint8_t>> optional_last_octet(reader& r) noexcept
{
    if (r.empty()) return std::optional<std::uint8_t>{};
    if (r.remaining() > 1) return errc::trailing_octets;
    std::uint8_t v = 0;
    (void)get(r, v);
    return std::optional<std::uint8_t>{v};
}

result<void> expect_end(const reader& r) noexcept
{
    if (!r.empty()) return errc::trailing_octets;
    return {};
}

// Authentication Method Length (1) + Method + Authentication Data Length (2) + Data, as in
// CONNECT §3.1.14-§3.1.17 and CONNACK §3.2.7-§3.2.10. The method is UTF-8, the data binary.
result<auth_fields> get_auth(reader& r)
{
    std::uint8_t method_length = 0;
    std::span<const std::byte> method;
    std::uint16_t data_length = 0;
    std::span<const std::byte> data;
    if (!get(r, method_length) || !get(r, method_length, method)) return errc::truncated;
    auto text = utf8(method);
    if (!text) return text.error();
    if (!get(r, data_length) || !get(r, data_length, data)) return errc::truncated;
    return auth_fields{std::move(*text), to_vector(data)};
}

// CONNECT (§3.1). Layout (Figure 3-1): Connect Flags, [Will Flags], Packet Identifier, Protocol
// Version, Keep Alive, Maximum Packet Size, [Default Awake Messages], [Session Expiry Interval],
// [Will Topic Alias or Name Length, Will Topic Name, Will Payload Length, Will Payload],
// [Authentication Method Length, Method, Data Length, Data], Client Identifier (rest).
result<message> decode_connect(reader r)
{
    std::uint8_t flags = 0;
    std::uint8_t will_flags = 0;
    std::uint8_t version = 0;
    connect_msg m;
    if (!get(r, flags)) return errc::truncated;
    const bool has_will = bit(flags, 1);
    if (has_will && !get(r, will_flags)) return errc::truncated;
    if (!get(r, m.packet_id) || !get(r, version)) return errc::truncated;
    // §3.1.5: checked before the flags, because a CONNECT of another version need not follow
    // this layout, and the server's answer to it is CONNACK 0x84 (MQTT-SN-3.1.5-2).
    if (version != 0x02) return errc::bad_protocol_version;
    // MQTT-SN-3.1.2-1: the reserved flags of a CONNECT (Connect Flags bit 7, Will Flags bits 7-5)
    // must be 0, "If any of the reserved flags is not 0 it is a Malformed Packet".
    if ((flags & 0x80u) != 0 || (will_flags & 0xE0u) != 0) return errc::reserved_bits;
    m.clean_start = bit(flags, 0);
    m.allow_network_address_changes = bit(flags, 5);
    m.allow_server_suggested_values = bit(flags, 6);
    will_fields will;
    if (has_will) {
        // §3.1.3: bit 4 Will Retain, bits 3-2 Will QoS (3 is malformed), bits 1-0 Will Topic Type.
        auto q = to_qos(static_cast<std::uint8_t>(will_flags >> 2));
        if (!q) return q.error();
        auto t = to_topic_type(will_flags);
        if (!t) return t.error();
        will.retain = bit(will_flags, 4);
        will.q = *q;
        will.topic_type = *t;
    }
    if (!get(r, m.keep_alive) || !get(r, m.maximum_packet_size)) return errc::truncated;
    // §3.1.6: "a Two Byte Integer greater than 0 (1 - 65,535)"; 0 is a protocol error
    // (MQTT-SN-3.1.6-4) that no state can make valid.
    if (m.keep_alive == 0) return errc::bad_field_value;
    // MQTT-SN-3.1.7-1: 10 or greater; 0 means "no limit" (§3.1.7).
    if (m.maximum_packet_size != 0 && m.maximum_packet_size < 10) return errc::bad_field_value;
    if (bit(flags, 4)) { // §3.1.8 Default Awake Messages (DAM flag, MQTT-SN-3.1.2.5-1)
        std::uint8_t dam = 0;
        if (!get(r, dam)) return errc::truncated;
        m.default_awake_messages = dam;
    }
    if (bit(flags, 3)) { // §3.1.9 Session Expiry Interval (MQTT-SN-3.1.2.4-1)
        std::uint32_t sei = 0;
        if (!get(r, sei)) return errc::truncated;
        m.session_expiry_interval = sei;
    }
    if (has_will) { // §3.1.10-§3.1.13 (MQTT-SN-3.1.2.2-1)
        if (auto t = get_topic(r, will.topic_type, will.topic_alias, will.topic_name); !t) return t.error();
        std::uint16_t payload_length = 0;
        std::span<const std::byte> payload;
        if (!get(r, payload_length) || !get(r, payload_length, payload)) return errc::truncated;
        will.payload = to_vector(payload);
        m.will = std::move(will);
    }
    if (bit(flags, 2)) { // §3.1.14-§3.1.17 (MQTT-SN-3.1.2.3-1)
        auto a = get_auth(r);
        if (!a) return a.error();
        m.auth = std::move(*a);
    }
    // §3.1.18: the Client Identifier is the rest of the packet, UTF-8 (MQTT-SN-3.1.18-1); it
    // may be empty, then the server assigns one (MQTT-SN-3.2.11-2).
    auto id = utf8(r.rest());
    if (!id) return id.error();
    m.client_id = std::move(*id);
    return m;
}

// CONNACK (§3.2, Figure 3-3): Flags, Packet Identifier, Reason Code, [Session Expiry Interval],
// [Server Keep Alive], [Authentication fields], [Assigned Client Identifier (rest)].
result<message> decode_connack(reader r)
{
    std::uint8_t flags = 0;
    connack_msg m;
    if (!get(r, flags) || !get(r, m.packet_id) || !get(r, m.reason_code)) return errc::truncated;
    if ((flags & 0xF0u) != 0) // MQTT-SN-3.2.2-1/-2: bits 7-4 reserved, else malformed
        return errc::reserved_bits;
    m.session_present = bit(flags, 0);
    // MQTT-SN-3.2.2.1-5: a CONNACK with a non-zero Reason Code has Session Present 0.
    if (m.session_present && m.reason_code != 0) return errc::bad_field_value;
    if (bit(flags, 1)) { // §3.2.5 (MQTT-SN-3.2.2.2-2)
        std::uint32_t sei = 0;
        if (!get(r, sei)) return errc::truncated;
        m.session_expiry_interval = sei;
    }
    if (bit(flags, 2)) { // §3.2.6 (MQTT-SN-3.2.2.3-2)
        std::uint16_t ka = 0;
        if (!get(r, ka)) return errc::truncated;
        m.server_keep_alive = ka;
    }
    if (bit(flags, 3)) { // §3.2.7-§3.2.10 (MQTT-SN-3.2.2.4-2)
        auto a = get_auth(r);
        if (!a) return a.error();
        m.auth = std::move(*a);
    }
    // §3.2.11: optional, "inferred from the Packet length"; UTF-8 (MQTT-SN-3.2.11-1). An empty
    // rest is the absent field: the two cannot be told apart on the wire.
    if (!r.empty()) {
        auto id = utf8(r.rest());
        if (!id) return id.error();
        m.assigned_client_id = std::move(*id);
    }
    return m;
}

// AUTH (§3.3, Figure 3-4): Packet Identifier, Reason Code, Authentication Method Length (1),
// Authentication Method (UTF-8), Authentication Data (rest).
result<message> decode_auth(reader r)
{
    auth_msg m;
    std::uint8_t method_length = 0;
    std::span<const std::byte> method;
    if (!get(r, m.packet_id) || !get(r, m.reason_code) || !get(r, method_length) ||
        !get(r, method_length, method))
        return errc::truncated;
    auto text = utf8(method);
    if (!text) return text.error();
    m.auth_method = std::move(*text);
    m.auth_data = to_vector(r.rest());
    return m;
}

// REGISTER (§3.4, Figure 3-5): Flags, Packet Identifier, [Topic Alias], Topic Name (rest).
result<message> decode_register(reader r)
{
    std::uint8_t flags = 0;
    register_msg m;
    if (!get(r, flags) || !get(r, m.packet_id)) return errc::truncated;
    if ((flags & 0xFEu) != 0) // MQTT-SN-3.4.2-1/-2: bits 7-1 reserved, else malformed
        return errc::reserved_bits;
    if (bit(flags, 0)) { // §3.4.2.1 Topic Alias flag
        std::uint16_t alias = 0;
        if (!get(r, alias)) return errc::truncated;
        m.topic_alias = alias;
    }
    auto name = rest_topic(r); // §3.4.5, UTF-8
    if (!name) return name.error();
    m.topic_name = std::move(*name);
    return m;
}

// REGACK (§3.5, Figure 3-6): Flags, Packet Identifier, [Topic Alias], [Reason Code].
result<message> decode_regack(reader r)
{
    std::uint8_t flags = 0;
    regack_msg m;
    if (!get(r, flags) || !get(r, m.packet_id)) return errc::truncated;
    if ((flags & 0xF8u) != 0) // MQTT-SN-3.5.2-1/-2: bits 7-3 reserved, else malformed
        return errc::reserved_bits;
    auto t = to_topic_type(flags);
    if (!t) return t.error();
    // MQTT-SN-3.5.2.1-1: Predefined or Session Topic Alias only.
    if (*t == topic_type::topic_name) return errc::bad_topic_type;
    m.topic_type = *t;
    if (bit(flags, 2)) { // §3.5.2.2 Topic Alias flag
        std::uint16_t alias = 0;
        if (!get(r, alias)) return errc::truncated;
        m.topic_alias = alias;
    }
    auto rc = optional_last_octet(r); // §3.5.5
    if (!rc) return rc.error();
    m.reason_code = *rc;
    return m;
}

// PUBLISH (§3.6.2, Figure 3-9): Flags, [Packet Identifier if QoS > 0], Topic Alias or Topic Name
// Length, [Topic Name], Payload (rest).
result<message> decode_publish(reader r)
{
    std::uint8_t flags = 0;
    publish_msg m;
    if (!get(r, flags)) return errc::truncated;
    if ((flags & 0x0Cu) != 0) // MQTT-SN-3.6.2.2-1/-2: bits 3-2 reserved, else malformed
        return errc::reserved_bits;
    auto q = to_qos(static_cast<std::uint8_t>(flags >> 5)); // §3.6.2.2.2
    if (!q) return q.error();
    auto t = to_topic_type(flags); // §3.6.2.2.1: any of the three defined types
    if (!t) return t.error();
    m.dup = bit(flags, 7);
    m.q = *q;
    m.retain = bit(flags, 4);
    m.topic_type = *t;
    // MQTT-SN-3.6.2.2.3-1: DUP must be 0 for QoS 0 and 1.
    if (m.dup && m.q != qos::qos2) return errc::bad_field_value;
    // MQTT-SN-3.6.2.3-1/-2: a Packet Identifier exactly when QoS is 1 or 2.
    if (m.q != qos::qos0 && !get(r, m.packet_id)) return errc::truncated;
    if (auto topic = get_topic(r, m.topic_type, m.topic_alias, m.topic_name); !topic) return topic.error();
    m.payload = to_vector(r.rest()); // §3.6.2.6: may be empty
    return m;
}

// PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK (§3.6.3-§3.6.6, §3.10): Packet Identifier,
// [Reason Code].
template <class Ack> result<message> decode_ack(reader r)
{
    Ack m;
    if (!get(r, m.packet_id)) return errc::truncated;
    auto rc = optional_last_octet(r);
    if (!rc) return rc.error();
    m.reason_code = *rc;
    return m;
}

// PUBWOS (§3.6.1, Figure 3-8): Flags, Topic Alias or Topic Name Length, [Topic Name], Payload.
result<message> decode_pubwos(reader r)
{
    std::uint8_t flags = 0;
    pubwos_msg m;
    if (!get(r, flags)) return errc::truncated;
    if ((flags & 0xECu) != 0) // MQTT-SN-3.6.1.2-1/-2: bits 7-5 and 3-2 reserved, else malformed
        return errc::reserved_bits;
    auto t = to_topic_type(flags);
    if (!t) return t.error();
    // MQTT-SN-3.6.1.2.1-1: Predefined Topic Alias or Topic Name only (no session, so no
    // session alias).
    if (*t == topic_type::session_alias) return errc::bad_topic_type;
    m.retain = bit(flags, 4);
    m.topic_type = *t;
    if (auto topic = get_topic(r, m.topic_type, m.topic_alias, m.topic_name); !topic) return topic.error();
    m.payload = to_vector(r.rest()); // §3.6.1.5: may be empty
    return m;
}

// SUBSCRIBE (§3.7, Figure 3-16): Flags, Packet Identifier, Topic Alias (2) or Topic Filter (rest).
result<message> decode_subscribe(reader r)
{
    std::uint8_t flags = 0;
    subscribe_msg m;
    if (!get(r, flags) || !get(r, m.packet_id)) return errc::truncated;
    // §3.7.2: no reserved bits. Bit 7 No Local, bits 6-5 QoS, bit 4 Retain As Published,
    // bits 3-2 Retain Handling, bits 1-0 Topic Type (any of the three: MQTT-SN-3.7.2.1-1).
    auto t = to_topic_type(flags);
    if (!t) return t.error();
    auto q = to_qos(static_cast<std::uint8_t>(flags >> 5)); // §3.7.2.4: 3 is a protocol error
    if (!q) return q.error();
    const auto rh = static_cast<std::uint8_t>((flags >> 2) & 0x03u);
    if (rh == 3) // §3.7.2.2: "It is a Protocol Error to send a Retain Handling value of 3"
        return errc::bad_field_value;
    m.no_local = bit(flags, 7);
    m.q = *q;
    m.retain_as_published = bit(flags, 4);
    m.retain_handling = static_cast<retain_handling>(rh);
    m.topic_type = *t;
    if (is_alias(m.topic_type)) { // MQTT-SN-3.7.4-1, -3.7.5-2: alias only, no filter
        if (!get(r, m.topic_alias)) return errc::truncated;
        if (auto end = expect_end(r); !end) return end.error();
        return m;
    }
    // MQTT-SN-3.7.5-1; "A SUBSCRIBE packet with a zero length Topic Filter is a Protocol Error".
    auto filter = rest_topic(r);
    if (!filter) return filter.error();
    m.topic_filter = std::move(*filter);
    return m;
}

// SUBACK (§3.8, Figure 3-17): Flags, Packet Identifier, [Topic Alias], [Reason Code].
result<message> decode_suback(reader r)
{
    std::uint8_t flags = 0;
    suback_msg m;
    if (!get(r, flags) || !get(r, m.packet_id)) return errc::truncated;
    if ((flags & 0xF8u) != 0) // MQTT-SN-3.8.2-1/-2: bits 7-3 reserved, else malformed
        return errc::reserved_bits;
    auto t = to_topic_type(flags);
    if (!t) return t.error();
    // MQTT-SN-3.8.2.1-1: Predefined or Session Topic Alias only; MQTT-SN-3.8.2.1-2: without a
    // Topic Alias the type is Predefined.
    if (*t == topic_type::topic_name || (*t == topic_type::session_alias && !bit(flags, 2)))
        return errc::bad_topic_type;
    m.topic_type = *t;
    if (bit(flags, 2)) { // §3.8.2.2 Topic Alias flag
        std::uint16_t alias = 0;
        if (!get(r, alias)) return errc::truncated;
        m.topic_alias = alias;
    }
    // §3.8.5 makes the Reason Code optional ("inferred from the Packet length") although
    // MQTT-SN-3.7.6-5 says the server's SUBACK must contain one: the packet format wins here,
    // the core can insist on it.
    auto rc = optional_last_octet(r);
    if (!rc) return rc.error();
    m.reason_code = *rc;
    return m;
}

// UNSUBSCRIBE (§3.9, Figure 3-18): Flags, Packet Identifier, Topic Alias (2) or Topic Filter (rest).
result<message> decode_unsubscribe(reader r)
{
    std::uint8_t flags = 0;
    unsubscribe_msg m;
    if (!get(r, flags) || !get(r, m.packet_id)) return errc::truncated;
    if ((flags & 0xFCu) != 0) // MQTT-SN-3.9.2-1/-2: bits 7-2 reserved, else malformed
        return errc::reserved_bits;
    auto t = to_topic_type(flags);
    if (!t) return t.error();
    m.topic_type = *t;
    if (is_alias(m.topic_type)) { // MQTT-SN-3.9.4-1, -3.9.5-2
        if (!get(r, m.topic_alias)) return errc::truncated;
        if (auto end = expect_end(r); !end) return end.error();
        return m;
    }
    auto filter = rest_topic(r); // MQTT-SN-3.9.5-1, -4.7.1.3-1
    if (!filter) return filter.error();
    m.topic_filter = std::move(*filter);
    return m;
}

// PINGREQ (§3.11, Figure 3-20): Packet Identifier only.
result<message> decode_pingreq(reader r)
{
    pingreq_msg m;
    if (!get(r, m.packet_id)) return errc::truncated;
    if (auto end = expect_end(r); !end) return end.error();
    return m;
}

// PINGRESP (§3.12, Figure 3-21): Packet Identifier, [Application Messages Remaining].
result<message> decode_pingresp(reader r)
{
    pingresp_msg m;
    if (!get(r, m.packet_id)) return errc::truncated;
    auto remaining = optional_last_octet(r); // §3.12.3, "inferred from the Packet length"
    if (!remaining) return remaining.error();
    m.application_messages_remaining = *remaining;
    return m;
}

// DISCONNECT (§3.13, Figure 3-23): Flags, [Packet Identifier], [Session Expiry Interval],
// [Reason Code], [Reason String (rest)].
result<message> decode_disconnect(reader r)
{
    std::uint8_t flags = 0;
    disconnect_msg m;
    if (!get(r, flags)) return errc::truncated;
    if ((flags & 0xF8u) != 0) // MQTT-SN-3.13.2-1/-2: bits 7-3 reserved, else malformed
        return errc::reserved_bits;
    if (bit(flags, 0)) { // §3.13.2.1
        std::uint16_t pid = 0;
        if (!get(r, pid)) return errc::truncated;
        m.packet_id = pid;
    }
    if (bit(flags, 1)) { // §3.13.2.2
        std::uint32_t sei = 0;
        if (!get(r, sei)) return errc::truncated;
        m.session_expiry_interval = sei;
    }
    if (bit(flags, 2)) { // §3.13.2.3
        std::uint8_t rc = 0;
        if (!get(r, rc)) return errc::truncated;
        m.reason_code = rc;
    }
    // §3.13.6: the Reason String is optional and "inferred from the Packet length". Figure 3-23
    // places it after the Reason Code field whether or not that field is present, and nothing
    // ties it to the Reason C flag, so a Reason String without a Reason Code is accepted.
    if (!r.empty()) {
        auto text = utf8(r.rest());
        if (!text) return text.error();
        m.reason_string = std::move(*text);
    }
    return m;
}

// WAKEUP (§3.14, Figure 3-24): header only.
result<message> decode_wakeup(reader r)
{
    if (auto end = expect_end(r); !end) return end.error();
    return wakeup_msg{};
}

// SLEEPREQ (§3.15, Figure 3-25): Flags, Packet Identifier, Sleep Duration (4).
result<message> decode_sleepreq(reader r)
{
    std::uint8_t flags = 0;
    sleepreq_msg m;
    if (!get(r, flags) || !get(r, m.packet_id) || !get(r, m.sleep_duration)) return errc::truncated;
    if ((flags & 0xFEu) != 0) // MQTT-SN-3.15.2-1/-2: bits 7-1 reserved, else malformed
        return errc::reserved_bits;
    if (m.sleep_duration == 0) // MQTT-SN-3.15.4-1: greater than 0
        return errc::bad_field_value;
    if (auto end = expect_end(r); !end) return end.error();
    m.retain_topic_aliases = bit(flags, 0);
    return m;
}

// SLEEPRESP (§3.16, Figure 3-26): Flags, Packet Identifier, [Sleep Duration], [Reason Code].
result<message> decode_sleepresp(reader r)
{
    std::uint8_t flags = 0;
    sleepresp_msg m;
    if (!get(r, flags) || !get(r, m.packet_id)) return errc::truncated;
    if ((flags & 0xFEu) != 0) // MQTT-SN-3.16.2-1/-2: bits 7-1 reserved, else malformed
        return errc::reserved_bits;
    if (bit(flags, 0)) { // §3.16.2.1 Sleep Duration flag
        std::uint32_t duration = 0;
        if (!get(r, duration)) return errc::truncated;
        m.sleep_duration = duration;
    }
    auto rc = optional_last_octet(r); // §3.16.5
    if (!rc) return rc.error();
    m.reason_code = *rc;
    return m;
}

// ADVERTISE (§3.20.1, Figure 3-31): Gateway Identifier, Duration.
result<message> decode_advertise(reader r)
{
    advertise_msg m;
    if (!get(r, m.gateway_id) || !get(r, m.duration)) return errc::truncated;
    if (auto end = expect_end(r); !end) return end.error();
    return m;
}

// SEARCHGW (§3.20.2, Figure 3-32): [Additional Network Information (rest)].
result<message> decode_searchgw(reader r)
{
    return searchgw_msg{to_vector(r.rest())};
}

// GWINFO (§3.20.3, Figure 3-33): Gateway Identifier, [Gateway Address (rest)].
result<message> decode_gwinfo(reader r)
{
    gwinfo_msg m;
    if (!get(r, m.gateway_id)) return errc::truncated;
    m.gateway_address = to_vector(r.rest());
    return m;
}

// Connection Encapsulation may carry only PUBLISH, SUBSCRIBE, UNSUBSCRIBE, REGISTER, DISCONNECT,
// SLEEPREQ and PINGREQ (MQTT-SN-3.18-3). No encapsulation is among them, so nothing nests in it.
bool connection_may_carry(std::uint8_t type) noexcept
{
    switch (static_cast<msg_type>(type)) {
    case msg_type::publish:
    case msg_type::subscribe:
    case msg_type::unsubscribe:
    case msg_type::register_:
    case msg_type::disconnect:
    case msg_type::sleepreq:
    case msg_type::pingreq:
        return true;
    default:
        return false;
    }
}

// The inner packet of an encapsulation: its framing and its type are checked from its header,
// so that a forbidden nesting is refused without recursing into it (with the rules below the
// deepest legal nesting is Forwarder -> Connection -> packet, three levels). With
// `decode_content`, the inner packet must also decode as v2.0 and its error is returned as it is.
// A Forwarder's packet is not decoded: the forwarder passes on what its nodes send, and on a
// gateway that serves both versions a node behind it may speak v1.2 (design.md §2); the core
// decodes it with that node's version.
result<void> check_inner(std::span<const std::byte> inner, bool (*may_carry)(std::uint8_t) noexcept,
                         bool decode_content)
{
    auto h = wire::parse_header(inner);
    if (!h) return h.error();
    if (!may_carry(h->msg_type)) return errc::bad_field_value;
    if (decode_content) {
        auto m = decode(inner);
        if (!m) return m.error();
    }
    return {};
}

// §3.19: a Forwarder carries what a Client or Server sends it, any packet. The spec describes a
// single Forwarder hop and says nothing of Forwarders in series (Appendix C.1.3), so a
// Forwarder Encapsulation inside another is refused. Connection (a client packet) and Protection
// ("like any other one, can be the payload of a Forwarder Encapsulated packet", §3.17) may be
// carried.
bool forwarder_may_carry(std::uint8_t type) noexcept
{
    return type != static_cast<std::uint8_t>(msg_type::forwarder_encapsulation);
}

// Forwarder Encapsulation (§3.19, Figure 3-30): Client Addressing Information Length (1), Client
// Addressing Information, MQTT-SN packet. The Length spans the whole packet (TC change #144).
result<message> decode_forwarder(reader r)
{
    std::uint8_t info_length = 0;
    std::span<const std::byte> info;
    if (!get(r, info_length) || !get(r, info_length, info)) return errc::truncated;
    const auto inner = r.rest();
    if (auto ok = check_inner(inner, forwarder_may_carry, false); !ok) return ok.error();
    return forwarder_encapsulation_msg{to_vector(info), to_vector(inner)};
}

// Connection Encapsulation (§3.18, Figure 3-29): Client Identifier Length (2), Client Identifier
// (UTF-8, §3.18.3), MQTT-SN packet. An empty Client Identifier is not refused: the spec does not
// forbid one, and finding no virtual connection for it is the core's business.
result<message> decode_connection(reader r)
{
    std::uint16_t id_length = 0;
    std::span<const std::byte> id;
    if (!get(r, id_length) || !get(r, id_length, id)) return errc::truncated;
    auto text = utf8(id);
    if (!text) return text.error();
    const auto inner = r.rest();
    if (auto ok = check_inner(inner, connection_may_carry, true); !ok) return ok.error();
    return connection_encapsulation_msg{std::move(*text), to_vector(inner)};
}

// MQTT-SN 2.0 §3.17.3 Figure 3-28.
enum class scheme_kind { reserved, authentication_only, aead };

scheme_kind kind_of_scheme(std::uint8_t s) noexcept
{
    if (s <= 0x04 || (s >= 0x3C && s <= 0x3F)) return scheme_kind::authentication_only;
    if ((s >= 0x40 && s <= 0x49) || s >= 0xF0) return scheme_kind::aead;
    return scheme_kind::reserved; // 0x05-0x3B, 0x4A-0xEF
}

// Protection Encapsulation (§3.17, Figure 3-27): Protection Flags, Protection Scheme, Sender
// Identifier (8), Random (4), [Cryptographic Material (2/4/12)], [Monotonic Counter (2/4)],
// Protected MQTT-SN Packet, Authentication Tag.
//
// The envelope is decoded up to the Monotonic Counter; the Protected Packet and the
// Authentication Tag are kept together as opaque octets. They cannot be split in general: the
// tag size is provider defined for Authentication Tag Length 0x0 and for the provider-defined
// schemes (0x3C-0x3F, 0xF0-0xFF), and with an AEAD scheme the protected packet is ciphertext
// that cannot be checked before the tag is. The inner packet is therefore not decoded here:
// the core verifies the tag (authentication_tag_size() says where it starts when the spec fixes
// it) and then decodes the protected packet itself, which must not be a Forwarder Encapsulation
// (MQTT-SN-3.17.8-1).
result<message> decode_protection(reader r)
{
    std::uint8_t flags = 0;
    protection_encapsulation_msg m;
    std::span<const std::byte> sender;
    std::span<const std::byte> random;
    if (!get(r, flags) || !get(r, m.protection_scheme) || !get(r, 8, sender) || !get(r, 4, random))
        return errc::truncated;
    std::copy(sender.begin(), sender.end(), m.sender_id.begin());
    std::copy(random.begin(), random.end(), m.random.begin());
    m.authentication_tag_length = static_cast<std::uint8_t>(flags >> 4);
    const auto crypto_code = static_cast<std::uint8_t>((flags >> 2) & 0x03u);
    const auto counter_code = static_cast<std::uint8_t>(flags & 0x03u);
    // §3.17.2.1: Monotonic Counter Length 0x3 is reserved (MQTT-SN-3.17.2.1-1).
    if (counter_code == 3) return errc::bad_field_value;
    // §3.17.2.3: Authentication Tag Length 0x2 and 0x3 are reserved (MQTT-SN-3.17.2.3-3).
    const std::uint8_t tag_code = m.authentication_tag_length;
    if (tag_code == 2 || tag_code == 3) return errc::bad_field_value;
    // §3.17.3: one of the indexes of Figure 3-28 that is not reserved (MQTT-SN-3.17.3-1).
    const auto kind = kind_of_scheme(m.protection_scheme);
    if (kind == scheme_kind::reserved) return errc::bad_field_value;
    // MQTT-SN-3.17.2.3-1: an AEAD scheme uses Authentication Tag Length 0x1; MQTT-SN-3.17.2.3-4:
    // 0x4-0xF only with "Authentication Only" (so 0x0 and 0x4-0xF are AEAD errors).
    if (kind == scheme_kind::aead && tag_code != 1) return errc::bad_field_value;
    // MQTT-SN-3.17.2.3-8: no truncation code above the nominal tag size; CMAC-128/192/256
    // (0x02-0x04) have a 128-bit tag, so codes 0x9-0xF (144-240 bits) are refused for them.
    if (m.protection_scheme >= 0x02 && m.protection_scheme <= 0x04 && tag_code > 8)
        return errc::bad_field_value;
    static constexpr std::size_t crypto_octets[] = {0, 2, 4, 12}; // MQTT-SN-3.17.2.2-1..-4
    static constexpr std::size_t counter_octets[] = {0, 2, 4};    // MQTT-SN-3.17.2.1-2..-4
    std::span<const std::byte> crypto;
    std::span<const std::byte> counter;
    if (!get(r, crypto_octets[crypto_code], crypto) || !get(r, counter_octets[counter_code], counter))
        return errc::truncated;
    m.cryptographic_material = to_vector(crypto);
    m.monotonic_counter = to_vector(counter);
    // What is left holds a protected packet (at least its 2-octet header) and, where the spec
    // fixes its size, the tag.
    const auto rest = r.rest();
    if (rest.size() < 2 + authentication_tag_size(m).value_or(0)) return errc::truncated;
    m.protected_packet_and_tag = to_vector(rest);
    return m;
}

} // namespace

std::optional<std::size_t> authentication_tag_size(const protection_encapsulation_msg& m) noexcept
{
    const std::uint8_t code = m.authentication_tag_length;
    if (code >= 4 && code <= 15) return std::size_t{2} * code; // 16 x code bits (MQTT-SN-3.17.2.3-6)
    if (code != 1) return std::nullopt;                        // 0x0 provider defined; 0x2/0x3 reserved
    // Nominal tag sizes of Figure 3-28 (MQTT-SN-3.17.2.3-2).
    const std::uint8_t s = m.protection_scheme;
    if (s <= 0x01) return 32;              // HMAC-SHA256, HMAC-SHA3_256
    if (s <= 0x04) return 16;              // CMAC-128/192/256
    if (s >= 0x40 && s <= 0x42) return 8;  // AES-CCM-64-*
    if (s >= 0x43 && s <= 0x49) return 16; // AES-CCM-128-*, AES-GCM-128-*, ChaCha20/Poly1305
    return std::nullopt;                   // provider defined or reserved
}

boost::system::result<message> decode(std::span<const std::byte> datagram) noexcept
{
    // §2.1.2: 1-octet or 3-octet Length, both accepted (MQTT-SN-2.1.2-1); the Length counts the
    // whole packet and must equal the datagram.
    auto h = wire::parse_header(datagram);
    if (!h) return h.error();
    const reader body(datagram.subspan(h->header_size));
    switch (h->msg_type) {
    case 0x01:
        return decode_connect(body);
    case 0x02:
        return decode_connack(body);
    case 0x03:
        return decode_publish(body);
    case 0x04:
        return decode_ack<puback_msg>(body);
    case 0x05:
        return decode_ack<pubrec_msg>(body);
    case 0x06:
        return decode_ack<pubrel_msg>(body);
    case 0x07:
        return decode_ack<pubcomp_msg>(body);
    case 0x08:
        return decode_subscribe(body);
    case 0x09:
        return decode_suback(body);
    case 0x0A:
        return decode_unsubscribe(body);
    case 0x0B:
        return decode_ack<unsuback_msg>(body);
    case 0x0C:
        return decode_pingreq(body);
    case 0x0D:
        return decode_pingresp(body);
    case 0x0E:
        return decode_disconnect(body);
    case 0x0F:
        return decode_auth(body);
    case 0x10:
        return decode_register(body);
    case 0x11:
        return decode_regack(body);
    case 0x12:
        return decode_pubwos(body);
    case 0x13:
        return decode_sleepreq(body);
    case 0x14:
        return decode_sleepresp(body);
    case 0x15:
        return decode_wakeup(body);
    case 0x16:
        return decode_advertise(body);
    case 0x17:
        return decode_searchgw(body);
    case 0x18:
        return decode_gwinfo(body);
    case 0xFC:
        return decode_forwarder(body);
    case 0xFE:
        return decode_connection(body);
    case 0xFF:
        return decode_protection(body);
    default:
        // Figure 2-4 marks every other value reserved (0x00, 0x19-0xFB, 0xFD), so v2.0 has no
        // "unknown" type code, only reserved ones.
        return errc::reserved_msg_type;
    }
}

} // namespace sngw::sn::v2_0
