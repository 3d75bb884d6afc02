// SPDX-License-Identifier: MIT
// Decode with both versions; what decodes must re-encode to something that decodes to the same
// message, with encoded_size() telling the truth. Also runs the first-contact classifier and the
// field walkers, so every decoded message is printed once (operator<< and JSON).
#include "fuzz_seeds.hpp"

#include "vectors/sn_vectors.hpp"

#include <sngw/sn/classify.hpp>
#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>

#include <cstdlib>
#include <sstream>

namespace {

template <class Message, class Decode, class Encode, class Size>
void round_trip(std::span<const std::byte> in, Decode decode, Encode encode, Size encoded_size)
{
    auto first = decode(in);
    if (!first)
        return;
    auto wire = encode(*first);
    if (!wire)
        return;   // too large to encode is a legal outcome; decode never produces one today
    if (wire->size() != encoded_size(*first))
        std::abort();
    auto second = decode(*wire);
    if (!second || !(*second == *first))
        std::abort();
    std::ostringstream text;
    text << *first;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::byte> in{reinterpret_cast<const std::byte*>(data), size};
    (void)sngw::sn::classify_first_contact(in);
    round_trip<sngw::sn::v1_2::message>(
        in, [](auto d) { return sngw::sn::v1_2::decode(d); }, [](const auto& m) { return sngw::sn::v1_2::encode(m); },
        [](const auto& m) { return sngw::sn::v1_2::encoded_size(m); });
    round_trip<sngw::sn::v2_0::message>(
        in, [](auto d) { return sngw::sn::v2_0::decode(d); }, [](const auto& m) { return sngw::sn::v2_0::encode(m); },
        [](const auto& m) { return sngw::sn::v2_0::encoded_size(m); });
    if (auto m = sngw::sn::v1_2::decode(in))
        (void)sngw::sn::v1_2::to_json(*m);
    if (auto m = sngw::sn::v2_0::decode(in))
        (void)sngw::sn::v2_0::to_json(*m);
    return 0;
}

std::vector<std::vector<std::byte>> sngw_fuzz_seeds()
{
    std::vector<std::vector<std::byte>> seeds;
    auto add = [&](const auto& vectors) {
        for (const auto& v : vectors) {
            for (std::size_t n = 0; n <= v.wire.size(); ++n)
                seeds.emplace_back(v.wire.begin(), v.wire.begin() + static_cast<std::ptrdiff_t>(n));
            auto longer = v.wire;
            longer.push_back(std::byte{0});
            seeds.push_back(longer);
        }
    };
    add(sngw::test::sn_v1_2_vectors());
    add(sngw::test::sn_v2_0_vectors());
    return seeds;
}
