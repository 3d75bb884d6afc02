// SPDX-License-Identifier: MIT
// sngw-bench-gateway: load through a running sngw. N simulated MQTT-SN v1.2 sensors (one UDP socket each,
// one io_context, one thread) CONNECT through the gateway, REGISTER a topic each and PUBLISH QoS 0 or 1 for
// a while, at a target rate or as fast as a per-sensor window allows; an MQTT 5 subscriber on the broker
// receives everything. Reported: CONNECT->CONNACK p50/p99 (end to end: the gateway answers after the
// broker's CONNACK), PUBLISH->subscriber latency p50/p99 (a send timestamp travels in the payload; sender
// and subscriber share this process's steady clock), messages/s delivered, and the gateway's RSS per
// connected sensor (--gateway-pid). --reference runs the same load straight to the broker over MQTT 5
// (N mqtt_client publishers); --compare runs both, one after the other, and prints the ratio.
// --connect-only checks that N sensors can be connected at once (and still answer PINGREQ).
// A benchmark, not a test: not registered with CTest. tools/bench/run_gateway_bench.sh drives it.
#include <sngw/mqtt5/io.hpp>
#include <sngw/mqtt_bridge/mqtt_client.hpp>
#include <sngw/sn/v1_2/codec.hpp>

#include "bench_support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/program_options.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace po = boost::program_options;
namespace mqtt5 = sngw::mqtt5;
namespace v1_2 = sngw::sn::v1_2;
using namespace std::chrono_literals;
using udp = asio::ip::udp;
using clock_type = std::chrono::steady_clock;
using sngw::mqtt_bridge::mqtt_client;
using sngw::bench::ms;
using sngw::bench::percentile;
using sngw::bench::raise_fd_limit;
using sngw::bench::rss_kib;
using micros = std::chrono::microseconds;

struct host_port {
    std::string host;
    std::uint16_t port = 0;
};

/// "HOST:PORT" or "[V6]:PORT".
host_port parse_host_port(const std::string& text, const char* what)
{
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size())
        throw po::error(std::string(what) + ": expected HOST:PORT, got '" + text + "'");
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const long port = std::strtol(text.c_str() + colon + 1, nullptr, 10);
    if (port <= 0 || port > 65535) throw po::error(std::string(what) + ": bad port in '" + text + "'");
    return {host, static_cast<std::uint16_t>(port)};
}

struct settings {
    host_port gateway{"127.0.0.1", 1883};
    host_port broker{"127.0.0.1", 1883};
    std::size_t sensors = 100;
    int qos = 1;
    double duration_s = 10;
    double rate = 0;        // messages/s over all sensors; 0: as fast as the window allows
    std::size_t window = 1; // per sensor: QoS 1 unacknowledged, QoS 0 not yet seen by the subscriber
    std::size_t payload_size = 32;
    std::size_t parallel = 200;
    std::uint16_t keep_alive = 600;
    std::string id_prefix = "bench-";
    std::string topic_prefix = "bench/";
    bool reference = false;
    bool compare = false;
    bool connect_only = false;
    double hold_s = 5;
    long gateway_pid = 0;
    double connect_timeout_s = 60;
    double retry_s = 5;       // CONNECT / REGISTER re-sent after this long without answer
    double ack_timeout_s = 5; // a QoS 1 PUBLISH without PUBACK after this long counts as lost
};

// ---- helpers ----------------------------------------------------------------------------------------

std::uint64_t now_ns()
{
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count());
}

