#!/bin/sh
# The shipped examples run under the real scheduler and produce fronts that
# pass the independent check: the shell trial on fd 3, the Python client,
# and a short digits sweep (the demo's trial, fewer trials and epochs).
. "$(dirname "$0")/common.inc"
cd "$ROOT" || exit 1
BIN=${ECOSWEEP_BUILD_DIR:-$ROOT/build}
for ex in shell python; do
  "$ES" run "examples/$ex/$ex.json" -o "$TMP/$ex" --quiet 2>"$TMP/$ex.err"
  check "examples/$ex runs (exit 0)" [ $? -eq 0 ]
  check "examples/$ex front (independent check)" $PY "$HERE/check_front.py" "$TMP/$ex"
done
check "python trials found the client on PYTHONPATH" sh -c "! grep -l 'No module named' '$TMP'/python/trials/*/stderr.log"
sed -e "s|build/examples/digits_trial|$BIN/examples/digits_trial|" -e 's/"trials": 24/"trials": 4/' \
    -e 's/"max": 27/"max": 3/' examples/digits/digits.json > "$TMP/digits.json"
"$ES" run "$TMP/digits.json" -o "$TMP/digits" --quiet 2>"$TMP/digits.err"
check "examples/digits runs (exit 0)" [ $? -eq 0 ]
check "examples/digits front (independent check)" $PY "$HERE/check_front.py" "$TMP/digits"
check "digits trials report accuracy every epoch" [ "$(grep -c '"event":"report"' "$TMP/digits/journal.jsonl")" -eq 12 ]
acc=$($PY -c "import json; print(max(t['metrics']['accuracy'] for t in json.load(open('$TMP/digits/front.json'))['trials']))")
check "digits reaches a real accuracy (> 0.8 in 3 epochs)" $PY -c "import sys; sys.exit(0 if $acc > 0.8 else 1)"
# asha + pareto on the real digits trial: most trials stop at low rungs,
# and the front spans cheap and accurate models.
sed -e "s|build/examples/digits_trial|$BIN/examples/digits_trial|" -e 's/"trials": 60/"trials": 30/' \
    examples/digits/digits_asha.json > "$TMP/digits_asha.json"
"$ES" run "$TMP/digits_asha.json" -o "$TMP/digits_asha" --quiet 2>"$TMP/digits_asha.err"
check "examples/digits asha: runs (exit 0)" [ $? -eq 0 ]
check "examples/digits asha: most trials stop at rung 1" $PY -c "import csv,sys; r=list(csv.DictReader(open('$TMP/digits_asha/trials.csv'))); sys.exit(0 if sum(x['reason'] == 'rung:1' for x in r) > len(r) / 2 else 1)"
check "examples/digits asha: decisions follow the rule (independent check)" $PY "$HERE/check_rungs.py" "$TMP/digits_asha" 3 pareto
check "examples/digits asha: the front spans cheap and accurate models" $PY -c "
import json, sys
t = json.load(open('$TMP/digits_asha/front.json'))['trials']
e = sorted(x['energy_j'] for x in t)
a = max(x['metrics']['accuracy'] for x in t)
sys.exit(0 if len(t) >= 3 and e[-1] > 4 * e[0] and a > 0.9 else 1)"
# The spec shown in README.md validates and runs (a few trials, 2 epochs).
$PY - "$ROOT/README.md" "$TMP/readme.json" "$BIN" <<'PYEOF'
import json, re, sys
text = open(sys.argv[1]).read()
spec = json.loads(re.search(r"## The spec file\n\n```json\n(.*?)```", text, re.S).group(1))
spec["command"][0] = spec["command"][0].replace("build", sys.argv[3], 1)
spec["budget"] = {"trials": 3}
spec["resource"]["max"] = 2
json.dump(spec, open(sys.argv[2], "w"))
PYEOF
check "README's spec validates" "$ES" validate "$TMP/readme.json"
"$ES" run "$TMP/readme.json" -o "$TMP/readme" --quiet 2>/dev/null
check "README's spec runs (exit 0)" [ $? -eq 0 ]
finish
