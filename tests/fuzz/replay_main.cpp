// SPDX-License-Identifier: MIT
// Stand-in for libFuzzer's main on builds without SNGW_FUZZ: runs the target over its built-in
// seeds and over every file named on the command line (a corpus or a crash to reproduce).
#include "fuzz_seeds.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

int main(int argc, char** argv)
{
    std::size_t runs = 0;
    for (const auto& seed : sngw_fuzz_seeds()) {
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(seed.data()), seed.size());
        ++runs;
    }
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "cannot read %s\n", argv[i]);
            return 1;
        }
        const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        ++runs;
    }
    std::printf("replayed %zu inputs\n", runs);
    return 0;
}