/// Payload: sensor index (4 octets), sequence (4), send time in steady-clock ns (8), then padding.
std::vector<std::byte> make_payload(std::size_t size, std::uint32_t index, std::uint32_t seq)
{
    std::vector<std::byte> p(std::max<std::size_t>(size, 16), std::byte{0x2e});
    const std::uint64_t t = now_ns();
    for (int i = 0; i < 4; ++i) {
        p[static_cast<std::size_t>(i)] = static_cast<std::byte>(index >> (24 - 8 * i));
        p[static_cast<std::size_t>(4 + i)] = static_cast<std::byte>(seq >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; ++i)
        p[static_cast<std::size_t>(8 + i)] = static_cast<std::byte>(t >> (56 - 8 * i));
    return p;
}

struct payload_header {
    std::uint32_t index = 0;
    std::uint32_t seq = 0;
    std::uint64_t sent_ns = 0;
};

std::optional<payload_header> read_payload(const std::vector<std::byte>& p)
{
    if (p.size() < 16) return std::nullopt;
    payload_header h;
    for (int i = 0; i < 4; ++i) {
        h.index = (h.index << 8) | std::to_integer<std::uint32_t>(p[static_cast<std::size_t>(i)]);
        h.seq = (h.seq << 8) | std::to_integer<std::uint32_t>(p[static_cast<std::size_t>(4 + i)]);
    }
    for (int i = 0; i < 8; ++i)
        h.sent_ns = (h.sent_ns << 8) | std::to_integer<std::uint64_t>(p[static_cast<std::size_t>(8 + i)]);
    return h;
}

// ---- the measurement ----------------------------------------------------------------------------------

struct results {
    std::string mode;
    std::size_t clients = 0;
    std::size_t connected = 0;
    std::vector<micros> connect_latency;
    std::map<std::string, std::size_t> connect_failures;
    double connect_phase_s = 0;
    long rss_before_kib = 0;
    long rss_after_kib = 0;
    // publishing
    double publish_s = 0;
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::map<int, std::uint64_t> ack_refused; // return / reason code -> count
    std::uint64_t ack_timeouts = 0;
    std::uint64_t credit_timeouts = 0; // QoS 0 never seen within 2 s (window credit given back)
    std::uint64_t send_errors = 0;
    std::uint64_t delivered = 0;           // all seen by the subscriber
    std::uint64_t delivered_in_window = 0; // sent during the publish phase and seen
    std::vector<micros> e2e_latency;
    std::vector<micros> ack_latency;
    clock_type::time_point publish_start{};
    clock_type::time_point last_delivery{}; // of a message sent during the publish phase
    std::uint64_t lost_links = 0;
    // connect-only
    std::size_t alive = 0;
};

class bench;

/// One simulated client: a UDP sensor through the gateway, or an MQTT 5 publisher straight to the broker.
class load_client {
public:
    explicit load_client(std::size_t index) : index_(index) {}
    virtual ~load_client() = default;
    load_client(const load_client&) = delete;
    load_client& operator=(const load_client&) = delete;

    virtual void start() = 0;
    virtual void publish(std::vector<std::byte> payload) = 0;
    virtual void ping() {}
    virtual void stop() = 0;
    virtual void sweep(clock_type::time_point) {}

    std::size_t index_;
    bool ready = false;
    bool failed = false;
    std::size_t inflight = 0; // window use
    std::uint32_t seq = 0;
    clock_type::time_point last_progress{};
};

class bench {
public:
    bench(settings cfg, bool reference) : cfg_(std::move(cfg)), reference_(reference)
    {
        res_.mode = reference ? "reference (MQTT 5 straight to the broker)"
                              : "gateway (MQTT-SN over UDP through sngw)";
        res_.clients = cfg_.sensors;
    }

    results run();

    // ---- events from the clients -------------------------------------------------------------
    void on_ready(load_client& c, micros connect_latency)
    {
        c.ready = true;
        res_.connect_latency.push_back(connect_latency);
        ++res_.connected;
        last_connect_ = clock_type::now();
        settled();
    }
    void on_connect_failed(load_client& c, const std::string& why)
    {
        if (c.failed || c.ready) return;
        c.failed = true;
        ++res_.connect_failures[why];
        settled();
    }
    void on_acked(load_client& c, int code, micros latency)
    {
        if (c.inflight > 0) --c.inflight;
        c.last_progress = clock_type::now();
        if (code == 0) {
            ++res_.acked;
            res_.ack_latency.push_back(latency);
        } else {
            ++res_.ack_refused[code];
        }
        if (cfg_.qos == 1) refill(c);
    }
    void on_ack_timeout(load_client& c)
    {
        if (c.inflight > 0) --c.inflight;
        ++res_.ack_timeouts;
        if (cfg_.qos == 1) refill(c);
    }
    void on_send_error() { ++res_.send_errors; }
    void on_lost(load_client& c)
    {
        if (c.ready) ++res_.lost_links;
        c.ready = false;
    }
    void on_ping_lost()
    {
        ++pings_lost_;
        if (pings_in_flight_ > 0) --pings_in_flight_;
        ping_more();
    }
    void on_pingresp(load_client&)
    {
        ++pingresps_;
        if (pings_in_flight_ > 0) --pings_in_flight_;
        ping_more();
    }
    void on_closed() { ++closed_; }

    const settings& cfg() const noexcept { return cfg_; }
    asio::io_context& io() noexcept { return io_; }
    const udp::endpoint& gateway_endpoint() const noexcept { return gateway_endpoint_; }

private:
    void settled()
    {
        if (pending_ > 0) --pending_;
        start_more();
    }
    void start_more()
    {
        while (pending_ < cfg_.parallel && next_ < clients_.size()) {
            clients_[next_++]->start();
            ++pending_;
        }
    }
    /// PINGREQ from the next ready sensors, `parallel` at a time (a burst of thousands of datagrams
    /// would overflow the gateway's socket receive buffer and measure that instead).
    void ping_more()
    {
        while (pings_in_flight_ < cfg_.parallel && next_ping_ < clients_.size()) {
            auto& c = *clients_[next_ping_++];
            if (!c.ready) continue;
            ++pings_in_flight_;
            ++pings_sent_;
            c.ping();
        }
    }
    /// Publishes from `c` while it has window left (as-fast-as-possible mode).
    void refill(load_client& c)
    {
        if (!publishing_ || cfg_.rate > 0 || !c.ready) return;
        while (c.inflight < cfg_.window && publishing_)
            send_one(c);
    }
    void send_one(load_client& c)
    {
        if (clock_type::now() >= publish_end_) { // the phase is over: what is sent now would not count
            publishing_ = false;
            return;
        }
        ++c.inflight;
        ++res_.sent;
        c.last_progress = clock_type::now();
        c.publish(make_payload(cfg_.payload_size, static_cast<std::uint32_t>(c.index_), c.seq++));
    }
    void on_message(const mqtt5::message_received& m)
    {
        const auto h = read_payload(m.message.payload);
        if (!h) return;
        ++res_.delivered;
        const auto sent_at = clock_type::time_point(std::chrono::nanoseconds(h->sent_ns));
        if (sent_at >= publish_start_ && sent_at < publish_end_) {
            ++res_.delivered_in_window;
            res_.last_delivery = clock_type::now();
            res_.e2e_latency.push_back(std::chrono::duration_cast<micros>(clock_type::now() - sent_at));
        }
        if (cfg_.qos == 0 && h->index < clients_.size()) {
            auto& c = *clients_[h->index];
            if (c.inflight > 0) --c.inflight;
            c.last_progress = clock_type::now();
            refill(c);
        }
    }
    void arm_sweep();
    void arm_tick();
    template <class Predicate> bool run_until(Predicate done, clock_type::duration limit)
    {
        const auto deadline = clock_type::now() + limit;
        while (!done() && !interrupted_ && clock_type::now() < deadline) {
            io_.restart();
            io_.run_one_for(50ms);
        }
        return done();
    }
    bool connect_subscriber();

    settings cfg_;
    bool reference_;
    asio::io_context io_{1};
    udp::endpoint gateway_endpoint_;
    std::shared_ptr<mqtt_client> subscriber_;
    bool subscriber_connected_ = false;
    bool subscribed_ = false;
    std::vector<std::unique_ptr<load_client>> clients_;
    std::size_t next_ = 0;
    std::size_t pending_ = 0;
    clock_type::time_point last_connect_{};
    bool publishing_ = false;
    clock_type::time_point publish_start_ = clock_type::time_point::max();
    clock_type::time_point publish_end_ = clock_type::time_point::max();
    std::size_t round_robin_ = 0;
    std::size_t pingresps_ = 0;
    std::size_t pings_in_flight_ = 0;
    std::size_t pings_sent_ = 0;
    std::size_t pings_lost_ = 0;
    std::size_t next_ping_ = 0;
    std::size_t closed_ = 0;
    bool interrupted_ = false;
    asio::steady_timer sweep_timer_{io_};
    asio::steady_timer tick_timer_{io_};
    results res_;

    friend class sn_sensor;
    friend class mqtt_publisher;
};

// ---- an MQTT-SN sensor over UDP ----------------------------------------------------------------------

class sn_sensor final : public load_client {
public:
    sn_sensor(bench& b, std::size_t index) : load_client(index), b_(b), socket_(b.io()) {}

    void start() override
    {
        boost::system::error_code ec;
        socket_.open(b_.gateway_endpoint().protocol(), ec);
        if (!ec) socket_.connect(b_.gateway_endpoint(), ec);
        if (!ec) socket_.non_blocking(true, ec);
        if (ec) {
            b_.on_connect_failed(*this, "socket: " + ec.message());
            return;
        }
        do_receive();
        phase_ = phase::connecting;
        connect_sent_ = clock_type::now();
        send_connect();
    }

    void publish(std::vector<std::byte> payload) override
    {
        v1_2::publish_msg p;
        p.q = b_.cfg().qos == 1 ? v1_2::qos::one : v1_2::qos::zero;
        p.topic_id = topic_id_;
        if (p.q == v1_2::qos::one) {
            p.msg_id = next_msg_id();
            pending_.push_back({p.msg_id, clock_type::now()});
        }
        p.data = std::move(payload);
        send(p);
    }

    void ping() override
    {
        ping_pending_ = true;
        ping_sent_ = clock_type::now();
        send(v1_2::pingreq_msg{});
    }
    bool ping_pending() const noexcept { return ping_pending_; }

    void stop() override
    {
        if (phase_ == phase::ready || phase_ == phase::registering) {
            phase_ = phase::closing;
            send(v1_2::disconnect_msg{});
        }
    }

    void sweep(clock_type::time_point now) override
    {
        const auto retry =
            std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(b_.cfg().retry_s));
        if ((phase_ == phase::connecting || phase_ == phase::registering) && now - last_request_ > retry) {
            if (phase_ == phase::connecting)
                send_connect();
            else
                send_register();
        }
        // A PINGREQ or its PINGRESP lost (a burst overflowing a socket buffer): ask again, 3 times at most.
        if (ping_pending_ && now - ping_sent_ > retry) {
            if (ping_tries_ < 3) {
                ++ping_tries_;
                ping();
            } else {
                ping_pending_ = false;
                b_.on_ping_lost();
            }
        }
        const auto ack_timeout = std::chrono::duration_cast<clock_type::duration>(
            std::chrono::duration<double>(b_.cfg().ack_timeout_s));
        while (!pending_.empty() && now - pending_.front().second > ack_timeout) {
            pending_.pop_front();
            b_.on_ack_timeout(*this);
        }
    }

private:
    enum class phase { idle, connecting, registering, ready, closing, failed };

    std::uint16_t next_msg_id()
    {
        const auto id = msg_id_;
        msg_id_ = static_cast<std::uint16_t>(msg_id_ == 0xFFFF ? 1 : msg_id_ + 1);
        return id;
    }

    std::string client_id() const { return b_.cfg().id_prefix + std::to_string(index_); }

    void send_connect()
    {
        last_request_ = clock_type::now();
        send(v1_2::connect_msg{false, true, b_.cfg().keep_alive, client_id()});
    }

    void send_register()
    {
        last_request_ = clock_type::now();
        register_msg_id_ = next_msg_id();
        send(v1_2::register_msg{0, register_msg_id_, b_.cfg().topic_prefix + "s" + std::to_string(index_)});
    }

    void send(const v1_2::message& m)
    {
        out_.clear();
        if (!v1_2::encode(m, out_)) {
            b_.on_send_error();
            return;
        }
        boost::system::error_code ec;
        socket_.send(asio::buffer(out_), 0, ec);
        if (ec) b_.on_send_error(); // would_block: the socket buffer is full; the datagram is lost
    }

    void do_receive()
    {
        socket_.async_receive(asio::buffer(rx_), [this](boost::system::error_code ec, std::size_t n) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec) on_datagram(n);
            // connection_refused (ICMP): nothing listens at the gateway's address; keep receiving.
            if (socket_.is_open()) do_receive();
        });
    }

    void on_datagram(std::size_t n)
    {
        auto decoded = v1_2::decode(std::span<const std::byte>(rx_.data(), n));
        if (!decoded) return;
        const auto now = clock_type::now();
        if (const auto* c = std::get_if<v1_2::connack_msg>(&*decoded)) {
            if (phase_ != phase::connecting) return;
            if (c->return_code != 0) {
                phase_ = phase::failed;
                std::ostringstream os;
                os << "CONNACK 0x" << std::hex << std::setw(2) << std::setfill('0') << int(c->return_code);
                b_.on_connect_failed(*this, os.str());
                return;
            }
            connect_latency_ = std::chrono::duration_cast<micros>(now - connect_sent_);
            if (b_.cfg().connect_only) {
                phase_ = phase::ready;
                b_.on_ready(*this, connect_latency_);
            } else {
                phase_ = phase::registering;
                send_register();
            }
        } else if (const auto* r = std::get_if<v1_2::regack_msg>(&*decoded)) {
            if (phase_ != phase::registering || r->msg_id != register_msg_id_) return;
            if (r->return_code != 0) {
                phase_ = phase::failed;
                b_.on_connect_failed(*this, "REGACK " + std::to_string(r->return_code));
                return;
            }
            topic_id_ = r->topic_id;
            phase_ = phase::ready;
            b_.on_ready(*this, connect_latency_);
        } else if (const auto* a = std::get_if<v1_2::puback_msg>(&*decoded)) {
            for (auto it = pending_.begin(); it != pending_.end(); ++it) {
                if (it->first != a->msg_id) continue;
                const auto latency = std::chrono::duration_cast<micros>(now - it->second);
                pending_.erase(it);
                b_.on_acked(*this, a->return_code, latency);
                break;
            }
        } else if (std::holds_alternative<v1_2::pingresp_msg>(*decoded)) {
            if (!ping_pending_) return;
            ping_pending_ = false;
            b_.on_pingresp(*this);
        } else if (std::holds_alternative<v1_2::disconnect_msg>(*decoded)) {
            if (phase_ == phase::closing) {
                phase_ = phase::idle;
                b_.on_closed();
            } else if (phase_ == phase::connecting || phase_ == phase::registering) {
                phase_ = phase::failed;
                b_.on_connect_failed(*this, "DISCONNECT from the gateway");
            } else {
                phase_ = phase::failed;
                b_.on_lost(*this);
            }
        }
    }

    bench& b_;
    udp::socket socket_;
    std::array<std::byte, 1024> rx_{};
    std::vector<std::byte> out_;
    phase phase_ = phase::idle;
    clock_type::time_point connect_sent_{};
    clock_type::time_point last_request_{};
    micros connect_latency_{};
    std::uint16_t msg_id_ = 1;
    std::uint16_t register_msg_id_ = 0;
    std::uint16_t topic_id_ = 0;
    std::deque<std::pair<std::uint16_t, clock_type::time_point>> pending_; // QoS 1: msg id, sent
    bool ping_pending_ = false;
    clock_type::time_point ping_sent_{};
    unsigned ping_tries_ = 0;
};

