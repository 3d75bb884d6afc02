// SPDX-License-Identifier: MIT
#include <sngw/core/action.hpp>

#include <sngw/mqtt5/io.hpp>

#include <ostream>
#include <string_view>

namespace sngw::core {
namespace {

// Long payloads are cut: a log line stays one readable line.
constexpr std::size_t max_hex_octets = 64;

void print_peer(std::ostream& os, const peer_id& p)
{
    os << p.link << ':' << p.address;
}

void print_octets(std::ostream& os, const std::vector<std::byte>& bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    os << '[';
    const std::size_t shown = bytes.size() < max_hex_octets ? bytes.size() : max_hex_octets;
    for (std::size_t i = 0; i < shown; ++i) {
        if (i) os << ' ';
        const auto b = std::to_integer<unsigned>(bytes[i]);
        os << digits[b >> 4] << digits[b & 15];
    }
    if (shown < bytes.size()) os << " ... (" << bytes.size() << " octets)";
    os << ']';
}

// Client ids come from the network: non-printable octets are escaped so one action stays one line.
void print_text(std::ostream& os, std::string_view s)
{
    static constexpr char digits[] = "0123456789abcdef";
    os << '"';
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7F || c == '"' || c == '\\')
            os << "\\x" << digits[u >> 4] << digits[u & 15];
        else
            os << c;
    }
    os << '"';
}

struct printer {
    std::ostream& os;

    void operator()(const send_datagram& a) const
    {
        os << "send_datagram to ";
        print_peer(os, a.to);
        os << ' ';
        print_octets(os, a.bytes);
    }
    void operator()(const broadcast_datagram& a) const
    {
        os << "broadcast_datagram ";
        print_octets(os, a.bytes);
    }
    void operator()(const forget_peer& a) const
    {
        os << "forget_peer ";
        print_peer(os, a.peer);
    }
    void operator()(const open_broker_link& a) const
    {
        os << "open_broker_link session " << a.session << " max_packet_size " << a.max_packet_size;
        if (!a.host.empty()) os << " to " << a.host << ':' << a.port;
    }
    void operator()(const send_to_broker& a) const
    {
        os << "send_to_broker session " << a.session << ' ' << a.type << ' ';
        print_octets(os, a.bytes);
    }
    void operator()(const close_broker_link& a) const
    {
        os << "close_broker_link session " << a.session << ' ' << a.mode;
    }
    void operator()(const dropped& a) const
    {
        os << "dropped from ";
        print_peer(os, a.peer);
        if (!a.client_id.empty()) {
            os << ' ';
            print_text(os, a.client_id);
        }
        os << ": " << a.error.category().name() << ':' << a.error.value() << ' ' << a.error.message();
        if (!a.detail.empty()) os << " (" << a.detail << ')';
    }
    void operator()(const client_event& a) const
    {
        os << "client_event " << a.kind << " session " << a.session << " peer ";
        print_peer(os, a.peer);
        os << ' ';
        print_text(os, a.client_id);
        os << " now " << to_string(a.state);
        if (!a.detail.empty()) os << " (" << a.detail << ')';
    }
};

} // namespace

std::ostream& operator<<(std::ostream& os, client_event_kind k)
{
    switch (k) {
    case client_event_kind::connected:
        return os << "connected";
    case client_event_kind::connect_refused:
        return os << "connect_refused";
    case client_event_kind::disconnected:
        return os << "disconnected";
    case client_event_kind::asleep:
        return os << "asleep";
    case client_event_kind::awake:
        return os << "awake";
    case client_event_kind::lost:
        return os << "lost";
    case client_event_kind::will_updated:
        return os << "will_updated";
    case client_event_kind::moved:
        return os << "moved";
    case client_event_kind::broker_verdict:
        return os << "broker_verdict";
    case client_event_kind::upstream_up:
        return os << "upstream_up";
    case client_event_kind::upstream_down:
        return os << "upstream_down";
    case client_event_kind::removed:
        return os << "removed";
    }
    return os << "client_event_kind(" << static_cast<int>(k) << ')';
}

std::ostream& operator<<(std::ostream& os, client_state s)
{
    return os << to_string(s);
}

std::ostream& operator<<(std::ostream& os, const action& a)
{
    std::visit(printer{os}, a);
    return os;
}

} // namespace sngw::core
