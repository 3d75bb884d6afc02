// SPDX-License-Identifier: MIT
// Feeds a deframer a stream in chunks and records what it reports, as text so that a failed CHECK
// prints something readable: "frame[02 16] corrupt(bad_crc) other[8a 06]".
#pragma once

#include "support/hex.hpp"

#include <sngw/framing/deframer.hpp>
#include <sngw/framing/xbee.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace sngw::test {

struct deframed {
    std::vector<std::string> events;            // every event, in order
    std::vector<std::vector<std::byte>> frames; // the frames alone
    std::size_t max_buffered = 0;               // the most the deframer held at any time

    std::string text() const
    {
        std::string out;
        for (const auto& e : events)
            out += (out.empty() ? "" : " ") + e;
        return out;
    }
};

template <class Deframer> std::vector<std::byte> api_or_frame(const Deframer& d, framing::deframe_status s)
{
    if constexpr (std::is_same_v<Deframer, framing::xbee_deframer>) {
        if (s == framing::deframe_status::other) {
            const auto a = d.api_frame();
            return {a.begin(), a.end()};
        }
    }
    const auto f = d.frame();
    return {f.begin(), f.end()};
}

/// Feeds `stream` in chunks of next_chunk() octets (at least 1), calling put() until need_more after
/// each chunk, as the serial transport does.
template <class Deframer>
deframed deframe(Deframer& d, std::span<const std::byte> stream,
                 const std::function<std::size_t()>& next_chunk)
{
    deframed out;
    std::size_t pos = 0;
    while (pos < stream.size()) {
        const std::size_t n = std::min(std::max<std::size_t>(next_chunk(), 1), stream.size() - pos);
        auto chunk = stream.subspan(pos, n);
        pos += n;
        // Checked with if/FAIL: a CHECK per octet would make the assertion count meaningless.
        for (int guard = 0;; ++guard) {
            if (guard > 1'000'000) FAIL("put() makes no progress");
            const auto r = d.put(chunk);
            if (r.consumed > chunk.size()) FAIL("put() consumed more than it was given");
            chunk = chunk.subspan(r.consumed);
            out.max_buffered = std::max(out.max_buffered, d.buffered());
            if (r.status == framing::deframe_status::need_more) {
                if (!chunk.empty()) FAIL("need_more with octets left");
                break;
            }
            if (r.status == framing::deframe_status::corrupt) {
                out.events.push_back("corrupt(" + std::string(framing::to_string(r.error)) + ")");
                continue;
            }
            auto bytes = api_or_frame(d, r.status);
            out.events.push_back(std::string(framing::to_string(r.status)) + "[" + to_hex(bytes) + "]");
            if (r.status == framing::deframe_status::frame) out.frames.push_back(std::move(bytes));
        }
    }
    return out;
}

template <class Deframer> deframed deframe_all(Deframer& d, std::span<const std::byte> stream)
{
    return deframe(d, stream, [&] { return stream.size(); });
}

template <class Deframer> deframed deframe_bytewise(Deframer& d, std::span<const std::byte> stream)
{
    return deframe(d, stream, [] { return std::size_t{1}; });
}

/// The seed for randomised tests: fixed, so runs repeat; SNGW_SEED=<n> picks another.
inline std::uint64_t seed_from_env()
{
    if (const char* s = std::getenv("SNGW_SEED"); s && *s) return std::strtoull(s, nullptr, 0);
    return 0x5e12'0006'f4a3ULL;
}

inline std::vector<std::byte> join(std::initializer_list<std::vector<std::byte>> parts)
{
    std::vector<std::byte> out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

} // namespace sngw::test