// ---- an MQTT 5 publisher straight to the broker (the reference) --------------------------------------

class mqtt_publisher final : public load_client {
public:
    mqtt_publisher(bench& b, std::size_t index) : load_client(index), b_(b)
    {
        sngw::mqtt_bridge::mqtt_client_options o;
        o.connection.host = b.cfg().broker.host;
        o.connection.port = b.cfg().broker.port;
        o.connection.connect_timeout = std::chrono::seconds(30);
        o.session.connect.clean_start = true;
        o.session.connect.keep_alive = b.cfg().keep_alive;
        o.session.connect.client_id = "ref-" + b.cfg().id_prefix + std::to_string(index);
        o.session.connect_timeout = std::chrono::seconds(30);
        topic_ = b.cfg().topic_prefix + "s" + std::to_string(index);
        client_ = mqtt_client::create(
            b.io().get_executor(), std::move(o),
            {
                .on_connected =
                    [this](const mqtt5::connected&) {
                        connacked_ = true;
                        b_.on_ready(*this, std::chrono::duration_cast<micros>(clock_type::now() - started_));
                    },
                .on_connect_failed =
                    [this](const mqtt5::connect_failed& f) {
                        std::ostringstream os;
                        os << "CONNACK " << f.reason;
                        b_.on_connect_failed(*this, os.str());
                    },
                .on_transport_failed =
                    [this](const sngw::mqtt_bridge::transport_failure& f) {
                        std::ostringstream os;
                        os << "transport: " << f.reason << ": " << f.ec.message();
                        b_.on_connect_failed(*this, os.str());
                    },
                .on_message = {},
                .on_publish_completed =
                    [this](const mqtt5::publish_completed& c) {
                        auto it = pending_.find(c.packet_id);
                        if (it == pending_.end()) return;
                        const auto latency =
                            std::chrono::duration_cast<micros>(clock_type::now() - it->second);
                        pending_.erase(it);
                        b_.on_acked(*this, static_cast<int>(c.reason) < 0x80 ? 0 : static_cast<int>(c.reason),
                                    latency);
                    },
                .on_subscribe_result = {},
                .on_unsubscribe_result = {},
                .on_auth = {},
                .on_broker_disconnected = [this](const mqtt5::broker_disconnected&) { b_.on_lost(*this); },
                .on_link_lost = [this](const sngw::mqtt_bridge::link_loss&) { b_.on_lost(*this); },
                .on_protocol_error = [this](const mqtt5::protocol_error_detected&) { b_.on_lost(*this); },
                .on_session_state_dropped = {},
                .on_closed =
                    [this](sngw::mqtt_bridge::close_reason, boost::system::error_code) {
                        if (!connacked_) b_.on_connect_failed(*this, "closed before CONNACK");
                        b_.on_closed();
                    },
            });
    }
    ~mqtt_publisher() override { client_.reset(); }

