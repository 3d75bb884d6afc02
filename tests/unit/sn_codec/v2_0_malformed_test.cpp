// SPDX-License-Identifier: MIT
// MQTT-SN 2.0: every way decode() refuses a datagram, each with its exact errc and the spec
// section that makes it an error. Packets are written with pkt(type, body), which puts the right
// 1-octet Length in front, so that each case tests the one field it is about.
#include "support/hex.hpp"

#include <sngw/sn/v2_0/codec.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

using namespace sngw;
using namespace sngw::sn::v2_0;
using sn::errc;
using test::hex;

namespace {

/// "Length Type Body" as hex text, Length computed (1-octet form up to 255 octets).
std::string pkt(std::string_view type, std::string_view body)
{
    const std::size_t total = hex(body).size() + 2;
    char length[48];
    if (total <= 0xFF)
        std::snprintf(length, sizeof length, "%02zx ", total);
    else
        std::snprintf(length, sizeof length, "01 %02zx %02zx ", (total + 2) >> 8, (total + 2) & 0xFF);
    return std::string(length) + std::string(type) + " " + std::string(body);
}

void rejected(const std::string& wire, errc expected)
{
    INFO("wire: " << wire);
    const auto r = decode(hex(wire));
    REQUIRE(r.has_error());
    CHECK_MESSAGE(r.error() == expected, "got: " << r.error().message() << ", expected: "
                                                 << sn::make_error_code(expected).message());
}

void accepted(const std::string& wire)
{
    INFO("wire: " << wire);
    const auto r = decode(hex(wire));
    CHECK_MESSAGE(r.has_value(), "got: " << (r ? std::string("ok") : r.error().message()));
}

// A valid CONNECT body after the Connect Flags: Packet Identifier 1, version 2, Keep Alive 60,
// Maximum Packet Size 0.
constexpr std::string_view connect_tail = "00 01 02 00 3c 00 00";

} // namespace

TEST_CASE("v2.0 header errors come from the Length field (2.1.2)")
{
    rejected("", errc::truncated);
    rejected("00", errc::bad_length_field);            // 1-octet Length 0
    rejected("01 00 03 0c", errc::bad_length_field);   // 3-octet Length 3
    rejected("05 0c 00 01", errc::truncated);          // announces 5, has 4
    rejected("04 0c 00 01 00", errc::length_mismatch); // announces 4, has 5
    rejected("01 00", errc::truncated);                // 3-octet Length cut short
}

TEST_CASE("reserved v2.0 packet types are refused (2.1.3 Figure 2-4)")
{
    rejected("02 00", errc::reserved_msg_type); // 0x00 reserved
    rejected("02 19", errc::reserved_msg_type); // first of 0x19-0xFB
    rejected("02 80", errc::reserved_msg_type);
    rejected("02 fb", errc::reserved_msg_type); // last of 0x19-0xFB
    rejected("02 fd", errc::reserved_msg_type); // 0xFD, kept apart from the v1.2 encapsulation
    // v1.2-only messages have no v2.0 code of their own: WILLTOPICREQ's v1.2 code 0x06 is PUBREL
    // here, and PUBREL wants a Packet Identifier.
    rejected("02 06", errc::truncated);
}

TEST_CASE("v2.0 CONNECT: Protocol Version must be 2 (3.1.5, MQTT-SN-3.1.5-1)")
{
    rejected(pkt("01", "00 00 01 01 00 3c 00 00"), errc::bad_protocol_version); // version 1 (MQTT-SN 1.2)
    rejected(pkt("01", "00 00 01 03 00 3c 00 00"), errc::bad_protocol_version); // reserved 0x03
    rejected(pkt("01", "00 00 01 ff 00 3c 00 00"), errc::bad_protocol_version);
    // Checked before the flags: another version's CONNECT need not have our reserved bits clear.
    rejected(pkt("01", "80 00 01 05 00 3c 00 00"), errc::bad_protocol_version);
}

