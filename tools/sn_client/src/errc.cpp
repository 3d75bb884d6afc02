// SPDX-License-Identifier: MIT
#include <sngw/sn_client/errc.hpp>

#include <string>

namespace sngw::sn_client {
namespace {

// boost::system::error_category's destructor is protected and non-virtual by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sn-client"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::timeout:
            return "no answer from the gateway in time";
        case errc::disconnected:
            return "the gateway sent DISCONNECT";
        case errc::bad_address:
            return "bad gateway address";
        case errc::encode_failed:
            return "message cannot be encoded";
        case errc::invalid_argument:
            return "invalid argument";
        }
        return "unknown sn-client error " + std::to_string(ev);
    }
};
#pragma GCC diagnostic pop

} // namespace

const boost::system::error_category& sn_client_category() noexcept
{
    static const category instance;
    return instance;
}

boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), sn_client_category()};
}

} // namespace sngw::sn_client
