// SPDX-License-Identifier: MIT
// MQTT-SN 1.2 encoder. Writes what decode() reads: "not used" flag bits as zero, the shortest
// Length form (§5.2.1), and no validation beyond what the wire cannot express (decode is the
// gatekeeper for received messages; the gateway builds only valid ones).
#include <sngw/sn/v1_2/codec.hpp>

#include <sngw/sn/wire.hpp>

#include <type_traits>

namespace sngw::sn::v1_2 {
namespace {

using boost::system::result;

// Flags octet, §5.3.4 Table 4.
std::uint8_t flags_octet(bool dup, qos q, bool retain, bool will, bool clean_session,
                         topic_id_type type) noexcept
{
    unsigned f = 0;
    if (dup) f |= 0x80u;
    f |= (static_cast<unsigned>(q) & 0x03u) << 5;
    if (retain) f |= 0x10u;
    if (will) f |= 0x08u;
    if (clean_session) f |= 0x04u;
    f |= static_cast<unsigned>(type) & 0x03u;
    return static_cast<std::uint8_t>(f);
}

// §5.5: the encapsulation's own Length octet counts Length, MsgType, Ctrl and the node id.
constexpr std::size_t encapsulation_fixed = 3;
constexpr std::size_t max_wireless_node_id = 0xFF - encapsulation_fixed;

// Size of the variable part (after Length and MsgType) of each message.
std::size_t body_size(const advertise_msg&) noexcept
{
    return 3;
}
std::size_t body_size(const searchgw_msg&) noexcept
{
    return 1;
}
std::size_t body_size(const gwinfo_msg& m) noexcept
{
    return 1 + (m.gw_add ? m.gw_add->size() : 0);
}
std::size_t body_size(const connect_msg& m) noexcept
{
    return 4 + m.client_id.size();
}
std::size_t body_size(const connack_msg&) noexcept
{
    return 1;
}
std::size_t body_size(const willtopicreq_msg&) noexcept
{
    return 0;
}
std::size_t body_size(const willtopic_msg& m) noexcept
{
    return m.will ? 1 + m.will->will_topic.size() : 0;
}
std::size_t body_size(const willmsgreq_msg&) noexcept
{
    return 0;
}
std::size_t body_size(const willmsg_msg& m) noexcept
{
    return m.will_msg.size();
}
std::size_t body_size(const register_msg& m) noexcept
{
    return 4 + m.topic_name.size();
}
std::size_t body_size(const regack_msg&) noexcept
{
    return 5;
}
std::size_t body_size(const publish_msg& m) noexcept
{
    return 5 + m.data.size();
}
std::size_t body_size(const puback_msg&) noexcept
{
    return 5;
}
std::size_t body_size(const pubcomp_msg&) noexcept
{
    return 2;
}
std::size_t body_size(const pubrec_msg&) noexcept
{
    return 2;
}
std::size_t body_size(const pubrel_msg&) noexcept
{
    return 2;
}
std::size_t topic_size(topic_id_type type, const std::string& name) noexcept
{
    return type == topic_id_type::predefined ? 2 : name.size();
}
std::size_t body_size(const subscribe_msg& m) noexcept
{
    return 3 + topic_size(m.topic_id_type, m.topic_name);
}
std::size_t body_size(const suback_msg&) noexcept
{
    return 6;
}
std::size_t body_size(const unsubscribe_msg& m) noexcept
{
    return 3 + topic_size(m.topic_id_type, m.topic_name);
}
std::size_t body_size(const unsuback_msg&) noexcept
{
    return 2;
}
std::size_t body_size(const pingreq_msg& m) noexcept
{
    return m.client_id ? m.client_id->size() : 0;
}
std::size_t body_size(const pingresp_msg&) noexcept
{
    return 0;
}
std::size_t body_size(const disconnect_msg& m) noexcept
{
    return m.duration ? 2 : 0;
}
std::size_t body_size(const willtopicupd_msg& m) noexcept
{
    return m.will ? 1 + m.will->will_topic.size() : 0;
}
std::size_t body_size(const willtopicresp_msg&) noexcept
{
    return 1;
}
std::size_t body_size(const willmsgupd_msg& m) noexcept
{
    return m.will_msg.size();
}
std::size_t body_size(const willmsgresp_msg&) noexcept
{
    return 1;
}

void write_body(wire::writer& w, const advertise_msg& m)
{
    w.u8(m.gw_id);
    w.u16(m.duration);
}

void write_body(wire::writer& w, const searchgw_msg& m)
{
    w.u8(m.radius);
}

void write_body(wire::writer& w, const gwinfo_msg& m)
{
    w.u8(m.gw_id);
    if (m.gw_add) w.bytes(*m.gw_add);
}

void write_body(wire::writer& w, const connect_msg& m)
{
    w.u8(flags_octet(false, qos::zero, false, m.will, m.clean_session, topic_id_type::normal));
    w.u8(0x01); // ProtocolId, §5.3.8
    w.u16(m.duration);
    w.text(m.client_id);
}

void write_body(wire::writer& w, const connack_msg& m)
{
    w.u8(m.return_code);
}
void write_body(wire::writer&, const willtopicreq_msg&) {}
void write_body(wire::writer&, const willmsgreq_msg&) {}
void write_body(wire::writer&, const pingresp_msg&) {}

void write_will_topic(wire::writer& w, const std::optional<will_topic_fields>& will)
{
    if (!will) return; // the empty WILLTOPIC / WILLTOPICUPD: no Flags octet at all (§5.4.7, §5.4.22)
    w.u8(flags_octet(false, will->q, will->retain, false, false, topic_id_type::normal));
    w.text(will->will_topic);
}

void write_body(wire::writer& w, const willtopic_msg& m)
{
    write_will_topic(w, m.will);
}
void write_body(wire::writer& w, const willtopicupd_msg& m)
{
    write_will_topic(w, m.will);
}
void write_body(wire::writer& w, const willmsg_msg& m)
{
    w.bytes(m.will_msg);
}
void write_body(wire::writer& w, const willmsgupd_msg& m)
{
    w.bytes(m.will_msg);
}

void write_body(wire::writer& w, const register_msg& m)
{
    w.u16(m.topic_id);
    w.u16(m.msg_id);
    w.text(m.topic_name);
}

template <class Msg> void write_topic_ack(wire::writer& w, const Msg& m)
{
    w.u16(m.topic_id);
    w.u16(m.msg_id);
    w.u8(m.return_code);
}

void write_body(wire::writer& w, const regack_msg& m)
{
    write_topic_ack(w, m);
}
void write_body(wire::writer& w, const puback_msg& m)
{
    write_topic_ack(w, m);
}

void write_body(wire::writer& w, const publish_msg& m)
{
    w.u8(flags_octet(m.dup, m.q, m.retain, false, false, m.topic_id_type));
    w.u16(m.topic_id);
    w.u16(m.msg_id);
    w.bytes(m.data);
}

void write_body(wire::writer& w, const pubcomp_msg& m)
{
    w.u16(m.msg_id);
}
void write_body(wire::writer& w, const pubrec_msg& m)
{
    w.u16(m.msg_id);
}
void write_body(wire::writer& w, const pubrel_msg& m)
{
    w.u16(m.msg_id);
}
void write_body(wire::writer& w, const unsuback_msg& m)
{
    w.u16(m.msg_id);
}

// Table 19: a 2-octet topic id for predefined, the name's octets otherwise.
template <class Msg> void write_topic(wire::writer& w, const Msg& m)
{
    if (m.topic_id_type == topic_id_type::predefined)
        w.u16(m.topic_id);
    else
        w.text(m.topic_name);
}

void write_body(wire::writer& w, const subscribe_msg& m)
{
    w.u8(flags_octet(m.dup, m.q, false, false, false, m.topic_id_type));
    w.u16(m.msg_id);
    write_topic(w, m);
}

void write_body(wire::writer& w, const suback_msg& m)
{
    w.u8(flags_octet(false, m.q, false, false, false, topic_id_type::normal));
    w.u16(m.topic_id);
    w.u16(m.msg_id);
    w.u8(m.return_code);
}

void write_body(wire::writer& w, const unsubscribe_msg& m)
{
    w.u8(flags_octet(false, qos::zero, false, false, false, m.topic_id_type));
    w.u16(m.msg_id);
    write_topic(w, m);
}

void write_body(wire::writer& w, const pingreq_msg& m)
{
    if (m.client_id) w.text(*m.client_id);
}

void write_body(wire::writer& w, const disconnect_msg& m)
{
    if (m.duration) w.u16(*m.duration);
}

void write_body(wire::writer& w, const willtopicresp_msg& m)
{
    w.u8(m.return_code);
}
void write_body(wire::writer& w, const willmsgresp_msg& m)
{
    w.u8(m.return_code);
}

std::size_t size_of(const encapsulated_msg& m) noexcept
{
    return encapsulation_fixed + m.wireless_node_id.size() + m.message.size();
}

template <class Msg> std::size_t size_of(const Msg& m) noexcept
{
    const std::size_t body = body_size(m);
    return wire::header_size_for(body) + body;
}

result<void> append(const encapsulated_msg& m, std::vector<std::byte>& out)
{
    // §5.5 Table 28: the Length octet covers the encapsulation header only.
    if (m.wireless_node_id.size() > max_wireless_node_id || m.message.size() > wire::max_message_size)
        return errc::field_too_long;
    // What decode would refuse is refused here too, rather than written differently: the radius
    // has two bits (Table 29), and the reply must name the node (Table 28).
    if (m.radius > 0x03) return errc::bad_field_value;
    if (m.wireless_node_id.empty()) return errc::empty_field;
    wire::writer w(out);
    w.u8(static_cast<std::uint8_t>(encapsulation_fixed + m.wireless_node_id.size()));
    w.u8(static_cast<std::uint8_t>(msg_type::encapsulated));
    w.u8(m.radius); // Ctrl: bits 7..2 reserved (Table 29)
    w.bytes(m.wireless_node_id);
    w.bytes(m.message);
    return {};
}

template <class Msg> result<void> append(const Msg& m, std::vector<std::byte>& out)
{
    // write_header checks the 65535-octet limit before it appends anything.
    if (auto h = wire::write_header(out, body_size(m), static_cast<std::uint8_t>(Msg::type)); !h)
        return h.error();
    wire::writer w(out);
    write_body(w, m);
    return {};
}

} // namespace

boost::system::result<std::size_t> encode(const message& m, std::vector<std::byte>& out)
{
    const std::size_t before = out.size();
    if (const std::size_t size = encoded_size(m); size <= 0xFF + wire::max_message_size)
        out.reserve(before + size); // nothing larger can be encoded
    auto r = std::visit([&out](const auto& msg) { return append(msg, out); }, m);
    if (!r) return r.error();
    return out.size() - before;
}

boost::system::result<std::vector<std::byte>> encode(const message& m)
{
    std::vector<std::byte> out;
    if (auto r = encode(m, out); !r) return r.error();
    return out;
}

std::size_t encoded_size(const message& m) noexcept
{
    return std::visit([](const auto& msg) { return size_of(msg); }, m);
}

} // namespace sngw::sn::v1_2
