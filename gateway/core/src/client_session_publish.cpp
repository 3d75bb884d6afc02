// SPDX-License-Identifier: MIT
// One MQTT-SN v1.2 client: topic registration both ways (§6.5, §6.7), PUBLISH from the sensor with
// end-to-end acknowledgement (§6.6, design §3), SUBSCRIBE/UNSUBSCRIBE (§6.9), and the gateway's
// publish procedure toward the sensor (§6.10) with one message in flight, a FIFO behind it and
// retransmission (§6.13), buffering while the sensor sleeps (§6.14).
#include "client_session_impl.hpp"

#include "reason_mapping.hpp"
#include "sn_conversions.hpp"

#include <algorithm>
#include <utility>

namespace sngw::core::detail {
namespace {

using enum client_state;

// MQTT-SN v1.2 §5.2.1: a 1-octet Length up to 255 octets, else 3 octets.
std::size_t with_length_field(std::size_t rest) noexcept
{
    return rest + 1 <= 255 ? rest + 1 : rest + 3;
}
// §5.4.12 PUBLISH: MsgType, Flags, TopicId, MsgId, Data.
std::size_t publish_size(std::size_t data) noexcept
{
    return with_length_field(1 + 1 + 2 + 2 + data);
}
// §5.4.10 REGISTER: MsgType, TopicId, MsgId, TopicName.
std::size_t register_size(std::size_t name) noexcept
{
    return with_length_field(1 + 2 + 2 + name);
}

std::size_t qos_index(v12::qos q) noexcept
{
    return q == v12::qos::minus_one ? 3 : static_cast<std::size_t>(q);
}

} // namespace

// ============================================================================================
// REGISTER from the sensor (§6.5)
// ============================================================================================

void client_session::impl::handle(const v12::register_msg& m, time_point, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "REGISTER while " + std::string(to_string(state)), out);
        return;
    }
    // §6.5: the gateway assigns the id (the same one for the same name) and returns it in REGACK;
    // over config::max_topics_per_client "rejected: congestion"; a name with wildcards or NUL can
    // never be published to (MQTT 5.0 §4.7.1): "rejected: invalid topic ID".
    const auto r = topics.register_name(m.topic_name);
    switch (r.status) {
    case topic_registry::outcome::ok:
        topics.set_announced(r.id, true);
        send(v12::regack_msg{r.id, m.msg_id, v12::return_codes::accepted}, out);
        return;
    case topic_registry::outcome::limit:
        send(v12::regack_msg{0, m.msg_id, v12::return_codes::rejected_congestion}, out);
        drop(errc::topic_limit, "REGISTER " + m.topic_name, out);
        return;
    case topic_registry::outcome::invalid_name:
        send(v12::regack_msg{0, m.msg_id, v12::return_codes::rejected_invalid_topic_id}, out);
        return;
    }
}

// ============================================================================================
// PUBLISH from the sensor (§6.6), end to end (design §3)
// ============================================================================================

void client_session::impl::handle(const v12::publish_msg& m, time_point now, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "PUBLISH while " + std::string(to_string(state)), out);
        return;
    }
    auto puback = [&](std::uint8_t code) { send(v12::puback_msg{m.topic_id, m.msg_id, code}, out); };

    if (m.q == v12::qos::one || m.q == v12::qos::two) {
        // A DUP re-send (§6.13) of a PUBLISH the broker has not acknowledged yet: published once.
        if (std::any_of(uplinks.begin(), uplinks.end(),
                        [&](const uplink& u) { return u.msg_id == m.msg_id; }))
            return;
        // QoS 2 already PUBREC'd: the sensor missed our PUBREC (§6.6 as MQTT's QoS 2 flow).
        if (m.q == v12::qos::two &&
            std::find(pubrel_awaited.begin(), pubrel_awaited.end(), m.msg_id) != pubrel_awaited.end()) {
            send(v12::pubrec_msg{m.msg_id}, out);
            return;
        }
    }

    // §5.3.11 / §6.7: a registered id, a predefined id, or a short name.
    if (m.q == v12::qos::minus_one && m.topic_id_type == v12::topic_id_type::normal) {
        drop(errc::unknown_topic, "QoS -1 PUBLISH with a normal topic id", out); // §6.8
        return;
    }
    auto topic = topics.resolve(m.topic_id_type, m.topic_id);
    if (!topic) {
        // §6.6, §6.7: whatever the QoS, PUBACK "rejected: invalid topic ID": register again.
        if (m.q != v12::qos::minus_one) puback(v12::return_codes::rejected_invalid_topic_id);
        drop(errc::unknown_topic, "PUBLISH to topic id " + std::to_string(m.topic_id), out);
        return;
    }

    const auto refusal = publish_upstream(
        held_publish{std::move(*topic), m.data, m.retain, m.q, m.topic_id, m.msg_id}, now, out);
    if (!refusal) return;
    // §6.6: a rejection or congestion in the sensor's PUBACK.
    puback(refusal->broker_reason ? puback_return_code(*refusal->broker_reason)
                                  : v12::return_codes::rejected_congestion);
}

