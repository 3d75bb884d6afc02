// SPDX-License-Identifier: MIT
// MQTT-SN 1.2 messages both ways: every vector of the table decodes to its value and (unless it
// is a deliberately long Length form) encodes back to the same octets; one test case per message
// type. Then the Length forms (§5.2.1), the "not used" flag bits that decode ignores, encode
// limits, and the readable / JSON descriptions.
#include "support/hex.hpp"
#include "vectors/sn_vectors.hpp"

#include <sngw/sn/v1_2/codec.hpp>

#include <doctest/doctest.h>

#include <sstream>
#include <string>

using namespace sngw;
using namespace sngw::sn::v1_2;
using sngw::test::bytes;
using sngw::test::hex;

namespace {

std::string describe(const message& m)
{
    std::ostringstream os;
    os << m;
    return os.str();
}

/// Runs every vector whose value is a Msg, as one SUBCASE each; returns how many there were.
template <class Msg> std::size_t check_vectors_of()
{
    std::size_t count = 0;
    for (const auto& v : test::sn_v1_2_vectors()) {
        if (!std::holds_alternative<Msg>(v.value)) continue;
        ++count;
        SUBCASE(std::string(v.name).c_str())
        {
            INFO("wire:  " << test::to_hex(v.wire));
            INFO("value: " << describe(v.value));
            const auto decoded = decode(v.wire);
            REQUIRE_MESSAGE(decoded.has_value(), "decode error: " << decoded.error().message());
            CHECK(*decoded == v.value);
            CHECK(msg_type_of(*decoded) == Msg::type);
            const auto encoded = encode(v.value);
            REQUIRE(encoded.has_value());
            if (v.encodes_back) {
                CHECK(test::to_hex(*encoded) == test::to_hex(v.wire));
            } else {
                // A long Length form: encode() writes the 1-octet form, 2 octets shorter.
                CHECK(encoded->size() + 2 == v.wire.size());
                CHECK(decode(*encoded).value() == v.value);
            }
            CHECK(encoded_size(v.value) == encoded->size());
        }
    }
    return count;
}

} // namespace

TEST_CASE("ADVERTISE (§5.4.1) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<advertise_msg>() >= 1);
}
TEST_CASE("SEARCHGW (§5.4.2) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<searchgw_msg>() >= 1);
}
TEST_CASE("GWINFO (§5.4.3) with and without GwAdd decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<gwinfo_msg>() >= 2);
}
TEST_CASE("CONNECT (§5.4.4) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<connect_msg>() >= 3);
}
TEST_CASE("CONNACK (§5.4.5) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<connack_msg>() >= 3);
}
TEST_CASE("WILLTOPICREQ (§5.4.6) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<willtopicreq_msg>() >= 1);
}
TEST_CASE("WILLTOPIC (§5.4.7), empty or not, decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<willtopic_msg>() >= 3);
}
TEST_CASE("WILLMSGREQ (§5.4.8) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<willmsgreq_msg>() >= 1);
}
TEST_CASE("WILLMSG (§5.4.9) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<willmsg_msg>() >= 1);
}
TEST_CASE("REGISTER (§5.4.10) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<register_msg>() >= 2);
}
TEST_CASE("REGACK (§5.4.11) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<regack_msg>() >= 1);
}
TEST_CASE("PUBLISH (§5.4.12) with every QoS and topic id type decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<publish_msg>() >= 6);
}
TEST_CASE("PUBACK (§5.4.13) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<puback_msg>() >= 1);
}
TEST_CASE("PUBCOMP (§5.4.14) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<pubcomp_msg>() >= 1);
}
TEST_CASE("PUBREC (§5.4.14) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<pubrec_msg>() >= 1);
}
TEST_CASE("PUBREL (§5.4.14) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<pubrel_msg>() >= 1);
}
TEST_CASE("SUBSCRIBE (§5.4.15) with every topic id type decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<subscribe_msg>() >= 3);
}
TEST_CASE("SUBACK (§5.4.16) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<suback_msg>() >= 1);
}
TEST_CASE("UNSUBSCRIBE (§5.4.17) with every topic id type decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<unsubscribe_msg>() >= 3);
}
TEST_CASE("UNSUBACK (§5.4.18) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<unsuback_msg>() >= 1);
}
TEST_CASE("PINGREQ (§5.4.19) with and without client id decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<pingreq_msg>() >= 2);
}
TEST_CASE("PINGRESP (§5.4.20) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<pingresp_msg>() >= 1);
}
TEST_CASE("DISCONNECT (§5.4.21) with and without duration decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<disconnect_msg>() >= 2);
}
TEST_CASE("WILLTOPICUPD (§5.4.22), empty or not, decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<willtopicupd_msg>() >= 2);
}
TEST_CASE("WILLTOPICRESP (§5.4.24) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<willtopicresp_msg>() >= 1);
}
TEST_CASE("WILLMSGUPD (§5.4.23) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<willmsgupd_msg>() >= 1);
}
TEST_CASE("WILLMSGRESP (§5.4.25) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<willmsgresp_msg>() >= 1);
}
TEST_CASE("forwarder encapsulation (§5.5) decodes and encodes byte-exactly")
{
    CHECK(check_vectors_of<encapsulated_msg>() >= 2);
}

