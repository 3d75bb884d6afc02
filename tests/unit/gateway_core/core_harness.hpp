// SPDX-License-Identifier: MIT
#pragma once

// core_harness: core::gateway on a manual clock, with fake sensors (peers) and a scripted fake
// broker per upstream session (house-style §6 "Core scenario tests"). Every action the gateway
// returns is recorded; tests read them back by kind (sent_to, broadcasts, dropped, events,
// forgotten) and drive the broker side through fake_broker.
//
// Conventions:
// - Datagrams are written and read as lower-case hex, octets separated by one space ("03 05 00"),
//   like tests/support/hex.hpp's to_hex.
// - Readers (sent_to, broadcasts, dropped, events, forgotten, fake_broker::next_packet) return what
//   was recorded since the last read of the same kind and clear it.
// - Time only moves through advance() / advance_to_next_deadline(); each deadline on the way fires
//   at its own instant, as the app's single timer would.
// - auto_broker(true): every open_broker_link is brought up at once and every CONNECT answered with
//   CONNACK Success (Session Present when the fake broker holds a session for that client id and the
//   CONNECT has Clean Start 0); those CONNECTs are not queued for next_packet() (see connects()).
// - auto_pingresp (on by default): every upstream PINGREQ is answered with PINGRESP and not queued,
//   so tests that advance time past the broker Keep Alive do not lose their links.

#include <sngw/core/gateway.hpp>
#include <sngw/mqtt5/codec.hpp>
#include <sngw/mqtt5/io.hpp>
#include <sngw/mqtt5/packets.hpp>
#include <sngw/sn/v1_2/codec.hpp>

#include "support/hex.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sngw::test {

class core_harness;

/// The broker's end of one upstream session (one session_id). Obtained from core_harness::broker().
class fake_broker {
public:
    fake_broker(core_harness& h, core::session_id id) : h_(&h), id_(id) {}

    core::session_id id() const noexcept { return id_; }

    // ---- what the gateway did to the link ----------------------------------------------------
    /// open_broker_link seen and the link not closed (by the gateway) or taken down (link_down).
    bool open() const noexcept { return open_; }
    /// link_up() called since the last open.
    bool up() const noexcept { return up_; }
    /// close_broker_link seen since the last open.
    bool closed() const noexcept { return close_mode_.has_value(); }
    std::optional<mqtt5::close_mode> close_mode() const noexcept { return close_mode_; }
    /// How many open_broker_link actions this session issued.
    std::size_t opens() const noexcept { return opens_; }
    /// The last open_broker_link action.
    const core::open_broker_link& last_open() const noexcept { return last_open_; }

    // ---- what the gateway sent upstream -------------------------------------------------------
    /// Packets sent upstream not read yet (PINGREQs are not queued while auto_pingresp is on).
    std::size_t pending() const noexcept { return queue_.size(); }
    /// The oldest unread packet (REQUIREs one).
    mqtt5::packet next_packet();
    /// The oldest unread packet, which must be a P (REQUIREs it).
    template <class P> P expect()
    {
        auto p = next_packet();
        REQUIRE_MESSAGE(std::holds_alternative<P>(p), "session " << id_ << ": got " << p);
        return std::get<P>(std::move(p));
    }
    /// Every unread packet, oldest first.
    std::vector<mqtt5::packet> packets();
    /// Every CONNECT this session sent, also those auto_broker answered (never cleared).
    const std::vector<mqtt5::connect_packet>& connects() const noexcept { return connects_; }
    /// The MQTT client id of the last CONNECT ("" before any).
    std::string client_id() const { return connects_.empty() ? std::string{} : connects_.back().client_id; }
    /// PINGREQs answered automatically.
    std::size_t pings() const noexcept { return pings_; }

    // ---- the broker's side -------------------------------------------------------------------
    /// The TCP/TLS link is up: on_broker_link_up (the gateway answers with CONNECT).
    void link_up();
    /// The link ended without DISCONNECT: on_broker_link_down.
    void link_down();
    /// Encodes `p` and feeds it as one whole packet: on_broker_bytes.
    void reply(const mqtt5::packet& p);
    /// Feeds raw bytes (malformed packets).
    void reply_bytes(const std::vector<std::byte>& whole_packet);

