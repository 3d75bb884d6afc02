// SPDX-License-Identifier: MIT
#pragma once

// What the gateway's integration tests share: an MQTT 5 peer on its own thread (the subscriber that
// sees what sensors publish, the publisher that feeds them), and an environment of one mosquitto and
// one sngw on loopback with sensors (sngw::sn_client) pointed at it. Every wait is bounded.

#include <sngw/mqtt5/io.hpp>
#include <sngw/mqtt_bridge/mqtt_client.hpp>
#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn_client/client.hpp>

#include "support/gateway_process.hpp"
#include "support/mosquitto_process.hpp"
#include "support/skip.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sngw::test {

namespace gw_detail {
namespace asio = boost::asio;
namespace mqtt5 = sngw::mqtt5;
} // namespace gw_detail

/// The sngw the build made (SNGW_GATEWAY_BINARY, set by tests/integration/CMakeLists.txt when the
/// target exists), or $SNGW_GATEWAY_BINARY.
inline std::optional<std::filesystem::path> sngw_binary()
{
#ifdef SNGW_GATEWAY_BINARY
    return gateway_process::find_binary(std::filesystem::path(SNGW_GATEWAY_BINARY));
#else
    return gateway_process::find_binary(std::nullopt);
#endif
}

#define SNGW_REQUIRE_GATEWAY()                                                                               \
    SNGW_REQUIRE_MOSQUITTO();                                                                                \
    SNGW_SKIP_UNLESS(::sngw::test::sngw_binary().has_value(),                                                \
                     "the sngw daemon is not built (and SNGW_GATEWAY_BINARY is not set)")

inline std::string text(const std::vector<std::byte>& b)
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline std::vector<std::byte> payload(std::string_view s)
{
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    return {p, p + s.size()};
}

/// A QoS 1/2 publish the broker accepted: Success, or 0x10 No matching subscribers (MQTT 5.0 §3.4.2.1).
inline bool accepted(const std::optional<gw_detail::mqtt5::reason_code>& r)
{
    return r.has_value() && static_cast<int>(*r) < 0x80;
}

/// One MQTT 5 client (sngw::mqtt_bridge::mqtt_client) with its own io_context on its own thread, so a
/// test can block in a sensor call while the broker talks to it. Calls from the test thread are posted
/// to that thread and waited for (bounded); what arrives is recorded under a mutex.
class mqtt_peer {
public:
    struct settings {
        std::uint16_t port = 0;
        std::string client_id = "observer";
        bool clean_start = true;
        std::uint32_t session_expiry = 0; // > 0: a session that outlives the link (persistent)
        bool reconnect = false;           // connect again 200 ms after every close (broker restarts)
        std::uint16_t keep_alive = 30;
    };

    struct message {
        std::string topic;
        std::string payload;
        gw_detail::mqtt5::qos qos = gw_detail::mqtt5::qos::at_most_once;
        bool retain = false;
        bool dup = false;
        std::chrono::steady_clock::time_point at{};
    };

