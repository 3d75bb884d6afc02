// SPDX-License-Identifier: MIT
#include <sngw/core/client_state.hpp>

namespace sngw::core {

std::string_view to_string(client_state s) noexcept
{
    switch (s) {
    case client_state::disconnected:
        return "disconnected";
    case client_state::awaiting_will_topic:
        return "awaiting_will_topic";
    case client_state::awaiting_will_msg:
        return "awaiting_will_msg";
    case client_state::connecting_upstream:
        return "connecting_upstream";
    case client_state::active:
        return "active";
    case client_state::asleep:
        return "asleep";
    case client_state::awake:
        return "awake";
    case client_state::lost:
        return "lost";
    }
    return "unknown";
}

} // namespace sngw::core
