#!/bin/sh
# A stand-in for srun on machines without Slurm: drops srun's options and
# runs the command here, as one "job" (SLURM_JOB_ID, SLURM_STEP_ID set),
# so the remote protocol (ecosweep exec dialing the scheduler) is tested
# everywhere. FAKE_SRUN_LOG: append each step's token there (the tests
# replay it); FAKE_SRUN_FAIL=1: fail like an srun that cannot allocate.
while [ $# -gt 0 ]; do
  case "$1" in
  -*) shift ;;
  *) break ;;
  esac
done
if [ -n "$FAKE_SRUN_FAIL" ]; then
  echo "srun: error: Unable to allocate resources: Invalid partition name specified" >&2
  exit 1
fi
[ -n "$FAKE_SRUN_LOG" ] && echo "$ECOSWEEP_TRIAL_ID $ECOSWEEP_TOKEN" >> "$FAKE_SRUN_LOG"
SLURM_JOB_ID=$$ SLURM_STEP_ID=0 exec "$@"
