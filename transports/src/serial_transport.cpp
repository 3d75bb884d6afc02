// SPDX-License-Identifier: MIT
#include <sngw/transport/serial_transport.hpp>

#include <sngw/framing/cobs.hpp>
#include <sngw/framing/forwarder.hpp>
#include <sngw/framing/raw.hpp>
#include <sngw/framing/slip.hpp>

#include <boost/asio/consign.hpp>
#include <boost/asio/serial_port.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <sys/ioctl.h>
#include <termios.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <map>
#include <utility>
#include <variant>

namespace sngw::transport {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using clock = std::chrono::steady_clock;

constexpr std::size_t read_chunk = 4096;

// What a framing adds to the largest datagram at most: a v1.2 encapsulation header is at most 255
// octets, a v2.0 one 3 + 1 + 255; a Receive Packet has 12 octets before its RF data.
constexpr std::size_t forwarder_overhead = 260;
constexpr std::size_t xbee_receive_overhead = 12;

using deframer_variant = std::variant<framing::raw_deframer, framing::slip_deframer, framing::cobs_deframer,
                                      framing::xbee_deframer>;

deframer_variant make_deframer(const serial_options& o)
{
    const auto& s = o.settings;
    auto max = o.max_datagram_size;
    if (s.addressing == serial_addressing::forwarder) max += forwarder_overhead;
    max = std::min(max, framing::max_mqttsn_packet);
    switch (s.framing) {
    case serial_framing::raw:
        return framing::raw_deframer({.max_frame_size = max});
    case serial_framing::slip:
        return framing::slip_deframer({.max_frame_size = max, .crc = s.crc});
    case serial_framing::cobs:
        return framing::cobs_deframer({.max_frame_size = max, .crc = s.crc});
    case serial_framing::xbee:
        return framing::xbee_deframer(
            {.mode = framing::xbee_api_mode::escaped,
             .max_frame_size = std::min(max + xbee_receive_overhead, framing::max_mqttsn_packet)});
    }
    return framing::raw_deframer({.max_frame_size = max});
}

error_code last_errno()
{
    return {errno, boost::system::system_category()};
}

/// Who a table peer is: an XBee source address and/or a node behind a forwarder.
struct peer_key {
    std::uint64_t source64 = 0; // xbee: the 64-bit source address; 0 otherwise
    bool forwarded = false;
    framing::forwarder_address node{};
    auto operator<=>(const peer_key&) const = default;
};

struct peer_entry {
    peer_key key{};
    std::uint8_t ctrl = 0; // v1.2 Ctrl of the node's last datagram, echoed in the wrapping
};

std::string hex64(std::uint64_t v)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4)
        s[static_cast<std::size_t>(i)] = digits[v & 0xF];
    return s;
}

} // namespace

std::optional<unsigned> termios_speed(std::uint32_t baud) noexcept
{
    switch (baud) {
    case 50:
        return B50;
    case 75:
        return B75;
    case 110:
        return B110;
    case 134:
        return B134;
    case 150:
        return B150;
    case 200:
        return B200;
    case 300:
        return B300;
    case 600:
        return B600;
    case 1200:
        return B1200;
    case 1800:
        return B1800;
    case 2400:
        return B2400;
    case 4800:
        return B4800;
    case 9600:
        return B9600;
    case 19200:
        return B19200;
    case 38400:
        return B38400;
    case 57600:
        return B57600;
    case 115200:
        return B115200;
    case 230400:
        return B230400;
    case 460800:
        return B460800;
    case 500000:
        return B500000;
    case 576000:
        return B576000;
    case 921600:
        return B921600;
    case 1000000:
        return B1000000;
    case 1152000:
        return B1152000;
    case 1500000:
        return B1500000;
    case 2000000:
        return B2000000;
    case 2500000:
        return B2500000;
    case 3000000:
        return B3000000;
    case 3500000:
        return B3500000;
    case 4000000:
        return B4000000;
    default:
        return std::nullopt;
    }
}

struct serial_transport::impl {
    impl(const asio::any_io_executor& ex, serial_options o)
        : options(std::move(o)), port(ex), reopen_timer(ex), idle_timer(ex), deframer(make_deframer(options)),
          read_buffer(read_chunk), backoff(options.reopen_initial), name("serial " + options.settings.device)
    {}

