// SPDX-License-Identifier: MIT
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/action.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <type_traits>
#include <utility>

namespace sngw::test {

namespace {

// An arbitrary instant far from the epoch, so "time_point{}" in the core is never mistaken for now.
constexpr auto start_instant = core::time_point{} + std::chrono::hours(1000);

// A script that never ends its deadlines is a bug in the core; stop instead of hanging.
constexpr std::size_t max_timeouts_per_advance = 1'000'000;

} // namespace

// ---- fake_broker ----------------------------------------------------------------------------------

mqtt5::packet fake_broker::next_packet()
{
    REQUIRE_MESSAGE(!queue_.empty(), "session " << id_ << ": nothing was sent upstream");
    auto p = std::move(queue_.front());
    queue_.pop_front();
    return p;
}

std::vector<mqtt5::packet> fake_broker::packets()
{
    std::vector<mqtt5::packet> out(std::make_move_iterator(queue_.begin()),
                                   std::make_move_iterator(queue_.end()));
    queue_.clear();
    return out;
}

void fake_broker::link_up()
{
    REQUIRE_MESSAGE(open_, "session " << id_ << ": link_up without open_broker_link");
    up_ = true;
    h_->apply(h_->gw_->on_broker_link_up(id_, h_->now_));
}

void fake_broker::link_down()
{
    open_ = false;
    up_ = false;
    h_->apply(h_->gw_->on_broker_link_down(id_, h_->now_));
}

void fake_broker::reply(const mqtt5::packet& p)
{
    auto bytes = mqtt5::encode(p);
    REQUIRE_MESSAGE(bytes.has_value(), "cannot encode " << p);
    reply_bytes(*bytes);
}

void fake_broker::reply_bytes(const std::vector<std::byte>& whole_packet)
{
    h_->apply(h_->gw_->on_broker_bytes(id_, whole_packet, h_->now_));
}

void fake_broker::connack_success(bool session_present)
{
    if (!connects_.empty()) h_->broker_sessions_.insert(connects_.back().client_id);
    reply(mqtt5::connack_packet{.session_present = session_present});
}

void fake_broker::connack(mqtt5::reason_code reason)
{
    reply(mqtt5::connack_packet{.session_present = false, .reason = reason});
}

void fake_broker::puback(std::uint16_t packet_id, mqtt5::reason_code reason)
{
    reply(mqtt5::puback_packet{.packet_id = packet_id, .reason = reason});
}

void fake_broker::pubrec(std::uint16_t packet_id, mqtt5::reason_code reason)
{
    reply(mqtt5::pubrec_packet{.packet_id = packet_id, .reason = reason});
}

void fake_broker::pubrel(std::uint16_t packet_id)
{
    reply(mqtt5::pubrel_packet{.packet_id = packet_id});
}

void fake_broker::pubcomp(std::uint16_t packet_id)
{
    reply(mqtt5::pubcomp_packet{.packet_id = packet_id});
}

void fake_broker::suback(std::uint16_t packet_id, std::vector<mqtt5::reason_code> codes)
{
    reply(mqtt5::suback_packet{.packet_id = packet_id, .reason_codes = std::move(codes)});
}

void fake_broker::unsuback(std::uint16_t packet_id, std::vector<mqtt5::reason_code> codes)
{
    reply(mqtt5::unsuback_packet{.packet_id = packet_id, .reason_codes = std::move(codes)});
}

void fake_broker::publish(std::string topic, std::string_view payload, mqtt5::qos q, std::uint16_t packet_id,
                          bool retain)
{
    publish(std::move(topic), bytes(payload), q, packet_id, retain);
}

void fake_broker::publish(std::string topic, std::vector<std::byte> payload, mqtt5::qos q,
                          std::uint16_t packet_id, bool retain)
{
    reply(mqtt5::publish_packet{.qos = q,
                                .retain = retain,
                                .topic = std::move(topic),
                                .packet_id = q == mqtt5::qos::at_most_once ? std::uint16_t{0} : packet_id,
                                .payload = std::move(payload)});
}

void fake_broker::disconnect(mqtt5::reason_code reason)
{
    reply(mqtt5::disconnect_packet{.reason = reason});
    // A broker closes the connection after its DISCONNECT (MQTT 5.0 §3.14.4).
    open_ = false;
    up_ = false;
}

void fake_broker::on_open(const core::open_broker_link& a)
{
    ++opens_;
    open_ = true;
    up_ = false;
    close_mode_.reset();
    last_open_ = a;
}

void fake_broker::on_send(const core::send_to_broker& a)
{
    auto p = mqtt5::decode(a.bytes);
    REQUIRE_MESSAGE(p.has_value(), "session " << id_ << ": undecodable packet upstream [" << to_hex(a.bytes)
                                              << "]: " << p.error().message());
    CHECK_MESSAGE(mqtt5::type_of(*p) == a.type, "send_to_broker type " << a.type << " for " << *p);
    if (auto* c = std::get_if<mqtt5::connect_packet>(&*p)) connects_.push_back(*c);
    queue_.push_back(std::move(*p));
}

void fake_broker::on_close(const core::close_broker_link& a)
{
    close_mode_ = a.mode;
    open_ = false;
    up_ = false;
}

// ---- core_harness ---------------------------------------------------------------------------------

core_harness::core_harness(core::config cfg, bool start_now)
    : gw_(std::make_unique<core::gateway>(std::move(cfg))), now_(start_instant)
{
    if (start_now) start();
}

core_harness::~core_harness() = default;

void core_harness::auto_broker(bool on)
{
    auto_broker_ = on;
    if (!on) return;
    for (const auto& [id, b] : brokers_)
        if (b->open() && !b->up()) auto_queue_.emplace_back(id, auto_kind::link_up);
    apply({});
}

void core_harness::advance(core::milliseconds d)
{
    const auto target = now_ + d;
    for (std::size_t i = 0;; ++i) {
        REQUIRE_MESSAGE(i < max_timeouts_per_advance, "deadlines never end; last ones:\n" << dump());
        auto next = gw_->next_deadline();
        if (!next || *next > target) break;
        if (*next > now_) now_ = *next;
        timeout();
    }
    now_ = target;
}

bool core_harness::advance_to_next_deadline()
{
    auto next = gw_->next_deadline();
    if (!next) return false;
    if (*next > now_) now_ = *next;
    timeout();
    return true;
}

void core_harness::timeout()
{
    apply(gw_->on_timeout(now_));
}

std::vector<core::action> core_harness::send(core::peer_id from, std::string_view hex_octets)
{
    return send(from, hex(hex_octets));
}

std::vector<core::action> core_harness::send(core::peer_id from, const std::vector<std::byte>& datagram)
{
    return send(from, std::span<const std::byte>(datagram));
}

std::vector<core::action> core_harness::send(core::peer_id from, std::span<const std::byte> datagram)
{
    return apply(gw_->on_datagram(from, datagram, now_));
}

std::vector<core::action> core_harness::send_msg(core::peer_id from, const sn::v1_2::message& m)
{
    auto bytes = sn::v1_2::encode(m);
    REQUIRE_MESSAGE(bytes.has_value(), "cannot encode " << m);
    return send(from, *bytes);
}

std::vector<core::action> core_harness::start()
{
    return apply(gw_->start(now_));
}

std::vector<core::action> core_harness::shutdown()
{
    return apply(gw_->shutdown(now_));
}

fake_broker& core_harness::connect_sensor(core::peer_id p, std::string_view client_id, std::uint16_t duration,
                                          bool clean)
{
    sn::v1_2::connect_msg m{
        .will = false, .clean_session = clean, .duration = duration, .client_id = std::string(client_id)};
    send_msg(p, m);
    const auto accepted = hex("03 05 00");
    auto answered = [&] {
        auto it = sent_.find(p);
        return it != sent_.end() &&
               std::find(it->second.begin(), it->second.end(), accepted) != it->second.end();
    };
    auto& b = broker(client_id);
    if (!answered() && !b.up()) {
        REQUIRE_MESSAGE(b.open(), "no upstream link opened for " << client_id << "\n" << dump());
        b.link_up();
    }
    if (!answered() && !auto_broker_) {
        // Whatever went upstream before the new CONNECT (a DISCONNECT ending the old link) is skipped.
        std::optional<mqtt5::connect_packet> c;
        while (!c && b.pending() > 0)
            if (auto x = b.next_packet(); std::holds_alternative<mqtt5::connect_packet>(x))
                c = std::get<mqtt5::connect_packet>(std::move(x));
        REQUIRE_MESSAGE(c.has_value(), "no CONNECT upstream for " << client_id << "\n" << dump());
        const bool present = !c->clean_start && broker_sessions_.count(c->client_id) != 0;
        b.connack_success(present);
    }
    const auto got = sent_to(p);
    REQUIRE_MESSAGE(got == std::vector<std::string>{"03 05 00"},
                    "CONNACK for " << client_id << ": "
                                   << doctest::StringMaker<std::vector<std::string>>::convert(got) << "\n"
                                   << dump());
    return b;
}

std::vector<std::string> core_harness::sent_to(core::peer_id p)
{
    std::vector<std::string> out;
    auto it = sent_.find(p);
    if (it == sent_.end()) return out;
    for (const auto& d : it->second)
        out.push_back(sngw::test::to_hex(d));
    sent_.erase(it);
    return out;
}

std::vector<sn::v1_2::message> core_harness::received(core::peer_id p)
{
    std::vector<sn::v1_2::message> out;
    auto it = sent_.find(p);
    if (it == sent_.end()) return out;
    for (const auto& d : it->second) {
        auto m = sn::v1_2::decode(d);
        REQUIRE_MESSAGE(m.has_value(), "undecodable datagram to the sensor: " << sngw::test::to_hex(d));
        out.push_back(std::move(*m));
    }
    sent_.erase(it);
    return out;
}

std::size_t core_harness::datagrams_pending() const noexcept
{
    std::size_t n = 0;
    for (const auto& [p, v] : sent_)
        n += v.size();
    return n;
}

std::vector<std::string> core_harness::broadcasts()
{
    return std::exchange(broadcasts_, {});
}

std::vector<core::dropped> core_harness::dropped()
{
    return std::exchange(dropped_, {});
}

std::vector<core::client_event> core_harness::events()
{
    return std::exchange(events_, {});
}

std::vector<core::peer_id> core_harness::forgotten()
{
    return std::exchange(forgotten_, {});
}

std::string core_harness::dump() const
{
    std::ostringstream os;
    for (const auto& a : log_)
        os << "  " << a << '\n';
    return os.str();
}

fake_broker* core_harness::find_broker(std::string_view client_id) const
{
    if (auto info = gw_->client(std::string(client_id)); info && info->session != 0) {
        if (auto it = brokers_.find(info->session); it != brokers_.end()) return it->second.get();
    }
    const std::string prefixed = gw_->configuration().client_id_prefix + std::string(client_id);
    fake_broker* found = nullptr;
    for (const auto& [id, b] : brokers_) {
        const auto cid = b->client_id();
        if (!cid.empty() && (cid == client_id || cid == prefixed)) found = b.get(); // the latest session wins
    }
    return found;
}

bool core_harness::has_broker(std::string_view client_id) const
{
    return find_broker(client_id) != nullptr;
}

fake_broker& core_harness::broker(std::string_view client_id)
{
    auto* b = find_broker(client_id);
    REQUIRE_MESSAGE(b != nullptr, "no upstream session for client id \"" << std::string(client_id) << "\"\n"
                                                                         << dump());
    return *b;
}

fake_broker& core_harness::broker(core::session_id s)
{
    auto it = brokers_.find(s);
    REQUIRE_MESSAGE(it != brokers_.end(), "no open_broker_link for session " << s << "\n" << dump());
    return *it->second;
}

fake_broker& core_harness::gateway_broker()
{
    REQUIRE_MESSAGE(first_session_ != 0, "the gateway opened no upstream session\n" << dump());
    return broker(first_session_);
}

fake_broker& core_harness::last_broker()
{
    REQUIRE_MESSAGE(last_session_ != 0, "the gateway opened no upstream session\n" << dump());
    return broker(last_session_);
}

void core_harness::gateway_session_up()
{
    auto& b = gateway_broker();
    if (!b.up()) b.link_up();
    if (!auto_broker_) {
        b.expect<mqtt5::connect_packet>();
        b.connack_success();
    }
}

std::vector<core::action> core_harness::apply(std::vector<core::action> actions)
{
    std::vector<core::action> step;
    for (const auto& a : actions)
        record(a, step);
    // Auto replies run after the whole batch, never inside another gateway call.
    if (!in_apply_) {
        in_apply_ = true;
        run_auto(step);
        in_apply_ = false;
    }
    return step;
}

void core_harness::record(const core::action& a, std::vector<core::action>& step)
{
    log_.push_back(a);
    step.push_back(a);
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, core::send_datagram>) {
                sent_[x.to].push_back(x.bytes);
            } else if constexpr (std::is_same_v<T, core::broadcast_datagram>) {
                broadcasts_.push_back(sngw::test::to_hex(x.bytes));
            } else if constexpr (std::is_same_v<T, core::forget_peer>) {
                forgotten_.push_back(x.peer);
            } else if constexpr (std::is_same_v<T, core::dropped>) {
                dropped_.push_back(x);
            } else if constexpr (std::is_same_v<T, core::client_event>) {
                events_.push_back(x);
            } else if constexpr (std::is_same_v<T, core::open_broker_link>) {
                CHECK_MESSAGE(x.session != 0, "open_broker_link for session 0");
                auto& b = brokers_[x.session];
                if (!b) b = std::make_unique<fake_broker>(*this, x.session);
                if (first_session_ == 0) first_session_ = x.session;
                last_session_ = x.session;
                b->on_open(x);
                if (auto_broker_) auto_queue_.emplace_back(x.session, auto_kind::link_up);
            } else if constexpr (std::is_same_v<T, core::send_to_broker>) {
                auto it = brokers_.find(x.session);
                REQUIRE_MESSAGE(it != brokers_.end(), "send_to_broker on unopened session " << x.session);
                auto& b = *it->second;
                CHECK_MESSAGE(b.open(), "send_to_broker on a closed link: " << core::action{x});
                b.on_send(x);
                if (x.type == mqtt5::packet_type::connect && auto_broker_) {
                    b.queue_.pop_back();
                    auto_queue_.emplace_back(x.session, auto_kind::connack);
                } else if (x.type == mqtt5::packet_type::pingreq && auto_pingresp_) {
                    b.queue_.pop_back();
                    ++b.pings_;
                    auto_queue_.emplace_back(x.session, auto_kind::pingresp);
                }
            } else if constexpr (std::is_same_v<T, core::close_broker_link>) {
                auto it = brokers_.find(x.session);
                REQUIRE_MESSAGE(it != brokers_.end(), "close_broker_link on unopened session " << x.session);
                it->second->on_close(x);
            }
        },
        a);
}

