// SPDX-License-Identifier: MIT
// sngw-pub and sngw-sub (tools/sngw_pub_sub) end to end: the real binaries against a real sngw and a
// real mosquitto on loopback, checked by an MQTT 5 peer; no gateway at all; a bad option; one run over a
// pty with --serial; and -V 2.0 runs, publishing and subscribing as MQTT-SN 2.0 sensors (issue 5).
#include "gateway_harness.hpp"

#include "support/child_process.hpp"
#include "support/free_port.hpp"
#include "support/pty_pair.hpp"
#include "support/temp_dir.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::test::child_process;
using sngw::test::gateway_env;
using sngw::test::read_file;
using sngw::test::run_program;

std::optional<fs::path> tool(const char* built, const char* name)
{
    if (const char* env = std::getenv(name)) return fs::path(env);
    if (fs::exists(built)) return fs::path(built);
    return std::nullopt;
}

#ifndef SNGW_PUB_BINARY
#define SNGW_PUB_BINARY ""
#endif
#ifndef SNGW_SUB_BINARY
#define SNGW_SUB_BINARY ""
#endif

std::optional<fs::path> pub_binary()
{
    return tool(SNGW_PUB_BINARY, "SNGW_PUB_BINARY");
}
std::optional<fs::path> sub_binary()
{
    return tool(SNGW_SUB_BINARY, "SNGW_SUB_BINARY");
}

#define SNGW_REQUIRE_TOOLS()                                                                                 \
    SNGW_SKIP_UNLESS(pub_binary() && sub_binary(), "sngw-pub / sngw-sub are not built")

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail)
{
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

/// Runs sngw-pub to completion (bounded): its exit status, its output in `out`.
int pub(const fs::path& out, const std::vector<std::string>& args)
{
    return run_program(with({pub_binary()->string()}, args), out, 20s);
}

/// Waits until `file` contains `text` (bounded).
bool wait_for_text(const fs::path& file, const std::string& text, std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (read_file(file).find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

int exit_code(std::optional<int> status)
{
    return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

std::vector<std::string> udp(const gateway_env& env)
{
    return {"-p", std::to_string(env.gateway->udp_port()), "--timeout", "3"};
}

} // namespace

TEST_CASE("sngw-pub publishes with QoS 0, 1 and 2 and an MQTT 5 subscriber sees each")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_REQUIRE_TOOLS();
    gateway_env env;
    auto observer = sngw::test::subscriber(env.broker.port(), "ps/#");
    for (int q = 0; q <= 2; ++q) {
        const auto out = env.gateway->dir() / ("pub" + std::to_string(q) + ".log");
        const auto body = "qos " + std::to_string(q);
        const int rc = pub(out, with(udp(env), {"-t", "ps/q" + std::to_string(q), "-m", body, "-q",
                                                std::to_string(q), "-i", "pub" + std::to_string(q), "-d"}));
        REQUIRE_MESSAGE(rc == 0, read_file(out) << "\n" << env.describe());
        const auto seen = observer->wait_for_payload(body);
        REQUIRE_MESSAGE(seen.has_value(), env.describe());
        CHECK(seen->topic == "ps/q" + std::to_string(q));
        CHECK(static_cast<int>(seen->qos) == q);
    }
}

TEST_CASE("sngw-pub QoS -1 to a predefined topic id needs no connection and reaches the broker")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_REQUIRE_TOOLS();
    sngw::test::temp_dir dir{"sngw-pub-qm1"};
    gateway_env env(gateway_env::with_predefined(gateway_env::default_args(), dir.path() / "predefined.csv",
                                                 {{10, "pre/ten"}}));
    auto observer = sngw::test::subscriber(env.broker.port(), "pre/#");
    const auto out = dir.path() / "pub.log";
    CHECK(pub(out, with(udp(env), {"-T", "10", "-q", "-1", "-m", "minus one"})) == 0);
    const auto seen = observer->wait_for_payload("minus one");
    REQUIRE_MESSAGE(seen.has_value(), read_file(out) << "\n" << env.describe());
    CHECK(seen->topic == "pre/ten");
}

TEST_CASE("sngw-pub -l sends one message per line of standard input over one connection")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_REQUIRE_TOOLS();
    gateway_env env;
    auto observer = sngw::test::subscriber(env.broker.port(), "lines/t");
    const auto input = env.gateway->dir() / "lines.txt";
    std::ofstream(input) << "one\ntwo\nthree\n";
    const auto out = env.gateway->dir() / "pub.log";
    std::string cmd = "exec '" + pub_binary()->string() + "' -p " + std::to_string(env.gateway->udp_port()) +
                      " -t lines/t -q 1 -l -d < '" + input.string() + "'";
    REQUIRE(run_program({"/bin/sh", "-c", cmd}, out, 20s) == 0);
    const auto got = observer->wait_for_messages(3);
    REQUIRE_MESSAGE(got.size() == 3, read_file(out));
    CHECK(got[0].payload == "one");
    CHECK(got[1].payload == "two");
    CHECK(got[2].payload == "three");
    const auto log = read_file(out);
    CHECK(log.find("-> CONNECT") == log.rfind("-> CONNECT")); // one connection
}

