// SPDX-License-Identifier: MIT
// sngw-bench-connections: how many MQTT 5 connections one process (one io_context, one thread) holds,
// and what each costs. Opens N mqtt_clients to a loopback mosquitto it starts itself (or to
// --host/--port), keeps them connected with a short Keep Alive so that PINGREQs flow, and reports
// connect times (TCP start to CONNACK), RSS per connection, pings, and every failure.
// A benchmark, not a test: not registered with CTest.
#include <sngw/mqtt_bridge/mqtt_client.hpp>
#include <sngw/mqtt5/io.hpp>

#include "bench_support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/program_options.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace po = boost::program_options;
namespace mqtt5 = sngw::mqtt5;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using sngw::mqtt_bridge::close_reason;
using sngw::mqtt_bridge::mqtt_client;
using sngw::bench::ms;
using sngw::bench::percentile;
using sngw::bench::raise_fd_limit;
using sngw::bench::rss_kib;

struct settings {
    std::size_t connections = 5000;
    std::uint32_t duration_s = 60;
    std::uint16_t keep_alive_s = 10;
    std::size_t parallel = 100; // connects in progress at once
    std::string host;           // empty: start mosquitto
    std::uint16_t port = 0;
    std::string mosquitto = "mosquitto";
    std::string id_prefix = "sngw-bench-";
    std::uint32_t connect_timeout_s = 10;
    std::size_t read_buffer = 4096;
};

// ---- process helpers ------------------------------------------------------------------------------

double cpu_seconds()
{
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    const auto sec = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

std::uint16_t free_loopback_port()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    std::uint16_t port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
}

bool accepts(std::uint16_t port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

/// A loopback mosquitto for the benchmark: its own config in a temp dir, its descriptor limit raised
/// before exec (it keeps one per connection), stopped with SIGTERM at the end.
class broker_process {
public:
    broker_process(const std::string& program, std::size_t connections)
    {
        char tmpl[] = "/tmp/sngw-bench-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        port_ = free_loopback_port();
        std::ofstream conf(dir_ / "mosquitto.conf");
        if (::geteuid() == 0) conf << "user root\n"; // else it drops to user mosquitto
        conf << "listener " << port_ << " 127.0.0.1\n"
             << "allow_anonymous true\n"
             << "max_connections -1\n"
             << "persistence false\n"
             << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n"
             << "log_type error\nlog_type warning\n"
             << "connection_messages false\n";
        conf.close();
        const auto limit = static_cast<rlim_t>(connections + 256);
        const std::string conf_path = (dir_ / "mosquitto.conf").string();
        const std::string log_path = (dir_ / "mosquitto.log").string();
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            // Its start-up warnings (e.g. running as root) go to the log, not into our report.
            if (const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                fd >= 0) {
                ::dup2(fd, STDOUT_FILENO);
                ::dup2(fd, STDERR_FILENO);
            }
            rlimit r{limit, limit};
            if (::setrlimit(RLIMIT_NOFILE, &r) != 0) { // not root: as far as the hard limit allows
                ::getrlimit(RLIMIT_NOFILE, &r);
                r.rlim_cur = std::min(limit, r.rlim_max);
                ::setrlimit(RLIMIT_NOFILE, &r);
            }
            ::execlp(program.c_str(), program.c_str(), "-c", conf_path.c_str(), static_cast<char*>(nullptr));
            std::perror(("exec " + program).c_str());
            ::_exit(127);
        }
        const auto deadline = clock_type::now() + 5s;
        while (!accepts(port_)) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_ || clock_type::now() > deadline) {
                pid_ = -1;
                throw std::runtime_error("mosquitto did not start; see " + (dir_ / "mosquitto.log").string());
            }
            std::this_thread::sleep_for(20ms); // startup only, before any measurement
        }
    }
    broker_process(const broker_process&) = delete;
    broker_process& operator=(const broker_process&) = delete;
    ~broker_process()
    {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
                std::this_thread::sleep_for(20ms);
            if (::waitpid(pid_, &status, WNOHANG) == 0) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
            }
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::uint16_t port() const noexcept { return port_; }
    pid_t pid() const noexcept { return pid_; }

private:
    fs::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

// ---- the benchmark ------------------------------------------------------------------------------------

