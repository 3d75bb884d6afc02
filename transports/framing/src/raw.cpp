// SPDX-License-Identifier: MIT
#include <sngw/framing/raw.hpp>

namespace sngw::framing {

namespace {

unsigned octet(std::byte b) noexcept
{
    return std::to_integer<unsigned>(b);
}

// MQTT-SN v1.2 §5.2.1: the 3-octet form starts with 0x01 and is meant for packets of 256 octets
// and more; a packet is at least Length + MsgType, i.e. 2 octets (1-octet form) or 4 (3-octet form).
constexpr std::size_t long_form_marker = 0x01;
constexpr std::size_t min_short_form = 2;
constexpr std::size_t min_long_form_lenient = 4;
constexpr std::size_t min_long_form_strict = 256;

std::size_t min_long_form(const raw_options& o) noexcept
{
    return o.accept_short_long_form ? min_long_form_lenient : min_long_form_strict;
}

} // namespace

raw_deframer::raw_deframer(raw_options options) : options_(options)
{
    if (options_.max_frame_size > max_mqttsn_packet) options_.max_frame_size = max_mqttsn_packet;
    replay_.reserve(4);
}

put_result raw_deframer::put(std::span<const std::byte> in)
{
    if (complete_) {
        buffer_.clear();
        complete_ = false;
    }
    std::size_t used = 0;
    for (;;) {
        std::byte b;
        if (replay_pos_ < replay_.size()) {
            b = replay_[replay_pos_++];
        } else if (used < in.size()) {
            b = in[used++];
            ++counters_.bytes_in;
        } else {
            return {used, deframe_status::need_more, {}};
        }
        if (auto r = step(b)) {
            r->consumed = used;
            return *r;
        }
    }
}

std::optional<put_result> raw_deframer::step(std::byte b)
{
    buffer_.push_back(b);
    if (need_ != 0) {
        if (buffer_.size() < need_) return std::nullopt;
        complete_ = true;
        need_ = 0;
        ++counters_.frames;
        return put_result{0, deframe_status::frame, {}};
    }

    // Reading a Length field.
    std::size_t length = 0;
    bool decided = true;
    if (octet(buffer_[0]) == long_form_marker) {
        if (min_long_form(options_) > options_.max_frame_size)
            length = 0; // no 3-octet Length can be valid: reject at once
        else if (buffer_.size() < 3)
            decided = false;
        else
            length = octet(buffer_[1]) << 8 | octet(buffer_[2]);
    } else {
        length = octet(buffer_[0]);
    }
    if (!decided) return std::nullopt;

    if (!valid_length(length)) {
        // Skip the first octet; the ones after it may start a packet. They go back in front of
        // whatever is still waiting to be replayed.
        ++garbage_run_;
        ++counters_.bytes_skipped;
        if (buffer_.size() > 1) {
            std::vector<std::byte> again(buffer_.begin() + 1, buffer_.end());
            again.insert(again.end(), replay_.begin() + static_cast<std::ptrdiff_t>(replay_pos_),
                         replay_.end());
            replay_ = std::move(again);
            replay_pos_ = 0;
        }
        buffer_.clear();
        return std::nullopt;
    }

    need_ = length;
    if (garbage_run_ != 0) {
        garbage_run_ = 0;
        ++counters_.corrupt[static_cast<std::size_t>(errc::garbage_skipped)];
        return put_result{0, deframe_status::corrupt, errc::garbage_skipped};
    }
    return std::nullopt;
}

bool raw_deframer::valid_length(std::size_t length) const noexcept
{
    const bool long_form = octet(buffer_[0]) == long_form_marker;
    const std::size_t min = long_form ? min_long_form(options_) : min_short_form;
    return length >= min && length <= options_.max_frame_size;
}

std::span<const std::byte> raw_deframer::frame() const noexcept
{
    if (!complete_) return {};
    return buffer_;
}

void raw_deframer::reset() noexcept
{
    buffer_.clear();
    need_ = 0;
    replay_.clear();
    replay_pos_ = 0;
    garbage_run_ = 0;
    complete_ = false;
}

boost::system::result<std::vector<std::byte>> raw_frame(std::span<const std::byte> packet,
                                                        const raw_options& options)
{
    const std::size_t max =
        options.max_frame_size < max_mqttsn_packet ? options.max_frame_size : max_mqttsn_packet;
    if (packet.size() > max) return errc::payload_too_large;
    if (packet.size() < min_short_form) return errc::bad_length_field;
    std::size_t length = octet(packet[0]);
    std::size_t min = min_short_form;
    if (length == long_form_marker) {
        if (packet.size() < 3) return errc::bad_length_field;
        length = octet(packet[1]) << 8 | octet(packet[2]);
        min = min_long_form(options);
    }
    if (length < min || length != packet.size()) return errc::bad_length_field;
    return std::vector<std::byte>(packet.begin(), packet.end());
}

} // namespace sngw::framing
