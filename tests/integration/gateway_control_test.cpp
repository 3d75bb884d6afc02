// SPDX-License-Identifier: MIT
// The control socket and sngwctl end to end (issue #7, design §6): a real sngw with --control in a
// private directory, a real mosquitto, sensors (sngw::sn_client) active, asleep and lost; the built
// sngwctl run as a program for every command in human and --json form; kick seen by the sensor; `top`
// in a pseudo-terminal of 80x24; the error paths (no gateway, no permission, bad JSON on the socket).
#include "gateway_harness.hpp"

#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace {

namespace json = boost::json;
namespace v1_2 = sngw::sn::v1_2;
using namespace std::chrono_literals;
using sngw::test::gateway_env;

std::optional<std::filesystem::path> sngwctl_binary()
{
    if (const char* env = std::getenv("SNGWCTL_BINARY"); env && *env) return std::filesystem::path(env);
#ifdef SNGWCTL_BINARY
    if (std::filesystem::exists(SNGWCTL_BINARY)) return std::filesystem::path(SNGWCTL_BINARY);
#endif
    return std::nullopt;
}

#define SNGW_REQUIRE_SNGWCTL()                                                                               \
    SNGW_REQUIRE_GATEWAY();                                                                                  \
    SNGW_SKIP_UNLESS(sngwctl_binary().has_value(), "sngwctl is not built (and SNGWCTL_BINARY is not set)")

struct ran {
    int code = -1;
    std::string output; // stdout and stderr
};

/// A gateway with its control socket in a private directory.
struct control_env {
    sngw::test::temp_dir dir{"sngw-ctl"};
    std::string socket = (dir / "sngw.sock").string();
    gateway_env env;
    int runs = 0;

    explicit control_env(std::vector<std::string> extra = {}) : env(args(socket, std::move(extra))) {}

    static std::vector<std::string> args(const std::string& socket, std::vector<std::string> extra)
    {
        auto a = gateway_env::default_args();
        a.insert(a.end(), {"--control", socket});
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }

    ran ctl(std::vector<std::string> words)
    {
        std::vector<std::string> argv{sngwctl_binary()->string(), "--control", socket};
        argv.insert(argv.end(), words.begin(), words.end());
        // A file per run: child_process appends.
        const auto out = dir / ("sngwctl-" + std::to_string(++runs) + ".out");
        ran r;
        r.code = sngw::test::run_program(argv, out, 10s);
        r.output = sngw::test::read_file(out);
        return r;
    }

    json::value ctl_json(std::vector<std::string> words)
    {
        words.push_back("--json");
        const auto r = ctl(words);
        REQUIRE_MESSAGE(r.code == 0, "sngwctl exit " << r.code << ": " << r.output << "\n" << env.describe());
        boost::system::error_code ec;
        auto v = json::parse(r.output, ec);
        REQUIRE_MESSAGE(!ec, "not JSON: " << r.output);
        CHECK(v.at("ok") == true);
        return v;
    }

    /// Polls `client ID --json` until its state is `state` (at most `limit`).
    json::value wait_state(const std::string& id, const std::string& state,
                           std::chrono::milliseconds limit = 5s)
    {
        const auto end = std::chrono::steady_clock::now() + limit;
        json::value v;
        for (;;) {
            v = ctl_json({"client", id});
            if (v.at("client").at("state") == state.c_str() || std::chrono::steady_clock::now() > end) break;
            std::this_thread::sleep_for(100ms);
        }
        REQUIRE_MESSAGE(v.at("client").at("state") == state.c_str(), id << " is not " << state << ": "
                                                                        << json::serialize(v) << "\n"
                                                                        << env.describe());
        return v;
    }
};

const json::value* find_client(const json::value& answer, const std::string& id)
{
    for (const auto& c : answer.at("clients").as_array())
        if (c.at("id") == id.c_str()) return &c;
    return nullptr;
}

/// A raw client of the control socket (what a script would do with socat).
class raw_socket {
public:
    explicit raw_socket(const std::string& path)
    {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        timeval tv{3, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path.data(), path.size());
        connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    }
    raw_socket(const raw_socket&) = delete;
    raw_socket& operator=(const raw_socket&) = delete;
    ~raw_socket() { ::close(fd_); }
    bool connected() const noexcept { return connected_; }

