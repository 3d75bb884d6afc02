// SPDX-License-Identifier: MIT
#include "support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace sngw::test {

namespace {

// Only async-signal-safe calls between fork and exec: the test process may have other threads
// (Asio's resolver thread), whose locks the child would inherit held.
[[noreturn]] void exec_child(char* const* argv, int out_fd, pid_t parent)
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) // the parent died before prctl took effect
        ::_exit(127);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    // Sockets the test holds open must not live on in the child, or closing them would send no FIN.
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        for (int fd = 3, n = static_cast<int>(::sysconf(_SC_OPEN_MAX)); fd < n; ++fd)
            ::close(fd);
    }
    ::execv(argv[0], argv);
    ::_exit(127);
}

} // namespace

child_process::child_process(std::vector<std::string> argv, const std::filesystem::path& output_file)
{
    if (argv.empty()) throw std::invalid_argument("child_process: empty argv");
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);

    const int out_fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out_fd < 0) throw std::runtime_error("open " + output_file.string() + ": " + std::strerror(errno));
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) exec_child(args.data(), out_fd, parent);
    const int fork_errno = errno;
    ::close(out_fd);
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(fork_errno));
}

child_process::~child_process()
{
    stop();
}

bool child_process::running()
{
    if (pid_ < 0 || status_) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
        status_ = r == pid_ ? status : -1;
        return false;
    }
    return true;
}

std::optional<int> child_process::wait_for(std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
}

std::optional<int> child_process::stop(std::chrono::milliseconds grace) noexcept
{
    if (!running()) return status_;
    ::kill(pid_, SIGTERM);
    if (auto s = wait_for(grace)) return s;
    kill();
    return status_;
}

void child_process::kill() noexcept
{
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    // SIGKILL cannot be caught, so this wait ends promptly.
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = status;
}

int run_program(std::vector<std::string> argv, const std::filesystem::path& output_file,
                std::chrono::milliseconds limit)
{
    child_process p(std::move(argv), output_file);
    const auto status = p.wait_for(limit);
    if (!status) {
        p.kill();
        return -1;
    }
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

std::optional<std::filesystem::path> find_program(const std::string& name,
                                                  const std::vector<std::filesystem::path>& candidates)
{
    auto executable = [](const std::filesystem::path& p) { return ::access(p.c_str(), X_OK) == 0; };
    for (const auto& c : candidates)
        if (executable(c)) return c;
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && executable(std::filesystem::path(dir) / name))
            return std::filesystem::path(dir) / name;
    return std::nullopt;
}

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace sngw::test