TEST_CASE("sngw-sub receives QoS 0, 1 and 2 from an MQTT 5 publisher and exits after -C")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_REQUIRE_TOOLS();
    gateway_env env;
    const auto out = env.gateway->dir() / "sub.log";
    child_process sub(with({sub_binary()->string()},
                           with(udp(env), {"-t", "in/#", "-q", "2", "-v", "-C", "3", "-d", "-i", "sub1"})),
                      out);
    REQUIRE_MESSAGE(wait_for_text(out, "<- SUBACK", 5s), read_file(out));
    auto feeder = sngw::test::publisher(env.broker.port());
    CHECK(feeder->publish("in/a", "m0", mqtt5::qos::at_most_once).has_value());
    CHECK(feeder->publish("in/b", "m1", mqtt5::qos::at_least_once).has_value());
    CHECK(feeder->publish("in/c", "m2", mqtt5::qos::exactly_once).has_value());
    const auto status = sub.wait_for(10s);
    const auto log = read_file(out);
    REQUIRE_MESSAGE(exit_code(status) == 0, log << "\n" << env.describe());
    CHECK(log.find("in/a m0\n") != std::string::npos);
    CHECK(log.find("in/b m1\n") != std::string::npos);
    CHECK(log.find("in/c m2\n") != std::string::npos);
}

TEST_CASE("sngw-sub --sleep 1 gets the messages published while it sleeps")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_REQUIRE_TOOLS();
    gateway_env env;
    const auto out = env.gateway->dir() / "sleeper.log";
    child_process sub(with({sub_binary()->string()}, with(udp(env), {"-t", "sleep/t", "-q", "1", "--sleep",
                                                                     "1", "-C", "2", "-i", "sleeper"})),
                      out);
    REQUIRE_MESSAGE(wait_for_text(out, "asleep for 1 s", 5s), read_file(out));
    auto feeder = sngw::test::publisher(env.broker.port());
    CHECK(feeder->publish("sleep/t", "while asleep 1", mqtt5::qos::at_least_once).has_value());
    CHECK(feeder->publish("sleep/t", "while asleep 2", mqtt5::qos::at_least_once).has_value());
    const auto status = sub.wait_for(10s);
    const auto log = read_file(out);
    REQUIRE_MESSAGE(exit_code(status) == 0, log << "\n" << env.describe());
    CHECK(log.find("while asleep 1\n") != std::string::npos);
    CHECK(log.find("while asleep 2\n") != std::string::npos);
    CHECK(log.find("sngw-sub: awake, ") != std::string::npos);
    CHECK(log.find(", asleep again for 1 s") != std::string::npos);
}

TEST_CASE("sngw-sub -k 1 keeps its connection with PINGREQs and still receives after 2.5 s")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_REQUIRE_TOOLS();
    gateway_env env;
    const auto out = env.gateway->dir() / "sub.log";
    child_process sub(
        with({sub_binary()->string()}, with(udp(env), {"-t", "ka/t", "-k", "1", "-C", "1", "-d"})), out);
    REQUIRE_MESSAGE(wait_for_text(out, "<- SUBACK", 5s), read_file(out));
    std::this_thread::sleep_for(2500ms); // past 1.5 x the keep-alive
    auto feeder = sngw::test::publisher(env.broker.port());
    CHECK(feeder->publish("ka/t", "still here", mqtt5::qos::at_least_once).has_value());
    const auto status = sub.wait_for(10s);
    const auto log = read_file(out);
    REQUIRE_MESSAGE(exit_code(status) == 0, log << "\n" << env.describe());
    CHECK(log.find("<- PINGRESP") != std::string::npos);
    CHECK(log.find("still here\n") != std::string::npos);
}

