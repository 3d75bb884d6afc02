// SPDX-License-Identifier: MIT
#include <sngw/app/file_formats.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>

namespace sngw::app {

namespace {

bool is_blank(char c) noexcept
{
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back()))
        s.remove_suffix(1);
    return s;
}

/// Calls f(line_number, line) for every line that is not blank or a comment; CR of CRLF removed.
template <class F> void for_each_entry(std::string_view text, F&& f)
{
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const auto content = trim(line);
        if (content.empty() || content.front() == '#') continue;
        f(number, line);
    }
}

/// Well-formed UTF-8 without surrogates or U+0000 (MQTT 5.0 §1.5.4, what the broker checks).
bool valid_utf8(std::string_view s) noexcept
{
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == 0) return false;
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false; // the continuation octets are i+1 .. i+n
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        const std::uint32_t min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

std::optional<std::uint16_t> parse_topic_id(std::string_view s) noexcept
{
    unsigned value = 0;
    const auto* end = s.data() + s.size();
    const auto [p, ec] = std::from_chars(s.data(), end, value);
    if (s.empty() || ec != std::errc{} || p != end || value < 1 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

} // namespace

file_parse<std::vector<core::predefined_topic>> parse_predefined_topics(std::string_view text)
{
    file_parse<std::vector<core::predefined_topic>> out;
    std::map<std::uint16_t, std::size_t> line_of_id;
    std::map<std::string, std::size_t, std::less<>> line_of_name;
    for_each_entry(text, [&](std::size_t number, std::string_view line) {
        // A trailing comment: '#' after a blank (a Topic Name has no '#', MQTT 5.0 §4.7.1; one without
        // a blank before it, "a/#", stays and is reported as a wildcard).
        for (std::size_t at = line.find('#'); at != std::string_view::npos; at = line.find('#', at + 1))
            if (at == 0 || is_blank(line[at - 1])) {
                line = line.substr(0, at);
                break;
            }
        const auto comma = line.find(',');
        if (comma == std::string_view::npos) {
            out.errors.push_back({number, "expected ID,NAME"});
            return;
        }
        const auto id_text = trim(line.substr(0, comma));
        const auto name = trim(line.substr(comma + 1));
        const auto id = parse_topic_id(id_text);
        if (!id) {
            out.errors.push_back(
                {number, "topic id '" + std::string(id_text) + "' is not a number 1..65535"});
            return;
        }
        // MQTT 5.0 §4.7.3: a Topic Name is at least one character; wildcards only in filters.
        if (name.empty()) {
            out.errors.push_back({number, "empty topic name"});
            return;
        }
        if (name.find_first_of("+#") != std::string_view::npos) {
            out.errors.push_back(
                {number, "topic name '" + std::string(name) + "' contains a wildcard (+ or #)"});
            return;
        }
        if (name.size() > 65535 || !valid_utf8(name)) {
            out.errors.push_back(
                {number, "topic name is not a valid MQTT topic (UTF-8, at most 65535 octets)"});
            return;
        }
        if (const auto it = line_of_id.find(*id); it != line_of_id.end()) {
            out.errors.push_back({number, "topic id " + std::to_string(*id) + " already defined on line " +
                                              std::to_string(it->second)});
            return;
        }
        if (const auto it = line_of_name.find(name); it != line_of_name.end()) {
            out.errors.push_back({number, "topic name '" + std::string(name) + "' already defined on line " +
                                              std::to_string(it->second)});
            return;
        }
        line_of_id.emplace(*id, number);
        line_of_name.emplace(std::string(name), number);
        out.value.push_back({*id, std::string(name)});
    });
    return out;
}

file_parse<std::map<std::string, core::broker_credentials>> parse_credentials(std::string_view text)
{
    file_parse<std::map<std::string, core::broker_credentials>> out;
    std::map<std::string, std::size_t, std::less<>> line_of;
    for_each_entry(text, [&](std::size_t number, std::string_view line) {
        const auto first = line.find(',');
        if (first == std::string_view::npos) {
            out.errors.push_back({number, "expected CLIENT_ID,USER,PASSWORD"});
            return;
        }
        const auto client_id = trim(line.substr(0, first));
        if (client_id.empty()) {
            out.errors.push_back({number, "empty client id"});
            return;
        }
        const auto rest = line.substr(first + 1);
        const auto second = rest.find(',');
        const auto user = trim(rest.substr(0, second));
        // The rest of the line, exactly: passwords may hold commas and blanks.
        const auto password = second == std::string_view::npos ? std::string_view{} : rest.substr(second + 1);
        if (const auto it = line_of.find(client_id); it != line_of.end()) {
            out.errors.push_back({number, "client id '" + std::string(client_id) +
                                              "' already defined on line " + std::to_string(it->second)});
            return;
        }
        core::broker_credentials c;
        if (!user.empty()) c.user_name = std::string(user);
        if (!password.empty()) c.password = std::string(password);
        line_of.emplace(std::string(client_id), number);
        out.value.emplace(std::string(client_id), std::move(c));
    });
    return out;
}

} // namespace sngw::app
