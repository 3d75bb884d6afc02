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

struct raw_options {
    /// Largest packet accepted, Length field included (at most 65,535).
    std::size_t max_frame_size = max_mqttsn_packet;
    /// Accept the 3-octet Length form for packets under 256 octets (down to 4). MQTT-SN v1.2
    /// §5.2.1 uses that form only from 256 octets on, and every implementation we know follows
    /// it, so by default 0x01 followed by a Length under 256 is garbage: fewer false starts.
    bool accept_short_long_form = false;
};

/// "raw" framing: MQTT-SN packets back to back, each delimited by its own Length field
/// (MQTT-SN v1.2 §5.2.1). This is what mqtt-sn-tools' mqtt-sn-serial-bridge reads from and writes
/// to its serial port, and what many nRF24/RFM69 bridges do: the packet verbatim, nothing added.
///
/// Resynchronisation rule. At a packet boundary the deframer reads a Length field:
///   - first octet 0x02..0xFF: the 1-octet form; the packet is that many octets long;
///   - first octet 0x01: the 3-octet form; the next two octets (big-endian) are the Length,
///     valid from 256 (from 4 with accept_short_long_form);
///   - first octet 0x00: never valid.
/// A Length that is invalid, or above max_frame_size, is garbage: its first octet is skipped and
/// the next octet is tried as a Length field. A run of skipped octets is reported as one
/// corrupt(garbage_skipped) event when the next plausible Length field is found.
///
/// Limitation. Once a plausible Length is read the deframer takes exactly that many octets: raw
/// framing has nothing else to check (no delimiter, no CRC), and almost every octet is a plausible
/// Length. Noise at a boundary therefore swallows the following octets, and the stream stays out
/// of step until a boundary lines up again by chance; the packets delivered meanwhile are
/// garbage that the MQTT-SN decoder will mostly reject. Devices such as mqtt-sn-serial-bridge
/// resynchronise on an idle gap between packets, which pure code cannot see (it has no clock): a
/// driver with a clock may call reset() after an idle gap. On a noisy link use SLIP or COBS with
/// CRC-16, or XBee API frames, which detect corruption and resynchronise on a delimiter.
///
/// frame(): the whole packet, Length field included, ready for sn::v1_2::decode().
/// Events: frame, corrupt(garbage_skipped). Never other.
/// Memory: at most max_frame_size octets.
/// Thread safety: distinct objects safe; shared objects unsafe.
class raw_deframer {
public:
    explicit raw_deframer(raw_options options = {});

    put_result put(std::span<const std::byte> in);
    std::span<const std::byte> frame() const noexcept;
    const deframer_counters& counters() const noexcept { return counters_; }
    std::size_t max_frame_size() const noexcept { return options_.max_frame_size; }
    /// Octets held for the frame in progress (or the last one returned).
    std::size_t buffered() const noexcept { return buffer_.size(); }
    /// Forgets any partial packet (a reopened port); keeps the counters.
    void reset() noexcept;

private:
    std::optional<put_result> step(std::byte b);
    bool valid_length(std::size_t length) const noexcept;

    raw_options options_;
    deframer_counters counters_;
    std::vector<std::byte> buffer_; // the packet being read (or the Length field octets)
    std::size_t need_ = 0;          // total size of the packet being read; 0 while reading a Length
    std::vector<std::byte> replay_; // Length field octets to try again after a skipped octet
    std::size_t replay_pos_ = 0;
    std::uint64_t garbage_run_ = 0; // octets skipped since the last report
    bool complete_ = false;         // buffer_ holds a packet returned by the last put()
};

/// The raw framing of one MQTT-SN packet: the packet itself, checked first so that a peer reading
/// with the same options stays in step.
/// Errors: bad_length_field when its Length field (by the rules above) does not equal its size;
/// payload_too_large above max_frame_size.
boost::system::result<std::vector<std::byte>> raw_frame(std::span<const std::byte> packet,
                                                        const raw_options& options = {});

static_assert(deframer<raw_deframer>);

} // namespace sngw::framing
