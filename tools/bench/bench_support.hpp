// SPDX-License-Identifier: MIT
#pragma once

// Helpers the benchmarks share: process memory, the descriptor limit, latency percentiles.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace sngw::bench {

using micros = std::chrono::microseconds;

/// VmRSS of a process in KiB, from /proc/<pid>/status ("self" for this one); 0 if unreadable.
inline long rss_kib(const std::string& pid = "self")
{
    std::ifstream in("/proc/" + pid + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

/// Raises this process's descriptor limit to `needed`. False (with a message naming the option that
/// asks for fewer, e.g. "--connections") if the hard limit is lower and we are not root.
inline bool raise_fd_limit(rlim_t needed, const char* fewer_option)
{
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return false;
    if (r.rlim_cur >= needed) return true;
    if (r.rlim_max != RLIM_INFINITY && r.rlim_max < needed) {
        // Only root (CAP_SYS_RESOURCE) can raise the hard limit.
        if (::geteuid() == 0) {
            rlimit raised{needed, needed};
            if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return true;
        }
        std::cerr << "error: " << needed << " file descriptors needed, but the hard limit (ulimit -Hn) is "
                  << r.rlim_max << ".\n       Raise it (e.g. 'prlimit --pid $$ --nofile=" << needed << ":"
                  << needed
                  << "' as root, or 'nofile' in /etc/security/limits.conf, or LimitNOFILE= for a service),"
                  << " or ask for fewer " << fewer_option << ".\n";
        return false;
    }
    r.rlim_cur = needed;
    return ::setrlimit(RLIMIT_NOFILE, &r) == 0;
}

/// The p-quantile (0..1, nearest rank) of `v`, which it sorts (so v.back() is then the maximum).
inline micros percentile(std::vector<micros>& v, double p)
{
    if (v.empty()) return {};
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(rank, v.size() - 1)];
}

/// "12.34 ms".
inline std::string ms(micros us)
{
    std::ostringstream os;
    os << std::fixed << std::setprecision(2) << static_cast<double>(us.count()) / 1000.0 << " ms";
    return os.str();
}

} // namespace sngw::bench
