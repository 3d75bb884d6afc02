// SPDX-License-Identifier: MIT
// MQTT-SN 2.0: every vector of sn_v2_0_vectors.cpp both ways (decode(wire) == value, encode(value)
// == wire), one test case per packet type; the Length forms (§2.1.2); encode's refusals; and the
// readable / JSON forms.
#include "support/hex.hpp"
#include "vectors/sn_vectors.hpp"

#include <sngw/sn/v2_0/codec.hpp>

#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <string>

using namespace sngw;
using namespace sngw::sn::v2_0;
using test::hex;

namespace {

std::string text_of(const message& m)
{
    std::ostringstream os;
    os << m;
    return os.str();
}

/// Runs every vector of packet type `t` both ways; there must be at least one.
void check_vectors_of(msg_type t)
{
    std::size_t seen = 0;
    for (const auto& v : test::sn_v2_0_vectors()) {
        if (msg_type_of(v.value) != t) continue;
        ++seen;
        INFO("vector: " << v.name << " = " << test::to_hex(v.wire));
        const auto decoded = decode(v.wire);
        REQUIRE_MESSAGE(decoded.has_value(), "decode failed: " << decoded.error().message());
        CHECK(*decoded == v.value);
        const auto encoded = encode(v.value);
        REQUIRE(encoded.has_value());
        CHECK(encoded_size(v.value) == encoded->size());
        if (v.encodes_back) {
            CHECK(test::to_hex(*encoded) == test::to_hex(v.wire));
        } else {
            // A 3-octet Length for a message that fits 255 octets: encode writes the short form.
            CHECK(encoded->size() < v.wire.size());
            CHECK(decode(*encoded).value() == v.value);
        }
        // Appending encode writes after what is already there and reports what it wrote.
        std::vector<std::byte> out = hex("aa bb");
        const auto n = encode(v.value, out);
        REQUIRE(n.has_value());
        CHECK(*n == encoded->size());
        CHECK(out.size() == 2 + encoded->size());
        // The readable line names the packet as the spec does.
        CHECK(text_of(v.value).rfind(std::string(type_name(v.value)) + "{", 0) == 0);
        CHECK(to_json(v.value).rfind("{\"type\":\"" + std::string(type_name(v.value)) + "\"", 0) == 0);
    }
    CHECK(seen > 0);
}

} // namespace

TEST_CASE("v2.0 CONNECT vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::connect);
}
TEST_CASE("v2.0 CONNACK vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::connack);
}
TEST_CASE("v2.0 AUTH vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::auth);
}
TEST_CASE("v2.0 REGISTER vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::register_);
}
TEST_CASE("v2.0 REGACK vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::regack);
}
TEST_CASE("v2.0 PUBLISH vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::publish);
}
TEST_CASE("v2.0 PUBACK vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::puback);
}
TEST_CASE("v2.0 PUBREC vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::pubrec);
}
TEST_CASE("v2.0 PUBREL vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::pubrel);
}
TEST_CASE("v2.0 PUBCOMP vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::pubcomp);
}
TEST_CASE("v2.0 PUBWOS vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::pubwos);
}
TEST_CASE("v2.0 SUBSCRIBE vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::subscribe);
}
TEST_CASE("v2.0 SUBACK vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::suback);
}
TEST_CASE("v2.0 UNSUBSCRIBE vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::unsubscribe);
}
TEST_CASE("v2.0 UNSUBACK vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::unsuback);
}
TEST_CASE("v2.0 PINGREQ vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::pingreq);
}
TEST_CASE("v2.0 PINGRESP vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::pingresp);
}
TEST_CASE("v2.0 DISCONNECT vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::disconnect);
}
TEST_CASE("v2.0 SLEEPREQ vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::sleepreq);
}
TEST_CASE("v2.0 SLEEPRESP vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::sleepresp);
}
TEST_CASE("v2.0 WAKEUP vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::wakeup);
}
TEST_CASE("v2.0 ADVERTISE vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::advertise);
}
TEST_CASE("v2.0 SEARCHGW vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::searchgw);
}
TEST_CASE("v2.0 GWINFO vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::gwinfo);
}
TEST_CASE("v2.0 Forwarder Encapsulation vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::forwarder_encapsulation);
}
TEST_CASE("v2.0 Connection Encapsulation vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::connection_encapsulation);
}
TEST_CASE("v2.0 Protection Encapsulation vectors decode and encode byte-exactly")
{
    check_vectors_of(msg_type::protection_encapsulation);
}

