// SPDX-License-Identifier: MIT
// Round-trip property for MQTT-SN 1.2: random valid messages of every type (house-style §6)
// satisfy decode(encode(m)) == m and encoded_size(m) == encode(m)->size(). The generator is
// seeded; SNGW_SEED=<n> replays a run, and the seed is printed.
#include <sngw/sn/v1_2/codec.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>

using namespace sngw::sn::v1_2;

namespace {

constexpr std::uint64_t default_seed = 0x5e12'2013'1114ULL;
constexpr int message_count = 12'000;

std::uint64_t seed_from_env()
{
    if (const char* s = std::getenv("SNGW_SEED"); s && *s) return std::strtoull(s, nullptr, 0);
    return default_seed;
}

/// The generator. Only std::mt19937_64's output is used (its sequence is fixed by the standard),
/// so a seed replays the same messages with any standard library.
class gen {
public:
    explicit gen(std::uint64_t seed) : rng_(seed) {}

    std::uint64_t below(std::uint64_t n) { return rng_() % n; }
    bool coin() { return below(2) == 1; }
    std::uint8_t u8() { return static_cast<std::uint8_t>(rng_()); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(rng_()); }

    /// Length of a variable field behind `fixed` octets of fixed fields: mostly small, often such
    /// that the whole message lands near the 255/256 Length boundary (§5.2.1), sometimes large.
    std::size_t length(std::size_t fixed, std::size_t min = 0)
    {
        std::size_t n = 0;
        switch (below(5)) {
        case 0:
        case 1:
            n = below(17);
            break;
        case 2:
        case 3: {
            const std::size_t body = 245 + below(14); // total 247..255 or 258..262
            n = body > fixed ? body - fixed : 0;
            break;
        }
        default:
            n = below(1200);
            break;
        }
        return n < min ? min : n;
    }

    std::vector<std::byte> octets(std::size_t n)
    {
        std::vector<std::byte> out(n);
        for (auto& b : out)
            b = static_cast<std::byte>(rng_());
        return out;
    }

    /// Any octets: client ids and short names carry no UTF-8 rule in 1.2.
    std::string raw_text(std::size_t n)
    {
        std::string s(n, '\0');
        for (auto& c : s)
            c = static_cast<char>(rng_());
        return s;
    }

    /// Well-formed UTF-8 without U+0000 of about n octets (§5.3.12 TopicName).
    std::string utf8(std::size_t n)
    {
        static constexpr std::array<std::string_view, 8> pieces = {
            "a", "/", "+", "#", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "Z"};
        std::string s;
        while (s.size() < n)
            s += pieces[below(pieces.size())];
        return s;
    }

    qos any_qos() { return static_cast<qos>(below(4)); }
    qos qos_without_minus_one() { return static_cast<qos>(below(3)); }
    topic_id_type type() { return static_cast<topic_id_type>(below(3)); }
    std::uint8_t return_code() { return coin() ? static_cast<std::uint8_t>(below(4)) : u8(); }

    std::optional<will_topic_fields> will()
    {
        if (below(4) == 0) return std::nullopt; // the empty WILLTOPIC / WILLTOPICUPD
        return will_topic_fields{
            .q = qos_without_minus_one(), .retain = coin(), .will_topic = utf8(length(1))};
    }

    template <class Msg> Msg topic_msg(Msg m)
    {
        m.topic_id_type = type();
        m.msg_id = u16();
        switch (m.topic_id_type) {
        case topic_id_type::normal:
            m.topic_name = utf8(length(3, 1));
            break;
        case topic_id_type::predefined:
            m.topic_id = u16();
            break;
        case topic_id_type::short_name:
            m.topic_name = raw_text(2);
            break;
        }
        return m;
    }

