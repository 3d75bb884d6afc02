// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/framing/deframer.hpp>

#include <boost/system/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <variant>
#include <vector>

/// Digi XBee API frames, as published in Digi's XBee/XBee-PRO Zigbee and DigiMesh user guides
/// ("API frame format", "API frames"). An API frame on the UART is
///
///     0x7E  length-hi length-lo  frame-data (length octets)  checksum
///
/// where frame-data starts with the frame type, length counts frame-data only, and
/// checksum = 0xFF - (sum of the frame-data octets, modulo 256).
/// API mode 1 (AP=1) sends this as is. API mode 2 (AP=2, "escaped") sends everything after the start
/// delimiter escaped: each of 0x7E, 0x7D (escape), 0x11 (XON), 0x13 (XOFF) becomes 0x7D followed by
/// the octet XOR 0x20. Length and checksum are computed on the unescaped frame data.
namespace sngw::framing {

enum class xbee_api_mode : std::uint8_t {
    unescaped = 1, // AP=1
    escaped = 2,   // AP=2: the default, and the only mode that resynchronises on 0x7E alone
};

/// 64-bit destination that broadcasts to every node of the network (Digi: 0x000000000000FFFF).
inline constexpr std::uint64_t xbee_broadcast_address = 0x000000000000FFFFULL;
/// 16-bit network address "unknown / use the 64-bit one" in transmit requests.
inline constexpr std::uint16_t xbee_unknown_address16 = 0xFFFE;

/// Frame types this module knows by name (frame-data octet 0).
enum class xbee_frame_type : std::uint8_t {
    at_command = 0x08,
    transmit_request = 0x10,
    at_command_response = 0x88,
    modem_status = 0x8A,
    transmit_status = 0x8B,
    receive_packet = 0x90,
};

/// Receive Packet, frame type 0x90: RF data from a remote node.
///   0x90 | source 64-bit address (8, big-endian) | source 16-bit address (2) | receive options (1) |
///   RF data
struct xbee_receive_packet {
    std::uint64_t source64 = 0;
    std::uint16_t source16 = xbee_unknown_address16;
    std::uint8_t options = 0;        // 0x01 acknowledged, 0x02 broadcast, ...
    std::span<const std::byte> data; // the MQTT-SN packet
    bool broadcast() const noexcept { return (options & 0x02U) != 0; }
    friend bool operator==(const xbee_receive_packet&, const xbee_receive_packet&) noexcept;
};

/// Transmit Request, frame type 0x10: RF data to a remote node.
///   0x10 | frame id (1; 0 asks for no Transmit Status) | destination 64-bit address (8) |
///   destination 16-bit address (2; 0xFFFE if unknown) | broadcast radius (1; 0 = maximum hops) |
///   transmit options (1) | RF data
struct xbee_transmit_request {
    std::uint8_t frame_id = 0;
    std::uint64_t destination64 = xbee_broadcast_address;
    std::uint16_t destination16 = xbee_unknown_address16;
    std::uint8_t broadcast_radius = 0;
    std::uint8_t options = 0;
    std::span<const std::byte> data;
    friend bool operator==(const xbee_transmit_request&, const xbee_transmit_request&) noexcept;
};

/// Transmit Status, frame type 0x8B: the fate of a Transmit Request with a non-zero frame id.
///   0x8B | frame id (1) | destination 16-bit address (2) | transmit retry count (1) |
///   delivery status (1; 0x00 success) | discovery status (1)
struct xbee_transmit_status {
    std::uint8_t frame_id = 0;
    std::uint16_t destination16 = xbee_unknown_address16;
    std::uint8_t retry_count = 0;
    std::uint8_t delivery_status = 0;
    std::uint8_t discovery_status = 0;
    bool delivered() const noexcept { return delivery_status == 0; }
    friend bool operator==(const xbee_transmit_status&, const xbee_transmit_status&) noexcept = default;
};

/// Modem Status, frame type 0x8A: 0x8A | status (1; 0x00 hardware reset, 0x02 joined, ...)
struct xbee_modem_status {
    std::uint8_t status = 0;
    friend bool operator==(const xbee_modem_status&, const xbee_modem_status&) noexcept = default;
};

/// AT Command Response, frame type 0x88:
///   0x88 | frame id (1) | AT command (2 ASCII) | command status (1; 0x00 OK) | command data
struct xbee_at_response {
    std::uint8_t frame_id = 0;
    std::array<char, 2> command{};
    std::uint8_t status = 0;
    std::span<const std::byte> data;
    friend bool operator==(const xbee_at_response&, const xbee_at_response&) noexcept;
};

/// Any other frame type: the type and the octets after it.
struct xbee_unknown_frame {
    std::uint8_t type = 0;
    std::span<const std::byte> body;
    friend bool operator==(const xbee_unknown_frame&, const xbee_unknown_frame&) noexcept;
};

/// A parsed API frame. Spans point into the frame data that was parsed.
using xbee_api_frame = std::variant<xbee_receive_packet, xbee_transmit_request, xbee_transmit_status,
                                    xbee_modem_status, xbee_at_response, xbee_unknown_frame>;

/// Parses frame data (frame type first, no delimiter, length or checksum).
/// Errors: bad_length when empty; bad_api_frame when shorter than its type's fixed fields
/// (0x90: 12, 0x10: 14, 0x8B: 7, 0x8A: 2, 0x88: 5). Octets after the fixed fields of 0x8B and 0x8A
/// are ignored (newer firmware may add some).
boost::system::result<xbee_api_frame> parse_xbee_frame(std::span<const std::byte> frame_data) noexcept;

/// The frame data of `f` (the inverse of parse_xbee_frame for frames without ignored octets).
std::vector<std::byte> encode_xbee_frame(const xbee_api_frame& f);

/// "receive_packet{src:0013a20040522baa,src16:7d84,opt:01,len:6}", ... for logs and test output.
std::ostream& operator<<(std::ostream& os, const xbee_api_frame& f);

struct xbee_options {
    xbee_api_mode mode = xbee_api_mode::escaped;
    /// Largest frame data accepted (the API length field), at most 65,535. A Receive Packet's RF
    /// data is 12 octets shorter.
    std::size_t max_frame_size = 65535;
};

/// Counters by frame type, beside the common ones (counters().frames counts receive packets).
struct xbee_counters {
    std::uint64_t transmit_status_delivered = 0;
    std::uint64_t transmit_status_failed = 0; // delivery status other than 0x00
    std::uint64_t modem_status = 0;
    std::uint64_t at_responses = 0;
    std::uint64_t other_types = 0; // every other frame type (including 0x10, 0x08)
};

/// XBee API deframer, mode 1 or 2.
///
/// Events:
///   frame    a Receive Packet 0x90: frame() is its RF data (the MQTT-SN packet), last_frame() the
///            parsed packet with the sensor's 64-bit and 16-bit source addresses;
///   other    any other well-formed API frame (Transmit Status 0x8B, Modem Status 0x8A, AT Command
///            Response 0x88, ...): not data; see last_frame(), counted in xbee_counters();
///   corrupt  garbage_skipped (octets before a start delimiter, one report per run), bad_length
///            (length 0), oversized (length above max_frame_size: refused before buffering),
///            bad_checksum, bad_api_frame (a valid frame too short for its type), and in mode 2
///            truncated (0x7E inside a frame: that 0x7E starts the next frame) and bad_escape
///            (0x7D followed by 0x7E).
///
/// Resynchronisation. Mode 2: 0x7E never occurs inside a frame, so every 0x7E starts one. Mode 1:
/// 0x7E may occur inside frame data, so after bad_length, oversized or bad_checksum the deframer
/// searches again from the octet after the failed start delimiter: a false start found in noise
/// cannot swallow the good frames behind it (their octets are kept and searched again). Cost: in
/// the worst case (noise full of 0x7E) work per octet grows with max_frame_size; memory stays
/// bounded. In both modes the octets skipped after a corrupt report, up to the next 0x7E, belong to
/// that report: they are counted in bytes_skipped but not reported again as garbage_skipped.
///
/// Escapes (mode 2): 0x7D followed by any octet but 0x7E is taken as that octet XOR 0x20, even if
/// it did not need escaping, and unescaped XON/XOFF are taken as data: the checksum judges.
///
/// Memory: at most max_frame_size + 3 octets per copy (the frame data, and in mode 1 the received
/// octets kept for searching again).
/// Thread safety: distinct objects safe; shared objects unsafe.
class xbee_deframer {
public:
    explicit xbee_deframer(xbee_options options = {});