TEST_CASE("every v1.2 message type has a vector")
{
    std::vector<bool> seen(std::variant_size_v<message>, false);
    for (const auto& v : test::sn_v1_2_vectors())
        seen[v.value.index()] = true;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        INFO("variant index " << i);
        CHECK(seen[i]);
    }
}

TEST_CASE("the inner message of an encapsulation decodes on its own")
{
    for (const auto& v : test::sn_v1_2_vectors()) {
        if (const auto* e = std::get_if<encapsulated_msg>(&v.value)) {
            INFO(v.name);
            CHECK(decode(e->message).has_value());
        }
    }
}

// ---- §5.2.1 Length forms

TEST_CASE("encode switches to the 3-octet Length above 255 octets (§5.2.1)")
{
    // 5 fixed octets + data: 248 data octets make 255, 249 make 4 + 5 + 249 = 258.
    const publish_msg p248{.topic_id = 1, .data = std::vector<std::byte>(248, std::byte{0x55})};
    const auto w248 = encode(p248).value();
    CHECK(w248.size() == 255);
    CHECK(test::to_hex({w248.begin(), w248.begin() + 2}) == "ff 0c");
    CHECK(encoded_size(p248) == 255);

    const publish_msg p249{.topic_id = 1, .data = std::vector<std::byte>(249, std::byte{0x55})};
    const auto w249 = encode(p249).value();
    CHECK(w249.size() == 258);
    CHECK(test::to_hex({w249.begin(), w249.begin() + 4}) == "01 01 02 0c");
    CHECK(encoded_size(p249) == 258);
    CHECK(decode(w249).value() == message{p249});
}

TEST_CASE("the 3-octet Length form is accepted for a message of any size (§5.2.1)")
{
    CHECK(decode(hex("01 00 04 16")).value() == message{pingreq_msg{}});
    CHECK(decode(hex("01 00 07 0e 00 05" /* PUBCOMP */ "")).has_error()); // 6 octets, Length says 7
    CHECK(decode(hex("01 00 06 0e 00 05")).value() == message{pubcomp_msg{.msg_id = 5}});
    CHECK(decode(hex("01 00 07 18 00 3c ")).has_error());
    CHECK(decode(hex("01 00 06 18 00 3c")).value() == message{disconnect_msg{.duration = 60}});
}

