// SPDX-License-Identifier: MIT
// Issue #4: the gateway core (being written).
#include <sngw/core/gateway.hpp>
