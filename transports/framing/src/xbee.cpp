// SPDX-License-Identifier: MIT
#include <sngw/framing/xbee.hpp>

#include <algorithm>
#include <ostream>

namespace sngw::framing {

namespace {

constexpr std::byte start_delimiter{0x7E};
constexpr std::byte escape{0x7D};
constexpr std::byte xon{0x11};
constexpr std::byte xoff{0x13};
constexpr std::byte escape_xor{0x20};
constexpr std::size_t max_api_length = 0xFFFF; // 16-bit length field

// Fixed fields of each frame type, frame type octet included.
constexpr std::size_t receive_packet_fixed = 12;
constexpr std::size_t transmit_request_fixed = 14;
constexpr std::size_t transmit_status_fixed = 7;
constexpr std::size_t modem_status_fixed = 2;
constexpr std::size_t at_response_fixed = 5;

unsigned octet(std::byte b) noexcept
{
    return std::to_integer<unsigned>(b);
}

std::uint64_t be64(std::span<const std::byte> p) noexcept
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i)
        v = (v << 8) | octet(p[i]);
    return v;
}

std::uint16_t be16(std::span<const std::byte> p) noexcept
{
    return static_cast<std::uint16_t>(octet(p[0]) << 8 | octet(p[1]));
}

std::uint8_t u8(std::byte b) noexcept
{
    return static_cast<std::uint8_t>(b);
}

void put8(std::vector<std::byte>& out, unsigned v)
{
    out.push_back(static_cast<std::byte>(v & 0xFFU));
}

void put16(std::vector<std::byte>& out, std::uint16_t v)
{
    put8(out, static_cast<unsigned>(v >> 8));
    put8(out, v);
}

void put64(std::vector<std::byte>& out, std::uint64_t v)
{
    for (int shift = 56; shift >= 0; shift -= 8)
        put8(out, static_cast<unsigned>((v >> shift) & 0xFFU));
}

bool needs_escape(std::byte b) noexcept
{
    return b == start_delimiter || b == escape || b == xon || b == xoff;
}

void put_framed(std::vector<std::byte>& out, std::byte b, xbee_api_mode mode)
{
    if (mode == xbee_api_mode::escaped && needs_escape(b)) {
        out.push_back(escape);
        out.push_back(b ^ escape_xor);
    } else {
        out.push_back(b);
    }
}

bool same(std::span<const std::byte> a, std::span<const std::byte> b) noexcept
{
    return std::ranges::equal(a, b);
}

} // namespace

bool operator==(const xbee_receive_packet& a, const xbee_receive_packet& b) noexcept
{
    return a.source64 == b.source64 && a.source16 == b.source16 && a.options == b.options &&
           same(a.data, b.data);
}

bool operator==(const xbee_transmit_request& a, const xbee_transmit_request& b) noexcept
{
    return a.frame_id == b.frame_id && a.destination64 == b.destination64 &&
           a.destination16 == b.destination16 && a.broadcast_radius == b.broadcast_radius &&
           a.options == b.options && same(a.data, b.data);
}

bool operator==(const xbee_at_response& a, const xbee_at_response& b) noexcept
{
    return a.frame_id == b.frame_id && a.command == b.command && a.status == b.status && same(a.data, b.data);
}

bool operator==(const xbee_unknown_frame& a, const xbee_unknown_frame& b) noexcept
{
    return a.type == b.type && same(a.body, b.body);
}

