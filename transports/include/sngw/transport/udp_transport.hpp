// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/transport/datagram_transport.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sngw::transport {

/// How one UDP listener is set up.
struct udp_options {
    /// Index of this link in the app (peer_id::link), from 1.
    std::uint32_t link = 1;
    /// Where to listen: "0.0.0.0:1883", "[::]:1883", "127.0.0.1:0" (port 0: the system picks one).
    /// An IPv6 socket is IPV6_V6ONLY, so "0.0.0.0:P" and "[::]:P" can both be bound.
    boost::asio::ip::udp::endpoint listen{};
    /// A multicast group (same address family as `listen`): joined for receiving (SEARCHGW sent to
    /// the group, MQTT-SN v1.2 §6.1) and the destination of broadcast() (ADVERTISE). None: broadcast()
    /// does nothing.
    std::optional<boost::asio::ip::udp::endpoint> multicast{};
    /// IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS of broadcast(): MQTT-SN's Radius, 1 = this network.
    int multicast_hops = 1;
    /// Most senders the peer table holds. A datagram from a new address past it is dropped and
    /// counted (counters().drops), so a flood of spoofed sources cannot grow memory; the core's
    /// forget_peer keeps the table to the senders it has state for.
    std::size_t max_peers = 65'536;
    /// Most octets of datagrams queued for sending and not yet written (a slow or full socket
    /// buffer). A send past it is refused and counted (send_errors). 0: unbounded.
    std::size_t max_queued_bytes = std::size_t{4} << 20;
    /// SO_RCVBUF to ask for, in octets (a burst from many sensors otherwise overflows the kernel's
    /// default of about 208 KiB and is dropped there). SO_RCVBUFFORCE first (root or CAP_NET_ADMIN),
    /// else SO_RCVBUF, which the kernel caps at net.core.rmem_max. 0: the system default.
    /// receive_buffer_size() tells what was granted; a refusal is not an error.
    std::size_t receive_buffer = 0;
};

/// A UDP listener as a datagram_transport (house-style §1, design §5): one socket bound to one
/// address, a table endpoint ↔ peer_id, an optional multicast group.
///
/// Contract (in addition to datagram_transport's):
/// - open(): creates and binds the socket (IPV6_V6ONLY for IPv6) and joins the multicast group: a
///   wildcard listener on the group's port joins it itself (SO_REUSEADDR set, so other listeners of
///   the group can coexist); otherwise a second socket bound to the group's address and port joins
///   it. Without a shared port the listener has no SO_REUSEADDR: on UDP it would let a second gateway
///   bind the same address and take part of the datagrams, so that is "address in use" instead.
///   A failure (address in use, not a local address, no such interface, a group of the other
///   family) is returned; nothing throws.
/// - Peer ids: the first datagram from an endpoint gives it the next address number (a counter
///   from 1, never reused); the same endpoint keeps its id until forget(). Datagrams that arrive
///   on the multicast socket are peers like any other; answers go out from the listening socket.
/// - A receive error (an ICMP port unreachable reported on the socket, ...) concerns one datagram:
///   counted in receive_errors, receiving goes on.
/// - send() and broadcast() copy the bytes and never block; the copy lives until the send completes.
///   A failed send is counted in send_errors.
/// - stop(): closes both sockets; pending operations end with operation_aborted and touch nothing;
///   the receive handler is never called after it. Idempotent. The object must outlive the
///   io_context's run() that runs its handlers (the runner owns both).
/// Thread safety: call only from the executor's thread.
class udp_transport final : public datagram_transport {
public:
    static boost::system::result<std::unique_ptr<udp_transport>>
    open(const boost::asio::any_io_executor& executor, udp_options options);

    ~udp_transport() override;
    udp_transport(const udp_transport&) = delete;
    udp_transport& operator=(const udp_transport&) = delete;

    void start(receive_handler on_receive) override;
    void send(peer_id to, std::span<const std::byte> datagram) override;
    void broadcast(std::span<const std::byte> datagram) override;
    void forget(peer_id peer) override;
    void stop() noexcept override;

    std::string name() const override; // "udp 0.0.0.0:1883"
    std::string describe(peer_id peer) const override;
    const link_counters& counters() const noexcept override;

    /// The bound address (the real port when the options said 0).
    boost::asio::ip::udp::endpoint local_endpoint() const;
    /// The listening socket's descriptor, for socket options udp_options does not cover (SO_RCVBUF,
    /// IP_RECVERR in tests). Valid until stop().
    int native_handle();
    /// The listening socket's SO_RCVBUF as Asio reports it (on Linux it halves the kernel's doubled
    /// value, socket(7), so this is the size that was set), 0 if it cannot be read.
    std::size_t receive_buffer_size() const;
    /// Octets of datagrams queued and not yet written (0: every send has completed).
    std::size_t queued_bytes() const noexcept;
    /// Entries in the peer table.
    std::size_t peer_count() const noexcept;
    /// The endpoint of a peer this link handed out and did not forget.
    std::optional<boost::asio::ip::udp::endpoint> endpoint_of(peer_id peer) const;

private:
    struct impl;
    explicit udp_transport(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

/// "192.168.1.7:5000", "[::1]:4000", "[fe80::1%eth0]:4000": the form `--udp` takes and logs print.
std::string to_string(const boost::asio::ip::udp::endpoint& endpoint);

} // namespace sngw::transport