    void start() override
    {
        started_ = clock_type::now();
        client_->connect();
    }

    void publish(std::vector<std::byte> payload) override
    {
        const auto q = b_.cfg().qos == 1 ? mqtt5::qos::at_least_once : mqtt5::qos::at_most_once;
        const auto r = client_->publish(topic_, std::move(payload), q);
        if (r.status == mqtt5::request_status::refused || r.status == mqtt5::request_status::not_connected) {
            b_.on_send_error();
            if (inflight > 0) --inflight;
            return;
        }
        if (q == mqtt5::qos::at_least_once) pending_[r.packet_id] = clock_type::now();
    }

    void stop() override
    {
        if (client_->link_open()) client_->disconnect();
    }

private:
    bench& b_;
    std::shared_ptr<mqtt_client> client_;
    std::string topic_;
    clock_type::time_point started_{};
    bool connacked_ = false;
    std::map<std::uint16_t, clock_type::time_point> pending_;
};

// ---- the run ------------------------------------------------------------------------------------------

void bench::arm_sweep()
{
    sweep_timer_.expires_after(200ms);
    sweep_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        const auto now = clock_type::now();
        for (auto& c : clients_) {
            c->sweep(now);
            // QoS 0 has no acknowledgement: a message not seen by the subscriber within 2 s gives its
            // window slot back (counted), so one lost datagram does not stop a sensor.
            if (cfg_.qos == 0 && c->inflight > 0 && now - c->last_progress > 2s) {
                res_.credit_timeouts += c->inflight;
                c->inflight = 0;
                refill(*c);
            }
        }
        arm_sweep();
    });
}