auto client_session::impl::publish_upstream(held_publish p, time_point now, std::vector<action>& out)
    -> std::optional<upstream_refusal>
{
    ++stats.publishes_from_clients[qos_index(p.q)];
    const auto q = to_mqtt5(p.q);
    if (q == mqtt5::qos::at_most_once) {
        if (relinking) {
            // The link is being replaced for a new will (§6.4): the gateway's own doing, so what the
            // sensor publishes meanwhile waits for the CONNACK instead of being lost; bounded.
            if (held.size() >= cfg.max_buffered_messages) {
                ++dropped_qos0;
                ++stats.qos0_dropped;
                drop(errc::buffer_full, "PUBLISH QoS 0 while the upstream session resumes", out);
                return std::nullopt;
            }
            held.push_back(std::move(p));
            return std::nullopt;
        }
        publish_qos0(std::move(p), now, out);
        return std::nullopt;
    }

    // §6.6 (CSD01 Appendix C.2): one QoS 1/2 PUBLISH outstanding per sensor; a flood past the buffer
    // bound is congestion.
    if (uplinks.size() >= std::max<std::size_t>(cfg.max_buffered_messages, 1)) return upstream_refusal{};
    // Design §3: forwarded at once with the sensor's QoS and Retain; its PUBACK / PUBREC waits for
    // the broker's completion (on_publish_completed).
    auto r = upstream.publish(std::move(p.topic), std::move(p.payload), q, p.retain, {}, now);
    switch (r.status) {
    case mqtt5::request_status::sent:
    case mqtt5::request_status::queued: // the link is down: it goes out when the session resumes
        uplinks.push_back(uplink{p.msg_id, p.topic_id, p.q, r.packet_id});
        apply(std::move(r.actions), now, out);
        return std::nullopt;
    case mqtt5::request_status::refused:
        // The broker's limits applied locally (its Maximum Packet Size, ...).
        return upstream_refusal{r.reason};
    case mqtt5::request_status::not_connected:
        break;
    }
    return upstream_refusal{};
}

void client_session::impl::publish_qos0(held_publish m, time_point now, std::vector<action>& out)
{
    // QoS 0 (and -1 from a connected sensor, design §2): sent if the link is up, else lost (counted).
    auto r = upstream.publish(std::move(m.topic), std::move(m.payload), mqtt5::qos::at_most_once, m.retain,
                              {}, now);
    switch (r.status) {
    case mqtt5::request_status::sent:
    case mqtt5::request_status::queued:
        apply(std::move(r.actions), now, out);
        return;
    case mqtt5::request_status::not_connected:
        drop(errc::broker_unavailable, m.q == v12::qos::minus_one ? "PUBLISH QoS -1" : "PUBLISH QoS 0", out);
        return;
    case mqtt5::request_status::refused:
        if (version == sn::protocol_version::v2_0) {
            // CSD01 §3.6.2.7 Figure 3-11: a QoS 0 PUBLISH has no answer: dropped and counted (issue
            // #5: one over the broker's Maximum Packet Size).
            ++dropped_qos0;
            ++stats.qos0_dropped;
            drop(r.reason == mqtt5::reason_code::packet_too_large ? errc::message_too_large
                                                                  : errc::broker_unavailable,
                 "PUBLISH QoS 0 refused upstream: " + code_text(static_cast<std::uint8_t>(r.reason)), out);
            return;
        }
        // §6.6: a PUBACK with the rejection reaches the sensor whatever the QoS (QoS -1 has no
        // answer, §6.8).
        if (m.q != v12::qos::minus_one && connected_sensor())
            send(v12::puback_msg{m.topic_id, m.msg_id, puback_return_code(r.reason)}, out);
        return;
    }
}

void client_session::impl::on_publish_completed(const mqtt5::publish_completed& c, time_point,
                                                std::vector<action>& out)
{
    const auto it = std::find_if(uplinks.begin(), uplinks.end(),
                                 [&](const uplink& u) { return u.packet_id == c.packet_id; });
    if (it == uplinks.end()) return;
    const auto u = *it;
    uplinks.erase(it);
    if (version == sn::protocol_version::v2_0) {
        // CSD01 §3.6.3 / §3.6.4: the broker's code, mapped (reason_mapping); a PUBLISH given up
        // locally after link losses is worth a later try: 0xF1 Congestion.
        const auto v2 = c.local && c.reason == mqtt5::reason_code::unspecified_error
                            ? std::uint8_t{0xF1}
                            : v2_puback_code(c.reason);
        if (u.q == v12::qos::two && v2 < 0x80 &&
            std::find(pubrel_awaited.begin(), pubrel_awaited.end(), u.msg_id) == pubrel_awaited.end())
            pubrel_awaited.push_back(u.msg_id); // as v1.2 below: a DUP re-send gets PUBREC again
        if (connected_sensor()) send_v2_publish_ack(u.q, u.msg_id, v2, out);
        return;
    }
    // A PUBLISH given up locally after repeated link losses is worth a later try: congestion.
    const auto code = c.local && c.reason == mqtt5::reason_code::unspecified_error
                          ? v12::return_codes::rejected_congestion
                          : puback_return_code(c.reason);
    if (u.q == v12::qos::two && code == v12::return_codes::accepted) {
        // QoS 2: the broker's flow is complete (PUBCOMP), so PUBREC now; PUBREL -> PUBCOMP follow.
        // Recorded whatever the sensor's state: a sensor that cannot hear the PUBREC now (asleep,
        // reconnecting) re-sends the PUBLISH with DUP, which is answered with PUBREC and not
        // published a second time (exactly once, §6.6).
        if (std::find(pubrel_awaited.begin(), pubrel_awaited.end(), u.msg_id) == pubrel_awaited.end())
            pubrel_awaited.push_back(u.msg_id);
        if (connected_sensor()) send(v12::pubrec_msg{u.msg_id}, out);
        return;
    }
    if (!connected_sensor()) return; // it went away: it re-sends on its next connection if it cares
    // QoS 1 PUBACK, or the rejection of a QoS 2 PUBLISH (§6.6: a PUBACK carries it).
    send(v12::puback_msg{u.topic_id, u.msg_id, code}, out);
}