    serial_options options;
    asio::serial_port port;
    asio::steady_timer reopen_timer;
    asio::steady_timer idle_timer;
    deframer_variant deframer;
    framing::forwarder_joiner joiner{};
    std::vector<std::byte> read_buffer;
    receive_handler on_receive{};
    bool started = false;
    bool stopped = false;
    bool is_open = false;
    // Bumped at every open and close: a completion of an older port touches nothing.
    std::uint64_t generation = 0;

    std::chrono::milliseconds backoff;
    std::uint64_t failures = 0; // consecutive failed opens
    clock::time_point opened_at{};
    bool got_data = false;

    std::map<peer_key, std::uint64_t> ids{};
    std::map<std::uint64_t, peer_entry> peers{}; // by address: broadcasts go out in a stable order
    std::uint64_t next_address = 1;

    std::deque<std::vector<std::byte>> queue{};
    std::size_t queued_bytes = 0;
    bool writing = false;
    std::uint8_t next_frame_id = 1;

    link_counters counters{};
    serial_stats stats{};
    std::string name;

    const serial_settings& settings() const noexcept { return options.settings; }
    bool xbee() const noexcept { return settings().framing == serial_framing::xbee; }
    bool forwarder() const noexcept { return settings().addressing == serial_addressing::forwarder; }
    /// A single port without xbee: one peer, no table.
    bool port_is_peer() const noexcept { return !xbee() && !forwarder(); }
    static constexpr std::uint64_t port_address = 1;

    void emit(serial_event::kind what, error_code ec, std::chrono::milliseconds retry_in)
    {
        if (options.on_event) options.on_event(serial_event{what, ec, retry_in, failures});
    }

    // ---- opening and closing --------------------------------------------------------------------