    message any(std::size_t index)
    {
        switch (index) {
        case 0:
            return advertise_msg{.gw_id = u8(), .duration = u16()};
        case 1:
            return searchgw_msg{.radius = u8()};
        case 2: {
            gwinfo_msg m{.gw_id = u8()};
            if (coin()) m.gw_add = octets(length(1, 1));
            return m;
        }
        case 3:
            return connect_msg{.will = coin(),
                               .clean_session = coin(),
                               .duration = u16(),
                               .client_id = raw_text(coin() ? 1 + below(23) : length(4, 1))};
        case 4:
            return connack_msg{.return_code = return_code()};
        case 5:
            return willtopicreq_msg{};
        case 6:
            return willtopic_msg{.will = will()};
        case 7:
            return willmsgreq_msg{};
        case 8:
            return willmsg_msg{.will_msg = octets(length(0))};
        case 9:
            return register_msg{.topic_id = u16(), .msg_id = u16(), .topic_name = utf8(length(4, 1))};
        case 10:
            return regack_msg{.topic_id = u16(), .msg_id = u16(), .return_code = return_code()};
        case 11:
            return publish_msg{.dup = coin(),
                               .q = any_qos(),
                               .retain = coin(),
                               .topic_id_type = type(),
                               .topic_id = u16(),
                               .msg_id = u16(),
                               .data = octets(length(5))};
        case 12:
            return puback_msg{.topic_id = u16(), .msg_id = u16(), .return_code = return_code()};
        case 13:
            return pubcomp_msg{.msg_id = u16()};
        case 14:
            return pubrec_msg{.msg_id = u16()};
        case 15:
            return pubrel_msg{.msg_id = u16()};
        case 16:
            return topic_msg(subscribe_msg{.dup = coin(), .q = qos_without_minus_one()});
        case 17:
            return suback_msg{.q = qos_without_minus_one(),
                              .topic_id = u16(),
                              .msg_id = u16(),
                              .return_code = return_code()};
        case 18:
            return topic_msg(unsubscribe_msg{});
        case 19:
            return unsuback_msg{.msg_id = u16()};
        case 20: {
            pingreq_msg m;
            if (coin()) m.client_id = raw_text(length(0, 1));
            return m;
        }
        case 21:
            return pingresp_msg{};
        case 22: {
            disconnect_msg m;
            if (coin()) m.duration = u16();
            return m;
        }
        case 23:
            return willtopicupd_msg{.will = will()};
        case 24:
            return willtopicresp_msg{.return_code = return_code()};
        case 25:
            return willmsgupd_msg{.will_msg = octets(length(0))};
        case 26:
            return willmsgresp_msg{.return_code = return_code()};
        default: {
            // §5.5: any other message, encoded, behind a 1..252-octet node id.
            encapsulated_msg m{.radius = static_cast<std::uint8_t>(below(4)),
                               .wireless_node_id = octets(1 + (coin() ? below(8) : below(252)))};
            m.message = encode(any(below(std::variant_size_v<message> - 1))).value();
            return m;
        }
        }
    }

private:
    std::mt19937_64 rng_;
};

} // namespace

TEST_CASE("random valid v1.2 messages of every type survive encode then decode")
{
    const std::uint64_t seed = seed_from_env();
    MESSAGE("SNGW_SEED=" << seed);
    INFO("replay with SNGW_SEED=" << seed);
    gen g(seed);

    std::vector<int> per_type(std::variant_size_v<message>, 0);
    int short_form = 0;
    int long_form = 0;
    int at_255 = 0;
    int at_258 = 0;
    for (int i = 0; i < message_count; ++i) {
        const message m = g.any(static_cast<std::size_t>(i) % std::variant_size_v<message>);
        INFO("message #" << i << ": " << m);
        const auto wire = encode(m);
        REQUIRE(wire.has_value());
        REQUIRE(encoded_size(m) == wire->size());
        const auto back = decode(*wire);
        REQUIRE_MESSAGE(back.has_value(), "decode error: " << back.error().message());
        REQUIRE(*back == m);

        ++per_type[m.index()];
        if (!std::holds_alternative<encapsulated_msg>(m)) {
            const bool three_octet = std::to_integer<unsigned>((*wire)[0]) == 0x01;
            CHECK(three_octet == (wire->size() > 255)); // the shortest form, always
            ++(three_octet ? long_form : short_form);
            at_255 += wire->size() == 255 ? 1 : 0;
            at_258 += wire->size() == 258 ? 1 : 0;
        }
    }
    for (std::size_t t = 0; t < per_type.size(); ++t) {
        INFO("variant index " << t);
        CHECK(per_type[t] > 0);
    }
    MESSAGE("1-octet Length: " << short_form << ", 3-octet Length: " << long_form
                               << ", 255 octets: " << at_255 << ", 258 octets: " << at_258);
    CHECK(short_form > 0);
    CHECK(long_form > 0);
    CHECK(at_255 > 0);
    CHECK(at_258 > 0);
}

TEST_CASE("random valid v1.2 messages re-encode identically after a decode")
{
    // encode(decode(encode(m))) == encode(m): nothing is lost or reordered on the way back.
    gen g(seed_from_env() ^ 0x9e37'79b9'7f4a'7c15ULL);
    for (int i = 0; i < 2'000; ++i) {
        const message m = g.any(g.below(std::variant_size_v<message>));
        const auto wire = encode(m).value();
        INFO("message #" << i << ": " << m);
        REQUIRE(encode(decode(wire).value()).value() == wire);
        std::ostringstream os;
        os << m;
        CHECK_FALSE(os.str().empty());
        CHECK(to_json(m).front() == '{');
    }
}
