// SPDX-License-Identifier: MIT
#include <sngw/mqtt5/client_session.hpp>

#include <sngw/mqtt5/codec.hpp>

#include <algorithm>
#include <string>
#include <utility>

namespace sngw::mqtt5 {
namespace {

using boost::system::error_code;
using std::chrono::milliseconds;
using std::chrono::seconds;

// MQTT 5.0 §4.13, and each property's section: giving a property twice, or a value the spec forbids
// (Receive Maximum 0, Topic Alias 0, ...), "is a Protocol Error"; other bad bytes are a Malformed
// Packet. A packet over our Maximum Packet Size gets 0x95 (§3.1.2.11.4).
reason_code reason_for_decode_error(error_code ec) noexcept
{
    if (ec == errc::packet_too_large) return reason_code::packet_too_large;
    if (ec == errc::duplicate_property || ec == errc::bad_property_value ||
        ec == errc::auth_data_without_method)
        return reason_code::protocol_error;
    return reason_code::malformed_packet;
}

const properties* props_of(const packet& p) noexcept
{
    return std::visit(
        [](const auto& x) -> const properties* {
            if constexpr (requires { x.props; })
                return &x.props;
            else
                return nullptr;
        },
        p);
}

} // namespace

client_session::client_session(session_config config)
    : config_(std::move(config)), clean_start_(config_.connect.clean_start),
      keep_alive_(config_.connect.keep_alive),
      session_expiry_(config_.connect.props.session_expiry_interval.value_or(0))
{
    // §3.1.2.11.4: absent, the broker may send up to 268 MB per packet; bound it (session_config).
    if (!config_.connect.props.maximum_packet_size)
        config_.connect.props.maximum_packet_size = default_max_packet_size;
}

// ---- our own announced values (absent: the spec's defaults) -----------------------------------

std::uint32_t client_session::our_max_packet_size() const noexcept
{
    return config_.connect.props.maximum_packet_size.value_or(max_packet_size_limit); // §3.1.2.11.4
}

std::uint16_t client_session::our_receive_maximum() const noexcept
{
    return config_.connect.props.receive_maximum.value_or(65535); // §3.1.2.11.3
}

std::uint16_t client_session::our_topic_alias_maximum() const noexcept
{
    return config_.connect.props.topic_alias_maximum.value_or(0); // §3.1.2.11.5
}

milliseconds client_session::ping_timeout() const noexcept
{
    if (config_.ping_timeout > milliseconds::zero()) return config_.ping_timeout;
    return milliseconds(std::int64_t{keep_alive_} * 500);
}

time_point client_session::ping_due() const noexcept
{
    // §3.1.2.10 [MQTT-3.1.2-20] asks for a PINGREQ after Keep Alive without sending. We also ping
    // after Keep Alive without receiving: a client that only publishes QoS 0 would otherwise never
    // ask the broker anything and never notice a half-open connection.
    return std::min(last_sent_, last_received_) + seconds(keep_alive_);
}

// ---- link life ------------------------------------------------------------------------------------

void client_session::start_link_state()
{
    pingresp_deadline_.reset();
    reauthenticating_ = false;
    in_flight_ = 0;
    for (auto& e : outbound_)
        e.on_link = false;
    for (auto& e : inbound_)
        e.on_link = false;
    // MQTT 5.0 §3.3.2.3.4: Topic Alias mappings belong to one Network Connection.
    std::vector<std::pair<std::uint16_t, std::string>>{}.swap(inbound_aliases_);
    std::vector<alias_entry>{}.swap(outbound_aliases_);
    alias_clock_ = 0;
}

void client_session::end_link(std::vector<action>& out, bool by_us)
{
    // A PUBLISH in flight under repeated link failures is likely their cause (a broker refusing
    // it by closing the connection): give it up after max_link_losses_in_flight, counted before
    // start_link_state() forgets which entries were on the link.
    std::vector<std::uint16_t> give_up;
    if (!by_us && config_.max_link_losses_in_flight > 0)
        for (auto& e : outbound_)
            if (e.on_link && e.stage == out_stage::awaiting_ack &&
                ++e.links_lost >= config_.max_link_losses_in_flight)
                give_up.push_back(e.message.packet_id);
    state_ = session_state::disconnected;
    start_link_state();
    for (const auto id : give_up)
        if (auto* e = find_outbound(id))
            complete_outbound(static_cast<std::size_t>(e - outbound_.data()), reason_code::unspecified_error,
                              {}, true, out);
    // Packet ids of SUBSCRIBE/UNSUBSCRIBE are not session state (§4.1): nothing will answer them.
    for (const auto& r : requests_) {
        std::vector<reason_code> codes(r.filters, reason_code::unspecified_error);
        if (r.subscribe)
            out.emplace_back(subscribe_result{r.packet_id, std::move(codes), {}, true});
        else
            out.emplace_back(unsubscribe_result{r.packet_id, std::move(codes), {}, true});
    }
    std::vector<pending_request>{}.swap(requests_);
}

bool client_session::send(const packet& p, std::vector<action>& out, time_point now)
{
    // §3.2.2.3.6 [MQTT-3.2.2-15]: never more than the broker's Maximum Packet Size.
    auto bytes = encode(p, limits_.maximum_packet_size);
    if (!bytes) return false;
    out.emplace_back(send_bytes{type_of(p), std::move(*bytes)});
    last_sent_ = now;
    return true;
}

void client_session::fail_protocol(reason_code reason, error_code ec, std::string_view why,
                                   std::vector<action>& out, time_point now)
{
    // §4.13: DISCONNECT with the reason, then close the Network Connection.
    disconnect_packet d{reason, {}};
    d.props.reason_string = std::string(why);
    if (!send(packet{d}, out, now)) {
        d.props = {};
        send(packet{d}, out, now);
    }
    out.emplace_back(close_link{close_mode::graceful});
    out.emplace_back(protocol_error_detected{std::move(d), ec});
    end_link(out);
}

std::vector<action> client_session::on_link_up(time_point now)
{
    std::vector<action> out;
    if (state_ != session_state::disconnected) end_link(out);
    start_link_state();

    packet p{config_.connect};
    std::get<connect_packet>(p).clean_start = clean_start_;
    auto bytes = encode(p);
    if (!bytes) {
        out.emplace_back(close_link{close_mode::abrupt});
        connect_failed failed{reason_code::malformed_packet, {}};
        failed.props.reason_string = "CONNECT cannot be encoded: " + bytes.error().message();
        out.emplace_back(std::move(failed));
        return out;
    }
    clean_start_sent_ = clean_start_;
    keep_alive_ = config_.connect.keep_alive;
    state_ = session_state::connecting;
    connack_deadline_ = now + config_.connect_timeout;
    out.emplace_back(send_bytes{packet_type::connect, std::move(*bytes)});
    last_sent_ = now;
    last_received_ = now;
    return out;
}

std::vector<action> client_session::on_link_down(time_point)
{
    std::vector<action> out;
    if (state_ == session_state::disconnected) return out;
    out.emplace_back(link_lost{link_lost_cause::link_down});
    end_link(out);
    return out;
}

std::vector<action> client_session::on_timeout(time_point now)
{
    std::vector<action> out;
    auto lose = [&](link_lost_cause cause) {
        // Closed without DISCONNECT, so the broker publishes the will (§3.1.2.5).
        out.emplace_back(close_link{close_mode::abrupt});
        out.emplace_back(link_lost{cause});
        end_link(out);
    };
    if (state_ == session_state::connecting) {
        if (now >= connack_deadline_) lose(link_lost_cause::connack_timeout);
    } else if (state_ == session_state::connected) {
        if (pingresp_deadline_) {
            // §3.1.2.10: no PINGRESP within a reasonable time: close the Network Connection.
            if (now >= *pingresp_deadline_) lose(link_lost_cause::ping_timeout);
        } else if (keep_alive_ > 0 && now >= ping_due()) {
            // §3.1.2.10 [MQTT-3.1.2-20]: nothing sent (or received) for Keep Alive seconds: PINGREQ.
            send(packet{pingreq_packet{}}, out, now);
            pingresp_deadline_ = now + ping_timeout();
        }
    }
    return out;
}

std::optional<time_point> client_session::next_deadline() const noexcept
{
    switch (state_) {
    case session_state::connecting:
        return connack_deadline_;
    case session_state::connected:
        if (pingresp_deadline_) return pingresp_deadline_;
        if (keep_alive_ > 0) return ping_due();
        return std::nullopt;
    case session_state::disconnected:
        break;
    }
    return std::nullopt;
}

// ---- inbound packets ------------------------------------------------------------------------------

std::vector<action> client_session::on_bytes(std::span<const std::byte> whole_packet, time_point now)
{
    if (state_ == session_state::disconnected) return {};
    // A broker that speaks only MQTT 3.1.1 answers our CONNECT with its own CONNACK: Remaining
    // Length 2, flags 0, a return code 0x01..0x05 (MQTT 3.1.1 §3.2.2.3; 0x01 "unacceptable protocol
    // version"). As MQTT 5 that is malformed; report it as the connect failure it is, 0x84
    // Unsupported Protocol Version (MQTT 5.0 §3.2.2.2), so the gateway classes it "fix, then retry".
    if (state_ == session_state::connecting && whole_packet.size() == 4 &&
        whole_packet[0] == std::byte{0x20} && whole_packet[1] == std::byte{0x02} &&
        whole_packet[2] == std::byte{0x00} && whole_packet[3] >= std::byte{0x01} &&
        whole_packet[3] <= std::byte{0x05}) {
        std::vector<action> out;
        out.emplace_back(close_link{close_mode::graceful});
        connect_failed failed{reason_code::unsupported_protocol_version, {}};
        failed.props.reason_string =
            "MQTT 3.1.1 CONNACK return code " + std::to_string(std::to_integer<unsigned>(whole_packet[3]));
        out.emplace_back(std::move(failed));
        end_link(out);
        return out;
    }
    // Lenient on acks' failure codes (decode_limits): a PUBACK 0x95 completes the PUBLISH.
    auto decoded = decode(whole_packet, decode_limits{our_max_packet_size(), true});
    if (!decoded) {
        std::vector<action> out;
        fail_protocol(reason_for_decode_error(decoded.error()), decoded.error(),
                      "cannot decode packet: " + decoded.error().message(), out, now);
        return out;
    }
    return on_packet(std::move(*decoded), now);
}

std::vector<action> client_session::on_packet(packet p, time_point now)
{
    std::vector<action> out;
    if (state_ == session_state::disconnected) return out;
    // Any packet shows the link works: it answers an outstanding PINGREQ.
    pingresp_deadline_.reset();
    last_received_ = now;

    const auto type = type_of(p);
    if (state_ == session_state::connecting && type != packet_type::connack && type != packet_type::auth &&
        type != packet_type::disconnect) {
        // §3.1.4, §3.2: the Server sends nothing but AUTH before CONNACK.
        fail_protocol(reason_code::protocol_error, {}, "packet before CONNACK", out, now);
        return out;
    }
    // §3.1.2.11.7 Request Problem Information 0: a Reason String or User Property on anything but
    // PUBLISH, CONNACK and DISCONNECT is a Protocol Error.
    if (config_.connect.props.request_problem_information == false && type != packet_type::publish &&
        type != packet_type::connack && type != packet_type::disconnect) {
        if (const auto* props = props_of(p);
            props && (props->reason_string || !props->user_properties.empty())) {
            fail_protocol(reason_code::protocol_error, {}, "problem information not requested", out, now);
            return out;
        }
    }

    switch (type) {
    case packet_type::connack:
        if (state_ == session_state::connected)
            fail_protocol(reason_code::protocol_error, {}, "second CONNACK", out, now);
        else
            handle(std::get<connack_packet>(std::move(p)), out, now);
        break;
    case packet_type::publish:
        handle(std::get<publish_packet>(std::move(p)), out, now);
        break;
    case packet_type::puback:
        handle(std::get<puback_packet>(p), out, now);
        break;
    case packet_type::pubrec:
        handle(std::get<pubrec_packet>(p), out, now);
        break;
    case packet_type::pubrel:
        handle(std::get<pubrel_packet>(p), out, now);
        break;
    case packet_type::pubcomp:
        handle(std::get<pubcomp_packet>(std::move(p)), out, now);
        break;
    case packet_type::suback:
        handle(std::get<suback_packet>(std::move(p)), out, now);
        break;
    case packet_type::unsuback:
        handle(std::get<unsuback_packet>(std::move(p)), out, now);
        break;
    case packet_type::disconnect:
        handle(std::get<disconnect_packet>(std::move(p)), out, now);
        break;
    case packet_type::auth:
        handle(std::get<auth_packet>(std::move(p)), out, now);
        break;
    case packet_type::pingresp:
        break; // §3.13: already counted above
    case packet_type::connect:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
    case packet_type::pingreq:
        // §3.1, §3.8, §3.10, §3.12: sent by Clients only.
        fail_protocol(reason_code::protocol_error, {}, "packet a server never sends", out, now);
        break;
    }
    return out;
}

void client_session::handle(connack_packet&& p, std::vector<action>& out, time_point now)
{
    if (is_error(p.reason)) {
        // §3.2.2.2: the Server closes the Network Connection after a failing CONNACK.
        out.emplace_back(close_link{close_mode::graceful});
        out.emplace_back(connect_failed{p.reason, std::move(p.props)});
        end_link(out);
        return;
    }
    // §3.2.2.1.1 [MQTT-3.2.2-2]: Clean Start 1 means Session Present 0.
    if (p.session_present && clean_start_sent_) {
        fail_protocol(reason_code::protocol_error, {}, "Session Present after Clean Start", out, now);
        return;
    }
    // §4.12: the CONNACK of an enhanced authentication carries the CONNECT's method; a method we
    // did not choose (or none where we chose one and the CONNACK has Authentication Data) is a
    // Protocol Error.
    if (p.props.authentication_method &&
        p.props.authentication_method != config_.connect.props.authentication_method) {
        fail_protocol(reason_code::protocol_error, {}, "CONNACK authentication method mismatch", out, now);
        return;
    }
    const auto& props = p.props;
    limits_ = broker_limits{
        .receive_maximum = props.receive_maximum.value_or(65535),                         // §3.2.2.3.3
        .maximum_qos = props.maximum_qos.value_or(qos::exactly_once),                     // §3.2.2.3.4
        .retain_available = props.retain_available.value_or(true),                        // §3.2.2.3.5
        .maximum_packet_size = props.maximum_packet_size.value_or(max_packet_size_limit), // §3.2.2.3.6
        .topic_alias_maximum = props.topic_alias_maximum.value_or(0),                     // §3.2.2.3.8
        .wildcard_subscription_available =
            props.wildcard_subscription_available.value_or(true), // §3.2.2.3.11
        .subscription_identifier_available =
            props.subscription_identifier_available.value_or(true),                          // §3.2.2.3.12
        .shared_subscription_available = props.shared_subscription_available.value_or(true), // §3.2.2.3.13
    };
    // §3.2.2.3.14 [MQTT-3.2.2-21]: the Server Keep Alive replaces ours.
    keep_alive_ = props.server_keep_alive.value_or(config_.connect.keep_alive);
    // §3.2.2.3.2: the Server's Session Expiry Interval replaces ours.
    session_expiry_ =
        props.session_expiry_interval.value_or(config_.connect.props.session_expiry_interval.value_or(0));
    // §3.2.2.3.7: use the Assigned Client Identifier from now on (to resume this session).
    const bool assigned = props.assigned_client_identifier.has_value();
    if (assigned) config_.connect.client_id = *props.assigned_client_identifier;

    state_ = session_state::connected;
    clean_start_ = false;
    out.emplace_back(connected{p.session_present, config_.connect.client_id, assigned, keep_alive_,
                               session_expiry_, limits_, std::move(p.props)});

    if (!p.session_present) {
        // §3.2.2.1.1: the broker has no session: discard ours. PUBLISHes never sent
        // are not session state and stay queued.
        session_state_dropped dropped;
        std::erase_if(outbound_, [&](const outbound_entry& e) {
            if (e.stage == out_stage::queued) return false;
            dropped.outbound.push_back(e.message.packet_id);
            return true;
        });
        for (const auto& e : inbound_) {
            dropped.inbound.push_back(e.packet_id);
            dropped.inbound_deliveries.push_back(delivery_token{e.delivery});
        }
        std::vector<inbound_entry>{}.swap(inbound_);
        if (!dropped.outbound.empty() || !dropped.inbound.empty()) out.emplace_back(std::move(dropped));
    }
    // §4.4: re-send unacknowledged PUBLISH (DUP 1) and PUBREL, in order; then what was queued.
    pump(out, now);
}

void client_session::handle(publish_packet&& p, std::vector<action>& out, time_point now)
{
    // §3.3.2.3.4 Topic Alias.
    if (p.props.topic_alias) {
        const auto alias = *p.props.topic_alias;
        if (alias > our_topic_alias_maximum()) {
            // §3.3.2.3.4: we accept 1..our maximum (0 is refused by decode); above: 0x94.
            fail_protocol(reason_code::topic_alias_invalid, {}, "topic alias above maximum", out, now);
            return;
        }
        auto it = std::find_if(inbound_aliases_.begin(), inbound_aliases_.end(),
                               [&](const auto& a) { return a.first == alias; });
        if (p.topic.empty()) {
            if (it == inbound_aliases_.end()) {
                // §3.3.4: a Topic Alias that has no mapping is a Protocol Error.
                fail_protocol(reason_code::protocol_error, {}, "topic alias not mapped", out, now);
                return;
            }
            p.topic = it->second;
        } else if (it != inbound_aliases_.end()) {
            it->second = p.topic;
        } else {
            inbound_aliases_.emplace_back(alias, p.topic);
        }
        p.props.topic_alias.reset();
    }
    if (p.qos == qos::at_most_once) {
        out.emplace_back(message_received{std::move(p)});
        return;
    }
    const auto found = std::find_if(inbound_.begin(), inbound_.end(),
                                    [&](const inbound_entry& e) { return e.packet_id == p.packet_id; });
    if (found != inbound_.end()) {
        // §4.3.3: a packet id not yet completed is the same message: not delivered
        // again. (§4.4: after a reconnect the broker re-sends it with DUP 1.)
        const auto index = static_cast<std::size_t>(found - inbound_.begin());
        found->on_link = true; // re-sent on this link (§4.4): in the broker's quota again
        switch (found->stage) {
        case in_stage::awaiting_ack:
            break; // the gateway holds it; acknowledge() answers
        case in_stage::ack_pending:
            send_inbound_ack(index, found->ack_reason, out, now);
            break;
        case in_stage::awaiting_pubrel:
            send(packet{pubrec_packet{p.packet_id, reason_code::success, {}}}, out, now);
            break;
        }
        return;
    }
    // §3.3.4, §4.9: the broker must stay within our Receive Maximum. The quota belongs to one
    // Network Connection: entries carried over from an earlier link count only once the broker
    // re-sends their PUBLISH here (§4.4); one awaiting PUBREL (PUBREC'd) never counts again, since
    // the broker re-sends its PUBREL, not the PUBLISH, and may send new messages before that.
    const auto on_this_link = static_cast<std::size_t>(
        std::count_if(inbound_.begin(), inbound_.end(), [](const inbound_entry& e) { return e.on_link; }));
    if (on_this_link >= our_receive_maximum()) {
        fail_protocol(reason_code::receive_maximum_exceeded, {}, "receive maximum exceeded", out, now);
        return;
    }
    const auto delivery = next_delivery_++;
    inbound_.push_back(
        inbound_entry{p.packet_id, p.qos, in_stage::awaiting_ack, reason_code::success, delivery, true});
    out.emplace_back(message_received{std::move(p), delivery_token{delivery}});
}

void client_session::handle(const puback_packet& p, std::vector<action>& out, time_point now)
{
    auto* e = find_outbound(p.packet_id);
    if (!e || e->stage != out_stage::awaiting_ack || e->message.qos != qos::at_least_once)
        return; // not ours to complete
    complete_outbound(static_cast<std::size_t>(e - outbound_.data()), p.reason, p.props, false, out);
    pump(out, now);
}

void client_session::handle(const pubrec_packet& p, std::vector<action>& out, time_point now)
{
    auto* e = find_outbound(p.packet_id);
    if (!e || e->stage == out_stage::queued || e->message.qos != qos::exactly_once) {
        // §3.6.2.1: PUBREL 0x92 Packet Identifier not found.
        send(packet{pubrel_packet{p.packet_id, reason_code::packet_identifier_not_found, {}}}, out, now);
        return;
    }
    if (e->stage == out_stage::awaiting_ack) {
        if (is_error(p.reason)) {
            // §4.3.3: a PUBREC of 0x80 or more ends the flow (and frees the slot, §4.9).
            complete_outbound(static_cast<std::size_t>(e - outbound_.data()), p.reason, p.props, false, out);
            pump(out, now);
            return;
        }
        e->stage = out_stage::awaiting_pubcomp;
        // The broker owns the message now; only the packet id matters until PUBCOMP.
        publish_packet released;
        released.qos = e->message.qos;
        released.packet_id = e->message.packet_id;
        e->message = std::move(released);
    }
    // §4.3.3: PUBREL (again, for a repeated PUBREC).
    send(packet{pubrel_packet{p.packet_id, reason_code::success, {}}}, out, now);
}

void client_session::handle(const pubrel_packet& p, std::vector<action>& out, time_point now)
{
    const auto found = std::find_if(inbound_.begin(), inbound_.end(),
                                    [&](const inbound_entry& e) { return e.packet_id == p.packet_id; });
    if (found == inbound_.end()) {
        // §3.7.2.1: PUBCOMP 0x92 Packet Identifier not found.
        send(packet{pubcomp_packet{p.packet_id, reason_code::packet_identifier_not_found, {}}}, out, now);
        return;
    }
    if (found->qos != qos::exactly_once || found->stage != in_stage::awaiting_pubrel) {
        fail_protocol(reason_code::protocol_error, {}, "PUBREL before PUBREC", out, now);
        return;
    }
    inbound_.erase(found);
    // §4.3.3: PUBCOMP; the id may be reused from now on.
    send(packet{pubcomp_packet{p.packet_id, reason_code::success, {}}}, out, now);
}

void client_session::handle(pubcomp_packet&& p, std::vector<action>& out, time_point now)
{
    auto* e = find_outbound(p.packet_id);
    if (!e || e->stage != out_stage::awaiting_pubcomp) return;
    complete_outbound(static_cast<std::size_t>(e - outbound_.data()), p.reason, std::move(p.props), false,
                      out);
    pump(out, now);
}

void client_session::handle(suback_packet&& p, std::vector<action>& out, time_point now)
{
    const auto it = std::find_if(requests_.begin(), requests_.end(), [&](const pending_request& r) {
        return r.subscribe && r.packet_id == p.packet_id;
    });
    if (it == requests_.end()) return;
    // §3.9.3: one Reason Code per Topic Filter.
    if (p.reason_codes.size() != it->filters) {
        fail_protocol(reason_code::protocol_error, {}, "SUBACK reason code count", out, now);
        return;
    }
    requests_.erase(it);
    out.emplace_back(subscribe_result{p.packet_id, std::move(p.reason_codes), std::move(p.props), false});
}

void client_session::handle(unsuback_packet&& p, std::vector<action>& out, time_point now)
{
    const auto it = std::find_if(requests_.begin(), requests_.end(), [&](const pending_request& r) {
        return !r.subscribe && r.packet_id == p.packet_id;
    });
    if (it == requests_.end()) return;
    // §3.11.3
    if (p.reason_codes.size() != it->filters) {
        fail_protocol(reason_code::protocol_error, {}, "UNSUBACK reason code count", out, now);
        return;
    }
    requests_.erase(it);
    out.emplace_back(unsubscribe_result{p.packet_id, std::move(p.reason_codes), std::move(p.props), false});
}

void client_session::handle(disconnect_packet&& p, std::vector<action>& out, time_point now)
{
    // §3.14.2.2.2 [MQTT-3.14.2-2]: the Server must not send a Session Expiry Interval; §3.14.2.1:
    // 0x04 Disconnect with Will Message is the Client's alone.
    if (p.props.session_expiry_interval) {
        fail_protocol(reason_code::protocol_error, {}, "Session Expiry in a server DISCONNECT", out, now);
        return;
    }
    if (p.reason == reason_code::disconnect_with_will_message) {
        fail_protocol(reason_code::protocol_error, {}, "DISCONNECT 0x04 from the server", out, now);
        return;
    }
    // §3.14.4: after DISCONNECT the Server closes the Network Connection; so do we.
    out.emplace_back(close_link{close_mode::graceful});
    if (state_ == session_state::connecting) {
        // Before CONNACK the connection never came up: surfaced as a failed connect, so the
        // gateway maps it like a CONNACK failure (design §4). A code below 0x80 there is no verdict
        // on the connect: 0x80 Unspecified error.
        const auto reason = is_error(p.reason) ? p.reason : reason_code::unspecified_error;
        out.emplace_back(connect_failed{reason, std::move(p.props)});
    } else {
        out.emplace_back(broker_disconnected{p.reason, std::move(p.props)});
    }
    end_link(out);
}

void client_session::handle(auth_packet&& p, std::vector<action>& out, time_point now)
{
    // §4.12: the Server sends AUTH only when the CONNECT chose an Authentication Method.
    if (!config_.connect.props.authentication_method) {
        fail_protocol(reason_code::protocol_error, {}, "AUTH without authentication method", out, now);
        return;
    }
    // §4.12 [MQTT-4.12.0-5]: the same Authentication Method as the CONNECT's, in every AUTH.
    if (p.props.authentication_method != config_.connect.props.authentication_method) {
        fail_protocol(reason_code::protocol_error, {}, "AUTH authentication method mismatch", out, now);
        return;
    }
    // §3.15.2.1: 0x19 Re-authenticate is the Client's to send.
    if (p.reason == reason_code::re_authenticate) {
        fail_protocol(reason_code::protocol_error, {}, "AUTH 0x19 from the server", out, now);
        return;
    }
    if (state_ == session_state::connected) {
        // §4.12.1: after CONNACK the Server sends AUTH only within a re-authentication the Client
        // started with 0x19; its 0x00 Success ends it.
        if (!reauthenticating_) {
            fail_protocol(reason_code::protocol_error, {}, "AUTH outside a re-authentication", out, now);
            return;
        }
        if (p.reason == reason_code::success) reauthenticating_ = false;
    } else if (p.reason != reason_code::continue_authentication) {
        // §4.12: before CONNACK the exchange continues with 0x18; it ends with the CONNACK.
        fail_protocol(reason_code::protocol_error, {}, "AUTH Success before CONNACK", out, now);
        return;
    }
    out.emplace_back(auth_received{p.reason, std::move(p.props)});
}

} // namespace sngw::mqtt5