TEST_CASE("a message of 65535 octets is the largest encode accepts, larger ones append nothing")
{
    publish_msg p{.topic_id = 1};
    p.data.resize(65535 - 4 - 5);
    std::vector<std::byte> out = hex("aa");
    const auto n = encode(p, out);
    REQUIRE(n.has_value());
    CHECK(*n == 65535);
    CHECK(out.size() == 65536);
    CHECK(test::to_hex({out.begin(), out.begin() + 5}) == "aa 01 ff ff 0c");
    CHECK(decode(std::span(out).subspan(1)).value() == message{p});

    p.data.push_back(std::byte{0});
    CHECK(encoded_size(p) == 65536);
    out = hex("aa");
    const auto too_long = encode(p, out);
    REQUIRE(too_long.has_error());
    CHECK(too_long.error() == sn::errc::field_too_long);
    CHECK(out == hex("aa"));
    CHECK(encode(p).error() == sn::errc::field_too_long);

    register_msg r{.topic_name = std::string(65535, 'a')};
    CHECK(encode(r).error() == sn::errc::field_too_long);
}

TEST_CASE("encode appends to what is already in the buffer and returns the octets written")
{
    std::vector<std::byte> out = hex("02 17");
    const auto n = encode(pubrel_msg{.msg_id = 1}, out);
    REQUIRE(n.has_value());
    CHECK(*n == 4);
    CHECK(out == hex("02 17 04 10 00 01"));
}

TEST_CASE("an encapsulation's Wireless Node Id longer than 252 octets cannot be encoded (§5.5)")
{
    encapsulated_msg e{.wireless_node_id = std::vector<std::byte>(252, std::byte{1}),
                       .message = hex("02 17")};
    const auto ok = encode(e).value();
    CHECK(ok.size() == 257);
    CHECK(test::to_hex({ok.begin(), ok.begin() + 3}) == "ff fe 00");
    CHECK(decode(ok).value() == message{e});

    e.wireless_node_id.push_back(std::byte{1});
    std::vector<std::byte> out;
    CHECK(encode(e, out).error() == sn::errc::field_too_long);
    CHECK(out.empty());

    encapsulated_msg huge{.wireless_node_id = hex("01"),
                          .message = std::vector<std::byte>(65536, std::byte{0})};
    CHECK(encode(huge).error() == sn::errc::field_too_long);
}

// ---- "not used" flag bits (§5.4.x): ignored on decode, written as zero by encode

TEST_CASE("flag bits a message does not use are ignored and re-encoded as zero")
{
    SUBCASE("CONNECT: DUP, QoS, Retain and TopicIdType are not used (§5.4.4)")
    {
        const auto m = decode(hex("08 04 ff 01 00 0a 63 31")).value();
        CHECK(m ==
              message{connect_msg{.will = true, .clean_session = true, .duration = 10, .client_id = "c1"}});
        CHECK(encode(m).value() == hex("08 04 0c 01 00 0a 63 31"));
    }
    SUBCASE("WILLTOPIC: DUP, Will, CleanSession and TopicIdType are not used (§5.4.7)")
    {
        const auto m = decode(hex("04 07 af 77")).value(); // DUP, QoS 1, Will, CleanSession, type 0b11
        CHECK(m == message{willtopic_msg{.will = will_topic_fields{.q = qos::one, .will_topic = "w"}}});
        CHECK(encode(m).value() == hex("04 07 20 77"));
    }
    SUBCASE("WILLTOPICUPD: the same bits are not used (§5.4.22)")
    {
        const auto m = decode(hex("04 1a 9f 77")).value(); // DUP, Retain, Will, CleanSession, type 0b11
        CHECK(m == message{willtopicupd_msg{
                       .will = will_topic_fields{.q = qos::zero, .retain = true, .will_topic = "w"}}});
        CHECK(encode(m).value() == hex("04 1a 10 77"));
    }
    SUBCASE("PUBLISH: Will and CleanSession are not used (§5.4.12)")
    {
        const auto m = decode(hex("07 0c 0c 00 01 00 00")).value();
        CHECK(m == message{publish_msg{.topic_id = 1}});
        CHECK(encode(m).value() == hex("07 0c 00 00 01 00 00"));
    }
    SUBCASE("SUBSCRIBE: Retain, Will and CleanSession are not used (§5.4.15)")
    {
        const auto m = decode(hex("07 12 1d 00 01 00 07")).value(); // Retain, Will, CleanSession, predefined
        CHECK(m ==
              message{subscribe_msg{.topic_id_type = topic_id_type::predefined, .msg_id = 1, .topic_id = 7}});
        CHECK(encode(m).value() == hex("07 12 01 00 01 00 07"));
    }
    SUBCASE("SUBACK: everything but QoS is not used, TopicIdType 0b11 included (§5.4.16)")
    {
        const auto m = decode(hex("08 13 bf 00 01 00 02 00")).value(); // DUP, QoS 1, all low bits
        CHECK(m == message{suback_msg{.q = qos::one, .topic_id = 1, .msg_id = 2}});
        CHECK(encode(m).value() == hex("08 13 20 00 01 00 02 00"));
    }
    SUBCASE("UNSUBSCRIBE: everything but TopicIdType is not used, QoS 0b11 included (§5.4.17)")
    {
        const auto m = decode(hex("07 14 fd 00 01 00 07")).value();
        CHECK(m == message{unsubscribe_msg{
                       .topic_id_type = topic_id_type::predefined, .msg_id = 1, .topic_id = 7}});
        CHECK(encode(m).value() == hex("07 14 01 00 01 00 07"));
    }
}

