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

struct slip_options {
    /// Largest payload (one MQTT-SN packet) accepted, CRC trailer excluded.
    std::size_t max_frame_size = max_mqttsn_packet;
    /// A CRC-16/CCITT-FALSE trailer (crc16.hpp), big-endian, after the payload and inside the
    /// escaping. Off for devices that send none.
    bool crc = true;
    /// Framer: send END before the frame too, which RFC 1055 recommends so that line noise before
    /// the frame ends up in a frame of its own (rejected by the CRC) instead of in this one.
    bool leading_end = true;
};

/// SLIP (RFC 1055): END 0xC0 ends a frame; inside it 0xC0 is sent as ESC 0xDB + ESC_END 0xDC and
/// 0xDB as ESC 0xDB + ESC_ESC 0xDD. A frame is [END] escape(payload [CRC hi CRC lo]) END.
///
/// Deframer rules:
///   - END with nothing before it is ignored (a leading END, or END END), so empty frames never reach
///     the caller (an MQTT-SN packet is never empty);
///   - ESC followed by anything but ESC_END or ESC_ESC is corrupt(bad_escape): RFC 1055 leaves that
///     case open, and a corrupted octet is the likely cause; the rest up to END is discarded;
///   - more than max_frame_size (+2 with CRC) octets before END is corrupt(oversized), reported as
///     soon as the limit is passed; the rest up to END is discarded;
///   - with CRC: fewer than 2 octets is corrupt(short_frame), a mismatch corrupt(bad_crc).
/// END is the resynchronisation point: after any error the next frame starts after the next END.
/// Without CRC, noise between two ENDs is delivered as a frame (the MQTT-SN decoder will most
/// likely reject it).
///
/// frame(): the payload, CRC trailer removed. Events: frame, corrupt. Never other.
/// bytes_skipped counts the octets of corrupt frames (END excluded).
/// Memory: at most max_frame_size + 2 octets.
/// Thread safety: distinct objects safe; shared objects unsafe.
class slip_deframer {
public:
    explicit slip_deframer(slip_options options = {});

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

    slip_options options_;
    deframer_counters counters_;
    std::vector<std::byte> buffer_; // decoded octets of the frame being read
    std::size_t raw_octets_ = 0;    // octets of the frame being read, as received (END excluded)
    bool escaped_ = false;          // the previous octet was ESC
    bool discarding_ = false;       // after an error: drop everything up to END
    bool complete_ = false;         // buffer_ holds the frame returned by the last put()
};

/// The SLIP framing of `payload`.
/// Errors: payload_too_large above max_frame_size.
boost::system::result<std::vector<std::byte>> slip_frame(std::span<const std::byte> payload,
                                                         const slip_options& options = {});

static_assert(deframer<slip_deframer>);

} // namespace sngw::framing
