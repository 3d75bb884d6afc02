// SPDX-License-Identifier: MIT
#include <sngw/transport/udp_transport.hpp>

#include <boost/asio/consign.hpp>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sngw::transport {

namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using boost::system::error_code;

// The largest UDP payload (IPv6 jumbograms aside): one receive always takes a whole datagram.
constexpr std::size_t receive_buffer_size = 65'536;

/// One socket and the buffer its receive loop fills.
struct receiver {
    explicit receiver(const asio::any_io_executor& ex) : socket(ex), buffer(receive_buffer_size) {}
    udp::socket socket;
    std::vector<std::byte> buffer;
    udp::endpoint sender{};
};

} // namespace

struct udp_transport::impl {
    impl(const asio::any_io_executor& ex, udp_options o) : options(std::move(o)), main(ex) {}

    udp_options options;
    receiver main;
    std::optional<receiver> group{}; // the multicast socket, when there is a group
    receive_handler on_receive{};
    bool started = false;
    bool stopped = false;

    std::unordered_map<udp::endpoint, std::uint64_t> ids{};
    std::unordered_map<std::uint64_t, udp::endpoint> endpoints{};
    std::uint64_t next_address = 1;
    std::size_t queued_bytes = 0;
    link_counters counters{};
    std::string name{};

    /// Best effort: the caller logs the size granted (receive_buffer_size()).
    static void set_receive_buffer(udp::socket& socket, std::size_t bytes)
    {
        const int value = static_cast<int>(std::min<std::size_t>(bytes, std::numeric_limits<int>::max() / 2));
        // SO_RCVBUFFORCE ignores net.core.rmem_max (CAP_NET_ADMIN); otherwise SO_RCVBUF, capped by it.
        if (::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &value, sizeof value) == 0) return;
        error_code ignored;
        socket.set_option(asio::socket_base::receive_buffer_size(value), ignored);
    }

    error_code open()
    {
        error_code ec;
        const auto& listen = options.listen;
        main.socket.open(listen.protocol(), ec);
        if (ec) return ec;
        if (listen.address().is_v6()) {
            // Lets "0.0.0.0:P" and "[::]:P" be bound side by side (no v4-mapped addresses here).
            main.socket.set_option(asio::ip::v6_only(true), ec);
            if (ec) return ec;
        }
        // SO_REUSEADDR only where a group shares the port (below): on UDP it would let a second
        // gateway bind the same address and silently take part of the sensors' datagrams, where
        // "address in use" is the answer an operator needs.
        const bool shares_port = options.multicast && listen.address().is_unspecified() &&
                                 options.multicast->port() == listen.port();
        if (shares_port) {
            main.socket.set_option(asio::socket_base::reuse_address(true), ec);
            if (ec) return ec;
        }
        if (options.receive_buffer != 0) set_receive_buffer(main.socket, options.receive_buffer);
        main.socket.bind(listen, ec);
        if (ec) return ec;
        name = "udp " + to_string(main.socket.local_endpoint(ec));
        if (options.multicast) {
            ec = open_group(*options.multicast, shares_port);
            if (ec) return ec;
            name += " multicast " + to_string(*options.multicast);
        }
        return {};
    }

    // MQTT-SN v1.2 §6.1: SEARCHGW is broadcast, ADVERTISE goes to every sensor in range. A wildcard
    // listener on the group's port joins the group itself (it already receives datagrams to any
    // address on that port). Otherwise the group gets its own socket bound to the group address,
    // which sees only group traffic, so nothing arrives twice.
    error_code open_group(const udp::endpoint& g, bool on_listener)
    {
        error_code ec;
        const auto& listen = options.listen.address();
        if (!g.address().is_multicast() || g.address().is_v4() != listen.is_v4())
            return asio::error::address_family_not_supported;

        // The interface: on a specific IPv4 address, that address's; for IPv6 the group's scope
        // ("ff02::1%eth0"), else the listen address's; otherwise the routing table chooses.
        const bool v4 = g.address().is_v4();
        const auto itf4 = listen.is_unspecified() || !v4 ? asio::ip::address_v4::any() : listen.to_v4();
        unsigned long itf6 = 0;
        if (!v4) {
            const auto g6 = g.address().to_v6();
            itf6 = g6.scope_id() != 0 ? g6.scope_id() : listen.to_v6().scope_id();
        }
        const auto join = [&](udp::socket& s) {
            if (v4)
                s.set_option(asio::ip::multicast::join_group(g.address().to_v4(), itf4), ec);
            else
                s.set_option(asio::ip::multicast::join_group(g.address().to_v6(), itf6), ec);
            return ec;
        };

        if (v4 && !itf4.is_unspecified())
            main.socket.set_option(asio::ip::multicast::outbound_interface(itf4), ec);
        if (!v4 && itf6 != 0)
            main.socket.set_option(asio::ip::multicast::outbound_interface(static_cast<unsigned int>(itf6)),
                                   ec);
        if (ec) return ec;
        main.socket.set_option(asio::ip::multicast::hops(options.multicast_hops), ec);
        if (ec) return ec;
        if (on_listener) return join(main.socket);

        auto& r = group.emplace(main.socket.get_executor());
        r.socket.open(g.protocol(), ec);
        if (ec) return ec;
        r.socket.set_option(asio::socket_base::reuse_address(true), ec); // other listeners of the group
        if (ec) return ec;
        if (!v4) {
            r.socket.set_option(asio::ip::v6_only(true), ec);
            if (ec) return ec;
        }
        r.socket.bind(g, ec);
        if (ec) return ec;
        return join(r.socket);
    }

    void do_receive(receiver& r)
    {
        r.socket.async_receive_from(asio::buffer(r.buffer), r.sender,
                                    [this, &r](error_code ec, std::size_t n) {
                                        if (ec == asio::error::operation_aborted)
                                            return; // stopped: touch nothing
                                        on_received(r, ec, n);
                                    });
    }

    void on_received(receiver& r, error_code ec, std::size_t n)
    {
        // A completion queued before stop() must not reach the handler either.
        if (stopped) return;
        if (ec) {
            // ICMP port unreachable for an earlier send, a truncated datagram, ...: one datagram's
            // problem, not the socket's (house-style §3).
            ++counters.receive_errors;
            do_receive(r);
            return;
        }
        const auto peer = peer_for(r.sender);
        if (!peer) {
            ++counters.drops;
        } else {
            ++counters.datagrams_in;
            counters.bytes_in += n;
            on_receive(*peer, std::span<const std::byte>(r.buffer.data(), n));
        }
        if (!stopped) do_receive(r);
    }

    std::optional<peer_id> peer_for(const udp::endpoint& from)
    {
        if (auto it = ids.find(from); it != ids.end()) return peer_id{options.link, it->second};
        if (ids.size() >= options.max_peers) return std::nullopt;
        const auto address = next_address++;
        ids.emplace(from, address);
        endpoints.emplace(address, from);
        return peer_id{options.link, address};
    }

    void send_to(const udp::endpoint& to, std::span<const std::byte> datagram)
    {
        if (stopped) {
            ++counters.send_errors;
            return;
        }
        const auto bound = options.max_queued_bytes;
        if (bound != 0 && queued_bytes != 0 &&
            (queued_bytes >= bound || datagram.size() > bound - queued_bytes)) {
            ++counters.send_errors;
            return;
        }
        std::vector<std::byte> copy(datagram.begin(), datagram.end());
        // The buffer is taken before the vector moves into the handler (moving keeps its storage).
        const auto buffer = asio::buffer(copy);
        const auto size = copy.size();
        queued_bytes += size;
        main.socket.async_send_to(buffer, to,
                                  asio::consign(
                                      [this, size](error_code ec, std::size_t n) {
                                          if (ec == asio::error::operation_aborted) return;
                                          queued_bytes -= size;
                                          if (ec) {
                                              ++counters.send_errors;
                                              return;
                                          }
                                          ++counters.datagrams_out;
                                          counters.bytes_out += n;
                                      },
                                      std::move(copy)));
    }
};

