// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

/// MQTT-SN 1.2 messages (spec §5.4, §5.5). One plain struct per message; the structs mirror the
/// wire: flags octets become named fields, return codes stay raw octets so that reserved values
/// round-trip. Meaning (seconds, sessions, topic lookup) belongs to the gateway core.
namespace sngw::sn::v1_2 {

/// MsgType values, MQTT-SN v1.2 §5.2.2 Table 3. Every other value is reserved.
enum class msg_type : std::uint8_t {
    advertise = 0x00,
    searchgw = 0x01,
    gwinfo = 0x02,
    connect = 0x04,
    connack = 0x05,
    willtopicreq = 0x06,
    willtopic = 0x07,
    willmsgreq = 0x08,
    willmsg = 0x09,
    register_ = 0x0A, // `register` is a C++ keyword
    regack = 0x0B,
    publish = 0x0C,
    puback = 0x0D,
    pubcomp = 0x0E,
    pubrec = 0x0F,
    pubrel = 0x10,
    subscribe = 0x12,
    suback = 0x13,
    unsubscribe = 0x14,
    unsuback = 0x15,
    pingreq = 0x16,
    pingresp = 0x17,
    disconnect = 0x18,
    willtopicupd = 0x1A,
    willtopicresp = 0x1B,
    willmsgupd = 0x1C,
    willmsgresp = 0x1D,
    encapsulated = 0xFE, // forwarder encapsulation, §5.5
};

/// QoS field of the Flags octet (§5.3.4), valued as on the wire. `minus_one` (0b11) is only
/// legal in PUBLISH (§6.8); decode rejects it elsewhere with errc::bad_qos.
enum class qos : std::uint8_t {
    zero = 0,
    one = 1,
    two = 2,
    minus_one = 3,
};

/// TopicIdType field of the Flags octet (§5.3.4). 0b11 is reserved (errc::bad_topic_type).
enum class topic_id_type : std::uint8_t {
    normal = 0,     // registered topic id; in SUBSCRIBE/UNSUBSCRIBE: a topic name follows
    predefined = 1, // pre-defined topic id (§6.7)
    short_name = 2, // two-character short topic name (§6.7)
};

/// ReturnCode values, §5.3.10 Table 5. 0x04..0xFF are reserved; messages keep the raw octet.
namespace return_codes {
inline constexpr std::uint8_t accepted = 0x00;
inline constexpr std::uint8_t rejected_congestion = 0x01;
inline constexpr std::uint8_t rejected_invalid_topic_id = 0x02;
inline constexpr std::uint8_t rejected_not_supported = 0x03;
} // namespace return_codes

/// ADVERTISE (§5.4.1).
struct advertise_msg {
    static constexpr msg_type type = msg_type::advertise;
    std::uint8_t gw_id = 0;
    std::uint16_t duration = 0; // seconds until the next ADVERTISE
    friend bool operator==(const advertise_msg&, const advertise_msg&) = default;
};

/// SEARCHGW (§5.4.2).
struct searchgw_msg {
    static constexpr msg_type type = msg_type::searchgw;
    std::uint8_t radius = 0;
    friend bool operator==(const searchgw_msg&, const searchgw_msg&) = default;
};

/// GWINFO (§5.4.3). GwAdd is present only when a client answers on behalf of a gateway; decode
/// yields std::nullopt when the message ends after GwId (an engaged but empty gw_add encodes
/// the same way, so decode never produces one).
struct gwinfo_msg {
    static constexpr msg_type type = msg_type::gwinfo;
    std::uint8_t gw_id = 0;
    std::optional<std::vector<std::byte>> gw_add{}; // opaque, network-dependent (§5.3.5)
    friend bool operator==(const gwinfo_msg&, const gwinfo_msg&) = default;
};

/// CONNECT (§5.4.4). ProtocolId is always 0x01 (§5.3.8) and is not stored.
struct connect_msg {
    static constexpr msg_type type = msg_type::connect;
    bool will = false;
    bool clean_session = false;
    std::uint16_t duration = 0; // keep-alive, seconds
    std::string client_id{};    // spec: 1..23 octets; decode accepts longer ones (see decode.cpp)
    friend bool operator==(const connect_msg&, const connect_msg&) = default;
};

/// CONNACK (§5.4.5).
struct connack_msg {
    static constexpr msg_type type = msg_type::connack;
    std::uint8_t return_code = return_codes::accepted;
    friend bool operator==(const connack_msg&, const connack_msg&) = default;
};

/// WILLTOPICREQ (§5.4.6): header only.
struct willtopicreq_msg {
    static constexpr msg_type type = msg_type::willtopicreq;
    friend bool operator==(const willtopicreq_msg&, const willtopicreq_msg&) = default;
};

/// Flags + WillTopic of WILLTOPIC and WILLTOPICUPD (§5.4.7, §5.4.22).
struct will_topic_fields {
    qos q = qos::zero; // Will QoS; never minus_one
    bool retain = false;
    std::string will_topic{};
    friend bool operator==(const will_topic_fields&, const will_topic_fields&) = default;
};

/// WILLTOPIC (§5.4.7). `will` is empty for the "empty WILLTOPIC" (exactly 2 octets, no Flags),
/// which deletes the will topic and will message.
struct willtopic_msg {
    static constexpr msg_type type = msg_type::willtopic;
    std::optional<will_topic_fields> will{};
    friend bool operator==(const willtopic_msg&, const willtopic_msg&) = default;
};

/// WILLMSGREQ (§5.4.8): header only.
struct willmsgreq_msg {
    static constexpr msg_type type = msg_type::willmsgreq;
    friend bool operator==(const willmsgreq_msg&, const willmsgreq_msg&) = default;
};

/// WILLMSG (§5.4.9).
struct willmsg_msg {
    static constexpr msg_type type = msg_type::willmsg;
    std::vector<std::byte> will_msg{};
    friend bool operator==(const willmsg_msg&, const willmsg_msg&) = default;
};

/// REGISTER (§5.4.10). topic_id is 0x0000 from a client, the assigned id from a gateway.
struct register_msg {
    static constexpr msg_type type = msg_type::register_;
    std::uint16_t topic_id = 0;
    std::uint16_t msg_id = 0;
    std::string topic_name{}; // UTF-8, not empty
    friend bool operator==(const register_msg&, const register_msg&) = default;
};

/// REGACK (§5.4.11).
struct regack_msg {
    static constexpr msg_type type = msg_type::regack;
    std::uint16_t topic_id = 0;
    std::uint16_t msg_id = 0;
    std::uint8_t return_code = return_codes::accepted;
    friend bool operator==(const regack_msg&, const regack_msg&) = default;
};

/// PUBLISH (§5.4.12). For topic_id_type short_name, topic_id holds the two characters of the
/// short topic name, first character in the high octet (as on the wire).
struct publish_msg {
    static constexpr msg_type type = msg_type::publish;
    bool dup = false;
    qos q = qos::zero;
    bool retain = false;
    v1_2::topic_id_type topic_id_type = v1_2::topic_id_type::normal;
    std::uint16_t topic_id = 0;
    std::uint16_t msg_id = 0; // 0x0000 for QoS 0 and -1
    std::vector<std::byte> data{};
    friend bool operator==(const publish_msg&, const publish_msg&) = default;
};

/// PUBACK (§5.4.13).
struct puback_msg {
    static constexpr msg_type type = msg_type::puback;
    std::uint16_t topic_id = 0;
    std::uint16_t msg_id = 0;
    std::uint8_t return_code = return_codes::accepted;
    friend bool operator==(const puback_msg&, const puback_msg&) = default;
};

/// PUBCOMP (§5.4.14).
struct pubcomp_msg {
    static constexpr msg_type type = msg_type::pubcomp;
    std::uint16_t msg_id = 0;
    friend bool operator==(const pubcomp_msg&, const pubcomp_msg&) = default;
};

/// PUBREC (§5.4.14).
struct pubrec_msg {
    static constexpr msg_type type = msg_type::pubrec;
    std::uint16_t msg_id = 0;
    friend bool operator==(const pubrec_msg&, const pubrec_msg&) = default;
};

/// PUBREL (§5.4.14).
struct pubrel_msg {
    static constexpr msg_type type = msg_type::pubrel;
    std::uint16_t msg_id = 0;
    friend bool operator==(const pubrel_msg&, const pubrel_msg&) = default;
};

/// SUBSCRIBE (§5.4.15). Which topic field is on the wire depends on topic_id_type:
/// normal → topic_name (a topic filter, wildcards allowed, rest of the message);
/// predefined → topic_id (2 octets); short_name → topic_name (exactly 2 characters).
/// The field not on the wire stays at its default.
struct subscribe_msg {
    static constexpr msg_type type = msg_type::subscribe;
    bool dup = false;
    qos q = qos::zero; // requested QoS; never minus_one
    v1_2::topic_id_type topic_id_type = v1_2::topic_id_type::normal;
    std::uint16_t msg_id = 0;
    std::string topic_name{};
    std::uint16_t topic_id = 0;
    friend bool operator==(const subscribe_msg&, const subscribe_msg&) = default;
};

/// SUBACK (§5.4.16).
struct suback_msg {
    static constexpr msg_type type = msg_type::suback;
    qos q = qos::zero; // granted QoS; never minus_one
    std::uint16_t topic_id = 0;
    std::uint16_t msg_id = 0;
    std::uint8_t return_code = return_codes::accepted;
    friend bool operator==(const suback_msg&, const suback_msg&) = default;
};

/// UNSUBSCRIBE (§5.4.17). Topic fields as in subscribe_msg.
struct unsubscribe_msg {
    static constexpr msg_type type = msg_type::unsubscribe;
    v1_2::topic_id_type topic_id_type = v1_2::topic_id_type::normal;
    std::uint16_t msg_id = 0;
    std::string topic_name{};
    std::uint16_t topic_id = 0;
    friend bool operator==(const unsubscribe_msg&, const unsubscribe_msg&) = default;
};

/// UNSUBACK (§5.4.18).
struct unsuback_msg {
    static constexpr msg_type type = msg_type::unsuback;
    std::uint16_t msg_id = 0;
    friend bool operator==(const unsuback_msg&, const unsuback_msg&) = default;
};

/// PINGREQ (§5.4.19). client_id is present when a sleeping client wakes up (§6.14); decode
/// yields std::nullopt for a bare PINGREQ (an engaged empty client_id encodes the same way).
struct pingreq_msg {
    static constexpr msg_type type = msg_type::pingreq;
    std::optional<std::string> client_id{};
    friend bool operator==(const pingreq_msg&, const pingreq_msg&) = default;
};

/// PINGRESP (§5.4.20): header only.
struct pingresp_msg {
    static constexpr msg_type type = msg_type::pingresp;
    friend bool operator==(const pingresp_msg&, const pingresp_msg&) = default;
};

/// DISCONNECT (§5.4.21). duration (sleep timer, seconds) is present only when a client goes to
/// sleep; a gateway's DISCONNECT never has it.
struct disconnect_msg {
    static constexpr msg_type type = msg_type::disconnect;
    std::optional<std::uint16_t> duration{};
    friend bool operator==(const disconnect_msg&, const disconnect_msg&) = default;
};

/// WILLTOPICUPD (§5.4.22). `will` is empty for the empty WILLTOPICUPD (2 octets), which deletes
/// the will topic and will message.
struct willtopicupd_msg {
    static constexpr msg_type type = msg_type::willtopicupd;
    std::optional<will_topic_fields> will{};
    friend bool operator==(const willtopicupd_msg&, const willtopicupd_msg&) = default;
};

/// WILLTOPICRESP (§5.4.24).
struct willtopicresp_msg {
    static constexpr msg_type type = msg_type::willtopicresp;
    std::uint8_t return_code = return_codes::accepted;
    friend bool operator==(const willtopicresp_msg&, const willtopicresp_msg&) = default;
};

/// WILLMSGUPD (§5.4.23).
struct willmsgupd_msg {
    static constexpr msg_type type = msg_type::willmsgupd;
    std::vector<std::byte> will_msg{};
    friend bool operator==(const willmsgupd_msg&, const willmsgupd_msg&) = default;
};

/// WILLMSGRESP (§5.4.25).
struct willmsgresp_msg {
    static constexpr msg_type type = msg_type::willmsgresp;
    std::uint8_t return_code = return_codes::accepted;
    friend bool operator==(const willmsgresp_msg&, const willmsgresp_msg&) = default;
};

/// Forwarder encapsulation (§5.5): Length (covering only this header), 0xFE, Ctrl, Wireless
/// Node Id, then a complete MQTT-SN message. The inner message is kept as its raw octets; decode
/// has checked its framing (Length == its size) and that it is not itself an encapsulation, not
/// its content: the node behind the forwarder may speak v1.2 or v2.0, and the gateway decodes it
/// with that node's version.
struct encapsulated_msg {
    static constexpr msg_type type = msg_type::encapsulated;
    std::uint8_t radius = 0;                   // Ctrl bits 1..0; bits 7..2 reserved
    std::vector<std::byte> wireless_node_id{}; // opaque, 1..252 octets
    std::vector<std::byte> message{};          // the encapsulated MQTT-SN message
    friend bool operator==(const encapsulated_msg&, const encapsulated_msg&) = default;
};

using message =
    std::variant<advertise_msg, searchgw_msg, gwinfo_msg, connect_msg, connack_msg, willtopicreq_msg,
                 willtopic_msg, willmsgreq_msg, willmsg_msg, register_msg, regack_msg, publish_msg,
                 puback_msg, pubcomp_msg, pubrec_msg, pubrel_msg, subscribe_msg, suback_msg, unsubscribe_msg,
                 unsuback_msg, pingreq_msg, pingresp_msg, disconnect_msg, willtopicupd_msg, willtopicresp_msg,
                 willmsgupd_msg, willmsgresp_msg, encapsulated_msg>;

} // namespace sngw::sn::v1_2
