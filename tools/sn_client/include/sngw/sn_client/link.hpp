// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/sn_client/errc.hpp>
#include <sngw/transport/serial_settings.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sngw::sn_client {

/// The device end of a serial port a sensor's client talks through: the gateway's `--serial` syntax
/// and framings (README "Sensors on serial ports"), single addressing only.
struct serial_port {
    std::string device{};
    std::uint32_t baud = 115200;
    transport::serial_framing framing = transport::serial_framing::raw;
    bool crc = true; // slip and cobs: the CRC-16/CCITT-FALSE trailer
    friend bool operator==(const serial_port&, const serial_port&) = default;
};

/// 64-bit XBee address of the coordinator: where a sensor's XBee sends what is meant for the gateway
/// (Digi: destination 0x0000000000000000 is the coordinator).
inline constexpr std::uint64_t xbee_coordinator_address = 0;

/// Where a client's datagrams go: a UDP socket connected to the gateway, or a serial port framed as
/// the gateway's port expects (xbee: Transmit Requests 0x10 to the coordinator out, Receive Packets
/// 0x90 in; other XBee frames such as Transmit Status are skipped). One MQTT-SN message per datagram.
/// Blocking POSIX I/O with poll(); every wait has a deadline. Move-only; closes its descriptor.
/// Thread safety: none.
class datagram_link {
public:
    /// A UDP socket connected to host:port (resolved by getaddrinfo, IPv4 or IPv6), bound to an
    /// ephemeral port. Errors: errc::bad_address, or the socket's errno.
    static boost::system::result<datagram_link> open_udp(std::string host, std::uint16_t port);
    /// The serial device in raw mode (termios: cfmakeraw, 8N1, no flow control, CLOCAL | CREAD) at
    /// `port.baud`. Errors: errc::invalid_argument for a baud termios cannot set, else errno.
    static boost::system::result<datagram_link> open_serial(serial_port port);

    datagram_link(datagram_link&& other) noexcept;
    datagram_link& operator=(datagram_link&& other) noexcept;
    datagram_link(const datagram_link&) = delete;
    datagram_link& operator=(const datagram_link&) = delete;
    ~datagram_link();

    /// Sends one datagram (framed on serial). Errors: errno; errc::encode_failed when the framing
    /// refuses it (too large).
    boost::system::result<void> send(std::span<const std::byte> datagram);
    /// The next datagram within `deadline`, or nullopt at the deadline. The span stays valid until the
    /// next call. Framing errors on serial are counted (framing_errors) and skipped.
    boost::system::result<std::optional<std::span<const std::byte>>>
    receive(std::chrono::steady_clock::time_point deadline);

    /// UDP: a new socket on another ephemeral port (the same sensor at a new address). Serial: nothing.
    boost::system::result<void> rebind();
    /// UDP: the local port; serial: 0.
    std::uint16_t local_port() const noexcept;
    bool is_serial() const noexcept { return serial_.has_value(); }
    /// "127.0.0.1:1883" or "/dev/ttyUSB0 (slip)", for messages.
    std::string describe() const;

    /// ICMP port unreachable reports (UDP: nothing listens at the gateway's address).
    std::uint64_t unreachable() const noexcept { return unreachable_; }
    /// Corrupt frames skipped (serial).
    std::uint64_t framing_errors() const noexcept { return framing_errors_; }

private:
    struct deframer_box; // the framing's deframer (pimpl: keeps the framing headers out of here)

    datagram_link() = default;
    void close_fd() noexcept;
    /// Feeds `octets` to the deframer, queueing whole datagrams.
    void feed(std::span<const std::byte> octets);

    int fd_ = -1;
    std::string host_{};
    std::uint16_t port_ = 0;
    std::optional<serial_port> serial_{};
    std::unique_ptr<deframer_box> deframer_{};
    std::deque<std::vector<std::byte>> frames_{}; // serial: datagrams deframed, not yet returned
    std::vector<std::byte> current_{};            // the datagram returned last
    std::vector<std::byte> buffer_{};
    std::uint64_t unreachable_ = 0;
    std::uint64_t framing_errors_ = 0;
};

} // namespace sngw::sn_client
