// SPDX-License-Identifier: MIT
// mqtt_client (client_session + broker_connection + one timer) against a real mosquitto 2.0 on
// loopback: QoS 0/1/2 both ways, will, session resumption, TLS, and the broker's verdicts (CONNACK and
// DISCONNECT reason codes) as mosquitto 2.0.11 actually sends them. What was observed is written next
// to each check.
#include <sngw/mqtt_bridge/mqtt_client.hpp>
#include <sngw/mqtt_bridge/tls_context.hpp>
#include <sngw/mqtt5/codec.hpp>
#include <sngw/mqtt5/io.hpp>
#include <sngw/mqtt5/stream_splitter.hpp>

#include "support/child_process.hpp"
#include "support/hex.hpp"
#include "support/mosquitto_process.hpp"
#include "support/skip.hpp"
#include "support/tls_test_certs.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <openssl/x509_vfy.h>

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using mqtt5::reason_code;
using sngw::mqtt_bridge::close_reason;
using sngw::mqtt_bridge::link_loss;
using sngw::mqtt_bridge::mqtt_client;
using sngw::mqtt_bridge::mqtt_client_options;
using sngw::mqtt_bridge::transport_failure;
using sngw::test::bytes;
using sngw::test::mosquitto_config;
using sngw::test::mosquitto_process;
using sngw::test::tls_test_certs;

// --- a client under test and everything it reported ------------------------------------------------

struct recorded {
    std::vector<mqtt5::connected> connected;
    std::vector<mqtt5::connect_failed> connect_failed;
    std::vector<transport_failure> transport_failed;
    std::vector<mqtt5::publish_packet> messages;
    std::vector<mqtt5::publish_completed> completed;
    std::vector<mqtt5::subscribe_result> subacks;
    std::vector<mqtt5::unsubscribe_result> unsubacks;
    std::vector<mqtt5::broker_disconnected> disconnects;
    std::vector<link_loss> losses;
    std::vector<mqtt5::protocol_error_detected> protocol_errors;
    std::vector<mqtt5::session_state_dropped> dropped;
    int closed = 0;
    close_reason close = close_reason::closed_locally;
    boost::system::error_code close_ec;
};

std::string describe(const recorded& r)
{
    std::ostringstream os;
    os << "connected " << r.connected.size() << ", closed " << r.closed << " (" << r.close << ": "
       << r.close_ec.message() << ")";
    for (const auto& f : r.connect_failed)
        os << ", " << mqtt5::action{f};
    for (const auto& f : r.transport_failed)
        os << ", transport failed " << f.reason << ": " << f.ec.message();
    for (const auto& d : r.disconnects)
        os << ", " << mqtt5::action{d};
    for (const auto& l : r.losses)
        os << ", link lost " << l.cause << " (" << l.transport << ": " << l.ec.message() << ")";
    for (const auto& e : r.protocol_errors)
        os << ", " << mqtt5::action{e};
    return os.str();
}

struct test_client {
    std::shared_ptr<recorded> ev = std::make_shared<recorded>();
    std::shared_ptr<mqtt_client> client;

    test_client(asio::io_context& io, mqtt_client_options options)
    {
        auto e = ev; // the handlers hold the record, never the client
        client = mqtt_client::create(
            io.get_executor(), std::move(options),
            {
                .on_connected = [e](const mqtt5::connected& c) { e->connected.push_back(c); },
                .on_connect_failed = [e](const mqtt5::connect_failed& f) { e->connect_failed.push_back(f); },
                .on_transport_failed = [e](const transport_failure& f) { e->transport_failed.push_back(f); },
                .on_message = [e](const mqtt5::message_received& m) { e->messages.push_back(m.message); },
                .on_publish_completed = [e](const mqtt5::publish_completed& c) { e->completed.push_back(c); },
                .on_subscribe_result = [e](const mqtt5::subscribe_result& s) { e->subacks.push_back(s); },
                .on_unsubscribe_result =
                    [e](const mqtt5::unsubscribe_result& u) { e->unsubacks.push_back(u); },
                .on_auth = {},
                .on_broker_disconnected =
                    [e](const mqtt5::broker_disconnected& d) { e->disconnects.push_back(d); },
                .on_link_lost = [e](const link_loss& l) { e->losses.push_back(l); },
                .on_protocol_error =
                    [e](const mqtt5::protocol_error_detected& p) { e->protocol_errors.push_back(p); },
                .on_session_state_dropped =
                    [e](const mqtt5::session_state_dropped& d) { e->dropped.push_back(d); },
                .on_closed =
                    [e](close_reason r, boost::system::error_code ec) {
                        ++e->closed;
                        e->close = r;
                        e->close_ec = ec;
                    },
            });
    }
    mqtt_client* operator->() const { return client.get(); }
};

