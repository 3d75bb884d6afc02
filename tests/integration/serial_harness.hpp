// SPDX-License-Identifier: MIT
#pragma once

// The device side of a serial port for the serial integration tests: a pty the test opens itself
// (tests/support/pty_pair), behind a symlink that sngw is given as --serial DEVICE, and a bridge that
// carries the datagrams of ordinary sngw::sn_client sensors (UDP on loopback) over it, framed as the
// port's framing says and, for a forwarder, wrapped with each sensor's node id. So every sensor
// flow the UDP tests use (connect, will, publish, subscribe, sleep, wake) runs over the serial link
// unchanged, and the bridge records what the gateway sent (node id, Ctrl, XBee destination) for the
// tests to check. Every wait is bounded.

#include <sngw/framing/cobs.hpp>
#include <sngw/framing/forwarder.hpp>
#include <sngw/framing/raw.hpp>
#include <sngw/framing/slip.hpp>
#include <sngw/framing/xbee.hpp>
#include <sngw/transport/serial_settings.hpp>

#include "support/pty_pair.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace sngw::test {

/// Sensors (UDP) <-> one pty, framed and addressed like the device on a serial port.
class serial_bridge {
public:
    enum class addressing {
        single,         // the port is one sensor (xbee: one source address per sensor)
        forwarder_v1_2, // MQTT-SN v1.2 §5.5 encapsulation, node id 00 <n>
        forwarder_v2_0, // MQTT-SN 2.0 §3.19 Forwarder Encapsulation, node id a0+<n>
    };

    struct settings {
        transport::serial_framing framing = transport::serial_framing::raw;
        bool crc = true;
        addressing mode = addressing::single;
        std::uint8_t ctrl = 0x01; // the v1.2 Ctrl the forwarder sends (radius 1)
    };

    /// One datagram the gateway sent over the port, as the device received it.
    struct delivery {
        std::optional<std::size_t> sensor{}; // which sensor it went to; none: nobody to give it to
        std::vector<std::byte> node_id{};    // forwarder: the node id it was wrapped for
        std::optional<framing::forwarder_version> version{};
        std::uint8_t ctrl = 0;
        std::optional<std::uint64_t> destination64{}; // xbee: the Transmit Request's destination
        std::vector<std::byte> datagram{};            // the MQTT-SN message
    };

