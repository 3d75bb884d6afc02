// SPDX-License-Identifier: MIT
// The gateway's retransmissions toward a sensor (MQTT-SN v1.2 §6.13): one message in flight, re-sent
// every T_RETRY (DUP set on a PUBLISH) up to N_RETRY times, then the sensor is lost.
#include "core_harness.hpp"

#include <sngw/core/errc.hpp>

using namespace std::chrono_literals;
using sngw::test::core_harness;
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
