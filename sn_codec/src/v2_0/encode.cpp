// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 encoder. Each packet's body is written by one function template that runs twice:
// once with a counting sink (size and length-prefix checks, nothing written) and once with
// wire::writer. encoded_size() and encode() therefore cannot disagree.
#include <sngw/sn/v2_0/codec.hpp>

#include <sngw/sn/wire.hpp>

#include <limits>
#include <string_view>
#include <iterator>
#include <type_traits>

namespace sngw::sn::v2_0 {
namespace {

using boost::system::result;

/// Same interface as wire::writer, counts octets instead of writing them.
class size_counter {
public:
    void u8(std::uint8_t) noexcept { n_ += 1; }
    void u16(std::uint16_t) noexcept { n_ += 2; }
    void u32(std::uint32_t) noexcept { n_ += 4; }
    void bytes(std::span<const std::byte> v) noexcept { n_ += v.size(); }
    void text(std::string_view v) noexcept { n_ += v.size(); }
    std::size_t size() const noexcept { return n_; }

private:
    std::size_t n_ = 0;
};

constexpr std::size_t max_u8 = std::numeric_limits<std::uint8_t>::max();
constexpr std::size_t max_u16 = std::numeric_limits<std::uint16_t>::max();

constexpr std::uint8_t flag(bool b, unsigned n) noexcept
{
    return static_cast<std::uint8_t>(b ? 1u << n : 0u);
}
constexpr std::uint8_t bits(std::uint8_t v, unsigned n) noexcept
{
    return static_cast<std::uint8_t>(v << n);
}
constexpr std::uint8_t code(qos q) noexcept
{
    return static_cast<std::uint8_t>(q);
}
constexpr std::uint8_t code(topic_type t) noexcept
{
    return static_cast<std::uint8_t>(t);
}

std::span<const std::byte> as_bytes(const std::vector<std::byte>& v) noexcept
{
    return {v.data(), v.size()};
}

// Each put() writes the body (everything after Length and Packet Type) and returns false when a
// field does not fit its length prefix; then the counting pass makes encode() fail with
// field_too_long before anything is appended.

// "Topic Alias or Topic Name Length" + [Topic Name]: PUBLISH, PUBWOS, CONNECT Will.
template <class W> bool put_topic(W& w, topic_type t, std::uint16_t alias, const std::string& name)
{
    if (t != topic_type::topic_name) {
        w.u16(alias);
        return true;
    }
    w.u16(static_cast<std::uint16_t>(name.size()));
    w.text(name);
    return name.size() <= max_u16;
}

template <class W> bool put_auth(W& w, const auth_fields& a)
{
    w.u8(static_cast<std::uint8_t>(a.method.size()));
    w.text(a.method);
    w.u16(static_cast<std::uint16_t>(a.data.size()));
    w.bytes(as_bytes(a.data));
    return a.method.size() <= max_u8 && a.data.size() <= max_u16;
}

template <class W> bool put(W& w, const connect_msg& m) // §3.1
{
    w.u8(static_cast<std::uint8_t>(
        flag(m.clean_start, 0) | flag(m.will.has_value(), 1) | flag(m.auth.has_value(), 2) |
        flag(m.session_expiry_interval.has_value(), 3) | flag(m.default_awake_messages.has_value(), 4) |
        flag(m.allow_network_address_changes, 5) | flag(m.allow_server_suggested_values, 6)));
    if (m.will)
        w.u8(static_cast<std::uint8_t>(flag(m.will->retain, 4) | bits(code(m.will->q), 2) |
                                       code(m.will->topic_type)));
    w.u16(m.packet_id);
    w.u8(0x02); // Protocol Version (§3.1.5)
    w.u16(m.keep_alive);
    w.u16(m.maximum_packet_size);
    if (m.default_awake_messages) w.u8(*m.default_awake_messages);
    if (m.session_expiry_interval) w.u32(*m.session_expiry_interval);
    bool ok = true;
    if (m.will) {
        ok = put_topic(w, m.will->topic_type, m.will->topic_alias, m.will->topic_name) && ok;
        w.u16(static_cast<std::uint16_t>(m.will->payload.size()));
        w.bytes(as_bytes(m.will->payload));
        ok = m.will->payload.size() <= max_u16 && ok;
    }
    if (m.auth) ok = put_auth(w, *m.auth) && ok;
    w.text(m.client_id);
    return ok;
}

template <class W> bool put(W& w, const connack_msg& m) // §3.2
{
    w.u8(static_cast<std::uint8_t>(flag(m.session_present, 0) |
                                   flag(m.session_expiry_interval.has_value(), 1) |
                                   flag(m.server_keep_alive.has_value(), 2) | flag(m.auth.has_value(), 3)));
    w.u16(m.packet_id);
    w.u8(m.reason_code);
    if (m.session_expiry_interval) w.u32(*m.session_expiry_interval);
    if (m.server_keep_alive) w.u16(*m.server_keep_alive);
    bool ok = true;
    if (m.auth) ok = put_auth(w, *m.auth);
    if (m.assigned_client_id) w.text(*m.assigned_client_id);
    return ok;
}

template <class W> bool put(W& w, const auth_msg& m) // §3.3
{
    w.u16(m.packet_id);
    w.u8(m.reason_code);
    w.u8(static_cast<std::uint8_t>(m.auth_method.size()));
    w.text(m.auth_method);
    w.bytes(as_bytes(m.auth_data));
    return m.auth_method.size() <= max_u8;
}

template <class W> bool put(W& w, const register_msg& m) // §3.4
{
    w.u8(flag(m.topic_alias.has_value(), 0));
    w.u16(m.packet_id);
    if (m.topic_alias) w.u16(*m.topic_alias);
    w.text(m.topic_name);
    return true;
}

template <class W> bool put(W& w, const regack_msg& m) // §3.5
{
    w.u8(static_cast<std::uint8_t>(flag(m.topic_alias.has_value(), 2) | code(m.topic_type)));
    w.u16(m.packet_id);
    if (m.topic_alias) w.u16(*m.topic_alias);
    if (m.reason_code) w.u8(*m.reason_code);
    return true;
}

template <class W> bool put(W& w, const publish_msg& m) // §3.6.2
{
    w.u8(static_cast<std::uint8_t>(flag(m.dup, 7) | bits(code(m.q), 5) | flag(m.retain, 4) |
                                   code(m.topic_type)));
    if (m.q != qos::qos0) w.u16(m.packet_id);
    const bool ok = put_topic(w, m.topic_type, m.topic_alias, m.topic_name);
    w.bytes(as_bytes(m.payload));
    return ok;
}

template <class W, class Ack> bool put_ack(W& w, const Ack& m) // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK
{
    w.u16(m.packet_id);
    if (m.reason_code) w.u8(*m.reason_code);
    return true;
}

template <class W> bool put(W& w, const puback_msg& m)
{
    return put_ack(w, m);
}
template <class W> bool put(W& w, const pubrec_msg& m)
{
    return put_ack(w, m);
}
template <class W> bool put(W& w, const pubrel_msg& m)
{
    return put_ack(w, m);
}
template <class W> bool put(W& w, const pubcomp_msg& m)
{
    return put_ack(w, m);
}
template <class W> bool put(W& w, const unsuback_msg& m)
{
    return put_ack(w, m);
}

template <class W> bool put(W& w, const pubwos_msg& m) // §3.6.1
{
    w.u8(static_cast<std::uint8_t>(flag(m.retain, 4) | code(m.topic_type)));
    const bool ok = put_topic(w, m.topic_type, m.topic_alias, m.topic_name);
    w.bytes(as_bytes(m.payload));
    return ok;
}

template <class W> bool put(W& w, const subscribe_msg& m) // §3.7
{
    w.u8(static_cast<std::uint8_t>(flag(m.no_local, 7) | bits(code(m.q), 5) | flag(m.retain_as_published, 4) |
                                   bits(static_cast<std::uint8_t>(m.retain_handling), 2) |
                                   code(m.topic_type)));
    w.u16(m.packet_id);
    if (m.topic_type != topic_type::topic_name)
        w.u16(m.topic_alias);
    else
        w.text(m.topic_filter);
    return true;
}

template <class W> bool put(W& w, const suback_msg& m) // §3.8
{
    w.u8(static_cast<std::uint8_t>(flag(m.topic_alias.has_value(), 2) | code(m.topic_type)));
    w.u16(m.packet_id);
    if (m.topic_alias) w.u16(*m.topic_alias);
    if (m.reason_code) w.u8(*m.reason_code);
    return true;
}

template <class W> bool put(W& w, const unsubscribe_msg& m) // §3.9
{
    w.u8(code(m.topic_type));
    w.u16(m.packet_id);
    if (m.topic_type != topic_type::topic_name)
        w.u16(m.topic_alias);
    else
        w.text(m.topic_filter);
    return true;
}

template <class W> bool put(W& w, const pingreq_msg& m) // §3.11
{
    w.u16(m.packet_id);
    return true;
}

template <class W> bool put(W& w, const pingresp_msg& m) // §3.12
{
    w.u16(m.packet_id);
    if (m.application_messages_remaining) w.u8(*m.application_messages_remaining);
    return true;
}

template <class W> bool put(W& w, const disconnect_msg& m) // §3.13
{
    w.u8(static_cast<std::uint8_t>(flag(m.packet_id.has_value(), 0) |
                                   flag(m.session_expiry_interval.has_value(), 1) |
                                   flag(m.reason_code.has_value(), 2)));
    if (m.packet_id) w.u16(*m.packet_id);
    if (m.session_expiry_interval) w.u32(*m.session_expiry_interval);
    if (m.reason_code) w.u8(*m.reason_code);
    if (m.reason_string) w.text(*m.reason_string);
    return true;
}

template <class W> bool put(W&, const wakeup_msg&) // §3.14
{
    return true;
}

template <class W> bool put(W& w, const sleepreq_msg& m) // §3.15
{
    w.u8(flag(m.retain_topic_aliases, 0));
    w.u16(m.packet_id);
    w.u32(m.sleep_duration);
    return true;
}

template <class W> bool put(W& w, const sleepresp_msg& m) // §3.16
{
    w.u8(flag(m.sleep_duration.has_value(), 0));
    w.u16(m.packet_id);
    if (m.sleep_duration) w.u32(*m.sleep_duration);
    if (m.reason_code) w.u8(*m.reason_code);
    return true;
}

template <class W> bool put(W& w, const advertise_msg& m) // §3.20.1
{
    w.u8(m.gateway_id);
    w.u16(m.duration);
    return true;
}

template <class W> bool put(W& w, const searchgw_msg& m) // §3.20.2
{
    w.bytes(as_bytes(m.additional_network_information));
    return true;
}

template <class W> bool put(W& w, const gwinfo_msg& m) // §3.20.3
{
    w.u8(m.gateway_id);
    w.bytes(as_bytes(m.gateway_address));
    return true;
}

template <class W> bool put(W& w, const forwarder_encapsulation_msg& m) // §3.19
{
    w.u8(static_cast<std::uint8_t>(m.client_addressing_information.size()));
    w.bytes(as_bytes(m.client_addressing_information));
    w.bytes(as_bytes(m.message));
    return m.client_addressing_information.size() <= max_u8;
}

template <class W> bool put(W& w, const connection_encapsulation_msg& m) // §3.18
{
    w.u16(static_cast<std::uint16_t>(m.client_id.size()));
    w.text(m.client_id);
    w.bytes(as_bytes(m.message));
    return m.client_id.size() <= max_u16;
}

// §3.17.2: the Crypto Length and Counter Length codes follow from the field sizes; a size that
// has no code cannot be written (reported as field_too_long: the field does not fit its code).
std::optional<std::uint8_t> crypto_code(std::size_t n) noexcept
{
    switch (n) {
    case 0:
        return 0;
    case 2:
        return 1;
    case 4:
        return 2;
    case 12:
        return 3;
    default:
        return std::nullopt;
    }
}

std::optional<std::uint8_t> counter_code(std::size_t n) noexcept
{
    switch (n) {
    case 0:
        return 0;
    case 2:
        return 1;
    case 4:
        return 2;
    default:
        return std::nullopt;
    }
}

template <class W> bool put(W& w, const protection_encapsulation_msg& m) // §3.17
{
    const auto crypto = crypto_code(m.cryptographic_material.size());
    const auto counter = counter_code(m.monotonic_counter.size());
    w.u8(static_cast<std::uint8_t>(bits(static_cast<std::uint8_t>(m.authentication_tag_length & 0x0Fu), 4) |
                                   bits(crypto.value_or(0), 2) | counter.value_or(0)));
    w.u8(m.protection_scheme);
    w.bytes(m.sender_id);
    w.bytes(m.random);
    w.bytes(as_bytes(m.cryptographic_material));
    w.bytes(as_bytes(m.monotonic_counter));
    w.bytes(as_bytes(m.protected_packet_and_tag));
    return crypto && counter && m.authentication_tag_length <= 0x0F;
}

// Packet Type of each alternative of `message`, in the variant's order (messages.hpp).
constexpr msg_type types_in_variant_order[] = {
    msg_type::connect,
    msg_type::connack,
    msg_type::auth,
    msg_type::register_,
    msg_type::regack,
    msg_type::publish,
    msg_type::puback,
    msg_type::pubrec,
    msg_type::pubrel,
    msg_type::pubcomp,
    msg_type::pubwos,
    msg_type::subscribe,
    msg_type::suback,
    msg_type::unsubscribe,
    msg_type::unsuback,
    msg_type::pingreq,
    msg_type::pingresp,
    msg_type::disconnect,
    msg_type::sleepreq,
    msg_type::sleepresp,
    msg_type::wakeup,
    msg_type::advertise,
    msg_type::searchgw,
    msg_type::gwinfo,
    msg_type::forwarder_encapsulation,
    msg_type::connection_encapsulation,
    msg_type::protection_encapsulation,
};
static_assert(std::size(types_in_variant_order) == std::variant_size_v<message>);
static_assert(std::is_same_v<std::variant_alternative_t<3, message>, register_msg>);
static_assert(std::is_same_v<std::variant_alternative_t<15, message>, pingreq_msg>);
static_assert(std::is_same_v<std::variant_alternative_t<26, message>, protection_encapsulation_msg>);

struct counted {
    std::size_t body_size = 0;
    bool fits = true; // every field fits its length prefix
};

counted count(const message& m) noexcept
{
    return std::visit(
        [](const auto& msg) {
            size_counter c;
            const bool fits = put(c, msg);
            return counted{c.size(), fits};
        },
        m);
}

} // namespace

msg_type msg_type_of(const message& m) noexcept
{
    return types_in_variant_order[m.index()];
}

boost::system::result<std::size_t> encode(const message& m, std::vector<std::byte>& out)
{
    const auto c = count(m);
    if (!c.fits) return errc::field_too_long;
    // §2.1.2: the shortest Length form; field_too_long above 65535 octets, nothing appended.
    if (auto h = wire::write_header(out, c.body_size, static_cast<std::uint8_t>(msg_type_of(m))); !h)
        return h.error();
    wire::writer w(out);
    std::visit([&w](const auto& msg) { (void)put(w, msg); }, m);
    return wire::header_size_for(c.body_size) + c.body_size;
}

boost::system::result<std::vector<std::byte>> encode(const message& m)
{
    std::vector<std::byte> out;
    out.reserve(encoded_size(m));
    auto n = encode(m, out);
    if (!n) return n.error();
    return out;
}

std::size_t encoded_size(const message& m) noexcept
{
    const auto c = count(m);
    return wire::header_size_for(c.body_size) + c.body_size;
}

} // namespace sngw::sn::v2_0
