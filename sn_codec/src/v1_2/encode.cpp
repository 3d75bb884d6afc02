// SPDX-License-Identifier: MIT
// PLACEHOLDER
#include <sngw/sn/v1_2/codec.hpp>
namespace sngw::sn::v1_2 {
boost::system::result<std::size_t> encode(const message&, std::vector<std::byte>&) { return errc::field_too_long; }
boost::system::result<std::vector<std::byte>> encode(const message&) { return errc::field_too_long; }
std::size_t encoded_size(const message&) noexcept { return 0; }
}
