// SPDX-License-Identifier: MIT
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace sngw::core {

/// Why the core dropped a datagram or refused a request. Decode failures keep their sn::errc;
/// these are the rules of the gateway itself (design §2, §3). Each is counted and reported once in
/// a `dropped` action; none is ever a crash.
enum class errc {
    datagram_too_large = 1, // over config::max_datagram_size
    no_session,             // a message that needs a session, from a sender without one
    unexpected_message,     // a message this side never receives, or not in the current state
    unknown_topic,          // a topic id the sender never registered and is not predefined
    unknown_client,         // a wake-up PINGREQ for a client id the gateway does not hold
    own_advertisement,      // our own (or a peer gateway's) multicast ADVERTISE/GWINFO/SEARCHGW echo
    client_limit,           // config::max_clients reached
    topic_limit,            // config::max_topics_per_client reached
    buffer_full,            // config::max_buffered_messages reached for a QoS 0 message
    invalid_client_id,      // empty, over the limit, or not valid in an MQTT 5 CONNECT (NUL, UTF-8)
    message_too_large,      // a message for a sensor that does not fit its datagram size
    broker_unavailable,     // the upstream link is down and the request cannot wait
    retries_exhausted,      // N_RETRY transmissions without an answer
    keep_alive_expired,     // silent for keep-alive (or sleep duration) x factor
};

const boost::system::error_category& core_category() noexcept;
boost::system::error_code make_error_code(errc e) noexcept;

} // namespace sngw::core

template <>
struct boost::system::is_error_code_enum<sngw::core::errc> : std::true_type {};
