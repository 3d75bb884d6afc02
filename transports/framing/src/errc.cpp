// SPDX-License-Identifier: MIT
#include <sngw/framing/deframer.hpp>

#include <ostream>
#include <string>

namespace sngw::framing {

std::string_view to_string(errc e) noexcept
{
    switch (e) {
    case errc::bad_crc:
        return "bad_crc";
    case errc::bad_checksum:
        return "bad_checksum";
    case errc::bad_escape:
        return "bad_escape";
    case errc::bad_block:
        return "bad_block";
    case errc::oversized:
        return "oversized";
    case errc::short_frame:
        return "short_frame";
    case errc::garbage_skipped:
        return "garbage_skipped";
    case errc::truncated:
        return "truncated";
    case errc::bad_length:
        return "bad_length";
    case errc::bad_api_frame:
        return "bad_api_frame";
    case errc::payload_too_large:
        return "payload_too_large";
    case errc::bad_length_field:
        return "bad_length_field";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, errc e)
{
    return os << to_string(e);
}

std::string_view to_string(deframe_status s) noexcept
{
    switch (s) {
    case deframe_status::need_more:
        return "need_more";
    case deframe_status::frame:
        return "frame";
    case deframe_status::other:
        return "other";
    case deframe_status::corrupt:
        return "corrupt";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, deframe_status s)
{
    return os << to_string(s);
}

namespace {

// boost::system::error_category's destructor is protected and non-virtual by design; categories
// are never deleted through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sngw.framing"; }
    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::bad_crc:
            return "CRC-16 trailer does not match";
        case errc::bad_checksum:
            return "XBee API frame checksum does not match";
        case errc::bad_escape:
            return "invalid escape sequence";
        case errc::bad_block:
            return "COBS delimiter inside a block";
        case errc::oversized:
            return "frame exceeds the maximum size";
        case errc::short_frame:
            return "frame too short for its CRC-16 trailer";
        case errc::garbage_skipped:
            return "octets that start no frame were skipped";
        case errc::truncated:
            return "frame interrupted by a start delimiter";
        case errc::bad_length:
            return "XBee API frame length 0";
        case errc::bad_api_frame:
            return "XBee API frame too short for its type";
        case errc::payload_too_large:
            return "payload exceeds the maximum frame size";
        case errc::bad_length_field:
            return "MQTT-SN Length field does not describe the packet";
        }
        return "unknown framing error";
    }
};
#pragma GCC diagnostic pop

} // namespace

const boost::system::error_category& framing_category() noexcept
{
    static const category instance;
    return instance;
}

boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), framing_category()};
}

} // namespace sngw::framing
