// SPDX-License-Identifier: MIT
#include <sngw/pub_sub/options.hpp>

#include <charconv>
#include <cmath>
#include <functional>
#include <set>

namespace sngw::pub_sub {

namespace {

constexpr std::string_view pub_help_text =
    R"(Usage: sngw-pub [options] -t TOPIC|-T ID (-m MESSAGE | -f FILE | -l | -n)
Publish MQTT-SN messages to an MQTT-SN gateway (sngw) over UDP or a serial port.

  -h, --host HOST        gateway host or address (default 127.0.0.1)
  -p, --port PORT        gateway UDP port (default 1883)
  -t, --topic TOPIC      topic name; in v1.2 a 2-character name is sent as a short topic
  -T, --topic-id ID      predefined topic id (1..65535), as in the gateway's --predefined-topics
  -m, --message TEXT     the message
  -f, --file FILE        the message is the content of FILE
  -l, --stdin-line       one message per line of standard input, one connection
  -n, --null-message     an empty message
  -q, --qos -1|0|1|2     QoS (default 0); -1 needs no connection: v1.2 a predefined id or a
                         2-character short topic, v2.0 a PUBWOS
  -r, --retain           retain the message
  -i, --id ID            client id (default sngw-pub-<pid>)
  -k, --keepalive SEC    keep-alive in seconds (default 60; v2.0: at least 1)
  -c, --keep-session     clean session off (v1.2 CleanSession 0, v2.0 Clean Start 0)
  -V, --protocol-version 1.2|2.0   MQTT-SN version (default 1.2)
      --will-topic TOPIC         will topic
      --will-payload TEXT        will message
      --will-qos 0|1|2           will QoS (default 0)
      --will-retain              retain the will
      --serial DEVICE[,baud=N][,framing=raw|slip|cobs|xbee][,crc=on|off]
                         talk through a serial port instead of UDP (the gateway's --serial
                         syntax; xbee: Transmit Requests to the coordinator)
  -d, --debug            print every packet sent and received on standard error
      --timeout SECONDS  how long each request waits for its answer (default 5)
      --help             this help

Exit status: 0 success, 1 an error talking to the gateway (no answer, a refused CONNECT,
REGISTER or PUBLISH), 2 a usage error.
)";

constexpr std::string_view sub_help_text =
    R"(Usage: sngw-sub [options] -t TOPIC|-T ID [-t TOPIC ...]
Subscribe through an MQTT-SN gateway (sngw) over UDP or a serial port and print what arrives.

  -h, --host HOST        gateway host or address (default 127.0.0.1)
  -p, --port PORT        gateway UDP port (default 1883)
  -t, --topic FILTER     topic filter, wildcards allowed (repeatable); in v1.2 a 2-character
                         name is a short topic
  -T, --topic-id ID      predefined topic id (repeatable)
  -q, --qos 0|1|2        subscription QoS (default 0)
  -v, --verbose          print "topic payload"
  -N, --no-newline       no newline after each message
  -C, --count N          exit after N messages
  -W, --wait SECONDS     exit after SECONDS
      --sleep SECONDS    a sleeping sensor: after subscribing, sleep for SECONDS, wake, print
                         what the gateway buffered, sleep again (until -C, -W or a signal)
  -i, --id ID            client id (default sngw-sub-<pid>)
  -k, --keepalive SEC    keep-alive in seconds (default 60; v2.0: at least 1)
  -c, --keep-session     clean session off (v1.2 CleanSession 0, v2.0 Clean Start 0)
  -V, --protocol-version 1.2|2.0   MQTT-SN version (default 1.2)
      --will-topic TOPIC         will topic
      --will-payload TEXT        will message
      --will-qos 0|1|2           will QoS (default 0)
      --will-retain              retain the will
      --serial DEVICE[,baud=N][,framing=raw|slip|cobs|xbee][,crc=on|off]
                         talk through a serial port instead of UDP
  -d, --debug            print every packet sent and received on standard error
      --timeout SECONDS  how long each request waits for its answer (default 5)
      --help             this help

SIGINT or SIGTERM: DISCONNECT, exit 0.
Exit status: 0 success, 1 an error talking to the gateway (no answer, a refused CONNECT or
SUBSCRIBE, a DISCONNECT from the gateway), 2 a usage error.
)";

template <class T> std::optional<T> number(std::string_view text, T low, T high)
{
    T value{};
    const auto* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || p != end || value < low || value > high) return std::nullopt;
    return value;
}

