// SPDX-License-Identifier: MIT
// MQTT-SN 2.0 round-trip property: for random valid messages of every packet type,
// decode(encode(m)) == m and encoded_size(m) == encode(m).size(). The generator only makes
// messages decode can produce (it follows the rules listed at the top of decode.cpp). The seed is
// printed; SNGW_SEED=<n> replays a run.
#include "support/hex.hpp"

#include <sngw/sn/v2_0/codec.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>

using namespace sngw;
using namespace sngw::sn::v2_0;

namespace {

std::uint64_t seed_from_env()
{
    if (const char* s = std::getenv("SNGW_SEED"); s && *s) return std::strtoull(s, nullptr, 0);
    return 20260819; // the date of the pinned spec text
}

class generator {
public:
    explicit generator(std::uint64_t seed) : rng_(seed) {}

    template <class T> T uniform(T lo, T hi)
    {
        using wide = std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>;
        return static_cast<T>(
            std::uniform_int_distribution<wide>(static_cast<wide>(lo), static_cast<wide>(hi))(rng_));
    }
    std::uint8_t u8() { return uniform<std::uint8_t>(0, 0xFF); }
    std::uint16_t u16() { return uniform<std::uint16_t>(0, 0xFFFF); }
    std::uint32_t u32() { return uniform<std::uint32_t>(0, 0xFFFFFFFF); }
    bool coin() { return uniform<int>(0, 1) == 1; }
    bool one_in(int n) { return uniform<int>(1, n) == 1; }

    /// Mostly short, sometimes around the 255/256 Length boundary, sometimes long.
    std::size_t size(std::size_t small = 12)
    {
        switch (uniform<int>(0, 9)) {
        case 0:
            return uniform<std::size_t>(235, 265);
        case 1:
            return uniform<std::size_t>(0, 700);
        default:
            return uniform<std::size_t>(0, small);
        }
    }

    std::vector<std::byte> bytes(std::size_t n)
    {
        std::vector<std::byte> v(n);
        for (auto& b : v)
            b = static_cast<std::byte>(u8());
        return v;
    }

    /// Well-formed UTF-8 of exactly n octets without U+0000: ASCII and 2-, 3- and 4-octet characters.
    std::string text(std::size_t n)
    {
        static constexpr const char* pieces[] = {
            "a",    "/",   "+", "#", "Z", "0", "~", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\xAA\x9B\x94",
            "\x7F", "\x01"};
        std::string s;
        while (s.size() < n) {
            const std::string_view piece = pieces[uniform<std::size_t>(0, std::size(pieces) - 1)];
            s += s.size() + piece.size() <= n ? piece : std::string_view("a");
        }
        return s;
    }
    std::string nonempty_text(std::size_t n) { return text(n == 0 ? 1 : n); }

    qos any_qos() { return static_cast<qos>(uniform<int>(0, 2)); }
    topic_type any_topic_type()
    {
        static constexpr topic_type all[] = {topic_type::session_alias, topic_type::predefined_alias,
                                             topic_type::topic_name};
        return all[uniform<int>(0, 2)];
    }
    topic_type alias_type() { return coin() ? topic_type::session_alias : topic_type::predefined_alias; }

    template <class T, class F> std::optional<T> maybe(F make)
    {
        if (coin()) return make();
        return std::nullopt;
    }

    auth_fields auth(std::size_t method_max = 20)
    {
        return auth_fields{.method = text(uniform<std::size_t>(0, method_max)), .data = bytes(size())};
    }