TEST_CASE("the v2.0 vector table covers all 27 packet types of Figure 2-4")
{
    std::set<msg_type> types;
    for (const auto& v : test::sn_v2_0_vectors())
        types.insert(msg_type_of(v.value));
    CHECK(types.size() == std::variant_size_v<message>);
}

TEST_CASE("the v2.0 vector table holds the spec's own examples byte for byte")
{
    auto find = [](const std::vector<std::byte>& wire) {
        for (const auto& v : test::sn_v2_0_vectors())
            if (v.wire == wire) return true;
        return false;
    };
    CHECK(find(hex("04 0E 04 8B")));       // §3.13: DISCONNECT, Server shutting down
    CHECK(find(hex("06 0E 05 12 34 F4"))); // §3.13: DISCONNECT 0xF4 echoing Packet Identifier 0x1234
    CHECK(decode(hex("04 0E 04 8B")).value() == message{disconnect_msg{.reason_code = 0x8B}});
    CHECK(decode(hex("06 0E 05 12 34 F4")).value() ==
          message{disconnect_msg{.packet_id = 0x1234, .reason_code = 0xF4}});
}

TEST_CASE("every short v2.0 vector also decodes from the 3-octet Length form and encodes back short (2.1.2)")
{
    // MQTT-SN-2.1.2-1: receivers process both forms. Re-frame every 1-octet-Length vector.
    std::size_t reframed = 0;
    for (const auto& v : test::sn_v2_0_vectors()) {
        if (std::to_integer<unsigned>(v.wire[0]) == 0x01 || !v.encodes_back) continue;
        INFO("vector: " << v.name);
        std::vector<std::byte> long_form = hex("01 00 00");
        const auto total = v.wire.size() + 2;
        long_form[1] = static_cast<std::byte>(total >> 8);
        long_form[2] = static_cast<std::byte>(total & 0xFF);
        long_form.insert(long_form.end(), v.wire.begin() + 1, v.wire.end());
        const auto d = decode(long_form);
        REQUIRE(d.has_value());
        CHECK(*d == v.value);
        CHECK(encode(*d).value() == v.wire);
        ++reframed;
    }
    CHECK(reframed > 50);
}

TEST_CASE("encode switches to the 3-octet Length above 255 octets")
{
    // Body of 253 octets: 255 in the 1-octet form. Body of 254: 258 in the 3-octet form; a
    // packet of 256 or 257 octets therefore never comes out of encode.
    const message at_255 = publish_msg{.topic_alias = 1, .payload = std::vector<std::byte>(250)};
    const message at_258 = publish_msg{.topic_alias = 1, .payload = std::vector<std::byte>(251)};
    const auto a = encode(at_255).value();
    const auto b = encode(at_258).value();
    REQUIRE(a.size() == 255);
    CHECK(test::to_hex({a.begin(), a.begin() + 2}) == "ff 03");
    REQUIRE(b.size() == 258);
    CHECK(test::to_hex({b.begin(), b.begin() + 4}) == "01 01 02 03");
    CHECK(encoded_size(at_255) == 255);
    CHECK(encoded_size(at_258) == 258);
}

