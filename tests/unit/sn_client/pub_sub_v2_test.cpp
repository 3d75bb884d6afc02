// SPDX-License-Identifier: MIT
// The sngw-pub and sngw-sub binaries with -V 2.0 against a scripted MQTT-SN 2.0 gateway on loopback:
// the whole packet sequence each tool sends, and what it prints, before sngw itself speaks 2.0.
#include "scripted_gateway.hpp"
#include "support/child_process.hpp"
#include "support/hex.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

namespace v2_0 = sngw::sn::v2_0;
using namespace std::chrono_literals;
using sngw::test::bytes;
using sngw::test::read_file;
using sngw::test::run_program;
using sngw::test::scripted_gateway_v2;
using sngw::test::wire_v2;
using v2_0::qos;
using v2_0::topic_type;

v2_0::connect_msg connect_of(std::string id)
{
    return v2_0::connect_msg{.clean_start = true,
                             .packet_id = 1,
                             .keep_alive = 60,
                             .maximum_packet_size = 65535,
                             .client_id = std::move(id)};
}

void check_script(scripted_gateway_v2& gw)
{
    for (const auto& e : gw.finish())
        FAIL_CHECK(e);
}

} // namespace

TEST_CASE(
    "sngw-sub -V 2.0 --sleep subscribes, sends SLEEPREQ, wakes with PINGREQ and prints what was buffered")
{
    v2_0::publish_msg buffered{.q = qos::qos1,
                               .topic_type = topic_type::session_alias,
                               .packet_id = 0x50,
                               .topic_alias = 4,
                               .payload = bytes("buffered")};
    scripted_gateway_v2 gw({
        {connect_of("v2s"), {wire_v2(v2_0::connack_msg{.packet_id = 1, .reason_code = 0})}},
        {v2_0::subscribe_msg{
             .q = qos::qos1, .topic_type = topic_type::topic_name, .packet_id = 2, .topic_filter = "s/t"},
         {wire_v2(v2_0::suback_msg{topic_type::session_alias, 2, std::uint16_t{4}, std::uint8_t{1}})}},
        {v2_0::sleepreq_msg{true, 3, 1}, {wire_v2(v2_0::sleepresp_msg{3, std::nullopt, std::uint8_t{0}})}},
        {v2_0::pingreq_msg{4}, {wire_v2(buffered)}},
        {v2_0::puback_msg{0x50, std::uint8_t{0}}, {wire_v2(v2_0::pingresp_msg{4, std::uint8_t{0}})}},
        {v2_0::disconnect_msg{std::nullopt, std::nullopt, std::uint8_t{0}, std::nullopt}, {}},
    });
    sngw::test::temp_dir dir{"sngw-sub-v2"};
    const auto out = dir.path() / "sub.log";
    const int rc = run_program({SNGW_SUB_BINARY, "-V", "2.0", "-p", std::to_string(gw.port()), "-t", "s/t",
                                "-q", "1", "--sleep", "1", "-C", "1", "-v", "-i", "v2s"},
                               out, 15s);
    check_script(gw);
    const auto log = read_file(out);
    CHECK_MESSAGE(rc == 0, log);
    CHECK(log.find("sngw-sub: asleep for 1 s\n") != std::string::npos);
    CHECK(log.find("s/t buffered\n") != std::string::npos);
    CHECK(log.find("sngw-sub: awake, 1 message, asleep again for 1 s\n") != std::string::npos);
}

TEST_CASE("sngw-pub -V 2.0 prints the reason code and string of a DISCONNECT from the gateway and exits 1")
{
    scripted_gateway_v2 gw({
        {connect_of("v2p"), {wire_v2(v2_0::connack_msg{.packet_id = 1, .reason_code = 0})}},
        {v2_0::register_msg{2, std::nullopt, "a/b"},
         {wire_v2(v2_0::disconnect_msg{std::nullopt, std::nullopt, std::uint8_t{0x8B},
                                       std::string("maintenance")})}},
    });
    sngw::test::temp_dir dir{"sngw-pub-v2"};
    const auto out = dir.path() / "pub.log";
    const int rc = run_program({SNGW_PUB_BINARY, "-V", "2.0", "-p", std::to_string(gw.port()), "-t", "a/b",
                                "-m", "x", "-q", "1", "-i", "v2p"},
                               out, 15s);
    check_script(gw);
    CHECK(rc == 1);
    CHECK_MESSAGE(read_file(out).find("sngw-pub: the gateway disconnected: Server shutting down (0x8B), "
                                      "\"maintenance\"") != std::string::npos,
                  read_file(out));
}

