#!/bin/bash
# SPDX-License-Identifier: MIT
# What `dpkg-deb` reads from the package: `contents` (dpkg-deb -c: the paths, the binaries
# executable) or `control` (dpkg-deb -f / --ctrl-tarfile: Depends from dpkg-shlibdeps, Section,
# Maintainer, the conffile list and the maintainer scripts).
# usage: check_deb.sh contents|control DEB_DIR [TOOL...]   TOOLs: binaries besides sngw this build has
set -euo pipefail
what=$1
deb=$(ls "$2"/sngw_*.deb)
shift 2
fail() { echo "FAIL: $*"; exit 1; }

case $what in
contents)
    listing=$(dpkg-deb -c "$deb")
    paths=$(awk '{ print $6 }' <<< "$listing")
    for p in ./usr/bin/sngw ./lib/systemd/system/sngw.service ./etc/sngw/sngw.conf \
             ./usr/share/doc/sngw/copyright ./usr/share/doc/sngw/README.md \
             ./usr/share/doc/sngw/examples/sngw.conf ./usr/share/doc/sngw/examples/predefined-topics.txt \
             ./usr/share/doc/sngw/examples/credentials.txt ./usr/share/doc/sngw/examples/sysctl-sngw.conf; do
        grep -qxF "$p" <<< "$paths" || fail "$p not in the package"
    done
    for tool in sngw "$@"; do
        grep -Eq "^-rwxr-xr-x root/root .* \./usr/bin/$tool\$" <<< "$listing" || fail "/usr/bin/$tool missing or not 0755 root"
    done
    # Nothing from the build machine's paths or /usr/local.
    if grep -Ev '^\./(usr/bin|usr/share/doc/sngw|lib/systemd/system|etc/sngw)(/|$)' <<< "$paths" |
            grep -Evx '\./|\./usr/|\./usr/share/|\./usr/share/doc/|\./lib/|\./lib/systemd/|\./etc/'; then
        fail "unexpected paths above"
    fi
    echo "$(wc -l <<< "$paths") paths as expected"
    ;;
control)
    depends=$(dpkg-deb -f "$deb" Depends)
    echo "Depends: $depends"
    names=$(sed 's/ *([^)]*)//g; s/, */\n/g' <<< "$depends")
    for lib in libboost-program-options1.81.0 libssl3 libstdc++6 libc6 adduser; do
        grep -qxF "$lib" <<< "$names" || fail "Depends lacks $lib"
    done
    [ "$(dpkg-deb -f "$deb" Section)" = net ] || fail "Section is not net"
    [ "$(dpkg-deb -f "$deb" Package)" = sngw ] || fail "Package is not sngw"
    [ -n "$(dpkg-deb -f "$deb" Maintainer)" ] || fail "no Maintainer"
    [ -n "$(dpkg-deb -f "$deb" Description)" ] || fail "no Description"
    ctrl=$(mktemp -d)
    trap 'rm -rf "$ctrl"' EXIT
    dpkg-deb -e "$deb" "$ctrl"
    [ "$(cat "$ctrl/conffiles")" = /etc/sngw/sngw.conf ] || fail "conffiles: $(cat "$ctrl/conffiles")"
    for script in postinst prerm postrm; do
        [ "$(stat -c %a "$ctrl/$script")" = 755 ] || fail "$script is not 0755"
        sh -n "$ctrl/$script" || fail "$script: syntax"
    done
    echo "control fields, conffiles and maintainer scripts as expected"
    ;;
*) fail "usage: $0 contents|control DEB_DIR [TOOL...]" ;;
esac
