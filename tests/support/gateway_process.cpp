// SPDX-License-Identifier: MIT
#include "support/gateway_process.hpp"

#include "support/free_port.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <stdexcept>

namespace sngw::test {

bool wait_for_gwinfo(std::uint16_t port, std::chrono::milliseconds limit,
                     const std::function<bool()>& still_worth_waiting)
{
    detail::scoped_fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return false;
    const auto to = detail::loopback_v4(port);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return false;
    // SEARCHGW (MQTT-SN v1.2 §5.4.2): Length 3, MsgType 0x01, Radius 0.
    static constexpr std::array<unsigned char, 3> searchgw{0x03, 0x01, 0x00};
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline && still_worth_waiting()) {
        (void)::send(fd.get(), searchgw.data(), searchgw.size(), 0); // ECONNREFUSED until it binds
        const auto probe_end =
            std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                probe_end - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{fd.get(), POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            std::array<unsigned char, 512> buf{};
            const auto n = ::recv(fd.get(), buf.data(), buf.size(), 0);
            // GWINFO (§5.4.3): Length, MsgType 0x02, GwId.
            if (n >= 3 && buf[0] == n && buf[1] == 0x02) return true;
            if (n < 0 && errno != ECONNREFUSED && errno != EINTR) break;
        }
    }
    return false;
}

std::optional<std::filesystem::path>
gateway_process::find_binary(const std::optional<std::filesystem::path>& built)
{
    if (const char* env = std::getenv("SNGW_GATEWAY_BINARY"); env && *env) {
        if (std::filesystem::exists(env)) return std::filesystem::path(env);
        return std::nullopt;
    }
    if (built && std::filesystem::exists(*built)) return built;
    return std::nullopt;
}

gateway_process::gateway_process(gateway_options options) : options_(std::move(options))
{
    if (options_.udp_port == 0) options_.udp_port = free_udp_port();
    std::vector<std::string> argv{options_.binary.string(), "--udp",
                                  "127.0.0.1:" + std::to_string(options_.udp_port), "--broker",
                                  "127.0.0.1:" + std::to_string(options_.broker_port)};
    // Each test gateway its own control socket: the default place (/run/sngw/sngw.sock) is one per
    // machine, and a second sngw refuses to start beside a live one (tests run in parallel).
    const auto& extra = options_.extra_args;
    if (std::find(extra.begin(), extra.end(), "--control") == extra.end())
        argv.insert(argv.end(), {"--control", (dir() / "sngw.sock").string()});
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<child_process>(argv, dir() / "sngw.log");
    if (!wait_for_gwinfo(options_.udp_port, options_.start_timeout, [this] { return process_->running(); })) {
        const bool exited = !process_->running();
        const auto status = process_->stop(std::chrono::seconds(2));
        std::string cmd;
        for (const auto& a : argv)
            cmd += a + " ";
        throw std::runtime_error(
            "sngw did not answer SEARCHGW on 127.0.0.1:" + std::to_string(options_.udp_port) +
            (exited ? " (it exited: " + describe_status(status) + ")" : " within the start timeout") +
            "\ncommand: " + cmd + "\nits log:\n" + log());
    }
}

gateway_process::~gateway_process()
{
    stop();
}

std::string gateway_process::log() const
{
    return read_file(dir() / "sngw.log");
}

std::string gateway_process::describe() const
{
    auto text = log();
    constexpr std::size_t keep = 8192;
    if (text.size() > keep) text = "...\n" + text.substr(text.size() - keep);
    return "sngw on 127.0.0.1:" + std::to_string(options_.udp_port) + " (pid " +
           std::to_string(process_->pid()) + "); its log:\n" + text;
}

bool gateway_process::running()
{
    return process_->running();
}

void gateway_process::terminate() noexcept
{
    if (process_->running()) ::kill(process_->pid(), SIGTERM);
}

std::optional<int> gateway_process::wait_for(std::chrono::milliseconds limit)
{
    return process_->wait_for(limit);
}

std::optional<int> gateway_process::stop(std::chrono::milliseconds grace) noexcept
{
    return process_->stop(grace);
}

void gateway_process::kill() noexcept
{
    process_->kill();
}

std::string gateway_process::describe_status(std::optional<int> status)
{
    if (!status) return "still running";
    if (*status == -1) return "exit status unknown";
    if (WIFEXITED(*status)) return "exited " + std::to_string(WEXITSTATUS(*status));
    if (WIFSIGNALED(*status)) return "killed by signal " + std::to_string(WTERMSIG(*status));
    return "wait status " + std::to_string(*status);
}

} // namespace sngw::test
