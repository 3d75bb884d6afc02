// SPDX-License-Identifier: MIT
#include <sngw/mqtt_bridge/tls_context.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace sngw::mqtt_bridge {

namespace {

// boost::system::error_category's destructor is protected and non-virtual by design; categories
// are never deleted through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class verify_category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "tls_verify"; }
    std::string message(int ev) const override { return ::X509_verify_cert_error_string(ev); }
};
#pragma GCC diagnostic pop

// The newest OpenSSL error, as asio reports OpenSSL errors (asio::error::get_ssl_category()).
boost::system::error_code last_openssl_error()
{
    const unsigned long e = ::ERR_get_error();
    ::ERR_clear_error();
    if (e == 0) return boost::asio::ssl::error::unspecified_system_error;
    return {static_cast<int>(e), boost::asio::error::get_ssl_category()};
}

} // namespace

const boost::system::error_category& tls_verify_category() noexcept
{
    static const verify_category category;
    return category;
}

boost::system::result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const tls_options& options)
{
    namespace ssl = boost::asio::ssl;
    // tls_client: any version the library offers, lower bound set below. Never throws (the
    // constructor throws only if SSL_CTX_new fails, i.e. out of memory).
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;

    if (::SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1)
        return last_openssl_error();
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression, ec);
    if (ec) return ec;
    // Idle connections give their OpenSSL read/write buffers back: thousands of them stay open.
    ::SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (ec) return ec;

    if (!options.ca_file.empty()) {
        ctx->load_verify_file(options.ca_file, ec);
        if (ec) return ec;
    }
    if (!options.ca_dir.empty()) {
        ctx->add_verify_path(options.ca_dir, ec);
        if (ec) return ec;
    }
    if (options.ca_file.empty() && options.ca_dir.empty()) {
        ctx->set_default_verify_paths(ec);
        if (ec) return ec;
    }

    if (!options.cert_file.empty() || !options.key_file.empty()) {
        ctx->use_certificate_chain_file(options.cert_file, ec);
        if (ec) return ec;
        ctx->use_private_key_file(options.key_file, ssl::context::pem, ec);
        if (ec) return ec;
        if (::SSL_CTX_check_private_key(ctx->native_handle()) != 1) return last_openssl_error();
    }
    return ctx;
}

} // namespace sngw::mqtt_bridge
