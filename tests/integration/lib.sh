# Shared helpers for the integration scripts (sourced, POSIX sh).
# Each case prints "PASS: name" or "FAIL: name - why"; the runner counts them.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ES=${ECOSWEEP_BIN:-$ROOT/build/ecosweep}
FAILED=0
TMP=$(mktemp -d /tmp/ecosweep-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 - $2"; FAILED=$((FAILED + 1)); }
# check NAME CONDITION...: runs the condition (a command), passes or fails.
check() {
  name=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "$*"; fi
}
finish() { [ "$FAILED" -eq 0 ]; }
