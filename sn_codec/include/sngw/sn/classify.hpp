// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sngw::sn {

enum class protocol_version : std::uint8_t { v1_2 = 1, v2_0 = 2 };

std::string_view to_string(protocol_version v) noexcept;   // "1.2", "2.0"

/// What a datagram from a sender without a session is (design.md §2). v2.0 renumbered the packet
/// types so that codes collide with v1.2; once a client has a session its datagrams are decoded
/// with its session's version, and this function is only for the first contact.
enum class first_contact_kind {
    connect,                  // v1.2 CONNECT (0x04, ProtocolId 0x01) / v2.0 CONNECT (0x01, version 0x02)
    searchgw,                 // v1.2 SEARCHGW (3 octets, 0x01) / v2.0 SEARCHGW (0x17)
    publish_without_session,  // v1.2 QoS -1 PUBLISH (0x0C, QoS 0b11) / v2.0 PUBWOS (0x12)
    wake,                     // v1.2 PINGREQ with ClientId (0x16): a sleeper waking from a new address
    encapsulation,            // v1.2 forwarder 0xFE / v2.0 forwarder 0xFC / v2.0 connection 0xFE
    other,                    // anything else: needs a session the sender does not have
};

struct first_contact {
    first_contact_kind kind = first_contact_kind::other;
    /// The version the datagram can be decoded with; empty when kind is `other` and nothing in
    /// the datagram says which version it is.
    std::optional<protocol_version> version;
    friend bool operator==(const first_contact&, const first_contact&) = default;
};

/// Classifies by type code, length and the one field that tells the versions apart. It does not
/// validate the datagram: decode it afterwards with the version returned.
first_contact classify_first_contact(std::span<const std::byte> datagram) noexcept;

} // namespace sngw::sn
