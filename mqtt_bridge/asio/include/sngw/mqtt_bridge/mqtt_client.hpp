// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt_bridge/broker_connection.hpp>
#include <sngw/mqtt_bridge/close_reason.hpp>
#include <sngw/mqtt5/client_session.hpp>
#include <sngw/mqtt5/session_action.hpp>
#include <sngw/mqtt5/session_config.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sngw::mqtt_bridge {

/// How one mqtt_client connects (transport) and speaks (the session's CONNECT template and timers).
struct mqtt_client_options {
    connection_options connection{};
    mqtt5::session_config session{};
    /// Acknowledge an inbound QoS 1/2 PUBLISH as soon as on_message has returned (what a test
    /// subscriber or a command-line tool wants). False: the user calls acknowledge() (end-to-end
    /// acknowledgements, design §3).
    bool auto_acknowledge = true;
};

/// The transport never carried a CONNECT: resolve, TCP connect, TLS handshake or verification failed.
struct transport_failure {
    close_reason reason = close_reason::connect_failed; // resolve_failed, connect_failed,
                                                        // connect_timeout, tls_handshake_failed,
                                                        // tls_verify_failed, closed_locally
    boost::system::error_code ec{};                     // tls_verify_failed: tls_verify_category()
};

/// The link ended without a DISCONNECT either way (the session's link_lost), with the transport's view.
struct link_loss {
    mqtt5::link_lost_cause cause = mqtt5::link_lost_cause::link_down;
    /// link_down: why the transport ended (closed_by_peer, read_failed, ...) and its detail. The
    /// timeouts: closed_locally and {} (the client closes the link abruptly itself).
    close_reason transport = close_reason::closed_locally;
    boost::system::error_code ec{};
};

/// Counters of one client, over every link it had.
struct mqtt_client_counters {
    std::uint64_t packets_sent = 0;
    std::uint64_t packets_received = 0;
    std::uint64_t pingreq_sent = 0;
    std::uint64_t pingresp_received = 0;
};

/// What the client tells its user. Every handler is optional, called from the executor, never from
/// inside a call to the client (a handler may call anything on the client, including drop it).
/// Per link, in order: on_connected or on_connect_failed (CONNACK refusal) or on_transport_failed or
/// on_link_lost(connack_timeout / link_down while connecting); then any number of on_message,
/// on_publish_completed, on_subscribe_result, on_unsubscribe_result, on_auth; then at most one of
/// on_broker_disconnected, on_link_lost, on_protocol_error; and on_closed last, once per connect().
struct mqtt_client_handlers {
    std::function<void(const mqtt5::connected&)> on_connected{};
    /// CONNACK with a reason code ≥ 0x80 (MQTT 5.0 §3.2.2.2): reason, reason string, server reference.
    std::function<void(const mqtt5::connect_failed&)> on_connect_failed{};
    std::function<void(const transport_failure&)> on_transport_failed{};
    /// A PUBLISH from the broker (`.message`, topic alias resolved) and its delivery token, the
    /// handle acknowledge() takes. QoS 1/2: see auto_acknowledge.
    std::function<void(const mqtt5::message_received&)> on_message{};
    std::function<void(const mqtt5::publish_completed&)> on_publish_completed{};
    std::function<void(const mqtt5::subscribe_result&)> on_subscribe_result{};
    std::function<void(const mqtt5::unsubscribe_result&)> on_unsubscribe_result{};
    std::function<void(const mqtt5::auth_received&)> on_auth{};
    /// DISCONNECT from the broker (§3.14): reason code, reason string, server reference.
    std::function<void(const mqtt5::broker_disconnected&)> on_broker_disconnected{};
    std::function<void(const link_loss&)> on_link_lost{};
    /// The broker broke the protocol; the session sent DISCONNECT `sent` and closes the link (§4.13).
    std::function<void(const mqtt5::protocol_error_detected&)> on_protocol_error{};
    std::function<void(const mqtt5::session_state_dropped&)> on_session_state_dropped{};
    /// The transport of the last connect() has ended: connect() may be called again.
    std::function<void(close_reason reason, boost::system::error_code ec)> on_closed{};
};

