// SPDX-License-Identifier: MIT
// Gateway discovery (MQTT-SN v1.2 §6.1): SEARCHGW → GWINFO, periodic ADVERTISE.
#include "core_harness.hpp"

#include <sngw/core/errc.hpp>

using sngw::test::core_harness;
namespace core = sngw::core;
using namespace std::chrono_literals;

namespace {

core::config with_id(std::uint8_t id, std::chrono::seconds advertise = 0s)
{
    core::config c;
    c.gateway_id = id;
    c.advertise_interval = advertise;
    return c;
}

} // namespace

TEST_CASE("SEARCHGW is answered with GWINFO carrying the gateway id and the searcher is forgotten")
{
    core_harness h(with_id(7));
    const auto p = core_harness::peer(4);
    h.send(p, "03 01 00"); // SEARCHGW: Length 3, MsgType 0x01, Radius 0
    // GWINFO: Length 3, MsgType 0x02, GwId 7, no GwAdd (only clients fill it in, §5.4.3)
    CHECK(h.sent_to(p) == std::vector<std::string>{"03 02 07"});
    CHECK(h.forgotten() == std::vector<core::peer_id>{p});
    CHECK(h.dropped().empty());
    CHECK(h.broadcasts().empty());
}

TEST_CASE("SEARCHGW with a radius is answered the same way")
{
    core_harness h(with_id(200));
    const auto p = core_harness::peer(4);
    h.send(p, "03 01 03");
    CHECK(h.sent_to(p) == std::vector<std::string>{"03 02 c8"});
}

TEST_CASE("SEARCHGW from a connected sensor gets GWINFO and the sensor stays connected")
{
    core_harness h(with_id(7));
    h.auto_broker(true);
    const auto p = core_harness::peer(1);
    h.connect_sensor(p, "s1");
    h.send(p, "03 01 00");
    CHECK(h.sent_to(p) == std::vector<std::string>{"03 02 07"});
    CHECK(h.forgotten().empty());
    CHECK(h.state_of(p) == core::client_state::active);
}

TEST_CASE("ADVERTISE goes out at start and then every interval with the interval as Duration")
{
    core_harness h(with_id(7, 60s));
    // ADVERTISE: Length 5, MsgType 0x00, GwId 7, Duration 60 s
    CHECK(h.broadcasts() == std::vector<std::string>{"05 00 07 00 3c"});
    h.advance(59s);
    CHECK(h.broadcasts().empty());
    h.advance(1s);
    CHECK(h.broadcasts() == std::vector<std::string>{"05 00 07 00 3c"});
    h.advance(120s);
    CHECK(h.broadcasts() == std::vector<std::string>{"05 00 07 00 3c", "05 00 07 00 3c"});
}

TEST_CASE("ADVERTISE is not sent before start")
{
    core_harness h(with_id(7, 60s), false);
    CHECK(h.broadcasts().empty());
    CHECK_FALSE(h.gw().next_deadline());
    h.start();
    CHECK(h.broadcasts() == std::vector<std::string>{"05 00 07 00 3c"});
}

TEST_CASE("ADVERTISE interval 0 means no ADVERTISE at all")
{
    core_harness h(with_id(7, 0s));
    h.advance(std::chrono::hours(48));
    CHECK(h.broadcasts().empty());
}

TEST_CASE("ADVERTISE Duration saturates at 65535 seconds for longer intervals")
{
    core_harness h(with_id(1, 100'000s));
    CHECK(h.broadcasts() == std::vector<std::string>{"05 00 01 ff ff"});
}

TEST_CASE("ADVERTISE and GWINFO from another gateway are dropped without an answer")
{
    core_harness h(with_id(7));
    const auto p = core_harness::peer(5);
    h.send(p, "05 00 09 00 3c"); // ADVERTISE of gateway 9
    h.send(p, "03 02 09");       // GWINFO of gateway 9
    CHECK(h.sent_to(p).empty());
    const auto d = h.dropped();
    REQUIRE(d.size() == 2);
    CHECK(d[0].error == core::make_error_code(core::errc::own_advertisement));
    CHECK(d[0].detail == "ADVERTISE");
    CHECK(d[1].error == core::make_error_code(core::errc::own_advertisement));
    CHECK(d[1].detail == "GWINFO");
    CHECK(h.forgotten() == std::vector<core::peer_id>{p, p});
}
