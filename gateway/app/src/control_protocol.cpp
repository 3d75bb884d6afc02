// SPDX-License-Identifier: MIT
#include <sngw/app/control_protocol.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <utility>

namespace sngw::app {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<std::string_view, control_command>, 5> commands{{
    {"status", control_command::status},
    {"clients", control_command::clients},
    {"client", control_command::client},
    {"kick", control_command::kick},
    {"metrics", control_command::metrics},
}};

parsed_request fail(std::string why)
{
    return {std::nullopt, std::move(why)};
}

} // namespace

std::string_view to_string(control_command c) noexcept
{
    for (const auto& [name, value] : commands)
        if (value == c) return name;
    return "?";
}

parsed_request parse_request(std::string_view line)
{
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    boost::system::error_code ec;
    const json::value v = json::parse(line, ec);
    if (ec) return fail("not JSON: " + ec.message());
    const auto* o = v.if_object();
    if (!o) return fail("a request is a JSON object, e.g. {\"cmd\":\"status\"}");
    const auto* cmd = o->if_contains("cmd");
    if (!cmd || !cmd->is_string()) return fail("\"cmd\" (a string) is missing");
    const std::string_view name = cmd->get_string();
    const auto* known = [&]() -> const std::pair<std::string_view, control_command>* {
        for (const auto& c : commands)
            if (c.first == name) return &c;
        return nullptr;
    }();
    if (!known) {
        // Quoted through JSON so that a hostile name cannot break the answer line.
        return fail("unknown command " + json::serialize(json::value(name)) +
                    " (status, clients, client, kick, metrics)");
    }
    control_request r;
    r.command = known->second;
    if (r.command == control_command::client || r.command == control_command::kick) {
        const auto* id = o->if_contains("id");
        if (!id || !id->is_string()) return fail("\"" + std::string(name) + "\" needs \"id\" (a string)");
        r.id = std::string(id->get_string());
    }
    if (r.command == control_command::kick) {
        if (const auto* reason = o->if_contains("reason")) {
            // MQTT 5.0 §3.14.2.1: a one-octet reason code.
            if (reason->is_int64() && reason->get_int64() >= 0 && reason->get_int64() <= 255)
                r.reason = static_cast<std::uint8_t>(reason->get_int64());
            else if (reason->is_uint64() && reason->get_uint64() <= 255)
                r.reason = static_cast<std::uint8_t>(reason->get_uint64());
            else
                return fail("\"reason\" is a number from 0 to 255 (an MQTT 5 reason code)");
        }
    }
    return {std::move(r), {}};
}

std::string request_line(const control_request& r)
{
    json::object o;
    o["cmd"] = to_string(r.command);
    if (r.command == control_command::client || r.command == control_command::kick) o["id"] = r.id;
    if (r.command == control_command::kick) o["reason"] = r.reason;
    return json::serialize(o) + '\n';
}

std::string json_text(std::string_view text)
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto u = static_cast<unsigned char>(text[i]);
        // RFC 3629 §4: the length from the lead octet, continuation octets 10xxxxxx, no overlong
        // forms, no surrogates, nothing above U+10FFFF.
        std::size_t n = u < 0x80                   ? 1
                        : (u >= 0xC2 && u <= 0xDF) ? 2
                        : (u >= 0xE0 && u <= 0xEF) ? 3
                        : (u >= 0xF0 && u <= 0xF4) ? 4
                                                   : 0;
        bool valid = n != 0 && i + n <= text.size();
        for (std::size_t k = 1; valid && k < n; ++k)
            valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        if (valid && n >= 3) {
            const auto second = static_cast<unsigned char>(text[i + 1]);
            if ((u == 0xE0 && second < 0xA0) || (u == 0xED && second > 0x9F) ||
                (u == 0xF0 && second < 0x90) || (u == 0xF4 && second > 0x8F))
                valid = false;
        }
        if (!valid) {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
            ++i;
            continue;
        }
        out.append(text.substr(i, n));
        i += n;
    }
    return out;
}

std::string ok_line(const json::object& body)
{
    json::object o;
    o.reserve(body.size() + 1);
    o["ok"] = true;
    for (const auto& [k, v] : body)
        if (k != "ok") o[k] = v;
    return json::serialize(o) + '\n';
}

std::string error_line(std::string_view message)
{
    json::object o;
    o["ok"] = false;
    o["error"] = message;
    return json::serialize(o) + '\n';
}

} // namespace sngw::app
