// SPDX-License-Identifier: MIT
#include <sngw/mqtt5/varint.hpp>

#include <cassert>

namespace sngw::mqtt5 {

void encode_varint(std::uint32_t v, std::vector<std::byte>& out)
{
    assert(v <= varint_max);
    // MQTT 5.0 §1.5.5: 7 bits at a time, least significant first, bit 7 = continuation.
    do {
        auto digit = static_cast<std::uint8_t>(v & 0x7Fu);
        v >>= 7;
        if (v != 0) digit = static_cast<std::uint8_t>(digit | 0x80u);
        out.push_back(std::byte{digit});
    } while (v != 0);
}

boost::system::result<varint_decoded> decode_varint(std::span<const std::byte> in) noexcept
{
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i >= in.size()) return errc::truncated;
        const auto b = std::to_integer<std::uint32_t>(in[i]);
        value |= (b & 0x7Fu) << (7 * i);
        if ((b & 0x80u) == 0) {
            // MQTT 5.0 §1.5.5 [MQTT-1.5.5-1]: the shortest form. A final group of zero bits means
            // the value fitted in one byte fewer.
            if (i > 0 && b == 0) return errc::overlong_varint;
            return varint_decoded{value, i + 1};
        }
    }
    return errc::malformed_varint;
}

} // namespace sngw::mqtt5
