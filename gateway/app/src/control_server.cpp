// SPDX-License-Identifier: MIT
#include <sngw/app/control_server.hpp>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <exception>
#include <unordered_map>
#include <utility>

namespace sngw::app {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using stream = asio::local::stream_protocol;

/// What is at `path` now: nothing, a socket someone answers on, a socket nobody answers on (a
/// killed daemon's), or something else.
enum class occupant { none, live_socket, stale_socket, other_file };

occupant probe(const std::string& path)
{
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT ? occupant::none : occupant::other_file;
    if (!S_ISSOCK(st.st_mode)) return occupant::other_file;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return occupant::live_socket; // cannot tell: leave it alone
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), path.size());
    // A connect to a UNIX socket completes or fails at once: ECONNREFUSED means nobody listens;
    // EAGAIN (backlog full) means someone does.
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
    const int err = errno;
    ::close(fd);
    if (rc == 0) return occupant::live_socket;
    return err == ECONNREFUSED || err == ENOENT ? occupant::stale_socket : occupant::live_socket;
}

} // namespace

struct control_connection;

struct control_server::impl : std::enable_shared_from_this<impl> {
    impl(const asio::any_io_executor& ex, control_server_options o, handler h)
        : acceptor(ex), opts(std::move(o)), on_request(std::move(h))
    {}

    stream::acceptor acceptor;
    control_server_options opts;
    handler on_request;
    control_counters counters{};
    std::unordered_map<control_connection*, std::weak_ptr<control_connection>> connections{};
    dev_t dev = 0; // the file this server bound: removed only if it is still that one
    ino_t ino = 0;
    bool bound = false;
    bool stopped = false;

    void do_accept();
    void remove_file() noexcept
    {
        if (!bound) return;
        bound = false;
        struct stat st {};
        if (::lstat(opts.path.c_str(), &st) == 0 && st.st_dev == dev && st.st_ino == ino)
            ::unlink(opts.path.c_str());
    }
};

/// One client of the control socket: reads lines, answers each in order through a bounded queue.
struct control_connection : std::enable_shared_from_this<control_connection> {
    control_connection(stream::socket s, std::weak_ptr<control_server::impl> srv)
        : socket(std::move(s)), server(std::move(srv))
    {}

    stream::socket socket;
    std::weak_ptr<control_server::impl> server;
    std::string in{};
    std::deque<std::string> out{};
    std::size_t queued = 0;
    bool writing = false;
    bool close_after_write = false; // no more reading: close once `out` is sent
    bool closed = false;

    void do_read(std::size_t max_line)
    {
        // +1: the newline. A line that fills the buffer without one ends the read with not_found.
        asio::async_read_until(socket, asio::dynamic_buffer(in, max_line + 1), '\n',
                               [self = shared_from_this(), max_line](error_code ec, std::size_t n) {
                                   self->on_read(ec, n, max_line);
                               });
    }

    void on_read(error_code ec, std::size_t n, std::size_t max_line)
    {
        if (closed) return;
        auto srv = server.lock();
        if (!srv || srv->stopped) return close();
        if (ec == asio::error::not_found) {
            ++srv->counters.oversized;
            finish(error_line("request line longer than " + std::to_string(max_line) + " octets"));
            return;
        }
        if (ec) {
            // EOF (or an error): what was asked is still answered, then the connection closes.
            close_after_write = true;
            if (!writing) close();
            return;
        }
        const std::string line = in.substr(0, n - 1);
        in.erase(0, n);
        if (line.empty() || line == "\r") return do_read(max_line); // blank lines are no requests
        auto parsed = parse_request(line);
        std::string answer;
        if (!parsed.request) {
            ++srv->counters.bad_requests;
            answer = error_line(parsed.error);
        } else {
            // Nothing may throw out of an Asio handler (house-style §3): a failure is this answer's.
            try {
                answer = srv->on_request(*parsed.request);
            } catch (const std::exception& e) {
                answer = error_line(std::string("internal error: ") + e.what());
            }
            if (answer.starts_with("{\"ok\":true"))
                ++srv->counters.requests;
            else
                ++srv->counters.bad_requests;
        }
        if (!send(std::move(answer), *srv)) return;
        do_read(max_line);
    }

    /// Queues an answer; false (and the connection closed) when too much is left unread. One answer
    /// alone may be larger than max_queued (`clients` of 10,000 sensors): only a pile-up counts.
    bool send(std::string line, control_server::impl& srv)
    {
        if (!out.empty() && queued + line.size() > srv.opts.max_queued) {
            ++srv.counters.slow_readers;
            close();
            return false;
        }
        queued += line.size();
        out.push_back(std::move(line));
        if (!writing) do_write();
        return true;
    }

