// SPDX-License-Identifier: MIT
// Field walkers for MQTT-SN 2.0 messages: type first, then every field in wire order. Optional
// fields appear only when present, so the output tells "absent" from "zero".
#include <sngw/sn/v2_0/codec.hpp>

#include <ostream>

namespace sngw::sn::v2_0 {
namespace {

// MQTT-SN 2.0 §2.3 Figure 2-7, the Name column. 0x00 has three names depending on the packet;
// codes the table does not list (and 0xF5-0xFF, "Reserved for MQTT-SN") have no meaning.
std::string_view reason_meaning(msg_type t, std::uint8_t rc) noexcept
{
    switch (rc) {
    case 0x00:
        if (t == msg_type::disconnect) return "Normal disconnection";
        if (t == msg_type::suback) return "Granted QoS 0";
        return "Success";
    case 0x01:
        return "Granted QoS 1";
    case 0x02:
        return "Granted QoS 2";
    case 0x04:
        return "Disconnect with will message";
    case 0x10:
        return "No matching subscribers";
    case 0x11:
        return "No subscription existed";
    case 0x18:
        return "Continue authentication";
    case 0x19:
        return "Re-authenticate";
    case 0x1A:
        return "Topic Alias Exists";
    case 0x80:
        return "Unspecified error";
    case 0x81:
        return "Malformed packet";
    case 0x82:
        return "Protocol error";
    case 0x83:
        return "Implementation specific error";
    case 0x84:
        return "Unsupported Protocol Version";
    case 0x85:
        return "Client identifier not valid";
    case 0x86:
        return "Bad user name or password";
    case 0x87:
        return "Not authorized";
    case 0x88:
        return "Server unavailable";
    case 0x89:
        return "Server busy";
    case 0x8A:
        return "Banned";
    case 0x8B:
        return "Server shutting down";
    case 0x8C:
        return "Bad authentication method";
    case 0x8D:
        return "Keep alive timeout";
    case 0x8E:
        return "Session taken over";
    case 0x8F:
        return "Topic filter invalid";
    case 0x90:
        return "Topic name invalid";
    case 0x91:
        return "Packet identifier in use";
    case 0x92:
        return "Packet identifier not found";
    case 0x93:
        return "Receive maximum exceeded";
    case 0x94:
        return "Topic alias invalid";
    case 0x95:
        return "Packet too large";
    case 0x96:
        return "Packet rate too high";
    case 0x97:
        return "Quota exceeded";
    case 0x98:
        return "Administrative action";
    case 0x99:
        return "Payload format invalid";
    case 0x9A:
        return "Retain not supported";
    case 0x9B:
        return "QoS not supported";
    case 0x9C:
        return "Use another server";
    case 0x9D:
        return "Server moved";
    case 0x9E:
        return "Shared subscription not supported";
    case 0x9F:
        return "Connection rate exceeded";
    case 0xA0:
        return "Maximum connect time";
    case 0xA1:
        return "Subscription identifiers not supported";
    case 0xA2:
        return "Wildcard subscription not supported";
    case 0xE6:
        return "Only PROTECTION packet supported";
    case 0xE7:
        return "Protection scheme invalid";
    case 0xE8:
        return "Unknown Sender Id";
    case 0xF0:
        return "Unknown Topic Alias";
    case 0xF1:
        return "Congestion";
    case 0xF2:
        return "Protection packet not supported";
    case 0xF3:
        return "Forwarder Encapsulation not supported";
    case 0xF4:
        return "No Virtual Connection exists";
    default:
        return {};
    }
}

// §2.4 Figure 2-8.
std::string_view topic_type_meaning(topic_type t) noexcept
{
    switch (t) {
    case topic_type::session_alias:
        return "Session Topic Alias";
    case topic_type::predefined_alias:
        return "Predefined Topic Alias";
    case topic_type::topic_name:
        return "Topic Name or Filter";
    }
    return {};
}

// §3.7.2.2.
std::string_view retain_handling_meaning(retain_handling rh) noexcept
{
    switch (rh) {
    case retain_handling::send_on_subscribe:
        return "send retained messages at subscribe";
    case retain_handling::send_if_new_subscription:
        return "send retained messages if the subscription is new";
    case retain_handling::do_not_send:
        return "do not send retained messages";
    }
    return {};
}

// §3.17.3 Figure 3-28.
std::string_view scheme_meaning(std::uint8_t s) noexcept
{
    switch (s) {
    case 0x00:
        return "HMAC-SHA256";
    case 0x01:
        return "HMAC-SHA3_256";
    case 0x02:
        return "CMAC-128";
    case 0x03:
        return "CMAC-192";
    case 0x04:
        return "CMAC-256";
    case 0x40:
        return "AES-CCM-64-128";
    case 0x41:
        return "AES-CCM-64-192";
    case 0x42:
        return "AES-CCM-64-256";
    case 0x43:
        return "AES-CCM-128-128";
    case 0x44:
        return "AES-CCM-128-192";
    case 0x45:
        return "AES-CCM-128-256";
    case 0x46:
        return "AES-GCM-128-128";
    case 0x47:
        return "AES-GCM-128-192";
    case 0x48:
        return "AES-GCM-128-256";
    case 0x49:
        return "ChaCha20/Poly1305";
    default:
        if ((s >= 0x3C && s <= 0x3F) || s >= 0xF0) return "Provider defined";
        return {};
    }
}

std::string_view type_name_of(msg_type t) noexcept
{
    switch (t) {
    case msg_type::connect:
        return "CONNECT";
    case msg_type::connack:
        return "CONNACK";
    case msg_type::publish:
        return "PUBLISH";
    case msg_type::puback:
        return "PUBACK";
    case msg_type::pubrec:
        return "PUBREC";
    case msg_type::pubrel:
        return "PUBREL";
    case msg_type::pubcomp:
        return "PUBCOMP";
    case msg_type::subscribe:
        return "SUBSCRIBE";
    case msg_type::suback:
        return "SUBACK";
    case msg_type::unsubscribe:
        return "UNSUBSCRIBE";
    case msg_type::unsuback:
        return "UNSUBACK";
    case msg_type::pingreq:
        return "PINGREQ";
    case msg_type::pingresp:
        return "PINGRESP";
    case msg_type::disconnect:
        return "DISCONNECT";
    case msg_type::auth:
        return "AUTH";
    case msg_type::register_:
        return "REGISTER";
    case msg_type::regack:
        return "REGACK";
    case msg_type::pubwos:
        return "PUBWOS";
    case msg_type::sleepreq:
        return "SLEEPREQ";
    case msg_type::sleepresp:
        return "SLEEPRESP";
    case msg_type::wakeup:
        return "WAKEUP";
    case msg_type::advertise:
        return "ADVERTISE";
    case msg_type::searchgw:
        return "SEARCHGW";
    case msg_type::gwinfo:
        return "GWINFO";
    case msg_type::forwarder_encapsulation:
        return "Forwarder Encapsulation";
    case msg_type::connection_encapsulation:
        return "Connection Encapsulation";
    case msg_type::protection_encapsulation:
        return "Protection Encapsulation";
    }
    return {};
}

class walker {
public:
    walker(field_sink& sink, msg_type t) : sink_(sink), type_(t) { sink_.type(type_name_of(t)); }