void client_session::impl::handle(const v12::pubrel_msg& m, time_point, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "PUBREL while " + std::string(to_string(state)), out);
        return;
    }
    // The sensor's QoS 2 flow ends: PUBCOMP (again, for a repeated PUBREL).
    std::erase(pubrel_awaited, m.msg_id);
    send(v12::pubcomp_msg{m.msg_id}, out);
}

// ============================================================================================
// SUBSCRIBE / UNSUBSCRIBE (§6.9)
// ============================================================================================

void client_session::impl::handle(const v12::subscribe_msg& m, time_point now, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "SUBSCRIBE while " + std::string(to_string(state)), out);
        return;
    }
    auto suback = [&](std::uint8_t code) { send(v12::suback_msg{v12::qos::zero, 0, m.msg_id, code}, out); };
    // A DUP re-send (§6.13) of one the broker has not answered yet.
    if (std::any_of(sub_requests.begin(), sub_requests.end(),
                    [&](const sub_request& r) { return r.subscribe && !r.internal && r.msg_id == m.msg_id; }))
        return;

    sub_request req;
    req.msg_id = m.msg_id;
    req.subscribe = true;
    req.type = m.topic_id_type;
    switch (m.topic_id_type) {
    case v12::topic_id_type::normal:
        req.filter = m.topic_name;
        if (!has_wildcard(m.topic_name)) {
            // §6.9: a topic name gets its topic id in the SUBACK.
            const auto r = topics.register_name(m.topic_name);
            if (r.status == topic_registry::outcome::limit) {
                drop(errc::topic_limit, "SUBSCRIBE " + m.topic_name, out);
                suback(v12::return_codes::rejected_congestion);
                return;
            }
            if (r.status == topic_registry::outcome::invalid_name) {
                suback(v12::return_codes::rejected_invalid_topic_id);
                return;
            }
            req.topic_id = r.id;
        }
        // §6.9: with a wildcard the SUBACK topic id is 0x0000; REGISTER precedes each new topic.
        break;
    case v12::topic_id_type::short_name:
        req.filter = m.topic_name; // §6.7: no id; the SUBACK's is 0x0000
        break;
    case v12::topic_id_type::predefined:
        if (const auto* name = topics.predefined_name(m.topic_id)) {
            req.filter = *name;
            req.topic_id = m.topic_id; // §6.9: the SUBACK carries the predefined id
        } else {
            // §6.7: a predefined id the gateway does not know: nothing to subscribe to.
            suback(v12::return_codes::rejected_invalid_topic_id);
            drop(errc::unknown_topic, "SUBSCRIBE to predefined topic id " + std::to_string(m.topic_id), out);
            return;
        }
        break;
    }

    mqtt5::subscription s;
    s.topic_filter = req.filter;
    s.options.max_qos = to_mqtt5(m.q);
    if (auto refused = subscribe_upstream(std::move(req), std::move(s), now, out))
        suback(refused->broker_reason ? suback_return_code(*refused->broker_reason)
                                      : v12::return_codes::rejected_congestion);
}

std::optional<client_session::impl::upstream_refusal>
client_session::impl::subscribe_upstream(sub_request req, mqtt5::subscription s, time_point now,
                                         std::vector<action>& out)
{
    auto r = upstream.subscribe({std::move(s)}, {}, now);
    switch (r.status) {
    case mqtt5::request_status::sent:
    case mqtt5::request_status::queued:
        req.packet_id = r.packet_id;
        sub_requests.push_back(std::move(req));
        apply(std::move(r.actions), now, out);
        return std::nullopt;
    case mqtt5::request_status::refused:
        // The broker's own limits applied locally (0x8F bad filter, 0xA2 no wildcards, ...).
        return upstream_refusal{r.reason};
    case mqtt5::request_status::not_connected:
        break;
    }
    return upstream_refusal{};
}

