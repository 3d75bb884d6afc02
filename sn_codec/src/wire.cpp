// SPDX-License-Identifier: MIT
#include <sngw/sn/wire.hpp>

namespace sngw::sn::wire {

result<header> parse_header(std::span<const std::byte> datagram) noexcept
{
    // MQTT-SN v1.2 §5.2.1 / 2.0 §2.1.2: Length is 1 octet, or 0x01 followed by a 2-octet length.
    // It counts the whole message, itself included.
    if (datagram.empty())
        return errc::truncated;
    std::size_t length = 0;
    std::size_t length_octets = 1;
    const auto first = std::to_integer<std::uint8_t>(datagram[0]);
    if (first == 0x01) {
        if (datagram.size() < 3)
            return errc::truncated;
        length_octets = 3;
        length = (std::to_integer<std::size_t>(datagram[1]) << 8) | std::to_integer<std::size_t>(datagram[2]);
        if (length < 4)
            return errc::bad_length_field;
    } else {
        length = first;
        if (length < 2)
            return errc::bad_length_field;
    }
    if (datagram.size() < length)
        return errc::truncated;
    if (datagram.size() > length)
        return errc::length_mismatch;
    return header{length_octets + 1, std::to_integer<std::uint8_t>(datagram[length_octets])};
}

std::size_t header_size_for(std::size_t body_size) noexcept
{
    return body_size + 2 <= 0xFF ? 2 : 4;
}

result<void> write_header(std::vector<std::byte>& out, std::size_t body_size, std::uint8_t msg_type)
{
    const std::size_t total = header_size_for(body_size) + body_size;
    if (total > max_message_size)
        return errc::field_too_long;
    writer w(out);
    if (total <= 0xFF) {
        w.u8(static_cast<std::uint8_t>(total));
    } else {
        w.u8(0x01);
        w.u16(static_cast<std::uint16_t>(total));
    }
    w.u8(msg_type);
    return {};
}

result<std::uint8_t> reader::u8() noexcept
{
    if (rest_.empty())
        return errc::truncated;
    const auto v = std::to_integer<std::uint8_t>(rest_[0]);
    rest_ = rest_.subspan(1);
    return v;
}

result<std::uint16_t> reader::u16() noexcept
{
    if (rest_.size() < 2)
        return errc::truncated;
    const auto v = static_cast<std::uint16_t>((std::to_integer<unsigned>(rest_[0]) << 8) |
                                              std::to_integer<unsigned>(rest_[1]));
    rest_ = rest_.subspan(2);
    return v;
}

result<std::uint32_t> reader::u32() noexcept
{
    if (rest_.size() < 4)
        return errc::truncated;
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v = (v << 8) | std::to_integer<std::uint32_t>(rest_[i]);
    rest_ = rest_.subspan(4);
    return v;
}

result<std::span<const std::byte>> reader::take(std::size_t n) noexcept
{
    if (rest_.size() < n)
        return errc::truncated;
    auto v = rest_.first(n);
    rest_ = rest_.subspan(n);
    return v;
}

std::span<const std::byte> reader::rest() noexcept
{
    auto v = rest_;
    rest_ = {};
    return v;
}

void writer::u16(std::uint16_t v)
{
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v & 0xFF));
}

void writer::u32(std::uint32_t v)
{
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v & 0xFFFF));
}

void writer::text(std::string_view v)
{
    for (char c : v)
        out_.push_back(static_cast<std::byte>(c));
}

bool is_valid_utf8(std::string_view s) noexcept
{
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (c == 0x00)
            return false;   // MQTT 5 §1.5.4: U+0000 must not appear
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + extra >= s.size())
            return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        static constexpr std::uint32_t min_for[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}

std::string to_string(std::span<const std::byte> bytes)
{
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::vector<std::byte> to_bytes(std::string_view s)
{
    std::vector<std::byte> out(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
        out[i] = static_cast<std::byte>(s[i]);
    return out;
}

} // namespace sngw::sn::wire