/// Runs `io` until `done()` or `limit` (a test never waits unbounded).
template <class Predicate>
bool run_until(asio::io_context& io, Predicate done, std::chrono::milliseconds limit = 5s)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_one_for(20ms);
    }
    return done();
}

mqtt_client_options options(std::uint16_t port, const std::string& client_id, std::string host = "127.0.0.1")
{
    mqtt_client_options o;
    o.connection.host = std::move(host);
    o.connection.port = port;
    o.connection.connect_timeout = 3s;
    o.connection.close_timeout = 2s;
    o.session.connect.clean_start = true;
    o.session.connect.keep_alive = 30;
    o.session.connect.client_id = client_id;
    o.session.connect_timeout = 3s;
    return o;
}

/// connect() and wait for CONNACK Success.
void connect(asio::io_context& io, test_client& c)
{
    const auto before = c.ev->connected.size();
    const auto closed = c.ev->closed;
    REQUIRE(c->connect());
    REQUIRE(run_until(io, [&] { return c.ev->connected.size() > before || c.ev->closed > closed; }));
    REQUIRE_MESSAGE(c.ev->connected.size() > before, describe(*c.ev));
}

/// SUBSCRIBE one filter and wait for its SUBACK; returns the granted code.
reason_code subscribe(asio::io_context& io, test_client& c, const std::string& filter, mqtt5::qos q)
{
    const auto before = c.ev->subacks.size();
    const auto r = c->subscribe(filter, q);
    REQUIRE_MESSAGE(r.status == mqtt5::request_status::sent, r.status);
    REQUIRE(run_until(io, [&] { return c.ev->subacks.size() > before; }));
    const auto& suback = c.ev->subacks.back();
    CHECK(suback.packet_id == r.packet_id);
    REQUIRE(suback.reason_codes.size() == 1);
    return suback.reason_codes[0];
}

/// Graceful DISCONNECT and wait for the transport to end.
void disconnect(asio::io_context& io, test_client& c)
{
    const auto closed = c.ev->closed;
    c->disconnect();
    REQUIRE(run_until(io, [&] { return c.ev->closed > closed; }));
    CHECK(c.ev->close == close_reason::closed_locally);
}

/// One set of certificates per test process (generating them costs ~0.3 s).
const tls_test_certs& shared_certs()
{
    static tls_test_certs certs;
    return certs;
}

/// Runs `mosquitto_ctrl -h 127.0.0.1 -p PORT -u admin -P PASSWORD dynsec ARGS...` to completion.
void dynsec(const mosquitto_process& broker, const std::string& admin_password, std::vector<std::string> args)
{
    const auto ctrl = sngw::test::find_program("mosquitto_ctrl", {"/usr/bin/mosquitto_ctrl"});
    REQUIRE(ctrl.has_value());
    std::vector<std::string> argv{
        ctrl->string(), "-h",    "127.0.0.1", "-p",           std::to_string(broker.port()),
        "-u",           "admin", "-P",        admin_password, "dynsec"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto out = broker.dir() / "mosquitto_ctrl.out";
    const int rc = sngw::test::run_program(argv, out, 5s);
    REQUIRE_MESSAGE(rc == 0, "mosquitto_ctrl dynsec " << args.at(0) << ": " << sngw::test::read_file(out));
}

/// A one-connection TCP relay from a local port to the broker that deletes the Maximum Packet Size
/// property from the CONNACK and forwards everything else untouched: a broker that enforces a limit
/// it does not announce (MQTT 5.0 §3.2.2.3.6 makes announcing optional). Handlers hold a shared_ptr;
/// the io_context's destruction frees it.
class connack_rewriting_relay : public std::enable_shared_from_this<connack_rewriting_relay> {
public:
    connack_rewriting_relay(asio::io_context& io, std::uint16_t broker_port)
        : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}), client_(io), broker_(io),
          broker_port_(broker_port)
    {}
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    bool removed_limit() const { return removed_limit_; }

    void start()
    {
        acceptor_.async_accept(client_, [self = shared_from_this()](boost::system::error_code ec) {
            if (ec) return;
            self->broker_.async_connect({asio::ip::make_address("127.0.0.1"), self->broker_port_},
                                        [self](boost::system::error_code ec2) {
                                            if (ec2) return self->stop();
                                            self->relay_upstream();
                                            self->relay_downstream();
                                        });
        });
    }

