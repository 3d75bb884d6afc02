// SPDX-License-Identifier: MIT
// Malformed MQTT-SN 1.2 datagrams: each reject path of the v1.2 decoder, with its exact errc and
// the spec section that makes the datagram malformed. Valid look-alikes sit next to the rejects
// where the line between them matters.
#include "support/hex.hpp"

#include <sngw/sn/v1_2/codec.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <string_view>

using namespace sngw;
using sngw::sn::errc;
using sngw::test::hex;

namespace {

/// The error decoding `text` gives, or nullopt when it decodes.
std::optional<errc> error_of(std::string_view text)
{
    const auto r = sn::v1_2::decode(hex(text));
    if (r.has_value()) return std::nullopt;
    REQUIRE(r.error().category() == sn::sn_category());
    return static_cast<errc>(r.error().value());
}

bool decodes(std::string_view text)
{
    return sn::v1_2::decode(hex(text)).has_value();
}

} // namespace

template <> struct doctest::StringMaker<std::optional<errc>> {
    static doctest::String convert(const std::optional<errc>& e)
    {
        if (!e) return "decoded";
        return sn::make_error_code(*e).message().c_str();
    }
};

// ---- §5.2 header

TEST_CASE("§5.2.1: an empty datagram or one shorter than its Length is truncated")
{
    CHECK(error_of("") == errc::truncated);
    CHECK(error_of("05") == errc::truncated);
    CHECK(error_of("05 00 2a 03") == errc::truncated);
    CHECK(error_of("01") == errc::truncated);
    CHECK(error_of("01 00") == errc::truncated);
    CHECK(error_of("01 00 05 05") == errc::truncated);
}

TEST_CASE("§5.2.1: a Length below the header size is a bad Length field")
{
    CHECK(error_of("00 17") == errc::bad_length_field);
    CHECK(error_of("01 00 03 17") == errc::bad_length_field);
    CHECK(error_of("01 00 00 17") == errc::bad_length_field);
}

TEST_CASE("§5.2.1: a datagram longer than its Length is a length mismatch")
{
    CHECK(error_of("02 17 00") == errc::length_mismatch);
    CHECK(error_of("01 00 04 17 00") == errc::length_mismatch);
}

TEST_CASE("§5.2.2 Table 3: every code that is not a message type is reserved")
{
    for (unsigned code = 0; code <= 0xFF; ++code) {
        const bool defined = code <= 0x1D ? (code != 0x03 && code != 0x11 && code != 0x19) : code == 0xFE;
        if (defined) continue;
        INFO("MsgType " << code);
        const auto wire = std::vector<std::byte>{std::byte{0x02}, static_cast<std::byte>(code)};
        const auto r = sn::v1_2::decode(wire);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::reserved_msg_type);
    }
    CHECK(error_of("05 03 00 00 00") == errc::reserved_msg_type);
    CHECK(error_of("01 00 04 11") == errc::reserved_msg_type);
    CHECK(error_of("03 19 00") == errc::reserved_msg_type);
}

// ---- fixed sizes: too short inside a correct Length is truncated, too long is trailing

TEST_CASE("§5.4: fixed-size messages with missing octets are truncated")
{
    CHECK(error_of("04 00 2a 03") == errc::truncated);          // ADVERTISE without half its Duration
    CHECK(error_of("02 01") == errc::truncated);                // SEARCHGW without Radius
    CHECK(error_of("02 02") == errc::truncated);                // GWINFO without GwId
    CHECK(error_of("02 05") == errc::truncated);                // CONNACK without ReturnCode
    CHECK(error_of("06 0b 00 01 00 02") == errc::truncated);    // REGACK without ReturnCode
    CHECK(error_of("06 0d 00 01 00 02") == errc::truncated);    // PUBACK without ReturnCode
    CHECK(error_of("03 0e 00") == errc::truncated);             // PUBCOMP with half a MsgId
    CHECK(error_of("03 0f 00") == errc::truncated);             // PUBREC
    CHECK(error_of("03 10 00") == errc::truncated);             // PUBREL
    CHECK(error_of("07 13 20 00 01 00 02") == errc::truncated); // SUBACK without ReturnCode
    CHECK(error_of("02 15") == errc::truncated);                // UNSUBACK without MsgId
    CHECK(error_of("03 18 0e") == errc::truncated);             // DISCONNECT with half a Duration
    CHECK(error_of("02 1b") == errc::truncated);                // WILLTOPICRESP without ReturnCode
    CHECK(error_of("02 1d") == errc::truncated);                // WILLMSGRESP without ReturnCode
}

