// SPDX-License-Identifier: MIT
// sn_vectors_dump 1.2|2.0 [--truncated] [--seeds DIR]
//   prints every vector of the version as one hex line (with --truncated: every strict prefix of
//   every vector instead); with --seeds DIR writes each vector as a file for a fuzz corpus.
#include "sn_vectors.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

namespace {

void print_hex(const std::vector<std::byte>& wire, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i)
        std::printf("%02x", std::to_integer<unsigned>(wire[i]));
    std::printf("\n");
}

template <class Vectors>
int dump(const Vectors& vectors, bool truncated, const char* seeds_dir, std::string_view prefix)
{
    int index = 0;
    for (const auto& v : vectors) {
        if (seeds_dir) {
            const std::string path = std::string(seeds_dir) + "/" + std::string(prefix) + "-" + std::to_string(index++);
            std::ofstream(path, std::ios::binary)
                .write(reinterpret_cast<const char*>(v.wire.data()), static_cast<std::streamsize>(v.wire.size()));
        } else if (truncated) {
            for (std::size_t n = 1; n < v.wire.size(); ++n)
                print_hex(v.wire, n);
        } else {
            print_hex(v.wire, v.wire.size());
        }
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: sn_vectors_dump 1.2|2.0 [--truncated] [--seeds DIR]\n");
        return 2;
    }
    const std::string_view version = argv[1];
    bool truncated = false;
    const char* seeds = nullptr;
    for (int i = 2; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--truncated")
            truncated = true;
        else if (arg == "--seeds" && i + 1 < argc)
            seeds = argv[++i];
    }
    if (version == "1.2")
        return dump(sngw::test::sn_v1_2_vectors(), truncated, seeds, "v1_2");
    if (version == "2.0")
        return dump(sngw::test::sn_v2_0_vectors(), truncated, seeds, "v2_0");
    std::fprintf(stderr, "unknown version %s\n", argv[1]);
    return 2;
}
