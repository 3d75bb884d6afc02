// SPDX-License-Identifier: MIT
#include <sngw/framing/slip.hpp>

#include "crc_trailer.hpp"

namespace sngw::framing {

namespace {

// RFC 1055 "A Nonstandard for Transmission of IP Datagrams over Serial Lines: SLIP".
constexpr std::byte end{0xC0};
constexpr std::byte esc{0xDB};
constexpr std::byte esc_end{0xDC};
constexpr std::byte esc_esc{0xDD};

void put_escaped(std::byte b, std::vector<std::byte>& out)
{
    if (b == end) {
        out.push_back(esc);
        out.push_back(esc_end);
    } else if (b == esc) {
        out.push_back(esc);
        out.push_back(esc_esc);
    } else {
        out.push_back(b);
    }
}

} // namespace

slip_deframer::slip_deframer(slip_options options) : options_(options) {}

put_result slip_deframer::put(std::span<const std::byte> in)
{
    if (complete_) {
        buffer_.clear();
        complete_ = false;
    }
    std::size_t used = 0;
    while (used < in.size()) {
        const std::byte b = in[used++];
        ++counters_.bytes_in;
        if (auto r = step(b)) {
            r->consumed = used;
            return *r;
        }
    }
    return {used, deframe_status::need_more, {}};
}

std::optional<put_result> slip_deframer::step(std::byte b)
{
    if (b == end) {
        if (discarding_) {
            discarding_ = false;
            raw_octets_ = 0;
            return std::nullopt;
        }
        if (escaped_) return corrupt(errc::bad_escape); // ESC END: the END still ends the frame
        if (raw_octets_ == 0) return std::nullopt;      // leading END or END END: no frame
        if (options_.crc) {
            if (buffer_.size() < detail::crc_size) return corrupt(errc::short_frame);
            if (!detail::crc_matches(buffer_)) return corrupt(errc::bad_crc);
            buffer_.resize(buffer_.size() - detail::crc_size);
        }
        raw_octets_ = 0;
        complete_ = true;
        ++counters_.frames;
        return put_result{0, deframe_status::frame, {}};
    }

    ++raw_octets_;
    if (discarding_) {
        ++counters_.bytes_skipped;
        return std::nullopt;
    }
    if (escaped_) {
        escaped_ = false;
        if (b == esc_end) {
            buffer_.push_back(end);
        } else if (b == esc_esc) {
            buffer_.push_back(esc);
        } else {
            discarding_ = true;
            return corrupt(errc::bad_escape);
        }
    } else if (b == esc) {
        escaped_ = true;
        return std::nullopt;
    } else {
        buffer_.push_back(b);
    }
    if (buffer_.size() > options_.max_frame_size + (options_.crc ? detail::crc_size : 0)) {
        discarding_ = true;
        return corrupt(errc::oversized);
    }
    return std::nullopt;
}

put_result slip_deframer::corrupt(errc e)
{
    counters_.bytes_skipped += raw_octets_;
    ++counters_.corrupt[static_cast<std::size_t>(e)];
    buffer_.clear();
    raw_octets_ = 0;
    escaped_ = false;
    return {0, deframe_status::corrupt, e};
}

std::span<const std::byte> slip_deframer::frame() const noexcept
{
    if (!complete_) return {};
    return buffer_;
}

void slip_deframer::reset() noexcept
{
    buffer_.clear();
    raw_octets_ = 0;
    escaped_ = false;
    discarding_ = false;
    complete_ = false;
}

boost::system::result<std::vector<std::byte>> slip_frame(std::span<const std::byte> payload,
                                                         const slip_options& options)
{
    if (payload.size() > options.max_frame_size) return errc::payload_too_large;
    std::vector<std::byte> out;
    out.reserve(2 * (payload.size() + detail::crc_size) + 2);
    if (options.leading_end) out.push_back(end);
    for (std::byte b : payload)
        put_escaped(b, out);
    if (options.crc) {
        std::vector<std::byte> trailer;
        detail::append_crc(payload, trailer);
        for (std::byte b : trailer)
            put_escaped(b, out);
    }
    out.push_back(end);
    return out;
}

} // namespace sngw::framing
