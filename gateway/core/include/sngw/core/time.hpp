// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/session_config.hpp>

#include <chrono>

namespace sngw::core {

/// The core's clock: only the type. The core never reads a clock; `now` is passed in (house-style §5).
/// The same type as the MQTT 5 session's, so the core hands its `now` straight through.
using clock = mqtt5::clock;
using time_point = mqtt5::time_point;
using std::chrono::milliseconds;
using std::chrono::seconds;

} // namespace sngw::core