private:
    void stop()
    {
        boost::system::error_code ignored;
        client_.close(ignored);
        broker_.close(ignored);
    }

    void relay_upstream()
    {
        client_.async_read_some(asio::buffer(up_), [self = shared_from_this()](auto ec, std::size_t n) {
            if (ec) return self->stop();
            asio::async_write(self->broker_, asio::buffer(self->up_, n), [self](auto ec2, std::size_t) {
                if (ec2) return self->stop();
                self->relay_upstream();
            });
        });
    }

    void relay_downstream()
    {
        broker_.async_read_some(asio::buffer(down_), [self = shared_from_this()](auto ec, std::size_t n) {
            if (ec) return self->stop();
            self->splitter_.put(std::span(self->down_).first(n));
            self->out_.clear();
            for (auto r = self->splitter_.next(); r.status == mqtt5::split_status::complete;
                 r = self->splitter_.next())
                self->forward(r.bytes);
            asio::async_write(self->client_, asio::buffer(self->out_), [self](auto ec2, std::size_t) {
                if (ec2) return self->stop();
                self->relay_downstream();
            });
        });
    }

    void forward(std::span<const std::byte> packet)
    {
        auto p = mqtt5::decode(packet);
        if (p) {
            if (auto* connack = std::get_if<mqtt5::connack_packet>(&*p);
                connack && connack->props.maximum_packet_size) {
                connack->props.maximum_packet_size.reset();
                removed_limit_ = true;
                const auto rewritten = mqtt5::encode(*p).value();
                out_.insert(out_.end(), rewritten.begin(), rewritten.end());
                return;
            }
        }
        out_.insert(out_.end(), packet.begin(), packet.end());
    }

    asio::ip::tcp::acceptor acceptor_;
    asio::ip::tcp::socket client_;
    asio::ip::tcp::socket broker_;
    std::uint16_t broker_port_;
    std::array<std::byte, 4096> up_{};
    std::array<std::byte, 4096> down_{};
    std::vector<std::byte> out_;
    mqtt5::stream_splitter splitter_;
    bool removed_limit_ = false;
};

} // namespace

// --- publish / subscribe ---------------------------------------------------------------------------