/// Seconds, fractions allowed ("0.5"), > 0 and at most a day.
std::optional<std::chrono::milliseconds> seconds(std::string_view text)
{
    double value = 0;
    const auto* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || p != end || !std::isfinite(value) || value <= 0 || value > 86400)
        return std::nullopt;
    return std::chrono::milliseconds(static_cast<long long>(std::ceil(value * 1000)));
}

/// The options both tools share; false when `name` is not one of them. `value()` takes the next
/// argument (or sets the error).
template <class Options>
bool common_option(const std::string& name, const std::function<std::optional<std::string>()>& value,
                   parsed<Options>& out)
{
    auto& o = out.options;
    const auto bad = [&](const std::string& what) { out.error = name + ": " + what; };
    if (name == "-h" || name == "--host") {
        if (auto v = value()) {
            if (v->empty()) bad("an empty host");
            o.host = *v;
        }
    } else if (name == "-p" || name == "--port") {
        if (auto v = value()) {
            if (auto n = number<std::uint16_t>(*v, 1, 65535))
                o.port = *n;
            else
                bad("a port is 1..65535, got '" + *v + "'");
        }
    } else if (name == "-i" || name == "--id") {
        if (auto v = value()) {
            if (v->empty()) bad("an empty client id");
            o.client_id = *v;
        }
    } else if (name == "-k" || name == "--keepalive") {
        if (auto v = value()) {
            if (auto n = number<std::uint16_t>(*v, 0, 65535))
                o.keep_alive = *n;
            else
                bad("the keep-alive is 0..65535 seconds, got '" + *v + "'");
        }
    } else if (name == "-c" || name == "--keep-session") {
        o.clean_session = false;
    } else if (name == "-V" || name == "--protocol-version") {
        if (auto v = value()) {
            if (*v == "1.2" || *v == "mqttsn12")
                o.version = protocol_version::v1_2;
            else if (*v == "2.0" || *v == "2" || *v == "mqttsn20")
                o.version = protocol_version::v2_0;
            else
                bad("the version is 1.2 or 2.0, got '" + *v + "'");
        }
    } else if (name == "--serial") {
        if (auto v = value()) {
            auto s = parse_serial(*v);
            if (!s.port)
                out.error = "--serial " + *v + ": " + s.error;
            else
                o.serial = *s.port;
        }
    } else if (name == "-d" || name == "--debug") {
        o.debug = true;
    } else if (name == "--timeout") {
        if (auto v = value()) {
            if (auto t = seconds(*v))
                o.timeout = *t;
            else
                bad("a number of seconds above 0, got '" + *v + "'");
        }
    } else if (name == "--will-topic") {
        if (auto v = value()) {
            if (v->empty()) bad("an empty topic");
            if (!o.will) o.will.emplace();
            o.will->topic = *v;
        }
    } else if (name == "--will-payload") {
        if (auto v = value()) {
            if (!o.will) o.will.emplace();
            o.will->payload = *v;
        }
    } else if (name == "--will-qos") {
        if (auto v = value()) {
            if (!o.will) o.will.emplace();
            if (auto n = number<int>(*v, 0, 2))
                o.will->qos = *n;
            else
                bad("the will QoS is 0, 1 or 2, got '" + *v + "'");
        }
    } else if (name == "--will-retain") {
        if (!o.will) o.will.emplace();
        o.will->retain = true;
    } else if (name == "--help") {
        out.help = true;
    } else {
        return false;
    }
    return true;
}

/// Splits "--name=value" and walks the arguments, calling `option(name, value)` for each.
template <class Options, class Specific>
parsed<Options> walk(const std::vector<std::string>& args, Specific&& specific)
{
    parsed<Options> out;
    for (std::size_t i = 0; i < args.size() && out.error.empty() && !out.help; ++i) {
        std::string name = args[i];
        std::optional<std::string> inline_value;
        if (name.rfind("--", 0) == 0) {
            if (const auto eq = name.find('='); eq != std::string::npos) {
                inline_value = name.substr(eq + 1);
                name.resize(eq);
            }
        } else if (name.size() > 2 && name[0] == '-' && name[1] != '-') {
            inline_value = name.substr(2); // -p1883, -q-1
            name.resize(2);
        }
        if (name.empty() || name[0] != '-' || name == "-" || name == "--") {
            out.error = "unexpected argument '" + args[i] + "' (see --help)";
            break;
        }
        bool took = false;
        const auto value = [&]() -> std::optional<std::string> {
            took = true;
            if (inline_value) return inline_value;
            // The next argument is the value even when it starts with '-': `-q -1`, `-m -5`.
            if (i + 1 >= args.size()) {
                out.error = name + " needs a value";
                return std::nullopt;
            }
            return args[++i];
        };
        if (!common_option<Options>(name, value, out) && !specific(name, value, out)) {
            out.error = "unknown option '" + name + "' (see --help)";
            break;
        }
        if (inline_value && !took && out.error.empty()) out.error = name + " takes no value";
    }
    return out;
}

