// SPDX-License-Identifier: MIT
// One MQTT-SN 2.0 (OASIS CSD01) client's topics and messages: session and predefined topic aliases,
// REGISTER/REGACK both ways, PUBLISH in both directions with its acknowledgements and reason codes,
// SUBSCRIBE with its options, UNSUBSCRIBE. The delivery queue toward the sensor is the one of
// client_session_publish.cpp (version-aware: encoding, retry back-off, Default Awake Messages).
#include "client_session_impl.hpp"
#include "sn_conversions.hpp"

#include <sngw/sn/v2_0/codec.hpp>

#include <algorithm>
#include <utility>

namespace sngw::core::detail {
namespace {

using enum client_state;

std::optional<std::uint8_t> code_unless_success(std::uint8_t code) noexcept
{
    // CSD01 §3.5.5, §3.6.3.2 ...: an absent Reason Code means 0x00 Success; one octet less on air.
    return code == 0 ? std::nullopt : std::optional<std::uint8_t>(code);
}

// CSD01 §2.3 reason codes the gateway itself gives.
constexpr std::uint8_t topic_alias_exists = 0x1A;
constexpr std::uint8_t topic_filter_invalid = 0x8F;
constexpr std::uint8_t topic_name_invalid = 0x90;
constexpr std::uint8_t packet_identifier_not_found = 0x92;
constexpr std::uint8_t quota_exceeded = 0x97;
constexpr std::uint8_t unknown_topic_alias = 0xF0;
constexpr std::uint8_t congestion = 0xF1;

// CSD01 Appendix C.3 "Max. Retry Interval": 60 seconds.
constexpr milliseconds max_retry_interval{std::chrono::seconds(60)};

} // namespace

// ============================================================================================
// helpers shared with client_session_publish.cpp
// ============================================================================================

void client_session::impl::send_v2_publish_ack(v12::qos q, std::uint16_t packet_id, std::uint8_t code,
                                               std::vector<action>& out)
{
    // CSD01 §3.6.2.7 Figure 3-11: QoS 1 -> PUBACK, QoS 2 -> PUBREC, also for a refusal.
    if (q == v12::qos::two)
        send(v20::pubrec_msg{packet_id, code_unless_success(code)}, out);
    else
        send(v20::puback_msg{packet_id, code_unless_success(code)}, out);
}

void client_session::impl::send_pingresp(std::optional<std::uint8_t> remaining, std::vector<action>& out)
{
    if (version == sn::protocol_version::v1_2) {
        send(v12::pingresp_msg{}, out);
        return;
    }
    // CSD01 §3.12: the PINGREQ's Packet Identifier; Application Messages Remaining 1..254, 0xFF
    // "some" (the caller caps it at 255).
    send(v20::pingresp_msg{ping_packet_id, remaining}, out);
}

milliseconds client_session::impl::retry_wait() const noexcept
{
    if (version != sn::protocol_version::v2_0) return cfg.retry_interval; // v1.2 §6.13: fixed T_RETRY
    // CSD01 §4.4 and Appendix C.4: the Retry Interval doubles with each retry, up to the Max. Retry
    // Interval (C.3: 60 s; a configured interval above it is kept). C.4's random part is left out:
    // the core is deterministic, and one gateway's sensors are not synchronised by the gateway.
    const auto cap = std::max(max_retry_interval, cfg.retry_interval);
    auto wait = cfg.retry_interval;
    for (std::uint8_t i = 0; i < retries && wait < cap; ++i)
        wait *= 2;
    return std::min(wait, cap);
}

bool client_session::impl::choose_v2_topic(downlink& d, time_point now, std::vector<action>& out)
{
    // CSD01 §4.7.2 [MQTT-SN-4.7.2-1]: an alias that exists is used; a predefined name never gets a
    // session alias ([MQTT-SN-4.7.2.2-4]). A name without one gets a session alias, announced by
    // our REGISTER before the PUBLISH (§4.7.2.2 third case): the sensor subscribed by wildcard, so
    // the name is likely to come again and the alias saves its octets every time. Only when this
    // sensor has no alias left (config::max_topics_per_client) does the PUBLISH carry the Topic
    // Name itself (Topic Type 0b11), instead of being dropped as v1.2 must.
    if (const auto pre = topics.predefined_id(d.topic)) {
        d.type = v12::topic_id_type::predefined;
        d.topic_id = *pre;
    } else {
        const auto r = topics.register_name(d.topic);
        switch (r.status) {
        case topic_registry::outcome::ok:
            if (topics.refused(r.id)) {
                // As v1.2 §6.10: a refused REGISTER "corresponds to an unsubscribe" for that name.
                undeliverable(d, errc::unknown_topic,
                              "PUBLISH on " + d.topic + ": the sensor refused its REGISTER", now, out);
                return false;
            }
            d.type = v12::topic_id_type::normal;
            d.topic_id = r.id;
            break;
        case topic_registry::outcome::limit:
            d.by_name = true;
            d.type = v12::topic_id_type::short_name; // no alias: never REGISTERed
            d.topic_id = 0;
            break;
        case topic_registry::outcome::invalid_name:
            undeliverable(d, errc::unknown_topic, "PUBLISH on an invalid topic name", now, out);
            return false;
        }
    }

    // CSD01 §3.1.7 [MQTT-SN-3.1.7-2]: nothing over the sensor's Maximum Packet Size (nor over the
    // datagram size). What cannot be sent is handled as if sent: acknowledged upstream and counted.
    const std::size_t limit = max_packet_size != 0
                                  ? std::min<std::size_t>(max_packet_size, cfg.max_datagram_size)
                                  : cfg.max_datagram_size;
    v20::publish_msg probe;
    probe.q = d.q == v12::qos::zero ? v20::qos::qos0 : v20::qos::qos1;
    probe.topic_type = d.by_name ? v20::topic_type::topic_name : v20::topic_type::session_alias;
    probe.topic_name = d.by_name ? d.topic : std::string{};
    probe.payload = d.payload;
    std::size_t size = v20::encoded_size(probe);
    if (d.type == v12::topic_id_type::normal)
        size = std::max(size, v20::encoded_size(v20::register_msg{1, d.topic_id, d.topic}));
    if (size > limit) {
        if (d.q != v12::qos::zero && d.delivery.value != 0)
            apply(upstream.acknowledge(d.delivery, now), now, out);
        d.delivery = {};
        drop(errc::message_too_large,
             "PUBLISH on " + d.topic + " of " + std::to_string(size) + " octets over the sensor's limit " +
                 std::to_string(limit),
             out);
        return false;
    }
    return true;
}

// ============================================================================================
// REGISTER / REGACK (CSD01 §3.4, §3.5, §4.7.2)
// ============================================================================================

void client_session::impl::handle(const v20::register_msg& m, time_point now, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "REGISTER while " + std::string(to_string(state)), out);
        return;
    }
    if (m.topic_alias) {
        // CSD01 §3.4 [MQTT-SN-3.4-1]: a client's REGISTER carries no alias (aliases are the
        // server's, §4.7.2.2): a Protocol Error, which §4.12 answers with DISCONNECT 0x82 and the
        // end of the virtual connection.
        violation(0x82, "REGISTER with a Topic Alias from a client", true, now, out);
        return;
    }
    // CSD01 §4.7.2.2 [MQTT-SN-4.7.2.2-5]: a name with a predefined alias gets that one, 0x1A.
    if (const auto pre = topics.predefined_id(m.topic_name)) {
        send(v20::regack_msg{v20::topic_type::predefined_alias, m.packet_id, *pre, topic_alias_exists}, out);
        return;
    }
    const auto r = topics.register_name(m.topic_name);
    switch (r.status) {
    case topic_registry::outcome::ok:
        // §3.5: the session alias (the same one again for a repeated REGISTER).
        topics.set_announced(r.id, true);
        send(v20::regack_msg{v20::topic_type::session_alias, m.packet_id, r.id, std::nullopt}, out);
        return;
    case topic_registry::outcome::limit:
        // §3.5.5 / §2.3: 0x97 Quota exceeded rather than 0xF1 Congestion: the limit is
        // config::max_topics_per_client, and session aliases are never released during the session
        // (§4.7.2.2), so "try again later" would only bring the same answer.
        send(v20::regack_msg{v20::topic_type::session_alias, m.packet_id, std::nullopt, quota_exceeded}, out);
        drop(errc::topic_limit, "REGISTER " + m.topic_name, out);
        return;
    case topic_registry::outcome::invalid_name:
        // Wildcards (or NUL) in a Topic Name (CSD01 §4.6.1, MQTT 5.0 §4.7.1): 0x90 Topic Name invalid.
        send(v20::regack_msg{v20::topic_type::session_alias, m.packet_id, std::nullopt, topic_name_invalid},
             out);
        return;
    }
}