TEST_CASE("publish and subscribe round trips at QoS 0, 1 and 2, with PUBACK and PUBCOMP completions")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    test_client sub(io, options(broker.port(), "sngw-sub"));
    test_client pub(io, options(broker.port(), "sngw-pub"));
    connect(io, sub);
    connect(io, pub);
    CHECK(subscribe(io, sub, "rt/#", mqtt5::qos::exactly_once) == reason_code::granted_qos_2);

    for (const auto q : {mqtt5::qos::at_most_once, mqtt5::qos::at_least_once, mqtt5::qos::exactly_once}) {
        CAPTURE(q);
        const auto n = static_cast<int>(q);
        const std::string topic = "rt/q" + std::to_string(n);
        const auto payload = bytes("hello at QoS " + std::to_string(n));
        sub.ev->messages.clear();
        pub.ev->completed.clear();

        const auto r = pub->publish(topic, payload, q);
        REQUIRE(r.status == mqtt5::request_status::sent);
        REQUIRE(run_until(io, [&] {
            return !sub.ev->messages.empty() && (q == mqtt5::qos::at_most_once || !pub.ev->completed.empty());
        }));
        const auto& m = sub.ev->messages.at(0);
        CHECK(m.topic == topic);
        CHECK(m.payload == payload);
        CHECK(m.qos == q); // subscription max QoS 2: delivered at the publisher's QoS
        if (q == mqtt5::qos::at_most_once) {
            CHECK(r.packet_id == 0);
            continue;
        }
        // QoS 1: PUBACK; QoS 2: PUBREC, PUBREL, PUBCOMP. mosquitto 2.0.11 says 0x00 with a subscriber.
        const auto& done = pub.ev->completed.at(0);
        CHECK(done.packet_id == r.packet_id);
        CHECK(done.qos == q);
        CHECK(done.reason == reason_code::success);
        CHECK_FALSE(done.local);
    }
    CHECK(pub->session().outbound_pending() == 0);
    // auto_acknowledge answered the inbound QoS 1/2 PUBLISHes (PUBACK; PUBREC then PUBCOMP).
    REQUIRE(run_until(io, [&] { return sub->session().inbound_pending() == 0; }));

    SUBCASE("UNSUBSCRIBE: UNSUBACK, then nothing more is delivered")
    {
        const auto u = sub->unsubscribe({"rt/#"});
        REQUIRE(u.status == mqtt5::request_status::sent);
        REQUIRE(run_until(io, [&] { return !sub.ev->unsubacks.empty(); }));
        CHECK(sub.ev->unsubacks[0].reason_codes == std::vector{reason_code::success});
        // mosquitto 2.0.11 answers a QoS 1 PUBLISH nobody subscribes to with PUBACK 0x10.
        pub.ev->completed.clear();
        sub.ev->messages.clear();
        REQUIRE(pub->publish("rt/q1", bytes("nobody"), mqtt5::qos::at_least_once).status ==
                mqtt5::request_status::sent);
        REQUIRE(run_until(io, [&] { return !pub.ev->completed.empty(); }));
        CHECK(pub.ev->completed[0].reason == reason_code::no_matching_subscribers);
        CHECK(sub.ev->messages.empty());
    }
    SUBCASE("a QoS 1 subscription downgrades a QoS 2 message to QoS 1")
    {
        CHECK(subscribe(io, sub, "rt/q2", mqtt5::qos::at_least_once) == reason_code::granted_qos_1);
        REQUIRE(sub->unsubscribe({"rt/#"}).status == mqtt5::request_status::sent);
        REQUIRE(run_until(io, [&] { return !sub.ev->unsubacks.empty(); }));
        sub.ev->messages.clear();
        REQUIRE(pub->publish("rt/q2", bytes("down"), mqtt5::qos::exactly_once).status ==
                mqtt5::request_status::sent);
        REQUIRE(run_until(io, [&] { return !sub.ev->messages.empty(); }));
        CHECK(sub.ev->messages[0].qos == mqtt5::qos::at_least_once);
    }
    disconnect(io, sub);
    disconnect(io, pub);
}

TEST_CASE("keep-alive: an idle client sends PINGREQ after Keep Alive and the PINGRESP keeps the link")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    auto o = options(broker.port(), "sngw-idle");
    o.session.connect.keep_alive = 1;
    test_client c(io, o);
    connect(io, c);
    CHECK(c.ev->connected[0].keep_alive == 1); // mosquitto 2.0.11 sends no Server Keep Alive here
    REQUIRE(run_until(
        io, [&] { return c->counters().pingresp_received >= 2; }, 4s));
    CHECK(c->counters().pingreq_sent >= 2);
    CHECK(c->connected());
    CHECK(c.ev->losses.empty());
    disconnect(io, c);
}

TEST_CASE("a server that never sends CONNACK: the link is lost (connack timeout) and closed abruptly")
{
    asio::io_context io;
    asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket accepted(io);
    silent.async_accept(accepted, [](boost::system::error_code) {});
    auto o = options(silent.local_endpoint().port(), "sngw-unanswered");
    o.session.connect_timeout = 300ms;
    test_client c(io, o);
    REQUIRE(c->connect());
    REQUIRE(run_until(
        io, [&] { return c.ev->closed > 0; }, 3s));
    REQUIRE(c.ev->losses.size() == 1);
    CHECK(c.ev->losses[0].cause == mqtt5::link_lost_cause::connack_timeout);
    CHECK(c.ev->losses[0].transport == close_reason::closed_locally);
    CHECK(c.ev->connected.empty());
    CHECK(c.ev->close == close_reason::closed_locally);
}

// --- will and session -----------------------------------------------------------------------------

