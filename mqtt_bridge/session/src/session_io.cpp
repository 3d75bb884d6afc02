// SPDX-License-Identifier: MIT
#include <sngw/mqtt5/session_action.hpp>

#include <sngw/mqtt5/io.hpp>

#include <ostream>

namespace sngw::mqtt5 {
namespace {

void print_codes(std::ostream& os, const std::vector<reason_code>& codes)
{
    os << '[';
    for (std::size_t i = 0; i < codes.size(); ++i)
        os << (i ? "," : "") << codes[i];
    os << ']';
}

void print_ids(std::ostream& os, const std::vector<std::uint16_t>& ids)
{
    os << '[';
    for (std::size_t i = 0; i < ids.size(); ++i)
        os << (i ? "," : "") << ids[i];
    os << ']';
}

struct printer {
    std::ostream& os;

    void operator()(const send_bytes& a) const
    {
        os << "send " << a.type << " (" << a.bytes.size() << " bytes)";
    }
    void operator()(const close_link& a) const { os << "close_link{" << a.mode << '}'; }
    void operator()(const connected& a) const
    {
        os << "connected{session_present:" << a.session_present << ",client_id:\"" << a.client_id
           << "\",assigned:" << a.client_id_assigned << ",keep_alive:" << a.keep_alive
           << ",session_expiry:" << a.session_expiry_interval
           << ",receive_maximum:" << a.limits.receive_maximum << ",maximum_qos:" << a.limits.maximum_qos
           << ",props:" << a.props << '}';
    }
    void operator()(const connect_failed& a) const
    {
        os << "connect_failed{" << a.reason << ",props:" << a.props << '}';
    }
    void operator()(const message_received& a) const
    {
        os << "message_received{" << a.message;
        if (a.delivery.value != 0) os << ",delivery:" << a.delivery.value;
        os << '}';
    }
    void operator()(const publish_completed& a) const
    {
        os << "publish_completed{packet_id:" << a.packet_id << ",qos:" << a.qos << ',' << a.reason
           << (a.local ? ",local" : "") << ",props:" << a.props << '}';
    }
    void operator()(const subscribe_result& a) const
    {
        os << "subscribe_result{packet_id:" << a.packet_id << ',';
        print_codes(os, a.reason_codes);
        os << (a.local ? ",local" : "") << ",props:" << a.props << '}';
    }
    void operator()(const unsubscribe_result& a) const
    {
        os << "unsubscribe_result{packet_id:" << a.packet_id << ',';
        print_codes(os, a.reason_codes);
        os << (a.local ? ",local" : "") << ",props:" << a.props << '}';
    }
    void operator()(const auth_received& a) const
    {
        os << "auth_received{" << a.reason << ",props:" << a.props << '}';
    }
    void operator()(const broker_disconnected& a) const
    {
        os << "broker_disconnected{" << a.reason << ",props:" << a.props << '}';
    }
    void operator()(const link_lost& a) const { os << "link_lost{" << a.cause << '}'; }
    void operator()(const protocol_error_detected& a) const
    {
        os << "protocol_error_detected{sent:" << a.sent;
        if (a.error) os << ",error:" << a.error.message();
        os << '}';
    }
    void operator()(const session_state_dropped& a) const
    {
        os << "session_state_dropped{outbound:";
        print_ids(os, a.outbound);
        os << ",inbound:";
        print_ids(os, a.inbound);
        os << '}';
    }
};

} // namespace

std::ostream& operator<<(std::ostream& os, close_mode m)
{
    return os << (m == close_mode::graceful ? "graceful" : "abrupt");
}

std::ostream& operator<<(std::ostream& os, link_lost_cause c)
{
    switch (c) {
    case link_lost_cause::link_down:
        return os << "link_down";
    case link_lost_cause::ping_timeout:
        return os << "ping_timeout";
    case link_lost_cause::connack_timeout:
        return os << "connack_timeout";
    }
    return os << "link_lost_cause(" << static_cast<int>(c) << ')';
}

std::ostream& operator<<(std::ostream& os, request_status s)
{
    switch (s) {
    case request_status::sent:
        return os << "sent";
    case request_status::queued:
        return os << "queued";
    case request_status::refused:
        return os << "refused";
    case request_status::not_connected:
        return os << "not_connected";
    }
    return os << "request_status(" << static_cast<int>(s) << ')';
}

std::ostream& operator<<(std::ostream& os, const action& a)
{
    std::visit(printer{os}, a);
    return os;
}

} // namespace sngw::mqtt5
