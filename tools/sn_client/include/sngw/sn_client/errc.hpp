// SPDX-License-Identifier: MIT
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace sngw::sn_client {

/// Why a client call did not get its answer. Socket failures are boost::system::system_category
/// codes (errno); decode failures of a received datagram are counted, never returned.
/// A return code in an answer (CONNACK 0x03, PUBACK 0x02, ...) is an outcome, carried as data in the
/// call's result, not one of these.
enum class errc {
    timeout = 1,      // no answer within the deadline (after every retransmission)
    disconnected,     // the gateway sent DISCONNECT while an answer was awaited
    bad_address,      // the gateway host is not an address getaddrinfo resolves (or no such family)
    encode_failed,    // the message cannot be encoded (larger than MQTT-SN's 65535 octets)
    invalid_argument, // a call the protocol cannot express (QoS -1 to a topic name, 3-char short name, ...)
};

const boost::system::error_category& sn_client_category() noexcept;
boost::system::error_code make_error_code(errc e) noexcept;

} // namespace sngw::sn_client

template <> struct boost::system::is_error_code_enum<sngw::sn_client::errc> : std::true_type {};
