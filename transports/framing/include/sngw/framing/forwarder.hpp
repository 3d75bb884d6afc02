// SPDX-License-Identifier: MIT
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

/// Forwarder encapsulation: many MQTT-SN clients behind one forwarder (pure: no I/O, no clock).
///
/// A forwarder wraps each packet of a node behind it with the node's address, and unwraps what the
/// gateway sends back (MQTT-SN v1.2 §5.5, MQTT-SN 2.0 §3.19). Two wire forms:
///
///   v1.2 (0xFE):  Length(1) | 0xFE | Ctrl(1) | Wireless Node Id (1..252) | MQTT-SN message
///                 Length counts the header only (up to the end of the Wireless Node Id); Ctrl
///                 bits 1..0 are the broadcast radius, bits 7..2 reserved (Table 29).
///   v2.0 (0xFC):  Length(1 or 3) | 0xFC | CAI Length(1) | Client Addressing Information (0..255) |
///                 MQTT-SN packet; Length spans the whole packet (TC change #144).
///
/// The serial transport unwraps what a forwarder port receives, hands the inner message to the core
/// as coming from the peer (port, node), and wraps every datagram to that peer the same way (same
/// version, same node id, same Ctrl). The inner message is not decoded here (the node may speak v1.2
/// or v2.0); only its own Length field is checked, so that a short or long inner message is refused
/// at the link.
namespace sngw::framing {

/// Why an encapsulation could not be unwrapped or built.
enum class forwarder_errc {
    not_encapsulated = 1, // the datagram is no 0xFE / 0xFC encapsulation
    truncated,            // fewer octets than a Length field announces
    bad_length_field,     // a Length field that cannot be right (0, 1, 3-octet form under 256, ...)
    length_mismatch,      // v2.0: the datagram is longer than its Length; inner message Length != its size
    reserved_bits,        // v1.2: Ctrl bits 7..2 set (Table 29)
    empty_node_id,        // v1.2: no Wireless Node Id
    empty_message,        // no inner message
    nested,               // the inner message is itself a forwarder encapsulation
    node_id_too_long,     // wrap: a v1.2 node id over 252 octets, a v2.0 one over 255
    message_too_large,    // wrap: the v2.0 packet would exceed 65,535 octets
};

std::string_view to_string(forwarder_errc e) noexcept;
const boost::system::error_category& forwarder_category() noexcept;
boost::system::error_code make_error_code(forwarder_errc e) noexcept;

/// Which encapsulation a forwarder speaks.
enum class forwarder_version : std::uint8_t {
    v1_2 = 1, // MsgType 0xFE, MQTT-SN v1.2 §5.5
    v2_0 = 2, // Packet Type 0xFC, MQTT-SN 2.0 §3.19
};
std::string_view to_string(forwarder_version v) noexcept; // "1.2", "2.0"

/// MsgType codes of the two encapsulations.
inline constexpr std::uint8_t v1_2_encapsulation_type = 0xFE;
inline constexpr std::uint8_t v2_0_forwarder_type = 0xFC;

/// Who a wrapped message is from or for: the forwarder's version and the node's address.
struct forwarder_address {
    forwarder_version version = forwarder_version::v1_2;
    std::vector<std::byte> node_id{}; // v1.2 Wireless Node Id; v2.0 Client Addressing Information
    friend auto operator<=>(const forwarder_address&, const forwarder_address&) = default;
    friend bool operator==(const forwarder_address&, const forwarder_address&) = default;
};

/// "fwd1.2 node 0a0b", for logs.
std::string to_string(const forwarder_address& a);

/// One unwrapped datagram. `message` points into the datagram given to unwrap_forwarded().
struct forwarded {
    forwarder_address from{};
    std::uint8_t ctrl = 0; // v1.2 Ctrl octet (radius in bits 1..0); 0 for v2.0
    std::span<const std::byte> message{};
};

/// Unwraps one complete encapsulation (header and inner message in one datagram).
/// Errors: not_encapsulated, truncated, bad_length_field, length_mismatch, reserved_bits,
/// empty_node_id, empty_message, nested. Never throws.
boost::system::result<forwarded> unwrap_forwarded(std::span<const std::byte> datagram) noexcept;

/// The size of the v1.2 encapsulation header at the start of `datagram` when the datagram is that
/// header and nothing more (what a Length-delimited stream, the `raw` framing, delivers: the header's
/// Length counts the header only, so the inner message follows as a packet of its own); nullopt
/// otherwise.
std::optional<std::size_t> v1_2_header_only(std::span<const std::byte> datagram) noexcept;

/// The header to put before a message for `to` (Length .. node id for v1.2; Length .. CAI for v2.0,
/// whose Length covers `message_size` too). `ctrl`: v1.2 Ctrl octet (reserved bits are cleared).
/// Errors: node_id_too_long, empty_node_id (v1.2), message_too_large (v2.0).
boost::system::result<std::vector<std::byte>> forwarder_header(const forwarder_address& to, std::uint8_t ctrl,
                                                               std::size_t message_size);

/// header + message (see forwarder_header).
boost::system::result<std::vector<std::byte>> wrap_forwarded(const forwarder_address& to, std::uint8_t ctrl,
                                                             std::span<const std::byte> message);

/// Joins a v1.2 encapsulation that a Length-delimited stream (`raw` framing) delivers as two packets
/// (the header, then the inner message) back into one datagram; every other datagram passes through.
///
///     forwarder_joiner j;
///     for each frame f:  if (auto d = j.put(f)) deliver(*d);
///
/// A header followed by another header: the first is dropped (counted in orphans()) and the second
/// waits. reset() forgets a waiting header (a reopened port).
/// Thread safety: distinct objects safe; shared objects unsafe.
class forwarder_joiner {
public:
    /// The datagram to unwrap, or nullopt while a header waits for its message. The span is valid
    /// until the next put() (it may point into `frame` or into the joiner).
    std::optional<std::span<const std::byte>> put(std::span<const std::byte> frame);
    void reset() noexcept { pending_.clear(); }
    bool waiting() const noexcept { return !pending_.empty() && !joined_; }
    std::uint64_t orphans() const noexcept { return orphans_; }

private:
    std::vector<std::byte> pending_; // a header; then header + message while returned
    bool joined_ = false;            // pending_ holds the datagram returned by the last put()
    std::uint64_t orphans_ = 0;
};

std::ostream& operator<<(std::ostream& os, forwarder_errc e);

} // namespace sngw::framing

template <> struct boost::system::is_error_code_enum<sngw::framing::forwarder_errc> : std::true_type {};