    void connack_success(bool session_present = false);
    void connack(mqtt5::reason_code reason); // a refusal (0x80 and above)
    void puback(std::uint16_t packet_id, mqtt5::reason_code reason = mqtt5::reason_code::success);
    void pubrec(std::uint16_t packet_id, mqtt5::reason_code reason = mqtt5::reason_code::success);
    void pubrel(std::uint16_t packet_id);
    void pubcomp(std::uint16_t packet_id);
    void suback(std::uint16_t packet_id, std::vector<mqtt5::reason_code> codes);
    void unsuback(std::uint16_t packet_id,
                  std::vector<mqtt5::reason_code> codes = {mqtt5::reason_code::success});
    /// A PUBLISH to the sensor; packet_id must be non-zero for QoS 1/2.
    void publish(std::string topic, std::string_view payload, mqtt5::qos q = mqtt5::qos::at_most_once,
                 std::uint16_t packet_id = 0, bool retain = false);
    void publish(std::string topic, std::vector<std::byte> payload, mqtt5::qos q, std::uint16_t packet_id,
                 bool retain = false);
    void disconnect(mqtt5::reason_code reason);

private:
    friend class core_harness;
    void on_open(const core::open_broker_link& a);
    void on_send(const core::send_to_broker& a);
    void on_close(const core::close_broker_link& a);

    core_harness* h_;
    core::session_id id_;
    bool open_ = false;
    bool up_ = false;
    std::optional<mqtt5::close_mode> close_mode_{};
    std::size_t opens_ = 0;
    core::open_broker_link last_open_{};
    std::deque<mqtt5::packet> queue_{};
    std::vector<mqtt5::connect_packet> connects_{};
    std::size_t pings_ = 0;
};

/// core::gateway with a manual clock, fake peers and fake brokers.
class core_harness {
public:
    /// The clock starts at an arbitrary fixed instant (not the epoch). With `start`, start() is
    /// called at once (the gateway's own session is opened, the first ADVERTISE goes out).
    explicit core_harness(core::config cfg = {}, bool start = true);
    ~core_harness();
    core_harness(const core_harness&) = delete;
    core_harness& operator=(const core_harness&) = delete;

    core::gateway& gw() noexcept { return *gw_; }
    const core::config& cfg() const noexcept { return gw_->configuration(); }

    // ---- clock -------------------------------------------------------------------------------
    core::time_point now() const noexcept { return now_; }
    /// Moves the clock forward by `d`, firing every deadline on the way at its own instant.
    void advance(core::milliseconds d);
    /// Jumps to next_deadline() (if it is later than now) and calls on_timeout there. False when
    /// the gateway has no deadline (nothing happens then).
    bool advance_to_next_deadline();
    /// on_timeout at the current instant.
    void timeout();

    // ---- modes -------------------------------------------------------------------------------
    /// Turning it on also brings up every link already opened and not up yet (the gateway's own,
    /// opened by start()).
    void auto_broker(bool on);
    void auto_pingresp(bool on) { auto_pingresp_ = on; }

    // ---- the sensor side -----------------------------------------------------------------------
    /// A fake sensor's address: peer_id{link, n}.
    static core::peer_id peer(std::uint64_t n, std::uint32_t link = 1) noexcept { return {link, n}; }

    /// Feeds one datagram (on_datagram). Returns the actions of this step (auto replies included).
    std::vector<core::action> send(core::peer_id from, std::string_view hex_octets);
    std::vector<core::action> send(core::peer_id from, const std::vector<std::byte>& datagram);
    std::vector<core::action> send(core::peer_id from, std::span<const std::byte> datagram);
    /// Encodes a v1.2 message and feeds it.
    std::vector<core::action> send_msg(core::peer_id from, const sn::v1_2::message& m);

    std::vector<core::action> start();
    std::vector<core::action> shutdown();

    /// CONNECT (Will 0) from `p` → the upstream link is brought up and its CONNECT answered with
    /// CONNACK Success (or auto_broker does it) → REQUIREs that the sensor got CONNACK accepted
    /// (`03 05 00`) and nothing else. Returns the client's upstream session. When the sensor is
    /// answered without a new upstream CONNECT (its link is kept), the broker is not involved;
    /// packets sent upstream before the new CONNECT (a DISCONNECT ending the old link) are skipped.
    fake_broker& connect_sensor(core::peer_id p, std::string_view client_id, std::uint16_t duration = 60,
                                bool clean = true);

