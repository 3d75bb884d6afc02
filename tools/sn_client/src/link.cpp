// SPDX-License-Identifier: MIT
#include <sngw/sn_client/link.hpp>

#include <sngw/framing/cobs.hpp>
#include <sngw/framing/raw.hpp>
#include <sngw/framing/slip.hpp>
#include <sngw/framing/xbee.hpp>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <utility>
#include <variant>

namespace sngw::sn_client {

namespace {

using boost::system::result;
using clock = std::chrono::steady_clock;
using transport::serial_framing;

boost::system::error_code last_error() noexcept
{
    return {errno, boost::system::system_category()};
}

/// The largest MQTT-SN datagram: the 3-octet Length form carries at most 65535 octets (v1.2 §5.2.1).
constexpr std::size_t max_datagram = 65535;

/// A UDP socket connected to the gateway, so the kernel passes only its datagrams up.
result<int> open_socket(const std::string& host, std::uint16_t port)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || found == nullptr)
        return make_error_code(errc::bad_address);
    boost::system::error_code ec = make_error_code(errc::bad_address);
    int fd = -1;
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            ec = last_error();
            continue;
        }
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        ec = last_error();
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(found);
    if (fd < 0) return ec;
    return fd;
}

std::optional<speed_t> termios_speed(std::uint32_t baud) noexcept
{
    struct rate {
        std::uint32_t baud;
        speed_t speed;
    };
    static constexpr rate rates[] = {
        {50, B50},           {75, B75},           {110, B110},         {134, B134},
        {150, B150},         {200, B200},         {300, B300},         {600, B600},
        {1200, B1200},       {1800, B1800},       {2400, B2400},       {4800, B4800},
        {9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
        {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
        {576000, B576000},   {921600, B921600},   {1000000, B1000000}, {1152000, B1152000},
        {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
        {3500000, B3500000}, {4000000, B4000000}};
    for (const auto& r : rates)
        if (r.baud == baud) return r.speed;
    return std::nullopt;
}

/// Raw mode as the gateway sets its own end (README "The port"): a 0x0D, 0x11 or 0x03 is data.
boost::system::error_code configure(int fd, std::uint32_t baud)
{
    termios t{};
    if (::tcgetattr(fd, &t) != 0) return last_error();
    ::cfmakeraw(&t);
    t.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY | INPCK | ISTRIP | PARMRK);
    t.c_iflag |= IGNBRK;
    t.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | CSTOPB | CRTSCTS);
    t.c_cflag |= CS8 | CREAD | CLOCAL;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    const auto speed = termios_speed(baud);
    if (!speed) return make_error_code(errc::invalid_argument);
    if (::cfsetispeed(&t, *speed) != 0 || ::cfsetospeed(&t, *speed) != 0) return last_error();
    if (::tcsetattr(fd, TCSANOW, &t) != 0) return last_error();
    return {};
}

} // namespace

struct datagram_link::deframer_box {
    std::variant<framing::raw_deframer, framing::slip_deframer, framing::cobs_deframer,
                 framing::xbee_deframer>
        d;
};

// ---- lifetime -------------------------------------------------------------------------------------

result<datagram_link> datagram_link::open_udp(std::string host, std::uint16_t port)
{
    auto fd = open_socket(host, port);
    if (!fd) return fd.error();
    datagram_link l;
    l.fd_ = *fd;
    l.host_ = std::move(host);
    l.port_ = port;
    l.buffer_.resize(max_datagram + 1);
    return l;
}

