// SPDX-License-Identifier: MIT
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace sngw::mqtt_bridge {

/// TLS settings for connections to the broker: where the trusted CAs are and, optionally, the
/// gateway's own certificate. All files PEM.
struct tls_options {
    std::string ca_file{};   // trusted CA certificates (one file)
    std::string ca_dir{};    // or a c_rehash'ed directory; with neither, the system's default paths
    std::string cert_file{}; // client certificate chain, for brokers that require one
    std::string key_file{};  // its private key (unencrypted)
};

/// Builds a TLS client context: TLS 1.2 minimum, peer verification on, the CAs and client
/// certificate of `options` loaded. Build it once at startup and share it between connections
/// (loading CA files per connection would cost thousands of file reads).
/// Errors (a missing or unreadable file, a key that does not match the certificate): the OpenSSL
/// error as an error_code of asio's ssl category. Never throws except std::bad_alloc.
boost::system::result<std::shared_ptr<boost::asio::ssl::context>>
make_tls_context(const tls_options& options);

/// Category of certificate verification failures (close_reason::tls_verify_failed): the values are
/// OpenSSL's X509_V_ERR_* codes, the messages X509_verify_cert_error_string's, e.g. 62
/// "hostname mismatch", 20 "unable to get local issuer certificate".
const boost::system::error_category& tls_verify_category() noexcept;

} // namespace sngw::mqtt_bridge
