// SPDX-License-Identifier: MIT
// The gateway's requests (publish, subscribe, acknowledge, ...) and the outbound QoS 1/2 flow:
// packet identifiers, Receive Maximum, topic aliases, re-sending on resume.
#include <sngw/mqtt5/client_session.hpp>

#include <sngw/mqtt5/codec.hpp>

#include <algorithm>
#include <limits>
#include <utility>

namespace sngw::mqtt5 {
namespace {

using boost::system::error_code;

reason_code reason_for_publish_error(error_code ec) noexcept
{
    if (ec == errc::wildcard_in_topic_name || ec == errc::empty_topic_name)
        return reason_code::topic_name_invalid;
    if (ec == errc::packet_too_large) return reason_code::packet_too_large;
    return reason_code::malformed_packet;
}

reason_code reason_for_subscribe_error(error_code ec) noexcept
{
    if (ec == errc::bad_topic_filter) return reason_code::topic_filter_invalid;
    if (ec == errc::bad_subscription_options)
        return reason_code::protocol_error; // §3.8.3.1 No Local on a shared subscription [MQTT-3.8.3-4]
    if (ec == errc::packet_too_large) return reason_code::packet_too_large;
    return reason_code::malformed_packet;
}

// MQTT 5.0 §4.8.2
bool is_shared(const std::string& filter) noexcept
{
    return filter.starts_with("$share/");
}
// MQTT 5.0 §4.7.1 (a shared subscription's group name holds no wildcard, §4.8.2)
bool has_wildcard(const std::string& filter) noexcept
{
    return filter.find_first_of("+#") != std::string::npos;
}

// encode() and validate() take a packet: a stored publish_packet is moved in and back out, so its
// payload is never copied.
template <class F> auto with_packet(publish_packet& message, F&& f)
{
    packet p{std::in_place_type<publish_packet>, std::move(message)};
    auto result = std::forward<F>(f)(static_cast<const packet&>(p));
    message = std::move(std::get<publish_packet>(p));
    return result;
}

request_result refused(reason_code reason)
{
    request_result r;
    r.status = request_status::refused;
    r.reason = reason;
    return r;
}

request_result not_connected()
{
    request_result r;
    r.status = request_status::not_connected;
    r.reason = reason_code::unspecified_error;
    return r;
}

} // namespace

// ---- lookups and packet identifiers -------------------------------------------------------------

client_session::outbound_entry* client_session::find_outbound(std::uint16_t id) noexcept
{
    for (auto& e : outbound_)
        if (e.message.packet_id == id) return &e;
    return nullptr;
}

client_session::inbound_entry* client_session::find_inbound(std::uint16_t id) noexcept
{
    for (auto& e : inbound_)
        if (e.packet_id == id) return &e;
    return nullptr;
}

bool client_session::packet_id_in_use(std::uint16_t id) const noexcept
{
    return std::any_of(outbound_.begin(), outbound_.end(),
                       [&](const auto& e) { return e.message.packet_id == id; }) ||
           std::any_of(requests_.begin(), requests_.end(), [&](const auto& r) { return r.packet_id == id; });
}

std::optional<std::uint16_t> client_session::allocate_packet_id() noexcept
{
    // §2.2.1: non-zero, and not in use by another PUBLISH / SUBSCRIBE / UNSUBSCRIBE of ours until
    // its flow completes. Ids count up and wrap from 65535 to 1. (Inbound ids are the broker's: a
    // separate space.)
    for (std::uint32_t tries = 0; tries < 65535; ++tries) {
        const auto id = next_packet_id_;
        next_packet_id_ =
            next_packet_id_ == 65535 ? std::uint16_t{1} : static_cast<std::uint16_t>(next_packet_id_ + 1);
        if (!packet_id_in_use(id)) return id;
    }
    return std::nullopt;
}

// ---- outbound PUBLISH ---------------------------------------------------------------------------

reason_code client_session::check_publish(publish_packet& message) const
{
    // §3.2.2.3.4 [MQTT-3.2.2-11]: never above Maximum QoS.
    if (message.qos > limits_.maximum_qos) return reason_code::qos_not_supported;
    // §3.2.2.3.5: no retained message where Retain Available is 0.
    if (message.retain && !limits_.retain_available) return reason_code::retain_not_supported;
    return with_packet(message, [&](const packet& p) {
        if (auto ec = validate(p)) return reason_for_publish_error(ec);
        // §3.2.2.3.6: the plain form must fit (a topic alias only ever falls back to it).
        if (encoded_size(p) > limits_.maximum_packet_size) return reason_code::packet_too_large;
        return reason_code::success;
    });
}

bool client_session::send_publish(publish_packet& message, std::vector<action>& out, time_point now)
{
    // §3.3.2.3.4 outbound Topic Aliases, at most the broker's Topic Alias Maximum [MQTT-3.3.2-9]
    // (and our own bound). Policy: every topic gets an alias on its first PUBLISH (sent as topic +
    // alias); later PUBLISHes to it send the alias and an empty topic. When all aliases are taken,
    // the least recently used one is re-mapped to the new topic.
    const auto max_aliases = std::min(limits_.topic_alias_maximum, config_.max_outbound_topic_aliases);
    std::uint16_t alias = 0;
    std::size_t slot = outbound_aliases_.size(); // == size(): append
    bool mapped = false;
    if (max_aliases > 0) {
        for (std::size_t i = 0; i < outbound_aliases_.size(); ++i)
            if (outbound_aliases_[i].topic == message.topic) {
                alias = outbound_aliases_[i].alias;
                slot = i;
                mapped = true;
                break;
            }
        if (!mapped) {
            if (outbound_aliases_.size() < max_aliases) {
                alias = static_cast<std::uint16_t>(outbound_aliases_.size() + 1);
            } else {
                slot = static_cast<std::size_t>(
                    std::min_element(outbound_aliases_.begin(), outbound_aliases_.end(),
                                     [](const auto& a, const auto& b) { return a.last_use < b.last_use; }) -
                    outbound_aliases_.begin());
                alias = outbound_aliases_[slot].alias;
            }
        }
    }

    auto encode_as = [&](std::uint16_t with_alias, bool empty_topic) {
        std::string topic;
        if (empty_topic) topic = std::exchange(message.topic, std::string{});
        if (with_alias) message.props.topic_alias = with_alias;
        auto bytes =
            with_packet(message, [&](const packet& p) { return encode(p, limits_.maximum_packet_size); });
        if (empty_topic) message.topic = std::move(topic);
        message.props.topic_alias.reset();
        return bytes;
    };
    auto bytes = encode_as(alias, mapped);
    if (!bytes && alias) {
        // The aliased form can be the larger one (a very short topic); the plain form then.
        alias = 0;
        bytes = encode_as(0, false);
    }
    if (!bytes) return false;
    if (alias) {
        if (slot == outbound_aliases_.size())
            outbound_aliases_.push_back(alias_entry{message.topic, alias, ++alias_clock_});
        else if (!mapped)
            outbound_aliases_[slot] = alias_entry{message.topic, alias, ++alias_clock_};
        else
            outbound_aliases_[slot].last_use = ++alias_clock_;
    }
    out.emplace_back(send_bytes{packet_type::publish, std::move(*bytes)});
    last_sent_ = now;
    return true;
}

void client_session::complete_outbound(std::size_t index, reason_code reason, properties props, bool local,
                                       std::vector<action>& out)
{
    auto& e = outbound_[index];
    if (e.on_link) --in_flight_;
    out.emplace_back(publish_completed{e.message.packet_id, e.message.qos, reason, std::move(props), local});
    outbound_.erase(outbound_.begin() + static_cast<std::ptrdiff_t>(index));
}

void client_session::pump(std::vector<action>& out, time_point now)
{
    if (state_ != session_state::connected) return;
    // §4.9: at most Receive Maximum QoS 1/2 PUBLISHes unacknowledged (PUBACK, PUBCOMP, or PUBREC of
    // 0x80 or more). §4.6: in the order they were first sent; what does not fit waits in order.
    std::size_t i = 0;
    while (i < outbound_.size()) {
        if (outbound_[i].on_link) {
            ++i;
            continue;
        }
        if (in_flight_ >= limits_.receive_maximum) break;
        auto& e = outbound_[i];
        if (e.stage == out_stage::awaiting_pubcomp) {
            // §4.4 [MQTT-4.4.0-1]: re-send PUBREL.
            send(packet{pubrel_packet{e.message.packet_id, reason_code::success, {}}}, out, now);
        } else {
            // This connection's limits apply to first sends and re-sends alike (§4.4 re-sends on a
            // new connection, whose CONNACK may have lowered Maximum QoS [MQTT-3.2.2-11], withdrawn
            // Retain Available or shrunk Maximum Packet Size). What they refuse is completed locally
            // with the broker's own reason code (0x9B, 0x9A, 0x95, ...): sending it anyway would
            // only earn a DISCONNECT; the broker, if it had received the earlier copy, keeps it.
            if (e.stage != out_stage::queued) e.message.dup = true; // §3.3.1.1 [MQTT-3.3.1-1]
            if (const auto rc = check_publish(e.message); rc != reason_code::success) {
                complete_outbound(i, rc, {}, true, out);
                continue;
            }
            if (!send_publish(e.message, out, now)) {
                // The checks passed but the encoder refused (not expected: check_publish measures
                // the plain form). Completed locally as 0x95 rather than left in flight for ever.
                complete_outbound(i, reason_code::packet_too_large, {}, true, out);
                continue;
            }
            if (e.stage == out_stage::queued) e.stage = out_stage::awaiting_ack;
        }
        e.on_link = true;
        ++in_flight_;
        ++i;
    }
}

request_result client_session::publish(std::string topic, std::vector<std::byte> payload, qos q, bool retain,
                                       properties props, time_point now)
{
    publish_packet message;
    message.qos = q;
    message.retain = retain;
    message.topic = std::move(topic);
    message.props = std::move(props);
    message.props.topic_alias.reset(); // ours to choose
    message.payload = std::move(payload);

    if (q == qos::at_most_once) {
        if (state_ != session_state::connected) return not_connected();
        if (const auto rc = check_publish(message); rc != reason_code::success) return refused(rc);
        request_result r;
        if (!send_publish(message, r.actions, now)) return refused(reason_code::packet_too_large);
        r.status = request_status::sent;
        return r;
    }

    const auto id = allocate_packet_id();
    if (!id) return refused(reason_code::quota_exceeded);
    message.packet_id = *id;
    if (const auto rc = check_publish(message); rc != reason_code::success)
        return refused(rc); // the id is simply not used
    outbound_.push_back(outbound_entry{std::move(message), out_stage::queued, false});

    request_result r;
    r.packet_id = *id;
    pump(r.actions, now);
    if (const auto* e = find_outbound(*id)) {
        r.status = e->on_link ? request_status::sent : request_status::queued;
        return r;
    }
    // Completed by pump() on the way out (the encoder refused what the checks let through): report
    // it as refused rather than as a completion.
    r.status = request_status::refused;
    r.packet_id = 0;
    for (auto it = r.actions.begin(); it != r.actions.end(); ++it)
        if (const auto* done = std::get_if<publish_completed>(&*it); done && done->packet_id == *id) {
            r.reason = done->reason;
            r.actions.erase(it);
            break;
        }
    return r;
}

// ---- SUBSCRIBE / UNSUBSCRIBE ----------------------------------------------------------------------

request_result client_session::subscribe(std::vector<subscription> subscriptions, properties props,
                                         time_point now)
{
    if (state_ != session_state::connected) return not_connected();
    // §3.2.2.3.11-13: features the broker said it lacks are refused here, with its reason codes.
    if (!props.subscription_identifiers.empty() && !limits_.subscription_identifier_available)
        return refused(reason_code::subscription_identifiers_not_supported);
    for (const auto& s : subscriptions) {
        if (is_shared(s.topic_filter) && !limits_.shared_subscription_available)
            return refused(reason_code::shared_subscriptions_not_supported);
        if (has_wildcard(s.topic_filter) && !limits_.wildcard_subscription_available)
            return refused(reason_code::wildcard_subscriptions_not_supported);
    }
    const auto filters = static_cast<std::uint32_t>(subscriptions.size());
    packet p{subscribe_packet{1, std::move(props), std::move(subscriptions)}};
    if (auto ec = validate(p)) return refused(reason_for_subscribe_error(ec));
    const auto id = allocate_packet_id();
    if (!id) return refused(reason_code::quota_exceeded);
    std::get<subscribe_packet>(p).packet_id = *id;
    request_result r;
    if (!send(p, r.actions, now)) return refused(reason_code::packet_too_large);
    requests_.push_back(pending_request{*id, true, filters});
    r.status = request_status::sent;
    r.packet_id = *id;
    return r;
}

request_result client_session::unsubscribe(std::vector<std::string> topic_filters, properties props,
                                           time_point now)
{
    if (state_ != session_state::connected) return not_connected();
    const auto filters = static_cast<std::uint32_t>(topic_filters.size());
    packet p{unsubscribe_packet{1, std::move(props), std::move(topic_filters)}};
    if (auto ec = validate(p)) return refused(reason_for_subscribe_error(ec));
    const auto id = allocate_packet_id();
    if (!id) return refused(reason_code::quota_exceeded);
    std::get<unsubscribe_packet>(p).packet_id = *id;
    request_result r;
    if (!send(p, r.actions, now)) return refused(reason_code::packet_too_large);
    requests_.push_back(pending_request{*id, false, filters});
    r.status = request_status::sent;
    r.packet_id = *id;
    return r;
}

// ---- inbound acknowledgements -------------------------------------------------------------------

void client_session::send_inbound_ack(std::size_t index, reason_code reason, std::vector<action>& out,
                                      time_point now)
{
    const auto e = inbound_[index];
    if (e.qos == qos::at_least_once) {
        // §4.3.2: PUBACK ends the QoS 1 flow.
        inbound_.erase(inbound_.begin() + static_cast<std::ptrdiff_t>(index));
        send(packet{puback_packet{e.packet_id, reason, {}}}, out, now);
        return;
    }
    // §4.3.3: PUBREC; a Reason Code of 0x80 or more ends the QoS 2 flow, else PUBREL is awaited.
    if (is_error(reason))
        inbound_.erase(inbound_.begin() + static_cast<std::ptrdiff_t>(index));
    else
        inbound_[index].stage = in_stage::awaiting_pubrel;
    send(packet{pubrec_packet{e.packet_id, reason, {}}}, out, now);
}

std::vector<action> client_session::acknowledge(std::uint16_t packet_id, time_point now)
{
    return acknowledge(packet_id, reason_code::success, now);
}

std::vector<action> client_session::acknowledge(std::uint16_t packet_id, reason_code reason, time_point now)
{
    return acknowledge_entry(find_inbound(packet_id), reason, now);
}

std::vector<action> client_session::acknowledge(delivery_token delivery, time_point now)
{
    return acknowledge(delivery, reason_code::success, now);
}

std::vector<action> client_session::acknowledge(delivery_token delivery, reason_code reason, time_point now)
{
    // Design §3: keyed on the delivery, not the packet id, which a new broker session reuses.
    inbound_entry* e = nullptr;
    if (delivery.value != 0)
        for (auto& x : inbound_)
            if (x.delivery == delivery.value) e = &x;
    return acknowledge_entry(e, reason, now);
}

std::vector<action> client_session::acknowledge_entry(inbound_entry* e, reason_code reason, time_point now)
{
    std::vector<action> out;
    if (!e || e->stage != in_stage::awaiting_ack) return out;
    // §3.4.2.1 / §3.5.2.1: the codes PUBACK and PUBREC may carry (the same set).
    if (!reason_code_allowed(e->qos == qos::at_least_once ? packet_type::puback : packet_type::pubrec,
                             reason))
        reason = reason_code::unspecified_error;
    if (state_ == session_state::connected) {
        send_inbound_ack(static_cast<std::size_t>(e - inbound_.data()), reason, out, now);
    } else {
        // Answered when the broker re-sends the PUBLISH on the next connection (§4.4).
        e->stage = in_stage::ack_pending;
        e->ack_reason = reason;
    }
    return out;
}

// ---- AUTH, DISCONNECT, abort ---------------------------------------------------------------------

std::vector<action> client_session::send_auth(reason_code reason, properties props, time_point now)
{
    std::vector<action> out;
    if (state_ == session_state::disconnected) return out;
    // §4.12 [MQTT-4.12.0-5]: the same Authentication Method as in CONNECT.
    if (!props.authentication_method)
        props.authentication_method = config_.connect.props.authentication_method;
    if (send(packet{auth_packet{reason, std::move(props)}}, out, now) &&
        reason == reason_code::re_authenticate && state_ == session_state::connected)
        reauthenticating_ = true; // §4.12.1: the broker may now answer with AUTH
    return out;
}

std::vector<action> client_session::disconnect(reason_code reason,
                                               std::optional<std::uint32_t> session_expiry, time_point now)
{
    std::vector<action> out;
    if (state_ == session_state::disconnected) return out;
    if (!reason_code_allowed(packet_type::disconnect, reason)) reason = reason_code::unspecified_error;
    disconnect_packet d{reason, {}};
    if (session_expiry) {
        // §3.14.2.2.2: non-zero after a CONNECT with 0 is a Protocol Error; leave it out then.
        const bool was_zero = config_.connect.props.session_expiry_interval.value_or(0) == 0;
        if (!(was_zero && *session_expiry != 0)) {
            d.props.session_expiry_interval = *session_expiry;
            session_expiry_ = *session_expiry;
        }
    }
    send(packet{std::move(d)}, out, now);
    out.emplace_back(close_link{close_mode::graceful});
    end_link(out, true);
    return out;
}

std::vector<action> client_session::abort(time_point)
{
    std::vector<action> out;
    if (state_ == session_state::disconnected) return out;
    out.emplace_back(close_link{close_mode::abrupt});
    end_link(out, true);
    return out;
}

} // namespace sngw::mqtt5
