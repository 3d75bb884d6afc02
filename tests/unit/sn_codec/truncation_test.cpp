// SPDX-License-Identifier: MIT
// One loop over both vector tables (house-style §6): every strict prefix of every vector fails
// cleanly with truncated or bad_length_field, and one extra trailing octet fails with
// length_mismatch. Nothing crashes (the sanitizer build runs this too).
#include "support/hex.hpp"
#include "vectors/sn_vectors.hpp"

#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>

#include <doctest/doctest.h>

using namespace sngw;

namespace {

template <class Vectors, class Decode>
void sweep(const Vectors& vectors, Decode decode)
{
    REQUIRE_FALSE(vectors.empty());
    for (const auto& v : vectors) {
        INFO("vector: " << v.name << " = " << test::to_hex(v.wire));
        for (std::size_t n = 0; n < v.wire.size(); ++n) {
            const std::vector<std::byte> prefix(v.wire.begin(), v.wire.begin() + static_cast<std::ptrdiff_t>(n));
            const auto r = decode(prefix);
            INFO("prefix of " << n << " octets");
            REQUIRE(r.has_error());
            CHECK((r.error() == sn::errc::truncated || r.error() == sn::errc::bad_length_field));
        }
        auto longer = v.wire;
        longer.push_back(std::byte{0x00});
        const auto r = decode(longer);
        REQUIRE(r.has_error());
        CHECK(r.error() == sn::errc::length_mismatch);
    }
}

} // namespace

TEST_CASE("every strict prefix of every v1.2 vector is rejected, and so is one extra octet")
{
    sweep(test::sn_v1_2_vectors(), [](std::span<const std::byte> d) { return sn::v1_2::decode(d); });
}

TEST_CASE("every strict prefix of every v2.0 vector is rejected, and so is one extra octet")
{
    sweep(test::sn_v2_0_vectors(), [](std::span<const std::byte> d) { return sn::v2_0::decode(d); });
}
