// SPDX-License-Identifier: MIT
#include <sngw/sn_client/client_v2.hpp>

#include "exchange.hpp"

#include <sngw/sn/describe.hpp>
#include <sngw/sn/v2_0/codec.hpp>

#include <algorithm>
#include <utility>
#include <variant>

namespace sngw::sn_client {

namespace {

using boost::system::result;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using v2_0::message;
using v2_0::qos;
using v2_0::topic_type;

template <class T> bool is(const message& m) noexcept
{
    return std::holds_alternative<T>(m);
}

bool is_wildcard(std::string_view filter) noexcept
{
    return filter.find_first_of("+#") != std::string_view::npos;
}

/// A field_sink that keeps the meaning of the first coded field named `reason_code`: the codec's
/// own table (describe.cpp) names the code, so no second copy of Figure 2-7 lives here.
class reason_sink final : public sn::field_sink {
public:
    void type(std::string_view) override {}
    void number(std::string_view, std::uint64_t) override {}
    void flag(std::string_view, bool) override {}
    void code(std::string_view name, std::uint64_t, std::string_view meaning) override
    {
        if (!found_ && name == "reason_code") {
            meaning_ = std::string(meaning);
            found_ = true;
        }
    }
    void text(std::string_view, std::string_view) override {}
    void octets(std::string_view, std::span<const std::byte>) override {}
    const std::string& meaning() const noexcept { return meaning_; }

private:
    std::string meaning_;
    bool found_ = false;
};

/// The reason code accepted / refused: < 0x80 is success (§2.3).
constexpr bool succeeded(std::uint8_t rc) noexcept
{
    return rc < 0x80;
}

/// What §3.18 lets a client wrap in Connection Encapsulation.
bool may_encapsulate(const message& m) noexcept
{
    return is<v2_0::publish_msg>(m) || is<v2_0::subscribe_msg>(m) || is<v2_0::unsubscribe_msg>(m) ||
           is<v2_0::register_msg>(m) || is<v2_0::disconnect_msg>(m) || is<v2_0::sleepreq_msg>(m) ||
           is<v2_0::pingreq_msg>(m);
}

void append_u16_string(std::vector<std::byte>& out, std::string_view s)
{
    // Callers keep s under 65536 octets (a longer one cannot be sent in any case).
    const auto n = static_cast<std::uint16_t>(std::min<std::size_t>(s.size(), 0xFFFF));
    out.push_back(static_cast<std::byte>(n >> 8));
    out.push_back(static_cast<std::byte>(n & 0xFF));
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(static_cast<std::byte>(s[i]));
}

} // namespace

v2_0::auth_fields mqtt_basic(std::string_view user_name, std::string_view password)
{
    // §4.11 MQTT User Name and Password Support.
    v2_0::auth_fields a;
    a.method = "MQTT-BASIC";
    append_u16_string(a.data, user_name);
    append_u16_string(a.data, password);
    return a;
}

std::string reason_code_meaning(v2_0::msg_type packet, std::uint8_t rc)
{
    message m;
    switch (packet) {
    case v2_0::msg_type::connack:
        m = v2_0::connack_msg{.reason_code = rc};
        break;
    case v2_0::msg_type::suback:
        m = v2_0::suback_msg{.reason_code = rc};
        break;
    case v2_0::msg_type::disconnect:
        m = v2_0::disconnect_msg{.reason_code = rc};
        break;
    default:
        m = v2_0::puback_msg{.reason_code = rc};
        break;
    }
    reason_sink sink;
    v2_0::visit_fields(m, sink);
    return sink.meaning();
}

// ---- lifetime -------------------------------------------------------------------------------------

result<client_v2> client_v2::open(client_v2_options options)
{
    auto l = options.serial ? datagram_link::open_serial(*options.serial)
                            : datagram_link::open_udp(options.gateway_host, options.gateway_port);
    if (!l) return l.error();
    return client_v2(std::move(options), std::move(*l));
}

client_v2::client_v2(client_v2_options options, datagram_link l) noexcept
    : options_(std::move(options)), link_(std::move(l))
{}

client_v2::client_v2(client_v2&&) noexcept = default;
client_v2& client_v2::operator=(client_v2&&) noexcept = default;
client_v2::~client_v2() = default;

std::uint16_t client_v2::next_packet_id() noexcept
{
    const std::uint16_t id = next_packet_id_;
    next_packet_id_ = static_cast<std::uint16_t>(next_packet_id_ == 0xFFFF ? 1 : next_packet_id_ + 1);
    return id;
}

// ---- raw I/O --------------------------------------------------------------------------------------

result<void> client_v2::send_raw(std::span<const std::byte> datagram)
{
    if (options_.trace) options_.trace(true, datagram);
    auto sent = link_.send(datagram);
    if (!sent) return sent.error();
    ++counters_.datagrams_sent;
    return {};
}

result<void> client_v2::send(const message& m)
{
    auto bytes = v2_0::encode(m);
    if (!bytes) return make_error_code(errc::encode_failed);
    if (options_.connection_encapsulation && may_encapsulate(m)) {
        // §3.18 Connection Encapsulation: the Client Identifier names the Virtual Connection.
        auto wrapped =
            v2_0::encode(v2_0::connection_encapsulation_msg{options_.client_id, std::move(*bytes)});
        if (!wrapped) return make_error_code(errc::encode_failed);
        return send_raw(*wrapped);
    }
    return send_raw(*bytes);
}

result<void> client_v2::rebind()
{
    return link_.rebind();
}

result<std::optional<message>> client_v2::receive_one(clock::time_point deadline)
{
    for (;;) {
        auto got = link_.receive(deadline);
        if (!got) return got.error();
        if (!*got) return std::optional<message>{};
        ++counters_.datagrams_received;
        if (options_.trace) options_.trace(false, **got);
        auto decoded = v2_0::decode(**got);
        if (!decoded) {
            ++counters_.malformed_received;
            continue;
        }
        on_arrival(*decoded);
        return std::optional<message>{std::move(*decoded)};
    }
}

void client_v2::on_arrival(const message& m)
{
    // Answers go out in arrival order, before the caller sees the message; a lost answer is covered
    // by the server's retry (§4.4).
    if (const auto* r = std::get_if<v2_0::register_msg>(&m)) {
        // §3.4: the server's REGISTER names a Session Topic Alias; §3.5.4: the client's REGACK has none.
        if (r->topic_alias) {
            alias_to_name_[*r->topic_alias] = r->topic_name;
            name_to_alias_[r->topic_name] = topic_alias_v2::session(*r->topic_alias);
        }
        (void)send(
            v2_0::regack_msg{topic_type::session_alias, r->packet_id, std::nullopt, std::uint8_t{0x00}});
        return;
    }
    if (is<v2_0::wakeup_msg>(m)) ++counters_.wakeups;
    if (const auto* d = std::get_if<v2_0::disconnect_msg>(&m)) last_disconnect_ = *d;
    if (!options_.auto_ack) return;
    if (const auto* p = std::get_if<v2_0::publish_msg>(&m)) {
        // §4.3: QoS 1 → PUBACK, QoS 2 → PUBREC, each with the PUBLISH's Packet Identifier.
        if (p->q == qos::qos1) (void)send(v2_0::puback_msg{p->packet_id, std::uint8_t{0x00}});
        if (p->q == qos::qos2) (void)send(v2_0::pubrec_msg{p->packet_id, std::uint8_t{0x00}});
    } else if (const auto* rel = std::get_if<v2_0::pubrel_msg>(&m)) {
        (void)send(v2_0::pubcomp_msg{rel->packet_id, std::uint8_t{0x00}});
    }
}

void client_v2::push_inbox(message m)
{
    detail::push_bounded(inbox_, std::move(m), options_.max_inbox, counters_.inbox_dropped);
}

result<message> client_v2::await(const predicate& matches, clock::time_point deadline)
{
    return detail::await_match(
        inbox_, matches, [&] { return receive_one(deadline); },
        [&](message&& m) -> boost::system::error_code {
            if (is<v2_0::disconnect_msg>(m)) return make_error_code(errc::disconnected);
            push_inbox(std::move(m));
            return {};
        });
}

result<message> client_v2::exchange(message request, const predicate& matches, unsigned* transmissions)
{
    return detail::exchange_loop(
        std::move(request), options_.retries, transmissions, counters_.retransmissions,
        [this](const message& m) { return send(m); },
        [&] { return await(matches, clock::now() + options_.reply_timeout); },
        [](message& m) {
            // §3.6.2.2.3: DUP only with QoS 2.
            if (auto* p = std::get_if<v2_0::publish_msg>(&m); p && p->q == qos::qos2) p->dup = true;
        });
}

result<message> client_v2::receive(milliseconds timeout)
{
    return detail::next_message(inbox_, [&] { return receive_one(clock::now() + timeout); });
}

result<publication_v2> client_v2::receive_publish(milliseconds timeout)
{
    const auto deadline = clock::now() + timeout;
    for (;;) {
        auto m = receive(std::chrono::duration_cast<milliseconds>(
            std::max(clock::duration::zero(), deadline - clock::now())));
        if (!m) return m.error();
        if (const auto* p = std::get_if<v2_0::publish_msg>(&*m)) return to_publication(*p);
        if (is<v2_0::disconnect_msg>(*m)) return make_error_code(errc::disconnected);
    }
}

// ---- topics ---------------------------------------------------------------------------------------

std::optional<topic_alias_v2> client_v2::alias_of(std::string_view name) const
{
    if (auto it = name_to_alias_.find(name); it != name_to_alias_.end()) return it->second;
    return std::nullopt;
}

std::string client_v2::topic_name(topic_type type, std::uint16_t alias) const
{
    if (type == topic_type::session_alias) {
        if (auto it = alias_to_name_.find(alias); it != alias_to_name_.end()) return it->second;
    } else if (type == topic_type::predefined_alias) {
        if (auto it = options_.predefined_topics.find(alias); it != options_.predefined_topics.end())
            return it->second;
    }
    return {};
}

publication_v2 client_v2::to_publication(const v2_0::publish_msg& p) const
{
    if (p.topic_type == topic_type::topic_name) return {p.topic_name, p};
    return {topic_name(p.topic_type, p.topic_alias), p};
}

result<v2_0::regack_msg> client_v2::register_topic(std::string_view name)
{
    const std::uint16_t id = next_packet_id();
    auto answer = exchange(v2_0::register_msg{id, std::nullopt, std::string(name)}, [id](const message& m) {
        const auto* a = std::get_if<v2_0::regack_msg>(&m);
        return a && a->packet_id == id;
    });
    if (!answer) return answer.error();
    const auto& regack = std::get<v2_0::regack_msg>(*answer);
    // §3.5.5: an absent Reason Code is 0x00; the alias may be a predefined one (§3.5.2.1).
    if (succeeded(regack.reason_code.value_or(0)) && regack.topic_alias) {
        const topic_alias_v2 a{regack.topic_type, *regack.topic_alias};
        name_to_alias_[std::string(name)] = a;
        if (a.type == topic_type::session_alias) alias_to_name_[a.alias] = std::string(name);
    }
    return regack;
}

// ---- the Virtual Connection -----------------------------------------------------------------------

result<connect_result_v2> client_v2::connect()
{
    v2_0::connect_msg c;
    c.clean_start = options_.clean_start;
    c.packet_id = next_packet_id();
    c.keep_alive = options_.keep_alive;
    c.maximum_packet_size = options_.maximum_packet_size;
    c.default_awake_messages = options_.default_awake_messages;
    c.session_expiry_interval = options_.session_expiry_interval;
    if (options_.will)
        c.will = v2_0::will_fields{options_.will->retain, options_.will->q,      topic_type::topic_name, 0,
                                   options_.will->topic,  options_.will->payload};
    c.auth = options_.authentication;
    c.allow_network_address_changes = options_.allow_network_address_changes;
    c.allow_server_suggested_values = options_.allow_server_suggested_values;
    c.client_id = options_.client_id;
    const std::uint16_t id = c.packet_id;
    // §3.2.4: the CONNACK carries the CONNECT's Packet Identifier.
    auto answer = exchange(c, [id](const message& m) {
        const auto* a = std::get_if<v2_0::connack_msg>(&m);
        return a && a->packet_id == id;
    });
    if (!answer) return answer.error();
    const auto& ack = std::get<v2_0::connack_msg>(*answer);
    if (succeeded(ack.reason_code) && options_.clean_start) {
        alias_to_name_.clear();
        name_to_alias_.clear();
    }
    return connect_result_v2{ack.reason_code, ack.session_present, ack.session_expiry_interval,
                             ack.server_keep_alive, ack.assigned_client_id};
}

result<void> client_v2::disconnect(std::optional<std::uint8_t> reason_code,
                                   std::optional<std::uint32_t> session_expiry)
{
    v2_0::disconnect_msg d;
    d.reason_code = reason_code;
    d.session_expiry_interval = session_expiry;
    return send(d);
}

result<v2_0::pingresp_msg> client_v2::ping()
{
    const std::uint16_t id = next_packet_id();
    auto answer = exchange(v2_0::pingreq_msg{id}, [id](const message& m) {
        const auto* r = std::get_if<v2_0::pingresp_msg>(&m);
        return r && r->packet_id == id;
    });
    if (!answer) return answer.error();
    return std::get<v2_0::pingresp_msg>(*answer);
}

result<v2_0::sleepresp_msg> client_v2::sleep(std::uint32_t duration, bool retain_topic_aliases)
{
    const std::uint16_t id = next_packet_id();
    auto answer = exchange(v2_0::sleepreq_msg{retain_topic_aliases, id, duration}, [id](const message& m) {
        const auto* r = std::get_if<v2_0::sleepresp_msg>(&m);
        return r && r->packet_id == id;
    });
    if (!answer) return answer.error();
    const auto& resp = std::get<v2_0::sleepresp_msg>(*answer);
    if (!retain_topic_aliases && succeeded(resp.reason_code.value_or(0))) {
        // §3.15.2.1: Session Topic Aliases are forgotten while asleep; the server re-REGISTERs them.
        alias_to_name_.clear();
        std::erase_if(name_to_alias_,
                      [](const auto& e) { return e.second.type == topic_type::session_alias; });
    }
    return resp;
}

result<wake_result_v2> client_v2::wake(milliseconds timeout,
                                       const std::function<void(const publication_v2&)>& on_publication)
{
    // §4.14.2: a PINGREQ wakes the client; the server sends what it buffered, then PINGRESP.
    const std::uint16_t id = next_packet_id();
    if (auto sent = send(v2_0::pingreq_msg{id}); !sent) return sent.error();
    wake_result_v2 out;
    const auto deadline = clock::now() + timeout;
    for (;;) {
        auto got = receive_one(deadline);
        if (!got) return got.error();
        if (!*got) return out;
        message& m = **got;
        if (const auto* p = std::get_if<v2_0::publish_msg>(&m)) {
            out.publications.push_back(to_publication(*p));
            if (on_publication) on_publication(out.publications.back());
        }
        if (const auto* r = std::get_if<v2_0::pingresp_msg>(&m)) {
            out.pingresp = true;
            out.messages_remaining = r->application_messages_remaining;
        }
        out.disconnected = is<v2_0::disconnect_msg>(m);
        out.received.push_back(std::move(m));
        if (out.pingresp || out.disconnected) return out;
    }
}

// ---- publishing -----------------------------------------------------------------------------------

namespace {

/// The QoS 1/2 flow of an already built PUBLISH.
template <class Exchange>
result<publish_result_v2> publish_flow(v2_0::publish_msg request, Exchange&& exchange)
{
    publish_result_v2 out;
    if (request.q == qos::qos0) {
        auto sent = exchange(message{request}, nullptr, &out.transmissions);
        if (!sent) return sent.error();
        return out;
    }
    const std::uint16_t id = request.packet_id;
    out.packet_id = id;
    auto answer = exchange(
        message{request},
        [id](const message& m) {
            if (const auto* a = std::get_if<v2_0::puback_msg>(&m)) return a->packet_id == id;
            if (const auto* r = std::get_if<v2_0::pubrec_msg>(&m)) return r->packet_id == id;
            return false;
        },
        &out.transmissions);
    if (!answer) return answer.error();
    if (const auto* a = std::get_if<v2_0::puback_msg>(&*answer)) {
        out.reason_code = a->reason_code.value_or(0);
        return out;
    }
    const auto& rec = std::get<v2_0::pubrec_msg>(*answer);
    out.reason_code = rec.reason_code.value_or(0);
    if (request.q != qos::qos2 || !succeeded(out.reason_code)) return out; // §3.6.4: a failed PUBREC ends it
    auto done = exchange(
        message{v2_0::pubrel_msg{id, std::uint8_t{0x00}}},
        [id](const message& m) {
            const auto* c = std::get_if<v2_0::pubcomp_msg>(&m);
            return c && c->packet_id == id;
        },
        nullptr);
    if (!done) return done.error();
    out.reason_code = std::get<v2_0::pubcomp_msg>(*done).reason_code.value_or(0);
    return out;
}

} // namespace

result<publish_result_v2> client_v2::publish_built(v2_0::publish_msg request, std::span<const std::byte> data,
                                                   qos q, bool retain)
{
    request.q = q;
    request.retain = retain;
    request.payload.assign(data.begin(), data.end());
    if (q != qos::qos0) request.packet_id = next_packet_id();
    return publish_flow(std::move(request),
                        [this](message m, const predicate& p, unsigned* n) -> result<message> {
                            if (!p) {
                                if (auto sent = send(m); !sent) return sent.error();
                                if (n) *n = 1;
                                return m;
                            }
                            return exchange(std::move(m), p, n);
                        });
}

result<publish_result_v2> client_v2::publish(topic_alias_v2 topic, std::span<const std::byte> data, qos q,
                                             bool retain)
{
    v2_0::publish_msg request;
    request.topic_type = topic.type;
    request.topic_alias = topic.alias;
    return publish_built(std::move(request), data, q, retain);
}

result<publish_result_v2> client_v2::publish(std::string_view name, std::span<const std::byte> data, qos q,
                                             bool retain, bool by_name)
{
    if (name.empty()) return make_error_code(errc::invalid_argument);
    if (by_name) {
        // §3.6.2.2.1 Topic Type 0b11: the Topic Name travels in the PUBLISH.
        v2_0::publish_msg request;
        request.topic_type = topic_type::topic_name;
        request.topic_name = std::string(name);
        return publish_built(std::move(request), data, q, retain);
    }
    auto alias = alias_of(name);
    if (!alias) {
        auto regack = register_topic(name);
        if (!regack) return regack.error();
        const auto rc = regack->reason_code.value_or(0);
        if (!succeeded(rc) || !regack->topic_alias) {
            publish_result_v2 refused;
            refused.reason_code = succeeded(rc) ? std::uint8_t{0x83} : rc; // no alias given: unusable
            return refused;
        }
        alias = topic_alias_v2{regack->topic_type, *regack->topic_alias};
    }
    return publish(*alias, data, q, retain);
}

result<void> client_v2::publish_without_session(topic_alias_v2 predefined, std::span<const std::byte> data,
                                                bool retain)
{
    // §3.6.1: PUBWOS names its topic by Predefined Topic Alias or by Topic Name only.
    if (predefined.type != topic_type::predefined_alias) return make_error_code(errc::invalid_argument);
    return send(v2_0::pubwos_msg{
        retain, topic_type::predefined_alias, predefined.alias, {}, {data.begin(), data.end()}});
}

result<void> client_v2::publish_without_session(std::string_view name, std::span<const std::byte> data,
                                                bool retain)
{
    if (name.empty()) return make_error_code(errc::invalid_argument);
    return send(
        v2_0::pubwos_msg{retain, topic_type::topic_name, 0, std::string(name), {data.begin(), data.end()}});
}

// ---- subscribing ----------------------------------------------------------------------------------

result<v2_0::suback_msg> client_v2::subscribe(std::string_view filter, subscribe_options_v2 o)
{
    v2_0::subscribe_msg request;
    request.no_local = o.no_local;
    request.q = o.q;
    request.retain_as_published = o.retain_as_published;
    request.retain_handling = o.retain_handling;
    request.topic_type = topic_type::topic_name;
    request.packet_id = next_packet_id();
    request.topic_filter = std::string(filter);
    const std::uint16_t id = request.packet_id;
    auto answer = exchange(request, [id](const message& m) {
        const auto* s = std::get_if<v2_0::suback_msg>(&m);
        return s && s->packet_id == id;
    });
    if (!answer) return answer.error();
    const auto& suback = std::get<v2_0::suback_msg>(*answer);
    // §3.8: a name without wildcards may get a Session Topic Alias for what the server sends.
    if (suback.topic_alias && succeeded(suback.reason_code.value_or(0)) && !is_wildcard(filter)) {
        const topic_alias_v2 a{suback.topic_type, *suback.topic_alias};
        name_to_alias_[std::string(filter)] = a;
        if (a.type == topic_type::session_alias) alias_to_name_[a.alias] = std::string(filter);
    }
    return suback;
}

result<v2_0::suback_msg> client_v2::subscribe(topic_alias_v2 predefined, subscribe_options_v2 o)
{
    if (predefined.type != topic_type::predefined_alias) return make_error_code(errc::invalid_argument);
    v2_0::subscribe_msg request;
    request.no_local = o.no_local;
    request.q = o.q;
    request.retain_as_published = o.retain_as_published;
    request.retain_handling = o.retain_handling;
    request.topic_type = topic_type::predefined_alias;
    request.packet_id = next_packet_id();
    request.topic_alias = predefined.alias;
    const std::uint16_t id = request.packet_id;
    auto answer = exchange(request, [id](const message& m) {
        const auto* s = std::get_if<v2_0::suback_msg>(&m);
        return s && s->packet_id == id;
    });
    if (!answer) return answer.error();
    return std::get<v2_0::suback_msg>(*answer);
}

result<v2_0::unsuback_msg> client_v2::unsubscribe(std::string_view filter)
{
    const std::uint16_t id = next_packet_id();
    auto answer = exchange(v2_0::unsubscribe_msg{topic_type::topic_name, id, 0, std::string(filter)},
                           [id](const message& m) {
                               const auto* u = std::get_if<v2_0::unsuback_msg>(&m);
                               return u && u->packet_id == id;
                           });
    if (!answer) return answer.error();
    return std::get<v2_0::unsuback_msg>(*answer);
}

} // namespace sngw::sn_client
