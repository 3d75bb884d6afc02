// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

/// Each fuzz target defines this: the inputs replay_main.cpp runs when no libFuzzer is linked
/// (the unit-test vectors, and their truncations where that reaches more code).
std::vector<std::vector<std::byte>> sngw_fuzz_seeds();

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
