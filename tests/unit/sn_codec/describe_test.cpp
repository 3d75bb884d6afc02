// SPDX-License-Identifier: MIT
// The text and JSON field sinks behind operator<<, to_json and sngw-decode.
#include <sngw/sn/describe.hpp>

#include "support/hex.hpp"

#include <doctest/doctest.h>

using namespace sngw;

namespace {

void walk(sn::field_sink& s)
{
    const auto data = test::hex("68 69 00");
    s.type("PUBLISH");
    s.flag("dup", false);
    s.number("topic_id", 1);
    s.code("return_code", 0x02, "rejected: invalid topic id");
    s.text("topic_name", "a\"b\n");
    s.octets("data", data);
}

} // namespace

TEST_CASE("the text sink writes one printable line with the type first")
{
    sn::text_sink s;
    walk(s);
    CHECK(s.str() == R"(PUBLISH{dup:0,topic_id:1,return_code:0x02 (rejected: invalid topic id),topic_name:"a\"b\x0a",data:686900 (3 octets)})");
}

TEST_CASE("the JSON sink writes one object with a type key, codes with their meaning, octets as hex")
{
    sn::json_sink s;
    walk(s);
    CHECK(s.str() == R"({"type":"PUBLISH","dup":false,"topic_id":1,"return_code":2,"return_code_text":"rejected: invalid topic id","topic_name":"a\"b\n","data":"686900"})");
}

TEST_CASE("JSON strings escape control characters and non-ASCII octets so the output stays valid JSON")
{
    CHECK(sn::json_quote(std::string_view("\x01\xff", 2)) == R"("\u0001\u00ff")");
    CHECK(sn::json_quote("tab\there") == R"("tab\there")");
}

TEST_CASE("JSON strings keep well-formed UTF-8 as it is")
{
    CHECK(sn::json_quote("\xc3\xa9t\xc3\xa9") == "\"\xc3\xa9t\xc3\xa9\"");   // "été"
    // One invalid octet: every non-ASCII octet of the string is escaped.
    CHECK(sn::json_quote("\xc3\xa9\xff") == R"("\u00c3\u00a9\u00ff")");
}

TEST_CASE("codes above one octet print in decimal")
{
    sn::text_sink s;
    s.type("X");
    s.code("duration", 300, "");
    CHECK(s.str() == "X{duration:300}");
}

TEST_CASE("JSON strings keep well-formed UTF-8 as it is")
{
    CHECK(sn::json_quote("\xc3\xa9t\xc3\xa9") == "\"\xc3\xa9t\xc3\xa9\"");   // "été"
    // One invalid octet: every non-ASCII octet of the string is escaped.
    CHECK(sn::json_quote("\xc3\xa9\xff") == R"("\u00c3\u00a9\u00ff")");
}