TEST_CASE("§5.4: fixed-size messages with extra octets inside the Length have trailing octets")
{
    CHECK(error_of("06 00 2a 03 84 00") == errc::trailing_octets);       // ADVERTISE
    CHECK(error_of("04 01 00 00") == errc::trailing_octets);             // SEARCHGW
    CHECK(error_of("04 05 00 00") == errc::trailing_octets);             // CONNACK
    CHECK(error_of("03 06 00") == errc::trailing_octets);                // WILLTOPICREQ has no variable part
    CHECK(error_of("03 08 00") == errc::trailing_octets);                // WILLMSGREQ
    CHECK(error_of("08 0b 00 01 00 02 00 00") == errc::trailing_octets); // REGACK
    CHECK(error_of("08 0d 00 01 00 02 00 00") == errc::trailing_octets); // PUBACK
    CHECK(error_of("05 0e 00 01 00") == errc::trailing_octets);          // PUBCOMP
    CHECK(error_of("05 0f 00 01 00") == errc::trailing_octets);          // PUBREC
    CHECK(error_of("05 10 00 01 00") == errc::trailing_octets);          // PUBREL
    CHECK(error_of("09 13 20 00 01 00 02 00 00") == errc::trailing_octets); // SUBACK
    CHECK(error_of("05 15 00 01 00") == errc::trailing_octets);             // UNSUBACK
    CHECK(error_of("03 17 00") == errc::trailing_octets);                   // PINGRESP has no variable part
    CHECK(error_of("05 18 00 3c 00") == errc::trailing_octets); // DISCONNECT: Duration is 2 octets
    CHECK(error_of("04 1b 00 00") == errc::trailing_octets);    // WILLTOPICRESP
    CHECK(error_of("04 1d 00 00") == errc::trailing_octets);    // WILLMSGRESP
}

TEST_CASE("§5.4: the fixed part of a variable-size message must be complete")
{
    CHECK(error_of("05 04 04 01 00") == errc::truncated);    // CONNECT: Flags, ProtocolId, half a Duration
    CHECK(error_of("05 0a 00 00 00") == errc::truncated);    // REGISTER: TopicId, half a MsgId
    CHECK(error_of("06 0c 20 00 01 00") == errc::truncated); // PUBLISH: half a MsgId
    CHECK(error_of("04 12 20 00") == errc::truncated);       // SUBSCRIBE: half a MsgId
    CHECK(error_of("03 14 00") == errc::truncated);          // UNSUBSCRIBE: no MsgId
}

// ---- §5.4.4 CONNECT

TEST_CASE("§5.3.8: a CONNECT ProtocolId other than 0x01 is rejected")
{
    CHECK(error_of("08 04 04 00 00 0a 63 31") == errc::bad_protocol_id);
    CHECK(error_of("08 04 04 02 00 0a 63 31") == errc::bad_protocol_id);
    CHECK(error_of("08 04 04 ff 00 0a 63 31") == errc::bad_protocol_id);
    CHECK(decodes("08 04 04 01 00 0a 63 31"));
}

TEST_CASE("§5.3.1: a CONNECT without ClientId is an empty field, long ones are accepted")
{
    CHECK(error_of("06 04 04 01 00 0a") == errc::empty_field);
    CHECK(error_of("01 00 08 04 04 01 00 0a") == errc::empty_field);
    // 40 octets: longer than the spec's 23, accepted (the gateway enforces its own limit).
    CHECK(decodes("2e 04 04 01 00 0a"
                  "30 31 32 33 34 35 36 37 38 39 30 31 32 33 34 35 36 37 38 39"
                  "30 31 32 33 34 35 36 37 38 39 30 31 32 33 34 35 36 37 38 39"));
}

// ---- QoS -1 only in PUBLISH (§5.3.4, §6.8)