void bench::arm_tick()
{
    // Paced mode: every millisecond, send what the target rate says is due, round-robin over the
    // sensors that have window left.
    tick_timer_.expires_after(1ms);
    tick_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || !publishing_) return;
        const double elapsed = std::chrono::duration<double>(clock_type::now() - publish_start_).count();
        auto due = static_cast<std::int64_t>(cfg_.rate * elapsed) - static_cast<std::int64_t>(res_.sent);
        std::size_t skipped = 0;
        while (due > 0 && skipped < clients_.size()) {
            auto& c = *clients_[round_robin_];
            round_robin_ = (round_robin_ + 1) % clients_.size();
            if (!c.ready || c.inflight >= cfg_.window) {
                ++skipped;
                continue;
            }
            skipped = 0;
            send_one(c);
            --due;
        }
        arm_tick();
    });
}

bool bench::connect_subscriber()
{
    sngw::mqtt_bridge::mqtt_client_options o;
    o.connection.host = cfg_.broker.host;
    o.connection.port = cfg_.broker.port;
    o.connection.connect_timeout = 5s;
    o.connection.read_buffer_size = 64 * 1024;
    o.session.connect.clean_start = true;
    o.session.connect.keep_alive = 60;
    o.session.connect.client_id = std::string("bench-subscriber-") + (reference_ ? "ref" : "gw");
    o.session.connect_timeout = 5s;
    subscriber_ = mqtt_client::create(
        io_.get_executor(), std::move(o),
        {
            .on_connected = [this](const mqtt5::connected&) { subscriber_connected_ = true; },
            .on_connect_failed = {},
            .on_transport_failed = {},
            .on_message = [this](const mqtt5::message_received& m) { on_message(m); },
            .on_publish_completed = {},
            .on_subscribe_result = [this](const mqtt5::subscribe_result&) { subscribed_ = true; },
            .on_unsubscribe_result = {},
            .on_auth = {},
            .on_broker_disconnected = {},
            .on_link_lost = {},
            .on_protocol_error = {},
            .on_session_state_dropped = {},
            .on_closed = [this](sngw::mqtt_bridge::close_reason,
                                boost::system::error_code) { subscriber_connected_ = false; },
        });
    subscriber_->connect();
    if (!run_until([&] { return subscriber_connected_; }, 5s)) return false;
    subscriber_->subscribe(cfg_.topic_prefix + "#",
                           cfg_.qos == 1 ? mqtt5::qos::at_least_once : mqtt5::qos::at_most_once);
    return run_until([&] { return subscribed_; }, 5s);
}

