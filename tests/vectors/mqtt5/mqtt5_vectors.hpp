// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/errc.hpp>
#include <sngw/mqtt5/packets.hpp>

#include <cstddef>
#include <string_view>
#include <vector>

namespace sngw::test {

/// One byte-exact MQTT 5.0 vector: a whole control packet and the value it decodes to.
/// `encodes_back` is false for the longer forms the decoder accepts but encode() never writes
/// (PUBACK Success with an explicit Reason Code, DISCONNECT with Property Length 0, ...).
struct mqtt5_vector {
    std::string_view name;
    std::vector<std::byte> wire;
    mqtt5::packet value;
    bool encodes_back = true;
};

/// Every control packet type, several forms of each, and all 27 properties at least once.
const std::vector<mqtt5_vector>& mqtt5_vectors();

/// One malformed packet and the error decode() must report for it.
struct mqtt5_bad_vector {
    std::string_view name;
    std::vector<std::byte> wire;
    mqtt5::errc expected;
};

/// One or more cases per decode rule (every errc decode() can return, except packet_too_large,
/// which depends on decode_limits).
const std::vector<mqtt5_bad_vector>& mqtt5_malformed_vectors();

} // namespace sngw::test
