#!/bin/bash
# SPDX-License-Identifier: MIT
# The package's maintainer scripts on a normal system (DPKG_ROOT unset), with every command that
# would change the system replaced by a stub that only records its arguments: the user is made by
# adduser as Debian does, the unit enabled and (re)started through deb-systemd-helper /
# deb-systemd-invoke, stopped on remove, forgotten on purge. (install_root_test.sh runs the same
# scripts for real, into a throw-away root.) Nothing is changed on this machine.
# usage: maintainer_scripts_test.sh DEB_DIR
set -euo pipefail
deb=$(ls "$1"/sngw_*.deb)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; echo "--- calls:"; cat "$work/calls"; exit 1; }

dpkg-deb -e "$deb" "$work/control"
mkdir "$work/bin"
for cmd in adduser addgroup useradd groupadd usermod deluser chown chmod systemctl \
           deb-systemd-helper deb-systemd-invoke; do
    printf '#!/bin/sh\necho "%s $*" >> "%s/calls"\nexit 0\n' "$cmd" "$work" > "$work/bin/$cmd"
done
# getent and id answer as on a system where group dialout exists and sngw is not yet in it.
printf '#!/bin/sh\necho "dialout:x:20:"\n' > "$work/bin/getent"
# shellcheck disable=SC2016 # expanded by the stub
printf '#!/bin/sh\necho "${SNGW_TEST_GROUPS:-sngw}"\n' > "$work/bin/id"
chmod +x "$work/bin/"*

run() { # SCRIPT ARGS...: the script with only the stubs and harmless tools in reach
    : > "$work/calls"
    env -i PATH="$work/bin:/usr/bin:/bin" SNGW_TEST_GROUPS="${groups:-sngw}" \
        sh "$work/control/$1" "${@:2}" || fail "$1 $* exited $?"
}
has() { grep -qxF "$1" "$work/calls" || fail "no call: $1"; }
hasnt() { ! grep -qF "$1" "$work/calls" || fail "unexpected call: $1"; }

systemd_running=no
[ -d /run/systemd/system ] && systemd_running=yes

run postinst configure ""
has "adduser --system --group --home /nonexistent --no-create-home --quiet --gecos sngw MQTT-SN gateway sngw"
has "adduser --quiet sngw dialout"
has "deb-systemd-helper unmask sngw.service"
has "deb-systemd-helper --quiet was-enabled sngw.service"
has "deb-systemd-helper enable sngw.service"
hasnt useradd
if [ $systemd_running = yes ]; then has "deb-systemd-invoke start sngw.service"; else hasnt deb-systemd-invoke; fi
echo "first install: adduser --system --group, dialout, unit enabled (started when systemd runs: $systemd_running)"

groups="sngw dialout" run postinst configure 0.1.0
[ "$(grep -c '^adduser' "$work/calls")" = 1 ] || fail "upgrade: adduser besides the idempotent --system call"
hasnt chown
if [ $systemd_running = yes ]; then has "deb-systemd-invoke restart sngw.service"; fi
echo "upgrade: no second dialout membership, conffile owner untouched"

run prerm upgrade 0.2.0
hasnt deb-systemd-invoke
run prerm remove
if [ $systemd_running = yes ]; then has "deb-systemd-invoke stop sngw.service"; fi
run postrm remove
has "deb-systemd-helper mask sngw.service"
run postrm purge
has "deb-systemd-helper purge sngw.service"
has "deb-systemd-helper unmask sngw.service"
hasnt deluser
echo "remove: stopped and masked; purge: forgotten, the user kept"