TEST_CASE("the will is published after an abrupt close, and not after a normal DISCONNECT")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    test_client observer(io, options(broker.port(), "sngw-will-observer"));
    connect(io, observer);
    CHECK(subscribe(io, observer, "will/#", mqtt5::qos::at_least_once) == reason_code::granted_qos_1);

    auto with_will = [&](const std::string& id) {
        auto o = options(broker.port(), id);
        o.session.connect.will = mqtt5::will_message{
            .topic = "will/" + id, .payload = bytes("gone: " + id), .qos = mqtt5::qos::at_least_once};
        return o;
    };

    SUBCASE("abort(): no DISCONNECT, the broker publishes the will")
    {
        test_client c(io, with_will("abrupt"));
        connect(io, c);
        c->abort();
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0 && !observer.ev->messages.empty(); }));
        CHECK(c.ev->close == close_reason::closed_locally);
        CHECK(c.ev->losses.empty()); // our own close is no loss
        CHECK(observer.ev->messages.at(0).topic == "will/abrupt");
        CHECK(observer.ev->messages.at(0).payload == bytes("gone: abrupt"));
    }
    SUBCASE("disconnect(): DISCONNECT 0x00, the broker discards the will")
    {
        test_client c(io, with_will("graceful"));
        connect(io, c);
        disconnect(io, c);
        CHECK_FALSE(c.ev->close_ec); // the broker answered our EOF within close_timeout
        // close() waited for the broker's EOF, so a will would already be queued before this marker.
        test_client marker(io, options(broker.port(), "sngw-will-marker"));
        connect(io, marker);
        REQUIRE(marker->publish("will/marker", bytes("marker"), mqtt5::qos::at_least_once).status ==
                mqtt5::request_status::sent);
        REQUIRE(run_until(io, [&] { return !observer.ev->messages.empty(); }));
        CHECK(observer.ev->messages.at(0).topic == "will/marker");
        disconnect(io, marker);
    }
    disconnect(io, observer);
}

TEST_CASE(
    "a resumed session (Clean Start 0, Session Expiry > 0) receives the QoS 1 messages queued while away")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_process broker;
    asio::io_context io;
    auto o = options(broker.port(), "sngw-resume");
    o.session.connect.props.session_expiry_interval = 300;
    test_client away(io, o);
    connect(io, away);
    CHECK_FALSE(away.ev->connected[0].session_present);
    CHECK(away.ev->connected[0].session_expiry_interval == 300);
    CHECK(subscribe(io, away, "resume/#", mqtt5::qos::at_least_once) == reason_code::granted_qos_1);
    disconnect(io, away); // session kept by the broker: expiry 300 s

    test_client pub(io, options(broker.port(), "sngw-resume-pub"));
    connect(io, pub);
    for (int i = 0; i < 3; ++i)
        REQUIRE(pub->publish("resume/t", bytes("queued " + std::to_string(i)), mqtt5::qos::at_least_once)
                    .status == mqtt5::request_status::sent);
    REQUIRE(run_until(io, [&] { return pub.ev->completed.size() == 3; }));
    for (const auto& done : pub.ev->completed)
        CHECK(done.reason == reason_code::success); // mosquitto 2.0.11: the offline session counts

    connect(io, away); // the same session: its second CONNECT has Clean Start 0
    REQUIRE(away.ev->connected.size() == 2);
    CHECK(away.ev->connected[1].session_present);
    REQUIRE(run_until(io, [&] { return away.ev->messages.size() == 3; }));
    for (int i = 0; i < 3; ++i) {
        CAPTURE(i);
        CHECK(away.ev->messages[static_cast<std::size_t>(i)].payload == bytes("queued " + std::to_string(i)));
        CHECK(away.ev->messages[static_cast<std::size_t>(i)].qos == mqtt5::qos::at_least_once);
    }
    CHECK(away.ev->dropped.empty());
    disconnect(io, away);
    disconnect(io, pub);
}

