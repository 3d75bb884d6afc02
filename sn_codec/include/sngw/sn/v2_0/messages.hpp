// SPDX-License-Identifier: MIT
// PLACEHOLDER: the MQTT-SN 2.0 message structs are being written.
#pragma once
#include <variant>
namespace sngw::sn::v2_0 {
struct placeholder_msg {
    friend bool operator==(const placeholder_msg&, const placeholder_msg&) = default;
};
using message = std::variant<placeholder_msg>;
} // namespace sngw::sn::v2_0