    /// A last answer, then close.
    void finish(std::string line)
    {
        close_after_write = true;
        queued += line.size();
        out.push_back(std::move(line));
        if (!writing) do_write();
    }

    void do_write()
    {
        if (closed) return;
        if (out.empty()) {
            if (close_after_write) close();
            return;
        }
        writing = true;
        asio::async_write(socket, asio::buffer(out.front()),
                          [self = shared_from_this()](error_code ec, std::size_t) {
                              self->writing = false;
                              if (ec || self->closed) return self->close();
                              self->queued -= self->out.front().size();
                              self->out.pop_front();
                              self->do_write();
                          });
    }

    void close() noexcept
    {
        if (closed) return;
        closed = true;
        error_code ignored;
        socket.shutdown(stream::socket::shutdown_both, ignored);
        socket.close(ignored);
        out.clear();
        if (auto srv = server.lock()) srv->connections.erase(this);
    }
};

void control_server::impl::do_accept()
{
    acceptor.async_accept([self = shared_from_this()](error_code ec, stream::socket s) {
        if (ec == asio::error::operation_aborted || self->stopped) return;
        if (!ec) {
            auto c = std::make_shared<control_connection>(std::move(s), self);
            if (self->connections.size() >= self->opts.max_connections) {
                ++self->counters.connections_refused;
                c->finish(error_line("too many control connections (" +
                                     std::to_string(self->opts.max_connections) + "); try again later"));
            } else {
                ++self->counters.connections;
                self->connections.emplace(c.get(), c);
                c->do_read(self->opts.max_line);
            }
        }
        // Errors such as EMFILE concern one accept: keep accepting (the next one may succeed).
        self->do_accept();
    });
}

boost::system::result<std::unique_ptr<control_server>>
control_server::open(const asio::any_io_executor& ex, control_server_options options, handler h)
{
    if (options.path.empty() || options.path.size() >= sizeof(sockaddr_un{}.sun_path))
        return error_code(ENAMETOOLONG, boost::system::system_category());
    switch (probe(options.path)) {
    case occupant::live_socket:
        return error_code(asio::error::address_in_use);
    case occupant::other_file:
        return error_code(EEXIST, boost::system::system_category());
    case occupant::stale_socket:
        ::unlink(options.path.c_str());
        break;
    case occupant::none:
        break;
    }
    auto d = std::make_shared<impl>(ex, std::move(options), std::move(h));
    error_code ec;
    d->acceptor.open(stream(), ec);
    if (ec) return ec;
    // Created 0600 whatever the umask, then opened to the group: never wider than 0660 meanwhile.
    const auto old_mask = ::umask(0177);
    d->acceptor.bind(stream::endpoint(d->opts.path), ec);
    ::umask(old_mask);
    if (ec) return ec == boost::system::errc::address_in_use ? error_code(asio::error::address_in_use) : ec;
    struct stat st {};
    if (::lstat(d->opts.path.c_str(), &st) == 0) {
        d->dev = st.st_dev;
        d->ino = st.st_ino;
        d->bound = true;
    }
    if (::chmod(d->opts.path.c_str(), 0660) != 0) {
        ec.assign(errno, boost::system::system_category());
        d->remove_file();
        return ec;
    }
    d->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        d->remove_file();
        return ec;
    }
    return std::unique_ptr<control_server>(new control_server(std::move(d)));
}

control_server::control_server(std::shared_ptr<impl> d) : impl_(std::move(d)) {}

control_server::~control_server()
{
    stop();
}

void control_server::start()
{
    if (!impl_->stopped) impl_->do_accept();
}

void control_server::stop() noexcept
{
    auto& d = *impl_;
    if (d.stopped) return;
    d.stopped = true;
    error_code ignored;
    d.acceptor.close(ignored);
    auto connections = std::move(d.connections);
    d.connections.clear();
    for (auto& [raw, weak] : connections)
        if (auto c = weak.lock()) c->close();
    d.remove_file();
}

const std::string& control_server::path() const noexcept
{
    return impl_->opts.path;
}

const control_counters& control_server::counters() const noexcept
{
    return impl_->counters;
}

std::size_t control_server::open_connections() const noexcept
{
    return impl_->connections.size();
}

} // namespace sngw::app
