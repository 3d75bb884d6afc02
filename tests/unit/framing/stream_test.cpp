// SPDX-License-Identifier: MIT
// Properties every deframer shares: fed one octet at a time, in random chunks or all at once it
// reports the same events; with noise between frames it finds every good frame after the noise.
#include "deframe.hpp"

#include <sngw/framing/cobs.hpp>
#include <sngw/framing/raw.hpp>
#include <sngw/framing/slip.hpp>
#include <sngw/framing/xbee.hpp>

#include <doctest/doctest.h>

#include <random>

using namespace sngw::framing;
using sngw::test::deframe;
using sngw::test::deframe_all;
using sngw::test::deframe_bytewise;
using sngw::test::seed_from_env;

namespace {

using rng_t = std::mt19937_64;

std::size_t uniform(rng_t& rng, std::size_t lo, std::size_t hi)
{
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
}

/// Random octets, weighted towards the ones every framing treats specially.
std::vector<std::byte> random_octets(rng_t& rng, std::size_t n, bool allow_7e = true)
{
    static constexpr unsigned special[] = {0x00, 0x01, 0x02, 0x7D, 0x7E, 0x11,
                                           0x13, 0xC0, 0xDB, 0xDC, 0xDD, 0xFF};
    std::vector<std::byte> out;
    for (std::size_t i = 0; i < n; ++i) {
        unsigned v = uniform(rng, 0, 3) == 0 ? special[uniform(rng, 0, std::size(special) - 1)]
                                             : static_cast<unsigned>(uniform(rng, 0, 255));
        if (!allow_7e && v == 0x7E) v = 0x7F;
        out.push_back(static_cast<std::byte>(v));
    }
    return out;
}

/// A random MQTT-SN-shaped packet for raw framing: a valid Length field, any body.
std::vector<std::byte> random_packet(rng_t& rng)
{
    const std::size_t size = uniform(rng, 0, 9) == 0 ? uniform(rng, 256, 700) : uniform(rng, 2, 255);
    std::vector<std::byte> p;
    if (size >= 256) {
        p = {std::byte{0x01}, static_cast<std::byte>(size >> 8), static_cast<std::byte>(size & 0xFF)};
    } else {
        p = {static_cast<std::byte>(size)};
    }
    const auto body = random_octets(rng, size - p.size());
    p.insert(p.end(), body.begin(), body.end());
    return p;
}

/// What a test stream is made of: the bytes, and the frames a deframer must find in it.
struct scenario {
    std::vector<std::byte> stream;
    std::vector<std::vector<std::byte>> frames;
};

/// `count` frames built by `make` (which returns the payload and appends its wire form), with
/// noise from `noise` before some of them.
template <class Make, class Noise> scenario build(rng_t& rng, int count, Make make, Noise noise)
{
    scenario s;
    for (int i = 0; i < count; ++i) {
        if (uniform(rng, 0, 2) == 0) {
            const auto n = noise(rng);
            s.stream.insert(s.stream.end(), n.begin(), n.end());
        }
        s.frames.push_back(make(rng, s.stream));
    }
    return s;
}

auto no_noise = [](rng_t&) { return std::vector<std::byte>{}; };

template <class Deframer>
void check_chunking(const Deframer& fresh, const scenario& s, rng_t& rng, bool exact)
{
    Deframer whole = fresh;
    const auto expected = deframe_all(whole, s.stream);
    if (exact) {
        CHECK(expected.frames == s.frames);
    } else {
        // Every good frame is found, in order; noise may add corrupt reports (and, without CRC,
        // frames of its own).
        std::size_t next = 0;
        for (const auto& f : expected.frames)
            if (next < s.frames.size() && f == s.frames[next]) ++next;
        CHECK(next == s.frames.size());
    }

    Deframer bytewise = fresh;
    CHECK(deframe_bytewise(bytewise, s.stream).text() == expected.text());
    CHECK(bytewise.counters().bytes_in == s.stream.size());
    CHECK(bytewise.counters().bytes_skipped == whole.counters().bytes_skipped);
    CHECK(bytewise.counters().corrupt == whole.counters().corrupt);

    for (int round = 0; round < 20; ++round) {
        Deframer chunked = fresh;
        const std::size_t max_chunk = round < 10 ? 8 : 1024;
        CHECK(deframe(chunked, s.stream, [&] { return uniform(rng, 1, max_chunk); }).text() ==
              expected.text());
    }
}

} // namespace

