// SPDX-License-Identifier: MIT
// Issue #4: being written.
#include <sngw/core/gateway.hpp>
