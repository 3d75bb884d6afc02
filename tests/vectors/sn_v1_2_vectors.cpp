// SPDX-License-Identifier: MIT
// PLACEHOLDER
#include "sn_vectors.hpp"
namespace sngw::test {
const std::vector<sn_v1_2_vector>& sn_v1_2_vectors() { static const std::vector<sn_v1_2_vector> v; return v; }
}
