// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/framing/deframer.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sngw::framing {

struct cobs_options {
    /// Largest payload (one MQTT-SN packet) accepted, CRC trailer excluded.
    std::size_t max_frame_size = max_mqttsn_packet;
    /// A CRC-16/CCITT-FALSE trailer (crc16.hpp), big-endian, appended to the payload before
    /// stuffing. Off for devices that send none.
    bool crc = true;
    /// Framer: send 0x00 before the frame too, so that line noise before it forms a frame of its own
    /// instead of corrupting this one (SLIP's leading END, applied to COBS). Off by default because
    /// COBS frames conventionally end with the delimiter only and some device decoders count an
    /// empty frame as an error; the deframer here ignores empty frames.
    bool leading_delimiter = false;
};

/// COBS, Consistent Overhead Byte Stuffing (Cheshire and Baker, IEEE/ACM Transactions on
/// Networking, 1999), with 0x00 as the frame delimiter. The data (payload [CRC hi CRC lo]) is sent as
/// blocks: a code octet n (1..255) followed by n-1 non-zero octets; a block with n < 255 stands for
/// its octets followed by a zero, except that the zero after the last block is implied and dropped.
/// No 0x00 remains, so 0x00 ends the frame: stuff(data) 0x00. The overhead is at most one octet
/// per 254. The framer ends a frame whose last block is a full 255 block without an empty 0x01
/// block after it; the deframer accepts both.
///
/// Deframer rules:
///   - 0x00 with nothing before it is ignored (a leading or repeated delimiter): no empty frames;
///   - 0x00 while a block still expects octets is corrupt(bad_block);
///   - more than max_frame_size (+2 with CRC) decoded octets is corrupt(oversized), reported as soon
///     as the limit is passed; the rest up to 0x00 is discarded;
///   - with CRC: fewer than 2 decoded octets is corrupt(short_frame), a mismatch corrupt(bad_crc).
/// 0x00 is the resynchronisation point: after any error the next frame starts after it. Without
/// CRC, noise that happens to form valid blocks is delivered as a frame.
///
/// frame(): the payload, CRC trailer removed. Events: frame, corrupt. Never other.
/// bytes_skipped counts the octets of corrupt frames (the delimiter excluded).
/// Memory: at most max_frame_size + 2 octets.
/// Thread safety: distinct objects safe; shared objects unsafe.
class cobs_deframer {
public:
    explicit cobs_deframer(cobs_options options = {});

    put_result put(std::span<const std::byte> in);
    std::span<const std::byte> frame() const noexcept;
    const deframer_counters& counters() const noexcept { return counters_; }
    std::size_t max_frame_size() const noexcept { return options_.max_frame_size; }
    /// Octets held for the frame in progress (or the last one returned).
    std::size_t buffered() const noexcept { return buffer_.size(); }
    /// Forgets any partial frame (a reopened port); keeps the counters.
    void reset() noexcept;

private:
    std::optional<put_result> step(std::byte b);
    put_result corrupt(errc e);
    void start_frame() noexcept;

    cobs_options options_;
    deframer_counters counters_;
    std::vector<std::byte> buffer_; // decoded octets of the frame being read
    std::size_t raw_octets_ = 0;    // octets of the frame being read, as received (delimiter excluded)
    unsigned block_left_ = 0;       // data octets still expected in the current block; 0: a code is next
    bool pending_zero_ = false;     // the block just ended stands for a zero, unless the frame ends
    bool discarding_ = false;       // after an error: drop everything up to 0x00
    bool complete_ = false;         // buffer_ holds the frame returned by the last put()
};

/// The COBS framing of `payload`, delimiter included.
/// Errors: payload_too_large above max_frame_size.
boost::system::result<std::vector<std::byte>> cobs_frame(std::span<const std::byte> payload,
                                                         const cobs_options& options = {});

static_assert(deframer<cobs_deframer>);

} // namespace sngw::framing
