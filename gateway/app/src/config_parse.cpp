// SPDX-License-Identifier: MIT
#include <sngw/app/config_parse.hpp>

#include <sngw/app/file_formats.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#ifndef SNGW_VERSION
#define SNGW_VERSION "unknown"
#endif

namespace sngw::app {

namespace {

namespace po = boost::program_options;

// Defaults shown by --help and used when nothing is given: the same values as core::config's.
const core::config defaults{};

po::options_description general_options()
{
    po::options_description d("General", 110, 60);
    d.add_options()                                                            //
        ("help,h", "print this help (every option with its default) and exit") //
        ("version", "print the version and exit")                              //
        ("config,c", po::value<std::string>()->value_name("FILE"),
         "read options from an INI file: the same keys as the long options without `--` (`udp = "
         "0.0.0.0:1883`); the command line wins");
    return d;
}

po::options_description setting_options()
{
    po::options_description sensors("Sensors (MQTT-SN)", 110, 60);
    sensors.add_options() //
        ("udp",
         po::value<std::vector<std::string>>()
             ->value_name("HOST:PORT")
             ->default_value({"0.0.0.0:1883"}, "0.0.0.0:1883"),
         "listen for MQTT-SN over UDP on this address; repeatable (IPv6: [::]:1883); the default "
         "applies unless --udp or --serial is given") //
        ("serial",
         po::value<std::vector<std::string>>()->value_name(
             "DEVICE[,baud=N][,framing=raw|slip|cobs|xbee][,crc=on|off][,addressing=single|forwarder]"),
         "MQTT-SN over a serial port; repeatable. Defaults: baud=115200, framing=raw, crc=on (slip and "
         "cobs only), addressing=single (one sensor; with xbee one per source address); forwarder: many "
         "sensors behind an MQTT-SN forwarder (encapsulation 0xFE/0xFC)") //
        ("udp-receive-buffer",
         po::value<long long>()->value_name("OCTETS")->default_value(4LL << 20, "4194304"),
         "SO_RCVBUF of each UDP listener (the kernel's default drops bursts from many sensors); above "
         "net.core.rmem_max only as root or with CAP_NET_ADMIN; 0: the system default") //
        ("multicast", po::value<std::string>()->value_name("GROUP:PORT"),
         "send ADVERTISE to this multicast group and receive SEARCHGW on it (default: none)") //
        ("gateway-id", po::value<long long>()->value_name("N")->default_value(defaults.gateway_id),
         "GwId in ADVERTISE and GWINFO, 1..255") //
        ("advertise-interval",
         po::value<long long>()->value_name("SECONDS")->default_value(defaults.advertise_interval.count()),
         "ADVERTISE period with --multicast, 0..65535; 0: never") //
        ("predefined-topics", po::value<std::string>()->value_name("FILE"),
         "predefined topic ids (v1.2) and aliases (v2.0), one `ID,NAME` a line (ID 1..65535, `#` comment)") //
        ("retry-interval", po::value<double>()->value_name("SECONDS")->default_value(10.0),
         "T_RETRY: resend an unacknowledged message to a sensor after this long "
         "(v2.0: doubling, at most 60 s)") //
        ("retry-count", po::value<long long>()->value_name("N")->default_value(defaults.retry_count),
         "N_RETRY: resends before the sensor is lost, 0..255") //
        ("keep-alive-factor", po::value<double>()->value_name("F")->default_value(1.5, "1.5"),
         "a silent sensor is lost after its keep-alive (or sleep duration) x F, 1..100") //
        ("max-clients",
         po::value<long long>()->value_name("N")->default_value(static_cast<long long>(defaults.max_clients)),
         "most sensors the gateway holds; more get CONNACK congestion") //
        ("max-topics",
         po::value<long long>()->value_name("N")->default_value(
             static_cast<long long>(defaults.max_topics_per_client)),
         "most topic ids / session aliases per sensor, 1..65535; "
         "more get REGACK/SUBACK congestion (v2.0: 0x97)") //
        ("max-buffered",
         po::value<long long>()->value_name("N")->default_value(
             static_cast<long long>(defaults.max_buffered_messages)),
         "messages held per sensor (QoS 1/2 in flight = upstream Receive Maximum; QoS 0 while asleep), "
         "1..65535") //
        ("max-datagram",
         po::value<long long>()->value_name("OCTETS")->default_value(
             static_cast<long long>(defaults.max_datagram_size)),
         "largest datagram taken from or sent to a sensor, 16..65535") //
        ("max-client-id-length",
         po::value<long long>()->value_name("OCTETS")->default_value(
             static_cast<long long>(defaults.max_client_id_length)),
         "longest sensor client id accepted, 1..65535");

    po::options_description broker("Broker (MQTT 5)", 110, 60);
    broker.add_options() //
        ("broker", po::value<std::string>()->value_name("HOST:PORT")->default_value("127.0.0.1:1883"),
         "the MQTT 5 broker (port default 1883, 8883 with TLS)") //
        ("broker-user", po::value<std::string>()->value_name("NAME"),
         "user name of every upstream CONNECT") //
        ("broker-password", po::value<std::string>()->value_name("PASSWORD"),
         "password of every upstream CONNECT (visible in ps: prefer the INI file)") //
        ("credentials", po::value<std::string>()->value_name("FILE"),
         "per-sensor user name and password, one `CLIENT_ID,USER,PASSWORD` a line")                 //
        ("broker-tls", po::bool_switch(), "connect with TLS (implied by --ca-file, --cert, --key)") //
        ("ca-file", po::value<std::string>()->value_name("FILE"),
         "CA certificates (PEM) to verify the broker (default: the system's)") //
        ("cert", po::value<std::string>()->value_name("FILE"),
         "client certificate chain (PEM), with --key")                                                 //
        ("key", po::value<std::string>()->value_name("FILE"), "client private key (PEM), with --cert") //
        ("tls-server-name", po::value<std::string>()->value_name("NAME"),
         "name the broker's certificate must carry (default: the --broker host)") //
        ("client-id-prefix", po::value<std::string>()->value_name("TEXT")->default_value(""),
         "prepended to every sensor's client id upstream") //
        ("gateway-client-id", po::value<std::string>()->value_name("ID"),
         "client id of the gateway's own connection (QoS -1; default sngw-<gateway-id>)") //
        ("session-expiry",
         po::value<long long>()->value_name("SECONDS")->default_value(
             static_cast<long long>(defaults.session_expiry)),
         "Session Expiry Interval of every v1.2 sensor's upstream session (v2.0: the CONNECT's)") //
        ("broker-keep-alive",
         po::value<long long>()->value_name("SECONDS")->default_value(defaults.broker_keep_alive),
         "MQTT 5 Keep Alive of every upstream connection, 0..65535") //
        ("broker-connect-timeout", po::value<double>()->value_name("SECONDS")->default_value(10.0),
         "connect + TLS + CONNACK must take less than this") //
        ("reconnect-tries", po::value<long long>()->value_name("N")->default_value(defaults.reconnect_tries),
         "re-opens of a sensor's session after the link was lost or the broker asked to reconnect "
         "(0x8D, 0x93, 0x94, 0xA0, 0xA1), before the sensor is told (0: told at once), 0..255") //
        ("retry-later-grace",
         po::value<long long>()->value_name("SECONDS")->default_value(defaults.retry_later_grace.count()),
         "after a broker DISCONNECT that means 'try later' (0x80, 0x88, 0x89, 0x8B, 0x97, ...) re-open with "
         "back-off for this long before the sensor is told, 0..86400") //
        ("follow-server-reference", po::bool_switch(),
         "after DISCONNECT 0x9C/0x9D with a Server Reference, re-open the session there") //
        ("hold-down", po::value<long long>()->value_name("SECONDS")->default_value(defaults.hold_down.count()),
         "after 0x87, 0x8A, 0x8E or 0x98 from the broker no re-open for a sensor for this long; its CONNECTs "
         "are refused meanwhile, 0..86400") //
        ("status-prefix", po::value<std::string>()->value_name("TOPIC"),
         "retained 'online' / 'offline' (the gateway's will) on <TOPIC>/status; default "
         "sngw/<gateway-id>; empty turns it off");

    po::options_description operating("Operating", 110, 60);
    operating.add_options() //
        ("control", po::value<std::string>()->value_name("PATH"),
         "control socket for sngwctl; default $RUNTIME_DIRECTORY/sngw.sock, else /run/sngw/sngw.sock, "
         "else <temp dir>/sngw.sock") //
        ("metrics", po::value<std::string>()->value_name("HOST:PORT"),
         "serve Prometheus metrics at http://HOST:PORT/metrics (default: off)");

    po::options_description logging("Logging", 110, 60);
    logging.add_options() //
        ("log-level", po::value<std::string>()->value_name("LEVEL")->default_value("info"),
         "error, warn, info or debug");

    po::options_description all;
    all.add(sensors).add(broker).add(operating).add(logging);
    return all;
}

[[noreturn]] void fail(const std::string& message)
{
    throw config_error(message);
}

long long integer(const po::variables_map& vm, const char* name, long long min, long long max)
{
    const auto v = vm[name].as<long long>();
    if (v < min || v > max)
        fail("--" + std::string(name) + " must be " + std::to_string(min) + ".." + std::to_string(max) +
             " (got " + std::to_string(v) + ")");
    return v;
}

/// Seconds with a fraction ("0.5"), as milliseconds, within (0, max_seconds].
std::chrono::milliseconds seconds(const po::variables_map& vm, const char* name, double max_seconds)
{
    const auto v = vm[name].as<double>();
    if (!(v > 0.0) || !(v <= max_seconds)) {
        std::ostringstream os;
        os << "--" << name << " must be more than 0 and at most " << max_seconds << " seconds (got " << v
           << ")";
        fail(os.str());
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(v * 1000.0)));
}

std::optional<std::string> text(const po::variables_map& vm, const char* name)
{
    if (!vm.count(name)) return std::nullopt;
    return vm[name].as<std::string>();
}

std::string read_or_fail(const file_reader& read, const std::string& path, std::string_view what)
{
    auto r = read(path);
    if (!r) fail("cannot read " + std::string(what) + " " + path + ": " + r.error().message());
    return std::move(*r);
}

template <class T> T file_or_fail(file_parse<T> parsed, const std::string& path)
{
    if (parsed.ok()) return std::move(parsed.value);
    std::string message;
    for (const auto& e : parsed.errors) {
        if (!message.empty()) message += '\n';
        message += path + ":" + std::to_string(e.line) + ": " + e.message;
    }
    fail(message);
}

/// One --serial value: `DEVICE[,baud=N][,framing=raw|slip|cobs|xbee][,crc=on|off]
/// [,addressing=single|forwarder]` (the syntax is fixed: scripts depend on it).
transport::serial_settings parse_serial(const std::string& text)
{
    using transport::serial_addressing;
    using transport::serial_framing;
    const auto bad = [&](const std::string& why) -> transport::serial_settings {
        fail("--serial " + text + ": " + why);
    };
    transport::serial_settings s;
    std::set<std::string, std::less<>> seen_keys;
    std::size_t start = 0;
    bool first = true;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        const auto item = std::string_view(text).substr(start, end - start);
        start = end + 1;
        if (first) {
            first = false;
            if (item.empty()) return bad("the device comes first (e.g. /dev/ttyUSB0,framing=slip)");
            if (item.find('=') != std::string_view::npos)
                return bad("the device comes first, then key=value settings");
            s.device = std::string(item);
            continue;
        }
        const auto eq = item.find('=');
        if (item.empty() || eq == std::string_view::npos || eq == 0)
            return bad("expected key=value after the device, got '" + std::string(item) + "'");
        const auto key = item.substr(0, eq);
        const auto value = item.substr(eq + 1);
        if (!seen_keys.emplace(key).second) return bad(std::string(key) + " is given twice");
        if (key == "baud") {
            std::uint32_t baud = 0;
            const auto* e = value.data() + value.size();
            const auto [p, ec] = std::from_chars(value.data(), e, baud);
            if (value.empty() || ec != std::errc{} || p != e || !transport::is_supported_baud(baud)) {
                std::string list;
                for (auto b : transport::supported_bauds)
                    if (b >= 1200) list += (list.empty() ? "" : ", ") + std::to_string(b);
                return bad("baud must be a rate the port can set (" + list + ", or 50..600), got '" +
                           std::string(value) + "'");
            }
            s.baud = baud;
        } else if (key == "framing") {
            if (value == "raw")
                s.framing = serial_framing::raw;
            else if (value == "slip")
                s.framing = serial_framing::slip;
            else if (value == "cobs")
                s.framing = serial_framing::cobs;
            else if (value == "xbee")
                s.framing = serial_framing::xbee;
            else
                return bad("framing must be raw, slip, cobs or xbee, got '" + std::string(value) + "'");
        } else if (key == "crc") {
            if (value == "on")
                s.crc = true;
            else if (value == "off")
                s.crc = false;
            else
                return bad("crc must be on or off, got '" + std::string(value) + "'");
        } else if (key == "addressing") {
            if (value == "single")
                s.addressing = serial_addressing::single;
            else if (value == "forwarder")
                s.addressing = serial_addressing::forwarder;
            else
                return bad("addressing must be single or forwarder, got '" + std::string(value) + "'");
        } else {
            return bad("unknown setting '" + std::string(key) + "' (baud, framing, crc, addressing)");
        }
    }
    return s;
}