void client_session::impl::on_subscribe_result(const mqtt5::subscribe_result& r, time_point,
                                               std::vector<action>& out)
{
    const auto it = std::find_if(sub_requests.begin(), sub_requests.end(), [&](const sub_request& q) {
        return q.subscribe && q.packet_id == r.packet_id;
    });
    if (it == sub_requests.end()) return;
    const auto req = std::move(*it);
    sub_requests.erase(it);
    if (req.internal) return;

    const auto rc = r.reason_codes.empty() ? mqtt5::reason_code::unspecified_error : r.reason_codes.front();
    if (!r.local && !mqtt5::is_error(rc)) {
        // MQTT 5.0 §3.9.3: 0x00..0x02 is the granted QoS.
        const auto granted = static_cast<mqtt5::qos>(static_cast<std::uint8_t>(rc));
        const auto existing = std::find_if(subscriptions.begin(), subscriptions.end(),
                                           [&](const subscription& s) { return s.filter == req.filter; });
        if (existing != subscriptions.end()) {
            existing->granted = granted;
            existing->type = req.type; // how the sensor named it last (§6.10 picks the id by it)
            existing->options = req.options;
        } else
            subscriptions.push_back(subscription{req.filter, req.type, granted, req.options});
        if (req.type == v12::topic_id_type::normal && req.topic_id != 0)
            topics.set_announced(req.topic_id, true);
        if (!connected_sensor()) return;
        if (version == sn::protocol_version::v2_0) {
            // CSD01 §3.8, §4.7.2.2: the alias of a name without wildcards (session, or the
            // predefined one); none for a wildcard filter or a subscription by predefined alias.
            // The Reason Code is the granted QoS, always present (§3.7.6 [MQTT-SN-3.7.6-5]).
            v20::suback_msg a;
            a.packet_id = req.msg_id;
            a.reason_code = v2_suback_code(rc);
            a.topic_type = v20::topic_type::predefined_alias; // [MQTT-SN-3.8.2.1-2] without an alias
            if (req.topic_id != 0 && req.alias_in_suback) {
                a.topic_alias = req.topic_id;
                if (req.type == v12::topic_id_type::normal) a.topic_type = v20::topic_type::session_alias;
            }
            send(a, out);
            return;
        }
        send(v12::suback_msg{to_sn(granted), req.topic_id, req.msg_id, v12::return_codes::accepted}, out);
        return;
    }
    if (version == sn::protocol_version::v2_0) {
        // CSD01 §3.8.5: the broker's failure mapped; 0xF1 when the link ended first.
        if (connected_sensor())
            send(v20::suback_msg{v20::topic_type::predefined_alias, req.msg_id, std::nullopt,
                                 r.local ? std::uint8_t{0xF1} : v2_suback_code(rc)},
                 out);
        return;
    }
    // The link ended before the SUBACK: congestion, try again later; else the broker's verdict.
    const auto code = r.local ? v12::return_codes::rejected_congestion : suback_return_code(rc);
    if (connected_sensor()) send(v12::suback_msg{v12::qos::zero, 0, req.msg_id, code}, out);
}

void client_session::impl::handle(const v12::unsubscribe_msg& m, time_point now, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "UNSUBSCRIBE while " + std::string(to_string(state)), out);
        return;
    }
    if (std::any_of(sub_requests.begin(), sub_requests.end(),
                    [&](const sub_request& r) { return !r.subscribe && r.msg_id == m.msg_id; }))
        return; // a re-send of one in progress

    std::string filter;
    if (m.topic_id_type == v12::topic_id_type::predefined) {
        const auto* name = topics.predefined_name(m.topic_id);
        if (!name) {
            // Nothing can be subscribed under an unknown predefined id: done (§5.4.18 has no code).
            send(v12::unsuback_msg{m.msg_id}, out);
            return;
        }
        filter = *name;
    } else {
        filter = m.topic_name;
    }

    auto r = upstream.unsubscribe({filter}, {}, now);
    switch (r.status) {
    case mqtt5::request_status::sent:
    case mqtt5::request_status::queued: {
        sub_request req;
        req.packet_id = r.packet_id;
        req.msg_id = m.msg_id;
        req.subscribe = false;
        req.type = m.topic_id_type;
        req.filter = std::move(filter);
        sub_requests.push_back(std::move(req));
        apply(std::move(r.actions), now, out);
        return;
    }
    case mqtt5::request_status::refused:
        // A filter the broker could never hold: nothing to unsubscribe from.
        send(v12::unsuback_msg{m.msg_id}, out);
        return;
    case mqtt5::request_status::not_connected:
        // No answer: the sensor re-sends (§6.13) and the link may be back by then.
        drop(errc::broker_unavailable, "UNSUBSCRIBE " + filter, out);
        return;
    }
}