TEST_CASE("v2.0 CONNECT: reserved Connect Flags and Will Flags bits are malformed (MQTT-SN-3.1.2-1)")
{
    rejected(pkt("01", "80 " + std::string(connect_tail)), errc::reserved_bits);    // Connect Flags bit 7
    rejected(pkt("01", "02 20 " + std::string(connect_tail)), errc::reserved_bits); // Will Flags bit 5
    rejected(pkt("01", "02 40 " + std::string(connect_tail)), errc::reserved_bits); // Will Flags bit 6
    rejected(pkt("01", "02 80 " + std::string(connect_tail)), errc::reserved_bits); // Will Flags bit 7
}

TEST_CASE("v2.0 CONNECT: Will QoS 3 and Will Topic Type 0b10 are refused (3.1.3.1, 3.1.3.2)")
{
    // Will Flags 0x0F: Will QoS 3, topic name. "A value of 3 (0x03) is a Malformed Packet".
    rejected(pkt("01", "02 0f " + std::string(connect_tail) + " 00 01 74 00 00"), errc::bad_qos);
    // Will Flags 0x02: Will Topic Type 0b10, reserved (§2.4).
    rejected(pkt("01", "02 02 " + std::string(connect_tail) + " 00 01 00 00"), errc::bad_topic_type);
}

TEST_CASE("v2.0 CONNECT: Keep Alive 0 and Maximum Packet Size 1..9 are refused (3.1.6, 3.1.7)")
{
    rejected(pkt("01", "00 00 01 02 00 00 00 00"), errc::bad_field_value); // Keep Alive 0 (MQTT-SN-3.1.6-4)
    accepted(pkt("01", "00 00 01 02 00 01 00 00"));                        // Keep Alive 1
    rejected(pkt("01", "00 00 01 02 00 3c 00 01"),
             errc::bad_field_value); // Maximum Packet Size 1 (MQTT-SN-3.1.7-1)
    rejected(pkt("01", "00 00 01 02 00 3c 00 09"), errc::bad_field_value); // Maximum Packet Size 9
    accepted(pkt("01", "00 00 01 02 00 3c 00 0a"));                        // 10: the smallest CONNECT
    accepted(pkt("01", "00 00 01 02 00 3c 00 00"));                        // 0: no limit
}

TEST_CASE("v2.0 CONNECT: fields announced by flags or lengths must be there")
{
    rejected(pkt("01", ""), errc::truncated);                                // no Connect Flags
    rejected(pkt("01", "02"), errc::truncated);                              // Will flag, no Will Flags
    rejected(pkt("01", "00 00 01"), errc::truncated);                        // no Protocol Version
    rejected(pkt("01", "00 00 01 02 00 3c 00"), errc::truncated);            // Maximum Packet Size cut
    rejected(pkt("01", "10 " + std::string(connect_tail)), errc::truncated); // DAM flag, no field
    rejected(pkt("01", "08 " + std::string(connect_tail) + " 00 00 0e"), errc::truncated); // Sess Exp cut
    rejected(pkt("01", "02 03 " + std::string(connect_tail) + " 00"),
             errc::truncated); // Will Topic Name Length cut
    rejected(pkt("01", "02 03 " + std::string(connect_tail) + " 00 05 61 62"),
             errc::truncated); // Will Topic Name cut
    rejected(pkt("01", "02 01 " + std::string(connect_tail) + " 00 07"),
             errc::truncated); // no Will Payload Length
    rejected(pkt("01", "02 01 " + std::string(connect_tail) + " 00 07 00 04 01 02"),
             errc::truncated);                                               // Will Payload cut
    rejected(pkt("01", "04 " + std::string(connect_tail)), errc::truncated); // Auth flag, nothing
    rejected(pkt("01", "04 " + std::string(connect_tail) + " 05 50 4c"), errc::truncated); // Method cut
    rejected(pkt("01", "04 " + std::string(connect_tail) + " 01 50"), errc::truncated);    // no Data Length
    rejected(pkt("01", "04 " + std::string(connect_tail) + " 01 50 00 03 01"), errc::truncated); // Data cut
}

TEST_CASE("v2.0 CONNECT: an empty Will Topic Name is refused (MQTT-SN-4.7.1.3-1)")
{
    rejected(pkt("01", "02 03 " + std::string(connect_tail) + " 00 00 00 00"), errc::empty_field);
}

