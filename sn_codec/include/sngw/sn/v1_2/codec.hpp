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

/// Decodes exactly one message that fills all of `datagram`. A forwarder encapsulation (§5.5)
/// is returned as encapsulated_msg once its inner message has decoded too.
/// Errors (each malformation has its own code; src/v1_2/decode.cpp lists the choices made):
///   truncated, length_mismatch, bad_length_field   Length field and sizes (§5.2.1)
///   reserved_msg_type                              0x03, 0x11, 0x19, 0x1E..0xFD, 0xFF (Table 3)
///   reserved_bits                                  encapsulation Ctrl bits 7..2 (Table 29)
///   bad_qos, bad_topic_type                        QoS -1 outside PUBLISH, TopicIdType 0b11
///   bad_protocol_id                                CONNECT ProtocolId != 0x01
///   empty_field                                    no ClientId, TopicName or Wireless Node Id
///   bad_field_value                                an encapsulation inside an encapsulation
///   trailing_octets                                extra octets in a fixed-size message or field
///   bad_utf8                                       TopicName / WillTopic not UTF-8
/// or the error of the inner message of an encapsulation. Never unknown_msg_type (Table 3
/// assigns every code), bad_protocol_version or field_too_long.
boost::system::result<message> decode(std::span<const std::byte> datagram) noexcept;

/// Appends the wire form of `m` to `out`, using the 1-octet Length while the message fits in
/// 255 octets and the 3-octet form above. Returns the octets written.
/// Errors: field_too_long when the message exceeds 65535 octets, or an encapsulation's Wireless
/// Node Id 252 octets (its Length octet covers only the header, §5.5) or its inner message 65535;
/// then nothing is appended.
/// Fields are not validated: a struct decode() would reject may still encode.
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