void client_session::impl::on_unsubscribe_result(const mqtt5::unsubscribe_result& r, time_point,
                                                 std::vector<action>& out)
{
    const auto it = std::find_if(sub_requests.begin(), sub_requests.end(), [&](const sub_request& q) {
        return !q.subscribe && q.packet_id == r.packet_id;
    });
    if (it == sub_requests.end()) return;
    const auto req = std::move(*it);
    sub_requests.erase(it);
    if (r.local) return; // the link ended first: the sensor re-sends (§6.13)
    std::erase_if(subscriptions, [&](const subscription& s) { return s.filter == req.filter; });
    if (!connected_sensor()) return;
    if (version == sn::protocol_version::v2_0) {
        // CSD01 §3.10.3: the broker's reason code (0x11 No subscription existed, ...), left out
        // when 0x00.
        const auto rc =
            r.reason_codes.empty() ? mqtt5::reason_code::unspecified_error : r.reason_codes.front();
        const auto code = v2_unsuback_code(rc);
        send(v20::unsuback_msg{req.msg_id, code == 0 ? std::nullopt : std::optional<std::uint8_t>(code)},
             out);
        return;
    }
    // §6.9: UNSUBACK after the broker's.
    send(v12::unsuback_msg{req.msg_id}, out);
}

void client_session::impl::resubscribe(time_point now, std::vector<action>& out)
{
    for (const auto& sub : subscriptions) {
        mqtt5::subscription s;
        s.topic_filter = sub.filter;
        s.options = sub.options;
        s.options.max_qos = sub.granted;
        auto r = upstream.subscribe({std::move(s)}, {}, now);
        if (r.status != mqtt5::request_status::sent) continue;
        sub_request req;
        req.packet_id = r.packet_id;
        req.subscribe = true;
        req.internal = true;
        req.type = sub.type;
        req.filter = sub.filter;
        sub_requests.push_back(std::move(req));
        apply(std::move(r.actions), now, out);
    }
}

// ============================================================================================
// broker -> sensor: the gateway's publish procedure (§6.10, §6.13, §6.14)
// ============================================================================================

std::uint16_t client_session::impl::allocate_msg_id() noexcept
{
    // §5.3.6 MsgId: never 0 (0 marks QoS 0), wrapping after 65535.
    const auto msg_id = next_msg_id;
    next_msg_id = next_msg_id == 65535 ? std::uint16_t{1} : static_cast<std::uint16_t>(next_msg_id + 1);
    return msg_id;
}

void client_session::impl::on_message_received(mqtt5::message_received&& m, time_point now,
                                               std::vector<action>& out)
{
    downlink d;
    d.topic = std::move(m.message.topic);
    d.payload = std::move(m.message.payload);
    d.q = to_sn(m.message.qos);
    d.retain = m.message.retain;
    d.delivery = m.delivery;

    const bool known =
        version == sn::protocol_version::v2_0 ? choose_v2_topic(d, now, out) : choose_v12_topic(d, now, out);
    if (!known) return;
    if (d.q == v12::qos::zero) {
        // Design §3: QoS 0 waits in the same FIFO (order kept), bounded; past the bound dropped
        // and counted. (QoS 1/2 are bounded by our Receive Maximum: the broker keeps the rest.)
        if (queued_qos0 >= cfg.max_buffered_messages) {
            ++dropped_qos0;
            ++stats.qos0_dropped;
            drop(errc::buffer_full, "PUBLISH QoS 0 on " + d.topic, out);
            return;
        }
        ++queued_qos0;
    }
    queue.push_back(std::move(d));
    pump(now, out);
}

bool client_session::impl::choose_v12_topic(downlink& d, time_point now, std::vector<action>& out)
{
    // How the sensor knows the topic (§6.7, §6.10): a predefined id, a short name it subscribed to,
    // or a normal id (REGISTERed first when the sensor has not been told it yet). §6.10: the gateway
    // uses the id the sensor got from its SUBACK or REGACK, so a predefined name it has a normal id
    // for goes with that id, unless it subscribed by the predefined id.
    const auto pre = topics.predefined_id(d.topic);
    const bool by_predefined_id =
        pre && std::any_of(subscriptions.begin(), subscriptions.end(), [&](const subscription& s) {
            return s.type == v12::topic_id_type::predefined && s.filter == d.topic;
        });
    if (pre && (by_predefined_id || !topics.find(d.topic))) {
        d.type = v12::topic_id_type::predefined;
        d.topic_id = *pre;
    } else if (d.topic.size() == 2 &&
               std::any_of(subscriptions.begin(), subscriptions.end(), [&](const subscription& s) {
                   return s.type == v12::topic_id_type::short_name && s.filter == d.topic;
               })) {
        d.type = v12::topic_id_type::short_name;
        d.topic_id = short_name_id(d.topic);
    } else {
        const auto r = topics.register_name(d.topic);
        if (r.status != topic_registry::outcome::ok) {
            undeliverable(d, errc::topic_limit, "PUBLISH on " + d.topic + ": no topic id left", now, out);
            return false;
        }
        d.type = v12::topic_id_type::normal;
        d.topic_id = r.id;
        if (topics.refused(r.id)) {
            // §6.10: the sensor rejected our REGISTER for it: "corresponds to an unsubscribe".
            undeliverable(d, errc::unknown_topic,
                          "PUBLISH on " + d.topic + ": the sensor refused its REGISTER", now, out);
            return false;
        }
    }
    // §6.10: a topic name or data too long for one message: the gateway silently aborts the publish.
    if (publish_size(d.payload.size()) > cfg.max_datagram_size ||
        (d.type == v12::topic_id_type::normal && register_size(d.topic.size()) > cfg.max_datagram_size)) {
        undeliverable(d, errc::message_too_large,
                      "PUBLISH on " + d.topic + " of " + std::to_string(d.payload.size()) + " octets", now,
                      out);
        return false;
    }
    return true;
}