TEST_CASE("sngw-sub ends with DISCONNECT and exit status 0 on SIGTERM")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_REQUIRE_TOOLS();
    gateway_env env;
    const auto out = env.gateway->dir() / "sub.log";
    child_process sub(with({sub_binary()->string()}, with(udp(env), {"-t", "x/y", "-d"})), out);
    REQUIRE_MESSAGE(wait_for_text(out, "<- SUBACK", 5s), read_file(out));
    const auto status = sub.stop(5s);
    CHECK_MESSAGE(exit_code(status) == 0, read_file(out));
    CHECK(read_file(out).find("-> DISCONNECT") != std::string::npos);
}

TEST_CASE("with no gateway sngw-pub and sngw-sub exit 1 and say so within the timeout")
{
    SNGW_REQUIRE_TOOLS();
    sngw::test::temp_dir dir{"sngw-pub-none"};
    const auto port = std::to_string(sngw::test::free_udp_port());
    const auto start = std::chrono::steady_clock::now();
    const auto out = dir.path() / "pub.log";
    CHECK(pub(out, {"-p", port, "-t", "a/b", "-m", "x", "--timeout", "0.5"}) == 1);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK_MESSAGE(read_file(out).find("sngw-pub: no answer from 127.0.0.1:" + port + " (is sngw running?)") !=
                      std::string::npos,
                  read_file(out));
    const auto sub_out = dir.path() / "sub.log";
    CHECK(run_program({sub_binary()->string(), "-p", port, "-t", "a/b", "--timeout", "0.5"}, sub_out, 10s) ==
          1);
    CHECK(read_file(sub_out).find("sngw-sub: no answer from") != std::string::npos);
}

TEST_CASE("a bad option makes sngw-pub and sngw-sub exit 2 with a message")
{
    SNGW_REQUIRE_TOOLS();
    sngw::test::temp_dir dir{"sngw-pub-usage"};
    const auto out = dir.path() / "pub.log";
    CHECK(pub(out, {"-t", "a", "-m", "x", "-q", "7"}) == 2);
    CHECK(read_file(out).find("sngw-pub: -q: the QoS is -1, 0, 1 or 2, got '7'") != std::string::npos);
    CHECK(run_program({sub_binary()->string(), "--frobnicate"}, dir.path() / "sub.log", 10s) == 2);
    CHECK(run_program({pub_binary()->string(), "--help"}, dir.path() / "help.log", 10s) == 0);
    CHECK(read_file(dir.path() / "help.log").find("Usage: sngw-pub") != std::string::npos);
}

TEST_CASE("sngw-pub over a pty with --serial framing=slip reaches the broker through sngw --serial")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_REQUIRE_TOOLS();
    // Two ptys joined by a relay: sngw on one's slave (through a symlink), sngw-pub on the other's.
    sngw::test::temp_dir dir{"sngw-pub-serial"};
    sngw::test::pty_pair gateway_side;
    sngw::test::pty_pair tool_side;
    const auto link = dir.path() / "ttySN0";
    sngw::test::point_symlink(link, gateway_side.slave_path());
    std::atomic<bool> stop{false};
    std::thread relay([&] {
        std::byte buf[4096];
        while (!stop) {
            pollfd fds[2] = {{gateway_side.master(), POLLIN, 0}, {tool_side.master(), POLLIN, 0}};
            if (::poll(fds, 2, 50) <= 0) continue;
            for (int i = 0; i < 2; ++i) {
                if ((fds[i].revents & POLLIN) == 0) continue;
                const auto n = ::read(fds[i].fd, buf, sizeof buf);
                if (n > 0) (void)!::write(fds[1 - i].fd, buf, static_cast<std::size_t>(n));
            }
        }
    });
    struct join_relay {
        std::atomic<bool>& stop;
        std::thread& t;
        ~join_relay()
        {
            stop = true;
            t.join();
        }
    } joiner{stop, relay};

    auto args = gateway_env::default_args();
    args.insert(args.end(), {"--serial", link.string() + ",framing=slip"});
    gateway_env env(args);
    REQUIRE_MESSAGE(gateway_side.wait_slave_raw(5s), env.describe());
    auto observer = sngw::test::subscriber(env.broker.port(), "serial/#");
    const auto out = dir.path() / "pub.log";
    const int rc = pub(out, {"--serial", tool_side.slave_path() + ",framing=slip", "-t", "serial/t", "-q",
                             "1", "-m", "over slip", "-d", "--timeout", "3"});
    REQUIRE_MESSAGE(rc == 0, read_file(out) << "\n" << env.describe());
    const auto seen = observer->wait_for_payload("over slip");
    REQUIRE_MESSAGE(seen.has_value(), env.describe());
    CHECK(seen->topic == "serial/t");
}