void client_session::impl::handle(const v20::regack_msg& m, time_point now, std::vector<action>& out)
{
    // The sensor's answer to our REGISTER (§3.5; an alias in it is ignored, [MQTT-SN-3.5.4-1]).
    // The flow is v1.2's (§6.10): success -> the PUBLISH; 0xF1 Congestion -> the same REGISTER
    // after the wait; any other failure "corresponds to an unsubscribe" of that name.
    const auto code = m.reason_code.value_or(0);
    const std::uint8_t as_v12 = code < 0x80          ? v12::return_codes::accepted
                                : code == congestion ? v12::return_codes::rejected_congestion
                                                     : v12::return_codes::rejected_not_supported;
    handle(v12::regack_msg{0, m.packet_id, as_v12}, now, out);
}

// ============================================================================================
// PUBLISH from the sensor (CSD01 §3.6.2), end to end (design §3)
// ============================================================================================

void client_session::impl::handle(const v20::publish_msg& m, time_point now, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "PUBLISH while " + std::string(to_string(state)), out);
        return;
    }
    const auto q = to_v12(m.q);
    auto ack = [&](std::uint8_t code) { send_v2_publish_ack(q, m.packet_id, code, out); };

    if (q != v12::qos::zero) {
        // A re-send (§4.4) of a PUBLISH the broker has not acknowledged yet: published once.
        if (std::any_of(uplinks.begin(), uplinks.end(),
                        [&](const uplink& u) { return u.msg_id == m.packet_id; }))
            return;
        // QoS 2 already PUBREC'd: the sensor missed our PUBREC (§3.6.4, MQTT's QoS 2 flow).
        if (q == v12::qos::two &&
            std::find(pubrel_awaited.begin(), pubrel_awaited.end(), m.packet_id) != pubrel_awaited.end()) {
            ack(0x00);
            return;
        }
    }

    // CSD01 §3.6.2.2.1, §4.7.2: a session alias of this session, a predefined alias, or a name.
    std::optional<std::string> topic;
    std::uint8_t failure = unknown_topic_alias;
    switch (m.topic_type) {
    case v20::topic_type::session_alias:
        if (const auto* name = topics.name_of(m.topic_alias)) topic = *name;
        break;
    case v20::topic_type::predefined_alias:
        // §4.7.2.1 [MQTT-SN-4.7.2.1-2] calls an unknown predefined alias a Protocol Error; the
        // alias is refused like an unknown session alias (0xF0), which the sensor can act on.
        if (const auto* name = topics.predefined_name(m.topic_alias)) topic = *name;
        break;
    case v20::topic_type::topic_name:
        // MQTT 5.0 §4.7.1 / CSD01 §4.6.1: no wildcards in a Topic Name.
        if (is_topic_name(m.topic_name))
            topic = m.topic_name;
        else
            failure = topic_name_invalid;
        break;
    }
    if (!topic) {
        if (q != v12::qos::zero) ack(failure);
        drop(errc::unknown_topic,
             m.topic_type == v20::topic_type::topic_name
                 ? "PUBLISH to invalid topic name " + m.topic_name
                 : "PUBLISH to unknown " +
                       std::string(m.topic_type == v20::topic_type::predefined_alias ? "predefined"
                                                                                     : "session") +
                       " alias " + std::to_string(m.topic_alias),
             out);
        return;
    }

    // TopicId and MsgId are v1.2's, for its PUBACK: a held QoS 0 PUBLISH keeps the alias, an
    // uplink the Packet Identifier (absent at QoS 0: 0).
    const std::uint16_t topic_id = q == v12::qos::zero ? m.topic_alias : std::uint16_t{0};
    const auto refusal = publish_upstream(
        held_publish{std::move(*topic), m.payload, m.retain, q, topic_id, m.packet_id}, now, out);
    if (!refusal) return;
    // The broker's limits applied locally: 0x95 over its Maximum Packet Size, 0x90, ... (§2.3);
    // otherwise 0xF1 Congestion (§C.2: try again later).
    ack(refusal->broker_reason ? v2_puback_code(*refusal->broker_reason) : congestion);
}

