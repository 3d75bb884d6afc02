// SPDX-License-Identifier: MIT
// raw_deframer on arbitrary bytes in arbitrary chunking (see fuzz_deframe_common.hpp).
// Options octet: bit 0 accept_short_long_form, bits 1-2 max_frame_size (0, 16, 300, 65535).
#include "fuzz_deframe_common.hpp"

#include <sngw/framing/raw.hpp>

namespace {

using namespace sngw::framing;
using sngw::fuzz::octets;
using sngw::fuzz::seed;

raw_options options_of(unsigned o)
{
    static constexpr std::size_t max[] = {0, 16, 300, 65535};
    return {.max_frame_size = max[(o >> 1) & 3], .accept_short_long_form = (o & 1) != 0};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::byte> in{reinterpret_cast<const std::byte*>(data), size};
    if (in.empty()) return 0;
    const auto options = options_of(std::to_integer<unsigned>(in[0]));
    sngw::fuzz::check(
        in, [&] { return raw_deframer(options); }, options.max_frame_size,
        sngw::fuzz::frame_bytes<raw_deframer>,
        [&](const sngw::fuzz::event& e) {
            auto w = raw_frame(e.bytes, options);
            sngw::fuzz::require(w.has_value()); // a yielded packet always has a valid Length
            return *w;
        });
    return 0;
}

std::vector<std::vector<std::byte>> sngw_fuzz_seeds()
{
    const auto connect = octets({0x18, 0x04, 0x04, 0x01, 0x00, 0x0a, 0x6d, 0x71, 0x74, 0x74, 0x2d, 0x73,
                                 0x6e, 0x2d, 0x74, 0x6f, 0x6f, 0x6c, 0x73, 0x2d, 0x34, 0x32, 0x34, 0x32});
    const auto publish = octets({0x0c, 0x0c, 0x01, 0x00, 0x01, 0x00, 0x01, 0x68, 0x65, 0x6c, 0x6c, 0x6f});
    auto long_publish = octets({0x01, 0x01, 0x2c, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x00});
    long_publish.resize(300, std::byte{0x5a});
    const auto pingreq = octets({0x02, 0x16});
    const auto garbage = octets({0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x05, 0x16, 0x61});
    std::vector<std::vector<std::byte>> seeds;
    for (unsigned o : {0u, 1u, 2u, 4u, 6u, 7u}) {
        seeds.push_back(seed(o, {}, {connect, publish, long_publish, pingreq}));
        seeds.push_back(seed(o, {2, 0, 6}, {garbage, connect, garbage, publish, long_publish}));
        seeds.push_back(seed(o, {255}, {pingreq, garbage, long_publish, pingreq}));
    }
    return seeds;
}
