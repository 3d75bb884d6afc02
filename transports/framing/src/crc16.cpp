// SPDX-License-Identifier: MIT
#include <sngw/framing/crc16.hpp>

#include <array>

namespace sngw::framing {

namespace {

// One entry per value of the high octet: the CRC register after shifting 8 zero bits through it.
constexpr std::array<std::uint16_t, 256> make_table() noexcept
{
    std::array<std::uint16_t, 256> table{};
    for (unsigned i = 0; i < 256; ++i) {
        unsigned r = i << 8;
        for (int bit = 0; bit < 8; ++bit)
            r = (r & 0x8000U) ? ((r << 1) ^ 0x1021U) : (r << 1);
        table[i] = static_cast<std::uint16_t>(r & 0xFFFFU);
    }
    return table;
}

constexpr auto table = make_table();

} // namespace

std::uint16_t crc16_ccitt_false(std::span<const std::byte> data, std::uint16_t crc) noexcept
{
    unsigned r = crc;
    for (std::byte b : data)
        r = ((r << 8) ^ table[((r >> 8) ^ std::to_integer<unsigned>(b)) & 0xFFU]) & 0xFFFFU;
    return static_cast<std::uint16_t>(r);
}

} // namespace sngw::framing
