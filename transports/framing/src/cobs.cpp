// SPDX-License-Identifier: MIT
#include <sngw/framing/cobs.hpp>

#include "crc_trailer.hpp"

namespace sngw::framing {

namespace {

constexpr std::byte delimiter{0x00};
constexpr unsigned full_block = 0xFF; // code of a block of 254 octets with no zero after it

} // namespace

cobs_deframer::cobs_deframer(cobs_options options) : options_(options) {}

put_result cobs_deframer::put(std::span<const std::byte> in)
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

void cobs_deframer::start_frame() noexcept
{
    raw_octets_ = 0;
    block_left_ = 0;
    pending_zero_ = false;
}

std::optional<put_result> cobs_deframer::step(std::byte b)
{
    if (b == delimiter) {
        if (discarding_) {
            discarding_ = false;
            start_frame();
            return std::nullopt;
        }
        if (raw_octets_ == 0) return std::nullopt; // leading or repeated delimiter: no frame
        if (block_left_ != 0) return corrupt(errc::bad_block);
        // The zero the last block stands for is the implied one: dropped (pending_zero_).
        if (options_.crc) {
            if (buffer_.size() < detail::crc_size) return corrupt(errc::short_frame);
            if (!detail::crc_matches(buffer_)) return corrupt(errc::bad_crc);
            buffer_.resize(buffer_.size() - detail::crc_size);
        }
        start_frame();
        complete_ = true;
        ++counters_.frames;
        return put_result{0, deframe_status::frame, {}};
    }

    ++raw_octets_;
    if (discarding_) {
        ++counters_.bytes_skipped;
        return std::nullopt;
    }
    if (block_left_ == 0) {
        // A code octet: the previous block, if it was not full, stood for a zero that is now known
        // not to be the implied last one.
        if (pending_zero_) buffer_.push_back(delimiter);
        const unsigned code = std::to_integer<unsigned>(b);
        block_left_ = code - 1;
        pending_zero_ = code != full_block;
    } else {
        buffer_.push_back(b);
        --block_left_;
    }
    if (buffer_.size() > options_.max_frame_size + (options_.crc ? detail::crc_size : 0)) {
        discarding_ = true;
        return corrupt(errc::oversized);
    }
    return std::nullopt;
}

put_result cobs_deframer::corrupt(errc e)
{
    counters_.bytes_skipped += raw_octets_;
    ++counters_.corrupt[static_cast<std::size_t>(e)];
    buffer_.clear();
    start_frame();
    return {0, deframe_status::corrupt, e};
}

std::span<const std::byte> cobs_deframer::frame() const noexcept
{
    if (!complete_) return {};
    return buffer_;
}

void cobs_deframer::reset() noexcept
{
    buffer_.clear();
    start_frame();
    discarding_ = false;
    complete_ = false;
}

boost::system::result<std::vector<std::byte>> cobs_frame(std::span<const std::byte> payload,
                                                         const cobs_options& options)
{
    if (payload.size() > options.max_frame_size) return errc::payload_too_large;
    std::vector<std::byte> data(payload.begin(), payload.end());
    if (options.crc) detail::append_crc(payload, data);

    std::vector<std::byte> out;
    out.reserve(data.size() + data.size() / 254 + 3);
    if (options.leading_delimiter) out.push_back(delimiter);
    std::size_t code_at = out.size();
    out.push_back(std::byte{0}); // the code of the first block, written when the block ends
    unsigned code = 1;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == delimiter) {
            out[code_at] = static_cast<std::byte>(code);
            code_at = out.size();
            out.push_back(std::byte{0});
            code = 1;
            continue;
        }
        out.push_back(data[i]);
        if (++code == full_block && i + 1 < data.size()) {
            // A full block implies no zero: the next octet starts a new block.
            out[code_at] = static_cast<std::byte>(code);
            code_at = out.size();
            out.push_back(std::byte{0});
            code = 1;
        }
    }
    out[code_at] = static_cast<std::byte>(code);
    out.push_back(delimiter);
    return out;
}

} // namespace sngw::framing
