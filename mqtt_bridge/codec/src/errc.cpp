// SPDX-License-Identifier: MIT
#include <sngw/mqtt5/errc.hpp>

#include <string>

namespace sngw::mqtt5 {
namespace {

// boost::system::error_category's destructor is protected and non-virtual by design; categories
// are never deleted through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "mqtt5"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::truncated:
            return "truncated";
        case errc::trailing_bytes:
            return "trailing bytes after the packet";
        case errc::leftover_bytes:
            return "bytes left after the last field";
        case errc::malformed_varint:
            return "variable byte integer longer than 4 bytes";
        case errc::overlong_varint:
            return "variable byte integer not in its shortest form";
        case errc::reserved_packet_type:
            return "reserved packet type";
        case errc::bad_header_flags:
            return "bad fixed header flags";
        case errc::bad_qos:
            return "QoS 3";
        case errc::dup_with_qos0:
            return "DUP set on a QoS 0 PUBLISH";
        case errc::zero_packet_id:
            return "packet identifier 0";
        case errc::bad_protocol_name:
            return "protocol name is not MQTT";
        case errc::bad_protocol_version:
            return "protocol version is not 5";
        case errc::bad_connect_flags:
            return "CONNECT reserved flag set";
        case errc::will_flags_without_will:
            return "will QoS or retain without will flag";
        case errc::bad_connack_flags:
            return "bad CONNACK acknowledge flags";
        case errc::bad_reason_code:
            return "reason code not defined for the packet type";
        case errc::no_topic_filters:
            return "no topic filter";
        case errc::no_reason_codes:
            return "no reason code";
        case errc::bad_subscription_options:
            return "bad subscription options";
        case errc::bad_retain_handling:
            return "retain handling 3";
        case errc::bad_utf8:
            return "invalid UTF-8 string";
        case errc::wildcard_in_topic_name:
            return "wildcard in a topic name";
        case errc::empty_topic_name:
            return "empty topic name without topic alias";
        case errc::bad_topic_filter:
            return "bad topic filter";
        case errc::unknown_property:
            return "unknown property identifier";
        case errc::property_not_allowed:
            return "property not allowed in this packet";
        case errc::duplicate_property:
            return "property given twice";
        case errc::bad_property_value:
            return "bad property value";
        case errc::bad_property_length:
            return "property runs past the property length";
        case errc::auth_data_without_method:
            return "authentication data without authentication method";
        case errc::packet_too_large:
            return "packet too large";
        case errc::field_too_long:
            return "field too long";
        }
        return "unknown mqtt5 error " + std::to_string(ev);
    }
};
#pragma GCC diagnostic pop

} // namespace

const boost::system::error_category& mqtt5_category() noexcept
{
    static const category instance;
    return instance;
}

boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), mqtt5_category()};
}

} // namespace sngw::mqtt5