    explicit mqtt_peer(settings s) : settings_(std::move(s)), work_(io_.get_executor())
    {
        namespace mqtt_bridge = sngw::mqtt_bridge;
        mqtt_bridge::mqtt_client_options o;
        o.connection.host = "127.0.0.1";
        o.connection.port = settings_.port;
        o.connection.connect_timeout = std::chrono::seconds(3);
        o.connection.close_timeout = std::chrono::seconds(2);
        o.session.connect.client_id = settings_.client_id;
        o.session.connect.clean_start = settings_.clean_start;
        o.session.connect.keep_alive = settings_.keep_alive;
        if (settings_.session_expiry > 0)
            o.session.connect.props.session_expiry_interval = settings_.session_expiry;
        o.session.connect_timeout = std::chrono::seconds(3);
        mqtt_bridge::mqtt_client_handlers h;
        h.on_connected = [this](const gw_detail::mqtt5::connected& c) { on_connected(c); };
        h.on_message = [this](const gw_detail::mqtt5::message_received& m) {
            std::lock_guard lock(mutex_);
            messages_.push_back({m.message.topic, text(m.message.payload), m.message.qos, m.message.retain,
                                 m.message.dup, std::chrono::steady_clock::now()});
            changed_.notify_all();
        };
        h.on_publish_completed = [this](const gw_detail::mqtt5::publish_completed& c) {
            std::lock_guard lock(mutex_);
            completed_[c.packet_id] = c.reason;
            changed_.notify_all();
        };
        h.on_subscribe_result = [this](const gw_detail::mqtt5::subscribe_result& r) {
            std::lock_guard lock(mutex_);
            subacks_[r.packet_id] = r.reason_codes.empty() ? gw_detail::mqtt5::reason_code::unspecified_error
                                                           : r.reason_codes.front();
            changed_.notify_all();
        };
        h.on_closed = [this](sngw::mqtt_bridge::close_reason, boost::system::error_code) {
            {
                std::lock_guard lock(mutex_);
                connected_ = false;
                ++closed_;
                changed_.notify_all();
            }
            if (settings_.reconnect && !stopping_) {
                timer_.expires_after(std::chrono::milliseconds(200));
                timer_.async_wait([this](boost::system::error_code ec) {
                    if (!ec && !stopping_ && client_) client_->connect();
                });
            }
        };
        client_ = mqtt_bridge::mqtt_client::create(io_.get_executor(), std::move(o), std::move(h));
        thread_ = std::thread([this] { io_.run(); });
    }

    mqtt_peer(const mqtt_peer&) = delete;
    mqtt_peer& operator=(const mqtt_peer&) = delete;

    ~mqtt_peer()
    {
        stopping_ = true;
        // A graceful DISCONNECT (no will, session kept), bounded; then stop the thread.
        bool was_open = false;
        int closed_before = 0;
        run([&] {
            timer_.cancel();
            was_open = client_->link_open();
            {
                std::lock_guard lock(mutex_);
                closed_before = closed_;
            }
            if (was_open) client_->disconnect();
        });
        if (was_open) wait([&] { return closed_ > closed_before; }, std::chrono::seconds(2));
        work_.reset();
        io_.stop();
        if (thread_.joinable()) thread_.join();
        client_.reset();
    }

    /// connect() and wait for CONNACK Success.
    bool connect(std::chrono::milliseconds limit = std::chrono::seconds(5))
    {
        const int before = connections();
        run([this] { client_->connect(); });
        return wait([&] { return connections_ > before; }, limit);
    }

    /// Subscribes (and re-subscribes after every CONNACK with Session Present 0, when reconnecting).
    /// The SUBACK's reason code, or nullopt when none came in time.
    std::optional<gw_detail::mqtt5::reason_code>
    subscribe(const std::string& filter, gw_detail::mqtt5::qos q,
              std::chrono::milliseconds limit = std::chrono::seconds(5))
    {
        std::promise<std::uint16_t> id;
        run([&] {
            subscriptions_.emplace_back(filter, q);
            id.set_value(client_->subscribe(filter, q).packet_id);
        });
        const auto packet_id = id.get_future().get();
        std::optional<gw_detail::mqtt5::reason_code> out;
        wait([&] { return subacks_.count(packet_id) > 0; }, limit);
        std::lock_guard lock(mutex_);
        if (auto it = subacks_.find(packet_id); it != subacks_.end()) {
            out = it->second;
            subacks_.erase(it);
        }
        return out;
    }

    /// Publishes; for QoS 1/2 waits for the completion: its reason code (nullopt: none in time).
    /// QoS 0: success once handed to the client.
    std::optional<gw_detail::mqtt5::reason_code>
    publish(const std::string& topic, std::string_view data, gw_detail::mqtt5::qos q, bool retain = false,
            std::chrono::milliseconds limit = std::chrono::seconds(5))
    {
        std::promise<gw_detail::mqtt5::request_result> sent;
        run([&] { sent.set_value(client_->publish(topic, payload(data), q, retain)); });
        const auto r = sent.get_future().get();
        if (r.status == gw_detail::mqtt5::request_status::refused ||
            r.status == gw_detail::mqtt5::request_status::not_connected)
            return std::nullopt;
        if (q == gw_detail::mqtt5::qos::at_most_once) return gw_detail::mqtt5::reason_code::success;
        std::optional<gw_detail::mqtt5::reason_code> out;
        wait([&] { return completed_.count(r.packet_id) > 0; }, limit);
        std::lock_guard lock(mutex_);
        if (auto it = completed_.find(r.packet_id); it != completed_.end()) {
            out = it->second;
            completed_.erase(it);
        }
        return out;
    }

