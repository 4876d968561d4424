#!/bin/sh
# The fixed cost of one `srun -N1 -n1 true` on a single-node test cluster
# (tests/slurm/cluster.inc): allocation, step launch through slurmd and
# slurmstepd, and teardown. It starts its own cluster, runs one warm-up
# srun, then STEPS (default 20, or $1) sequential ones, each timed alone.
# Prints one summary line:
#   srun: 20 steps, median 92 ms, mean 95 ms per srun (min 80, max 140; ...)
# Needs root and Slurm (apt-get install slurmctld slurmd slurm-client munge).
HERE=$(cd "$(dirname "$0")" && pwd)
SLURM_TESTS_DIR=$(cd "$HERE/../slurm" && pwd)
# shellcheck source=SCRIPTDIR/../slurm/cluster.inc
. "$SLURM_TESTS_DIR/cluster.inc"
STEPS=${1:-${STEPS:-20}}

if ! slurm_available; then
  echo "# Slurm is not installed, skipping (apt-get install slurmctld slurmd slurm-client munge)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "# the Slurm test cluster needs root, skipping"
  exit 0
fi

DIR=$(mktemp -d /tmp/ecosweep-srun-cost.XXXXXX)
trap 'slurm_stop "$DIR" >/dev/null 2>&1; rm -rf "$DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
slurm_start "$DIR" || exit 1

srun -N1 -n1 true 2>/dev/null || { echo "srun_cost: srun -N1 -n1 true failed" >&2; exit 1; }
i=0
: > "$DIR/ms"
: > "$DIR/err"
while [ "$i" -lt "$STEPS" ]; do
  t0=$(date +%s%N)
  srun -N1 -n1 true 2>>"$DIR/err" || { echo "srun_cost: srun failed (step $i)" >&2; cat "$DIR/err" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000)) >> "$DIR/ms"
  i=$((i + 1))
done
queued=$(grep -c 'queued and waiting' "$DIR/err")
sort -n "$DIR/ms" | awk -v q="$queued" '
  { us[NR] = $1; sum += $1 }
  END {
    n = NR
    med = (n % 2) ? us[(n + 1) / 2] : (us[n / 2] + us[n / 2 + 1]) / 2
    printf "srun: %d steps, median %.0f ms, mean %.0f ms per srun (min %.0f, max %.0f; %d briefly queued; single-node cluster)\n",
      n, med / 1000, sum / n / 1000, us[1] / 1000, us[n] / 1000, q
  }'
