// SPDX-License-Identifier: MIT
#pragma once

#include <boost/system/error_code.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string_view>
#include <type_traits>

/// Serial framings for MQTT-SN (pure: no I/O, no clock, no logging; never throws on bad bytes).
///
/// MQTT-SN defines no serial framing (v1.2 §5 only describes the message; v2.0 asks the network
/// to deliver packets unaltered), so the gateway offers four, chosen per port:
///   raw_deframer   the packet verbatim, its own Length field delimits (mqtt-sn-tools' serial bridge)
///   slip_deframer  RFC 1055 SLIP, CRC-16 trailer by default
///   cobs_deframer  COBS with a 0x00 delimiter, CRC-16 trailer by default
///   xbee_deframer  Digi XBee API frames, API mode 1 or 2 (escaped)
///
/// The common contract (after Beast's basic_parser::put): a deframer is fed any chunking of the byte
/// stream and reports one event per call:
///
///     for (;;) {
///         auto r = d.put(bytes);
///         bytes = bytes.subspan(r.consumed);
///         if (r.status == deframe_status::need_more) break;      // everything consumed
///         if (r.status == deframe_status::frame) deliver(d.frame());
///         else if (r.status == deframe_status::corrupt) count(r.error);
///     }
///
/// - put() consumes octets up to the one that completes the event it reports (possibly none, when an
///   event is still pending from octets already consumed), so calling it again with the rest is
///   always right. need_more means: every octet given was consumed, nothing more to report.
/// - The sequence of events depends only on the bytes, never on how they were chunked.
/// - Corruption is not sticky: the deframer resynchronises and the next good frame is found.
/// - Memory is bounded by the max_frame_size given at construction (plus a few octets of
///   framing); garbage cannot make it grow. buffered() tells how much is held.
/// - frame() stays valid until the next put() or reset().
namespace sngw::framing {

/// Why octets were discarded (deframers), or why a payload cannot be framed (framers).
/// These are errors of the link, counted per reason.
enum class errc {
    bad_crc = 1,       // slip, cobs: the CRC-16 trailer does not match the payload
    bad_checksum,      // xbee: 0xFF - sum(frame data) does not match the checksum octet
    bad_escape,        // slip: ESC not followed by ESC_END / ESC_ESC; xbee mode 2: 0x7D before 0x7E
    bad_block,         // cobs: the 0x00 delimiter arrived inside a block
    oversized,         // the frame would exceed max_frame_size: refused before it is buffered
    short_frame,       // slip, cobs: a frame too short to hold its CRC-16 trailer
    garbage_skipped,   // octets that start no frame (raw resync, xbee before 0x7E), one report per run
    truncated,         // xbee mode 2: a start delimiter 0x7E arrived inside a frame
    bad_length,        // xbee: API frame length 0
    bad_api_frame,     // xbee: a checksum-valid API frame too short for its frame type
    payload_too_large, // framers: the payload exceeds the maximum frame size
    bad_length_field,  // raw framer: the packet's MQTT-SN Length field does not describe it
};

/// Number of errc values, for arrays indexed by errc (index 0 unused).
inline constexpr std::size_t errc_count = static_cast<std::size_t>(errc::bad_length_field) + 1;

/// "bad_crc", "oversized", ...
std::string_view to_string(errc e) noexcept;
std::ostream& operator<<(std::ostream& os, errc e);

const boost::system::error_category& framing_category() noexcept;
boost::system::error_code make_error_code(errc e) noexcept;

/// What one put() call found.
enum class deframe_status : std::uint8_t {
    need_more, // every octet consumed, no complete frame: feed more
    frame,     // frame() holds one complete MQTT-SN packet
    other,     // xbee only: a well-formed API frame that is not data (transmit status, modem status, ...)
    corrupt,   // octets discarded; `error` says why; the deframer has already resynchronised
};
std::string_view to_string(deframe_status s) noexcept;
std::ostream& operator<<(std::ostream& os, deframe_status s);

struct put_result {
    std::size_t consumed = 0; // octets taken from the span given to put()
    deframe_status status = deframe_status::need_more;
    errc error{}; // set when status == corrupt
};

/// Counters kept by every deframer (reset() keeps them).
struct deframer_counters {
    std::uint64_t bytes_in = 0;      // octets consumed by put()
    std::uint64_t frames = 0;        // status::frame events
    std::uint64_t others = 0;        // status::other events (xbee)
    std::uint64_t bytes_skipped = 0; // octets discarded: garbage and the octets of corrupt frames
    std::array<std::uint64_t, errc_count> corrupt{}; // status::corrupt events by reason

    std::uint64_t corrupt_by(errc e) const noexcept { return corrupt[static_cast<std::size_t>(e)]; }
    std::uint64_t corrupt_total() const noexcept
    {
        std::uint64_t n = 0;
        for (auto c : corrupt)
            n += c;
        return n;
    }
};

/// An MQTT-SN packet is at most 65,535 octets (v1.2 §5.2.1: the 3-octet Length form).
inline constexpr std::size_t max_mqttsn_packet = 65535;

/// What the serial transport needs from any deframer.
template <class D>
concept deframer = requires(D d, const D cd, std::span<const std::byte> in)
{
    {
        d.put(in)
        } -> std::same_as<put_result>;
    {
        cd.frame()
        } -> std::same_as<std::span<const std::byte>>;
    {
        cd.counters()
        } -> std::same_as<const deframer_counters&>;
    {
        cd.max_frame_size()
        } -> std::same_as<std::size_t>;
    {
        cd.buffered()
        } -> std::same_as<std::size_t>;
    {
        d.reset()
    }
    noexcept;
};

} // namespace sngw::framing

template <> struct boost::system::is_error_code_enum<sngw::framing::errc> : std::true_type {};
