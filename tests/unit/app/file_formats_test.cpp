// SPDX-License-Identifier: MIT
// --predefined-topics and --credentials: pure text -> value + line-numbered errors.
#include <sngw/app/file_formats.hpp>

#include <doctest/doctest.h>

using namespace sngw::app;
using sngw::core::broker_credentials;
using sngw::core::predefined_topic;
using topics = std::vector<predefined_topic>;

TEST_CASE("predefined topics: ID,NAME lines with comments, blank lines, blanks and CRLF")
{
    const auto r = parse_predefined_topics("# predefined topics of site 1\n"
                                           "\n"
                                           "1,sensors/temperature\n"
                                           "  2 , sensors/humidity  \r\n"
                                           "   # indented comment\n"
                                           "65535,a/b c/ü\n"
                                           "\t\n"
                                           "10,last/line/without/newline");
    CHECK(r.ok());
    CHECK(r.value == topics{{1, "sensors/temperature"},
                            {2, "sensors/humidity"},
                            {65535, "a/b c/\xc3\xbc"},
                            {10, "last/line/without/newline"}});
}

TEST_CASE("predefined topics: a '#' after a blank starts a trailing comment")
{
    const auto r = parse_predefined_topics("1,sensors/temperature   # the outdoor probe\n"
                                           "2,b\t#tab\n"
                                           "3, # no name\n");
    CHECK(r.value == topics{{1, "sensors/temperature"}, {2, "b"}});
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0] == line_error{3, "empty topic name"});
}

TEST_CASE("predefined topics: an empty file gives no topics and no errors")
{
    CHECK(parse_predefined_topics("").ok());
    CHECK(parse_predefined_topics("").value.empty());
    CHECK(parse_predefined_topics("\n# only a comment\n").value.empty());
}

TEST_CASE("predefined topics: each bad line is one error with its line number, good lines are kept")
{
    const auto r = parse_predefined_topics("1,ok\n"              // 1
                                           "no comma\n"          // 2
                                           "0,zero\n"            // 3
                                           "65536,too big\n"     // 4
                                           "x1,letters\n"        // 5
                                           ",empty id\n"         // 6
                                           "-1,negative\n"       // 7
                                           "3,\n"                // 8
                                           "4,a/+/b\n"           // 9
                                           "5,a/#\n"             // 10
                                           "1,again\n"           // 11
                                           "6,ok\n"              // 12
                                           "7,ok\n"              // 13
                                           "8,bad \xff utf8\n"); // 14
    CHECK(r.value == topics{{1, "ok"}});
    REQUIRE(r.errors.size() == 13);
    CHECK(r.errors[0] == line_error{2, "expected ID,NAME"});
    CHECK(r.errors[1] == line_error{3, "topic id '0' is not a number 1..65535"});
    CHECK(r.errors[2] == line_error{4, "topic id '65536' is not a number 1..65535"});
    CHECK(r.errors[3] == line_error{5, "topic id 'x1' is not a number 1..65535"});
    CHECK(r.errors[4] == line_error{6, "topic id '' is not a number 1..65535"});
    CHECK(r.errors[5] == line_error{7, "topic id '-1' is not a number 1..65535"});
    CHECK(r.errors[6] == line_error{8, "empty topic name"});
    CHECK(r.errors[7] == line_error{9, "topic name 'a/+/b' contains a wildcard (+ or #)"});
    CHECK(r.errors[8] == line_error{10, "topic name 'a/#' contains a wildcard (+ or #)"});
    CHECK(r.errors[9] == line_error{11, "topic id 1 already defined on line 1"});
    CHECK(r.errors[10] == line_error{12, "topic name 'ok' already defined on line 1"});
    CHECK(r.errors[11] == line_error{13, "topic name 'ok' already defined on line 1"});
    CHECK(r.errors[12] ==
          line_error{14, "topic name is not a valid MQTT topic (UTF-8, at most 65535 octets)"});
}

TEST_CASE("predefined topics: a NUL, an overlong UTF-8 form or a surrogate is not a topic name")
{
    using namespace std::string_literals;
    for (const auto& name : {"a\0b"s, "\xc0\xaf"s, "\xed\xa0\x80"s, "\xe2\x82"s, "\xf4\x90\x80\x80"s}) {
        const auto r = parse_predefined_topics("1," + name + "\n");
        CAPTURE(name);
        CHECK(r.errors.size() == 1);
    }
    CHECK(parse_predefined_topics("1,\xf0\x9f\x8c\xa1/\xe2\x82\xac\n").ok()); // 4- and 3-octet forms
}

TEST_CASE("credentials: CLIENT_ID,USER,PASSWORD with the password the rest of the line")
{
    const auto r = parse_credentials("# client id, user, password\n"
                                     "c1,alice,s3cret\n"
                                     " c2 , bob ,pass, with commas and  blanks \r\n"
                                     "c3,carol\n"
                                     "c4,,only-password\n"
                                     "c5,dave,\n"
                                     "c6,eve,pa#ss # not a comment\n");
    CHECK(r.ok());
    REQUIRE(r.value.size() == 6);
    CHECK(r.value.at("c6") == broker_credentials{"eve", "pa#ss # not a comment"});
    CHECK(r.value.at("c1") == broker_credentials{"alice", "s3cret"});
    CHECK(r.value.at("c2") == broker_credentials{"bob", "pass, with commas and  blanks "});
    CHECK(r.value.at("c3") == broker_credentials{"carol", std::nullopt});
    CHECK(r.value.at("c4") == broker_credentials{std::nullopt, "only-password"});
    CHECK(r.value.at("c5") == broker_credentials{"dave", std::nullopt});
}

TEST_CASE("credentials: a line without a comma, an empty client id or a repeated client id is an error")
{
    const auto r = parse_credentials("c1,a,b\n"
                                     "just-an-id\n"
                                     " ,user,pw\n"
                                     "c1,other,pw\n");
    REQUIRE(r.errors.size() == 3);
    CHECK(r.errors[0] == line_error{2, "expected CLIENT_ID,USER,PASSWORD"});
    CHECK(r.errors[1] == line_error{3, "empty client id"});
    CHECK(r.errors[2] == line_error{4, "client id 'c1' already defined on line 1"});
    CHECK(r.value.size() == 1);
}
