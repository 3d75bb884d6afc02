// SPDX-License-Identifier: MIT
// mqtt5_vectors_dump [--malformed] [--seeds DIR]
//   prints every MQTT 5.0 vector as one hex line (with --malformed: the malformed ones too);
//   with --seeds DIR writes each as a file instead, for the fuzz_mqtt5_decode corpus.
#include "vectors/mqtt5/mqtt5_vectors.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

namespace {

void emit(const std::vector<std::byte>& wire, const char* seeds_dir, const std::string& name)
{
    if (seeds_dir) {
        std::ofstream(std::string(seeds_dir) + "/" + name, std::ios::binary)
            .write(reinterpret_cast<const char*>(wire.data()), static_cast<std::streamsize>(wire.size()));
        return;
    }
    for (auto b : wire)
        std::printf("%02x", std::to_integer<unsigned>(b));
    std::printf("\n");
}

} // namespace

int main(int argc, char** argv)
{
    bool malformed = false;
    const char* seeds = nullptr;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--malformed") {
            malformed = true;
        } else if (arg == "--seeds" && i + 1 < argc) {
            seeds = argv[++i];
            malformed = true;
        } else {
            std::fprintf(stderr, "usage: mqtt5_vectors_dump [--malformed] [--seeds DIR]\n");
            return 2;
        }
    }
    int index = 0;
    for (const auto& v : sngw::test::mqtt5_vectors())
        emit(v.wire, seeds, "mqtt5-" + std::to_string(index++));
    if (malformed) {
        index = 0;
        for (const auto& v : sngw::test::mqtt5_malformed_vectors())
            emit(v.wire, seeds, "mqtt5-bad-" + std::to_string(index++));
    }
    return 0;
}
