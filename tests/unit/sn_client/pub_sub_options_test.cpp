// SPDX-License-Identifier: MIT
// sngw-pub / sngw-sub command lines (tools/sngw_pub_sub): every option, its checks, the usage errors.
#include <sngw/pub_sub/options.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using namespace sngw::pub_sub;
using namespace std::chrono_literals;
using sngw::transport::serial_framing;

parsed<pub_options> pub(std::vector<std::string> args)
{
    return parse_pub(args);
}
parsed<sub_options> sub(std::vector<std::string> args)
{
    return parse_sub(args);
}

} // namespace

TEST_CASE("sngw-pub takes mosquitto_pub's options with their defaults")
{
    const auto p = pub({"-t", "a/b", "-m", "hi"});
    REQUIRE(p.ok());
    CHECK(p.options.host == "127.0.0.1");
    CHECK(p.options.port == 1883);
    CHECK(p.options.topic.name == "a/b");
    CHECK(p.options.source == message_source::message);
    CHECK(p.options.message == "hi");
    CHECK(p.options.qos == 0);
    CHECK(p.options.version == protocol_version::v1_2);
    CHECK(p.options.clean_session);
    CHECK(p.options.timeout == 5s);

    const auto all =
        pub({"-h",   "::1",        "-p",        "10883",        "-T",           "12", "-n",
             "-q",   "-1",         "-r",        "-i",           "me",           "-k", "0",
             "-c",   "-d",         "--timeout", "0.5",          "--will-topic", "w",  "--will-payload",
             "gone", "--will-qos", "1",         "--will-retain"});
    REQUIRE_MESSAGE(all.ok(), all.error);
    CHECK(all.options.host == "::1");
    CHECK(all.options.port == 10883);
    CHECK(all.options.topic.predefined == std::uint16_t{12});
    CHECK(all.options.source == message_source::null);
    CHECK(all.options.qos == -1);
    CHECK(all.options.retain);
    CHECK(all.options.client_id == "me");
    CHECK(all.options.keep_alive == 0);
    CHECK_FALSE(all.options.clean_session);
    CHECK(all.options.debug);
    CHECK(all.options.timeout == 500ms);
    REQUIRE(all.options.will.has_value());
    CHECK(*all.options.will == will_arg{"w", "gone", 1, true});
}

TEST_CASE("sngw-pub accepts --name=value, -qVALUE and a value that starts with a dash")
{
    const auto p = pub({"--topic=t/x", "-q-1", "-V", "2.0", "-m", "-5"});
    REQUIRE_MESSAGE(p.ok(), p.error);
    CHECK(p.options.topic.name == "t/x");
    CHECK(p.options.qos == -1);
    CHECK(p.options.version == protocol_version::v2_0);
    CHECK(p.options.message == "-5");
}

TEST_CASE("sngw-pub refuses what it cannot send with a message naming the option")
{
    CHECK(pub({"-m", "x"}).error.find("a topic is needed") != std::string::npos);
    CHECK(pub({"-t", "a"}).error.find("a message is needed") != std::string::npos);
    CHECK(pub({"-t", "a", "-m", "x", "-f", "f"}).error == "only one of -m, -f, -l and -n");
    CHECK(pub({"-t", "a/#", "-m", "x"}).error.find("no wildcards") != std::string::npos);
    CHECK(pub({"-t", "a", "-m", "x", "-q", "3"}).error.find("-q: the QoS is -1, 0, 1 or 2") == 0);
    CHECK(pub({"-t", "a", "-m", "x", "-p", "0"}).error.find("-p: a port is 1..65535") == 0);
    CHECK(pub({"-t", "a", "-m", "x", "-V", "1.3"}).error.find("-V: the version is 1.2 or 2.0") == 0);
    CHECK(pub({"-t", "a", "-m", "x", "--bogus"}).error == "unknown option '--bogus' (see --help)");
    CHECK(pub({"-t", "a", "-m"}).error == "-m needs a value");
    CHECK(pub({"-t", "a", "-m", "x", "stray"}).error.find("unexpected argument 'stray'") == 0);
    CHECK(pub({"-t", "a", "-m", "x", "--retain=yes"}).error == "--retain takes no value");
    CHECK(pub({"-t", "a", "-m", "x", "-V", "2.0", "-k", "0"}).error.find("no keep-alive 0") !=
          std::string::npos);
    CHECK(pub({"-t", "a", "-m", "x", "--will-qos", "1"}).error.find("need --will-topic") !=
          std::string::npos);
    CHECK(pub({"-t", "a", "-m", "x", "--timeout", "0"}).error.find("--timeout") == 0);
}

