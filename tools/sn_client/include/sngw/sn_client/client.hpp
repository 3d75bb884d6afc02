// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/sn/v1_2/messages.hpp>
#include <sngw/sn_client/errc.hpp>
#include <sngw/sn_client/link.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// A small MQTT-SN v1.2 client over UDP: what a sensor does, one blocking call per flow, for tests,
/// `sngw-pub` / `sngw-sub` and people at a shell. Plain POSIX socket and poll(); every wait has a
/// deadline; IPv4 and IPv6. Messages are encoded and decoded with sngw::sn_codec.
///
/// Model: each call sends its request and waits for the answer it names (CONNACK, PUBACK with the same
/// MsgId, ...). Whatever else arrives meanwhile (a PUBLISH, a REGISTER from the gateway) is handled by
/// the acknowledgement policy as it arrives and kept, in order, in an inbox that receive() empties
/// first. A DISCONNECT from the gateway while an answer is awaited ends the wait with
/// errc::disconnected. Return codes are outcomes and come back as data; errors are errc or errno codes.
///
/// Thread safety: none; one client per thread.
namespace sngw::sn_client {

namespace v1_2 = ::sngw::sn::v1_2;

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

template <class T> using result = boost::system::result<T>;

/// A topic as PUBLISH, SUBSCRIBE and UNSUBSCRIBE carry it by id (MQTT-SN v1.2 §5.3.11, §6.7).
struct topic {
    v1_2::topic_id_type type = v1_2::topic_id_type::normal;
    std::uint16_t id = 0; // short_name: the two characters, first in the high octet (as on the wire)

    /// A topic id the gateway assigned (REGACK, SUBACK, or its REGISTER).
    static constexpr topic normal(std::uint16_t id) noexcept { return {v1_2::topic_id_type::normal, id}; }
    /// A pre-defined topic id both sides know in advance (§6.7).
    static constexpr topic predefined(std::uint16_t id) noexcept
    {
        return {v1_2::topic_id_type::predefined, id};
    }
    /// A two-character short topic name (§6.7), e.g. short_name('t', '1') for "t1".
    static constexpr topic short_name(char first, char second) noexcept
    {
        return {v1_2::topic_id_type::short_name,
                static_cast<std::uint16_t>((static_cast<unsigned char>(first) << 8) |
                                           static_cast<unsigned char>(second))};
    }
    /// The two characters of a short_name topic.
    std::string short_text() const { return {static_cast<char>(id >> 8), static_cast<char>(id & 0xFF)}; }
    friend bool operator==(const topic&, const topic&) = default;
};

/// The sensor's will, sent when the gateway asks for it during CONNECT (WILLTOPICREQ, WILLMSGREQ).
struct last_will {
    std::string topic{};
    std::vector<std::byte> message{};
    v1_2::qos q = v1_2::qos::zero;
    bool retain = false;
};

/// Who answers the gateway's QoS 1/2 PUBLISHes and PUBRELs.
enum class ack_policy : std::uint8_t {
    automatic, // PUBACK (QoS 1) or PUBREC (QoS 2) as each PUBLISH arrives, PUBCOMP as each PUBREL arrives
    manual,    // nothing: the caller answers with acknowledge() and send()
};

struct client_options {
    /// The gateway: a host getaddrinfo resolves (IPv4 or IPv6 literal, or a name) and its UDP port.
    std::string gateway_host = "127.0.0.1";
    std::uint16_t gateway_port = 1883;
    /// Set: talk through this serial port instead of UDP (gateway_host and gateway_port unused), framed
    /// as the gateway's `--serial` port with single addressing expects.
    std::optional<serial_port> serial{};

    // ---- CONNECT (§5.4.4) ----------------------------------------------------------------------
    std::string client_id = "sngw-sn-client";
    std::uint16_t keep_alive = 60; // Duration, seconds; 0: the gateway does not supervise
    bool clean_session = true;
    /// Set: CONNECT has the Will flag and the will flow is answered with it.
    std::optional<last_will> will{};

    /// Topic ids both sides know in advance, to name the topic of an inbound PUBLISH.
    std::map<std::uint16_t, std::string> predefined_topics{};

    // ---- waiting -----------------------------------------------------------------------------------
    /// How long each transmission of a request waits for its answer.
    milliseconds reply_timeout{std::chrono::seconds(5)};
    /// Re-transmissions after a reply_timeout without answer (PUBLISH and SUBSCRIBE with DUP set), as
    /// a sensor's T_RETRY / N_RETRY (§6.13). 0: one transmission, then errc::timeout.
    unsigned retries = 0;

    // ---- answering the gateway -----------------------------------------------------------------
    ack_policy acks = ack_policy::automatic;
    /// A REGISTER from the gateway (§6.10) is answered REGACK accepted as it arrives.
    bool auto_regack = true;
    /// Most messages kept in the inbox; older ones are dropped (counted) past it.
    std::size_t max_inbox = 10'000;
    /// Called with every datagram sent (true) and received (false), before it is decoded (-d).
    std::function<void(bool sent, std::span<const std::byte> datagram)> trace{};
};

/// A PUBLISH from the gateway and the topic name it stands for.
struct publication {
    /// REGISTERed or SUBACKed name of a normal id, the options' name of a predefined id, the two
    /// characters of a short name; empty if the client does not know the id.
    std::string topic_name{};
    v1_2::publish_msg message{};

