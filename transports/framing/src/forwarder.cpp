// SPDX-License-Identifier: MIT
#include <sngw/framing/forwarder.hpp>

#include <ostream>

namespace sngw::framing {

namespace {

constexpr std::uint8_t octet(std::byte b) noexcept
{
    return static_cast<std::uint8_t>(b);
}

// MQTT-SN v1.2 §5.5 Table 29: Ctrl bits 1..0 are the radius, bits 7..2 reserved.
constexpr std::uint8_t radius_bits = 0x03;
// A v1.2 header: Length, MsgType, Ctrl, at least one octet of Wireless Node Id; its Length octet
// counts it all, so the node id is at most 255 - 3 octets.
constexpr std::size_t v1_2_fixed = 3;
constexpr std::size_t v1_2_max_node_id = 255 - v1_2_fixed;
constexpr std::size_t v2_0_max_node_id = 255; // CAI Length is one octet (MQTT-SN 2.0 §3.19)

/// MQTT-SN v1.2 §5.2.1 / 2.0 §2.1: the packet's Length field, its type code and the header size.
struct packet_head {
    std::size_t length = 0;
    std::size_t header = 0; // 2 or 4: Length field + type
    std::uint8_t type = 0;
};

boost::system::result<packet_head> head_of(std::span<const std::byte> p) noexcept
{
    if (p.size() < 2) return forwarder_errc::truncated;
    if (octet(p[0]) == 0x01) {
        if (p.size() < 4) return forwarder_errc::truncated;
        const auto length = static_cast<std::size_t>(octet(p[1])) << 8 | octet(p[2]);
        if (length < 4) return forwarder_errc::bad_length_field;
        return packet_head{length, 4, octet(p[3])};
    }
    if (octet(p[0]) == 0x00) return forwarder_errc::bad_length_field;
    return packet_head{octet(p[0]), 2, octet(p[1])};
}

/// The inner message must be one complete MQTT-SN packet, and not a forwarder encapsulation again.
boost::system::error_code check_inner(std::span<const std::byte> inner, forwarder_version outer) noexcept
{
    if (inner.empty()) return forwarder_errc::empty_message;
    const auto h = head_of(inner);
    if (!h) return h.error();
    if (h->length > inner.size()) return forwarder_errc::truncated;
    if (h->length < inner.size()) return forwarder_errc::length_mismatch;
    // v1.2: an encapsulation inside an encapsulation is meaningless (the node id already names the
    // node). v2.0: a Connection (0xFE) or Protection (0xFF) Encapsulation may ride inside a Forwarder
    // Encapsulation (§3.17, §3.18); another Forwarder Encapsulation may not.
    if (h->type == v2_0_forwarder_type) return forwarder_errc::nested;
    if (outer == forwarder_version::v1_2 && h->type == v1_2_encapsulation_type) return forwarder_errc::nested;
    return {};
}

// boost::system::error_category's destructor is protected and non-virtual by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sngw.forwarder"; }
    std::string message(int ev) const override
    {
        switch (static_cast<forwarder_errc>(ev)) {
        case forwarder_errc::not_encapsulated:
            return "not a forwarder encapsulation";
        case forwarder_errc::truncated:
            return "encapsulation shorter than its Length field";
        case forwarder_errc::bad_length_field:
            return "encapsulation with an impossible Length field";
        case forwarder_errc::length_mismatch:
            return "encapsulation or its message longer than its Length field";
        case forwarder_errc::reserved_bits:
            return "encapsulation Ctrl with reserved bits set";
        case forwarder_errc::empty_node_id:
            return "encapsulation without a Wireless Node Id";
        case forwarder_errc::empty_message:
            return "encapsulation without a message";
        case forwarder_errc::nested:
            return "forwarder encapsulation inside a forwarder encapsulation";
        case forwarder_errc::node_id_too_long:
            return "node id too long for the encapsulation";
        case forwarder_errc::message_too_large:
            return "message too large for the encapsulation";
        }
        return "unknown forwarder error";
    }
};
#pragma GCC diagnostic pop

} // namespace

std::string_view to_string(forwarder_errc e) noexcept
{
    switch (e) {
    case forwarder_errc::not_encapsulated:
        return "not_encapsulated";
    case forwarder_errc::truncated:
        return "truncated";
    case forwarder_errc::bad_length_field:
        return "bad_length_field";
    case forwarder_errc::length_mismatch:
        return "length_mismatch";
    case forwarder_errc::reserved_bits:
        return "reserved_bits";
    case forwarder_errc::empty_node_id:
        return "empty_node_id";
    case forwarder_errc::empty_message:
        return "empty_message";
    case forwarder_errc::nested:
        return "nested";
    case forwarder_errc::node_id_too_long:
        return "node_id_too_long";
    case forwarder_errc::message_too_large:
        return "message_too_large";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, forwarder_errc e)
{
    return os << to_string(e);
}

const boost::system::error_category& forwarder_category() noexcept
{
    static const category c;
    return c;
}

boost::system::error_code make_error_code(forwarder_errc e) noexcept
{
    return {static_cast<int>(e), forwarder_category()};
}

std::string_view to_string(forwarder_version v) noexcept
{
    return v == forwarder_version::v2_0 ? "2.0" : "1.2";
}

std::string to_string(const forwarder_address& a)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string s = "fwd";
    s += to_string(a.version);
    s += " node ";
    for (auto b : a.node_id) {
        s += digits[octet(b) >> 4];
        s += digits[octet(b) & 0x0F];
    }
    if (a.node_id.empty()) s += "-";
    return s;
}