bool is_ip_literal(const std::string& host)
{
    boost::system::error_code ec;
    (void)boost::asio::ip::make_address(host, ec);
    return !ec;
}

app_config build(const po::variables_map& vm, const file_reader& read)
{
    app_config c;
    auto& core = c.core;

    // ---- sensors ---------------------------------------------------------------------------------
    std::set<std::string> devices;
    if (vm.count("serial"))
        for (const auto& text : vm["serial"].as<std::vector<std::string>>()) {
            auto s = parse_serial(text);
            if (!devices.insert(s.device).second) fail("--serial " + s.device + " is given twice");
            c.serial.push_back(std::move(s));
        }
    c.udp.clear();
    std::set<std::pair<std::string, std::uint16_t>> seen;
    // The default listener is for a gateway told nothing; one given serial ports listens where told.
    std::vector<std::string> udp;
    if (!vm["udp"].defaulted() || c.serial.empty()) udp = vm["udp"].as<std::vector<std::string>>();
    for (const auto& u : udp) {
        auto hp = parse_host_port(u, "--udp", 1883, true);
        if (!is_ip_literal(hp.host))
            fail("--udp " + u + ": the host must be an IP address (0.0.0.0, ::, 192.168.1.2, ...)");
        if (!seen.emplace(hp.host, hp.port).second) fail("--udp " + u + " is given twice");
        c.udp.push_back(std::move(hp));
    }
    c.udp_receive_buffer = static_cast<std::size_t>(integer(vm, "udp-receive-buffer", 0, 1LL << 30));
    if (auto m = text(vm, "multicast")) {
        auto hp = parse_host_port(*m, "--multicast", 1883);
        boost::system::error_code ec;
        const auto group = boost::asio::ip::make_address(hp.host, ec);
        if (ec || !group.is_multicast())
            fail("--multicast " + *m + ": not a multicast address (224.0.0.0/4, ff00::/8)");
        bool family = false;
        for (const auto& u : c.udp)
            family = family || boost::asio::ip::make_address(u.host).is_v4() == group.is_v4();
        if (!family) fail("--multicast " + *m + ": no --udp listener of the same address family (IPv4/IPv6)");
        c.multicast = std::move(hp);
    }
    core.gateway_id = static_cast<std::uint8_t>(integer(vm, "gateway-id", 1, 255));
    // MQTT-SN v1.2 §5.4.1: ADVERTISE Duration is two octets.
    core.advertise_interval = std::chrono::seconds(integer(vm, "advertise-interval", 0, 65535));
    core.retry_interval = seconds(vm, "retry-interval", 3600.0);
    core.retry_count = static_cast<std::uint8_t>(integer(vm, "retry-count", 0, 255));
    {
        const auto f = vm["keep-alive-factor"].as<double>();
        if (!(f >= 1.0) || !(f <= 100.0))
            fail("--keep-alive-factor must be 1..100 (got " + std::to_string(f) + ")");
        core.keep_alive_factor_percent = static_cast<std::uint32_t>(std::lround(f * 100.0));
    }
    core.max_clients = static_cast<std::size_t>(integer(vm, "max-clients", 1, 10'000'000));
    core.max_topics_per_client = static_cast<std::size_t>(integer(vm, "max-topics", 1, 65535));
    // Receive Maximum (MQTT 5.0 §3.1.2.11.3) is two octets and never 0.
    core.max_buffered_messages = static_cast<std::size_t>(integer(vm, "max-buffered", 1, 65535));
    core.max_datagram_size = static_cast<std::size_t>(integer(vm, "max-datagram", 16, 65535));
    core.max_client_id_length = static_cast<std::size_t>(integer(vm, "max-client-id-length", 1, 65535));
    if (auto f = text(vm, "predefined-topics")) {
        c.predefined_topics_file = *f;
        core.predefined_topics =
            file_or_fail(parse_predefined_topics(read_or_fail(read, *f, "--predefined-topics")), *f);
    }

    // ---- broker ----------------------------------------------------------------------------------
    c.ca_file = text(vm, "ca-file").value_or("");
    c.cert_file = text(vm, "cert").value_or("");
    c.key_file = text(vm, "key").value_or("");
    c.tls_server_name = text(vm, "tls-server-name").value_or("");
    if (c.cert_file.empty() != c.key_file.empty()) fail("--cert and --key go together");
    c.broker_tls = vm["broker-tls"].as<bool>() || !c.ca_file.empty() || !c.cert_file.empty();
    c.broker = parse_host_port(vm["broker"].as<std::string>(), "--broker",
                               c.broker_tls ? std::uint16_t{8883} : std::uint16_t{1883});
    if (auto u = text(vm, "broker-user")) core.default_credentials.user_name = *u;
    if (auto p = text(vm, "broker-password")) core.default_credentials.password = *p;
    if (auto f = text(vm, "credentials")) {
        c.credentials_file = *f;
        core.credentials = file_or_fail(parse_credentials(read_or_fail(read, *f, "--credentials")), *f);
    }
    core.client_id_prefix = vm["client-id-prefix"].as<std::string>();
    core.gateway_client_id = text(vm, "gateway-client-id").value_or("");
    core.session_expiry = static_cast<std::uint32_t>(integer(vm, "session-expiry", 0, 4'294'967'295LL));
    core.broker_keep_alive = static_cast<std::uint16_t>(integer(vm, "broker-keep-alive", 0, 65535));
    core.broker_connect_timeout = seconds(vm, "broker-connect-timeout", 3600.0);
    core.reconnect_tries = static_cast<std::uint8_t>(integer(vm, "reconnect-tries", 0, 255));
    core.retry_later_grace = std::chrono::seconds(integer(vm, "retry-later-grace", 0, 86400));
    core.follow_server_reference = vm["follow-server-reference"].as<bool>();
    core.hold_down = std::chrono::seconds(integer(vm, "hold-down", 0, 86400));
    c.status_prefix = text(vm, "status-prefix").value_or("sngw/" + std::to_string(core.gateway_id));
    core.status_topic = c.status_prefix.empty() ? std::string{} : c.status_prefix + "/status";

    // ---- operating -------------------------------------------------------------------------------
    c.control_path = text(vm, "control").value_or("");
    if (auto m = text(vm, "metrics")) c.metrics = parse_host_port(*m, "--metrics", 9464);

    // ---- logging ---------------------------------------------------------------------------------
    const auto level = vm["log-level"].as<std::string>();
    const auto l = parse_log_level(level);
    if (!l) fail("--log-level must be error, warn, info or debug (got '" + level + "')");
    c.level = *l;
    return c;
}

/// The INI file, read here rather than by po::parse_config_file, which cuts a line at a '#' anywhere
/// (a password "ab#cd" would become "ab"). A comment is a whole line whose first non-blank character is
/// '#' or ';'; a value is everything after the first '=' (blanks around it trimmed), '#' included.
/// "[section]" prefixes the keys that follow with "section." as Program_options does. Throws po::error.
po::parsed_options parse_ini(const std::string& text, const po::options_description& settings)
{
    const auto trim = [](std::string_view v) {
        const auto first = v.find_first_not_of(" \t\r");
        if (first == std::string_view::npos) return std::string_view{};
        return v.substr(first, v.find_last_not_of(" \t\r") - first + 1);
    };
    po::parsed_options parsed(&settings);
    std::string prefix;
    std::istringstream in(text);
    for (std::string raw; std::getline(in, raw);) {
        const auto line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            prefix = std::string(trim(line.substr(1, line.size() - 2)));
            if (!prefix.empty()) prefix += '.';
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string_view::npos || trim(line.substr(0, eq)).empty())
            throw po::invalid_config_file_syntax(std::string(line), po::invalid_syntax::unrecognized_line);
        po::option o;
        o.string_key = prefix + std::string(trim(line.substr(0, eq)));
        if (settings.find_nothrow(o.string_key, false) == nullptr) throw po::unknown_option(o.string_key);
        o.value.emplace_back(trim(line.substr(eq + 1)));
        o.original_tokens = {o.string_key, o.value.front()};
        parsed.options.push_back(std::move(o));
    }
    return parsed;
}

} // namespace

