// SPDX-License-Identifier: MIT
// "raw" framing: MQTT-SN packets back to back, delimited by their own Length field (v1.2 §5.2.1).
#include "deframe.hpp"

#include <sngw/framing/raw.hpp>
#include <sngw/sn/v1_2/codec.hpp>

#include <doctest/doctest.h>

using namespace sngw::framing;
using sngw::test::cat;
using sngw::test::counting;
using sngw::test::deframe_all;
using sngw::test::deframe_bytewise;
using sngw::test::hex;
using sngw::test::join;
using sngw::test::to_hex;

namespace {

const auto pingreq = hex("02"   // Length 2 (1-octet form)
                         "16"); // MsgType PINGREQ
const auto pingresp = hex("02 17");
const auto connack = hex("03"   // Length 3
                         "05"   // MsgType CONNACK
                         "00"); // ReturnCode accepted

/// A PUBLISH of 300 octets: too long for the 1-octet Length form.
std::vector<std::byte> long_publish()
{
    return cat(hex("01 01 2c"  // Length: 0x01 marker, then 300 (3-octet form)
                   "0c"        // MsgType PUBLISH
                   "00"        // Flags: QoS 0, TopicIdType normal
                   "00 01"     // TopicId 1
                   "00 00"),   // MsgId 0
               counting(291)); // Data: 300 - 9 octets
}

} // namespace

TEST_CASE("raw framing of a PINGREQ is the packet itself, both ways")
{
    CHECK(raw_frame(pingreq).value() == pingreq);
    raw_deframer d;
    CHECK(deframe_all(d, pingreq).text() == "frame[02 16]");
}

TEST_CASE("raw framing of a 300-octet PUBLISH uses the 3-octet Length form, both ways")
{
    const auto wire = long_publish();
    REQUIRE(wire.size() == 300);
    CHECK(raw_frame(wire).value() == wire);
    raw_deframer d;
    const auto got = deframe_bytewise(d, wire);
    REQUIRE(got.frames.size() == 1);
    CHECK(got.frames[0] == wire);
    CHECK(got.events.size() == 1);
    CHECK(sngw::sn::v1_2::decode(got.frames[0]).has_value());
}

TEST_CASE(
    "mqtt-sn-tools serial bridge: a CONNECT and a PUBLISH as written to the serial port are accepted by raw")
{
    // mqtt-sn-serial-bridge moves packets between its serial port and the gateway unchanged, in
    // both directions: it reads a Length octet and then Length - 1 more octets, and writes packet[0]
    // octets. These are the packets mqtt-sn-pub builds (mqtt_sn_send_connect, mqtt_sn_send_publish):
    const auto connect = hex("18"    // Length 24 = 6 + strlen(ClientId)
                             "04"    // MsgType CONNECT
                             "04"    // Flags: CleanSession
                             "01"    // ProtocolId
                             "00 0a" // Duration 10 s
                             "6d 71 74 74 2d 73 6e 2d 74 6f 6f 6c 73 2d 34 32 34 32"); // "mqtt-sn-tools-4242"
    const auto publish = hex("0c"               // Length 12 = 7 + strlen(data)
                             "0c"               // MsgType PUBLISH
                             "01"               // Flags: QoS 0, TopicIdType pre-defined (mqtt-sn-pub -T 1)
                             "00 01"            // TopicId 1
                             "00 01"            // MsgId 1 (next_message_id starts at 1, also for QoS 0)
                             "68 65 6c 6c 6f"); // Data "hello"
    const auto stream = join({connect, publish});

    raw_deframer whole;
    raw_deframer bytewise;
    const auto a = deframe_all(whole, stream);
    const auto b = deframe_bytewise(bytewise, stream);
    CHECK(a.text() == b.text());
    REQUIRE(a.frames.size() == 2);
    CHECK(a.frames[0] == connect);
    CHECK(a.frames[1] == publish);
    CHECK(whole.counters().corrupt_total() == 0);

    auto c = sngw::sn::v1_2::decode(a.frames[0]);
    REQUIRE(c.has_value());
    const auto& cm = std::get<sngw::sn::v1_2::connect_msg>(*c);
    CHECK(cm.client_id == "mqtt-sn-tools-4242");
    CHECK(cm.clean_session);
    CHECK(cm.duration == 10);
    auto p = sngw::sn::v1_2::decode(a.frames[1]);
    REQUIRE(p.has_value());
    const auto& pm = std::get<sngw::sn::v1_2::publish_msg>(*p);
    CHECK(pm.topic_id_type == sngw::sn::v1_2::topic_id_type::predefined);
    CHECK(pm.topic_id == 1);
    CHECK(to_hex(pm.data) == "68 65 6c 6c 6f");

    // Back to the sensor: the bridge writes the gateway's packet verbatim, and so does raw_frame.
    CHECK(raw_frame(connack).value() == connack);
}

TEST_CASE("mqtt-sn-tools serial bridge: the 3-octet Length form is accepted by raw between short packets")
{
    const auto stream = join({pingreq, long_publish(), connack});
    raw_deframer d;
    const auto got = deframe_bytewise(d, stream);
    REQUIRE(got.frames.size() == 3);
    CHECK(got.frames[1] == long_publish());
    CHECK(d.counters().frames == 3);
    CHECK(d.counters().bytes_in == stream.size());
    CHECK(d.counters().bytes_skipped == 0);
}