TEST_CASE("sngw-pub QoS -1 in v1.2 needs a predefined id or a short topic and in v2.0 takes a name")
{
    CHECK(pub({"-t", "long", "-m", "x", "-q", "-1"}).error.find("-q -1 in MQTT-SN 1.2") == 0);
    CHECK(pub({"-t", "ab", "-m", "x", "-q", "-1"}).ok());
    CHECK(pub({"-T", "3", "-m", "x", "-q", "-1"}).ok());
    CHECK(pub({"-t", "long", "-m", "x", "-q", "-1", "-V", "2.0"}).ok());
    CHECK(topic_arg{"ab", std::nullopt}.is_short());
    CHECK_FALSE(topic_arg{"a#", std::nullopt}.is_short());
    CHECK_FALSE(topic_arg{"abc", std::nullopt}.is_short());
}

TEST_CASE("--help wins over everything else and the help names every option")
{
    CHECK(pub({"--help"}).help);
    CHECK(sub({"-t", "x", "--help"}).help);
    for (const char* o : {"--host",         "--port",
                          "--topic",        "--topic-id",
                          "--message",      "--file",
                          "--stdin-line",   "--null-message",
                          "--qos",          "--retain",
                          "--id",           "--keepalive",
                          "--keep-session", "--protocol-version",
                          "--will-topic",   "--will-payload",
                          "--will-qos",     "--will-retain",
                          "--serial",       "--debug",
                          "--timeout",      "--help"})
        CHECK_MESSAGE(pub_help().find(o) != std::string_view::npos, o);
    for (const char* o :
         {"--verbose", "--no-newline", "--count", "--wait", "--sleep", "--serial", "--timeout"})
        CHECK_MESSAGE(sub_help().find(o) != std::string_view::npos, o);
}

TEST_CASE("sngw-sub takes repeated topics, counts, waits and a sleep cycle")
{
    const auto s = sub(
        {"-t", "a/+", "-T", "5", "-t", "ab", "-q", "2", "-v", "-N", "-C", "3", "-W", "1.5", "--sleep", "30"});
    REQUIRE_MESSAGE(s.ok(), s.error);
    REQUIRE(s.options.topics.size() == 3);
    CHECK(s.options.topics[0] == topic_arg{"a/+", std::nullopt});
    CHECK(s.options.topics[1].predefined == std::uint16_t{5});
    CHECK(s.options.topics[2].is_short());
    CHECK(s.options.qos == 2);
    CHECK(s.options.verbose);
    CHECK(s.options.no_newline);
    CHECK(s.options.count == 3u);
    CHECK(s.options.wait_for == 1500ms);
    CHECK(s.options.sleep == 30u);

    CHECK(sub({}).error.find("a topic is needed") != std::string::npos);
    CHECK(sub({"-t", "x", "-q", "-1"}).error.find("-q: the QoS to subscribe with is 0, 1 or 2") == 0);
    CHECK(sub({"-t", "x", "-C", "0"}).error.find("-C") == 0);
    CHECK(sub({"-t", "x", "--sleep", "70000"}).error.find("65535") != std::string::npos);
    CHECK(sub({"-t", "x", "--sleep", "70000", "-V", "2.0"}).ok());
}

TEST_CASE("--serial takes the gateway's syntax and names a bad setting")
{
    const auto p = pub({"-t", "a", "-m", "x", "--serial", "/dev/ttyUSB0,baud=57600,framing=slip,crc=off"});
    REQUIRE_MESSAGE(p.ok(), p.error);
    REQUIRE(p.options.serial.has_value());
    CHECK(p.options.serial->device == "/dev/ttyUSB0");
    CHECK(p.options.serial->baud == 57600);
    CHECK(p.options.serial->framing == serial_framing::slip);
    CHECK_FALSE(p.options.serial->crc);

    const auto plain = parse_serial("/dev/ttyACM0");
    REQUIRE(plain.port.has_value());
    CHECK(plain.port->baud == 115200);
    CHECK(plain.port->framing == serial_framing::raw);
    CHECK(plain.port->crc);
    CHECK(parse_serial("/dev/x,framing=xbee").port->framing == serial_framing::xbee);

    CHECK(parse_serial("/dev/x,framing=hdlc").error == "framing must be raw, slip, cobs or xbee, got 'hdlc'");
    CHECK(parse_serial("/dev/x,baud=12345").error.find("baud must be") == 0);
    CHECK(parse_serial("/dev/x,crc=maybe").error == "crc must be on or off, got 'maybe'");
    CHECK(parse_serial("/dev/x,addressing=forwarder").error.find("unknown setting 'addressing'") == 0);
    CHECK(parse_serial("/dev/x,baud=9600,baud=9600").error == "baud is given twice");
    CHECK(parse_serial("baud=9600").error.find("the device comes first") == 0);
    CHECK(pub({"-t", "a", "-m", "x", "--serial", "/dev/x,framing=hdlc"}).error ==
          "--serial /dev/x,framing=hdlc: framing must be raw, slip, cobs or xbee, got 'hdlc'");
}
