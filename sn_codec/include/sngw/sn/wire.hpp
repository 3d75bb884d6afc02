// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/sn/errc.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// Octet-level helpers shared by the v1.2 and v2.0 codecs. The two versions use the same
/// header rule (MQTT-SN v1.2 §5.2.1, MQTT-SN 2.0 §2.1.2), so it lives here once.
namespace sngw::sn::wire {

template <class T>
using result = boost::system::result<T>;

/// Largest value the 3-octet Length form can hold.
inline constexpr std::size_t max_message_size = 0xFFFF;

/// Length + MsgType of a datagram.
struct header {
    std::size_t header_size = 0;   // 2 (1-octet Length) or 4 (3-octet Length), MsgType included
    std::uint8_t msg_type = 0;
};

/// Parses the Length field and MsgType, and checks that the Length equals the datagram size.
/// Errors: truncated (fewer octets than announced, or no MsgType), bad_length_field (1-octet form
/// announcing < 2, 3-octet form announcing < 4), length_mismatch (datagram longer than announced).
result<header> parse_header(std::span<const std::byte> datagram) noexcept;

/// Octets of Length + MsgType for a message whose variable part has `body_size` octets: the
/// shortest form, i.e. 1-octet Length while the whole message fits in 255 octets.
std::size_t header_size_for(std::size_t body_size) noexcept;

/// Appends Length + MsgType. Error field_too_long when the message exceeds 65535 octets.
result<void> write_header(std::vector<std::byte>& out, std::size_t body_size, std::uint8_t msg_type);

/// Reads big-endian fields from the front of a span; every read checks the remaining size.
class reader {
public:
    explicit reader(std::span<const std::byte> bytes) noexcept : rest_(bytes) {}

    std::size_t remaining() const noexcept { return rest_.size(); }
    bool empty() const noexcept { return rest_.empty(); }

    result<std::uint8_t> u8() noexcept;
    result<std::uint16_t> u16() noexcept;
    result<std::uint32_t> u32() noexcept;
    result<std::span<const std::byte>> take(std::size_t n) noexcept;
    /// Everything that is left; the reader is empty afterwards.
    std::span<const std::byte> rest() noexcept;

private:
    std::span<const std::byte> rest_;
};

/// Appends big-endian fields to a vector.
class writer {
public:
    explicit writer(std::vector<std::byte>& out) noexcept : out_(out) {}
    void u8(std::uint8_t v) { out_.push_back(std::byte{v}); }
    void u16(std::uint16_t v);
    void u32(std::uint32_t v);
    void bytes(std::span<const std::byte> v) { out_.insert(out_.end(), v.begin(), v.end()); }
    void text(std::string_view v);

private:
    std::vector<std::byte>& out_;
};

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF)
/// and holds no U+0000, as MQTT 5 §1.5.4 and MQTT-SN 2.0 require of UTF-8 strings.
bool is_valid_utf8(std::string_view s) noexcept;

std::string to_string(std::span<const std::byte> bytes);
std::vector<std::byte> to_bytes(std::string_view s);

} // namespace sngw::sn::wire