// ---- MQTT-SN 2.0 end to end (issue 5) ----------------------------------------------------------------

TEST_CASE("sngw-pub -V 2.0 publishes with QoS 0, 1 and 2 and an MQTT 5 subscriber sees each")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_REQUIRE_TOOLS();
    gateway_env env;
    auto observer = sngw::test::subscriber(env.broker.port(), "v2/#");
    for (int q = 0; q <= 2; ++q) {
        const auto out = env.gateway->dir() / ("pub" + std::to_string(q) + ".log");
        const auto body = "v2 qos " + std::to_string(q);
        const int rc = pub(out, with(udp(env), {"-V", "2.0", "-t", "v2/q" + std::to_string(q), "-m", body,
                                                "-q", std::to_string(q), "-d"}));
        REQUIRE_MESSAGE(rc == 0, read_file(out) << "\n" << env.describe());
        const auto seen = observer->wait_for_payload(body);
        REQUIRE_MESSAGE(seen.has_value(), env.describe());
        CHECK(static_cast<int>(seen->qos) == q);
    }
    const auto out = env.gateway->dir() / "pubwos.log";
    CHECK(pub(out, with(udp(env), {"-V", "2.0", "-t", "v2/wos", "-m", "pubwos", "-q", "-1"})) == 0);
    CHECK(observer->wait_for_payload("pubwos").has_value());
}

TEST_CASE("sngw-sub -V 2.0 receives QoS 0, 1 and 2 and a sleeping v2.0 sensor gets what was buffered")
{
    SNGW_REQUIRE_GATEWAY();
    SNGW_REQUIRE_TOOLS();
    gateway_env env;
    const auto out = env.gateway->dir() / "sub.log";
    child_process sub(with({sub_binary()->string()},
                           with(udp(env), {"-V", "2.0", "-t", "v2in/#", "-q", "2", "-v", "-C", "3", "-d"})),
                      out);
    REQUIRE_MESSAGE(wait_for_text(out, "<- SUBACK", 5s), read_file(out));
    auto feeder = sngw::test::publisher(env.broker.port());
    CHECK(feeder->publish("v2in/a", "m0", mqtt5::qos::at_most_once).has_value());
    CHECK(feeder->publish("v2in/b", "m1", mqtt5::qos::at_least_once).has_value());
    CHECK(feeder->publish("v2in/c", "m2", mqtt5::qos::exactly_once).has_value());
    REQUIRE_MESSAGE(exit_code(sub.wait_for(10s)) == 0, read_file(out));
    CHECK(read_file(out).find("v2in/c m2\n") != std::string::npos);

    const auto sleeper_out = env.gateway->dir() / "sleeper.log";
    child_process sleeper(with({sub_binary()->string()}, with(udp(env), {"-V", "2.0", "-t", "v2sleep/t", "-q",
                                                                         "1", "--sleep", "1", "-C", "1"})),
                          sleeper_out);
    REQUIRE_MESSAGE(wait_for_text(sleeper_out, "asleep for 1 s", 5s), read_file(sleeper_out));
    CHECK(feeder->publish("v2sleep/t", "buffered", mqtt5::qos::at_least_once).has_value());
    REQUIRE_MESSAGE(exit_code(sleeper.wait_for(10s)) == 0, read_file(sleeper_out));
    CHECK(read_file(sleeper_out).find("buffered\n") != std::string::npos);
}