TEST_CASE("reserved TopicId values and a MsgId on a QoS 0 PUBLISH are left to the gateway (§5.3.11, §5.4.12)")
{
    CHECK(decode(hex("07 0c 00 ff ff 00 09")).value() ==
          message{publish_msg{.topic_id = 0xFFFF, .msg_id = 9}});
    CHECK(decode(hex("07 0c 60 00 00 00 01")).value() ==
          message{publish_msg{.q = qos::minus_one, .msg_id = 1}});
}

TEST_CASE("a CONNECT with Duration 0 and a one-character client id is valid")
{
    CHECK(decode(hex("07 04 00 01 00 00 78")).value() == message{connect_msg{.client_id = "x"}});
}

TEST_CASE("the topic name of REGISTER and SUBSCRIBE is UTF-8, client ids and payloads are opaque")
{
    // ClientId (§5.3.1) and Data (§5.3.2) carry no UTF-8 rule in 1.2.
    CHECK(decode(hex("07 04 00 01 00 0a ff")).value() ==
          message{connect_msg{.duration = 10, .client_id = "\xff"}});
    CHECK(decode(hex("03 16 c0")).value() == message{pingreq_msg{.client_id = "\xc0"}});
    CHECK(decode(hex("08 0c 00 00 01 00 00 ff")).value() ==
          message{publish_msg{.topic_id = 1, .data = hex("ff")}});
    // Short topic names are two octets, not checked (§6.7).
    CHECK(decode(hex("07 12 02 00 01 ff fe")).value() ==
          message{subscribe_msg{
              .topic_id_type = topic_id_type::short_name, .msg_id = 1, .topic_name = "\xff\xfe"}});
}

TEST_CASE("an engaged but empty optional part encodes like an absent one")
{
    CHECK(encode(gwinfo_msg{.gw_id = 1, .gw_add = std::vector<std::byte>{}}).value() == hex("03 02 01"));
    CHECK(encode(pingreq_msg{.client_id = ""}).value() == hex("02 16"));
}

// ---- names and descriptions

TEST_CASE("type names follow Table 3 and reserved codes are named reserved")
{
    CHECK(type_name(publish_msg{}) == "PUBLISH");
    CHECK(type_name(willtopicreq_msg{}) == "WILLTOPICREQ");
    CHECK(type_name(encapsulated_msg{}) == "ENCAPSULATED");
    CHECK(msg_type_name(0x0E) == "PUBCOMP");
    CHECK(msg_type_name(0x0F) == "PUBREC");
    CHECK(msg_type_name(0x10) == "PUBREL");
    for (unsigned code : {0x03u, 0x11u, 0x19u, 0x1Eu, 0x80u, 0xFDu, 0xFFu})
        CHECK(msg_type_name(static_cast<std::uint8_t>(code)) == "reserved");
    CHECK(msg_type_of(register_msg{}) == msg_type::register_);
    CHECK(static_cast<unsigned>(msg_type_of(encapsulated_msg{})) == 0xFEu);
}