TEST_CASE("v2.0 CONNECT: text fields must be UTF-8 (1.8.4, 3.1.11, 3.1.15, 3.1.18)")
{
    rejected(pkt("01", "00 " + std::string(connect_tail) + " ff"), errc::bad_utf8); // Client Identifier
    rejected(pkt("01", "00 " + std::string(connect_tail) + " 61 00 62"),
             errc::bad_utf8); // U+0000 (MQTT-SN-1.8.4-2)
    rejected(pkt("01", "00 " + std::string(connect_tail) + " ed a0 80"), errc::bad_utf8); // surrogate U+D800
    rejected(pkt("01", "02 03 " + std::string(connect_tail) + " 00 02 c0 80 00 00"),
             errc::bad_utf8);                                                                // overlong
    rejected(pkt("01", "04 " + std::string(connect_tail) + " 01 80 00 00"), errc::bad_utf8); // Auth Method
}

TEST_CASE("v2.0 CONNACK: reserved bits, Session Present with a failure, missing and non-UTF-8 fields (3.2)")
{
    rejected(pkt("02", "10 00 01 00"), errc::reserved_bits); // bit 4 (MQTT-SN-3.2.2-2)
    rejected(pkt("02", "80 00 01 00"), errc::reserved_bits); // bit 7
    rejected(pkt("02", "01 00 01 84"),
             errc::bad_field_value);                  // Session Present with 0x84 (MQTT-SN-3.2.2.1-5)
    rejected(pkt("02", "00 00"), errc::truncated);    // Packet Identifier cut
    rejected(pkt("02", "00 00 01"), errc::truncated); // no Reason Code
    rejected(pkt("02", "02 00 01 00 00 00"), errc::truncated);                // Sess Exp flag, 2 octets
    rejected(pkt("02", "04 00 01 00 00"), errc::truncated);                   // Server KA flag, 1 octet
    rejected(pkt("02", "08 00 01 00"), errc::truncated);                      // Auth flag, nothing
    rejected(pkt("02", "08 00 01 00 03 61 62 63 00 05 01"), errc::truncated); // Auth Data cut
    rejected(pkt("02", "08 00 01 00 01 fe 00 00"), errc::bad_utf8);           // Authentication Method
    rejected(pkt("02", "00 00 01 00 ed a0 80"),
             errc::bad_utf8); // Assigned Client Identifier (MQTT-SN-3.2.11-1)
}

TEST_CASE("v2.0 AUTH: the method is announced by its length and must be UTF-8 (3.3)")
{
    rejected(pkt("0f", "00 01"), errc::truncated);             // no Reason Code
    rejected(pkt("0f", "00 01 18"), errc::truncated);          // no Method Length
    rejected(pkt("0f", "00 01 18 05 61 62"), errc::truncated); // Method cut
    rejected(pkt("0f", "00 01 18 01 ff 01 02"), errc::bad_utf8);
}

TEST_CASE("v2.0 REGISTER: reserved bits, empty or non-UTF-8 Topic Name (3.4)")
{
    rejected(pkt("10", "02 00 01 61"), errc::reserved_bits);  // bit 1 (MQTT-SN-3.4.2-2)
    rejected(pkt("10", "80 00 01 61"), errc::reserved_bits);  // bit 7
    rejected(pkt("10", "00 00"), errc::truncated);            // Packet Identifier cut
    rejected(pkt("10", "01 00 01 00"), errc::truncated);      // Topic Alias flag, 1 octet
    rejected(pkt("10", "00 00 01"), errc::empty_field);       // no Topic Name (MQTT-SN-4.7.1.3-1)
    rejected(pkt("10", "01 00 01 00 05"), errc::empty_field); // alias but no name
    rejected(pkt("10", "00 00 01 61 ff"), errc::bad_utf8);
}