TEST_CASE("§5.3.4/§6.8: QoS 0b11 outside PUBLISH is bad_qos")
{
    CHECK(error_of("04 07 60 77") == errc::bad_qos);             // WILLTOPIC Will QoS
    CHECK(error_of("04 07 70 77") == errc::bad_qos);             // ... with Retain
    CHECK(error_of("03 07 60") == errc::bad_qos);                // ... Flags only
    CHECK(error_of("04 1a 60 77") == errc::bad_qos);             // WILLTOPICUPD
    CHECK(error_of("08 12 60 00 01 73 2f 23") == errc::bad_qos); // SUBSCRIBE requested QoS, topic name
    CHECK(error_of("07 12 61 00 01 00 07") == errc::bad_qos);    // ... predefined
    CHECK(error_of("07 12 e2 00 01 61 62") == errc::bad_qos);    // ... short, with DUP
    CHECK(error_of("08 13 60 00 01 00 02 00") == errc::bad_qos); // SUBACK granted QoS
    CHECK(decodes("07 0c 60 00 01 00 00"));                      // PUBLISH QoS -1 is fine
}

// ---- TopicIdType 0b11 reserved (§5.3.4)

TEST_CASE("§5.3.4: TopicIdType 0b11 is reserved where a message uses TopicIdType")
{
    CHECK(error_of("07 0c 03 00 01 00 00") == errc::bad_topic_type); // PUBLISH
    CHECK(error_of("07 0c 63 00 01 00 00") == errc::bad_topic_type); // PUBLISH QoS -1
    CHECK(error_of("07 12 23 00 01 00 07") == errc::bad_topic_type); // SUBSCRIBE
    CHECK(error_of("07 14 03 00 01 00 07") == errc::bad_topic_type); // UNSUBSCRIBE
    CHECK(decodes("08 13 23 00 01 00 02 00")); // SUBACK: TopicIdType "not used" (§5.4.16)
}

// ---- topic names and topic ids of REGISTER, SUBSCRIBE, UNSUBSCRIBE

TEST_CASE("§5.4.10: a REGISTER without TopicName is an empty field")
{
    CHECK(error_of("06 0a 00 00 00 01") == errc::empty_field);
}

TEST_CASE("§5.4.15/§5.4.17: a topic name subscription without a name is an empty field")
{
    CHECK(error_of("05 12 20 00 01") == errc::empty_field);
    CHECK(error_of("05 14 00 00 01") == errc::empty_field);
}

TEST_CASE("§5.4.15/§5.4.17, Table 19: a predefined topic id or short name is exactly 2 octets")
{
    CHECK(error_of("06 12 01 00 01 00") == errc::truncated); // SUBSCRIBE predefined, 1 octet
    CHECK(error_of("05 12 01 00 01") == errc::truncated);    // ... none
    CHECK(error_of("08 12 01 00 01 00 07 00") == errc::trailing_octets);
    CHECK(error_of("06 12 02 00 01 61") == errc::truncated); // SUBSCRIBE short name "a"
    CHECK(error_of("08 12 02 00 01 61 62 63") == errc::trailing_octets);
    CHECK(error_of("06 14 01 00 01 00") == errc::truncated); // UNSUBSCRIBE predefined
    CHECK(error_of("08 14 01 00 01 00 07 00") == errc::trailing_octets);
    CHECK(error_of("06 14 02 00 01 61") == errc::truncated); // UNSUBSCRIBE short name
    CHECK(error_of("08 14 02 00 01 61 62 63") == errc::trailing_octets);
}

TEST_CASE("§5.3.12: a TopicName that is not UTF-8 is rejected")
{
    CHECK(error_of("06 0a 00 00 00 01") == errc::empty_field);
    CHECK(error_of("07 0a 00 00 00 01 ff") == errc::bad_utf8);       // REGISTER: 0xFF never occurs
    CHECK(error_of("08 0a 00 00 00 01 c3 28") == errc::bad_utf8);    // bad continuation
    CHECK(error_of("08 0a 00 00 00 01 c0 af") == errc::bad_utf8);    // overlong "/"
    CHECK(error_of("09 0a 00 00 00 01 ed a0 80") == errc::bad_utf8); // surrogate U+D800
    CHECK(error_of("08 0a 00 00 00 01 61 00") == errc::bad_utf8);    // U+0000
    CHECK(error_of("07 0a 00 00 00 01 e2") == errc::bad_utf8);       // cut sequence
    CHECK(error_of("07 12 20 00 01 61 ff") == errc::bad_utf8);       // SUBSCRIBE topic name
    CHECK(error_of("07 14 00 00 01 61 ff") == errc::bad_utf8);       // UNSUBSCRIBE topic name
    CHECK(decodes("0b 0a 00 00 00 01 f0 9f 98 80 2f"));              // U+1F600 "/" is fine
}