TEST_CASE("return codes carry the meanings of Table 5")
{
    CHECK(return_code_meaning(0x00) == "accepted");
    CHECK(return_code_meaning(0x01) == "rejected: congestion");
    CHECK(return_code_meaning(0x02) == "rejected: invalid topic ID");
    CHECK(return_code_meaning(0x03) == "rejected: not supported");
    CHECK(return_code_meaning(0x04).empty());
    CHECK(return_code_meaning(0xFF).empty());
}

TEST_CASE("operator<< prints one readable line")
{
    CHECK(describe(publish_msg{.q = qos::one, .topic_id = 1, .msg_id = 2, .data = bytes("hi")}) ==
          "PUBLISH{dup:0,qos:0x01 (at least once),retain:0,topic_id_type:0x00 (normal),topic_id:1,msg_id:2,"
          "data:6869 (2 octets)}");
    CHECK(describe(connect_msg{.clean_session = true, .duration = 10, .client_id = "c1"}) ==
          "CONNECT{will:0,clean_session:1,protocol_id:0x01 (MQTT-SN 1.2),duration:10,client_id:\"c1\"}");
    CHECK(describe(puback_msg{.topic_id = 9, .return_code = 0x02}) ==
          "PUBACK{topic_id:9,msg_id:0,return_code:0x02 (rejected: invalid topic ID)}");
    CHECK(describe(connack_msg{.return_code = 0x7f}) == "CONNACK{return_code:0x7f}");
    CHECK(describe(willtopic_msg{}) == "WILLTOPIC{}");
    CHECK(describe(disconnect_msg{.duration = 3600}) == "DISCONNECT{duration:3600}");
    CHECK(describe(
              subscribe_msg{.topic_id_type = topic_id_type::short_name, .msg_id = 5, .topic_name = "ab"}) ==
          "SUBSCRIBE{dup:0,qos:0x00 (at most once),topic_id_type:0x02 (short "
          "name),msg_id:5,topic_name:\"ab\"}");
    CHECK(
        describe(encapsulated_msg{.radius = 1, .wireless_node_id = hex("00 13"), .message = hex("02 17")}) ==
        "ENCAPSULATED{radius:1,wireless_node_id:0013 (2 octets),message:0217 (2 octets)}");
}

TEST_CASE("operator<< describes every vector without breaking the line")
{
    for (const auto& v : test::sn_v1_2_vectors()) {
        const std::string line = describe(v.value);
        INFO(line);
        CHECK(line.rfind(std::string(type_name(v.value)) + "{", 0) == 0);
        CHECK(line.back() == '}');
        CHECK(line.find('\n') == std::string::npos);
    }
}

TEST_CASE("to_json gives one object with a key per field")
{
    CHECK(
        to_json(publish_msg{.q = qos::minus_one,
                            .topic_id_type = topic_id_type::predefined,
                            .topic_id = 42,
                            .data = bytes("21.5")}) ==
        R"({"type":"PUBLISH","dup":false,"qos":3,"qos_text":"QoS -1, without connection","retain":false,)"
        R"("topic_id_type":1,"topic_id_type_text":"predefined","topic_id":42,"msg_id":0,"data":"32312e35"})");
    CHECK(to_json(pingreq_msg{.client_id = "c1"}) == R"({"type":"PINGREQ","client_id":"c1"})");
    CHECK(to_json(regack_msg{.topic_id = 5, .msg_id = 1}) ==
          R"({"type":"REGACK","topic_id":5,"msg_id":1,"return_code":0,"return_code_text":"accepted"})");
    CHECK(to_json(gwinfo_msg{.gw_id = 1, .gw_add = hex("c0 a8 00 01")}) ==
          R"({"type":"GWINFO","gw_id":1,"gw_add":"c0a80001"})");
}