    /// Every message received so far.
    std::vector<message> messages()
    {
        std::lock_guard lock(mutex_);
        return messages_;
    }

    /// Waits until at least `n` messages were received in all; returns them.
    std::vector<message> wait_for_messages(std::size_t n,
                                           std::chrono::milliseconds limit = std::chrono::seconds(5))
    {
        wait([&] { return messages_.size() >= n; }, limit);
        return messages();
    }

    /// Waits until a message on `topic` arrives (also one that arrived earlier); nullopt after `limit`.
    std::optional<message> wait_for_topic(const std::string& topic,
                                          std::chrono::milliseconds limit = std::chrono::seconds(5))
    {
        std::optional<message> out;
        wait(
            [&] {
                for (const auto& m : messages_)
                    if (m.topic == topic) {
                        out = m;
                        return true;
                    }
                return false;
            },
            limit);
        return out;
    }

    /// Waits until a message with `body` arrives (also one that arrived earlier); nullopt after `limit`.
    std::optional<message> wait_for_payload(const std::string& body,
                                            std::chrono::milliseconds limit = std::chrono::seconds(5))
    {
        std::optional<message> out;
        wait(
            [&] {
                for (const auto& m : messages_)
                    if (m.payload == body) {
                        out = m;
                        return true;
                    }
                return false;
            },
            limit);
        return out;
    }

    bool connected()
    {
        std::lock_guard lock(mutex_);
        return connected_;
    }

    int connections()
    {
        std::lock_guard lock(mutex_);
        return connections_;
    }

    /// Waits until `pred` (called under the lock) holds or `limit` passes.
    bool wait(const std::function<bool()>& pred, std::chrono::milliseconds limit)
    {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, pred);
    }

private:
    /// Runs `f` on the client's thread and waits for it (bounded: the thread never blocks).
    void run(const std::function<void()>& f)
    {
        std::promise<void> done;
        gw_detail::asio::post(io_, [&] {
            f();
            done.set_value();
        });
        done.get_future().wait_for(std::chrono::seconds(5));
    }

    void on_connected(const gw_detail::mqtt5::connected& c)
    {
        if (!c.session_present)
            for (const auto& [filter, q] : subscriptions_)
                client_->subscribe(filter, q);
        std::lock_guard lock(mutex_);
        connected_ = true;
        ++connections_;
        changed_.notify_all();
    }

    settings settings_;
    gw_detail::asio::io_context io_;
    gw_detail::asio::executor_work_guard<gw_detail::asio::io_context::executor_type> work_;
    gw_detail::asio::steady_timer timer_{io_};
    std::shared_ptr<sngw::mqtt_bridge::mqtt_client> client_;
    std::vector<std::pair<std::string, gw_detail::mqtt5::qos>> subscriptions_; // client thread only
    std::atomic<bool> stopping_{false};
    std::thread thread_;

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<message> messages_;
    std::map<std::uint16_t, gw_detail::mqtt5::reason_code> completed_;
    std::map<std::uint16_t, gw_detail::mqtt5::reason_code> subacks_;
    bool connected_ = false;
    int connections_ = 0;
    int closed_ = 0;
};

/// A subscriber to `filter` (QoS 2, so each message arrives with the QoS it was published with),
/// connected and subscribed, or the test fails.
inline std::unique_ptr<mqtt_peer> subscriber(std::uint16_t broker_port, const std::string& filter,
                                             std::string client_id = "observer")
{
    auto peer = std::make_unique<mqtt_peer>(mqtt_peer::settings{broker_port, std::move(client_id)});
    REQUIRE(peer->connect());
    const auto granted = peer->subscribe(filter, gw_detail::mqtt5::qos::exactly_once);
    REQUIRE(granted.has_value());
    REQUIRE(static_cast<int>(*granted) < 0x80);
    return peer;
}