void client_session::impl::handle(const v20::pubrel_msg& m, time_point, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "PUBREL while " + std::string(to_string(state)), out);
        return;
    }
    // CSD01 §3.6.5 / §3.6.6: the sensor's QoS 2 flow ends with PUBCOMP; a PUBREL for an id we never
    // PUBREC'd (or already completed) gets 0x92 Packet Identifier not found (as MQTT 5.0 §3.7.2.1).
    const auto it = std::find(pubrel_awaited.begin(), pubrel_awaited.end(), m.packet_id);
    if (it == pubrel_awaited.end()) {
        send(v20::pubcomp_msg{m.packet_id, packet_identifier_not_found}, out);
        return;
    }
    pubrel_awaited.erase(it);
    send(v20::pubcomp_msg{m.packet_id, std::nullopt}, out);
}

// ============================================================================================
// PUBLISH to the sensor: its acknowledgements (CSD01 §3.6.3 - §3.6.6)
// ============================================================================================

bool client_session::impl::retry_front_v2(std::uint8_t code, std::uint16_t packet_id, time_point now,
                                          std::vector<action>& out)
{
    auto& d = queue.front();
    if (code == congestion) {
        // CSD01 Appendix C.2: not now: the broker is not answered; offered again after the wait.
        wait_for_congestion(now);
        return true;
    }
    if (code == unknown_topic_alias && d.type == v12::topic_id_type::normal && !d.by_name &&
        !d.reregistered) {
        // The sensor lost our session alias: REGISTER it again, then the same message once more.
        topics.set_announced(d.topic_id, false);
        d.reregistered = true;
        d.at = stage::queued;
        d.sent_before = false;
        d.msg_id = 0;
        last_completed_msg_id = packet_id;
        retries = 0;
        retry_deadline.reset();
        pump(now, out);
        return true;
    }
    return false;
}

