// SPDX-License-Identifier: MIT
// --serial: the fixed syntax DEVICE[,baud=N][,framing=raw|slip|cobs|xbee][,crc=on|off]
// [,addressing=single|forwarder], its defaults, the INI key, errors naming the option, and when the
// default UDP listener applies.
#include <sngw/app/config_parse.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

using namespace sngw::app;
using sngw::transport::serial_addressing;
using sngw::transport::serial_framing;
using sngw::transport::serial_settings;

namespace {

using files = std::map<std::string, std::string>;

file_reader reader(files f)
{
    return [f = std::move(f)](const std::string& path) -> boost::system::result<std::string> {
        const auto it = f.find(path);
        if (it == f.end()) return boost::system::error_code(ENOENT, boost::system::generic_category());
        return it->second;
    };
}

app_config config(std::initializer_list<const char*> args, const files& f = {})
{
    std::vector<const char*> argv{"sngw"};
    argv.insert(argv.end(), args);
    auto r = parse_arguments(static_cast<int>(argv.size()), argv.data(), reader(f));
    REQUIRE(r.what == parse_result::action::run);
    return r.config;
}

std::string error_of(std::initializer_list<const char*> args, const files& f = {})
{
    try {
        (void)config(args, f);
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

serial_settings only_port(std::initializer_list<const char*> args)
{
    const auto c = config(args);
    REQUIRE(c.serial.size() == 1);
    return c.serial.front();
}

} // namespace

TEST_CASE("a bare --serial device gets baud 115200, raw framing, CRC on and single addressing")
{
    const auto s = only_port({"--serial", "/dev/ttyUSB0"});
    CHECK(s.device == "/dev/ttyUSB0");
    CHECK(s.baud == 115200);
    CHECK(s.framing == serial_framing::raw);
    CHECK(s.crc);
    CHECK_FALSE(s.uses_crc()); // raw carries no CRC
    CHECK(s.addressing == serial_addressing::single);
    CHECK(to_string(s) == "/dev/ttyUSB0,baud=115200,framing=raw,addressing=single");
}

TEST_CASE("every --serial setting is parsed, in any order")
{
    const auto s =
        only_port({"--serial", "/dev/ttyAMA0,addressing=forwarder,crc=off,framing=cobs,baud=9600"});
    CHECK(s.device == "/dev/ttyAMA0");
    CHECK(s.baud == 9600);
    CHECK(s.framing == serial_framing::cobs);
    CHECK_FALSE(s.crc);
    CHECK_FALSE(s.uses_crc());
    CHECK(s.addressing == serial_addressing::forwarder);
    CHECK(to_string(s) == "/dev/ttyAMA0,baud=9600,framing=cobs,crc=off,addressing=forwarder");

    CHECK(only_port({"--serial", "/dev/x,framing=slip"}).uses_crc());
    CHECK(only_port({"--serial", "/dev/x,framing=xbee"}).framing == serial_framing::xbee);
    CHECK(only_port({"--serial", "/dev/x,framing=raw,crc=on"}).framing == serial_framing::raw);
    CHECK(only_port({"--serial", "/dev/x,baud=4000000"}).baud == 4000000);
    CHECK(only_port({"--serial", "/dev/x,baud=50"}).baud == 50);
}

TEST_CASE("--serial is repeatable and each port keeps its own settings in the order given")
{
    const auto c = config({"--serial", "/dev/ttyUSB0,framing=xbee", "--serial",
                           "/dev/ttyACM0,framing=slip,baud=57600", "--udp", "127.0.0.1:1883"});
    REQUIRE(c.serial.size() == 2);
    CHECK(c.serial[0].device == "/dev/ttyUSB0");
    CHECK(c.serial[0].framing == serial_framing::xbee);
    CHECK(c.serial[1].device == "/dev/ttyACM0");
    CHECK(c.serial[1].framing == serial_framing::slip);
    CHECK(c.serial[1].baud == 57600);
    CHECK(c.udp == std::vector<host_port>{{"127.0.0.1", 1883}});
}

TEST_CASE("the default UDP listener applies unless --udp or --serial is given")
{
    CHECK(config({}).udp == std::vector<host_port>{{"0.0.0.0", 1883}});
    // Only serial ports: no UDP socket the user did not ask for.
    const auto serial_only = config({"--serial", "/dev/ttyUSB0"});
    CHECK(serial_only.udp.empty());
    CHECK(serial_only.serial.size() == 1);
    // Both, when both are asked for.
    const auto both = config({"--serial", "/dev/ttyUSB0", "--udp", "0.0.0.0:1883"});
    CHECK(both.udp == std::vector<host_port>{{"0.0.0.0", 1883}});
    // --multicast needs a UDP listener of its family: with serial ports only there is none.
    CHECK(error_of({"--serial", "/dev/ttyUSB0", "--multicast", "225.1.1.1:1883"}).find("no --udp listener") !=
          std::string::npos);
}

TEST_CASE("serial ports in the INI file: one `serial =` line per port, and the command line list wins")
{
    const files f{{"gw.conf", "serial = /dev/ttyUSB0,framing=xbee\n"
                              "serial = /dev/ttyS1,framing=slip,crc=off,baud=38400\n"}};
    const auto c = config({"-c", "gw.conf"}, f);
    REQUIRE(c.serial.size() == 2);
    CHECK(c.serial[0] ==
          serial_settings{"/dev/ttyUSB0", 115200, serial_framing::xbee, true, serial_addressing::single});
    CHECK(c.serial[1] ==
          serial_settings{"/dev/ttyS1", 38400, serial_framing::slip, false, serial_addressing::single});
    CHECK(c.udp.empty()); // serial ports in the file: the default listener does not apply either

    const auto over = config({"-c", "gw.conf", "--serial", "/dev/ttyACM0"}, f);
    REQUIRE(over.serial.size() == 1);
    CHECK(over.serial[0].device == "/dev/ttyACM0");

    const files g{{"gw.conf", "udp = 127.0.0.1:1884\nserial = /dev/ttyUSB0\n"}};
    CHECK(config({"-c", "gw.conf"}, g).udp == std::vector<host_port>{{"127.0.0.1", 1884}});
}

TEST_CASE("a bad --serial value is a configuration error that names the option and the setting")
{
    const auto has = [](const std::string& message, const std::string& part) {
        CAPTURE(message);
        CHECK(message.find(part) != std::string::npos);
    };
    has(error_of({"--serial", "/dev/x,baud=12345"}), "--serial /dev/x,baud=12345: baud must be");
    has(error_of({"--serial", "/dev/x,baud=fast"}), "baud must be");
    has(error_of({"--serial", "/dev/x,baud="}), "baud must be");
    has(error_of({"--serial", "/dev/x,baud=-9600"}), "baud must be");
    has(error_of({"--serial", "/dev/x,framing=hdlc"}), "framing must be raw, slip, cobs or xbee, got 'hdlc'");
    has(error_of({"--serial", "/dev/x,crc=yes"}), "crc must be on or off");
    has(error_of({"--serial", "/dev/x,addressing=mesh"}), "addressing must be single or forwarder");
    has(error_of({"--serial", "/dev/x,parity=none"}), "unknown setting 'parity'");
    has(error_of({"--serial", "/dev/x,framing=slip,framing=cobs"}), "framing is given twice");
    has(error_of({"--serial", "/dev/x,"}), "expected key=value");
    has(error_of({"--serial", "/dev/x,,baud=9600"}), "expected key=value");
    has(error_of({"--serial", "/dev/x,slip"}), "expected key=value after the device, got 'slip'");
    has(error_of({"--serial", "/dev/x,=slip"}), "expected key=value");
    has(error_of({"--serial", ""}), "the device comes first");
    has(error_of({"--serial", ",framing=slip"}), "the device comes first");
    has(error_of({"--serial", "framing=slip"}), "the device comes first");
    has(error_of({"--serial", "/dev/x", "--serial", "/dev/x,framing=slip"}),
        "--serial /dev/x is given twice");
    has(error_of({"-c", "gw.conf"}, {{"gw.conf", "serial = /dev/x,framing=nope\n"}}),
        "--serial /dev/x,framing=nope");
}
