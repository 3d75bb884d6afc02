// SPDX-License-Identifier: MIT
#include <sngw/sn/errc.hpp>

#include <string>

namespace sngw::sn {
namespace {

// boost::system::error_category's destructor is protected and non-virtual by design; categories
// are never deleted through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "mqtt-sn"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::truncated: return "truncated";
        case errc::length_mismatch: return "length mismatch";
        case errc::bad_length_field: return "bad length field";
        case errc::unknown_msg_type: return "unknown message type";
        case errc::reserved_msg_type: return "reserved message type";
        case errc::reserved_bits: return "reserved bits set";
        case errc::bad_qos: return "bad QoS";
        case errc::bad_topic_type: return "bad topic type";
        case errc::bad_protocol_id: return "bad protocol id";
        case errc::bad_protocol_version: return "bad protocol version";
        case errc::empty_field: return "empty field";
        case errc::bad_field_value: return "bad field value";
        case errc::trailing_octets: return "trailing octets";
        case errc::bad_utf8: return "invalid UTF-8";
        case errc::field_too_long: return "field too long";
        }
        return "unknown mqtt-sn error " + std::to_string(ev);
    }
};
#pragma GCC diagnostic pop

} // namespace

const boost::system::error_category& sn_category() noexcept
{
    static const category instance;
    return instance;
}

boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), sn_category()};
}

} // namespace sngw::sn
