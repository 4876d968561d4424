#!/bin/sh
# A trial whose behaviour is chosen by its first argument: one of the ways
# a trial can succeed or fail (DESIGN.md §4). Speaks the protocol on fd 3.
mode=$1
report() { printf '%s\n' "$1" >&3; read -r reply <&3; }
case "$mode" in
ok)       for s in 1 2 3; do report "{\"step\": $s, \"metrics\": {\"score\": $s.5}}"; done; exit 0 ;;
crash)    report '{"step": 1, "metrics": {"score": 1}}'; kill -SEGV $$ ;;
exit3)    report '{"step": 1, "metrics": {"score": 1}}'; exit 3 ;;
hang)     report '{"step": 1, "metrics": {"score": 1}}'; exec sleep 60 ;;
stubborn) trap '' TERM; report '{"step": 1, "metrics": {"score": 1}}'; while :; do sleep 1; done ;;
garbage)  echo 'this is not json' >&3; sleep 5; exit 0 ;;
nan)      echo '{"step": 1, "metrics": {"score": NaN}}' >&3; sleep 5 ;;
inf)      echo '{"step": 1, "metrics": {"score": 1e999}}' >&3; sleep 5 ;;
backwards) report '{"step": 2, "metrics": {"score": 1}}'; report '{"step": 1, "metrics": {"score": 1}}'; sleep 5 ;;
noreport) exit 0 ;;
nometric) report '{"step": 1, "metrics": {"other": 1}}'; exit 0 ;;
huge)     awk 'BEGIN { printf "{\"step\": 1, \"pad\": \""; for (i = 0; i < 300000; i++) printf "x"; print "\"}" }' >&3; sleep 5 ;;
stdout)   echo '@ecosweep {"step": 1, "metrics": {"score": 2}}'; echo 'ordinary output'; exit 0 ;;
energy)   # reports its own cumulative joules (for the reported meter): 10 J a step
          for s in 1 2 3 4 5 6 7 8 9 10; do report "{\"step\": $s, \"metrics\": {\"score\": $s, \"energy_j\": $((s * 10))}}"
            [ "$reply" = stop ] && exit 0; done; exit 0 ;;
precise)  report '{"step": 1, "metrics": {"score": 0.30000000000000004}}'; exit 0 ;;
flood)    report '{"step": 1, "metrics": {"score": 1}}'; head -c 1000000 /dev/zero | tr '\0' 'x'; exit 0 ;;
deaf)     # ignores "stop": keeps reporting, then sleeps
          for s in 1 2 3 4 5; do report "{\"step\": $s, \"metrics\": {\"score\": 1, \"energy_j\": $((s * 10))}}"; echo "reply=$reply" >&2; done; sleep 30 ;;
orphan)   # leaves grandchildren that escaped its process group and session;
          # one notes who adopted it once its parent is gone
          setsid sh -c 'exec sleep 61' </dev/null >/dev/null 2>&1 &
          sh -c 'setsid sh -c "sleep 0.2; ps -o ppid= -p \$\$ > \"\$ECOSWEEP_TRIAL_DIR/adopter\"; exec sleep 62" </dev/null >/dev/null 2>&1 &'
          sleep 0.5   # let them leave the group before the trial ends
          report '{"step": 1, "metrics": {"score": 1}}'; exit 0 ;;
flaky)    # fails its first attempt, succeeds on the next (workers.retries)
          if [ ! -e "$ECOSWEEP_TRIAL_DIR/tried" ]; then : > "$ECOSWEEP_TRIAL_DIR/tried"; exit 1; fi
          report '{"step": 1, "metrics": {"score": 2}}'; exit 0 ;;
early)    exec 3>&-; sleep 0.2; echo '@ecosweep {"step": 1, "metrics": {"score": 0.5}}'; exit 0 ;;
*)        echo "unknown mode $mode" >&2; exit 64 ;;
esac