TEST_CASE("a broker restart is a link loss, and a reconnect with Clean Start 0 resumes the session")
{
    SNGW_REQUIRE_MOSQUITTO();
    // Persistence on (the support's default is off), so the sessions survive the restart.
    mosquitto_config config;
    config.extra_lines = {"persistence true", "persistence_location {dir}/"};
    mosquitto_process broker(config);
    asio::io_context io;
    auto o = options(broker.port(), "sngw-restart");
    // Observed: mosquitto 2.0.11 writes a session to its persistence file only if the client's last
    // CONNECT had Clean Start 0; a session made by Clean Start 1 + Session Expiry 300 survives a
    // disconnect (previous test) but not a restart (CONNACK Session Present 0 afterwards).
    o.session.connect.clean_start = false;
    o.session.connect.props.session_expiry_interval = 300;
    test_client c(io, o);
    connect(io, c);
    CHECK(subscribe(io, c, "restart/#", mqtt5::qos::at_least_once) == reason_code::granted_qos_1);

    broker.restart(); // SIGTERM, then start again on the same port
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    // Observed: mosquitto 2.0.11 sends no DISCONNECT (0x8B) when it stops: the TCP stream just ends.
    INFO(describe(*c.ev));
    CHECK(c.ev->disconnects.empty());
    REQUIRE(c.ev->losses.size() == 1);
    CHECK(c.ev->losses[0].cause == mqtt5::link_lost_cause::link_down);
    CHECK(c.ev->losses[0].transport == close_reason::closed_by_peer);
    CHECK_FALSE(c->connected());

    // While the client is away, the restarted broker queues a QoS 1 message for its session.
    test_client pub(io, options(broker.port(), "sngw-restart-pub"));
    connect(io, pub);
    REQUIRE(pub->publish("restart/t", bytes("while away"), mqtt5::qos::at_least_once).status ==
            mqtt5::request_status::sent);
    REQUIRE(run_until(io, [&] { return !pub.ev->completed.empty(); }));
    CHECK(pub.ev->completed[0].reason == reason_code::success); // 0x10 would mean the session was lost

    connect(io, c);
    CHECK(c.ev->connected.back().session_present); // resumed, from mosquitto's persistence file
    REQUIRE(run_until(io, [&] { return !c.ev->messages.empty(); }));
    CHECK(c.ev->messages[0].payload == bytes("while away"));
    CHECK(c.ev->messages[0].qos == mqtt5::qos::at_least_once);
    disconnect(io, pub);
    disconnect(io, c);
}

// --- TLS ------------------------------------------------------------------------------------------

TEST_CASE("TLS: CONNECT/CONNACK through a verified TLS link, a certificate for another host is refused")
{
    SNGW_REQUIRE_MOSQUITTO();
    SNGW_SKIP_UNLESS(tls_test_certs::available(), tls_test_certs::skip_reason());
    const auto& certs = shared_certs();
    mosquitto_config config;
    const auto good_port = config.add_tls_listener(certs.ca_cert(), certs.server_cert(), certs.server_key(),
                                                   /*require_certificate=*/true);
    const auto wrong_port =
        config.add_tls_listener(certs.ca_cert(), certs.wrong_host_cert(), certs.wrong_host_key());
    mosquitto_process broker(config);
    asio::io_context io;
    auto tls = sngw::mqtt_bridge::make_tls_context({.ca_file = certs.ca_cert().string(),
                                                    .cert_file = certs.client_cert().string(),
                                                    .key_file = certs.client_key().string()});
    REQUIRE_MESSAGE(tls.has_value(), tls.error().message());

    SUBCASE("verified: the CA signed it and its SAN names localhost")
    {
        auto o = options(good_port, "sngw-tls", "localhost");
        o.connection.tls = *tls;
        test_client c(io, o);
        connect(io, c);
        CHECK(subscribe(io, c, "tls/#", mqtt5::qos::exactly_once) == reason_code::granted_qos_2);
        REQUIRE(c->publish("tls/t", bytes("over TLS"), mqtt5::qos::exactly_once).status ==
                mqtt5::request_status::sent);
        REQUIRE(run_until(io, [&] { return !c.ev->messages.empty() && !c.ev->completed.empty(); }));
        CHECK(c.ev->messages[0].payload == bytes("over TLS"));
        CHECK(c.ev->completed[0].reason == reason_code::success);
        disconnect(io, c);
        CHECK_FALSE(c.ev->close_ec);
    }
    SUBCASE("refused: the certificate names wrong.example")
    {
        auto o = options(wrong_port, "sngw-tls-wrong", "localhost");
        o.connection.tls = *tls;
        test_client c(io, o);
        REQUIRE(c->connect());
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        CHECK(c.ev->connected.empty());
        CHECK(c.ev->losses.empty()); // nothing was lost: the session never had a link
        REQUIRE(c.ev->transport_failed.size() == 1);
        CHECK(c.ev->transport_failed[0].reason == close_reason::tls_verify_failed);
        CHECK(c.ev->transport_failed[0].ec ==
              boost::system::error_code(X509_V_ERR_HOSTNAME_MISMATCH,
                                        sngw::mqtt_bridge::tls_verify_category()));
        CHECK(c.ev->close == close_reason::tls_verify_failed);
        CHECK_FALSE(c->link_open());
    }
}

// --- the broker's verdicts ------------------------------------------------------------------------