TEST_CASE("every deframer gives the same frames one octet at a time, in random chunks and all at once")
{
    const std::uint64_t seed = seed_from_env();
    MESSAGE("SNGW_SEED=" << seed);
    rng_t rng{seed};

    {
        INFO("raw");
        auto s = build(
            rng, 200,
            [](rng_t& r, std::vector<std::byte>& out) {
                auto p = random_packet(r);
                const auto w = raw_frame(p).value();
                out.insert(out.end(), w.begin(), w.end());
                return p;
            },
            no_noise);
        check_chunking(raw_deframer{}, s, rng, true);
    }
    for (const bool crc : {true, false}) {
        CAPTURE(crc);
        {
            INFO("slip");
            auto s = build(
                rng, 200,
                [crc](rng_t& r, std::vector<std::byte>& out) {
                    auto p = random_octets(r, uniform(r, 1, 300));
                    const auto w = slip_frame(p, {.crc = crc, .leading_end = uniform(r, 0, 1) == 0}).value();
                    out.insert(out.end(), w.begin(), w.end());
                    return p;
                },
                no_noise);
            check_chunking(slip_deframer({.crc = crc}), s, rng, true);
        }
        {
            INFO("cobs");
            auto s = build(
                rng, 200,
                [crc](rng_t& r, std::vector<std::byte>& out) {
                    auto p = random_octets(r, uniform(r, 1, 700));
                    const auto w = cobs_frame(p, {.crc = crc}).value();
                    out.insert(out.end(), w.begin(), w.end());
                    return p;
                },
                no_noise);
            check_chunking(cobs_deframer({.crc = crc}), s, rng, true);
        }
    }
    for (const auto mode : {xbee_api_mode::unescaped, xbee_api_mode::escaped}) {
        CAPTURE(static_cast<int>(mode));
        {
            INFO("xbee");
            std::vector<std::vector<std::byte>> keep; // the spans in the packets point here
            auto s = build(
                rng, 200,
                [&](rng_t& r, std::vector<std::byte>& out) {
                    keep.push_back(random_octets(r, uniform(r, 2, 300)));
                    const xbee_receive_packet p{.source64 = r(),
                                                .source16 = static_cast<std::uint16_t>(r()),
                                                .options = 1,
                                                .data = keep.back()};
                    const auto w = xbee_frame(encode_xbee_frame(p), mode).value();
                    out.insert(out.end(), w.begin(), w.end());
                    if (uniform(r, 0, 4) == 0) { // a Transmit Status between data frames
                        const auto st =
                            xbee_frame(encode_xbee_frame(xbee_transmit_status{.frame_id = 1}), mode).value();
                        out.insert(out.end(), st.begin(), st.end());
                    }
                    return keep.back();
                },
                no_noise);
            check_chunking(xbee_deframer({.mode = mode}), s, rng, true);
        }
    }
}

TEST_CASE("every deframer finds the good frames after noise, however the stream is chunked")
{
    const std::uint64_t seed = seed_from_env();
    MESSAGE("SNGW_SEED=" << seed);
    rng_t rng{seed};

    {
        INFO("raw, with runs of zero octets (never a valid Length) as the noise");
        auto s = build(
            rng, 200,
            [](rng_t& r, std::vector<std::byte>& out) {
                auto p = random_packet(r);
                out.insert(out.end(), p.begin(), p.end());
                return p;
            },
            [](rng_t& r) { return std::vector<std::byte>(uniform(r, 1, 20), std::byte{0}); });
        check_chunking(raw_deframer{}, s, rng, true);
    }
    {
        INFO("slip with CRC");
        auto s = build(
            rng, 200,
            [](rng_t& r, std::vector<std::byte>& out) {
                auto p = random_octets(r, uniform(r, 1, 300));
                const auto w = slip_frame(p).value();
                out.insert(out.end(), w.begin(), w.end());
                return p;
            },
            [](rng_t& r) { return random_octets(r, uniform(r, 1, 40)); });
        slip_deframer d;
        check_chunking(d, s, rng, false);
    }
    {
        INFO("cobs with CRC and a leading delimiter");
        auto s = build(
            rng, 200,
            [](rng_t& r, std::vector<std::byte>& out) {
                auto p = random_octets(r, uniform(r, 1, 300));
                const auto w = cobs_frame(p, {.leading_delimiter = true}).value();
                out.insert(out.end(), w.begin(), w.end());
                return p;
            },
            [](rng_t& r) { return random_octets(r, uniform(r, 1, 40)); });
        check_chunking(cobs_deframer{}, s, rng, false);
    }
    for (const auto mode : {xbee_api_mode::unescaped, xbee_api_mode::escaped}) {
        CAPTURE(static_cast<int>(mode));
        {
            INFO("xbee, noise with and without start delimiters");
            std::vector<std::vector<std::byte>> keep;
            auto s = build(
                rng, 200,
                [&](rng_t& r, std::vector<std::byte>& out) {
                    keep.push_back(random_octets(r, uniform(r, 1, 200)));
                    const xbee_receive_packet p{.source64 = r(), .options = 1, .data = keep.back()};
                    const auto w = xbee_frame(encode_xbee_frame(p), mode).value();
                    out.insert(out.end(), w.begin(), w.end());
                    return keep.back();
                },
                [mode](rng_t& r) {
                    // Mode 2 resynchronises on every 0x7E. Mode 1 searches a false start's octets again,
                    // but a false start whose checksum happens to match (1 in 256) would swallow a good
                    // frame, so its random noise has no 0x7E; false starts are tested by hand.
                    return random_octets(r, uniform(r, 1, 40), mode == xbee_api_mode::escaped);
                });
            check_chunking(xbee_deframer({.mode = mode}), s, rng, false);
        }
    }
}