boost::system::result<xbee_api_frame> parse_xbee_frame(std::span<const std::byte> d) noexcept
{
    if (d.empty()) return errc::bad_length;
    switch (static_cast<xbee_frame_type>(d[0])) {
    case xbee_frame_type::receive_packet:
        if (d.size() < receive_packet_fixed) return errc::bad_api_frame;
        return xbee_api_frame{xbee_receive_packet{.source64 = be64(d.subspan(1)),
                                                  .source16 = be16(d.subspan(9)),
                                                  .options = u8(d[11]),
                                                  .data = d.subspan(receive_packet_fixed)}};
    case xbee_frame_type::transmit_request:
        if (d.size() < transmit_request_fixed) return errc::bad_api_frame;
        return xbee_api_frame{xbee_transmit_request{.frame_id = u8(d[1]),
                                                    .destination64 = be64(d.subspan(2)),
                                                    .destination16 = be16(d.subspan(10)),
                                                    .broadcast_radius = u8(d[12]),
                                                    .options = u8(d[13]),
                                                    .data = d.subspan(transmit_request_fixed)}};
    case xbee_frame_type::transmit_status:
        if (d.size() < transmit_status_fixed) return errc::bad_api_frame;
        return xbee_api_frame{xbee_transmit_status{.frame_id = u8(d[1]),
                                                   .destination16 = be16(d.subspan(2)),
                                                   .retry_count = u8(d[4]),
                                                   .delivery_status = u8(d[5]),
                                                   .discovery_status = u8(d[6])}};
    case xbee_frame_type::modem_status:
        if (d.size() < modem_status_fixed) return errc::bad_api_frame;
        return xbee_api_frame{xbee_modem_status{.status = u8(d[1])}};
    case xbee_frame_type::at_command_response:
        if (d.size() < at_response_fixed) return errc::bad_api_frame;
        return xbee_api_frame{xbee_at_response{.frame_id = u8(d[1]),
                                               .command = {static_cast<char>(d[2]), static_cast<char>(d[3])},
                                               .status = u8(d[4]),
                                               .data = d.subspan(at_response_fixed)}};
    case xbee_frame_type::at_command:
        break;
    }
    return xbee_api_frame{xbee_unknown_frame{.type = u8(d[0]), .body = d.subspan(1)}};
}

std::vector<std::byte> encode_xbee_frame(const xbee_api_frame& f)
{
    std::vector<std::byte> out;
    struct visitor {
        std::vector<std::byte>& out;
        void operator()(const xbee_receive_packet& p) const
        {
            put8(out, static_cast<unsigned>(xbee_frame_type::receive_packet));
            put64(out, p.source64);
            put16(out, p.source16);
            put8(out, p.options);
            out.insert(out.end(), p.data.begin(), p.data.end());
        }
        void operator()(const xbee_transmit_request& p) const
        {
            put8(out, static_cast<unsigned>(xbee_frame_type::transmit_request));
            put8(out, p.frame_id);
            put64(out, p.destination64);
            put16(out, p.destination16);
            put8(out, p.broadcast_radius);
            put8(out, p.options);
            out.insert(out.end(), p.data.begin(), p.data.end());
        }
        void operator()(const xbee_transmit_status& p) const
        {
            put8(out, static_cast<unsigned>(xbee_frame_type::transmit_status));
            put8(out, p.frame_id);
            put16(out, p.destination16);
            put8(out, p.retry_count);
            put8(out, p.delivery_status);
            put8(out, p.discovery_status);
        }
        void operator()(const xbee_modem_status& p) const
        {
            put8(out, static_cast<unsigned>(xbee_frame_type::modem_status));
            put8(out, p.status);
        }
        void operator()(const xbee_at_response& p) const
        {
            put8(out, static_cast<unsigned>(xbee_frame_type::at_command_response));
            put8(out, p.frame_id);
            put8(out, static_cast<unsigned char>(p.command[0]));
            put8(out, static_cast<unsigned char>(p.command[1]));
            put8(out, p.status);
            out.insert(out.end(), p.data.begin(), p.data.end());
        }
        void operator()(const xbee_unknown_frame& p) const
        {
            put8(out, p.type);
            out.insert(out.end(), p.body.begin(), p.body.end());
        }
    };
    std::visit(visitor{out}, f);
    return out;
}

namespace {

struct hex_out {
    std::uint64_t value;
    int digits;
};

std::ostream& operator<<(std::ostream& os, hex_out h)
{
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = h.digits - 1; i >= 0; --i)
        os << hex[(h.value >> (4 * i)) & 0xFU];
    return os;
}

} // namespace

