// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/app/control_server.hpp>
#include <sngw/app/metrics.hpp>
#include <sngw/core/gateway.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sngw::app {

/// Where a client is, as the runner knows it (the core only has a peer_id).
struct client_place {
    std::string link{};              // "udp 0.0.0.0:1883", "serial /dev/ttyUSB0"; "" when not attached
    std::string address{};           // "127.0.0.1:50123", "/dev/ttyUSB0 xbee 0013a20040a1b2c3"; "" if none
    std::uint64_t datagrams_in = 0;  // from its current peer (address), counted by the runner
    std::uint64_t datagrams_out = 0; // to its current peer
};

/// The clock pair that turns the core's steady time points into wall-clock times: a time point t
/// is shown as wall_now - (now - t).
struct render_clock {
    core::time_point now{};
    std::chrono::system_clock::time_point wall_now{};
};

/// Traffic rates over the last seconds (per second), computed by the runner from counter samples.
struct traffic_rates {
    double window_seconds = 0; // 0: no sample yet; rates are 0
    double messages_in = 0;    // PUBLISHes from sensors
    double messages_out = 0;   // PUBLISHes to sensors
    double datagrams_in = 0;
    double datagrams_out = 0;
    double bytes_in = 0; // on every link, framing included
    double bytes_out = 0;
};

/// What `status` adds to the metrics snapshot.
struct status_extras {
    std::string broker{}; // "127.0.0.1:1883"
    bool broker_tls = false;
    std::uint16_t gateway_id = 0;
    traffic_rates rates{};
    std::string control_path{};
    control_counters control{};
    core::time_point started{};
};

/// "2026-11-25T12:34:56Z" (ISO 8601, UTC, whole seconds).
std::string iso8601_utc(std::chrono::system_clock::time_point t);

/// One client (`client ID`, and each entry of `clients`): every client_info field, with the link
/// and address, last seen and the last broker disconnect as ISO 8601 UTC and seconds ago. README
/// "The socket protocol" lists the members.
boost::json::object client_json(const core::client_info& c, const client_place& place,
                                const render_clock& clock);

/// `status`: version, uptime, the broker link, every link with its counters, sensors by state and
/// protocol version, message counters and rates, the core's drops, the control socket's counters.
boost::json::object status_json(const metrics_snapshot& m, const status_extras& x, const render_clock& clock);

} // namespace sngw::app
