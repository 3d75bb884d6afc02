// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

/// What one `--serial` port is (plain data, no I/O): the app's configuration holds it, the serial
/// transport runs it. Header only, beside peer_id, so that the configuration needs no Asio.
namespace sngw::transport {

/// How MQTT-SN packets are delimited on the port (sngw::framing; README "Serial framings").
enum class serial_framing : std::uint8_t {
    raw,  // the packet's own Length field (mqtt-sn-tools' serial bridge, most nRF24 bridges)
    slip, // RFC 1055, CRC-16 trailer unless crc=off
    cobs, // COBS with a 0x00 delimiter, CRC-16 trailer unless crc=off
    xbee, // Digi XBee API frames, escaped mode (AP=2)
};

/// Who is behind the port.
enum class serial_addressing : std::uint8_t {
    /// One sensor for the whole port (with xbee: one per 64-bit source address).
    single,
    /// An MQTT-SN forwarder (MQTT-SN v1.2 §5.5 0xFE, v2.0 §3.19 0xFC): each node behind it is a sensor
    /// of its own, and what the gateway sends it is wrapped for it.
    forwarder,
};

/// `DEVICE[,baud=N][,framing=raw|slip|cobs|xbee][,crc=on|off][,addressing=single|forwarder]`.
struct serial_settings {
    std::string device{};
    std::uint32_t baud = 115200;
    serial_framing framing = serial_framing::raw;
    bool crc = true; // slip and cobs only: the CRC-16 trailer; raw and xbee ignore it
    serial_addressing addressing = serial_addressing::single;

    /// Whether frames carry the CRC-16 trailer (crc=on with slip or cobs).
    bool uses_crc() const noexcept
    {
        return crc && (framing == serial_framing::slip || framing == serial_framing::cobs);
    }
    friend bool operator==(const serial_settings&, const serial_settings&) = default;
};

constexpr std::string_view to_string(serial_framing f) noexcept
{
    switch (f) {
    case serial_framing::raw:
        return "raw";
    case serial_framing::slip:
        return "slip";
    case serial_framing::cobs:
        return "cobs";
    case serial_framing::xbee:
        return "xbee";
    }
    return "?";
}

constexpr std::string_view to_string(serial_addressing a) noexcept
{
    return a == serial_addressing::forwarder ? "forwarder" : "single";
}

/// The line rates a Linux termios can set (B50 .. B4000000), which `baud=` accepts.
inline constexpr std::uint32_t supported_bauds[] = {
    50,     75,     110,     134,     150,     200,     300,     600,     1200,    1800,
    2400,   4800,   9600,    19200,   38400,   57600,   115200,  230400,  460800,  500000,
    576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000};

constexpr bool is_supported_baud(std::uint32_t baud) noexcept
{
    for (auto b : supported_bauds)
        if (b == baud) return true;
    return false;
}

/// "/dev/ttyUSB0,baud=115200,framing=slip,crc=on,addressing=single": every setting spelled out, in
/// the --serial syntax (logs, --help, tests).
inline std::string to_string(const serial_settings& s)
{
    std::string out = s.device;
    out += ",baud=" + std::to_string(s.baud);
    out += ",framing=";
    out += to_string(s.framing);
    if (s.framing == serial_framing::slip || s.framing == serial_framing::cobs)
        out += s.crc ? ",crc=on" : ",crc=off";
    out += ",addressing=";
    out += to_string(s.addressing);
    return out;
}

} // namespace sngw::transport
