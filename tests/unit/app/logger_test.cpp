// SPDX-License-Identifier: MIT
// Log lines: `LEVEL message`, journald priorities, colour only on a TTY, one line whatever the input.
#include <sngw/app/logger.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sngw::app;

TEST_CASE("a plain log line is the level word and the message")
{
    CHECK(logger::format(log_level::info, "client c1 [192.168.1.7:5000] connected", logger::style::plain) ==
          "INFO client c1 [192.168.1.7:5000] connected\n");
    CHECK(logger::format(log_level::error, "x", logger::style::plain) == "ERROR x\n");
    CHECK(logger::format(log_level::warn, "x", logger::style::plain) == "WARN x\n");
    CHECK(logger::format(log_level::debug, "x", logger::style::plain) == "DEBUG x\n");
}

TEST_CASE("under journald the line starts with the syslog priority instead of the level word")
{
    CHECK(logger::format(log_level::error, "x", logger::style::journal) == "<3>x\n");
    CHECK(logger::format(log_level::warn, "x", logger::style::journal) == "<4>x\n");
    CHECK(logger::format(log_level::info, "x", logger::style::journal) == "<6>x\n");
    CHECK(logger::format(log_level::debug, "x", logger::style::journal) == "<7>x\n");
}

TEST_CASE("on a terminal only the level word is coloured")
{
    CHECK(logger::format(log_level::error, "x", logger::style::colour) == "\x1b[1;31mERROR\x1b[0m x\n");
}

TEST_CASE("a message stays one line: control characters are escaped, UTF-8 is kept")
{
    CHECK(logger::format(log_level::info, "a\nb\x1b[31m\xc3\xbc", logger::style::plain) ==
          "INFO a\\x0ab\\x1b[31m\xc3\xbc\n");
}

TEST_CASE("text from the network is printable ASCII in the log")
{
    CHECK(printable("c1") == "c1");
    CHECK(printable("a\\x0a\xff\n") == "a\\x5cx0a\\xff\\x0a");
}

TEST_CASE("lines below the threshold are not written")
{
    std::vector<std::string> lines;
    logger log(log_level::warn, logger::style::plain, [&](std::string_view l) { lines.emplace_back(l); });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    CHECK(lines == std::vector<std::string>{"WARN w\n", "ERROR e\n"});
    CHECK_FALSE(log.enabled(log_level::info));
    log.set_threshold(log_level::debug);
    log.debug("d");
    CHECK(lines.back() == "DEBUG d\n");
}
