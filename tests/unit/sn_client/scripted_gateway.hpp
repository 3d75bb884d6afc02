// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace sngw::test {

/// The wire form of a v1.2 message (throws on a message that cannot encode: a bug in the test).
inline std::vector<std::byte> wire(const sn::v1_2::message& m)
{
    auto bytes = sn::v1_2::encode(m);
    if (!bytes) throw std::invalid_argument("message does not encode");
    return *bytes;
}

/// The same for a v2.0 message.
inline std::vector<std::byte> wire_v2(const sn::v2_0::message& m)
{
    auto bytes = sn::v2_0::encode(m);
    if (!bytes) throw std::invalid_argument("message does not encode");
    return *bytes;
}

/// Which codec a scripted gateway speaks.
struct v1_2_codec {
    using message = sn::v1_2::message;
    static auto decode(std::span<const std::byte> d) { return sn::v1_2::decode(d); }
};
struct v2_0_codec {
    using message = sn::v2_0::message;
    static auto decode(std::span<const std::byte> d) { return sn::v2_0::decode(d); }
};

/// One step of a scripted gateway: wait for `expect` (exact equality), or for nothing during
/// `silence`, or neither; then send `replies` to whoever sent last.
template <class Message> struct basic_script_step {
    std::optional<Message> expect{};
    std::vector<std::vector<std::byte>> replies{};
    std::chrono::milliseconds silence{0};
};

/// A fake gateway on a loopback UDP port, run by a thread through a fixed script, so the client's
/// blocking calls can be tested without a real gateway. Every wait is bounded (`step_timeout`).
/// Mismatches are collected as text; finish() joins the thread and returns them (empty: the client
/// sent exactly what the script expected).
template <class Codec> class basic_scripted_gateway {
public:
    using message = typename Codec::message;
    using step_type = basic_script_step<message>;

    explicit basic_scripted_gateway(std::vector<step_type> script, bool ipv6 = false,
                                    std::chrono::milliseconds step_timeout = std::chrono::seconds(3))
        : script_(std::move(script)), step_timeout_(step_timeout)
    {
        fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket");
        sockaddr_storage a{};
        socklen_t len = 0;
        if (ipv6) {
            auto* a6 = reinterpret_cast<sockaddr_in6*>(&a);
            a6->sin6_family = AF_INET6;
            a6->sin6_addr = in6addr_loopback;
            len = sizeof(sockaddr_in6);
        } else {
            auto* a4 = reinterpret_cast<sockaddr_in*>(&a);
            a4->sin_family = AF_INET;
            a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            len = sizeof(sockaddr_in);
        }
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0) {
            ::close(fd_);
            throw std::runtime_error("bind");
        }
        getsockname_port();
        thread_ = std::thread([this] { run(); });
    }
    basic_scripted_gateway(const basic_scripted_gateway&) = delete;
    basic_scripted_gateway& operator=(const basic_scripted_gateway&) = delete;
    ~basic_scripted_gateway()
    {
        if (thread_.joinable()) thread_.join();
        ::close(fd_);
    }

    std::uint16_t port() const noexcept { return port_; }

    /// Waits for the script to end (each step is bounded) and returns every mismatch.
    std::vector<std::string> finish()
    {
        if (thread_.joinable()) thread_.join();
        return errors_;
    }
    /// Every message received, in order (valid after finish()).
    const std::vector<message>& received() const noexcept { return received_; }

private:
    void getsockname_port()
    {
        sockaddr_storage a{};
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = a.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port)
                                        : ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
    }

    /// One datagram within `limit`, or nullopt.
    std::optional<std::vector<std::byte>> receive(std::chrono::milliseconds limit)
    {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return std::nullopt;
        std::vector<std::byte> buf(65536);
        peer_len_ = sizeof peer_;
        const auto n =
            ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&peer_), &peer_len_);
        if (n < 0) return std::nullopt;
        buf.resize(static_cast<std::size_t>(n));
        return buf;
    }

    void run()
    {
        for (std::size_t i = 0; i < script_.size(); ++i) {
            const auto& step = script_[i];
            std::ostringstream where;
            where << "step " << i << ": ";
            if (step.silence.count() > 0) {
                if (auto got = receive(step.silence)) {
                    auto m = Codec::decode(*got);
                    std::ostringstream os;
                    os << where.str() << "expected silence, got ";
                    if (m)
                        os << *m;
                    else
                        os << "undecodable datagram";
                    errors_.push_back(os.str());
                    if (m) received_.push_back(*m);
                }
            }
            if (step.expect) {
                auto got = receive(step_timeout_);
                if (!got) {
                    std::ostringstream os;
                    os << where.str() << "nothing received, expected " << *step.expect;
                    errors_.push_back(os.str());
                    return;
                }
                auto m = Codec::decode(*got);
                if (!m) {
                    errors_.push_back(where.str() + "undecodable datagram: " + m.error().message());
                    return;
                }
                received_.push_back(*m);
                if (!(*m == *step.expect)) {
                    std::ostringstream os;
                    os << where.str() << "expected " << *step.expect << ", got " << *m;
                    errors_.push_back(os.str());
                }
            }
            for (const auto& r : step.replies)
                ::sendto(fd_, r.data(), r.size(), 0, reinterpret_cast<const sockaddr*>(&peer_), peer_len_);
        }
    }

    std::vector<step_type> script_;
    std::chrono::milliseconds step_timeout_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    sockaddr_storage peer_{};
    socklen_t peer_len_ = 0;
    std::vector<std::string> errors_;
    std::vector<message> received_;
    std::thread thread_;
};

using script_step = basic_script_step<sn::v1_2::message>;
using scripted_gateway = basic_scripted_gateway<v1_2_codec>;
using script_step_v2 = basic_script_step<sn::v2_0::message>;
using scripted_gateway_v2 = basic_scripted_gateway<v2_0_codec>;

} // namespace sngw::test
