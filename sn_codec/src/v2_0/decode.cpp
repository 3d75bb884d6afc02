// SPDX-License-Identifier: MIT
// PLACEHOLDER
#include <sngw/sn/v2_0/codec.hpp>
namespace sngw::sn::v2_0 {
boost::system::result<message> decode(std::span<const std::byte>) noexcept { return errc::unknown_msg_type; }
}
