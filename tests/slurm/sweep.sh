#!/bin/sh
# ecosweep's slurm launcher on a real single-node cluster (cluster.inc):
# a sweep with two steps side by side, the same trials and front as the
# same sweep run locally (same seed, one worker, the reported meter), node
# joules in the records, a trial that ignores "stop" cancelled by scancel
# (its job ends CANCELLED), and a connection with a wrong token refused.
# Without Slurm (or root) it prints one "# " line and exits 0.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck disable=SC2034 # read by cluster.inc
SLURM_TESTS_DIR=$HERE
. "$HERE/cluster.inc"
if ! slurm_available; then
  echo "# Slurm is not installed, skipping (apt-get install slurmctld slurmd slurm-client munge)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "# the Slurm test cluster needs root, skipping"
  exit 0
fi
ES=${ECOSWEEP_BIN:-$ROOT/build/ecosweep}
PY=/usr/bin/python3
FAILED=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 - $2"; FAILED=$((FAILED + 1)); }
check() {
  name=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "$*"; fi
}
DIR=$(mktemp -d /tmp/ecosweep-slurm.XXXXXX)
trap 'slurm_stop "$DIR" >/dev/null 2>&1; rm -rf "$DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if ! slurm_start "$DIR"; then
  fail "slurm cluster starts" "see above"
  exit 1
fi
pass "slurm cluster starts"
cd "$DIR" || exit 1

cp "$ROOT/tests/integration/trials/det.sh" det.sh
export DET_SLEEP=0.05
chmod +x det.sh
cat > local.json <<'J'
{"command": ["./det.sh", "{x}"], "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "meters": ["reported"], "resource": {"min": 1, "max": 9, "eta": 3},
 "strategy": {"halving": "asha"}, "budget": {"trials": 6}, "workers": {"count": 1}, "seed": 5}
J
sed 's/"workers": {"count": 1}/"workers": {"count": 1, "launcher": "slurm", "listen": "127.0.0.1:0"}/' local.json > slurm1.json
"$ES" run local.json -o local --quiet
"$ES" run slurm1.json -o slurm1 --quiet 2> slurm1.err
check "slurm, 1 worker: the sweep exits 0" [ $? -eq 0 ]
cut -d, -f1-3,5-8,11- local/trials.csv > a.txt
cut -d, -f1-3,5-8,11- slurm1/trials.csv > b.txt
check "slurm, 1 worker: the same trials and results as the local run" cmp -s a.txt b.txt
check "slurm, 1 worker: the same front" "$PY" -c '
import json, sys
a, b = (json.load(open(d + "/front.json")) for d in sys.argv[1:3])
key = lambda f: [(t["id"], t["metrics"], t["energy_j"]) for t in f["trials"]]
assert key(a) == key(b) and a["hypervolume"] == b["hypervolume"], (key(a), key(b))' local slurm1
check "slurm: every trial ran as a Slurm job" [ "$(grep -c '"event":"remote".*"job":"[0-9]*\.0"' slurm1/journal.jsonl)" -eq 6 ]

# Two steps side by side, energy metered on the node.
sed 's/"meters": \["reported"\], //; s/"count": 1/"count": 2/' slurm1.json > slurm2.json
"$ES" run slurm2.json -o slurm2 --quiet 2> slurm2.err
check "slurm, 2 workers: the sweep exits 0" [ $? -eq 0 ]
check "slurm, 2 workers: two trials ran at once" "$PY" -c '
import json, sys
run = peak = 0
for line in open(sys.argv[1]):
    ev = json.loads(line)["event"]
    run += ev == "start"; run -= ev == "end"; peak = max(peak, run)
assert peak == 2, peak' slurm2/journal.jsonl
check "slurm, 2 workers: node joules and meter in every row, front checks out" sh -c "
  '$PY' -c 'import csv,sys; rows=list(csv.DictReader(open(sys.argv[1]))); assert len(rows)==6 and all(float(r[\"energy_j\"])>0 and r[\"meter\"] for r in rows)' slurm2/trials.csv &&
  '$PY' '$ROOT/tests/integration/check_front.py' slurm2"

# A trial that ignores "stop": after grace_s its job is cancelled.
cat > deaf.json <<J
{"command": ["sh", "-c", "trap '' TERM; echo '{{\"step\": 1, \"metrics\": {{\"score\": 1}}}}' >&3; read r <&3; sleep 60"],
 "parameters": {"x": {"type": "int", "low": 1, "high": 1}}, "objectives": [{"metric": "score", "goal": "max"}],
 "strategy": {"sampler": "grid"}, "budget": {"trial_energy_j": 1e-9},
 "workers": {"count": 1, "launcher": "slurm", "listen": "127.0.0.1:0", "grace_s": 0.5}}
J
"$ES" run deaf.json -o deaf --quiet 2> deaf.err
check "ignores stop: the trial ends stopped" grep -q '^0,stopped,budget:trial_energy_j,' deaf/trials.csv
job=$(grep -o '"event":"remote".*"job":"[0-9]*' deaf/journal.jsonl | grep -o '[0-9]*$')
i=0 # COMPLETING for a moment, then CANCELLED
while ! scontrol show job "$job" 2>/dev/null | grep -q 'JobState=CANCELLED' && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "ignores stop: its Slurm job ends CANCELLED" sh -c "scontrol show job '$job' | grep -q 'JobState=CANCELLED'"
i=0
while pgrep -f '^sleep 60$' >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "ignores stop: nothing of it is left running" sh -c "! pgrep -f '^sleep 60\$' >/dev/null"

# A connection with a wrong token never reaches the sweep.
cat > slow.json <<J
{"command": ["sh", "-c", "sleep 2; echo '{{\"step\": 1, \"metrics\": {{\"score\": 1}}}}' >&3; read r <&3"],
 "parameters": {"x": {"type": "int", "low": 1, "high": 1}}, "objectives": [{"metric": "score", "goal": "max"}],
 "strategy": {"sampler": "grid"}, "workers": {"count": 1, "launcher": "slurm", "listen": "127.0.0.1:0"}}
J
"$ES" run slow.json -o slow 2> slow.err &
pid=$!
"$PY" - "$DIR/slow/journal.jsonl" > attack.out 2>&1 <<'PYEOF'
import json, socket, sys, time
for _ in range(100):
    try:
        ev = json.loads(open(sys.argv[1]).readline())
        if "listen" in ev:
            break
    except (OSError, ValueError):
        pass
    time.sleep(0.05)
host, port = ev["listen"].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b'{"hello": "%s", "trial": 0}\n' % (b"f" * 32))
s.sendall(b'{"step": 1, "metrics": {"score": 99}}\n')
s.settimeout(5)
print("closed", s.recv(100) == b"")
PYEOF
wait $pid
check "wrong token: the connection is closed" grep -q 'closed True' attack.out
check "wrong token: refused and logged" grep -q 'refused a trial connection from 127.0.0.1:[0-9]*: wrong token for trial 0' slow.err
check "wrong token: its report never became a result" sh -c "grep -q '^0,completed,exit:0,' slow/trials.csv && ! grep -q ',99' slow/trials.csv"

slurm_stop "$DIR" >/dev/null 2>&1
left=$(slurm_pids "$DIR" 2>/dev/null)
check "every daemon of the test cluster is stopped" [ -z "$left" ]
[ "$FAILED" -eq 0 ]
