// SPDX-License-Identifier: MIT
// sngwctl: asks a running sngw over its control socket (design §6, README "Watching the gateway:
// sngwctl"). One request line, one answer line (sngw/app/control_protocol.hpp); `top` asks every second.
// Exit status: 0 ok, 1 the gateway answered an error, 2 usage, 3 no gateway (no socket, refused, no
// answer in time, went away), 4 permission denied.
#include <sngw/app/control_path.hpp>
#include <sngw/app/control_protocol.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = boost::json;
using sngw::app::control_command;
using sngw::app::control_request;
using clock_type = std::chrono::steady_clock;

constexpr int exit_ok = 0;
constexpr int exit_answered_error = 1;
constexpr int exit_usage = 2;
constexpr int exit_no_gateway = 3;
constexpr int exit_permission = 4;

constexpr std::chrono::milliseconds answer_limit{3000};

constexpr std::string_view usage_text = R"(Usage: sngwctl [--control PATH] [--json] COMMAND [ARGS]

Asks a running sngw over its control socket.

Commands:
  status               version, uptime, broker link, links and their counters,
                       sensors by state and protocol version, message rates
  clients              one line per sensor
  client ID            everything about one sensor
  kick ID [--reason CODE]
                       end a sensor's session as a broker DISCONNECT with CODE
                       would (decimal or 0x hex; default 0x98 Administrative
                       action)
  top                  live view, refreshed every second, busiest sensors
                       first; q or Ctrl-C quits
  metrics              the Prometheus text the --metrics endpoint serves

Options (anywhere on the line):
  --control PATH       the gateway's control socket (default: the gateway's
                       default: $RUNTIME_DIRECTORY/sngw.sock, else
                       /run/sngw/sngw.sock if /run/sngw exists, else
                       $TMPDIR/sngw.sock or /tmp/sngw.sock)
  --json               print the gateway's JSON answer, one line, as sent
  -h, --help           this text

Exit status: 0 ok, 1 the gateway answered an error (e.g. unknown client),
2 usage, 3 no gateway (not running, or not answering within 3 s),
4 permission denied (the socket is group sngw, mode 0660).
)";

// ---- command line ------------------------------------------------------------------------------

struct options {
    std::string control{};
    bool json_out = false;
    std::string command{};
    std::vector<std::string> args{};
    std::optional<std::string> reason{};
};

struct usage_error {
    std::string message;
};

std::optional<std::uint8_t> parse_reason(const std::string& text)
{
    if (text.empty()) return std::nullopt;
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const std::string digits = hex ? text.substr(2) : text;
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    unsigned value = 0;
    for (char c : digits) {
        unsigned d = 0;
        if (c >= '0' && c <= '9')
            d = static_cast<unsigned>(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
            d = static_cast<unsigned>(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
            d = static_cast<unsigned>(c - 'A' + 10);
        else
            return std::nullopt;
        value = value * (hex ? 16U : 10U) + d;
    }
    if (value > 255) return std::nullopt;
    return static_cast<std::uint8_t>(value);
}

// ---- the socket --------------------------------------------------------------------------------

// Set by top's signal handlers: SIGINT/SIGTERM/SIGHUP end it, SIGWINCH redraws.
volatile std::sig_atomic_t stop_signal = 0;
volatile std::sig_atomic_t resized = 0;

struct failure {
    int code = exit_no_gateway;
    std::string message{};
};

class connection {
public:
    connection() = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection()
    {
        if (fd_ >= 0) ::close(fd_);
    }

    std::optional<failure> open(const std::string& path)
    {
        path_ = path;
        if (path.size() >= sizeof(sockaddr_un{}.sun_path))
            return failure{exit_usage, "control socket path too long: " + path};
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return failure{exit_no_gateway, std::string("socket: ") + std::strerror(errno)};
        // A UNIX connect waits only while the listener's backlog is full: bounded by SO_SNDTIMEO.
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(answer_limit.count() / 1000);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path.data(), path.size());
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) return std::nullopt;
        const int err = errno;
        if (err == EACCES || err == EPERM)
            return failure{exit_permission, "cannot reach the gateway at " + path +
                                                ": permission denied: add yourself to group sngw "
                                                "(sudo usermod -aG sngw $USER, then log in again)"};
        if (err == ENOENT || err == ECONNREFUSED || err == ENOTDIR)
            return failure{exit_no_gateway, "no gateway at " + path +
                                                " (is sngw running? if it runs with --control PATH, "
                                                "give sngwctl the same --control PATH)"};
        return failure{exit_no_gateway, "cannot reach the gateway at " + path + ": " + std::strerror(err)};
    }

    /// Sends one request line and returns the answer line (without '\n').
    std::optional<std::string> ask(const std::string& line, failure& why)
    {
        std::size_t sent = 0;
        while (sent < line.size()) {
            const auto n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                why = {exit_no_gateway,
                       "the gateway at " + path_ + " went away (" + std::strerror(errno) + ")"};
                return std::nullopt;
            }
            sent += static_cast<std::size_t>(n);
        }
        const auto deadline = clock_type::now() + answer_limit;
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string answer = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return answer;
            }
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
            if (left.count() <= 0) {
                why = {exit_no_gateway, "no answer from the gateway at " + path_ + " within 3 s"};
                return std::nullopt;
            }
            pollfd p{fd_, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR) {
                if (stop_signal == 0) continue; // a resize: keep waiting
                why = {exit_no_gateway, "interrupted"};
                return std::nullopt;
            }
            if (r <= 0) continue;
            char chunk[65536];
            const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                why = {exit_no_gateway, "the gateway at " + path_ + " went away"};
                return std::nullopt;
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

