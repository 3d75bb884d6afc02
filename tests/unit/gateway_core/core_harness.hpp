// SPDX-License-Identifier: MIT
#pragma once
// core_harness: being written (issue #4).
#include <sngw/core/gateway.hpp>
