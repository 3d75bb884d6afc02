// SPDX-License-Identifier: MIT
// The runner's side of systemd and SIGHUP (issue #8), in one process: the notifications it sends
// (READY=1 after start(), RELOADING=1 / READY=1 around a reload, STOPPING=1, WATCHDOG=1) and what a
// reload applies, refuses, or says needs a restart. Real UDP on loopback; the broker is a closed port.
#include <sngw/app/runner.hpp>

#include <sngw/app/config_parse.hpp>
#include <sngw/core/gateway.hpp>

#include "support/hex.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace sngw::app;
using namespace std::chrono_literals;

namespace {

std::uint16_t closed_tcp_port(asio::io_context& io)
{
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

app_config loopback_config(std::uint16_t broker_port)
{
    app_config c;
    c.udp = {{"127.0.0.1", 0}};
    c.broker = {"127.0.0.1", broker_port};
    c.level = log_level::info;
    return c;
}

/// A runner with its log, its notifications and the configuration the next reload reads.
struct fixture {
    asio::io_context io;
    std::vector<std::string> lines;
    logger log{log_level::info, logger::style::plain, [this](std::string_view l) { lines.emplace_back(l); }};
    std::vector<std::string> notes;
    app_config running = loopback_config(closed_tcp_port(io));
    std::function<app_config()> source = [this] { return running; };
    runner r{io, running, log,
             runner_options{.shutdown_limit = 1s,
                            .handle_signals = false,
                            .notify = [this](std::string_view s) { notes.emplace_back(s); },
                            .watchdog = {},
                            .reload_config = [this] { return source(); }}};

    fixture()
    {
        log.set_threshold(running.level);
        REQUIRE(r.open());
        r.start();
    }

    std::size_t count(const std::string& part) const
    {
        return static_cast<std::size_t>(
            std::count_if(lines.begin(), lines.end(), [&](const auto& l) { return l.find(part) != l.npos; }));
    }
    bool has(const std::string& line) const
    {
        return std::find(lines.begin(), lines.end(), line) != lines.end();
    }
};

} // namespace

TEST_CASE("start() reports READY=1 with what it listens on once every listener receives")
{
    fixture f;
    REQUIRE(f.notes.size() == 1);
    const auto port = std::to_string(f.r.local_endpoints().at(0).port());
    CHECK(
        f.notes[0].starts_with("READY=1\nSTATUS=listening on udp 127.0.0.1:" + port + "; broker 127.0.0.1:"));
    CHECK(f.notes[0].find("\nMAINPID=") != std::string::npos);
}

TEST_CASE("a reload that changes the log level applies it and is framed by RELOADING=1 and READY=1")
{
    fixture f;
    f.log.debug("before");
    f.running.level = log_level::debug;
    f.r.reload();
    CHECK(f.has("INFO reload: --log-level info -> debug\n"));
    CHECK(f.log.threshold() == log_level::debug);
    f.log.debug("after");
    CHECK(f.count("DEBUG before") == 0);
    CHECK(f.count("DEBUG after") == 1);
    REQUIRE(f.notes.size() == 3);
    CHECK(f.notes[1].starts_with("RELOADING=1\n"));
    CHECK(f.notes[1].find("\nMONOTONIC_USEC=") != std::string::npos);
    CHECK(f.notes[2].starts_with("READY=1\n"));
    CHECK(f.count("restart sngw") == 0);

    f.running.level = log_level::warn; // said at the old level, then quiet
    f.r.reload();
    CHECK(f.has("INFO reload: --log-level debug -> warn\n"));
    f.log.info("hidden");
    CHECK(f.count("hidden") == 0);
}

TEST_CASE("a reload names each changed setting that needs a restart, once, and keeps the running one")
{
    fixture f;
    const auto before = f.r.local_endpoints();
    f.running.udp = {{"127.0.0.1", 1}, {"::1", 0}};
    f.running.broker.port = 1;
    f.running.ca_file = "/etc/ssl/ca.pem";
    f.running.broker_tls = true;
    f.running.control_path = "/tmp/elsewhere.sock";
    f.running.metrics = host_port{"127.0.0.1", 9100};
    f.running.core.max_clients = 10;
    f.r.reload();
    CHECK(f.has("WARN reload: --udp changed; restart sngw to apply\n"));
    CHECK(f.has("WARN reload: --broker changed; restart sngw to apply\n"));
    CHECK(f.has("WARN reload: --broker-tls/--ca-file/--cert/--key/--tls-server-name changed; restart sngw to "
                "apply\n"));
    CHECK(f.has("WARN reload: --control changed; restart sngw to apply\n"));
    CHECK(f.has("WARN reload: --metrics changed; restart sngw to apply\n"));
    CHECK(f.has("WARN reload: --max-clients changed; restart sngw to apply\n"));
    CHECK(f.count("--udp changed") == 1);
    CHECK(f.r.local_endpoints() == before);
    CHECK(f.r.core().configuration().max_clients == 10'000);
}

TEST_CASE("a reload takes new predefined topics and credentials into the core")
{
    fixture f;
    f.running.core.predefined_topics = {{1, "a/one"}, {2, "a/two"}};
    f.running.predefined_topics_file = "/etc/sngw/topics.csv";
    f.running.core.credentials["c1"] = {"user", "secret"};
    f.running.credentials_file = "/etc/sngw/credentials";
    f.r.reload();
    CHECK(f.r.core().configuration().predefined_topics == f.running.core.predefined_topics);
    CHECK(f.r.core().configuration().credentials == f.running.core.credentials);
    CHECK(f.has("INFO reload: 2 predefined topics from /etc/sngw/topics.csv\n"));
    CHECK(f.count("INFO reload: 1 sensor credentials from /etc/sngw/credentials") == 1);
    CHECK(f.count("restart sngw") == 0);
    CHECK(f.has("INFO reload done\n"));
}

TEST_CASE("a configuration that cannot be read on reload is logged once and changes nothing")
{
    fixture f;
    f.source = []() -> app_config { throw config_error("--log-level must be error, warn, info or debug"); };
    f.r.reload();
    CHECK(f.count("ERROR reload failed, running configuration kept: --log-level must be") == 1);
    CHECK(f.log.threshold() == log_level::info);
    CHECK(f.count("reload done") == 0);
    REQUIRE(f.notes.size() == 3);
    CHECK(f.notes[2].starts_with("READY=1\n")); // systemd: still running, reload over

    // Through the real parser, as main does.
    const char* argv[] = {"sngw", "--log-level", "loud"};
    f.source = [&] { return parse_arguments(3, argv).config; };
    f.r.reload();
    CHECK(f.count("ERROR reload failed") == 2);
}

TEST_CASE("the shutdown reports STOPPING=1 and a reload during it is ignored")
{
    fixture f;
    f.r.request_shutdown();
    REQUIRE(f.notes.size() == 2);
    CHECK(f.notes[1] == "STOPPING=1\nSTATUS=shutting down\n");
    f.running.level = log_level::debug;
    f.r.reload();
    CHECK(f.notes.size() == 2);
    CHECK(f.log.threshold() == log_level::info);
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (!f.r.finished() && std::chrono::steady_clock::now() < end) {
        f.io.restart();
        f.io.run_for(10ms);
    }
    CHECK(f.r.finished());
}

TEST_CASE("with a watchdog period the runner sends WATCHDOG=1 at half of it until it stops")
{
    asio::io_context io;
    std::vector<std::string> notes;
    logger log(log_level::error, logger::style::plain, [](std::string_view) {});
    runner r(io, loopback_config(closed_tcp_port(io)), log,
             runner_options{.shutdown_limit = 1s,
                            .handle_signals = false,
                            .notify = [&](std::string_view s) { notes.emplace_back(s); },
                            .watchdog = 40ms,
                            .reload_config = {}});
    REQUIRE(r.open());
    r.start();
    const auto pings = [&] { return std::count(notes.begin(), notes.end(), "WATCHDOG=1\n"); };
    const auto end = std::chrono::steady_clock::now() + 2s;
    while (pings() < 4 && std::chrono::steady_clock::now() < end)
        io.run_for(10ms);
    CHECK(pings() >= 4);
    r.request_shutdown();
    const auto stop_end = std::chrono::steady_clock::now() + 3s;
    while (!r.finished() && std::chrono::steady_clock::now() < stop_end) {
        io.restart();
        io.run_for(10ms);
    }
    REQUIRE(r.finished());
    const auto after = pings();
    io.restart();
    io.run_for(100ms);
    CHECK(pings() == after);
}

TEST_CASE("without a configuration source SIGHUP is logged and ignored")
{
    asio::io_context io;
    std::vector<std::string> lines;
    logger log(log_level::info, logger::style::plain, [&](std::string_view l) { lines.emplace_back(l); });
    runner r(io, loopback_config(closed_tcp_port(io)), log, runner_options{.handle_signals = false});
    REQUIRE(r.open());
    r.start();
    r.reload();
    CHECK(std::find(lines.begin(), lines.end(), "WARN SIGHUP: no configuration to reload; ignored\n") !=
          lines.end());
}