TEST_CASE("v2.0 REGACK: reserved bits, Topic Type other than an alias, sizes (3.5)")
{
    rejected(pkt("11", "08 00 01"), errc::reserved_bits); // bit 3 (MQTT-SN-3.5.2-2)
    rejected(pkt("11", "80 00 01"), errc::reserved_bits);
    rejected(pkt("11", "03 00 01"), errc::bad_topic_type); // Topic Name (MQTT-SN-3.5.2.1-1)
    rejected(pkt("11", "02 00 01"), errc::bad_topic_type); // 0b10 reserved
    rejected(pkt("11", "00 00"), errc::truncated);
    rejected(pkt("11", "04 00 01 00"), errc::truncated);                // Topic Alias flag, 1 octet
    rejected(pkt("11", "04 00 01 00 05 00 00"), errc::trailing_octets); // after the Reason Code
    rejected(pkt("11", "00 00 01 00 00"), errc::trailing_octets);
}

TEST_CASE("v2.0 PUBLISH: reserved bits, QoS 3, Topic Type 0b10, DUP below QoS 2 (3.6.2.2)")
{
    rejected(pkt("03", "04 00 01 68"), errc::reserved_bits);         // bit 2 (MQTT-SN-3.6.2.2-2)
    rejected(pkt("03", "08 00 01 68"), errc::reserved_bits);         // bit 3
    rejected(pkt("03", "60 00 01 00 01 68"), errc::bad_qos);         // QoS 3 reserved (Figure 3-10)
    rejected(pkt("03", "02 00 01 68"), errc::bad_topic_type);        // 0b10 reserved
    rejected(pkt("03", "80 00 01 68"), errc::bad_field_value);       // DUP at QoS 0 (MQTT-SN-3.6.2.2.3-1)
    rejected(pkt("03", "a0 00 01 00 01 68"), errc::bad_field_value); // DUP at QoS 1
    accepted(pkt("03", "c0 00 01 00 01 68"));                        // DUP at QoS 2
}

TEST_CASE("v2.0 PUBLISH: Packet Identifier and topic as the flags announce them (3.6.2.3-3.6.2.5)")
{
    rejected(pkt("03", ""), errc::truncated);                 // no Flags
    rejected(pkt("03", "20 00"), errc::truncated);            // QoS 1, Packet Identifier cut
    rejected(pkt("03", "20 00 01"), errc::truncated);         // QoS 1, no Topic Alias
    rejected(pkt("03", "00 00"), errc::truncated);            // QoS 0, Topic Alias cut
    rejected(pkt("03", "03 00 05 61 62"), errc::truncated);   // Topic Name Length 5, 2 octets
    rejected(pkt("03", "03 00 00 68 69"), errc::empty_field); // Topic Name Length 0 (MQTT-SN-4.7.1.3-1)
    rejected(pkt("03", "03 00 02 61 ff 68"), errc::bad_utf8); // Topic Name (§3.6.2.5)
    // The payload is binary: anything goes.
    accepted(pkt("03", "03 00 01 61 ff 00 fe"));
}

TEST_CASE("v2.0 PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: Packet Identifier and at most one Reason Code")
{
    for (const char* type : {"04", "05", "06", "07", "0b"}) {
        CAPTURE(type);
        rejected(pkt(type, ""), errc::truncated);
        rejected(pkt(type, "00"), errc::truncated);
        rejected(pkt(type, "00 01 00 00"), errc::trailing_octets);
        accepted(pkt(type, "00 01 ff")); // unknown codes stay data
    }
}

TEST_CASE("v2.0 PUBWOS: reserved bits and Topic Types other than predefined or name (3.6.1.2)")
{
    rejected(pkt("12", "21 00 01 68"), errc::reserved_bits);  // bit 5 (MQTT-SN-3.6.1.2-2)
    rejected(pkt("12", "41 00 01 68"), errc::reserved_bits);  // bit 6
    rejected(pkt("12", "81 00 01 68"), errc::reserved_bits);  // bit 7 (no DUP in PUBWOS)
    rejected(pkt("12", "05 00 01 68"), errc::reserved_bits);  // bit 2
    rejected(pkt("12", "09 00 01 68"), errc::reserved_bits);  // bit 3
    rejected(pkt("12", "61 00 01 68"), errc::reserved_bits);  // the v1.2 QoS -1 bits are reserved here
    rejected(pkt("12", "00 00 01 68"), errc::bad_topic_type); // session alias (MQTT-SN-3.6.1.2.1-1)
    rejected(pkt("12", "02 00 01 68"), errc::bad_topic_type); // 0b10 reserved
    rejected(pkt("12", ""), errc::truncated);
    rejected(pkt("12", "01 00"), errc::truncated);
    rejected(pkt("12", "03 00 03 61"), errc::truncated);
    rejected(pkt("12", "03 00 00"), errc::empty_field);
    rejected(pkt("12", "03 00 01 c3"), errc::bad_utf8); // a lone lead octet
}