result<datagram_link> datagram_link::open_serial(serial_port port)
{
    if (!termios_speed(port.baud)) return make_error_code(errc::invalid_argument);
    const int fd = ::open(port.device.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return last_error();
    if (auto ec = configure(fd, port.baud)) {
        ::close(fd);
        return ec;
    }
    datagram_link l;
    l.fd_ = fd;
    l.buffer_.resize(4096);
    l.deframer_ = std::make_unique<deframer_box>();
    switch (port.framing) {
    case serial_framing::raw:
        l.deframer_->d = framing::raw_deframer{};
        break;
    case serial_framing::slip:
        l.deframer_->d = framing::slip_deframer({.crc = port.crc});
        break;
    case serial_framing::cobs:
        l.deframer_->d = framing::cobs_deframer({.crc = port.crc});
        break;
    case serial_framing::xbee:
        l.deframer_->d = framing::xbee_deframer{};
        break;
    }
    l.serial_ = std::move(port);
    return l;
}

datagram_link::datagram_link(datagram_link&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), host_(std::move(other.host_)), port_(other.port_),
      serial_(std::move(other.serial_)), deframer_(std::move(other.deframer_)),
      frames_(std::move(other.frames_)), current_(std::move(other.current_)),
      buffer_(std::move(other.buffer_)), unreachable_(other.unreachable_),
      framing_errors_(other.framing_errors_)
{}

datagram_link& datagram_link::operator=(datagram_link&& other) noexcept
{
    if (this != &other) {
        close_fd();
        fd_ = std::exchange(other.fd_, -1);
        host_ = std::move(other.host_);
        port_ = other.port_;
        serial_ = std::move(other.serial_);
        deframer_ = std::move(other.deframer_);
        frames_ = std::move(other.frames_);
        current_ = std::move(other.current_);
        buffer_ = std::move(other.buffer_);
        unreachable_ = other.unreachable_;
        framing_errors_ = other.framing_errors_;
    }
    return *this;
}

datagram_link::~datagram_link()
{
    close_fd();
}

void datagram_link::close_fd() noexcept
{
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

result<void> datagram_link::rebind()
{
    if (serial_) return {};
    auto fd = open_socket(host_, port_);
    if (!fd) return fd.error();
    close_fd();
    fd_ = *fd;
    return {};
}

std::uint16_t datagram_link::local_port() const noexcept
{
    if (serial_) return 0;
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
    if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
    if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port);
    return 0;
}

std::string datagram_link::describe() const
{
    if (serial_) return serial_->device + " (" + std::string(transport::to_string(serial_->framing)) + ")";
    if (host_.find(':') != std::string::npos) return "[" + host_ + "]:" + std::to_string(port_);
    return host_ + ":" + std::to_string(port_);
}

// ---- sending --------------------------------------------------------------------------------------

result<void> datagram_link::send(std::span<const std::byte> datagram)
{
    if (!serial_) {
        for (;;) {
            if (::send(fd_, datagram.data(), datagram.size(), 0) >= 0) return {};
            // A previous datagram's ICMP port unreachable is reported on the next call: not this one's.
            if (errno == ECONNREFUSED) {
                ++unreachable_;
                continue;
            }
            if (errno != EINTR) return last_error();
        }
    }
    result<std::vector<std::byte>> wire = std::vector<std::byte>(datagram.begin(), datagram.end());
    switch (serial_->framing) {
    case serial_framing::raw:
        break;
    case serial_framing::slip:
        wire = framing::slip_frame(datagram, {.crc = serial_->crc});
        break;
    case serial_framing::cobs:
        wire = framing::cobs_frame(datagram, {.crc = serial_->crc});
        break;
    case serial_framing::xbee:
        // Frame id 0: no Transmit Status back; the MQTT-SN flows have their own acknowledgements.
        wire = framing::xbee_transmit(0, xbee_coordinator_address, datagram);
        break;
    }
    if (!wire) return make_error_code(errc::encode_failed);
    std::span<const std::byte> left = *wire;
    while (!left.empty()) {
        const auto n = ::write(fd_, left.data(), left.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pollfd p{fd_, POLLOUT, 0};
                (void)::poll(&p, 1, 100);
                continue;
            }
            return last_error();
        }
        left = left.subspan(static_cast<std::size_t>(n));
    }
    return {};
}

// ---- receiving ------------------------------------------------------------------------------------

void datagram_link::feed(std::span<const std::byte> in)
{
    std::visit(
        [&](auto& d) {
            for (;;) {
                const auto r = d.put(in);
                in = in.subspan(r.consumed);
                if (r.status == framing::deframe_status::need_more) return;
                if (r.status == framing::deframe_status::corrupt) ++framing_errors_;
                if (r.status == framing::deframe_status::frame) {
                    const auto f = d.frame();
                    frames_.emplace_back(f.begin(), f.end());
                }
            }
        },
        deframer_->d);
}

result<std::optional<std::span<const std::byte>>> datagram_link::receive(clock::time_point deadline)
{
    using out = std::optional<std::span<const std::byte>>;
    for (;;) {
        if (!frames_.empty()) {
            current_ = std::move(frames_.front());
            frames_.pop_front();
            return out{std::span<const std::byte>(current_)};
        }
        const auto now = clock::now();
        if (now >= deadline) return out{};
        // Round up, so a wait never ends a fraction of a millisecond early and spins.
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min<decltype(left)>(left, INT_MAX)));
        if (ready < 0) {
            if (errno == EINTR) continue;
            return last_error();
        }
        if (ready == 0) continue; // the loop's deadline check ends it
        if (serial_) {
            if ((p.revents & (POLLHUP | POLLERR)) != 0 && (p.revents & POLLIN) == 0)
                return boost::system::error_code(EIO, boost::system::system_category());
            const auto n = ::read(fd_, buffer_.data(), buffer_.size());
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN) continue;
                return last_error();
            }
            if (n == 0) return boost::system::error_code(EIO, boost::system::system_category());
            feed(std::span<const std::byte>(buffer_.data(), static_cast<std::size_t>(n)));
            continue;
        }
        const auto n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            if (errno == ECONNREFUSED) { // nothing listens (yet) at the gateway's address
                ++unreachable_;
                continue;
            }
            return last_error();
        }
        return out{std::span<const std::byte>(buffer_.data(), static_cast<std::size_t>(n))};
    }
}

} // namespace sngw::sn_client
