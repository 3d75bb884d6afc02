// SPDX-License-Identifier: MIT
#include <sngw/mqtt5/io.hpp>

#include <ios>
#include <ostream>
#include <string_view>

namespace sngw::mqtt5 {
namespace {

// Strings come from the network: escape what would break a log line.
void quoted(std::ostream& os, std::string_view s)
{
    static constexpr char digits[] = "0123456789abcdef";
    os << '"';
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            os << '\\' << c;
        } else if (u < 0x20 || u == 0x7F) {
            os << "\\x" << digits[u >> 4] << digits[u & 15];
        } else {
            os << c;
        }
    }
    os << '"';
}

void bytes(std::ostream& os, std::size_t n)
{
    os << n << (n == 1 ? " byte" : " bytes");
}

// Writes ",name:value" after the first field.
class fields {
public:
    explicit fields(std::ostream& os) : os_(os) {}
    std::ostream& operator()(std::string_view name)
    {
        if (!first_) os_ << ',';
        first_ = false;
        return os_ << name << ':';
    }

private:
    std::ostream& os_;
    bool first_ = true;
};

template <class T> void opt(fields& f, std::string_view name, const std::optional<T>& v)
{
    if (v) f(name) << *v;
}

void opt_str(fields& f, std::ostream& os, std::string_view name, const std::optional<std::string>& v)
{
    if (v) {
        f(name);
        quoted(os, *v);
    }
}

void opt_bin(fields& f, std::ostream& os, std::string_view name,
             const std::optional<std::vector<std::byte>>& v)
{
    if (v) {
        f(name);
        bytes(os, v->size());
    }
}

void opt_bool(fields& f, std::string_view name, const std::optional<bool>& v)
{
    if (v) f(name) << (*v ? 1 : 0);
}

template <class Ack> std::ostream& ack(std::ostream& os, std::string_view name, const Ack& p)
{
    os << name << "{packet_id:" << p.packet_id << ",reason:" << p.reason;
    if (!p.props.empty()) os << ",props:" << p.props;
    return os << '}';
}

template <class Ack> std::ostream& sub_ack(std::ostream& os, std::string_view name, const Ack& p)
{
    os << name << "{packet_id:" << p.packet_id;
    if (!p.props.empty()) os << ",props:" << p.props;
    os << ",reason_codes:[";
    for (std::size_t i = 0; i < p.reason_codes.size(); ++i)
        os << (i ? "," : "") << p.reason_codes[i];
    return os << "]}";
}

} // namespace

std::ostream& operator<<(std::ostream& os, packet_type t)
{
    return os << to_string(t);
}

std::ostream& operator<<(std::ostream& os, qos q)
{
    return os << static_cast<unsigned>(q);
}

std::ostream& operator<<(std::ostream& os, reason_code rc)
{
    static constexpr char digits[] = "0123456789abcdef";
    const auto v = static_cast<unsigned>(rc);
    return os << "0x" << digits[v >> 4] << digits[v & 15] << ' ' << to_string(rc);
}

std::ostream& operator<<(std::ostream& os, property_id id)
{
    const auto* info = find_property(static_cast<std::uint8_t>(id));
    return os << (info ? info->name : std::string_view{"Unknown property"});
}

std::ostream& operator<<(std::ostream& os, retain_handling rh)
{
    return os << static_cast<unsigned>(rh);
}

std::ostream& operator<<(std::ostream& os, const user_property& p)
{
    quoted(os, p.name);
    os << '=';
    quoted(os, p.value);
    return os;
}

std::ostream& operator<<(std::ostream& os, const properties& p)
{
    os << '{';
    fields f{os};
    if (p.payload_format_indicator) f("payload_format") << static_cast<unsigned>(*p.payload_format_indicator);
    opt(f, "message_expiry", p.message_expiry_interval);
    opt_str(f, os, "content_type", p.content_type);
    opt_str(f, os, "response_topic", p.response_topic);
    opt_bin(f, os, "correlation_data", p.correlation_data);
    for (auto v : p.subscription_identifiers)
        f("subscription_id") << v;
    opt(f, "session_expiry", p.session_expiry_interval);
    opt_str(f, os, "assigned_client_id", p.assigned_client_identifier);
    opt(f, "server_keep_alive", p.server_keep_alive);
    opt_str(f, os, "auth_method", p.authentication_method);
    opt_bin(f, os, "auth_data", p.authentication_data);
    opt_bool(f, "request_problem_info", p.request_problem_information);
    opt(f, "will_delay", p.will_delay_interval);
    opt_bool(f, "request_response_info", p.request_response_information);
    opt_str(f, os, "response_info", p.response_information);
    opt_str(f, os, "server_reference", p.server_reference);
    opt_str(f, os, "reason_string", p.reason_string);
    opt(f, "receive_maximum", p.receive_maximum);
    opt(f, "topic_alias_maximum", p.topic_alias_maximum);
    opt(f, "topic_alias", p.topic_alias);
    opt(f, "maximum_qos", p.maximum_qos);
    opt_bool(f, "retain_available", p.retain_available);
    for (const auto& u : p.user_properties)
        f("user") << u;
    opt(f, "maximum_packet_size", p.maximum_packet_size);
    opt_bool(f, "wildcard_sub_available", p.wildcard_subscription_available);
    opt_bool(f, "sub_id_available", p.subscription_identifier_available);
    opt_bool(f, "shared_sub_available", p.shared_subscription_available);
    return os << '}';
}

