// SPDX-License-Identifier: MIT
// Sleeping sensors (MQTT-SN v1.2 §6.14, design §3): DISCONNECT with Duration, buffering (QoS 1/2
// held un-acknowledged, QoS 0 bounded and counted), wake-up by PINGREQ with ClientId, in-order
// delivery with the full QoS flows, then PINGRESP; sleep expiry; the upstream session kept alive.
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/errc.hpp>

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::quiet;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;

namespace {

const auto sensor = core_harness::peer(1);

// "z1" connected (keep-alive 60 s, session kept), topic "a" registered as id 1, then asleep for
// 100 s.
sngw::test::fake_broker& asleep(core_harness& h)
{
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "z1", 60, false);
    h.send(sensor, "07 0a 00 00 00 01 61");
    REQUIRE(h.sent_to(sensor) == strings{"07 0b 00 01 00 01 00"});
    h.send(sensor, "04"                             // Length
                   "18"                             // DISCONNECT
                   "00 64");                        // Duration 100 s
    REQUIRE(h.sent_to(sensor) == strings{"02 18"}); // the sleep is acknowledged
    REQUIRE(h.state_of(sensor) == core::client_state::asleep);
    return b;
}

const char* const wake = "04 16 7a 31"; // PINGREQ with ClientId "z1"

std::string publish_qos1(std::uint16_t msg_id, const std::string& text)
{
    auto m = sngw::sn::v1_2::publish_msg{};
    m.q = sngw::sn::v1_2::qos::one;
    m.topic_id = 1;
    m.msg_id = msg_id;
    m.data = sngw::test::bytes(text);
    return sngw::test::to_hex(*sngw::sn::v1_2::encode(m));
}

} // namespace

TEST_CASE("DISCONNECT with Duration puts the sensor asleep and keeps its upstream session")
{
    core_harness h(quiet());
    auto& b = asleep(h);
    CHECK(b.open());
    CHECK(b.pending() == 0); // no DISCONNECT upstream
    const auto info = h.client("z1");
    REQUIRE(info);
    CHECK(info->sleep_duration == 100);
    CHECK(info->upstream == mqtt5::session_state::connected);
    h.advance(99s);
    CHECK(h.state_of(sensor) == core::client_state::asleep); // the keep-alive (60 s) no longer applies
}

TEST_CASE("a sleeping sensor receives 25 buffered QoS 1 messages in order, then PINGRESP, and the broker "
          "gets each PUBACK only after the sensor's")
{
    core_harness h(quiet());
    auto& b = asleep(h);
    for (std::uint16_t i = 1; i <= 25; ++i)
        b.publish("a", "m" + std::to_string(i), mqtt5::qos::at_least_once, i);
    CHECK(h.sent_to(sensor).empty());
    CHECK(b.pending() == 0);
    CHECK(h.client("z1")->buffered == 25);

    h.send(sensor, wake);
    CHECK(h.state_of(sensor) == core::client_state::awake);
    for (std::uint16_t i = 1; i <= 25; ++i) {
        CAPTURE(i);
        CHECK(h.sent_to(sensor) == strings{publish_qos1(i, "m" + std::to_string(i))});
        CHECK(b.pending() == 0); // not acknowledged upstream before the sensor did
        h.send(sensor, sngw::test::to_hex(*sngw::sn::v1_2::encode(sngw::sn::v1_2::puback_msg{1, i, 0})));
        const auto ack = b.expect<mqtt5::puback_packet>();
        CHECK(ack.packet_id == i);
    }
    CHECK(h.sent_to(sensor) == strings{"02 17"}); // PINGRESP closes the transfer
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    CHECK(h.client("z1")->buffered == 0);
}

TEST_CASE("PINGREQ with nothing buffered is answered with PINGRESP at once and the sleep timer restarts")
{
    core_harness h(quiet());
    asleep(h);
    h.advance(90s);
    h.send(sensor, wake);
    CHECK(h.sent_to(sensor) == strings{"02 17"});
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    h.advance(149s); // 1.5 x 100 s from the PINGRESP
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    h.advance(1s);
    CHECK(h.state_of(sensor) == core::client_state::lost);
}

