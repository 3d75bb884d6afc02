// SPDX-License-Identifier: MIT
// sngw: the MQTT-SN gateway daemon (design §6). Exit status: 0 after a clean shutdown (or --help,
// --version), 1 when it cannot start (bind, TLS files), 2 for a bad configuration.
#include <sngw/app/config_parse.hpp>
#include <sngw/app/logger.hpp>
#include <sngw/app/runner.hpp>
#include <sngw/app/sd_notify.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

int main(int argc, char** argv)
{
    using namespace sngw::app;
    parse_result parsed;
    try {
        parsed = parse_arguments(argc, argv);
    } catch (const config_error& e) {
        std::cerr << "sngw: " << e.what() << "\nTry 'sngw --help' for the options and their defaults.\n";
        return 2;
    }
    if (parsed.what != parse_result::action::run) {
        std::cout << parsed.text;
        return 0;
    }

    logger log(parsed.config.level);
    log.info("sngw " + std::string(version()) + " starting" +
             (parsed.config.config_file.empty() ? std::string{} : " with " + parsed.config.config_file));
    try {
        const auto [before, after] = raise_open_file_limit();
        if (after < parsed.config.core.max_clients + 64)
            log.warn("open files limit " + std::to_string(after) + " is below --max-clients " +
                     std::to_string(parsed.config.core.max_clients) +
                     ": each connected sensor needs one (raise it with ulimit -n or LimitNOFILE=)");
        else if (after != before)
            log.debug("open files limit raised from " + std::to_string(before) + " to " +
                      std::to_string(after));

        boost::asio::io_context io(1);
        runner_options options;
        options.default_control_socket = true; // sngwctl finds it without --control (design §6)
        // Under systemd (Type=notify): READY=1 / RELOADING=1 / STOPPING=1 / WATCHDOG=1 (sd_notify(3)).
        const auto notifier = sd_notifier::from_environment();
        if (notifier.enabled()) {
            options.notify = [&notifier, &log, failed = false](std::string_view state) mutable {
                const auto ec = notifier.notify(state);
                if (ec && !failed) // once: systemd gone or the socket full will not get better
                    log.warn("cannot notify systemd at " + notifier.socket() + ": " + ec.message());
                failed = failed || ec;
            };
            options.watchdog = watchdog_interval_from_environment();
        }
        // SIGHUP: the same command line again, so -c FILE, --predefined-topics and --credentials are
        // read again from where they were (argv lives as long as main).
        options.reload_config = [argc, argv] { return parse_arguments(argc, argv).config; };
        runner r(io, std::move(parsed.config), log, std::move(options));
        if (!r.open()) return 1;
        r.start();
        // Handler by handler, so that a finished shutdown ends the process at once: a broker name
        // lookup in flight (getaddrinfo in Asio's resolver thread, not interruptible) would hold
        // run() and the io_context's destructor for as long as the resolver takes, past the 5 s
        // the shutdown promises (design §3).
        while (!r.finished() && io.run_one() != 0) {
        }
        if (r.finished()) {
            std::cout.flush();
            std::cerr.flush();
            std::fflush(nullptr);
            std::_Exit(0);
        }
        return 0;
    } catch (const std::exception& e) {
        // Only startup and programmer errors throw (house-style §3); say what it was.
        log.error(std::string("fatal: ") + e.what());
        return 1;
    }
}
