// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sngw::test {

/// "09 0c 20" -> {0x09, 0x0c, 0x20}. Spaces are ignored so vectors can be written field by field.
/// Throws on a malformed literal: that is a bug in the test, not input.
inline std::vector<std::byte> hex(std::string_view text)
{
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::vector<std::byte> out;
    int high = -1;
    for (char c : text) {
        if (c == ' ' || c == '\n' || c == '\t')
            continue;
        const int v = nibble(c);
        if (v < 0)
            throw std::invalid_argument("bad hex literal: " + std::string(text));
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::byte>(high * 16 + v));
            high = -1;
        }
    }
    if (high >= 0)
        throw std::invalid_argument("odd hex literal: " + std::string(text));
    return out;
}

/// Bytes of a string: payloads and topic names in vectors.
inline std::vector<std::byte> bytes(std::string_view s)
{
    std::vector<std::byte> out;
    for (char c : s)
        out.push_back(static_cast<std::byte>(c));
    return out;
}

/// a followed by b: long vectors are written as header + payload.
inline std::vector<std::byte> cat(std::vector<std::byte> a, const std::vector<std::byte>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

/// n octets counting up from 0 (mod 256): easy to recognise in a dump.
inline std::vector<std::byte> counting(std::size_t n)
{
    std::vector<std::byte> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::byte>(i & 0xFF);
    return out;
}

inline std::string to_hex(std::span<const std::byte> v)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i)
            out += ' ';
        const auto b = std::to_integer<unsigned>(v[i]);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

} // namespace sngw::test
