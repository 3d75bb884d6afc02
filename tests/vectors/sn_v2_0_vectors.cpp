// SPDX-License-Identifier: MIT
// PLACEHOLDER
#include "sn_vectors.hpp"
namespace sngw::test {
const std::vector<sn_v2_0_vector>& sn_v2_0_vectors() { static const std::vector<sn_v2_0_vector> v; return v; }
}
