#!/bin/sh
# Smoke test of the single-node test cluster (tests/slurm/cluster.inc):
# start, srun, two steps side by side, scancel, exit status and environment
# reaching the task, and a stop that leaves no daemon behind.
# Prints "PASS: name" / "FAIL: name - why" per case; "# ..." lines are notes.
# Without Slurm (or without root) it prints one "# " line and exits 0.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC2034 # read by cluster.inc
SLURM_TESTS_DIR=$HERE
# shellcheck source=SCRIPTDIR/cluster.inc
. "$HERE/cluster.inc"

if ! slurm_available; then
  echo "# Slurm is not installed, skipping (apt-get install slurmctld slurmd slurm-client munge)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "# the Slurm test cluster needs root, skipping"
  exit 0
fi

FAILED=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 - $2"; FAILED=$((FAILED + 1)); }
ms() { echo $(($(date +%s%N) / 1000000)); }

DIR=$(mktemp -d /tmp/ecosweep-slurm.XXXXXX)
SRUN_PID=
cleanup() {
  [ -n "$SRUN_PID" ] && kill "$SRUN_PID" 2>/dev/null
  slurm_stop "$DIR" >/dev/null 2>&1
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$(ms)
if ! slurm_start "$DIR"; then
  fail slurm_start "the cluster did not come up (see above)"
  exit 1
fi
t1=$(ms)
pass slurm_start
echo "# slurm_start took $((t1 - t0)) ms (SlurmctldPort/SlurmdPort: $(sed -n 's/^Slurm\(ctld\|d\)Port=//p' "$SLURM_CONF" | tr '\n' ' '))"

# srun's stderr goes to a file: besides errors it carries notes such as
# "srun: job 5 queued and waiting for resources" (a job is briefly pending
# whenever it comes while the node is still completing the previous one).
err=$DIR/srun.err
errs() { tr '\n' ' ' < "$err" | cut -c1-300; }

# 1. One step runs and its output comes back.
out=$(timeout 20 srun -N1 -n1 hostname 2>"$err")
rc=$?
if [ $rc -eq 0 ] && [ -n "$out" ]; then
  pass "srun hostname"
else
  fail "srun hostname" "rc $rc, output '$out', stderr: $(errs)"
fi

# 2. srun hands back the task's exit status.
timeout 20 srun -N1 -n1 sh -c 'exit 3' 2>"$err"
rc=$?
if [ $rc -eq 3 ]; then
  pass "srun exit status"
else
  fail "srun exit status" "expected 3, got $rc, stderr: $(errs)"
fi

# 3. The caller's environment reaches the task (srun --export=ALL).
ECOSWEEP_SMOKE_VAR="a b=c $$"
export ECOSWEEP_SMOKE_VAR
# shellcheck disable=SC2016 # expanded by the task's shell
out=$(timeout 20 srun -N1 -n1 sh -c 'printf %s "$ECOSWEEP_SMOKE_VAR"' 2>"$err")
if [ "$out" = "$ECOSWEEP_SMOKE_VAR" ]; then
  pass "environment reaches the task"
else
  fail "environment reaches the task" "expected '$ECOSWEEP_SMOKE_VAR', got '$out', stderr: $(errs)"
fi
unset ECOSWEEP_SMOKE_VAR

# 4. Two 1-CPU steps run side by side (CR_Core, 2+ cores): both 1 s sleeps
# finish in well under 2 s.
cpus=$(sed -n 's/^NodeName=.* CPUs=\([0-9]*\).*/\1/p' "$SLURM_CONF")
if [ "${cpus:-0}" -lt 2 ]; then
  echo "# the node has ${cpus:-?} CPU, cannot run two 1-CPU steps side by side; skipping that case"
else
  t0=$(ms)
  timeout 20 srun -N1 -n1 --cpus-per-task=1 sleep 1 2>"$err" &
  a=$!
  timeout 20 srun -N1 -n1 --cpus-per-task=1 sleep 1 2>"$err.2" &
  b=$!
  wait $a
  ra=$?
  wait $b
  rb=$?
  t=$(($(ms) - t0))
  if [ $ra -eq 0 ] && [ $rb -eq 0 ] && [ $t -lt 1800 ]; then
    pass "two steps side by side"
  else
    fail "two steps side by side" "rc $ra and $rb, $t ms for two concurrent 1 s sleeps (limit 1800 ms), stderr: $(errs) $(tr '\n' ' ' < "$err.2" | cut -c1-300)"
  fi
  echo "# two concurrent 'srun sleep 1': $t ms"
fi

# 5. scancel ends a running job; scontrol still shows it as CANCELLED.
out=$DIR/cancel.out
# shellcheck disable=SC2016 # expanded by the task's shell
timeout 60 srun -N1 -n1 sh -c 'echo $SLURM_JOB_ID; exec sleep 30' > "$out" 2>/dev/null &
SRUN_PID=$!
job=
n=100
while [ $n -gt 0 ]; do
  job=$(head -n 1 "$out" 2>/dev/null)
  [ -n "$job" ] && break
  sleep 0.1
  n=$((n - 1))
done
if [ -z "$job" ]; then
  fail "scancel" "the job did not report its SLURM_JOB_ID within 10 s"
else
  t0=$(ms)
  scancel "$job"
  n=100
  while [ $n -gt 0 ] && kill -0 "$SRUN_PID" 2>/dev/null; do
    sleep 0.1
    n=$((n - 1))
  done
  t=$(($(ms) - t0))
  state=
  n=50
  while [ $n -gt 0 ]; do
    state=$(scontrol show job "$job" 2>/dev/null | grep -o 'JobState=[A-Z_]*')
    [ "$state" = JobState=CANCELLED ] && break
    sleep 0.1
    n=$((n - 1))
  done
  if kill -0 "$SRUN_PID" 2>/dev/null; then
    fail "scancel" "srun of job $job still running 10 s after scancel"
  elif [ "$state" != JobState=CANCELLED ]; then
    fail "scancel" "job $job: '$state', expected JobState=CANCELLED"
  else
    pass "scancel"
  fi
  echo "# scancel to srun exiting: $t ms"
fi
wait "$SRUN_PID" 2>/dev/null
SRUN_PID=

# 6. slurm_stop leaves no slurmctld, slurmd or slurmstepd of this cluster.
ctld=$(cat "$DIR/slurmctld.pid" 2>/dev/null)
slurmd=$(cat "$DIR/slurmd.pid" 2>/dev/null)
t0=$(ms)
slurm_stop "$DIR"
rc=$?
t1=$(ms)
left=$(slurm_pids "$DIR" | tr '\n' ' ')
for p in $ctld $slurmd; do
  _slurm_alive "$p" && left="$left$p(pid file) "
done
if [ $rc -eq 0 ] && [ -z "$left" ]; then
  pass "slurm_stop leaves nothing running"
else
  fail "slurm_stop leaves nothing running" "rc $rc, still alive: $left"
fi
echo "# slurm_stop took $((t1 - t0)) ms"

[ "$FAILED" -eq 0 ]
