#!/bin/sh
# Crash and resume: SIGKILL the scheduler at several moments of a sweep,
# then `ecosweep resume`: no ended trial is lost, changed or duplicated,
# the sweep completes to its budget, and it ends with the same trials and
# front as an uninterrupted run (1 worker, same seed, a deterministic
# trial, the reported meter, asha).
. "$(dirname "$0")/common.inc"
cd "$TMP" || exit 1
cp "$HERE/trials/det.sh" det.sh
chmod +x det.sh
cat > det.json <<'J'
{"command": ["./det.sh", "{x}"], "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "meters": ["reported"], "resource": {"min": 1, "max": 9, "eta": 3},
 "strategy": {"halving": "asha", "selection": "pareto"}, "budget": {"trials": 20}, "workers": {"count": 1}, "seed": 11}
J
"$ES" run det.json -o ref --quiet
check "uninterrupted run exits 0" [ $? -eq 0 ]
cut -d, -f1,2,3,5,6,7,8 ref/trials.csv > ref.txt

# kill points: fixed ones plus a random one; the last case is killed twice
r=$(awk 'BEGIN { srand(); printf "%.2f", 0.2 + rand() * 1.2 }')
n=0
for delays in 0.25 0.7 1.3 "$r" "0.4 0.5"; do
  n=$((n + 1))
  rm -rf run$n
  "$ES" run det.json -o run$n --quiet 2>/dev/null &
  pid=$!
  for d in $delays; do
    sleep "$d"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # more kill points to come: resume, and kill the resume itself
    if [ "$d" != "${delays##* }" ]; then
      "$ES" resume run$n --quiet 2>/dev/null &
      pid=$!
    fi
  done
  "$ES" resume run$n --quiet 2>/dev/null
  check "kill -9 at ${delays}s, resume: exits 0" [ $? -eq 0 ]
  cut -d, -f1,2,3,5,6,7,8 run$n/trials.csv > run$n.txt
  check "kill -9 at ${delays}s, resume: the same trials and results as uninterrupted" cmp -s ref.txt run$n.txt
  dup=$(grep '"event":"end"' run$n/journal.jsonl | sed 's/.*"trial":\([0-9]*\).*/\1/' | sort | uniq -d | wc -l)
  check "kill -9 at ${delays}s, resume: no trial ended twice" [ "$dup" -eq 0 ]
  check "kill -9 at ${delays}s, resume: the front matches (independent check)" $PY "$HERE/check_front.py" run$n
done

# Deterministic crash points: the journal of the uninterrupted run cut
# after chosen events (as a kill -9 right there would leave it), including
# right after a rung decision "stop" whose trial had not ended yet, and
# in the middle of a line (a torn last line); resume must end exactly
# like the uninterrupted run.
stopline=$(grep -n '"decision":"stop"' ref/journal.jsonl | sed -n 3p | cut -d: -f1)
total=$(wc -l < ref/journal.jsonl)
for cut in 2 5 $stopline $((total / 3)) $((total / 2)) $((total - 3)) torn; do
  rm -rf cut
  mkdir cut
  cp -r ref/trials cut/
  if [ "$cut" = torn ]; then
    head -n $((total / 2)) ref/journal.jsonl > cut/journal.jsonl
    sed -n "$((total / 2 + 1))p" ref/journal.jsonl | head -c 40 >> cut/journal.jsonl
  else
    head -n "$cut" ref/journal.jsonl > cut/journal.jsonl
  fi
  "$ES" resume cut --quiet 2>/dev/null
  check "journal cut at line $cut, resume: exits 0" [ $? -eq 0 ]
  cut -d, -f1,2,3,5,6,7,8 cut/trials.csv > cut.txt
  check "journal cut at line $cut, resume: the same trials and results" cmp -s ref.txt cut.txt
  check "journal cut at line $cut, resume: the journal replays cleanly" "$ES" front cut
done