void core_harness::run_auto(std::vector<core::action>& step)
{
    while (!auto_queue_.empty()) {
        const auto [s, kind] = auto_queue_.front();
        auto_queue_.pop_front();
        auto& b = *brokers_.at(s);
        std::vector<core::action> more;
        switch (kind) {
        case auto_kind::link_up:
            if (!b.open() || b.up()) continue;
            b.up_ = true;
            more = gw_->on_broker_link_up(s, now_);
            break;
        case auto_kind::connack: {
            if (!b.up()) continue;
            const auto& c = b.connects_.back();
            const bool present = !c.clean_start && broker_sessions_.count(c.client_id) != 0;
            broker_sessions_.insert(c.client_id);
            auto bytes = mqtt5::encode(mqtt5::connack_packet{.session_present = present});
            more = gw_->on_broker_bytes(s, *bytes, now_);
            break;
        }
        case auto_kind::pingresp: {
            if (!b.up()) continue;
            auto bytes = mqtt5::encode(mqtt5::pingresp_packet{});
            more = gw_->on_broker_bytes(s, *bytes, now_);
            break;
        }
        }
        for (const auto& a : more)
            record(a, step);
    }
}

} // namespace sngw::test

doctest::String doctest::StringMaker<std::vector<std::string>>::convert(const std::vector<std::string>& v)
{
    std::string out = "{";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        out += '"' + v[i] + '"';
    }
    out += '}';
    return out.c_str();
}

doctest::String doctest::StringMaker<sngw::core::peer_id>::convert(const sngw::core::peer_id& p)
{
    return (std::to_string(p.link) + ":" + std::to_string(p.address)).c_str();
}

doctest::String
doctest::StringMaker<std::vector<sngw::core::peer_id>>::convert(const std::vector<sngw::core::peer_id>& v)
{
    std::string out = "{";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(v[i].link) + ":" + std::to_string(v[i].address);
    }
    out += '}';
    return out.c_str();
}
