// SPDX-License-Identifier: MIT
#include <sngw/app/control_path.hpp>

#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdlib>

namespace sngw::app {

namespace {

constexpr const char* run_dir = "/run/sngw";
constexpr const char* socket_name = "sngw.sock";

std::string env(const char* name)
{
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string{};
}

std::string join(std::string dir, const char* name)
{
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    if (dir != "/") dir += '/';
    return dir + name;
}

bool is_directory(const char* path)
{
    struct stat st {};
    return ::stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

control_path_inputs environment(const std::string& configured)
{
    return {.configured = configured,
            .runtime_directory = env("RUNTIME_DIRECTORY"),
            .run_dir_usable = is_directory(run_dir),
            .temp_dir = env("TMPDIR")};
}

} // namespace

std::string choose_control_path(const control_path_inputs& in)
{
    if (!in.configured.empty()) return in.configured;
    if (!in.runtime_directory.empty()) {
        // systemd.exec(5): several RuntimeDirectory= entries arrive colon-separated.
        const auto first = in.runtime_directory.substr(0, in.runtime_directory.find(':'));
        if (!first.empty()) return join(first, socket_name);
    }
    if (in.run_dir_usable) return join(run_dir, socket_name);
    return join(in.temp_dir.empty() ? std::string("/tmp") : in.temp_dir, socket_name);
}

std::string daemon_control_path(const std::string& configured)
{
    auto in = environment(configured);
    if (in.configured.empty() && in.runtime_directory.empty() && !in.run_dir_usable)
        in.run_dir_usable = ::mkdir(run_dir, 0755) == 0 || (errno == EEXIST && is_directory(run_dir));
    return choose_control_path(in);
}

std::string client_control_path(const std::string& configured)
{
    return choose_control_path(environment(configured));
}

} // namespace sngw::app