    error_code configure()
    {
        const int fd = port.native_handle();
        termios t{};
        if (::tcgetattr(fd, &t) != 0) return last_errno();
        // No CR/LF translation, no echo, no canonical mode, no signals, 8 bits: a 0x0D stays 0x0D.
        ::cfmakeraw(&t);
        t.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY | INPCK | ISTRIP | PARMRK);
        t.c_iflag |= IGNBRK; // a break (line glitch, unplug) is not a 0x00 octet in the stream
        t.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | CSTOPB | CRTSCTS);
        t.c_cflag |= CS8 | CREAD | CLOCAL;
        // Non-blocking reads return what is there; VMIN 1 makes poll/epoll report one octet as
        // readable (VMIN > 1 would hold a short packet back).
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        const auto speed = termios_speed(settings().baud);
        if (!speed) return asio::error::invalid_argument;
        if (::cfsetispeed(&t, static_cast<speed_t>(*speed)) != 0 ||
            ::cfsetospeed(&t, static_cast<speed_t>(*speed)) != 0)
            return last_errno();
        if (::tcsetattr(fd, TCSANOW, &t) != 0) return last_errno();
        // A second gateway (or a terminal program) opening the port would steal octets.
        (void)::ioctl(fd, TIOCEXCL);
        return {};
    }

    void try_open()
    {
        if (stopped) return;
        error_code ec;
        port.open(settings().device, ec);
        if (!ec) ec = configure();
        if (ec) {
            error_code ignored;
            port.close(ignored);
            ++stats.open_failures;
            ++failures;
            const auto delay = next_delay();
            emit(serial_event::kind::open_failed, ec, delay);
            schedule_reopen(delay);
            return;
        }
        ++generation;
        is_open = true;
        stats.open = true;
        if (stats.opens > 0 || failures > 0) ++stats.reopens;
        ++stats.opens;
        failures = 0;
        opened_at = clock::now();
        got_data = false;
        std::visit([](auto& d) { d.reset(); }, deframer);
        joiner.reset();
        emit(serial_event::kind::opened, {}, std::chrono::milliseconds{0});
        if (stopped || !is_open) return; // the event handler may have stopped us
        do_read(generation);
    }

    std::chrono::milliseconds next_delay()
    {
        const auto d = backoff;
        backoff = std::min(backoff * 2, options.reopen_max);
        return d;
    }

    void schedule_reopen(std::chrono::milliseconds delay)
    {
        if (stopped) return;
        reopen_timer.expires_after(delay);
        reopen_timer.async_wait([this](error_code ec) {
            if (ec == asio::error::operation_aborted || stopped) return;
            try_open();
        });
    }

    void close_port()
    {
        ++generation;
        is_open = false;
        stats.open = false;
        error_code ignored;
        // TIOCEXCL stays on the tty while anyone else holds it open: release it, or our own reopen
        // of a port that is still there would get EBUSY.
        if (port.is_open()) (void)::ioctl(port.native_handle(), TIOCNXCL);
        port.close(ignored); // pending read and write end with operation_aborted
        idle_timer.cancel();
        queue.clear();
        queued_bytes = 0;
        writing = false;
    }

    /// The port is gone (EOF, EIO, an I/O error): close it and try again later.
    void lost(error_code ec)
    {
        ++stats.losses;
        // A port that worked for a while (or delivered data) starts over with short retries; one
        // that fails at once keeps backing off (a flapping adapter costs no CPU).
        if (got_data || clock::now() - opened_at >= options.reopen_max) backoff = options.reopen_initial;
        close_port();
        const auto delay = next_delay();
        emit(serial_event::kind::lost, ec, delay);
        schedule_reopen(delay);
    }

    // ---- reading --------------------------------------------------------------------------------

    void do_read(std::uint64_t gen)
    {
        port.async_read_some(asio::buffer(read_buffer), [this, gen](error_code ec, std::size_t n) {
            if (ec == asio::error::operation_aborted) return; // closed or stopped: touch nothing
            if (stopped || gen != generation) return;
            if (ec) {
                if (ec != asio::error::eof) ++counters.receive_errors;
                lost(ec);
                return;
            }
            counters.bytes_in += n;
            got_data = true;
            feed(std::span<const std::byte>(read_buffer.data(), n), gen);
            if (stopped || gen != generation) return;
            arm_idle(gen);
            do_read(gen);
        });
    }

    void feed(std::span<const std::byte> in, std::uint64_t gen)
    {
        std::visit(
            [&](auto& d) {
                for (;;) {
                    const auto r = d.put(in);
                    in = in.subspan(r.consumed);
                    switch (r.status) {
                    case framing::deframe_status::need_more:
                        return;
                    case framing::deframe_status::frame:
                        on_frame(d);
                        if (stopped || gen != generation) return;
                        break;
                    case framing::deframe_status::corrupt:
                        if (r.error == framing::errc::bad_crc || r.error == framing::errc::bad_checksum)
                            ++counters.crc_errors;
                        else
                            ++counters.framing_errors;
                        break;
                    case framing::deframe_status::other: // xbee status frames: counted by the deframer
                        break;
                    }
                }
            },
            deframer);
    }

    template <class D> void on_frame(const D& d)
    {
        std::optional<std::uint64_t> source;
        if constexpr (std::is_same_v<D, framing::xbee_deframer>) {
            const auto f = d.last_frame();
            const auto* rx = f ? std::get_if<framing::xbee_receive_packet>(&*f) : nullptr;
            if (!rx) return; // cannot happen: a frame event is a Receive Packet
            source = rx->source64;
        }
        on_datagram(d.frame(), source);
    }

    void on_datagram(std::span<const std::byte> frame, std::optional<std::uint64_t> source)
    {
        if (!forwarder()) {
            const auto peer = port_is_peer() ? std::optional<peer_id>(peer_id{options.link, port_address})
                                             : peer_for(peer_key{*source, false, {}}, 0);
            deliver(peer, frame);
            return;
        }
        auto datagram = frame;
        if (settings().framing == serial_framing::raw) {
            const auto joined = joiner.put(frame);
            stats.forwarder_orphans = joiner.orphans();
            if (!joined) return; // a v1.2 header: its message is the next packet
            datagram = *joined;
        }
        const auto f = framing::unwrap_forwarded(datagram);
        if (!f) {
            ++stats.forwarder_errors;
            ++counters.drops;
            return;
        }
        const auto peer = peer_for(peer_key{source.value_or(0), true, f->from}, f->ctrl);
        deliver(peer, f->message);
    }

    void deliver(std::optional<peer_id> peer, std::span<const std::byte> datagram)
    {
        if (!peer) {
            ++counters.drops;
            return;
        }
        ++counters.datagrams_in;
        on_receive(*peer, datagram);
    }

    std::optional<peer_id> peer_for(const peer_key& key, std::uint8_t ctrl)
    {
        if (auto it = ids.find(key); it != ids.end()) {
            peers[it->second].ctrl = ctrl;
            return peer_id{options.link, it->second};
        }
        if (ids.size() >= options.max_peers) return std::nullopt;
        const auto address = next_address++;
        ids.emplace(key, address);
        peers.emplace(address, peer_entry{key, ctrl});
        return peer_id{options.link, address};
    }

    /// raw framing: a partial packet on a line that went quiet is noise (or the rest was lost).
    void arm_idle(std::uint64_t gen)
    {
        if (settings().framing != serial_framing::raw || options.raw_idle_reset.count() <= 0) return;
        const auto partial = std::get<framing::raw_deframer>(deframer).buffered() > 0 || joiner.waiting();
        if (!partial) return; // a pending wait finds nothing to drop
        idle_timer.expires_after(options.raw_idle_reset);
        idle_timer.async_wait([this, gen](error_code ec) {
            if (ec == asio::error::operation_aborted || stopped || gen != generation) return;
            auto& d = std::get<framing::raw_deframer>(deframer);
            if (d.buffered() == 0 && !joiner.waiting()) return;
            d.reset();
            joiner.reset();
            ++stats.idle_resets;
            ++counters.framing_errors;
        });
    }

    // ---- writing --------------------------------------------------------------------------------

    /// The framed octets of `payload` for an XBee destination `dest64` (xbee only).
    boost::system::result<std::vector<std::byte>> frame(std::span<const std::byte> payload,
                                                        std::uint64_t dest64)
    {
        const auto& s = settings();
        switch (s.framing) {
        case serial_framing::raw:
            return std::vector<std::byte>(payload.begin(), payload.end());
        case serial_framing::slip:
            return framing::slip_frame(payload, {.max_frame_size = framing::max_mqttsn_packet, .crc = s.crc});
        case serial_framing::cobs:
            return framing::cobs_frame(payload, {.max_frame_size = framing::max_mqttsn_packet, .crc = s.crc});
        case serial_framing::xbee: {
            const auto id = next_frame_id;
            next_frame_id = next_frame_id == 255 ? 1 : static_cast<std::uint8_t>(next_frame_id + 1);
            return framing::xbee_transmit(id, dest64, payload, framing::xbee_api_mode::escaped);
        }
        }
        return framing::errc::payload_too_large;
    }

    /// Wraps (forwarder), frames and queues one datagram for a peer.
    void send_to(const peer_entry* to, std::span<const std::byte> datagram)
    {
        if (stopped || !is_open) {
            ++counters.send_errors;
            return;
        }
        if (datagram.size() > options.max_datagram_size) {
            ++counters.drops;
            return;
        }
        // raw: the packet goes out verbatim, so it must describe itself (else the sensor loses step).
        if (settings().framing == serial_framing::raw && !framing::raw_frame(datagram)) {
            ++counters.drops;
            return;
        }
        std::vector<std::byte> wrapped;
        std::span<const std::byte> payload = datagram;
        if (to && to->key.forwarded) {
            auto w = framing::wrap_forwarded(to->key.node, to->ctrl, datagram);
            if (!w) {
                ++counters.drops;
                return;
            }
            wrapped = std::move(*w);
            payload = wrapped;
        }
        const auto dest64 = to ? to->key.source64 : framing::xbee_broadcast_address;
        auto framed = frame(payload, dest64);
        if (!framed) {
            ++counters.drops;
            return;
        }
        enqueue(std::move(*framed));
    }

    void enqueue(std::vector<std::byte> octets)
    {
        const auto bound = options.max_queued_bytes;
        if (bound != 0 && queued_bytes != 0 &&
            (queued_bytes >= bound || octets.size() > bound - queued_bytes)) {
            ++counters.send_errors;
            return;
        }
        queued_bytes += octets.size();
        queue.push_back(std::move(octets));
        do_write();
    }

    void do_write()
    {
        if (writing || queue.empty() || !is_open || stopped) return;
        writing = true;
        auto octets = std::move(queue.front());
        queue.pop_front();
        // The buffer is taken before the vector moves into the handler (moving keeps its storage).
        const auto buffer = asio::buffer(octets);
        const auto size = octets.size();
        const auto gen = generation;
        asio::async_write(port, buffer,
                          asio::consign(
                              [this, gen, size](error_code ec, std::size_t n) {
                                  if (ec == asio::error::operation_aborted) return;
                                  if (stopped || gen != generation) return;
                                  writing = false;
                                  queued_bytes -= size;
                                  if (ec) {
                                      ++counters.send_errors;
                                      lost(ec);
                                      return;
                                  }
                                  ++counters.datagrams_out;
                                  counters.bytes_out += n;
                                  do_write();
                              },
                              std::move(octets)));
    }
};