void client_session::impl::handle(const v20::puback_msg& m, time_point now, std::vector<action>& out)
{
    if (!in_flight() || queue.front().at != stage::publish_sent || queue.front().msg_id != m.packet_id ||
        queue.front().q != v12::qos::one) {
        if (m.packet_id != last_completed_msg_id)
            drop(errc::unexpected_message, "PUBACK for packet id " + std::to_string(m.packet_id), out);
        return;
    }
    auto& d = queue.front();
    const auto code = m.reason_code.value_or(0);
    if (retry_front_v2(code, m.packet_id, now, out)) return;
    // Design §3: now the broker gets its PUBACK, with the sensor's code (CSD01 §2.3 -> MQTT 5).
    apply(upstream.acknowledge(d.delivery, mqtt5_ack_reason(code), now), now, out);
    d.delivery = {};
    if (code >= 0x80) drop(errc::unknown_topic, "PUBLISH on " + d.topic + ": PUBACK " + code_text(code), out);
    complete_front(now, out);
}

void client_session::impl::handle(const v20::pubrec_msg& m, time_point now, std::vector<action>& out)
{
    if (in_flight() && queue.front().msg_id == m.packet_id && queue.front().q == v12::qos::two) {
        auto& d = queue.front();
        if (d.at == stage::publish_sent) {
            const auto code = m.reason_code.value_or(0);
            if (retry_front_v2(code, m.packet_id, now, out)) return;
            // Design §3: the broker gets its PUBREC with the sensor's code. A failure ends the QoS 2
            // flow on both hops (MQTT 5.0 §4.3.3, CSD01 §3.6.4): no PUBREL.
            apply(upstream.acknowledge(d.delivery, mqtt5_ack_reason(code), now), now, out);
            d.delivery = {};
            if (code >= 0x80) {
                drop(errc::unknown_topic, "PUBLISH on " + d.topic + ": PUBREC " + code_text(code), out);
                complete_front(now, out);
                return;
            }
            d.at = stage::pubrel_sent;
            retries = 0;
            congested = false;
            transmit_front(false, now, out); // PUBREL, supervised like the PUBLISH
            return;
        }
        if (d.at == stage::pubrel_sent) {
            send(v20::pubrel_msg{d.msg_id, std::nullopt}, out); // the sensor missed our PUBREL
            return;
        }
    }
    if (m.packet_id != last_completed_msg_id)
        drop(errc::unexpected_message, "PUBREC for packet id " + std::to_string(m.packet_id), out);
}

