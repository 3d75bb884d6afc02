// SPDX-License-Identifier: MIT
#include <sngw/mqtt_bridge/close_reason.hpp>

#include <ostream>

namespace sngw::mqtt_bridge {

std::string_view to_string(close_reason r) noexcept
{
    switch (r) {
    case close_reason::closed_locally:
        return "closed locally";
    case close_reason::resolve_failed:
        return "resolve failed";
    case close_reason::connect_failed:
        return "connect failed";
    case close_reason::connect_timeout:
        return "connect timeout";
    case close_reason::tls_handshake_failed:
        return "TLS handshake failed";
    case close_reason::tls_verify_failed:
        return "TLS certificate verification failed";
    case close_reason::closed_by_peer:
        return "closed by peer";
    case close_reason::read_failed:
        return "read failed";
    case close_reason::write_failed:
        return "write failed";
    case close_reason::malformed_stream:
        return "malformed stream";
    case close_reason::packet_too_large:
        return "packet too large";
    }
    return "unknown close reason";
}

std::ostream& operator<<(std::ostream& os, close_reason r)
{
    return os << to_string(r);
}

} // namespace sngw::mqtt_bridge
