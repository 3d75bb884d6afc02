// SPDX-License-Identifier: MIT
// Parsing checks the structure (lengths, flags, fixed values, property placement); validate()
// then checks the meaning, the same rules encode() applies.
#include <sngw/mqtt5/codec.hpp>

#include <sngw/mqtt5/varint.hpp>

#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sngw::mqtt5 {
namespace {

using boost::system::error_code;

/// Bounds-checked reading with a sticky first error: after a failure every read returns zero or
/// empty, so parsing code can read several fields and check once.
class reader {
public:
    explicit reader(std::span<const std::byte> in) noexcept : in_(in) {}

    bool ok() const noexcept { return !error_; }
    errc error() const noexcept { return *error_; }
    void fail(errc e) noexcept
    {
        if (!error_) error_ = e;
    }
    std::size_t remaining() const noexcept { return in_.size() - pos_; }
    bool at_end() const noexcept { return pos_ == in_.size(); }

    std::uint8_t u8() noexcept
    {
        if (!need(1)) return 0;
        return std::to_integer<std::uint8_t>(in_[pos_++]);
    }
    std::uint16_t u16() noexcept
    {
        const unsigned hi = u8();
        const unsigned lo = u8();
        return static_cast<std::uint16_t>((hi << 8) | lo);
    }
    std::uint32_t u32() noexcept
    {
        const std::uint32_t hi = u16();
        const std::uint32_t lo = u16();
        return (hi << 16) | lo;
    }
    std::uint32_t varint() noexcept
    {
        if (!ok()) return 0;
        auto v = decode_varint(in_.subspan(pos_));
        if (!v) {
            fail(static_cast<errc>(v.error().value()));
            pos_ = in_.size();
            return 0;
        }
        pos_ += v->size;
        return v->value;
    }
    std::span<const std::byte> take(std::size_t n) noexcept
    {
        if (!need(n)) return {};
        auto s = in_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    std::span<const std::byte> rest() noexcept { return take(remaining()); }
    // MQTT 5.0 §1.5.4 UTF-8 Encoded String (content checked by validate()).
    std::string string()
    {
        const auto s = take(u16());
        return {reinterpret_cast<const char*>(s.data()), s.size()};
    }
    // MQTT 5.0 §1.5.6 Binary Data
    std::vector<std::byte> binary()
    {
        const auto s = take(u16());
        return {s.begin(), s.end()};
    }

private:
    bool need(std::size_t n) noexcept
    {
        if (!ok()) return false;
        if (remaining() < n) {
            fail(errc::truncated);
            pos_ = in_.size();
            return false;
        }
        return true;
    }

    std::span<const std::byte> in_;
    std::size_t pos_ = 0;
    std::optional<errc> error_;
};

// A Byte property that is a boolean: 0 or 1 (§3.1.2.11.6, §3.1.2.11.7, §3.2.2.3.5, §3.2.2.3.11-13).
bool boolean(reader& r)
{
    const auto v = r.u8();
    if (v > 1) r.fail(errc::bad_property_value);
    return v == 1;
}

template <class T, class Read> void single(reader& r, std::optional<T>& slot, Read read)
{
    // MQTT 5.0 §2.2.2.2 and each property's section: "It is a Protocol Error to include the
    // <property> more than once."
    if (slot) {
        r.fail(errc::duplicate_property);
        return;
    }
    slot = read();
}

// One property, identifier already read and placement checked.
void property_value(reader& r, property_id pid, properties& p)
{
    using id = property_id;
    switch (pid) {
    case id::payload_format_indicator:
        single(r, p.payload_format_indicator, [&] { return static_cast<payload_format>(r.u8()); });
        break;
    case id::message_expiry_interval:
        single(r, p.message_expiry_interval, [&] { return r.u32(); });
        break;
    case id::content_type:
        single(r, p.content_type, [&] { return r.string(); });
        break;
    case id::response_topic:
        single(r, p.response_topic, [&] { return r.string(); });
        break;
    case id::correlation_data:
        single(r, p.correlation_data, [&] { return r.binary(); });
        break;
    case id::subscription_identifier:
        // Repeats in PUBLISH; "more than once" in SUBSCRIBE is caught by validate().
        p.subscription_identifiers.push_back(r.varint());
        break;
    case id::session_expiry_interval:
        single(r, p.session_expiry_interval, [&] { return r.u32(); });
        break;
    case id::assigned_client_identifier:
        single(r, p.assigned_client_identifier, [&] { return r.string(); });
        break;
    case id::server_keep_alive:
        single(r, p.server_keep_alive, [&] { return r.u16(); });
        break;
    case id::authentication_method:
        single(r, p.authentication_method, [&] { return r.string(); });
        break;
    case id::authentication_data:
        single(r, p.authentication_data, [&] { return r.binary(); });
        break;
    case id::request_problem_information:
        single(r, p.request_problem_information, [&] { return boolean(r); });
        break;
    case id::will_delay_interval:
        single(r, p.will_delay_interval, [&] { return r.u32(); });
        break;
    case id::request_response_information:
        single(r, p.request_response_information, [&] { return boolean(r); });
        break;
    case id::response_information:
        single(r, p.response_information, [&] { return r.string(); });
        break;
    case id::server_reference:
        single(r, p.server_reference, [&] { return r.string(); });
        break;
    case id::reason_string:
        single(r, p.reason_string, [&] { return r.string(); });
        break;
    case id::receive_maximum:
        single(r, p.receive_maximum, [&] { return r.u16(); });
        break;
    case id::topic_alias_maximum:
        single(r, p.topic_alias_maximum, [&] { return r.u16(); });
        break;
    case id::topic_alias:
        single(r, p.topic_alias, [&] { return r.u16(); });
        break;
    case id::maximum_qos:
        single(r, p.maximum_qos, [&] { return static_cast<qos>(r.u8()); });
        break;
    case id::retain_available:
        single(r, p.retain_available, [&] { return boolean(r); });
        break;
    case id::user_property: {
        user_property u;
        u.name = r.string();
        u.value = r.string();
        p.user_properties.push_back(std::move(u));
        break;
    }
    case id::maximum_packet_size:
        single(r, p.maximum_packet_size, [&] { return r.u32(); });
        break;
    case id::wildcard_subscription_available:
        single(r, p.wildcard_subscription_available, [&] { return boolean(r); });
        break;
    case id::subscription_identifier_available:
        single(r, p.subscription_identifier_available, [&] { return boolean(r); });
        break;
    case id::shared_subscription_available:
        single(r, p.shared_subscription_available, [&] { return boolean(r); });
        break;
    }
}

// MQTT 5.0 §2.2.2 Properties: Property Length (Variable Byte Integer), then that many bytes of
// identifier / value pairs.
properties property_block(reader& r, property_scope scope)
{
    properties p;
    const std::uint32_t length = r.varint();
    if (!r.ok()) return p;
    if (length > r.remaining()) {
        r.fail(errc::truncated);
        return p;
    }
    reader block{r.take(length)};
    while (block.ok() && !block.at_end()) {
        // §2.2.2.2: the identifier is a Variable Byte Integer (all defined ones fit in one byte).
        const std::uint32_t raw = block.varint();
        if (!block.ok()) break;
        const auto* info = raw <= 0xFFu ? find_property(static_cast<std::uint8_t>(raw)) : nullptr;
        if (info == nullptr) {
            block.fail(errc::unknown_property);
            break;
        }
        if (!property_allowed(info->id, scope)) {
            block.fail(errc::property_not_allowed);
            break;
        }
        property_value(block, info->id, p);
    }
    if (!block.ok()) r.fail(block.error() == errc::truncated ? errc::bad_property_length : block.error());
    return p;
}

// Reason codes are read as bytes; validate() rejects values the packet type does not define.
reason_code reason(reader& r) noexcept
{
    return static_cast<reason_code>(r.u8());
}

connect_packet parse_connect(reader& r)
{
    connect_packet p;
    // MQTT 5.0 §3.1.2.1 Protocol Name: the UTF-8 string "MQTT".
    const std::string name = r.string();
    if (r.ok() && name != "MQTT") r.fail(errc::bad_protocol_name);
    // §3.1.2.2 Protocol Version: 5.
    const auto version = r.u8();
    if (r.ok() && version != 5) r.fail(errc::bad_protocol_version);
    // §3.1.2.3 Connect Flags
    const unsigned flags = r.u8();
    if (!r.ok()) return p;
    if (flags & 0x01u) r.fail(errc::bad_connect_flags); // [MQTT-3.1.2-3]
    const bool has_will = (flags & 0x04u) != 0;
    const unsigned will_qos = (flags >> 3) & 0x03u;
    const bool will_retain = (flags & 0x20u) != 0;
    if (!has_will && (will_qos != 0 || will_retain))
        r.fail(errc::will_flags_without_will); // [MQTT-3.1.2-11], [MQTT-3.1.2-13]
    if (will_qos == 3) r.fail(errc::bad_qos);  // [MQTT-3.1.2-12]
    p.clean_start = (flags & 0x02u) != 0;
    p.keep_alive = r.u16();
    p.props = property_block(r, property_scope::connect);
    // §3.1.3 Payload
    p.client_id = r.string();
    if (has_will) {
        will_message w;
        w.props = property_block(r, property_scope::will);
        w.topic = r.string();
        w.payload = r.binary();
        w.qos = static_cast<qos>(will_qos);
        w.retain = will_retain;
        p.will = std::move(w);
    }
    // §3.1.2.8 / §3.1.2.9: User Name and Password are independent in MQTT 5.0.
    if (flags & 0x80u) p.username = r.string();
    if (flags & 0x40u) p.password = r.binary();
    return p;
}

connack_packet parse_connack(reader& r)
{
    connack_packet p;
    // MQTT 5.0 §3.2.2.1 Connect Acknowledge Flags: bits 7-1 reserved, 0 [MQTT-3.2.2-1].
    const auto flags = r.u8();
    if (flags & 0xFEu) r.fail(errc::bad_connack_flags);
    p.session_present = (flags & 0x01u) != 0;
    p.reason = reason(r);
    p.props = property_block(r, property_scope::connack);
    return p;
}

publish_packet parse_publish(reader& r, unsigned flags)
{
    publish_packet p;
    // MQTT 5.0 §3.3.1 fixed header flags: DUP, QoS, RETAIN.
    p.dup = (flags & 0x08u) != 0;
    const unsigned q = (flags >> 1) & 0x03u;
    if (q == 3) r.fail(errc::bad_qos); // [MQTT-3.3.1-4]
    p.qos = static_cast<qos>(q);
    p.retain = (flags & 0x01u) != 0;
    p.topic = r.string();
    if (p.qos != qos::at_most_once) p.packet_id = r.u16(); // §3.3.2.2
    p.props = property_block(r, property_scope::publish);
    const auto payload = r.rest(); // §3.3.3: the rest of the packet, possibly empty
    p.payload.assign(payload.begin(), payload.end());
    return p;
}

// PUBACK, PUBREC, PUBREL, PUBCOMP (§3.4.2 - §3.7.2): Remaining Length 2 means Success without
// properties; below 4 the Property Length is absent.
template <class Ack> Ack parse_ack(reader& r, property_scope scope)
{
    Ack p;
    p.packet_id = r.u16();
    if (r.ok() && !r.at_end()) {
        p.reason = reason(r);
        if (!r.at_end()) p.props = property_block(r, scope);
    }
    return p;
}

subscribe_packet parse_subscribe(reader& r)
{
    subscribe_packet p;
    p.packet_id = r.u16();
    p.props = property_block(r, property_scope::subscribe);
    // §3.8.3 Payload: Topic Filter and Subscription Options pairs until the end.
    while (r.ok() && !r.at_end()) {
        subscription s;
        s.topic_filter = r.string();
        const unsigned o = r.u8();
        // §3.8.3.1: bits 6-7 reserved [MQTT-3.8.3-5].
        if (o & 0xC0u) r.fail(errc::bad_subscription_options);
        s.options.max_qos = static_cast<qos>(o & 0x03u);
        s.options.no_local = (o & 0x04u) != 0;
        s.options.retain_as_published = (o & 0x08u) != 0;
        s.options.retain_handling = static_cast<retain_handling>((o >> 4) & 0x03u);
        p.subscriptions.push_back(std::move(s));
    }
    return p;
}

template <class Ack> Ack parse_sub_ack(reader& r, property_scope scope)
{
    Ack p;
    p.packet_id = r.u16();
    p.props = property_block(r, scope);
    while (r.ok() && !r.at_end())
        p.reason_codes.push_back(reason(r));
    return p;
}

unsubscribe_packet parse_unsubscribe(reader& r)
{
    unsubscribe_packet p;
    p.packet_id = r.u16();
    p.props = property_block(r, property_scope::unsubscribe);
    while (r.ok() && !r.at_end())
        p.topic_filters.push_back(r.string());
    return p;
}

disconnect_packet parse_disconnect(reader& r)
{
    // MQTT 5.0 §3.14.2.1: Remaining Length 0 = Normal disconnection; §3.14.2.2.1: below 2 the
    // Property Length is absent.
    disconnect_packet p;
    if (!r.at_end()) {
        p.reason = reason(r);
        if (!r.at_end()) p.props = property_block(r, property_scope::disconnect);
    }
    return p;
}

auth_packet parse_auth(reader& r)
{
    // MQTT 5.0 §3.15.2.1: both Reason Code and Property Length, or neither (Remaining Length 0).
    auth_packet p;
    if (!r.at_end()) {
        p.reason = reason(r);
        p.props = property_block(r, property_scope::auth);
    }
    return p;
}

// MQTT 5.0 §2.1.3 Table 2-2: the flags every type but PUBLISH must carry.
bool flags_ok(packet_type t, unsigned flags) noexcept
{
    switch (t) {
    case packet_type::publish:
        return true;
    case packet_type::pubrel:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
        return flags == 0x02u;
    default:
        return flags == 0;
    }
}

packet parse_body(reader& r, packet_type t, unsigned flags)
{
    switch (t) {
    case packet_type::connect:
        return parse_connect(r);
    case packet_type::connack:
        return parse_connack(r);
    case packet_type::publish:
        return parse_publish(r, flags);
    case packet_type::puback:
        return parse_ack<puback_packet>(r, property_scope::puback);
    case packet_type::pubrec:
        return parse_ack<pubrec_packet>(r, property_scope::pubrec);
    case packet_type::pubrel:
        return parse_ack<pubrel_packet>(r, property_scope::pubrel);
    case packet_type::pubcomp:
        return parse_ack<pubcomp_packet>(r, property_scope::pubcomp);
    case packet_type::subscribe:
        return parse_subscribe(r);
    case packet_type::suback:
        return parse_sub_ack<suback_packet>(r, property_scope::suback);
    case packet_type::unsubscribe:
        return parse_unsubscribe(r);
    case packet_type::unsuback:
        return parse_sub_ack<unsuback_packet>(r, property_scope::unsuback);
    case packet_type::pingreq:
        return pingreq_packet{};
    case packet_type::pingresp:
        return pingresp_packet{};
    case packet_type::disconnect:
        return parse_disconnect(r);
    case packet_type::auth:
        return parse_auth(r);
    }
    return pingreq_packet{}; // unreachable: type 0 is rejected before
}

// decode_limits::accept_unlisted_failure_acks: while validate() runs, a failure code of an ack that
// §2.4 does not list for its type stands in as a listed failure; the original is put back after.
error_code validate_lenient_acks(packet& p)
{
    std::vector<std::pair<reason_code*, reason_code>> swapped;
    auto stand_in = [&](reason_code& rc, packet_type t, reason_code listed) {
        if (is_error(rc) && !reason_code_allowed(t, rc)) {
            swapped.emplace_back(&rc, rc);
            rc = listed;
        }
    };
    if (auto* a = std::get_if<puback_packet>(&p))
        stand_in(a->reason, packet_type::puback, reason_code::unspecified_error);
    if (auto* a = std::get_if<pubrec_packet>(&p))
        stand_in(a->reason, packet_type::pubrec, reason_code::unspecified_error);
    // §3.7.2.1: PUBCOMP's only failure is 0x92.
    if (auto* a = std::get_if<pubcomp_packet>(&p))
        stand_in(a->reason, packet_type::pubcomp, reason_code::packet_identifier_not_found);
    if (auto* a = std::get_if<suback_packet>(&p))
        for (auto& rc : a->reason_codes)
            stand_in(rc, packet_type::suback, reason_code::unspecified_error);
    if (auto* a = std::get_if<unsuback_packet>(&p))
        for (auto& rc : a->reason_codes)
            stand_in(rc, packet_type::unsuback, reason_code::unspecified_error);
    const auto ec = validate(p);
    for (auto& [where, original] : swapped)
        *where = original;
    return ec;
}

boost::system::result<packet> decode_impl(std::span<const std::byte> whole_packet, decode_limits limits)
{
    if (whole_packet.empty()) return errc::truncated;
    // MQTT 5.0 §2.1.2 Control Packet type, §2.1.3 Flags.
    const unsigned first = std::to_integer<unsigned>(whole_packet[0]);
    const auto type = static_cast<packet_type>(first >> 4);
    const unsigned flags = first & 0x0Fu;
    if (first >> 4 == 0) return errc::reserved_packet_type;
    // §2.1.4 Remaining Length
    auto length = decode_varint(whole_packet.subspan(1));
    if (!length) return length.error();
    const std::uint64_t total = 1u + length->size + std::uint64_t{length->value};
    // §3.1.2.11.4 [MQTT-3.1.2-25]: larger than the Maximum Packet Size we announced.
    if (total > limits.max_packet_size) return errc::packet_too_large;
    if (whole_packet.size() < total) return errc::truncated;
    if (whole_packet.size() > total) return errc::trailing_bytes;
    if (!flags_ok(type, flags)) return errc::bad_header_flags;

    reader r{whole_packet.subspan(1 + length->size)};
    packet p = parse_body(r, type, flags);
    if (!r.ok()) return r.error();
    if (!r.at_end()) return errc::leftover_bytes;
    if (limits.accept_unlisted_failure_acks) {
        if (auto ec = validate_lenient_acks(p)) return ec;
    } else if (auto ec = validate(p)) {
        return ec;
    }
    return p;
}

} // namespace

boost::system::result<packet> decode(std::span<const std::byte> whole_packet, decode_limits limits) noexcept
{
    try {
        return decode_impl(whole_packet, limits);
    } catch (const std::bad_alloc&) {
        // Allocation is the only thing that can throw here; a packet we cannot hold is, for this
        // receiver, too large (the session answers DISCONNECT 0x95, §3.1.2.11.4).
        return errc::packet_too_large;
    }
}

} // namespace sngw::mqtt5
