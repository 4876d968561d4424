#!/bin/sh
# Energy (DESIGN §5) end to end, against a stand-in RAPL tree whose
# counters advance in real time (fake_rapl.py): `measure --meter rapl` on a
# 40 W package that wraps every 1.5 s (the core subzone and the mmio copy
# not added); two concurrent trials at 100 % and 50 % duty share the
# package by CPU time, and trials + overhead = total; on this VM `meters`
# says why each hardware meter is missing and every figure is labelled an
# estimate.
. "$(dirname "$0")/common.inc"

start_rapl() { # $1: dir, $2: watts, $3: range_uj
  "$PY" "$HERE/fake_rapl.py" "$1" "$2" "$3" &
  RAPL_PID=$!
  i=0
  while [ ! -f "$1/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
stop_rapl() { kill "$RAPL_PID" 2>/dev/null; wait "$RAPL_PID" 2>/dev/null; }

# ---- measure on a 40 W package wrapping every 1.5 s (range 60 J) ----------
start_rapl "$TMP/rapl" 40 60000000
ECOSWEEP_POWERCAP_ROOT="$TMP/rapl" "$ES" measure --meter rapl --json -- sleep 3.2 >"$TMP/m.json" 2>"$TMP/m.err"
rc=$?
stop_rapl
check "measure: exits with the command's status" [ $rc -eq 0 ]
"$PY" - "$TMP/m.json" >"$TMP/m.out" 2>&1 <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1]))
assert m["meter"] == "rapl" and m["estimate"] is False, m
assert list(m["domains"]) == ["package-0"], m["domains"]   # no core, no mmio copy
w = m["energy_j"] / m["wall_s"]
assert abs(w - 40) <= 2.0, "%.3f W" % w                      # within 5 %
assert abs(m["avg_w"] - w) < 1e-9
assert 0 <= m["attributed_j"] < 0.5 * m["energy_j"], m        # sleep uses almost no CPU
assert abs(m["co2_g"] - m["energy_j"] / 3.6e6 * 475) < 1e-9
print("%.3f W" % w)
PYEOF
check "measure --meter rapl: 40 W through wraps, package counted once ($(cat "$TMP/m.out"))" [ $? -eq 0 ]

ECOSWEEP_POWERCAP_ROOT="$TMP/none" "$ES" measure --meter rapl -- true >/dev/null 2>"$TMP/e.err"
check "measure --meter rapl without RAPL: exit 2" [ $? -eq 2 ]
check "measure --meter rapl without RAPL: says why" grep -q "measure: --meter rapl is unavailable: no RAPL powercap interface at $TMP/none" "$TMP/e.err"
"$ES" measure -- sh -c 'exit 7' 2>/dev/null
check "measure: exit status of the command" [ $? -eq 7 ]
"$ES" measure -- sh -c 'kill -TERM $$' 2>/dev/null
check "measure: 128+N for a signal" [ $? -eq 143 ]
"$ES" measure -- /nonexistent/cmd 2>/dev/null
check "measure: 127 when it cannot start" [ $? -eq 127 ]
"$ES" measure --json -- "$PY" -c 'x=0
for i in range(3000000): x+=i' >"$TMP/est.json" 2>/dev/null
check "measure with the estimate: labelled an estimate, joules follow CPU time" "$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["meter"] == "estimate" and m["estimate"] is True
assert m["cpu_s"] > 0.05 and abs(m["domains"]["cpu"] - 10 * m["cpu_s"]) < 1e-6, m
assert abs(m["energy_j"] - m["domains"]["cpu"] - m["domains"]["ram"]) < 1e-9' "$TMP/est.json"