results bench::run()
{
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    signals.async_wait([this](boost::system::error_code ec, int) {
        if (!ec) interrupted_ = true;
    });
    if (!reference_) {
        udp::resolver resolver(io_);
        const auto found = resolver.resolve(cfg_.gateway.host, std::to_string(cfg_.gateway.port));
        gateway_endpoint_ = found.begin()->endpoint();
    }
    if (!cfg_.connect_only && !connect_subscriber()) {
        std::cerr << "error: the subscriber could not connect and subscribe to " << cfg_.broker.host << ":"
                  << cfg_.broker.port << "\n";
        res_.connect_failures["subscriber"] = 1;
        return res_;
    }
    for (std::size_t i = 0; i < cfg_.sensors; ++i) {
        if (reference_)
            clients_.push_back(std::make_unique<mqtt_publisher>(*this, i));
        else
            clients_.push_back(std::make_unique<sn_sensor>(*this, i));
    }
    const std::string pid = std::to_string(cfg_.gateway_pid);
    if (cfg_.gateway_pid > 0 && !reference_) res_.rss_before_kib = rss_kib(pid);

    // Connect everyone, `parallel` at a time.
    arm_sweep();
    const auto t0 = clock_type::now();
    start_more();
    run_until([&] { return next_ == clients_.size() && pending_ == 0; },
              std::chrono::duration_cast<clock_type::duration>(
                  std::chrono::duration<double>(cfg_.connect_timeout_s)));
    res_.connect_phase_s =
        std::chrono::duration<double>((res_.connected ? last_connect_ : clock_type::now()) - t0).count();
    for (auto& c : clients_)
        if (!c->ready && !c->failed) ++res_.connect_failures["no answer within --connect-timeout"];
    if (cfg_.gateway_pid > 0 && !reference_) res_.rss_after_kib = rss_kib(pid);

    if (cfg_.connect_only) {
        // Hold them, then check that every one still answers PINGREQ.
        run_until([] { return false; }, std::chrono::duration_cast<clock_type::duration>(
                                            std::chrono::duration<double>(cfg_.hold_s)));
        ping_more();
        run_until([&] { return next_ping_ == clients_.size() && pingresps_ + pings_lost_ >= pings_sent_; },
                  120s);
        res_.alive = pingresps_;
    } else {
        // Publish for the duration, then let the last messages arrive (at most 5 s).
        publishing_ = true;
        publish_start_ = clock_type::now();
        publish_end_ = publish_start_ + std::chrono::duration_cast<clock_type::duration>(
                                            std::chrono::duration<double>(cfg_.duration_s));
        if (cfg_.rate > 0)
            arm_tick();
        else
            for (auto& c : clients_)
                refill(*c);
        run_until([&] { return clock_type::now() >= publish_end_; }, publish_end_ - clock_type::now() + 1s);
        publishing_ = false;
        tick_timer_.cancel();
        res_.publish_s = std::chrono::duration<double>(clock_type::now() - publish_start_).count();
        res_.publish_start = publish_start_;
        // Drain: until everything sent arrived, or nothing arrived for 2 s (a subscriber far behind the
        // publishers keeps receiving for a while: its rate is what counts, see msgs_per_s).
        std::uint64_t last = res_.delivered;
        auto last_change = clock_type::now();
        run_until(
            [&] {
                if (res_.delivered != last) {
                    last = res_.delivered;
                    last_change = clock_type::now();
                }
                const bool all = res_.delivered >= res_.sent;
                return all || clock_type::now() - last_change > 2s;
            },
            60s);
    }

    // Goodbye: DISCONNECT everyone (bounded).
    const std::size_t closed_before = closed_;
    std::size_t to_close = 0;
    for (auto& c : clients_)
        if (c->ready) {
            c->stop();
            ++to_close;
        }
    run_until([&] { return closed_ - closed_before >= to_close; }, 5s);
    if (subscriber_ && subscriber_->link_open()) subscriber_->disconnect();
    run_until([&] { return !subscriber_ || !subscriber_->link_open(); }, 2s);
    sweep_timer_.cancel();
    clients_.clear();
    subscriber_.reset();
    if (interrupted_) std::cerr << "(interrupted)\n";
    return res_;
}

