// SPDX-License-Identifier: MIT
#pragma once

// An MQTT-SN 2.0 sensor (sngw::sn_client::client_v2) against the test gateway of gateway_env: the
// options every v2.0 integration test starts from, and opening its socket.

#include "gateway_harness.hpp"

#include <sngw/sn_client/client_v2.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <utility>

namespace sngw::test {

/// Client id `client_id`, Keep Alive 60 s, 3 s per answer, the gateway's UDP port on 127.0.0.1.
inline sn_client::client_v2_options v2_options(const gateway_env& env, std::string client_id)
{
    sn_client::client_v2_options o;
    o.gateway_host = "127.0.0.1";
    o.gateway_port = env.gateway->udp_port();
    o.client_id = std::move(client_id);
    o.keep_alive = 60;
    o.reply_timeout = std::chrono::seconds(3);
    return o;
}

/// The sensor's socket, opened (REQUIREd); nothing sent yet.
inline sn_client::client_v2 open_v2(sn_client::client_v2_options o)
{
    auto c = sn_client::client_v2::open(std::move(o));
    REQUIRE_MESSAGE(c.has_value(), c.error().message());
    return std::move(*c);
}

} // namespace sngw::test