void client_session::impl::undeliverable(downlink& d, errc e, std::string detail, time_point now,
                                         std::vector<action>& out)
{
    // The broker must not re-send it for ever: QoS 1/2 are acknowledged upstream (with 0x80: the
    // receiver did not take it, MQTT 5.0 §3.4.2.1), and the drop is reported.
    if (d.q != v12::qos::zero && d.delivery.value != 0)
        apply(upstream.acknowledge(d.delivery, mqtt5::reason_code::unspecified_error, now), now, out);
    d.delivery = {};
    drop(e, std::move(detail), out);
}

void client_session::impl::pump(time_point now, std::vector<action>& out)
{
    // Delivery runs only while the sensor listens: active, or awake (§6.14).
    if (!connected_sensor() || shut_down) return;
    if (state != awake) awake_delivered = 0; // a new awake cycle counts from 0 (CSD01 §4.14)
    while (!in_flight() || !retry_deadline) {
        if (in_flight()) {
            // Paused by sleep or a reconnect: send it again now (DUP on a PUBLISH, §5.3.4). A
            // PUBLISH whose normal topic id the sensor may have lost (a CONNECT without
            // CleanSession, §6.10) is preceded by a new REGISTER; it keeps its MsgId.
            auto& d = queue.front();
            if (d.at == stage::publish_sent && d.type == v12::topic_id_type::normal &&
                !topics.announced(d.topic_id)) {
                d.register_msg_id = allocate_msg_id();
                d.at = stage::register_sent;
                transmit_front(false, now, out);
                retries = 0;
                return;
            }
            transmit_front(true, now, out);
            return;
        }
        if (queue.empty()) {
            if (state == awake) {
                // §6.14: PINGRESP closes the transfer: asleep again, sleep timer restarted.
                send_pingresp(out);
                state = asleep;
                supervised_since = now;
                awake_delivered = 0;
                event(client_event_kind::asleep, "buffered messages delivered", out);
            }
            return;
        }
        if (state == awake && version == sn::protocol_version::v2_0 && default_awake_messages != 0 &&
            awake_delivered >= default_awake_messages) {
            // CSD01 §4.14, §3.1.8: Default Awake Messages per awake cycle; PINGRESP tells how many
            // are left (§3.12: 1..254, 0xFF "some"), and the sensor is asleep again.
            const auto left = queue.size();
            send_pingresp(static_cast<std::uint8_t>(std::min<std::size_t>(left, 255)), out);
            state = asleep;
            supervised_since = now;
            awake_delivered = 0;
            event(client_event_kind::asleep,
                  std::to_string(left) + " still buffered (Default Awake Messages)", out);
            return;
        }
        auto& d = queue.front();
        if (d.type == v12::topic_id_type::normal && !topics.announced(d.topic_id)) {
            // §6.10: REGISTER first, PUBLISH after the REGACK.
            d.register_msg_id = allocate_msg_id();
            d.at = stage::register_sent;
            transmit_front(false, now, out);
            return;
        }
        if (d.q == v12::qos::zero) {
            transmit_front(false, now, out);
            --queued_qos0;
            queue.pop_front();
            if (state == awake) ++awake_delivered;
            continue;
        }
        if (d.msg_id == 0) d.msg_id = allocate_msg_id();
        d.at = stage::publish_sent;
        transmit_front(false, now, out);
        return;
    }
}