# The strategy state comes back too: sha's rungs with a trial held at one
# when the run died (it must wait there again), and nsga2's population
# and random stream (it must propose what it would have). Each spec's
# uninterrupted run against resumes of its journal cut at chosen lines.
sed 's/"asha"/"sha"/; s/"trials": 20/"trials": 9/' det.json > sha.json
sed 's/"halving": "asha"/"sampler": "nsga2", "halving": "asha"/; s/"trials": 20/"trials": 24/' det.json > nsga2.json
for spec in sha nsga2; do
  "$ES" run $spec.json -o ref-$spec --quiet
  check "$spec: uninterrupted run exits 0" [ $? -eq 0 ]
  cut -d, -f1,2,3,5,6,7,8 ref-$spec/trials.csv > ref-$spec.txt
  total=$(wc -l < ref-$spec/journal.jsonl)
  if [ $spec = sha ]; then # right after the 2nd and the 5th hold, the rung still open
    points="$(grep -n '"decision":"hold"' ref-$spec/journal.jsonl | sed -n '2p;5p' | cut -d: -f1)"
  else
    points="$((total / 3)) $((total / 2)) $((total * 3 / 4))"
  fi
  for cut in $points; do
    rm -rf cut
    mkdir cut
    cp -r ref-$spec/trials cut/
    head -n "$cut" ref-$spec/journal.jsonl > cut/journal.jsonl
    "$ES" resume cut --quiet 2>/dev/null
    check "$spec: journal cut at line $cut, resume: exits 0" [ $? -eq 0 ]
    cut -d, -f1,2,3,5,6,7,8 cut/trials.csv > cut.txt
    check "$spec: journal cut at line $cut, resume: the same trials and results" cmp -s ref-$spec.txt cut.txt
    [ $spec = sha ] && check "sha: cut at line $cut: the relaunched held trial was held at its rung again" \
      grep -q '"again":true' cut/journal.jsonl
  done
done

# budget.wall_s counts the time the killed run already spent
cat > wall.json <<'J'
{"command": ["sleep", "0.3"], "parameters": {"x": {"type": "int", "low": 1, "high": 1000}},
 "objectives": [{"metric": "x", "goal": "max"}], "budget": {"wall_s": 3, "trials": 1000}, "workers": {"count": 1}}
J
"$ES" run wall.json -o wall --quiet 2>/dev/null &
pid=$!
sleep 2.2
kill -9 $pid
wait $pid 2>/dev/null
t0=$(date +%s.%N)
"$ES" resume wall --quiet 2>/dev/null
t1=$(date +%s.%N)
check "wall_s budget: the resumed run stops after the rest of it ($(awk "BEGIN{printf \"%.2f\", $t1 - $t0}") s of 3)" \
  awk "BEGIN { exit !($t1 - $t0 < 1.6) }"
check "wall_s budget: the resumed run says it was spent" grep -q '"why":"budget.wall_s = 3 s reached"' wall/journal.jsonl

# trials still running when ecosweep died are ended by resume, not left over
cat > stubborn.sh <<'T'
#!/bin/sh
echo '{"step": 1, "metrics": {"score": 1}}' >&3
read -r reply <&3
exec sleep 60
T
chmod +x stubborn.sh
cat > stub.json <<'J'
{"command": ["./stubborn.sh"], "parameters": {"x": {"type": "int", "low": 1, "high": 2}},
 "objectives": [{"metric": "score", "goal": "max"}], "strategy": {"sampler": "grid"},
 "workers": {"count": 2, "timeout_s": 1, "grace_s": 0.2}}
J
"$ES" run stub.json -o stub --quiet 2>/dev/null &
pid=$!
sleep 0.5
kill -9 $pid
wait $pid 2>/dev/null
sleep 0.2
check "leftover trial processes exist after kill -9" pgrep -f "^sleep 60$"
"$ES" resume stub --quiet 2>/dev/null
sleep 0.3
check "resume ends the leftovers of the killed run" sh -c "[ \$(pgrep -c -f '^sleep 60\$') -eq 0 ]"
check "resumed trials start again as attempt 2" grep -q '"event":"start","trial":0,"attempt":2' stub/journal.jsonl
"$ES" resume stub --quiet >resumed.txt 2>&1
check "resuming a finished sweep says so and exits 0" grep -q 'nothing to resume' resumed.txt
finish
