// SPDX-License-Identifier: MIT
// Decode; what decodes must encode (decode and encode accept the same packets), with
// encoded_size() telling the truth, and decode again to the same packet, never larger than the
// input. The same bytes go through the stream splitter in pieces, which must cut them exactly
// as decode's Remaining Length does. Every decoded packet is printed once (operator<<).
#include "fuzz_seeds.hpp"

#include "vectors/mqtt5/mqtt5_vectors.hpp"

#include <sngw/mqtt5/codec.hpp>
#include <sngw/mqtt5/io.hpp>
#include <sngw/mqtt5/stream_splitter.hpp>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace {

using namespace sngw::mqtt5;

void round_trip(std::span<const std::byte> in)
{
    auto first = decode(in);
    if (!first) return;
    auto wire = encode(*first);
    if (!wire) std::abort(); // decode accepted what encode refuses
    if (wire->size() != encoded_size(*first) || wire->size() > in.size()) std::abort();
    auto second = decode(*wire);
    if (!second || !(*second == *first)) std::abort();
    std::ostringstream text;
    text << *first;
}

// The first input byte picks the chunk size and the splitter's maximum; the rest is the stream.
void split(std::span<const std::byte> in)
{
    if (in.empty()) return;
    const unsigned control = std::to_integer<unsigned>(in[0]);
    const std::size_t chunk = 1 + (control & 0x0Fu);
    const std::uint32_t max = (control & 0x10u) ? 64 : max_packet_size_limit;
    const auto stream = in.subspan(1);

    stream_splitter s{max};
    std::size_t fed = 0;
    std::size_t taken = 0; // bytes handed out as packets
    while (fed < stream.size()) {
        const std::size_t n = std::min(chunk, stream.size() - fed);
        if (s.put(stream.subspan(fed, n)) != n) break; // corrupt
        fed += n;
        for (;;) {
            const auto r = s.next();
            if (r.status == split_status::need_more) break;
            if (r.status == split_status::corrupt) {
                // Corruption is a header problem; decode reads the same header the same way
                // (after rejecting a reserved type, which the splitter does not look at).
                auto d = decode(stream.subspan(taken), {.max_packet_size = max});
                if (d || (d.error() != r.error && d.error() != errc::reserved_packet_type)) std::abort();
                return;
            }
            // A packet is exactly the bytes at this point of the stream, and decode's
            // Remaining Length agrees: never trailing_bytes, never packet_too_large.
            if (r.bytes.size() > max || !std::equal(r.bytes.begin(), r.bytes.end(),
                                                    stream.begin() + static_cast<std::ptrdiff_t>(taken)))
                std::abort();
            taken += r.bytes.size();
            auto d = decode(r.bytes, {.max_packet_size = max});
            if (!d && (d.error() == errc::trailing_bytes || d.error() == errc::packet_too_large))
                std::abort();
        }
    }
    if (s.buffered() + taken != fed && !s.error()) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::byte> in{reinterpret_cast<const std::byte*>(data), size};
    round_trip(in);
    split(in);
    return 0;
}

std::vector<std::vector<std::byte>> sngw_fuzz_seeds()
{
    std::vector<std::vector<std::byte>> seeds;
    for (const auto& v : sngw::test::mqtt5_vectors()) {
        for (std::size_t n = 0; n <= v.wire.size(); ++n)
            seeds.emplace_back(v.wire.begin(), v.wire.begin() + static_cast<std::ptrdiff_t>(n));
        auto longer = v.wire;
        longer.push_back(std::byte{0});
        seeds.push_back(longer);
    }
    for (const auto& v : sngw::test::mqtt5_malformed_vectors())
        seeds.push_back(v.wire);
    // A stream of every vector, for the splitter (first byte: chunk size 3).
    std::vector<std::byte> stream{std::byte{0x02}};
    for (const auto& v : sngw::test::mqtt5_vectors())
        stream.insert(stream.end(), v.wire.begin(), v.wire.end());
    seeds.push_back(std::move(stream));
    return seeds;
}
