// SPDX-License-Identifier: MIT
// First contact (design.md §2): what a datagram from a sender without a session is.
#include <sngw/sn/classify.hpp>

#include "support/hex.hpp"

#include <doctest/doctest.h>

using namespace sngw;
using sngw::test::hex;
using kind = sn::first_contact_kind;
constexpr auto v1 = sn::protocol_version::v1_2;
constexpr auto v2 = sn::protocol_version::v2_0;

TEST_CASE("type 0x04 with ProtocolId 0x01 is a v1.2 CONNECT")
{
    CHECK(sn::classify_first_contact(hex("08 04 04 01 00 0a 63 31")) == sn::first_contact{kind::connect, v1});
    // ProtocolId 0x02 (the legacy-draft 2.0 CONNECT) is not taken for v1.2.
    CHECK(sn::classify_first_contact(hex("08 04 04 02 00 0a 63 31")) == sn::first_contact{});
}

TEST_CASE("type 0x01 of at least 10 octets with protocol version 0x02 is a v2.0 CONNECT")
{
    // Length 0c, CONNECT, Flags clean start, Packet Id 0001, Version 02, Keep Alive 003c,
    // Max Packet Size 0000, ClientId "c1".
    CHECK(sn::classify_first_contact(hex("0c 01 01 00 01 02 00 3c 00 00 63 31")) ==
          sn::first_contact{kind::connect, v2});
    // With the Will flag a Will Flags octet comes before the Packet Id.
    CHECK(sn::classify_first_contact(hex("0d 01 03 00 00 01 02 00 3c 00 00 63 31")) ==
          sn::first_contact{kind::connect, v2});
    // Version 0x01 is not a v2.0 CONNECT.
    CHECK(sn::classify_first_contact(hex("0c 01 01 00 01 01 00 3c 00 00 63 31")) == sn::first_contact{});
}

TEST_CASE("a 3-octet 0x01 is a v1.2 SEARCHGW, 0x17 a v2.0 SEARCHGW")
{
    CHECK(sn::classify_first_contact(hex("03 01 00")) == sn::first_contact{kind::searchgw, v1});
    CHECK(sn::classify_first_contact(hex("02 17")) == sn::first_contact{kind::searchgw, v2});
}

TEST_CASE("0x0C with QoS bits 0b11 is a v1.2 QoS -1 PUBLISH, 0x12 a v2.0 PUBWOS")
{
    CHECK(sn::classify_first_contact(hex("09 0c 61 00 01 00 00 68 69")) ==
          sn::first_contact{kind::publish_without_session, v1});
    // QoS 1 needs a session, but only v1.2 has a 9-octet 0x0C.
    CHECK(sn::classify_first_contact(hex("09 0c 21 00 01 00 01 68 69")) == sn::first_contact{kind::other, v1});
    CHECK(sn::classify_first_contact(hex("07 12 01 00 01 68 69")) ==
          sn::first_contact{kind::publish_without_session, v2});
}

TEST_CASE("a v1.2 PINGREQ with a ClientId is a sleeper waking, a bare one needs a session")
{
    CHECK(sn::classify_first_contact(hex("04 16 63 31")) == sn::first_contact{kind::wake, v1});
    CHECK(sn::classify_first_contact(hex("02 16")) == sn::first_contact{kind::other, v1});
}

TEST_CASE("encapsulations: v1.2 0xFE has a Length over its header only, v2.0 0xFE and 0xFC over the whole packet")
{
    // v1.2: Length 05 covers 05 fe Ctrl NodeId(2); the PINGREQ 02 16 follows.
    CHECK(sn::classify_first_contact(hex("05 fe 00 ab cd 02 16")) == sn::first_contact{kind::encapsulation, v1});
    // v2.0 connection encapsulation: Length 0a spans it all.
    CHECK(sn::classify_first_contact(hex("0a fe 00 02 63 31 04 0c 00 01")) ==
          sn::first_contact{kind::encapsulation, v2});
    CHECK(sn::classify_first_contact(hex("07 fc 02 ab cd 02 17")) == sn::first_contact{kind::encapsulation, v2});
}

