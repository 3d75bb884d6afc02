// SPDX-License-Identifier: MIT
// The harness shared by the fuzz_deframe_* targets: arbitrary bytes in arbitrary chunking.
//
// Input layout:  [options] [n] [n chunk sizes] [stream...]
//   options   picks the deframer's options (each target decodes it its own way);
//   n         how many chunk-size octets follow (n % 8); a chunk size c means c + 1 octets, used
//             in turn, again and again; with n = 0 the stream is fed one octet at a time.
// Invariants checked (std::abort on failure, so libFuzzer reports a crash):
//   - put() never consumes more than it is given, reports need_more only with everything consumed,
//     and always makes progress;
//   - no frame exceeds max_frame_size, and buffered() stays within the deframer's documented bound;
//   - the same stream fed all at once gives the same events, frames and counters;
//   - the counters agree with the events, and bytes_in with the stream;
//   - re-framing a yielded frame and deframing it gives exactly that frame back.
#pragma once

#include "fuzz_seeds.hpp"

#include <sngw/framing/deframer.hpp>

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace sngw::fuzz {

struct event {
    framing::deframe_status status;
    framing::errc error;
    std::vector<std::byte> bytes;
    friend bool operator==(const event&, const event&) = default;
};

inline void require(bool ok)
{
    if (!ok) std::abort();
}

/// Feeds `stream` to `d` in the chunk sizes given (cycled; none: one octet at a time) and returns
/// the events. `bytes_of` turns a frame/other event into the octets to compare.
template <class Deframer, class BytesOf>
std::vector<event> feed(Deframer& d, std::span<const std::byte> chunk_sizes,
                        std::span<const std::byte> stream, std::size_t buffered_bound, BytesOf bytes_of)
{
    std::vector<event> events;
    std::size_t pos = 0;
    std::size_t next_size = 0;
    while (pos < stream.size()) {
        std::size_t n = 1;
        if (!chunk_sizes.empty()) {
            n = std::to_integer<std::size_t>(chunk_sizes[next_size++ % chunk_sizes.size()]) + 1;
            if (n > stream.size() - pos) n = stream.size() - pos;
        }
        auto chunk = stream.subspan(pos, n);
        pos += n;
        // Each event consumes at least one octet, or is one of the few pending after a search
        // again (xbee mode 1, raw Length octets): far fewer than this.
        std::size_t guard = 4 * (chunk.size() + d.max_frame_size() + 16);
        for (;;) {
            require(guard-- != 0);
            const auto r = d.put(chunk);
            require(r.consumed <= chunk.size());
            chunk = chunk.subspan(r.consumed);
            require(d.buffered() <= buffered_bound);
            if (r.status == framing::deframe_status::need_more) {
                require(chunk.empty());
                break;
            }
            if (r.status == framing::deframe_status::corrupt) {
                require(r.error != framing::errc{});
                events.push_back({r.status, r.error, {}});
                continue;
            }
            require(d.frame().size() <= d.max_frame_size());
            events.push_back({r.status, {}, bytes_of(d, r.status)});
        }
    }
    return events;
}

/// The whole check. `make()` builds a fresh deframer; `reframe(event)` returns the wire form of a
/// frame/other event's bytes under the same options.
template <class Make, class BytesOf, class Reframe>
void check(std::span<const std::byte> input, Make make, std::size_t buffered_bound, BytesOf bytes_of,
           Reframe reframe)
{
    if (input.size() < 2) return;
    const std::size_t n = std::to_integer<std::size_t>(input[1]) % 8;
    if (input.size() < 2 + n) return;
    const auto chunk_sizes = input.subspan(2, n);
    const auto stream = input.subspan(2 + n);

    auto chunked = make();
    const auto events = feed(chunked, chunk_sizes, stream, buffered_bound, bytes_of);

    // The same stream in one piece.
    auto whole = make();
    std::vector<event> again;
    {
        auto rest = stream;
        for (;;) {
            const auto r = whole.put(rest);
            rest = rest.subspan(r.consumed);
            if (r.status == framing::deframe_status::need_more) break;
            if (r.status == framing::deframe_status::corrupt)
                again.push_back({r.status, r.error, {}});
            else
                again.push_back({r.status, {}, bytes_of(whole, r.status)});
        }
    }
    require(again == events);

    const auto& c = chunked.counters();
    require(c.bytes_in == stream.size());
    require(c.bytes_skipped <= c.bytes_in);
    std::uint64_t frames = 0, others = 0, corrupt = 0;
    for (const auto& e : events) {
        frames += e.status == framing::deframe_status::frame;
        others += e.status == framing::deframe_status::other;
        corrupt += e.status == framing::deframe_status::corrupt;
    }
    require(c.frames == frames && c.others == others && c.corrupt_total() == corrupt);
    require(whole.counters().bytes_skipped == c.bytes_skipped);
    require(whole.counters().corrupt == c.corrupt);

    for (const auto& e : events) {
        if (e.status == framing::deframe_status::corrupt) continue;
        const std::vector<std::byte> wire = reframe(e);
        auto d = make();
        const auto r = d.put(wire);
        require(r.status == e.status);
        require(bytes_of(d, r.status) == e.bytes);
        const auto rest = std::span<const std::byte>(wire).subspan(r.consumed);
        require(d.put(rest).status == framing::deframe_status::need_more);
    }
}

template <class Deframer> std::vector<std::byte> frame_bytes(const Deframer& d, framing::deframe_status)
{
    const auto f = d.frame();
    return {f.begin(), f.end()};
}

/// A seed: options octet, chunk sizes, then the stream.
inline std::vector<std::byte> seed(unsigned options, std::initializer_list<unsigned> chunks,
                                   std::initializer_list<std::vector<std::byte>> parts)
{
    std::vector<std::byte> out{static_cast<std::byte>(options), static_cast<std::byte>(chunks.size())};
    for (unsigned c : chunks)
        out.push_back(static_cast<std::byte>(c));
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline std::vector<std::byte> octets(std::initializer_list<unsigned> v)
{
    std::vector<std::byte> out;
    for (unsigned x : v)
        out.push_back(static_cast<std::byte>(x));
    return out;
}

} // namespace sngw::fuzz

// libFuzzer calls this once at start: with SNGW_FUZZ_SEED_DIR set, the built-in seeds are written
// there (seed-0, seed-1, ...) so a corpus can start from them (-runs=0 just writes them).
extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    if (const char* dir = std::getenv("SNGW_FUZZ_SEED_DIR")) {
        int n = 0;
        for (const auto& s : sngw_fuzz_seeds()) {
            const std::string path = std::string(dir) + "/seed-" + std::to_string(n++);
            if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
                std::fwrite(s.data(), 1, s.size(), f);
                std::fclose(f);
            }
        }
    }
    return 0;
}
