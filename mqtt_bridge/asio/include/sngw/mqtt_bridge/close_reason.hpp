// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string_view>

namespace sngw::mqtt_bridge {

/// Why a broker_connection ended. Reported exactly once, through on_closed, together with an
/// error_code that gives the detail (which may be a default error_code where the reason says it all).
/// This is the transport's view; what the broker said (CONNACK / DISCONNECT reason codes) is data the
/// session reads from the packets, before the connection closes.
enum class close_reason : std::uint8_t {
    closed_locally,       // close() or abort(). ec: {} or asio::error::timed_out (close_timeout expired)
    resolve_failed,       // the host name did not resolve. ec: from getaddrinfo (host_not_found, ...)
    connect_failed,       // no resolved endpoint accepted: refused, unreachable. ec: the last endpoint's
    connect_timeout,      // resolve + connect + TLS handshake took longer than connect_timeout. ec: timed_out
    tls_handshake_failed, // TLS handshake failed for another reason than the certificate. ec: ssl category
    tls_verify_failed,    // the broker's certificate was refused (chain or host name).
                          // ec: tls_verify_category(), value X509_V_ERR_* (e.g. hostname mismatch)
    closed_by_peer,       // the broker closed the stream (EOF, or TLS stream truncated). ec: eof / stream_truncated
    read_failed,          // a read failed: reset, TLS alert, ... ec: the read's error
    write_failed,         // a write failed (before the connection was closed locally). ec: the write's error
    malformed_stream,     // the bytes cannot be cut into MQTT packets. ec: mqtt5::errc (malformed/overlong varint)
    packet_too_large,     // a packet larger than max_packet_size was announced. ec: mqtt5::errc::packet_too_large
};

/// "closed locally", "connect timeout", ... for logs.
std::string_view to_string(close_reason r) noexcept;
std::ostream& operator<<(std::ostream& os, close_reason r);

} // namespace sngw::mqtt_bridge
