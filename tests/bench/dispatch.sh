#!/bin/sh
# Dispatch-overhead benchmark (issue: end-to-end sweep, item 10).
#
# Problem, fixed before any tuning: 1,000 trials of examples/bench's
# trivial C trial (one report, one reply, exit 0) at 2 in flight.
# Baseline, in the same run: examples/bench/bench_baseline, which does the
# least a correct scheduler must (socketpair on fd 3, fork/exec, read one
# report, answer, reap). Each is run ROUNDS times, alternating, and the
# medians are compared. Prints the ratio ecosweep / baseline (target 1.1).
set -e
BUILD=${ECOSWEEP_BUILD:-build}
BUILD=$(cd "$BUILD" && pwd)
N=${BENCH_TRIALS:-1000}
ROUNDS=${BENCH_ROUNDS:-5}
TMP=$(mktemp -d /tmp/ecosweep-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/spec.json" <<J
{"command": ["$BUILD/examples/bench_trial"],
 "parameters": {"x": {"type": "int", "low": 1, "high": 1000000}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "budget": {"trials": $N}, "workers": {"count": 2}, "seed": 1}
J
now() { date +%s.%N; }
base=""
eco=""
i=0
while [ $i -lt "$ROUNDS" ]; do
  out=$("$BUILD/examples/bench_baseline" "$N" 2 "$BUILD/examples/bench_trial")
  base="$base ${out#baseline_s=}"
  # A fresh directory per round, all removed at the end: deleting the
  # previous round's 1,000 trial directories right before a round would
  # charge ext4's recently-deleted-inode scan to ecosweep.
  t0=$(now)
  "$BUILD/ecosweep" run "$TMP/spec.json" -o "$TMP/run$i" --quiet
  t1=$(now)
  eco="$eco $(awk "BEGIN{print $t1 - $t0}")"
  i=$((i + 1))
done
median() { echo "$@" | tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mb=$(median $base)
me=$(median $eco)
ended=$(grep -c '"event":"end"' "$TMP/run0/journal.jsonl")
[ "$ended" -eq "$N" ] || { echo "dispatch: only $ended of $N trials ended" >&2; exit 1; }
awk -v b="$mb" -v e="$me" -v n="$N" -v r="$ROUNDS" 'BEGIN {
  printf "dispatch: %d trivial trials, 2 in flight, median of %d rounds\n", n, r
  printf "  baseline  %8.3f s  (%.0f us/trial)\n", b, b / n * 1e6
  printf "  ecosweep  %8.3f s  (%.0f us/trial)\n", e, e / n * 1e6
  printf "  ratio     %8.3f    (target <= 1.1, required <= 1.25)\n", e / b
}'