std::ostream& operator<<(std::ostream& os, const xbee_api_frame& f)
{
    struct visitor {
        std::ostream& os;
        void operator()(const xbee_receive_packet& p) const
        {
            os << "receive_packet{src:" << hex_out{p.source64, 16} << ",src16:" << hex_out{p.source16, 4}
               << ",opt:" << hex_out{p.options, 2} << ",len:" << p.data.size() << '}';
        }
        void operator()(const xbee_transmit_request& p) const
        {
            os << "transmit_request{id:" << unsigned{p.frame_id} << ",dst:" << hex_out{p.destination64, 16}
               << ",dst16:" << hex_out{p.destination16, 4} << ",radius:" << unsigned{p.broadcast_radius}
               << ",opt:" << hex_out{p.options, 2} << ",len:" << p.data.size() << '}';
        }
        void operator()(const xbee_transmit_status& p) const
        {
            os << "transmit_status{id:" << unsigned{p.frame_id} << ",dst16:" << hex_out{p.destination16, 4}
               << ",retries:" << unsigned{p.retry_count} << ",delivery:" << hex_out{p.delivery_status, 2}
               << ",discovery:" << hex_out{p.discovery_status, 2} << '}';
        }
        void operator()(const xbee_modem_status& p) const
        {
            os << "modem_status{" << hex_out{p.status, 2} << '}';
        }
        void operator()(const xbee_at_response& p) const
        {
            os << "at_response{id:" << unsigned{p.frame_id}
               << ",cmd:" << hex_out{static_cast<unsigned char>(p.command[0]), 2}
               << hex_out{static_cast<unsigned char>(p.command[1]), 2} << ",status:" << hex_out{p.status, 2}
               << ",len:" << p.data.size() << '}';
        }
        void operator()(const xbee_unknown_frame& p) const
        {
            os << "frame{type:" << hex_out{p.type, 2} << ",len:" << p.body.size() << '}';
        }
    };
    std::visit(visitor{os}, f);
    return os;
}

xbee_deframer::xbee_deframer(xbee_options options) : options_(options)
{
    if (options_.max_frame_size > max_api_length) options_.max_frame_size = max_api_length;
}

