// SPDX-License-Identifier: MIT
// The core's internal topic tables (gateway/core/src/topic_registry.hpp): the predefined topics
// (MQTT-SN v1.2 §6.7) hashed once for every client, and one sensor's normal ids (§6.5).
#include "topic_registry.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace core = sngw::core;
namespace detail = sngw::core::detail;
namespace v12 = sngw::sn::v1_2;

TEST_CASE("the predefined table finds names by id and ids by name")
{
    const std::vector<core::predefined_topic> list{{1, "a/b"}, {0x1234, "plant/line-1/state"}, {65535, "z"}};
    const detail::predefined_table t(list);
    CHECK(t.size() == 3);
    REQUIRE(t.name(0x1234));
    CHECK(*t.name(0x1234) == "plant/line-1/state");
    CHECK(t.id("z") == 65535);
    CHECK(t.id("a/b") == 1);
    CHECK_FALSE(t.name(2));
    CHECK_FALSE(t.id("a/c"));
}

TEST_CASE("the predefined table ignores id 0 and keeps the first entry of a repeated id or name")
{
    const std::vector<core::predefined_topic> list{{0, "zero"}, {5, "first"}, {5, "second"}, {6, "first"}};
    const detail::predefined_table t(list);
    CHECK_FALSE(t.name(0)); // §5.3.11: 0x0000 is reserved
    CHECK_FALSE(t.id("zero"));
    CHECK(*t.name(5) == "first");
    CHECK(*t.name(6) == "first");
    CHECK(t.id("first") == 5);
    CHECK_FALSE(t.id("second"));
}

TEST_CASE("a topic registry resolves predefined ids from the shared table and skips them for normal ids")
{
    const std::vector<core::predefined_topic> list{{1, "pre/one"}, {2, "pre/two"}};
    const detail::predefined_table t(list);
    detail::topic_registry r(t, 10);
    const auto a = r.register_name("a");
    CHECK(a.status == detail::topic_registry::outcome::ok);
    CHECK(a.id == 3); // 1 and 2 are predefined
    CHECK(r.resolve(v12::topic_id_type::predefined, 2) == "pre/two");
    CHECK(r.resolve(v12::topic_id_type::normal, 3) == "a");
    CHECK_FALSE(r.resolve(v12::topic_id_type::normal, 1));
    CHECK(r.predefined_id("pre/one") == 1);
}

TEST_CASE("forget_announcements makes every normal id unannounced and keeps the ids")
{
    const std::vector<core::predefined_topic> none;
    const detail::predefined_table t(none);
    detail::topic_registry r(t, 10);
    const auto a = r.register_name("a").id;
    const auto b = r.register_name("b").id;
    r.set_announced(a, true);
    r.set_announced(b, true);
    r.forget_announcements();
    CHECK_FALSE(r.announced(a));
    CHECK_FALSE(r.announced(b));
    CHECK(r.find("a") == a);
    CHECK(r.register_name("b").id == b);
}
