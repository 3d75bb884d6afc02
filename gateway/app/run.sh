#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make run`: sngw in the foreground. When nothing accepts TCP at the --broker address and that is
# the default 127.0.0.1:1883, a private mosquitto is started there first (anonymous, no
# persistence, log in a temp dir) and stopped when sngw exits.
# Usage: run.sh SNGW_BINARY [SNGW OPTIONS...]
set -uo pipefail

bin=$1
shift
args=("$@")

broker=127.0.0.1:1883
tls=false
# The INI file first (-c FILE): its "broker =" and TLS keys; the command line wins over them.
for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[i]} in
    -c | --config) conf=${args[i + 1]:-} ;;
    --config=*) conf=${args[i]#--config=} ;;
    *) continue ;;
    esac
    if [ -r "$conf" ]; then
        b=$(sed -n 's/^[[:space:]]*broker[[:space:]]*=[[:space:]]*\([^[:space:]]*\).*/\1/p' "$conf" | tail -n 1)
        [ -n "$b" ] && broker=$b
        grep -Eq '^[[:space:]]*(broker-tls[[:space:]]*=[[:space:]]*(true|1|yes|on)|ca-file[[:space:]]*=|cert[[:space:]]*=)' \
            "$conf" && tls=true
    fi
done
for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[i]} in
    --broker) broker=${args[i + 1]:-$broker} ;;
    --broker=*) broker=${args[i]#--broker=} ;;
    --broker-tls | --ca-file | --ca-file=* | --cert | --cert=*) tls=true ;;
    esac
done
default_port=1883
[ "$tls" = true ] && default_port=8883
if [[ $broker =~ ^\[(.*)\]:([0-9]+)$ ]] || [[ $broker =~ ^([^:]*):([0-9]+)$ ]]; then
    host=${BASH_REMATCH[1]}
    port=${BASH_REMATCH[2]}
else
    host=${broker#[}
    host=${host%]}
    port=$default_port
fi

# bash's /dev/tcp: does anything accept a TCP connection there within 1 s?
answers() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

if answers "$host" "$port"; then
    echo "make run: using the broker that answers at $host:$port"
elif [[ ($host == 127.0.0.1 || $host == localhost) && $port == 1883 ]]; then
    mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    dir=$(mktemp -d -t sngw-run.XXXXXX)
    cat >"$dir/mosquitto.conf" <<CONF
listener 1883 127.0.0.1
allow_anonymous true
persistence false
log_dest stdout
CONF
    # Its own session: Ctrl-C reaches sngw only, which then closes its MQTT sessions cleanly.
    setsid "$mosquitto" -c "$dir/mosquitto.conf" </dev/null >"$dir/mosquitto.log" 2>&1 &
    mosquitto_pid=$!
    trap 'kill "$mosquitto_pid" 2>/dev/null; wait "$mosquitto_pid" 2>/dev/null; rm -rf "$dir"' EXIT
    for _ in $(seq 50); do
        answers 127.0.0.1 1883 && break
        if ! kill -0 "$mosquitto_pid" 2>/dev/null; then
            echo "make run: mosquitto did not start:" >&2
            cat "$dir/mosquitto.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "make run: started a private mosquitto on 127.0.0.1:1883 (pid $mosquitto_pid, log $dir/mosquitto.log)"
else
    echo "make run: nothing answers at $host:$port yet; sngw keeps trying to connect" >&2
fi

echo "make run: $bin ${args[*]} (Ctrl-C stops it)"
# In the background so that a SIGTERM for this script (make forwards one when it is terminated)
# can be passed on; Ctrl-C reaches sngw directly (same process group; its signal handler replaces
# the SIG_IGN a background command starts with).
"$bin" "${args[@]}" &
sngw_pid=$!
trap '' INT
trap 'kill -TERM "$sngw_pid" 2>/dev/null' TERM
while kill -0 "$sngw_pid" 2>/dev/null; do
    wait "$sngw_pid"
done
wait "$sngw_pid"