std::string_view to_string(log_level l) noexcept
{
    switch (l) {
    case log_level::error:
        return "error";
    case log_level::warn:
        return "warn";
    case log_level::info:
        return "info";
    case log_level::debug:
        return "debug";
    }
    return "?";
}

std::optional<log_level> parse_log_level(std::string_view text) noexcept
{
    for (auto l : {log_level::error, log_level::warn, log_level::info, log_level::debug})
        if (text == to_string(l)) return l;
    if (text == "warning") return log_level::warn;
    return std::nullopt;
}

std::string to_string(const host_port& hp)
{
    if (hp.host.find(':') != std::string::npos) return '[' + hp.host + "]:" + std::to_string(hp.port);
    return hp.host + ':' + std::to_string(hp.port);
}

host_port parse_host_port(std::string_view text, std::string_view what,
                          std::optional<std::uint16_t> default_port, bool allow_port_zero)
{
    const auto bad = [&](const std::string& why) -> host_port {
        fail(std::string(what) + " " + std::string(text) + ": " + why);
    };
    std::string_view host;
    std::optional<std::string_view> port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return bad("missing ']'");
        host = text.substr(1, close - 1);
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return bad("expected ':' after ']'");
            port = rest.substr(1);
        }
        boost::system::error_code ec;
        if (boost::asio::ip::make_address_v6(std::string(host), ec), ec)
            return bad("not an IPv6 address in brackets");
    } else if (std::count(text.begin(), text.end(), ':') > 1) {
        host = text; // a bare IPv6 literal: no port (write [::1]:1883 for one)
    } else {
        const auto colon = text.find(':');
        host = text.substr(0, colon);
        if (colon != std::string_view::npos) port = text.substr(colon + 1);
    }
    if (host.empty()) return bad("empty host");
    std::uint16_t number = 0;
    if (port) {
        unsigned value = 0;
        const auto* end = port->data() + port->size();
        const auto [p, ec] = std::from_chars(port->data(), end, value);
        if (port->empty() || ec != std::errc{} || p != end || value > 65535)
            return bad("port must be a number 0..65535");
        number = static_cast<std::uint16_t>(value);
    } else if (default_port) {
        number = *default_port;
    } else {
        return bad("expected HOST:PORT");
    }
    if (number == 0 && !allow_port_zero) return bad("port 0");
    return {std::string(host), number};
}

