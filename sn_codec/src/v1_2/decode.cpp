// SPDX-License-Identifier: MIT
// PLACEHOLDER
#include <sngw/sn/v1_2/codec.hpp>
namespace sngw::sn::v1_2 {
boost::system::result<message> decode(std::span<const std::byte>) noexcept { return errc::unknown_msg_type; }
}