    message any(int type_index, int depth = 0)
    {
        switch (type_index) {
        case 0: {
            connect_msg m{.clean_start = coin(),
                          .allow_network_address_changes = coin(),
                          .allow_server_suggested_values = coin(),
                          .packet_id = u16(),
                          .keep_alive = uniform<std::uint16_t>(1, 0xFFFF),
                          .maximum_packet_size =
                              coin() ? std::uint16_t{0} : uniform<std::uint16_t>(10, 0xFFFF)};
            m.default_awake_messages = maybe<std::uint8_t>([&] { return u8(); });
            m.session_expiry_interval = maybe<std::uint32_t>([&] { return u32(); });
            if (coin()) {
                will_fields w{.retain = coin(), .q = any_qos(), .topic_type = any_topic_type()};
                if (w.topic_type == topic_type::topic_name)
                    w.topic_name = nonempty_text(size());
                else
                    w.topic_alias = u16();
                w.payload = bytes(size());
                m.will = w;
            }
            if (coin()) m.auth = auth(250);
            m.client_id = text(size(23));
            return m;
        }
        case 1: {
            connack_msg m{.packet_id = u16(), .reason_code = coin() ? std::uint8_t{0} : u8()};
            m.session_present = m.reason_code == 0 && coin();
            m.session_expiry_interval = maybe<std::uint32_t>([&] { return u32(); });
            m.server_keep_alive = maybe<std::uint16_t>([&] { return u16(); });
            if (coin()) m.auth = auth();
            m.assigned_client_id = maybe<std::string>([&] { return nonempty_text(size(36)); });
            return m;
        }
        case 2:
            return auth_msg{.packet_id = u16(),
                            .reason_code = u8(),
                            .auth_method = text(size(40) % 256),
                            .auth_data = bytes(size())};
        case 3:
            return register_msg{.packet_id = u16(),
                                .topic_alias = maybe<std::uint16_t>([&] { return u16(); }),
                                .topic_name = nonempty_text(size())};
        case 4:
            return regack_msg{.topic_type = alias_type(),
                              .packet_id = u16(),
                              .topic_alias = maybe<std::uint16_t>([&] { return u16(); }),
                              .reason_code = maybe<std::uint8_t>([&] { return u8(); })};
        case 5: {
            publish_msg m{.q = any_qos(), .retain = coin(), .topic_type = any_topic_type()};
            m.dup = m.q == qos::qos2 && coin();
            if (m.q != qos::qos0) m.packet_id = u16();
            if (m.topic_type == topic_type::topic_name)
                m.topic_name = nonempty_text(size());
            else
                m.topic_alias = u16();
            m.payload = bytes(size(40));
            return m;
        }
        case 6:
            return puback_msg{.packet_id = u16(), .reason_code = maybe<std::uint8_t>([&] { return u8(); })};
        case 7:
            return pubrec_msg{.packet_id = u16(), .reason_code = maybe<std::uint8_t>([&] { return u8(); })};
        case 8:
            return pubrel_msg{.packet_id = u16(), .reason_code = maybe<std::uint8_t>([&] { return u8(); })};
        case 9:
            return pubcomp_msg{.packet_id = u16(), .reason_code = maybe<std::uint8_t>([&] { return u8(); })};
        case 10: {
            pubwos_msg m{.retain = coin(),
                         .topic_type = coin() ? topic_type::predefined_alias : topic_type::topic_name};
            if (m.topic_type == topic_type::topic_name)
                m.topic_name = nonempty_text(size());
            else
                m.topic_alias = u16();
            m.payload = bytes(size(40));
            return m;
        }
        case 11: {
            subscribe_msg m{.no_local = coin(),
                            .q = any_qos(),
                            .retain_as_published = coin(),
                            .retain_handling = static_cast<retain_handling>(uniform<int>(0, 2)),
                            .topic_type = any_topic_type(),
                            .packet_id = u16()};
            if (m.topic_type == topic_type::topic_name)
                m.topic_filter = nonempty_text(size());
            else
                m.topic_alias = u16();
            return m;
        }
        case 12: {
            suback_msg m{.topic_type = alias_type(), .packet_id = u16()};
            if (m.topic_type == topic_type::session_alias || coin()) m.topic_alias = u16();
            m.reason_code = maybe<std::uint8_t>([&] { return u8(); });
            return m;
        }
        case 13: {
            unsubscribe_msg m{.topic_type = any_topic_type(), .packet_id = u16()};
            if (m.topic_type == topic_type::topic_name)
                m.topic_filter = nonempty_text(size());
            else
                m.topic_alias = u16();
            return m;
        }
        case 14:
            return unsuback_msg{.packet_id = u16(), .reason_code = maybe<std::uint8_t>([&] { return u8(); })};
        case 15:
            return pingreq_msg{.packet_id = u16()};
        case 16:
            return pingresp_msg{.packet_id = u16(),
                                .application_messages_remaining = maybe<std::uint8_t>([&] { return u8(); })};
        case 17:
            return disconnect_msg{.packet_id = maybe<std::uint16_t>([&] { return u16(); }),
                                  .session_expiry_interval = maybe<std::uint32_t>([&] { return u32(); }),
                                  .reason_code = maybe<std::uint8_t>([&] { return u8(); }),
                                  .reason_string = maybe<std::string>([&] { return nonempty_text(size()); })};
        case 18:
            return sleepreq_msg{.retain_topic_aliases = coin(),
                                .packet_id = u16(),
                                .sleep_duration = uniform<std::uint32_t>(1, 0xFFFFFFFF)};
        case 19:
            return sleepresp_msg{.packet_id = u16(),
                                 .sleep_duration = maybe<std::uint32_t>([&] { return u32(); }),
                                 .reason_code = maybe<std::uint8_t>([&] { return u8(); })};
        case 20:
            return wakeup_msg{};
        case 21:
            return advertise_msg{.gateway_id = u8(), .duration = u16()};
        case 22:
            return searchgw_msg{.additional_network_information = bytes(size(4))};
        case 23:
            return gwinfo_msg{.gateway_id = u8(), .gateway_address = bytes(size(16))};
        case 24: {
            // Anything but another Forwarder Encapsulation inside (decode.cpp, §3.19).
            int inner = uniform<int>(0, 26);
            if (inner == 24 || depth > 0) inner = uniform<int>(0, 23);
            return forwarder_encapsulation_msg{.client_addressing_information = bytes(size(8) % 256),
                                               .message = encode(any(inner, depth + 1)).value()};
        }
        case 25: {
            // MQTT-SN-3.18-3: PUBLISH, SUBSCRIBE, UNSUBSCRIBE, REGISTER, DISCONNECT, SLEEPREQ, PINGREQ.
            static constexpr int allowed[] = {5, 11, 13, 3, 17, 18, 15};
            return connection_encapsulation_msg{
                .client_id = text(size(23)),
                .message = encode(any(allowed[uniform<int>(0, 6)], depth + 1)).value()};
        }
        default:
            return protection();
        }
    }