TEST_CASE("v2.0 SUBSCRIBE: Topic Type 0b10, QoS 3, Retain Handling 3 (3.7.2)")
{
    rejected(pkt("08", "02 00 01 00 01"), errc::bad_topic_type); // 0b10 reserved
    rejected(pkt("08", "63 00 01 61"), errc::bad_qos);           // QoS 3: "a Protocol Error" (§3.7.2.4)
    rejected(pkt("08", "0f 00 01 61"), errc::bad_field_value);   // Retain Handling 3 (§3.7.2.2)
    accepted(
        pkt("08", "db 00 01 61")); // No Local, QoS 2, Retain As Published, Retain Handling 2: none reserved
}

TEST_CASE("v2.0 SUBSCRIBE: alias or filter, never both, filter not empty (3.7.4, 3.7.5)")
{
    rejected(pkt("08", "00"), errc::truncated);                      // Packet Identifier cut
    rejected(pkt("08", "00 00 01 00"), errc::truncated);             // Topic Alias cut
    rejected(pkt("08", "00 00 01 00 05 61"), errc::trailing_octets); // alias and a filter (MQTT-SN-3.7.5-2)
    rejected(pkt("08", "01 00 01 00 05 00"), errc::trailing_octets);
    rejected(pkt("08", "03 00 01"), errc::empty_field); // zero-length Topic Filter (§3.7.5)
    rejected(pkt("08", "03 00 01 61 2f ff"), errc::bad_utf8);
}

TEST_CASE("v2.0 SUBACK: reserved bits and Topic Type rules (3.8.2)")
{
    rejected(pkt("09", "08 00 01 00"), errc::reserved_bits);        // bit 3 (MQTT-SN-3.8.2-2)
    rejected(pkt("09", "41 00 01 00"), errc::reserved_bits);        // bit 6
    rejected(pkt("09", "07 00 01 00 05 00"), errc::bad_topic_type); // Topic Name (MQTT-SN-3.8.2.1-1)
    rejected(pkt("09", "06 00 01 00 05 00"), errc::bad_topic_type); // 0b10 reserved
    rejected(pkt("09", "00 00 01 00"),
             errc::bad_topic_type);           // session type without alias (MQTT-SN-3.8.2.1-2)
    accepted(pkt("09", "04 00 01 00 05 00")); // session type with alias
    rejected(pkt("09", "01 00"), errc::truncated);
    rejected(pkt("09", "05 00 01 00"), errc::truncated); // Topic Alias flag, 1 octet
    rejected(pkt("09", "05 00 01 00 05 00 00"), errc::trailing_octets);
}

TEST_CASE("v2.0 UNSUBSCRIBE: reserved bits, Topic Type 0b10, alias or non-empty filter (3.9)")
{
    rejected(pkt("0a", "04 00 01 00 05"), errc::reserved_bits); // bit 2 (MQTT-SN-3.9.2-2)
    rejected(pkt("0a", "80 00 01 00 05"), errc::reserved_bits);
    rejected(pkt("0a", "02 00 01 00 05"), errc::bad_topic_type);
    rejected(pkt("0a", "00 00"), errc::truncated);
    rejected(pkt("0a", "00 00 01 00"), errc::truncated);
    rejected(pkt("0a", "01 00 01 00 07 00"), errc::trailing_octets); // alias and more (MQTT-SN-3.9.5-2)
    rejected(pkt("0a", "03 00 01"), errc::empty_field);              // MQTT-SN-3.9.5-1, -4.7.1.3-1
    rejected(pkt("0a", "03 00 01 ff"), errc::bad_utf8);
}

