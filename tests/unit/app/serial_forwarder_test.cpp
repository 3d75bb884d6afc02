// SPDX-License-Identifier: MIT
// Forwarder encapsulation as the serial transport uses it (sngw/framing/forwarder.hpp): byte-exact
// v1.2 (0xFE, MQTT-SN v1.2 §5.5) and v2.0 (0xFC, MQTT-SN 2.0 §3.19) vectors both ways, agreement
// with sngw::sn_codec on the shared vectors, malformed input, and the raw-stream joiner.
#include <sngw/framing/forwarder.hpp>

#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>

#include "support/hex.hpp"
#include "vectors/sn_vectors.hpp"

#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

using namespace sngw::framing;
using sngw::test::hex;

namespace {

std::vector<std::byte> bytes_of(std::span<const std::byte> s)
{
    return {s.begin(), s.end()};
}

std::vector<std::byte> cat(std::vector<std::byte> a, const std::vector<std::byte>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

} // namespace

TEST_CASE("v1.2 encapsulation: Length covers the header only, Ctrl and node id are kept, both ways")
{
    const auto wire = hex("05"                        // Length 5: Length, MsgType, Ctrl, 2-octet node id
                          "fe"                        // MsgType Encapsulated message (v1.2 §5.5)
                          "02"                        // Ctrl: radius 2
                          "00 13"                     // Wireless Node Id
                          "08 04 04 01 00 0a 63 31"); // CONNECT clean session, 10 s, "c1"
    const auto f = unwrap_forwarded(wire);
    REQUIRE(f.has_value());
    CHECK(f->from.version == forwarder_version::v1_2);
    CHECK(f->from.node_id == hex("00 13"));
    CHECK(f->ctrl == 0x02);
    CHECK(bytes_of(f->message) == hex("08 04 04 01 00 0a 63 31"));
    CHECK(to_string(f->from) == "fwd1.2 node 0013");

    // The reply to that node: same node id, same Ctrl.
    CHECK(wrap_forwarded(f->from, f->ctrl, hex("03 05 00")).value() ==
          hex("05 fe 02 00 13"                                                  // header as received
              "03 05 00"));                                                     // CONNACK accepted
    CHECK(forwarder_header(f->from, 0xFF, 3).value() == hex("05 fe 03 00 13")); // reserved bits cleared
}

TEST_CASE("v2.0 forwarder encapsulation: Length spans the whole packet, in both Length forms")
{
    const auto wire = hex("09 fc"         // Length 9 (whole packet), Forwarder Encapsulation
                          "02"            // Client Addressing Information Length 2
                          "12 ab"         // Client Addressing Information
                          "04 0c 00 01"); // PINGREQ (v2.0), Packet Identifier 1
    const auto f = unwrap_forwarded(wire);
    REQUIRE(f.has_value());
    CHECK(f->from.version == forwarder_version::v2_0);
    CHECK(f->from.node_id == hex("12 ab"));
    CHECK(f->ctrl == 0);
    CHECK(bytes_of(f->message) == hex("04 0c 00 01"));
    CHECK(wrap_forwarded(f->from, 0, hex("04 0c 00 01")).value() == wire);

    // 255 octets in all still take the 1-octet Length; 256 take 0x01 + 2 octets.
    const forwarder_address node{forwarder_version::v2_0, hex("2a")};
    std::vector<std::byte> inner(251, std::byte{0x41});
    inner[0] = std::byte{251}; // Length 251
    inner[1] = std::byte{0x0c};
    const auto short_form = wrap_forwarded(node, 0, inner).value();
    CHECK(short_form.size() == 255);
    CHECK(bytes_of(std::span(short_form).first(4)) == hex("ff fc 01 2a"));
    CHECK(bytes_of(unwrap_forwarded(short_form)->message) == inner);

    inner.push_back(std::byte{0x41});
    inner[0] = std::byte{252};
    const auto long_form = wrap_forwarded(node, 0, inner).value();
    CHECK(long_form.size() == 258);
    CHECK(bytes_of(std::span(long_form).first(6)) == hex("01 01 02 fc 01 2a")); // Length 258
    CHECK(bytes_of(unwrap_forwarded(long_form)->message) == inner);
}

TEST_CASE("every encapsulation vector of sn_codec unwraps to its fields and wraps back to its wire form")
{
    int checked = 0;
    for (const auto& v : sngw::test::sn_v1_2_vectors()) {
        const auto* e = std::get_if<sngw::sn::v1_2::encapsulated_msg>(&v.value);
        if (!e) continue;
        CAPTURE(v.name);
        const auto f = unwrap_forwarded(v.wire);
        REQUIRE(f.has_value());
        CHECK(f->from.version == forwarder_version::v1_2);
        CHECK(f->from.node_id == e->wireless_node_id);
        CHECK(f->ctrl == e->radius);
        CHECK(bytes_of(f->message) == e->message);
        CHECK(wrap_forwarded(f->from, f->ctrl, f->message).value() == v.wire);
        ++checked;
    }
    for (const auto& v : sngw::test::sn_v2_0_vectors()) {
        const auto* e = std::get_if<sngw::sn::v2_0::forwarder_encapsulation_msg>(&v.value);
        if (!e) continue;
        CAPTURE(v.name);
        const auto f = unwrap_forwarded(v.wire);
        REQUIRE(f.has_value());
        CHECK(f->from.version == forwarder_version::v2_0);
        CHECK(f->from.node_id == e->client_addressing_information);
        CHECK(bytes_of(f->message) == e->message);
        if (v.encodes_back) {
            CHECK(wrap_forwarded(f->from, 0, f->message).value() == v.wire);
            // And sn_codec builds the same octets.
            CHECK(sngw::sn::v2_0::encode(v.value).value() == v.wire);
        }
        ++checked;
    }
    CHECK(checked >= 6);

    // What wrap builds, sn_codec decodes to the same fields.
    const forwarder_address node{forwarder_version::v1_2, hex("0a 0b 0c")};
    const auto wrapped = wrap_forwarded(node, 1, hex("02 16")).value();
    const auto decoded = sngw::sn::v1_2::decode(wrapped);
    REQUIRE(decoded.has_value());
    const auto& m = std::get<sngw::sn::v1_2::encapsulated_msg>(*decoded);
    CHECK(m.radius == 1);
    CHECK(m.wireless_node_id == hex("0a 0b 0c"));
    CHECK(m.message == hex("02 16"));
}

TEST_CASE("malformed encapsulations are refused with a reason, never read past the datagram")
{
    const auto err = [](const std::vector<std::byte>& d) {
        const auto r = unwrap_forwarded(d);
        return r ? std::string("ok") : std::string(to_string(static_cast<forwarder_errc>(r.error().value())));
    };
    CHECK(err(hex("02 16")) == "not_encapsulated");                   // a plain PINGREQ
    CHECK(err(hex("08 04 04 01 00 0a 63 31")) == "not_encapsulated"); // a plain CONNECT
    CHECK(err(hex("fe")) == "not_encapsulated");
    CHECK(err({}) == "not_encapsulated");
    CHECK(err(hex("05 fe 00 00")) == "truncated");        // header cut short
    CHECK(err(hex("03 fe 00 02 16")) == "empty_node_id"); // Length 3: no Wireless Node Id
    CHECK(err(hex("02 fe 00 02 16")) == "bad_length_field");
    CHECK(err(hex("01 fe 00 07 02 16")) == "bad_length_field"); // v1.2 has no 3-octet form here
    CHECK(err(hex("04 fe 04 07 02 16")) == "reserved_bits");    // Ctrl bit 2
    CHECK(err(hex("04 fe 00 07")) == "empty_message");
    CHECK(err(hex("04 fe 00 07 03 16")) == "truncated");          // inner Length 3, 2 octets
    CHECK(err(hex("04 fe 00 07 02 16 00")) == "length_mismatch"); // inner Length 2, 3 octets
    CHECK(err(hex("04 fe 00 07 00 16")) == "bad_length_field");   // inner Length 0
    CHECK(err(hex("04 fe 00 07 06 fe 00 08 02 16")) == "nested"); // 0xFE inside 0xFE
    CHECK(err(hex("06 fc 01 07 02 16")) == "ok");
    CHECK(err(hex("07 fc 01 07 02 16")) == "truncated");       // Length 7, 6 octets
    CHECK(err(hex("05 fc 01 07 02 16")) == "length_mismatch"); // Length 5, 6 octets
    CHECK(err(hex("04 fc 05 07")) == "truncated");             // CAI Length beyond the packet
    CHECK(err(hex("03 fc 00")) == "empty_message");
    CHECK(err(hex("02 fc")) == "bad_length_field");
    CHECK(err(hex("0a fc 00 06 fc 00 02 16 00 00")) == "length_mismatch");
    CHECK(err(hex("08 fc 00 05 fc 00 02 16")) == "nested"); // 0xFC inside 0xFC
    // A v2.0 Connection Encapsulation (0xFE) may ride inside a Forwarder Encapsulation (§3.18).
    CHECK(err(hex("0a fc 00 07 fe 00 01 63 02 16")) == "ok");

    // Wrapping limits.
    CHECK(!forwarder_header({forwarder_version::v1_2, {}}, 0, 2));
    CHECK(!forwarder_header({forwarder_version::v1_2, std::vector<std::byte>(253)}, 0, 2));
    CHECK(forwarder_header({forwarder_version::v1_2, std::vector<std::byte>(252)}, 0, 2).value().size() ==
          255);
    CHECK(!forwarder_header({forwarder_version::v2_0, std::vector<std::byte>(256)}, 0, 2));
    // 3-octet Length, 0xFC, CAI Length, 1 octet of CAI: 6 + message <= 65,535.
    CHECK(!forwarder_header({forwarder_version::v2_0, hex("01")}, 0, 65530));
    CHECK(forwarder_header({forwarder_version::v2_0, hex("01")}, 0, 65529).value() ==
          hex("01 ff ff fc 01 01"));
}

TEST_CASE("raw framing delivers a v1.2 header and its message as two packets: the joiner puts them together")
{
    forwarder_joiner j;
    const auto header = hex("05 fe 01 00 13"); // Length 5, 0xFE, radius 1, node 00 13
    const auto connect = hex("08 04 04 01 00 0a 63 31");
    CHECK(v1_2_header_only(header) == 5u);
    CHECK_FALSE(v1_2_header_only(cat(header, connect)));
    CHECK_FALSE(v1_2_header_only(hex("06 fc 01 07 02 16")));

    CHECK_FALSE(j.put(header).has_value());
    CHECK(j.waiting());
    const auto joined = j.put(connect);
    REQUIRE(joined.has_value());
    CHECK(bytes_of(*joined) == cat(header, connect));
    CHECK_FALSE(j.waiting());

    // Whole datagrams (slip, cobs, xbee, a v2.0 encapsulation) pass through untouched.
    const auto whole = cat(header, connect);
    const auto passed = j.put(whole);
    REQUIRE(passed.has_value());
    CHECK(passed->data() == whole.data());
    const auto v2 = hex("06 fc 01 07 02 16");
    CHECK(bytes_of(*j.put(v2)) == v2);

    // A header followed by another header: the first is an orphan.
    CHECK_FALSE(j.put(header).has_value());
    CHECK_FALSE(j.put(hex("04 fe 00 07")).has_value());
    CHECK(j.orphans() == 1);
    CHECK(bytes_of(*j.put(hex("02 16"))) == hex("04 fe 00 07 02 16"));
    // reset() forgets a waiting header (a reopened port).
    CHECK_FALSE(j.put(header).has_value());
    j.reset();
    CHECK(bytes_of(*j.put(hex("02 16"))) == hex("02 16"));
}
