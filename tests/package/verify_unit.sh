#!/bin/bash
# SPDX-License-Identifier: MIT
# The systemd unit passes `systemd-analyze verify` without a single message (it exits 0 even for an
# unknown key, so any output fails the test). ExecStart's /usr/bin/sngw is pointed at the build
# tree's sngw, since verify checks that the command exists.
# usage: verify_unit.sh UNIT SNGW_BINARY
set -euo pipefail
unit=$1 sngw=$2
if ! command -v systemd-analyze >/dev/null; then
    echo "SKIP: systemd-analyze not installed (apt-get install systemd)"
    exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/bin/sngw|$sngw|" "$unit" > "$dir/sngw.service"
grep -q "^ExecStart=$sngw -c /etc/sngw/sngw.conf\$" "$dir/sngw.service"
status=0
out=$(systemd-analyze verify "$dir/sngw.service" 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$out" ]; then
    echo "systemd-analyze verify (exit $status):"
    echo "$out"
    exit 1
fi
# The settings this unit is about, present and spelled as systemd reads them.
# shellcheck disable=SC2016 # $MAINPID is systemd's, not the shell's
for key in Type=notify User=sngw Group=sngw SupplementaryGroups=dialout RuntimeDirectory=sngw \
           Restart=on-failure LimitNOFILE=65536 ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
           NoNewPrivileges=yes DevicePolicy=closed CapabilityBoundingSet= \
           'DeviceAllow=char-ttyUSB rw' 'DeviceAllow=char-ttyACM rw' 'DeviceAllow=char-ttyAMA rw' \
           'DeviceAllow=char-ttyS rw' "ExecReload=/bin/sh -c 'kill -HUP \"\$\$MAINPID\"'" \
           'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK' WantedBy=multi-user.target; do
    grep -qxF "$key" "$unit" || { echo "missing in $unit: $key"; exit 1; }
done
echo "systemd-analyze verify: no message"