TEST_CASE("v2.0 PINGREQ and PINGRESP have fixed sizes (3.11, 3.12)")
{
    rejected(pkt("0c", "00"), errc::truncated);
    rejected(pkt("0c", "00 01 00"), errc::trailing_octets);    // no Client Id in v2.0 PINGREQ
    rejected(pkt("0c", "00 01 63 31"), errc::trailing_octets); // a v1.2-style PINGREQ with a Client Id
    rejected(pkt("0d", "00"), errc::truncated);
    rejected(pkt("0d", "00 01 00 00"), errc::trailing_octets);
}

TEST_CASE("v2.0 DISCONNECT: reserved bits and fields announced by the flags (3.13.2)")
{
    rejected(pkt("0e", "08"), errc::reserved_bits); // bit 3 (MQTT-SN-3.13.2-2)
    rejected(pkt("0e", "80"), errc::reserved_bits); // bit 7
    rejected(pkt("0e", "f8 8b"), errc::reserved_bits);
    rejected(pkt("0e", ""), errc::truncated);                     // no Flags
    rejected(pkt("0e", "01 12"), errc::truncated);                // Packet Identifier cut
    rejected(pkt("0e", "02 00 00 3c"), errc::truncated);          // Session Expiry cut
    rejected(pkt("0e", "04"), errc::truncated);                   // no Reason Code
    rejected(pkt("0e", "07 00 01 00 00 00 3c"), errc::truncated); // all flags, no Reason Code
    rejected(pkt("0e", "04 8b ff"), errc::bad_utf8);              // Reason String (§3.13.6)
}

TEST_CASE("v2.0 WAKEUP is header only (3.14)")
{
    rejected(pkt("15", "00"), errc::trailing_octets);
}

TEST_CASE("v2.0 SLEEPREQ: reserved bits, Sleep Duration 0, fixed size (3.15)")
{
    rejected(pkt("13", "02 00 01 00 00 00 0a"), errc::reserved_bits); // bit 1 (MQTT-SN-3.15.2-2)
    rejected(pkt("13", "80 00 01 00 00 00 0a"), errc::reserved_bits);
    rejected(pkt("13", "01 00 01 00 00 00 00"), errc::bad_field_value); // Sleep Duration 0 (MQTT-SN-3.15.4-1)
    rejected(pkt("13", "01 00 01 00 00 00"), errc::truncated);
    rejected(pkt("13", "01 00 01 00 00 00 0a 00"), errc::trailing_octets);
}

TEST_CASE("v2.0 SLEEPRESP: reserved bits and fields announced by the flags (3.16)")
{
    rejected(pkt("14", "02 00 01"), errc::reserved_bits); // bit 1 (MQTT-SN-3.16.2-2)
    rejected(pkt("14", "00 00"), errc::truncated);
    rejected(pkt("14", "01 00 01 00 00 0e"), errc::truncated); // Sleep Duration cut
    rejected(pkt("14", "00 00 01 00 00"), errc::trailing_octets);
    rejected(pkt("14", "01 00 01 00 00 0e 10 00 00"), errc::trailing_octets);
}

TEST_CASE("v2.0 ADVERTISE has a fixed size and GWINFO needs its Gateway Identifier (3.20)")
{
    rejected(pkt("16", "01 03"), errc::truncated);
    rejected(pkt("16", "01 03 84 00"), errc::trailing_octets);
    rejected(pkt("18", ""), errc::truncated);
    accepted(pkt("17", "01 02 03")); // SEARCHGW: any Additional Network Information
}