TEST_CASE("anything else needs a session, the version is named only where the type code says it")
{
    CHECK(sn::classify_first_contact(hex("04 0c 00 01")) == sn::first_contact{kind::other, v2});   // v2.0 PINGREQ
    CHECK(sn::classify_first_contact(hex("03 1a 00")) == sn::first_contact{kind::other, v1});      // WILLTOPICUPD
    CHECK(sn::classify_first_contact(hex("04 ff 00 00")) == sn::first_contact{kind::other, v2});   // protection
    CHECK(sn::classify_first_contact(hex("07 0d 00 01 00 02 00")) == sn::first_contact{kind::other, v1}); // PUBACK
    CHECK(sn::classify_first_contact(hex("")) == sn::first_contact{});
    CHECK(sn::classify_first_contact(hex("01")) == sn::first_contact{});
    CHECK(sn::classify_first_contact(hex("01 00")) == sn::first_contact{});
}

TEST_CASE("packets that need a session name their version where type code and size allow only one")
{
    using sn::first_contact;
    CHECK(sn::classify_first_contact(hex("08 03 03 00 01 61 68 69")) == first_contact{kind::other, v2});  // v2.0 PUBLISH
    CHECK(sn::classify_first_contact(hex("06 11 00 00 01 00")) == first_contact{kind::other, v2});        // v2.0 REGACK
    CHECK(sn::classify_first_contact(hex("07 08 03 00 01 61 62")) == first_contact{kind::other, v2});     // v2.0 SUBSCRIBE
    CHECK(sn::classify_first_contact(hex("02 08")) == first_contact{kind::other, v1});                    // WILLMSGREQ
    CHECK(sn::classify_first_contact(hex("04 10 00 01")) == first_contact{kind::other, v1});              // v1.2 PUBREL
    CHECK(sn::classify_first_contact(hex("06 10 00 00 01 61")) == first_contact{kind::other, v2});        // v2.0 REGISTER
    CHECK(sn::classify_first_contact(hex("09 13 00 00 01 00 00 00 3c")) == first_contact{kind::other, v2}); // SLEEPREQ
    CHECK(sn::classify_first_contact(hex("03 0e 00")) == first_contact{kind::other, v2});                 // DISCONNECT
    CHECK(sn::classify_first_contact(hex("02 18")) == first_contact{kind::other, v1});                    // DISCONNECT
    CHECK(sn::classify_first_contact(hex("04 18 00 3c")) == first_contact{kind::other, v1});              // sleep request
    CHECK(sn::classify_first_contact(hex("07 14 00 00 01 61 62")) == first_contact{kind::other, v1});     // UNSUBSCRIBE
    // 4 octets of 0x0E are a v1.2 PUBCOMP or a v2.0 DISCONNECT with a reason code: no version.
    CHECK(sn::classify_first_contact(hex("04 0e 04 8b")) == first_contact{});
    // 0x09 is WILLMSG in v1.2 and SUBACK in v2.0, of any size.
    CHECK(sn::classify_first_contact(hex("06 09 00 00 01 00")) == first_contact{});
}

TEST_CASE("long Length forms are classified the same way")
{
    CHECK(sn::classify_first_contact(hex("01 00 0a 04 04 01 00 0a 63 31")) == sn::first_contact{kind::connect, v1});
    CHECK(sn::classify_first_contact(hex("01 00 04 17")) == sn::first_contact{kind::searchgw, v2});
    CHECK(sn::classify_first_contact(hex("01 00 0e 01 01 00 01 02 00 3c 00 00 63 31")) ==
          sn::first_contact{kind::connect, v2});
    CHECK(sn::classify_first_contact(hex("01 00 0c fe 00 02 63 31 04 0c 00 01")) ==
          sn::first_contact{kind::encapsulation, v2});
}
