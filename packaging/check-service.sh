#!/bin/bash
# SPDX-License-Identifier: MIT
# `make check-service`: installs the Debian package into a minimal Debian 12 system whose PID 1 is a
# real systemd (systemd-nspawn container, no network of its own) and checks what a user does with it:
# dpkg -i starts the service (Type=notify: active only after READY=1), sngwctl answers on
# /run/sngw/sngw.sock, an MQTT-SN v1.2 and a v2.0 sensor get CONNACK, systemctl reload (SIGHUP),
# restart and stop work, dpkg --purge removes it. Needs root; downloads the root file system once
# (debootstrap, ~250 MB from the Debian mirror) into ROOTFS.
#
# usage: packaging/check-service.sh DEB [ROOTFS]
set -euo pipefail

deb=$(realpath "$1")
rootfs=$(realpath -m "${2:-build-container/bookworm}")
[ "$(id -u)" = 0 ] || { echo "check-service: needs root (systemd-nspawn)" >&2; exit 1; }
command -v systemd-nspawn >/dev/null && command -v debootstrap >/dev/null || {
    echo "check-service: needs systemd-container and debootstrap" >&2; exit 1; }

if [ ! -x "$rootfs/lib/systemd/systemd" ]; then
    echo "check-service: debootstrap bookworm into $rootfs"
    rm -rf "$rootfs"
    mkdir -p "$(dirname "$rootfs")"
    # What the package depends on (Depends of the .deb), plus a broker and socat for the checks.
    debootstrap --variant=minbase \
        --include=systemd,systemd-sysv,dbus,adduser,libboost-program-options1.81.0,libssl3,mosquitto,socat \
        bookworm "$rootfs" http://deb.debian.org/debian >"$rootfs.log" 2>&1 ||
        { tail -20 "$rootfs.log"; exit 1; }
fi

log=$(mktemp)
systemd-nspawn -D "$rootfs" --register=no --keep-unit --private-network -b --console=passive >"$log" 2>&1 &
nspawn=$!
init=""
cleanup() {
    [ -n "$init" ] && nsenter -t "$init" -a systemctl poweroff >/dev/null 2>&1 || true
    for _ in $(seq 50); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.2; done
    kill "$nspawn" 2>/dev/null || true
    wait "$nspawn" 2>/dev/null || true
    rm -f "$log"
}
trap cleanup EXIT

fail() { echo "check-service: FAILED: $*" >&2; [ -n "$init" ] && inside journalctl -u sngw --no-pager | tail -20 >&2; exit 1; }
inside() { timeout 30 nsenter -t "$init" -a "$@"; }

# The container's PID 1 (systemd), then wait until it has booted (bounded).
for _ in $(seq 100); do
    init=$(pgrep -P "$nspawn" | head -1 || true)
    [ -n "$init" ] && [ "$(cat "/proc/$init/comm" 2>/dev/null)" = systemd ] && break
    init=""
    sleep 0.2
done
[ -n "$init" ] || { cat "$log"; fail "the container did not start"; }
for _ in $(seq 120); do
    state=$(inside systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break ;; esac
    sleep 0.5
done
echo "check-service: container booted ($state), systemd $(inside systemctl --version | head -1 | cut -d' ' -f2)"
inside systemctl is-active --quiet mosquitto || fail "mosquitto is not running in the container"

cp "$deb" "$rootfs/root/sngw.deb"
inside dpkg -i /root/sngw.deb >/dev/null || fail "dpkg -i"
inside systemctl is-active --quiet sngw || fail "sngw is not active after dpkg -i"
status=$(inside systemctl show -p StatusText --value sngw)
echo "check-service: dpkg -i: sngw active, status \"$status\""
case "$status" in listening*) ;; *) fail "no READY status text" ;; esac
inside test -S /run/sngw/sngw.sock || fail "no control socket /run/sngw/sngw.sock"
inside sngwctl status >/dev/null || fail "sngwctl status"

# MQTT-SN v1.2 CONNECT (§5.4.4, Duration 60, ClientId "svc12") -> CONNACK accepted `03 05 00`;
# v2.0 CONNECT (CSD01 §3.1, Packet Id 1, Keep Alive 60, ClientId "svc20") -> CONNACK `05 02 00 00 01 00`.
connack12=$(inside sh -c 'printf "\013\004\004\001\000\074svc12" | socat -t3 - UDP:127.0.0.1:1883 | od -An -tx1' | xargs)
[ "$connack12" = "03 05 00" ] || fail "v1.2 CONNACK: '$connack12'"
connack20=$(inside sh -c 'printf "\017\001\000\000\001\002\000\074\000\000svc20" | socat -t3 - UDP:127.0.0.1:1883 | od -An -tx1' | xargs)
[ "$connack20" = "06 02 00 00 01 00" ] || fail "v2.0 CONNACK: '$connack20'"
echo "check-service: a v1.2 and a v2.0 sensor connected ($connack12 / $connack20)"

inside systemctl reload sngw || fail "systemctl reload"
# journald writes asynchronously; the whole journal is read (grep -q under pipefail would cut the
# pipe and fail the pipeline).
reloaded=""
for _ in $(seq 20); do
    reloaded=$(inside journalctl -u sngw --no-pager -o cat | grep -c "reload done" || true)
    [ "${reloaded:-0}" -ge 1 ] && break
    sleep 0.25
done
[ "${reloaded:-0}" -ge 1 ] || fail "no 'reload done' after systemctl reload"
inside systemctl restart sngw || fail "systemctl restart"
inside systemctl is-active --quiet sngw || fail "not active after restart"
inside systemctl stop sngw || fail "systemctl stop"
inside systemctl is-active --quiet sngw && fail "still active after stop"
result=$(inside systemctl show -p Result --value sngw)
[ "$result" = success ] || fail "stop result '$result'"
echo "check-service: reload, restart, stop: ok"

inside dpkg --purge sngw >/dev/null || fail "dpkg --purge"
inside test -e /etc/sngw/sngw.conf && fail "/etc/sngw/sngw.conf left after purge"
inside systemctl cat sngw >/dev/null 2>&1 && fail "the unit is still known after purge"
echo "check-service: purge: ok"
echo "check-service: PASSED"
