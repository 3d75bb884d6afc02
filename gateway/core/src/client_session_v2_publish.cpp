// SPDX-License-Identifier: MIT
// One MQTT-SN 2.0 (OASIS CSD01) client's topics and messages: session and predefined topic aliases,
// REGISTER/REGACK both ways, PUBLISH in both directions with its acknowledgements and reason codes,
// SUBSCRIBE with its options, UNSUBSCRIBE. The delivery queue toward the sensor is the one of
// client_session_publish.cpp.
#include "client_session_impl.hpp"

#include <sngw/sn/v2_0/codec.hpp>

namespace sngw::core::detail {

// TODO(#5 helper B): every handler below.

void client_session::impl::handle(const v20::register_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "REGISTER (MQTT-SN 2.0: not supported yet)", out);
}

void client_session::impl::handle(const v20::regack_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "REGACK (MQTT-SN 2.0: not supported yet)", out);
}

void client_session::impl::handle(const v20::publish_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "PUBLISH (MQTT-SN 2.0: not supported yet)", out);
}

void client_session::impl::handle(const v20::puback_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "PUBACK (MQTT-SN 2.0: not supported yet)", out);
}

void client_session::impl::handle(const v20::pubrec_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "PUBREC (MQTT-SN 2.0: not supported yet)", out);
}

void client_session::impl::handle(const v20::pubrel_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "PUBREL (MQTT-SN 2.0: not supported yet)", out);
}

void client_session::impl::handle(const v20::pubcomp_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "PUBCOMP (MQTT-SN 2.0: not supported yet)", out);
}

void client_session::impl::handle(const v20::subscribe_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "SUBSCRIBE (MQTT-SN 2.0: not supported yet)", out);
}

void client_session::impl::handle(const v20::unsubscribe_msg&, time_point, std::vector<action>& out)
{
    drop(errc::unexpected_message, "UNSUBSCRIBE (MQTT-SN 2.0: not supported yet)", out);
}

} // namespace sngw::core::detail
