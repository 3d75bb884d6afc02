// SPDX-License-Identifier: MIT
#include "support/tls_test_certs.hpp"

#include "support/child_process.hpp"

#include <stdexcept>

#ifndef SNGW_MAKE_TEST_CERTS
#error "SNGW_MAKE_TEST_CERTS (path of make_test_certs.sh) is set by tests/support/CMakeLists.txt"
#endif

namespace sngw::test {

bool tls_test_certs::available()
{
    return find_program("openssl").has_value();
}

std::string tls_test_certs::skip_reason()
{
    return "the openssl command is not installed (apt-get install openssl); TLS tests need it";
}

tls_test_certs::tls_test_certs()
{
    const auto log = dir() / "make_test_certs.log";
    if (run_program({"/bin/sh", SNGW_MAKE_TEST_CERTS, dir().string()}, log) != 0)
        throw std::runtime_error("make_test_certs.sh failed:\n" + read_file(log));
}

} // namespace sngw::test
