// SPDX-License-Identifier: MIT
#include <sngw/mqtt_bridge/broker_connection.hpp>

#include <sngw/mqtt_bridge/tls_context.hpp>
#include <sngw/mqtt5/codec.hpp>
#include <sngw/mqtt5/errc.hpp>
#include <sngw/mqtt5/stream_splitter.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <deque>
#include <optional>
#include <sstream>
#include <tuple>
#include <utility>

namespace sngw::mqtt_bridge {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

class connection_impl final : public broker_connection, public std::enable_shared_from_this<connection_impl> {
public:
    connection_impl(const asio::any_io_executor& ex, connection_options options)
        : options_(std::move(options)), executor_(ex), resolver_(ex), socket_(ex), timer_(ex),
          splitter_(options_.max_packet_size)
    {
        if (options_.tls) tls_.emplace(ex, *options_.tls);
    }

    void start(handlers h) override
    {
        if (state_ != connection_state::idle) return;
        handlers_ = std::move(h);
        state_ = connection_state::connecting;
        arm_timer(options_.connect_timeout);
        resolver_.async_resolve(
            options_.host, std::to_string(options_.port), tcp::resolver::numeric_service,
            [self = shared_from_this()](error_code ec, tcp::resolver::results_type results) {
                self->on_resolved(ec, std::move(results));
            });
    }

    bool send(std::vector<std::byte> packet) override
    {
        if (state_ != connection_state::idle && state_ != connection_state::connecting &&
            state_ != connection_state::open)
            return false;
        // The bound: an empty queue always takes one packet, so no packet is too large to send.
        const std::size_t bound = options_.max_queued_bytes;
        if (bound != 0 && queued_bytes_ != 0 && (queued_bytes_ >= bound || packet.size() > bound - queued_bytes_))
            return false;
        queued_bytes_ += packet.size();
        queue_.push_back(std::move(packet));
        if (state_ == connection_state::open && !writing_) do_write();
        return true;
    }

    void close() override
    {
        switch (state_) {
        case connection_state::idle:
            state_ = connection_state::closed; // never started: nobody to tell
            return;
        case connection_state::connecting:
            finish(close_reason::closed_locally, {});
            return;
        case connection_state::open:
            state_ = connection_state::closing;
            arm_timer(options_.close_timeout);
            if (!writing_) {
                if (queue_.empty())
                    begin_shutdown();
                else
                    do_write();
            }
            return;
        case connection_state::closing:
        case connection_state::closed:
            return;
        }
    }

    void abort() override
    {
        if (state_ == connection_state::idle) {
            state_ = connection_state::closed;
            return;
        }
        finish(close_reason::closed_locally, {});
    }

    connection_state state() const noexcept override { return state_; }
    std::size_t queued_bytes() const noexcept override { return queued_bytes_; }
    std::string remote_endpoint() const override { return remote_; }

private:
    // --- connecting -------------------------------------------------------------------------------

    void on_resolved(error_code ec, tcp::resolver::results_type results)
    {
        if (ec == asio::error::operation_aborted || state_ != connection_state::connecting) return;
        if (ec) {
            finish(close_reason::resolve_failed, ec);
            return;
        }
        // Tries each address in turn (IPv6 and IPv4 alike); the error is the last address's.
        asio::async_connect(lowest(), results,
                            [self = shared_from_this()](error_code connect_ec, const tcp::endpoint& ep) {
                                self->on_connected_tcp(connect_ec, ep);
                            });
    }

    void on_connected_tcp(error_code ec, const tcp::endpoint& ep)
    {
        if (ec == asio::error::operation_aborted || state_ != connection_state::connecting) return;
        if (ec) {
            finish(close_reason::connect_failed, ec);
            return;
        }
        std::ostringstream text;
        text << ep; // "127.0.0.1:1883", "[::1]:1883"
        remote_ = text.str();
        error_code ignored;
        lowest().set_option(tcp::no_delay(true), ignored); // MQTT packets are small and latency-bound
        if (!tls_) {
            on_open();
            return;
        }
        if (!prepare_tls()) {
            finish(close_reason::tls_handshake_failed, ssl::error::unspecified_system_error);
            return;
        }
        tls_->async_handshake(ssl::stream_base::client,
                              [self = shared_from_this()](error_code hs_ec) { self->on_handshake(hs_ec); });
    }

