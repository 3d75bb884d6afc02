// SPDX-License-Identifier: MIT
#include "core_harness.hpp"