private:
    int fd_ = -1;
    std::string path_{};
    std::string buffer_{};
};

// ---- JSON helpers ------------------------------------------------------------------------------

const json::value* member(const json::value& v, std::string_view key)
{
    const auto* o = v.if_object();
    return o ? o->if_contains(key) : nullptr;
}

double num(const json::value& v, std::string_view key, double fallback = 0)
{
    const auto* m = member(v, key);
    if (!m) return fallback;
    if (m->is_int64()) return static_cast<double>(m->get_int64());
    if (m->is_uint64()) return static_cast<double>(m->get_uint64());
    if (m->is_double()) return m->get_double();
    return fallback;
}

std::uint64_t count(const json::value& v, std::string_view key)
{
    const auto* m = member(v, key);
    if (m && m->is_uint64()) return m->get_uint64();
    if (m && m->is_int64() && m->get_int64() >= 0) return static_cast<std::uint64_t>(m->get_int64());
    return 0;
}

std::string str(const json::value& v, std::string_view key)
{
    const auto* m = member(v, key);
    return m && m->is_string() ? std::string(m->get_string()) : std::string{};
}

bool flag(const json::value& v, std::string_view key)
{
    const auto* m = member(v, key);
    return m && m->is_bool() && m->get_bool();
}

const json::value& sub(const json::value& v, std::string_view key)
{
    static const json::value none;
    const auto* m = member(v, key);
    return m ? *m : none;
}

// ---- text --------------------------------------------------------------------------------------

/// Text from the gateway (a sensor's ClientId...) made safe for a terminal: control characters
/// become '?'. UTF-8 stays.
std::string safe(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    return out;
}

/// Columns a UTF-8 string takes (one per code point: good enough for ids and addresses).
std::size_t width(std::string_view s)
{
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

/// `s` cut to `w` columns (a cut ends in '~'), never splitting a code point.
std::string cut(std::string_view s, std::size_t w)
{
    if (width(s) <= w) return std::string(s);
    if (w == 0) return {};
    std::string out;
    std::size_t cols = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool lead = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
        if (lead && ++cols > w - 1) break;
        out += s[i];
    }
    return out + '~';
}

std::string left(std::string_view s, std::size_t w)
{
    auto out = cut(s, w);
    out.append(w - width(out), ' ');
    return out;
}

std::string right(std::string_view s, std::size_t w)
{
    auto out = cut(s, w);
    return std::string(w - width(out), ' ') + out;
}

std::string trimmed(std::string s)
{
    while (!s.empty() && s.back() == ' ')
        s.pop_back();
    return s;
}

std::string number(std::uint64_t n)
{
    return std::to_string(n);
}