serial_transport::serial_transport(const asio::any_io_executor& executor, serial_options options)
    : impl_(std::make_unique<impl>(executor, std::move(options)))
{}

serial_transport::~serial_transport()
{
    stop();
}

void serial_transport::start(receive_handler on_receive)
{
    auto& d = *impl_;
    if (d.started || d.stopped) return;
    d.started = true;
    d.on_receive = std::move(on_receive);
    d.try_open();
}

void serial_transport::send(peer_id to, std::span<const std::byte> datagram)
{
    auto& d = *impl_;
    if (to.link != d.options.link) {
        ++d.counters.send_errors;
        return;
    }
    if (d.port_is_peer()) {
        if (to.address != impl::port_address) {
            ++d.counters.send_errors;
            return;
        }
        d.send_to(nullptr, datagram);
        return;
    }
    const auto it = d.peers.find(to.address);
    if (it == d.peers.end()) {
        ++d.counters.send_errors;
        return;
    }
    d.send_to(&it->second, datagram);
}

void serial_transport::broadcast(std::span<const std::byte> datagram)
{
    auto& d = *impl_;
    if (!d.is_open || d.stopped) return; // nobody to tell; not an error
    if (!d.forwarder()) {
        // The port itself, or with xbee every node of the network (destination 0x000000000000FFFF).
        d.send_to(nullptr, datagram);
        return;
    }
    // Forwarder encapsulation has no broadcast address: every node the port knows, wrapped for it.
    // A node the gateway has not heard of finds it with SEARCHGW through its forwarder.
    for (const auto& [address, entry] : d.peers)
        d.send_to(&entry, datagram);
}

