// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 (CSD01) vectors: every packet of §2.1.3 Figure 2-4 with its optional parts and flag
// combinations, every Topic Type a packet can carry, both Length forms and the 255/256 octet
// boundary (§2.1.2), and the spec's own examples: the two DISCONNECTs that §3.13 describes in
// words (0x8B Server shutting down; 0xF4 echoing the offending Packet Identifier, §3.13.3), as
// specs/digest.md B.4 writes them out, the MQTT-BASIC CONNECT of §4.11.1.2 Figure 4-6, the UUID
// of §3.2.11 and the UTF-8 string "A\U0002A6D4" of §1.8.4 Figure 1-2. The spec text has no other
// byte sequences. Each wire form is commented field by field.
#include "sn_vectors.hpp"

#include "support/hex.hpp"

#include <array>
#include <string>

namespace sngw::test {
namespace {

using namespace sn::v2_0;

template <std::size_t N> std::array<std::byte, N> arr(std::string_view text)
{
    const auto v = hex(text);
    std::array<std::byte, N> a{};
    for (std::size_t i = 0; i < N && i < v.size(); ++i)
        a[i] = v[i];
    return a;
}

std::vector<sn_v2_0_vector> make()
{
    std::vector<sn_v2_0_vector> v;

    // ---- §3.1 CONNECT
    v.push_back({"CONNECT, minimal: no flags, no client id",
                 hex("0a"      // Length 10: the smallest CONNECT (MQTT-SN-3.1.7-1)
                     "01"      // Packet Type CONNECT
                     "00"      // Connect Flags: none
                     "12 34"   // Packet Identifier 0x1234
                     "02"      // Protocol Version 2.0
                     "00 3c"   // Keep Alive 60 s
                     "00 00"), // Maximum Packet Size 0 (no limit); Client Identifier absent
                 connect_msg{.packet_id = 0x1234, .keep_alive = 60}});
    v.push_back({"CONNECT, clean start, client id dev",
                 hex("0d 01"      // Length 13, CONNECT
                     "01"         // Connect Flags: Clean Start
                     "00 01"      // Packet Identifier 1
                     "02"         // Protocol Version 2.0
                     "00 3c"      // Keep Alive 60 s
                     "00 00"      // Maximum Packet Size 0
                     "64 65 76"), // Client Identifier "dev"
                 connect_msg{.clean_start = true, .packet_id = 1, .keep_alive = 60, .client_id = "dev"}});
    v.push_back({"CONNECT, every optional field: will on a topic name, auth, session expiry, awake messages",
                 hex("2a 01" // Length 42, CONNECT
                     "7f"    // Connect Flags: Srv Sugg, Net Addr, DAM, Sess Exp, Auth, Will, Clean Start
                     "17"    // Will Flags: Will Retain, Will QoS 1, Will Topic Type 0b11 (name)
                     "00 02" // Packet Identifier 2
                     "02"    // Protocol Version 2.0
                     "00 1e" // Keep Alive 30 s
                     "01 00" // Maximum Packet Size 256
                     "05"    // Default Awake Messages 5
                     "00 00 0e 10"    // Session Expiry Interval 3600 s
                     "00 05"          // Will Topic Name Length 5
                     "77 2f 74 6f 70" // Will Topic Name "w/top"
                     "00 03"          // Will Payload Length 3
                     "62 79 65"       // Will Payload "bye"
                     "05"             // Authentication Method Length 5
                     "50 4c 41 49 4e" // Authentication Method "PLAIN"
                     "00 02"          // Authentication Data Length 2
                     "01 02"          // Authentication Data
                     "64 65 76 31"),  // Client Identifier "dev1"
                 connect_msg{.clean_start = true,
                             .allow_network_address_changes = true,
                             .allow_server_suggested_values = true,
                             .packet_id = 2,
                             .keep_alive = 30,
                             .maximum_packet_size = 256,
                             .default_awake_messages = 5,
                             .session_expiry_interval = 3600,
                             .will = will_fields{.retain = true,
                                                 .q = qos::qos1,
                                                 .topic_type = topic_type::topic_name,
                                                 .topic_name = "w/top",
                                                 .payload = bytes("bye")},
                             .auth = auth_fields{.method = "PLAIN", .data = hex("01 02")},
                             .client_id = "dev1"}});
    v.push_back({"CONNECT, will on a predefined topic alias at QoS 2 with an empty payload",
                 hex("10 01" // Length 16, CONNECT
                     "03"    // Connect Flags: Will, Clean Start
                     "09"    // Will Flags: Will QoS 2, Will Topic Type 0b01 (predefined alias)
                     "00 03" // Packet Identifier 3
                     "02"    // Protocol Version 2.0
                     "00 0a" // Keep Alive 10 s
                     "00 40" // Maximum Packet Size 64
                     "00 07" // Will Topic Alias 7
                     "00 00" // Will Payload Length 0
                     "63"),  // Client Identifier "c"
                 connect_msg{.clean_start = true,
                             .packet_id = 3,
                             .keep_alive = 10,
                             .maximum_packet_size = 64,
                             .will = will_fields{.q = qos::qos2,
                                                 .topic_type = topic_type::predefined_alias,
                                                 .topic_alias = 7},
                             .client_id = "c"}});
    v.push_back(
        {"CONNECT, will on a session topic alias, session expiry 0xFFFFFFFF (never)",
         hex("14 01"       // Length 20, CONNECT
             "0a"          // Connect Flags: Sess Exp, Will
             "00"          // Will Flags: QoS 0, Will Topic Type 0b00 (session alias)
             "00 04"       // Packet Identifier 4
             "02"          // Protocol Version 2.0
             "ff ff"       // Keep Alive 65535 s
             "00 0a"       // Maximum Packet Size 10 (the smallest allowed)
             "ff ff ff ff" // Session Expiry Interval: the session does not expire
             "00 01"       // Will Topic Alias 1
             "00 01"       // Will Payload Length 1
             "00"),        // Will Payload; Client Identifier absent
         connect_msg{.packet_id = 4,
                     .keep_alive = 0xFFFF,
                     .maximum_packet_size = 10,
                     .session_expiry_interval = 0xFFFFFFFF,
                     .will = will_fields{
                         .topic_type = topic_type::session_alias, .topic_alias = 1, .payload = hex("00")}}});
    // §4.11.1.2 Figure 4-6 shows this CONNECT as 30 octets with Packet Type 5 and no Protocol
    // Version: the figure predates the renumbering of the packet types and the Protocol Version
    // field. Here it is in the layout of §3.1 (Type 0x01, Protocol Version 2, so 31 octets).
    v.push_back({"CONNECT, MQTT-BASIC user name and password (the example of Figure 4-6)",
                 hex("1f 01"                         // Length 31, CONNECT
                     "05"                            // Connect Flags: Auth, Clean Start
                     "00 01"                         // Packet Identifier 1
                     "02"                            // Protocol Version 2.0
                     "00 3c"                         // Keep Alive 60 s
                     "00 64"                         // Maximum Packet Size 100
                     "0a"                            // Authentication Method Length 10
                     "4d 51 54 54 2d 42 41 53 49 43" // "MQTT-BASIC"
                     "00 07"                         // Authentication Data Length 7:
                     "00 01 4d"                      //   MQTT User Name length 1, "M"
                     "00 02 50 57"                   //   MQTT Password length 2, "PW"
                     "43"),                          // Client Identifier "C"
                 connect_msg{.clean_start = true,
                             .packet_id = 1,
                             .keep_alive = 60,
                             .maximum_packet_size = 100,
                             .auth = auth_fields{.method = "MQTT-BASIC", .data = hex("00 01 4d 00 02 50 57")},
                             .client_id = "C"}});
    v.push_back({"CONNECT in the 3-octet Length form",
                 hex("01 00 0c" // Length 12 in the 3-octet form (short form would do)
                     "01"       // CONNECT
                     "00"       // Connect Flags
                     "12 34"    // Packet Identifier
                     "02"       // Protocol Version 2.0
                     "00 3c"    // Keep Alive 60 s
                     "00 00"),  // Maximum Packet Size 0
                 connect_msg{.packet_id = 0x1234, .keep_alive = 60}, false});
    v.push_back({"CONNECT with a 260-octet client id (3-octet Length)",
                 cat(hex("01 01 10"                 // Length 272
                         "01"                       // CONNECT
                         "00"                       // Connect Flags
                         "00 01"                    // Packet Identifier 1
                         "02"                       // Protocol Version 2.0
                         "00 3c"                    // Keep Alive 60 s
                         "00 00"),                  // Maximum Packet Size 0
                     bytes(std::string(260, 'a'))), // Client Identifier "aaa..."
                 connect_msg{.packet_id = 1, .keep_alive = 60, .client_id = std::string(260, 'a')}});

    // ---- §3.2 CONNACK
    v.push_back({"CONNACK, Success",
                 hex("06 02" // Length 6, CONNACK
                     "00"    // CONNACK Flags: none
                     "12 34" // Packet Identifier 0x1234
                     "00"),  // Reason Code Success
                 connack_msg{.packet_id = 0x1234, .reason_code = 0x00}});
    v.push_back({"CONNACK, Success with session present",
                 hex("06 02" // Length 6, CONNACK
                     "01"    // CONNACK Flags: Session Present
                     "00 01" // Packet Identifier 1
                     "00"),  // Reason Code Success
                 connack_msg{.session_present = true, .packet_id = 1}});
    v.push_back({"CONNACK, Unsupported Protocol Version",
                 hex("06 02" // Length 6, CONNACK
                     "00"    // CONNACK Flags
                     "00 07" // Packet Identifier 7
                     "84"),  // Reason Code 0x84 Unsupported Protocol Version (MQTT-SN-3.1.5-2)
                 connack_msg{.packet_id = 7, .reason_code = 0x84}});
    v.push_back({"CONNACK, every optional field",
                 hex("1c 02"               // Length 28, CONNACK
                     "0f"                  // CONNACK Flags: Auth, Server KA, Sess Exp, Session Present
                     "00 02"               // Packet Identifier 2
                     "00"                  // Reason Code Success
                     "00 00 01 2c"         // Session Expiry Interval 300 s
                     "00 1e"               // Server Keep Alive 30 s
                     "05"                  // Authentication Method Length 5
                     "50 4c 41 49 4e"      // "PLAIN"
                     "00 02"               // Authentication Data Length 2
                     "6f 6b"               // Authentication Data "ok"
                     "64 65 76 2d 34 32"), // Assigned Client Identifier "dev-42"
                 connack_msg{.session_present = true,
                             .packet_id = 2,
                             .reason_code = 0x00,
                             .session_expiry_interval = 300,
                             .server_keep_alive = 30,
                             .auth = auth_fields{.method = "PLAIN", .data = bytes("ok")},
                             .assigned_client_id = "dev-42"}});
    v.push_back({"CONNACK with the assigned client id of 3.2.11 (a UUID)",
                 hex("2a 02" // Length 42, CONNACK
                     "00"    // CONNACK Flags
                     "00 09" // Packet Identifier 9
                     "00"    // Reason Code Success
                     // Assigned Client Identifier "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
                     "66 38 31 64 34 66 61 65 2d 37 64 65 63 2d 31 31 64 30 2d"
                     "61 37 36 35 2d 30 30 61 30 63 39 31 65 36 62 66 36"),
                 connack_msg{.packet_id = 9, .assigned_client_id = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}});
    v.push_back({"CONNACK with an empty authentication method and data",
                 hex("09 02"   // Length 9, CONNACK
                     "08"      // CONNACK Flags: Auth
                     "00 0a"   // Packet Identifier 10
                     "00"      // Reason Code Success
                     "00"      // Authentication Method Length 0
                     "00 00"), // Authentication Data Length 0
                 connack_msg{.packet_id = 10, .auth = auth_fields{}}});

    // ---- §3.3 AUTH
    v.push_back({"AUTH, Continue authentication (SCRAM, as in 4.11.1)",
                 hex("14 0f"                            // Length 20, AUTH
                     "00 02"                            // Packet Identifier 2
                     "18"                               // Reason Code 0x18 Continue authentication
                     "0b"                               // Authentication Method Length 11
                     "53 43 52 41 4d 2d 53 48 41 2d 31" // "SCRAM-SHA-1"
                     "01 02 03"),                       // Authentication Data (rest of the packet)
                 auth_msg{.packet_id = 2,
                          .reason_code = 0x18,
                          .auth_method = "SCRAM-SHA-1",
                          .auth_data = hex("01 02 03")}});
    v.push_back({"AUTH, Re-authenticate without data (GS2-KRB5)",
                 hex("0e 0f"                     // Length 14, AUTH
                     "00 03"                     // Packet Identifier 3
                     "19"                        // Reason Code 0x19 Re-authenticate
                     "08"                        // Authentication Method Length 8
                     "47 53 32 2d 4b 52 42 35"), // "GS2-KRB5"; no Authentication Data
                 auth_msg{.packet_id = 3, .reason_code = 0x19, .auth_method = "GS2-KRB5"}});

    // ---- §3.4 REGISTER
    v.push_back({"REGISTER from a client: no topic alias",
                 hex("08 10"      // Length 8, REGISTER
                     "00"         // REGISTER Flags: no Topic Alias
                     "00 01"      // Packet Identifier 1
                     "61 2f 62"), // Topic Name "a/b"
                 register_msg{.packet_id = 1, .topic_name = "a/b"}});
    v.push_back({"REGISTER from a server: session topic alias 5",
                 hex("0a 10"      // Length 10, REGISTER
                     "01"         // REGISTER Flags: Topic Alias
                     "00 02"      // Packet Identifier 2
                     "00 05"      // Topic Alias 5
                     "61 2f 62"), // Topic Name "a/b"
                 register_msg{.packet_id = 2, .topic_alias = 5, .topic_name = "a/b"}});
    v.push_back({"REGISTER of the UTF-8 example of 1.8.4 (A, U+2A6D4)",
                 hex("0a 10"            // Length 10, REGISTER
                     "00"               // REGISTER Flags
                     "00 03"            // Packet Identifier 3
                     "41 f0 aa 9b 94"), // Topic Name "A\U0002A6D4" (Figure 1-2)
                 register_msg{.packet_id = 3, .topic_name = "A\xF0\xAA\x9B\x94"}});

    // ---- §3.5 REGACK
    v.push_back({"REGACK from a server: session topic alias 5, Success",
                 hex("08 11" // Length 8, REGACK
                     "04"    // REGACK Flags: Topic Alias, Topic Type 0b00 (session alias)
                     "00 01" // Packet Identifier 1
                     "00 05" // Topic Alias 5
                     "00"),  // Reason Code Success
                 regack_msg{.topic_type = topic_type::session_alias,
                            .packet_id = 1,
                            .topic_alias = 5,
                            .reason_code = 0x00}});
    v.push_back({"REGACK, Topic Alias Exists with the predefined alias (MQTT-SN-4.7.2.2-5)",
                 hex("08 11" // Length 8, REGACK
                     "05"    // REGACK Flags: Topic Alias, Topic Type 0b01 (predefined alias)
                     "00 02" // Packet Identifier 2
                     "00 07" // Topic Alias 7
                     "1a"),  // Reason Code 0x1A Topic Alias Exists
                 regack_msg{.topic_type = topic_type::predefined_alias,
                            .packet_id = 2,
                            .topic_alias = 7,
                            .reason_code = 0x1A}});
    v.push_back({"REGACK from a client: no alias, no reason code",
                 hex("05 11"   // Length 5, REGACK
                     "00"      // REGACK Flags: Topic Type 0b00
                     "00 03"), // Packet Identifier 3; Reason Code absent (Success)
                 regack_msg{.packet_id = 3}});
    v.push_back({"REGACK, Quota exceeded, no alias",
                 hex("06 11" // Length 6, REGACK
                     "00"    // REGACK Flags
                     "00 04" // Packet Identifier 4
                     "97"),  // Reason Code 0x97 Quota exceeded
                 regack_msg{.packet_id = 4, .reason_code = 0x97}});

    // ---- §3.6.2 PUBLISH
    v.push_back(
        {"PUBLISH QoS 0 on a session topic alias",
         hex("07 03"   // Length 7, PUBLISH
             "00"      // Flags: DUP 0, QoS 0, Retain 0, Topic Type 0b00 (session alias)
             "00 01"   // Topic Alias 1 (no Packet Identifier at QoS 0)
             "68 69"), // Payload "hi"
         publish_msg{.topic_type = topic_type::session_alias, .topic_alias = 1, .payload = bytes("hi")}});
    v.push_back({"PUBLISH QoS 1 on a predefined topic alias",
                 hex("09 03"   // Length 9, PUBLISH
                     "21"      // Flags: QoS 1, Topic Type 0b01 (predefined alias)
                     "00 02"   // Packet Identifier 2
                     "00 07"   // Topic Alias 7
                     "68 69"), // Payload "hi"
                 publish_msg{.q = qos::qos1,
                             .topic_type = topic_type::predefined_alias,
                             .packet_id = 2,
                             .topic_alias = 7,
                             .payload = bytes("hi")}});
    v.push_back({"PUBLISH QoS 2, DUP, retained, on a topic name",
                 hex("0b 03"    // Length 11, PUBLISH
                     "d3"       // Flags: DUP, QoS 2, Retain, Topic Type 0b11 (name)
                     "00 03"    // Packet Identifier 3
                     "00 03"    // Topic Name Length 3
                     "61 2f 62" // Topic Name "a/b"
                     "01"),     // Payload
                 publish_msg{.dup = true,
                             .q = qos::qos2,
                             .retain = true,
                             .topic_type = topic_type::topic_name,
                             .packet_id = 3,
                             .topic_name = "a/b",
                             .payload = hex("01")}});
    v.push_back({"PUBLISH QoS 0 on a topic name with an empty payload",
                 hex("06 03" // Length 6, PUBLISH
                     "03"    // Flags: QoS 0, Topic Type 0b11 (name)
                     "00 01" // Topic Name Length 1
                     "74"),  // Topic Name "t"; Payload empty
                 publish_msg{.topic_type = topic_type::topic_name, .topic_name = "t"}});
    v.push_back({"PUBLISH of 255 octets: the longest 1-octet Length",
                 cat(hex("ff 03"     // Length 255, PUBLISH
                         "00"        // Flags: QoS 0, session alias
                         "00 01"),   // Topic Alias 1
                     counting(250)), // Payload
                 publish_msg{.topic_alias = 1, .payload = counting(250)}});
    v.push_back({"PUBLISH of 258 octets: the shortest 3-octet Length",
                 cat(hex("01 01 02"  // Length 258 (a body of 254 octets no longer fits 255)
                         "03"        // PUBLISH
                         "00"        // Flags
                         "00 01"),   // Topic Alias 1
                     counting(251)), // Payload
                 publish_msg{.topic_alias = 1, .payload = counting(251)}});
    v.push_back({"PUBLISH of 256 octets in the 3-octet form (its shortest form has 254)",
                 cat(hex("01 01 00"  // Length 256
                         "03"        // PUBLISH
                         "00"        // Flags
                         "00 01"),   // Topic Alias 1
                     counting(249)), // Payload
                 publish_msg{.topic_alias = 1, .payload = counting(249)}, false});
    v.push_back({"PUBLISH of 300 octets, QoS 1 on a topic name",
                 cat(hex("01 01 2c"         // Length 300
                         "03"               // PUBLISH
                         "23"               // Flags: QoS 1, Topic Type 0b11 (name)
                         "00 09"            // Packet Identifier 9
                         "00 05"            // Topic Name Length 5
                         "61 2f 62 2f 63"), // Topic Name "a/b/c"
                     counting(286)),        // Payload
                 publish_msg{.q = qos::qos1,
                             .topic_type = topic_type::topic_name,
                             .packet_id = 9,
                             .topic_name = "a/b/c",
                             .payload = counting(286)}});
    v.push_back({"PUBLISH QoS 0 in the 3-octet Length form",
                 hex("01 00 09" // Length 9 in the 3-octet form
                     "03"       // PUBLISH
                     "00"       // Flags
                     "00 01"    // Topic Alias 1
                     "68 69"),  // Payload "hi"
                 publish_msg{.topic_alias = 1, .payload = bytes("hi")}, false});

    // ---- §3.6.3-§3.6.6 PUBACK, PUBREC, PUBREL, PUBCOMP
    v.push_back({"PUBACK without reason code",
                 hex("04 04"   // Length 4, PUBACK
                     "00 02"), // Packet Identifier 2; Reason Code absent (Success)
                 puback_msg{.packet_id = 2}});
    v.push_back({"PUBACK, No matching subscribers",
                 hex("05 04" // Length 5, PUBACK
                     "00 02" // Packet Identifier 2
                     "10"),  // Reason Code 0x10 No matching subscribers
                 puback_msg{.packet_id = 2, .reason_code = 0x10}});
    v.push_back({"PUBACK, Success given explicitly",
                 hex("05 04" // Length 5, PUBACK
                     "00 05" // Packet Identifier 5
                     "00"),  // Reason Code Success
                 puback_msg{.packet_id = 5, .reason_code = 0x00}});
    v.push_back({"PUBREC without reason code",
                 hex("04 05"   // Length 4, PUBREC
                     "00 03"), // Packet Identifier 3
                 pubrec_msg{.packet_id = 3}});
    v.push_back({"PUBREC, Unspecified error",
                 hex("05 05" // Length 5, PUBREC
                     "00 03" // Packet Identifier 3
                     "80"),  // Reason Code 0x80 Unspecified error
                 pubrec_msg{.packet_id = 3, .reason_code = 0x80}});
    v.push_back({"PUBREL without reason code",
                 hex("04 06"   // Length 4, PUBREL
                     "00 03"), // Packet Identifier 3
                 pubrel_msg{.packet_id = 3}});
    v.push_back({"PUBREL, Packet identifier not found",
                 hex("05 06" // Length 5, PUBREL
                     "00 03" // Packet Identifier 3
                     "92"),  // Reason Code 0x92 Packet identifier not found
                 pubrel_msg{.packet_id = 3, .reason_code = 0x92}});
    v.push_back({"PUBCOMP without reason code",
                 hex("04 07"   // Length 4, PUBCOMP
                     "00 03"), // Packet Identifier 3
                 pubcomp_msg{.packet_id = 3}});
    v.push_back({"PUBCOMP, Success given explicitly",
                 hex("05 07" // Length 5, PUBCOMP
                     "00 03" // Packet Identifier 3
                     "00"),  // Reason Code Success
                 pubcomp_msg{.packet_id = 3, .reason_code = 0x00}});

    // ---- §3.6.1 PUBWOS
    v.push_back({"PUBWOS on a predefined topic alias, retained",
                 hex("07 12"   // Length 7, PUBWOS
                     "11"      // Flags: Retain, Topic Type 0b01 (predefined alias)
                     "00 07"   // Topic Alias 7
                     "68 69"), // Payload "hi"
                 pubwos_msg{.retain = true,
                            .topic_type = topic_type::predefined_alias,
                            .topic_alias = 7,
                            .payload = bytes("hi")}});
    v.push_back({"PUBWOS on a topic name with an empty payload",
                 hex("08 12"      // Length 8, PUBWOS
                     "03"         // Flags: Topic Type 0b11 (name)
                     "00 03"      // Topic Name Length 3
                     "61 2f 62"), // Topic Name "a/b"; Payload empty
                 pubwos_msg{.topic_type = topic_type::topic_name, .topic_name = "a/b"}});

    // ---- §3.7 SUBSCRIBE
    v.push_back({"SUBSCRIBE to a wildcard filter with every option",
                 hex("0a 08"            // Length 10, SUBSCRIBE
                     "b7"               // Flags: No Local, QoS 1, Retain As Published, Retain Handling 1,
                                        //        Topic Type 0b11 (filter)
                     "00 04"            // Packet Identifier 4
                     "61 2f 2b 2f 23"), // Topic Filter "a/+/#"
                 subscribe_msg{.no_local = true,
                               .q = qos::qos1,
                               .retain_as_published = true,
                               .retain_handling = retain_handling::send_if_new_subscription,
                               .topic_type = topic_type::topic_name,
                               .packet_id = 4,
                               .topic_filter = "a/+/#"}});
    v.push_back({"SUBSCRIBE to a session topic alias at QoS 2, retained messages not sent",
                 hex("07 08"   // Length 7, SUBSCRIBE
                     "48"      // Flags: QoS 2, Retain Handling 2, Topic Type 0b00 (session alias)
                     "00 05"   // Packet Identifier 5
                     "00 05"), // Topic Alias 5
                 subscribe_msg{.q = qos::qos2,
                               .retain_handling = retain_handling::do_not_send,
                               .topic_type = topic_type::session_alias,
                               .packet_id = 5,
                               .topic_alias = 5}});
    v.push_back(
        {"SUBSCRIBE to a predefined topic alias at QoS 0",
         hex("07 08"   // Length 7, SUBSCRIBE
             "01"      // Flags: QoS 0, Retain Handling 0, Topic Type 0b01 (predefined alias)
             "00 06"   // Packet Identifier 6
             "00 07"), // Topic Alias 7
         subscribe_msg{.topic_type = topic_type::predefined_alias, .packet_id = 6, .topic_alias = 7}});

    // ---- §3.8 SUBACK
    v.push_back({"SUBACK with a session topic alias, Granted QoS 1",
                 hex("08 09" // Length 8, SUBACK
                     "04"    // Flags: Topic Alias, Topic Type 0b00 (session alias)
                     "00 04" // Packet Identifier 4
                     "00 05" // Topic Alias 5
                     "01"),  // Reason Code Granted QoS 1
                 suback_msg{.topic_type = topic_type::session_alias,
                            .packet_id = 4,
                            .topic_alias = 5,
                            .reason_code = 0x01}});
    v.push_back({"SUBACK with a predefined topic alias, Granted QoS 0",
                 hex("08 09" // Length 8, SUBACK
                     "05"    // Flags: Topic Alias, Topic Type 0b01 (predefined alias)
                     "00 08" // Packet Identifier 8
                     "00 07" // Topic Alias 7
                     "00"),  // Reason Code Granted QoS 0
                 suback_msg{.topic_type = topic_type::predefined_alias,
                            .packet_id = 8,
                            .topic_alias = 7,
                            .reason_code = 0x00}});
    v.push_back(
        {"SUBACK for a wildcard filter: no alias, Granted QoS 2",
         hex("06 09" // Length 6, SUBACK
             "01"    // Flags: Topic Type 0b01, as required without an alias (MQTT-SN-3.8.2.1-2)
             "00 04" // Packet Identifier 4
             "02"),  // Reason Code Granted QoS 2
         suback_msg{.topic_type = topic_type::predefined_alias, .packet_id = 4, .reason_code = 0x02}});
    v.push_back({"SUBACK without alias and without reason code",
                 hex("05 09"   // Length 5, SUBACK
                     "01"      // Flags: Topic Type 0b01
                     "00 06"), // Packet Identifier 6
                 suback_msg{.topic_type = topic_type::predefined_alias, .packet_id = 6}});
    v.push_back(
        {"SUBACK, Topic filter invalid",
         hex("06 09" // Length 6, SUBACK
             "01"    // Flags: Topic Type 0b01
             "00 07" // Packet Identifier 7
             "8f"),  // Reason Code 0x8F Topic filter invalid
         suback_msg{.topic_type = topic_type::predefined_alias, .packet_id = 7, .reason_code = 0x8F}});

    // ---- §3.9 UNSUBSCRIBE
    v.push_back(
        {"UNSUBSCRIBE a topic filter",
         hex("0a 0a"            // Length 10, UNSUBSCRIBE
             "03"               // Flags: Topic Type 0b11 (filter)
             "00 07"            // Packet Identifier 7
             "61 2f 2b 2f 23"), // Topic Filter "a/+/#"
         unsubscribe_msg{.topic_type = topic_type::topic_name, .packet_id = 7, .topic_filter = "a/+/#"}});
    v.push_back({"UNSUBSCRIBE a session topic alias",
                 hex("07 0a"   // Length 7, UNSUBSCRIBE
                     "00"      // Flags: Topic Type 0b00 (session alias)
                     "00 08"   // Packet Identifier 8
                     "00 05"), // Topic Alias 5
                 unsubscribe_msg{.topic_type = topic_type::session_alias, .packet_id = 8, .topic_alias = 5}});
    v.push_back(
        {"UNSUBSCRIBE a predefined topic alias",
         hex("07 0a"   // Length 7, UNSUBSCRIBE
             "01"      // Flags: Topic Type 0b01 (predefined alias)
             "00 09"   // Packet Identifier 9
             "00 07"), // Topic Alias 7
         unsubscribe_msg{.topic_type = topic_type::predefined_alias, .packet_id = 9, .topic_alias = 7}});

    // ---- §3.10 UNSUBACK
    v.push_back({"UNSUBACK without reason code",
                 hex("04 0b"   // Length 4, UNSUBACK
                     "00 07"), // Packet Identifier 7
                 unsuback_msg{.packet_id = 7}});
    v.push_back({"UNSUBACK, No subscription existed",
                 hex("05 0b" // Length 5, UNSUBACK
                     "00 08" // Packet Identifier 8
                     "11"),  // Reason Code 0x11 No subscription existed
                 unsuback_msg{.packet_id = 8, .reason_code = 0x11}});

    // ---- §3.11 PINGREQ, §3.12 PINGRESP
    v.push_back({"PINGREQ",
                 hex("04 0c"   // Length 4, PINGREQ
                     "12 34"), // Packet Identifier 0x1234
                 pingreq_msg{.packet_id = 0x1234}});
    v.push_back({"PINGREQ in the 3-octet Length form",
                 hex("01 00 06" // Length 6 in the 3-octet form
                     "0c"       // PINGREQ
                     "12 34"),  // Packet Identifier 0x1234
                 pingreq_msg{.packet_id = 0x1234}, false});
    v.push_back({"PINGRESP without messages remaining",
                 hex("04 0d"   // Length 4, PINGRESP
                     "12 34"), // Packet Identifier 0x1234
                 pingresp_msg{.packet_id = 0x1234}});
    v.push_back({"PINGRESP, no messages remaining",
                 hex("05 0d" // Length 5, PINGRESP
                     "12 34" // Packet Identifier 0x1234
                     "00"),  // Application Messages Remaining 0
                 pingresp_msg{.packet_id = 0x1234, .application_messages_remaining = 0}});
    v.push_back({"PINGRESP, an unspecified number of messages remaining",
                 hex("05 0d" // Length 5, PINGRESP
                     "00 01" // Packet Identifier 1
                     "ff"),  // Application Messages Remaining 0xFF: some (Figure 3-22)
                 pingresp_msg{.packet_id = 1, .application_messages_remaining = 0xFF}});

    // ---- §3.13 DISCONNECT
    v.push_back({"DISCONNECT, flags only",
                 hex("03 0e" // Length 3, DISCONNECT
                     "00"),  // Flags: nothing present (Normal disconnection)
                 disconnect_msg{}});
    v.push_back({"DISCONNECT, Server shutting down (the example of 3.13: 04 0E 04 8B)",
                 hex("04 0e" // Length 4, DISCONNECT
                     "04"    // Flags: Reason Code
                     "8b"),  // Reason Code 0x8B Server shutting down
                 disconnect_msg{.reason_code = 0x8B}});
    v.push_back(
        {"DISCONNECT, no virtual connection, packet id echoed (the example of 3.13: 06 0E 05 12 34 F4)",
         hex("06 0e" // Length 6, DISCONNECT
             "05"    // Flags: Reason Code, Packet Identifier
             "12 34" // Packet Identifier 0x1234 of the offending packet
             "f4"),  // Reason Code 0xF4 No Virtual Connection exists
         disconnect_msg{.packet_id = 0x1234, .reason_code = 0xF4}});
    v.push_back({"DISCONNECT from a client with will and a session expiry",
                 hex("08 0e"       // Length 8, DISCONNECT
                     "06"          // Flags: Reason Code, Session Expiry
                     "00 00 00 3c" // Session Expiry Interval 60 s
                     "04"),        // Reason Code 0x04 Disconnect with will message
                 disconnect_msg{.session_expiry_interval = 60, .reason_code = 0x04}});
    v.push_back(
        {"DISCONNECT with every field",
         hex("0d 0e"       // Length 13, DISCONNECT
             "07"          // Flags: Reason Code, Session Expiry, Packet Identifier
             "00 01"       // Packet Identifier 1
             "00 00 0e 10" // Session Expiry Interval 3600 s
             "82"          // Reason Code 0x82 Protocol error
             "62 61 64"),  // Reason String "bad"
         disconnect_msg{
             .packet_id = 1, .session_expiry_interval = 3600, .reason_code = 0x82, .reason_string = "bad"}});
    v.push_back({"DISCONNECT with a reason string but no reason code",
                 hex("06 0e"      // Length 6, DISCONNECT
                     "00"         // Flags: nothing
                     "62 79 65"), // Reason String "bye" (placed after the absent Reason Code, Figure 3-23)
                 disconnect_msg{.reason_string = "bye"}});

    // ---- §3.14 WAKEUP, §3.15 SLEEPREQ, §3.16 SLEEPRESP
    v.push_back({"WAKEUP",
                 hex("02 15"), // Length 2, WAKEUP: header only
                 wakeup_msg{}});
    v.push_back({"SLEEPREQ for one hour, topic aliases retained",
                 hex("09 13"         // Length 9, SLEEPREQ
                     "01"            // Flags: Retain Topic Aliases
                     "00 01"         // Packet Identifier 1
                     "00 00 0e 10"), // Sleep Duration 3600 s
                 sleepreq_msg{.retain_topic_aliases = true, .packet_id = 1, .sleep_duration = 3600}});
    v.push_back({"SLEEPREQ for one second, topic aliases dropped",
                 hex("09 13"         // Length 9, SLEEPREQ
                     "00"            // Flags: none
                     "00 02"         // Packet Identifier 2
                     "00 00 00 01"), // Sleep Duration 1 s (the smallest allowed)
                 sleepreq_msg{.packet_id = 2, .sleep_duration = 1}});
    v.push_back({"SLEEPRESP without duration or reason code",
                 hex("05 14"   // Length 5, SLEEPRESP
                     "00"      // Flags: none
                     "00 01"), // Packet Identifier 1
                 sleepresp_msg{.packet_id = 1}});
    v.push_back({"SLEEPRESP with a server-chosen duration, Success",
                 hex("0a 14"       // Length 10, SLEEPRESP
                     "01"          // Flags: Sleep Duration
                     "00 01"       // Packet Identifier 1
                     "00 00 07 08" // Sleep Duration 1800 s
                     "00"),        // Reason Code Success
                 sleepresp_msg{.packet_id = 1, .sleep_duration = 1800, .reason_code = 0x00}});
    v.push_back({"SLEEPRESP, Packet identifier in use",
                 hex("06 14" // Length 6, SLEEPRESP
                     "00"    // Flags: none
                     "00 02" // Packet Identifier 2
                     "91"),  // Reason Code 0x91 Packet identifier in use
                 sleepresp_msg{.packet_id = 2, .reason_code = 0x91}});
    v.push_back({"SLEEPRESP with a duration and no reason code",
                 hex("09 14"         // Length 9, SLEEPRESP
                     "01"            // Flags: Sleep Duration
                     "00 03"         // Packet Identifier 3
                     "00 00 00 3c"), // Sleep Duration 60 s
                 sleepresp_msg{.packet_id = 3, .sleep_duration = 60}});

    // ---- §3.20 ADVERTISE, SEARCHGW, GWINFO
    v.push_back({"ADVERTISE gateway 1, next in 900 s",
                 hex("05 16"   // Length 5, ADVERTISE
                     "01"      // Gateway Identifier 1
                     "03 84"), // Duration 900 s
                 advertise_msg{.gateway_id = 1, .duration = 900}});
    v.push_back({"SEARCHGW without network information",
                 hex("02 17"), // Length 2, SEARCHGW
                 searchgw_msg{}});
    v.push_back({"SEARCHGW with network information (a ZigBee radius)",
                 hex("03 17" // Length 3, SEARCHGW
                     "01"),  // Additional Network Information: radius 1
                 searchgw_msg{.additional_network_information = hex("01")}});
    v.push_back({"GWINFO from a gateway",
                 hex("03 18" // Length 3, GWINFO
                     "01"),  // Gateway Identifier 1
                 gwinfo_msg{.gateway_id = 1}});
    v.push_back({"GWINFO from a client, with the gateway address",
                 hex("09 18"               // Length 9, GWINFO
                     "01"                  // Gateway Identifier 1
                     "c0 a8 00 01 07 5b"), // Gateway Address 192.168.0.1:1883
                 gwinfo_msg{.gateway_id = 1, .gateway_address = hex("c0 a8 00 01 07 5b")}});

    // ---- §3.18 Connection Encapsulation
    v.push_back({"Connection Encapsulation of a PINGREQ",
                 hex("0b fe"         // Length 11 (the whole packet), Connection Encapsulation
                     "00 03"         // Client Identifier Length 3
                     "64 65 76"      // Client Identifier "dev"
                     "04 0c 00 05"), // MQTT-SN packet: PINGREQ, Packet Identifier 5
                 connection_encapsulation_msg{.client_id = "dev", .message = hex("04 0c 00 05")}});
    v.push_back({"Connection Encapsulation of a DISCONNECT",
                 hex("0a fe"      // Length 10, Connection Encapsulation
                     "00 03"      // Client Identifier Length 3
                     "64 65 76"   // Client Identifier "dev"
                     "03 0e 00"), // MQTT-SN packet: DISCONNECT, no fields
                 connection_encapsulation_msg{.client_id = "dev", .message = hex("03 0e 00")}});
    v.push_back({"Connection Encapsulation of a SLEEPREQ with an inner 3-octet Length",
                 hex("11 fe"                              // Length 17, Connection Encapsulation
                     "00 02"                              // Client Identifier Length 2
                     "63 31"                              // Client Identifier "c1"
                     "01 00 0b 13 00 00 04 00 00 00 0a"), // SLEEPREQ, Length 11 in the 3-octet form
                 connection_encapsulation_msg{.client_id = "c1",
                                              .message = hex("01 00 0b 13 00 00 04 00 00 00 0a")}});

    // ---- §3.19 Forwarder Encapsulation (Length spans the whole packet, TC change #144)
    v.push_back({"Forwarder Encapsulation of a PINGREQ",
                 hex("09 fc"         // Length 9 (the whole packet), Forwarder Encapsulation
                     "02"            // Client Addressing Information Length 2
                     "12 ab"         // Client Addressing Information
                     "04 0c 00 01"), // MQTT-SN packet: PINGREQ, Packet Identifier 1
                 forwarder_encapsulation_msg{.client_addressing_information = hex("12 ab"),
                                             .message = hex("04 0c 00 01")}});
    v.push_back({"Forwarder Encapsulation of a Connection Encapsulation of a PUBLISH",
                 hex("11 fc"                  // Length 17, Forwarder Encapsulation
                     "00"                     // Client Addressing Information Length 0
                     "0e fe 00 03 64 65 76"   // Connection Encapsulation, Length 14, Client Identifier "dev"
                     "07 03 00 00 01 68 69"), //   PUBLISH QoS 0, Topic Alias 1, "hi"
                 forwarder_encapsulation_msg{.message = hex("0e fe 00 03 64 65 76 07 03 00 00 01 68 69")}});
    v.push_back({"Forwarder Encapsulation of a 258-octet PUBLISH (3-octet Lengths inside and out)",
                 cat(hex("01 01 08" // Length 264, Forwarder Encapsulation
                         "fc"
                         "01"                     // Client Addressing Information Length 1
                         "2a"                     // Client Addressing Information
                         "01 01 02 03 00 00 01"), // PUBLISH, Length 258, Flags, Topic Alias 1
                     counting(251)),              //   Payload
                 forwarder_encapsulation_msg{.client_addressing_information = hex("2a"),
                                             .message = cat(hex("01 01 02 03 00 00 01"), counting(251))}});

    // ---- §3.17 Protection Encapsulation (decoded up to the Monotonic Counter)
    const auto hmac_protected = cat(hex("04 0c 00 01"), counting(32)); // PINGREQ + 32-octet HMAC tag
    v.push_back({"Protection Encapsulation, HMAC-SHA256, no crypto material, no counter",
                 cat(hex("34 ff"                   // Length 52, Protection Encapsulation
                         "10"                      // Protection Flags: Tag Length 0x1, Crypto 0, Counter 0
                         "00"                      // Protection Scheme HMAC-SHA256
                         "01 02 03 04 05 06 07 08" // Sender Identifier
                         "de ad be ef"),           // Random
                     hmac_protected),              // Protected packet (PINGREQ) + Authentication Tag (32)
                 protection_encapsulation_msg{.authentication_tag_length = 1,
                                              .protection_scheme = 0x00,
                                              .sender_id = arr<8>("01 02 03 04 05 06 07 08"),
                                              .random = arr<4>("de ad be ef"),
                                              .protected_packet_and_tag = hmac_protected}});
    v.push_back({"Protection Encapsulation, AES-CCM-64-128, 12 octets of crypto material, 4-octet counter",
                 hex("2d ff"                   // Length 45, Protection Encapsulation
                     "1e"                      // Protection Flags: Tag Length 0x1, Crypto 0x3, Counter 0x2
                     "40"                      // Protection Scheme AES-CCM-64-128
                     "11 12 13 14 15 16 17 18" // Sender Identifier
                     "00 00 00 01"             // Random
                     "a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab" // Cryptographic Material (12)
                     "00 00 00 2a"                         // Monotonic Counter 42
                     "c1 c2 c3 c4 c5"                      // Protected packet (ciphertext, 5)
                     "f0 f1 f2 f3 f4 f5 f6 f7"),           // Authentication Tag (8, nominal for CCM-64)
                 protection_encapsulation_msg{
                     .authentication_tag_length = 1,
                     .protection_scheme = 0x40,
                     .sender_id = arr<8>("11 12 13 14 15 16 17 18"),
                     .random = arr<4>("00 00 00 01"),
                     .cryptographic_material = hex("a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab"),
                     .monotonic_counter = hex("00 00 00 2a"),
                     .protected_packet_and_tag = hex("c1 c2 c3 c4 c5 f0 f1 f2 f3 f4 f5 f6 f7")}});
    v.push_back({"Protection Encapsulation, CMAC-128 truncated to 64 bits, 2-octet crypto and counter",
                 hex("20 ff" // Length 32, Protection Encapsulation
                     "45"    // Protection Flags: Tag Length 0x4 (64 bits), Crypto 0x1, Counter 0x1
                     "02"    // Protection Scheme CMAC-128
                     "21 22 23 24 25 26 27 28"   // Sender Identifier
                     "01 02 03 04"               // Random
                     "b0 b1"                     // Cryptographic Material (2)
                     "00 07"                     // Monotonic Counter 7
                     "04 0c 00 02"               // Protected packet: PINGREQ 2
                     "e0 e1 e2 e3 e4 e5 e6 e7"), // Authentication Tag (8)
                 protection_encapsulation_msg{.authentication_tag_length = 4,
                                              .protection_scheme = 0x02,
                                              .sender_id = arr<8>("21 22 23 24 25 26 27 28"),
                                              .random = arr<4>("01 02 03 04"),
                                              .cryptographic_material = hex("b0 b1"),
                                              .monotonic_counter = hex("00 07"),
                                              .protected_packet_and_tag =
                                                  hex("04 0c 00 02 e0 e1 e2 e3 e4 e5 e6 e7")}});
    v.push_back({"Protection Encapsulation, provider-defined scheme and tag length",
                 hex("1a ff" // Length 26, Protection Encapsulation
                     "08"    // Protection Flags: Tag Length 0x0 (provider), Crypto 0x2, Counter 0
                     "3c"    // Protection Scheme 0x3C (provider defined, authentication only)
                     "31 32 33 34 35 36 37 38" // Sender Identifier
                     "05 06 07 08"             // Random
                     "c0 c1 c2 c3"             // Cryptographic Material (4)
                     "03 0e 00 d0 d1 d2"),     // Protected packet + tag, split known only to the provider
                 protection_encapsulation_msg{.authentication_tag_length = 0,
                                              .protection_scheme = 0x3C,
                                              .sender_id = arr<8>("31 32 33 34 35 36 37 38"),
                                              .random = arr<4>("05 06 07 08"),
                                              .cryptographic_material = hex("c0 c1 c2 c3"),
                                              .protected_packet_and_tag = hex("03 0e 00 d0 d1 d2")}});
    v.push_back(
        {"Forwarder Encapsulation of a Protection Encapsulation (3.17: protected packets may be forwarded)",
         cat(hex("38 fc"                   // Length 56, Forwarder Encapsulation
                 "01"                      // Client Addressing Information Length 1
                 "07"                      // Client Addressing Information
                 "34 ff 10 00"             // Protection Encapsulation, Length 52, HMAC-SHA256
                 "01 02 03 04 05 06 07 08" //   Sender Identifier
                 "de ad be ef"),           //   Random
             hmac_protected),              //   Protected packet + tag
         forwarder_encapsulation_msg{
             .client_addressing_information = hex("07"),
             .message = cat(hex("34 ff 10 00 01 02 03 04 05 06 07 08 de ad be ef"), hmac_protected)}});

    return v;
}

} // namespace

const std::vector<sn_v2_0_vector>& sn_v2_0_vectors()
{
    static const std::vector<sn_v2_0_vector> vectors = make();
    return vectors;
}

} // namespace sngw::test
