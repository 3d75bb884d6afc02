// SPDX-License-Identifier: MIT
// The daemon's configuration: every option, INI + command line precedence, errors (exit 2).
#include <sngw/app/config_parse.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

using namespace sngw::app;
using namespace std::chrono_literals;

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

parse_result parse(std::initializer_list<const char*> args, const files& f = {})
{
    std::vector<const char*> argv{"sngw"};
    argv.insert(argv.end(), args);
    return parse_arguments(static_cast<int>(argv.size()), argv.data(), reader(f));
}

app_config config(std::initializer_list<const char*> args, const files& f = {})
{
    auto r = parse(args, f);
    REQUIRE(r.what == parse_result::action::run);
    return r.config;
}

/// The message of the config_error parse() throws ("" if it does not throw).
std::string error_of(std::initializer_list<const char*> args, const files& f = {})
{
    try {
        (void)parse(args, f);
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("no options give the documented defaults")
{
    const auto c = config({});
    CHECK(c.udp == std::vector<host_port>{{"0.0.0.0", 1883}});
    CHECK(c.broker == host_port{"127.0.0.1", 1883});
    CHECK_FALSE(c.multicast);
    CHECK_FALSE(c.broker_tls);
    CHECK(c.level == log_level::info);
    CHECK(c.core.gateway_id == 1);
    CHECK(c.core.advertise_interval == 900s);
    CHECK(c.core.retry_interval == 10s);
    CHECK(c.core.retry_count == 3);
    CHECK(c.core.keep_alive_factor_percent == 150);
    CHECK(c.core.max_clients == 10'000);
    CHECK(c.core.max_topics_per_client == 1'000);
    CHECK(c.core.max_buffered_messages == 32);
    CHECK(c.core.max_datagram_size == 4'096);
    CHECK(c.core.max_client_id_length == 1'024);
    CHECK(c.core.session_expiry == 3600);
    CHECK(c.core.broker_keep_alive == 60);
    CHECK(c.core.broker_connect_timeout == 10s);
    CHECK(c.core.client_id_prefix.empty());
    CHECK(c.core.gateway_client_id.empty());
    CHECK(c.core.default_credentials == sngw::core::broker_credentials{});
    CHECK(c.core.credentials.empty());
    CHECK(c.core.predefined_topics.empty());
}

TEST_CASE("every option on the command line is parsed into the configuration")
{
    const files f{{"topics.txt", "1,sensors/temp\n"}, {"creds.txt", "c1,u1,p1\n"}};
    const auto c = config({"--udp",
                           "0.0.0.0:1884",
                           "--udp",
                           "[::1]:1885",
                           "--broker",
                           "broker.example:8884",
                           "--broker-user",
                           "gw",
                           "--broker-password",
                           "secret, with comma",
                           "--broker-tls",
                           "--ca-file",
                           "ca.pem",
                           "--cert",
                           "gw.pem",
                           "--key",
                           "gw.key",
                           "--tls-server-name",
                           "mqtt.example",
                           "--client-id-prefix",
                           "site1/",
                           "--gateway-client-id",
                           "gw-main",
                           "--credentials",
                           "creds.txt",
                           "--predefined-topics",
                           "topics.txt",
                           "--gateway-id",
                           "7",
                           "--multicast",
                           "239.1.2.3:1883",
                           "--advertise-interval",
                           "60",
                           "--retry-interval",
                           "0.5",
                           "--retry-count",
                           "5",
                           "--max-clients",
                           "500",
                           "--session-expiry",
                           "86400",
                           "--log-level",
                           "debug",
                           "--max-topics",
                           "20",
                           "--max-buffered",
                           "8",
                           "--max-datagram",
                           "1200",
                           "--max-client-id-length",
                           "64",
                           "--keep-alive-factor",
                           "2.25",
                           "--broker-keep-alive",
                           "30",
                           "--broker-connect-timeout",
                           "3"},
                          f);
    CHECK(c.udp == std::vector<host_port>{{"0.0.0.0", 1884}, {"::1", 1885}});
    CHECK(c.broker == host_port{"broker.example", 8884});
    CHECK(c.core.default_credentials.user_name == "gw");
    CHECK(c.core.default_credentials.password == "secret, with comma");
    CHECK(c.broker_tls);
    CHECK(c.ca_file == "ca.pem");
    CHECK(c.cert_file == "gw.pem");
    CHECK(c.key_file == "gw.key");
    CHECK(c.tls_server_name == "mqtt.example");
    CHECK(c.core.client_id_prefix == "site1/");
    CHECK(c.core.gateway_client_id == "gw-main");
    CHECK(c.credentials_file == "creds.txt");
    REQUIRE(c.core.credentials.count("c1") == 1);
    CHECK(c.core.credentials.at("c1").user_name == "u1");
    CHECK(c.core.credentials.at("c1").password == "p1");
    CHECK(c.predefined_topics_file == "topics.txt");
    CHECK(c.core.predefined_topics == std::vector<sngw::core::predefined_topic>{{1, "sensors/temp"}});
    CHECK(c.core.gateway_id == 7);
    CHECK(c.multicast == host_port{"239.1.2.3", 1883});
    CHECK(c.core.advertise_interval == 60s);
    CHECK(c.core.retry_interval == 500ms);
    CHECK(c.core.retry_count == 5);
    CHECK(c.core.max_clients == 500);
    CHECK(c.core.session_expiry == 86400);
    CHECK(c.level == log_level::debug);
    CHECK(c.core.max_topics_per_client == 20);
    CHECK(c.core.max_buffered_messages == 8);
    CHECK(c.core.max_datagram_size == 1200);
    CHECK(c.core.max_client_id_length == 64);
    CHECK(c.core.keep_alive_factor_percent == 225);
    CHECK(c.core.broker_keep_alive == 30);
    CHECK(c.core.broker_connect_timeout == 3s);
}

TEST_CASE("options in the INI file are used and the command line wins over them")
{
    const files f{{"sngw.conf", "# comment\n"
                                "udp = 127.0.0.1:2000\n"
                                "udp = 127.0.0.1:2001\n"
                                "broker = 10.0.0.1:1883\n"
                                "gateway-id = 9\n"
                                "log-level = warn\n"
                                "broker-tls = true\n"
                                "broker-password = from file\n"
                                "retry-count = 4\n"}};
    SUBCASE("file alone")
    {
        const auto c = config({"-c", "sngw.conf"}, f);
        CHECK(c.config_file == "sngw.conf");
        CHECK(c.udp == std::vector<host_port>{{"127.0.0.1", 2000}, {"127.0.0.1", 2001}});
        CHECK(c.broker == host_port{"10.0.0.1", 1883});
        CHECK(c.core.gateway_id == 9);
        CHECK(c.level == log_level::warn);
        CHECK(c.broker_tls);
        CHECK(c.core.default_credentials.password == "from file");
        CHECK(c.core.retry_count == 4);
    }
    SUBCASE("command line over file, option by option; repeated --udp replaces the file's list")
    {
        const auto c = config(
            {"--gateway-id", "3", "--config", "sngw.conf", "--udp", "[::]:3000", "--log-level", "error"}, f);
        CHECK(c.core.gateway_id == 3);
        CHECK(c.udp == std::vector<host_port>{{"::", 3000}});
        CHECK(c.level == log_level::error);
        CHECK(c.broker == host_port{"10.0.0.1", 1883}); // not on the command line: the file's
        CHECK(c.core.retry_count == 4);
    }
}

TEST_CASE("an INI file with an unknown key, a bad value or that cannot be read is a configuration error")
{
    CHECK(error_of({"-c", "a.conf"}, {{"a.conf", "no-such-option = 1\n"}}).find("a.conf") == 0);
    CHECK(error_of({"-c", "a.conf"}, {{"a.conf", "no-such-option = 1\n"}}).find("no-such-option") !=
          std::string::npos);
    CHECK(error_of({"-c", "a.conf"}, {{"a.conf", "gateway-id = many\n"}}).find("gateway-id") !=
          std::string::npos);
    CHECK(error_of({"-c", "missing.conf"}) == "cannot read -c missing.conf: No such file or directory");
    // -c is for the command line only.
    CHECK_FALSE(error_of({"-c", "a.conf"}, {{"a.conf", "config = b.conf\n"}}).empty());
}

TEST_CASE("a '#' inside an INI value is kept, and only whole lines starting with '#' or a semicolon are comments")
{
    const files f{{"p.conf", "  # a comment\n"
                             "; another\n"
                             "broker-password = ab#cd\n"
                             "client-id-prefix=site#3/ \n"
                             "broker-user = ;me\n"}};
    const auto c = config({"-c", "p.conf"}, f);
    CHECK(c.core.default_credentials.password == "ab#cd");
    CHECK(c.core.client_id_prefix == "site#3/");
    CHECK(c.core.default_credentials.user_name == ";me");
    CHECK(error_of({"-c", "a.conf"}, {{"a.conf", "gateway-id\n"}}).find("a.conf") == 0);
}

TEST_CASE("help and version are answered without parsing the rest")
{
    const auto h = parse({"--help", "--gateway-id", "0"});
    CHECK(h.what == parse_result::action::help);
    CHECK(parse({"-h"}).what == parse_result::action::help);
    // Every option, with its default.
    for (const char* needle : {"--udp HOST:PORT (=0.0.0.0:1883)",
                               "--broker HOST:PORT (=127.0.0.1:1883)",
                               "--broker-user",
                               "--broker-password",
                               "--broker-tls",
                               "--ca-file",
                               "--cert",
                               "--key",
                               "--client-id-prefix",
                               "--credentials",
                               "--predefined-topics",
                               "--gateway-id N (=1)",
                               "--multicast",
                               "--advertise-interval SECONDS (=900)",
                               "--retry-interval SECONDS (=10)",
                               "--retry-count N (=3)",
                               "--max-clients N (=10000)",
                               "--session-expiry SECONDS (=3600)",
                               "--log-level LEVEL (=info)",
                               "--max-topics N (=1000)",
                               "--max-buffered N (=32)",
                               "--max-datagram OCTETS (=4096)",
                               "--keep-alive-factor F (=1.5)",
                               "--broker-keep-alive SECONDS (=60)",
                               "--broker-connect-timeout SECONDS (=10)",
                               "--tls-server-name",
                               "--gateway-client-id",
                               "--max-client-id-length",
                               "--version",
                               "-c [ --config ] FILE"}) {
        CAPTURE(needle);
        CHECK(h.text.find(needle) != std::string::npos);
    }
    const auto v = parse({"--version"});
    CHECK(v.what == parse_result::action::version);
    CHECK(v.text.rfind("sngw ", 0) == 0);
}

TEST_CASE("out-of-range and malformed values name the option")
{
    CHECK(error_of({"--gateway-id", "0"}) == "--gateway-id must be 1..255 (got 0)");
    CHECK(error_of({"--gateway-id", "256"}) == "--gateway-id must be 1..255 (got 256)");
    CHECK(error_of({"--gateway-id", "-1"}) == "--gateway-id must be 1..255 (got -1)");
    CHECK(error_of({"--gateway-id", "x"}).find("--gateway-id") != std::string::npos);
    CHECK(error_of({"--advertise-interval", "65536"}) == "--advertise-interval must be 0..65535 (got 65536)");
    CHECK(error_of({"--retry-count", "256"}) == "--retry-count must be 0..255 (got 256)");
    CHECK(error_of({"--max-clients", "0"}) == "--max-clients must be 1..10000000 (got 0)");
    CHECK(error_of({"--max-topics", "70000"}) == "--max-topics must be 1..65535 (got 70000)");
    CHECK(error_of({"--max-buffered", "0"}) == "--max-buffered must be 1..65535 (got 0)");
    CHECK(error_of({"--max-datagram", "8"}) == "--max-datagram must be 16..65535 (got 8)");
    CHECK(error_of({"--session-expiry", "4294967296"}) ==
          "--session-expiry must be 0..4294967295 (got 4294967296)");
    CHECK(error_of({"--broker-keep-alive", "65536"}) == "--broker-keep-alive must be 0..65535 (got 65536)");
    CHECK(error_of({"--retry-interval", "0"}).find("--retry-interval must be more than 0") == 0);
    CHECK(error_of({"--broker-connect-timeout", "-2"}).find("--broker-connect-timeout") == 0);
    CHECK(error_of({"--keep-alive-factor", "0.5"}).find("--keep-alive-factor must be 1..100") == 0);
    CHECK(error_of({"--log-level", "loud"}) == "--log-level must be error, warn, info or debug (got 'loud')");
    CHECK(error_of({"--no-such-option"}).find("no-such-option") != std::string::npos);
    CHECK(error_of({"stray-argument"}).find("stray-argument") != std::string::npos);
    CHECK(error_of({"--udp"}).find("--udp") != std::string::npos); // value missing
}

TEST_CASE("listen, broker and multicast addresses are checked")
{
    CHECK(config({"--udp", "[::]:1883", "--udp", "0.0.0.0:1883"}).udp ==
          std::vector<host_port>{{"::", 1883}, {"0.0.0.0", 1883}});
    CHECK(config({"--udp", "127.0.0.1"}).udp == std::vector<host_port>{{"127.0.0.1", 1883}});
    CHECK(config({"--udp", "127.0.0.1:0"}).udp == std::vector<host_port>{{"127.0.0.1", 0}});
    CHECK(error_of({"--udp", "sensors.local:1883"}).find("must be an IP address") != std::string::npos);
    CHECK(error_of({"--udp", "127.0.0.1:1883", "--udp", "127.0.0.1:1883"}) ==
          "--udp 127.0.0.1:1883 is given twice");
    CHECK(error_of({"--udp", "127.0.0.1:99999"}) == "--udp 127.0.0.1:99999: port must be a number 0..65535");
    CHECK(error_of({"--udp", "[::1:1883"}) == "--udp [::1:1883: missing ']'");

    CHECK(config({"--broker", "mqtt.example"}).broker == host_port{"mqtt.example", 1883});
    CHECK(config({"--broker", "mqtt.example", "--broker-tls"}).broker == host_port{"mqtt.example", 8883});
    CHECK(config({"--broker", "[::1]:1884"}).broker == host_port{"::1", 1884});
    CHECK(config({"--broker", "::1"}).broker == host_port{"::1", 1883});
    CHECK(error_of({"--broker", "host:0"}) == "--broker host:0: port 0");
    CHECK(error_of({"--broker", ":1883"}) == "--broker :1883: empty host");

    CHECK(error_of({"--multicast", "10.0.0.1:1883"}).find("not a multicast address") != std::string::npos);
    CHECK(error_of({"--udp", "0.0.0.0:1883", "--multicast", "[ff02::1]:1883"}) ==
          "--multicast [ff02::1]:1883: no --udp listener of the same address family (IPv4/IPv6)");
    CHECK(config({"--udp", "[::]:1883", "--multicast", "[ff02::1]:1884"}).multicast ==
          host_port{"ff02::1", 1884});
}

TEST_CASE("TLS is on with --broker-tls or any of --ca-file, --cert, --key, and --cert needs --key")
{
    CHECK(config({"--ca-file", "ca.pem"}).broker_tls);
    CHECK(config({"--cert", "c.pem", "--key", "k.pem"}).broker_tls);
    CHECK(error_of({"--cert", "c.pem"}) == "--cert and --key go together");
    CHECK(error_of({"--key", "k.pem"}) == "--cert and --key go together");
}

TEST_CASE("a bad line in --predefined-topics or --credentials is an error with the file and line")
{
    CHECK(error_of({"--predefined-topics", "t.txt"}, {{"t.txt", "# ids\n1,a\n0,b\n1,c\n"}}) ==
          "t.txt:3: topic id '0' is not a number 1..65535\n"
          "t.txt:4: topic id 1 already defined on line 2");
    CHECK(error_of({"--credentials", "c.txt"}, {{"c.txt", "\nnocomma\n"}}) ==
          "c.txt:2: expected CLIENT_ID,USER,PASSWORD");
    CHECK(error_of({"--credentials", "gone.txt"}) ==
          "cannot read --credentials gone.txt: No such file or directory");
}

TEST_CASE("log levels have names both ways")
{
    for (auto l : {log_level::error, log_level::warn, log_level::info, log_level::debug})
        CHECK(parse_log_level(to_string(l)) == l);
    CHECK(parse_log_level("warning") == log_level::warn);
    CHECK_FALSE(parse_log_level("INFO"));
    CHECK(to_string(host_port{"::1", 1883}) == "[::1]:1883");
    CHECK(to_string(host_port{"10.1.2.3", 1}) == "10.1.2.3:1");
}

TEST_CASE("every key of sngw.conf.example is an option, and uncommented it gives the defaults it shows")
{
    const auto text = read_text_file(SNGW_CONF_EXAMPLE);
    REQUIRE(text.has_value());
    // Uncomment "#key = value" lines (not the prose comments, which have a space after '#').
    std::string uncommented;
    std::size_t keys = 0;
    std::size_t start = 0;
    while (start < text->size()) {
        auto end = text->find('\n', start);
        if (end == std::string::npos) end = text->size();
        const auto line = text->substr(start, end - start);
        if (line.size() > 1 && line[0] == '#' && line[1] >= 'a' && line[1] <= 'z') {
            uncommented += line.substr(1) + '\n';
            ++keys;
        }
        start = end + 1;
    }
    CHECK(keys == 37); // the 35 settings, udp twice
    const auto c = config({"-c", "example.conf"}, {{"example.conf", uncommented},
                                                   {"/etc/sngw/predefined-topics.txt", ""},
                                                   {"/etc/sngw/credentials.txt", ""}});
    const app_config defaults;
    CHECK(c.udp == std::vector<host_port>{{"0.0.0.0", 1883}, {"::", 1883}});
    CHECK(c.broker == defaults.broker);
    CHECK(c.core.gateway_id == defaults.core.gateway_id);
    CHECK(c.core.advertise_interval == defaults.core.advertise_interval);
    CHECK(c.core.retry_interval == defaults.core.retry_interval);
    CHECK(c.core.retry_count == defaults.core.retry_count);
    CHECK(c.core.keep_alive_factor_percent == defaults.core.keep_alive_factor_percent);
    CHECK(c.core.max_clients == defaults.core.max_clients);
    CHECK(c.core.max_topics_per_client == defaults.core.max_topics_per_client);
    CHECK(c.core.max_buffered_messages == defaults.core.max_buffered_messages);
    CHECK(c.core.max_datagram_size == defaults.core.max_datagram_size);
    CHECK(c.core.max_client_id_length == defaults.core.max_client_id_length);
    CHECK(c.core.session_expiry == defaults.core.session_expiry);
    CHECK(c.core.broker_keep_alive == defaults.core.broker_keep_alive);
    CHECK(c.core.broker_connect_timeout == defaults.core.broker_connect_timeout);
    CHECK(c.level == defaults.level);
}