    protection_encapsulation_msg protection()
    {
        static constexpr std::uint8_t schemes[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x3C,
                                                   0x3F, 0x40, 0x45, 0x49, 0xF0, 0xFF};
        static constexpr std::size_t crypto_sizes[] = {0, 2, 4, 12};
        static constexpr std::size_t counter_sizes[] = {0, 2, 4};
        protection_encapsulation_msg m;
        m.protection_scheme = schemes[uniform<std::size_t>(0, std::size(schemes) - 1)];
        const bool aead = m.protection_scheme >= 0x40;
        if (aead) {
            m.authentication_tag_length = 1; // MQTT-SN-3.17.2.3-1
        } else {
            static constexpr std::uint8_t codes[] = {0, 1, 4, 5, 6, 7, 8, 9, 12, 15};
            m.authentication_tag_length = codes[uniform<std::size_t>(0, std::size(codes) - 1)];
            if (m.protection_scheme >= 0x02 && m.protection_scheme <= 0x04 && m.authentication_tag_length > 8)
                m.authentication_tag_length = 8; // CMAC: 128-bit nominal tag (MQTT-SN-3.17.2.3-8)
        }
        for (auto& b : m.sender_id)
            b = static_cast<std::byte>(u8());
        for (auto& b : m.random)
            b = static_cast<std::byte>(u8());
        m.cryptographic_material = bytes(crypto_sizes[uniform<std::size_t>(0, 3)]);
        m.monotonic_counter = bytes(counter_sizes[uniform<std::size_t>(0, 2)]);
        m.protected_packet_and_tag = bytes(2 + authentication_tag_size(m).value_or(0) + size());
        return m;
    }

private:
    std::mt19937_64 rng_;
};

} // namespace

