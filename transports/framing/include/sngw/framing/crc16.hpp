// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sngw::framing {

/// CRC-16/CCITT-FALSE, also catalogued as CRC-16/IBM-3740 (reveng): width 16, poly 0x1021,
/// init 0xFFFF, no input or output reflection, xorout 0x0000; check value 0x29B1 for "123456789".
///
/// The SLIP and COBS framings append it to the payload, most significant octet first, inside the
/// framing (so it is escaped or stuffed with the payload). Why this variant: it is the one a sensor
/// author most likely already has. Python's binascii.crc_hqx(data, 0xFFFF), Zephyr's
/// crc16_itu_t(0xFFFF, ...), and any CRC-16/XMODEM routine seeded with 0xFFFF instead of 0 (such as
/// avr-libc's _crc_xmodem_update) compute exactly this. Non-reflected with a zero xorout, the CRC
/// over payload + trailer (big-endian) is 0, which a device may use as its check.
///
/// `crc` lets a caller continue over several pieces: crc16_ccitt_false(b, crc16_ccitt_false(a)).
std::uint16_t crc16_ccitt_false(std::span<const std::byte> data, std::uint16_t crc = 0xFFFF) noexcept;

} // namespace sngw::framing