/// A connected MQTT 5 publisher.
inline std::unique_ptr<mqtt_peer> publisher(std::uint16_t broker_port, std::string client_id = "feeder")
{
    auto peer = std::make_unique<mqtt_peer>(mqtt_peer::settings{broker_port, std::move(client_id)});
    REQUIRE(peer->connect());
    return peer;
}

/// One mosquitto and one sngw on loopback, for one test. Short timers by default, so that retries,
/// keep-alive loss and sleep expiry take seconds, not minutes.
struct gateway_env {
    static std::vector<std::string> default_args()
    {
        return {"--retry-interval", "1", "--retry-count", "2", "--log-level", "debug", "--gateway-id", "7"};
    }

    explicit gateway_env(std::vector<std::string> extra_args = default_args(),
                         mosquitto_config broker_config = {})
        : broker(std::move(broker_config)), args(std::move(extra_args))
    {
        start_gateway();
    }

    /// Starts (another) sngw with the same arguments; `udp_port` 0: the previous one's port.
    void start_gateway(std::uint16_t udp_port = 0)
    {
        const auto port = udp_port ? udp_port : (gateway ? gateway->udp_port() : std::uint16_t{0});
        gateway.reset();
        gateway.emplace(gateway_options{*sngw_binary(), broker.port(), port, args});
    }

    /// Writes a predefined-topics file (`ID,NAME` lines) into the gateway's directory and returns the
    /// option pair for it.
    static std::vector<std::string> with_predefined(std::vector<std::string> args_in,
                                                    const std::filesystem::path& file,
                                                    const std::map<std::uint16_t, std::string>& topics)
    {
        std::ofstream out(file);
        out << "# predefined topics for the integration tests\n";
        for (const auto& [id, name] : topics)
            out << id << "," << name << "\n";
        out.close();
        args_in.push_back("--predefined-topics");
        args_in.push_back(file.string());
        return args_in;
    }

    sngw::sn_client::client_options sensor_options(std::string client_id) const
    {
        sngw::sn_client::client_options o;
        o.gateway_host = "127.0.0.1";
        o.gateway_port = gateway->udp_port();
        o.client_id = std::move(client_id);
        o.keep_alive = 60;
        o.reply_timeout = std::chrono::seconds(5);
        return o;
    }

    sngw::sn_client::client sensor(std::string client_id) const
    {
        return open_sensor(sensor_options(std::move(client_id)));
    }

    static sngw::sn_client::client open_sensor(sngw::sn_client::client_options o)
    {
        auto c = sngw::sn_client::client::open(std::move(o));
        REQUIRE_MESSAGE(c.has_value(), c.error().message());
        return std::move(*c);
    }

    /// A sensor connected (CONNACK accepted), or the test fails with the gateway's log.
    sngw::sn_client::client connected_sensor(std::string client_id)
    {
        return connected_sensor(sensor_options(std::move(client_id)));
    }

    sngw::sn_client::client connected_sensor(sngw::sn_client::client_options o)
    {
        auto c = open_sensor(std::move(o));
        const auto r = c.connect();
        REQUIRE_MESSAGE(r.has_value(), "CONNECT: " << r.error().message() << "\n" << gateway->describe());
        REQUIRE_MESSAGE(*r == 0x00, "CONNACK return code " << int(*r) << "\n" << gateway->describe());
        return c;
    }

    std::string describe() const { return gateway->describe() + "\nmosquitto:\n" + tail(broker.log()); }

    static std::string tail(std::string s, std::size_t keep = 4096)
    {
        if (s.size() > keep) s = "...\n" + s.substr(s.size() - keep);
        return s;
    }

    mosquitto_process broker;
    std::vector<std::string> args;
    std::optional<gateway_process> gateway;
};

} // namespace sngw::test
