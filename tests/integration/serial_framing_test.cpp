// SPDX-License-Identifier: MIT
// Sensors on a serial port of a real sngw (a pty the test opens itself), through to a real mosquitto:
// each framing end to end, several XBee sensors on one port, octets a tty would mangle, and the bytes
// mqtt-sn-tools' serial bridge puts on the line.
#include "serial_env.hpp"

#include "support/hex.hpp"

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

/// CONNECT, PUBLISH QoS 1 (seen by an MQTT 5 subscriber), SUBSCRIBE and a message from the broker.
void round_trip(serial_framing framing, bool crc = true)
{
    SNGW_REQUIRE_GATEWAY();
    serial_env e({.framing = framing, .crc = crc});
    const std::string name(to_string(framing));
    auto sub = subscriber(e.env.broker.port(), "serial/" + name + "/#");
    auto s = e.connected_sensor("serial-" + name);

    const auto r = s.publish("serial/" + name + "/up", payload("hello over " + name), v1_2::qos::one);
    REQUIRE_MESSAGE(r.has_value(), r.error().message() << "\n" << e.describe());
    CHECK(r->return_code == v1_2::return_codes::accepted);
    const auto up = sub->wait_for_topic("serial/" + name + "/up");
    REQUIRE_MESSAGE(up.has_value(), e.describe());
    CHECK(up->payload == "hello over " + name);
    CHECK(up->qos == mqtt5::qos::at_least_once);

    const auto suback = s.subscribe("serial/" + name + "/down", v1_2::qos::one);
    REQUIRE(suback.has_value());
    REQUIRE(suback->return_code == v1_2::return_codes::accepted);
    auto pub = publisher(e.env.broker.port());
    REQUIRE(pub->publish("serial/" + name + "/down", "to the sensor over " + name,
                         mqtt5::qos::at_least_once) == mqtt5::reason_code::success);
    const auto down = s.receive_publish(5s);
    REQUIRE_MESSAGE(down.has_value(), down.error().message() << "\n" << e.describe());
    CHECK(down->payload() == "to the sensor over " + name);
    CHECK(down->topic_name == "serial/" + name + "/down");
    CHECK(down->message.q == v1_2::qos::one);

    // Everything the gateway wrote deframed cleanly on the device side.
    CHECK(e.bridge.errors() == 0);
    CHECK_FALSE(e.bridge.deliveries().empty());
}

} // namespace

TEST_CASE("raw framing: a serial sensor connects, publishes QoS 1 and receives its subscription")
{
    round_trip(serial_framing::raw);
}

TEST_CASE("slip framing with CRC-16: a serial sensor connects, publishes QoS 1 and receives its subscription")
{
    round_trip(serial_framing::slip);
}

TEST_CASE("cobs framing with CRC-16: a serial sensor connects, publishes QoS 1 and receives its subscription")
{
    round_trip(serial_framing::cobs);
}

TEST_CASE("slip framing without CRC (crc=off): the same flows")
{
    round_trip(serial_framing::slip, false);
}

TEST_CASE("xbee framing: a serial sensor connects, publishes QoS 1 and receives its subscription")
{
    round_trip(serial_framing::xbee);
}

TEST_CASE("xbee framing: two sensors on one port are two clients, each answered at its own 64-bit address")
{
    SNGW_REQUIRE_GATEWAY();
    serial_env e({.framing = serial_framing::xbee});
    auto sub = subscriber(e.env.broker.port(), "xbee/#");
    auto a = e.connected_sensor("xbee-a");
    auto b = e.connected_sensor("xbee-b");
    REQUIRE(a.publish("xbee/a", payload("from a"), v1_2::qos::one).has_value());
    REQUIRE(b.publish("xbee/b", payload("from b"), v1_2::qos::one).has_value());
    CHECK(sub->wait_for_payload("from a").has_value());
    CHECK(sub->wait_for_payload("from b").has_value());
    for (const auto& d : e.bridge.deliveries()) {
        REQUIRE(d.destination64.has_value());
        if (*d.destination64 == sngw::framing::xbee_broadcast_address) continue; // ADVERTISE
        REQUIRE(d.sensor.has_value());
        CHECK(*d.destination64 == serial_bridge::xbee_address(*d.sensor));
    }
    CHECK(e.bridge.errors() == 0);
    // Both are connected at once: the broker sees two clients.
    const auto log = e.env.broker.log();
    CHECK(log.find("xbee-a") != std::string::npos);
    CHECK(log.find("xbee-b") != std::string::npos);
}

