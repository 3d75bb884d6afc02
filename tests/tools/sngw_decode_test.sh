#!/bin/sh
# sngw-decode as a user runs it: the v2.0 text's DISCONNECT example, JSON, auto classification,
# a malformed packet (exit 1), bad options (exit 2), packets on stdin.
set -u
decode=$1
fail() { echo "FAIL: $*"; exit 1; }

out=$("$decode" --sn-version 2.0 04 0E 04 8B) || fail "DISCONNECT example did not decode"
echo "$out" | grep -q '^v2.0 DISCONNECT{' || fail "text form: $out"
echo "$out" | grep -qi '0x8b (Server shutting down)' || fail "reason code not named: $out"

out=$("$decode" --json --sn-version 2.0 '06 0E 05 12 34 F4') || fail "no-VC example did not decode"
echo "$out" | grep -q '"type":"DISCONNECT"' || fail "json type: $out"
echo "$out" | grep -q '"packet_id":4660' || fail "json packet id: $out"
echo "$out" | grep -q '"sn_version":"2.0"' || fail "json version: $out"

# auto: a 3-octet 0x01 is a v1.2 SEARCHGW, 0x17 a v2.0 SEARCHGW.
out=$("$decode" 030100 0217) || fail "auto decode failed"
echo "$out" | sed -n 1p | grep -q '^v1.2 SEARCHGW{radius:0}' || fail "v1.2 searchgw: $out"
echo "$out" | sed -n 2p | grep -q '^v2.0 SEARCHGW' || fail "v2.0 searchgw: $out"

# stdin, comments and blank lines skipped; one malformed line makes the status 1.
out=$(printf '# capture\n02 16\n\n05 0c 00\n' | "$decode" --sn-version 1.2)
status=$?
[ "$status" = 1 ] || fail "malformed input gave status $status"
[ "$(echo "$out" | wc -l)" = 2 ] || fail "expected two lines: $out"
echo "$out" | sed -n 1p | grep -q '^v1.2 PINGREQ' || fail "pingreq: $out"
echo "$out" | sed -n 2p | grep -q '^error: v1.2: ' || fail "error line: $out"

out=$("$decode" --json --sn-version 1.2 zz)
[ $? = 1 ] || fail "non-hex input must give status 1"
echo "$out" | grep -q '"error":"not a hex string"' || fail "json error: $out"

# encapsulations show the packet inside.
out=$("$decode" 05 fe 00 ab cd 02 16) || fail "v1.2 forwarder encapsulation"
echo "$out" | grep -q '^v1.2 ENCAPSULATED{.*wireless_node_id:abcd.* => PINGREQ{}$' || fail "encapsulation text: $out"
out=$("$decode" --json 05 fe 00 ab cd 02 16) || fail "v1.2 forwarder encapsulation (json)"
echo "$out" | grep -q '"inner":{"type":"PINGREQ"}' || fail "encapsulation json: $out"

"$decode" --sn-version 3.0 0216 >/dev/null 2>&1
[ $? = 2 ] || fail "bad option must give status 2"
"$decode" --help | grep -q -- '--sn-version' || fail "help"
echo "sngw-decode: all checks passed"
