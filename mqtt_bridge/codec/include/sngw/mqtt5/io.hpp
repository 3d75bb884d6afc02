// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/errc.hpp>
#include <sngw/mqtt5/packets.hpp>

#include <iosfwd>

/// One readable line per value, for logs and failed CHECKs:
/// `PUBLISH{qos:1,dup:0,retain:0,packet_id:2,topic:"a/b",props:{topic_alias:3},payload:2 bytes}`.
/// Strings are printed with non-printable bytes escaped as \xNN; binary data as a byte count.
namespace sngw::mqtt5 {

std::ostream& operator<<(std::ostream& os, packet_type t);
std::ostream& operator<<(std::ostream& os, qos q);
std::ostream& operator<<(std::ostream& os, reason_code rc); // "0x87 Not authorized"
std::ostream& operator<<(std::ostream& os, property_id id);
std::ostream& operator<<(std::ostream& os, retain_handling rh);
std::ostream& operator<<(std::ostream& os, const user_property& p);
std::ostream& operator<<(std::ostream& os, const properties& p); // "{}" when empty
std::ostream& operator<<(std::ostream& os, const will_message& w);
std::ostream& operator<<(std::ostream& os, const subscribe_options& o);
std::ostream& operator<<(std::ostream& os, const subscription& s);
std::ostream& operator<<(std::ostream& os, const connect_packet& p);
std::ostream& operator<<(std::ostream& os, const connack_packet& p);
std::ostream& operator<<(std::ostream& os, const publish_packet& p);
std::ostream& operator<<(std::ostream& os, const puback_packet& p);
std::ostream& operator<<(std::ostream& os, const pubrec_packet& p);
std::ostream& operator<<(std::ostream& os, const pubrel_packet& p);
std::ostream& operator<<(std::ostream& os, const pubcomp_packet& p);
std::ostream& operator<<(std::ostream& os, const subscribe_packet& p);
std::ostream& operator<<(std::ostream& os, const suback_packet& p);
std::ostream& operator<<(std::ostream& os, const unsubscribe_packet& p);
std::ostream& operator<<(std::ostream& os, const unsuback_packet& p);
std::ostream& operator<<(std::ostream& os, const pingreq_packet& p);
std::ostream& operator<<(std::ostream& os, const pingresp_packet& p);
std::ostream& operator<<(std::ostream& os, const disconnect_packet& p);
std::ostream& operator<<(std::ostream& os, const auth_packet& p);
std::ostream& operator<<(std::ostream& os, const packet& p);

} // namespace sngw::mqtt5
