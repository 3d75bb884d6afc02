// SPDX-License-Identifier: MIT
// The control socket's line protocol (README "Watching the gateway: sngwctl"): request parsing, error
// answers, the shape of answer lines, and the default socket path rule sngw and sngwctl share.
#include <sngw/app/control_path.hpp>
#include <sngw/app/control_protocol.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <doctest/doctest.h>

#include <string>

namespace json = boost::json;
using namespace sngw::app;

namespace {

control_request parsed(std::string_view line)
{
    const auto p = parse_request(line);
    REQUIRE_MESSAGE(p.request.has_value(), p.error);
    CHECK(p.error.empty());
    return *p.request;
}

std::string refused(std::string_view line)
{
    const auto p = parse_request(line);
    CHECK_FALSE(p.request.has_value());
    CHECK_FALSE(p.error.empty());
    return p.error;
}

} // namespace

TEST_CASE("every command parses from its documented request line")
{
    CHECK(parsed(R"({"cmd":"status"})") == control_request{control_command::status, {}, default_kick_reason});
    CHECK(parsed(R"({"cmd":"clients"})").command == control_command::clients);
    CHECK(parsed(R"({"cmd":"metrics"})").command == control_command::metrics);
    const auto c = parsed(R"({"cmd":"client","id":"sensor-1"})");
    CHECK(c.command == control_command::client);
    CHECK(c.id == "sensor-1");
    const auto k = parsed(R"({"cmd":"kick","id":"s2","reason":135})");
    CHECK(k.command == control_command::kick);
    CHECK(k.id == "s2");
    CHECK(k.reason == 0x87);
}

TEST_CASE("a kick without a reason is an administrative action 0x98")
{
    CHECK(parsed(R"({"cmd":"kick","id":"s"})").reason == 0x98);
}

TEST_CASE("a trailing carriage return and unknown members are ignored")
{
    CHECK(parsed("{\"cmd\":\"status\"}\r").command == control_command::status);
    CHECK(parsed(R"({"cmd":"status","extra":[1,2]})").command == control_command::status);
}

TEST_CASE("bad requests are refused with a reason and never throw")
{
    CHECK(refused("not json").starts_with("not JSON"));
    CHECK(refused("{\"cmd\":").starts_with("not JSON"));
    CHECK(refused("").starts_with("not JSON"));
    CHECK(refused("[1,2]").find("JSON object") != std::string::npos);
    CHECK(refused("{}").find("\"cmd\"") != std::string::npos);
    CHECK(refused(R"({"cmd":7})").find("\"cmd\"") != std::string::npos);
    CHECK(refused(R"({"cmd":"reboot"})") ==
          "unknown command \"reboot\" (status, clients, client, kick, metrics)");
    CHECK(refused(R"({"cmd":"client"})").find("\"id\"") != std::string::npos);
    CHECK(refused(R"({"cmd":"kick","id":5})").find("\"id\"") != std::string::npos);
    CHECK(refused(R"({"cmd":"kick","id":"s","reason":256})").find("0 to 255") != std::string::npos);
    CHECK(refused(R"({"cmd":"kick","id":"s","reason":-1})").find("0 to 255") != std::string::npos);
    CHECK(refused(R"({"cmd":"kick","id":"s","reason":"0x98"})").find("0 to 255") != std::string::npos);
    CHECK(refused(R"({"cmd":"kick","id":"s","reason":1.5})").find("0 to 255") != std::string::npos);
}

TEST_CASE("an unknown command with control characters is quoted so the answer stays one line")
{
    const auto line = error_line(refused("{\"cmd\":\"a\\nb\"}"));
    CHECK(line.find('\n') == line.size() - 1);
    const auto v = json::parse(line);
    CHECK(v.at("ok") == false);
}

TEST_CASE("request_line writes what parse_request reads")
{
    for (const auto& r : {control_request{control_command::status, {}, 0x98},
                          control_request{control_command::clients, {}, 0x98},
                          control_request{control_command::client, "a \"quoted\" id", 0x98},
                          control_request{control_command::kick, "k", 0x8e},
                          control_request{control_command::metrics, {}, 0x98}}) {
        const auto line = request_line(r);
        REQUIRE(line.back() == '\n');
        CHECK(parsed(std::string_view(line).substr(0, line.size() - 1)) == r);
    }
    CHECK(request_line({control_command::status, {}, 0x98}) == "{\"cmd\":\"status\"}\n");
    CHECK(request_line({control_command::kick, "s", 0x98}) ==
          "{\"cmd\":\"kick\",\"id\":\"s\",\"reason\":152}\n");
}

TEST_CASE("answer lines are one JSON object with ok first")
{
    json::object body{{"count", 2}, {"ok", "ignored"}};
    CHECK(ok_line(body) == "{\"ok\":true,\"count\":2}\n");
    CHECK(error_line("no client \"x\"") == "{\"ok\":false,\"error\":\"no client \\\"x\\\"\"}\n");
}

TEST_CASE("json_text keeps valid UTF-8 and escapes the octets of invalid sequences")
{
    CHECK(json_text("sensor-1") == "sensor-1");
    CHECK(json_text("k\xc3\xbc"
                    "che") == "k\xc3\xbc"
                              "che");                           // ü
    CHECK(json_text("\xf0\x9f\x90\x9d") == "\xf0\x9f\x90\x9d"); // U+1F41D
    CHECK(json_text("a\xff"
                    "b") == "a\\xffb");
    CHECK(json_text("\xc3") == "\\xc3");                   // truncated sequence
    CHECK(json_text("\xc0\xaf") == "\\xc0\\xaf");          // overlong '/'
    CHECK(json_text("\xed\xa0\x80") == "\\xed\\xa0\\x80"); // a surrogate
    // What comes out is always valid JSON once serialized.
    const auto line = ok_line(json::object{{"id", json_text("\x80\xfe\x01")}});
    CHECK_NOTHROW(json::parse(line));
}

TEST_CASE("the control socket path follows --control, then RUNTIME_DIRECTORY, then /run/sngw, then TMPDIR")
{
    CHECK(choose_control_path({"/x/y.sock", "/run/sngw", true, "/t"}) == "/x/y.sock");
    CHECK(choose_control_path({"", "/run/sngw", true, "/t"}) == "/run/sngw/sngw.sock");
    CHECK(choose_control_path({"", "/run/other/", false, "/t"}) == "/run/other/sngw.sock");
    CHECK(choose_control_path({"", "/run/a:/run/b", false, ""}) == "/run/a/sngw.sock");
    CHECK(choose_control_path({"", "", true, "/t"}) == "/run/sngw/sngw.sock");
    CHECK(choose_control_path({"", "", false, "/var/tmp/"}) == "/var/tmp/sngw.sock");
    CHECK(choose_control_path({"", "", false, ""}) == "/tmp/sngw.sock");
    CHECK(choose_control_path({"", "", false, "/"}) == "/sngw.sock");
}

TEST_CASE("an explicit path is used as given by daemon and client alike")
{
    CHECK(daemon_control_path("/tmp/explicit.sock") == "/tmp/explicit.sock");
    CHECK(client_control_path("/tmp/explicit.sock") == "/tmp/explicit.sock");
}
