// SPDX-License-Identifier: MIT
// xbee_deframer on arbitrary bytes in arbitrary chunking (see fuzz_deframe_common.hpp). Every
// frame/other event's frame data must parse, and a Receive Packet's frame() must be its RF data.
// Options octet: bit 0 API mode 1 (else 2), bits 1-2 max_frame_size (0, 16, 300, 65535).
#include "fuzz_deframe_common.hpp"

#include <sngw/framing/xbee.hpp>

#include <algorithm>
#include <sstream>

namespace {

using namespace sngw::framing;
using sngw::fuzz::octets;
using sngw::fuzz::require;
using sngw::fuzz::seed;

xbee_options options_of(unsigned o)
{
    static constexpr std::size_t max[] = {0, 16, 300, 65535};
    return {.mode = (o & 1) ? xbee_api_mode::unescaped : xbee_api_mode::escaped,
            .max_frame_size = max[(o >> 1) & 3]};
}

std::vector<std::byte> api_bytes(const xbee_deframer& d, deframe_status s)
{
    const auto api = d.api_frame();
    require(!api.empty() && api.size() <= d.max_frame_size());
    const auto parsed = d.last_frame();
    require(parsed.has_value());
    const bool data = std::holds_alternative<xbee_receive_packet>(*parsed);
    require(data == (s == deframe_status::frame));
    if (data)
        require(std::ranges::equal(d.frame(), api.subspan(12)));
    else
        require(d.frame().empty());
    require(encode_xbee_frame(*parsed).size() <= api.size());
    std::ostringstream text;
    text << *parsed;
    return {api.begin(), api.end()};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::byte> in{reinterpret_cast<const std::byte*>(data), size};
    if (in.empty()) return 0;
    const auto options = options_of(std::to_integer<unsigned>(in[0]));
    sngw::fuzz::check(
        in, [&] { return xbee_deframer(options); }, 3 * (options.max_frame_size + 3), api_bytes,
        [&](const sngw::fuzz::event& e) {
            auto w = xbee_frame(e.bytes, options.mode);
            require(w.has_value());
            return *w;
        });
    return 0;
}

std::vector<std::vector<std::byte>> sngw_fuzz_seeds()
{
    const auto rx1 = octets({0x7e, 0x00, 0x12, 0x90, 0x00, 0x13, 0xa2, 0x00, 0x40, 0x52, 0x2b,
                             0xaa, 0x7d, 0x84, 0x01, 0x52, 0x78, 0x44, 0x61, 0x74, 0x61, 0x0d});
    const auto rx2 = octets({0x7e, 0x00, 0x12, 0x90, 0x00, 0x7d, 0x33, 0xa2, 0x00, 0x40, 0x52, 0x2b,
                             0xaa, 0x7d, 0x5d, 0x84, 0x01, 0x52, 0x78, 0x44, 0x61, 0x74, 0x61, 0x0d});
    const auto tx1 = octets({0x7e, 0x00, 0x16, 0x10, 0x01, 0x00, 0x13, 0xa2, 0x00, 0x40, 0x0a, 0x01, 0x27,
                             0xff, 0xfe, 0x00, 0x00, 0x54, 0x78, 0x44, 0x61, 0x74, 0x61, 0x30, 0x41, 0x13});
    const auto status = octets({0x7e, 0x00, 0x07, 0x8b, 0x02, 0xff, 0xfe, 0x03, 0x21, 0x00, 0x51});
    const auto modem = octets({0x7e, 0x00, 0x02, 0x8a, 0x06, 0x6f});
    const auto at = octets({0x7e, 0x00, 0x05, 0x88, 0x01, 0x42, 0x44, 0x00, 0xf0});
    const auto false_start = octets({0x7e, 0x00, 0x30});
    const auto noise = octets({0x55, 0xaa, 0x7d, 0x11, 0x13});
    std::vector<std::vector<std::byte>> seeds;
    for (unsigned o : {0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u}) {
        seeds.push_back(seed(o, {}, {rx1, status, modem, at, tx1}));
        seeds.push_back(seed(o, {0, 5}, {noise, rx2, false_start, rx1, modem, modem, modem, modem, modem}));
        seeds.push_back(seed(o, {100}, {false_start, rx2, noise, at, octets({0x7e, 0x00, 0x00, 0xff}), rx1}));
    }
    return seeds;
}