    put_result put(std::span<const std::byte> in);
    /// The RF data of the Receive Packet returned by the last put(); empty otherwise.
    std::span<const std::byte> frame() const noexcept;
    /// The frame data (frame type first) of the frame or other event returned by the last put().
    std::span<const std::byte> api_frame() const noexcept;
    /// That frame, parsed; nullopt when the last put() returned neither frame nor other.
    std::optional<xbee_api_frame> last_frame() const noexcept;
    const deframer_counters& counters() const noexcept { return counters_; }
    const xbee_counters& xbee_stats() const noexcept { return xbee_counters_; }
    std::size_t max_frame_size() const noexcept { return options_.max_frame_size; }
    /// Octets held: the frame data in progress, and in mode 1 the octets kept to search again;
    /// at most 3 * (max_frame_size + 3).
    std::size_t buffered() const noexcept
    {
        return data_.size() + raw_.size() + (replay_.size() - replay_pos_);
    }
    /// Forgets any partial frame (a reopened port); keeps the counters.
    void reset() noexcept;

private:
    enum class state : std::uint8_t { hunt, length_hi, length_lo, data, checksum };

    std::optional<put_result> step(std::byte b);
    std::optional<put_result> complete();
    put_result fail(errc e);
    put_result report(errc e);
    void begin_frame() noexcept;