/// Checks both tools share once the line is read.
template <class Options> void check_common(parsed<Options>& out)
{
    auto& o = out.options;
    if (!out.error.empty() || out.help) return;
    if (o.version == protocol_version::v2_0 && o.keep_alive == 0)
        out.error = "-k: MQTT-SN 2.0 has no keep-alive 0 (§3.1.7: 1..65535 seconds)";
    else if (o.will && o.will->topic.empty())
        out.error = "--will-payload, --will-qos and --will-retain need --will-topic";
}

} // namespace

serial_parse parse_serial(std::string_view text)
{
    serial_parse out;
    sn_client::serial_port port;
    std::set<std::string, std::less<>> seen;
    std::size_t start = 0;
    bool first = true;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string_view::npos) end = text.size();
        const auto item = text.substr(start, end - start);
        start = end + 1;
        if (first) {
            first = false;
            if (item.empty() || item.find('=') != std::string_view::npos) {
                out.error = "the device comes first (e.g. /dev/ttyUSB0,framing=slip)";
                return out;
            }
            port.device = std::string(item);
            continue;
        }
        const auto eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            out.error = "expected key=value after the device, got '" + std::string(item) + "'";
            return out;
        }
        const auto key = item.substr(0, eq);
        const auto value = item.substr(eq + 1);
        if (!seen.emplace(key).second) {
            out.error = std::string(key) + " is given twice";
            return out;
        }
        if (key == "baud") {
            auto n = number<std::uint32_t>(value, 1, 4'000'000);
            if (!n || !transport::is_supported_baud(*n)) {
                out.error =
                    "baud must be a rate the port can set (9600, 19200, 38400, 57600, 115200, ...), got '" +
                    std::string(value) + "'";
                return out;
            }
            port.baud = *n;
        } else if (key == "framing") {
            using transport::serial_framing;
            if (value == "raw")
                port.framing = serial_framing::raw;
            else if (value == "slip")
                port.framing = serial_framing::slip;
            else if (value == "cobs")
                port.framing = serial_framing::cobs;
            else if (value == "xbee")
                port.framing = serial_framing::xbee;
            else {
                out.error = "framing must be raw, slip, cobs or xbee, got '" + std::string(value) + "'";
                return out;
            }
        } else if (key == "crc") {
            if (value == "on")
                port.crc = true;
            else if (value == "off")
                port.crc = false;
            else {
                out.error = "crc must be on or off, got '" + std::string(value) + "'";
                return out;
            }
        } else {
            out.error = "unknown setting '" + std::string(key) + "' (baud, framing, crc)";
            return out;
        }
    }
    out.port = std::move(port);
    return out;
}

