// SPDX-License-Identifier: MIT
// PLACEHOLDER
#include <doctest/doctest.h>