    std::optional<std::string> ask(const std::string& line)
    {
        if (::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
            return std::nullopt;
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                auto l = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return l;
            }
            char chunk[8192];
            const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

private:
    int fd_ = -1;
    bool connected_ = false;
    std::string buffer_{};
};

bool contains(const std::string& text, const std::string& what)
{
    return text.find(what) != std::string::npos;
}

} // namespace

TEST_CASE("sngwctl shows an active, an asleep and a lost sensor in status, clients and client")
{
    SNGW_REQUIRE_SNGWCTL();
    control_env c;
    auto active = c.env.connected_sensor("ctl-active");
    REQUIRE(active.subscribe("ctl/in", v1_2::qos::one).has_value());
    REQUIRE(active.publish("ctl/out", sngw::test::payload("x"), v1_2::qos::one).has_value());
    auto sleeper = c.env.connected_sensor("ctl-sleeper");
    REQUIRE(sleeper.disconnect(std::uint16_t{30}).has_value());
    auto lost_options = c.env.sensor_options("ctl-lost");
    lost_options.keep_alive = 1; // silent from here: lost after 1.5 s
    auto lost = c.env.connected_sensor(lost_options);
    c.wait_state("ctl-lost", "lost");

    // clients --json: every sensor, every field.
    const auto all = c.ctl_json({"clients"});
    CHECK(all.at("count") == 3);
    const auto* a = find_client(all, "ctl-active");
    const auto* s = find_client(all, "ctl-sleeper");
    const auto* l = find_client(all, "ctl-lost");
    REQUIRE(a);
    REQUIRE(s);
    REQUIRE(l);
    CHECK(a->at("state") == "active");
    CHECK(s->at("state") == "asleep");
    CHECK(l->at("state") == "lost");
    CHECK(a->at("version") == "1.2");
    CHECK(a->at("keep_alive") == 60);
    CHECK(s->at("sleep_duration") == 30);
    CHECK(l->at("keep_alive") == 1);
    CHECK(a->at("link").as_string().starts_with("udp 127.0.0.1:"));
    CHECK(a->at("link_index") == 1);
    CHECK(a->at("address") == ("127.0.0.1:" + std::to_string(active.local_port())).c_str());
    CHECK(a->at("upstream") == "connected");
    CHECK(s->at("upstream") == "connected"); // kept alive upstream while asleep (§6.14)
    CHECK(a->at("topics").as_int64() >= 1);
    CHECK(json::serialize(a->at("subscriptions")) == R"(["ctl/in"])");
    CHECK(a->at("buffered") == 0);
    CHECK(a->at("in_flight") == 0);
    CHECK(a->at("retransmissions") == 0);
    CHECK(a->at("last_seen").as_string().ends_with("Z"));
    CHECK(a->at("last_seen_ago").as_int64() < 5);
    CHECK(a->at("datagrams_in").as_int64() >= 3); // CONNECT, SUBSCRIBE, REGISTER, PUBLISH
    CHECK(a->as_object().contains("last_disconnect"));

    // client ID --json: the same object.
    const auto one = c.ctl_json({"client", "ctl-sleeper"});
    CHECK(one.at("client").at("id") == "ctl-sleeper");
    CHECK(one.at("client").at("state") == "asleep");

    // status --json: counts by state and version, the link, the broker.
    const auto st = c.ctl_json({"status"});
    CHECK(st.at("version").as_string().size() > 0);
    CHECK(st.at("gateway_id") == 7);
    CHECK(st.at("broker").at("connected") == true);
    CHECK(st.at("broker").at("links_open").as_int64() >= 2);
    CHECK(st.at("sensors").at("total") == 3);
    CHECK(st.at("sensors").at("by_state").at("active") == 1);
    CHECK(st.at("sensors").at("by_state").at("asleep") == 1);
    CHECK(st.at("sensors").at("by_state").at("lost") == 1);
    CHECK(st.at("sensors").at("by_version").at("1.2") == 3);
    REQUIRE(st.at("links").as_array().size() == 1);
    CHECK(st.at("links").at(0).at("kind") == "udp");
    CHECK(st.at("links").at(0).at("counters").at("datagrams_in").as_int64() >= 8);
    CHECK(st.at("messages").at("from_sensors").at("qos_1") == 1);
    CHECK(st.at("rates").as_object().contains("messages_in"));
    CHECK(st.at("control").at("path") == c.socket.c_str());

    // The human forms.
    const auto clients = c.ctl({"clients"});
    CHECK(clients.code == 0);
    CHECK(contains(clients.output, "CLIENT ID"));
    for (const auto* id : {"ctl-active", "ctl-sleeper", "ctl-lost"})
        CHECK_MESSAGE(contains(clients.output, id), clients.output);
    CHECK(contains(clients.output, "3 sensors"));
    for (const auto& line : [&] {
             std::vector<std::string> lines;
             std::istringstream in(clients.output);
             for (std::string x; std::getline(in, x);)
                 lines.push_back(x);
             return lines;
         }())
        CHECK_MESSAGE(line.size() <= 80, line);
    const auto detail = c.ctl({"client", "ctl-active"});
    CHECK(detail.code == 0);
    CHECK(contains(detail.output, "protocol         MQTT-SN 1.2"));
    CHECK(contains(detail.output, "state            active"));
    CHECK(contains(detail.output, "keep-alive       60 s"));
    CHECK(contains(detail.output, "subscriptions    ctl/in"));
    CHECK(contains(detail.output, "upstream         connected"));
    const auto status = c.ctl({"status"});
    CHECK(status.code == 0);
    CHECK_MESSAGE(contains(status.output, "sensors 3: active 1 asleep 1 awake 0 lost 1"), status.output);
    CHECK(contains(status.output, ": connected"));
    CHECK(contains(status.output, "udp 127.0.0.1:"));

    // metrics: the Prometheus text through the socket.
    const auto m = c.ctl({"metrics"});
    CHECK(m.code == 0);
    CHECK(contains(m.output, "# TYPE sngw_up gauge"));
    const auto mj = c.ctl_json({"metrics"});
    CHECK(contains(std::string(mj.at("metrics").as_string()), "sngw_up 1"));

    // An unknown client: exit 1 and the gateway's word.
    const auto unknown = c.ctl({"client", "nobody"});
    CHECK(unknown.code == 1);
    CHECK(contains(unknown.output, "no client \"nobody\""));
}