put_result xbee_deframer::put(std::span<const std::byte> in)
{
    if (complete_) {
        data_.clear();
        complete_ = false;
    }
    std::size_t used = 0;
    for (;;) {
        std::byte b;
        if (replay_pos_ < replay_.size()) {
            b = replay_[replay_pos_++];
            if (replay_pos_ == replay_.size()) {
                replay_.clear();
                replay_pos_ = 0;
            }
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

void xbee_deframer::begin_frame() noexcept
{
    state_ = state::length_hi;
    data_.clear();
    raw_.clear();
    raw_octets_ = 0;
    length_ = 0;
    sum_ = 0;
    escaped_ = false;
    quiet_ = false;
}

put_result xbee_deframer::report(errc e)
{
    ++counters_.corrupt[static_cast<std::size_t>(e)];
    return {0, deframe_status::corrupt, e};
}

put_result xbee_deframer::fail(errc e)
{
    state_ = state::hunt;
    escaped_ = false;
    data_.clear();
    if (options_.mode == xbee_api_mode::unescaped) {
        // Only the start delimiter is given up; the octets after it are searched again, in front of
        // whatever was already waiting to be.
        ++counters_.bytes_skipped;
        raw_.insert(raw_.end(), replay_.begin() + static_cast<std::ptrdiff_t>(replay_pos_), replay_.end());
        replay_.swap(raw_);
        replay_pos_ = 0;
        raw_.clear();
    } else {
        counters_.bytes_skipped += 1 + raw_octets_;
    }
    raw_octets_ = 0;
    quiet_ = true;
    return report(e);
}

std::optional<put_result> xbee_deframer::step(std::byte b)
{
    if (state_ == state::hunt) {
        if (b == start_delimiter) {
            begin_frame();
            if (garbage_run_ == 0) return std::nullopt;
            garbage_run_ = 0;
            return report(errc::garbage_skipped);
        }
        ++counters_.bytes_skipped;
        if (!quiet_) ++garbage_run_;
        return std::nullopt;
    }

    if (options_.mode == xbee_api_mode::escaped) {
        if (b == start_delimiter) {
            // A start delimiter is never escaped content: the frame in progress is cut short and a
            // new one starts here.
            const errc e = escaped_ ? errc::bad_escape : errc::truncated;
            counters_.bytes_skipped += 1 + raw_octets_;
            begin_frame();
            return report(e);
        }
        ++raw_octets_;
        if (escaped_) {
            escaped_ = false;
            b ^= escape_xor;
        } else if (b == escape) {
            escaped_ = true;
            return std::nullopt;
        }
    } else {
        ++raw_octets_;
        raw_.push_back(b);
    }

    switch (state_) {
    case state::length_hi:
        length_ = octet(b) << 8;
        state_ = state::length_lo;
        return std::nullopt;
    case state::length_lo:
        length_ |= octet(b);
        if (length_ == 0) return fail(errc::bad_length);
        if (length_ > options_.max_frame_size) return fail(errc::oversized);
        data_.reserve(length_);
        state_ = state::data;
        return std::nullopt;
    case state::data:
        data_.push_back(b);
        sum_ += octet(b);
        if (data_.size() == length_) state_ = state::checksum;
        return std::nullopt;
    case state::checksum:
        if (((sum_ + octet(b)) & 0xFFU) != 0xFFU) return fail(errc::bad_checksum);
        return complete();
    case state::hunt:
        break;
    }
    return std::nullopt;
}

std::optional<put_result> xbee_deframer::complete()
{
    state_ = state::hunt;
    const std::size_t octets = 1 + raw_octets_;
    raw_.clear();
    raw_octets_ = 0;
    auto parsed = parse_xbee_frame(data_);
    if (!parsed) {
        // Well delimited (the checksum matched): nothing to search again.
        counters_.bytes_skipped += octets;
        data_.clear();
        quiet_ = true;
        return report(errc::bad_api_frame);
    }
    complete_ = true;
    if (std::holds_alternative<xbee_receive_packet>(*parsed)) {
        ++counters_.frames;
        return put_result{0, deframe_status::frame, {}};
    }
    ++counters_.others;
    if (const auto* status = std::get_if<xbee_transmit_status>(&*parsed)) {
        if (status->delivered())
            ++xbee_counters_.transmit_status_delivered;
        else
            ++xbee_counters_.transmit_status_failed;
    } else if (std::holds_alternative<xbee_modem_status>(*parsed)) {
        ++xbee_counters_.modem_status;
    } else if (std::holds_alternative<xbee_at_response>(*parsed)) {
        ++xbee_counters_.at_responses;
    } else {
        ++xbee_counters_.other_types;
    }
    return put_result{0, deframe_status::other, {}};
}

std::span<const std::byte> xbee_deframer::frame() const noexcept
{
    if (!complete_ || data_.empty() || data_[0] != static_cast<std::byte>(xbee_frame_type::receive_packet))
        return {};
    return std::span<const std::byte>(data_).subspan(receive_packet_fixed);
}

std::span<const std::byte> xbee_deframer::api_frame() const noexcept
{
    if (!complete_) return {};
    return data_;
}

std::optional<xbee_api_frame> xbee_deframer::last_frame() const noexcept
{
    if (!complete_) return std::nullopt;
    auto parsed = parse_xbee_frame(data_);
    if (!parsed) return std::nullopt;
    return *parsed;
}

void xbee_deframer::reset() noexcept
{
    begin_frame();
    state_ = state::hunt;
    replay_.clear();
    replay_pos_ = 0;
    garbage_run_ = 0;
    complete_ = false;
}

boost::system::result<std::vector<std::byte>> xbee_frame(std::span<const std::byte> frame_data,
                                                         xbee_api_mode mode)
{
    if (frame_data.empty()) return errc::bad_length;
    if (frame_data.size() > max_api_length) return errc::payload_too_large;
    std::vector<std::byte> out;
    out.reserve(2 * frame_data.size() + 8);
    out.push_back(start_delimiter);
    const auto length = static_cast<std::uint16_t>(frame_data.size());
    put_framed(out, static_cast<std::byte>(length >> 8), mode);
    put_framed(out, static_cast<std::byte>(length & 0xFFU), mode);
    unsigned sum = 0;
    for (std::byte b : frame_data) {
        sum += octet(b);
        put_framed(out, b, mode);
    }
    put_framed(out, static_cast<std::byte>(0xFFU - (sum & 0xFFU)), mode);
    return out;
}

boost::system::result<std::vector<std::byte>> xbee_transmit(std::uint8_t frame_id,
                                                            std::uint64_t destination64,
                                                            std::span<const std::byte> data,
                                                            xbee_api_mode mode)
{
    if (data.size() > max_api_length - transmit_request_fixed) return errc::payload_too_large;
    return xbee_frame(encode_xbee_frame(xbee_transmit_request{
                          .frame_id = frame_id, .destination64 = destination64, .data = data}),
                      mode);
}

} // namespace sngw::framing
