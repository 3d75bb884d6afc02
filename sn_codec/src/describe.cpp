// SPDX-License-Identifier: MIT
#include <sngw/sn/describe.hpp>

#include <sngw/sn/wire.hpp>

#include <cstdio>

namespace sngw::sn {
namespace {

std::string hex_byte(unsigned v)
{
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", v & 0xFFu);
    return buf;
}

// Printable ASCII stays as it is; everything else becomes \xNN, so a line never breaks.
std::string printable(std::string_view s)
{
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c >= 0x20 && c < 0x7F) {
            out += ch;
        } else {
            out += "\\x" + hex_byte(c);
        }
    }
    return out;
}

} // namespace

std::string to_hex(std::span<const std::byte> bytes)
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes)
        out += hex_byte(std::to_integer<unsigned>(b));
    return out;
}

std::string json_quote(std::string_view s)
{
    // Well-formed UTF-8 passes through as it is. Otherwise non-ASCII octets are escaped one by one
    // (v1.2 has no UTF-8 rule, so a field may hold anything), and the output stays valid JSON.
    const bool utf8 = wire::is_valid_utf8(s);
    std::string out = "\"";
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && !utf8))
                out += "\\u00" + hex_byte(c);
            else
                out += ch;
        }
    }
    out += '"';
    return out;
}

void text_sink::type(std::string_view name) { type_ = name; }

void text_sink::key(std::string_view name)
{
    if (!fields_.empty())
        fields_ += ',';
    fields_ += name;
    fields_ += ':';
}

void text_sink::number(std::string_view name, std::uint64_t value)
{
    key(name);
    fields_ += std::to_string(value);
}

void text_sink::flag(std::string_view name, bool value)
{
    key(name);
    fields_ += value ? '1' : '0';
}

void text_sink::code(std::string_view name, std::uint64_t value, std::string_view meaning)
{
    key(name);
    fields_ += value <= 0xFF ? "0x" + hex_byte(static_cast<unsigned>(value)) : std::to_string(value);
    if (!meaning.empty()) {
        fields_ += " (";
        fields_ += meaning;
        fields_ += ')';
    }
}

void text_sink::text(std::string_view name, std::string_view value)
{
    key(name);
    fields_ += '"' + printable(value) + '"';
}

void text_sink::octets(std::string_view name, std::span<const std::byte> value)
{
    key(name);
    fields_ += to_hex(value);
    fields_ += " (" + std::to_string(value.size()) + " octets)";
}

std::string text_sink::str() const { return type_ + '{' + fields_ + '}'; }

void json_sink::key(std::string_view name)
{
    body_ += ',';
    body_ += json_quote(name);
    body_ += ':';
}

void json_sink::type(std::string_view name)
{
    key("type");
    body_ += json_quote(name);
}

void json_sink::number(std::string_view name, std::uint64_t value)
{
    key(name);
    body_ += std::to_string(value);
}

void json_sink::flag(std::string_view name, bool value)
{
    key(name);
    body_ += value ? "true" : "false";
}

void json_sink::code(std::string_view name, std::uint64_t value, std::string_view meaning)
{
    number(name, value);
    if (!meaning.empty()) {
        key(std::string(name) + "_text");
        body_ += json_quote(meaning);
    }
}

void json_sink::text(std::string_view name, std::string_view value)
{
    key(name);
    body_ += json_quote(value);
}

void json_sink::octets(std::string_view name, std::span<const std::byte> value)
{
    key(name);
    body_ += json_quote(to_hex(value));
}

std::string json_sink::str() const { return '{' + (body_.empty() ? body_ : body_.substr(1)) + '}'; }

} // namespace sngw::sn
