// SPDX-License-Identifier: MIT
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sngw::app {

/// The control socket's protocol (design §6, README "Watching the gateway: sngwctl"): one JSON object
/// per line each way. Requests:
///   {"cmd":"status"}  {"cmd":"clients"}  {"cmd":"client","id":"ID"}  {"cmd":"metrics"}
///   {"cmd":"kick","id":"ID","reason":152}   (reason optional: 0x98 Administrative action)
/// Answers: {"ok":true,...} or {"ok":false,"error":"..."}, one line each, in request order.
enum class control_command : std::uint8_t { status, clients, client, kick, metrics };

std::string_view to_string(control_command c) noexcept; // "status", "clients", ...

/// MQTT 5.0 §3.14.2.1 Administrative action: what a kick says when no reason is given.
inline constexpr std::uint8_t default_kick_reason = 0x98;

/// Longest request line the daemon reads (the newline excluded); a longer one is answered with an
/// error and the connection closed.
inline constexpr std::size_t max_request_line = 64 * 1024;

struct control_request {
    control_command command = control_command::status;
    std::string id{};                          // client and kick: the MQTT-SN ClientId
    std::uint8_t reason = default_kick_reason; // kick: MQTT 5 reason code
    friend bool operator==(const control_request&, const control_request&) = default;
};

/// A request, or why the line is not one ("not JSON: ...", "unknown command \"x\"", ...).
struct parsed_request {
    std::optional<control_request> request{};
    std::string error{};
};

/// Parses one request line (without its newline; a trailing '\r' is ignored). Never throws.
parsed_request parse_request(std::string_view line);

/// The request as sngwctl sends it, one line with its '\n'.
std::string request_line(const control_request& r);

/// `text` as a JSON string may carry it: as is when it is valid UTF-8, else with every octet of an
/// invalid sequence as `\xNN` (a sensor's ClientId is octets; the answer must stay valid JSON).
std::string json_text(std::string_view text);

/// {"ok":true, <body's members>} + '\n' (body's own "ok" is replaced).
std::string ok_line(const boost::json::object& body);
/// {"ok":false,"error":message} + '\n'.
std::string error_line(std::string_view message);

} // namespace sngw::app