void client_session::impl::handle(const v20::pubcomp_msg& m, time_point now, std::vector<action>& out)
{
    if (in_flight() && queue.front().at == stage::pubrel_sent && queue.front().msg_id == m.packet_id) {
        // The sensor's QoS 2 flow is done (a failure code, 0x92, ends it as well: nothing to redo).
        complete_front(now, out);
        return;
    }
    if (m.packet_id != last_completed_msg_id)
        drop(errc::unexpected_message, "PUBCOMP for packet id " + std::to_string(m.packet_id), out);
}

// ============================================================================================
// SUBSCRIBE / UNSUBSCRIBE (CSD01 §3.7 - §3.10)
// ============================================================================================

void client_session::impl::handle(const v20::subscribe_msg& m, time_point now, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "SUBSCRIBE while " + std::string(to_string(state)), out);
        return;
    }
    // A re-send (§4.4) of one the broker has not answered yet.
    if (std::any_of(sub_requests.begin(), sub_requests.end(), [&](const sub_request& r) {
            return r.subscribe && !r.internal && r.msg_id == m.packet_id;
        }))
        return;
    // §3.8: a failed SUBACK carries no alias; without one the Topic Type is predefined
    // ([MQTT-SN-3.8.2.1-2]); the Reason Code is always there ([MQTT-SN-3.7.6-5]).
    auto refuse = [&](std::uint8_t code) {
        send(v20::suback_msg{v20::topic_type::predefined_alias, m.packet_id, std::nullopt, code}, out);
    };

    sub_request req;
    req.msg_id = m.packet_id;
    req.subscribe = true;
    switch (m.topic_type) {
    case v20::topic_type::topic_name:
        req.filter = m.topic_filter;
        if (!has_wildcard(m.topic_filter)) {
            // §4.7.2.2 [MQTT-SN-4.7.2.2-2]: a name without wildcards gets an alias in the SUBACK:
            // its predefined one ([MQTT-SN-4.7.2.2-4]), else a session alias.
            if (const auto pre = topics.predefined_id(m.topic_filter)) {
                req.type = v12::topic_id_type::predefined;
                req.topic_id = *pre;
                break;
            }
            const auto r = topics.register_name(m.topic_filter);
            if (r.status == topic_registry::outcome::limit) {
                drop(errc::topic_limit, "SUBSCRIBE " + m.topic_filter, out);
                refuse(quota_exceeded); // as REGISTER: the limit does not go away by waiting
                return;
            }
            if (r.status == topic_registry::outcome::invalid_name) {
                refuse(topic_filter_invalid);
                return;
            }
            req.topic_id = r.id;
        }
        // [MQTT-SN-4.7.2.2-3]: a wildcard filter gets no alias; REGISTER precedes each new name.
        break;
    case v20::topic_type::predefined_alias:
        if (const auto* name = topics.predefined_name(m.topic_alias)) {
            req.filter = *name;
            req.type = v12::topic_id_type::predefined;
            req.topic_id = m.topic_alias;
            req.alias_in_suback = false; // §3.8.4 [MQTT-SN-3.8.4-3]
            break;
        }
        refuse(unknown_topic_alias);
        drop(errc::unknown_topic, "SUBSCRIBE to predefined alias " + std::to_string(m.topic_alias), out);
        return;
    case v20::topic_type::session_alias:
        if (const auto* name = topics.name_of(m.topic_alias)) {
            req.filter = *name;
            req.topic_id = m.topic_alias; // returned in the SUBACK ([MQTT-SN-4.7.2.2-2])
            break;
        }
        refuse(unknown_topic_alias);
        drop(errc::unknown_topic, "SUBSCRIBE to session alias " + std::to_string(m.topic_alias), out);
        return;
    }

    // CSD01 §3.7.2 -> MQTT 5.0 §3.8.3.1 Subscription Options, as the sensor set them.
    mqtt5::subscription s;
    s.topic_filter = req.filter;
    s.options.max_qos = to_mqtt5(m.q);
    s.options.no_local = m.no_local;
    s.options.retain_as_published = m.retain_as_published;
    s.options.retain_handling = to_mqtt5(m.retain_handling);
    req.options = s.options;
    // Refused locally by the broker's own limits (0x8F, 0xA2 no wildcards, 0x9E shared, ...), or
    // no upstream session: congestion.
    if (auto refused = subscribe_upstream(std::move(req), std::move(s), now, out))
        refuse(refused->broker_reason ? v2_suback_code(*refused->broker_reason) : congestion);
}

