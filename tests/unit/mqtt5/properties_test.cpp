// SPDX-License-Identifier: MIT
// The property table of §2.2.2.2 and the reason code table of §2.4.
#include "test_print.hpp"

#include <sngw/mqtt5/properties.hpp>
#include <sngw/mqtt5/reason_code.hpp>

#include <doctest/doctest.h>

#include <set>

using namespace sngw::mqtt5;

TEST_CASE("the property table has the 27 identifiers of MQTT 5.0, in order")
{
    const auto rows = all_properties();
    CHECK(rows.size() == 27);
    std::set<std::uint8_t> ids;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        ids.insert(static_cast<std::uint8_t>(rows[i].id));
        CHECK(find_property(static_cast<std::uint8_t>(rows[i].id)) == &rows[i]);
        CHECK_FALSE(rows[i].name.empty());
        if (i > 0) CHECK(rows[i - 1].id < rows[i].id);
    }
    CHECK(ids == std::set<std::uint8_t>{0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13,
                                        0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1C, 0x1F, 0x21,
                                        0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A});
    CHECK(find_property(0x00) == nullptr);
    CHECK(find_property(0x04) == nullptr);
    CHECK(find_property(0x2B) == nullptr);
}

TEST_CASE("properties are allowed only where §2.2.2.2 puts them")
{
    CHECK(property_allowed(property_id::topic_alias, property_scope::publish));
    CHECK_FALSE(property_allowed(property_id::topic_alias, property_scope::will));
    CHECK_FALSE(property_allowed(property_id::topic_alias, property_scope::connect));
    CHECK(property_allowed(property_id::will_delay_interval, property_scope::will));
    CHECK_FALSE(property_allowed(property_id::will_delay_interval, property_scope::connect));
    CHECK(property_allowed(property_id::payload_format_indicator, property_scope::will));
    CHECK(property_allowed(property_id::subscription_identifier, property_scope::subscribe));
    CHECK_FALSE(property_allowed(property_id::subscription_identifier, property_scope::will));
    CHECK(property_allowed(property_id::server_reference, property_scope::disconnect));
    CHECK_FALSE(property_allowed(property_id::server_reference, property_scope::auth));
    CHECK(property_allowed(property_id::session_expiry_interval, property_scope::disconnect));
    CHECK(property_allowed(property_id::reason_string, property_scope::auth));
    CHECK_FALSE(property_allowed(property_id::reason_string, property_scope::connect));
    CHECK_FALSE(property_allowed(property_id::reason_string, property_scope::publish));
    // PINGREQ and PINGRESP have no properties at all; User Property goes everywhere else.
    for (const auto& row : all_properties()) {
        CHECK_FALSE(property_allowed(row.id, property_scope::pingreq));
        CHECK_FALSE(property_allowed(row.id, property_scope::pingresp));
    }
    for (int s = 1; s <= 16; ++s) {
        const auto scope = static_cast<property_scope>(s);
        if (scope != property_scope::pingreq && scope != property_scope::pingresp)
            CHECK(property_allowed(property_id::user_property, scope));
    }
}

TEST_CASE("an empty property set is empty, any set property is not")
{
    properties p;
    CHECK(p.empty());
    p.subscription_identifiers.push_back(1);
    CHECK_FALSE(p.empty());
    CHECK(p.has(property_id::subscription_identifier));
    CHECK_FALSE(p.has(property_id::topic_alias));
}

TEST_CASE("reason codes allowed per packet follow §2.4")
{
    auto count = [](packet_type t) {
        int n = 0;
        for (unsigned v = 0; v < 256; ++v)
            n += reason_code_allowed(t, static_cast<reason_code>(v)) ? 1 : 0;
        return n;
    };
    CHECK(count(packet_type::connack) == 22);
    CHECK(count(packet_type::puback) == 9);
    CHECK(count(packet_type::pubrec) == 9);
    CHECK(count(packet_type::pubrel) == 2);
    CHECK(count(packet_type::pubcomp) == 2);
    CHECK(count(packet_type::suback) == 12);
    CHECK(count(packet_type::unsuback) == 7);
    CHECK(count(packet_type::disconnect) == 29);
    CHECK(count(packet_type::auth) == 3);
    CHECK(count(packet_type::publish) == 0);
    CHECK(reason_code_allowed(packet_type::disconnect, reason_code::disconnect_with_will_message));
    CHECK_FALSE(reason_code_allowed(packet_type::connack, reason_code::server_shutting_down));
    CHECK(reason_code_allowed(packet_type::suback, reason_code::granted_qos_2));
}

TEST_CASE("every defined reason code has its spec name")
{
    CHECK(to_string(reason_code::success) == "Success");
    CHECK(to_string(reason_code::normal_disconnection) == "Success"); // same value 0x00
    CHECK(to_string(reason_code::not_authorized) == "Not authorized");
    CHECK(to_string(reason_code::wildcard_subscriptions_not_supported) ==
          "Wildcard Subscriptions not supported");
    CHECK(to_string(static_cast<reason_code>(0x05)) == "Unknown");
    int named = 0;
    for (unsigned v = 0; v < 256; ++v)
        named += to_string(static_cast<reason_code>(v)) != "Unknown" ? 1 : 0;
    CHECK(named == 43);
    CHECK(is_error(reason_code::unspecified_error));
    CHECK_FALSE(is_error(reason_code::no_matching_subscribers));
}
