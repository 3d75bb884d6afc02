// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/framing/crc16.hpp>

#include <cstddef>
#include <span>
#include <vector>

namespace sngw::framing::detail {

inline constexpr std::size_t crc_size = 2;

/// Appends the CRC-16/CCITT-FALSE of `payload`, most significant octet first.
inline void append_crc(std::span<const std::byte> payload, std::vector<std::byte>& out)
{
    const std::uint16_t crc = crc16_ccitt_false(payload);
    out.push_back(static_cast<std::byte>(crc >> 8));
    out.push_back(static_cast<std::byte>(crc & 0xFF));
}

/// True when the last two octets of `frame` are the CRC of the octets before them.
inline bool crc_matches(std::span<const std::byte> frame) noexcept
{
    const auto payload = frame.first(frame.size() - crc_size);
    const std::uint16_t crc = crc16_ccitt_false(payload);
    return std::to_integer<unsigned>(frame[frame.size() - 2]) == (crc >> 8U) &&
           std::to_integer<unsigned>(frame[frame.size() - 1]) == (crc & 0xFFU);
}

} // namespace sngw::framing::detail
