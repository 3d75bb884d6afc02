// SPDX-License-Identifier: MIT
// decode(encode(p)) == p for random valid packets from a seeded generator (SNGW_SEED overrides
// the seed; it is printed so that a failure can be replayed).
#include "test_print.hpp"

#include <sngw/mqtt5/codec.hpp>
#include <sngw/mqtt5/io.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <string>

using namespace sngw::mqtt5;

namespace {

std::uint64_t seed_from_env()
{
    if (const char* s = std::getenv("SNGW_SEED")) return std::strtoull(s, nullptr, 0);
    return std::random_device{}();
}

class generator {
public:
    explicit generator(std::uint64_t seed) : rng_(seed) {}

    std::uint32_t below(std::uint32_t n)
    {
        return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(rng_);
    }
    bool coin(std::uint32_t one_in = 2) { return below(one_in) == 0; }
    std::uint16_t u16() { return static_cast<std::uint16_t>(below(65536)); }
    std::uint32_t u32() { return std::uniform_int_distribution<std::uint32_t>()(rng_); }
    std::uint16_t nonzero_u16() { return static_cast<std::uint16_t>(1 + below(65535)); }

    // Small numbers most of the time, the extremes sometimes: boundaries matter for varints.
    std::uint32_t length(std::uint32_t typical)
    {
        switch (below(8)) {
        case 0:
            return 0;
        case 1:
            return 127 + below(3);
        default:
            return below(typical);
        }
    }

    std::vector<std::byte> blob(std::uint32_t typical = 16)
    {
        std::vector<std::byte> b(length(typical));
        for (auto& x : b)
            x = static_cast<std::byte>(below(256));
        return b;
    }

    // Well-formed UTF-8 with 1- to 4-byte characters; `level_chars` excludes '/', '+', '#'.
    std::string utf8(std::uint32_t typical = 8, bool allow_slash = true)
    {
        static const char* const pieces[] = {
            "a",    "Z", "0", "-", " ", "$", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbb\xbf",
            "\x7f", "/"};
        const std::uint32_t n = length(typical);
        std::string s;
        for (std::uint32_t i = 0; i < n; ++i) {
            const char* piece = pieces[below(allow_slash ? 12 : 11)];
            s += piece;
        }
        return s;
    }

    std::string level() { return utf8(5, false); }

    std::string topic_name()
    {
        std::string s = level();
        for (std::uint32_t i = below(4); i > 0; --i)
            s += "/" + level();
        return s.empty() ? "t" : s;
    }

    std::string topic_filter()
    {
        std::string s;
        const std::uint32_t levels = 1 + below(4);
        for (std::uint32_t i = 0; i < levels; ++i) {
            if (i) s += '/';
            if (i + 1 == levels && coin(4))
                s += '#';
            else if (coin(4))
                s += '+';
            else
                s += level();
        }
        if (s.empty()) s = "#";
        if (coin(6)) s = "$share/g" + std::to_string(below(10)) + "/" + s;
        return s;
    }

    qos any_qos() { return static_cast<qos>(below(3)); }

    reason_code reason(packet_type t)
    {
        std::vector<reason_code> allowed;
        for (unsigned v = 0; v < 256; ++v)
            if (reason_code_allowed(t, static_cast<reason_code>(v)))
                allowed.push_back(static_cast<reason_code>(v));
        return allowed[below(static_cast<std::uint32_t>(allowed.size()))];
    }

