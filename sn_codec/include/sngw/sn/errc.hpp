// SPDX-License-Identifier: MIT
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace sngw::sn {

/// Why a datagram is not a well-formed MQTT-SN message (either version).
/// These are errors, not protocol outcomes: a return code / reason code is data in a message.
/// Each kind of malformation has its own code so that a drop can be counted and logged by cause.
enum class errc {
    truncated = 1,       // fewer octets than the Length field, or a field inside the packet, announces
    length_mismatch,     // datagram longer than the Length field says
    bad_length_field,    // 1-octet form announcing < 2 octets, or 3-octet form announcing < 4
    unknown_msg_type,    // a type code the version does not define at all
    reserved_msg_type,   // a type code the spec marks reserved (v1.2 0x03, 0x11, 0x19, ...)
    reserved_bits,       // a reserved bit or field set (flags octet, Ctrl octet)
    bad_qos,             // QoS 0b11 where the message cannot carry QoS -1 (v2.0: QoS 3)
    bad_topic_type,      // reserved TopicIdType / Topic Type, or one this message cannot carry
    bad_protocol_id,     // v1.2 CONNECT ProtocolId != 0x01
    bad_protocol_version,// v2.0 CONNECT Protocol Version != 0x02
    empty_field,         // a zero-length field the spec forbids (client id, topic name, ...)
    bad_field_value,     // a field value the spec forbids (Keep Alive 0, Retain Handling 3, ...)
    trailing_octets,     // octets left over after the last field of a fixed-size message
    bad_utf8,            // a UTF-8 field that is not well-formed UTF-8 (MQTT-SN 2.0 §1.8.4 / MQTT 5 §1.5.4)
    field_too_long,      // a field longer than its length prefix or the 16-bit Length can express (encode)
};

const boost::system::error_category& sn_category() noexcept;
boost::system::error_code make_error_code(errc e) noexcept;

} // namespace sngw::sn

template <>
struct boost::system::is_error_code_enum<sngw::sn::errc> : std::true_type {};
