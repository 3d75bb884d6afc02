// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/sn/v1_2/messages.hpp>
#include <sngw/sn/v2_0/messages.hpp>

#include <cstddef>
#include <string_view>
#include <vector>

namespace sngw::test {

/// One byte-exact vector: the wire form (shortest Length form unless the name says otherwise)
/// and the message it decodes to. `encodes_back` is false for vectors that use the 3-octet
/// Length form for a short message: they decode, but encode() writes the short form.
template <class Message>
struct sn_vector {
    std::string_view name;
    std::vector<std::byte> wire;
    Message value;
    bool encodes_back = true;
};

using sn_v1_2_vector = sn_vector<sn::v1_2::message>;
using sn_v2_0_vector = sn_vector<sn::v2_0::message>;

/// Every message type of the version at least once, the spec's own examples, both Length forms.
const std::vector<sn_v1_2_vector>& sn_v1_2_vectors();
const std::vector<sn_v2_0_vector>& sn_v2_0_vectors();

} // namespace sngw::test
