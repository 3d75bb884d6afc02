// SPDX-License-Identifier: MIT
#include <sngw/sn_client/client.hpp>

#include "exchange.hpp"

#include <sngw/sn/v1_2/codec.hpp>

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace sngw::sn_client {

namespace {

using v1_2::message;
using v1_2::qos;
using v1_2::topic_id_type;
namespace rc = v1_2::return_codes;

bool is_wildcard(std::string_view filter) noexcept
{
    return filter.find_first_of("+#") != std::string_view::npos;
}

/// Sets DUP on the messages that have it (PUBLISH §5.3.4, SUBSCRIBE §5.4.15), for re-transmissions.
void set_dup(message& m) noexcept
{
    if (auto* p = std::get_if<v1_2::publish_msg>(&m)) p->dup = true;
    if (auto* s = std::get_if<v1_2::subscribe_msg>(&m)) s->dup = true;
}

template <class T> bool is(const message& m) noexcept
{
    return std::holds_alternative<T>(m);
}

} // namespace

// ---- lifetime -------------------------------------------------------------------------------------

result<client> client::open(client_options options)
{
    auto l = options.serial ? datagram_link::open_serial(*options.serial)
                            : datagram_link::open_udp(options.gateway_host, options.gateway_port);
    if (!l) return l.error();
    return client(std::move(options), std::move(*l));
}

client::client(client_options options, datagram_link l) noexcept
    : options_(std::move(options)), link_(std::move(l))
{}

client::client(client&& other) noexcept = default;
client& client::operator=(client&& other) noexcept = default;
client::~client() = default;

result<void> client::rebind()
{
    return link_.rebind();
}

std::uint16_t client::local_port() const noexcept
{
    return link_.local_port();
}

std::uint16_t client::next_msg_id() noexcept
{
    const std::uint16_t id = next_msg_id_;
    next_msg_id_ = static_cast<std::uint16_t>(next_msg_id_ == 0xFFFF ? 1 : next_msg_id_ + 1);
    return id;
}

// ---- raw I/O --------------------------------------------------------------------------------------

result<void> client::send_raw(std::span<const std::byte> datagram)
{
    if (options_.trace) options_.trace(true, datagram);
    auto sent = link_.send(datagram);
    counters_.unreachable = link_.unreachable();
    if (!sent) return sent.error();
    ++counters_.datagrams_sent;
    return {};
}

result<void> client::send(const message& m)
{
    auto bytes = v1_2::encode(m);
    if (!bytes) return make_error_code(errc::encode_failed);
    return send_raw(*bytes);
}

result<std::optional<message>> client::receive_one(clock::time_point deadline, bool acknowledge)
{
    for (;;) {
        auto got = link_.receive(deadline);
        counters_.unreachable = link_.unreachable();
        if (!got) return got.error();
        if (!*got) return std::optional<message>{};
        ++counters_.datagrams_received;
        if (options_.trace) options_.trace(false, **got);
        auto decoded = v1_2::decode(**got);
        if (!decoded) {
            ++counters_.malformed_received;
            continue;
        }
        on_arrival(*decoded, acknowledge);
        return std::optional<message>{std::move(*decoded)};
    }
}

void client::on_arrival(const message& m, bool acknowledge)
{
    // Answers go out in arrival order, before the caller sees the message. Send errors are ignored
    // here: the gateway re-sends what is not answered (§6.13), and the next call reports the socket.
    if (const auto* r = std::get_if<v1_2::register_msg>(&m)) {
        remember(r->topic_id, r->topic_name);
        if (options_.auto_regack) (void)send(v1_2::regack_msg{r->topic_id, r->msg_id, rc::accepted});
        return;
    }
    if (!acknowledge) return;
    if (const auto* p = std::get_if<v1_2::publish_msg>(&m)) {
        (void)this->acknowledge(*p);
    } else if (const auto* rel = std::get_if<v1_2::pubrel_msg>(&m)) {
        (void)send(v1_2::pubcomp_msg{rel->msg_id});
    }
}

void client::push_inbox(message m)
{
    detail::push_bounded(inbox_, std::move(m), options_.max_inbox, counters_.inbox_dropped);
}

result<message> client::await(const predicate& matches, clock::time_point deadline, bool skip_disconnect)
{
    return detail::await_match(
        inbox_, matches, [&] { return receive_one(deadline, options_.acks == ack_policy::automatic); },
        [&](message&& m) -> boost::system::error_code {
            if (is<v1_2::disconnect_msg>(m)) {
                if (!skip_disconnect) return make_error_code(errc::disconnected);
                ++counters_.stray_disconnects;
                return {};
            }
            push_inbox(std::move(m));
            return {};
        });
}

result<message> client::exchange(message request, const predicate& matches, unsigned* transmissions)
{
    return detail::exchange_loop(
        std::move(request), options_.retries, transmissions, counters_.retransmissions,
        [this](const message& m) { return send(m); },
        [&] { return await(matches, clock::now() + options_.reply_timeout); }, set_dup);
}

result<message> client::receive(milliseconds timeout)
{
    return detail::next_message(
        inbox_, [&] { return receive_one(clock::now() + timeout, options_.acks == ack_policy::automatic); });
}

result<publication> client::receive_publish(milliseconds timeout)
{
    const auto deadline = clock::now() + timeout;
    for (;;) {
        auto m = receive(std::chrono::duration_cast<milliseconds>(
            std::max(clock::duration::zero(), deadline - clock::now())));
        if (!m) return m.error();
        if (const auto* p = std::get_if<v1_2::publish_msg>(&*m)) return to_publication(*p);
    }
}

std::size_t client::discard_pending()
{
    std::size_t n = inbox_.size();
    inbox_.clear();
    for (;;) {
        auto got = receive_one(clock::now(), false);
        if (!got || !*got) return n;
        ++n;
    }
}

result<void> client::acknowledge(const v1_2::publish_msg& p, std::uint8_t return_code)
{
    // §6.8: QoS 1 is answered with PUBACK (TopicId, MsgId, ReturnCode); QoS 2 with PUBREC (MsgId).
    if (p.q == qos::one) return send(v1_2::puback_msg{p.topic_id, p.msg_id, return_code});
    if (p.q == qos::two) {
        if (return_code != rc::accepted) return send(v1_2::puback_msg{p.topic_id, p.msg_id, return_code});
        return send(v1_2::pubrec_msg{p.msg_id});
    }
    return {};
}

// ---- topics ---------------------------------------------------------------------------------------

void client::remember(std::uint16_t id, std::string_view name)
{
    if (auto old = id_to_name_.find(id); old != id_to_name_.end()) name_to_id_.erase(old->second);
    id_to_name_[id] = std::string(name);
    name_to_id_[std::string(name)] = id;
}

std::optional<std::uint16_t> client::topic_id(std::string_view topic_name) const
{
    if (auto it = name_to_id_.find(topic_name); it != name_to_id_.end()) return it->second;
    return std::nullopt;
}

std::string client::topic_name(topic t) const
{
    switch (t.type) {
    case topic_id_type::normal:
        if (auto it = id_to_name_.find(t.id); it != id_to_name_.end()) return it->second;
        return {};
    case topic_id_type::predefined:
        if (auto it = options_.predefined_topics.find(t.id); it != options_.predefined_topics.end())
            return it->second;
        return {};
    case topic_id_type::short_name:
        return t.short_text();
    }
    return {};
}

publication client::to_publication(const v1_2::publish_msg& p) const
{
    return {topic_name(topic{p.topic_id_type, p.topic_id}), p};
}

result<v1_2::regack_msg> client::register_topic(std::string_view topic_name)
{
    const std::uint16_t msg_id = next_msg_id();
    auto answer =
        exchange(v1_2::register_msg{0, msg_id, std::string(topic_name)}, [msg_id](const message& m) {
            const auto* a = std::get_if<v1_2::regack_msg>(&m);
            return a && a->msg_id == msg_id;
        });
    if (!answer) return answer.error();
    const auto& regack = std::get<v1_2::regack_msg>(*answer);
    if (regack.return_code == rc::accepted) remember(regack.topic_id, topic_name);
    return regack;
}

// ---- the session ----------------------------------------------------------------------------------

result<std::uint8_t> client::connect()
{
    const message request = v1_2::connect_msg{options_.will.has_value(), options_.clean_session,
                                              options_.keep_alive, options_.client_id};
    if (auto sent = send(request); !sent) return sent.error();
    const auto step = [](const message& m) {
        return is<v1_2::connack_msg>(m) || is<v1_2::willtopicreq_msg>(m) || is<v1_2::willmsgreq_msg>(m);
    };
    bool answered = false; // the gateway has spoken: re-sending CONNECT would restart the flow
    for (unsigned attempt = 0;;) {
        auto m = await(step, clock::now() + options_.reply_timeout, true);
        if (!m) {
            if (m.error() != errc::timeout || answered || attempt >= options_.retries) return m.error();
            ++attempt;
            ++counters_.retransmissions;
            if (auto sent = send(request); !sent) return sent.error();
            continue;
        }
        answered = true;
        if (const auto* c = std::get_if<v1_2::connack_msg>(&*m)) return c->return_code;
        // §6.3: the gateway asks for the will topic, then the will message; it re-asks (T_RETRY)
        // when an answer is lost, and each request is answered again.
        if (is<v1_2::willtopicreq_msg>(*m)) {
            v1_2::willtopic_msg topic_answer; // empty WILLTOPIC: no will
            if (options_.will)
                topic_answer.will =
                    v1_2::will_topic_fields{options_.will->q, options_.will->retain, options_.will->topic};
            if (auto sent = send(topic_answer); !sent) return sent.error();
        } else {
            v1_2::willmsg_msg msg_answer;
            if (options_.will) msg_answer.will_msg = options_.will->message;
            if (auto sent = send(msg_answer); !sent) return sent.error();
        }
    }
}

result<void> client::disconnect(std::optional<std::uint16_t> sleep_duration)
{
    auto answer = exchange(v1_2::disconnect_msg{sleep_duration},
                           [](const message& m) { return is<v1_2::disconnect_msg>(m); });
    if (!answer) return answer.error();
    return {};
}

result<void> client::ping()
{
    auto answer = exchange(v1_2::pingreq_msg{}, [](const message& m) { return is<v1_2::pingresp_msg>(m); });
    if (!answer) return answer.error();
    return {};
}

result<wake_result> client::wake(wake_options wo)
{
    // §6.14: PINGREQ with the ClientId; the gateway sends what it buffered, then PINGRESP.
    if (auto sent = send(v1_2::pingreq_msg{options_.client_id}); !sent) return sent.error();
    wake_result out;
    const auto deadline = clock::now() + wo.timeout;
    for (;;) {
        auto got = receive_one(deadline, wo.acknowledge);
        if (!got) return got.error();
        if (!*got) return out; // timed out: the result says how far it got
        message& m = **got;
        if (const auto* p = std::get_if<v1_2::publish_msg>(&m)) {
            out.publications.push_back(to_publication(*p));
            if (wo.on_publication) wo.on_publication(out.publications.back());
        }
        out.pingresp = is<v1_2::pingresp_msg>(m);
        out.disconnected = is<v1_2::disconnect_msg>(m);
        out.received.push_back(std::move(m));
        if (out.pingresp || out.disconnected) return out;
    }
}

result<std::uint8_t> client::update_will_topic(std::optional<last_will> will)
{
    v1_2::willtopicupd_msg request;
    if (will) request.will = v1_2::will_topic_fields{will->q, will->retain, will->topic};
    auto answer = exchange(request, [](const message& m) { return is<v1_2::willtopicresp_msg>(m); });
    if (!answer) return answer.error();
    return std::get<v1_2::willtopicresp_msg>(*answer).return_code;
}

result<std::uint8_t> client::update_will_message(std::span<const std::byte> will_message)
{
    v1_2::willmsgupd_msg request{{will_message.begin(), will_message.end()}};
    auto answer = exchange(request, [](const message& m) { return is<v1_2::willmsgresp_msg>(m); });
    if (!answer) return answer.error();
    return std::get<v1_2::willmsgresp_msg>(*answer).return_code;
}

// ---- publishing -----------------------------------------------------------------------------------

result<publish_result> client::publish(topic t, std::span<const std::byte> data, qos q, bool retain)
{
    publish_result out;
    out.topic_id_type = t.type;
    out.topic_id = t.id;
    v1_2::publish_msg request{false, q, retain, t.type, t.id, 0, {data.begin(), data.end()}};
    if (q == qos::zero || q == qos::minus_one) {
        if (auto sent = send(request); !sent) return sent.error();
        out.transmissions = 1;
        return out;
    }
    const std::uint16_t msg_id = next_msg_id();
    request.msg_id = msg_id;
    out.msg_id = msg_id;
    // QoS 1: PUBACK. QoS 2: PUBREC, or a PUBACK that refuses it (§6.8).
    auto answer = exchange(
        request,
        [msg_id](const message& m) {
            if (const auto* a = std::get_if<v1_2::puback_msg>(&m)) return a->msg_id == msg_id;
            if (const auto* r = std::get_if<v1_2::pubrec_msg>(&m)) return r->msg_id == msg_id;
            return false;
        },
        &out.transmissions);
    if (!answer) return answer.error();
    if (const auto* a = std::get_if<v1_2::puback_msg>(&*answer)) {
        out.return_code = a->return_code;
        return out;
    }
    if (q != qos::two) return out; // a PUBREC for a QoS 1 PUBLISH: the gateway's fault; take it as an ack
    auto done = exchange(v1_2::pubrel_msg{msg_id}, [msg_id](const message& m) {
        const auto* c = std::get_if<v1_2::pubcomp_msg>(&m);
        return c && c->msg_id == msg_id;
    });
    if (!done) return done.error();
    return out;
}

result<publish_result> client::publish(std::string_view topic_name, std::span<const std::byte> data, qos q,
                                       bool retain)
{
    // QoS -1 has no session, hence no registered ids: only pre-defined ids and short names (§6.8).
    if (q == qos::minus_one) return make_error_code(errc::invalid_argument);
    auto id = topic_id(topic_name);
    if (!id) {
        auto regack = register_topic(topic_name);
        if (!regack) return regack.error();
        if (regack->return_code != rc::accepted) {
            publish_result refused;
            refused.return_code = regack->return_code;
            return refused;
        }
        id = regack->topic_id;
    }
    return publish(topic::normal(*id), data, q, retain);
}

// ---- subscribing ----------------------------------------------------------------------------------

result<v1_2::suback_msg> client::subscribe(std::string_view topic_filter, qos q)
{
    const std::uint16_t msg_id = next_msg_id();
    v1_2::subscribe_msg request{false, q, topic_id_type::normal, msg_id, std::string(topic_filter), 0};
    auto answer = exchange(request, [msg_id](const message& m) {
        const auto* s = std::get_if<v1_2::suback_msg>(&m);
        return s && s->msg_id == msg_id;
    });
    if (!answer) return answer.error();
    const auto& suback = std::get<v1_2::suback_msg>(*answer);
    // §6.9: a name without wildcards gets its topic id in the SUBACK (0x0000 for a wildcard filter).
    if (suback.return_code == rc::accepted && suback.topic_id != 0 && !is_wildcard(topic_filter))
        remember(suback.topic_id, topic_filter);
    return suback;
}

result<v1_2::suback_msg> client::subscribe(topic t, qos q)
{
    const std::uint16_t msg_id = next_msg_id();
    v1_2::subscribe_msg request{false, q, t.type, msg_id, {}, 0};
    if (t.type == topic_id_type::predefined)
        request.topic_id = t.id;
    else if (t.type == topic_id_type::short_name)
        request.topic_name = t.short_text(); // §5.4.15: a short name travels in the TopicName field
    else
        return make_error_code(errc::invalid_argument);
    auto answer = exchange(request, [msg_id](const message& m) {
        const auto* s = std::get_if<v1_2::suback_msg>(&m);
        return s && s->msg_id == msg_id;
    });
    if (!answer) return answer.error();
    return std::get<v1_2::suback_msg>(*answer);
}

result<void> client::unsubscribe(std::string_view topic_filter)
{
    const std::uint16_t msg_id = next_msg_id();
    auto answer = exchange(v1_2::unsubscribe_msg{topic_id_type::normal, msg_id, std::string(topic_filter), 0},
                           [msg_id](const message& m) {
                               const auto* u = std::get_if<v1_2::unsuback_msg>(&m);
                               return u && u->msg_id == msg_id;
                           });
    if (!answer) return answer.error();
    return {};
}

result<void> client::unsubscribe(topic t)
{
    const std::uint16_t msg_id = next_msg_id();
    v1_2::unsubscribe_msg request{t.type, msg_id, {}, 0};
    if (t.type == topic_id_type::predefined)
        request.topic_id = t.id;
    else if (t.type == topic_id_type::short_name)
        request.topic_name = t.short_text();
    else
        return make_error_code(errc::invalid_argument);
    auto answer = exchange(request, [msg_id](const message& m) {
        const auto* u = std::get_if<v1_2::unsuback_msg>(&m);
        return u && u->msg_id == msg_id;
    });
    if (!answer) return answer.error();
    return {};
}

// ---- discovery ------------------------------------------------------------------------------------

result<v1_2::gwinfo_msg> client::search_gateway(std::uint8_t radius)
{
    auto answer =
        exchange(v1_2::searchgw_msg{radius}, [](const message& m) { return is<v1_2::gwinfo_msg>(m); });
    if (!answer) return answer.error();
    return std::get<v1_2::gwinfo_msg>(*answer);
}

} // namespace sngw::sn_client
