#!/usr/bin/env bash
# Fails when a doctest case name holds a ';': doctest_discover_tests splits names on it, and each
# half then runs no test at all and still "passes" under CTest.
set -u
cd "$(dirname "$0")/.."
if hits=$(grep -rnE 'TEST_CASE\("[^"]*;' tests); then
    echo "check_test_names: ';' in a test name (CTest would run nothing for it):"
    echo "$hits"
    exit 1
fi
echo "check_test_names: ok"
