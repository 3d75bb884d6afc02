#!/usr/bin/env bash
# Fails when a pure layer reaches for I/O or the clock (house-style §1, §7): no Asio, no ::now(),
# no threads, no sockets in sn_codec, mqtt_bridge/codec, mqtt_bridge/session, transports/framing,
# gateway/core.
set -u
cd "$(dirname "$0")/.."
pure_dirs=()
for d in sn_codec mqtt_bridge/codec mqtt_bridge/session transports/framing gateway/core; do
    [ -d "$d" ] && pure_dirs+=("$d")
done
pattern='#include *<boost/asio|::now *\(|#include *<thread>|#include *<sys/socket|#include *<iostream>|std::cout|std::cerr'
if hits=$(grep -rnE "$pattern" "${pure_dirs[@]}" 2>/dev/null); then
    echo "check_purity: I/O or clock in a pure layer:"
    echo "$hits"
    exit 1
fi
echo "check_purity: ${#pure_dirs[@]} pure folders clean (${pure_dirs[*]})"