TEST_CASE("encode refuses what does not fit its length field and appends nothing")
{
    auto refused = [](const message& m) {
        std::vector<std::byte> out = hex("aa");
        const auto r = encode(m, out);
        if (r.has_value()) return false;
        CHECK(out == hex("aa"));
        return r.error() == sn::errc::field_too_long && encode(m).has_error();
    };
    // The whole packet over 65535 octets (§2.1.2).
    CHECK(refused(publish_msg{.topic_alias = 1, .payload = std::vector<std::byte>(65529)}));
    CHECK_FALSE(refused(publish_msg{.topic_alias = 1, .payload = std::vector<std::byte>(65528)})); // 65535
    CHECK(encoded_size(publish_msg{.topic_alias = 1, .payload = std::vector<std::byte>(65529)}) == 65536);
    // Length prefixes: 2-octet topic name and payload lengths, 1-octet method length, ...
    CHECK(refused(publish_msg{.topic_type = topic_type::topic_name, .topic_name = std::string(65536, 'a')}));
    CHECK(refused(connect_msg{.keep_alive = 1, .will = will_fields{.topic_name = std::string(65536, 'a')}}));
    CHECK(refused(connect_msg{
        .keep_alive = 1, .will = will_fields{.topic_name = "t", .payload = std::vector<std::byte>(65536)}}));
    CHECK(refused(connect_msg{.keep_alive = 1, .auth = auth_fields{.method = std::string(256, 'm')}}));
    CHECK(refused(connect_msg{.keep_alive = 1, .auth = auth_fields{.data = std::vector<std::byte>(65536)}}));
    CHECK(refused(connack_msg{.auth = auth_fields{.method = std::string(256, 'm')}}));
    CHECK(refused(auth_msg{.auth_method = std::string(256, 'm')}));
    CHECK_FALSE(refused(auth_msg{.auth_method = std::string(255, 'm')}));
    CHECK(refused(pubwos_msg{.topic_type = topic_type::topic_name, .topic_name = std::string(65536, 'a')}));
    CHECK(refused(forwarder_encapsulation_msg{.client_addressing_information = std::vector<std::byte>(256),
                                              .message = hex("04 0c 00 01")}));
    CHECK(refused(
        connection_encapsulation_msg{.client_id = std::string(65536, 'c'), .message = hex("04 0c 00 01")}));
    // Protection Flags can only say 0/2/4/12 crypto octets, 0/2/4 counter octets, tag codes 0..15.
    CHECK(refused(protection_encapsulation_msg{.cryptographic_material = hex("01 02 03")}));
    CHECK(refused(protection_encapsulation_msg{.monotonic_counter = hex("01 02 03 04 05 06 07 08")}));
    CHECK(refused(protection_encapsulation_msg{.authentication_tag_length = 16}));
}

TEST_CASE("a v2.0 DISCONNECT prints as one readable line with the reason's meaning")
{
    CHECK(text_of(decode(hex("04 0E 04 8B")).value()) ==
          "DISCONNECT{reason_code:0x8b (Server shutting down)}");
    CHECK(text_of(disconnect_msg{}) == "DISCONNECT{}");
    CHECK(text_of(disconnect_msg{.reason_code = 0x00}) ==
          "DISCONNECT{reason_code:0x00 (Normal disconnection)}");
    CHECK(text_of(disconnect_msg{.packet_id = 0x1234, .reason_code = 0xF5, .reason_string = "x"}) ==
          "DISCONNECT{packet_id:4660,reason_code:0xf5,reason_string:\"x\"}"); // 0xF5: reserved, no meaning
}

TEST_CASE("a v2.0 PUBLISH prints its flags, topic and payload")
{
    const message m = publish_msg{.q = qos::qos1,
                                  .topic_type = topic_type::predefined_alias,
                                  .packet_id = 2,
                                  .topic_alias = 7,
                                  .payload = test::bytes("hi")};
    CHECK(text_of(m) == "PUBLISH{dup:0,qos:1,retain:0,topic_type:0x01 (Predefined Topic Alias),packet_id:2,"
                        "topic_alias:7,payload:6869 (2 octets)}");
    const message q0 = publish_msg{.topic_type = topic_type::topic_name, .topic_name = "a/b"};
    CHECK(text_of(q0) ==
          "PUBLISH{dup:0,qos:0,retain:0,topic_type:0x03 (Topic Name or Filter),topic_name:\"a/b\","
          "payload: (0 octets)}");
}