TEST_CASE("wrong credentials: mosquitto 2.0 refuses the CONNECT with CONNACK 0x87 Not authorized")
{
    SNGW_REQUIRE_MOSQUITTO();
    sngw::test::temp_dir dir;
    mosquitto_process::write_password_file(dir / "passwd", "sensor", "secret"); // mosquitto_passwd -c -b
    mosquitto_config config;
    config.allow_anonymous = false;
    config.extra_lines.push_back("password_file " + (dir / "passwd").string());
    mosquitto_process broker(config);
    asio::io_context io;

    auto with = [&](std::optional<std::string> user, std::string password) {
        auto o = options(broker.port(), "sngw-credentials");
        o.session.connect.username = std::move(user);
        o.session.connect.password = bytes(password);
        return o;
    };
    SUBCASE("wrong password")
    {
        test_client c(io, with("sensor", "wrong"));
        REQUIRE(c->connect());
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        REQUIRE_MESSAGE(c.ev->connect_failed.size() == 1, describe(*c.ev));
        // Observed: 0x87, not 0x86 Bad User Name or Password, and no reason string.
        CHECK(c.ev->connect_failed[0].reason == reason_code::not_authorized);
        CHECK(c.ev->connected.empty());
        CHECK(c.ev->losses.empty());
    }
    SUBCASE("unknown user")
    {
        test_client c(io, with("nobody", "secret"));
        REQUIRE(c->connect());
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        REQUIRE_MESSAGE(c.ev->connect_failed.size() == 1, describe(*c.ev));
        CHECK(c.ev->connect_failed[0].reason == reason_code::not_authorized);
    }
    SUBCASE("right password")
    {
        test_client c(io, with("sensor", "secret"));
        connect(io, c);
        disconnect(io, c);
    }
}

TEST_CASE("a client disabled through the dynamic-security plugin gets DISCONNECT 0x98 Administrative action")
{
    SNGW_REQUIRE_MOSQUITTO();
    const auto plugin = mosquitto_process::dynamic_security_plugin();
    SNGW_SKIP_UNLESS(plugin.has_value(), "the mosquitto dynamic-security plugin is not installed");
    sngw::test::temp_dir dir;
    mosquitto_config config;
    mosquitto_process::enable_dynamic_security(config, *plugin, dir / "dynsec.json", "admin", "admin-pw");
    mosquitto_process broker(config);
    dynsec(broker, "admin-pw", {"createClient", "sensor-1", "-p", "sensor-pw"});
    dynsec(broker, "admin-pw", {"createRole", "sensors"});
    dynsec(broker, "admin-pw", {"addRoleACL", "sensors", "subscribePattern", "dynsec/#", "allow"});
    dynsec(broker, "admin-pw", {"addRoleACL", "sensors", "publishClientSend", "dynsec/#", "allow"});
    dynsec(broker, "admin-pw", {"addClientRole", "sensor-1", "sensors"});
    asio::io_context io;

    auto o = options(broker.port(), "sngw-dynsec");
    o.session.connect.username = "sensor-1";
    o.session.connect.password = bytes("sensor-pw");
    test_client c(io, o);
    connect(io, c);
    CHECK(subscribe(io, c, "dynsec/#", mqtt5::qos::at_least_once) == reason_code::granted_qos_1);
    CHECK(subscribe(io, c, "elsewhere/#", mqtt5::qos::at_least_once) == reason_code::not_authorized);

    dynsec(broker, "admin-pw", {"disableClient", "sensor-1"});
    REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
    REQUIRE_MESSAGE(c.ev->disconnects.size() == 1, describe(*c.ev));
    CHECK(c.ev->disconnects[0].reason == reason_code::administrative_action);
    CHECK(c.ev->losses.empty());
    CHECK_FALSE(c->connected());

    // A disabled client cannot come back: observed CONNACK 0x87.
    REQUIRE(c->connect());
    REQUIRE(run_until(io, [&] { return c.ev->closed > 1; }));
    REQUIRE_MESSAGE(c.ev->connect_failed.size() == 1, describe(*c.ev));
    CHECK(c.ev->connect_failed[0].reason == reason_code::not_authorized);
}

