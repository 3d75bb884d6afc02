// SPDX-License-Identifier: MIT
// Bad input over real UDP: a 900-byte ClientId, 1,000 random and truncated datagrams (seeded; the seed
// is printed, and SNGW_TEST_SEED=N replays a run), and a PUBLISH before CONNECT. Afterwards the gateway
// is still running and a normal sensor still gets its messages through.
#include "gateway_harness.hpp"

#include <sngw/sn/v1_2/codec.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace {

namespace v1_2 = sngw::sn::v1_2;
namespace mqtt5 = sngw::mqtt5;
using namespace std::chrono_literals;
using sngw::sn_client::topic;
using sngw::test::gateway_env;
using sngw::test::payload;
using sngw::test::subscriber;
using v1_2::qos;
using v1_2::topic_id_type;

/// A sensor that connects, registers and publishes QoS 1; the subscriber must see it.
void check_normal_sensor_works(gateway_env& env, sngw::test::mqtt_peer& sub, const std::string& id)
{
    REQUIRE_MESSAGE(env.gateway->running(), env.describe());
    auto s = env.connected_sensor(id);
    const std::string body = id + " still works";
    const auto r = s.publish("robust/" + id, payload(body), qos::one);
    REQUIRE_MESSAGE(r.has_value(), r.error().message() << "\n" << env.describe());
    CHECK(r->return_code == v1_2::return_codes::accepted);
    const auto m = sub.wait_for_payload(body);
    REQUIRE_MESSAGE(m.has_value(), env.describe());
    CHECK(m->topic == "robust/" + id);
    CHECK(env.gateway->running());
}

std::vector<std::byte> wire(const v1_2::message& m)
{
    auto b = v1_2::encode(m);
    REQUIRE(b.has_value());
    return *b;
}

/// Well-formed messages of every kind a sensor (or a confused peer) may send, to truncate and mutate.
std::vector<std::vector<std::byte>> templates()
{
    const auto data = payload("twenty-one octets....");
    std::vector<v1_2::message> ms{
        v1_2::connect_msg{true, true, 30, "fuzz-a"},
        v1_2::connect_msg{false, false, 0, "fuzz-b"},
        v1_2::willtopic_msg{v1_2::will_topic_fields{qos::one, true, "w/t"}},
        v1_2::willtopic_msg{},
        v1_2::willmsg_msg{data},
        v1_2::register_msg{0, 1, "a/b/c"},
        v1_2::regack_msg{1, 1, 0},
        v1_2::publish_msg{false, qos::one, false, topic_id_type::normal, 1, 2, data},
        v1_2::publish_msg{false, qos::two, true, topic_id_type::predefined, 1, 3, data},
        v1_2::publish_msg{false, qos::minus_one, false, topic_id_type::short_name, 0x6162, 0, data},
        v1_2::publish_msg{true, qos::zero, false, topic_id_type::normal, 9, 0, std::vector<std::byte>(300)},
        v1_2::puback_msg{1, 2, 0},
        v1_2::pubrec_msg{3},
        v1_2::pubrel_msg{3},
        v1_2::pubcomp_msg{3},
        v1_2::subscribe_msg{false, qos::one, topic_id_type::normal, 4, "a/#", 0},
        v1_2::subscribe_msg{false, qos::zero, topic_id_type::predefined, 5, "", 1},
        v1_2::unsubscribe_msg{topic_id_type::short_name, 6, "ab", 0},
        v1_2::pingreq_msg{},
        v1_2::pingreq_msg{"fuzz-a"},
        v1_2::disconnect_msg{},
        v1_2::disconnect_msg{60},
        v1_2::willtopicupd_msg{v1_2::will_topic_fields{qos::zero, false, "w/u"}},
        v1_2::willmsgupd_msg{data},
        v1_2::searchgw_msg{0},
        v1_2::gwinfo_msg{1, std::nullopt},
        v1_2::advertise_msg{1, 900},
    };
    std::vector<std::vector<std::byte>> out;
    for (const auto& m : ms)
        out.push_back(wire(m));
    // A forwarder encapsulation (§5.5) around a CONNECT.
    out.push_back(
        wire(v1_2::encapsulated_msg{0, payload("node"), wire(v1_2::connect_msg{false, true, 30, "fwd"})}));
    return out;
}

std::uint64_t test_seed()
{
    if (const char* s = std::getenv("SNGW_TEST_SEED"); s && *s) return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

} // namespace