TEST_CASE("v2.0 messages turn into one JSON object each")
{
    CHECK(
        to_json(connack_msg{.packet_id = 0x1234}) ==
        R"({"type":"CONNACK","session_present":false,"packet_id":4660,"reason_code":0,"reason_code_text":"Success"})");
    CHECK(to_json(
              suback_msg{.topic_type = topic_type::predefined_alias, .packet_id = 4, .reason_code = 0x00}) ==
          R"({"type":"SUBACK","topic_type":1,"topic_type_text":"Predefined Topic Alias","packet_id":4,)"
          R"("reason_code":0,"reason_code_text":"Granted QoS 0"})");
    CHECK(to_json(connection_encapsulation_msg{.client_id = "dev", .message = hex("04 0c 00 05")}) ==
          R"({"type":"Connection Encapsulation","client_id":"dev","message":"040c0005"})");
    CHECK(to_json(wakeup_msg{}) == R"({"type":"WAKEUP"})");
}

TEST_CASE("optional fields are printed only when present")
{
    CHECK(text_of(puback_msg{.packet_id = 1}) == "PUBACK{packet_id:1}");
    CHECK(text_of(puback_msg{.packet_id = 1, .reason_code = 0}) ==
          "PUBACK{packet_id:1,reason_code:0x00 (Success)}");
    CHECK(text_of(pingresp_msg{.packet_id = 1, .application_messages_remaining = 0}) ==
          "PINGRESP{packet_id:1,application_messages_remaining:0}");
    CHECK(text_of(connack_msg{.auth = auth_fields{.method = "PLAIN"}}) ==
          "CONNACK{session_present:0,packet_id:0,reason_code:0x00 (Success),auth_method:\"PLAIN\",auth_data: "
          "(0 octets)}");
}

TEST_CASE("type_name and msg_type_of follow Figure 2-4")
{
    CHECK(type_name(register_msg{}) == "REGISTER");
    CHECK(type_name(forwarder_encapsulation_msg{}) == "Forwarder Encapsulation");
    CHECK(static_cast<unsigned>(msg_type_of(pubwos_msg{})) == 0x12);
    CHECK(static_cast<unsigned>(msg_type_of(gwinfo_msg{})) == 0x18);
    CHECK(static_cast<unsigned>(msg_type_of(connection_encapsulation_msg{})) == 0xFE);
    CHECK(static_cast<unsigned>(msg_type_of(protection_encapsulation_msg{})) == 0xFF);
    for (const auto& v : test::sn_v2_0_vectors()) {
        const auto wire_type =
            std::to_integer<unsigned>(v.wire[std::to_integer<unsigned>(v.wire[0]) == 1 ? 3 : 1]);
        CHECK(static_cast<unsigned>(msg_type_of(v.value)) == wire_type);
    }
}

TEST_CASE("authentication_tag_size follows the Protection Flags and the scheme table (3.17.2.3)")
{
    auto size = [](std::uint8_t code, std::uint8_t scheme) {
        return authentication_tag_size(
            protection_encapsulation_msg{.authentication_tag_length = code, .protection_scheme = scheme});
    };
    CHECK(size(1, 0x00) == std::optional<std::size_t>{32});  // HMAC-SHA256 nominal 256 bits
    CHECK(size(1, 0x01) == std::optional<std::size_t>{32});  // HMAC-SHA3_256
    CHECK(size(1, 0x03) == std::optional<std::size_t>{16});  // CMAC-192
    CHECK(size(1, 0x41) == std::optional<std::size_t>{8});   // AES-CCM-64-192
    CHECK(size(1, 0x45) == std::optional<std::size_t>{16});  // AES-CCM-128-256
    CHECK(size(1, 0x49) == std::optional<std::size_t>{16});  // ChaCha20/Poly1305
    CHECK(size(4, 0x00) == std::optional<std::size_t>{8});   // 0x4 x 16 bits
    CHECK(size(15, 0x00) == std::optional<std::size_t>{30}); // 0xF x 16 bits
    CHECK_FALSE(size(0, 0x00).has_value());                  // provider defined
    CHECK_FALSE(size(1, 0x3C).has_value());                  // provider-defined scheme
    CHECK_FALSE(size(1, 0xF0).has_value());
    CHECK_FALSE(size(2, 0x00).has_value()); // reserved code
}
