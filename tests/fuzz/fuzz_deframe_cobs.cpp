// SPDX-License-Identifier: MIT
// cobs_deframer on arbitrary bytes in arbitrary chunking (see fuzz_deframe_common.hpp).
// Options octet: bit 0 CRC off, bits 1-2 max_frame_size (0, 16, 300, 65535), bit 3 framer with a
// leading delimiter.
#include "fuzz_deframe_common.hpp"

#include <sngw/framing/cobs.hpp>

namespace {

using namespace sngw::framing;
using sngw::fuzz::octets;
using sngw::fuzz::seed;

cobs_options options_of(unsigned o)
{
    static constexpr std::size_t max[] = {0, 16, 300, 65535};
    return {.max_frame_size = max[(o >> 1) & 3], .crc = (o & 1) == 0, .leading_delimiter = (o & 8) != 0};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::byte> in{reinterpret_cast<const std::byte*>(data), size};
    if (in.empty()) return 0;
    const auto options = options_of(std::to_integer<unsigned>(in[0]));
    sngw::fuzz::check(
        in, [&] { return cobs_deframer(options); }, options.max_frame_size + 2,
        sngw::fuzz::frame_bytes<cobs_deframer>,
        [&](const sngw::fuzz::event& e) {
            auto w = cobs_frame(e.bytes, options);
            sngw::fuzz::require(w.has_value());
            return *w;
        });
    return 0;
}

std::vector<std::vector<std::byte>> sngw_fuzz_seeds()
{
    const auto pingreq = octets({0x05, 0x02, 0x16, 0x09, 0x9a, 0x00});
    const auto publish =
        octets({0x03, 0x09, 0x0c, 0x01, 0x02, 0x01, 0x01, 0x05, 0x68, 0x69, 0x1e, 0x44, 0x00});
    const auto plain = octets({0x02, 0x11, 0x01, 0x01, 0x01, 0x00, 0x03, 0x11, 0x22, 0x02, 0x33, 0x00});
    const auto bad_block = octets({0x05, 0x02, 0x16, 0x00});
    const auto noise = octets({0x55, 0xaa, 0x13, 0x37});
    std::vector<std::byte> full{std::byte{0xff}};
    for (unsigned v = 1; v <= 254; ++v)
        full.push_back(static_cast<std::byte>(v));
    full.push_back(std::byte{0x01});
    full.push_back(std::byte{0x00});
    std::vector<std::vector<std::byte>> seeds;
    for (unsigned o : {0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u}) {
        seeds.push_back(seed(o, {}, {pingreq, publish, plain}));
        seeds.push_back(seed(o, {3, 0}, {noise, pingreq, bad_block, publish, full}));
        seeds.push_back(seed(o, {200}, {octets({0x00, 0x00}), full, noise, octets({0x00}), plain}));
    }
    return seeds;
}
