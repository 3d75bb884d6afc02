// SPDX-License-Identifier: MIT
#pragma once

#include "support/mosquitto_process.hpp"

#include <doctest/doctest.h>

// doctest 2.4 has no runtime skip: a test that cannot run here says why (visible with -s / on failure
// of a later check) and returns, and counts as passed. CI installs everything, so nothing is skipped there.
#define SNGW_SKIP_UNLESS(condition, reason)                                                                  \
    do {                                                                                                     \
        if (!(condition)) {                                                                                  \
            MESSAGE("skipped: " << (reason));                                                                \
            return;                                                                                          \
        }                                                                                                    \
    } while (false)

#define SNGW_REQUIRE_MOSQUITTO()                                                                             \
    SNGW_SKIP_UNLESS(::sngw::test::mosquitto_process::available(),                                           \
                     ::sngw::test::mosquitto_process::skip_reason())
