// SPDX-License-Identifier: MIT
// MQTT-SN 1.2 vectors: every message type of §5.4 (Table 3) and the forwarder encapsulation of
// §5.5, with their optional parts, flag combinations and every topic id type, both Length forms
// and the 255/256 octet boundary (§5.2.1). Each wire form is commented field by field. The spec
// gives no byte-level examples of its own; the CONNECT below is the house-style example.
#include "sn_vectors.hpp"

#include "support/hex.hpp"

#include <string>

namespace sngw::test {
namespace {

using namespace sn::v1_2;
namespace rc = sn::v1_2::return_codes;

/// A topic name of n characters "t/aaaa...".
std::string long_topic(std::size_t n)
{
    std::string s = "t/";
    s.resize(n, 'a');
    return s;
}

std::vector<sn_v1_2_vector> make()
{
    std::vector<sn_v1_2_vector> v;

    // ---- §5.4.1 ADVERTISE
    v.push_back({"ADVERTISE gw 42, next in 900 s",
                 hex("05"      // Length
                     "00"      // MsgType ADVERTISE
                     "2a"      // GwId 42
                     "03 84"), // Duration 900
                 advertise_msg{.gw_id = 42, .duration = 900}});

    // ---- §5.4.2 SEARCHGW
    v.push_back({"SEARCHGW radius 0 (whole network)",
                 hex("03"   // Length
                     "01"   // MsgType SEARCHGW
                     "00"), // Radius 0
                 searchgw_msg{.radius = 0}});
    v.push_back({"SEARCHGW radius 1",
                 hex("03 01" // Length, MsgType SEARCHGW
                     "01"),  // Radius 1
                 searchgw_msg{.radius = 1}});

    // ---- §5.4.3 GWINFO
    v.push_back({"GWINFO from a gateway, no GwAdd",
                 hex("03"   // Length
                     "02"   // MsgType GWINFO
                     "01"), // GwId 1
                 gwinfo_msg{.gw_id = 1}});
    v.push_back({"GWINFO from a client, with a 4-octet GwAdd",
                 hex("07"            // Length
                     "02"            // MsgType GWINFO
                     "01"            // GwId 1
                     "c0 a8 00 01"), // GwAdd 192.168.0.1
                 gwinfo_msg{.gw_id = 1, .gw_add = hex("c0 a8 00 01")}});

    // ---- §5.4.4 CONNECT
    v.push_back({"CONNECT clean session, keep-alive 10 s, client id c1",
                 hex("08"      // Length
                     "04"      // MsgType CONNECT
                     "04"      // Flags: CleanSession
                     "01"      // ProtocolId
                     "00 0a"   // Duration 10
                     "63 31"), // ClientId "c1"
                 connect_msg{.will = false, .clean_session = true, .duration = 10, .client_id = "c1"}});
    v.push_back(
        {"CONNECT with will and clean session, 23-character client id",
         hex("1d"    // Length 29
             "04"    // MsgType CONNECT
             "0c"    // Flags: Will, CleanSession
             "01"    // ProtocolId
             "00 3c" // Duration 60
             "61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75 76 77"), // ClientId a..w
         connect_msg{
             .will = true, .clean_session = true, .duration = 60, .client_id = "abcdefghijklmnopqrstuvw"}});
    v.push_back({"CONNECT with will, no clean session, 24-character client id (longer than §5.3.1, accepted)",
                 hex("1e"    // Length 30
                     "04"    // MsgType CONNECT
                     "08"    // Flags: Will
                     "01"    // ProtocolId
                     "ff ff" // Duration 65535
                     "61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75 76 77 78"), // a..x
                 connect_msg{.will = true,
                             .clean_session = false,
                             .duration = 65535,
                             .client_id = "abcdefghijklmnopqrstuvwx"}});

    // ---- §5.4.5 CONNACK
    v.push_back({"CONNACK accepted",
                 hex("03"   // Length
                     "05"   // MsgType CONNACK
                     "00"), // ReturnCode accepted
                 connack_msg{.return_code = rc::accepted}});
    v.push_back({"CONNACK rejected: congestion",
                 hex("03 05" // Length, MsgType CONNACK
                     "01"),  // ReturnCode rejected: congestion
                 connack_msg{.return_code = rc::rejected_congestion}});
    v.push_back({"CONNACK rejected: not supported",
                 hex("03 05" // Length, MsgType CONNACK
                     "03"),  // ReturnCode rejected: not supported
                 connack_msg{.return_code = rc::rejected_not_supported}});
    v.push_back({"CONNACK with a reserved return code keeps it",
                 hex("03 05" // Length, MsgType CONNACK
                     "7f"),  // ReturnCode 0x7f (reserved, Table 5)
                 connack_msg{.return_code = 0x7f}});

    // ---- §5.4.6 WILLTOPICREQ, §5.4.8 WILLMSGREQ
    v.push_back({"WILLTOPICREQ",
                 hex("02"   // Length
                     "06"), // MsgType WILLTOPICREQ
                 willtopicreq_msg{}});
    v.push_back({"WILLMSGREQ",
                 hex("02"   // Length
                     "08"), // MsgType WILLMSGREQ
                 willmsgreq_msg{}});

    // ---- §5.4.7 WILLTOPIC
    v.push_back(
        {"WILLTOPIC QoS 1, retain, topic will/t",
         hex("09"                  // Length
             "07"                  // MsgType WILLTOPIC
             "30"                  // Flags: QoS 1, Retain
             "77 69 6c 6c 2f 74"), // WillTopic "will/t"
         willtopic_msg{.will = will_topic_fields{.q = qos::one, .retain = true, .will_topic = "will/t"}}});
    v.push_back(
        {"WILLTOPIC QoS 2, no retain",
         hex("04"   // Length
             "07"   // MsgType WILLTOPIC
             "40"   // Flags: QoS 2
             "77"), // WillTopic "w"
         willtopic_msg{.will = will_topic_fields{.q = qos::two, .retain = false, .will_topic = "w"}}});
    v.push_back({"empty WILLTOPIC (deletes the will)",
                 hex("02"   // Length
                     "07"), // MsgType WILLTOPIC, no Flags, no WillTopic
                 willtopic_msg{}});
    v.push_back({"WILLTOPIC with Flags and an empty topic",
                 hex("03"   // Length
                     "07"   // MsgType WILLTOPIC
                     "00"), // Flags: QoS 0; WillTopic empty
                 willtopic_msg{.will = will_topic_fields{}}});

    // ---- §5.4.9 WILLMSG
    v.push_back({"WILLMSG bye!",
                 hex("06"            // Length
                     "09"            // MsgType WILLMSG
                     "62 79 65 21"), // WillMsg "bye!"
                 willmsg_msg{.will_msg = bytes("bye!")}});
    v.push_back({"WILLMSG empty",
                 hex("02"   // Length
                     "09"), // MsgType WILLMSG, WillMsg empty
                 willmsg_msg{}});

    // ---- §5.4.10 REGISTER
    v.push_back({"REGISTER from a client (topic id 0)",
                 hex("09"         // Length
                     "0a"         // MsgType REGISTER
                     "00 00"      // TopicId 0 (client)
                     "00 01"      // MsgId 1
                     "61 2f 62"), // TopicName "a/b"
                 register_msg{.topic_id = 0, .msg_id = 1, .topic_name = "a/b"}});
    v.push_back({"REGISTER from a gateway, UTF-8 topic name",
                 hex("0a"            // Length
                     "0a"            // MsgType REGISTER
                     "00 05"         // TopicId 5 (assigned)
                     "12 34"         // MsgId 0x1234
                     "c3 a9 2f 78"), // TopicName "é/x"
                 register_msg{.topic_id = 5, .msg_id = 0x1234, .topic_name = "\xc3\xa9/x"}});

    // ---- §5.4.11 REGACK
    v.push_back({"REGACK accepted",
                 hex("07"    // Length
                     "0b"    // MsgType REGACK
                     "00 05" // TopicId 5
                     "00 01" // MsgId 1
                     "00"),  // ReturnCode accepted
                 regack_msg{.topic_id = 5, .msg_id = 1, .return_code = rc::accepted}});
    v.push_back({"REGACK rejected: congestion",
                 hex("07 0b" // Length, MsgType REGACK
                     "00 00" // TopicId 0
                     "00 02" // MsgId 2
                     "01"),  // ReturnCode rejected: congestion
                 regack_msg{.topic_id = 0, .msg_id = 2, .return_code = rc::rejected_congestion}});

    // ---- §5.4.12 PUBLISH
    v.push_back({"PUBLISH QoS 1, normal topic id",
                 hex("09"      // Length
                     "0c"      // MsgType PUBLISH
                     "20"      // Flags: QoS 1, TopicIdType normal
                     "00 01"   // TopicId 1
                     "00 02"   // MsgId 2
                     "68 69"), // Data "hi"
                 publish_msg{.q = qos::one, .topic_id = 1, .msg_id = 2, .data = bytes("hi")}});
    v.push_back(
        {"PUBLISH QoS 0, retain, predefined topic id",
         hex("08"    // Length
             "0c"    // MsgType PUBLISH
             "11"    // Flags: QoS 0, Retain, TopicIdType predefined
             "00 07" // TopicId 7
             "00 00" // MsgId 0
             "01"),  // Data 01
         publish_msg{
             .retain = true, .topic_id_type = topic_id_type::predefined, .topic_id = 7, .data = hex("01")}});
    v.push_back({"PUBLISH QoS 2, DUP, short topic name ab",
                 hex("0a"         // Length
                     "0c"         // MsgType PUBLISH
                     "c2"         // Flags: DUP, QoS 2, TopicIdType short name
                     "61 62"      // TopicId: short topic name "ab"
                     "ab cd"      // MsgId 0xabcd
                     "6f 6e 21"), // Data "on!"
                 publish_msg{.dup = true,
                             .q = qos::two,
                             .topic_id_type = topic_id_type::short_name,
                             .topic_id = 0x6162,
                             .msg_id = 0xabcd,
                             .data = bytes("on!")}});
    v.push_back({"PUBLISH QoS -1, predefined topic id (§6.8)",
                 hex("0b"            // Length
                     "0c"            // MsgType PUBLISH
                     "61"            // Flags: QoS -1, TopicIdType predefined
                     "00 2a"         // TopicId 42
                     "00 00"         // MsgId 0
                     "32 31 2e 35"), // Data "21.5"
                 publish_msg{.q = qos::minus_one,
                             .topic_id_type = topic_id_type::predefined,
                             .topic_id = 42,
                             .data = bytes("21.5")}});
    v.push_back({"PUBLISH QoS -1, short topic name, retain",
                 hex("08"    // Length
                     "0c"    // MsgType PUBLISH
                     "72"    // Flags: QoS -1, Retain, TopicIdType short name
                     "74 31" // TopicId: short topic name "t1"
                     "00 00" // MsgId 0
                     "30"),  // Data "0"
                 publish_msg{.q = qos::minus_one,
                             .retain = true,
                             .topic_id_type = topic_id_type::short_name,
                             .topic_id = 0x7431,
                             .data = bytes("0")}});
    v.push_back({"PUBLISH with empty data",
                 hex("07"      // Length
                     "0c"      // MsgType PUBLISH
                     "00"      // Flags: QoS 0, TopicIdType normal
                     "00 01"   // TopicId 1
                     "00 00"), // MsgId 0; Data empty
                 publish_msg{.topic_id = 1}});
    v.push_back({"PUBLISH of 255 octets: the largest 1-octet Length",
                 cat(hex("ff"        // Length 255
                         "0c"        // MsgType PUBLISH
                         "20"        // Flags: QoS 1
                         "00 01"     // TopicId 1
                         "00 03"),   // MsgId 3
                     counting(248)), // Data 00 01 .. f7
                 publish_msg{.q = qos::one, .topic_id = 1, .msg_id = 3, .data = counting(248)}});
    v.push_back({"PUBLISH of 258 octets: one data octet more needs the 3-octet Length",
                 cat(hex("01 01 02"  // Length 258 (3-octet form)
                         "0c"        // MsgType PUBLISH
                         "20"        // Flags: QoS 1
                         "00 01"     // TopicId 1
                         "00 04"),   // MsgId 4
                     counting(249)), // Data 00 01 .. f8
                 publish_msg{.q = qos::one, .topic_id = 1, .msg_id = 4, .data = counting(249)}});
    v.push_back({"PUBLISH of 256 octets in the 3-octet Length form (would fit the 1-octet form)",
                 cat(hex("01 01 00"  // Length 256 (3-octet form)
                         "0c"        // MsgType PUBLISH
                         "00"        // Flags: QoS 0
                         "00 01"     // TopicId 1
                         "00 00"),   // MsgId 0
                     counting(247)), // Data 00 01 .. f6
                 publish_msg{.topic_id = 1, .data = counting(247)}, false});

    // ---- §5.4.13 PUBACK
    v.push_back({"PUBACK accepted",
                 hex("07"    // Length
                     "0d"    // MsgType PUBACK
                     "00 01" // TopicId 1
                     "00 02" // MsgId 2
                     "00"),  // ReturnCode accepted
                 puback_msg{.topic_id = 1, .msg_id = 2, .return_code = rc::accepted}});
    v.push_back({"PUBACK rejected: invalid topic ID",
                 hex("07 0d" // Length, MsgType PUBACK
                     "00 09" // TopicId 9
                     "00 00" // MsgId 0 (answer to a QoS 0 PUBLISH)
                     "02"),  // ReturnCode rejected: invalid topic ID
                 puback_msg{.topic_id = 9, .msg_id = 0, .return_code = rc::rejected_invalid_topic_id}});

    // ---- §5.4.14 PUBREC, PUBREL, PUBCOMP (note the order of the codes: 0x0F, 0x10, 0x0E)
    v.push_back({"PUBREC",
                 hex("04"      // Length
                     "0f"      // MsgType PUBREC
                     "ab cd"), // MsgId 0xabcd
                 pubrec_msg{.msg_id = 0xabcd}});
    v.push_back({"PUBREL",
                 hex("04"      // Length
                     "10"      // MsgType PUBREL
                     "ab cd"), // MsgId 0xabcd
                 pubrel_msg{.msg_id = 0xabcd}});
    v.push_back({"PUBCOMP",
                 hex("04"      // Length
                     "0e"      // MsgType PUBCOMP
                     "ab cd"), // MsgId 0xabcd
                 pubcomp_msg{.msg_id = 0xabcd}});

    // ---- §5.4.15 SUBSCRIBE
    v.push_back({"SUBSCRIBE QoS 1 to a topic name with a wildcard",
                 hex("08"         // Length
                     "12"         // MsgType SUBSCRIBE
                     "20"         // Flags: QoS 1, TopicIdType normal (topic name)
                     "00 03"      // MsgId 3
                     "73 2f 23"), // TopicName "s/#"
                 subscribe_msg{.q = qos::one, .msg_id = 3, .topic_name = "s/#"}});
    v.push_back({"SUBSCRIBE QoS 2 to a predefined topic id",
                 hex("07"      // Length
                     "12"      // MsgType SUBSCRIBE
                     "41"      // Flags: QoS 2, TopicIdType predefined
                     "00 04"   // MsgId 4
                     "00 07"), // TopicId 7
                 subscribe_msg{
                     .q = qos::two, .topic_id_type = topic_id_type::predefined, .msg_id = 4, .topic_id = 7}});
    v.push_back(
        {"SUBSCRIBE DUP, QoS 0 to a short topic name",
         hex("07"      // Length
             "12"      // MsgType SUBSCRIBE
             "82"      // Flags: DUP, QoS 0, TopicIdType short name
             "00 05"   // MsgId 5
             "61 62"), // short topic name "ab"
         subscribe_msg{
             .dup = true, .topic_id_type = topic_id_type::short_name, .msg_id = 5, .topic_name = "ab"}});

    // ---- §5.4.16 SUBACK
    v.push_back({"SUBACK granted QoS 1, accepted",
                 hex("08"    // Length
                     "13"    // MsgType SUBACK
                     "20"    // Flags: granted QoS 1
                     "00 01" // TopicId 1
                     "00 03" // MsgId 3
                     "00"),  // ReturnCode accepted
                 suback_msg{.q = qos::one, .topic_id = 1, .msg_id = 3, .return_code = rc::accepted}});
    v.push_back(
        {"SUBACK rejected: not supported",
         hex("08 13" // Length, MsgType SUBACK
             "00"    // Flags: QoS 0
             "00 00" // TopicId 0 (not relevant)
             "00 04" // MsgId 4
             "03"),  // ReturnCode rejected: not supported
         suback_msg{.q = qos::zero, .topic_id = 0, .msg_id = 4, .return_code = rc::rejected_not_supported}});

    // ---- §5.4.17 UNSUBSCRIBE
    v.push_back({"UNSUBSCRIBE topic name",
                 hex("08"         // Length
                     "14"         // MsgType UNSUBSCRIBE
                     "00"         // Flags: TopicIdType normal (topic name)
                     "00 06"      // MsgId 6
                     "73 2f 23"), // TopicName "s/#"
                 unsubscribe_msg{.msg_id = 6, .topic_name = "s/#"}});
    v.push_back({"UNSUBSCRIBE predefined topic id",
                 hex("07"      // Length
                     "14"      // MsgType UNSUBSCRIBE
                     "01"      // Flags: TopicIdType predefined
                     "00 07"   // MsgId 7
                     "00 07"), // TopicId 7
                 unsubscribe_msg{.topic_id_type = topic_id_type::predefined, .msg_id = 7, .topic_id = 7}});
    v.push_back(
        {"UNSUBSCRIBE short topic name",
         hex("07"      // Length
             "14"      // MsgType UNSUBSCRIBE
             "02"      // Flags: TopicIdType short name
             "00 08"   // MsgId 8
             "61 62"), // short topic name "ab"
         unsubscribe_msg{.topic_id_type = topic_id_type::short_name, .msg_id = 8, .topic_name = "ab"}});

    // ---- §5.4.18 UNSUBACK
    v.push_back({"UNSUBACK",
                 hex("04"      // Length
                     "15"      // MsgType UNSUBACK
                     "00 06"), // MsgId 6
                 unsuback_msg{.msg_id = 6}});

    // ---- §5.4.19 PINGREQ, §5.4.20 PINGRESP
    v.push_back({"PINGREQ without client id",
                 hex("02"   // Length
                     "16"), // MsgType PINGREQ
                 pingreq_msg{}});
    v.push_back({"PINGREQ with client id (sleeping client wakes up, §6.14)",
                 hex("04"      // Length
                     "16"      // MsgType PINGREQ
                     "63 31"), // ClientId "c1"
                 pingreq_msg{.client_id = "c1"}});
    v.push_back({"PINGRESP",
                 hex("02"   // Length
                     "17"), // MsgType PINGRESP
                 pingresp_msg{}});

    // ---- §5.4.21 DISCONNECT
    v.push_back({"DISCONNECT without duration",
                 hex("02"   // Length
                     "18"), // MsgType DISCONNECT
                 disconnect_msg{}});
    v.push_back({"DISCONNECT with duration: go to sleep for an hour",
                 hex("04"      // Length
                     "18"      // MsgType DISCONNECT
                     "0e 10"), // Duration 3600
                 disconnect_msg{.duration = 3600}});

    // ---- §5.4.22 WILLTOPICUPD
    v.push_back(
        {"WILLTOPICUPD QoS 2, retain",
         hex("06"         // Length
             "1a"         // MsgType WILLTOPICUPD
             "50"         // Flags: QoS 2, Retain
             "77 2f 32"), // WillTopic "w/2"
         willtopicupd_msg{.will = will_topic_fields{.q = qos::two, .retain = true, .will_topic = "w/2"}}});
    v.push_back({"empty WILLTOPICUPD (deletes the will)",
                 hex("02"   // Length
                     "1a"), // MsgType WILLTOPICUPD, no Flags, no WillTopic
                 willtopicupd_msg{}});

    // ---- §5.4.24 WILLTOPICRESP, §5.4.23 WILLMSGUPD, §5.4.25 WILLMSGRESP
    v.push_back({"WILLTOPICRESP accepted",
                 hex("03"   // Length
                     "1b"   // MsgType WILLTOPICRESP
                     "00"), // ReturnCode accepted
                 willtopicresp_msg{.return_code = rc::accepted}});
    v.push_back({"WILLMSGUPD off",
                 hex("05"         // Length
                     "1c"         // MsgType WILLMSGUPD
                     "6f 66 66"), // WillMsg "off"
                 willmsgupd_msg{.will_msg = bytes("off")}});
    v.push_back({"WILLMSGRESP rejected: congestion",
                 hex("03"   // Length
                     "1d"   // MsgType WILLMSGRESP
                     "01"), // ReturnCode rejected: congestion
                 willmsgresp_msg{.return_code = rc::rejected_congestion}});

    // ---- §5.5 forwarder encapsulation: Length covers Length..Wireless Node Id only
    v.push_back({"Encapsulated CONNECT from wireless node 00 13",
                 hex("05"                        // Length 5: Length, MsgType, Ctrl, 2-octet node id
                     "fe"                        // MsgType Encapsulated message
                     "00"                        // Ctrl: radius 0
                     "00 13"                     // Wireless Node Id 00 13
                     "08 04 04 01 00 0a 63 31"), // CONNECT clean session, 10 s, "c1"
                 encapsulated_msg{.radius = 0,
                                  .wireless_node_id = hex("00 13"),
                                  .message = hex("08 04 04 01 00 0a 63 31")}});
    v.push_back({"Encapsulated ADVERTISE to a forwarder, radius 1, 8-octet node id",
                 hex("0b"                      // Length 11
                     "fe"                      // MsgType Encapsulated message
                     "01"                      // Ctrl: radius 1
                     "00 13 a2 00 40 8b 12 34" // Wireless Node Id (a ZigBee 64-bit address)
                     "05 00 01 03 84"),        // ADVERTISE gw 1, 900 s
                 encapsulated_msg{.radius = 1,
                                  .wireless_node_id = hex("00 13 a2 00 40 8b 12 34"),
                                  .message = hex("05 00 01 03 84")}});
    v.push_back(
        {"Encapsulated PINGRESP in the 3-octet Length form, radius 3",
         hex("04"            // Length 4
             "fe"            // MsgType Encapsulated message
             "03"            // Ctrl: radius 3
             "07"            // Wireless Node Id 07
             "01 00 04 17"), // PINGRESP, 3-octet Length (kept as it is)
         encapsulated_msg{.radius = 3, .wireless_node_id = hex("07"), .message = hex("01 00 04 17")}});

    // ---- §5.2.1 the 3-octet Length form for short messages: decoded, re-encoded shorter
    v.push_back({"PINGRESP in the 3-octet Length form",
                 hex("01 00 04" // Length 4 (3-octet form)
                     "17"),     // MsgType PINGRESP
                 pingresp_msg{}, false});
    v.push_back({"CONNACK in the 3-octet Length form",
                 hex("01 00 05" // Length 5 (3-octet form)
                     "05"       // MsgType CONNACK
                     "00"),     // ReturnCode accepted
                 connack_msg{}, false});

    // ---- a long message: REGISTER of a 300-character topic name
    v.push_back({"REGISTER of a 300-character topic name (308 octets)",
                 cat(hex("01 01 34"           // Length 308 (3-octet form)
                         "0a"                 // MsgType REGISTER
                         "00 00"              // TopicId 0
                         "00 09"),            // MsgId 9
                     bytes(long_topic(300))), // TopicName "t/aaa..."
                 register_msg{.topic_id = 0, .msg_id = 9, .topic_name = long_topic(300)}});

    return v;
}

} // namespace

const std::vector<sn_v1_2_vector>& sn_v1_2_vectors()
{
    static const std::vector<sn_v1_2_vector> v = make();
    return v;
}

} // namespace sngw::test
