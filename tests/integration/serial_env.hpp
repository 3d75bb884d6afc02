// SPDX-License-Identifier: MIT
#pragma once

// One mosquitto, one sngw with a serial port (and its usual UDP listener), and the device side of
// that port (serial_bridge) for the serial integration tests. Sensors are sngw::sn_client clients
// whose datagrams the bridge carries over the pty.

#include "gateway_harness.hpp"
#include "serial_harness.hpp"

#include "support/temp_dir.hpp"

#include <string>
#include <utility>
#include <vector>

namespace sngw::test {

struct serial_env {
    /// The gateway's arguments: the integration defaults, the port, `extra`.
    static std::vector<std::string> arguments(const serial_bridge& bridge, std::vector<std::string> extra)
    {
        auto args = gateway_env::default_args();
        args.push_back("--serial");
        args.push_back(bridge.serial_option());
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    explicit serial_env(serial_bridge::settings s, std::vector<std::string> extra = {})
        : bridge(s, dir / "ttySN0"), env(arguments(bridge, std::move(extra)))
    {
        // The gateway opened and configured the port before it answered its first SEARCHGW.
        REQUIRE_MESSAGE(bridge.wait_configured(std::chrono::seconds(5)), env.describe());
    }

    /// A sensor on the serial side.
    sngw::sn_client::client_options sensor_options(std::string client_id) const
    {
        auto o = env.sensor_options(std::move(client_id));
        o.gateway_port = bridge.udp_port();
        return o;
    }

    sngw::sn_client::client connected_sensor(std::string client_id)
    {
        return env.connected_sensor(sensor_options(std::move(client_id)));
    }

    std::string describe() const { return env.describe(); }

    temp_dir dir{"sngw-serial-it"};
    serial_bridge bridge;
    gateway_env env;
};

} // namespace sngw::test