TEST_CASE("sngwctl kick ends a sensor's session and the sensor receives DISCONNECT")
{
    SNGW_REQUIRE_SNGWCTL();
    control_env c;
    auto s = c.env.connected_sensor("ctl-kicked");
    const auto usage = c.ctl({"kick", "ctl-kicked", "--reason", "nonsense"});
    CHECK(usage.code == 2);
    const auto not_disconnect = c.ctl({"kick", "ctl-kicked", "--reason", "0x01"});
    CHECK(not_disconnect.code == 1);
    CHECK(contains(not_disconnect.output, "not a DISCONNECT reason code"));

    const auto k = c.ctl({"kick", "ctl-kicked"});
    REQUIRE_MESSAGE(k.code == 0, k.output << "\n" << c.env.describe());
    CHECK(contains(k.output, "kicked ctl-kicked (0x98 Administrative action)"));
    bool got_disconnect = false;
    for (int i = 0; i < 5 && !got_disconnect; ++i) {
        const auto m = s.receive(2s);
        if (!m) break;
        got_disconnect = std::holds_alternative<v1_2::disconnect_msg>(*m);
    }
    CHECK_MESSAGE(got_disconnect, "no DISCONNECT after the kick\n" << c.env.describe());
    CHECK(contains(c.env.gateway->log(), "control: client ctl-kicked kicked (Administrative action)"));

    const auto again = c.ctl({"kick", "nobody", "--reason", "0x8b", "--json"});
    CHECK(again.code == 1);
    CHECK(contains(again.output, "\"ok\":false"));
}

