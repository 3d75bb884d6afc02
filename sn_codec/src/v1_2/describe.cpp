// SPDX-License-Identifier: MIT
// Names and field walks of MQTT-SN 1.2 messages: one visit per message, shared by operator<<,
// to_json and sngw-decode.
#include <sngw/sn/v1_2/codec.hpp>

#include <sngw/sn/wire.hpp>

#include <ostream>
#include <type_traits>

namespace sngw::sn::v1_2 {
namespace {

std::string_view qos_meaning(qos q) noexcept
{
    switch (q) {
    case qos::zero:
        return "at most once";
    case qos::one:
        return "at least once";
    case qos::two:
        return "exactly once";
    case qos::minus_one:
        return "QoS -1, without connection"; // §6.8
    }
    return {};
}

std::string_view topic_id_type_meaning(topic_id_type t) noexcept
{
    // §5.3.4
    switch (t) {
    case topic_id_type::normal:
        return "normal";
    case topic_id_type::predefined:
        return "predefined";
    case topic_id_type::short_name:
        return "short name";
    }
    return {};
}

void qos_field(field_sink& s, qos q)
{
    s.code("qos", static_cast<std::uint64_t>(q), qos_meaning(q));
}

void topic_id_type_field(field_sink& s, topic_id_type t)
{
    s.code("topic_id_type", static_cast<std::uint64_t>(t), topic_id_type_meaning(t));
}

void return_code_field(field_sink& s, std::uint8_t rc)
{
    s.code("return_code", rc, return_code_meaning(rc));
}

void fields(field_sink& s, const advertise_msg& m)
{
    s.number("gw_id", m.gw_id);
    s.number("duration", m.duration);
}

void fields(field_sink& s, const searchgw_msg& m)
{
    s.number("radius", m.radius);
}

void fields(field_sink& s, const gwinfo_msg& m)
{
    s.number("gw_id", m.gw_id);
    if (m.gw_add) s.octets("gw_add", *m.gw_add);
}

void fields(field_sink& s, const connect_msg& m)
{
    s.flag("will", m.will);
    s.flag("clean_session", m.clean_session);
    s.code("protocol_id", 0x01, "MQTT-SN 1.2"); // §5.3.8: the only value decode accepts
    s.number("duration", m.duration);
    s.text("client_id", m.client_id);
}

void fields(field_sink& s, const connack_msg& m)
{
    return_code_field(s, m.return_code);
}
void fields(field_sink&, const willtopicreq_msg&) {}
void fields(field_sink&, const willmsgreq_msg&) {}
void fields(field_sink&, const pingresp_msg&) {}

void will_fields(field_sink& s, const std::optional<will_topic_fields>& will)
{
    if (!will) return; // the empty message: deletes the will (§5.4.7)
    qos_field(s, will->q);
    s.flag("retain", will->retain);
    s.text("will_topic", will->will_topic);
}

void fields(field_sink& s, const willtopic_msg& m)
{
    will_fields(s, m.will);
}
void fields(field_sink& s, const willtopicupd_msg& m)
{
    will_fields(s, m.will);
}
void fields(field_sink& s, const willmsg_msg& m)
{
    s.octets("will_msg", m.will_msg);
}
void fields(field_sink& s, const willmsgupd_msg& m)
{
    s.octets("will_msg", m.will_msg);
}

void fields(field_sink& s, const register_msg& m)
{
    s.number("topic_id", m.topic_id);
    s.number("msg_id", m.msg_id);
    s.text("topic_name", m.topic_name);
}

template <class Msg> void topic_ack_fields(field_sink& s, const Msg& m)
{
    s.number("topic_id", m.topic_id);
    s.number("msg_id", m.msg_id);
    return_code_field(s, m.return_code);
}

void fields(field_sink& s, const regack_msg& m)
{
    topic_ack_fields(s, m);
}
void fields(field_sink& s, const puback_msg& m)
{
    topic_ack_fields(s, m);
}

void fields(field_sink& s, const publish_msg& m)
{
    s.flag("dup", m.dup);
    qos_field(s, m.q);
    s.flag("retain", m.retain);
    topic_id_type_field(s, m.topic_id_type);
    s.number("topic_id", m.topic_id);
    s.number("msg_id", m.msg_id);
    s.octets("data", m.data);
}

void fields(field_sink& s, const pubcomp_msg& m)
{
    s.number("msg_id", m.msg_id);
}
void fields(field_sink& s, const pubrec_msg& m)
{
    s.number("msg_id", m.msg_id);
}
void fields(field_sink& s, const pubrel_msg& m)
{
    s.number("msg_id", m.msg_id);
}
void fields(field_sink& s, const unsuback_msg& m)
{
    s.number("msg_id", m.msg_id);
}

template <class Msg> void topic_fields(field_sink& s, const Msg& m)
{
    if (m.topic_id_type == topic_id_type::predefined)
        s.number("topic_id", m.topic_id);
    else
        s.text("topic_name", m.topic_name);
}

void fields(field_sink& s, const subscribe_msg& m)
{
    s.flag("dup", m.dup);
    qos_field(s, m.q);
    topic_id_type_field(s, m.topic_id_type);
    s.number("msg_id", m.msg_id);
    topic_fields(s, m);
}

void fields(field_sink& s, const suback_msg& m)
{
    qos_field(s, m.q);
    s.number("topic_id", m.topic_id);
    s.number("msg_id", m.msg_id);
    return_code_field(s, m.return_code);
}

void fields(field_sink& s, const unsubscribe_msg& m)
{
    topic_id_type_field(s, m.topic_id_type);
    s.number("msg_id", m.msg_id);
    topic_fields(s, m);
}

void fields(field_sink& s, const pingreq_msg& m)
{
    if (m.client_id) s.text("client_id", *m.client_id);
}

void fields(field_sink& s, const disconnect_msg& m)
{
    if (m.duration) s.number("duration", *m.duration);
}

void fields(field_sink& s, const willtopicresp_msg& m)
{
    return_code_field(s, m.return_code);
}
void fields(field_sink& s, const willmsgresp_msg& m)
{
    return_code_field(s, m.return_code);
}

void fields(field_sink& s, const encapsulated_msg& m)
{
    s.number("radius", m.radius);
    s.octets("wireless_node_id", m.wireless_node_id);
    s.octets("message", m.message);
}

} // namespace

msg_type msg_type_of(const message& m) noexcept
{
    return std::visit([](const auto& msg) { return std::decay_t<decltype(msg)>::type; }, m);
}

std::string_view msg_type_name(std::uint8_t code) noexcept
{
    // §5.2.2 Table 3
    switch (code) {
    case 0x00:
        return "ADVERTISE";
    case 0x01:
        return "SEARCHGW";
    case 0x02:
        return "GWINFO";
    case 0x04:
        return "CONNECT";
    case 0x05:
        return "CONNACK";
    case 0x06:
        return "WILLTOPICREQ";
    case 0x07:
        return "WILLTOPIC";
    case 0x08:
        return "WILLMSGREQ";
    case 0x09:
        return "WILLMSG";
    case 0x0A:
        return "REGISTER";
    case 0x0B:
        return "REGACK";
    case 0x0C:
        return "PUBLISH";
    case 0x0D:
        return "PUBACK";
    case 0x0E:
        return "PUBCOMP";
    case 0x0F:
        return "PUBREC";
    case 0x10:
        return "PUBREL";
    case 0x12:
        return "SUBSCRIBE";
    case 0x13:
        return "SUBACK";
    case 0x14:
        return "UNSUBSCRIBE";
    case 0x15:
        return "UNSUBACK";
    case 0x16:
        return "PINGREQ";
    case 0x17:
        return "PINGRESP";
    case 0x18:
        return "DISCONNECT";
    case 0x1A:
        return "WILLTOPICUPD";
    case 0x1B:
        return "WILLTOPICRESP";
    case 0x1C:
        return "WILLMSGUPD";
    case 0x1D:
        return "WILLMSGRESP";
    // Table 3 says "Encapsulated message"; one upper-case word keeps `NAME{...}` lines uniform
    // (and matches the name MQTT-SN 2.0 gives its encapsulation).
    case 0xFE:
        return "ENCAPSULATED";
    default:
        return "reserved";
    }
}

std::string_view type_name(const message& m) noexcept
{
    return msg_type_name(static_cast<std::uint8_t>(msg_type_of(m)));
}

std::string_view return_code_meaning(std::uint8_t return_code) noexcept
{
    // §5.3.10 Table 5
    switch (return_code) {
    case return_codes::accepted:
        return "accepted";
    case return_codes::rejected_congestion:
        return "rejected: congestion";
    case return_codes::rejected_invalid_topic_id:
        return "rejected: invalid topic ID";
    case return_codes::rejected_not_supported:
        return "rejected: not supported";
    default:
        return {};
    }
}

void visit_fields(const message& m, field_sink& sink)
{
    sink.type(type_name(m));
    std::visit([&sink](const auto& msg) { fields(sink, msg); }, m);
}

std::ostream& operator<<(std::ostream& os, const message& m)
{
    text_sink s;
    visit_fields(m, s);
    return os << s.str();
}

std::string to_json(const message& m)
{
    json_sink s;
    visit_fields(m, s);
    return s.str();
}

} // namespace sngw::sn::v1_2
