// SPDX-License-Identifier: MIT
#pragma once

// Internal to the core: what a broker verdict (an MQTT 5 Reason Code) means for the gateway and for
// an MQTT-SN sensor (design §4). One table; one test walks every row. Not installed.

#include <sngw/mqtt5/reason_code.hpp>
#include <sngw/sn/classify.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sngw::core::detail {

/// Design §4's classes: what the gateway does after the broker ended a sensor's upstream session
/// (DISCONNECT, a refused CONNACK, or the link lost).
enum class verdict_class : std::uint8_t {
    reconnect,      // re-open at once (Clean Start 0), then back-off, config.reconnect_tries tries
    retry_later,    // re-open with back-off 1, 2, 4 .. 30 s within config.retry_later_grace
    go_elsewhere,   // follow the Server Reference when config.follow_server_reference, else tell
    fix_then_retry, // no re-open: the same request would fail again; tell the sensor at once
    do_not_retry,   // no re-open, tell the sensor, hold-down of config.hold_down for the client id
    not_a_verdict,  // a code no broker ends a session with: handled as a lost link (reconnect)
};
std::string_view to_string(verdict_class c) noexcept;

/// One row of design §4: a cause (an MQTT 5 Reason Code, or one of the two causes without one)
/// and every answer derived from it.
struct reason_row {
    mqtt5::reason_code reason; // for the two special rows: 0x80
    verdict_class what;        // after a DISCONNECT (or CONNACK failure) with it
    // MQTT-SN v1.2 (§5.3.10 Table 5). A v1.2 DISCONNECT has no reason: always bare (§5.4.21).
    std::uint8_t connack; // CONNACK to the sensor when the broker's CONNECT fails with it
    std::uint8_t puback;  // PUBACK to the sensor when its PUBLISH completes with it
    std::uint8_t suback;  // SUBACK to the sensor when its SUBSCRIBE gets it
    // MQTT-SN v2.0 (CSD01 §2.4 Reason Code table).
    std::uint8_t v2_disconnect; // DISCONNECT reason code a v2.0 sensor gets for this verdict
    std::uint8_t v2_connack;    // CONNACK reason code for a refused CONNECT
    std::uint8_t v2_puback;     // PUBACK / PUBREC to the sensor when its PUBLISH completes with it
    std::uint8_t v2_suback;     // SUBACK to the sensor when its SUBSCRIBE gets it
    std::uint8_t v2_unsuback;   // UNSUBACK to the sensor when its UNSUBSCRIBE gets it
};

/// Every MQTT 5.0 Reason Code (§2.4), in code order (43 rows).
std::span<const reason_row> reason_table() noexcept;
/// "Connection lost without DISCONNECT" (TCP closed, PINGRESP or CONNACK late, our own protocol
/// error DISCONNECT): reconnect class.
const reason_row& link_lost_row() noexcept;
/// "Broker unreachable" (the link did not come up, or no CONNACK in time, while a sensor waits
/// for its CONNACK): retry later; v1.2 CONNACK 0x01, v2.0 CONNACK 0x88.
const reason_row& broker_unreachable_row() noexcept;

/// The row of `rc` (a value MQTT 5 does not define gets the row of 0x80 Unspecified error).
const reason_row& reason_row_of(mqtt5::reason_code rc) noexcept;
/// The row of a link end: with a reason code, or lost without one (std::nullopt).
const reason_row& reason_row_of(std::optional<mqtt5::reason_code> rc) noexcept;

/// The class of a link end (std::nullopt: lost without DISCONNECT).
verdict_class class_of(std::optional<mqtt5::reason_code> reason) noexcept;

/// CONNACK return code for a failed upstream CONNECT (design §4): 0x01 congestion for what is
/// transient (reconnect, retry later, go elsewhere), 0x03 not supported for the rest.
std::uint8_t connack_return_code(mqtt5::reason_code rc) noexcept;
/// The broker could not be reached at all (link down, no CONNACK in time): transient.
inline constexpr std::uint8_t connack_broker_unreachable = 0x01;
/// CONNACK during a hold-down (design §4 "do not retry"): "rejected: not supported".
inline constexpr std::uint8_t connack_hold_down = 0x03;

