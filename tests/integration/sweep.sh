#!/bin/sh
# End-to-end runs of the binary on small specs: outputs, the independent
# front check, literal parameter values, every trial fault of DESIGN §4,
# exit statuses, and output-directory safety.
. "$(dirname "$0")/common.inc"
cd "$TMP" || exit 1
cp "$HERE/trials/modes.sh" modes.sh

# --- a plain sweep: outputs and the independent front check -----------------
cat > toy.sh <<'T'
#!/bin/sh
# toy trial: score grows with x and with steps; argv[2] is written as-is.
printf '%s\n' "$2" > "$ECOSWEEP_TRIAL_DIR/arg.txt"
echo "toy x=$1" >&2
s=1
while [ $s -le "$ECOSWEEP_MAX_RESOURCE" ]; do
  printf '{"step": %d, "metrics": {"score": %s}}\n' $s "$(awk "BEGIN{print $1 * $s}")" >&3
  read -r reply <&3 || exit 0
  [ "$reply" = stop ] && exit 0
  s=$((s + 1))
done
T
chmod +x toy.sh
cat > toy.json <<'J'
{"command": ["./toy.sh", "{x}", "{c}"],
 "parameters": {"x": {"type": "float", "low": 0.1, "high": 1, "log": true},
                "n": {"type": "int", "low": 1, "high": 4},
                "c": {"type": "categorical", "values": ["$(touch pwned)", "a b", "`id`"]}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "resource": {"max": 3}, "budget": {"trials": 12}, "workers": {"count": 2}, "seed": 7}
J
"$ES" run toy.json -o out --quiet >run.log 2>&1
check "run exits 0" [ $? -eq 0 ]
for f in journal.jsonl trials.csv front.json front.csv summary.json; do
  check "run writes $f" test -s "out/$f"
done
check "front.json is exactly the non-dominated set (independent check)" $PY "$HERE/check_front.py" out
check "12 trials ran" [ "$(grep -c '"event":"end"' out/journal.jsonl)" -eq 12 ]
check "every trial completed" [ "$(grep -c ',completed,exit:0,' out/trials.csv)" -eq 12 ]
check "journal start carries pid, pgid, attempt, params" grep -q '"event":"start","trial":0,"attempt":1,"pid":[0-9]*,"pgid":[0-9]*,"params":{' out/journal.jsonl
check "stderr is captured to trials/<id>/stderr.log" grep -q '^toy x=' out/trials/0/stderr.log
check "a log is created only when the trial writes to it" test ! -e out/trials/0/stdout.log
check "no shell ran a parameter value" test ! -e pwned
cat > lit.json <<'J'
{"command": ["./toy.sh", "0.5", "{c}"],
 "parameters": {"c": {"type": "categorical", "values": ["$(touch pwned)", "a b", "`id`", "x;rm -rf y"]}},
 "objectives": [{"metric": "score", "goal": "max"}], "resource": {"max": 1}, "strategy": {"sampler": "grid"}}
J
"$ES" run lit.json -o lit --quiet
lit=$(cat lit/trials/*/arg.txt | sort | tr '\n' '|')
check "categorical values reach the trial literally" [ "$lit" = '$(touch pwned)|`id`|a b|x;rm -rf y|' ]
check "energy is labelled an estimate" grep -q '"estimate":	true' out/summary.json
check "front table prints" sh -c "'$ES' front out | grep -q 'on the front'"
check "front --format json parses" sh -c "'$ES' front out --format json | $PY -c 'import json,sys; json.load(sys.stdin)'"
check "front --max-energy 0 leaves none" sh -c "'$ES' front out --max-energy 0 --format csv | wc -l | grep -qx 1"
check "same seed, same parameters" sh -c "'$ES' run toy.json -o out2 --quiet && cut -d, -f6,7 out/trials.csv | sort > a && cut -d, -f6,7 out2/trials.csv | sort > b && cmp a b"

# --- the output directory of a sweep is not overwritten -----------------------
"$ES" run toy.json -o out --quiet 2>err.txt
check "rerun into the same dir exits 2" [ $? -eq 2 ]
check "rerun says resume or --force" grep -q 'resume' err.txt
sed 's/"seed": 7/"seed": 8/' toy.json > other.json
"$ES" run other.json -o out --quiet 2>err.txt
check "another spec into the dir exits 2" [ $? -eq 2 ]
check "another spec names a different sweep" grep -q 'different sweep' err.txt
check "--force replaces it" "$ES" run other.json -o out --quiet --force

# --- bad specs: exit 2, nothing created ---------------------------------------
sed 's/"seed"/"sede"/' toy.json > typo.json
"$ES" validate typo.json 2>err.txt
check "validate: typo'd key exits 2" [ $? -eq 2 ]
check "validate: typo'd key is named" grep -q 'sede' err.txt
sed 's/"low": 0.1, "high": 1/"low": 2, "high": 1/' toy.json > bounds.json
"$ES" validate bounds.json 2>err.txt
check "validate: low > high exits 2" [ $? -eq 2 ]
check "validate: low > high names the JSON path" grep -q 'parameters.x.low' err.txt
"$ES" run bounds.json -o badout --quiet 2>/dev/null
check "run with a bad spec exits 2" [ $? -eq 2 ]
check "run with a bad spec creates nothing" test ! -e badout
check "validate accepts a good spec" "$ES" validate toy.json
for c in run resume front report measure meters validate exec; do
  check "$c --help: its usage, exit 0" sh -c "'$ES' $c --help | head -1 | grep -q '^usage: ecosweep $c'"
  "$ES" help $c > help1.txt; "$ES" $c --help > help2.txt
  check "help $c: the same text" cmp -s help1.txt help2.txt
  check "--help lists $c" sh -c "'$ES' --help | grep -q '^  $c' || [ $c = exec ]"
done
check "the man page documents every command" sh -c "for c in run resume front report measure meters validate; do grep -q \"^.B ecosweep \$c\" '$ROOT/docs/ecosweep.1' || exit 1; done"

# --- every fault is classified, and the sweep goes on --------------------------
cat > faults.json <<'J'
{"command": ["./modes.sh", "{mode}"],
 "parameters": {"mode": {"type": "categorical",
   "values": ["ok", "crash", "exit3", "hang", "stubborn", "garbage", "nan", "inf", "backwards",
              "noreport", "nometric", "huge", "stdout", "early", "orphan"]}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "strategy": {"sampler": "grid"},
 "workers": {"count": 4, "timeout_s": 1, "grace_s": 0.5}}
J
"$ES" run faults.json -o faults --quiet 2>faults.log
check "a sweep with faulty trials still exits 0" [ $? -eq 0 ]
expect() { # mode status reason
  row=$(awk -F, -v m="$1" '$6 == m' faults/trials.csv)
  case "$row" in
  *",$2,$3,"*) pass "trial '$1' ends $2 ($3)" ;;
  *) fail "trial '$1' ends $2 ($3)" "got: $row" ;;
  esac
}
expect ok completed exit:0
expect crash failed signal:SIGSEGV
expect exit3 failed exit:3
expect hang timeout timeout
expect stubborn timeout timeout
expect garbage failed protocol:not-json
expect nan failed protocol:not-json
expect inf failed protocol:bad-metric:score
expect backwards failed protocol:step-backwards
expect noreport failed protocol:no-report
expect nometric failed protocol:missing-metric:score
expect huge failed protocol:line-too-long
expect stdout completed exit:0
expect early completed exit:0
expect orphan completed exit:0
check "stdout is captured to trials/<id>/stdout.log" grep -q 'ordinary output' faults/trials/12/stdout.log
check "faults: front check" $PY "$HERE/check_front.py" faults
sleep 0.3
check "no trial process outlives the sweep (setsid orphans included)" \
  sh -c "! pgrep -f '[m]odes.sh (hang|stubborn)' && ! pgrep -x 'sleep 60' && ! pgrep -f '^sleep 6[12]\$'"

# --- workers.retries: a failed attempt runs again with the same id ---------------
cat > retry.json <<'J'
{"command": ["./modes.sh", "{mode}"], "parameters": {"mode": {"type": "categorical", "values": ["flaky", "exit3"]}},
 "objectives": [{"metric": "score", "goal": "max"}], "strategy": {"sampler": "grid"},
 "workers": {"count": 1, "retries": 2}}
J
"$ES" run retry.json -o retry --quiet 2>/dev/null
check "retries: the sweep exits 0" [ $? -eq 0 ]
check "retries: a flaky trial completes on its second attempt" grep -q '^0,completed,exit:0,' retry/trials.csv
check "retries: its failed attempt is journaled with retry" grep -q '"event":"end","trial":0,"attempt":1,"status":"failed".*"retry":true' retry/journal.jsonl
check "retries: same id, attempt 2" grep -q '"event":"start","trial":0,"attempt":2' retry/journal.jsonl
check "retries: a trial that always fails runs 1 + retries times" [ "$(grep -c '"event":"start","trial":1,' retry/journal.jsonl)" -eq 3 ]
check "retries: then it is failed for good" grep -q '^1,failed,exit:3,' retry/trials.csv
check "retries: its joules add up over its attempts" $PY -c '
import json, sys
ends = [e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "end" and e.get("trial") == 1]
assert len(ends) == 3 and ends[2]["energy_j"] >= ends[0]["energy_j"] > 0, ends' retry/journal.jsonl
sed 's/"retries": 2/"retries": 0/' retry.json > noretry.json
"$ES" run noretry.json -o noretry --quiet 2>/dev/null
check "retries 0: a flaky trial fails" grep -q '^0,failed,exit:1,' noretry/trials.csv

# --- all trials fail: exit 1 --------------------------------------------------
cat > allfail.json <<'J'
{"command": ["./modes.sh", "exit3"], "parameters": {"x": {"type": "int", "low": 1, "high": 3}},
 "objectives": [{"metric": "score", "goal": "max"}], "strategy": {"sampler": "grid"}}
J
"$ES" run allfail.json -o allfail --quiet 2>err.txt
check "every trial failed: exit 1" [ $? -eq 1 ]
check "every trial failed: says so" grep -q 'no trial reached the front' err.txt
cat > maxfail.json <<'J'
{"command": ["./modes.sh", "exit3"], "parameters": {"x": {"type": "int", "low": 1, "high": 50}},
 "objectives": [{"metric": "score", "goal": "max"}], "workers": {"count": 1, "max_failures": 3}}
J
"$ES" run maxfail.json -o maxfail --quiet 2>err.txt
check "workers.max_failures: exit 1" [ $? -eq 1 ]
check "workers.max_failures: stops after 3" [ "$(grep -c '"event":"end"' maxfail/journal.jsonl)" -eq 3 ]
check "workers.max_failures: clear message" grep -q 'max_failures' err.txt
cat > nocmd.json <<'J'
{"command": ["./no-such-trial"], "parameters": {"x": {"type": "int", "low": 1, "high": 2}},
 "objectives": [{"metric": "score", "goal": "max"}], "strategy": {"sampler": "grid"}}
J
"$ES" run nocmd.json -o nocmd --quiet 2>err.txt
check "a command that cannot start: exit 1" [ $? -eq 1 ]
check "a command that cannot start: failed exit:127" grep -q ',failed,exit:127,' nocmd/trials.csv

# --- SIGINT: outputs written, exit 130, running trials killed -------------------
cat > slow.json <<'J'
{"command": ["./modes.sh", "hang"], "parameters": {"x": {"type": "int", "low": 1, "high": 100}},
 "objectives": [{"metric": "score", "goal": "max"}], "workers": {"count": 2, "grace_s": 0.5}}
J
"$ES" run slow.json -o slow --quiet 2>/dev/null &
pid=$!
sleep 0.7
kill -INT $pid
wait $pid
check "SIGINT: exit 130" [ $? -eq 130 ]
check "SIGINT: outputs written" test -s slow/summary.json
check "SIGINT: running trials end killed/shutdown" grep -q ',killed,shutdown,' slow/trials.csv
sleep 0.3
check "SIGINT: no trial left running" sh -c "! pgrep -x 'sleep 60'"

# --- constraints: feasible trials beat infeasible ones -------------------------
sed 's/"seed": 7/"seed": 7, "constraints": [{"metric": "score", "min": 1.5}]/' toy.json > cons.json
"$ES" run cons.json -o cons --quiet
check "constraints: run exits 0" [ $? -eq 0 ]
check "constraints: front (independent check)" $PY "$HERE/check_front.py" cons
check "constraints: every front trial is feasible" $PY -c "import json,sys; f=json.load(open('cons/front.json')); sys.exit(0 if f['feasible'] and all(t['metrics']['score'] >= 1.5 for t in f['trials']) else 1)"
sed 's/"seed": 7/"seed": 7, "constraints": [{"metric": "score", "min": 100}]/' toy.json > cons2.json
"$ES" run cons2.json -o cons2 --quiet
check "constraints: none feasible, front of least violation (independent check)" $PY "$HERE/check_front.py" cons2
check "constraints: none feasible is said" sh -c "'$ES' front cons2 | grep -q 'no trial meets the constraints'"

# --- budgets and alerts (reported meter: the trial says 10 J per step) ----------
cat > budget.json <<'J'
{"command": ["./modes.sh", "energy"], "parameters": {"x": {"type": "int", "low": 1, "high": 100}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "meters": ["reported"], "workers": {"count": 1},
 "budget": {"energy_j": 100, "trial_energy_j": 35},
 "alerts": [{"at": 0.5, "command": ["sh", "-c", "echo $ECOSWEEP_ALERT_BUDGET $ECOSWEEP_ALERT_FRACTION $ECOSWEEP_ALERT_SPENT >> alerts.txt"]}]}
J
"$ES" run budget.json -o budget --quiet 2>budget.err
check "budgets: run exits 0" [ $? -eq 0 ]
check "budget.trial_energy_j stops a trial at its first report past 35 J" grep -q '^0,stopped,budget:trial_energy_j,.*,40,' budget/trials.csv
check "budget.energy_j: running trial told stop when 100 J are spent" grep -q '^2,stopped,budget:energy_j,.*,20,' budget/trials.csv
check "budget.energy_j: nothing launched after it is spent" [ "$(grep -c '"event":"start"' budget/journal.jsonl)" -eq 3 ]
check "reported meter: trials.csv names it" grep -q ',reported$' budget/trials.csv
check "reported meter: not an estimate" grep -q '"estimate":	false' budget/summary.json
check "alert: one line on stderr" grep -q 'ALERT: .*budget.energy_j' budget.err
check "alert: a journal event" grep -q '"event":"alert","budget":"energy_j","at":0.5' budget/journal.jsonl
sleep 0.2
check "alert: its command ran once with the budget in its environment" [ "$(cat alerts.txt)" = "energy_j 0.5 50" ]
cat > wall.json <<'J'
{"command": ["./modes.sh", "hang"], "parameters": {"x": {"type": "int", "low": 1, "high": 100}},
 "objectives": [{"metric": "score", "goal": "max"}], "workers": {"count": 2, "grace_s": 0.3},
 "budget": {"wall_s": 0.5}}
J
"$ES" run wall.json -o wall --quiet 2>/dev/null
check "budget.wall_s: the sweep ends" [ -s wall/summary.json ]
check "budget.wall_s: running trials end stopped budget:wall_s" [ "$(grep -c ',stopped,budget:wall_s,' wall/trials.csv)" -eq 2 ]

# --- numbers read back as the same double (regression: cJSON's printer
# --- wrote 0.1 + 0.2 as 0.3) ------------------------------------------------
cat > precise.json <<'J'
{"command": ["./modes.sh", "precise"], "parameters": {"x": {"type": "int", "low": 1, "high": 1}},
 "objectives": [{"metric": "score", "goal": "max"}], "strategy": {"sampler": "grid"}}
J
"$ES" run precise.json -o precise --quiet
check "journal keeps 0.1 + 0.2 exactly" grep -q '"score":0.30000000000000004' precise/journal.jsonl
check "front.json reads back as the same double" $PY -c "import json,sys; t=json.load(open('precise/front.json'))['trials'][0]; sys.exit(0 if t['metrics']['score'] == 0.1 + 0.2 else 1)"
check "trials.csv reads back as the same double" $PY -c "import csv,sys; r=list(csv.DictReader(open('precise/trials.csv')))[0]; sys.exit(0 if float(r['score']) == 0.1 + 0.2 else 1)"

# --- three objectives: exact hypervolume (independent check) --------------------
cat > three.sh <<'T'
#!/bin/sh
printf '{"step": 1, "metrics": {"score": %s, "size": %s}}\n' "$1" "$2" >&3
read -r reply <&3
T
chmod +x three.sh
cat > three.json <<'J'
{"command": ["./three.sh", "{x}", "{y}"],
 "parameters": {"x": {"type": "float", "low": 0, "high": 1}, "y": {"type": "int", "low": 1, "high": 9}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "size", "goal": "min"},
                {"metric": "energy_j", "goal": "min"}],
 "budget": {"trials": 16}, "workers": {"count": 2}, "seed": 3}
J
"$ES" run three.json -o three --quiet
check "three objectives: run exits 0" [ $? -eq 0 ]
check "three objectives: front and exact hypervolume (independent check)" $PY "$HERE/check_front.py" three
check "three objectives: hypervolume is a number" $PY -c "import json,sys; sys.exit(0 if json.load(open('three/front.json'))['hypervolume'] > 0 else 1)"

# --- early stopping: asha / sha / hyperband, energy as the fidelity -------------
cat > curve.sh <<'T'
#!/bin/sh
# score rises with x and with steps; the trial reports its own joules (10 a step)
s=1
while [ $s -le "$ECOSWEEP_MAX_RESOURCE" ]; do
  printf '{"step": %d, "metrics": {"score": %s, "energy_j": %d}}\n' $s "$(awk "BEGIN{print $1 * (1 - 1/($s + 1))}")" $((s * 10)) >&3
  read -r reply <&3 || exit 0
  [ "$reply" = stop ] && exit 0
  s=$((s + 1))
done
T
chmod +x curve.sh
for sel in pareto scalar; do
  cat > asha-$sel.json <<J
{"command": ["./curve.sh", "{x}"], "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "meters": ["reported"], "resource": {"min": 1, "max": 9, "eta": 3},
 "strategy": {"halving": "asha", "selection": "$sel"}, "budget": {"trials": 18}, "workers": {"count": 2}, "seed": 5}
J
  "$ES" run asha-$sel.json -o asha-$sel --quiet
  check "asha+$sel: run exits 0" [ $? -eq 0 ]
  check "asha+$sel: every decision follows the promotion rule (independent check)" $PY "$HERE/check_rungs.py" asha-$sel 3 $sel
  check "asha+$sel: most trials stop at rung 1" [ "$(grep -c ',stopped,rung:1,' asha-$sel/trials.csv)" -ge 9 ]
  check "asha+$sel: front (independent check)" $PY "$HERE/check_front.py" asha-$sel
done
sed -e 's/"asha"/"sha"/' -e 's/"count": 2/"count": 1/' asha-pareto.json > sha.json
"$ES" run sha.json -o sha --quiet
check "sha: run exits 0" [ $? -eq 0 ]
# released trials get a "decision" event; the one whose report completed the rung, its reply
kept=$(( $(grep -c '"event":"decision","trial":[0-9]*,"rung":1,"decision":"continue"' sha/journal.jsonl) + $(grep '"event":"report"' sha/journal.jsonl | grep -c '"rung":1,"decision":"continue"') ))
check "sha: rung 1 keeps ceil(18/3) = 6 trials" [ "$kept" -eq 6 ]
check "sha: held trials do not use a worker slot (all 18 started with 1 worker)" [ "$(grep -c '"event":"start"' sha/journal.jsonl)" -eq 18 ]
check "sha: 12 trials stopped at rung 1" [ "$(grep -c ',stopped,rung:1,' sha/trials.csv)" -eq 12 ]
sed -e 's/"asha"/"hyperband"/' -e 's/"eta": 3}/"eta": 3, "brackets": 3}/' asha-pareto.json > hb.json
"$ES" run hb.json -o hb --quiet
check "hyperband: run exits 0" [ $? -eq 0 ]
check "hyperband: trials are spread over 3 brackets" [ "$(grep -o '"bracket":[0-9]' hb/journal.jsonl | sort -u | wc -l)" -eq 3 ]
check "hyperband: decisions follow the rule within each rung" $PY "$HERE/check_rungs.py" hb 3 pareto
sed -e 's/"resource": {"min": 1, "max": 9, "eta": 3}/"resource": {"metric": "energy_j", "min": 10, "max": 90, "eta": 3, "max_step": 9}/' asha-pareto.json > efid.json
"$ES" run efid.json -o efid --quiet
check "energy fidelity: run exits 0" [ $? -eq 0 ]
check "energy fidelity: rungs sit at joules (10, 30)" sh -c "grep -q '\"rung\":10,' efid/journal.jsonl && grep -q '\"rung\":30,' efid/journal.jsonl"
check "energy fidelity: trials are told max_step" grep -q ',completed,exit:0,.*,9,' efid/trials.csv

# --- nsga2 proposals, alone and with asha ---------------------------------------
sed -e 's/"halving": "asha"/"sampler": "nsga2", "halving": "asha"/' -e 's/"trials": 18/"trials": 30/' asha-pareto.json > nsga2.json
"$ES" run nsga2.json -o nsga2 --quiet
check "nsga2+asha: run exits 0" [ $? -eq 0 ]
check "nsga2+asha: decisions follow the rule (independent check)" $PY "$HERE/check_rungs.py" nsga2 3 pareto
check "nsga2+asha: front (independent check)" $PY "$HERE/check_front.py" nsga2
check "nsga2+asha: every proposal is within bounds" $PY -c "import csv,sys; sys.exit(0 if all(0 <= float(r['x']) <= 1 for r in csv.DictReader(open('nsga2/trials.csv'))) else 1)"

# --- meters: what can be used here, and why not ------------------------------------
ECOSWEEP_POWERCAP_ROOT=$TMP/no-such-dir "$ES" meters > meters.txt
check "meters: says why there is no RAPL" grep -q '^rapl .*unavailable.*no RAPL powercap interface' meters.txt
check "meters: the estimate is labelled an estimate" grep -q '^estimate .*available.*\[estimate\]' meters.txt
mkdir -p pc/intel-rapl:0
echo package-0 > pc/intel-rapl:0/name; echo 5 > pc/intel-rapl:0/energy_uj; echo 1000000 > pc/intel-rapl:0/max_energy_range_uj
ECOSWEEP_POWERCAP_ROOT=$TMP/pc "$ES" meters > meters2.txt
check "meters: a fixture package is seen through ECOSWEEP_POWERCAP_ROOT" grep -q '^rapl .*available  *package-0 .*1 domain readable' meters2.txt
check "meters: auto picks rapl when it is there" grep -q '"auto" uses rapl$' meters2.txt
check "meters --json is a list with why" sh -c "'$ES' meters --json | $PY -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(\"why\" in m and \"available\" in m for m in d) else 1)'"

# --- a flooding trial is capped; a trial that ignores "stop" is ended -------------
cat > flood.json <<'J'
{"command": ["./modes.sh", "flood"], "parameters": {"x": {"type": "int", "low": 1, "high": 1}},
 "objectives": [{"metric": "score", "goal": "max"}], "strategy": {"sampler": "grid"}, "workers": {"log_cap_bytes": 1000}}
J
"$ES" run flood.json -o flood --quiet
check "flood: trial completes" grep -q ',completed,exit:0,' flood/trials.csv
check "flood: stdout.log is capped near log_cap_bytes" [ "$(wc -c < flood/trials/0/stdout.log)" -lt 1200 ]
check "flood: the log says it was truncated" grep -q 'log truncated' flood/trials/0/stdout.log
cat > deaf.json <<'J'
{"command": ["./modes.sh", "deaf"], "parameters": {"x": {"type": "int", "low": 1, "high": 1}},
 "objectives": [{"metric": "score", "goal": "max"}], "meters": ["reported"], "strategy": {"sampler": "grid"},
 "budget": {"trial_energy_j": 15}, "workers": {"grace_s": 0.3}}
J
"$ES" run deaf.json -o deaf --quiet
check "deaf: ended as stopped by its budget" grep -q ',stopped,budget:trial_energy_j,' deaf/trials.csv
check "deaf: every report after stop got stop again" [ "$(grep -c 'reply=stop' deaf/trials/0/stderr.log)" -eq 4 ]
check "deaf: killed within the grace periods, not after its 30 s sleep" $PY -c "import csv,sys; r=list(csv.DictReader(open('deaf/trials.csv')))[0]; sys.exit(0 if float(r['wall_s']) < 5 else 1)"

# --- valgrind: no leak on a whole run; its missing pidfd_open exercises the
# --- fallback that reaps children with a timer ----------------------------------
if command -v valgrind >/dev/null 2>&1 && ! [ -n "${ECOSWEEP_SANITIZED:-}" ]; then
  valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 -q \
    "$ES" run toy.json -o vg --quiet > vg.log 2>&1
  check "valgrind: a whole sweep runs clean, no leak" [ $? -eq 0 ]
  check "valgrind: every trial reaped without pidfds" [ "$(grep -c ',completed,exit:0,' vg/trials.csv)" -eq 12 ]
fi

# --- setsid orphans: re-parented to ecosweep (subreaper) and ended -----------------
cat > orphan.json <<'J'
{"command": ["./modes.sh", "orphan"], "parameters": {"x": {"type": "int", "low": 1, "high": 3}},
 "objectives": [{"metric": "score", "goal": "max"}], "strategy": {"sampler": "grid"}, "workers": {"count": 2}}
J
"$ES" run orphan.json -o orphan --quiet
check "orphans: the trials complete" [ "$(grep -c ',completed,exit:0,' orphan/trials.csv)" -eq 3 ]
sleep 0.3
check "orphans: no setsid'd process of a trial outlives the sweep" sh -c "! pgrep -f '^sleep 6[12]\$'"
check "orphans: ecosweep adopts them (subreaper), not init" sh -c "[ -s orphan/trials/0/adopter ] && [ \$(tr -d ' ' < orphan/trials/0/adopter) -ne 1 ]"

finish