TEST_CASE("a CONNECT with a 900-byte ClientId is accepted, its PUBLISH reaches the broker and the gateway keeps serving")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto sub = subscriber(env.broker.port(), "robust/#");
    auto big = env.sensor(std::string(900, 'c'));
    const auto r = big.connect();
    REQUIRE_MESSAGE(r.has_value(), r.error().message() << "\n" << env.describe());
    // Accepted: the default limit is 1,024 octets, and an MQTT 5 client id may be that long (§3.1.3.1).
    REQUIRE_MESSAGE(*r == v1_2::return_codes::accepted,
                    "CONNACK return code " << int(*r) << "\n" << env.describe());
    const auto p = big.publish("robust/big-id", payload("from the long id"), qos::one);
    REQUIRE_MESSAGE(p.has_value(), p.error().message() << "\n" << env.describe());
    CHECK(p->return_code == v1_2::return_codes::accepted);
    const auto m = sub->wait_for_payload("from the long id");
    REQUIRE_MESSAGE(m.has_value(), env.describe());
    CHECK(m->topic == "robust/big-id");
    check_normal_sensor_works(env, *sub, "after-long-id");
}

TEST_CASE("1,000 random and truncated datagrams leave the gateway running and a normal sensor still works")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto sub = subscriber(env.broker.port(), "robust/#");
    const auto seed = test_seed();
    MESSAGE("seed " << seed << " (SNGW_TEST_SEED=" << seed << " replays this run)");
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const auto octet = [&] { return static_cast<std::byte>(rng() & 0xFF); };

    // Eight senders, so that garbage also arrives from peers the gateway has a record for.
    std::vector<sngw::sn_client::client> senders;
    for (int i = 0; i < 8; ++i)
        senders.push_back(env.sensor("fuzz-" + std::to_string(i)));
    const auto shapes = templates();
    int counts[4] = {};
    for (int i = 0; i < 1000; ++i) {
        std::vector<std::byte> d;
        const int kind = i % 4;
        ++counts[kind];
        switch (kind) {
        case 0: // random octets, random length (0 included)
            d.resize(pick(48));
            for (auto& b : d)
                b = octet();
            break;
        case 1: // a right Length octet and a random type and body
            d.resize(2 + pick(40));
            for (auto& b : d)
                b = octet();
            d[0] = static_cast<std::byte>(d.size());
            break;
        case 2: { // a well-formed message cut short
            const auto& t = shapes[pick(shapes.size())];
            d.assign(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(pick(t.size())));
            break;
        }
        default: { // a well-formed message with one octet changed
            d = shapes[pick(shapes.size())];
            d[pick(d.size())] = octet();
            break;
        }
        }
        REQUIRE(senders[static_cast<std::size_t>(i) % senders.size()].send_raw(d).has_value());
        if (i % 100 == 99) std::this_thread::sleep_for(10ms); // let the gateway's socket buffer drain
    }
    MESSAGE("sent " << counts[0] << " random, " << counts[1] << " random with a valid length, " << counts[2]
                    << " truncated, " << counts[3] << " mutated datagrams");
    std::this_thread::sleep_for(300ms);
    REQUIRE_MESSAGE(env.gateway->running(), env.describe());
    CHECK(sngw::test::wait_for_gwinfo(env.gateway->udp_port(), 2s));
    check_normal_sensor_works(env, *sub, "after-garbage");
}

TEST_CASE("a PUBLISH before CONNECT is answered with DISCONNECT and a normal sensor still works")
{
    SNGW_REQUIRE_GATEWAY();
    gateway_env env;
    auto sub = subscriber(env.broker.port(), "robust/#");
    auto stranger = env.sensor("stranger");
    // No session: the gateway answers a v1.2 message that needs one with a bare DISCONNECT.
    for (const auto q : {qos::zero, qos::one, qos::two}) {
        CAPTURE(static_cast<int>(q));
        REQUIRE(
            stranger
                .send(v1_2::publish_msg{false, q, false, topic_id_type::normal, 1,
                                        q == qos::zero ? std::uint16_t{0} : std::uint16_t{5}, payload("x")})
                .has_value());
        const auto m = stranger.receive(3s);
        REQUIRE_MESSAGE(m.has_value(), "no answer: " << m.error().message() << "\n" << env.describe());
        CHECK(std::holds_alternative<v1_2::disconnect_msg>(*m));
    }
    // Nothing reached the broker.
    CHECK_FALSE(sub->wait_for_payload("x", 500ms).has_value());
    check_normal_sensor_works(env, *sub, "after-stranger");
}