/// PUBACK return code for a sensor's PUBLISH completed by the broker (PUBACK, PUBCOMP, or a
/// failing PUBREC): 0x00 below 0x80; 0x02 for a topic the broker refuses; 0x01 for quota/busy;
/// 0x03 otherwise.
std::uint8_t puback_return_code(mqtt5::reason_code rc) noexcept;

/// SUBACK return code for the broker's SUBACK reason code: 0x00 for a granted QoS, 0x02 for an
/// invalid topic filter, 0x01 for quota, 0x03 otherwise.
std::uint8_t suback_return_code(mqtt5::reason_code rc) noexcept;

/// The v2.0 DISCONNECT code for a link end (std::nullopt: lost without DISCONNECT: 0x80).
std::uint8_t v2_disconnect_code(std::optional<mqtt5::reason_code> reason) noexcept;
/// The v2.0 CONNACK code for a refused CONNECT (std::nullopt: broker unreachable: 0x88).
std::uint8_t v2_connack_code(std::optional<mqtt5::reason_code> reason) noexcept;

/// The v2.0 PUBACK / PUBREC code for a sensor's PUBLISH the broker completed with `rc` (CSD01
/// §3.6.3, §3.6.4): the same code where CSD01 §2.3 lists it, 0xF1 for transient refusals, 0x95
/// for a PUBLISH over the broker's Maximum Packet Size.
std::uint8_t v2_puback_code(mqtt5::reason_code rc) noexcept;
/// The v2.0 SUBACK code for the broker's SUBACK reason code (CSD01 §3.8.5): granted QoS or failure.
std::uint8_t v2_suback_code(mqtt5::reason_code rc) noexcept;
/// The v2.0 UNSUBACK code for the broker's UNSUBACK reason code (CSD01 §3.10.3).
std::uint8_t v2_unsuback_code(mqtt5::reason_code rc) noexcept;
/// The MQTT 5 PUBACK / PUBREC reason code for a v2.0 sensor's PUBACK / PUBREC code (CSD01 §2.3 ->
/// MQTT 5.0 §3.4.2.1): the same where MQTT 5 has it, else 0x00 below 0x80 and 0x80 above.
mqtt5::reason_code mqtt5_ack_reason(std::uint8_t v2_code) noexcept;

/// MQTT-SN v2.0 §3.11.3 [MQTT-SN-3.11.3-3]: DISCONNECT to a PINGREQ without a virtual connection.
inline constexpr std::uint8_t v2_no_virtual_connection = 0xF4;

/// The DISCONNECT datagram a sensor receives for a verdict (design §4):
/// - v1.2: bare `02 18` (MQTT-SN v1.2 §5.4.21 has no reason field; never after a sleep request,
///   where it would read as "sleep granted", §6.14 - the caller's rule).
/// - v2.0 (CSD01 §3.13): Reason Code flag and `v2_reason`; the Packet Identifier flag and
///   `packet_id` when it answers a PINGREQ (§3.13.3: the DISCONNECT can carry the Packet Identifier
///   of the packet it answers); the Reason String (§3.13.6) only when the whole packet then fits
///   `max_packet_size` (the sensor's Maximum Packet Size, CSD01 §3.1.7 [MQTT-SN-3.1.7-2]).
///   Never a Session Expiry Interval (§3.13.5 [MQTT-SN-3.13.5-1]).
std::vector<std::byte>
disconnect_datagram(sn::protocol_version version, std::uint8_t v2_reason,
                    const std::optional<std::string>& reason_string = std::nullopt,
                    std::optional<std::uint16_t> packet_id = std::nullopt,
                    std::size_t max_packet_size = std::numeric_limits<std::size_t>::max());

/// A Server Reference (MQTT 5.0 §4.11, "host[:port]", the first of a space-separated list; an
/// IPv6 literal in brackets). std::nullopt when empty or malformed; port 0 when absent.
struct server_reference {
    std::string host;
    std::uint16_t port = 0;
    friend bool operator==(const server_reference&, const server_reference&) = default;
};
std::optional<server_reference> parse_server_reference(std::string_view text);

} // namespace sngw::core::detail
