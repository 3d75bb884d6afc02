// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/mqtt5/codec.hpp>
#include <sngw/mqtt5/packets.hpp>

#include <chrono>
#include <cstdint>

namespace sngw::mqtt5 {

/// The session's clock type. Only the type: the session never reads a clock, `now` is passed in.
using clock = std::chrono::steady_clock;
using time_point = clock::time_point;

/// The Maximum Packet Size (§3.1.2.11.4) a CONNECT announces when the template sets none: an
/// MQTT-SN datagram carries at most 65,535 octets, plus room for MQTT's header and properties. The
/// broker must not send more [MQTT-3.1.2-25], so no connection buffers up to the protocol's 268 MB.
inline constexpr std::uint32_t default_max_packet_size = 65'536 + 1'024;

/// How one client_session connects and behaves. Held by value by the session.
struct session_config {
    /// The CONNECT template (MQTT 5.0 §3.1): client id, keep alive, will (with its properties),
    /// user name, password, and the CONNECT properties: Session Expiry Interval, Receive Maximum (the
    /// gateway sets it to the sensor's buffer size, design §3), Maximum Packet Size, Topic Alias
    /// Maximum (inbound aliases we accept and resolve), Request Problem/Response Information,
    /// Authentication Method/Data, User Properties. Absent properties mean the spec's defaults,
    /// except Maximum Packet Size: absent, the session sets default_max_packet_size (visible in
    /// client_session::config(), so the driver can size its stream_splitter alike).
    /// `clean_start` applies to the first connection; see client_session::set_clean_start().
    connect_packet connect{};

    /// From on_link_up (CONNECT sent) to CONNACK; past it the link is lost (connack_timeout) and
    /// closed abruptly. Covers an enhanced-authentication exchange as a whole.
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};

    /// After a PINGREQ, how long to wait for a PINGRESP (or any other packet) before the link counts
    /// as lost (ping_timeout) and is closed abruptly (MQTT 5.0 §3.1.2.10 "reasonable amount of
    /// time"). Zero: half the Keep Alive in force, so a dead link is noticed after 1.5 x Keep Alive
    /// of silence, as the broker itself would (§3.1.2.10).
    std::chrono::milliseconds ping_timeout{0};

    /// Our own bound on outbound topic aliases (memory per session); the number used is the smaller
    /// of this and the broker's Topic Alias Maximum. Zero: never use outbound aliases.
    std::uint16_t max_outbound_topic_aliases = 16;

    /// A QoS 1/2 PUBLISH sent and still waiting for its PUBACK/PUBREC when this many links in a row
    /// end under it (lost, timed out, closed by a protocol error or a broker DISCONNECT; not our own
    /// disconnect() or abort()) is completed locally with 0x80 Unspecified error (publish_completed
    /// local): one message that makes the broker drop the connection must not block a sensor for
    /// ever (each reconnect would re-send it, §4.4). Zero: never give up. A PUBLISH already PUBREC'd
    /// (the broker owns it) is not counted.
    std::uint8_t max_link_losses_in_flight = 3;
};

/// What the broker's CONNACK allows, with the spec's defaults for absent properties
/// (MQTT 5.0 §3.2.2.3). Before the first CONNACK: the defaults.
struct broker_limits {
    std::uint16_t receive_maximum = 65535;                     // §3.2.2.3.3
    mqtt5::qos maximum_qos = mqtt5::qos::exactly_once;         // §3.2.2.3.4
    bool retain_available = true;                              // §3.2.2.3.5
    std::uint32_t maximum_packet_size = max_packet_size_limit; // §3.2.2.3.6
    std::uint16_t topic_alias_maximum = 0;                     // §3.2.2.3.8
    bool wildcard_subscription_available = true;               // §3.2.2.3.11
    bool subscription_identifier_available = true;             // §3.2.2.3.12
    bool shared_subscription_available = true;                 // §3.2.2.3.13
    friend bool operator==(const broker_limits&, const broker_limits&) = default;
};

} // namespace sngw::mqtt5
