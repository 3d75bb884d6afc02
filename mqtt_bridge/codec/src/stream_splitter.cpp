// SPDX-License-Identifier: MIT
#include <sngw/mqtt5/stream_splitter.hpp>

#include <sngw/mqtt5/varint.hpp>

namespace sngw::mqtt5 {

stream_splitter::stream_splitter(std::uint32_t max_packet_size) noexcept : max_packet_size_(max_packet_size)
{}

std::size_t stream_splitter::put(std::span<const std::byte> bytes)
{
    if (error_) return 0;
    // Spans handed out by next() point into buffer_; they are invalidated here, so this is the
    // place to drop what they covered.
    if (start_ != 0) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
    // One large packet must not pin its capacity for the connection's life: shrink back once the
    // data fits a small buffer again.
    if (buffer_.capacity() > small_capacity && buffer_.size() + bytes.size() <= small_capacity) {
        std::vector<std::byte> smaller;
        smaller.reserve(small_capacity);
        smaller.assign(buffer_.begin(), buffer_.end());
        buffer_.swap(smaller);
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    return bytes.size();
}

split_result stream_splitter::next() noexcept
{
    if (error_) return {split_status::corrupt, {}, error_};
    const std::span<const std::byte> pending{buffer_.data() + start_, buffer_.size() - start_};
    if (pending.size() < 2) return {};
    // MQTT 5.0 §2.1.4 Remaining Length, a Variable Byte Integer after the first byte.
    auto length = decode_varint(pending.subspan(1));
    if (!length) {
        if (length.error() == errc::truncated) return {};
        error_ = length.error();
        return {split_status::corrupt, {}, error_};
    }
    const std::uint64_t total = 1u + length->size + std::uint64_t{length->value};
    // MQTT 5.0 §3.1.2.11.4 Maximum Packet Size: refuse before buffering the body.
    if (total > max_packet_size_) {
        error_ = errc::packet_too_large;
        return {split_status::corrupt, {}, error_};
    }
    if (pending.size() < total) return {};
    const auto size = static_cast<std::size_t>(total);
    start_ += size;
    return {split_status::complete, pending.first(size), {}};
}

void stream_splitter::reset() noexcept
{
    if (buffer_.capacity() > small_capacity)
        std::vector<std::byte>{}.swap(buffer_);
    else
        buffer_.clear();
    start_ = 0;
    error_ = {};
}

} // namespace sngw::mqtt5
