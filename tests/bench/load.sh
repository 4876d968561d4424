#!/bin/sh
# Load benchmark (issue: nothing lost, item 7): 10,000 trials of the
# trivial bench trial at 8 workers. Prints the sweep's wall time, ecosweep's
# peak resident memory (target < 100 MB) and how long replaying the
# resulting journal takes (what `ecosweep resume` does first).
set -e
BUILD=${ECOSWEEP_BUILD:-build}
BUILD=$(cd "$BUILD" && pwd)
N=${BENCH_LOAD_TRIALS:-10000}
TMP=$(mktemp -d "$BUILD/load.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/spec.json" <<J
{"command": ["$BUILD/examples/bench_trial"],
 "parameters": {"x": {"type": "int", "low": 1, "high": 1000000}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "budget": {"trials": $N}, "workers": {"count": 8}, "seed": 1}
J
/usr/bin/time -f "%e %M" -o "$TMP/time" "$BUILD/ecosweep" run "$TMP/spec.json" -o "$TMP/run" --quiet
read -r wall rss < "$TMP/time"
ended=$(grep -c '"event":"end"' "$TMP/run/journal.jsonl")
/usr/bin/time -f "%e %M" -o "$TMP/time2" "$BUILD/ecosweep" resume "$TMP/run" --quiet > /dev/null
read -r replay rss2 < "$TMP/time2"
awk -v n="$N" -v e="$ended" -v w="$wall" -v r="$rss" -v p="$replay" -v r2="$rss2" 'BEGIN {
  printf "load: %d trivial trials at 8 workers (%d ended)\n", n, e
  printf "  sweep wall time   %8.2f s  (%.0f us/trial)\n", w, w / n * 1e6
  printf "  peak RSS          %8.1f MB  (target < 100 MB)\n", r / 1024
  printf "  journal replay    %8.2f s  (resume of the finished sweep; peak RSS %.1f MB)\n", p, r2 / 1024
}'
