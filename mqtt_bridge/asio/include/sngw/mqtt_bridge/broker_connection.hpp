// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt_bridge/close_reason.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace sngw::mqtt_bridge {

/// Where and how to connect.
struct connection_options {
    std::string host{}; // DNS name or IP literal ("broker.example", "127.0.0.1", "::1")
    std::uint16_t port = 1883;
    /// TLS context from make_tls_context(), shared between connections; null: plain TCP.
    std::shared_ptr<boost::asio::ssl::context> tls{};
    /// The name the broker's certificate must carry in its SAN (DNS or IP entry), and the SNI sent
    /// (SNI only for DNS names, RFC 6066 §3). Empty: `host`. Set it when connecting by address to a
    /// broker whose certificate names it by DNS name.
    std::string tls_server_name{};
    /// Resolve + TCP connect (every resolved address in turn) + TLS handshake, all together.
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    /// close(): flushing the queue + TLS shutdown + waiting for the broker's EOF, all together. Past
    /// it the socket is dropped (close_reason::closed_locally with asio::error::timed_out).
    std::chrono::milliseconds close_timeout{std::chrono::seconds(2)};
    /// Largest packet accepted from the broker, whole packet (the Maximum Packet Size the CONNECT
    /// announces, MQTT 5.0 §3.1.2.11.4). Larger: close_reason::packet_too_large, before its body arrives.
    std::uint32_t max_packet_size = 1 + 4 + 268'435'455;
    /// Bytes read per read call (memory per connection; packets larger than this are reassembled).
    std::size_t read_buffer_size = 4096;
    /// Most bytes send() keeps queued, the packet being written included (backpressure: memory per
    /// connection when the broker or the network is slow). A send() that would go past it is refused
    /// (returns false, the bytes are dropped) so the caller can count a drop; an empty queue always
    /// takes one packet, so no packet is too large to send at all. 0: unbounded.
    std::size_t max_queued_bytes = std::size_t{1} << 20;
};

/// Where a connection is in its life. Every connection goes idle → connecting → open → closing →
/// closed, skipping steps when it ends early; it never goes back. One connection, one TCP stream:
/// to reconnect, create a new one.
enum class connection_state : std::uint8_t { idle, connecting, open, closing, closed };

/// One TCP (optionally TLS) connection to an MQTT broker. It moves bytes: it connects, cuts the
/// incoming stream into whole MQTT packets (mqtt5::stream_splitter) and writes queued packets in
/// order. What the packets mean (CONNECT/CONNACK, keep-alive, QoS) is the session's business.
///
/// Contract of the calls (what each may cause; handlers are never called from inside a call to the
/// connection, always later from the executor, so a handler may call anything, including close()):
/// - start(h): resolve, connect, handshake. Then exactly one of
///     on_connected()                    then any number of on_packet, then on_closed;
///     on_closed(resolve_failed | connect_failed | connect_timeout | tls_handshake_failed |
///               tls_verify_failed | closed_locally, ec).
///   on_packet(bytes) gets one whole control packet, fixed header included, valid during the call only.
/// - send(bytes): queues one packet; written after every earlier one, one write in flight. Allowed
///   from idle to open; bytes sent before on_connected go out right after it. Returns false (and
///   drops the bytes) when closing or closed, or when the queue is full (max_queued_bytes). A
///   failed write ends the connection (write_failed).
/// - close(): graceful. No on_packet after it. Writes what is queued, then TLS close_notify, shuts
///   down the sending side, waits for the broker's EOF, all within close_timeout; then on_closed
///   (closed_locally, {} or timed_out), unless the flush fails first (write_failed, closed_by_peer,
///   read_failed). During connecting it is abort(). Idempotent.
/// - abort(): abrupt. Drops the socket at once without TLS shutdown and discards the queue (for
///   "connection lost without DISCONNECT", so the broker publishes the will). on_closed(closed_locally,
///   {}) unless on_closed was already due. Idempotent.
/// on_closed is called exactly once per started connection, last; then the connection drops its
/// handlers. So handlers may capture the connection's shared_ptr, provided every started connection
/// is closed (close() or abort()) and its on_closed run before the io_context goes away; otherwise
/// capture a weak_ptr.
/// Read-side ends while open: closed_by_peer, read_failed, malformed_stream, packet_too_large.
/// malformed_stream and packet_too_large, once anything was sent: the connection drops the queue
/// (not the write in flight), writes DISCONNECT 0x81 / 0x95 (MQTT 5.0 §4.13.1) and closes gracefully
/// within close_timeout (state closing, no on_packet, send() refused); on_closed then reports the
/// stream error and the splitter's ec however the goodbye ended (also on abort() meanwhile).
///
/// Lifetime: create() returns a shared_ptr; pending I/O keeps the object alive (its handlers hold a
/// shared_ptr; its timer holds only a weak_ptr), so dropping your pointer does not close it: call
/// close() or abort(). Destroying the io_context with operations pending is fine.
/// Thread safety: call only from the executor's thread (one io_context, one thread); distinct
/// connections are independent. Handlers must not throw.
class broker_connection {
public:
    using connected_handler = std::function<void()>;
    using packet_handler = std::function<void(std::span<const std::byte> packet)>;
    using closed_handler = std::function<void(close_reason reason, boost::system::error_code ec)>;

    struct handlers {
        connected_handler on_connected{};
        packet_handler on_packet{};
        closed_handler on_closed{};
    };

    /// A connection in state idle; nothing happens until start(). Never fails (errors come later,
    /// through on_closed).
    static std::shared_ptr<broker_connection> create(const boost::asio::any_io_executor& executor,
                                                     connection_options options);

    virtual ~broker_connection() = default;
    broker_connection(const broker_connection&) = delete;
    broker_connection& operator=(const broker_connection&) = delete;

    /// Starts connecting. Only once, from idle; later calls are ignored.
    virtual void start(handlers h) = 0;
    /// Queues one whole packet. See the contract above.
    virtual bool send(std::vector<std::byte> packet) = 0;
    virtual void close() = 0;
    virtual void abort() = 0;

    virtual connection_state state() const noexcept = 0;
    /// Bytes queued and not yet written (backpressure for the caller).
    virtual std::size_t queued_bytes() const noexcept = 0;
    /// The broker's address once connected ("127.0.0.1:1883", "[::1]:8883"), else "".
    virtual std::string remote_endpoint() const = 0;

protected:
    broker_connection() = default;
};

} // namespace sngw::mqtt_bridge