TEST_CASE(
    "CR, LF, XON, XOFF, ^C, ^D, DEL and framing octets in a payload arrive unchanged both ways (raw framing)")
{
    SNGW_REQUIRE_GATEWAY();
    // The pty starts with the kernel's defaults (ICRNL, ONLCR, IXON, ICANON, ISIG, ECHO): only a port the
    // gateway put in raw mode carries these octets unchanged.
    serial_env e({.framing = serial_framing::raw});
    auto sub = subscriber(e.env.broker.port(), "octets/#");
    auto s = e.connected_sensor("octets");
    const std::string body("\r\n\r\x11\x13\x03\x04\x7f\x1a\x1c\x15\xc0\xdb\x7e\x7d\x00\xff end\r", 22);
    const auto r = s.publish("octets/up", payload(body), v1_2::qos::one);
    REQUIRE(r.has_value());
    CHECK(r->return_code == v1_2::return_codes::accepted);
    const auto up = sub->wait_for_topic("octets/up");
    REQUIRE(up.has_value());
    CHECK(up->payload == body);

    REQUIRE(s.subscribe("octets/down", v1_2::qos::one).has_value());
    auto pub = publisher(e.env.broker.port());
    REQUIRE(pub->publish("octets/down", body, mqtt5::qos::at_least_once) == mqtt5::reason_code::success);
    const auto down = s.receive_publish(5s);
    REQUIRE(down.has_value());
    CHECK(down->payload() == body);
    CHECK(e.bridge.errors() == 0);
}

TEST_CASE("interop: the packets mqtt-sn-tools puts on a serial line are accepted by raw framing")
{
    SNGW_REQUIRE_GATEWAY();
    sngw::test::temp_dir dir("sngw-serial-tools");
    sngw::test::pty_pair pty;
    const auto link = dir / "ttyTOOLS";
    sngw::test::point_symlink(link, pty.slave_path());
    auto args = sngw::test::gateway_env::default_args();
    args.insert(args.end(), {"--serial", link.string()});
    sngw::test::gateway_env env(args);
    REQUIRE(pty.wait_slave_raw(5s));
    auto sub = subscriber(env.broker.port(), "tools/#");
    (void)pty.read(300ms); // the ADVERTISE the gateway broadcasts at start

    // mqtt-sn-serial-bridge reads a Length octet, then Length - 1 octets, and writes the gateway's
    // packets as they are; mqtt-sn-pub builds these (mqtt-sn.c: send_connect, send_register,
    // send_publish, send_disconnect):
    const auto expect = [&](const std::vector<std::byte>& reply) {
        const auto got =
            pty.read_until([&](const std::vector<std::byte>& b) { return b.size() >= reply.size(); }, 5s);
        CHECK_MESSAGE(got == reply, env.describe());
    };
    REQUIRE(pty.write(
        sngw::test::hex("18"    // Length 24
                        "04"    // CONNECT
                        "04"    // Flags: CleanSession
                        "01"    // ProtocolId
                        "00 0a" // Duration 10 s (mqtt-sn-pub's default keep-alive)
                        "6d 71 74 74 2d 73 6e 2d 74 6f 6f 6c 73 2d 34 32 34 32"))); // "mqtt-sn-tools-4242"
    expect(sngw::test::hex("03 05 00"));                                            // CONNACK accepted
    REQUIRE(pty.write(sngw::test::hex("10"    // Length 16 = 6 + strlen(topic)
                                      "0a"    // REGISTER
                                      "00 00" // TopicId 0
                                      "00 01" // MsgId 1 (next_message_id starts at 1)
                                      "74 6f 6f 6c 73 2f 74 65 73 74"))); // "tools/test"
    expect(sngw::test::hex("07 0b 00 01 00 01 00"));       // REGACK topic id 1, MsgId 1, accepted
    REQUIRE(pty.write(sngw::test::hex("0c"                 // Length 12 = 7 + strlen(data)
                                      "0c"                 // PUBLISH
                                      "00"                 // Flags: QoS 0, TopicIdType normal
                                      "00 01"              // TopicId 1
                                      "00 00"              // MsgId 0 (QoS 0)
                                      "68 65 6c 6c 6f"))); // "hello"
    REQUIRE(pty.write(sngw::test::hex("0c 0c 20 00 01 00 02 77 6f 72 6c 64"))); // QoS 1, MsgId 2, "world"
    expect(sngw::test::hex("07 0d 00 01 00 02 00"));                            // PUBACK topic 1, MsgId 2
    REQUIRE(pty.write(sngw::test::hex("02 18")));                               // DISCONNECT
    expect(sngw::test::hex("02 18"));
    const auto hello = sub->wait_for_payload("hello");
    REQUIRE(hello.has_value());
    CHECK(hello->topic == "tools/test");
    CHECK(sub->wait_for_payload("world").has_value());
}
