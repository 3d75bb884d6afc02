// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/sn/describe.hpp>
#include <sngw/sn/errc.hpp>
#include <sngw/sn/v1_2/messages.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// MQTT-SN 1.2: bytes <-> messages. Pure: no I/O, no clock, never throws on bad bytes.
namespace sngw::sn::v1_2 {

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

/// The message's name as the spec writes it: "PUBLISH", "WILLTOPICREQ", ...
std::string_view type_name(const message& m) noexcept;

/// The MsgType code of `m` (MQTT-SN v1.2 §5.2.2 Table 3).
msg_type msg_type_of(const message& m) noexcept;

/// The name of a MsgType code: "PUBLISH", ...; "reserved" for codes Table 3 reserves.
std::string_view msg_type_name(std::uint8_t msg_type_code) noexcept;

/// Table 5 meaning of a ReturnCode: "accepted", "rejected: congestion", ...; empty for the
/// reserved values 0x04..0xFF.
std::string_view return_code_meaning(std::uint8_t return_code) noexcept;

/// Walks every field of `m` into `sink` (type first), for operator<<, JSON and sngw-decode.
void visit_fields(const message& m, field_sink& sink);

/// One line: `PUBLISH{...}`.
std::ostream& operator<<(std::ostream& os, const message& m);
/// One JSON object with a "type" key and one key per field.
std::string to_json(const message& m);

} // namespace sngw::sn::v1_2