# ---- two concurrent trials at 100 % and 50 % duty on one package ----------
start_rapl "$TMP/rapl2" 40 60000000
cat >"$TMP/duty.json" <<JSON
{"command": ["$PY", "$HERE/trials/duty.py", "{duty}", "4"],
 "parameters": {"duty": {"type": "categorical", "values": [1.0, 0.5]}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "strategy": {"sampler": "grid"}, "workers": {"count": 2}, "meters": ["rapl"], "seed": 1}
JSON
ECOSWEEP_POWERCAP_ROOT="$TMP/rapl2" "$ES" run "$TMP/duty.json" -o "$TMP/duty" --quiet 2>"$TMP/duty.err"
rc=$?
stop_rapl
check "two trials on one package: sweep ok" [ $rc -eq 0 ]
"$PY" - "$TMP/duty" >"$TMP/duty.out" 2>&1 <<'PYEOF'
import csv, json, sys
d = sys.argv[1]
rows = {float(r["duty"]): r for r in csv.DictReader(open(d + "/trials.csv"))}
full, half = rows[1.0], rows[0.5]
assert full["meter"] == half["meter"] == "rapl", full["meter"]
jf, jh = float(full["energy_j"]), float(half["energy_j"])
cf, ch = float(full["cpu_s"]), float(half["cpu_s"])
# Joules follow CPU time (within the sampling noise) ...
assert abs((jf / jh) / (cf / ch) - 1) < 0.15, (jf, jh, cf, ch)
# ... and the duties make that about 2:1.
assert 1.5 < jf / jh < 3.0, (jf, jh)
s = json.load(open(d + "/summary.json"))
e = s["energy_j"]
assert abs(e["trials"] - (jf + jh)) < 1e-6, e
parts = e["ecosweep"] + e["other"] + e["idle"]
assert abs(e["overhead"] - parts) < 1e-6 * max(1, parts), e
assert abs(e["trials"] + e["overhead"] - e["total"]) <= 0.01 * e["total"], e
# The package ran at 40 W for the whole sweep: the total is what it drew.
assert abs(e["total"] / s["wall_s"] - 40) < 4, (e["total"], s["wall_s"])
assert s["estimate"] is False and s["meters"] == ["rapl"], s
print("%.2f J : %.2f J (%.2f), CPU %.2f s : %.2f s, total %.2f J, overhead %.2f J" % (jf, jh, jf / jh, cf, ch, e["total"], e["overhead"]))
PYEOF
check "100 % and 50 % duty split about 2:1 by CPU time, trials + overhead = total ($(cat "$TMP/duty.out" | tail -1))" [ $? -eq 0 ]
check "journal says where trials' CPU time came from" grep -q '"cpu_time":"cgroup"' "$TMP/duty/journal.jsonl"
# A trial is born in its cgroup: even the very first thing it runs is there.
cat >"$TMP/born.json" <<JSON
{"command": ["sh", "-c", "cat /proc/self/cgroup > \$ECOSWEEP_TRIAL_DIR/cgroup; sh $HERE/trials/modes.sh ok"],
 "parameters": {"x": {"type": "int", "low": 1, "high": 2}}, "objectives": [{"metric": "score", "goal": "max"}],
 "strategy": {"sampler": "grid"}, "workers": {"count": 1}, "meters": ["rapl"]}
JSON
start_rapl "$TMP/rapl3" 40 60000000
ECOSWEEP_POWERCAP_ROOT="$TMP/rapl3" "$ES" run "$TMP/born.json" -o "$TMP/born" --quiet 2>/dev/null
stop_rapl
check "a trial's first child is born in the trial's cgroup" sh -c "grep -q '^0::.*/ecosweep-[0-9]*/trial-0-1\$' '$TMP/born/trials/0/cgroup' && grep -q '^0::.*/ecosweep-[0-9]*/trial-1-1\$' '$TMP/born/trials/1/cgroup'"
group=$(sed -n 's|^0::\(.*/ecosweep-[0-9]*\)/trial-0-1$|\1|p' "$TMP/born/trials/0/cgroup")
mnt=$(awk '$(NF-2) == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
check "ecosweep's cgroups are gone after the sweep ($group)" sh -c "[ -n '$group' ] && [ ! -e '$mnt$group' ]"

# ---- GPUs handed out whole (the NVML stand-in library) ----------------------
STANDIN=${ECOSWEEP_BUILD_DIR:-$ROOT/build}/tests/libnvml_standin.so
printf 'GPU-1111aaaa 200000 energy\nGPU-2222bbbb 100000 power\n' >"$TMP/gpus.txt"
cat >"$TMP/gpu.json" <<JSON
{"command": ["sh", "-c", "echo \$CUDA_VISIBLE_DEVICES > \$ECOSWEEP_TRIAL_DIR/gpus; sleep 0.6; sh $HERE/trials/modes.sh ok"],
 "parameters": {"x": {"type": "int", "low": 1, "high": 4}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "strategy": {"sampler": "grid"}, "workers": {"count": 3, "gpus_per_trial": 1}, "seed": 1}
JSON
ECOSWEEP_NVML_LIB="$STANDIN" ECOSWEEP_NVML_STANDIN="$TMP/gpus.txt" ECOSWEEP_POWERCAP_ROOT="$TMP/none" \
  "$ES" run "$TMP/gpu.json" -o "$TMP/gpu" --quiet 2>"$TMP/gpu.err"
check "gpus_per_trial: sweep ok on the stand-in" [ $? -eq 0 ]
"$PY" - "$TMP/gpu" >"$TMP/gpu.out" 2>&1 <<'PYEOF'
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/trials.csv")))
assert len(rows) == 4
for r in rows:
    gpu = open("%s/trials/%s/gpus" % (d, r["id"])).read().strip()
    assert gpu in ("GPU-1111aaaa", "GPU-2222bbbb"), gpu     # one whole GPU, by UUID
    assert r["meter"] == "estimate+nvml", r["meter"]
    watts = 200 if gpu == "GPU-1111aaaa" else 100
    cpu_j = 10 * float(r["cpu_s"])
    gpu_j = float(r["energy_j"]) - cpu_j
    assert abs(gpu_j / float(r["wall_s"]) - watts) < 0.12 * watts, (gpu, gpu_j, r["wall_s"], r["energy_j"])
s = json.load(open(d + "/summary.json"))
assert s["estimate"] is True and s["meters"] == ["estimate+nvml"], s
e = s["energy_j"]
assert abs(e["trials"] + e["overhead"] - e["total"]) < 1e-6 * e["total"], e
PYEOF
check "gpus_per_trial: one GPU each by UUID, its joules in full ($(tail -1 "$TMP/gpu.out"))" [ $? -eq 0 ]
check "gpus_per_trial: never more trials than GPUs at once (3 workers, 2 GPUs)" "$PY" -c '
import json, sys
run = peak = 0
for line in open(sys.argv[1]):
    ev = json.loads(line)["event"]
    run += ev == "start"
    run -= ev == "end"
    peak = max(peak, run)
assert peak == 2, peak' "$TMP/gpu/journal.jsonl"
check "gpus_per_trial: the journal replays the meter label (front reads it back)" \
  sh -c "'$ES' front '$TMP/gpu' --format csv | grep -q ',estimate+nvml\$'"
ECOSWEEP_NVML_LIB="$TMP/none/libnvidia-ml.so.1" "$ES" run "$TMP/gpu.json" -o "$TMP/gpu2" --quiet 2>"$TMP/gpu2.err"
check "gpus_per_trial without GPUs: exit 2" [ $? -eq 2 ]
check "gpus_per_trial without GPUs: says why" grep -q "workers.gpus_per_trial: no GPUs to hand out (nvml: no NVML library" "$TMP/gpu2.err"
check "gpus_per_trial without GPUs: nothing created" [ ! -e "$TMP/gpu2" ]

# ---- this VM: no hardware meter, and it says so -----------------------------
ECOSWEEP_POWERCAP_ROOT="$TMP/none" ECOSWEEP_HWMON_ROOT="$TMP/none" ECOSWEEP_PERF_ROOT="$TMP/none" \
  ECOSWEEP_NVML_LIB="$TMP/none/libnvidia-ml.so.1" "$ES" meters >"$TMP/meters.txt"
check "meters: rapl unavailable, with the reason" grep -q "^rapl .*unavailable .*no RAPL powercap interface at $TMP/none" "$TMP/meters.txt"
check "meters: hwmon unavailable, with the reason" grep -q "^hwmon .*unavailable .*no hwmon at $TMP/none" "$TMP/meters.txt"
check "meters: perf unavailable, with the reason" grep -q "^perf .*unavailable .*$TMP/none" "$TMP/meters.txt"
check "meters: nvml unavailable, with the reason" grep -q "^nvml .*unavailable .*no NVML library" "$TMP/meters.txt"
check "meters: auto falls back to the estimate, labelled" grep -q '"auto" uses estimate: every CPU figure is an estimate' "$TMP/meters.txt"
ECOSWEEP_POWERCAP_ROOT="$TMP/none" "$ES" meters --json >"$TMP/meters.json"
check "meters --json: name/available/domains/why/estimate" "$PY" -c '
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))}
assert set(rows) == {"rapl", "perf", "hwmon", "nvml", "estimate", "reported"}, rows
for r in rows.values(): assert set(r) >= {"name", "available", "domains", "why", "estimate"}, r
assert rows["rapl"]["available"] is False and rows["rapl"]["why"]
assert rows["estimate"]["available"] is True and rows["estimate"]["estimate"] is True' "$TMP/meters.json"
cat >"$TMP/est.json" <<JSON
{"command": ["sh", "$HERE/trials/modes.sh", "ok"], "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}], "budget": {"trials": 2}}
JSON
ECOSWEEP_POWERCAP_ROOT="$TMP/none" "$ES" run "$TMP/est.json" -o "$TMP/est" 2>"$TMP/est.err"
check "a sweep on this VM says which meter and why" grep -q "meter estimate; not used: rapl: no RAPL powercap interface" "$TMP/est.err"
check "a sweep on this VM: every figure labelled an estimate" "$PY" -c '
import csv, json, sys
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
assert s["estimate"] is True and s["meters"] == ["estimate"]
assert all(r["meter"] == "estimate" for r in csv.DictReader(open(d + "/trials.csv")))
e = s["energy_j"]
assert abs(e["trials"] + e["overhead"] - e["total"]) < 1e-9' "$TMP/est"
finish