struct failures {
    std::map<std::string, std::size_t> counts; // "transport: connect failed: Connection refused" -> n
    void add(const std::string& what) { ++counts[what]; }
    std::size_t total() const
    {
        std::size_t n = 0;
        for (const auto& [what, count] : counts)
            n += count;
        return n;
    }
};

struct bench {
    settings cfg;
    asio::io_context io{1};
    std::vector<std::shared_ptr<mqtt_client>> clients;
    std::vector<clock_type::time_point> started;
    std::vector<bool> connacked;                          // CONNACK Success on the current link
    std::vector<std::chrono::microseconds> connect_times; // TCP start to CONNACK, per connected client
    std::size_t next = 0;                                 // next client to start
    std::size_t pending = 0;                              // started, not yet connected or failed
    std::size_t connected = 0;                            // currently connected
    std::size_t ever_connected = 0;
    std::size_t closed = 0;
    failures connect_failures; // before CONNACK
    failures later_failures;   // during the hold
    clock_type::time_point last_connack{};

    void start_more()
    {
        while (pending < cfg.parallel && next < clients.size()) {
            started[next] = clock_type::now();
            clients[next]->connect();
            ++next;
            ++pending;
        }
    }

    void settled() // one start ended (CONNACK or failure)
    {
        --pending;
        start_more();
    }

    /// Client `i`'s link ended by a DISCONNECT, a loss or a protocol error: before its CONNACK that is
    /// a failed start, after it a connection lost while holding.
    void ended(std::size_t i, const std::string& what)
    {
        if (!connacked[i]) {
            connect_failures.add(what);
            settled();
            return;
        }
        connacked[i] = false;
        later_failures.add(what);
        --connected;
    }

    std::shared_ptr<mqtt_client> make(std::size_t i)
    {
        sngw::mqtt_bridge::mqtt_client_options o;
        o.connection.host = cfg.host;
        o.connection.port = cfg.port;
        o.connection.connect_timeout = std::chrono::seconds(cfg.connect_timeout_s);
        o.connection.read_buffer_size = cfg.read_buffer;
        o.session.connect.clean_start = true;
        o.session.connect.keep_alive = cfg.keep_alive_s;
        o.session.connect.client_id = cfg.id_prefix + std::to_string(i);
        o.session.connect_timeout = std::chrono::seconds(cfg.connect_timeout_s);
        auto* b = this; // the bench outlives every client and the io_context's run
        return mqtt_client::create(
            io.get_executor(), std::move(o),
            {
                .on_connected =
                    [b, i](const mqtt5::connected&) {
                        const auto now = clock_type::now();
                        b->connect_times.push_back(
                            std::chrono::duration_cast<std::chrono::microseconds>(now - b->started[i]));
                        b->last_connack = now;
                        b->connacked[i] = true;
                        ++b->connected;
                        ++b->ever_connected;
                        b->settled();
                    },
                .on_connect_failed =
                    [b](const mqtt5::connect_failed& f) {
                        std::ostringstream os;
                        os << "CONNACK " << f.reason;
                        b->connect_failures.add(os.str());
                        b->settled();
                    },
                .on_transport_failed =
                    [b](const sngw::mqtt_bridge::transport_failure& f) {
                        std::ostringstream os;
                        os << "transport: " << f.reason << ": " << f.ec.message();
                        b->connect_failures.add(os.str());
                        b->settled();
                    },
                .on_message = {},
                .on_publish_completed = {},
                .on_subscribe_result = {},
                .on_unsubscribe_result = {},
                .on_auth = {},
                .on_broker_disconnected =
                    [b, i](const mqtt5::broker_disconnected& d) {
                        std::ostringstream os;
                        os << "DISCONNECT from broker " << d.reason;
                        b->ended(i, os.str());
                    },
                .on_link_lost =
                    [b, i](const sngw::mqtt_bridge::link_loss& l) {
                        std::ostringstream os;
                        os << "link lost: " << l.cause << " (" << l.transport << ": " << l.ec.message()
                           << ")";
                        b->ended(i, os.str());
                    },
                .on_protocol_error =
                    [b, i](const mqtt5::protocol_error_detected& p) {
                        std::ostringstream os;
                        os << "protocol error, sent DISCONNECT " << p.sent.reason;
                        b->ended(i, os.str());
                    },
                .on_session_state_dropped = {},
                .on_closed = [b](close_reason, boost::system::error_code) { ++b->closed; },
            });
    }