    xbee_options options_;
    deframer_counters counters_;
    xbee_counters xbee_counters_;
    state state_ = state::hunt;
    std::vector<std::byte> data_; // unescaped frame data
    std::vector<std::byte> raw_;  // mode 1: octets after the start delimiter, to search again
    std::size_t raw_octets_ = 0;  // octets after the start delimiter, as received
    std::size_t length_ = 0;
    unsigned sum_ = 0;
    bool escaped_ = false;          // mode 2: the previous octet was 0x7D
    bool quiet_ = false;            // after a corrupt report: skip up to the next 0x7E without reporting
    std::vector<std::byte> replay_; // mode 1: octets to search again before taking new input
    std::size_t replay_pos_ = 0;
    std::uint64_t garbage_run_ = 0; // octets skipped and not yet reported
    bool complete_ = false;         // data_ holds the frame returned by the last put() (parsed on demand,
                                    // so that a copied deframer holds no span into another's buffer)
};

/// The API frame carrying `frame_data`, start delimiter to checksum, escaped in mode 2.
/// Errors: bad_length when empty, payload_too_large above 65,535 octets.
boost::system::result<std::vector<std::byte>> xbee_frame(std::span<const std::byte> frame_data,
                                                         xbee_api_mode mode = xbee_api_mode::escaped);

/// A Transmit Request 0x10 carrying `data` to `destination64` (xbee_broadcast_address to broadcast),
/// 16-bit destination 0xFFFE, broadcast radius 0, options 0, framed for `mode`.
/// Errors: payload_too_large when the frame data would exceed 65,535 octets.
boost::system::result<std::vector<std::byte>> xbee_transmit(std::uint8_t frame_id,
                                                            std::uint64_t destination64,
                                                            std::span<const std::byte> data,
                                                            xbee_api_mode mode = xbee_api_mode::escaped);

static_assert(deframer<xbee_deframer>);

} // namespace sngw::framing
