// SPDX-License-Identifier: MIT
// The will flow of CONNECT (MQTT-SN v1.2 §6.2 Fig. 3) and the four CleanSession/Will combinations
// of §6.3: the sensor's will becomes the MQTT 5 Will Message of its upstream CONNECT.
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/errc.hpp>

using namespace std::chrono_literals;
using sngw::test::bytes;
using sngw::test::core_harness;
using sngw::test::quiet;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;

namespace {

const auto sensor = core_harness::peer(1);

// CONNECT "w1", Duration 60 s, with the given Flags octet (0x08 Will, 0x04 CleanSession).
std::string connect_w1(const char* flags)
{
    return std::string("08 04 ") + flags + " 01 00 3c 77 31";
}

// Runs the will flow with topic "w/t" (QoS 1, retain) and message "gone" up to the upstream CONNECT,
// which it returns after answering it.
mqtt5::connect_packet will_flow(core_harness& h, const char* flags)
{
    h.send(sensor, connect_w1(flags));
    CHECK(h.sent_to(sensor) == strings{"02 06"}); // WILLTOPICREQ
    h.send(sensor, "06"                           // Length
                   "07"                           // WILLTOPIC
                   "30"                           // Flags: QoS 1, Retain
                   "77 2f 74");                   // WillTopic "w/t"
    CHECK(h.sent_to(sensor) == strings{"02 08"}); // WILLMSGREQ
    h.send(sensor, "06 09 67 6f 6e 65");          // WILLMSG "gone"
    auto& b = h.broker("w1");
    if (!b.up()) b.link_up();
    auto c = b.expect<mqtt5::connect_packet>();
    b.connack_success(!c.clean_start);
    CHECK(h.sent_to(sensor) == strings{"03 05 00"});
    return c;
}

} // namespace

TEST_CASE("a CONNECT with Will asks for the will topic and message and the upstream CONNECT carries them")
{
    core_harness h(quiet());
    h.send(sensor, connect_w1("0c")); // Will + CleanSession
    CHECK(h.sent_to(sensor) == strings{"02 06"});
    CHECK(h.state_of(sensor) == core::client_state::awaiting_will_topic);
    CHECK_FALSE(h.has_broker("w1")); // nothing upstream before the will is known

    h.send(sensor, "06 07 30 77 2f 74"); // WILLTOPIC QoS 1, retain, "w/t"
    CHECK(h.sent_to(sensor) == strings{"02 08"});
    CHECK(h.state_of(sensor) == core::client_state::awaiting_will_msg);

    h.send(sensor, "06 09 67 6f 6e 65"); // WILLMSG "gone"
    CHECK(h.sent_to(sensor).empty());
    CHECK(h.state_of(sensor) == core::client_state::connecting_upstream);
    auto& b = h.broker("w1");
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    REQUIRE(c.will);
    CHECK(c.will->topic == "w/t");
    CHECK(c.will->payload == bytes("gone"));
    CHECK(c.will->qos == mqtt5::qos::at_least_once);
    CHECK(c.will->retain);
    b.connack_success();
    CHECK(h.sent_to(sensor) == strings{"03 05 00"});
}

TEST_CASE("an empty WILLTOPIC means no will and no WILLMSGREQ")
{
    core_harness h(quiet());
    h.send(sensor, connect_w1("0c"));
    CHECK(h.sent_to(sensor) == strings{"02 06"});
    h.send(sensor, "02 07"); // empty WILLTOPIC (§5.4.7)
    CHECK(h.sent_to(sensor).empty());
    auto& b = h.broker("w1");
    b.link_up();
    CHECK_FALSE(b.expect<mqtt5::connect_packet>().will);
    b.connack_success();
    CHECK(h.sent_to(sensor) == strings{"03 05 00"});
}

TEST_CASE("CleanSession=false with Will=false keeps the will stored earlier")
{
    core_harness h(quiet());
    will_flow(h, "0c");
    h.send(sensor, "02 18"); // DISCONNECT
    h.sent_to(sensor);
    h.broker("w1").expect<mqtt5::disconnect_packet>();
    h.send(sensor, connect_w1("00")); // clean 0, will 0
    auto& b = h.broker("w1");
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    CHECK_FALSE(c.clean_start);
    REQUIRE(c.will);
    CHECK(c.will->topic == "w/t");
    CHECK(c.will->payload == bytes("gone"));
}

