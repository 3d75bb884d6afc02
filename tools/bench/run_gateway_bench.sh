#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gateway's figures for the README: a private mosquitto and sngw on free loopback ports, then
# sngw-bench-gateway for N = 100 and 1,000 sensors, QoS 0 and QoS 1:
#   - throughput: as fast as a window of 1 message per sensor allows, through sngw and straight to the
#     broker (--compare: one run, both ways, the ratio), with the gateway's RSS per connected sensor;
#   - latency: the same at a paced rate well below saturation (RATE_PER_SENSOR msg/s per sensor), so that
#     CONNECT->CONNACK and PUBLISH->subscriber are not queueing figures;
#   - CONNECT_N (10,000) sensors connected at once, held, and each answering PINGREQ.
# Broker and gateway are started afresh for every run. Everything goes to a work directory (kept with
# KEEP=1); a summary is printed at the end.
#
# Environment: BUILD (default <repo>/build), SNGW, BENCH, MOSQUITTO, DURATION (s, default 10),
# SIZES ("100 1000"), QOS_LEVELS ("0 1"), RATE_PER_SENSOR (5), CONNECT_N (10000), SKIP_CONNECT (0).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
SNGW=${SNGW:-$BUILD/gateway/app/sngw}
BENCH=${BENCH:-$BUILD/tools/bench/sngw-bench-gateway}
MOSQUITTO=${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
DURATION=${DURATION:-10}
SIZES=${SIZES:-"100 1000"}
QOS_LEVELS=${QOS_LEVELS:-"0 1"}
RATE_PER_SENSOR=${RATE_PER_SENSOR:-5}
CONNECT_N=${CONNECT_N:-10000}
SKIP_CONNECT=${SKIP_CONNECT:-0}

for exe in "$SNGW" "$BENCH" "$MOSQUITTO"; do
    [[ -x $exe ]] || { echo "error: $exe is not there (build first: cmake --build $BUILD)" >&2; exit 1; }
done

# One descriptor per sensor in each of the three processes (UDP socket, upstream TCP, broker side).
hard=$(ulimit -Hn)
if [[ $hard != unlimited && $hard -lt $((CONNECT_N + 512)) ]]; then
    echo "warning: ulimit -Hn is $hard; $CONNECT_N sensors need $((CONNECT_N + 512)) descriptors per process" >&2
fi
ulimit -n "$hard" 2>/dev/null || true

work=$(mktemp -d /tmp/sngw-gateway-bench-XXXXXX)
BROKER_PID=""
GATEWAY_PID=""

stop_all() {
    if [[ -n $GATEWAY_PID ]]; then
        kill -TERM "$GATEWAY_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$GATEWAY_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$GATEWAY_PID" 2>/dev/null || true
        wait "$GATEWAY_PID" 2>/dev/null || true
        GATEWAY_PID=""
    fi
    if [[ -n $BROKER_PID ]]; then
        kill -TERM "$BROKER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
        BROKER_PID=""
    fi
}
cleanup() {
    stop_all
    if [[ ${KEEP:-0} == 1 ]]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { # tcp|udp
    python3 - "$1" <<'EOF' 2>/dev/null || shuf -i 20000-60000 -n 1
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

start_all() { # label
    local label=$1 i
    BROKER_PORT=$(free_port tcp)
    GATEWAY_PORT=$(free_port udp)
    {
        [[ $(id -u) == 0 ]] && echo "user root"
        echo "listener $BROKER_PORT 127.0.0.1"
        echo "allow_anonymous true"
        echo "max_connections -1"
        echo "persistence false"
        echo "max_queued_messages 0"   # the subscriber's queue is not the thing measured
        echo "set_tcp_nodelay true"    # no Nagle delay on either path
        echo "log_dest stderr"
        echo "log_type error"
        echo "log_type warning"
    } > "$work/mosquitto-$label.conf"
    "$MOSQUITTO" -c "$work/mosquitto-$label.conf" > "$work/mosquitto-$label.log" 2>&1 &
    BROKER_PID=$!
    for i in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$BROKER_PORT") 2>/dev/null && break
        sleep 0.05
    done
    "$SNGW" --udp "127.0.0.1:$GATEWAY_PORT" --broker "127.0.0.1:$BROKER_PORT" --max-clients $((CONNECT_N * 2)) \
        --log-level warn > "$work/sngw-$label.log" 2>&1 &
    GATEWAY_PID=$!
    for i in $(seq 100); do
        ss -Hlun "sport = :$GATEWAY_PORT" 2>/dev/null | grep -q . && break
        kill -0 "$GATEWAY_PID" 2>/dev/null || { echo "error: sngw exited; see $work/sngw-$label.log" >&2; cat "$work/sngw-$label.log" >&2; exit 1; }
        sleep 0.05
    done
    sleep 0.3 # its own upstream connection
}

run() { # label, bench arguments...
    local label=$1
    shift
    start_all "$label"
    echo
    echo "### $label: sngw-bench-gateway $*"
    "$BENCH" --gateway "127.0.0.1:$GATEWAY_PORT" --broker "127.0.0.1:$BROKER_PORT" --gateway-pid "$GATEWAY_PID" "$@" \
        2>&1 | tee "$work/$label.txt" || true
    grep '^RESULT' "$work/$label.txt" | sed "s/^RESULT /$label /" >> "$work/results.txt" || true
    stop_all
}

echo "sngw:      $SNGW"
echo "mosquitto: $("$MOSQUITTO" -h 2>/dev/null | head -1)"
echo "machine:   $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
: > "$work/results.txt"

for n in $SIZES; do
    for q in $QOS_LEVELS; do
        # 50 connects at a time: mosquitto's listen backlog (100) overflowing shows up as 1 s SYN re-sends.
        run "n$n-qos$q-max" --compare -n "$n" --qos "$q" -d "$DURATION" --window 1 --parallel 50
        run "n$n-qos$q-paced" --compare -n "$n" --qos "$q" -d "$DURATION" --rate $((n * RATE_PER_SENSOR)) --parallel 50
    done
done
if [[ $SKIP_CONNECT != 1 ]]; then
    run "connect-$CONNECT_N" --connect-only -n "$CONNECT_N" --parallel 200 --hold 5 --connect-timeout 120
fi

# ---- summary -----------------------------------------------------------------------------------------
val() { # line key
    sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<< "$1"
}
echo
echo "=================================== summary ==================================="
printf '%-22s %-10s %12s %8s %19s %21s %12s %s\n' run mode "msg/s" ratio "CONNACK p50/p99 ms" "PUB->sub p50/p99 ms" "RSS/sensor B" "lost"
while read -r line; do
    label=${line%% *}
    mode=$(val "$line" mode)
    if [[ $mode == ratio ]]; then
        printf '%-22s %-10s %12s %8s\n' "$label" "ratio" "" "$(val "$line" ratio)"
        continue
    fi
    rss=$(val "$line" rss_per_sensor_bytes)
    if [[ $label == connect-* ]]; then
        printf '%-22s %-10s %12s %8s %19s %21s %12s   connected %s, alive %s, in %s s\n' "$label" "$mode" "" "" \
            "$(val "$line" connect_p50_ms)/$(val "$line" connect_p99_ms)" "" "${rss%.*}" \
            "$(val "$line" connected)" "$(val "$line" alive)" "$(val "$line" connect_s)"
        continue
    fi
    lost=$(( $(val "$line" sent) - $(val "$line" delivered) ))
    printf '%-22s %-10s %12s %8s %19s %21s %12s %s\n' "$label" "$mode" "$(val "$line" msgs_per_s)" "" \
        "$(val "$line" connect_p50_ms)/$(val "$line" connect_p99_ms)" \
        "$(val "$line" e2e_p50_ms)/$(val "$line" e2e_p99_ms)" "${rss%.*}" "$lost"
done < "$work/results.txt"
echo "(max: as fast as one outstanding message per sensor allows; paced: $RATE_PER_SENSOR msg/s per sensor;"
echo " msg/s: sent in the window and delivered, per second from the start to the last delivery;"
echo " lost: sent but never seen by the subscriber (QoS 1: no PUBACK either; the bench does not re-send);"
echo " ratio: msg/s through sngw / msg/s straight to mosquitto, same load, one run; duration ${DURATION} s each)"