TEST_CASE("a sleeping sensor silent for 1.5 x its sleep duration is lost and its upstream link aborted")
{
    core_harness h(quiet());
    auto& b = asleep(h);
    h.advance(149s);
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    h.advance(1s);
    CHECK(h.state_of(sensor) == core::client_state::lost);
    CHECK(b.close_mode() == mqtt5::close_mode::abrupt);
    CHECK(h.stats().clients_lost == 1);
}

TEST_CASE("QoS 0 messages for a sleeping sensor are buffered up to the bound, the rest dropped and counted")
{
    auto c = quiet();
    c.max_buffered_messages = 3;
    core_harness h(c);
    auto& b = asleep(h);
    for (int i = 1; i <= 5; ++i)
        b.publish("a", std::to_string(i));
    CHECK(h.stats().qos0_dropped == 2);
    CHECK(h.client("z1")->dropped_qos0 == 2);
    const auto d = h.dropped();
    REQUIRE(d.size() == 2);
    CHECK(d[0].error == core::make_error_code(core::errc::buffer_full));
    h.send(sensor, wake);
    CHECK(h.sent_to(sensor) ==
          strings{"08 0c 00 00 01 00 00 31", "08 0c 00 00 01 00 00 32", "08 0c 00 00 01 00 00 33", "02 17"});
}

TEST_CASE("a QoS 2 message for a sleeping sensor is delivered with its full flow at wake-up")
{
    core_harness h(quiet());
    auto& b = asleep(h);
    b.publish("a", "x", mqtt5::qos::exactly_once, 3);
    b.publish("a", "y");
    h.send(sensor, wake);
    CHECK(h.sent_to(sensor) == strings{"08 0c 40 00 01 00 01 78"});
    h.send(sensor, "04 0f 00 01"); // PUBREC
    CHECK(b.expect<mqtt5::pubrec_packet>().packet_id == 3);
    CHECK(h.sent_to(sensor) == strings{"04 10 00 01"}); // PUBREL
    h.send(sensor, "04 0e 00 01");                      // PUBCOMP
    CHECK(h.sent_to(sensor) == strings{"08 0c 00 00 01 00 00 79", "02 17"});
}

TEST_CASE("a message in flight when the sensor falls asleep is sent again with DUP when it wakes")
{
    core_harness h(quiet());
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "z1", 60, false);
    h.send(sensor, "07 0a 00 00 00 01 61");
    h.sent_to(sensor);
    b.publish("a", "m", mqtt5::qos::at_least_once, 4);
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 01 6d"});
    h.send(sensor, "04 18 00 64"); // sleeps without answering
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    h.advance(60s);
    CHECK(h.sent_to(sensor).empty()); // no retransmission to a sleeping sensor
    h.send(sensor, wake);
    CHECK(h.sent_to(sensor) == strings{"08 0c a0 00 01 00 01 6d"});
    h.send(sensor, "07 0d 00 01 00 01 00");
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 4);
    CHECK(h.sent_to(sensor) == strings{"02 17"});
}

TEST_CASE("a sleeping sensor wakes up from a new address and gets its messages there")
{
    core_harness h(quiet());
    auto& b = asleep(h);
    b.publish("a", "q");
    const auto other = core_harness::peer(2);
    h.send(other, wake);
    CHECK(h.sent_to(other) == strings{"08 0c 00 00 01 00 00 71", "02 17"});
    CHECK(h.sent_to(sensor).empty());
    CHECK(h.client("z1")->peer == other);
}

TEST_CASE("a sleeping sensor learns at its next PINGREQ that its upstream session could not be kept")
{
    core_harness h(quiet());
    auto& b = asleep(h);
    h.auto_broker(false);
    b.link_down();
    b.link_down();
    h.advance(1s);
    b.link_down();
    h.advance(2s);
    b.link_down();                    // the last try failed
    CHECK(h.sent_to(sensor).empty()); // it cannot hear now
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    h.send(sensor, wake);
    CHECK(h.sent_to(sensor) == strings{"02 18"}); // DISCONNECT instead of PINGRESP
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
}

