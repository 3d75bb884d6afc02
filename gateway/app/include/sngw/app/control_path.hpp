// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace sngw::app {

/// What decides where the control socket lives (design §6), gathered so the rule is a pure function.
struct control_path_inputs {
    std::string configured{};        // --control PATH ("" when not given)
    std::string runtime_directory{}; // $RUNTIME_DIRECTORY (systemd's RuntimeDirectory=sngw: /run/sngw)
    bool run_dir_usable = false;     // /run/sngw exists (or the daemon could create it)
    std::string temp_dir{};          // $TMPDIR ("" when unset)
};

/// The rule sngw and sngwctl share: --control PATH, else $RUNTIME_DIRECTORY/sngw.sock, else
/// /run/sngw/sngw.sock when /run/sngw is usable, else $TMPDIR/sngw.sock, else /tmp/sngw.sock.
/// systemd may pass several directories separated by ':' in RUNTIME_DIRECTORY: the first is used.
std::string choose_control_path(const control_path_inputs& in);

/// The daemon's path: the rule above with the environment, creating /run/sngw (mode 0755) when it does
/// not exist and can be created (root without systemd).
std::string daemon_control_path(const std::string& configured);

/// sngwctl's path: the same rule, creating nothing (/run/sngw counts when it exists).
std::string client_control_path(const std::string& configured);

} // namespace sngw::app
