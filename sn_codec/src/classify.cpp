// SPDX-License-Identifier: MIT
#include <sngw/sn/classify.hpp>

namespace sngw::sn {
namespace {

constexpr std::uint8_t octet(std::span<const std::byte> d, std::size_t i) noexcept
{
    return i < d.size() ? std::to_integer<std::uint8_t>(d[i]) : 0;
}

/// The version of a packet that needs a session, where its type code and size tell (design.md §2:
/// the gateway answers an unknown sender with a DISCONNECT in its own protocol where it can).
/// Sizes are the fixed sizes of the two specs (v1.2 §5.4, v2.0 §3); codes and sizes that fit
/// both versions stay unnamed.
std::optional<protocol_version> version_by_shape(std::uint8_t type, std::size_t size) noexcept
{
    constexpr auto v1 = protocol_version::v1_2;
    constexpr auto v2 = protocol_version::v2_0;
    switch (type) {
    case 0x00: return v1;                                    // ADVERTISE; reserved in v2.0
    case 0x03: case 0x11: return v2;                         // PUBLISH, REGACK; reserved in v1.2
    case 0x05: return size == 3 ? v1 : v2;                   // CONNACK (3) / PUBREC (4, 5)
    case 0x06: return size == 2 ? v1 : v2;                   // WILLTOPICREQ (2) / PUBREL (4, 5)
    case 0x08: return size == 2 ? v1 : v2;                   // WILLMSGREQ (2) / SUBSCRIBE (>= 5)
    case 0x0B: return size == 7 ? v1 : v2;                   // REGACK (7) / UNSUBACK (4, 5)
    case 0x0D: return size == 7 ? v1 : v2;                   // PUBACK (7) / PINGRESP (4, 5)
    case 0x0E: if (size == 4) return std::nullopt;           // PUBCOMP (4) / DISCONNECT (3..)
               return v2;
    case 0x0F: case 0x10: return size == 4 ? v1 : v2;        // PUBREC, PUBREL (4) / AUTH, REGISTER (>= 6)
    case 0x13: return size == 8 ? v1 : v2;                   // SUBACK (8) / SLEEPREQ (9)
    case 0x14: return v1;                                    // UNSUBSCRIBE; v2.0 SLEEPRESP is server→client
    case 0x15: return size == 4 ? v1 : v2;                   // UNSUBACK (4) / WAKEUP (2)
    case 0x18: return size == 2 || size == 4 ? v1 : v2;      // DISCONNECT (2, 4) / GWINFO
    default: return std::nullopt;
    }
}

} // namespace

std::string_view to_string(protocol_version v) noexcept
{
    return v == protocol_version::v1_2 ? "1.2" : "2.0";
}

first_contact classify_first_contact(std::span<const std::byte> datagram) noexcept
{
    using enum first_contact_kind;
    constexpr auto v1 = protocol_version::v1_2;
    constexpr auto v2 = protocol_version::v2_0;

    if (datagram.empty())
        return {};
    // Length + MsgType: 1-octet Length, or 0x01 + 2 octets (both versions, v1.2 §5.2.1, v2.0 §2.1.2).
    if (octet(datagram, 0) == 0x01 && datagram.size() < 4)
        return {};   // the 3-octet Length form, cut short
    const bool long_form = octet(datagram, 0) == 0x01;
    const std::size_t type_at = long_form ? 3 : 1;
    if (datagram.size() <= type_at)
        return {};
    const std::size_t announced = long_form ? (std::size_t{octet(datagram, 1)} << 8) | octet(datagram, 2)
                                            : octet(datagram, 0);
    const std::uint8_t type = octet(datagram, type_at);
    const std::size_t body = type_at + 1;   // first octet after MsgType

    switch (type) {
    case 0x01:
        // A 3-octet 0x01 is a v1.2 SEARCHGW (Length 3, 0x01, Radius). A v2.0 CONNECT has at least
        // 10 octets (2.0 §3.1) with Protocol Version 0x02 after Flags, optional Will Flags and
        // Packet Id.
        if (!long_form && datagram.size() == 3)
            return {searchgw, v1};
        if (datagram.size() >= 10) {
            const bool will = (octet(datagram, body) & 0x02) != 0;
            const std::size_t version_at = body + 1 + (will ? 1 : 0) + 2;
            if (octet(datagram, version_at) == 0x02)
                return {connect, v2};
        }
        return {};
    case 0x04:
        // v1.2 CONNECT: Flags, ProtocolId 0x01 (§5.4.4). In v2.0 0x04 is PUBACK, which needs a session.
        if (octet(datagram, body + 1) == 0x01 && datagram.size() >= body + 4)
            return {connect, v1};
        return {};
    case 0x0C:
        // v1.2 PUBLISH with QoS 0b11 = QoS -1 (§5.3.4, §6.8); v2.0 0x0C is PINGREQ (4 octets).
        if (datagram.size() >= body + 5 && (octet(datagram, body) & 0x60) == 0x60)
            return {publish_without_session, v1};
        // A v2.0 PINGREQ is exactly 4 octets (§3.11); a v1.2 PUBLISH at least 7 (§5.4.12).
        return {other, datagram.size() == 4 ? v2 : v1};
    case 0x12:
        return {publish_without_session, v2};   // v2.0 PUBWOS (§3.6.1); v1.2 SUBSCRIBE needs a session
    case 0x16:
        // v1.2 PINGREQ carrying a ClientId (§5.4.19, §6.14). v2.0 0x16 is ADVERTISE, which only
        // gateways send; a bare v1.2 PINGREQ needs a session.
        if (datagram.size() > body)
            return {wake, v1};
        return {other, v1};
    case 0x17:
        return {searchgw, v2};   // v2.0 SEARCHGW (§3.20.2); v1.2 0x17 is PINGRESP, gateway→client only
    case 0xFC:
        return {encapsulation, v2};   // v2.0 Forwarder Encapsulation (§3.19)
    case 0xFE:
        // v1.2 forwarder encapsulation: Length covers the encapsulation header only (§5.5).
        // v2.0 connection encapsulation: Length spans the whole packet (§3.18).
        return {encapsulation, announced == datagram.size() ? v2 : v1};
    case 0x1A:
    case 0x1B:
    case 0x1C:
    case 0x1D:
        return {other, v1};   // WILLTOPICUPD..WILLMSGRESP exist only in v1.2
    case 0xFF:
        return {other, v2};   // Protection Encapsulation exists only in v2.0
    default:
        return {other, version_by_shape(type, datagram.size())};
    }
}

} // namespace sngw::sn
