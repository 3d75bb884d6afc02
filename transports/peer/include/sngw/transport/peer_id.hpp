// SPDX-License-Identifier: MIT
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace sngw::transport {

/// An MQTT-SN client as the core sees it: which link it came from and an opaque number the link
/// chose for its address (a UDP endpoint, a serial port, a node behind a forwarder). The core never
/// sees an Asio endpoint. A link never reuses `address` for a different sender while the process
/// runs (a 64-bit counter), so a stale id held by the core can never reach a new sender.
struct peer_id {
    std::uint32_t link = 0;    // index of the transport in the app, from 1; 0 = none
    std::uint64_t address = 0; // chosen by the transport, never reused, never 0
    friend auto operator<=>(const peer_id&, const peer_id&) = default;
    explicit operator bool() const noexcept { return link != 0; }
};

} // namespace sngw::transport

template <>
struct std::hash<sngw::transport::peer_id> {
    std::size_t operator()(const sngw::transport::peer_id& p) const noexcept
    {
        return std::hash<std::uint64_t>{}(p.address * 0x9E3779B97F4A7C15ULL ^ p.link);
    }
};
