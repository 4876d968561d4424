#!/bin/sh
# A deterministic trial for the resume and remote tests: the score depends
# on x ($1) and the step only; 10 J a step (for the reported meter); a
# pause of $DET_SLEEP seconds (0.02) before each report.
s=1
while [ $s -le "$ECOSWEEP_MAX_RESOURCE" ]; do
  sleep "${DET_SLEEP:-0.02}"
  printf '{"step": %d, "metrics": {"score": %s, "energy_j": %d}}\n' $s "$(awk "BEGIN{print $1 * (1 - 1/($s + 1))}")" $((s * 10)) >&3
  read -r reply <&3 || exit 0
  [ "$reply" = stop ] && exit 0
  s=$((s + 1))
done
