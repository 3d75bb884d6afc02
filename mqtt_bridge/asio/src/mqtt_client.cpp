// SPDX-License-Identifier: MIT
#include <sngw/mqtt_bridge/mqtt_client.hpp>

#include <boost/asio/error.hpp>

#include <type_traits>
#include <utility>
#include <variant>

namespace sngw::mqtt_bridge {

namespace asio = boost::asio;
using boost::system::error_code;

std::shared_ptr<mqtt_client> mqtt_client::create(const asio::any_io_executor& executor,
                                                 mqtt_client_options options, mqtt_client_handlers handlers)
{
    return std::shared_ptr<mqtt_client>(new mqtt_client(executor, std::move(options), std::move(handlers)));
}

mqtt_client::mqtt_client(const asio::any_io_executor& executor, mqtt_client_options options,
                         mqtt_client_handlers handlers)
    : executor_(executor), connection_options_(std::move(options.connection)),
      auto_acknowledge_(options.auto_acknowledge), handlers_(std::move(handlers)),
      session_(std::move(options.session)), timer_(executor)
{
    // Refuse from the transport what the CONNECT says we accept (§3.1.2.11.4): the reader stops
    // before buffering the body; the session answers DISCONNECT 0x95 for anything that gets through.
    if (const auto max = session_.config().connect.props.maximum_packet_size)
        connection_options_.max_packet_size = *max;
}

mqtt_client::~mqtt_client()
{
    // The connection's handlers hold weak_ptrs: nothing reaches us after this.
    if (connection_) connection_->abort();
}

bool mqtt_client::connect()
{
    if (connection_) return false;
    connection_ = broker_connection::create(executor_, connection_options_);
    transport_up_ = false;
    const broker_connection* link = connection_.get();
    std::weak_ptr<mqtt_client> weak = weak_from_this();
    // `link` identifies the connection the handler belongs to (only compared, never dereferenced).
    connection_->start({
        .on_connected =
            [weak, link] {
                if (auto self = weak.lock()) self->on_transport_connected(link);
            },
        .on_packet =
            [weak, link](std::span<const std::byte> bytes) {
                if (auto self = weak.lock()) self->on_transport_packet(link, bytes);
            },
        .on_closed =
            [weak, link](close_reason reason, error_code ec) {
                if (auto self = weak.lock()) self->on_transport_closed(link, reason, ec);
            },
    });
    return true;
}

// ---- requests ---------------------------------------------------------------------------------------

mqtt5::request_result mqtt_client::publish(std::string topic, std::vector<std::byte> payload, mqtt5::qos q,
                                           bool retain, mqtt5::properties props)
{
    auto r = session_.publish(std::move(topic), std::move(payload), q, retain, std::move(props),
                              mqtt5::clock::now());
    apply(std::move(r.actions));
    r.actions.clear();
    return r;
}

mqtt5::request_result mqtt_client::subscribe(std::vector<mqtt5::subscription> subscriptions,
                                             mqtt5::properties props)
{
    auto r = session_.subscribe(std::move(subscriptions), std::move(props), mqtt5::clock::now());
    apply(std::move(r.actions));
    r.actions.clear();
    return r;
}

mqtt5::request_result mqtt_client::subscribe(std::string topic_filter, mqtt5::qos max_qos)
{
    mqtt5::subscription s;
    s.topic_filter = std::move(topic_filter);
    s.options.max_qos = max_qos;
    return subscribe(std::vector<mqtt5::subscription>{std::move(s)});
}

mqtt5::request_result mqtt_client::unsubscribe(std::vector<std::string> topic_filters,
                                               mqtt5::properties props)
{
    auto r = session_.unsubscribe(std::move(topic_filters), std::move(props), mqtt5::clock::now());
    apply(std::move(r.actions));
    r.actions.clear();
    return r;
}

void mqtt_client::acknowledge(mqtt5::delivery_token delivery, mqtt5::reason_code reason)
{
    apply(session_.acknowledge(delivery, reason, mqtt5::clock::now()));
}

void mqtt_client::disconnect(mqtt5::reason_code reason, std::optional<std::uint32_t> session_expiry)
{
    auto actions = session_.disconnect(reason, session_expiry, mqtt5::clock::now());
    if (actions.empty() && connection_) connection_->abort(); // no session link yet: nothing to say
    apply(std::move(actions));
}

void mqtt_client::abort()
{
    auto actions = session_.abort(mqtt5::clock::now());
    if (actions.empty() && connection_) connection_->abort();
    apply(std::move(actions));
}

// ---- events -----------------------------------------------------------------------------------------

void mqtt_client::on_transport_connected(const broker_connection* link)
{
    if (link != connection_.get()) return;
    transport_up_ = true;
    apply(session_.on_link_up(mqtt5::clock::now()));
}

void mqtt_client::on_transport_packet(const broker_connection* link, std::span<const std::byte> bytes)
{
    if (link != connection_.get()) return;
    ++counters_.packets_received;
    // MQTT 5.0 §2.1.2: the packet type is the high nibble of the first byte; 13 is PINGRESP.
    if (!bytes.empty() && (std::to_integer<unsigned>(bytes[0]) >> 4) == 13U) ++counters_.pingresp_received;
    apply(session_.on_bytes(bytes, mqtt5::clock::now()));
}

void mqtt_client::on_transport_closed(const broker_connection* link, close_reason reason, error_code ec)
{
    if (link != connection_.get()) return;
    auto self = shared_from_this(); // a handler below may drop the user's last pointer
    const bool was_up = transport_up_;
    connection_.reset();
    transport_up_ = false;
    // Without on_link_up the session never saw this link: the failure is the transport's alone.
    if (!was_up) {
        if (handlers_.on_transport_failed) handlers_.on_transport_failed(transport_failure{reason, ec});
    } else {
        apply(session_.on_link_down(mqtt5::clock::now()), reason, ec);
    }
    if (handlers_.on_closed) handlers_.on_closed(reason, ec);
}

void mqtt_client::on_timer()
{
    apply(session_.on_timeout(mqtt5::clock::now()));
}

// ---- the three steps --------------------------------------------------------------------------------

void mqtt_client::apply(std::vector<mqtt5::action> actions, close_reason reason, error_code ec)
{
    auto self = shared_from_this(); // a handler may drop the user's last pointer
    // The session's order: send_bytes in wire order, close_link after them (session_action.hpp).
    // All of the writes and closes go first, so a handler that calls back into the client
    // (publish from on_connected, ...) queues its bytes after this batch's.
    for (auto& a : actions) {
        if (auto* s = std::get_if<mqtt5::send_bytes>(&a)) {
            ++counters_.packets_sent;
            if (s->type == mqtt5::packet_type::pingreq) ++counters_.pingreq_sent;
            if (connection_) connection_->send(std::move(s->bytes));
        } else if (const auto* c = std::get_if<mqtt5::close_link>(&a)) {
            if (connection_) {
                if (c->mode == mqtt5::close_mode::abrupt)
                    connection_->abort();
                else
                    connection_->close();
            }
        }
    }
    for (auto& a : actions)
        deliver(a, reason, ec);
    rearm();
}

void mqtt_client::deliver(mqtt5::action& a, close_reason reason, error_code ec)
{
    std::visit(
        [&](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, mqtt5::connected>) {
                if (handlers_.on_connected) handlers_.on_connected(e);
            } else if constexpr (std::is_same_v<T, mqtt5::connect_failed>) {
                if (handlers_.on_connect_failed) handlers_.on_connect_failed(e);
            } else if constexpr (std::is_same_v<T, mqtt5::message_received>) {
                if (handlers_.on_message) handlers_.on_message(e);
                if (auto_acknowledge_ && e.message.qos != mqtt5::qos::at_most_once)
                    apply(session_.acknowledge(e.delivery, mqtt5::clock::now()));
            } else if constexpr (std::is_same_v<T, mqtt5::publish_completed>) {
                if (handlers_.on_publish_completed) handlers_.on_publish_completed(e);
            } else if constexpr (std::is_same_v<T, mqtt5::subscribe_result>) {
                if (handlers_.on_subscribe_result) handlers_.on_subscribe_result(e);
            } else if constexpr (std::is_same_v<T, mqtt5::unsubscribe_result>) {
                if (handlers_.on_unsubscribe_result) handlers_.on_unsubscribe_result(e);
            } else if constexpr (std::is_same_v<T, mqtt5::auth_received>) {
                if (handlers_.on_auth) handlers_.on_auth(e);
            } else if constexpr (std::is_same_v<T, mqtt5::broker_disconnected>) {
                if (handlers_.on_broker_disconnected) handlers_.on_broker_disconnected(e);
            } else if constexpr (std::is_same_v<T, mqtt5::link_lost>) {
                if (handlers_.on_link_lost) handlers_.on_link_lost(link_loss{e.cause, reason, ec});
            } else if constexpr (std::is_same_v<T, mqtt5::protocol_error_detected>) {
                if (handlers_.on_protocol_error) handlers_.on_protocol_error(e);
            } else if constexpr (std::is_same_v<T, mqtt5::session_state_dropped>) {
                if (handlers_.on_session_state_dropped) handlers_.on_session_state_dropped(e);
            } else {
                static_assert(std::is_same_v<T, mqtt5::send_bytes> || std::is_same_v<T, mqtt5::close_link>,
                              "every session action is handled");
            }
        },
        a);
}

void mqtt_client::rearm()
{
    const auto next = session_.next_deadline();
    if (!next) {
        if (armed_at_) {
            timer_.cancel();
            armed_at_.reset();
        }
        return;
    }
    if (armed_at_ == next) return; // already waiting for it
    armed_at_ = next;
    timer_.expires_at(*next); // cancels the pending wait: its handler sees operation_aborted
    timer_.async_wait([weak = weak_from_this()](error_code ec) {
        if (ec == asio::error::operation_aborted) return; // re-armed or stopping; touch nothing
        if (auto self = weak.lock()) {
            self->armed_at_.reset();
            self->on_timer();
        }
    });
}

} // namespace sngw::mqtt_bridge
