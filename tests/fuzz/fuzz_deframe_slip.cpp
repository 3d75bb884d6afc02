// SPDX-License-Identifier: MIT
// slip_deframer on arbitrary bytes in arbitrary chunking (see fuzz_deframe_common.hpp).
// Options octet: bit 0 CRC off, bits 1-2 max_frame_size (0, 16, 300, 65535), bit 3 framer
// without leading END.
#include "fuzz_deframe_common.hpp"

#include <sngw/framing/slip.hpp>

namespace {

using namespace sngw::framing;
using sngw::fuzz::octets;
using sngw::fuzz::seed;

slip_options options_of(unsigned o)
{
    static constexpr std::size_t max[] = {0, 16, 300, 65535};
    return {.max_frame_size = max[(o >> 1) & 3], .crc = (o & 1) == 0, .leading_end = (o & 8) == 0};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::byte> in{reinterpret_cast<const std::byte*>(data), size};
    if (in.empty()) return 0;
    const auto options = options_of(std::to_integer<unsigned>(in[0]));
    sngw::fuzz::check(
        in, [&] { return slip_deframer(options); }, options.max_frame_size + 2,
        sngw::fuzz::frame_bytes<slip_deframer>,
        [&](const sngw::fuzz::event& e) {
            auto w = slip_frame(e.bytes, options);
            sngw::fuzz::require(w.has_value());
            return *w;
        });
    return 0;
}

std::vector<std::vector<std::byte>> sngw_fuzz_seeds()
{
    const auto pingreq = octets({0xc0, 0x02, 0x16, 0x09, 0x9a, 0xc0});
    const auto publish = octets({0xc0, 0x0a, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x00, 0xdb, 0xdc, 0xdb, 0xdd, 0x0b,
                                 0xdb, 0xdd, 0x09, 0xc0});
    const auto plain = octets({0xc0, 0x02, 0x16, 0xc0});
    const auto bad_crc = octets({0xc0, 0x02, 0x16, 0x09, 0x9b, 0xc0});
    const auto bad_escape = octets({0x02, 0xdb, 0x16, 0x09, 0x9a, 0xc0, 0x02, 0x16, 0xdb, 0xc0});
    const auto noise = octets({0x55, 0xaa, 0x13, 0x37, 0x0d, 0x0a});
    std::vector<std::vector<std::byte>> seeds;
    for (unsigned o : {0u, 1u, 2u, 3u, 4u, 6u, 7u}) {
        seeds.push_back(seed(o, {}, {pingreq, publish, plain}));
        seeds.push_back(seed(o, {1, 4}, {noise, pingreq, bad_crc, publish, bad_escape, pingreq}));
        seeds.push_back(seed(o, {255, 0}, {plain, noise, plain, bad_escape, publish}));
    }
    return seeds;
}