TEST_CASE("CleanSession=true with Will=false deletes the stored will")
{
    core_harness h(quiet());
    will_flow(h, "08"); // will, clean 0
    h.send(sensor, "02 18");
    h.sent_to(sensor);
    h.broker("w1").expect<mqtt5::disconnect_packet>();
    h.send(sensor, connect_w1("04")); // clean 1, will 0
    auto& b = h.broker("w1");
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    CHECK(c.clean_start);
    CHECK_FALSE(c.will);
}

TEST_CASE("CleanSession=false with Will=true prompts again and the new will overwrites the old")
{
    core_harness h(quiet());
    will_flow(h, "08");
    h.send(sensor, "02 18");
    h.sent_to(sensor);
    h.broker("w1").expect<mqtt5::disconnect_packet>();
    h.send(sensor, connect_w1("08"));
    CHECK(h.sent_to(sensor) == strings{"02 06"});
    h.send(sensor, "05 07 00 78 79"); // WILLTOPIC QoS 0, "xy"
    CHECK(h.sent_to(sensor) == strings{"02 08"});
    h.send(sensor, "03 09 21"); // WILLMSG "!"
    auto& b = h.broker("w1");
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    CHECK_FALSE(c.clean_start);
    REQUIRE(c.will);
    CHECK(c.will->topic == "xy");
    CHECK(c.will->payload == bytes("!"));
    CHECK(c.will->qos == mqtt5::qos::at_most_once);
    CHECK_FALSE(c.will->retain);
}

TEST_CASE("a CONNECT with a changed will while the session is up resumes the session with the new will")
{
    core_harness h(quiet());
    will_flow(h, "08");
    auto& b = h.broker("w1");
    h.send(sensor, connect_w1("08"));
    h.send(sensor, "05 07 00 78 79"); // WILLTOPIC "xy"
    h.send(sensor, "03 09 21");       // WILLMSG "!"
    CHECK(h.sent_to(sensor) == strings{"02 06", "02 08"});
    // MQTT 5 has no will update on a live connection: DISCONNECT 0x00 (no will), then a new CONNECT.
    CHECK(b.expect<mqtt5::disconnect_packet>().reason == mqtt5::reason_code::normal_disconnection);
    CHECK(b.opens() == 2);
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    CHECK_FALSE(c.clean_start);
    REQUIRE(c.will);
    CHECK(c.will->topic == "xy");
    CHECK(h.sent_to(sensor).empty()); // CONNACK only after the broker's
    b.connack_success(true);
    CHECK(h.sent_to(sensor) == strings{"03 05 00"});
}

TEST_CASE("a CONNECT repeating the same will while the session is up is answered at once")
{
    core_harness h(quiet());
    will_flow(h, "08");
    auto& b = h.broker("w1");
    h.send(sensor, connect_w1("08"));
    h.send(sensor, "06 07 30 77 2f 74");
    h.send(sensor, "06 09 67 6f 6e 65");
    CHECK(h.sent_to(sensor) == strings{"02 06", "02 08", "03 05 00"});
    CHECK(b.opens() == 1);
}

TEST_CASE("a repeated WILLTOPIC gets WILLMSGREQ again")
{
    core_harness h(quiet());
    h.send(sensor, connect_w1("0c"));
    h.send(sensor, "06 07 30 77 2f 74");
    h.send(sensor, "06 07 30 77 2f 74"); // our WILLMSGREQ was lost
    CHECK(h.sent_to(sensor) == strings{"02 06", "02 08", "02 08"});
    CHECK(h.state_of(sensor) == core::client_state::awaiting_will_msg);
}