parsed<pub_options> parse_pub(const std::vector<std::string>& args)
{
    using value_fn = std::function<std::optional<std::string>()>;
    auto out =
        walk<pub_options>(args, [](const std::string& name, const value_fn& value, parsed<pub_options>& p) {
            auto& o = p.options;
            const auto source = [&](message_source s) {
                if (o.source != message_source::none && o.source != s)
                    p.error = "only one of -m, -f, -l and -n";
                o.source = s;
            };
            if (name == "-t" || name == "--topic") {
                if (auto v = value()) {
                    if (v->empty()) p.error = name + ": an empty topic";
                    if (v->find_first_of("+#") != std::string::npos)
                        p.error = name + ": a topic to publish to has no wildcards, got '" + *v + "'";
                    if (o.topic.predefined || !o.topic.name.empty()) p.error = "one topic: -t or -T, once";
                    o.topic.name = *v;
                }
            } else if (name == "-T" || name == "--topic-id") {
                if (auto v = value()) {
                    auto n = number<std::uint16_t>(*v, 1, 65535);
                    if (!n) p.error = name + ": a predefined topic id is 1..65535, got '" + *v + "'";
                    if (o.topic.predefined || !o.topic.name.empty()) p.error = "one topic: -t or -T, once";
                    o.topic.predefined = n;
                }
            } else if (name == "-m" || name == "--message") {
                if (auto v = value()) {
                    source(message_source::message);
                    o.message = *v;
                }
            } else if (name == "-f" || name == "--file") {
                if (auto v = value()) {
                    source(message_source::file);
                    o.message = *v;
                }
            } else if (name == "-l" || name == "--stdin-line") {
                source(message_source::lines);
            } else if (name == "-n" || name == "--null-message") {
                source(message_source::null);
            } else if (name == "-q" || name == "--qos") {
                if (auto v = value()) {
                    if (auto n = number<int>(*v, -1, 2))
                        o.qos = *n;
                    else
                        p.error = name + ": the QoS is -1, 0, 1 or 2, got '" + *v + "'";
                }
            } else if (name == "-r" || name == "--retain") {
                o.retain = true;
            } else {
                return false;
            }
            return true;
        });
    check_common(out);
    if (!out.ok()) return out;
    auto& o = out.options;
    if (!o.topic.predefined && o.topic.name.empty())
        out.error = "a topic is needed: -t TOPIC or -T ID";
    else if (o.source == message_source::none)
        out.error = "a message is needed: -m MESSAGE, -f FILE, -l or -n";
    else if (o.qos == -1 && o.version == protocol_version::v1_2 && !o.topic.predefined && !o.topic.is_short())
        out.error = "-q -1 in MQTT-SN 1.2 needs a predefined topic (-T ID) or a 2-character short topic "
                    "(§6.8: there is no connection to register a name)";
    return out;
}

parsed<sub_options> parse_sub(const std::vector<std::string>& args)
{
    using value_fn = std::function<std::optional<std::string>()>;
    auto out =
        walk<sub_options>(args, [](const std::string& name, const value_fn& value, parsed<sub_options>& p) {
            auto& o = p.options;
            if (name == "-t" || name == "--topic") {
                if (auto v = value()) {
                    if (v->empty()) p.error = name + ": an empty topic filter";
                    o.topics.push_back(topic_arg{*v, std::nullopt});
                }
            } else if (name == "-T" || name == "--topic-id") {
                if (auto v = value()) {
                    auto n = number<std::uint16_t>(*v, 1, 65535);
                    if (!n) p.error = name + ": a predefined topic id is 1..65535, got '" + *v + "'";
                    o.topics.push_back(topic_arg{{}, n});
                }
            } else if (name == "-q" || name == "--qos") {
                if (auto v = value()) {
                    if (auto n = number<int>(*v, 0, 2))
                        o.qos = *n;
                    else
                        p.error = name + ": the QoS to subscribe with is 0, 1 or 2, got '" + *v + "'";
                }
            } else if (name == "-v" || name == "--verbose") {
                o.verbose = true;
            } else if (name == "-N" || name == "--no-newline") {
                o.no_newline = true;
            } else if (name == "-C" || name == "--count") {
                if (auto v = value()) {
                    if (auto n = number<unsigned>(*v, 1, 1'000'000'000))
                        o.count = *n;
                    else
                        p.error = name + ": a count above 0, got '" + *v + "'";
                }
            } else if (name == "-W" || name == "--wait") {
                if (auto v = value()) {
                    if (auto t = seconds(*v))
                        o.wait_for = *t;
                    else
                        p.error = name + ": a number of seconds above 0, got '" + *v + "'";
                }
            } else if (name == "--sleep") {
                if (auto v = value()) {
                    if (auto n = number<std::uint32_t>(*v, 1, 0xFFFFFFFF))
                        o.sleep = *n;
                    else
                        p.error = name + ": a whole number of seconds above 0, got '" + *v + "'";
                }
            } else {
                return false;
            }
            return true;
        });
    check_common(out);
    if (!out.ok()) return out;
    auto& o = out.options;
    if (o.topics.empty())
        out.error = "a topic is needed: -t FILTER or -T ID";
    else if (o.sleep && o.version == protocol_version::v1_2 && *o.sleep > 65535)
        out.error = "--sleep: MQTT-SN 1.2 sleeps at most 65535 s (§5.4.21 Duration is 2 octets)";
    return out;
}

std::string_view pub_help() noexcept
{
    return pub_help_text;
}

std::string_view sub_help() noexcept
{
    return sub_help_text;
}

} // namespace sngw::pub_sub