boost::system::result<std::unique_ptr<udp_transport>>
udp_transport::open(const asio::any_io_executor& executor, udp_options options)
{
    auto p = std::make_unique<impl>(executor, std::move(options));
    if (auto ec = p->open()) return ec;
    return std::unique_ptr<udp_transport>(new udp_transport(std::move(p)));
}

udp_transport::udp_transport(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

udp_transport::~udp_transport()
{
    stop();
}

void udp_transport::start(receive_handler on_receive)
{
    auto& d = *impl_;
    if (d.started || d.stopped) return;
    d.started = true;
    d.on_receive = std::move(on_receive);
    d.do_receive(d.main);
    if (d.group) d.do_receive(*d.group);
}

void udp_transport::send(peer_id to, std::span<const std::byte> datagram)
{
    auto& d = *impl_;
    const auto it = to.link == d.options.link ? d.endpoints.find(to.address) : d.endpoints.end();
    if (it == d.endpoints.end()) {
        ++d.counters.send_errors;
        return;
    }
    d.send_to(it->second, datagram);
}

void udp_transport::broadcast(std::span<const std::byte> datagram)
{
    auto& d = *impl_;
    if (d.options.multicast) d.send_to(*d.options.multicast, datagram);
}

void udp_transport::forget(peer_id peer)
{
    auto& d = *impl_;
    if (peer.link != d.options.link) return;
    const auto it = d.endpoints.find(peer.address);
    if (it == d.endpoints.end()) return;
    d.ids.erase(it->second);
    d.endpoints.erase(it);
}

void udp_transport::stop() noexcept
{
    auto& d = *impl_;
    if (d.stopped) return;
    d.stopped = true;
    error_code ignored;
    d.main.socket.close(ignored);
    if (d.group) d.group->socket.close(ignored);
}

std::string udp_transport::name() const
{
    return impl_->name;
}

std::string udp_transport::describe(peer_id peer) const
{
    const auto ep = endpoint_of(peer);
    return ep ? to_string(*ep) : std::string{};
}

const link_counters& udp_transport::counters() const noexcept
{
    return impl_->counters;
}

asio::ip::udp::endpoint udp_transport::local_endpoint() const
{
    error_code ec;
    return impl_->main.socket.local_endpoint(ec);
}

int udp_transport::native_handle()
{
    return impl_->main.socket.native_handle();
}

std::size_t udp_transport::receive_buffer_size() const
{
    asio::socket_base::receive_buffer_size size;
    error_code ec;
    impl_->main.socket.get_option(size, ec);
    return ec || size.value() < 0 ? 0 : static_cast<std::size_t>(size.value());
}

std::size_t udp_transport::queued_bytes() const noexcept
{
    return impl_->queued_bytes;
}

std::size_t udp_transport::peer_count() const noexcept
{
    return impl_->ids.size();
}

std::optional<asio::ip::udp::endpoint> udp_transport::endpoint_of(peer_id peer) const
{
    const auto& d = *impl_;
    if (peer.link != d.options.link) return std::nullopt;
    const auto it = d.endpoints.find(peer.address);
    if (it == d.endpoints.end()) return std::nullopt;
    return it->second;
}

std::string to_string(const asio::ip::udp::endpoint& endpoint)
{
    const auto& a = endpoint.address();
    const auto port = std::to_string(endpoint.port());
    if (a.is_v6()) return '[' + a.to_string() + "]:" + port;
    return a.to_string() + ':' + port;
}

} // namespace sngw::transport