boost::system::result<std::string> read_text_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return boost::system::error_code(errno ? errno : ENOENT, boost::system::generic_category());
    std::ostringstream os;
    os << in.rdbuf();
    if (in.bad()) return boost::system::error_code(EIO, boost::system::generic_category());
    return os.str();
}

std::string_view version() noexcept
{
    return SNGW_VERSION;
}

std::string help_text()
{
    std::ostringstream os;
    os << "Usage: sngw [OPTION]...\n"
          "MQTT-SN v1.2 gateway: sensors over UDP and serial ports, each an MQTT 5 client of the broker.\n\n"
       << general_options() << '\n'
       << setting_options();
    return os.str();
}

parse_result parse_arguments(int argc, const char* const* argv, const file_reader& read)
{
    po::options_description command_line;
    command_line.add(general_options()).add(setting_options());
    const auto settings = setting_options();
    po::variables_map vm;
    try {
        // No positional arguments: a stray word is collected only to be named in the error.
        command_line.add_options()("stray-argument", po::value<std::vector<std::string>>());
        po::positional_options_description stray;
        stray.add("stray-argument", -1);
        po::store(po::command_line_parser(argc, argv).options(command_line).positional(stray).run(), vm);
        if (vm.count("help")) return {parse_result::action::help, help_text(), {}};
        if (vm.count("version")) return {parse_result::action::version, "sngw " SNGW_VERSION "\n", {}};
    } catch (const po::error& e) {
        fail(e.what());
    }
    if (vm.count("stray-argument"))
        fail("unexpected argument '" + vm["stray-argument"].as<std::vector<std::string>>().front() +
             "' (options start with --)");
    std::string config_file;
    if (vm.count("config")) {
        config_file = vm["config"].as<std::string>();
        const auto text = read_or_fail(read, config_file, "-c");
        try {
            // Stored second: a value the command line set stays (Program_options keeps the first).
            po::store(parse_ini(text, settings), vm);
        } catch (const po::error& e) {
            fail(config_file + ": " + e.what());
        }
    }
    try {
        po::notify(vm);
    } catch (const po::error& e) {
        fail(e.what());
    }
    parse_result r;
    r.config = build(vm, read);
    r.config.config_file = config_file;
    return r;
}

} // namespace sngw::app