    serial_bridge(settings s, std::filesystem::path link) : settings_(s), link_(std::move(link))
    {
        pty_ = std::make_unique<pty_pair>();
        point_symlink(link_, pty_->slave_path());
        reset_deframer();
        wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        sock_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (wake_ < 0 || sock_ < 0) throw std::runtime_error("serial_bridge: eventfd/socket failed");
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(sock_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(sock_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("serial_bridge: bind failed");
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { loop(); });
    }

    serial_bridge(const serial_bridge&) = delete;
    serial_bridge& operator=(const serial_bridge&) = delete;

    ~serial_bridge()
    {
        stop_ = true;
        signal();
        if (thread_.joinable()) thread_.join();
        ::close(sock_);
        ::close(wake_);
    }

    /// Where sensors send their datagrams (127.0.0.1).
    std::uint16_t udp_port() const noexcept { return port_; }
    /// The value of sngw's --serial for this port.
    std::string serial_option() const
    {
        std::string s = link_.string() + ",framing=" + std::string(to_string(settings_.framing));
        if (!settings_.crc) s += ",crc=off";
        if (settings_.mode != addressing::single) s += ",addressing=forwarder";
        return s;
    }
    const std::filesystem::path& link() const noexcept { return link_; }

    /// XBee 64-bit source address of sensor `n` (0 = the first to send); behind a forwarder every
    /// node comes from xbee_address(0), the forwarder's radio.
    static std::uint64_t xbee_address(std::size_t n) { return 0x0013A20041000000ULL + n + 1; }
    /// The node id sensor `n` has behind the forwarder.
    std::vector<std::byte> node_id(std::size_t n) const
    {
        if (settings_.mode == addressing::forwarder_v2_0) return {static_cast<std::byte>(0xA0 + n)};
        return {std::byte{0x00}, static_cast<std::byte>(n + 1)};
    }

    /// Unplugs the device: the pty goes (sngw reads EOF/EIO on its slave), the symlink dangles. It is
    /// pointed at a path that never exists: left on /dev/pts/N it would name the next pty the kernel
    /// numbers N, maybe another test's, and sngw's reopen would read that test's bytes.
    void unplug()
    {
        run([this] {
            pty_.reset();
            point_symlink(link_, link_.parent_path() / "unplugged");
        });
    }

    /// Plugs a new device in under the same path.
    void replug()
    {
        run([this] {
            pty_ = std::make_unique<pty_pair>();
            point_symlink(link_, pty_->slave_path());
            reset_deframer();
        });
    }

    /// True once whoever opened the slave (sngw) has put it in raw mode, within `limit`.
    bool wait_configured(std::chrono::milliseconds limit)
    {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            bool raw = false;
            run([&] { raw = pty_ && pty_->slave_is_raw(); });
            if (raw) return true;
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    /// Octets written as they are to the device side (noise, foreign packets).
    void inject(std::vector<std::byte> octets)
    {
        run([this, octets = std::move(octets)] {
            if (pty_) pty_->write(octets);
        });
    }

    std::vector<delivery> deliveries()
    {
        std::lock_guard lock(mutex_);
        return deliveries_;
    }
    /// Sensors seen so far (each UDP source is one).
    std::size_t sensors()
    {
        std::lock_guard lock(mutex_);
        return clients_.size();
    }
    /// Frames the device could not deframe or unwrap, and datagrams written while unplugged.
    std::size_t errors() const noexcept { return errors_; }

private:
    using deframer = std::variant<framing::raw_deframer, framing::slip_deframer, framing::cobs_deframer,
                                  framing::xbee_deframer>;

    void reset_deframer()
    {
        switch (settings_.framing) {
        case transport::serial_framing::raw:
            deframer_ = framing::raw_deframer{};
            break;
        case transport::serial_framing::slip:
            deframer_ = framing::slip_deframer({.crc = settings_.crc});
            break;
        case transport::serial_framing::cobs:
            deframer_ = framing::cobs_deframer({.crc = settings_.crc});
            break;
        case transport::serial_framing::xbee:
            deframer_ = framing::xbee_deframer{};
            break;
        }
        joiner_.reset();
    }

    void signal()
    {
        const std::uint64_t one = 1;
        (void)!::write(wake_, &one, sizeof one);
    }

    /// Runs `f` on the bridge's thread (which owns the pty) and waits for it, at most 5 s.
    void run(std::function<void()> f)
    {
        auto done = std::make_shared<std::promise<void>>();
        auto future = done->get_future();
        {
            std::lock_guard lock(mutex_);
            tasks_.push_back([f = std::move(f), done] {
                f();
                done->set_value();
            });
        }
        signal();
        if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready)
            throw std::runtime_error("serial_bridge: the bridge thread did not answer");
    }

    void loop()
    {
        while (!stop_) {
            pollfd fds[3] = {{wake_, POLLIN, 0}, {sock_, POLLIN, 0}, {pty_ ? pty_->master() : -1, POLLIN, 0}};
            if (::poll(fds, 3, 200) < 0) continue;
            if (fds[0].revents & POLLIN) {
                std::uint64_t n = 0;
                (void)!::read(wake_, &n, sizeof n);
                std::vector<std::function<void()>> tasks;
                {
                    std::lock_guard lock(mutex_);
                    tasks.swap(tasks_);
                }
                for (auto& t : tasks)
                    t();
            }
            if (fds[1].revents & POLLIN) uplink();
            if (pty_ && fds[2].fd == pty_->master() && (fds[2].revents & POLLIN)) downlink();
        }
    }

    // ---- sensor -> gateway ------------------------------------------------------------------------

    void uplink()
    {
        std::byte buffer[65536];
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const auto n = ::recvfrom(sock_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n <= 0) return;
        const std::vector<std::byte> datagram(buffer, buffer + n);
        std::size_t sensor = 0;
        {
            std::lock_guard lock(mutex_);
            sensor = clients_.size();
            for (std::size_t i = 0; i < clients_.size(); ++i)
                if (clients_[i].sin_port == from.sin_port) sensor = i;
            if (sensor == clients_.size()) clients_.push_back(from);
            last_sender_ = sensor;
        }
        auto payload = datagram;
        if (settings_.mode != addressing::single) {
            const framing::forwarder_address node{settings_.mode == addressing::forwarder_v1_2
                                                      ? framing::forwarder_version::v1_2
                                                      : framing::forwarder_version::v2_0,
                                                  node_id(sensor)};
            payload = framing::wrap_forwarded(node, settings_.ctrl, datagram).value();
        }
        std::vector<std::byte> wire;
        switch (settings_.framing) {
        case transport::serial_framing::raw:
            wire = payload;
            break;
        case transport::serial_framing::slip:
            wire = framing::slip_frame(payload, {.crc = settings_.crc}).value();
            break;
        case transport::serial_framing::cobs:
            wire = framing::cobs_frame(payload, {.crc = settings_.crc}).value();
            break;
        case transport::serial_framing::xbee: {
            framing::xbee_receive_packet rx;
            // A forwarder is one radio: all its nodes come from its address.
            const auto radio = settings_.mode == addressing::single ? sensor : std::size_t{0};
            rx.source64 = xbee_address(radio);
            rx.source16 = static_cast<std::uint16_t>(0x1000 + radio);
            rx.options = 0x01;
            rx.data = payload;
            wire = framing::xbee_frame(framing::encode_xbee_frame(rx)).value();
            break;
        }
        }
        if (!pty_ || !pty_->write(wire)) ++errors_;
    }

    // ---- gateway -> sensor ------------------------------------------------------------------------

    void downlink()
    {
        const auto octets = pty_->read(std::chrono::milliseconds(0), std::chrono::milliseconds(0));
        std::span<const std::byte> in = octets;
        std::visit(
            [&](auto& d) {
                for (;;) {
                    const auto r = d.put(in);
                    in = in.subspan(r.consumed);
                    if (r.status == framing::deframe_status::need_more) return;
                    if (r.status == framing::deframe_status::corrupt) ++errors_;
                    // xbee: what the gateway sends are Transmit Requests, "other" frames to a deframer
                    // written for the gateway's side.
                    if constexpr (std::is_same_v<std::decay_t<decltype(d)>, framing::xbee_deframer>) {
                        if (r.status == framing::deframe_status::other) on_frame(d.api_frame());
                    } else if (r.status == framing::deframe_status::frame) {
                        on_frame(d.frame());
                    }
                }
            },
            deframer_);
    }

    void on_frame(std::span<const std::byte> frame)
    {
        delivery out;
        std::optional<std::size_t> to;
        std::span<const std::byte> data = frame;
        if (settings_.framing == transport::serial_framing::xbee) {
            // The frame data of a Transmit Request: the gateway's datagram and its destination.
            const auto f = framing::parse_xbee_frame(frame);
            const auto* tx = f ? std::get_if<framing::xbee_transmit_request>(&*f) : nullptr;
            if (!tx) {
                ++errors_;
                return;
            }
            out.destination64 = tx->destination64;
            data = tx->data;
            if (tx->destination64 != framing::xbee_broadcast_address)
                to = static_cast<std::size_t>(tx->destination64 - xbee_address(0));
        }
        if (settings_.mode != addressing::single) {
            auto whole = data;
            if (settings_.framing == transport::serial_framing::raw) {
                const auto joined = joiner_.put(data);
                if (!joined) return; // a v1.2 header: its message is the next packet
                whole = *joined;
            }
            const auto f = framing::unwrap_forwarded(whole);
            if (!f) {
                ++errors_;
                return;
            }
            out.node_id = f->from.node_id;
            out.version = f->from.version;
            out.ctrl = f->ctrl;
            out.datagram.assign(f->message.begin(), f->message.end());
            for (std::size_t i = 0; i < 256; ++i)
                if (node_id(i) == f->from.node_id) to = i;
        } else {
            out.datagram.assign(data.begin(), data.end());
            if (settings_.framing != transport::serial_framing::xbee) to = last_sender_;
        }
        sockaddr_in dest{};
        {
            std::lock_guard lock(mutex_);
            if (to && *to < clients_.size()) {
                out.sensor = to;
                dest = clients_[*to];
            }
            deliveries_.push_back(out);
        }
        if (out.sensor)
            (void)::sendto(sock_, out.datagram.data(), out.datagram.size(), 0,
                           reinterpret_cast<sockaddr*>(&dest), sizeof dest);
    }

    settings settings_;
    std::filesystem::path link_;
    std::unique_ptr<pty_pair> pty_;      // bridge thread only (after construction)
    deframer deframer_{};                // bridge thread only
    framing::forwarder_joiner joiner_{}; // bridge thread only
    std::optional<std::size_t> last_sender_{};
    int wake_ = -1;
    int sock_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> errors_{0};
    std::thread thread_;

    std::mutex mutex_;
    std::vector<std::function<void()>> tasks_;
    std::vector<sockaddr_in> clients_;
    std::vector<delivery> deliveries_;
};

} // namespace sngw::test