/// Messages sent during the publish phase and delivered, per second from the phase's start to the last
/// delivery (at least the phase's length): end-to-end throughput, also when the subscriber lags behind
/// what the broker acknowledges.
double msgs_per_s(const results& r)
{
    const double span =
        std::max(r.publish_s, std::chrono::duration<double>(r.last_delivery - r.publish_start).count());
    return span > 0 ? static_cast<double>(r.delivered_in_window) / span : 0;
}

void print(const settings& cfg, results& r)
{
    const auto n = std::max<std::size_t>(r.connected, 1);
    std::cout << std::fixed << std::setprecision(1);
    std::cout << "\n=== sngw-bench-gateway: " << r.mode << " ===\n"
              << "clients:                  " << r.clients << " requested, " << r.connected
              << " connected in " << r.connect_phase_s << " s (" << cfg.parallel << " at a time)\n"
              << "CONNECT->CONNACK:         p50 " << ms(percentile(r.connect_latency, 0.50)) << ", p99 "
              << ms(percentile(r.connect_latency, 0.99)) << ", max "
              << ms(r.connect_latency.empty() ? micros{} : r.connect_latency.back()) << "\n";
    for (const auto& [why, count] : r.connect_failures)
        std::cout << "  connect failure:        " << count << " x " << why << "\n";
    if (r.rss_before_kib > 0)
        std::cout << "gateway RSS:              " << r.rss_before_kib << " KiB before, " << r.rss_after_kib
                  << " KiB connected: "
                  << static_cast<double>(r.rss_after_kib - r.rss_before_kib) * 1024.0 / static_cast<double>(n)
                  << " bytes per connected sensor\n";
    if (cfg.connect_only) {
        std::cout << "still answering PINGREQ:  " << r.alive << " of " << r.connected << " after "
                  << cfg.hold_s << " s\n";
        return;
    }
    std::cout << "publishing:               QoS " << cfg.qos << ", " << cfg.payload_size << "-byte payload, "
              << (cfg.rate > 0
                      ? "target " + std::to_string(static_cast<long>(cfg.rate)) + " msg/s"
                      : "as fast as a window of " + std::to_string(cfg.window) + " per client allows")
              << ", " << r.publish_s << " s\n"
              << "sent / delivered:         " << r.sent << " / " << r.delivered_in_window
              << " in the window (" << r.delivered << " in all)\n"
              << "delivered:                " << msgs_per_s(r) << " msg/s (publish start to last delivery)\n"
              << "PUBLISH->subscriber:      p50 " << ms(percentile(r.e2e_latency, 0.50)) << ", p99 "
              << ms(percentile(r.e2e_latency, 0.99)) << ", max "
              << ms(r.e2e_latency.empty() ? micros{} : r.e2e_latency.back()) << "\n";
    if (cfg.qos == 1)
        std::cout << "PUBLISH->PUBACK:          p50 " << ms(percentile(r.ack_latency, 0.50)) << ", p99 "
                  << ms(percentile(r.ack_latency, 0.99)) << " (" << r.acked << " acknowledged, "
                  << (r.publish_s > 0 ? static_cast<double>(r.acked) / r.publish_s : 0) << "/s; "
                  << r.ack_timeouts << " without PUBACK in " << cfg.ack_timeout_s << " s)\n";
    for (const auto& [code, count] : r.ack_refused)
        std::cout << "  refused:                " << count << " x code 0x" << std::hex << code << std::dec
                  << "\n";
    if (r.credit_timeouts) std::cout << "QoS 0 not seen in 2 s:    " << r.credit_timeouts << "\n";
    if (r.send_errors) std::cout << "send errors:              " << r.send_errors << "\n";
    if (r.lost_links) std::cout << "links lost:               " << r.lost_links << "\n";
}

/// One line for scripts: key=value pairs.
void print_result_line(const settings& cfg, results& r, const char* mode)
{
    const auto n = std::max<std::size_t>(r.connected, 1);
    std::cout << std::fixed << std::setprecision(3) << "RESULT mode=" << mode << " clients=" << r.clients
              << " connected=" << r.connected << " qos=" << cfg.qos << " connect_p50_ms="
              << static_cast<double>(percentile(r.connect_latency, 0.5).count()) / 1000.0
              << " connect_p99_ms="
              << static_cast<double>(percentile(r.connect_latency, 0.99).count()) / 1000.0;
    if (!cfg.connect_only)
        std::cout << " msgs_per_s=" << msgs_per_s(r)
                  << " e2e_p50_ms=" << static_cast<double>(percentile(r.e2e_latency, 0.5).count()) / 1000.0
                  << " e2e_p99_ms=" << static_cast<double>(percentile(r.e2e_latency, 0.99).count()) / 1000.0
                  << " sent=" << r.sent << " delivered=" << r.delivered_in_window << " acked=" << r.acked
                  << " ack_timeouts=" << r.ack_timeouts << " qos0_unseen=" << r.credit_timeouts;
    else
        std::cout << " alive=" << r.alive << " connect_s=" << r.connect_phase_s;
    if (r.rss_before_kib > 0)
        std::cout << " rss_per_sensor_bytes="
                  << static_cast<double>(r.rss_after_kib - r.rss_before_kib) * 1024.0 /
                         static_cast<double>(n);
    std::cout << "\n";
}