/// 12s, 5m, 3h, 2d: fits a 5-column cell.
std::string compact(double seconds)
{
    if (seconds < 0) seconds = 0;
    const auto s = static_cast<std::uint64_t>(seconds);
    if (s < 60) return std::to_string(s) + "s";
    if (s < 3600) return std::to_string(s / 60) + "m";
    if (s < 86400) return std::to_string(s / 3600) + "h";
    return std::to_string(s / 86400) + "d";
}

/// 1h 02m 03s, 3d 04h 05m.
std::string duration_text(double seconds)
{
    const auto s = static_cast<std::uint64_t>(seconds < 0 ? 0 : seconds);
    char buf[64];
    if (s >= 86400)
        std::snprintf(buf, sizeof buf, "%llud %02lluh %02llum", static_cast<unsigned long long>(s / 86400),
                      static_cast<unsigned long long>(s / 3600 % 24),
                      static_cast<unsigned long long>(s / 60 % 60));
    else if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%lluh %02llum %02llus", static_cast<unsigned long long>(s / 3600),
                      static_cast<unsigned long long>(s / 60 % 60), static_cast<unsigned long long>(s % 60));
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%llum %02llus", static_cast<unsigned long long>(s / 60),
                      static_cast<unsigned long long>(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%llus", static_cast<unsigned long long>(s));
    return buf;
}

std::string rate(double v, std::string_view unit)
{
    char buf[64];
    if (v >= 1e6)
        std::snprintf(buf, sizeof buf, "%.1f M%.*s/s", v / 1e6, static_cast<int>(unit.size()), unit.data());
    else if (v >= 1e4)
        std::snprintf(buf, sizeof buf, "%.1f k%.*s/s", v / 1e3, static_cast<int>(unit.size()), unit.data());
    else
        std::snprintf(buf, sizeof buf, "%.1f %.*s/s", v, static_cast<int>(unit.size()), unit.data());
    return buf;
}

/// The state in at most 10 columns.
std::string state_cell(const std::string& s)
{
    if (s == "connecting_upstream") return "connecting";
    if (s == "awaiting_will_topic" || s == "awaiting_will_msg") return "will";
    if (s == "disconnected") return "discon";
    return s;
}

/// Keep-alive, or the sleep duration with a 'z' in front while asleep or awake.
std::string keep_alive_cell(const json::value& c)
{
    const auto st = str(c, "state");
    if (st == "asleep" || st == "awake") return "z" + compact(num(c, "sleep_duration"));
    const auto ka = count(c, "keep_alive");
    return ka == 0 ? "-" : compact(static_cast<double>(ka));
}

std::string seen_cell(const json::value& c)
{
    const auto* m = member(c, "last_seen_ago");
    return m && !m->is_null() ? compact(num(c, "last_seen_ago")) : "-";
}

// ---- clients -----------------------------------------------------------------------------------

// 79 columns: CLIENT ID 15, VER 3, STATE 10, ADDRESS 20, KA 5, SEEN 5, BUF 5, FLT 3, RETX 5.
std::string client_header()
{
    return left("CLIENT ID", 15) + ' ' + left("VER", 3) + ' ' + left("STATE", 10) + ' ' +
           left("ADDRESS", 20) + ' ' + right("KA", 5) + ' ' + right("SEEN", 5) + ' ' + right("BUF", 5) + ' ' +
           right("FLT", 3) + ' ' + right("RETX", 5);
}

std::string client_row(const json::value& c)
{
    return left(safe(str(c, "id")), 15) + ' ' + left(str(c, "version"), 3) + ' ' +
           left(state_cell(str(c, "state")), 10) + ' ' + left(safe(str(c, "address")), 20) + ' ' +
           right(keep_alive_cell(c), 5) + ' ' + right(seen_cell(c), 5) + ' ' +
           right(number(count(c, "buffered")), 5) + ' ' + right(number(count(c, "in_flight")), 3) + ' ' +
           right(number(count(c, "retransmissions")), 5);
}

void print_clients(const json::value& answer)
{
    const auto* list = member(answer, "clients");
    const auto n = list && list->is_array() ? list->get_array().size() : 0;
    std::cout << trimmed(client_header()) << '\n';
    if (n != 0)
        for (const auto& c : list->get_array())
            std::cout << trimmed(client_row(c)) << '\n';
    std::cout << n << (n == 1 ? " sensor" : " sensors") << '\n';
}

