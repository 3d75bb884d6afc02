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
    /// close() or abort(). ec: {}, or asio::error::timed_out when close_timeout cut a graceful close short.
    closed_locally,
    /// The host name did not resolve. ec: from getaddrinfo (host_not_found, ...).
    resolve_failed,
    /// No resolved address accepted the connection (refused, unreachable). ec: the last address's error.
    connect_failed,
    /// Resolve + connect + TLS handshake took longer than connect_timeout. ec: asio::error::timed_out.
    connect_timeout,
    /// The TLS handshake failed for another reason than the broker's certificate. ec: asio's ssl category.
    tls_handshake_failed,
    /// The broker's certificate was refused (chain, validity or host name).
    /// ec: tls_verify_category(), value X509_V_ERR_* (62: hostname mismatch, 64: IP address mismatch).
    tls_verify_failed,
    /// The broker closed the stream. ec: asio::error::eof, or ssl::error::stream_truncated (TCP EOF
    /// without TLS close_notify).
    closed_by_peer,
    /// A read failed: connection reset, a TLS alert (e.g. a refused client certificate under TLS 1.3).
    /// ec: the read's error.
    read_failed,
    /// A write failed before the connection was closed locally. ec: the write's error.
    write_failed,
    /// The bytes cannot be cut into MQTT packets. ec: mqtt5::errc::malformed_varint / overlong_varint.
    malformed_stream,
    /// The broker announced a packet larger than max_packet_size. ec: mqtt5::errc::packet_too_large.
    packet_too_large,
};

/// "closed locally", "connect timeout", ... for logs.
std::string_view to_string(close_reason r) noexcept;
std::ostream& operator<<(std::ostream& os, close_reason r);

} // namespace sngw::mqtt_bridge