TEST_CASE("random valid v2.0 messages of every type survive encode then decode")
{
    const auto seed = seed_from_env();
    MESSAGE("SNGW_SEED=" << seed);
    generator g(seed);
    constexpr int types = static_cast<int>(std::variant_size_v<message>);
    constexpr int rounds = 400; // 27 x 400 = 10800 messages
    std::map<msg_type, int> per_type;
    int at_255 = 0;
    int at_258 = 0;
    int long_form = 0;
    for (int i = 0; i < rounds * types; ++i) {
        const message m = g.any(i % types);
        const auto wire = encode(m);
        INFO("seed " << seed << ", message #" << i << ": " << m);
        REQUIRE(wire.has_value());
        CHECK(encoded_size(m) == wire->size());
        const auto back = decode(*wire);
        REQUIRE_MESSAGE(back.has_value(),
                        "decode: " << back.error().message() << " wire " << test::to_hex(*wire));
        CHECK(*back == m);
        // The two printers must cope with whatever decode produces.
        std::ostringstream os;
        os << *back;
        CHECK_FALSE(os.str().empty());
        CHECK_FALSE(to_json(*back).empty());
        ++per_type[msg_type_of(m)];
        at_255 += wire->size() == 255 ? 1 : 0;
        at_258 += wire->size() == 258 ? 1 : 0;
        long_form += wire->size() > 255 ? 1 : 0;
    }
    CHECK(per_type.size() == static_cast<std::size_t>(types));
    for (const auto& [type, count] : per_type)
        CHECK(count >= rounds);
    // The 255/256 boundary shows up in the mix: the longest 1-octet Length, the shortest 3-octet
    // one (256 and 257 octets never come out of encode), and plenty of long packets.
    CHECK(at_255 > 0);
    CHECK(at_258 > 0);
    CHECK(long_form > 100);
}

TEST_CASE("round trip keeps absent and zero-valued optional fields apart")
{
    // The same packet with an absent field, and with the field present and 0.
    const message pairs[][2] = {
        {puback_msg{.packet_id = 1}, puback_msg{.packet_id = 1, .reason_code = 0}},
        {regack_msg{.packet_id = 1}, regack_msg{.packet_id = 1, .topic_alias = 0}},
        {suback_msg{.packet_id = 1}, suback_msg{.packet_id = 1, .reason_code = 0}},
        {pingresp_msg{.packet_id = 1}, pingresp_msg{.packet_id = 1, .application_messages_remaining = 0}},
        {sleepresp_msg{.packet_id = 1}, sleepresp_msg{.packet_id = 1, .sleep_duration = 0}},
        {disconnect_msg{}, disconnect_msg{.reason_code = 0}},
        {disconnect_msg{}, disconnect_msg{.session_expiry_interval = 0}},
        {disconnect_msg{}, disconnect_msg{.packet_id = 0}},
        {connect_msg{.keep_alive = 1}, connect_msg{.keep_alive = 1, .session_expiry_interval = 0}},
        {connect_msg{.keep_alive = 1}, connect_msg{.keep_alive = 1, .default_awake_messages = 0}},
        {connect_msg{.keep_alive = 1}, connect_msg{.keep_alive = 1, .auth = auth_fields{}}},
        {connack_msg{}, connack_msg{.session_expiry_interval = 0}},
        {connack_msg{}, connack_msg{.server_keep_alive = 0}},
        {connack_msg{}, connack_msg{.auth = auth_fields{}}},
        {register_msg{.topic_name = "t"}, register_msg{.topic_alias = 0, .topic_name = "t"}},
    };
    for (const auto& pair : pairs) {
        const message& absent = pair[0];
        const message& zero = pair[1];
        INFO(absent << " vs " << zero);
        const auto a = encode(absent).value();
        const auto z = encode(zero).value();
        CHECK(a != z);
        CHECK(decode(a).value() == absent);
        CHECK(decode(z).value() == zero);
    }
}