void print_client(const json::value& c)
{
    const auto line = [](std::string_view key, const std::string& value) {
        std::cout << left(key, 17) << value << '\n';
    };
    line("client id", safe(str(c, "id")));
    line("protocol", "MQTT-SN " + str(c, "version"));
    line("state", str(c, "state"));
    const auto link = str(c, "link");
    line("link", link.empty() ? "-" : safe(link) + " (link " + number(count(c, "link_index")) + ")");
    const auto address = str(c, "address");
    line("address", address.empty() ? "-" : safe(address));
    const auto ka = count(c, "keep_alive");
    line("keep-alive", ka == 0 ? "none" : number(ka) + " s");
    const auto sleep = count(c, "sleep_duration");
    line("sleep duration", sleep == 0 ? "-" : number(sleep) + " s");
    const auto* seen = member(c, "last_seen_ago");
    if (seen && !seen->is_null()) {
        line("last seen", str(c, "last_seen") + " (" + number(count(c, "last_seen_ago")) + " s ago)");
    } else {
        line("last seen", "never");
    }
    line("buffered", number(count(c, "buffered")) + " messages");
    line("in flight", number(count(c, "in_flight")));
    line("retransmissions", number(count(c, "retransmissions")));
    line("dropped QoS 0", number(count(c, "dropped_qos0")));
    line("topics", number(count(c, "topics")) + " registered");
    std::string subs;
    if (const auto* s = member(c, "subscriptions"); s && s->is_array())
        for (const auto& f : s->get_array())
            if (f.is_string()) subs += (subs.empty() ? "" : ", ") + safe(std::string(f.get_string()));
    line("subscriptions", subs.empty() ? "none" : subs);
    line("upstream", str(c, "upstream") + " (session " + number(count(c, "session")) + ")");
    const auto& d = sub(c, "last_disconnect");
    if (d.is_object()) {
        char code[8];
        std::snprintf(code, sizeof code, "0x%02x", static_cast<unsigned>(count(d, "reason")));
        std::string text = std::string(code) + " " + str(d, "name");
        if (const auto* ago = member(d, "ago"); ago && !ago->is_null())
            text += " at " + str(d, "time") + " (" + number(count(d, "ago")) + " s ago)";
        line("last disconnect", text);
        if (const auto rs = str(d, "reason_string"); !rs.empty()) line("  reason string", safe(rs));
    } else {
        line("last disconnect", "none");
    }
    if (flag(c, "verdict_pending")) line("verdict pending", "a DISCONNECT waits for its next wake");
    if (const auto until = str(c, "hold_down_until"); !until.empty())
        line("hold-down",
             "CONNACK 0x03 until " + until + " (" + number(count(c, "hold_down_left")) + " s left)");
    line("traffic", number(count(c, "datagrams_in")) + " datagrams in, " + number(count(c, "datagrams_out")) +
                        " out (this address)");
}

// ---- status ------------------------------------------------------------------------------------

std::string sensors_line(const json::value& s)
{
    const auto& by_state = sub(s, "by_state");
    std::string text = "sensors " + number(count(s, "total")) + ":";
    for (const char* st : {"active", "asleep", "awake", "lost"})
        text += std::string(" ") + st + " " + number(count(by_state, st));
    std::uint64_t other = 0;
    for (const char* st : {"disconnected", "awaiting_will_topic", "awaiting_will_msg", "connecting_upstream"})
        other += count(by_state, st);
    text += " other " + number(other);
    return text;
}

