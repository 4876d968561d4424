#!/bin/sh
# Metering overhead (issue 4, item 9): 64 concurrent sleeping trials with
# the rapl meter sampling at 10 Hz (a stand-in powercap tree; per-trial
# cgroups when ecosweep can make them) - ecosweep's own CPU use while every
# trial sleeps, as a share of one core. Goal: < 2 %. The baseline, run in
# the same invocation, is the same sweep with the estimate meter, which
# samples nothing.
set -e
BUILD=${ECOSWEEP_BUILD:-build}
BUILD=$(cd "$BUILD" && pwd)
TMP=$(mktemp -d "$BUILD/overhead.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/rapl/intel-rapl:0"
echo package-0 > "$TMP/rapl/intel-rapl:0/name"
echo 123456789 > "$TMP/rapl/intel-rapl:0/energy_uj"
echo 262143328850 > "$TMP/rapl/intel-rapl:0/max_energy_range_uj"
hz=$(getconf CLK_TCK)

run() { # $1: meter; prints ecosweep's CPU-seconds from 2 s to 8 s after start
  cat > "$TMP/$1.json" <<J
{"command": ["sleep", "9"], "parameters": {"x": {"type": "int", "low": 1, "high": 64}},
 "objectives": [{"metric": "x", "goal": "max"}], "strategy": {"sampler": "grid"},
 "workers": {"count": 64}, "meters": ["$1"], "seed": 1}
J
  ECOSWEEP_POWERCAP_ROOT="$TMP/rapl" "$BUILD/ecosweep" run "$TMP/$1.json" -o "$TMP/$1" --quiet 2>/dev/null &
  pid=$!
  sleep 2
  a=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")
  sleep 6
  b=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")
  wait $pid || true
  echo "$a $b" | awk -v hz="$hz" '{ printf "%.4f\n", ($2 - $1) / hz }'
}
base=$(run estimate)
rapl=$(run rapl)
cpu_time=$(grep -o '"cpu_time":"[a-z]*"' "$TMP/rapl/journal.jsonl" | head -1 | cut -d'"' -f4)
awk -v b="$base" -v r="$rapl" -v how="$cpu_time" 'BEGIN {
  printf "metering overhead: 64 sleeping trials, 6 s of steady state\n"
  printf "  estimate (no sampling)      %6.3f CPU-s  = %5.2f %% of one core\n", b, b / 6 * 100
  printf "  rapl at 10 Hz (%-6s)      %6.3f CPU-s  = %5.2f %% of one core  (goal < 2 %%)\n", how, r, r / 6 * 100
  printf "  sampling cost               %6.3f CPU-s  = %5.2f %% of one core\n", r - b, (r - b) / 6 * 100
}'
