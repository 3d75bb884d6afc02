// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/errc.hpp>
#include <sngw/mqtt5/packets.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

/// MQTT 5.0: bytes <-> control packets. Pure: no I/O, no clock, never throws on bad bytes.
/// Thread safety: free functions on values; safe from any thread.
namespace sngw::mqtt5 {

/// The largest packet MQTT can express: 1 byte of type and flags, 4 of Remaining Length, and a
/// Remaining Length of 268,435,455 (§2.1.4). "Packet size" is always the whole packet (§3.1.2.11.4).
inline constexpr std::uint32_t max_packet_size_limit = 1 + 4 + 268'435'455;

/// What the receiver accepts.
struct decode_limits {
    /// The Maximum Packet Size this side announced (CONNECT property 0x27); larger packets fail
    /// with errc::packet_too_large (answer: DISCONNECT 0x95, §3.1.2.11.4).
    std::uint32_t max_packet_size = max_packet_size_limit;
    /// Acknowledgements from the peer (PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK): accept any reason
    /// code of 0x80 or more as a failure, even one §2.4 does not list for the type, and keep it as
    /// data. Brokers do send such codes (mosquitto 2.0 answers a PUBLISH over its message_size_limit
    /// with PUBACK 0x95); rejecting the ack would leave the PUBLISH in flight for ever. Codes below
    /// 0x80 stay strict. encode() and validate() are always strict.
    bool accept_unlisted_failure_acks = false;
};

/// Decodes exactly one control packet that fills all of `whole_packet` (fixed header included;
/// stream_splitter cuts a TCP stream into such pieces).
/// Errors: any errc except field_too_long. Checks every "MUST" that concerns the bytes of one
/// packet (flags, lengths, UTF-8, property placement, values, reason codes); nothing that needs
/// session state (topic alias ranges, packet ids in use, Maximum QoS in force).
/// Memory exhaustion while building the packet is reported as errc::packet_too_large (too large for
/// this receiver), never thrown.
boost::system::result<packet> decode(std::span<const std::byte> whole_packet,
                                     decode_limits limits = {}) noexcept;

/// Checks that `p` can be sent: the same rules decode() enforces, plus field lengths (≤ 65535) and
/// the protocol's size limit. Returns the first violation, or a default (success) error_code.
boost::system::error_code validate(const packet& p) noexcept;

/// Appends the wire form of `p` to `out`, in the shortest form the spec allows (PUBACK Success
/// without properties is `40 02 id id`, DISCONNECT Normal without properties `e0 00`).
/// Returns the bytes written. Fails, appending nothing, when validate(p) fails or the packet is
/// larger than `max_packet_size` (pass the peer's Maximum Packet Size): errc::packet_too_large.
/// Never sends something the peer must reject as malformed.
boost::system::result<std::size_t> encode(const packet& p, std::vector<std::byte>& out,
                                          std::uint32_t max_packet_size = max_packet_size_limit);
boost::system::result<std::vector<std::byte>> encode(const packet& p,
                                                     std::uint32_t max_packet_size = max_packet_size_limit);

/// The size encode() produces, whole packet included, computed without encoding; also for packets
/// encode() refuses (then it may exceed max_packet_size_limit). Use it to check a packet against
/// the peer's Maximum Packet Size before sending (or dropping properties, §3.1.2.11.4).
std::size_t encoded_size(const packet& p) noexcept;

} // namespace sngw::mqtt5
