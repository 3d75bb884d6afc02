#!/bin/sh
# sngw_decode_vectors.sh DUMP DECODE VERSION
# Every vector of VERSION decodes (status 0, no error line); every strict prefix of every vector
# is rejected (one error line each, status 1). One sngw-decode process per pass.
set -u
dump=$1 decode=$2 version=$3

n=$("$dump" "$version" | wc -l)
out=$("$dump" "$version" | "$decode" --sn-version "$version") || { echo "a v$version vector did not decode:"; echo "$out" | grep '^error'; exit 1; }
[ "$(printf '%s\n' "$out" | grep -c "^v$version ")" = "$n" ] || { echo "expected $n decoded lines"; exit 1; }

n=$("$dump" "$version" --truncated | wc -l)
out=$("$dump" "$version" --truncated | "$decode" --sn-version "$version")
[ $? = 1 ] || { echo "truncated input did not give status 1"; exit 1; }
errors=$(printf '%s\n' "$out" | grep -c '^error: ')
[ "$errors" = "$n" ] || { echo "accepted a truncated v$version vector:"; printf '%s\n' "$out" | grep -v '^error: '; exit 1; }
echo "v$version: every vector decoded, all $n truncations rejected"
