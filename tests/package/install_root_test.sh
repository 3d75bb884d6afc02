#!/bin/bash
# SPDX-License-Identifier: MIT
# The package installed into a throw-away root, without a container: `dpkg --root=DIR
# --force-script-chrootless` unpacks it there and runs its maintainer scripts on the host with
# DPKG_ROOT=DIR, so they change files under DIR only (the user via shadow's --prefix, the enable
# symlink via deb-systemd-helper) and start nothing. Checked: the binaries, the unit, the
# conffile (listed as one, group sngw, mode 0640), the system user in DIR/etc/passwd and in group
# dialout, the unit enabled; a reinstall (an upgrade) keeps an edited conffile and does not add
# the user twice; purge removes the conffile and the enable symlink and keeps the user (as Debian
# does). Nothing outside DIR is touched: no real user, no systemctl.
# usage: install_root_test.sh DEB_DIR
set -euo pipefail
deb=$(ls "$1"/sngw_*.deb)
for tool in dpkg useradd groupadd usermod deb-systemd-helper; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool not installed"
        exit 77
    fi
done
if [ "$(id -u)" != 0 ]; then
    # dpkg --root and shadow's --prefix write files with owners and modes only root can set.
    echo "SKIP: installing into a throw-away root needs root (run make test as root to include it)"
    exit 77
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The few files of a base system the scripts read: users and groups (dialout is gid 20 in
# Debian's base-passwd), and dpkg's database.
mkdir -p "$root/etc" "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$root/etc/passwd"
printf 'root:x:0:\ndialout:x:20:\n' > "$root/etc/group"
printf 'root:*:19000:0:99999:7:::\n' > "$root/etc/shadow"
printf 'root:*::\ndialout:*::\n' > "$root/etc/gshadow"
chmod 0640 "$root/etc/shadow" "$root/etc/gshadow"
: > "$root/var/lib/dpkg/status"
: > "$root/var/lib/dpkg/available"

install() {
    # --force-depends: the root has no libraries; the package's Depends are checked elsewhere.
    dpkg --root="$root" --force-script-chrootless --force-depends --force-confold \
        --no-triggers -i "$deb" > "$root.log" 2>&1 || { cat "$root.log"; rm -f "$root.log"; fail "dpkg -i"; }
    rm -f "$root.log"
}

install
[ -x "$root/usr/bin/sngw" ] || fail "no /usr/bin/sngw"
[ -f "$root/lib/systemd/system/sngw.service" ] || fail "no /lib/systemd/system/sngw.service"
grep -qxF /etc/sngw/sngw.conf "$root/var/lib/dpkg/info/sngw.conffiles" || fail "not a conffile"
[ -f "$root/etc/sngw/sngw.conf" ] || fail "no /etc/sngw/sngw.conf"
cmp -s "$root/etc/sngw/sngw.conf" "$root/usr/share/doc/sngw/examples/sngw.conf" ||
    fail "/etc/sngw/sngw.conf is not the example"
grep -Eq '^sngw:x:[0-9]+:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin$' "$root/etc/passwd" ||
    fail "no system user sngw: $(cat "$root/etc/passwd")"
uid=$(awk -F: '$1 == "sngw" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "sngw" { print $3 }' "$root/etc/group")
[ "$uid" -lt 1000 ] || fail "sngw is not a system user (uid $uid)"
[ "$(awk -F: '$1 == "sngw" { print $4 }' "$root/etc/passwd")" = "$gid" ] || fail "primary group is not sngw"
grep -Eq '^dialout:x:20:(.*,)?sngw(,.*)?$' "$root/etc/group" || fail "sngw not in dialout: $(grep dialout "$root/etc/group")"
[ "$(stat -c '%u:%g %a' "$root/etc/sngw/sngw.conf")" = "0:$gid 640" ] ||
    fail "conffile owner/mode $(stat -c '%u:%g %a' "$root/etc/sngw/sngw.conf"), expected 0:$gid 640"
[ "$(readlink "$root/etc/systemd/system/multi-user.target.wants/sngw.service")" = /lib/systemd/system/sngw.service ] ||
    fail "unit not enabled (no multi-user.target.wants symlink)"
echo "installed: conffile, user sngw (uid $uid, in dialout), unit enabled"

# Upgrade (the same version again): postinst configure runs with the old version; the admin's
# edit of the conffile is kept, and so are its owner and mode; the user is not created twice.
echo 'log-level = debug' >> "$root/etc/sngw/sngw.conf"
chmod 0600 "$root/etc/sngw/sngw.conf"
install
[ "$(tail -n 1 "$root/etc/sngw/sngw.conf")" = 'log-level = debug' ] || fail "edited conffile replaced"
[ "$(stat -c '%a' "$root/etc/sngw/sngw.conf")" = 600 ] || fail "conffile mode changed on upgrade"
[ "$(grep -c '^sngw:' "$root/etc/passwd")" = 1 ] || fail "user sngw twice"
grep -Eq '^dialout:x:20:sngw$' "$root/etc/group" || fail "dialout members: $(grep dialout "$root/etc/group")"
echo "reinstalled: edited conffile kept, one user"

dpkg --root="$root" --force-script-chrootless --purge sngw > "$root.log" 2>&1 || { cat "$root.log"; rm -f "$root.log"; fail "dpkg --purge"; }
rm -f "$root.log"
[ ! -e "$root/etc/sngw/sngw.conf" ] || fail "conffile left after purge"
[ ! -e "$root/usr/bin/sngw" ] || fail "binary left after purge"
[ ! -L "$root/etc/systemd/system/multi-user.target.wants/sngw.service" ] || fail "enable symlink left after purge"
grep -q '^sngw:' "$root/etc/passwd" || fail "user removed (Debian keeps system users)"
echo "purged: conffile and enable symlink gone, user kept"