void client_session::impl::handle(const v20::unsubscribe_msg& m, time_point now, std::vector<action>& out)
{
    if (!connected_sensor()) {
        drop(errc::unexpected_message, "UNSUBSCRIBE while " + std::string(to_string(state)), out);
        return;
    }
    if (std::any_of(sub_requests.begin(), sub_requests.end(),
                    [&](const sub_request& r) { return !r.subscribe && r.msg_id == m.packet_id; }))
        return; // a re-send of one in progress

    // §3.9.6 [MQTT-SN-3.9.6-1]: an alias is translated to its name first; an unknown one: 0xF0.
    std::string filter;
    const std::string* name = nullptr;
    switch (m.topic_type) {
    case v20::topic_type::topic_name:
        filter = m.topic_filter;
        break;
    case v20::topic_type::predefined_alias:
        name = topics.predefined_name(m.topic_alias);
        break;
    case v20::topic_type::session_alias:
        name = topics.name_of(m.topic_alias);
        break;
    }
    if (m.topic_type != v20::topic_type::topic_name) {
        if (!name) {
            send(v20::unsuback_msg{m.packet_id, unknown_topic_alias}, out);
            return;
        }
        filter = *name;
    }

    auto r = upstream.unsubscribe({filter}, {}, now);
    switch (r.status) {
    case mqtt5::request_status::sent:
    case mqtt5::request_status::queued: {
        sub_request req;
        req.packet_id = r.packet_id;
        req.msg_id = m.packet_id;
        req.subscribe = false;
        req.filter = std::move(filter);
        sub_requests.push_back(std::move(req));
        apply(std::move(r.actions), now, out);
        return;
    }
    case mqtt5::request_status::refused:
        // §3.9.6 [MQTT-SN-3.9.6-6]: always an UNSUBACK; here with the broker's own code (0x8F).
        send(v20::unsuback_msg{m.packet_id, code_unless_success(v2_unsuback_code(r.reason))}, out);
        return;
    case mqtt5::request_status::not_connected:
        // No answer: the sensor re-sends (§4.4) and the link may be back by then.
        drop(errc::broker_unavailable, "UNSUBSCRIBE " + filter, out);
        return;
    }
}

} // namespace sngw::core::detail