void client_session::impl::transmit_front(bool resend, time_point now, std::vector<action>& out)
{
    auto& d = queue.front();
    if (version == sn::protocol_version::v2_0) {
        // CSD01 §4.4: a retransmission is byte-identical (the same Packet Identifier), except DUP,
        // which only a QoS 2 PUBLISH carries (§3.6.2.2.3 [MQTT-SN-3.6.2.2.3-1]).
        v20::message m;
        switch (d.at) {
        case stage::register_sent:
            // CSD01 §3.4 [MQTT-SN-3.4-2]: the gateway's REGISTER carries the session alias.
            m = v20::register_msg{d.register_msg_id, d.topic_id, d.topic};
            break;
        case stage::queued:
        case stage::publish_sent: {
            v20::publish_msg p;
            p.dup = d.sent_before && d.q == v12::qos::two;
            p.q = d.q == v12::qos::two   ? v20::qos::qos2
                  : d.q == v12::qos::one ? v20::qos::qos1
                                         : v20::qos::qos0;
            p.retain = d.retain;
            p.packet_id = d.q == v12::qos::zero ? std::uint16_t{0} : d.msg_id;
            if (d.by_name) {
                p.topic_type = v20::topic_type::topic_name;
                p.topic_name = d.topic;
            } else {
                p.topic_type = d.type == v12::topic_id_type::predefined ? v20::topic_type::predefined_alias
                                                                        : v20::topic_type::session_alias;
                p.topic_alias = d.topic_id;
            }
            p.payload = d.payload;
            m = std::move(p);
            if (!d.sent_before) ++stats.publishes_to_clients[static_cast<std::size_t>(d.q)];
            d.sent_before = true;
            break;
        }
        case stage::pubrel_sent:
            m = v20::pubrel_msg{d.msg_id, std::nullopt};
            break;
        }
        // choose_v2_topic checked the sizes against the sensor's Maximum Packet Size; send()
        // checks again (CSD01 §3.1.7) and counts what it cannot send.
        const bool sent = send(m, out);
        if (d.at == stage::queued) return;
        if (!sent) {
            // CSD01 §3.1.7 [MQTT-SN-3.1.7-2] (as MQTT 5.0 §3.1.2.11.4): discarded and handled as
            // if sent: acknowledged upstream, no answer awaited.
            apply(upstream.acknowledge(d.delivery, now), now, out);
            d.delivery = {};
            complete_front(now, out);
            return;
        }
        if (resend) retries = 0;
        retry_deadline = now + retry_wait();
        return;
    }
    switch (d.at) {
    case stage::register_sent:
        // §5.4.10: the gateway's REGISTER carries the id it assigned.
        send(v12::register_msg{d.topic_id, d.register_msg_id, d.topic}, out);
        break;
    case stage::queued: // QoS 0: no ack, no retry
    case stage::publish_sent: {
        v12::publish_msg p;
        p.dup = d.sent_before; // §5.3.4 DUP: a re-send
        p.q = d.q;
        p.retain = d.retain;
        p.topic_id_type = d.type;
        p.topic_id = d.topic_id;
        p.msg_id = d.q == v12::qos::zero ? std::uint16_t{0} : d.msg_id;
        p.data = d.payload;
        send(p, out);
        if (!d.sent_before) ++stats.publishes_to_clients[static_cast<std::size_t>(d.q)];
        d.sent_before = true;
        break;
    }
    case stage::pubrel_sent:
        send(v12::pubrel_msg{d.msg_id}, out);
        break;
    }
    if (d.at == stage::queued) return;
    if (resend) {
        // A pause (sleep, reconnect) is no retransmission: the count starts again.
        retries = 0;
    }
    retry_deadline = now + cfg.retry_interval; // §6.13 T_RETRY
}

void client_session::impl::retransmit(time_point now, std::vector<action>& out)
{
    if (!in_flight()) {
        retry_deadline.reset();
        return;
    }
    if (congested) {
        // The T_WAIT after "rejected: congestion" is over (§5.3.10, §6.13): offered again (PUBLISH
        // with DUP, or the REGISTER), not counted against N_RETRY: the sensor did answer.
        congested = false;
        ++retransmissions;
        ++stats.retransmissions;
        transmit_front(false, now, out);
        return;
    }
    // §6.13: N_RETRY re-sends, then the sensor is taken as gone.
    if (retries >= cfg.retry_count) {
        auto& d = queue.front();
        const char* what = d.at == stage::register_sent ? "REGISTER"
                           : d.at == stage::pubrel_sent ? "PUBREL"
                                                        : "PUBLISH";
        lose(std::string("no answer to ") + what + " after " + std::to_string(retries) + " retransmissions",
             now, out);
        return;
    }
    ++retries;
    ++retransmissions;
    ++stats.retransmissions;
    transmit_front(false, now, out);
}

void client_session::impl::complete_front(time_point now, std::vector<action>& out)
{
    auto& d = queue.front();
    last_completed_msg_id = d.at == stage::register_sent ? d.register_msg_id : d.msg_id;
    if (d.q == v12::qos::zero) --queued_qos0;
    if (state == awake) ++awake_delivered; // CSD01 §4.14 Default Awake Messages
    queue.pop_front();
    retries = 0;
    congested = false;
    retry_deadline.reset();
    pump(now, out);
}

void client_session::impl::pause_delivery() noexcept
{
    // The one in flight stays at the front; pump() re-sends it when the sensor listens again.
    retry_deadline.reset();
    retries = 0;
    congested = false;
}

void client_session::impl::wait_for_congestion(time_point now) noexcept
{
    // §5.3.10 "rejected: congestion", §6.13: the sensor cannot take it now; the message stays at
    // the front (order kept, nothing acknowledged upstream) and is offered again after T_WAIT
    // (config::retry_interval).
    congested = true;
    retries = 0;
    retry_deadline = now + cfg.retry_interval;
}

void client_session::impl::clear_downlink() noexcept
{
    queue.clear();
    queued_qos0 = 0;
    retry_deadline.reset();
    retries = 0;
    congested = false;
}