TEST_CASE("a 3-octet Length under 256 is garbage by default, and a packet with accept_short_long_form")
{
    const auto short_long = hex("01 00 05" // Length 5 in the 3-octet form (legal per the codec, unusual)
                                "16"       // MsgType PINGREQ
                                "61");     // one octet of ClientId "a"
    raw_deframer strict;
    // 01 skipped; "00" skipped; "05 16 61 ..." would be read as a 5-octet packet: add two more octets
    // so that the mis-read is visible.
    CHECK(deframe_all(strict, join({short_long, pingresp})).text() ==
          "corrupt(garbage_skipped) frame[05 16 61 02 17]");
    CHECK(!raw_frame(short_long).has_value());

    raw_deframer lenient({.accept_short_long_form = true});
    CHECK(deframe_all(lenient, join({short_long, pingresp})).text() == "frame[01 00 05 16 61] frame[02 17]");
    CHECK(raw_frame(short_long, {.accept_short_long_form = true}).value() == short_long);
}

TEST_CASE(
    "Length octets 0x00 and 0x01 0x00 0x00 are skipped as one run of garbage and the next packet is found")
{
    const auto stream = join({hex("00 00 00"   // Length 0: never valid
                                  "01 00 00"), // 3-octet form announcing 0
                              pingreq, pingresp});
    raw_deframer d;
    CHECK(deframe_bytewise(d, stream).text() == "corrupt(garbage_skipped) frame[02 16] frame[02 17]");
    CHECK(d.counters().corrupt_by(errc::garbage_skipped) == 1);
    CHECK(d.counters().bytes_skipped == 6);
    CHECK(d.counters().frames == 2);
}

TEST_CASE("a 3-octet Length that is rejected is searched again from its second octet")
{
    // 01 02 16: 3-octet form announcing 0x0216 = 534 > max 300: skip the 01, and 02 16 is a PINGREQ.
    raw_deframer d({.max_frame_size = 300});
    CHECK(deframe_bytewise(d, join({hex("01"), pingreq, pingresp})).text() ==
          "corrupt(garbage_skipped) frame[02 16] frame[02 17]");
    raw_deframer whole({.max_frame_size = 300});
    CHECK(deframe_all(whole, join({hex("01"), pingreq, pingresp})).text() ==
          "corrupt(garbage_skipped) frame[02 16] frame[02 17]");
}

TEST_CASE("a Length above max_frame_size is skipped one octet at a time, never buffered")
{
    raw_deframer d({.max_frame_size = 16});
    const auto got = deframe_bytewise(d, join({hex("ff 40"), pingreq}));
    CHECK(got.text() == "corrupt(garbage_skipped) frame[02 16]");
    CHECK(got.max_buffered <= 16);
    CHECK(d.counters().bytes_skipped == 2);
}

TEST_CASE("an oversized 3-octet packet is refused with the memory bounded by max_frame_size")
{
    // With max 64 the 300-octet packet cannot be taken; its octets are searched for Lengths, which
    // is the documented weakness of raw framing: some of them will look like packets.
    raw_deframer d({.max_frame_size = 64});
    const auto got = deframe_bytewise(d, join({long_publish(), long_publish()}));
    CHECK(got.max_buffered <= 64);
    for (const auto& f : got.frames)
        CHECK(f.size() <= 64);
    CHECK(d.counters().corrupt_by(errc::garbage_skipped) >= 1);
}

TEST_CASE("noise that looks like a Length swallows the next octets: the documented limit of raw framing")
{
    raw_deframer d;
    // 05 is a plausible Length: it takes 02 16 02 17 with it; the stream is back in step after.
    CHECK(deframe_all(d, join({hex("05"), pingreq, pingresp, connack})).text() ==
          "frame[05 02 16 02 17] frame[03 05 00]");
}

TEST_CASE("reset() forgets a partial packet and keeps the counters")
{
    raw_deframer d;
    CHECK(deframe_all(d, hex("0c 0c 01 00")).events.empty());
    CHECK(d.buffered() == 4);
    d.reset();
    CHECK(d.buffered() == 0);
    CHECK(deframe_all(d, pingreq).text() == "frame[02 16]");
    CHECK(d.counters().bytes_in == 6);
}

TEST_CASE("raw_frame refuses a packet whose Length field does not describe it")
{
    CHECK(raw_frame(hex("03 16")).error() == make_error_code(errc::bad_length_field));    // says 3, has 2
    CHECK(raw_frame(hex("02 16 00")).error() == make_error_code(errc::bad_length_field)); // says 2, has 3
    CHECK(raw_frame(hex("01 00 02")).error() == make_error_code(errc::bad_length_field)); // 3-octet form, 2
    CHECK(raw_frame(hex("00")).error() == make_error_code(errc::bad_length_field));
    CHECK(raw_frame({}).error() == make_error_code(errc::bad_length_field));
    CHECK(raw_frame(long_publish(), {.max_frame_size = 64}).error() ==
          make_error_code(errc::payload_too_large));
}