TEST_CASE("v2.0 Forwarder Encapsulation: addressing information, then one framed packet of either version (3.19)")
{
    rejected(pkt("fc", ""), errc::truncated);                     // no Addressing Information Length
    rejected(pkt("fc", "05 01 02"), errc::truncated);             // Addressing Information cut
    rejected(pkt("fc", "01 2a"), errc::truncated);                // no packet inside
    rejected(pkt("fc", "00 04 0c 00"), errc::truncated);          // inner Length says 4, 3 there
    rejected(pkt("fc", "00 03 0c 00 01"), errc::length_mismatch); // inner Length says 3, 4 there
    rejected(pkt("fc", "00 00"), errc::bad_length_field);         // inner Length 0
    // A Forwarder Encapsulation inside another: the spec describes one Forwarder hop only.
    rejected(pkt("fc", "00 " + pkt("fc", "00 " + pkt("0c", "00 01"))), errc::bad_field_value);
    accepted(pkt("fc", "00 " + pkt("02", "00 00 01 00"))); // any single packet, here a CONNACK
    // The inner packet is framed, not decoded: the forwarder passes on what its node sends, and a
    // node may speak v1.2 (design.md §2). The core decodes it with the node's version.
    accepted("0b fc 00 08 04 04 01 00 0a 63 31");                        // v1.2 CONNECT "c1"
    accepted(pkt("fc", "00 " + pkt("0c", "00 01 00")));                  // not a v2.0 PINGREQ
    accepted(pkt("fc", "00 " + pkt("fe", "00 01 61 " + pkt("02", "00 00 01 00"))));
}

TEST_CASE("v2.0 Connection Encapsulation carries only the seven packets of MQTT-SN-3.18-3")
{
    const std::string dev = "00 03 64 65 76 ";
    rejected(pkt("fe", ""), errc::truncated);                              // no Client Identifier Length
    rejected(pkt("fe", "00 05 64 65"), errc::truncated);                   // Client Identifier cut
    rejected(pkt("fe", "00 01 ff " + pkt("0c", "00 01")), errc::bad_utf8); // Client Identifier (§3.18.3)
    rejected(pkt("fe", dev), errc::truncated);                             // no packet inside
    rejected(pkt("fe", dev + "05 0c 00 01"), errc::truncated);             // inner Length says 5
    // Refused inner types (protocol errors whatever the session, so the codec refuses them).
    rejected(pkt("fe", dev + pkt("01", "00 " + std::string(connect_tail))), errc::bad_field_value); // CONNECT
    rejected(pkt("fe", dev + pkt("04", "00 01")), errc::bad_field_value);                           // PUBACK
    rejected(pkt("fe", dev + pkt("0f", "00 01 18 00")), errc::bad_field_value);                     // AUTH
    rejected(pkt("fe", dev + pkt("12", "01 00 01")), errc::bad_field_value);                        // PUBWOS
    rejected(pkt("fe", dev + pkt("17", "")), errc::bad_field_value);                         // SEARCHGW
    rejected(pkt("fe", dev + pkt("fe", dev + pkt("0c", "00 01"))), errc::bad_field_value);   // nested
    rejected(pkt("fe", dev + pkt("fc", "00 " + pkt("0c", "00 01"))), errc::bad_field_value); // Forwarder
    rejected(pkt("fe", dev + "02 00"), errc::bad_field_value);                               // reserved type
    // Allowed inner types are decoded, and their errors come out as they are.
    rejected(pkt("fe", dev + pkt("13", "00 00 01 00 00 00 00")),
             errc::bad_field_value);                                             // SLEEPREQ duration 0
    rejected(pkt("fe", dev + pkt("08", "0f 00 01 61")), errc::bad_field_value);  // Retain Handling 3
    rejected(pkt("fe", dev + pkt("10", "00 00 01")), errc::empty_field);         // REGISTER, no name
    rejected(pkt("fe", dev + pkt("0a", "80 00 01 00 01")), errc::reserved_bits); // UNSUBSCRIBE
    rejected(pkt("fe", dev + pkt("0e", "04 8b ff")), errc::bad_utf8);            // DISCONNECT
    rejected(pkt("fe", dev + pkt("03", "02 00 01")), errc::bad_topic_type);      // PUBLISH
    for (const char* ok : {"03 00 00 01", "08 01 00 01 00 07", "0a 01 00 01 00 07", "10 00 00 01 61", "0e 00",
                           "13 00 00 01 00 00 00 01", "0c 00 01"}) {
        const std::string body = ok;
        accepted(pkt("fe", dev + pkt(body.substr(0, 2), body.substr(3))));
    }
}