std::vector<std::string> status_lines(const json::value& a)
{
    std::vector<std::string> out;
    out.push_back("sngw " + str(a, "version") + ", gateway id " + number(count(a, "gateway_id")) + ", up " +
                  duration_text(num(a, "uptime")) + " (since " + str(a, "started") + ")");
    const auto& b = sub(a, "broker");
    out.push_back("broker " + safe(str(b, "address")) + (flag(b, "tls") ? " (TLS)" : "") + ": " +
                  (flag(b, "connected") ? "connected" : "NOT connected") + ", " +
                  number(count(b, "links_open")) + " links open (" + number(count(b, "links_opened")) +
                  " opened, " + number(count(b, "sends_refused")) + " sends refused)");
    out.emplace_back();
    // 79 columns: LINK 24, IN 8, OUT 8, BYTES IN 10, BYTES OUT 10, ERRORS 7, STATE 6.
    out.push_back(left("LINK", 24) + ' ' + right("DGR IN", 8) + ' ' + right("DGR OUT", 8) + ' ' +
                  right("BYTES IN", 10) + ' ' + right("BYTES OUT", 10) + ' ' + right("ERRORS", 7) + ' ' +
                  left("STATE", 6));
    if (const auto* links = member(a, "links"); links && links->is_array()) {
        for (const auto& l : links->get_array()) {
            const auto& k = sub(l, "counters");
            const auto errors = count(k, "receive_errors") + count(k, "send_errors") +
                                count(k, "framing_errors") + count(k, "crc_errors") + count(k, "drops");
            const auto& serial = sub(l, "serial");
            const std::string state = serial.is_object() ? (flag(serial, "open") ? "open" : "closed") : "-";
            out.push_back(left(safe(str(l, "name")), 24) + ' ' + right(number(count(k, "datagrams_in")), 8) +
                          ' ' + right(number(count(k, "datagrams_out")), 8) + ' ' +
                          right(number(count(k, "bytes_in")), 10) + ' ' +
                          right(number(count(k, "bytes_out")), 10) + ' ' + right(number(errors), 7) + ' ' +
                          left(state, 6));
        }
    }
    out.emplace_back();
    const auto& s = sub(a, "sensors");
    out.push_back(sensors_line(s));
    const auto& v = sub(s, "by_version");
    out.push_back("  MQTT-SN 1.2: " + number(count(v, "1.2")) + ", 2.0: " + number(count(v, "2.0")) +
                  "; buffered " + number(count(s, "buffered")) + ", in flight " +
                  number(count(s, "in_flight")));
    const auto& m = sub(a, "messages");
    const auto& from = sub(m, "from_sensors");
    const auto& to = sub(m, "to_sensors");
    const auto from_total =
        count(from, "qos_-1") + count(from, "qos_0") + count(from, "qos_1") + count(from, "qos_2");
    const auto to_total = count(to, "qos_0") + count(to, "qos_1") + count(to, "qos_2");
    out.push_back("messages from sensors " + number(from_total) +
                  " (QoS -1/0/1/2: " + number(count(from, "qos_-1")) + "/" + number(count(from, "qos_0")) +
                  "/" + number(count(from, "qos_1")) + "/" + number(count(from, "qos_2")) + "), to sensors " +
                  number(to_total) + " (0/1/2: " + number(count(to, "qos_0")) + "/" +
                  number(count(to, "qos_1")) + "/" + number(count(to, "qos_2")) + ")");
    out.push_back("retransmissions " + number(count(m, "retransmissions")) + ", QoS 0 dropped " +
                  number(count(m, "qos0_dropped")) + ", lost " + number(count(m, "clients_lost")) +
                  ", evicted " + number(count(m, "clients_evicted")));
    const auto& r = sub(a, "rates");
    char window[32];
    std::snprintf(window, sizeof window, "%.0f", num(r, "window"));
    out.push_back("rates (last " + std::string(window) + " s): in " + rate(num(r, "messages_in"), "msg") +
                  " " + rate(num(r, "bytes_in"), "B") + ", out " + rate(num(r, "messages_out"), "msg") + " " +
                  rate(num(r, "bytes_out"), "B"));
    std::string drops;
    if (const auto* d = member(a, "drops"); d && d->is_object())
        for (const auto& [what, n] : d->get_object())
            drops += (drops.empty() ? "" : ", ") + number(count(*d, what)) + " " + safe(std::string(what));
    out.push_back("dropped by the core: " + (drops.empty() ? std::string("none") : drops));
    std::string verdicts;
    if (const auto* d = member(a, "broker_disconnects"); d && d->is_array()) {
        for (const auto& e : d->get_array()) {
            char code[8];
            std::snprintf(code, sizeof code, "0x%02x", static_cast<unsigned>(count(e, "reason")));
            verdicts += (verdicts.empty() ? "" : ", ") + number(count(e, "count")) + " " + code + " " +
                        str(e, "name");
        }
    }
    out.push_back("broker disconnects: " + (verdicts.empty() ? std::string("none") : verdicts));
    return out;
}