TEST_CASE("§5.3.14: a WillTopic, being a topic name, must be UTF-8 too")
{
    CHECK(error_of("05 07 20 61 ff") == errc::bad_utf8); // WILLTOPIC
    CHECK(error_of("05 1a 20 c0 80") == errc::bad_utf8); // WILLTOPICUPD, overlong U+0000
    CHECK(decodes("05 07 20 c3 a9"));
}

// ---- §5.5 forwarder encapsulation

TEST_CASE("§5.5: an encapsulation Length shorter than Length, MsgType and Ctrl is a bad Length field")
{
    CHECK(error_of("00 fe") == errc::bad_length_field);
    CHECK(error_of("02 fe 00 02 17") == errc::bad_length_field);
}

TEST_CASE("§5.5: the encapsulation's Length is one octet, a 3-octet form is a bad Length field")
{
    CHECK(error_of("01 00 08 fe 00 01 02 17") == errc::bad_length_field);
}

TEST_CASE("§5.5: an encapsulation header cut short is truncated")
{
    CHECK(error_of("05 fe") == errc::truncated);
    CHECK(error_of("05 fe 00 00") == errc::truncated);
}

TEST_CASE("§5.5 Table 29: reserved Ctrl bits 7..2 set are rejected")
{
    for (unsigned bit = 2; bit < 8; ++bit) {
        INFO("Ctrl bit " << bit);
        auto wire = hex("04 fe 00 07 02 17");
        wire[2] = static_cast<std::byte>(1u << bit);
        const auto r = sn::v1_2::decode(wire);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::reserved_bits);
    }
    CHECK(error_of("04 fe ff 07 02 17") == errc::reserved_bits);
    CHECK(decodes("04 fe 03 07 02 17")); // radius bits only
}

TEST_CASE("§5.5 Table 28: an encapsulation without a Wireless Node Id is an empty field")
{
    CHECK(error_of("03 fe 00 02 17") == errc::empty_field);
}

TEST_CASE("§5.5: an encapsulation without an inner message is truncated")
{
    CHECK(error_of("04 fe 00 07") == errc::truncated);
    CHECK(error_of("ff fe 00") == errc::truncated);
}

TEST_CASE("§5.5: the inner message must be framed, its content is the core's to decode with the node's version")
{
    CHECK(error_of("04 fe 00 07 05") == errc::truncated);             // inner Length 5, 1 octet
    CHECK(error_of("04 fe 00 07 02 17 00") == errc::length_mismatch); // inner longer than its Length
    CHECK(error_of("04 fe 00 07 00 17") == errc::bad_length_field);   // inner Length 0
    // A node behind a v1.2 forwarder may speak v2.0 (design.md §2): a v2.0 PUBLISH is carried.
    CHECK(sn::v1_2::decode(hex("04 fe 00 aa 08 03 03 00 01 61 68 69")).has_value());
    CHECK(sn::v1_2::decode(hex("04 fe 00 07 02 03")).has_value());     // 0x03: reserved in v1.2 only
}

TEST_CASE("§5.5: an encapsulation inside an encapsulation is rejected as a bad field value")
{
    CHECK(error_of("04 fe 00 07 04 fe 00 08 02 17") == errc::bad_field_value);
    CHECK(error_of("04 fe 00 07 04 fe 00 08") == errc::bad_field_value); // nested, itself incomplete
    CHECK(error_of("04 fe 00 07 01 00 08 fe 00 08 02 17") == errc::bad_field_value); // nested, 3-octet form
}

TEST_CASE("§5.5: encode refuses an encapsulation decode would refuse: radius over two bits, no node id")
{
    sn::v1_2::encapsulated_msg m{.radius = 5, .wireless_node_id = hex("aa"), .message = hex("02 16")};
    CHECK(sn::v1_2::encode(m).error() == errc::bad_field_value);
    m.radius = 3;
    CHECK(sn::v1_2::encode(m).value() == hex("04 fe 03 aa 02 16"));
    m.wireless_node_id.clear();
    CHECK(sn::v1_2::encode(m).error() == errc::empty_field);
}
