// SPDX-License-Identifier: MIT
// The gateway's retransmissions toward a sensor (MQTT-SN v1.2 §6.13): one message in flight, re-sent
// every T_RETRY (DUP set on a PUBLISH) up to N_RETRY times, then the sensor is lost; a sensor's
// "rejected: congestion" pauses delivery for T_WAIT without counting against N_RETRY.
#include "core_harness.hpp"

#include "support/hex.hpp"

#include <sngw/core/errc.hpp>

using namespace std::chrono_literals;
using sngw::test::core_harness;
using sngw::test::wire;
using strings = std::vector<std::string>;
namespace core = sngw::core;
namespace mqtt5 = sngw::mqtt5;

namespace {

core::config retrying(std::uint8_t count)
{
    core::config c;
    c.advertise_interval = std::chrono::seconds(0);
    c.retry_interval = 10s;
    c.retry_count = count;
    return c;
}

const auto sensor = core_harness::peer(1);

// A connected sensor "t1" (no keep-alive supervision) that registered "a" (topic id 1).
sngw::test::fake_broker& ready(core_harness& h)
{
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "t1", 0, false);
    h.send(sensor, "07 0a 00 00 00 01 61");
    REQUIRE(h.sent_to(sensor) == strings{"07 0b 00 01 00 01 00"});
    return b;
}

} // namespace

TEST_CASE("an unacknowledged QoS 1 PUBLISH is re-sent with DUP every T_RETRY")
{
    core_harness h(retrying(3));
    auto& b = ready(h);
    b.publish("a", "hi", mqtt5::qos::at_least_once, 7);
    CHECK(h.sent_to(sensor) == strings{"09 0c 20 00 01 00 01 68 69"});
    h.advance(9999ms);
    CHECK(h.sent_to(sensor).empty());
    h.advance(1ms);
    CHECK(h.sent_to(sensor) == strings{"09 0c a0 00 01 00 01 68 69"}); // DUP, same msg id
    h.advance(10s);
    CHECK(h.sent_to(sensor) == strings{"09 0c a0 00 01 00 01 68 69"});
    h.send(sensor, "07 0d 00 01 00 01 00");
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 7);
    h.advance(1min);
    CHECK(h.sent_to(sensor).empty());
    CHECK(h.client("t1")->retransmissions == 2);
    CHECK(h.stats().retransmissions == 2);
}

TEST_CASE("the fourth retransmission that goes unanswered marks the sensor lost")
{
    core_harness h(retrying(4));
    auto& b = ready(h);
    h.events();
    b.publish("a", "hi", mqtt5::qos::at_least_once, 7);
    h.sent_to(sensor);
    h.advance(40s); // retransmissions at 10, 20, 30, 40 s
    CHECK(h.sent_to(sensor).size() == 4);
    CHECK(h.state_of(sensor) == core::client_state::active);
    h.advance(9s);
    CHECK(h.state_of(sensor) == core::client_state::active);
    h.advance(1s); // 50 s: the fourth went unanswered
    CHECK(h.state_of(sensor) == core::client_state::lost);
    CHECK(h.sent_to(sensor).empty());
    CHECK(b.close_mode() == mqtt5::close_mode::abrupt); // the will fires
    bool lost = false;
    for (const auto& e : h.events())
        if (e.kind == core::client_event_kind::lost) {
            lost = true;
            CHECK(e.detail == "no answer to PUBLISH after 4 retransmissions");
        }
    CHECK(lost);
    // Not acknowledged upstream: the broker keeps it for the sensor's next connection.
    for (const auto& p : b.packets())
        CHECK_FALSE(std::holds_alternative<mqtt5::puback_packet>(p));
}

TEST_CASE("a REGISTER is re-sent unchanged after T_RETRY")
{
    core_harness h(retrying(3));
    auto& b = ready(h);
    b.publish("x", "1");
    CHECK(h.sent_to(sensor) == strings{"07 0a 00 02 00 01 78"});
    h.advance(10s);
    CHECK(h.sent_to(sensor) == strings{"07 0a 00 02 00 01 78"});
    h.send(sensor, "07 0b 00 02 00 01 00");
    CHECK(h.sent_to(sensor) == strings{"08 0c 00 00 02 00 00 31"});
}

TEST_CASE("a PUBREL to the sensor is re-sent until its PUBCOMP")
{
    core_harness h(retrying(3));
    auto& b = ready(h);
    b.publish("a", "q2", mqtt5::qos::exactly_once, 9);
    CHECK(h.sent_to(sensor) == strings{"09 0c 40 00 01 00 01 71 32"});
    h.send(sensor, "04 0f 00 01"); // PUBREC
    CHECK(h.sent_to(sensor) == strings{"04 10 00 01"});
    CHECK(b.expect<mqtt5::pubrec_packet>().packet_id == 9);
    h.advance(10s);
    CHECK(h.sent_to(sensor) == strings{"04 10 00 01"});
    h.send(sensor, "04 0e 00 01"); // PUBCOMP
    h.advance(1min);
    CHECK(h.sent_to(sensor).empty());
}

