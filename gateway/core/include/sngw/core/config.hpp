// SPDX-License-Identifier: MIT
#pragma once

#include <sngw/core/time.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sngw::core {

/// A topic id both sides know in advance (MQTT-SN v1.2 §6.7): from `--predefined-topics FILE`.
struct predefined_topic {
    std::uint16_t id = 0; // 1..65535
    std::string name{};   // a Topic Name (no wildcards)
    friend bool operator==(const predefined_topic&, const predefined_topic&) = default;
};

/// The MQTT 5 user name / password a sensor's upstream CONNECT carries (`--credentials FILE`,
/// else `--broker-user` / `--broker-password`).
struct broker_credentials {
    std::optional<std::string> user_name{};
    std::optional<std::string> password{};
    friend bool operator==(const broker_credentials&, const broker_credentials&) = default;
};

/// Everything the core decides with. Built by the app from the command line / INI file; plain data.
/// Defaults are the daemon's defaults (README "Configuration" lists them).
struct config {
    // ---- identity and discovery (MQTT-SN v1.2 §6.1) -------------------------------------------
    std::uint8_t gateway_id = 1;                  // GwId in ADVERTISE / GWINFO
    std::chrono::seconds advertise_interval{900}; // ADVERTISE period; 0 = never
    /// The gateway's own MQTT 5 connection (QoS -1 senders share it, design §2): its client id.
    /// Empty: "sngw-<gateway_id>".
    std::string gateway_client_id{};

    // ---- upstream (MQTT 5) ----------------------------------------------------------------------
    std::string client_id_prefix{};                                // prepended to each sensor's client id
    broker_credentials default_credentials{};                      // --broker-user / --broker-password
    std::map<std::string, broker_credentials> credentials{};       // by the sensor's client id (unprefixed)
    std::uint32_t session_expiry = 3600;                           // MQTT 5 Session Expiry Interval, seconds
    std::uint16_t broker_keep_alive = 60;                          // MQTT 5 Keep Alive of every connection
    milliseconds broker_connect_timeout{std::chrono::seconds(10)}; // link up → CONNACK

    // ---- broker verdicts (design §4) --------------------------------------------------------------
    /// "reconnect" class (0x8D, 0x93, 0x94, 0xA0, 0xA1, link lost): re-opens tried before the
    /// sensor is told.
    std::uint8_t reconnect_tries = 3;
    /// "retry later" class (0x00 from the server, 0x80, 0x83, 0x88, 0x89, 0x8B, 0x96, 0x97, 0x9F): re-open
    /// with exponential back-off (1 s, 2 s, 4 s, ... at most 30 s) for this long before the sensor is told.
    std::chrono::seconds retry_later_grace{120};
    /// "go elsewhere" class (0x9C, 0x9D): follow the broker's Server Reference.
    bool follow_server_reference = false;
    /// "do not retry" class (0x87, 0x8A, 0x8E, 0x98): no re-open on the sensor's behalf for this long;
    /// CONNECTs meanwhile are refused (v1.2 CONNACK 0x03, v2.0 the broker's code).
    std::chrono::seconds hold_down{60};
    /// A sensor's link closed without DISCONNECT while the gateway's own link stays up this long
    /// is a take-over (0x8E: no re-open, hold-down), not an outage (design §4). 0: always an outage.
    milliseconds takeover_witness{std::chrono::seconds(1)};
    /// The gateway's own connection publishes "online" here (retained) and leaves "offline" as its
    /// will (design §6). Empty: no status topic.
    std::string status_topic{};

    // ---- topics -----------------------------------------------------------------------------------
    std::vector<predefined_topic> predefined_topics{};

    // ---- timers toward sensors (MQTT-SN v1.2 §6.13, design §3) ---------------------------------
    milliseconds retry_interval{std::chrono::seconds(10)}; // T_RETRY
    std::uint8_t retry_count = 3;                          // N_RETRY: transmissions after the first
    /// A silent client is lost after keep-alive (or sleep duration) x this / 100.
    std::uint32_t keep_alive_factor_percent = 150;

    // ---- limits, each with the spec's answer when exceeded -------------------------------------
    std::size_t max_clients = 10'000;          // CONNACK "rejected: congestion"
    std::size_t max_topics_per_client = 1'000; // REGACK / SUBACK "rejected: congestion"
    /// Per sensor: QoS 1/2 messages held for it un-acknowledged (= Receive Maximum of its upstream
    /// CONNECT, so the broker keeps the rest), and QoS 0 messages buffered while it sleeps (more are
    /// dropped and counted).
    std::size_t max_buffered_messages = 32;
    /// Largest datagram taken from or sent to a sensor; larger ones are dropped and counted.
    std::size_t max_datagram_size = 4'096;
    /// Longest client id accepted (v1.2 §5.3.1 says 1..23; real sensors send more; MQTT 5 allows 65535).
    std::size_t max_client_id_length = 1'024;
};

} // namespace sngw::core
