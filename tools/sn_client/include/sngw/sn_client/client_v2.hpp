// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/sn/v2_0/messages.hpp>
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

/// A small MQTT-SN 2.0 client (OASIS CSD01) over UDP or a serial port, built like the v1.2 client
/// (client.hpp): one blocking call per flow, each waiting for the answer it names within a deadline;
/// what else arrives meanwhile is answered (PUBACK / PUBREC / PUBCOMP / REGACK) and kept in an inbox
/// that receive() empties first. Reason codes are outcomes and come back as data; errors are errc or
/// errno codes. A DISCONNECT from the server ends a wait with errc::disconnected and is kept
/// (last_disconnect()), so its Reason Code can be shown.
/// Thread safety: none; one client per thread.
namespace sngw::sn_client {

namespace v2_0 = ::sngw::sn::v2_0;

/// The Authentication Method "MQTT-BASIC" and its data for an MQTT user name and password (§4.11:
/// a Two Byte Integer length and the UTF-8 user name, a Two Byte Integer length and the password).
v2_0::auth_fields mqtt_basic(std::string_view user_name, std::string_view password);

/// The Will of a v2.0 CONNECT (§3.1.3, §3.1.10-§3.1.13), by topic name.
struct will_v2 {
    std::string topic{};
    std::vector<std::byte> payload{};
    v2_0::qos q = v2_0::qos::qos0;
    bool retain = false;
};

struct client_v2_options {
    std::string gateway_host = "127.0.0.1";
    std::uint16_t gateway_port = 1883;
    std::optional<serial_port> serial{}; // set: this port instead of UDP

    // ---- CONNECT (§3.1) -----------------------------------------------------------------------------
    std::string client_id = "sngw-sn-client";
    std::uint16_t keep_alive = 60; // §3.1.7: 1..65535 seconds
    bool clean_start = true;
    /// §3.1.9 Session Expiry Interval; absent: the spec's default (0, the session ends with the
    /// Virtual Connection).
    std::optional<std::uint32_t> session_expiry_interval{};
    /// §3.1.8 Maximum Packet Size the client accepts; 0: no limit.
    std::uint16_t maximum_packet_size = 0;
    std::optional<std::uint8_t> default_awake_messages{}; // §3.1.8 Default Awake Messages
    std::optional<will_v2> will{};
    /// §3.1.4 Auth flag: Authentication Method and Data (mqtt_basic() for a user name and password,
    /// §4.11); the gateway answers MQTT-BASIC with CONNACK, never AUTH.
    std::optional<v2_0::auth_fields> authentication{};
    bool allow_network_address_changes = false; // §3.1.4 "Net Addr": Connection Encapsulation allowed
    bool allow_server_suggested_values = false; // §3.1.4 "Srv Sugg"
    /// Wrap what §3.18 allows (PUBLISH, SUBSCRIBE, UNSUBSCRIBE, REGISTER, DISCONNECT, SLEEPREQ, PINGREQ)
    /// in Connection Encapsulation naming client_id: a sensor whose address changed (see rebind()).
    bool connection_encapsulation = false;

    /// Predefined Topic Aliases both sides know, to name the topic of an inbound PUBLISH.
    std::map<std::uint16_t, std::string> predefined_topics{};

