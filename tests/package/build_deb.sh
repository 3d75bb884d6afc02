#!/bin/bash
# SPDX-License-Identifier: MIT
# Fixture: the Debian package of this build tree, made by CPack (the same configuration as
# `make package`, with this tree's binaries), into OUT_DIR. The other package tests read it.
# usage: build_deb.sh BUILD_DIR OUT_DIR
set -euo pipefail
build=$1 out=$2
for tool in cpack dpkg-deb dpkg-shlibdeps file; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool not installed (make deps installs dpkg-dev and file)"
        exit 77
    fi
done
rm -rf "$out"
mkdir -p "$out"
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out" > "$out/cpack.log" 2>&1 || {
    cat "$out/cpack.log"
    exit 1
}
rm -rf "$out/_CPack_Packages"
ls "$out"/*.deb