TEST_CASE(
    "sngw-pub -V 2.0 QoS 2 to a predefined alias runs PUBREC, PUBREL and PUBCOMP and names a refused CONNACK")
{
    scripted_gateway_v2 gw({
        {connect_of("v2q"), {wire_v2(v2_0::connack_msg{.packet_id = 1, .reason_code = 0})}},
        {v2_0::publish_msg{.q = qos::qos2,
                           .topic_type = topic_type::predefined_alias,
                           .packet_id = 2,
                           .topic_alias = 7,
                           .payload = bytes("two")},
         {wire_v2(v2_0::pubrec_msg{2, std::uint8_t{0}})}},
        {v2_0::pubrel_msg{2, std::uint8_t{0}}, {wire_v2(v2_0::pubcomp_msg{2, std::uint8_t{0}})}},
        {v2_0::disconnect_msg{}, {}},
        {connect_of("v2q"), {wire_v2(v2_0::connack_msg{.packet_id = 1, .reason_code = 0x87})}},
    });
    sngw::test::temp_dir dir{"sngw-pub-v2q"};
    const auto out = dir.path() / "pub.log";
    const std::vector<std::string> args{SNGW_PUB_BINARY,
                                        "-V",
                                        "2.0",
                                        "-p",
                                        std::to_string(gw.port()),
                                        "-T",
                                        "7",
                                        "-m",
                                        "two",
                                        "-q",
                                        "2",
                                        "-i",
                                        "v2q"};
    CHECK_MESSAGE(run_program(args, out, 15s) == 0, read_file(out));
    CHECK(run_program(args, out, 15s) == 1);
    check_script(gw);
    CHECK_MESSAGE(read_file(out).find("sngw-pub: CONNECT refused: Not authorized (0x87)") !=
                      std::string::npos,
                  read_file(out));
}

TEST_CASE("sngw-sub -V 2.0 --sleep wakes early on a WAKEUP from the gateway")
{
    v2_0::publish_msg waiting{.q = qos::qos0,
                              .topic_type = topic_type::session_alias,
                              .topic_alias = 4,
                              .payload = bytes("waiting")};
    scripted_gateway_v2 gw({
        {connect_of("v2w"), {wire_v2(v2_0::connack_msg{.packet_id = 1, .reason_code = 0})}},
        {v2_0::subscribe_msg{.topic_type = topic_type::topic_name, .packet_id = 2, .topic_filter = "w/t"},
         {wire_v2(v2_0::suback_msg{topic_type::session_alias, 2, std::uint16_t{4}, std::uint8_t{0}})}},
        {v2_0::sleepreq_msg{true, 3, 60},
         {wire_v2(v2_0::sleepresp_msg{3, std::nullopt, std::uint8_t{0}}), wire_v2(v2_0::wakeup_msg{})}},
        {v2_0::pingreq_msg{4}, {wire_v2(waiting), wire_v2(v2_0::pingresp_msg{4, std::nullopt})}},
        {v2_0::disconnect_msg{std::nullopt, std::nullopt, std::uint8_t{0}, std::nullopt}, {}},
    });
    sngw::test::temp_dir dir{"sngw-sub-v2w"};
    const auto out = dir.path() / "sub.log";
    const auto start = std::chrono::steady_clock::now();
    const int rc = run_program({SNGW_SUB_BINARY, "-V", "2.0", "-p", std::to_string(gw.port()), "-t", "w/t",
                                "--sleep", "60", "-C", "1", "-i", "v2w"},
                               out, 15s);
    check_script(gw);
    const auto log = read_file(out);
    CHECK_MESSAGE(rc == 0, log);
    CHECK(std::chrono::steady_clock::now() - start < 10s); // not the 60 s asked for
    CHECK(log.find("sngw-sub: WAKEUP from the gateway, waking early\n") != std::string::npos);
    CHECK(log.find("waiting\n") != std::string::npos);
}