TEST_CASE("v2.0 Protection Encapsulation: fixed fields, reserved codes and schemes (3.17)")
{
    const std::string sender_random = "01 02 03 04 05 06 07 08 de ad be ef ";
    const std::string pingreq_and_8 = "04 0c 00 01 e0 e1 e2 e3 e4 e5 e6 e7";
    rejected(pkt("ff", ""), errc::truncated);                                    // no Protection Flags
    rejected(pkt("ff", "10 00 01 02 03 04 05 06 07"), errc::truncated);          // Sender Identifier cut
    rejected(pkt("ff", "10 00 01 02 03 04 05 06 07 08 de ad"), errc::truncated); // Random cut
    // Counter Length 0x3 reserved (MQTT-SN-3.17.2.1-1).
    rejected(pkt("ff", "43 02 " + sender_random + pingreq_and_8), errc::bad_field_value);
    // Authentication Tag Length 0x2 and 0x3 reserved (MQTT-SN-3.17.2.3-3).
    rejected(pkt("ff", "20 00 " + sender_random + pingreq_and_8), errc::bad_field_value);
    rejected(pkt("ff", "30 00 " + sender_random + pingreq_and_8), errc::bad_field_value);
    // Reserved Protection Schemes (MQTT-SN-3.17.3-1, Figure 3-28).
    for (const char* scheme : {"05", "3b", "4a", "ef"}) {
        CAPTURE(scheme);
        rejected(pkt("ff", "10 " + std::string(scheme) + " " + sender_random + pingreq_and_8),
                 errc::bad_field_value);
    }
    // An AEAD scheme wants Tag Length 0x1 (MQTT-SN-3.17.2.3-1, -3.17.2.3-4).
    rejected(pkt("ff", "00 40 " + sender_random + pingreq_and_8), errc::bad_field_value); // 0x0
    rejected(pkt("ff", "40 46 " + sender_random + pingreq_and_8), errc::bad_field_value); // 0x4
    rejected(pkt("ff", "40 f0 " + sender_random + pingreq_and_8), errc::bad_field_value); // provider AEAD
    // CMAC has a 128-bit nominal tag: no code above 0x8 (MQTT-SN-3.17.2.3-8).
    rejected(pkt("ff", "90 02 " + sender_random + pingreq_and_8), errc::bad_field_value);
    accepted(
        pkt("ff", "80 04 " + sender_random + "04 0c 00 01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"));
    // Crypto Material and Counter as long as their codes say.
    rejected(pkt("ff", "1c 40 " + sender_random + "a0 a1 a2"), errc::truncated); // 12 announced
    rejected(pkt("ff", "12 40 " + sender_random + "00 00 00"), errc::truncated); // 4 announced
    // What is left must hold a packet header and the tag where its size is fixed.
    rejected(pkt("ff", "10 40 " + sender_random + "04 0c 00 01 e0 e1 e2"),
             errc::truncated);                                                      // CCM-64: 8-octet tag
    rejected(pkt("ff", "10 00 " + sender_random + pingreq_and_8), errc::truncated); // HMAC: 32-octet tag
    rejected(pkt("ff", "00 3c " + sender_random + "04"), errc::truncated);          // provider: at least 2
    accepted(pkt("ff", "00 3c " + sender_random + "04 0c"));
    accepted(pkt("ff", "40 00 " + sender_random + pingreq_and_8)); // HMAC-SHA256 truncated to 64 bits
}

TEST_CASE("the literal CONNECT bytes of Figure 4-6 predate the renumbering and are not a v2.0 CONNECT")
{
    // Length 30, Packet Type 5 (now PUBREC), no Protocol Version. As a PUBREC it has 26 octets
    // after the Packet Identifier, where one Reason Code at most fits. The corrected form is in
    // the vector table.
    rejected("1e 05 05 00 01 00 3c 00 64 0a 4d 51 54 54 2d 42 41 53 49 43 00 07 00 01 4d 00 02 50 57 43",
             errc::trailing_octets);
}