    // ---- waiting --------------------------------------------------------------------------------------
    std::chrono::milliseconds reply_timeout{std::chrono::seconds(5)};
    /// Re-transmissions after a reply_timeout (§4.4 Packet delivery retry); DUP set on a QoS 2 PUBLISH.
    unsigned retries = 0;
    /// Answer the server's PUBLISHes and PUBRELs as they arrive (PUBACK, PUBREC, PUBCOMP).
    bool auto_ack = true;
    std::size_t max_inbox = 10'000;
    /// Called with every datagram sent (true) and received (false), before it is decoded.
    std::function<void(bool sent, std::span<const std::byte> datagram)> trace{};
};

/// A topic by alias: a Session Topic Alias from REGACK / SUBACK / the server's REGISTER, or a
/// Predefined Topic Alias (§2.4, §4.7.3).
struct topic_alias_v2 {
    v2_0::topic_type type = v2_0::topic_type::session_alias;
    std::uint16_t alias = 0;
    static constexpr topic_alias_v2 session(std::uint16_t a) noexcept
    {
        return {v2_0::topic_type::session_alias, a};
    }
    static constexpr topic_alias_v2 predefined(std::uint16_t a) noexcept
    {
        return {v2_0::topic_type::predefined_alias, a};
    }
    friend bool operator==(const topic_alias_v2&, const topic_alias_v2&) = default;
};

/// CONNACK's answer (§3.2).
struct connect_result_v2 {
    std::uint8_t reason_code = 0;
    bool session_present = false;
    std::optional<std::uint32_t> session_expiry_interval{};
    std::optional<std::uint16_t> server_keep_alive{};
    std::optional<std::string> assigned_client_id{};
};

/// How one publish ended.
struct publish_result_v2 {
    /// PUBACK's (QoS 1) or PUBREC's / PUBCOMP's (QoS 2) Reason Code, REGACK's when the name could not
    /// be registered, else 0x00 (QoS 0, PUBWOS).
    std::uint8_t reason_code = 0;
    std::uint16_t packet_id = 0; // 0 for QoS 0 and PUBWOS
    unsigned transmissions = 0;  // of the PUBLISH (0: not sent)
};

/// SUBSCRIBE options (§3.7.2).
struct subscribe_options_v2 {
    v2_0::qos q = v2_0::qos::qos0;
    bool no_local = false;
    bool retain_as_published = false;
    v2_0::retain_handling retain_handling = v2_0::retain_handling::send_on_subscribe;
};

/// A PUBLISH from the server and the topic name it stands for (empty if the alias is unknown here).
struct publication_v2 {
    std::string topic_name{};
    v2_0::publish_msg message{};
    std::string_view payload() const noexcept
    {
        return {reinterpret_cast<const char*>(message.payload.data()), message.payload.size()};
    }
};

/// What came between a waking PINGREQ and its PINGRESP (§4.14.2).
struct wake_result_v2 {
    std::vector<v2_0::message> received{};
    std::vector<publication_v2> publications{};
    bool pingresp = false;
    bool disconnected = false;
    std::optional<std::uint8_t> messages_remaining{}; // PINGRESP's Application Messages Remaining
};

struct client_v2_counters {
    std::uint64_t datagrams_sent = 0;
    std::uint64_t datagrams_received = 0;
    std::uint64_t malformed_received = 0;
    std::uint64_t retransmissions = 0;
    std::uint64_t inbox_dropped = 0;
    std::uint64_t wakeups = 0; // WAKEUP hints from the server (§3.14)
};

/// The meaning of a v2.0 Reason Code in `packet` (§2.3 Figure 2-7): "Success", "Not authorized", ...
/// (0x00 reads "Normal disconnection" for DISCONNECT, "Granted QoS 0" for SUBACK); empty if unlisted.
std::string reason_code_meaning(v2_0::msg_type packet, std::uint8_t reason_code);

/// One MQTT-SN 2.0 client. Move-only; the socket or port closes with the object.
class client_v2 {
public:
    static boost::system::result<client_v2> open(client_v2_options options);

    client_v2(client_v2&&) noexcept;
    client_v2& operator=(client_v2&&) noexcept;
    client_v2(const client_v2&) = delete;
    client_v2& operator=(const client_v2&) = delete;
    ~client_v2();

    // ---- the Virtual Connection ---------------------------------------------------------------------

    /// CONNECT (§3.1, Protocol Version 0x02), wait for the CONNACK with its Packet Identifier.
    boost::system::result<connect_result_v2> connect();
    /// DISCONNECT (§3.13) with a Reason Code (absent: 0x00) and maybe a new Session Expiry. The server
    /// does not answer it; nothing is awaited.
    boost::system::result<void> disconnect(std::optional<std::uint8_t> reason_code = std::nullopt,
                                           std::optional<std::uint32_t> session_expiry = std::nullopt);
    /// PINGREQ, wait for the PINGRESP with its Packet Identifier (§3.11).
    boost::system::result<v2_0::pingresp_msg> ping();
    /// SLEEPREQ (§3.15), wait for SLEEPRESP: its Reason Code says whether the server granted it.
    boost::system::result<v2_0::sleepresp_msg> sleep(std::uint32_t duration,
                                                     bool retain_topic_aliases = true);
    /// PINGREQ while asleep (§4.14.2): collects what the server buffered until PINGRESP, answering it
    /// (auto_ack), calling `on_publication` with each PUBLISH as it arrives. Reaching `timeout` is not
    /// an error: the result says what came.
    boost::system::result<wake_result_v2>
    wake(std::chrono::milliseconds timeout,
         const std::function<void(const publication_v2&)>& on_publication = {});

    // ---- topics ---------------------------------------------------------------------------------------