    /// Runs the io_context until `done()` or `limit`; false on timeout.
    template <class Predicate> bool run_until(Predicate done, std::chrono::steady_clock::duration limit)
    {
        const auto deadline = clock_type::now() + limit;
        while (!done() && clock_type::now() < deadline) {
            io.restart();
            io.run_one_for(100ms);
        }
        return done();
    }
};

void print_failures(const char* title, const failures& f)
{
    std::cout << title << f.total() << "\n";
    for (const auto& [what, count] : f.counts)
        std::cout << "    " << count << " x " << what << "\n";
}

int run(settings cfg)
{
    if (!raise_fd_limit(static_cast<rlim_t>(cfg.connections + 64), "--connections")) return 1;

    std::optional<broker_process> broker;
    if (cfg.host.empty()) {
        broker.emplace(cfg.mosquitto, cfg.connections);
        cfg.host = "127.0.0.1";
        cfg.port = broker->port();
        std::cout << "broker: mosquitto started on 127.0.0.1:" << cfg.port << " (pid " << broker->pid()
                  << ", max_connections -1)\n";
    } else {
        std::cout << "broker: " << cfg.host << ":" << cfg.port << "\n";
    }

    bench b;
    b.cfg = cfg;
    b.clients.reserve(cfg.connections);
    b.started.assign(cfg.connections, {});
    b.connacked.assign(cfg.connections, false);
    b.connect_times.reserve(cfg.connections);
    asio::signal_set signals(b.io, SIGINT, SIGTERM);
    bool interrupted = false;
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (!ec) interrupted = true;
    });

    const long rss_before = rss_kib();
    const long broker_rss_before = broker ? rss_kib(std::to_string(broker->pid())) : 0;
    for (std::size_t i = 0; i < cfg.connections; ++i)
        b.clients.push_back(b.make(i));

    std::cout << "connecting " << cfg.connections << " clients (" << cfg.parallel << " at a time, keep-alive "
              << cfg.keep_alive_s << " s)...\n"
              << std::flush;
    const auto t0 = clock_type::now();
    b.start_more();
    const bool all_settled = b.run_until(
        [&] { return interrupted || (b.next == b.clients.size() && b.pending == 0); },
        std::chrono::seconds(cfg.connect_timeout_s) + std::chrono::milliseconds(cfg.connections * 20));
    const auto connect_total = std::chrono::duration_cast<std::chrono::microseconds>(
        (b.ever_connected ? b.last_connack : clock_type::now()) - t0);
    const long rss_connected = rss_kib();

    std::cout << "holding " << b.connected << " connections for " << cfg.duration_s << " s...\n"
              << std::flush;
    const double cpu0 = cpu_seconds();
    b.run_until([&] { return interrupted; }, std::chrono::seconds(cfg.duration_s));
    const double hold_cpu = cpu_seconds() - cpu0;
    const long rss_after = rss_kib();
    const long broker_rss_after = broker ? rss_kib(std::to_string(broker->pid())) : 0;
    const std::size_t alive = b.connected;

    std::uint64_t pingreq = 0, pingresp = 0;
    for (const auto& c : b.clients) {
        pingreq += c->counters().pingreq_sent;
        pingresp += c->counters().pingresp_received;
    }

    // Normal DISCONNECT for every connected client, then wait for the transports to close.
    const auto closing_start = clock_type::now();
    std::size_t to_close = 0;
    for (const auto& c : b.clients)
        if (c->link_open()) {
            ++to_close;
            c->disconnect();
        }
    const std::size_t closed_before = b.closed;
    b.run_until([&] { return b.closed - closed_before >= to_close; }, 30s);
    const auto closing =
        std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - closing_start);

    auto sorted = b.connect_times;
    std::sort(sorted.begin(), sorted.end());
    const auto n = static_cast<double>(std::max<std::size_t>(b.ever_connected, 1));
    std::cout.setf(std::ios::fixed);
    std::cout.precision(1);
    std::cout << "\n=== sngw-bench-connections ===\n"
              << "connections requested:     " << cfg.connections << "\n"
              << "connected (CONNACK 0x00):  " << b.ever_connected
              << (all_settled ? "" : " (connect phase timed out)") << "\n"
              << "connect phase total:       " << ms(connect_total) << " (first TCP start to last CONNACK, "
              << cfg.parallel << " in parallel)\n"
              << "connect time per client:   p50 " << ms(percentile(sorted, 0.50)) << ", p99 "
              << ms(percentile(sorted, 0.99)) << ", max "
              << ms(sorted.empty() ? std::chrono::microseconds{} : sorted.back())
              << " (TCP start to CONNACK)\n"
              << "still connected after " << cfg.duration_s << " s: " << alive << "\n"
              << "PINGREQ sent / PINGRESP:   " << pingreq << " / " << pingresp << "\n"
              << "RSS before clients:        " << rss_before << " KiB\n"
              << "RSS all connected:         " << rss_connected << " KiB\n"
              << "RSS after hold:            " << rss_after << " KiB\n"
              << "RSS per connection:        " << static_cast<double>(rss_after - rss_before) * 1024.0 / n
              << " bytes\n"
              << "CPU during hold:           " << hold_cpu << " s ("
              << 100.0 * hold_cpu / std::max(1.0, double(cfg.duration_s)) << " % of one core)\n";
    if (broker)
        std::cout << "mosquitto RSS:             " << broker_rss_before << " KiB before, " << broker_rss_after
                  << " KiB with the clients ("
                  << static_cast<double>(broker_rss_after - broker_rss_before) * 1024.0 / n
                  << " bytes per connection)\n";
    std::cout << "disconnect all:            " << ms(closing) << "\n";
    print_failures("failures before CONNACK:   ", b.connect_failures);
    print_failures("failures while holding:    ", b.later_failures);
    if (interrupted) std::cout << "(interrupted)\n";
    const bool ok =
        b.ever_connected == cfg.connections && alive == cfg.connections && b.later_failures.total() == 0;
    return ok ? 0 : 3;
}

} // namespace

