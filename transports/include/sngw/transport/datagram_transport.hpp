// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/transport/peer_id.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace sngw::transport {

/// Counters every link keeps (design §5), read by the app for logs, `sngwctl status` and metrics.
struct link_counters {
    std::uint64_t datagrams_in = 0;
    std::uint64_t datagrams_out = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::uint64_t receive_errors = 0; // socket errors on receive (ICMP refused, ...), each skipped
    std::uint64_t send_errors = 0;    // sends that failed or were refused (unknown peer, queue full)
    std::uint64_t framing_errors = 0; // serial: corrupt frames; UDP: 0
    std::uint64_t crc_errors = 0;     // serial with CRC: frames whose CRC did not match
    std::uint64_t drops = 0;          // datagrams dropped by the link itself (too large, table full)
};

/// A datagram link to MQTT-SN clients: one MQTT-SN message per datagram (house-style §1).
/// Contract:
/// - start(h): begins receiving; h(from, datagram) is called from the executor for every datagram,
///   the span valid during the call only. A sender the link has not seen before gets a new peer_id.
/// - send(to, bytes): one datagram to a peer this link handed out and did not forget; unknown peers
///   are counted (send_errors) and ignored. Never blocks; the bytes are copied.
/// - broadcast(bytes): to the link's multicast/broadcast destination, if it has one (ADVERTISE,
///   GWINFO); otherwise nothing.
/// - forget(peer): the core keeps no state for it any more; the link drops its address entry (so a
///   flood of unknown senders cannot grow the table). A later datagram from the same address gets
///   a new peer_id.
/// - stop(): closes the link; no handler runs after it. Idempotent.
/// Thread safety: call only from the gateway's executor.
class datagram_transport {
public:
    using receive_handler = std::function<void(peer_id from, std::span<const std::byte> datagram)>;

    virtual ~datagram_transport() = default;
    virtual void start(receive_handler on_receive) = 0;
    virtual void send(peer_id to, std::span<const std::byte> datagram) = 0;
    virtual void broadcast(std::span<const std::byte> datagram) = 0;
    virtual void forget(peer_id peer) = 0;
    virtual void stop() noexcept = 0;

    /// "udp 0.0.0.0:1883", "serial /dev/ttyUSB0": names the link in logs and `sngwctl status`.
    virtual std::string name() const = 0;
    /// The peer's address as text ("192.168.1.7:50123", "[::1]:4000"); "" for an unknown peer.
    virtual std::string describe(peer_id peer) const = 0;
    virtual const link_counters& counters() const noexcept = 0;
};

} // namespace sngw::transport
