// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/transport/datagram_transport.hpp>
#include <sngw/transport/serial_settings.hpp>

#include <sngw/framing/deframer.hpp>
#include <sngw/framing/xbee.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sngw::transport {

/// What happened to the port, for the app's log.
struct serial_event {
    enum class kind : std::uint8_t {
        opened,      // the port is open and configured; `error` empty
        open_failed, // open or configure failed; retried after `retry_in`
        lost,        // hang-up, unplug, EOF, I/O error; closed, reopened after `retry_in`
    };
    kind what = kind::opened;
    boost::system::error_code error{};
    std::chrono::milliseconds retry_in{0};
    std::uint64_t failures = 0; // open_failed: consecutive failed opens, this one included
};

/// Counters of a serial port beyond link_counters (which count datagrams and octets on the wire:
/// link_counters::bytes_in/bytes_out are octets read from / written to the port, framing included).
struct serial_stats {
    bool open = false;
    std::uint64_t opens = 0;               // successful opens, the first one included
    std::uint64_t reopens = 0;             // successful opens after a loss or a failed first open
    std::uint64_t open_failures = 0;       // failed open attempts
    std::uint64_t losses = 0;              // an open port lost: EOF (hang-up), EIO (unplug), I/O errors
    std::uint64_t idle_resets = 0;         // raw: a partial packet dropped after the line was idle
    std::uint64_t forwarder_errors = 0;    // forwarder port: frames that were no valid encapsulation
    std::uint64_t forwarder_orphans = 0;   // raw forwarder: a v1.2 header not followed by its message
    framing::deframer_counters deframer{}; // by reason (see sngw::framing::errc)
    framing::xbee_counters xbee{};         // xbee: transmit status, modem status, other frames
};

/// How one serial port is run.
struct serial_options {
    /// Index of this link in the app (peer_id::link), from 1.
    std::uint32_t link = 1;
    serial_settings settings{};
    /// Largest MQTT-SN message handed to the core or accepted from it (the inner one behind a
    /// forwarder); the deframer's limit adds the framing's own octets.
    std::size_t max_datagram_size = framing::max_mqttsn_packet;
    /// Most peers the table holds (xbee source addresses, forwarder nodes). A datagram from a new one
    /// past it is dropped and counted (drops); forget() keeps the table to what the core holds.
    std::size_t max_peers = 65'536;
    /// Most octets queued for writing and not yet written. A send past it is refused (send_errors).
    std::size_t max_queued_bytes = std::size_t{64} << 10;
    /// Reopen back-off: the first retry after this, doubling up to reopen_max.
    std::chrono::milliseconds reopen_initial{500};
    std::chrono::milliseconds reopen_max{10'000};
    /// raw framing: a partial packet is dropped once the line has been silent this long (the idle
    /// gap mqtt-sn-tools' serial bridge relies on), so one noise octet cannot keep the stream out of
    /// step. 0: never.
    std::chrono::milliseconds raw_idle_reset{250};
    /// Called from the executor on every port event (the receive handler is not involved).
    std::function<void(const serial_event&)> on_event{};
};

/// A serial port as a datagram_transport (design §5, house-style §1): `asio::serial_port` in raw mode,
/// a pure deframer (sngw::framing) on the read side, the matching framer on the write side, and
/// optionally forwarder addressing.
///
/// Contract (in addition to datagram_transport's):
/// - start(h): tries to open the port at once; a port that cannot be opened is retried with back-off
///   (reopen_initial doubling to reopen_max) on a timer. While it is gone the transport holds no
///   pending I/O and uses no CPU; the rest of the gateway is unaffected. on_event reports each open,
///   failed open and loss.
/// - The port is configured through its descriptor: cfmakeraw (no CR/LF translation, no echo, no
///   signals, no canonical mode), no software (IXON/IXOFF) or hardware (CRTSCTS) flow control, 8N1,
///   CLOCAL|CREAD, breaks ignored, VMIN 1 / VTIME 0 (a read returns what is there), the baud rate,
///   and TIOCEXCL (a second opener gets EBUSY).
/// - EOF (a pty whose master closed, a modem hang-up), EIO (USB unplug) or any read/write error
///   closes the port (queued writes are dropped) and schedules a reopen. The back-off restarts from
///   reopen_initial once a port was open long enough (reopen_max) or read data.
/// - Peers: addressing `single` without xbee: the whole port is ONE peer, address 1, the same across
///   reopens, and forget() keeps it (the sensor behind it continues its session after a re-plug).
///   With xbee each 64-bit source address is a peer; with `forwarder` each (xbee source, version,
///   node id) is. Table peers get addresses from a counter (never reused) and stay across reopens
///   until forget().
/// - Forwarder: frames are unwrapped (sngw::framing::unwrap_forwarded; with raw framing a v1.2
///   header and its message arrive as two packets and are joined); a frame that is no valid
///   encapsulation is dropped and counted (drops, forwarder_errors). Datagrams to a node are wrapped
///   the way its last datagram came: same version, node id and Ctrl. broadcast() goes to every known
///   node, wrapped for it.
/// - Writes: one in flight, the rest queued (bounded by max_queued_bytes). While the port is closed
///   send() and broadcast() are refused (send_errors): the core's retries and keep-alive handle a
///   sensor that is gone. A datagram that cannot be framed (too large) is dropped (drops).
///   xbee: Transmit Requests with frame ids 1..255 so that Transmit Status frames are counted.
/// - Counters: datagrams in/out, octets read/written, framing_errors (corrupt frames and idle
///   resets, CRC failures excluded), crc_errors (CRC-16 or XBee checksum mismatches), drops,
///   receive_errors / send_errors (I/O errors and refused sends); stats() has the rest.
/// - stop(): closes the port, cancels the timers; no handler runs after it. Idempotent. The object
///   must outlive the io_context's run() that runs its handlers (the runner owns both).
/// Thread safety: call only from the executor's thread.
class serial_transport final : public datagram_transport {
public:
    serial_transport(const boost::asio::any_io_executor& executor, serial_options options);
    ~serial_transport() override;
    serial_transport(const serial_transport&) = delete;
    serial_transport& operator=(const serial_transport&) = delete;

    void start(receive_handler on_receive) override;
    void send(peer_id to, std::span<const std::byte> datagram) override;
    void broadcast(std::span<const std::byte> datagram) override;
    void forget(peer_id peer) override;
    void stop() noexcept override;

    std::string name() const override; // "serial /dev/ttyUSB0"
    /// "/dev/ttyUSB0", "/dev/ttyUSB0 xbee 0013a20040522baa", "/dev/ttyUSB0 fwd1.2 node 0a0b".
    std::string describe(peer_id peer) const override;
    const link_counters& counters() const noexcept override;

    const serial_stats& stats() const noexcept;
    const serial_options& options() const noexcept;
    bool is_open() const noexcept;
    /// Entries in the peer table (0 for a single port without xbee).
    std::size_t peer_count() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// The termios speed constant for a supported baud rate (serial_settings.hpp), or nullopt.
std::optional<unsigned> termios_speed(std::uint32_t baud) noexcept;

} // namespace sngw::transport