    std::string_view payload() const noexcept
    {
        return {reinterpret_cast<const char*>(message.data.data()), message.data.size()};
    }
};

/// How one publish() ended.
struct publish_result {
    /// PUBACK's return code (QoS 1; QoS 2 when the gateway refused with PUBACK), REGACK's when a
    /// publish by name could not register the name, else accepted (QoS 0/-1, QoS 2 PUBCOMP).
    std::uint8_t return_code = v1_2::return_codes::accepted;
    std::uint16_t msg_id = 0; // 0 for QoS 0/-1
    v1_2::topic_id_type topic_id_type = v1_2::topic_id_type::normal;
    std::uint16_t topic_id = 0;
    unsigned transmissions = 0; // of the PUBLISH (0: not sent, the REGISTER was refused)
};

struct wake_options {
    /// Answer the PUBLISHes (and PUBRELs) of the wake as they come. False: answer nothing, so the
    /// gateway re-sends the first one (DUP) every T_RETRY until it gives up on the sensor.
    bool acknowledge = true;
    /// The wait for PINGRESP. Reaching it is not an error: the result says what came.
    milliseconds timeout{std::chrono::seconds(10)};
    /// Called with each PUBLISH as it arrives (before the PINGRESP ends the wake), e.g. to print it.
    std::function<void(const publication&)> on_publication{};
};

/// What came between a waking PINGREQ and its PINGRESP (§6.14).
struct wake_result {
    std::vector<v1_2::message> received{};   // every message, in order, PINGRESP or DISCONNECT last
    std::vector<publication> publications{}; // the PUBLISHes among them (DUP re-sends too)
    bool pingresp = false;                   // the wake ended with PINGRESP
    bool disconnected = false;               // ... or with DISCONNECT
};

struct client_counters {
    std::uint64_t datagrams_sent = 0;
    std::uint64_t datagrams_received = 0;
    std::uint64_t malformed_received = 0; // did not decode: dropped
    std::uint64_t retransmissions = 0;    // our requests sent again after a reply_timeout
    std::uint64_t inbox_dropped = 0;      // past max_inbox
    std::uint64_t unreachable = 0;        // ICMP port unreachable reported on the socket
    std::uint64_t stray_disconnects = 0;  // DISCONNECTs dropped while connect() waited for CONNACK
};

/// One MQTT-SN v1.2 client on one UDP socket connected to the gateway's address (datagrams from any
/// other address are not seen), or on a serial port (options().serial). Move-only; the socket or port
/// closes with the object.
class client {
public:
    /// Resolves the gateway and opens the socket (bound to an ephemeral port of the same family).
    static result<client> open(client_options options);

    client(client&& other) noexcept;
    client& operator=(client&& other) noexcept;
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    ~client();

    // ---- the session -----------------------------------------------------------------------------

    /// CONNECT (§6.3), answering WILLTOPICREQ / WILLMSGREQ from options().will (an empty WILLTOPIC
    /// when the gateway asks and there is no will). The CONNACK's return code. A DISCONNECT meanwhile
    /// is dropped: it answers something sent before (a lost sensor's re-sent PUBLISH), never a CONNECT.
    result<std::uint8_t> connect();
    /// DISCONNECT (§6.14 with a Duration: go to sleep) and wait for the gateway's DISCONNECT.
    result<void> disconnect(std::optional<std::uint16_t> sleep_duration = std::nullopt);
    /// PINGREQ without ClientId, wait for PINGRESP (keep-alive, §6.11).
    result<void> ping();
    /// PINGREQ with ClientId (a sleeping sensor waking up, §6.14): collects everything until PINGRESP,
    /// answering REGISTERs (auto_regack) and, with `acknowledge`, the PUBLISHes and PUBRELs. Only
    /// socket errors are errors.
    result<wake_result> wake(wake_options options = {});
    /// WILLTOPICUPD (§6.4; no value: the empty one, deleting the will), wait for WILLTOPICRESP.
    result<std::uint8_t> update_will_topic(std::optional<last_will> will);
    /// WILLMSGUPD (§6.4), wait for WILLMSGRESP.
    result<std::uint8_t> update_will_message(std::span<const std::byte> message);

    // ---- topics --------------------------------------------------------------------------------

    /// REGISTER (§6.5), wait for REGACK. Accepted: the id is remembered for publish(name).
    result<v1_2::regack_msg> register_topic(std::string_view topic_name);
    /// The id the gateway gave `topic_name` (REGACK, SUBACK or its REGISTER), if any.
    std::optional<std::uint16_t> topic_id(std::string_view topic_name) const;
    /// The name `t` stands for here (see publication::topic_name); empty if unknown.
    std::string topic_name(topic t) const;

