#!/bin/sh
# trial.sh - an ecosweep trial in plain POSIX sh, to show that the protocol
# needs no client library: write a JSON line to fd 3, read a line back.
#
#   sh examples/shell/trial.sh --x X --y Y
#
# Parameters come from argv (the spec's "{x}" and "{y}" placeholders), not
# from $ECOSWEEP_PARAMS. For steps 1..$ECOSWEEP_MAX_RESOURCE it computes a
# toy score with awk (best at x = 0.5, y = 0.2, rising with the step),
# reports {"step": N, "metrics": {"score": S}} and stops at once when the
# reply is "stop" or fd 3 reaches end-of-file. Without $ECOSWEEP_FD it runs
# standalone and prints "@ecosweep" lines on stdout instead (no replies).
x=0
y=0
while [ $# -gt 0 ]; do
  case $1 in
    --x) x=$2; shift 2 ;;
    --y) y=$2; shift 2 ;;
    *) echo "trial.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

steps=${ECOSWEEP_MAX_RESOURCE:-3}
steps=${steps%%.*} # whole steps only: "2.5" runs 2
step=1
while [ "$step" -le "$steps" ]; do
  score=$(awk -v x="$x" -v y="$y" -v s="$step" 'BEGIN {
    if (x + 0 != x || y + 0 != y) exit 1
    printf "%.17g", (1 - (x - 0.5) ^ 2 - 0.5 * (y - 0.2) ^ 2) * (1 - exp(-s))
  }') || { echo "trial.sh: --x and --y must be numbers" >&2; exit 2; }
  line="{\"step\": $step, \"metrics\": {\"score\": $score}}"
  if [ -n "${ECOSWEEP_FD:-}" ]; then
    printf '%s\n' "$line" >&3
    # read(1) reads byte by byte from a socket, so it takes exactly one line;
    # it fails at end-of-file, which means stop too.
    read -r reply <&3 || exit 0
    [ "$reply" = stop ] && exit 0
  else
    printf '@ecosweep %s\n' "$line"
  fi
  step=$((step + 1))
done
exit 0
