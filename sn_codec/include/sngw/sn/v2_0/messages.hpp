// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

/// MQTT-SN 2.0 (OASIS CSD01, the copy pinned in specs/mqtt-sn-v2.0-csd01.md): one plain struct per
/// packet, mirroring the wire. Flags become named fields; a field the spec makes optional (by a
/// flag or by the packet length) is a std::optional, so "absent" and "present with the default
/// value" stay different and round-trip. Reason codes are plain octets so that codes this version
/// does not define still round-trip; their meaning is for the core (and describe.cpp).
///
/// Fields whose presence follows from another field (the Packet Identifier of a PUBLISH follows
/// its QoS; a topic alias or a topic name follows the Topic Type) are plain members: the one that
/// does not apply is ignored by encode() and left at its default by decode().
namespace sngw::sn::v2_0 {

/// MQTT-SN 2.0 §2.1.3 Figure 2-4. Every value not listed is reserved (0x00, 0x19-0xFB, 0xFD).
enum class msg_type : std::uint8_t {
    connect = 0x01,
    connack = 0x02,
    publish = 0x03,
    puback = 0x04,
    pubrec = 0x05,
    pubrel = 0x06,
    pubcomp = 0x07,
    subscribe = 0x08,
    suback = 0x09,
    unsubscribe = 0x0A,
    unsuback = 0x0B,
    pingreq = 0x0C,
    pingresp = 0x0D,
    disconnect = 0x0E,
    auth = 0x0F,
    register_ = 0x10, // "register" is a C++ keyword
    regack = 0x11,
    pubwos = 0x12,
    sleepreq = 0x13,
    sleepresp = 0x14,
    wakeup = 0x15,
    advertise = 0x16,
    searchgw = 0x17,
    gwinfo = 0x18,
    forwarder_encapsulation = 0xFC,
    connection_encapsulation = 0xFE,
    protection_encapsulation = 0xFF,
};

/// MQTT-SN 2.0 §3.6.2.2.2 Figure 3-10. The value 3 is reserved and never decoded.
enum class qos : std::uint8_t { qos0 = 0, qos1 = 1, qos2 = 2 };

/// MQTT-SN 2.0 §2.4 Figure 2-8. 0b10 is reserved and never decoded. Note that 0b00 means a
/// session alias here, where it meant a normal topic id in v1.2.
enum class topic_type : std::uint8_t { session_alias = 0b00, predefined_alias = 0b01, topic_name = 0b11 };

/// MQTT-SN 2.0 §3.7.2.2 SUBSCRIBE Retain Handling. The value 3 is a protocol error, never decoded.
enum class retain_handling : std::uint8_t {
    send_on_subscribe = 0,
    send_if_new_subscription = 1,
    do_not_send = 2,
};

/// Will fields of CONNECT (MQTT-SN 2.0 §3.1.3, §3.1.10-§3.1.13).
struct will_fields {
    bool retain = false;
    qos q = qos::qos0;
    v2_0::topic_type topic_type = v2_0::topic_type::topic_name;
    std::uint16_t topic_alias = 0;    // Will Topic Alias, when topic_type is an alias
    std::string topic_name{};         // Will Topic Name, when topic_type is topic_name (1..65535 octets)
    std::vector<std::byte> payload{}; // Will Payload (0..65535 octets)
    friend bool operator==(const will_fields&, const will_fields&) = default;
};

/// Authentication Method and Data of CONNECT / CONNACK (MQTT-SN 2.0 §3.1.14-§3.1.17, §3.2.7-§3.2.10).
struct auth_fields {
    std::string method{};          // UTF-8, 0..255 octets (1-octet length)
    std::vector<std::byte> data{}; // 0..65535 octets (2-octet length)
    friend bool operator==(const auth_fields&, const auth_fields&) = default;
};

/// CONNECT (MQTT-SN 2.0 §3.1). Protocol Version is always 0x02: decode rejects anything else.
struct connect_msg {
    bool clean_start = false;
    bool allow_network_address_changes = false; // "Net Addr", bit 5
    bool allow_server_suggested_values = false; // "Srv Sugg", bit 6
    std::uint16_t packet_id = 0;
    std::uint16_t keep_alive = 0;                           // seconds, 1..65535
    std::uint16_t maximum_packet_size = 0;                  // 0 = no limit, else >= 10
    std::optional<std::uint8_t> default_awake_messages{};   // DAM flag
    std::optional<std::uint32_t> session_expiry_interval{}; // Sess Exp flag
    std::optional<will_fields> will{};                      // Will flag
    std::optional<auth_fields> auth{};                      // Auth flag
    std::string client_id{}; // rest of the packet; empty = "assign me one" (§3.2.11)
    friend bool operator==(const connect_msg&, const connect_msg&) = default;
};

/// CONNACK (MQTT-SN 2.0 §3.2).
struct connack_msg {
    bool session_present = false;
    std::uint16_t packet_id = 0;
    std::uint8_t reason_code = 0;
    std::optional<std::uint32_t> session_expiry_interval{}; // Sess Exp flag
    std::optional<std::uint16_t> server_keep_alive{};       // Server KA flag
    std::optional<auth_fields> auth{};                      // Auth flag
    std::optional<std::string> assigned_client_id{};        // rest of the packet, when not empty
    friend bool operator==(const connack_msg&, const connack_msg&) = default;
};

/// AUTH (MQTT-SN 2.0 §3.3).
struct auth_msg {
    std::uint16_t packet_id = 0;
    std::uint8_t reason_code = 0;
    std::string auth_method{};          // UTF-8, 0..255 octets (1-octet length)
    std::vector<std::byte> auth_data{}; // rest of the packet
    friend bool operator==(const auth_msg&, const auth_msg&) = default;
};

/// REGISTER (MQTT-SN 2.0 §3.4). A client's REGISTER has no alias, a server's has one (§3.4-1/2):
/// that depends on the direction, so it is the core's check.
struct register_msg {
    std::uint16_t packet_id = 0;
    std::optional<std::uint16_t> topic_alias{}; // Topic Alias flag
    std::string topic_name{};                   // rest of the packet, UTF-8, not empty
    friend bool operator==(const register_msg&, const register_msg&) = default;
};

/// REGACK (MQTT-SN 2.0 §3.5).
struct regack_msg {
    v2_0::topic_type topic_type = v2_0::topic_type::session_alias; // session or predefined only
    std::uint16_t packet_id = 0;
    std::optional<std::uint16_t> topic_alias{}; // Topic Alias flag
    std::optional<std::uint8_t> reason_code{};  // present when the packet is long enough
    friend bool operator==(const regack_msg&, const regack_msg&) = default;
};

/// PUBLISH (MQTT-SN 2.0 §3.6.2).
struct publish_msg {
    bool dup = false; // only with QoS 2
    qos q = qos::qos0;
    bool retain = false;
    v2_0::topic_type topic_type = v2_0::topic_type::session_alias;
    std::uint16_t packet_id = 0;   // on the wire only for QoS 1 and 2
    std::uint16_t topic_alias = 0; // when topic_type is an alias
    std::string topic_name{};      // when topic_type is topic_name (UTF-8, 1..65535 octets)
    std::vector<std::byte> payload{};
    friend bool operator==(const publish_msg&, const publish_msg&) = default;
};

/// PUBACK (MQTT-SN 2.0 §3.6.3).
struct puback_msg {
    std::uint16_t packet_id = 0;
    std::optional<std::uint8_t> reason_code{};
    friend bool operator==(const puback_msg&, const puback_msg&) = default;
};

/// PUBREC (MQTT-SN 2.0 §3.6.4).
struct pubrec_msg {
    std::uint16_t packet_id = 0;
    std::optional<std::uint8_t> reason_code{};
    friend bool operator==(const pubrec_msg&, const pubrec_msg&) = default;
};

/// PUBREL (MQTT-SN 2.0 §3.6.5).
struct pubrel_msg {
    std::uint16_t packet_id = 0;
    std::optional<std::uint8_t> reason_code{};
    friend bool operator==(const pubrel_msg&, const pubrel_msg&) = default;
};

/// PUBCOMP (MQTT-SN 2.0 §3.6.6).
struct pubcomp_msg {
    std::uint16_t packet_id = 0;
    std::optional<std::uint8_t> reason_code{};
    friend bool operator==(const pubcomp_msg&, const pubcomp_msg&) = default;
};

/// PUBWOS, publish without session (MQTT-SN 2.0 §3.6.1). Treated as QoS 0; no packet id.
struct pubwos_msg {
    bool retain = false;
    v2_0::topic_type topic_type = v2_0::topic_type::predefined_alias; // predefined or topic name only
    std::uint16_t topic_alias = 0;                                    // when topic_type is predefined_alias
    std::string topic_name{}; // when topic_type is topic_name (UTF-8, 1..65535 octets)
    std::vector<std::byte> payload{};
    friend bool operator==(const pubwos_msg&, const pubwos_msg&) = default;
};

/// SUBSCRIBE (MQTT-SN 2.0 §3.7).
struct subscribe_msg {
    bool no_local = false;
    qos q = qos::qos0; // maximum QoS
    bool retain_as_published = false;
    v2_0::retain_handling retain_handling = v2_0::retain_handling::send_on_subscribe;
    v2_0::topic_type topic_type = v2_0::topic_type::topic_name;
    std::uint16_t packet_id = 0;
    std::uint16_t topic_alias = 0; // when topic_type is an alias
    std::string topic_filter{};    // when topic_type is topic_name (rest of the packet, UTF-8, not empty)
    friend bool operator==(const subscribe_msg&, const subscribe_msg&) = default;
};

/// SUBACK (MQTT-SN 2.0 §3.8).
struct suback_msg {
    v2_0::topic_type topic_type = v2_0::topic_type::predefined_alias; // session or predefined only
    std::uint16_t packet_id = 0;
    std::optional<std::uint16_t> topic_alias{}; // Topic Alias flag; without it the type is predefined
    std::optional<std::uint8_t> reason_code{};  // granted QoS or failure
    friend bool operator==(const suback_msg&, const suback_msg&) = default;
};

/// UNSUBSCRIBE (MQTT-SN 2.0 §3.9).
struct unsubscribe_msg {
    v2_0::topic_type topic_type = v2_0::topic_type::topic_name;
    std::uint16_t packet_id = 0;
    std::uint16_t topic_alias = 0; // when topic_type is an alias
    std::string topic_filter{};    // when topic_type is topic_name (rest of the packet, UTF-8, not empty)
    friend bool operator==(const unsubscribe_msg&, const unsubscribe_msg&) = default;
};

/// UNSUBACK (MQTT-SN 2.0 §3.10).
struct unsuback_msg {
    std::uint16_t packet_id = 0;
    std::optional<std::uint8_t> reason_code{};
    friend bool operator==(const unsuback_msg&, const unsuback_msg&) = default;
};

/// PINGREQ (MQTT-SN 2.0 §3.11). No Client Id any more (it moved to the Connection Encapsulation).
struct pingreq_msg {
    std::uint16_t packet_id = 0;
    friend bool operator==(const pingreq_msg&, const pingreq_msg&) = default;
};

/// PINGRESP (MQTT-SN 2.0 §3.12).
struct pingresp_msg {
    std::uint16_t packet_id = 0;
    /// 0 none, 1..254 that many, 0xFF "some" (Figure 3-22).
    std::optional<std::uint8_t> application_messages_remaining{};
    friend bool operator==(const pingresp_msg&, const pingresp_msg&) = default;
};

/// DISCONNECT (MQTT-SN 2.0 §3.13). Field order on the wire: Packet Identifier, Session Expiry
/// Interval, Reason Code, Reason String.
struct disconnect_msg {
    std::optional<std::uint16_t> packet_id{};               // PacketId flag
    std::optional<std::uint32_t> session_expiry_interval{}; // Sess Exp flag
    std::optional<std::uint8_t> reason_code{};              // Reason C flag; absent = 0x00
    std::optional<std::string> reason_string{};             // rest of the packet, when not empty
    friend bool operator==(const disconnect_msg&, const disconnect_msg&) = default;
};

/// WAKEUP (MQTT-SN 2.0 §3.14): header only.
struct wakeup_msg {
    friend bool operator==(const wakeup_msg&, const wakeup_msg&) = default;
};

/// SLEEPREQ (MQTT-SN 2.0 §3.15).
struct sleepreq_msg {
    bool retain_topic_aliases = false;
    std::uint16_t packet_id = 0;
    std::uint32_t sleep_duration = 0; // seconds, > 0
    friend bool operator==(const sleepreq_msg&, const sleepreq_msg&) = default;
};

/// SLEEPRESP (MQTT-SN 2.0 §3.16).
struct sleepresp_msg {
    std::uint16_t packet_id = 0;
    std::optional<std::uint32_t> sleep_duration{}; // Sleep Dur flag
    std::optional<std::uint8_t> reason_code{};     // present when the packet is long enough
    friend bool operator==(const sleepresp_msg&, const sleepresp_msg&) = default;
};

/// ADVERTISE (MQTT-SN 2.0 §3.20.1).
struct advertise_msg {
    std::uint8_t gateway_id = 0;
    std::uint16_t duration = 0; // seconds until the next ADVERTISE
    friend bool operator==(const advertise_msg&, const advertise_msg&) = default;
};

/// SEARCHGW (MQTT-SN 2.0 §3.20.2). The v1.2 Radius is gone.
struct searchgw_msg {
    std::vector<std::byte> additional_network_information{}; // rest of the packet, may be empty
    friend bool operator==(const searchgw_msg&, const searchgw_msg&) = default;
};

/// GWINFO (MQTT-SN 2.0 §3.20.3).
struct gwinfo_msg {
    std::uint8_t gateway_id = 0;
    std::vector<std::byte> gateway_address{}; // rest of the packet; only when a client answers
    friend bool operator==(const gwinfo_msg&, const gwinfo_msg&) = default;
};

/// Forwarder Encapsulation 0xFC (MQTT-SN 2.0 §3.19). The Length spans the whole packet (TC
/// change #144). `message` is the encapsulated packet as raw bytes; decode has checked its framing
/// and that it is not itself a Forwarder Encapsulation, not its content: the node behind the
/// forwarder may speak v1.2 or v2.0, and the gateway decodes it with that node's version.
struct forwarder_encapsulation_msg {
    std::vector<std::byte> client_addressing_information{}; // 0..255 octets (1-octet length)
    std::vector<std::byte> message{};
    friend bool operator==(const forwarder_encapsulation_msg&, const forwarder_encapsulation_msg&) = default;
};

/// Connection Encapsulation 0xFE (MQTT-SN 2.0 §3.18). `message` is the encapsulated packet as raw
/// bytes; decode has checked that it decodes as v2.0 and is one of the seven packet types the
/// spec allows here (MQTT-SN-3.18-3).
struct connection_encapsulation_msg {
    std::string client_id{}; // UTF-8, 0..65535 octets (2-octet length)
    std::vector<std::byte> message{};
    friend bool operator==(const connection_encapsulation_msg&,
                           const connection_encapsulation_msg&) = default;
};

/// Protection Encapsulation 0xFF (MQTT-SN 2.0 §3.17), decoded as an envelope: the fields whose
/// size the spec fixes, then the Protected MQTT-SN Packet and the Authentication Tag together as
/// opaque octets (see decode.cpp for why they are not split). The Crypto Length and Counter
/// Length codes of the Protection Flags follow from the sizes of the two vectors.
struct protection_encapsulation_msg {
    std::uint8_t authentication_tag_length = 0; // the 4-bit code of Protection Flags bits 7-4
    std::uint8_t protection_scheme = 0;         // Figure 3-28
    std::array<std::byte, 8> sender_id{};       // Sender Identifier
    std::array<std::byte, 4> random{};
    std::vector<std::byte> cryptographic_material{}; // 0, 2, 4 or 12 octets
    std::vector<std::byte> monotonic_counter{};      // 0, 2 or 4 octets, big-endian
    std::vector<std::byte> protected_packet_and_tag{};
    friend bool operator==(const protection_encapsulation_msg&,
                           const protection_encapsulation_msg&) = default;
};

using message =
    std::variant<connect_msg, connack_msg, auth_msg, register_msg, regack_msg, publish_msg, puback_msg,
                 pubrec_msg, pubrel_msg, pubcomp_msg, pubwos_msg, subscribe_msg, suback_msg, unsubscribe_msg,
                 unsuback_msg, pingreq_msg, pingresp_msg, disconnect_msg, sleepreq_msg, sleepresp_msg,
                 wakeup_msg, advertise_msg, searchgw_msg, gwinfo_msg, forwarder_encapsulation_msg,
                 connection_encapsulation_msg, protection_encapsulation_msg>;

} // namespace sngw::sn::v2_0
