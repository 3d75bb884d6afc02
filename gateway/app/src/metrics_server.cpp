// SPDX-License-Identifier: MIT
// The Prometheus endpoint's HTTP/1.1 server: one request per connection, on the gateway's io_context.
// Written by hand rather than with Boost.Beast: it reads one request line and ignores every header, so
// a bounded head reader is all it needs, and Beast's templates would add much compile time on the
// project's 2-core builds for nothing the endpoint uses.
#include <sngw/app/metrics.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace sngw::app {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

/// After the answer, a client that keeps the connection open is given this long to close it (so
/// unread request octets do not turn our close into a reset that could eat the response).
constexpr std::chrono::milliseconds linger_limit{1000};
/// After an accept error (e.g. EMFILE), wait this long before accepting again: no busy loop.
constexpr std::chrono::milliseconds accept_retry_delay{100};

/// Where the request head ends: just past "\r\n\r\n" or "\n\n" (RFC 9112 §2.2 lets a recipient take a
/// bare LF as a line terminator); npos while incomplete.
std::size_t end_of_head(std::string_view data) noexcept
{
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] != '\n' || i == 0) continue;
        if (data[i - 1] == '\n') return i + 1;
        if (i >= 2 && data[i - 1] == '\r' && data[i - 2] == '\n') return i + 1;
    }
    return std::string_view::npos;
}

/// RFC 9110 §5.6.2 token characters (a method is a token).
bool is_tchar(char c) noexcept
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

struct request_line {
    std::string_view method;
    std::string_view path; // origin-form target without its query
};

/// RFC 9112 §3: method SP request-target SP HTTP-version. Only origin-form targets ("/x?y").
std::optional<request_line> parse_request_line(std::string_view head) noexcept
{
    auto line = head.substr(0, head.find('\n'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0) return std::nullopt;
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return std::nullopt;
    const auto method = line.substr(0, sp1);
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (!std::all_of(method.begin(), method.end(), is_tchar)) return std::nullopt;
    if (target.front() != '/') return std::nullopt;
    if (std::any_of(target.begin(), target.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
        return std::nullopt;
    if (version.size() != 8 || version.substr(0, 7) != "HTTP/1.") return std::nullopt;
    return request_line{method, target.substr(0, target.find('?'))};
}

} // namespace

struct metrics_server::impl : std::enable_shared_from_this<metrics_server::impl> {
    class connection;

    impl(asio::io_context& io_in, tcp::endpoint where_in, std::function<std::string()> render_in,
         metrics_server_options options_in)
        : io(io_in), where(std::move(where_in)), render(std::move(render_in)), options(options_in),
          acceptor(io_in), accept_retry(io_in)
    {}

    asio::io_context& io;
    tcp::endpoint where;
    std::function<std::string()> render;
    metrics_server_options options;
    tcp::acceptor acceptor;
    asio::steady_timer accept_retry;
    metrics_server_stats stats{};
    std::unordered_set<connection*> connections{};
    bool closed = false;

    void do_accept();
    void close() noexcept;
};

/// One HTTP client: read the request head (bounded in size and time), answer, close.
class metrics_server::impl::connection : public std::enable_shared_from_this<connection> {
public:
    connection(std::shared_ptr<impl> server, tcp::socket socket)
        : server_(std::move(server)), socket_(std::move(socket)), deadline_(server_->io)
    {
        server_->connections.insert(this);
    }
    ~connection() { server_->connections.erase(this); }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void start()
    {
        deadline_.expires_after(server_->options.deadline);
        deadline_.async_wait([self = shared_from_this()](error_code ec) {
            if (ec == asio::error::operation_aborted || self->stopped_) return;
            if (!self->answered_) ++self->server_->stats.timeouts;
            self->stop();
        });
        do_read();
    }

    /// Closes the socket and the deadline; pending handlers see operation_aborted. Idempotent.
    void stop() noexcept
    {
        if (stopped_) return;
        stopped_ = true;
        error_code ignored;
        socket_.close(ignored);
        deadline_.cancel();
    }

private:
    void do_read()
    {
        socket_.async_read_some(asio::buffer(chunk_),
                                [self = shared_from_this()](error_code ec, std::size_t n) {
                                    if (ec == asio::error::operation_aborted || self->stopped_) return;
                                    if (ec) {
                                        self->stop(); // EOF or reset before a whole head: nothing to answer
                                        return;
                                    }
                                    self->on_data(n);
                                });
    }

    void on_data(std::size_t n)
    {
        const auto limit = server_->options.max_request_head;
        head_.append(chunk_.data(), std::min(n, limit + 1 - std::min(head_.size(), limit + 1)));
        const auto end = end_of_head(head_);
        if (end == std::string_view::npos || end > limit) {
            if (head_.size() > limit || end != std::string_view::npos) {
                ++server_->stats.bad_requests;
                respond(431, "Request Header Fields Too Large", "text/plain; charset=utf-8",
                        "request head over " + std::to_string(limit) + " octets\n", false);
                return;
            }
            do_read();
            return;
        }
        handle(std::string_view(head_).substr(0, end));
    }

    void handle(std::string_view head)
    {
        const auto line = parse_request_line(head);
        if (!line) {
            ++server_->stats.bad_requests;
            respond(400, "Bad Request", "text/plain; charset=utf-8", "malformed request line\n", false);
            return;
        }
        const bool head_only = line->method == "HEAD";
        if (line->method != "GET" && !head_only) {
            ++server_->stats.bad_method;
            respond(405, "Method Not Allowed", "text/plain; charset=utf-8", "only GET and HEAD\n", false);
            return;
        }
        if (line->path == "/metrics") {
            std::string body;
            try {
                body = server_->render();
            } catch (...) {
                ++server_->stats.render_failures;
                respond(500, "Internal Server Error", "text/plain; charset=utf-8", "rendering failed\n",
                        head_only);
                return;
            }
            ++server_->stats.scrapes;
            // Prometheus text exposition format 0.0.4.
            respond(200, "OK", "text/plain; version=0.0.4; charset=utf-8", std::move(body), head_only);
            return;
        }
        if (line->path == "/") {
            ++server_->stats.index;
            respond(200, "OK", "text/html; charset=utf-8",
                    "<html><head><title>sngw</title></head><body><h1>sngw</h1>"
                    "<p>Prometheus metrics: <a href=\"/metrics\">/metrics</a></p></body></html>\n",
                    head_only);
            return;
        }
        ++server_->stats.not_found;
        respond(404, "Not Found", "text/plain; charset=utf-8", "not found: the metrics are at /metrics\n",
                head_only);
    }

    /// Sends the whole answer (Connection: close), then closes gracefully.
    void respond(int status, std::string_view reason, std::string_view content_type, std::string body,
                 bool head_only)
    {
        answered_ = true;
        response_ = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
        response_ += "Content-Type: ";
        response_ += content_type;
        response_ += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
        if (status == 405) response_ += "Allow: GET, HEAD\r\n";
        response_ += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
        if (!head_only) response_ += body;
        asio::async_write(socket_, asio::buffer(response_),
                          [self = shared_from_this()](error_code ec, std::size_t) {
                              if (ec == asio::error::operation_aborted || self->stopped_) return;
                              if (ec) {
                                  self->stop();
                                  return;
                              }
                              self->linger();
                          });
    }

    /// Half-closes and reads (discarding) until the client closes, for at most linger_limit.
    void linger()
    {
        error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        const auto left = deadline_.expiry() - asio::steady_timer::clock_type::now();
        if (left > linger_limit) {
            deadline_.expires_after(linger_limit); // cancels the pending wait: arm again
            deadline_.async_wait([self = shared_from_this()](error_code ec) {
                if (ec == asio::error::operation_aborted || self->stopped_) return;
                self->stop();
            });
        }
        drain();
    }

    void drain()
    {
        socket_.async_read_some(asio::buffer(chunk_),
                                [self = shared_from_this()](error_code ec, std::size_t) {
                                    if (ec == asio::error::operation_aborted || self->stopped_) return;
                                    if (ec) {
                                        self->stop();
                                        return;
                                    }
                                    self->drain();
                                });
    }

    std::shared_ptr<impl> server_;
    tcp::socket socket_;
    asio::steady_timer deadline_;
    std::array<char, 2048> chunk_{};
    std::string head_{};
    std::string response_{};
    bool answered_ = false;
    bool stopped_ = false;
};

void metrics_server::impl::do_accept()
{
    acceptor.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || self->closed) return;
        if (ec) {
            // EMFILE, ENOBUFS, a connection reset before it was accepted: try again a little later.
            self->accept_retry.expires_after(accept_retry_delay);
            self->accept_retry.async_wait([self](error_code wait_ec) {
                if (wait_ec == asio::error::operation_aborted || self->closed) return;
                self->do_accept();
            });
            return;
        }
        if (self->connections.size() >= self->options.max_connections) {
            ++self->stats.rejected;
            error_code ignored;
            socket.close(ignored);
        } else {
            ++self->stats.connections;
            std::make_shared<connection>(self, std::move(socket))->start();
        }
        self->do_accept();
    });
}