TEST_CASE("sngwctl top draws the sensors on an 80x24 terminal and restores it on q")
{
    SNGW_REQUIRE_SNGWCTL();
    control_env c;
    auto one = c.env.connected_sensor("top-sensor-1");
    auto two = c.env.connected_sensor("top-sensor-2");

    int master = -1;
    winsize ws{};
    ws.ws_col = 80;
    ws.ws_row = 24;
    const auto binary = sngwctl_binary()->string();
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, &ws);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::execl(binary.c_str(), binary.c_str(), "--control", c.socket.c_str(), "top",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    std::string screen;
    const auto read_until = [&](const std::function<bool()>& done, std::chrono::milliseconds limit) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (!done() && std::chrono::steady_clock::now() < end) {
            pollfd p{master, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            char buf[4096];
            const auto n = ::read(master, buf, sizeof buf);
            if (n <= 0) break; // EIO: the child closed the terminal
            screen.append(buf, static_cast<std::size_t>(n));
        }
        return done();
    };
    const bool drawn =
        read_until([&] { return contains(screen, "top-sensor-1") && contains(screen, "top-sensor-2"); }, 5s);
    CHECK_MESSAGE(drawn, "screen: " << screen);
    CHECK(contains(screen, "\x1b[?1049h")); // alternate screen
    CHECK(contains(screen, "sensors 2: active 2"));
    // A second frame comes a second later.
    const auto frames = [&] {
        std::size_t n = 0;
        for (auto at = screen.find("\x1b[H"); at != std::string::npos; at = screen.find("\x1b[H", at + 1))
            ++n;
        return n;
    };
    CHECK(read_until([&] { return frames() >= 2; }, 3s));
    // No line wider than the terminal: between the cursor-home and the erase sequences.
    const auto last = screen.rfind("\x1b[H");
    REQUIRE(last != std::string::npos);
    const auto frame_end = screen.find("\x1b[J", last);
    std::string frame =
        screen.substr(last + 3, frame_end == std::string::npos ? std::string::npos : frame_end - last - 3);
    std::size_t lines = 0;
    for (std::size_t at = 0; at <= frame.size();) {
        auto nl = frame.find("\r\n", at);
        if (nl == std::string::npos) nl = frame.size();
        auto line = frame.substr(at, nl - at);
        if (const auto e = line.find("\x1b[K"); e != std::string::npos) line.erase(e);
        CHECK_MESSAGE(line.size() <= 80, line);
        ++lines;
        at = nl + 2;
    }
    CHECK(lines <= 24);

    REQUIRE(::write(master, "q", 1) == 1);
    read_until([] { return false; }, 2s); // until EIO (the child is gone) or 2 s
    int status = 0;
    pid_t waited = 0;
    for (int i = 0; i < 50 && waited == 0; ++i) {
        waited = ::waitpid(pid, &status, WNOHANG);
        if (waited == 0) std::this_thread::sleep_for(50ms);
    }
    if (waited == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    ::close(master);
    CHECK_MESSAGE(waited == pid, "top did not exit on q");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const auto leave = screen.rfind("\x1b[?1049l");
    CHECK_MESSAGE(leave != std::string::npos, "alternate screen not left");
    CHECK(screen.rfind("\x1b[?25h") != std::string::npos); // cursor shown again
    CHECK(leave > screen.rfind("top-sensor-1"));
}

TEST_CASE("sngwctl says no gateway with exit 3 and no permission with exit 4")
{
    SNGW_REQUIRE_SNGWCTL();
    sngw::test::temp_dir dir{"sngw-ctl"};
    const auto missing = (dir / "none.sock").string();
    int runs = 0;
    std::filesystem::path out;
    for (const auto* command : {"status", "clients", "top"}) {
        out = dir / ("out-" + std::to_string(++runs)); // child_process appends
        const auto code =
            sngw::test::run_program({sngwctl_binary()->string(), "--control", missing, command}, out, 10s);
        CHECK(code == 3);
        CHECK(
            contains(sngw::test::read_file(out), "sngwctl: no gateway at " + missing + " (is sngw running?"));
    }
    CHECK(sngw::test::run_program({sngwctl_binary()->string(), "frobnicate"}, dir / "out-usage", 10s) == 2);
    out = dir / "out-help";
    CHECK(sngw::test::run_program({sngwctl_binary()->string(), "--help"}, out, 10s) == 0);
    CHECK(contains(sngw::test::read_file(out), "kick ID [--reason CODE]"));

    control_env c;
    if (::geteuid() != 0) {
        MESSAGE("skipped: the permission check needs root (to drop to uid 65534)");
        return;
    }
    // nobody:nogroup, no supplementary groups: the socket is root:root 0660 in a 0700 directory.
    out = dir / "out-permission";
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    REQUIRE(fd >= 0);
    const auto binary = sngwctl_binary()->string();
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(99);
        ::execl(binary.c_str(), binary.c_str(), "--control", c.socket.c_str(), "status",
                static_cast<char*>(nullptr));
        ::_exit(98);
    }
    ::close(fd);
    int status = 0;
    pid_t waited = 0;
    for (int i = 0; i < 200 && waited == 0; ++i) {
        waited = ::waitpid(pid, &status, WNOHANG);
        if (waited == 0) std::this_thread::sleep_for(25ms);
    }
    if (waited == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 99) {
        MESSAGE("skipped: cannot drop to uid/gid 65534 here");
        return;
    }
    CHECK(WEXITSTATUS(status) == 4);
    CHECK_MESSAGE(contains(sngw::test::read_file(out), "permission denied: add yourself to group sngw"),
                  sngw::test::read_file(out));
}