    properties props(property_scope scope)
    {
        properties p;
        if (coin(3)) return p;
        auto maybe = [&](property_id id) { return property_allowed(id, scope) && coin(3); };
        using id = property_id;
        if (maybe(id::payload_format_indicator))
            p.payload_format_indicator = static_cast<payload_format>(below(2));
        if (maybe(id::message_expiry_interval)) p.message_expiry_interval = u32();
        if (maybe(id::content_type)) p.content_type = utf8();
        if (maybe(id::response_topic)) p.response_topic = topic_name();
        if (maybe(id::correlation_data)) p.correlation_data = blob();
        if (maybe(id::subscription_identifier)) {
            const std::uint32_t n = scope == property_scope::publish ? 1 + below(3) : 1;
            for (std::uint32_t i = 0; i < n; ++i)
                p.subscription_identifiers.push_back(coin(4) ? 268'435'455u : 1 + below(20'000));
        }
        if (maybe(id::session_expiry_interval)) p.session_expiry_interval = u32();
        if (maybe(id::assigned_client_identifier)) p.assigned_client_identifier = utf8();
        if (maybe(id::server_keep_alive)) p.server_keep_alive = u16();
        if (maybe(id::authentication_method)) {
            p.authentication_method = utf8();
            if (coin()) p.authentication_data = blob();
        }
        if (maybe(id::request_problem_information)) p.request_problem_information = coin();
        if (maybe(id::will_delay_interval)) p.will_delay_interval = u32();
        if (maybe(id::request_response_information)) p.request_response_information = coin();
        if (maybe(id::response_information)) p.response_information = utf8();
        if (maybe(id::server_reference)) p.server_reference = utf8();
        if (maybe(id::reason_string)) p.reason_string = utf8(40);
        if (maybe(id::receive_maximum)) p.receive_maximum = nonzero_u16();
        if (maybe(id::topic_alias_maximum)) p.topic_alias_maximum = u16();
        if (maybe(id::topic_alias)) p.topic_alias = nonzero_u16();
        if (maybe(id::maximum_qos)) p.maximum_qos = static_cast<qos>(below(2));
        if (maybe(id::retain_available)) p.retain_available = coin();
        if (maybe(id::user_property))
            for (std::uint32_t i = 1 + below(3); i > 0; --i)
                p.user_properties.push_back({utf8(), utf8()});
        if (maybe(id::maximum_packet_size)) p.maximum_packet_size = 1 + below(0xFFFFFFFEu);
        if (maybe(id::wildcard_subscription_available)) p.wildcard_subscription_available = coin();
        if (maybe(id::subscription_identifier_available)) p.subscription_identifier_available = coin();
        if (maybe(id::shared_subscription_available)) p.shared_subscription_available = coin();
        return p;
    }

    packet any()
    {
        const auto type = static_cast<packet_type>(1 + below(15));
        const auto scope = scope_of(type);
        switch (type) {
        case packet_type::connect: {
            connect_packet p{
                .clean_start = coin(), .keep_alive = u16(), .props = props(scope), .client_id = utf8()};
            if (coin())
                p.will = will_message{.topic = topic_name(),
                                      .payload = blob(),
                                      .qos = any_qos(),
                                      .retain = coin(),
                                      .props = props(property_scope::will)};
            if (coin()) p.username = utf8();
            if (coin()) p.password = blob();
            return p;
        }
        case packet_type::connack: {
            connack_packet p{.reason = reason(type), .props = props(scope)};
            p.session_present = p.reason == reason_code::success && coin();
            return p;
        }
        case packet_type::publish: {
            publish_packet p{.qos = any_qos(),
                             .retain = coin(),
                             .topic = topic_name(),
                             .props = props(scope),
                             .payload = blob(300)};
            if (p.qos != qos::at_most_once) {
                p.dup = coin();
                p.packet_id = nonzero_u16();
            }
            if (coin(4)) {
                p.props.topic_alias = nonzero_u16();
                if (coin()) p.topic.clear();
            }
            return p;
        }
        case packet_type::puback:
            return puback_packet{nonzero_u16(), reason(type), props(scope)};
        case packet_type::pubrec:
            return pubrec_packet{nonzero_u16(), reason(type), props(scope)};
        case packet_type::pubrel:
            return pubrel_packet{nonzero_u16(), reason(type), props(scope)};
        case packet_type::pubcomp:
            return pubcomp_packet{nonzero_u16(), reason(type), props(scope)};
        case packet_type::subscribe: {
            subscribe_packet p{.packet_id = nonzero_u16(), .props = props(scope)};
            for (std::uint32_t i = 1 + below(4); i > 0; --i) {
                subscription s{.topic_filter = topic_filter(),
                               .options = {.max_qos = any_qos(),
                                           .no_local = coin(),
                                           .retain_as_published = coin(),
                                           .retain_handling = static_cast<retain_handling>(below(3))}};
                if (s.topic_filter.starts_with("$share/")) s.options.no_local = false;
                p.subscriptions.push_back(std::move(s));
            }
            return p;
        }
        case packet_type::suback:
        case packet_type::unsuback: {
            std::vector<reason_code> codes;
            for (std::uint32_t i = 1 + below(5); i > 0; --i)
                codes.push_back(reason(type));
            if (type == packet_type::suback)
                return suback_packet{nonzero_u16(), props(scope), std::move(codes)};
            return unsuback_packet{nonzero_u16(), props(scope), std::move(codes)};
        }
        case packet_type::unsubscribe: {
            unsubscribe_packet p{.packet_id = nonzero_u16(), .props = props(scope)};
            for (std::uint32_t i = 1 + below(4); i > 0; --i)
                p.topic_filters.push_back(topic_filter());
            return p;
        }
        case packet_type::pingreq:
            return pingreq_packet{};
        case packet_type::pingresp:
            return pingresp_packet{};
        case packet_type::disconnect:
            return disconnect_packet{reason(type), props(scope)};
        case packet_type::auth:
            return auth_packet{reason(type), props(scope)};
        }
        return pingreq_packet{};
    }

private:
    std::mt19937_64 rng_;
};

} // namespace

TEST_CASE("random valid packets survive encode then decode unchanged")
{
    const std::uint64_t seed = seed_from_env();
    MESSAGE("SNGW_SEED=" << seed);
    generator gen{seed};
    int per_type[16] = {};
    for (int i = 0; i < 12'000; ++i) {
        const packet p = gen.any();
        INFO("packet #" << i << ": " << p);
        ++per_type[static_cast<int>(type_of(p))];
        REQUIRE_MESSAGE(!validate(p), validate(p).message());
        auto wire = encode(p);
        REQUIRE_MESSAGE(wire, wire.error().message());
        CHECK(encoded_size(p) == wire->size());
        auto back = decode(*wire);
        REQUIRE_MESSAGE(back, back.error().message());
        CHECK(*back == p);
    }
    for (int t = 1; t <= 15; ++t)
        CHECK(per_type[t] > 0);
}