TEST_CASE("an unanswered WILLTOPICREQ is sent again every T_RETRY and the sensor is lost after N_RETRY")
{
    auto c = quiet();
    c.retry_interval = 10s;
    c.retry_count = 3;
    core_harness h(c);
    h.send(sensor, connect_w1("08")); // clean 0: the record stays to be seen
    CHECK(h.sent_to(sensor) == strings{"02 06"});
    h.advance(9s);
    CHECK(h.sent_to(sensor).empty());
    h.advance(1s);
    CHECK(h.sent_to(sensor) == strings{"02 06"});
    h.advance(20s);
    CHECK(h.sent_to(sensor) == strings{"02 06", "02 06"});
    CHECK(h.state_of(sensor) == core::client_state::awaiting_will_topic);
    h.advance(10s);
    CHECK(h.sent_to(sensor).empty());
    bool lost = false;
    for (const auto& e : h.events())
        if (e.kind == core::client_event_kind::lost) {
            lost = true;
            CHECK(e.state == core::client_state::lost);
            CHECK(e.detail == "no answer to WILLTOPICREQ");
        }
    CHECK(lost);
    CHECK(h.stats().clients_lost == 1);
    CHECK_FALSE(h.has_broker("w1")); // nothing was opened upstream
    CHECK_FALSE(h.state_of(sensor)); // and so nothing is kept for it
}

TEST_CASE("WILLMSG outside the will flow is dropped as unexpected")
{
    core_harness h(quiet());
    h.auto_broker(true);
    h.connect_sensor(sensor, "w2");
    h.send(sensor, "06 09 67 6f 6e 65");
    CHECK(h.sent_to(sensor).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unexpected_message));
    CHECK(h.state_of(sensor) == core::client_state::active);
}

TEST_CASE("a PUBLISH during the will flow is dropped")
{
    core_harness h(quiet());
    h.send(sensor, connect_w1("0c"));
    h.sent_to(sensor);
    h.send(sensor, "08 0c 00 00 01 00 00 78");
    CHECK(h.sent_to(sensor).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == core::make_error_code(core::errc::unexpected_message));
}

TEST_CASE("a CONNECT with a changed will while a message is in flight resumes the session with the new will")
{
    core_harness h(quiet());
    will_flow(h, "08");
    auto& b = h.broker("w1");
    h.send(sensor, "07 0a 00 00 00 01 61"); // REGISTER "a"
    h.sent_to(sensor);
    b.publish("a", "m", mqtt5::qos::at_least_once, 6);
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 01 6d"});

    h.send(sensor, connect_w1("08"));
    h.send(sensor, "05 07 00 78 79"); // WILLTOPIC "xy"
    h.send(sensor, "03 09 21");       // WILLMSG "!"
    // DISCONNECT 0x00 and a new link on the same session: the QoS 1 flow carries over (§4.4).
    CHECK(h.sent_to(sensor) == strings{"02 06", "02 08"});
    CHECK(b.expect<mqtt5::disconnect_packet>().reason == mqtt5::reason_code::normal_disconnection);
    CHECK(b.opens() == 2);
    b.link_up();
    const auto c = b.expect<mqtt5::connect_packet>();
    CHECK_FALSE(c.clean_start);
    REQUIRE(c.will);
    CHECK(c.will->topic == "xy");
    b.connack_success(true);
    // CONNACK after the broker's; then REGISTER (§6.10: the sensor may have lost its ids) and the
    // message again (DUP, same MsgId).
    CHECK(h.sent_to(sensor) == strings{"03 05 00", "07 0a 00 01 00 02 61"});
    // §4.4: the broker re-sends it with DUP: not delivered twice.
    b.reply(mqtt5::publish_packet{
        .dup = true, .qos = mqtt5::qos::at_least_once, .topic = "a", .packet_id = 6, .payload = bytes("m")});
    CHECK(h.sent_to(sensor).empty());
    h.send(sensor, "07 0b 00 01 00 02 00"); // REGACK
    CHECK(h.sent_to(sensor) == strings{"08 0c a0 00 01 00 01 6d"});
    h.send(sensor, "07 0d 00 01 00 01 00");                 // PUBACK
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 6); // acknowledged on the new link
    CHECK(h.state_of(sensor) == core::client_state::active);
}