    /// REGISTER (§3.4, no alias), wait for REGACK. Success remembers the alias for the name.
    boost::system::result<v2_0::regack_msg> register_topic(std::string_view topic_name);
    std::optional<topic_alias_v2> alias_of(std::string_view topic_name) const;
    std::string topic_name(v2_0::topic_type type, std::uint16_t alias) const;

    // ---- publishing (§3.6, §4.3) ----------------------------------------------------------------------

    /// PUBLISH by alias with the full flow of its QoS: 0 sends; 1 waits for PUBACK; 2 waits for PUBREC,
    /// sends PUBREL, waits for PUBCOMP (a PUBREC >= 0x80 ends the flow).
    boost::system::result<publish_result_v2> publish(topic_alias_v2 topic, std::span<const std::byte> data,
                                                     v2_0::qos q, bool retain = false);
    /// PUBLISH to a name: REGISTERed first unless `by_name`, which carries the Topic Name in the PUBLISH
    /// (Topic Type 0b11).
    boost::system::result<publish_result_v2> publish(std::string_view topic_name,
                                                     std::span<const std::byte> data, v2_0::qos q,
                                                     bool retain = false, bool by_name = false);
    /// PUBWOS (§3.6.1, "QoS -1"): no session needed; a Predefined Topic Alias or a Topic Name.
    boost::system::result<void> publish_without_session(topic_alias_v2 predefined,
                                                        std::span<const std::byte> data, bool retain = false);
    boost::system::result<void> publish_without_session(std::string_view topic_name,
                                                        std::span<const std::byte> data, bool retain = false);

    // ---- subscribing (§3.7-§3.10) ---------------------------------------------------------------------

    /// SUBSCRIBE to a filter by name, wait for SUBACK. A SUBACK with a Session Topic Alias for a name
    /// without wildcards is remembered.
    boost::system::result<v2_0::suback_msg> subscribe(std::string_view topic_filter, subscribe_options_v2 o);
    /// SUBSCRIBE by Predefined Topic Alias.
    boost::system::result<v2_0::suback_msg> subscribe(topic_alias_v2 predefined, subscribe_options_v2 o);
    boost::system::result<v2_0::unsuback_msg> unsubscribe(std::string_view topic_filter);

    // ---- receiving ------------------------------------------------------------------------------------

    boost::system::result<v2_0::message> receive(std::chrono::milliseconds timeout);
    boost::system::result<publication_v2> receive_publish(std::chrono::milliseconds timeout);

    // ---- raw ------------------------------------------------------------------------------------------

    boost::system::result<void> send(const v2_0::message& m);
    boost::system::result<void> send_raw(std::span<const std::byte> datagram);
    /// UDP: go on from a new socket on another ephemeral port (a sensor whose address changed, §3.18);
    /// serial: nothing.
    boost::system::result<void> rebind();

    /// The last DISCONNECT the server sent (its Reason Code and Reason String), if any.
    const std::optional<v2_0::disconnect_msg>& last_disconnect() const noexcept { return last_disconnect_; }
    std::uint16_t next_packet_id() noexcept;
    client_v2_options& options() noexcept { return options_; }
    const client_v2_options& options() const noexcept { return options_; }
    const client_v2_counters& counters() const noexcept { return counters_; }
    const datagram_link& link() const noexcept { return link_; }

private:
    using predicate = std::function<bool(const v2_0::message&)>;

    client_v2(client_v2_options options, datagram_link l) noexcept;

    boost::system::result<v2_0::message> await(const predicate& matches,
                                               std::chrono::steady_clock::time_point deadline);
    boost::system::result<v2_0::message> exchange(v2_0::message request, const predicate& matches,
                                                  unsigned* transmissions = nullptr);
    boost::system::result<std::optional<v2_0::message>>
    receive_one(std::chrono::steady_clock::time_point deadline);
    void on_arrival(const v2_0::message& m);
    void push_inbox(v2_0::message m);
    publication_v2 to_publication(const v2_0::publish_msg& p) const;
    /// The flow of a PUBLISH whose topic fields are set: packet id, send, QoS 1/2 answers.
    boost::system::result<publish_result_v2>
    publish_built(v2_0::publish_msg request, std::span<const std::byte> data, v2_0::qos q, bool retain);

    client_v2_options options_;
    datagram_link link_;
    std::uint16_t next_packet_id_ = 1;
    std::deque<v2_0::message> inbox_;
    std::map<std::uint16_t, std::string> alias_to_name_; // Session Topic Aliases
    std::map<std::string, topic_alias_v2, std::less<>> name_to_alias_;
    std::optional<v2_0::disconnect_msg> last_disconnect_;
    client_v2_counters counters_{};
};

} // namespace sngw::sn_client
