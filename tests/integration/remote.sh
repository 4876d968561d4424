#!/bin/sh
# Remote trials (workers.launcher "slurm") without a cluster: a stand-in
# srun runs `ecosweep exec` here, which dials the scheduler with the
# trial's one-time token. The same trials and front as a local run; node
# figures in the records; connections with a wrong, reused or missing
# token never reach a trial; an srun that fails ends its trial with the
# reason. tests/slurm/ runs the same against a real Slurm cluster.
. "$(dirname "$0")/common.inc"
cd "$TMP" || exit 1
mkdir bin
ln -s "$HERE/trials/fake_srun.sh" bin/srun
cp "$HERE/trials/det.sh" det.sh
chmod +x det.sh
cat > local.json <<'J'
{"command": ["./det.sh", "{x}"], "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "meters": ["reported"], "resource": {"min": 1, "max": 9, "eta": 3},
 "strategy": {"halving": "asha"}, "budget": {"trials": 8}, "workers": {"count": 1}, "seed": 5}
J
sed 's/"workers": {"count": 1}/"workers": {"count": 1, "launcher": "slurm", "listen": "127.0.0.1:0"}/' local.json > remote.json
"$ES" run local.json -o local --quiet
PATH="$TMP/bin:$PATH" FAKE_SRUN_LOG="$TMP/tokens" "$ES" run remote.json -o remote --quiet 2> remote.err
check "remote: the sweep exits 0" [ $? -eq 0 ]
cut -d, -f1-3,5-8,11- local/trials.csv > a.txt
cut -d, -f1-3,5-8,11- remote/trials.csv > b.txt
check "remote: the same trials and results as a local run" cmp -s a.txt b.txt
check "remote: the front checks out" $PY "$HERE/check_front.py" remote
check "remote: the listen address is published" grep -q '"event":"sweep".*"listen":"127.0.0.1:[0-9]*"' remote/journal.jsonl
check "remote: each trial said hello from its job" [ "$(grep -c '"event":"remote".*"job":"[0-9]*.0"' remote/journal.jsonl)" -eq 8 ]
check "remote: tokens are 32 hex digits, one per trial" sh -c "[ \$(cut -d' ' -f2 '$TMP/tokens' | grep -cE '^[0-9a-f]{32}\$') -eq 8 ] && [ \$(cut -d' ' -f2 '$TMP/tokens' | sort -u | wc -l) -eq 8 ]"

# Node-measured joules (the estimate on this node) in the records.
sed 's/"meters": \["reported"\], //' remote.json > remote_est.json
PATH="$TMP/bin:$PATH" "$ES" run remote_est.json -o remote_est --quiet 2>/dev/null
check "remote: node-metered joules and meter in trials.csv" $PY -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and all(r["meter"] == "estimate" and float(r["energy_j"]) > 0 for r in rows), rows' remote_est/trials.csv

sed 's/"meters": \["reported"\], /"estimate": {"cpu_watts": 1000, "ram_watts": 0}, /' remote.json > remote_w.json
PATH="$TMP/bin:$PATH" "$ES" run remote_w.json -o remote_w --quiet 2>/dev/null
check "remote: the node models with the spec's estimate settings" $PY -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and all(abs(float(r["energy_j"]) - 1000 * float(r["cpu_s"])) < 1e-3 for r in rows), rows' remote_w/trials.csv

# Bad connections while a trial runs: wrong token, a replayed token, silence.
cat > slow.json <<J
{"command": ["sh", "-c", "sleep 11; echo '{{\"step\": 1, \"metrics\": {{\"score\": 1}}}}' >&3; read r <&3"],
 "parameters": {"x": {"type": "int", "low": 1, "high": 1}}, "objectives": [{"metric": "score", "goal": "max"}],
 "strategy": {"sampler": "grid"}, "workers": {"count": 1, "launcher": "slurm", "listen": "127.0.0.1:0"}}
J
PATH="$TMP/bin:$PATH" FAKE_SRUN_LOG="$TMP/tokens2" "$ES" run slow.json -o slow 2> slow.err &
pid=$!
"$PY" - "$TMP" > attack.out 2>&1 <<'PYEOF'
import json, socket, sys, time
d = sys.argv[1]
for _ in range(100):
    try:
        ev = json.loads(open(d + "/slow/journal.jsonl").readline())
        tok = open(d + "/tokens2").read().split()
        if len(tok) == 2 and "listen" in ev:
            break
    except (OSError, ValueError):
        pass
    time.sleep(0.1)
host, port = ev["listen"].rsplit(":", 1)
for _ in range(200):  # the trial's own exec says hello first
    if '"event":"remote"' in open(d + "/slow/journal.jsonl").read():
        break
    time.sleep(0.05)

def attempt(hello):
    s = socket.create_connection((host, int(port)))
    if hello is not None:
        s.sendall((json.dumps(hello) + "\n").encode())
    s.settimeout(15)
    t0 = time.time()
    data = s.recv(100)      # the scheduler closes it: b""
    return "%s %.3f" % ("closed" if data == b"" else "open", time.time() - t0)

print("wrong", attempt({"hello": "0" * 32, "trial": 0}))
print("replayed", attempt({"hello": tok[1], "trial": 0}))
print("silent", attempt(None))
PYEOF
wait $pid
check "bad connections: the sweep still completes" grep -q '^0,completed,exit:0,' slow/trials.csv
check "wrong token: closed at once" grep -q "^wrong closed 0\." attack.out
check "replayed token: closed at once" grep -q "^replayed closed 0\." attack.out
check "silence: closed after 10 s" grep -qE "^silent closed (9\.[5-9]|10\.)" attack.out
check "refusals are logged" sh -c "grep -q 'refused a trial connection from 127.0.0.1:[0-9]*: wrong token for trial 0' slow.err && grep -q 'token was already used' slow.err && grep -q 'no hello within 10 s' slow.err"
check "refusals are journaled, and never a result" sh -c "[ \$(grep -c '\"event\":\"refused\"' slow/journal.jsonl) -eq 3 ] && [ \$(grep -c '\"event\":\"report\"' slow/journal.jsonl) -eq 1 ]"

# An srun that fails before the trial starts.
PATH="$TMP/bin:$PATH" FAKE_SRUN_FAIL=1 "$ES" run remote.json -o failing --quiet 2>/dev/null
check "srun failing: the trial fails with the reason" grep -q '^0,failed,slurm:exit:1,' failing/trials.csv
check "srun failing: its stderr is kept" grep -q 'Invalid partition name' failing/trials/0/stderr.log
sed 's/"count": 1,/"count": 1, "retries": 1,/' remote.json > retry.json
PATH="$TMP/bin:$PATH" FAKE_SRUN_FAIL=1 "$ES" run retry.json -o retried --quiet 2>/dev/null
check "srun failing: workers.retries runs it again" grep -q '"event":"start","trial":0,"attempt":2' retried/journal.jsonl
mkdir -p empty; PATH="$TMP/empty" "$ES" run remote.json -o nosrun --quiet 2> nosrun.err
check "no srun: exit 2 with the fix" sh -c "[ $? -eq 2 ] && grep -q 'srun is not in PATH' nosrun.err"
finish
