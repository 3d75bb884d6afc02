// SPDX-License-Identifier: MIT
#include "support.hpp"

#include <sngw/sn/describe.hpp>
#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>

#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace sngw::pub_sub {

namespace {

volatile std::sig_atomic_t stop_flag = 0;

extern "C" void on_stop_signal(int)
{
    stop_flag = 1;
}

std::string hex_code(std::uint8_t code)
{
    std::ostringstream os;
    os << "0x" << std::hex << std::uppercase << std::setw(2) << std::setfill('0')
       << static_cast<unsigned>(code);
    return os.str();
}

/// -d: one line per datagram, decoded with the session's version (sngw::sn describe).
template <class Decode>
std::function<void(bool, std::span<const std::byte>)> tracer(std::string program, Decode decode)
{
    return [program = std::move(program), decode](bool sent, std::span<const std::byte> datagram) {
        std::ostringstream line;
        line << program << (sent ? ": -> " : ": <- ");
        if (auto m = decode(datagram))
            line << *m;
        else
            line << "undecodable (" << m.error().message() << "): " << sn::to_hex(datagram);
        line << '\n';
        std::cerr << line.str() << std::flush;
    };
}

} // namespace

void install_stop_signals()
{
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() noexcept
{
    return stop_flag != 0;
}

std::string where(const common_options& o)
{
    if (o.serial) return o.serial->device + " (" + std::string(transport::to_string(o.serial->framing)) + ")";
    if (o.host.find(':') != std::string::npos) return "[" + o.host + "]:" + std::to_string(o.port);
    return o.host + ":" + std::to_string(o.port);
}

void say(std::string_view program, const std::string& text)
{
    std::cerr << program << ": " << text << '\n' << std::flush;
}

std::string describe_error(const common_options& o, const boost::system::error_code& ec)
{
    if (ec == sn_client::errc::timeout) return "no answer from " + where(o) + " (is sngw running?)";
    if (ec == sn_client::errc::disconnected) return "the gateway sent DISCONNECT";
    if (ec == sn_client::errc::bad_address) return "cannot resolve " + o.host;
    if (o.serial) return o.serial->device + ": " + ec.message();
    return ec.message();
}

int fail_v2_0(std::string_view program, const common_options& o, const sn_client::client_v2& c,
              const boost::system::error_code& ec)
{
    say(program, ec == sn_client::errc::disconnected ? v2_0_disconnect_text(c.last_disconnect())
                                                     : describe_error(o, ec));
    return exit_gateway_error;
}

sn_client::client_options v1_2_options(const common_options& o, std::string_view program)
{
    sn_client::client_options c;
    c.gateway_host = o.host;
    c.gateway_port = o.port;
    c.serial = o.serial;
    c.client_id = o.client_id;
    c.keep_alive = o.keep_alive;
    c.clean_session = o.clean_session;
    if (o.will)
        c.will = sn_client::last_will{o.will->topic, bytes_of(o.will->payload),
                                      static_cast<sn::v1_2::qos>(o.will->qos), o.will->retain};
    c.reply_timeout = o.timeout;
    c.retries = 0;
    if (o.debug)
        c.trace =
            tracer(std::string(program), [](std::span<const std::byte> d) { return sn::v1_2::decode(d); });
    return c;
}

sn_client::client_v2_options v2_0_options(const common_options& o, std::string_view program)
{
    sn_client::client_v2_options c;
    c.gateway_host = o.host;
    c.gateway_port = o.port;
    c.serial = o.serial;
    c.client_id = o.client_id;
    c.keep_alive = o.keep_alive;
    c.clean_start = o.clean_session;
    // §3.1.9: a session kept past the Virtual Connection needs a Session Expiry; -c keeps it an hour.
    if (!o.clean_session) c.session_expiry_interval = 3600;
    // §3.1.8: what one datagram can bring us (the 3-octet Length form's limit).
    c.maximum_packet_size = 65535;
    if (o.will)
        c.will = sn_client::will_v2{o.will->topic, bytes_of(o.will->payload),
                                    static_cast<sn::v2_0::qos>(o.will->qos), o.will->retain};
    c.reply_timeout = o.timeout;
    c.retries = 0;
    if (o.debug)
        c.trace =
            tracer(std::string(program), [](std::span<const std::byte> d) { return sn::v2_0::decode(d); });
    return c;
}

std::string v1_2_code(std::uint8_t return_code)
{
    auto meaning = sn::v1_2::return_code_meaning(return_code);
    return std::string(meaning.empty() ? "reserved return code" : meaning) + " (" + hex_code(return_code) +
           ")";
}

std::string v2_0_code(sn::v2_0::msg_type packet, std::uint8_t reason_code)
{
    auto meaning = sn_client::reason_code_meaning(packet, reason_code);
    return (meaning.empty() ? std::string("reason code") : meaning) + " (" + hex_code(reason_code) + ")";
}

std::string v2_0_disconnect_text(const std::optional<sn::v2_0::disconnect_msg>& d)
{
    if (!d) return "the gateway sent DISCONNECT";
    std::string out =
        "the gateway disconnected: " + v2_0_code(sn::v2_0::msg_type::disconnect, d->reason_code.value_or(0));
    if (d->reason_string) out += ", \"" + *d->reason_string + "\"";
    return out;
}

std::vector<std::byte> bytes_of(std::string_view text)
{
    const auto* p = reinterpret_cast<const std::byte*>(text.data());
    return {p, p + text.size()};
}

} // namespace sngw::pub_sub