    // Host name verification and SNI for the name the certificate must carry.
    bool prepare_tls()
    {
        const std::string& name = options_.tls_server_name.empty() ? options_.host : options_.tls_server_name;
        error_code ec;
        asio::ip::make_address(name, ec);
        const bool is_address = !ec;
        ec.clear();
        // SNI carries DNS names only (RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted").
        // (SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.)
        if (!is_address && ::SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                                      TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str())) != 1)
            return false;
        tls_->set_verify_callback(
            [this, check = ssl::host_name_verification(name), is_address](bool preverified,
                                                                          ssl::verify_context& ctx) {
                X509_STORE_CTX* store = ctx.native_handle();
                if (!preverified) {
                    verify_error_ = ::X509_STORE_CTX_get_error(store);
                    return false;
                }
                if (check(preverified, ctx)) return true;
                // asio's check does not say why; it only fails on the leaf, for the name.
                verify_error_ = is_address ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH;
                ::X509_STORE_CTX_set_error(store, verify_error_);
                return false;
            },
            ec);
        return !ec;
    }

    void on_handshake(error_code ec)
    {
        if (ec == asio::error::operation_aborted || state_ != connection_state::connecting) return;
        if (ec) {
            if (verify_error_ != 0) {
                finish(close_reason::tls_verify_failed, error_code(verify_error_, tls_verify_category()));
                return;
            }
            if (const long result = ::SSL_get_verify_result(tls_->native_handle()); result != X509_V_OK) {
                finish(close_reason::tls_verify_failed,
                       error_code(static_cast<int>(result), tls_verify_category()));
                return;
            }
            finish(close_reason::tls_handshake_failed, ec);
            return;
        }
        on_open();
    }

    void on_open()
    {
        state_ = connection_state::open;
        timer_.cancel();
        do_read();
        if (handlers_.on_connected) handlers_.on_connected();
        if (state_ == connection_state::open && !writing_ && !queue_.empty()) do_write();
    }

    // --- reading ----------------------------------------------------------------------------------

    void do_read()
    {
        if (read_buffer_.empty())
            read_buffer_.resize(options_.read_buffer_size == 0 ? 4096 : options_.read_buffer_size);
        with_stream([this](auto& stream) {
            stream.async_read_some(
                asio::buffer(read_buffer_),
                [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
        });
    }

    void on_read(error_code ec, std::size_t n)
    {
        if (ec == asio::error::operation_aborted || state_ == connection_state::closed) return;
        if (state_ == connection_state::closing) {
            if (!ec) {
                do_read(); // no packets after close(); wait for the broker's EOF
                return;
            }
            // EOF or an error after our flush: the graceful close is complete.
            if (flushed_)
                finish(close_reason::closed_locally, {});
            else
                finish(read_close_reason(ec), ec);
            return;
        }
        if (ec) {
            finish(read_close_reason(ec), ec);
            return;
        }
        splitter_.put(std::span<const std::byte>(read_buffer_.data(), n));
        for (;;) {
            const auto r = splitter_.next();
            if (r.status == mqtt5::split_status::need_more) break;
            if (r.status == mqtt5::split_status::corrupt) {
                fail_stream(r.error);
                return;
            }
            if (handlers_.on_packet) handlers_.on_packet(r.bytes);
            if (state_ != connection_state::open)
                break; // the handler closed or aborted: deliver nothing more
        }
        if (state_ != connection_state::closed) do_read();
    }

    // The stream cannot be cut into packets any more. MQTT 5.0 §4.13.1: the Client SHOULD send
    // DISCONNECT 0x81 (Malformed Packet) / 0x95 (Packet too large) before closing. It goes after the
    // write in flight, instead of the rest of the queue, then the close is graceful (close_timeout);
    // on_closed reports the stream error whatever becomes of the goodbye.
    void fail_stream(error_code ec)
    {
        const bool too_large = ec == mqtt5::errc::packet_too_large;
        const auto reason = too_large ? close_reason::packet_too_large : close_reason::malformed_stream;
        // Nothing sent yet: no DISCONNECT, the first packet must be CONNECT (MQTT 5.0 §3.1, [MQTT-3.1.0-1]).
        auto goodbye = mqtt5::encode(mqtt5::disconnect_packet{
            .reason = too_large ? mqtt5::reason_code::packet_too_large : mqtt5::reason_code::malformed_packet});
        if (!sent_any_ || !goodbye) {
            finish(reason, ec);
            return;
        }
        fault_.emplace(reason, ec);
        queue_.clear();
        queued_bytes_ = writing_ ? in_flight_.size() : 0;
        queued_bytes_ += goodbye->size();
        queue_.push_back(std::move(*goodbye));
        state_ = connection_state::closing;
        arm_timer(options_.close_timeout);
        if (!writing_) do_write();
        do_read(); // the closing state discards what still arrives and waits for EOF
    }

    static close_reason read_close_reason(error_code ec)
    {
        // stream_truncated: TCP EOF without TLS close_notify, which is how many brokers hang up.
        if (ec == asio::error::eof || ec == ssl::error::stream_truncated) return close_reason::closed_by_peer;
        return close_reason::read_failed;
    }

    // --- writing ----------------------------------------------------------------------------------

    void do_write()
    {
        writing_ = true;
        sent_any_ = true;
        // Out of the queue while asio reads it: finish() clears the queue, and the write may go on
        // reading its buffer until its handler runs (a TLS write encrypts it one record at a time).
        in_flight_ = std::move(queue_.front());
        queue_.pop_front();
        with_stream([this](auto& stream) {
            asio::async_write(
                stream, asio::buffer(in_flight_),
                [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
        });
    }

    void on_write(error_code ec)
    {
        if (ec == asio::error::operation_aborted || state_ == connection_state::closed) return;
        writing_ = false;
        if (ec) {
            finish(close_reason::write_failed, ec);
            return;
        }
        queued_bytes_ -= in_flight_.size();
        in_flight_ = {};
        if (!queue_.empty())
            do_write();
        else if (state_ == connection_state::closing)
            begin_shutdown();
    }

    // --- closing ----------------------------------------------------------------------------------

    // Everything queued has been written: say goodbye, then wait (bounded) for the broker's EOF, so
    // unread bytes from the broker cannot turn our close into a reset that loses what we wrote.
    void begin_shutdown()
    {
        flushed_ = true;
        if (tls_) {
            tls_->async_shutdown([self = shared_from_this()](error_code ec) { self->on_tls_shutdown(ec); });
            return;
        }
        error_code ignored;
        lowest().shutdown(tcp::socket::shutdown_send, ignored);
    }

    void on_tls_shutdown(error_code ec)
    {
        if (ec == asio::error::operation_aborted || state_ != connection_state::closing) return;
        // close_notify exchanged, or the broker hung up (eof / truncated): either way we are done.
        finish(close_reason::closed_locally, {});
    }

    // The single exit: every end goes through here once.
    void finish(close_reason reason, error_code ec)
    {
        if (state_ == connection_state::closed) return;
        state_ = connection_state::closed;
        if (fault_) std::tie(reason, ec) = *fault_; // the stream error, however its goodbye ended
        error_code ignored;
        timer_.cancel();
        resolver_.cancel();
        lowest().close(ignored); // pending operations complete with operation_aborted
        queue_.clear();          // not in_flight_: the aborted write may use it until its handler runs
        queued_bytes_ = 0;
        asio::post(executor_, [self = shared_from_this(), reason, ec] {
            // Moved out first: the handler may drop the last outside reference to us.
            auto on_closed = std::move(self->handlers_.on_closed);
            self->handlers_ = {};
            if (on_closed) on_closed(reason, ec);
        });
    }

    // --- timer --------------------------------------------------------------------------------------

    void arm_timer(std::chrono::milliseconds after)
    {
        timer_.expires_after(after);
        timer_.async_wait([weak = weak_from_this()](error_code ec) {
            if (ec == asio::error::operation_aborted) return;
            if (auto self = weak.lock()) self->on_timer();
        });
    }

    void on_timer()
    {
        // A completion already queued when the timer was cancelled or re-armed still arrives: only
        // act if this is the deadline in force.
        if (timer_.expiry() > asio::steady_timer::clock_type::now()) return;
        if (state_ == connection_state::connecting)
            finish(close_reason::connect_timeout, asio::error::timed_out);
        else if (state_ == connection_state::closing)
            finish(close_reason::closed_locally, asio::error::timed_out);
    }

    // --- helpers ----------------------------------------------------------------------------------

    tcp::socket& lowest() { return tls_ ? tls_->next_layer() : socket_; }

    template <class F> void with_stream(F&& f)
    {
        if (tls_)
            f(*tls_);
        else
            f(socket_);
    }

    connection_options options_;
    asio::any_io_executor executor_;
    tcp::resolver resolver_;
    tcp::socket socket_;                          // plain TCP; unused with TLS
    std::optional<ssl::stream<tcp::socket>> tls_; // TLS: owns its own socket
    asio::steady_timer timer_;                    // connect_timeout, then close_timeout
    handlers handlers_;
    connection_state state_ = connection_state::idle;
    mqtt5::stream_splitter splitter_;
    std::vector<std::byte> read_buffer_;
    std::deque<std::vector<std::byte>> queue_; // not yet written
    std::vector<std::byte> in_flight_;         // being written while writing_; freed by on_write only
    std::size_t queued_bytes_ = 0;             // queue_ + in_flight_
    bool writing_ = false;
    bool sent_any_ = false;                                     // a write has started
    std::optional<std::pair<close_reason, error_code>> fault_; // a stream error, goodbye under way
    bool flushed_ = false; // close(): the queue is written, the goodbye is under way
    int verify_error_ = 0; // X509_V_ERR_* seen by the verify callback
    std::string remote_;
};

} // namespace

std::shared_ptr<broker_connection> broker_connection::create(const boost::asio::any_io_executor& executor,
                                                             connection_options options)
{
    return std::make_shared<connection_impl>(executor, std::move(options));
}

} // namespace sngw::mqtt_bridge
