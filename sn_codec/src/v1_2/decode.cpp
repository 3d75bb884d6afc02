// SPDX-License-Identifier: MIT
//
// MQTT-SN 1.2 decoder. Choices where the spec leaves room (MQTT-SN v1.2, 14 Nov 2013):
//
// - Flags bits that a message's description calls "not used" (§5.4.x, e.g. DUP/Will/CleanSession
//   in WILLTOPIC, everything but Will/CleanSession in CONNECT) are ignored, whatever their value,
//   QoS and TopicIdType included. The spec never says they must be zero, and real sensors send
//   junk there; encode() writes them as zero. Only what the spec calls "reserved" is rejected:
//   TopicIdType 0b11 where the message uses TopicIdType (§5.3.4, bad_topic_type), ProtocolId
//   other than 0x01 (§5.3.8, bad_protocol_id), the reserved Ctrl bits 7..2 of the forwarder
//   encapsulation (§5.5 Table 29, reserved_bits) and reserved MsgType codes (§5.2.2 Table 3).
// - QoS 0b11 (QoS -1) is legal only in PUBLISH (§5.3.4, §6.8). Where QoS is used by another
//   message (WILLTOPIC, WILLTOPICUPD, SUBSCRIBE, SUBACK) it is bad_qos.
// - Fixed-size messages and fixed-size fields: too few octets inside a correct Length is
//   `truncated`, extra octets are `trailing_octets`.
// - UTF-8 is checked where the spec says so: TopicName (§5.3.12) in REGISTER, SUBSCRIBE and
//   UNSUBSCRIBE, and WillTopic, which §5.3.14 defines as a topic name. ClientId (§5.3.1), WillMsg,
//   Data and GwAdd are opaque octets in 1.2.
// - TopicId 0x0000 / 0xFFFF are "reserved and should not be used" (§5.3.11), yet a client's
//   REGISTER carries 0x0000 (§5.4.10) and gateways answer SUBACK with 0x0000 for wildcards: not
//   checked here. MsgId is not checked against QoS either (§5.4.12 "only relevant" for QoS 1/2).
#include <sngw/sn/v1_2/codec.hpp>

#include <sngw/sn/wire.hpp>