std::ostream& operator<<(std::ostream& os, const will_message& w)
{
    os << "{qos:" << w.qos << ",retain:" << w.retain << ",topic:";
    quoted(os, w.topic);
    os << ",payload:";
    bytes(os, w.payload.size());
    if (!w.props.empty()) os << ",props:" << w.props;
    return os << '}';
}

std::ostream& operator<<(std::ostream& os, const subscribe_options& o)
{
    return os << "{max_qos:" << o.max_qos << ",no_local:" << o.no_local
              << ",retain_as_published:" << o.retain_as_published << ",retain_handling:" << o.retain_handling
              << '}';
}

std::ostream& operator<<(std::ostream& os, const subscription& s)
{
    quoted(os, s.topic_filter);
    return os << s.options;
}

std::ostream& operator<<(std::ostream& os, const connect_packet& p)
{
    os << "CONNECT{client_id:";
    quoted(os, p.client_id);
    os << ",clean_start:" << p.clean_start << ",keep_alive:" << p.keep_alive;
    if (!p.props.empty()) os << ",props:" << p.props;
    if (p.will) os << ",will:" << *p.will;
    if (p.username) {
        os << ",username:";
        quoted(os, *p.username);
    }
    if (p.password) {
        os << ",password:";
        bytes(os, p.password->size());
    }
    return os << '}';
}

std::ostream& operator<<(std::ostream& os, const connack_packet& p)
{
    os << "CONNACK{session_present:" << p.session_present << ",reason:" << p.reason;
    if (!p.props.empty()) os << ",props:" << p.props;
    return os << '}';
}

std::ostream& operator<<(std::ostream& os, const publish_packet& p)
{
    os << "PUBLISH{qos:" << p.qos << ",dup:" << p.dup << ",retain:" << p.retain;
    if (p.qos != qos::at_most_once) os << ",packet_id:" << p.packet_id;
    os << ",topic:";
    quoted(os, p.topic);
    if (!p.props.empty()) os << ",props:" << p.props;
    os << ",payload:";
    bytes(os, p.payload.size());
    return os << '}';
}

std::ostream& operator<<(std::ostream& os, const puback_packet& p)
{
    return ack(os, "PUBACK", p);
}
std::ostream& operator<<(std::ostream& os, const pubrec_packet& p)
{
    return ack(os, "PUBREC", p);
}
std::ostream& operator<<(std::ostream& os, const pubrel_packet& p)
{
    return ack(os, "PUBREL", p);
}
std::ostream& operator<<(std::ostream& os, const pubcomp_packet& p)
{
    return ack(os, "PUBCOMP", p);
}

std::ostream& operator<<(std::ostream& os, const subscribe_packet& p)
{
    os << "SUBSCRIBE{packet_id:" << p.packet_id;
    if (!p.props.empty()) os << ",props:" << p.props;
    os << ",subscriptions:[";
    for (std::size_t i = 0; i < p.subscriptions.size(); ++i)
        os << (i ? "," : "") << p.subscriptions[i];
    return os << "]}";
}

std::ostream& operator<<(std::ostream& os, const suback_packet& p)
{
    return sub_ack(os, "SUBACK", p);
}

std::ostream& operator<<(std::ostream& os, const unsubscribe_packet& p)
{
    os << "UNSUBSCRIBE{packet_id:" << p.packet_id;
    if (!p.props.empty()) os << ",props:" << p.props;
    os << ",topic_filters:[";
    for (std::size_t i = 0; i < p.topic_filters.size(); ++i) {
        if (i) os << ',';
        quoted(os, p.topic_filters[i]);
    }
    return os << "]}";
}

std::ostream& operator<<(std::ostream& os, const unsuback_packet& p)
{
    return sub_ack(os, "UNSUBACK", p);
}
std::ostream& operator<<(std::ostream& os, const pingreq_packet&)
{
    return os << "PINGREQ{}";
}
std::ostream& operator<<(std::ostream& os, const pingresp_packet&)
{
    return os << "PINGRESP{}";
}

std::ostream& operator<<(std::ostream& os, const disconnect_packet& p)
{
    os << "DISCONNECT{reason:" << p.reason;
    if (!p.props.empty()) os << ",props:" << p.props;
    return os << '}';
}

std::ostream& operator<<(std::ostream& os, const auth_packet& p)
{
    os << "AUTH{reason:" << p.reason;
    if (!p.props.empty()) os << ",props:" << p.props;
    return os << '}';
}

std::ostream& operator<<(std::ostream& os, const packet& p)
{
    std::visit([&](const auto& v) { os << v; }, p);
    return os;
}

} // namespace sngw::mqtt5
