// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/sn/describe.hpp>
#include <sngw/sn/errc.hpp>
#include <sngw/sn/v2_0/messages.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// MQTT-SN 2.0: bytes <-> messages. Pure: no I/O, no clock, never throws on bad bytes.
namespace sngw::sn::v2_0 {

/// Decodes exactly one message that fills all of `datagram`.
/// Errors: every sn::errc except field_too_long; each malformation has its own code.
boost::system::result<message> decode(std::span<const std::byte> datagram) noexcept;

/// Appends the wire form of `m` to `out`, using the 1-octet Length while the message fits in
/// 255 octets and the 3-octet form above. Returns the octets written.
/// Errors: field_too_long when the message exceeds 65535 octets or a field its length prefix;
/// then nothing is appended.
boost::system::result<std::size_t> encode(const message& m, std::vector<std::byte>& out);
boost::system::result<std::vector<std::byte>> encode(const message& m);

/// The size encode() would produce (also for messages too large to encode).
std::size_t encoded_size(const message& m) noexcept;

/// The message's name as the spec writes it: "PUBLISH", "SLEEPREQ", "Forwarder Encapsulation", ...
std::string_view type_name(const message& m) noexcept;

/// Walks every field of `m` into `sink` (type first), for operator<<, JSON and sngw-decode.
void visit_fields(const message& m, field_sink& sink);

/// The Packet Type of `m` (MQTT-SN 2.0 §2.1.3).
msg_type msg_type_of(const message& m) noexcept;

/// Octets of the Authentication Tag at the end of `m.protected_packet_and_tag`, when the spec
/// fixes them: 2 x code for codes 0x4-0xF (MQTT-SN-3.17.2.3-6), the scheme's nominal tag size for
/// code 0x1 (MQTT-SN-3.17.2.3-2, Figure 3-28). Empty when it is provider defined (code 0x0, or a
/// provider-defined scheme); then only the provider knows where the protected packet ends.
std::optional<std::size_t> authentication_tag_size(const protection_encapsulation_msg& m) noexcept;

/// One line: `PUBLISH{...}`.
std::ostream& operator<<(std::ostream& os, const message& m);
/// One JSON object with a "type" key and one key per field.
std::string to_json(const message& m);

} // namespace sngw::sn::v2_0
