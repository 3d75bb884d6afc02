// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/codec.hpp>
#include <sngw/mqtt5/errc.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sngw::mqtt5 {

/// What stream_splitter::next() found.
enum class split_status : std::uint8_t {
    need_more, // no complete packet buffered yet: feed more bytes
    complete,  // `bytes` holds one whole control packet, fixed header included
    corrupt,   // the stream cannot be delimited any further: `error` says why; close the connection
};

struct split_result {
    split_status status = split_status::need_more;
    /// Valid for split_status::complete until the next put() or reset(); successive next() calls do
    /// not invalidate earlier spans.
    std::span<const std::byte> bytes;
    boost::system::error_code error;
};

/// Incremental splitter of a TCP byte stream into whole MQTT control packets: the fixed header's
/// Remaining Length delimits them (MQTT 5.0 §2.1.4). Pure, in the manner of Beast's parser:
/// feed any chunking with put(), take packets with next(), pass each to decode().
///
/// Corruption is detected as soon as the fixed header is complete, before the body arrives:
/// - errc::malformed_varint, errc::overlong_varint: a Remaining Length that is not a valid
///   Variable Byte Integer (§1.5.5) — answer DISCONNECT 0x81;
/// - errc::packet_too_large: a packet above `max_packet_size` — answer DISCONNECT 0x95.
/// Corruption is sticky: after it, put() consumes nothing and next() repeats the error.
/// The splitter does not look at packet types or bodies (decode() does).
/// Memory: buffers at most one incomplete packet plus the complete ones not yet taken. After a large
/// packet the buffer shrinks back (to small_capacity) once what is buffered fits in it again.
/// Thread safety: distinct objects safe; shared objects unsafe.
class stream_splitter {
public:
    explicit stream_splitter(std::uint32_t max_packet_size = max_packet_size_limit) noexcept;

    /// Takes bytes from the stream. Returns how many were consumed: all, unless the stream is
    /// already corrupt (then 0).
    std::size_t put(std::span<const std::byte> bytes);

    /// The next complete packet, need_more, or corrupt.
    split_result next() noexcept;

    /// Sticky error, or a default error_code.
    boost::system::error_code error() const noexcept { return error_; }
    /// Bytes buffered and not yet returned by next().
    std::size_t buffered() const noexcept { return buffer_.size() - start_; }
    /// Bytes allocated for the buffer.
    std::size_t capacity() const noexcept { return buffer_.capacity(); }
    /// What the buffer shrinks back to after a large packet.
    static constexpr std::size_t small_capacity = 16 * 1024;
    /// Forgets everything (a new connection); keeps the maximum.
    void reset() noexcept;
    /// Changes the limit for packets whose header has not been read yet.
    void set_max_packet_size(std::uint32_t max_packet_size) noexcept { max_packet_size_ = max_packet_size; }

private:
    std::vector<std::byte> buffer_;
    std::size_t start_ = 0;
    std::uint32_t max_packet_size_;
    boost::system::error_code error_;
};

} // namespace sngw::mqtt5
