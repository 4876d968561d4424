#!/bin/sh
# The scikit-learn and PyTorch examples (examples/sklearn, examples/torch)
# run under the real scheduler with a tiny budget and give a real front.
# Each runs only when Debian's python3-sklearn / python3-torch imports: CI
# does not install them (too large), and a skipped example prints a "# "
# line, never a PASS.
. "$(dirname "$0")/common.inc"
cd "$ROOT" || exit 1

# run_example NAME MODULE PACKAGE METRIC...: the spec with budget.trials 4
# and resource.max 3 (rungs 1 and 3), run, then its outputs checked.
# (check sets $name: these use $ex, $mod, $pkg.)
run_example() {
  ex=$1 mod=$2 pkg=$3
  shift 3
  if ! $PY -c "import $mod" >/dev/null 2>&1; then
    echo "# examples/$ex skipped: $PY cannot import $mod ($pkg not installed)"
    return 0
  fi
  $PY - "examples/$ex/$ex.json" "$TMP/$ex.json" "$PY" <<'PYEOF'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["command"][0] = sys.argv[3]   # the interpreter that imported the module
spec["budget"] = {"trials": 4}
spec["resource"]["max"] = 3
json.dump(spec, open(sys.argv[2], "w"))
PYEOF
  start=$(date +%s)
  "$ES" run "$TMP/$ex.json" -o "$TMP/$ex" --quiet 2>"$TMP/$ex.err"
  st=$?
  echo "# examples/$ex: 4 trials in $(($(date +%s) - start)) s"
  check "examples/$ex runs (exit 0)" [ $st -eq 0 ]
  check "examples/$ex front (independent check)" $PY "$HERE/check_front.py" "$TMP/$ex"
  check "examples/$ex: no trial failed" $PY -c "
import json, sys
s = json.load(open('$TMP/$ex/summary.json'))['trials']
sys.exit(0 if s['total'] == 4 and s['failed'] == 0 and s['timeout'] == 0 else 1)"
  check "examples/$ex: every trial reports $*" $PY - "$TMP/$ex" "$@" <<'PYEOF'
import csv, json, math, sys
out, metrics = sys.argv[1], sys.argv[2:]
rows = list(csv.DictReader(open(out + "/trials.csv")))
front = json.load(open(out + "/front.json"))["trials"]
ok = len(rows) == 4 and len(front) >= 1
for r in rows:
    ok = ok and all(m in r and math.isfinite(float(r[m])) for m in metrics)
for t in front:
    ok = ok and all(m in t["metrics"] for m in metrics)
sys.exit(0 if ok and max(float(r["accuracy"]) for r in rows) > 0.5 else 1)
PYEOF
}

run_example sklearn sklearn python3-sklearn accuracy loss n_train
run_example torch torch python3-torch accuracy infer_ms_per_1k loss
finish
