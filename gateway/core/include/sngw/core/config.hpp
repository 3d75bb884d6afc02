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
    std::uint8_t gateway_id = 1;                          // GwId in ADVERTISE / GWINFO
    std::chrono::seconds advertise_interval{900};         // ADVERTISE period; 0 = never
    /// The gateway's own MQTT 5 connection (QoS -1 senders share it, design §2): its client id.
    /// Empty: "sngw-<gateway_id>".
    std::string gateway_client_id{};

    // ---- upstream (MQTT 5) ----------------------------------------------------------------------
    std::string client_id_prefix{};                       // prepended to each sensor's client id
    broker_credentials default_credentials{};             // --broker-user / --broker-password
    std::map<std::string, broker_credentials> credentials{}; // by the sensor's client id (unprefixed)
    std::uint32_t session_expiry = 3600;                  // MQTT 5 Session Expiry Interval, seconds
    std::uint16_t broker_keep_alive = 60;                 // MQTT 5 Keep Alive of every connection
    milliseconds broker_connect_timeout{std::chrono::seconds(10)}; // link up → CONNACK

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
