// SPDX-License-Identifier: MIT
// MQTT 5.0 vectors: every control packet of §3 in its short and full forms, every property of
// §2.2.2.2 at least once (Will Properties included), Remaining Length of 1, 2 and 3 bytes. Each
// wire form is commented field by field; strings are spelled out in the comments.
#include "vectors/mqtt5/mqtt5_vectors.hpp"

#include "support/hex.hpp"

#include <initializer_list>
#include <string>

namespace sngw::test {
namespace {

using namespace mqtt5;

std::vector<std::byte> cat(std::initializer_list<std::vector<std::byte>> parts)
{
    std::vector<std::byte> out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}


std::vector<mqtt5_vector> make()
{
    std::vector<mqtt5_vector> v;

    // ---- §3.1 CONNECT
    v.push_back({"CONNECT clean start, keep alive 60, client id c1, no properties",
                 hex("10 0f"             // CONNECT, Remaining Length 15
                     "00 04 4d 51 54 54" // Protocol Name "MQTT"
                     "05"                // Protocol Version 5
                     "02"                // Connect Flags: Clean Start
                     "00 3c"             // Keep Alive 60
                     "00"                // Property Length 0
                     "00 02 63 31"),     // Client Identifier "c1"
                 connect_packet{.clean_start = true, .keep_alive = 60, .client_id = "c1"}});

    v.push_back(
        {"CONNECT with will, user name, password and properties",
         hex("10 7a"             // CONNECT, Remaining Length 122
             "00 04 4d 51 54 54" // Protocol Name "MQTT"
             "05"                // Protocol Version 5
             "ee"                // Flags: User Name, Password, Will Retain, Will QoS 1, Will, Clean Start
             "00 1e"             // Keep Alive 30
             "28"                // Property Length 40
             "11 00 00 0e 10"    //   Session Expiry Interval 3600
             "15 00 05 53 43 52 41 4d"       // Authentication Method "SCRAM"
             "16 00 02 01 02"                //   Authentication Data 01 02
             "17 00"                         //   Request Problem Information 0
             "19 01"                         //   Request Response Information 1
             "21 00 0a"                      //   Receive Maximum 10
             "22 00 05"                      //   Topic Alias Maximum 5
             "26 00 01 6b 00 01 76"          // User Property "k" = "v"
             "27 00 00 04 00"                //   Maximum Packet Size 1024
             "00 08 73 65 6e 73 6f 72 2d 31" // Client Identifier "sensor-1"
             "25"                            // Will Property Length 37
             "01 01"                         //   Payload Format Indicator 1 (UTF-8)
             "02 00 00 00 78"                //   Message Expiry Interval 120
             "03 00 04 74 65 78 74"          // Content Type "text"
             "08 00 03 72 2f 74"             //   Response Topic "r/t"
             "09 00 02 61 62"                //   Correlation Data "ab"
             "18 00 00 00 1e"                //   Will Delay Interval 30
             "26 00 01 77 00 01 31"          // User Property "w" = "1"
             "00 06 77 69 6c 6c 2f 74"       // Will Topic "will/t"
             "00 03 62 79 65"                // Will Payload "bye"
             "00 04 75 73 65 72"             // User Name "user"
             "00 02 70 77"),                 // Password "pw"
         connect_packet{.clean_start = true,
                        .keep_alive = 30,
                        .props = {.session_expiry_interval = 3600,
                                  .authentication_method = "SCRAM",
                                  .authentication_data = hex("01 02"),
                                  .request_problem_information = false,
                                  .request_response_information = true,
                                  .receive_maximum = 10,
                                  .topic_alias_maximum = 5,
                                  .user_properties = {{"k", "v"}},
                                  .maximum_packet_size = 1024},
                        .client_id = "sensor-1",
                        .will = will_message{.topic = "will/t",
                                             .payload = bytes("bye"),
                                             .qos = qos::at_least_once,
                                             .retain = true,
                                             .props = {.payload_format_indicator = payload_format::utf8,
                                                       .message_expiry_interval = 120,
                                                       .content_type = "text",
                                                       .response_topic = "r/t",
                                                       .correlation_data = bytes("ab"),
                                                       .will_delay_interval = 30,
                                                       .user_properties = {{"w", "1"}}}},
                        .username = "user",
                        .password = bytes("pw")}});

    v.push_back({"CONNECT password without user name, empty client id (both legal in MQTT 5)",
                 hex("10 12"             // CONNECT, Remaining Length 18
                     "00 04 4d 51 54 54" // Protocol Name "MQTT"
                     "05"                // Protocol Version 5
                     "40"                // Flags: Password only
                     "00 00"             // Keep Alive 0
                     "00"                // Property Length 0
                     "00 00"             // Client Identifier "" (server assigns one)
                     "00 03 73 65 63"),  // Password "sec"
                 connect_packet{.password = bytes("sec")}});

    v.push_back({"CONNECT will QoS 2 without retain, no will properties",
                 hex("10 16"             // CONNECT, Remaining Length 22
                     "00 04 4d 51 54 54" // Protocol Name "MQTT"
                     "05"                // Protocol Version 5
                     "14"                // Flags: Will QoS 2, Will
                     "00 0a"             // Keep Alive 10
                     "00"                // Property Length 0
                     "00 01 63"          // Client Identifier "c"
                     "00"                // Will Property Length 0
                     "00 03 77 2f 63"    // Will Topic "w/c"
                     "00 00"),           // Will Payload empty
                 connect_packet{.keep_alive = 10,
                                .client_id = "c",
                                .will = will_message{.topic = "w/c", .qos = qos::exactly_once}}});

    // ---- §3.2 CONNACK
    v.push_back({"CONNACK success, no properties",
                 hex("20 03" // CONNACK, Remaining Length 3
                     "00"    // Acknowledge Flags: no session present
                     "00"    // Reason Code 0x00 Success
                     "00"),  // Property Length 0
                 connack_packet{}});

    v.push_back({"CONNACK session present with every property a broker may set",
                 hex("20 5e"                                  // CONNACK, Remaining Length 94
                     "01"                                     // Acknowledge Flags: Session Present
                     "00"                                     // Reason Code 0x00 Success
                     "5b"                                     // Property Length 91
                     "11 00 00 1c 20"                         //   Session Expiry Interval 7200
                     "12 00 07 67 77 2d 37 66 33 61"          // Assigned Client Identifier "gw-7f3a"
                     "13 00 1e"                               //   Server Keep Alive 30
                     "15 00 05 53 43 52 41 4d"                // Authentication Method "SCRAM"
                     "16 00 02 03 04"                         //   Authentication Data 03 04
                     "1a 00 05 72 65 73 70 2f"                // Response Information "resp/"
                     "1c 00 0a 6f 74 68 65 72 3a 31 38 38 33" // Server Reference "other:1883"
                     "1f 00 02 6f 6b"                         //   Reason String "ok"
                     "21 00 14"                               //   Receive Maximum 20
                     "22 00 0a"                               //   Topic Alias Maximum 10
                     "24 01"                                  //   Maximum QoS 1
                     "25 00"                                  //   Retain Available 0
                     "26 00 06 72 65 67 69 6f 6e 00 02 65 75" // User Property "region" = "eu"
                     "27 00 01 00 00"                         //   Maximum Packet Size 65536
                     "28 01"                                  //   Wildcard Subscription Available 1
                     "29 00"                                  //   Subscription Identifier Available 0
                     "2a 01"),                                //   Shared Subscription Available 1
                 connack_packet{.session_present = true,
                                .props = {.session_expiry_interval = 7200,
                                          .assigned_client_identifier = "gw-7f3a",
                                          .server_keep_alive = 30,
                                          .authentication_method = "SCRAM",
                                          .authentication_data = hex("03 04"),
                                          .response_information = "resp/",
                                          .server_reference = "other:1883",
                                          .reason_string = "ok",
                                          .receive_maximum = 20,
                                          .topic_alias_maximum = 10,
                                          .maximum_qos = qos::at_least_once,
                                          .retain_available = false,
                                          .user_properties = {{"region", "eu"}},
                                          .maximum_packet_size = 65536,
                                          .wildcard_subscription_available = true,
                                          .subscription_identifier_available = false,
                                          .shared_subscription_available = true}}});

    v.push_back(
        {"CONNACK 0x87 Not authorized with a reason string",
         hex("20 0c"                        // CONNACK, Remaining Length 12
             "00"                           // Acknowledge Flags 0
             "87"                           // Reason Code 0x87 Not authorized
             "09"                           // Property Length 9
             "1f 00 06 64 65 6e 69 65 64"), // Reason String "denied"
         connack_packet{.reason = reason_code::not_authorized, .props = {.reason_string = "denied"}}});

    // ---- §3.3 PUBLISH
    v.push_back({"PUBLISH QoS 0",
                 hex("30 08"          // PUBLISH, QoS 0, Remaining Length 8
                     "00 03 61 2f 62" // Topic Name "a/b"
                     "00"             // Property Length 0
                     "68 69"),        // Payload "hi"
                 publish_packet{.topic = "a/b", .payload = bytes("hi")}});

    v.push_back({"PUBLISH QoS 1, retain, topic name and topic alias",
                 hex("33 0c"          // PUBLISH, QoS 1, RETAIN, Remaining Length 12
                     "00 03 74 2f 31" // Topic Name "t/1"
                     "00 0a"          // Packet Identifier 10
                     "03"             // Property Length 3
                     "23 00 03"       //   Topic Alias 3
                     "78"),           // Payload "x"
                 publish_packet{.qos = qos::at_least_once,
                                .retain = true,
                                .topic = "t/1",
                                .packet_id = 10,
                                .props = {.topic_alias = 3},
                                .payload = bytes("x")}});

    v.push_back({"PUBLISH QoS 2, DUP, empty topic name with topic alias",
                 hex("3c 0b"      // PUBLISH, DUP, QoS 2, Remaining Length 11
                     "00 00"      // Topic Name "" (the alias names it)
                     "00 0b"      // Packet Identifier 11
                     "03"         // Property Length 3
                     "23 00 03"   //   Topic Alias 3
                     "01 02 03"), // Payload
                 publish_packet{.dup = true,
                                .qos = qos::exactly_once,
                                .packet_id = 11,
                                .props = {.topic_alias = 3},
                                .payload = hex("01 02 03")}});

    v.push_back(
        {"PUBLISH QoS 1 with every PUBLISH property",
         hex("32 42"          // PUBLISH, QoS 1, Remaining Length 66
             "00 03 73 2f 31" // Topic Name "s/1"
             "12 34"          // Packet Identifier 0x1234
             "38"             // Property Length 56
             "01 01"          //   Payload Format Indicator 1 (UTF-8)
             "02 00 00 00 3c" //   Message Expiry Interval 60
             "03 00 10 61 70 70 6c 69 63 61 74 69 6f 6e 2f 6a 73 6f 6e" // Content Type "application/json"
             "08 00 07 72 65 70 6c 79 2f 31"                            // Response Topic "reply/1"
             "09 00 03 69 64 37"                                        //   Correlation Data "id7"
             "0b 01"                                                    //   Subscription Identifier 1
             "0b ff ff ff 7f"       //   Subscription Identifier 268435455 (largest)
             "26 00 01 61 00 01 62" // User Property "a" = "b"
             "7b 7d"),              // Payload "{}"
         publish_packet{.qos = qos::at_least_once,
                        .topic = "s/1",
                        .packet_id = 0x1234,
                        .props = {.payload_format_indicator = payload_format::utf8,
                                  .message_expiry_interval = 60,
                                  .content_type = "application/json",
                                  .response_topic = "reply/1",
                                  .correlation_data = bytes("id7"),
                                  .subscription_identifiers = {1, 268'435'455},
                                  .user_properties = {{"a", "b"}}},
                        .payload = bytes("{}")}});

    v.push_back({"PUBLISH 200-byte payload: 2-byte Remaining Length",
                 cat({hex("30 cc 01"   // PUBLISH, QoS 0, Remaining Length 204
                          "00 01 74"   // Topic Name "t"
                          "00"),       // Property Length 0
                      counting(200)}), // Payload 00 01 .. c7
                 publish_packet{.topic = "t", .payload = counting(200)}});

    v.push_back({"PUBLISH 16380-byte payload: 3-byte Remaining Length 16384",
                 cat({hex("30 80 80 01"  // PUBLISH, QoS 0, Remaining Length 16384
                          "00 01 74"     // Topic Name "t"
                          "00"),         // Property Length 0
                      counting(16380)}), // Payload
                 publish_packet{.topic = "t", .payload = counting(16380)}});

    // ---- §3.4 PUBACK
    v.push_back({"PUBACK success, shortest form",
                 hex("40 02"   // PUBACK, Remaining Length 2 (Reason Code 0x00, no properties implied)
                     "00 0a"), // Packet Identifier 10
                 puback_packet{.packet_id = 10}});
    v.push_back({"PUBACK 0x10 No matching subscribers, Property Length omitted",
                 hex("40 03" // PUBACK, Remaining Length 3
                     "00 0b" // Packet Identifier 11
                     "10"),  // Reason Code 0x10 No matching subscribers
                 puback_packet{.packet_id = 11, .reason = reason_code::no_matching_subscribers}});
    v.push_back({"PUBACK 0x87 Not authorized with a reason string",
                 hex("40 09"            // PUBACK, Remaining Length 9
                     "00 0c"            // Packet Identifier 12
                     "87"               // Reason Code 0x87 Not authorized
                     "05"               // Property Length 5
                     "1f 00 02 6e 6f"), // Reason String "no"
                 puback_packet{.packet_id = 12,
                               .reason = reason_code::not_authorized,
                               .props = {.reason_string = "no"}}});
    v.push_back({"PUBACK success in the long form (decoded, written short)",
                 hex("40 04" // PUBACK, Remaining Length 4
                     "00 0a" // Packet Identifier 10
                     "00"    // Reason Code 0x00 Success
                     "00"),  // Property Length 0
                 puback_packet{.packet_id = 10}, false});
    v.push_back({"PUBACK success with Reason Code but no Property Length (decoded, written short)",
                 hex("40 03 00 0a" // PUBACK, Remaining Length 3, Packet Identifier 10
                     "00"),        // Reason Code 0x00 Success
                 puback_packet{.packet_id = 10}, false});

    // ---- §3.5 PUBREC
    v.push_back({"PUBREC success",
                 hex("50 02"   // PUBREC, Remaining Length 2
                     "00 0d"), // Packet Identifier 13
                 pubrec_packet{.packet_id = 13}});
    v.push_back({"PUBREC 0x97 Quota exceeded",
                 hex("50 03" // PUBREC, Remaining Length 3
                     "00 0e" // Packet Identifier 14
                     "97"),  // Reason Code 0x97 Quota exceeded
                 pubrec_packet{.packet_id = 14, .reason = reason_code::quota_exceeded}});

    // ---- §3.6 PUBREL
    v.push_back({"PUBREL success",
                 hex("62 02"   // PUBREL (flags 0b0010), Remaining Length 2
                     "00 0d"), // Packet Identifier 13
                 pubrel_packet{.packet_id = 13}});
    v.push_back({"PUBREL 0x92 Packet Identifier not found with a user property",
                 hex("62 0b"                  // PUBREL (flags 0b0010), Remaining Length 11
                     "00 0f"                  // Packet Identifier 15
                     "92"                     // Reason Code 0x92 Packet Identifier not found
                     "07"                     // Property Length 7
                     "26 00 01 6b 00 01 76"), // User Property "k" = "v"
                 pubrel_packet{.packet_id = 15,
                               .reason = reason_code::packet_identifier_not_found,
                               .props = {.user_properties = {{"k", "v"}}}}});

    // ---- §3.7 PUBCOMP
    v.push_back({"PUBCOMP success",
                 hex("70 02"   // PUBCOMP, Remaining Length 2
                     "00 0d"), // Packet Identifier 13
                 pubcomp_packet{.packet_id = 13}});
    v.push_back({"PUBCOMP 0x92 Packet Identifier not found",
                 hex("70 03" // PUBCOMP, Remaining Length 3
                     "00 10" // Packet Identifier 16
                     "92"),  // Reason Code 0x92
                 pubcomp_packet{.packet_id = 16, .reason = reason_code::packet_identifier_not_found}});

    // ---- §3.8 SUBSCRIBE
    v.push_back({"SUBSCRIBE three filters with options and a subscription identifier",
                 hex("82 1f"          // SUBSCRIBE (flags 0b0010), Remaining Length 31
                     "00 01"          // Packet Identifier 1
                     "03"             // Property Length 3
                     "0b c8 01"       //   Subscription Identifier 200 (2-byte varint)
                     "00 03 61 2f 2b" // Topic Filter "a/+"
                     "01"             //   Options: Maximum QoS 1
                     "00 03 62 2f 23" // Topic Filter "b/#"
                     "2e"             //   Options: QoS 2, No Local, Retain As Published, Retain Handling 2
                     "00 0a 24 73 68 61 72 65 2f 67 2f 63" // Topic Filter "$share/g/c"
                     "10"),                                //   Options: QoS 0, Retain Handling 1
                 subscribe_packet{
                     .packet_id = 1,
                     .props = {.subscription_identifiers = {200}},
                     .subscriptions = {
                         {"a/+", {.max_qos = qos::at_least_once}},
                         {"b/#",
                          {.max_qos = qos::exactly_once,
                           .no_local = true,
                           .retain_as_published = true,
                           .retain_handling = retain_handling::do_not_send}},
                         {"$share/g/c", {.retain_handling = retain_handling::send_if_new_subscription}}}}});
    v.push_back({"SUBSCRIBE one filter, whole tree",
                 hex("82 07"    // SUBSCRIBE, Remaining Length 7
                     "00 02"    // Packet Identifier 2
                     "00"       // Property Length 0
                     "00 01 23" // Topic Filter "#"
                     "00"),     //   Options: QoS 0
                 subscribe_packet{.packet_id = 2, .subscriptions = {{"#", {}}}}});

    // ---- §3.9 SUBACK
    v.push_back(
        {"SUBACK granted QoS 0, 1, 2 and a failure",
         hex("90 07"         // SUBACK, Remaining Length 7
             "00 01"         // Packet Identifier 1
             "00"            // Property Length 0
             "00 01 02 80"), // Reason Codes: Granted QoS 0, 1, 2, Unspecified error
         suback_packet{.packet_id = 1,
                       .reason_codes = {reason_code::granted_qos_0, reason_code::granted_qos_1,
                                        reason_code::granted_qos_2, reason_code::unspecified_error}}});
    v.push_back({"SUBACK failures with a reason string",
                 hex("90 0b"             // SUBACK, Remaining Length 11
                     "00 02"             // Packet Identifier 2
                     "06"                // Property Length 6
                     "1f 00 03 62 61 64" //   Reason String "bad"
                     "8f a2"),           // Topic Filter invalid, Wildcard Subscriptions not supported
                 suback_packet{.packet_id = 2,
                               .props = {.reason_string = "bad"},
                               .reason_codes = {reason_code::topic_filter_invalid,
                                                reason_code::wildcard_subscriptions_not_supported}}});

    // ---- §3.10 UNSUBSCRIBE
    v.push_back({"UNSUBSCRIBE two filters",
                 hex("a2 0d"            // UNSUBSCRIBE (flags 0b0010), Remaining Length 13
                     "00 03"            // Packet Identifier 3
                     "00"               // Property Length 0
                     "00 03 61 2f 2b"   // Topic Filter "a/+"
                     "00 03 62 2f 23"), // Topic Filter "b/#"
                 unsubscribe_packet{.packet_id = 3, .topic_filters = {"a/+", "b/#"}}});
    v.push_back({"UNSUBSCRIBE with a user property",
                 hex("a2 0d"                // UNSUBSCRIBE, Remaining Length 13
                     "00 04"                // Packet Identifier 4
                     "07"                   // Property Length 7
                     "26 00 01 6b 00 01 76" // User Property "k" = "v"
                     "00 01 61"),           // Topic Filter "a"
                 unsubscribe_packet{
                     .packet_id = 4, .props = {.user_properties = {{"k", "v"}}}, .topic_filters = {"a"}}});

    // ---- §3.11 UNSUBACK
    v.push_back(
        {"UNSUBACK success and no subscription existed",
         hex("b0 05"   // UNSUBACK, Remaining Length 5
             "00 03"   // Packet Identifier 3
             "00"      // Property Length 0
             "00 11"), // Reason Codes: Success, No subscription existed
         unsuback_packet{.packet_id = 3,
                         .reason_codes = {reason_code::success, reason_code::no_subscription_existed}}});

    // ---- §3.12 PINGREQ, §3.13 PINGRESP
    v.push_back({"PINGREQ", hex("c0 00"), pingreq_packet{}});
    v.push_back({"PINGRESP", hex("d0 00"), pingresp_packet{}});

    // ---- §3.14 DISCONNECT
    v.push_back({"DISCONNECT normal, shortest form",
                 hex("e0 00"), // DISCONNECT, Remaining Length 0 (0x00, no properties)
                 disconnect_packet{}});
    v.push_back({"DISCONNECT 0x04 with will message, Property Length omitted",
                 hex("e0 01" // DISCONNECT, Remaining Length 1
                     "04"),  // Reason Code 0x04 Disconnect with Will Message
                 disconnect_packet{.reason = reason_code::disconnect_with_will_message}});
    v.push_back(
        {"DISCONNECT 0x9C use another server, with session expiry, server reference and reason string",
         hex("e0 1a"                         // DISCONNECT, Remaining Length 26
             "9c"                            // Reason Code 0x9C Use another server
             "18"                            // Property Length 24
             "11 00 00 00 00"                //   Session Expiry Interval 0
             "1c 00 07 62 32 3a 31 38 38 33" // Server Reference "b2:1883"
             "1f 00 06 6d 6f 76 69 6e 67"),  // Reason String "moving"
         disconnect_packet{.reason = reason_code::use_another_server,
                           .props = {.session_expiry_interval = 0,
                                     .server_reference = "b2:1883",
                                     .reason_string = "moving"}}});
    v.push_back({"DISCONNECT normal with Reason Code only (decoded, written short)",
                 hex("e0 01 00"), // DISCONNECT, Remaining Length 1, Reason Code 0x00
                 disconnect_packet{}, false});
    v.push_back({"DISCONNECT normal with Property Length 0 (decoded, written short)",
                 hex("e0 02 00 00"), // DISCONNECT, Remaining Length 2, 0x00, Property Length 0
                 disconnect_packet{}, false});

    // ---- §3.15 AUTH
    v.push_back({"AUTH success, shortest form", hex("f0 00"), auth_packet{}});
    v.push_back({"AUTH 0x18 Continue authentication with method, data and reason string",
                 hex("f0 15"                   // AUTH, Remaining Length 21
                     "18"                      // Reason Code 0x18 Continue authentication
                     "13"                      // Property Length 19
                     "15 00 05 53 43 52 41 4d" // Authentication Method "SCRAM"
                     "16 00 03 61 62 63"       //   Authentication Data "abc"
                     "1f 00 02 67 6f"),        //   Reason String "go"
                 auth_packet{.reason = reason_code::continue_authentication,
                             .props = {.authentication_method = "SCRAM",
                                       .authentication_data = bytes("abc"),
                                       .reason_string = "go"}}});
    v.push_back(
        {"AUTH 0x19 Re-authenticate, method only",
         hex("f0 0a"                     // AUTH, Remaining Length 10
             "19"                        // Reason Code 0x19 Re-authenticate
             "08"                        // Property Length 8
             "15 00 05 53 43 52 41 4d"), // Authentication Method "SCRAM"
         auth_packet{.reason = reason_code::re_authenticate, .props = {.authentication_method = "SCRAM"}}});
    return v;
}

std::vector<mqtt5_bad_vector> make_bad()
{
    using e = errc;
    return {
        // Fixed header (§2.1)
        {"empty input", {}, e::truncated},
        {"type only, no Remaining Length", hex("c0"), e::truncated},
        {"reserved packet type 0", hex("00 00"), e::reserved_packet_type},
        {"Remaining Length with 5 bytes", hex("30 ff ff ff ff 01"), e::malformed_varint},
        {"Remaining Length not in its shortest form", hex("c0 80 00"), e::overlong_varint},
        {"Remaining Length beyond the buffer", hex("30 05 00 01 61"), e::truncated},
        {"trailing byte after PINGREQ", hex("c0 00 00"), e::trailing_bytes},
        {"PINGREQ with a body", hex("c0 01 00"), e::leftover_bytes},
        {"CONNACK with a byte after the properties", hex("20 04 00 00 00 00"), e::leftover_bytes},
        {"PINGREQ flags 0001", hex("c1 00"), e::bad_header_flags},
        {"PUBACK flags 0010", hex("42 02 00 01"), e::bad_header_flags},
        {"PUBREL flags 0000", hex("60 02 00 01"), e::bad_header_flags},
        {"SUBSCRIBE flags 0000", hex("80 07 00 01 00 00 01 61 00"), e::bad_header_flags},
        {"UNSUBSCRIBE flags 0011", hex("a3 06 00 01 00 00 01 61"), e::bad_header_flags},
        {"DISCONNECT flags 1000", hex("e8 00"), e::bad_header_flags},
        // PUBLISH (§3.3)
        {"PUBLISH QoS 3", hex("36 06 00 01 61 00 01 00"), e::bad_qos},
        {"PUBLISH DUP on QoS 0", hex("38 05 00 01 61 00 78"), e::dup_with_qos0},
        {"PUBLISH QoS 1 packet id 0", hex("32 06 00 01 61 00 00 00"), e::zero_packet_id},
        {"PUBLISH topic length past the end", hex("30 03 00 05 61"), e::truncated},
        {"PUBLISH topic with a single-level wildcard", hex("30 06 00 03 61 2f 2b 00"),
         e::wildcard_in_topic_name},
        {"PUBLISH topic with a multi-level wildcard", hex("30 04 00 01 23 00"), e::wildcard_in_topic_name},
        {"PUBLISH empty topic without topic alias", hex("30 03 00 00 00"), e::empty_topic_name},
        {"PUBLISH topic with overlong UTF-8 (c0 af)", hex("30 05 00 02 c0 af 00"), e::bad_utf8},
        {"PUBLISH topic with a surrogate (ed a0 80)", hex("30 06 00 03 ed a0 80 00"), e::bad_utf8},
        {"PUBLISH topic with U+0000", hex("30 06 00 03 61 00 62 00"), e::bad_utf8},
        {"PUBLISH topic with a truncated sequence (e2 82)", hex("30 05 00 02 e2 82 00"), e::bad_utf8},
        {"PUBLISH topic with a stray continuation byte", hex("30 04 00 01 80 00"), e::bad_utf8},
        {"PUBLISH topic above U+10FFFF (f4 90 80 80)", hex("30 07 00 04 f4 90 80 80 00"), e::bad_utf8},
        {"PUBLISH Response Topic with a wildcard", hex("30 09 00 01 61 05 08 00 02 23 61"),
         e::wildcard_in_topic_name},
        // Properties (§2.2.2)
        {"PUBLISH unknown property 0x04", hex("30 06 00 01 61 02 04 00"), e::unknown_property},
        {"PUBLISH property identifier in a non-shortest varint", hex("30 07 00 01 61 03 81 00 01"),
         e::overlong_varint},
        {"PUBLISH Session Expiry Interval (CONNECT/CONNACK/DISCONNECT only)",
         hex("30 09 00 01 61 05 11 00 00 00 01"), e::property_not_allowed},
        {"PUBLISH Topic Alias twice", hex("30 0a 00 01 61 06 23 00 01 23 00 02"), e::duplicate_property},
        {"PUBLISH Topic Alias 0", hex("30 07 00 01 61 03 23 00 00"), e::bad_property_value},
        {"PUBLISH Payload Format Indicator 2", hex("30 06 00 01 61 02 01 02"), e::bad_property_value},
        {"PUBLISH Subscription Identifier 0", hex("30 06 00 01 61 02 0b 00"), e::bad_property_value},
        {"PUBLISH property runs past the Property Length", hex("30 08 00 01 61 03 02 00 00 00"),
         e::bad_property_length},
        {"PUBLISH Property Length past the end", hex("30 05 00 01 61 09 02"), e::truncated},
        {"PUBLISH Content Type with a surrogate", hex("30 0a 00 01 61 06 03 00 03 ed b0 80"), e::bad_utf8},
        {"PUBLISH user property name with U+0000", hex("30 0b 00 01 61 07 26 00 01 00 00 01 76"),
         e::bad_utf8},
        {"PUBLISH user property value with overlong UTF-8", hex("30 0c 00 01 61 08 26 00 01 6b 00 02 c1 bf"),
         e::bad_utf8},
        // CONNECT (§3.1)
        {"CONNECT protocol name MQIsdp", hex("10 10 00 06 4d 51 49 73 64 70 05 02 00 3c 00 00 01 63"),
         e::bad_protocol_name},
        {"CONNECT protocol version 4", hex("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 00 01 63"),
         e::bad_protocol_version},
        {"CONNECT reserved flag bit 0", hex("10 0e 00 04 4d 51 54 54 05 03 00 3c 00 00 01 63"),
         e::bad_connect_flags},
        {"CONNECT will QoS without will flag", hex("10 0e 00 04 4d 51 54 54 05 08 00 3c 00 00 01 63"),
         e::will_flags_without_will},
        {"CONNECT will retain without will flag", hex("10 0e 00 04 4d 51 54 54 05 20 00 3c 00 00 01 63"),
         e::will_flags_without_will},
        {"CONNECT will QoS 3", hex("10 14 00 04 4d 51 54 54 05 1c 00 3c 00 00 01 63 00 00 01 77 00 00"),
         e::bad_qos},
        {"CONNECT will topic empty", hex("10 13 00 04 4d 51 54 54 05 04 00 3c 00 00 01 63 00 00 00 00 00"),
         e::empty_topic_name},
        {"CONNECT client id with overlong UTF-8 (e0 80 80)",
         hex("10 10 00 04 4d 51 54 54 05 02 00 3c 00 00 03 e0 80 80"), e::bad_utf8},
        {"CONNECT client id with a surrogate (ed bf bf)",
         hex("10 10 00 04 4d 51 54 54 05 02 00 3c 00 00 03 ed bf bf"), e::bad_utf8},
        {"CONNECT client id with U+0000", hex("10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 00"),
         e::bad_utf8},
        {"CONNECT client id with a truncated sequence (f0 9f 98)",
         hex("10 10 00 04 4d 51 54 54 05 02 00 3c 00 00 03 f0 9f 98"), e::bad_utf8},
        {"CONNECT user name flag but no user name", hex("10 0e 00 04 4d 51 54 54 05 82 00 3c 00 00 01 63"),
         e::truncated},
        {"CONNECT Topic Alias property", hex("10 11 00 04 4d 51 54 54 05 02 00 3c 03 23 00 01 00 01 63"),
         e::property_not_allowed},
        {"CONNECT Will Delay Interval outside the will",
         hex("10 13 00 04 4d 51 54 54 05 02 00 3c 05 18 00 00 00 01 00 01 63"), e::property_not_allowed},
        {"CONNECT Receive Maximum 0", hex("10 11 00 04 4d 51 54 54 05 02 00 3c 03 21 00 00 00 01 63"),
         e::bad_property_value},
        {"CONNECT Maximum Packet Size 0",
         hex("10 13 00 04 4d 51 54 54 05 02 00 3c 05 27 00 00 00 00 00 01 63"), e::bad_property_value},
        {"CONNECT Request Problem Information 2",
         hex("10 10 00 04 4d 51 54 54 05 02 00 3c 02 17 02 00 01 63"), e::bad_property_value},
        {"CONNECT Authentication Data without Authentication Method",
         hex("10 12 00 04 4d 51 54 54 05 02 00 3c 04 16 00 01 aa 00 01 63"), e::auth_data_without_method},
        {"CONNECT Session Expiry Interval twice",
         hex("10 18 00 04 4d 51 54 54 05 02 00 3c 0a 11 00 00 00 01 11 00 00 00 02 00 01 63"),
         e::duplicate_property},
        {"CONNECT Topic Alias in the will properties",
         hex("10 17 00 04 4d 51 54 54 05 06 00 3c 00 00 01 63 03 23 00 01 00 01 77 00 00"),
         e::property_not_allowed},
        // CONNACK (§3.2)
        {"CONNACK reserved acknowledge flag", hex("20 03 02 00 00"), e::bad_connack_flags},
        {"CONNACK session present with an error", hex("20 03 01 80 00"), e::bad_connack_flags},
        {"CONNACK MQTT 3.1.1 return code 0x05", hex("20 03 00 05 00"), e::bad_reason_code},
        {"CONNACK Maximum QoS 2", hex("20 05 00 00 02 24 02"), e::bad_property_value},
        {"CONNACK Retain Available 2", hex("20 05 00 00 02 25 02"), e::bad_property_value},
        {"CONNACK Topic Alias", hex("20 06 00 00 03 23 00 01"), e::property_not_allowed},
        {"CONNACK Property Length missing", hex("20 02 00 00"), e::truncated},
        // Acknowledgements (§3.4 - §3.7)
        {"PUBACK packet id 0", hex("40 02 00 00"), e::zero_packet_id},
        {"PUBACK reason 0x01 (SUBACK only)", hex("40 03 00 01 01"), e::bad_reason_code},
        {"PUBACK undefined reason 0x05", hex("40 03 00 01 05"), e::bad_reason_code},
        {"PUBACK packet id cut short", hex("40 01 00"), e::truncated},
        {"PUBREC reason 0x92 (PUBREL/PUBCOMP only)", hex("50 03 00 01 92"), e::bad_reason_code},
        {"PUBREL reason 0x80 (not for PUBREL)", hex("62 03 00 01 80"), e::bad_reason_code},
        {"PUBCOMP packet id 0", hex("70 02 00 00"), e::zero_packet_id},
        {"PUBACK Subscription Identifier", hex("40 06 00 01 00 02 0b 01"), e::property_not_allowed},
        // SUBSCRIBE (§3.8)
        {"SUBSCRIBE with no topic filter", hex("82 03 00 01 00"), e::no_topic_filters},
        {"SUBSCRIBE packet id 0", hex("82 07 00 00 00 00 01 61 00"), e::zero_packet_id},
        {"SUBSCRIBE reserved option bit 6", hex("82 07 00 01 00 00 01 61 40"), e::bad_subscription_options},
        {"SUBSCRIBE reserved option bit 7", hex("82 07 00 01 00 00 01 61 80"), e::bad_subscription_options},
        {"SUBSCRIBE retain handling 3", hex("82 07 00 01 00 00 01 61 30"), e::bad_retain_handling},
        {"SUBSCRIBE maximum QoS 3", hex("82 07 00 01 00 00 01 61 03"), e::bad_qos},
        {"SUBSCRIBE no local on a shared subscription",
         hex("82 10 00 01 00 00 0a 24 73 68 61 72 65 2f 67 2f 63 04"), e::bad_subscription_options},
        {"SUBSCRIBE empty topic filter", hex("82 06 00 01 00 00 00 00"), e::bad_topic_filter},
        {"SUBSCRIBE '#' not last", hex("82 09 00 01 00 00 03 23 2f 61 00"), e::bad_topic_filter},
        {"SUBSCRIBE '+' sharing a level", hex("82 08 00 01 00 00 02 61 2b 00"), e::bad_topic_filter},
        {"SUBSCRIBE shared subscription without a filter",
         hex("82 0e 00 01 00 00 08 24 73 68 61 72 65 2f 67 00"), e::bad_topic_filter},
        {"SUBSCRIBE topic filter with a surrogate", hex("82 09 00 01 00 00 03 ed a0 80 00"), e::bad_utf8},
        {"SUBSCRIBE Subscription Identifier twice", hex("82 0b 00 01 04 0b 01 0b 02 00 01 61 00"),
         e::duplicate_property},
        {"SUBSCRIBE options byte missing", hex("82 06 00 01 00 00 01 61"), e::truncated},
        // SUBACK, UNSUBSCRIBE, UNSUBACK (§3.9 - §3.11)
        {"SUBACK with no reason code", hex("90 03 00 01 00"), e::no_reason_codes},
        {"SUBACK reason 0x10 (PUBACK only)", hex("90 04 00 01 00 10"), e::bad_reason_code},
        {"UNSUBSCRIBE with no topic filter", hex("a2 03 00 01 00"), e::no_topic_filters},
        {"UNSUBSCRIBE 'a#'", hex("a2 07 00 01 00 00 02 61 23"), e::bad_topic_filter},
        {"UNSUBACK with no reason code", hex("b0 03 00 01 00"), e::no_reason_codes},
        {"UNSUBACK reason 0x02 (SUBACK only)", hex("b0 04 00 01 00 02"), e::bad_reason_code},
        // DISCONNECT, AUTH (§3.14, §3.15)
        {"DISCONNECT reason 0x10 (PUBACK only)", hex("e0 01 10"), e::bad_reason_code},
        {"DISCONNECT Topic Alias", hex("e0 05 00 03 23 00 01"), e::property_not_allowed},
        {"AUTH reason 0x80 (not for AUTH)", hex("f0 02 80 00"), e::bad_reason_code},
        {"AUTH with Reason Code but no Property Length", hex("f0 01 18"), e::truncated},
        {"AUTH Session Expiry Interval", hex("f0 07 18 05 11 00 00 00 01"), e::property_not_allowed},
    };
}

} // namespace

const std::vector<mqtt5_vector>& mqtt5_vectors()
{
    static const std::vector<mqtt5_vector> v = make();
    return v;
}

const std::vector<mqtt5_bad_vector>& mqtt5_malformed_vectors()
{
    static const std::vector<mqtt5_bad_vector> v = make_bad();
    return v;
}

} // namespace sngw::test