TEST_CASE("max_packet_size: mosquitto announces it, the session refuses above it (0x95), and the broker "
          "sends DISCONNECT 0x95 when it did not announce it")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_config config;
    config.extra_lines.push_back("max_packet_size 200");
    mosquitto_process broker(config);
    asio::io_context io;
    const auto big = std::vector<std::byte>(300, std::byte{'x'});

    SUBCASE("announced in CONNACK: refused locally, nothing sent")
    {
        test_client c(io, options(broker.port(), "sngw-big-local"));
        connect(io, c);
        // Observed: CONNACK carries Maximum Packet Size 200 (and Receive Maximum 20, Topic Alias Maximum 10).
        CHECK(c.ev->connected[0].limits.maximum_packet_size == 200);
        const auto sent_before = c->counters().packets_sent;
        for (const auto q : {mqtt5::qos::at_most_once, mqtt5::qos::at_least_once}) {
            const auto r = c->publish("big/t", big, q);
            CHECK(r.status == mqtt5::request_status::refused);
            CHECK(r.reason == reason_code::packet_too_large);
        }
        CHECK(c->counters().packets_sent == sent_before);
        CHECK(c->publish("big/t", bytes("small"), mqtt5::qos::at_least_once).status ==
              mqtt5::request_status::sent);
        REQUIRE(run_until(io, [&] { return !c.ev->completed.empty(); }));
        CHECK(c->connected());
        disconnect(io, c);
    }
    SUBCASE("not announced (a relay deletes it from the CONNACK): the broker's DISCONNECT 0x95")
    {
        auto relay = std::make_shared<connack_rewriting_relay>(io, broker.port());
        relay->start();
        test_client c(io, options(relay->port(), "sngw-big-remote"));
        connect(io, c);
        CHECK(relay->removed_limit());
        CHECK(c.ev->connected[0].limits.maximum_packet_size == mqtt5::max_packet_size_limit);
        CHECK(c->publish("big/t", big, mqtt5::qos::at_least_once).status == mqtt5::request_status::sent);
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        REQUIRE_MESSAGE(c.ev->disconnects.size() == 1, describe(*c.ev));
        CHECK(c.ev->disconnects[0].reason == reason_code::packet_too_large);
        CHECK(c.ev->completed.empty()); // the PUBLISH stays in the session for the next link
        CHECK(c->session().outbound_pending() == 1);
    }
    SUBCASE("a CONNECT above it (a large will): mosquitto drops the connection without CONNACK")
    {
        auto o = options(broker.port(), "sngw-big-will");
        o.session.connect.will = mqtt5::will_message{.topic = "big/will", .payload = big};
        test_client c(io, o);
        REQUIRE(c->connect());
        REQUIRE(run_until(io, [&] { return c.ev->closed > 0; }));
        // Observed: a TCP reset (no CONNACK 0x95), so the session sees the link lost while connecting.
        CHECK(c.ev->connected.empty());
        CHECK(c.ev->connect_failed.empty());
        REQUIRE_MESSAGE(c.ev->losses.size() == 1, describe(*c.ev));
        CHECK(c.ev->losses[0].cause == mqtt5::link_lost_cause::link_down);
        CHECK_MESSAGE((c.ev->losses[0].transport == close_reason::read_failed ||
                       c.ev->losses[0].transport == close_reason::closed_by_peer),
                      describe(*c.ev));
    }
}

TEST_CASE("message_size_limit: mosquitto 2.0 answers PUBACK 0x95, which MQTT 5 does not allow in a PUBACK")
{
    SNGW_REQUIRE_MOSQUITTO();
    mosquitto_config config;
    config.extra_lines.push_back("message_size_limit 100");
    mosquitto_process broker(config);
    asio::io_context io;
    test_client c(io, options(broker.port(), "sngw-message-size"));
    connect(io, c);
    CHECK(c.ev->connected[0].limits.maximum_packet_size == mqtt5::max_packet_size_limit); // not announced
    REQUIRE(
        c->publish("big/t", std::vector<std::byte>(300, std::byte{'x'}), mqtt5::qos::at_least_once).status ==
        mqtt5::request_status::sent);
    REQUIRE(run_until(io, [&] { return !c.ev->completed.empty() || c.ev->closed > 0; }));
    // Observed on the wire: `40 03 00 01 95`. 0x95 is not among PUBACK's reason codes (§3.4.2.1); the
    // session keeps a broker's unlisted failure code in an ack as data rather than tearing the link
    // down, which would re-send the same PUBLISH on every reconnect. The sensor learns the verdict,
    // and the link stays up.
    REQUIRE_MESSAGE(c.ev->completed.size() == 1, describe(*c.ev));
    CHECK(c.ev->completed[0].reason == reason_code::packet_too_large);
    CHECK(c.ev->protocol_errors.empty());
    CHECK(c.ev->closed == 0);
    CHECK(c->session().outbound_pending() == 0);
}
