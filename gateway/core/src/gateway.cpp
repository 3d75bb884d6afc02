// SPDX-License-Identifier: MIT
// Issue #4: the gateway core (being written; this stub lets the harness build).
#include <sngw/core/gateway.hpp>

namespace sngw::core {

struct gateway::impl {
    config cfg;
    gateway_stats stats{};
};

gateway::gateway(config cfg) : impl_(std::make_unique<impl>(impl{std::move(cfg)})) {}
gateway::~gateway() = default;

std::vector<action> gateway::start(time_point) { return {}; }
std::vector<action> gateway::on_datagram(peer_id, std::span<const std::byte>, time_point) { return {}; }
std::vector<action> gateway::on_broker_link_up(session_id, time_point) { return {}; }
std::vector<action> gateway::on_broker_bytes(session_id, std::span<const std::byte>, time_point) { return {}; }
std::vector<action> gateway::on_broker_link_down(session_id, time_point) { return {}; }
std::vector<action> gateway::on_timeout(time_point) { return {}; }
std::optional<time_point> gateway::next_deadline() const { return std::nullopt; }
std::vector<action> gateway::shutdown(time_point) { return {}; }
bool gateway::idle() const noexcept { return true; }
std::vector<client_info> gateway::clients() const { return {}; }
std::optional<client_info> gateway::client(const std::string&) const { return std::nullopt; }
std::optional<client_state> gateway::state_of(peer_id) const { return std::nullopt; }
const gateway_stats& gateway::stats() const noexcept { return impl_->stats; }
const config& gateway::configuration() const noexcept { return impl_->cfg; }

} // namespace sngw::core