TEST_CASE("bad JSON on the control socket gets an error line and the connection keeps working")
{
    SNGW_REQUIRE_SNGWCTL();
    control_env c;
    raw_socket s(c.socket);
    REQUIRE(s.connected());
    const auto bad = s.ask("{\"cmd\": \"status\"\n");
    REQUIRE(bad);
    const auto e = json::parse(*bad);
    CHECK(e.at("ok") == false);
    CHECK(std::string(e.at("error").as_string()).starts_with("not JSON"));
    const auto unknown = s.ask("{\"cmd\":\"reboot\"}\n");
    REQUIRE(unknown);
    CHECK(contains(*unknown, "unknown command"));
    const auto good = s.ask("{\"cmd\":\"status\"}\n");
    REQUIRE(good);
    const auto v = json::parse(*good);
    CHECK(v.at("ok") == true);
    CHECK(v.at("control").at("bad_requests") == 2);
    // The socket file goes with the gateway (SIGTERM).
    c.env.gateway->stop();
    CHECK_FALSE(std::filesystem::exists(c.socket));
}

namespace {

/// `sngwctl top` in an 80x24 pty; what it drew, and how it ended after `end()` was done.
struct top_run {
    std::string screen;
    int status = -1;
    bool exited = false;
};

top_run run_top(const std::string& socket, const std::function<void(pid_t)>& end)
{
    top_run r;
    int master = -1;
    winsize ws{};
    ws.ws_col = 80;
    ws.ws_row = 24;
    const auto binary = sngwctl_binary()->string();
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, &ws);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::execl(binary.c_str(), binary.c_str(), "--control", socket.c_str(), "top",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    const auto read_for = [&](const std::function<bool()>& done, std::chrono::milliseconds limit) {
        const auto stop = std::chrono::steady_clock::now() + limit;
        while (!done() && std::chrono::steady_clock::now() < stop) {
            pollfd p{master, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            char buf[4096];
            const auto n = ::read(master, buf, sizeof buf);
            if (n <= 0) break;
            r.screen.append(buf, static_cast<std::size_t>(n));
        }
    };
    read_for([&] { return contains(r.screen, "CLIENT ID"); }, 5s);
    end(pid);
    read_for([] { return false; }, 2s);
    pid_t waited = 0;
    for (int i = 0; i < 50 && waited == 0; ++i) {
        waited = ::waitpid(pid, &r.status, WNOHANG);
        if (waited == 0) std::this_thread::sleep_for(50ms);
    }
    if (waited == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &r.status, 0);
    }
    ::close(master);
    r.exited = waited == pid && WIFEXITED(r.status);
    return r;
}

} // namespace

TEST_CASE("sngwctl top restores the terminal on SIGTERM and when the gateway goes away")
{
    SNGW_REQUIRE_SNGWCTL();
    control_env c;
    const auto term = run_top(c.socket, [](pid_t pid) { ::kill(pid, SIGTERM); });
    CHECK(contains(term.screen, "CLIENT ID"));
    CHECK(term.exited);
    CHECK(WEXITSTATUS(term.status) == 0);
    CHECK(term.screen.rfind("\x1b[?1049l") != std::string::npos);
    CHECK(term.screen.rfind("\x1b[?1049l") > term.screen.rfind("CLIENT ID"));

    const auto gone = run_top(c.socket, [&](pid_t) { c.env.gateway->stop(); });
    CHECK(gone.exited);
    CHECK(WEXITSTATUS(gone.status) == 3);
    const auto leave = gone.screen.rfind("\x1b[?1049l");
    REQUIRE(leave != std::string::npos);
    CHECK(leave > gone.screen.rfind("CLIENT ID"));
    CHECK(contains(gone.screen.substr(leave), "went away"));
}