void client_session::impl::handle(const v12::regack_msg& m, time_point now, std::vector<action>& out)
{
    if (!in_flight() || queue.front().at != stage::register_sent ||
        queue.front().register_msg_id != m.msg_id) {
        if (m.msg_id != last_completed_msg_id)
            drop(errc::unexpected_message, "REGACK for msg id " + std::to_string(m.msg_id), out);
        return;
    }
    auto& d = queue.front();
    if (m.return_code == v12::return_codes::accepted) {
        // §6.10: REGACK received: now the PUBLISH.
        topics.set_announced(d.topic_id, true);
        last_completed_msg_id = d.register_msg_id;
        d.at = stage::queued;
        retries = 0;
        retry_deadline.reset();
        pump(now, out);
        return;
    }
    if (m.return_code == v12::return_codes::rejected_congestion) {
        // §5.3.10: try again later: the same REGISTER (a new MsgId) after T_WAIT.
        last_completed_msg_id = d.register_msg_id;
        d.register_msg_id = allocate_msg_id();
        wait_for_congestion(now);
        return;
    }
    // §6.10: a rejection "corresponds to an unsubscribe to the topic name". Every message queued
    // for it goes, acknowledged upstream.
    const auto topic_id = d.topic_id;
    topics.set_refused(topic_id, true);
    const auto detail = "PUBLISH on " + d.topic + ": REGACK " + code_text(m.return_code);
    undeliverable(d, errc::unknown_topic, detail, now, out);
    for (auto it = std::next(queue.begin()); it != queue.end();) {
        if (it->type == v12::topic_id_type::normal && it->topic_id == topic_id) {
            undeliverable(*it, errc::unknown_topic, detail, now, out);
            if (it->q == v12::qos::zero) --queued_qos0;
            it = queue.erase(it);
        } else {
            ++it;
        }
    }
    complete_front(now, out);
}

void client_session::impl::handle(const v12::puback_msg& m, time_point now, std::vector<action>& out)
{
    if (!in_flight() || queue.front().at != stage::publish_sent || queue.front().msg_id != m.msg_id) {
        // §6.10: PUBACK "invalid topic ID" for a QoS 0 PUBLISH (MsgId 0): the sensor does not know the
        // id: REGISTER it again before the next message on it.
        if (m.return_code == v12::return_codes::rejected_invalid_topic_id && m.msg_id == 0) {
            topics.set_announced(m.topic_id, false);
            return;
        }
        if (m.msg_id != last_completed_msg_id)
            drop(errc::unexpected_message, "PUBACK for msg id " + std::to_string(m.msg_id), out);
        return;
    }
    auto& d = queue.front();
    if (m.return_code == v12::return_codes::accepted) {
        // Design §3: the sensor has it; now the broker gets its PUBACK (QoS 1).
        apply(upstream.acknowledge(d.delivery, now), now, out);
        complete_front(now, out);
        return;
    }
    if (m.return_code == v12::return_codes::rejected_congestion) {
        // §5.3.10, §6.6: the sensor cannot take it now, not never: the broker is not answered (the
        // message is not acknowledged until the sensor really has it); offered again with DUP
        // after T_WAIT.
        wait_for_congestion(now);
        return;
    }
    if (m.return_code == v12::return_codes::rejected_invalid_topic_id &&
        d.type == v12::topic_id_type::normal && !d.reregistered) {
        // §6.10: "trigger the gateway to delete or correct the wrong topic id assignment": REGISTER
        // again, then the same message once more.
        topics.set_announced(d.topic_id, false);
        d.reregistered = true;
        d.at = stage::queued;
        d.sent_before = false;
        d.msg_id = 0;
        last_completed_msg_id = m.msg_id;
        retries = 0;
        retry_deadline.reset();
        pump(now, out);
        return;
    }
    // 0x02 again after a new REGISTER, or 0x03 "not supported": the sensor will never take it.
    // Acknowledged upstream with 0x80 (the broker must not re-send it for ever) and counted.
    undeliverable(d, errc::unknown_topic, "PUBLISH on " + d.topic + ": PUBACK " + code_text(m.return_code),
                  now, out);
    complete_front(now, out);
}

void client_session::impl::handle(const v12::pubrec_msg& m, time_point now, std::vector<action>& out)
{
    if (in_flight() && queue.front().msg_id == m.msg_id) {
        auto& d = queue.front();
        if (d.at == stage::publish_sent && d.q == v12::qos::two) {
            // Design §3: the sensor has it; the broker gets its PUBREC; then PUBREL to the sensor,
            // itself supervised by T_RETRY.
            apply(upstream.acknowledge(d.delivery, now), now, out);
            d.delivery = {};
            d.at = stage::pubrel_sent;
            retries = 0;
            congested = false; // a PUBREC during a T_WAIT: the sensor took it after all
            transmit_front(false, now, out);
            return;
        }
        if (d.at == stage::pubrel_sent) {
            send(v12::pubrel_msg{d.msg_id}, out); // the sensor missed our PUBREL
            return;
        }
    }
    if (m.msg_id != last_completed_msg_id)
        drop(errc::unexpected_message, "PUBREC for msg id " + std::to_string(m.msg_id), out);
}

void client_session::impl::handle(const v12::pubcomp_msg& m, time_point now, std::vector<action>& out)
{
    if (in_flight() && queue.front().at == stage::pubrel_sent && queue.front().msg_id == m.msg_id) {
        complete_front(now, out); // the sensor's QoS 2 flow is done
        return;
    }
    if (m.msg_id != last_completed_msg_id)
        drop(errc::unexpected_message, "PUBCOMP for msg id " + std::to_string(m.msg_id), out);
}

} // namespace sngw::core::detail
