// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/errc.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

/// Variable Byte Integer (MQTT 5.0 §1.5.5): 7 bits per byte, least significant group first,
/// bit 7 = "more bytes follow"; at most 4 bytes, and always the shortest form [MQTT-1.5.5-1].
namespace sngw::mqtt5 {

inline constexpr std::uint32_t varint_max = 268'435'455; // 0x0FFFFFFF, 4 bytes

/// 1..4 for values up to varint_max; 0 for larger values (they cannot be encoded).
constexpr std::size_t varint_size(std::uint32_t v) noexcept
{
    return v < 128u ? 1 : v < 16'384u ? 2 : v < 2'097'152u ? 3 : v <= varint_max ? 4 : 0;
}

/// Appends the shortest encoding of `v`. Precondition: v <= varint_max (asserted).
void encode_varint(std::uint32_t v, std::vector<std::byte>& out);

struct varint_decoded {
    std::uint32_t value = 0;
    std::size_t size = 0; // bytes consumed, 1..4
};

/// Decodes the Variable Byte Integer at the start of `in` (bytes after it are ignored).
/// Errors: truncated (input ends while bit 7 says more follow), malformed_varint (a 5th byte would
/// be needed), overlong_varint (a non-shortest form such as `80 00`).
boost::system::result<varint_decoded> decode_varint(std::span<const std::byte> in) noexcept;

} // namespace sngw::mqtt5