void serial_transport::forget(peer_id peer)
{
    auto& d = *impl_;
    if (peer.link != d.options.link || d.port_is_peer()) return;
    const auto it = d.peers.find(peer.address);
    if (it == d.peers.end()) return;
    d.ids.erase(it->second.key);
    d.peers.erase(it);
}

void serial_transport::stop() noexcept
{
    auto& d = *impl_;
    if (d.stopped) return;
    d.stopped = true;
    d.close_port();
    d.reopen_timer.cancel();
}

std::string serial_transport::name() const
{
    return impl_->name;
}

std::string serial_transport::describe(peer_id peer) const
{
    const auto& d = *impl_;
    if (peer.link != d.options.link) return {};
    if (d.port_is_peer()) return peer.address == impl::port_address ? d.settings().device : std::string{};
    const auto it = d.peers.find(peer.address);
    if (it == d.peers.end()) return {};
    const auto& key = it->second.key;
    std::string s = d.settings().device;
    if (d.xbee()) s += " xbee " + hex64(key.source64);
    if (key.forwarded) s += " " + framing::to_string(key.node);
    return s;
}

const link_counters& serial_transport::counters() const noexcept
{
    return impl_->counters;
}

const serial_stats& serial_transport::stats() const noexcept
{
    auto& d = *impl_;
    // The deframer keeps its own counters; copied on demand (a const read of a small struct).
    std::visit(
        [&d](const auto& f) {
            d.stats.deframer = f.counters();
            if constexpr (std::is_same_v<std::decay_t<decltype(f)>, framing::xbee_deframer>)
                d.stats.xbee = f.xbee_stats();
        },
        d.deframer);
    return d.stats;
}

const serial_options& serial_transport::options() const noexcept
{
    return impl_->options;
}

bool serial_transport::is_open() const noexcept
{
    return impl_->is_open;
}

std::size_t serial_transport::peer_count() const noexcept
{
    return impl_->ids.size();
}

} // namespace sngw::transport