boost::system::result<forwarded> unwrap_forwarded(std::span<const std::byte> d) noexcept
{
    if (d.size() < 2) return forwarder_errc::not_encapsulated;
    // A v1.2 encapsulation has a 1-octet Length only (§5.5): 01 FE is a broken one, not a 3-octet form.
    if (octet(d[1]) == v1_2_encapsulation_type && octet(d[0]) != 0x01) {
        // MQTT-SN v1.2 §5.5 Table 28: Length (header only) | 0xFE | Ctrl | Wireless Node Id | message.
        const std::size_t length = octet(d[0]);
        if (length < v1_2_fixed) return forwarder_errc::bad_length_field;
        if (length > d.size()) return forwarder_errc::truncated;
        if (length == v1_2_fixed) return forwarder_errc::empty_node_id;
        const auto ctrl = octet(d[2]);
        if ((ctrl & ~radius_bits) != 0) return forwarder_errc::reserved_bits;
        forwarded f;
        f.from.version = forwarder_version::v1_2;
        f.from.node_id.assign(d.begin() + 3, d.begin() + static_cast<std::ptrdiff_t>(length));
        f.ctrl = ctrl;
        f.message = d.subspan(length);
        if (auto ec = check_inner(f.message, f.from.version)) return ec;
        return f;
    }
    if (octet(d[1]) == v1_2_encapsulation_type) return forwarder_errc::bad_length_field;

    const auto h = head_of(d);
    if (!h || h->type != v2_0_forwarder_type) return forwarder_errc::not_encapsulated;
    // MQTT-SN 2.0 §3.19: Length (whole packet) | 0xFC | CAI Length | CAI | MQTT-SN packet.
    if (h->length < h->header + 1) return forwarder_errc::bad_length_field;
    if (h->length > d.size()) return forwarder_errc::truncated;
    if (h->length < d.size()) return forwarder_errc::length_mismatch;
    const std::size_t cai = octet(d[h->header]);
    const auto cai_end = h->header + 1 + cai;
    if (cai_end > d.size()) return forwarder_errc::truncated;
    forwarded f;
    f.from.version = forwarder_version::v2_0;
    f.from.node_id.assign(d.begin() + static_cast<std::ptrdiff_t>(h->header + 1),
                          d.begin() + static_cast<std::ptrdiff_t>(cai_end));
    f.message = d.subspan(cai_end);
    if (auto ec = check_inner(f.message, f.from.version)) return ec;
    return f;
}

std::optional<std::size_t> v1_2_header_only(std::span<const std::byte> d) noexcept
{
    if (d.size() <= v1_2_fixed || octet(d[1]) != v1_2_encapsulation_type) return std::nullopt;
    if (octet(d[0]) != d.size()) return std::nullopt;
    return d.size();
}

boost::system::result<std::vector<std::byte>> forwarder_header(const forwarder_address& to, std::uint8_t ctrl,
                                                               std::size_t message_size)
{
    const auto& id = to.node_id;
    std::vector<std::byte> h;
    if (to.version == forwarder_version::v1_2) {
        if (id.empty()) return forwarder_errc::empty_node_id;
        if (id.size() > v1_2_max_node_id) return forwarder_errc::node_id_too_long;
        h.reserve(v1_2_fixed + id.size());
        h.push_back(static_cast<std::byte>(v1_2_fixed + id.size()));
        h.push_back(static_cast<std::byte>(v1_2_encapsulation_type));
        h.push_back(static_cast<std::byte>(ctrl & radius_bits));
        h.insert(h.end(), id.begin(), id.end());
        return h;
    }
    if (id.size() > v2_0_max_node_id) return forwarder_errc::node_id_too_long;
    // MQTT-SN 2.0 §2.1.1: the 1-octet Length up to 255, else 0x01 and two octets.
    const auto short_total = 3 + id.size() + message_size;
    if (short_total <= 255) {
        h.push_back(static_cast<std::byte>(short_total));
    } else {
        const auto total = short_total + 2;
        if (total > 65535) return forwarder_errc::message_too_large;
        h.push_back(std::byte{0x01});
        h.push_back(static_cast<std::byte>(total >> 8));
        h.push_back(static_cast<std::byte>(total & 0xFF));
    }
    h.push_back(static_cast<std::byte>(v2_0_forwarder_type));
    h.push_back(static_cast<std::byte>(id.size()));
    h.insert(h.end(), id.begin(), id.end());
    return h;
}

boost::system::result<std::vector<std::byte>> wrap_forwarded(const forwarder_address& to, std::uint8_t ctrl,
                                                             std::span<const std::byte> message)
{
    auto h = forwarder_header(to, ctrl, message.size());
    if (!h) return h.error();
    h->insert(h->end(), message.begin(), message.end());
    return std::move(*h);
}

std::optional<std::span<const std::byte>> forwarder_joiner::put(std::span<const std::byte> frame)
{
    if (joined_) {
        pending_.clear();
        joined_ = false;
    }
    if (v1_2_header_only(frame)) {
        if (!pending_.empty()) ++orphans_;
        pending_.assign(frame.begin(), frame.end());
        return std::nullopt;
    }
    if (pending_.empty()) return frame;
    pending_.insert(pending_.end(), frame.begin(), frame.end());
    joined_ = true;
    return std::span<const std::byte>(pending_);
}

} // namespace sngw::framing
