// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 sensors end to end (issue 5).
#include "gateway_harness.hpp"
