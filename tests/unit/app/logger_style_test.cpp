// SPDX-License-Identifier: MIT
// Which style the daemon's log takes (issue #8 item 3): the journal's priority prefixes only when
// stderr is the stream $JOURNAL_STREAM names, colour only on a terminal.
#include <sngw/app/logger.hpp>

#include "support/pty_pair.hpp"
#include "support/scoped_env.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

using namespace sngw::app;

namespace {

using sngw::test::scoped_env;

std::string stream_id(int fd)
{
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    return std::to_string(static_cast<unsigned long long>(st.st_dev)) + ':' +
           std::to_string(static_cast<unsigned long long>(st.st_ino));
}

/// A file standing in for the journal's stream (journald hands the service a socket; only the
/// device and inode numbers matter).
struct stream_file {
    sngw::test::temp_dir dir{"sngw-logger"};
    int fd = ::open((dir / "stream").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    stream_file() { REQUIRE(fd >= 0); }
    stream_file(const stream_file&) = delete;
    stream_file& operator=(const stream_file&) = delete;
    ~stream_file() { ::close(fd); }
};

} // namespace

TEST_CASE("stderr that is the stream JOURNAL_STREAM names gets journald priority prefixes")
{
    stream_file journal;
    const auto id = stream_id(journal.fd);
    scoped_env env("JOURNAL_STREAM", id.c_str());
    CHECK(logger::detect_style(journal.fd) == logger::style::journal);
}

TEST_CASE("JOURNAL_STREAM inherited by a process whose stderr goes elsewhere gives plain lines")
{
    stream_file journal;
    stream_file elsewhere;
    const auto id = stream_id(journal.fd);
    scoped_env env("JOURNAL_STREAM", id.c_str());
    CHECK(logger::detect_style(elsewhere.fd) == logger::style::plain);
    scoped_env junk("JOURNAL_STREAM", "not-a-stream");
    CHECK(logger::detect_style(journal.fd) == logger::style::plain);
}

TEST_CASE("a file or a pipe gets plain lines, never colour")
{
    scoped_env env("JOURNAL_STREAM", nullptr);
    scoped_env term("TERM", "xterm-256color");
    stream_file file;
    CHECK(logger::detect_style(file.fd) == logger::style::plain);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    CHECK(logger::detect_style(fds[1]) == logger::style::plain);
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_CASE("a terminal gets colour unless TERM is dumb or NO_COLOR is set")
{
    scoped_env env("JOURNAL_STREAM", nullptr);
    scoped_env no_colour("NO_COLOR", nullptr);
    sngw::test::pty_pair pty;
    const int tty = ::open(pty.slave_path().c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(tty >= 0);
    {
        scoped_env term("TERM", "xterm-256color");
        CHECK(logger::detect_style(tty) == logger::style::colour);
        scoped_env off("NO_COLOR", "1");
        CHECK(logger::detect_style(tty) == logger::style::plain);
    }
    {
        scoped_env term("TERM", "dumb");
        CHECK(logger::detect_style(tty) == logger::style::plain);
    }
    ::close(tty);
}

TEST_CASE("the level can change while running and each style keeps one line per event")
{
    std::string out;
    logger log(log_level::info, logger::style::journal, [&](std::string_view l) { out += l; });
    log.debug("hidden");
    log.set_threshold(log_level::debug); // SIGHUP with --log-level debug
    CHECK(log.threshold() == log_level::debug);
    log.debug("shown");
    log.warn("two\nlines");
    CHECK(out == "<7>shown\n<4>two\\x0alines\n");
    CHECK(log.line_style() == logger::style::journal);
}