namespace sngw::sn::v1_2 {
namespace {

using boost::system::result;

// Flags octet, §5.3.4 Table 4.
constexpr std::uint8_t flag_dup = 0x80;
constexpr std::uint8_t flag_retain = 0x10;
constexpr std::uint8_t flag_will = 0x08;
constexpr std::uint8_t flag_clean_session = 0x04;

constexpr std::uint8_t encapsulated_code = 0xFE;

qos qos_of(std::uint8_t flags) noexcept
{
    return static_cast<qos>((flags >> 5) & 0x03);
}

// QoS of a message that cannot carry QoS -1 (§5.3.4: "only relevant within PUBLISH").
result<qos> qos_without_minus_one(std::uint8_t flags) noexcept
{
    const qos q = qos_of(flags);
    if (q == qos::minus_one) return errc::bad_qos;
    return q;
}

// §5.3.4: TopicIdType 0b11 is reserved.
result<topic_id_type> topic_id_type_of(std::uint8_t flags) noexcept
{
    const auto bits = static_cast<std::uint8_t>(flags & 0x03);
    if (bits == 0x03) return errc::bad_topic_type;
    return static_cast<topic_id_type>(bits);
}

// A message or field of fixed size: fewer octets than that is truncated, more is trailing.
result<void> expect_exactly(const wire::reader& r, std::size_t n) noexcept
{
    if (r.remaining() < n) return errc::truncated;
    if (r.remaining() > n) return errc::trailing_octets;
    return {};
}

result<void> expect_at_least(const wire::reader& r, std::size_t n) noexcept
{
    if (r.remaining() < n) return errc::truncated;
    return {};
}

// The reads below happen after a size check, so the reader cannot fail there.
std::uint8_t u8(wire::reader& r) noexcept
{
    return *r.u8();
}
std::uint16_t u16(wire::reader& r) noexcept
{
    return *r.u16();
}

std::vector<std::byte> rest_bytes(wire::reader& r)
{
    const auto v = r.rest();
    return {v.begin(), v.end()};
}

result<message> decode_advertise(wire::reader& r)
{
    // §5.4.1: GwId(1) Duration(2)
    if (auto e = expect_exactly(r, 3); !e) return e.error();
    advertise_msg m;
    m.gw_id = u8(r);
    m.duration = u16(r);
    return m;
}

result<message> decode_searchgw(wire::reader& r)
{
    // §5.4.2: Radius(1)
    if (auto e = expect_exactly(r, 1); !e) return e.error();
    return searchgw_msg{.radius = u8(r)};
}

result<message> decode_gwinfo(wire::reader& r)
{
    // §5.4.3: GwId(1) GwAdd(n, only when sent by a client). §5.3.5 says the address length
    // "is indicated in the first octet of this field" without defining how; the Length of the
    // message already bounds it, so GwAdd is kept whole and opaque.
    if (auto e = expect_at_least(r, 1); !e) return e.error();
    gwinfo_msg m;
    m.gw_id = u8(r);
    if (!r.empty()) m.gw_add = rest_bytes(r);
    return m;
}

result<message> decode_connect(wire::reader& r)
{
    // §5.4.4: Flags(1) ProtocolId(1) Duration(2) ClientId(n)
    if (auto e = expect_at_least(r, 4); !e) return e.error();
    const std::uint8_t flags = u8(r);
    // §5.3.8: "It is coded 0x01. All other values are reserved."
    if (u8(r) != 0x01) return errc::bad_protocol_id;
    connect_msg m;
    m.will = (flags & flag_will) != 0;
    m.clean_session = (flags & flag_clean_session) != 0;
    m.duration = u16(r);
    // §5.3.1 / §5.4.4: ClientId is a 1..23 character string. Empty is rejected; longer ids are
    // accepted because real clients send them (MAC-address or UUID ids) and many gateways take
    // them: the length limit is the gateway's policy, not a framing error.
    if (r.empty()) return errc::empty_field;
    m.client_id = wire::to_string(r.rest());
    return m;
}

template <class Msg> result<message> decode_return_code_only(wire::reader& r)
{
    // CONNACK §5.4.5, WILLTOPICRESP §5.4.24, WILLMSGRESP §5.4.25: ReturnCode(1)
    if (auto e = expect_exactly(r, 1); !e) return e.error();
    Msg m;
    m.return_code = u8(r);
    return m;
}

template <class Msg> result<message> decode_header_only(wire::reader& r)
{
    // WILLTOPICREQ / WILLMSGREQ §5.4.6, §5.4.8; PINGRESP §5.4.20: no variable part.
    if (auto e = expect_exactly(r, 0); !e) return e.error();
    return Msg{};
}

template <class Msg> result<message> decode_will_topic(wire::reader& r)
{
    // WILLTOPIC §5.4.7 / WILLTOPICUPD §5.4.22: Flags(1) WillTopic(n), or nothing at all (the
    // "empty" message, exactly 2 octets, deletes the will).
    Msg m;
    if (r.empty()) return m;
    const std::uint8_t flags = u8(r);
    auto q = qos_without_minus_one(flags);
    if (!q) return q.error();
    will_topic_fields will;
    will.q = *q;
    will.retain = (flags & flag_retain) != 0;
    // A Flags octet followed by no topic is accepted and kept as it is: some client libraries
    // write the Flags octet even when they mean the empty message, and the gateway can treat an
    // empty will_topic like a missing one.
    will.will_topic = wire::to_string(r.rest());
    if (!wire::is_valid_utf8(will.will_topic)) return errc::bad_utf8;
    m.will = std::move(will);
    return m;
}

template <class Msg> result<message> decode_will_msg(wire::reader& r)
{
    // WILLMSG §5.4.9 / WILLMSGUPD §5.4.23: WillMsg(n), opaque; empty is a legal MQTT will payload.
    Msg m;
    m.will_msg = rest_bytes(r);
    return m;
}

result<message> decode_register(wire::reader& r)
{
    // §5.4.10: TopicId(2) MsgId(2) TopicName(n)
    if (auto e = expect_at_least(r, 4); !e) return e.error();
    register_msg m;
    m.topic_id = u16(r);
    m.msg_id = u16(r);
    if (r.empty()) return errc::empty_field; // nothing to register
    m.topic_name = wire::to_string(r.rest());
    if (!wire::is_valid_utf8(m.topic_name)) return errc::bad_utf8; // §5.3.12: UTF8-encoded
    return m;
}

template <class Msg> result<message> decode_topic_ack(wire::reader& r)
{
    // REGACK §5.4.11 / PUBACK §5.4.13: TopicId(2) MsgId(2) ReturnCode(1)
    if (auto e = expect_exactly(r, 5); !e) return e.error();
    Msg m;
    m.topic_id = u16(r);
    m.msg_id = u16(r);
    m.return_code = u8(r);
    return m;
}

result<message> decode_publish(wire::reader& r)
{
    // §5.4.12: Flags(1) TopicId(2) MsgId(2) Data(n). Every QoS value is legal here (§6.8).
    if (auto e = expect_at_least(r, 5); !e) return e.error();
    const std::uint8_t flags = u8(r);
    auto type = topic_id_type_of(flags);
    if (!type) return type.error();
    publish_msg m;
    m.dup = (flags & flag_dup) != 0;
    m.q = qos_of(flags);
    m.retain = (flags & flag_retain) != 0;
    m.topic_id_type = *type;
    m.topic_id = u16(r);
    m.msg_id = u16(r);
    m.data = rest_bytes(r); // a zero-length payload is legal, as in MQTT
    return m;
}

template <class Msg> result<message> decode_msg_id_only(wire::reader& r)
{
    // PUBREC/PUBREL/PUBCOMP §5.4.14, UNSUBACK §5.4.18: MsgId(2)
    if (auto e = expect_exactly(r, 2); !e) return e.error();
    Msg m;
    m.msg_id = u16(r);
    return m;
}

// SUBSCRIBE / UNSUBSCRIBE §5.4.15, §5.4.17, Table 19: "TopicName or TopicId", by TopicIdType.
template <class Msg> result<void> decode_topic(wire::reader& r, Msg& m)
{
    switch (m.topic_id_type) {
    case topic_id_type::normal:
        if (r.empty()) return errc::empty_field;
        m.topic_name = wire::to_string(r.rest());
        if (!wire::is_valid_utf8(m.topic_name)) return errc::bad_utf8; // §5.3.12
        return {};
    case topic_id_type::predefined:
        if (auto e = expect_exactly(r, 2); !e) return e.error();
        m.topic_id = u16(r);
        return {};
    case topic_id_type::short_name:
        // §6.7: a short topic name has exactly two characters.
        if (auto e = expect_exactly(r, 2); !e) return e.error();
        m.topic_name = wire::to_string(r.rest());
        return {};
    }
    return errc::bad_topic_type; // not reached: topic_id_type_of() filtered 0b11
}

result<message> decode_subscribe(wire::reader& r)
{
    // §5.4.15: Flags(1: DUP, QoS, TopicIdType) MsgId(2) TopicName or TopicId
    if (auto e = expect_at_least(r, 3); !e) return e.error();
    const std::uint8_t flags = u8(r);
    auto q = qos_without_minus_one(flags);
    if (!q) return q.error();
    auto type = topic_id_type_of(flags);
    if (!type) return type.error();
    subscribe_msg m;
    m.dup = (flags & flag_dup) != 0;
    m.q = *q;
    m.topic_id_type = *type;
    m.msg_id = u16(r);
    if (auto e = decode_topic(r, m); !e) return e.error();
    return m;
}

result<message> decode_suback(wire::reader& r)
{
    // §5.4.16: Flags(1: granted QoS) TopicId(2) MsgId(2) ReturnCode(1)
    if (auto e = expect_exactly(r, 6); !e) return e.error();
    auto q = qos_without_minus_one(u8(r));
    if (!q) return q.error();
    suback_msg m;
    m.q = *q;
    m.topic_id = u16(r);
    m.msg_id = u16(r);
    m.return_code = u8(r);
    return m;
}

result<message> decode_unsubscribe(wire::reader& r)
{
    // §5.4.17: Flags(1: TopicIdType; QoS "not used") MsgId(2) TopicName or TopicId
    if (auto e = expect_at_least(r, 3); !e) return e.error();
    auto type = topic_id_type_of(u8(r));
    if (!type) return type.error();
    unsubscribe_msg m;
    m.topic_id_type = *type;
    m.msg_id = u16(r);
    if (auto e = decode_topic(r, m); !e) return e.error();
    return m;
}

result<message> decode_pingreq(wire::reader& r)
{
    // §5.4.19: ClientId(n), optional (a sleeping client going awake, §6.14).
    pingreq_msg m;
    if (!r.empty()) m.client_id = wire::to_string(r.rest());
    return m;
}

result<message> decode_disconnect(wire::reader& r)
{
    // §5.4.21: Duration(2), optional (a client going to sleep).
    disconnect_msg m;
    if (r.empty()) return m;
    if (auto e = expect_exactly(r, 2); !e) return e.error();
    m.duration = u16(r);
    return m;
}

result<message> decode_impl(std::span<const std::byte> datagram, bool nested);

// §5.5 Table 28: Length(1) 0xFE Ctrl(1) WirelessNodeId(n) MQTT-SN message. Length counts only
// up to the end of the Wireless Node Id, so the generic Length rule (Length == datagram size)
// does not apply; the inner message carries its own Length.
result<message> decode_encapsulated(std::span<const std::byte> datagram, bool nested)
{
    // The spec allows no nesting: the inner part is "the MQTT-SN message" of a client.
    if (nested) return errc::bad_field_value;
    const auto length = std::to_integer<std::size_t>(datagram[0]);
    if (length < 3) return errc::bad_length_field; // no room for MsgType and Ctrl
    if (datagram.size() < length) return errc::truncated;
    const auto ctrl = std::to_integer<std::uint8_t>(datagram[2]);
    // §5.5 Table 29: bits 7..2 of Ctrl are reserved. Unlike the "not used" flags this octet
    // comes from a forwarder, not a sensor, and a set bit would be control information of a
    // later revision that we cannot honour, so the frame is rejected.
    if ((ctrl & 0xFC) != 0) return errc::reserved_bits;
    // Table 28 places the Wireless Node Id at octets 3..n: without it the gateway could not
    // address its reply through the forwarder.
    if (length == 3) return errc::empty_field;
    const auto inner = datagram.subspan(length);
    if (inner.empty()) return errc::truncated; // the encapsulated message is missing
    // Only the inner message's framing is checked here, not its content: a forwarder passes on
    // what its nodes send, and on a gateway that serves both versions a node behind a v1.2
    // forwarder may speak v2.0. The core decodes the inner message with that node's version.
    if (inner.size() >= 2 && std::to_integer<std::uint8_t>(inner[0]) != 0x01 &&
        std::to_integer<std::uint8_t>(inner[1]) == encapsulated_code)
        return errc::bad_field_value;
    auto inner_header = wire::parse_header(inner);
    if (!inner_header) return inner_header.error();
    if (inner_header->msg_type == encapsulated_code) return errc::bad_field_value; // 3-octet form
    encapsulated_msg m;
    m.radius = static_cast<std::uint8_t>(ctrl & 0x03);
    m.wireless_node_id.assign(datagram.begin() + 3, datagram.begin() + static_cast<std::ptrdiff_t>(length));
    m.message.assign(inner.begin(), inner.end());
    return m;
}

result<message> decode_impl(std::span<const std::byte> datagram, bool nested)
{
    // The encapsulation is recognised by its 1-octet Length form followed by MsgType 0xFE
    // (a first octet of 0x01 announces the 3-octet Length form, §5.2.1).
    if (datagram.size() >= 2 && std::to_integer<std::uint8_t>(datagram[0]) != 0x01 &&
        std::to_integer<std::uint8_t>(datagram[1]) == encapsulated_code)
        return decode_encapsulated(datagram, nested);

    auto header = wire::parse_header(datagram);
    if (!header) return header.error();
    wire::reader r(datagram.subspan(header->header_size));

    switch (header->msg_type) {
    case 0x00:
        return decode_advertise(r);
    case 0x01:
        return decode_searchgw(r);
    case 0x02:
        return decode_gwinfo(r);
    case 0x04:
        return decode_connect(r);
    case 0x05:
        return decode_return_code_only<connack_msg>(r);
    case 0x06:
        return decode_header_only<willtopicreq_msg>(r);
    case 0x07:
        return decode_will_topic<willtopic_msg>(r);
    case 0x08:
        return decode_header_only<willmsgreq_msg>(r);
    case 0x09:
        return decode_will_msg<willmsg_msg>(r);
    case 0x0A:
        return decode_register(r);
    case 0x0B:
        return decode_topic_ack<regack_msg>(r);
    case 0x0C:
        return decode_publish(r);
    case 0x0D:
        return decode_topic_ack<puback_msg>(r);
    case 0x0E:
        return decode_msg_id_only<pubcomp_msg>(r);
    case 0x0F:
        return decode_msg_id_only<pubrec_msg>(r);
    case 0x10:
        return decode_msg_id_only<pubrel_msg>(r);
    case 0x12:
        return decode_subscribe(r);
    case 0x13:
        return decode_suback(r);
    case 0x14:
        return decode_unsubscribe(r);
    case 0x15:
        return decode_msg_id_only<unsuback_msg>(r);
    case 0x16:
        return decode_pingreq(r);
    case 0x17:
        return decode_header_only<pingresp_msg>(r);
    case 0x18:
        return decode_disconnect(r);
    case 0x1A:
        return decode_will_topic<willtopicupd_msg>(r);
    case 0x1B:
        return decode_return_code_only<willtopicresp_msg>(r);
    case 0x1C:
        return decode_will_msg<willmsgupd_msg>(r);
    case 0x1D:
        return decode_return_code_only<willmsgresp_msg>(r);
    case encapsulated_code:
        // §5.5: the encapsulation's Length is 1 octet only; a 3-octet form here is malformed.
        return nested ? errc::bad_field_value : errc::bad_length_field;
    default:
        // Table 3 assigns every code: 0x03, 0x11, 0x19, 0x1E..0xFD and 0xFF are reserved, so no
        // v1.2 code is "unknown".
        return errc::reserved_msg_type;
    }
}

} // namespace

boost::system::result<message> decode(std::span<const std::byte> datagram) noexcept
{
    // Nothing below throws on bad input; only an allocation failure could, and noexcept turns
    // that into std::terminate, as for any other out-of-memory in the gateway.
    return decode_impl(datagram, false);
}

} // namespace sngw::sn::v1_2
