// SPDX-License-Identifier: MIT
// Work in progress.
#include <sngw/mqtt5/io.hpp>

#include <ostream>

namespace sngw::mqtt5 {

std::ostream& operator<<(std::ostream& os, const packet& p) { return os << to_string(type_of(p)); }

} // namespace sngw::mqtt5