int main(int argc, char** argv)
{
    settings s;
    po::options_description desc(
        "sngw-bench-connections: open N concurrent MQTT 5 connections from one process (one thread)\n"
        "to a loopback mosquitto started here (or to --host/--port), keep them alive, report\n"
        "connect times, memory per connection and pings.\n\nOptions");
    // clang-format off
    desc.add_options()
        ("help,h", "this help")
        ("connections,n", po::value(&s.connections)->default_value(s.connections), "concurrent connections")
        ("duration,d", po::value(&s.duration_s)->default_value(s.duration_s), "seconds to keep them connected")
        ("keep-alive,k", po::value(&s.keep_alive_s)->default_value(s.keep_alive_s),
         "MQTT Keep Alive, seconds (PINGREQ after this much silence)")
        ("parallel,p", po::value(&s.parallel)->default_value(s.parallel), "connects in progress at once")
        ("host", po::value(&s.host), "broker host; default: start a loopback mosquitto")
        ("port", po::value(&s.port)->default_value(1883), "broker port, with --host")
        ("mosquitto", po::value(&s.mosquitto)->default_value(s.mosquitto), "mosquitto executable to start")
        ("id-prefix", po::value(&s.id_prefix)->default_value(s.id_prefix), "client id prefix (index appended)")
        ("connect-timeout", po::value(&s.connect_timeout_s)->default_value(s.connect_timeout_s),
         "seconds for TCP connect and for CONNACK")
        ("read-buffer", po::value(&s.read_buffer)->default_value(s.read_buffer), "bytes per read, per connection");
    // clang-format on
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, desc), vm);
        if (vm.count("help")) {
            std::cout << desc << "\n";
            return 0;
        }
        po::notify(vm);
        if (s.connections == 0 || s.parallel == 0)
            throw po::error("--connections and --parallel must be > 0");
        if (s.host.empty() && !vm["port"].defaulted())
            throw po::error("--port needs --host (without --host a mosquitto is started on a free port)");
    } catch (const po::error& e) {
        std::cerr << "error: " << e.what() << "\n\n" << desc << "\n";
        return 2;
    }
    try {
        return run(s);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