/// An Asio driver for ONE MQTT 5 client: one broker_connection per link, one mqtt5::client_session
/// for the client's whole life (its QoS state survives links: a second connect() resumes with Clean
/// Start 0), and one steady_timer armed at the session's next_deadline(). Every event (connected,
/// packet, transport closed, timer, request) does the same three steps: call the session with
/// clock::now(), apply the returned actions (writes and closes first, then the user's handlers), re-arm
/// the timer (house-style §1). No reconnect policy: the user calls connect() again after on_closed.
/// For tests, the connection benchmark and tools; the gateway has its own runner with one timer for all
/// sessions.
///
/// Lifetime: create() returns a shared_ptr that the user owns. The connection's and the timer's
/// handlers hold only weak_ptrs, so dropping the last shared_ptr closes the link abruptly (no
/// DISCONNECT: the broker publishes the will) and nothing is called afterwards.
/// Thread safety: distinct objects safe; shared objects unsafe. Use from the executor's thread.
class mqtt_client : public std::enable_shared_from_this<mqtt_client> {
public:
    static std::shared_ptr<mqtt_client> create(const boost::asio::any_io_executor& executor,
                                               mqtt_client_options options, mqtt_client_handlers handlers);
    ~mqtt_client();
    mqtt_client(const mqtt_client&) = delete;
    mqtt_client& operator=(const mqtt_client&) = delete;

    /// Opens a new link (resolve, connect, TLS, then CONNECT). False, and nothing done, while the
    /// previous link's transport has not reported on_closed yet.
    bool connect();

    /// The session's requests (client_session::publish, subscribe, unsubscribe): what it did and why
    /// (`actions` already applied). Refusals and not_connected are only reported here.
    mqtt5::request_result publish(std::string topic, std::vector<std::byte> payload, mqtt5::qos q,
                                  bool retain = false, mqtt5::properties props = {});
    mqtt5::request_result subscribe(std::vector<mqtt5::subscription> subscriptions,
                                    mqtt5::properties props = {});
    mqtt5::request_result subscribe(std::string topic_filter, mqtt5::qos max_qos);
    mqtt5::request_result unsubscribe(std::vector<std::string> topic_filters, mqtt5::properties props = {});
    /// Acknowledges an inbound QoS 1/2 PUBLISH (with auto_acknowledge off), by the token its
    /// on_message carried: a token is never reused, so an acknowledgement that arrives after the
    /// broker dropped the session cannot acknowledge another message with the same packet id.
    void acknowledge(mqtt5::delivery_token delivery, mqtt5::reason_code reason = mqtt5::reason_code::success);

    /// DISCONNECT `reason` then a graceful close (§3.14); the session keeps its QoS state. While the
    /// transport is still connecting (no CONNECT sent yet): the transport is aborted, and
    /// on_transport_failed reports closed_locally.
    void disconnect(mqtt5::reason_code reason = mqtt5::reason_code::normal_disconnection,
                    std::optional<std::uint32_t> session_expiry = std::nullopt);
    /// Drops the link at once without DISCONNECT, so the broker publishes the will. No event but
    /// on_closed (and on_transport_failed(closed_locally) while the transport is still connecting).
    void abort();

    const mqtt5::client_session& session() const noexcept { return session_; }
    /// CONNACK Success received and the link not ended.
    bool connected() const noexcept { return session_.state() == mqtt5::session_state::connected; }
    /// A transport exists (connect() was called and its on_closed has not run yet).
    bool link_open() const noexcept { return connection_ != nullptr; }
    const mqtt_client_counters& counters() const noexcept { return counters_; }

private:
    mqtt_client(const boost::asio::any_io_executor& executor, mqtt_client_options options,
                mqtt_client_handlers handlers);

    void on_transport_connected(const broker_connection* link);
    void on_transport_packet(const broker_connection* link, std::span<const std::byte> bytes);
    void on_transport_closed(const broker_connection* link, close_reason reason,
                             boost::system::error_code ec);
    void on_timer();

    /// Writes and closes in order, then the events through the handlers, then re-arms the timer.
    /// `reason`/`ec`: the transport's view, for a link_lost among the actions.
    void apply(std::vector<mqtt5::action> actions, close_reason reason = close_reason::closed_locally,
               boost::system::error_code ec = {});
    void deliver(mqtt5::action& a, close_reason reason, boost::system::error_code ec);
    void rearm();

    boost::asio::any_io_executor executor_;
    connection_options connection_options_;
    bool auto_acknowledge_;
    mqtt_client_handlers handlers_;
    mqtt5::client_session session_;
    std::shared_ptr<broker_connection> connection_;
    bool transport_up_ = false; // on_connected seen on the current connection
    boost::asio::steady_timer timer_;
    std::optional<mqtt5::time_point> armed_at_{}; // the pending wait's expiry
    mqtt_client_counters counters_{};
};

} // namespace sngw::mqtt_bridge
