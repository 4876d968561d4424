#!/bin/sh
# Runs every cmocka unit binary and every integration script, then prints
# one combined line "N passed, N failed" (the line CI reads).
#
# Unit binaries print TAP (CMOCKA_MESSAGE_OUTPUT=TAP): "ok N - name" or
# "not ok N - name". Integration scripts print "PASS: name" / "FAIL: name"
# per case. A binary or script that dies without reporting a failure
# counts as one failed case.
BUILD=${ECOSWEEP_BUILD:-build}
export ECOSWEEP_BIN="$(cd "$BUILD" && pwd)/ecosweep"
export ECOSWEEP_BUILD_DIR="$(cd "$BUILD" && pwd)"
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # $1: status of the run, $2: name
  p=$(grep -cE '^(ok [0-9]|PASS: )' "$log")
  f=$(grep -cE '^(not ok [0-9]|FAIL: )' "$log")
  if [ "$1" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1
    echo "FAIL: $2 exited with status $1"
  fi
  passed=$((passed + p))
  failed=$((failed + f))
}

for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  echo "== $(basename "$t")"
  CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
  st=$?
  grep -E '^(not ok|# )' "$log" | head -50
  count $st "$(basename "$t")"
done

for s in tests/integration/*.sh tests/slurm/*.sh; do
  [ -f "$s" ] || continue
  echo "== $s"
  sh "$s" >"$log" 2>&1
  st=$?
  grep -E '^(FAIL|#)' "$log" | head -50
  count $st "$s"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