// ---- top ---------------------------------------------------------------------------------------

extern "C" void on_stop_signal(int signo)
{
    stop_signal = signo;
}

extern "C" void on_winch(int)
{
    resized = 1;
}

/// The terminal as top found it, restored on every way out (q, Ctrl-C, SIGTERM, gateway gone).
class screen {
public:
    explicit screen(bool tty) : tty_(tty)
    {
        if (!tty_) return;
        if (::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
            termios raw = saved_;
            // Keys one by one without echo; ISIG stays, so Ctrl-C is SIGINT (handled below).
            raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
            raw.c_cc[VMIN] = 0;
            raw.c_cc[VTIME] = 0;
            termios_saved_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        }
        // Alternate screen, cursor hidden.
        write_all("\x1b[?1049h\x1b[?25l");
    }
    screen(const screen&) = delete;
    screen& operator=(const screen&) = delete;
    ~screen() { restore(); }

    void restore() noexcept
    {
        if (!tty_ || restored_) return;
        restored_ = true;
        write_all("\x1b[?25h\x1b[?1049l");
        if (termios_saved_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    }

    static void write_all(std::string_view s) noexcept
    {
        while (!s.empty()) {
            const auto n = ::write(STDOUT_FILENO, s.data(), s.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            s.remove_prefix(static_cast<std::size_t>(n));
        }
    }

private:
    bool tty_;
    termios saved_{};
    bool termios_saved_ = false;
    bool restored_ = false;
};

std::pair<std::size_t, std::size_t> terminal_size()
{
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
        return {ws.ws_col, ws.ws_row};
    return {80, 24};
}

/// One frame of `top`: header lines, then the busiest sensors (datagrams since the last frame, then
/// the most recently seen), as many as the screen holds.
std::vector<std::string> top_frame(const json::value& status, const json::value& clients,
                                   std::map<std::string, std::uint64_t>& previous, std::size_t rows,
                                   bool first)
{
    std::vector<std::string> out;
    const auto& b = sub(status, "broker");
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char clock_text[16];
    std::strftime(clock_text, sizeof clock_text, "%H:%M:%S", &tm);
    out.push_back("sngw " + str(status, "version") + "  up " + duration_text(num(status, "uptime")) +
                  "  broker " + (flag(b, "connected") ? "connected" : "DOWN") + " (" +
                  number(count(b, "links_open")) + " links)  " + clock_text + " UTC");
    const auto& s = sub(status, "sensors");
    out.push_back(sensors_line(s) + "  buffered " + number(count(s, "buffered")));
    const auto& r = sub(status, "rates");
    const auto& m = sub(status, "messages");
    out.push_back("in " + rate(num(r, "messages_in"), "msg") + " " + rate(num(r, "bytes_in"), "B") +
                  "  out " + rate(num(r, "messages_out"), "msg") + " " + rate(num(r, "bytes_out"), "B") +
                  "  retx " + number(count(m, "retransmissions")));
    out.emplace_back();
    out.push_back(client_header() + ' ' + right("ACT", 4));

    struct row {
        std::uint64_t activity;
        double seen;
        std::string id;
        const json::value* c;
    };
    std::vector<row> list;
    std::map<std::string, std::uint64_t> next;
    if (const auto* a = member(clients, "clients"); a && a->is_array()) {
        for (const auto& c : a->get_array()) {
            const auto id = str(c, "id");
            const auto total = count(c, "datagrams_in") + count(c, "datagrams_out");
            const auto it = previous.find(id);
            const auto activity =
                first || it == previous.end() || it->second > total ? 0 : total - it->second;
            next[id] = total;
            const auto* seen = member(c, "last_seen_ago");
            list.push_back({activity, seen && !seen->is_null() ? num(c, "last_seen_ago") : 1e18, id, &c});
        }
    }
    previous = std::move(next);
    std::sort(list.begin(), list.end(), [](const row& x, const row& y) {
        if (x.activity != y.activity) return x.activity > y.activity;
        if (x.seen != y.seen) return x.seen < y.seen;
        return x.id < y.id;
    });
    const std::size_t room = rows > out.size() + 1 ? rows - out.size() - 1 : 0;
    const std::size_t shown = std::min(room, list.size());
    for (std::size_t i = 0; i < shown; ++i)
        out.push_back(client_row(*list[i].c) + ' ' + right(number(list[i].activity), 4));
    std::string footer = "q quits";
    if (shown < list.size()) footer += "; " + number(list.size() - shown) + " more sensors not shown";
    out.push_back(footer);
    return out;
}

int run_top(connection& conn, bool json_out)
{
    const bool tty = ::isatty(STDOUT_FILENO) != 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGHUP, &sa, nullptr);
    struct sigaction sw {};
    sw.sa_handler = on_winch;
    sigemptyset(&sw.sa_mask);
    ::sigaction(SIGWINCH, &sw, nullptr);

    screen scr(tty && !json_out);
    std::map<std::string, std::uint64_t> previous;
    bool first = true;
    const auto status_line = sngw::app::request_line({control_command::status, {}, 0});
    const auto clients_line = sngw::app::request_line({control_command::clients, {}, 0});
    for (;;) {
        failure why;
        const auto s = conn.ask(status_line, why);
        const auto c = s ? conn.ask(clients_line, why) : std::nullopt;
        if (stop_signal != 0) break;
        if (!s || !c) {
            scr.restore();
            std::cerr << "sngwctl: " << why.message << '\n';
            return why.code;
        }
        if (json_out) {
            // Scripts: the two answers of one frame, then stop (top is for people).
            std::cout << *s << '\n' << *c << '\n';
            return exit_ok;
        }
        boost::system::error_code ec1, ec2;
        const auto sv = json::parse(*s, ec1);
        const auto cv = json::parse(*c, ec2);
        if (ec1 || ec2 || !flag(sv, "ok") || !flag(cv, "ok")) {
            scr.restore();
            std::cerr << "sngwctl: the gateway's answer was not understood\n";
            return exit_answered_error;
        }
        const auto [cols, rows] = tty ? terminal_size() : std::pair<std::size_t, std::size_t>{80, 24};
        const auto lines = top_frame(sv, cv, previous, rows, first);
        first = false;
        std::string frame = tty ? "\x1b[H" : "";
        for (std::size_t i = 0; i < lines.size() && i < rows; ++i) {
            frame += cut(trimmed(lines[i]), cols);
            if (tty) frame += "\x1b[K";
            if (i + 1 < lines.size() && i + 1 < rows) frame += tty ? "\r\n" : "\n";
        }
        if (tty) {
            frame += "\x1b[J";
        } else {
            frame += '\n';
            std::cout << frame << std::flush;
            return exit_ok; // not a terminal: one frame
        }
        screen::write_all(frame);
        // Until the next second, a key, a signal or a resize.
        const auto next = clock_type::now() + std::chrono::seconds(1);
        bool quit = false;
        while (!quit && stop_signal == 0 && resized == 0) {
            const auto left_ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(next - clock_type::now()).count();
            if (left_ms <= 0) break;
            pollfd p{STDIN_FILENO, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(left_ms));
            if (r > 0 && (p.revents & POLLIN) != 0) {
                char key = 0;
                const auto n = ::read(STDIN_FILENO, &key, 1);
                if (n == 1 && (key == 'q' || key == 'Q' || key == 3 /* ^C without ISIG */)) quit = true;
                if (n == 0) {
                    // stdin closed: wait for the timer only.
                    ::poll(nullptr, 0, static_cast<int>(left_ms));
                    break;
                }
            } else if (r > 0) {
                ::poll(nullptr, 0, static_cast<int>(left_ms));
                break;
            }
        }
        resized = 0;
        if (quit || stop_signal != 0) break;
    }
    scr.restore();
    return exit_ok;
}

// ---- main --------------------------------------------------------------------------------------

options parse(int argc, char** argv, bool& help)
{
    options o;
    std::vector<std::string> words;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&](const std::string& name) {
            if (i + 1 >= argc) throw usage_error{name + " needs a value"};
            return std::string(argv[++i]);
        };
        if (a == "-h" || a == "--help") {
            help = true;
        } else if (a == "--json") {
            o.json_out = true;
        } else if (a == "--control") {
            o.control = value(a);
            if (o.control.empty()) throw usage_error{"--control needs a path"};
        } else if (a.starts_with("--control=")) {
            o.control = a.substr(10);
        } else if (a == "--reason") {
            o.reason = value(a);
        } else if (a.starts_with("--reason=")) {
            o.reason = a.substr(9);
        } else if (a.size() > 1 && a[0] == '-' && a != "-") {
            throw usage_error{"unknown option " + a};
        } else {
            words.push_back(a);
        }
    }
    if (help) return o;
    if (words.empty()) throw usage_error{"no command given"};
    o.command = words.front();
    o.args.assign(words.begin() + 1, words.end());
    return o;
}