void metrics_server::impl::close() noexcept
{
    if (closed) return;
    closed = true;
    error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    // stop() does not destroy a connection (its handlers hold it), so the set is not changed meanwhile;
    // copy it anyway, the order does not matter.
    const std::vector<connection*> open_now(connections.begin(), connections.end());
    for (auto* c : open_now)
        c->stop();
}

metrics_server::metrics_server(asio::io_context& io, tcp::endpoint where, std::function<std::string()> render,
                               metrics_server_options options)
    : impl_(std::make_shared<impl>(io, std::move(where), std::move(render), options))
{}

metrics_server::~metrics_server()
{
    close();
}

error_code metrics_server::open()
{
    error_code ec;
    auto& a = impl_->acceptor;
    a.open(impl_->where.protocol(), ec);
    if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec); // a restart is not refused by TIME_WAIT
    if (!ec) a.bind(impl_->where, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        error_code ignored;
        a.close(ignored);
        return ec;
    }
    impl_->do_accept();
    return {};
}

tcp::endpoint metrics_server::local_endpoint() const
{
    error_code ec;
    auto e = impl_->acceptor.local_endpoint(ec);
    return ec ? tcp::endpoint{} : e;
}

void metrics_server::close() noexcept
{
    impl_->close();
}

const metrics_server_stats& metrics_server::stats() const noexcept
{
    return impl_->stats;
}

boost::system::result<tcp::endpoint> metrics_endpoint(const host_port& where)
{
    error_code ec;
    const auto address = asio::ip::make_address(where.host, ec);
    if (!ec) return tcp::endpoint(address, where.port);
    asio::io_context io;
    tcp::resolver resolver(io);
    const auto results = resolver.resolve(where.host, std::to_string(where.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec) return ec;
    if (results.empty()) return make_error_code(asio::error::host_not_found);
    return results.begin()->endpoint();
}

} // namespace sngw::app
