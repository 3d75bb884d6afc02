// SPDX-License-Identifier: MIT
// Work in progress: decode/encode are being written.
#include <sngw/mqtt5/codec.hpp>

namespace sngw::mqtt5 {

boost::system::result<packet> decode(std::span<const std::byte>, decode_limits) noexcept
{
    return errc::truncated;
}

boost::system::error_code validate(const packet&) noexcept { return {}; }

boost::system::result<std::size_t> encode(const packet&, std::vector<std::byte>&, std::uint32_t)
{
    return errc::field_too_long;
}

boost::system::result<std::vector<std::byte>> encode(const packet& p, std::uint32_t max_packet_size)
{
    std::vector<std::byte> out;
    auto r = encode(p, out, max_packet_size);
    if (!r)
        return r.error();
    return out;
}

std::size_t encoded_size(const packet&) noexcept { return 0; }

} // namespace sngw::mqtt5