control_request make_request(const options& o)
{
    const auto& c = o.command;
    const auto args = [&](std::size_t n) {
        if (o.args.size() != n)
            throw usage_error{c + (n == 0 ? " takes no arguments" : " takes one argument: a client id")};
    };
    if (o.reason && c != "kick") throw usage_error{"--reason goes with kick"};
    control_request r;
    if (c == "status" || c == "top") {
        args(0);
        r.command = control_command::status;
    } else if (c == "clients") {
        args(0);
        r.command = control_command::clients;
    } else if (c == "client") {
        args(1);
        r.command = control_command::client;
        r.id = o.args[0];
    } else if (c == "kick") {
        args(1);
        r.command = control_command::kick;
        r.id = o.args[0];
        if (o.reason) {
            const auto code = parse_reason(*o.reason);
            if (!code) throw usage_error{"--reason takes a reason code from 0 to 255 (e.g. 152 or 0x98)"};
            r.reason = *code;
        }
    } else if (c == "metrics") {
        args(0);
        r.command = control_command::metrics;
    } else {
        throw usage_error{"unknown command " + safe(c)};
    }
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    bool help = false;
    options o;
    control_request request;
    try {
        o = parse(argc, argv, help);
        if (help) {
            std::cout << usage_text;
            return exit_ok;
        }
        request = make_request(o);
    } catch (const usage_error& e) {
        std::cerr << "sngwctl: " << e.message << "\nTry 'sngwctl --help'.\n";
        return exit_usage;
    }

    const auto path = sngw::app::client_control_path(o.control);
    connection conn;
    if (auto f = conn.open(path)) {
        std::cerr << "sngwctl: " << f->message << '\n';
        return f->code;
    }
    if (o.command == "top") return run_top(conn, o.json_out);

    failure why;
    const auto answer = conn.ask(sngw::app::request_line(request), why);
    if (!answer) {
        std::cerr << "sngwctl: " << why.message << '\n';
        return why.code;
    }
    boost::system::error_code ec;
    const auto v = json::parse(*answer, ec);
    if (ec || !v.is_object()) {
        std::cerr << "sngwctl: the gateway's answer is not JSON: " << ec.message() << '\n';
        return exit_answered_error;
    }
    const bool ok = flag(v, "ok");
    if (o.json_out) {
        std::cout << *answer << '\n';
        if (!ok) std::cerr << "sngwctl: " << safe(str(v, "error")) << '\n';
        return ok ? exit_ok : exit_answered_error;
    }
    if (!ok) {
        std::cerr << "sngwctl: " << safe(str(v, "error")) << '\n';
        return exit_answered_error;
    }
    switch (request.command) {
    case control_command::status:
        for (const auto& l : status_lines(v))
            std::cout << trimmed(l) << '\n';
        break;
    case control_command::clients:
        print_clients(v);
        break;
    case control_command::client:
        print_client(sub(v, "client"));
        break;
    case control_command::kick: {
        char code[8];
        std::snprintf(code, sizeof code, "0x%02x", static_cast<unsigned>(count(v, "reason")));
        std::cout << "kicked " << safe(str(v, "id")) << " (" << code << ' ' << safe(str(v, "name")) << ")\n";
        break;
    }
    case control_command::metrics:
        std::cout << str(v, "metrics");
        break;
    }
    return exit_ok;
}
