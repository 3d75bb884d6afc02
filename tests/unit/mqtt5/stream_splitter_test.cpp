// SPDX-License-Identifier: MIT
// The splitter yields the same packets whatever the chunking ("send 1 byte per each read").
#include "test_print.hpp"

#include "support/hex.hpp"
#include "vectors/mqtt5/mqtt5_vectors.hpp"

#include <sngw/mqtt5/stream_splitter.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <random>

using namespace sngw;
using namespace sngw::mqtt5;
using test::hex;
using test::to_hex;

namespace {

std::vector<std::byte> whole_stream()
{
    std::vector<std::byte> out;
    for (const auto& v : test::mqtt5_vectors())
        out.insert(out.end(), v.wire.begin(), v.wire.end());
    return out;
}

std::vector<std::vector<std::byte>> expected_packets()
{
    std::vector<std::vector<std::byte>> out;
    for (const auto& v : test::mqtt5_vectors())
        out.push_back(v.wire);
    return out;
}

// Feeds `stream` in chunks of the sizes `next_chunk` returns; collects every packet.
template <class Chunker>
std::vector<std::vector<std::byte>> split(const std::vector<std::byte>& stream, Chunker next_chunk)
{
    stream_splitter s;
    std::vector<std::vector<std::byte>> packets;
    std::size_t pos = 0;
    while (pos < stream.size()) {
        const std::size_t n = std::min(next_chunk(), stream.size() - pos);
        CHECK(s.put(std::span{stream}.subspan(pos, n)) == n);
        pos += n;
        for (;;) {
            auto r = s.next();
            REQUIRE(r.status != split_status::corrupt);
            if (r.status == split_status::need_more) break;
            packets.emplace_back(r.bytes.begin(), r.bytes.end());
            CHECK(decode(r.bytes));
        }
    }
    CHECK(s.buffered() == 0);
    return packets;
}

std::uint64_t seed_from_env()
{
    if (const char* s = std::getenv("SNGW_SEED")) return std::strtoull(s, nullptr, 0);
    return std::random_device{}();
}

} // namespace

TEST_CASE("the splitter fed one byte at a time yields every vector")
{
    CHECK(split(whole_stream(), [] { return std::size_t{1}; }) == expected_packets());
}

TEST_CASE("the splitter fed the whole stream at once yields every vector")
{
    const auto stream = whole_stream();
    CHECK(split(stream, [&] { return stream.size(); }) == expected_packets());
}

TEST_CASE("the splitter fed random chunks yields every vector")
{
    const std::uint64_t seed = seed_from_env();
    MESSAGE("SNGW_SEED=" << seed);
    std::mt19937_64 rng{seed};
    const auto stream = whole_stream();
    for (int round = 0; round < 50; ++round) {
        std::uniform_int_distribution<std::size_t> size(1, round < 25 ? 8 : 4096);
        CHECK(split(stream, [&] { return size(rng); }) == expected_packets());
    }
}

TEST_CASE("spans from several next() calls stay valid until the next put()")
{
    stream_splitter s;
    s.put(hex("c0 00 d0 00 40 02 00 07 e0"));
    auto a = s.next();
    auto b = s.next();
    auto c = s.next();
    auto d = s.next();
    REQUIRE(a.status == split_status::complete);
    REQUIRE(b.status == split_status::complete);
    REQUIRE(c.status == split_status::complete);
    CHECK(d.status == split_status::need_more);
    CHECK(to_hex({a.bytes.begin(), a.bytes.end()}) == "c0 00");
    CHECK(to_hex({b.bytes.begin(), b.bytes.end()}) == "d0 00");
    CHECK(to_hex({c.bytes.begin(), c.bytes.end()}) == "40 02 00 07");
    CHECK(s.buffered() == 1);
    s.put(hex("00"));
    auto e = s.next();
    REQUIRE(e.status == split_status::complete);
    CHECK(to_hex({e.bytes.begin(), e.bytes.end()}) == "e0 00");
}

TEST_CASE("a Remaining Length of 5 bytes makes the stream corrupt, and it stays corrupt")
{
    stream_splitter s;
    s.put(hex("c0 00 30 ff ff ff"));
    CHECK(s.next().status == split_status::complete);
    CHECK(s.next().status == split_status::need_more); // 4 length bytes may still end well
    s.put(hex("ff"));
    auto r = s.next();
    CHECK(r.status == split_status::corrupt);
    CHECK(r.error == errc::malformed_varint);
    CHECK(s.put(hex("c0 00")) == 0);
    CHECK(s.next().error == errc::malformed_varint);
    CHECK(s.error() == errc::malformed_varint);
    s.reset();
    s.put(hex("c0 00"));
    CHECK(s.next().status == split_status::complete);
}

TEST_CASE("a Remaining Length not in its shortest form makes the stream corrupt")
{
    stream_splitter s;
    s.put(hex("c0 80 00"));
    auto r = s.next();
    CHECK(r.status == split_status::corrupt);
    CHECK(r.error == errc::overlong_varint);
}

TEST_CASE("a packet above the maximum is refused from its header, before its body arrives")
{
    stream_splitter s{100};
    s.put(hex("30 62")); // PUBLISH, Remaining Length 98: 100 bytes in all
    CHECK(s.next().status == split_status::need_more);
    s.reset();
    s.put(hex("30 63")); // Remaining Length 99: 101 bytes
    auto r = s.next();
    CHECK(r.status == split_status::corrupt);
    CHECK(r.error == errc::packet_too_large);

    stream_splitter big{1000};
    big.put(hex("30 80 80 80 01")); // 268 MB announced
    CHECK(big.next().error == errc::packet_too_large);
}

TEST_CASE("a packet exactly at the maximum passes the splitter")
{
    const auto& v = test::mqtt5_vectors();
    for (const auto& vec : v) {
        stream_splitter s{static_cast<std::uint32_t>(vec.wire.size())};
        s.put(vec.wire);
        auto r = s.next();
        CHECK(r.status == split_status::complete);
        CHECK(r.bytes.size() == vec.wire.size());
    }
}

TEST_CASE("the splitter leaves bodies to decode: a bad packet type still splits")
{
    stream_splitter s;
    s.put(hex("00 01 ff c0 00"));
    auto r = s.next();
    REQUIRE(r.status == split_status::complete);
    CHECK(decode(r.bytes).error() == errc::reserved_packet_type);
    CHECK(s.next().status == split_status::complete);
}

TEST_CASE("after a large packet the splitter's buffer shrinks back to a small capacity")
{
    stream_splitter s;
    // PUBLISH QoS 0: topic "t", no properties, 200,000 payload bytes.
    std::vector<std::byte> big = hex("30 c4 9a 0c" // PUBLISH QoS 0, Remaining Length 200,004
                                     "00 01 74"    // Topic Name "t"
                                     "00");        // Property Length 0
    big.resize(big.size() + 200'000, std::byte{0x61});
    s.put(big);
    auto r = s.next();
    REQUIRE(r.status == split_status::complete);
    CHECK(r.bytes.size() == big.size());
    CHECK(s.capacity() >= big.size());

    const auto ping = hex("d0 00"); // PINGRESP
    s.put(ping);
    CHECK(s.capacity() <= stream_splitter::small_capacity);
    r = s.next();
    REQUIRE(r.status == split_status::complete);
    CHECK(std::vector<std::byte>(r.bytes.begin(), r.bytes.end()) == ping);

    s.put(big); // and again, then a reset() releases it
    s.reset();
    CHECK(s.capacity() <= stream_splitter::small_capacity);
}
