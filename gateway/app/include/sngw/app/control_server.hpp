// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/app/control_protocol.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sngw::app {

/// What the control server counts (for `sngwctl status` and logs).
struct control_counters {
    std::uint64_t connections = 0;         // accepted and served
    std::uint64_t connections_refused = 0; // over max_connections: answered with an error, closed
    std::uint64_t requests = 0;            // lines answered with ok
    std::uint64_t bad_requests = 0;        // lines answered with an error (bad JSON, unknown command...)
    std::uint64_t oversized = 0;           // lines over max_request_line: answered, connection closed
    std::uint64_t slow_readers = 0;        // connections closed because their answers piled up unread
};

struct control_server_options {
    std::string path{};                       // the socket file
    std::size_t max_connections = 32;         // at once; more are told so and closed
    std::size_t max_queued = 4 * 1024 * 1024; // answer octets a connection may leave unread (beyond one)
    std::size_t max_line = max_request_line;
};

/// The control socket (design §6): a UNIX stream socket at `path`, mode 0660, one JSON request per
/// line, one answer line each, in order (control_protocol.hpp).
///
/// open(): a socket file nobody listens on (a killed daemon's) is replaced; one another process
/// answers on is left alone and open() fails with address_in_use; any other file at the path fails
/// with file_exists (never deleted). The file is removed by stop() and the destructor, if it is
/// still the one this server bound.
/// The handler gets every well-formed request on the executor and returns the whole answer line
/// (ok_line / error_line); it may do anything the executor's thread may (kick applies actions).
/// Bad lines are answered here (error_line) and the connection stays usable; an oversized line is
/// answered and the connection closed. A connection that does not read its answers is closed once
/// max_queued octets wait for it, so no client can grow the daemon's memory or stall the io_context.
/// Thread safety: the executor's thread only.
class control_server {
public:
    using handler = std::function<std::string(const control_request&)>;

    static boost::system::result<std::unique_ptr<control_server>>
    open(const boost::asio::any_io_executor& ex, control_server_options options, handler h);

    ~control_server();
    control_server(const control_server&) = delete;
    control_server& operator=(const control_server&) = delete;

    /// Starts accepting.
    void start();
    /// Closes the listener and every connection, removes the socket file. Idempotent.
    void stop() noexcept;

    const std::string& path() const noexcept;
    const control_counters& counters() const noexcept;
    std::size_t open_connections() const noexcept;

    struct impl;

private:
    explicit control_server(std::shared_ptr<impl> d);
    std::shared_ptr<impl> impl_;
};

} // namespace sngw::app