int run(const settings& cfg)
{
    if (!raise_fd_limit(static_cast<rlim_t>(cfg.sensors + 256), "--sensors")) return 1;
    int rc = 0;
    const auto one = [&](bool reference) {
        bench b(cfg, reference);
        auto r = b.run();
        print(cfg, r);
        print_result_line(cfg, r, reference ? "reference" : "gateway");
        if (r.connected != cfg.sensors) rc = 3;
        if (cfg.connect_only && r.alive != r.connected) rc = 3;
        return r;
    };
    if (cfg.compare) {
        auto through = one(false);
        auto direct = one(true);
        const double ratio = msgs_per_s(direct) > 0 ? msgs_per_s(through) / msgs_per_s(direct) : 0;
        std::cout << std::fixed << std::setprecision(3) << "\nratio sngw / straight to the broker: " << ratio
                  << " (" << std::setprecision(1) << msgs_per_s(through) << " vs " << msgs_per_s(direct)
                  << " msg/s)\n"
                  << std::setprecision(3) << "RESULT mode=ratio qos=" << cfg.qos << " clients=" << cfg.sensors
                  << " ratio=" << ratio << "\n";
    } else {
        one(cfg.reference);
    }
    return rc;
}

} // namespace

int main(int argc, char** argv)
{
    settings s;
    std::string gateway = "127.0.0.1:1883";
    std::string broker = "127.0.0.1:1883";
    po::options_description desc(
        "sngw-bench-gateway: N simulated MQTT-SN sensors (UDP) publish through a running sngw to a\n"
        "subscriber on the broker; or the same load straight to the broker (--reference), or both "
        "(--compare).\n\n"
        "Options");
    // clang-format off
    desc.add_options()
        ("help,h", "this help")
        ("gateway", po::value(&gateway)->default_value(gateway), "the sngw's UDP address, HOST:PORT")
        ("broker", po::value(&broker)->default_value(broker), "the broker the gateway uses, HOST:PORT (subscriber, reference)")
        ("sensors,n", po::value(&s.sensors)->default_value(s.sensors), "simulated sensors (clients)")
        ("qos", po::value(&s.qos)->default_value(s.qos), "0 or 1")
        ("duration,d", po::value(&s.duration_s)->default_value(s.duration_s), "seconds of publishing")
        ("rate", po::value(&s.rate)->default_value(s.rate), "messages/s over all sensors; 0: as fast as the window allows")
        ("window", po::value(&s.window)->default_value(s.window),
         "per sensor: QoS 1 PUBLISHes not yet acknowledged, QoS 0 not yet seen by the subscriber")
        ("payload", po::value(&s.payload_size)->default_value(s.payload_size), "payload octets (at least 16)")
        ("parallel,p", po::value(&s.parallel)->default_value(s.parallel), "connects in progress at once")
        ("keep-alive", po::value(&s.keep_alive)->default_value(s.keep_alive), "sensors' keep-alive, seconds")
        ("id-prefix", po::value(&s.id_prefix)->default_value(s.id_prefix), "client id prefix (index appended)")
        ("topic-prefix", po::value(&s.topic_prefix)->default_value(s.topic_prefix), "topics are PREFIX s<index>")
        ("reference", po::bool_switch(&s.reference), "the same load straight to the broker over MQTT 5")
        ("compare", po::bool_switch(&s.compare), "through the gateway, then straight to the broker: the ratio")
        ("connect-only", po::bool_switch(&s.connect_only), "connect N sensors, hold them, check they answer PINGREQ")
        ("hold", po::value(&s.hold_s)->default_value(s.hold_s), "--connect-only: seconds to hold them connected")
        ("gateway-pid", po::value(&s.gateway_pid)->default_value(0), "the sngw's pid: VmRSS before/after connecting")
        ("connect-timeout", po::value(&s.connect_timeout_s)->default_value(s.connect_timeout_s),
         "seconds for the whole connect phase")
        ("retry", po::value(&s.retry_s)->default_value(s.retry_s), "seconds before CONNECT / REGISTER is sent again");
    // clang-format on
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, desc), vm);
        if (vm.count("help")) {
            std::cout << desc << "\n";
            return 0;
        }
        po::notify(vm);
        s.gateway = parse_host_port(gateway, "--gateway");
        s.broker = parse_host_port(broker, "--broker");
        if (s.qos != 0 && s.qos != 1) throw po::error("--qos must be 0 or 1");
        if (s.sensors == 0 || s.parallel == 0 || s.window == 0)
            throw po::error("--sensors, --parallel, --window must be > 0");
        if (s.reference && s.compare) throw po::error("--reference and --compare exclude each other");
        if (s.connect_only && (s.reference || s.compare))
            throw po::error("--connect-only is for the gateway only");
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
