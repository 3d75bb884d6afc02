// SPDX-License-Identifier: MIT
#include <sngw/core/errc.hpp>

#include <string>

namespace sngw::core {
namespace {

// boost::system::error_category's destructor is protected and non-virtual by design; categories
// are never deleted through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sngw.core"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::datagram_too_large:
            return "datagram too large";
        case errc::no_session:
            return "no session";
        case errc::unexpected_message:
            return "unexpected message";
        case errc::unknown_topic:
            return "unknown topic id";
        case errc::unknown_client:
            return "unknown client";
        case errc::own_advertisement:
            return "gateway discovery message from a gateway";
        case errc::client_limit:
            return "client limit reached";
        case errc::topic_limit:
            return "topic limit reached";
        case errc::buffer_full:
            return "buffer full";
        case errc::invalid_client_id:
            return "invalid client id";
        case errc::message_too_large:
            return "message too large for the datagram size";
        case errc::broker_unavailable:
            return "broker unavailable";
        case errc::retries_exhausted:
            return "retries exhausted";
        case errc::keep_alive_expired:
            return "keep-alive expired";
        }
        return "unknown sngw.core error " + std::to_string(ev);
    }
};
#pragma GCC diagnostic pop

} // namespace

const boost::system::error_category& core_category() noexcept
{
    static const category instance;
    return instance;
}

boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), core_category()};
}

} // namespace sngw::core