    // ---- publishing (§6.8) ---------------------------------------------------------------------

    /// PUBLISH with the full flow of its QoS: -1 and 0 send and return; 1 waits for PUBACK; 2 waits
    /// for PUBREC (or a refusing PUBACK), sends PUBREL and waits for PUBCOMP. No session needed for -1.
    result<publish_result> publish(topic t, std::span<const std::byte> data, v1_2::qos q,
                                   bool retain = false);
    /// The same to a topic name, REGISTERed first if no id is known for it (not for QoS -1:
    /// errc::invalid_argument).
    result<publish_result> publish(std::string_view topic_name, std::span<const std::byte> data, v1_2::qos q,
                                   bool retain = false);

    // ---- subscribing (§6.9) --------------------------------------------------------------------

    /// SUBSCRIBE to a topic name or filter (wildcards allowed), wait for SUBACK. An accepted
    /// subscription to a name without wildcards remembers the SUBACK's topic id for that name.
    result<v1_2::suback_msg> subscribe(std::string_view topic_filter, v1_2::qos q);
    /// SUBSCRIBE by pre-defined id or short name, wait for SUBACK (errc::invalid_argument for normal).
    result<v1_2::suback_msg> subscribe(topic t, v1_2::qos q);
    /// UNSUBSCRIBE, wait for UNSUBACK.
    result<void> unsubscribe(std::string_view topic_filter);
    result<void> unsubscribe(topic t);

    // ---- discovery (§6.1) ----------------------------------------------------------------------

    /// SEARCHGW to the gateway's address, wait for GWINFO.
    result<v1_2::gwinfo_msg> search_gateway(std::uint8_t radius = 0);

    // ---- receiving -----------------------------------------------------------------------------

    /// The next message from the gateway: the inbox's oldest, else the next datagram that decodes
    /// (answered per the ack policy as it arrived), within `timeout` (errc::timeout).
    result<v1_2::message> receive(milliseconds timeout);
    /// The next PUBLISH, with its topic named; messages of other types before it are consumed.
    result<publication> receive_publish(milliseconds timeout);
    /// PUBACK (QoS 1, with `return_code`) or PUBREC (QoS 2) for a PUBLISH received under
    /// ack_policy::manual. Nothing for QoS 0 / -1.
    result<void> acknowledge(const v1_2::publish_msg& publish,
                             std::uint8_t return_code = v1_2::return_codes::accepted);
    /// Drops whatever is in the inbox and on the socket now (no wait). Returns how many messages.
    std::size_t discard_pending();

    // ---- raw -----------------------------------------------------------------------------------

    /// Encodes and sends one message, waiting for nothing.
    result<void> send(const v1_2::message& m);
    /// Sends arbitrary octets as one datagram (malformed input for the gateway, other versions).
    result<void> send_raw(std::span<const std::byte> datagram);

    // ---- the socket ----------------------------------------------------------------------------

    /// Closes the socket and opens a new one on another ephemeral port: the same sensor at a new
    /// address (a sleeping sensor may wake from anywhere, §6.14). The inbox is kept.
    result<void> rebind();
    std::uint16_t local_port() const noexcept;
    /// The next MsgId this client will use (1..65535, never 0).
    std::uint16_t next_msg_id() noexcept;

    client_options& options() noexcept { return options_; }
    const client_options& options() const noexcept { return options_; }
    const client_counters& counters() const noexcept { return counters_; }
    /// The UDP socket or serial port.
    const datagram_link& link() const noexcept { return link_; }

private:
    using predicate = std::function<bool(const v1_2::message&)>;

    client(client_options options, datagram_link l) noexcept;

    /// The first message (inbox first, then arrivals) for which `matches` holds, until `deadline`.
    /// A DISCONNECT that does not match ends the wait with errc::disconnected, or with
    /// `skip_disconnect` is dropped (CONNECT: a DISCONNECT is never its answer, only a late one to
    /// something sent before).
    result<v1_2::message> await(const predicate& matches, clock::time_point deadline,
                                bool skip_disconnect = false);
    /// `request`, then await the answer; re-sent (DUP where the message has it) after each
    /// reply_timeout, options().retries times. `transmissions` counts the sends.
    result<v1_2::message> exchange(v1_2::message request, const predicate& matches,
                                   unsigned* transmissions = nullptr);
    /// One datagram within `deadline`, decoded and answered per the policy; nullopt on timeout.
    result<std::optional<v1_2::message>> receive_one(clock::time_point deadline, bool acknowledge);
    void on_arrival(const v1_2::message& m, bool acknowledge);
    void push_inbox(v1_2::message m);
    void remember(std::uint16_t id, std::string_view name);
    publication to_publication(const v1_2::publish_msg& p) const;

    client_options options_;
    datagram_link link_;
    std::uint16_t next_msg_id_ = 1;
    std::deque<v1_2::message> inbox_;
    std::map<std::uint16_t, std::string> id_to_name_;
    std::map<std::string, std::uint16_t, std::less<>> name_to_id_;
    client_counters counters_{};
};

} // namespace sngw::sn_client