    void reason(std::uint8_t rc) { sink_.code("reason_code", rc, reason_meaning(type_, rc)); }
    void reason(const std::optional<std::uint8_t>& rc)
    {
        if (rc) reason(*rc);
    }
    void topic_type_code(std::string_view name, topic_type t)
    {
        sink_.code(name, static_cast<std::uint8_t>(t), topic_type_meaning(t));
    }
    void qos_number(std::string_view name, qos q) { sink_.number(name, static_cast<std::uint8_t>(q)); }
    template <class T> void optional_number(std::string_view name, const std::optional<T>& v)
    {
        if (v) sink_.number(name, *v);
    }
    // Alias or name, as the Topic Type says (PUBLISH, PUBWOS, Will).
    void topic(std::string_view alias_name, std::string_view text_name, topic_type t, std::uint16_t alias,
               const std::string& name)
    {
        if (t == topic_type::topic_name)
            sink_.text(text_name, name);
        else
            sink_.number(alias_name, alias);
    }
    void auth(const std::optional<auth_fields>& a)
    {
        if (!a) return;
        sink_.text("auth_method", a->method);
        sink_.octets("auth_data", a->data);
    }
    field_sink& sink() { return sink_; }

private:
    field_sink& sink_;
    msg_type type_;
};

void walk(walker& w, const connect_msg& m)
{
    auto& s = w.sink();
    s.flag("clean_start", m.clean_start);
    s.flag("allow_network_address_changes", m.allow_network_address_changes);
    s.flag("allow_server_suggested_values", m.allow_server_suggested_values);
    if (m.will) {
        s.flag("will_retain", m.will->retain);
        w.qos_number("will_qos", m.will->q);
        w.topic_type_code("will_topic_type", m.will->topic_type);
    }
    s.number("packet_id", m.packet_id);
    s.number("protocol_version", 0x02);
    s.number("keep_alive", m.keep_alive);
    s.number("maximum_packet_size", m.maximum_packet_size);
    w.optional_number("default_awake_messages", m.default_awake_messages);
    w.optional_number("session_expiry_interval", m.session_expiry_interval);
    if (m.will) {
        w.topic("will_topic_alias", "will_topic_name", m.will->topic_type, m.will->topic_alias,
                m.will->topic_name);
        s.octets("will_payload", m.will->payload);
    }
    w.auth(m.auth);
    s.text("client_id", m.client_id);
}

void walk(walker& w, const connack_msg& m)
{
    auto& s = w.sink();
    s.flag("session_present", m.session_present);
    s.number("packet_id", m.packet_id);
    w.reason(m.reason_code);
    w.optional_number("session_expiry_interval", m.session_expiry_interval);
    w.optional_number("server_keep_alive", m.server_keep_alive);
    w.auth(m.auth);
    if (m.assigned_client_id) s.text("assigned_client_id", *m.assigned_client_id);
}

void walk(walker& w, const auth_msg& m)
{
    auto& s = w.sink();
    s.number("packet_id", m.packet_id);
    w.reason(m.reason_code);
    s.text("auth_method", m.auth_method);
    s.octets("auth_data", m.auth_data);
}

void walk(walker& w, const register_msg& m)
{
    auto& s = w.sink();
    s.number("packet_id", m.packet_id);
    w.optional_number("topic_alias", m.topic_alias);
    s.text("topic_name", m.topic_name);
}

void walk(walker& w, const regack_msg& m)
{
    auto& s = w.sink();
    w.topic_type_code("topic_type", m.topic_type);
    s.number("packet_id", m.packet_id);
    w.optional_number("topic_alias", m.topic_alias);
    w.reason(m.reason_code);
}

void walk(walker& w, const publish_msg& m)
{
    auto& s = w.sink();
    s.flag("dup", m.dup);
    w.qos_number("qos", m.q);
    s.flag("retain", m.retain);
    w.topic_type_code("topic_type", m.topic_type);
    if (m.q != qos::qos0) s.number("packet_id", m.packet_id);
    w.topic("topic_alias", "topic_name", m.topic_type, m.topic_alias, m.topic_name);
    s.octets("payload", m.payload);
}

template <class Ack> void walk_ack(walker& w, const Ack& m)
{
    w.sink().number("packet_id", m.packet_id);
    w.reason(m.reason_code);
}

void walk(walker& w, const puback_msg& m)
{
    walk_ack(w, m);
}
void walk(walker& w, const pubrec_msg& m)
{
    walk_ack(w, m);
}
void walk(walker& w, const pubrel_msg& m)
{
    walk_ack(w, m);
}
void walk(walker& w, const pubcomp_msg& m)
{
    walk_ack(w, m);
}
void walk(walker& w, const unsuback_msg& m)
{
    walk_ack(w, m);
}

void walk(walker& w, const pubwos_msg& m)
{
    auto& s = w.sink();
    s.flag("retain", m.retain);
    w.topic_type_code("topic_type", m.topic_type);
    w.topic("topic_alias", "topic_name", m.topic_type, m.topic_alias, m.topic_name);
    s.octets("payload", m.payload);
}

void walk(walker& w, const subscribe_msg& m)
{
    auto& s = w.sink();
    s.flag("no_local", m.no_local);
    w.qos_number("qos", m.q);
    s.flag("retain_as_published", m.retain_as_published);
    s.code("retain_handling", static_cast<std::uint8_t>(m.retain_handling),
           retain_handling_meaning(m.retain_handling));
    w.topic_type_code("topic_type", m.topic_type);
    s.number("packet_id", m.packet_id);
    if (m.topic_type == topic_type::topic_name)
        s.text("topic_filter", m.topic_filter);
    else
        s.number("topic_alias", m.topic_alias);
}

void walk(walker& w, const suback_msg& m)
{
    auto& s = w.sink();
    w.topic_type_code("topic_type", m.topic_type);
    s.number("packet_id", m.packet_id);
    w.optional_number("topic_alias", m.topic_alias);
    w.reason(m.reason_code);
}

void walk(walker& w, const unsubscribe_msg& m)
{
    auto& s = w.sink();
    w.topic_type_code("topic_type", m.topic_type);
    s.number("packet_id", m.packet_id);
    if (m.topic_type == topic_type::topic_name)
        s.text("topic_filter", m.topic_filter);
    else
        s.number("topic_alias", m.topic_alias);
}

void walk(walker& w, const pingreq_msg& m)
{
    w.sink().number("packet_id", m.packet_id);
}

void walk(walker& w, const pingresp_msg& m)
{
    w.sink().number("packet_id", m.packet_id);
    w.optional_number("application_messages_remaining", m.application_messages_remaining);
}

void walk(walker& w, const disconnect_msg& m)
{
    w.optional_number("packet_id", m.packet_id);
    w.optional_number("session_expiry_interval", m.session_expiry_interval);
    w.reason(m.reason_code);
    if (m.reason_string) w.sink().text("reason_string", *m.reason_string);
}

void walk(walker&, const wakeup_msg&) {}

void walk(walker& w, const sleepreq_msg& m)
{
    auto& s = w.sink();
    s.flag("retain_topic_aliases", m.retain_topic_aliases);
    s.number("packet_id", m.packet_id);
    s.number("sleep_duration", m.sleep_duration);
}

void walk(walker& w, const sleepresp_msg& m)
{
    w.sink().number("packet_id", m.packet_id);
    w.optional_number("sleep_duration", m.sleep_duration);
    w.reason(m.reason_code);
}

void walk(walker& w, const advertise_msg& m)
{
    w.sink().number("gateway_id", m.gateway_id);
    w.sink().number("duration", m.duration);
}

void walk(walker& w, const searchgw_msg& m)
{
    w.sink().octets("additional_network_information", m.additional_network_information);
}

void walk(walker& w, const gwinfo_msg& m)
{
    w.sink().number("gateway_id", m.gateway_id);
    w.sink().octets("gateway_address", m.gateway_address);
}

void walk(walker& w, const forwarder_encapsulation_msg& m)
{
    w.sink().octets("client_addressing_information", m.client_addressing_information);
    w.sink().octets("message", m.message);
}

void walk(walker& w, const connection_encapsulation_msg& m)
{
    w.sink().text("client_id", m.client_id);
    w.sink().octets("message", m.message);
}

void walk(walker& w, const protection_encapsulation_msg& m)
{
    auto& s = w.sink();
    s.number("authentication_tag_length", m.authentication_tag_length);
    s.code("protection_scheme", m.protection_scheme, scheme_meaning(m.protection_scheme));
    s.octets("sender_id", m.sender_id);
    s.octets("random", m.random);
    if (!m.cryptographic_material.empty()) s.octets("cryptographic_material", m.cryptographic_material);
    if (!m.monotonic_counter.empty()) s.octets("monotonic_counter", m.monotonic_counter);
    s.octets("protected_packet_and_tag", m.protected_packet_and_tag);
}

} // namespace

std::string_view type_name(const message& m) noexcept
{
    return type_name_of(msg_type_of(m));
}

void visit_fields(const message& m, field_sink& sink)
{
    walker w(sink, msg_type_of(m));
    std::visit([&w](const auto& msg) { walk(w, msg); }, m);
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

} // namespace sngw::sn::v2_0