TEST_CASE("a late duplicate PUBACK after a retransmission is ignored quietly")
{
    core_harness h(retrying(3));
    auto& b = ready(h);
    b.publish("a", "hi", mqtt5::qos::at_least_once, 7);
    h.advance(10s);
    h.sent_to(sensor);
    h.send(sensor, "07 0d 00 01 00 01 00");
    h.send(sensor, "07 0d 00 01 00 01 00"); // answer to the DUP copy
    CHECK(b.packets().size() == 1);
    CHECK(h.dropped().empty());
    h.send(sensor, "07 0d 00 01 00 63 00"); // a PUBACK for nothing we sent
    const auto d = h.dropped();
    REQUIRE(d.size() == 1);
    CHECK(d[0].error == sngw::core::make_error_code(core::errc::unexpected_message));
}

TEST_CASE("only one message is in flight: the next waits for the answer, not for T_RETRY")
{
    core_harness h(retrying(3));
    auto& b = ready(h);
    b.publish("a", "1", mqtt5::qos::at_least_once, 1);
    b.publish("a", "2", mqtt5::qos::at_least_once, 2);
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 01 31"});
    h.advance(10s);
    CHECK(h.sent_to(sensor) == strings{"08 0c a0 00 01 00 01 31"}); // the first again, not the second
    h.send(sensor, "07 0d 00 01 00 01 00");
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 02 32"});
}

// ---- "rejected: congestion" from the sensor (MQTT-SN v1.2 §5.3.10, §6.13) ---------------------------

TEST_CASE("a QoS 1 message the sensor refuses with congestion is offered again with DUP after T_WAIT")
{
    core_harness h(retrying(1));
    auto& b = ready(h);
    b.publish("a", "m", mqtt5::qos::at_least_once, 9);
    REQUIRE(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 01 6d"});
    b.publish("a", "n");          // waits behind it, in order
    for (int i = 0; i < 3; ++i) { // more refusals than N_RETRY: the sensor answers, it is not lost
        h.send(sensor, "07"       // Length
                       "0d"       // PUBACK
                       "00 01"    // TopicId 1
                       "00 01"    // MsgId 1
                       "01");     // rejected: congestion
        CHECK(b.pending() == 0);  // not acknowledged upstream: the sensor does not have it
        h.advance(9999ms);
        CHECK(h.sent_to(sensor).empty());
        h.advance(1ms);                                  // T_WAIT (retry_interval) over
        CHECK(h.sent_to(sensor) == strings{wire("08"     // Length
                                                "0c"     // PUBLISH
                                                "a0"     // Flags: DUP, QoS 1, TopicIdType normal
                                                "00 01"  // TopicId 1
                                                "00 01"  // MsgId 1 (the same message)
                                                "6d")}); // "m"
        CHECK(h.state_of(sensor) == core::client_state::active);
    }
    h.send(sensor, "07 0d 00 01 00 01 00"); // accepted at last
    const auto ack = b.expect<mqtt5::puback_packet>();
    CHECK(ack.packet_id == 9);
    CHECK(ack.reason == mqtt5::reason_code::success);
    CHECK(h.sent_to(sensor) == strings{"08 0c 00 00 01 00 00 6e"});
    CHECK(h.dropped().empty());
}

TEST_CASE("a message re-offered after congestion that goes unanswered is retried N_RETRY times")
{
    core_harness h(retrying(2));
    auto& b = ready(h);
    b.publish("a", "m", mqtt5::qos::at_least_once, 9);
    h.sent_to(sensor);
    h.advance(10s); // one retransmission counted
    CHECK(h.sent_to(sensor).size() == 1);
    h.send(sensor, "07 0d 00 01 00 01 01"); // congestion: the count starts again
    h.advance(10s);
    CHECK(h.sent_to(sensor) == strings{"08 0c a0 00 01 00 01 6d"}); // after T_WAIT
    h.advance(20s);                                                 // N_RETRY = 2 retransmissions
    CHECK(h.sent_to(sensor).size() == 2);
    CHECK(h.state_of(sensor) == core::client_state::active);
    h.advance(10s);
    CHECK(h.state_of(sensor) == core::client_state::lost);
    for (const auto& p : b.packets())
        CHECK_FALSE(std::holds_alternative<mqtt5::puback_packet>(p));
}

TEST_CASE("a REGACK with congestion makes the gateway REGISTER again after T_WAIT with a new MsgId")
{
    core_harness h(retrying(3));
    h.auto_broker(true);
    auto& b = h.connect_sensor(sensor, "t2", 0, false);
    b.publish("x/y", "m", mqtt5::qos::at_least_once, 4);
    CHECK(h.sent_to(sensor) == strings{"09 0a 00 01 00 01 78 2f 79"}); // REGISTER id 1, msg id 1, "x/y"
    h.send(sensor, "07"                                                // Length
                   "0b"                                                // REGACK
                   "00 01"                                             // TopicId 1
                   "00 01"                                             // MsgId 1
                   "01");                                              // rejected: congestion
    CHECK(b.pending() == 0);
    CHECK(h.dropped().empty());
    h.advance(10s);
    CHECK(h.sent_to(sensor) == strings{wire("09"           // Length
                                            "0a"           // REGISTER
                                            "00 01"        // TopicId 1
                                            "00 02"        // MsgId 2 (a new request)
                                            "78 2f 79")}); // "x/y"
    h.send(sensor, "07 0b 00 01 00 01 01");                // a late copy of the first answer: ignored
    CHECK(h.dropped().empty());
    h.send(sensor, "07 0b 00 01 00 02 00"); // accepted
    CHECK(h.sent_to(sensor) == strings{"08 0c 20 00 01 00 03 6d"});
    h.send(sensor, "07 0d 00 01 00 03 00");
    CHECK(b.expect<mqtt5::puback_packet>().packet_id == 4);
}