    // ---- what the gateway did (each reader clears what it returns) ---------------------------------
    /// Datagrams sent to `p`, oldest first, as hex.
    std::vector<std::string> sent_to(core::peer_id p);
    /// The same datagrams decoded with v1.2 (REQUIREs that each decodes).
    std::vector<sn::v1_2::message> received(core::peer_id p);
    /// Datagrams sent to any peer other than those already read, with their peer (for fan-out checks).
    std::size_t datagrams_pending() const noexcept;
    std::vector<std::string> broadcasts();
    std::vector<core::dropped> dropped();
    std::vector<core::client_event> events();
    std::vector<core::peer_id> forgotten();

    /// Every action since the harness was built, in order (never cleared).
    const std::vector<core::action>& log() const noexcept { return log_; }
    /// log() one action per line, for INFO() on a failing check.
    std::string dump() const;

    // ---- fake brokers ------------------------------------------------------------------------------
    /// The upstream session of a sensor: found by the gateway's client(client_id), else by the MQTT
    /// client id of a CONNECT (exact, or with config.client_id_prefix). REQUIREs one.
    fake_broker& broker(std::string_view client_id);
    /// By session id (REQUIREs that the gateway opened it).
    fake_broker& broker(core::session_id s);
    /// The gateway's own upstream session (the first one opened, at start()).
    fake_broker& gateway_broker();
    /// The session of the most recent open_broker_link.
    fake_broker& last_broker();
    bool has_broker(std::string_view client_id) const;
    /// Brings the gateway's own session up (link_up, CONNECT answered with CONNACK Success).
    void gateway_session_up();

    // ---- observers -----------------------------------------------------------------------------
    std::optional<core::client_state> state_of(core::peer_id p) const { return gw_->state_of(p); }
    std::optional<core::client_info> client(const std::string& client_id) const
    {
        return gw_->client(client_id);
    }
    const core::gateway_stats& stats() const noexcept { return gw_->stats(); }

    /// Applies a batch of actions returned by a direct gw() call (records them, runs auto replies).
    std::vector<core::action> apply(std::vector<core::action> actions);

private:
    friend class fake_broker;
    void record(const core::action& a, std::vector<core::action>& step);
    void run_auto(std::vector<core::action>& step);
    fake_broker* find_broker(std::string_view client_id) const;

    std::unique_ptr<core::gateway> gw_;
    core::time_point now_;
    bool auto_broker_ = false;
    bool auto_pingresp_ = true;
    bool in_apply_ = false;

    std::vector<core::action> log_{};
    std::map<core::peer_id, std::vector<std::vector<std::byte>>> sent_{};
    std::vector<std::string> broadcasts_{};
    std::vector<core::dropped> dropped_{};
    std::vector<core::client_event> events_{};
    std::vector<core::peer_id> forgotten_{};

    std::map<core::session_id, std::unique_ptr<fake_broker>> brokers_{};
    core::session_id first_session_ = 0;
    core::session_id last_session_ = 0;
    /// Auto replies still to run, in order: (session, what).
    enum class auto_kind : std::uint8_t { link_up, connack, pingresp };
    std::deque<std::pair<core::session_id, auto_kind>> auto_queue_{};
    /// Client ids the fake broker holds a session for (a CONNACK Success was given).
    std::set<std::string> broker_sessions_{};
};

/// The core's configuration with ADVERTISE off, so a scenario sees only the datagrams it causes.
inline core::config quiet()
{
    core::config c;
    c.advertise_interval = std::chrono::seconds(0);
    return c;
}

/// A datagram written field by field ("07" "0d" "00 01" ...) in sent_to()'s form ("07 0d 00 01").
inline std::string wire(std::string_view fields) { return to_hex(hex(fields)); }

} // namespace sngw::test

// Readable failure output for the harness readers.
template <> struct doctest::StringMaker<std::vector<std::string>> {
    static doctest::String convert(const std::vector<std::string>& v);
};
template <> struct doctest::StringMaker<std::vector<sngw::core::peer_id>> {
    static doctest::String convert(const std::vector<sngw::core::peer_id>& v);
};
template <> struct doctest::StringMaker<sngw::core::peer_id> {
    static doctest::String convert(const sngw::core::peer_id& p);
};