TEST_CASE("a CONNECT from a sleeping sensor with buffered messages delivers them to the active sensor")
{
    core_harness h(quiet());
    auto& b = asleep(h);
    b.publish("a", "1", mqtt5::qos::at_least_once, 8);
    h.send(sensor, "08 04 00 01 00 3c 7a 31"); // CONNECT clean 0
    // §6.10: after a CONNECT the sensor may have lost its topic ids: REGISTER "a" (id 1) first.
    CHECK(h.sent_to(sensor) == strings{"03 05 00", "07 0a 00 01 00 01 61"});
    CHECK(h.state_of(sensor) == core::client_state::active);
    h.send(sensor, "07 0b 00 01 00 01 00"); // REGACK accepted
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 02 31"});
    h.send(sensor, "07 0d 00 01 00 02 00");
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 8);
    CHECK(h.sent_to(sensor).empty()); // active: no PINGRESP
}

TEST_CASE("DISCONNECT without Duration ends the sleep: disconnected, upstream closed normally")
{
    core_harness h(quiet());
    auto& b = asleep(h);
    h.send(sensor, "02 18");
    CHECK(h.sent_to(sensor) == strings{"02 18"});
    CHECK(h.state_of(sensor) == core::client_state::disconnected);
    CHECK(b.expect<mqtt5::disconnect_packet>().reason == mqtt5::reason_code::normal_disconnection);
}

TEST_CASE(
    "an awake sensor that leaves a buffered message unanswered N_RETRY times is lost and its will fires")
{
    auto c = quiet();
    c.retry_interval = 10s;
    c.retry_count = 2;
    core_harness h(c);
    auto& b = asleep(h);
    b.publish("a", "m", mqtt5::qos::at_least_once, 6);
    h.send(sensor, wake);
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 01 6d"});
    CHECK(h.state_of(sensor) == core::client_state::awake);
    h.advance(20s); // two retransmissions with DUP
    CHECK(h.sent_to(sensor) == strings{"08 0c a0 00 01 00 01 6d", "08 0c a0 00 01 00 01 6d"});
    CHECK(h.state_of(sensor) == core::client_state::awake);
    h.advance(10s);
    CHECK(h.state_of(sensor) == core::client_state::lost);
    CHECK(h.sent_to(sensor).empty());                   // no PINGRESP
    CHECK(b.close_mode() == mqtt5::close_mode::abrupt); // the will fires
    for (const auto& p : b.packets())                   // the broker keeps the message
        CHECK_FALSE(std::holds_alternative<mqtt5::puback_packet>(p));
}

TEST_CASE("a new DISCONNECT with another Duration while asleep restarts the sleep timer with it")
{
    core_harness h(quiet());
    auto& b = asleep(h); // 100 s: lost after 150 s of silence
    h.advance(100s);
    h.send(sensor, "04"                           // Length
                   "18"                           // DISCONNECT
                   "01 2c");                      // Duration 300 s
    CHECK(h.sent_to(sensor) == strings{"02 18"}); // acknowledged like the first
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    CHECK(h.client("z1")->sleep_duration == 300);
    h.advance(449s); // 1.5 x 300 s from the new DISCONNECT
    CHECK(h.state_of(sensor) == core::client_state::asleep);
    CHECK(b.open());
    h.advance(1s);
    CHECK(h.state_of(sensor) == core::client_state::lost);
}

TEST_CASE("a PUBLISH from an awake sensor is handled as from an active one")
{
    core_harness h(quiet());
    auto& b = asleep(h);
    b.publish("a", "m", mqtt5::qos::at_least_once, 6);
    h.send(sensor, wake);
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 01 6d"});
    REQUIRE(h.state_of(sensor) == core::client_state::awake);
    h.send(sensor, "08"    // Length
                   "0c"    // PUBLISH
                   "20"    // Flags: QoS 1, TopicIdType normal
                   "00 01" // TopicId 1
                   "00 09" // MsgId 9
                   "75");  // "u"
    const auto p = b.expect<mqtt5::publish_packet>();
    CHECK(p.topic == "a");
    CHECK(p.qos == mqtt5::qos::at_least_once);
    b.puback(p.packet_id);
    CHECK(h.sent_to(sensor) == strings{"07 0d 00 01 00 09 00"}); // PUBACK end to end
    CHECK(h.state_of(sensor) == core::client_state::awake);      // still being flushed
    h.send(sensor, "07 0d 00 01 00 01 00");                      // PUBACK for ours
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 6);
    CHECK(h.sent_to(sensor) == strings{"02 17"}); // PINGRESP: asleep again
    CHECK(h.state_of(sensor) == core::client_state::asleep);
}
