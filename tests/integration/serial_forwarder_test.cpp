// SPDX-License-Identifier: MIT
// Many sensors behind one forwarder on one serial port (MQTT-SN v1.2 §5.5 encapsulation 0xFE, v2.0
// §3.19 Forwarder Encapsulation 0xFC): each node is its own client of the broker, and everything the
// gateway sends to a node comes back wrapped for that node, with the forwarder's Ctrl.
#include "serial_env.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

namespace v1_2 = sngw::sn::v1_2;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::test::payload;
using sngw::test::publisher;
using sngw::test::serial_bridge;
using sngw::test::serial_env;
using sngw::test::subscriber;
using sngw::transport::serial_framing;

/// Each sensor connects, publishes QoS 1, subscribes to its own topic and receives only its own
/// message; every datagram the gateway sent went to the node it was wrapped for.
void three_nodes(serial_bridge::settings settings, const std::string& prefix)
{
    SNGW_REQUIRE_GATEWAY();
    serial_env e(settings);
    auto sub = subscriber(e.env.broker.port(), prefix + "/+/up");
    std::vector<sngw::sn_client::client> nodes;
    for (const char* id : {"node-a", "node-b", "node-c"})
        nodes.push_back(e.connected_sensor(prefix + "-" + id));
    CHECK(e.bridge.sensors() == 3);

    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto n = std::to_string(i);
        const auto r = nodes[i].publish(prefix + "/" + n + "/up", payload("from node " + n), v1_2::qos::one);
        REQUIRE_MESSAGE(r.has_value(), r.error().message() << "\n" << e.describe());
        CHECK(r->return_code == v1_2::return_codes::accepted);
        const auto s = nodes[i].subscribe(prefix + "/" + n + "/down", v1_2::qos::one);
        REQUIRE(s.has_value());
        CHECK(s->return_code == v1_2::return_codes::accepted);
    }
    for (int i = 0; i < 3; ++i)
        CHECK_MESSAGE(sub->wait_for_payload("from node " + std::to_string(i)).has_value(), e.describe());

    auto pub = publisher(e.env.broker.port());
    for (int i = 2; i >= 0; --i)
        REQUIRE(pub->publish(prefix + "/" + std::to_string(i) + "/down", "to node " + std::to_string(i),
                             mqtt5::qos::at_least_once) == mqtt5::reason_code::success);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto m = nodes[i].receive_publish(5s);
        REQUIRE_MESSAGE(m.has_value(), "node " << i << ": " << m.error().message() << "\n" << e.describe());
        CHECK(m->payload() == "to node " + std::to_string(i));
    }

    const auto version = settings.mode == serial_bridge::addressing::forwarder_v1_2
                             ? sngw::framing::forwarder_version::v1_2
                             : sngw::framing::forwarder_version::v2_0;
    std::size_t to_nodes = 0;
    for (const auto& d : e.bridge.deliveries()) {
        REQUIRE(d.sensor.has_value()); // every datagram was wrapped for a node the forwarder knows
        CHECK(d.node_id == e.bridge.node_id(*d.sensor));
        CHECK(d.version == version);
        if (version == sngw::framing::forwarder_version::v1_2) CHECK(d.ctrl == settings.ctrl);
        if (settings.framing == serial_framing::xbee)
            CHECK(d.destination64 == serial_bridge::xbee_address(0));
        ++to_nodes;
    }
    CHECK(to_nodes >= 12); // per node at least CONNACK, REGACK, PUBACK, SUBACK, PUBLISH
    CHECK(e.bridge.errors() == 0);
    // Three clients upstream, one per node.
    const auto log = e.env.broker.log();
    for (const char* id : {"node-a", "node-b", "node-c"})
        CHECK(log.find(prefix + "-" + id) != std::string::npos);
}

} // namespace

TEST_CASE("a v1.2 forwarder with three nodes behind one raw port: three clients, replies wrapped per node")
{
    // raw framing: the 0xFE header's Length counts the header only, so the header and the message
    // travel as two packets; the gateway joins them, and its replies split the same way.
    three_nodes(
        {.framing = serial_framing::raw, .mode = serial_bridge::addressing::forwarder_v1_2, .ctrl = 0x02},
        "fwd12");
}

TEST_CASE(
    "a v2.0 forwarder (0xFC) with three v1.2 nodes behind one SLIP port: three clients, replies wrapped")
{
    three_nodes({.framing = serial_framing::slip, .mode = serial_bridge::addressing::forwarder_v2_0},
                "fwd20");
}

TEST_CASE(
    "a forwarder behind an XBee: nodes keep apart, replies go to the forwarder's address wrapped per node")
{
    three_nodes({.framing = serial_framing::xbee, .mode = serial_bridge::addressing::forwarder_v1_2},
                "fwdxb");
}
