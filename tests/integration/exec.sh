#!/bin/sh
# exec.sh - `ecosweep exec -- CMD`, the node side of the Slurm launcher
# (scheduler/exec.h), against fake_scheduler.py instead of a scheduler: the
# hello, the relay both ways with the node's figures spliced into reports
# (the trial's own numbers byte for byte), the exit line, the trial's
# environment (no token), an unreachable or silent scheduler, one that
# hangs up mid-run, SIGTERM/SIGINT and the grace period, exit statuses and
# signals, over-long and non-JSON lines, a host meter (fake RAPL) and GPUs
# (the NVML stand-in).
#
# Until `exec` is wired into main.c the script says so on a "# " line and
# checks nothing (point ECOSWEEP_BIN at a binary that has it).
. "$(dirname "$0")/common.inc"

TOKEN=0123456789abcdef0123456789abcdef
BUILD_DIR=${ECOSWEEP_BUILD_DIR:-$ROOT/build}
unset ECOSWEEP_FD ECOSWEEP_PARAMS ECOSWEEP_TRIAL_ID ECOSWEEP_MAX_RESOURCE ECOSWEEP_TRIAL_DIR \
  ECOSWEEP_RESUMED ECOSWEEP_CONNECT ECOSWEEP_TOKEN ECOSWEEP_GRACE_S SLURM_JOB_ID SLURM_STEP_ID \
  CUDA_VISIBLE_DEVICES
# No hardware meters: the estimate (a machine with perf's energy events would still pick perf).
export ECOSWEEP_POWERCAP_ROOT="$TMP/none" ECOSWEEP_HWMON_ROOT="$TMP/none" ECOSWEEP_NVML_LIB="$TMP/none/libnvidia-ml.so.1"

"$ES" exec -- true 2>"$TMP/wired.err"
if grep -q "unknown command" "$TMP/wired.err"; then
  echo "# exec.sh: $ES has no exec command yet: nothing checked"
  exit 0
fi

# start_fake NAME [fake_scheduler.py options]: PORT, FAKE_PID
start_fake() {
  name=$1
  shift
  rm -f "$TMP/$name.port" "$TMP/$name.json"
  "$PY" "$HERE/fake_scheduler.py" --port-file "$TMP/$name.port" --out "$TMP/$name.json" --token $TOKEN --trial 7 \
    --timeout 30 "$@" &
  FAKE_PID=$!
  i=0
  while [ ! -f "$TMP/$name.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  PORT=$(cat "$TMP/$name.port" 2>/dev/null)
}
# run_exec NAME CMD...: exec against the fake on $PORT (HOSTPORT overrides); RC
run_exec() {
  name=$1
  shift
  ECOSWEEP_CONNECT=${HOSTPORT:-127.0.0.1:$PORT} ECOSWEEP_TOKEN=$TOKEN ECOSWEEP_TRIAL_ID=7 \
    ECOSWEEP_PARAMS='{"lr": 0.1}' ECOSWEEP_MAX_RESOURCE=3 ECOSWEEP_TRIAL_DIR="$TMP" \
    "$ES" exec -- "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
  RC=$?
}
# bg_exec NAME CMD...: the same in the background; EXEC_PID
bg_exec() {
  name=$1
  shift
  ECOSWEEP_CONNECT=127.0.0.1:$PORT ECOSWEEP_TOKEN=$TOKEN ECOSWEEP_TRIAL_ID=7 \
    "$ES" exec -- "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  EXEC_PID=$!
}
wait_file() { # $1: file that appears when the trial is where we want it
  i=0
  while [ ! -s "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}
# gone PID: no such process, or a zombie (an init that does not reap promptly)
gone() {
  st=$(ps -o stat= -p "$1" 2>/dev/null)
  case $st in "" | Z*) return 0 ;; *) return 1 ;; esac
}
now() { "$PY" -c 'import time; print(time.monotonic())'; }
# elapsed_below T0 T1 S / elapsed_at_least T0 T1 S: T1 - T0 < S / >= S
elapsed_below() { "$PY" -c 'import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) < float(sys.argv[3]) else 1)' "$@"; }
elapsed_at_least() { ! elapsed_below "$@"; }
# pycheck NAME FILE: the Python on stdin, with r = the fake's summary from FILE, must pass
pycheck() {
  name=$1
  "$PY" - "$2" >"$TMP/py.out" 2>&1
  if [ $? -eq 0 ]; then pass "$name"; else fail "$name" "$(tail -3 "$TMP/py.out" | tr '\n' ' ')"; fi
}

# ---- a trial reporting 3 steps ------------------------------------------------------
cat >"$TMP/steps.sh" <<'EOF'
env >"$ECOSWEEP_TRIAL_DIR/steps.env"
i=1
while [ $i -le 3 ]; do
  x=0
  while [ $x -lt 30000 ]; do x=$((x + 1)); done
  echo "{\"step\": $i, \"metrics\": {\"loss\": 0.30000000000000004, \"acc\": 1e-7}}" >&3
  read reply <&3
  echo "$reply" >>"$ECOSWEEP_TRIAL_DIR/steps.replies"
  i=$((i + 1))
done
EOF
start_fake steps
SLURM_JOB_ID=42 SLURM_STEP_ID=3 run_exec steps sh "$TMP/steps.sh"
wait $FAKE_PID
check "3 steps: exec exits 0" [ $RC -eq 0 ]
check "3 steps: the trial got 3 continues" [ "$(cat "$TMP/steps.replies")" = "continue
continue
continue" ]
pycheck "3 steps: hello, relayed reports with node figures, exact numbers, exit line" "$TMP/steps.json" <<'PYEOF'
import json, socket, sys
r = json.load(open(sys.argv[1]))
assert r["errors"] == [], r["errors"]
h = r["hello"]
assert list(h) == ["hello", "trial", "node", "job", "meter", "estimate"], h
assert h["node"] == socket.gethostname() and h["job"] == "42.3", h
assert isinstance(h["estimate"], bool) and h["estimate"] == h["meter"].startswith("estimate"), h
assert len(r["lines"]) == 3 and len(r["reports"]) == 3, r["lines"]
prev_e = prev_c = -1
for i, line in enumerate(r["lines"], 1):
    trial = '{"step": %d, "metrics": {"loss": 0.30000000000000004, "acc": 1e-7}}' % i
    assert line.startswith(trial[:-1] + ',"node":{"energy_j":') and line.endswith("}}"), line
    assert line.rindex('"node":{') == len(trial) , line
    n = r["reports"][i - 1]["node"]
    assert list(n) == ["energy_j", "cpu_s"], n
    assert n["energy_j"] > prev_e and n["cpu_s"] >= prev_c, (n, prev_e, prev_c)
    prev_e, prev_c = n["energy_j"], n["cpu_s"]
assert prev_c > 0, prev_c
x = r["exit"]
assert list(x) == ["status", "signal", "energy_j", "cpu_s", "wall_s"], x
assert x["status"] == 0 and x["signal"] == 0, x
assert x["energy_j"] >= prev_e and x["cpu_s"] >= prev_c and x["wall_s"] > 0, x
assert r["eof"] and r["after_exit"] == [], r
PYEOF
check "3 steps: the trial does not see ECOSWEEP_TOKEN" sh -c "! grep -q '^ECOSWEEP_TOKEN=' '$TMP/steps.env'"
check "3 steps: nor ECOSWEEP_CONNECT" sh -c "! grep -q '^ECOSWEEP_CONNECT=' '$TMP/steps.env'"
check "3 steps: ECOSWEEP_FD=3 and its own variables" sh -c "grep -qx 'ECOSWEEP_FD=3' '$TMP/steps.env' &&
  grep -qx 'ECOSWEEP_TRIAL_ID=7' '$TMP/steps.env' && grep -qx 'ECOSWEEP_PARAMS={\"lr\": 0.1}' '$TMP/steps.env' &&
  grep -qx 'ECOSWEEP_MAX_RESOURCE=3' '$TMP/steps.env' && grep -q '^PYTHONPATH=.*workers/client' '$TMP/steps.env'"
check "3 steps: nothing on exec's stderr" [ ! -s "$TMP/steps.err" ]

# ---- stop --------------------------------------------------------------------------------
cat >"$TMP/stop.sh" <<'EOF'
i=1
while [ $i -le 10 ]; do
  echo "{\"step\": $i}" >&3
  read reply <&3
  if [ "$reply" = stop ]; then echo stopped >"$ECOSWEEP_TRIAL_DIR/stop.done"; exit 0; fi
  i=$((i + 1))
done
EOF
start_fake stop --replies continue,stop
run_exec stop sh "$TMP/stop.sh"
wait $FAKE_PID
check "stop: the trial exits when told, exec exits 0" [ $RC -eq 0 ] && [ -f "$TMP/stop.done" ]
pycheck "stop: 2 reports, then the exit line" "$TMP/stop.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["errors"] == [] and len(r["reports"]) == 2, r
assert "job" not in r["hello"], r["hello"]
assert r["exit"]["status"] == 0 and r["exit"]["signal"] == 0 and r["eof"], r
PYEOF

# ---- unreachable ---------------------------------------------------------------------------
FREE=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HOSTPORT=127.0.0.1:$FREE run_exec unreach sh -c "touch '$TMP/unreach.started'"
check "unreachable: exit 255" [ $RC -eq 255 ]
check "unreachable: one line saying why" [ "$(cat "$TMP/unreach.err")" = "ecosweep: exec: cannot reach the scheduler at 127.0.0.1:$FREE: connection refused" ]
check "unreachable: the trial is not started" [ ! -e "$TMP/unreach.started" ]
HOSTPORT=no-such-host.invalid:9 run_exec noname sh -c "touch '$TMP/noname.started'"
check "unknown host: exit 255, says so, no trial" sh -c "[ $RC -eq 255 ] && [ ! -e '$TMP/noname.started' ] &&
  grep -q '^ecosweep: exec: cannot reach the scheduler at no-such-host.invalid:9: ' '$TMP/noname.err'"

# ---- a name and IPv6 ---------------------------------------------------------------------------
start_fake byname
HOSTPORT=localhost:$PORT run_exec byname sh -c 'echo "{\"step\": 1}" >&3; read r <&3'
wait $FAKE_PID
pycheck "host name (localhost): connects, reports" "$TMP/byname.json" <<PYEOF
import json, sys
r = json.load(open(sys.argv[1]))
assert $RC == 0 and r["errors"] == [] and len(r["reports"]) == 1 and r["exit"]["status"] == 0, r
PYEOF
if "$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
  start_fake v6 --host ::1
  HOSTPORT="[::1]:$PORT" run_exec v6 sh -c 'echo "{\"step\": 1}" >&3; read r <&3'
  wait $FAKE_PID
  pycheck "IPv6 [::1]:port: connects, reports" "$TMP/v6.json" <<PYEOF
import json, sys
r = json.load(open(sys.argv[1]))
assert $RC == 0 and r["errors"] == [] and len(r["reports"]) == 1 and r["exit"]["status"] == 0, r
PYEOF
else
  echo "# no IPv6 loopback here: [::1] not tried"
fi

# ---- the scheduler hangs up mid-run -----------------------------------------------------------
# The trial ignores SIGTERM, so that it gets to read fd 3's end-of-file
# before the SIGKILL that follows ECOSWEEP_GRACE_S.
cat >"$TMP/hangup.sh" <<'EOF'
trap '' TERM
echo '{"step": 1}' >&3
if read r <&3; then echo "got $r"; else echo eof; fi >"$ECOSWEEP_TRIAL_DIR/hangup.fd3"
sleep 30
echo survived >"$ECOSWEEP_TRIAL_DIR/hangup.survived"
EOF
start_fake hangup --replies close
t0=$(now)
ECOSWEEP_GRACE_S=1 run_exec hangup sh "$TMP/hangup.sh"
t1=$(now)
wait $FAKE_PID
check "scheduler hangs up: exec exits 255" [ $RC -eq 255 ]
check "scheduler hangs up: the trial reads EOF on fd 3" [ "$(cat "$TMP/hangup.fd3")" = eof ]
check "scheduler hangs up: the trial is killed (SIGTERM, grace, SIGKILL)" elapsed_below "$t0" "$t1" 5
check "scheduler hangs up: one line on stderr" [ "$(cat "$TMP/hangup.err")" = "ecosweep: exec: the scheduler at 127.0.0.1:$PORT closed the connection; ending the trial" ]
sleep 0.2
check "scheduler hangs up: nothing of the trial survives" [ ! -e "$TMP/hangup.survived" ]

# ---- SIGTERM / SIGINT to exec ----------------------------------------------------------------------
cat >"$TMP/term.sh" <<'EOF'
trap 'echo term >"$ECOSWEEP_TRIAL_DIR/$1.sig"; exit 7' TERM
echo '{"step": 1}' >&3
read r <&3
echo running >"$ECOSWEEP_TRIAL_DIR/$1.running"
i=0
while [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
EOF
for sig in TERM INT; do
  start_fake "sig$sig"
  bg_exec "sig$sig" env ECOSWEEP_TRIAL_DIR="$TMP" sh "$TMP/term.sh" "sig$sig"
  wait_file "$TMP/sig$sig.running"
  kill -$sig $EXEC_PID
  wait $EXEC_PID
  RC=$?
  wait $FAKE_PID
  check "SIG$sig to exec: the trial gets SIGTERM" [ "$(cat "$TMP/sig$sig.sig" 2>/dev/null)" = term ]
  check "SIG$sig to exec: exec exits with the trial's status (7)" [ $RC -eq 7 ]
  pycheck "SIG$sig to exec: the exit line says status 7" "$TMP/sig$sig.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["errors"] == [] and r["exit"]["status"] == 7 and r["exit"]["signal"] == 0, r
PYEOF
done

cat >"$TMP/deaf.sh" <<'EOF'
trap '' TERM
echo '{"step": 1}' >&3
read r <&3
echo running >"$ECOSWEEP_TRIAL_DIR/$1.running"
i=0
while [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
EOF
start_fake deaf
ECOSWEEP_GRACE_S=0.5 bg_exec deaf env ECOSWEEP_TRIAL_DIR="$TMP" sh "$TMP/deaf.sh" deaf
wait_file "$TMP/deaf.running"
t0=$(now)
kill -TERM $EXEC_PID
wait $EXEC_PID
RC=$?
t1=$(now)
wait $FAKE_PID
check "a trial deaf to SIGTERM: SIGKILLed after ECOSWEEP_GRACE_S=0.5 (exit 137)" [ $RC -eq 137 ]
check "a trial deaf to SIGTERM: not before the grace period" elapsed_at_least "$t0" "$t1" 0.45
check "a trial deaf to SIGTERM: soon after it" elapsed_below "$t0" "$t1" 4
pycheck "a trial deaf to SIGTERM: the exit line says signal 9" "$TMP/deaf.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["exit"]["signal"] == 9 and r["exit"]["status"] == 0, r
PYEOF

start_fake deaf2
bg_exec deaf2 env ECOSWEEP_TRIAL_DIR="$TMP" sh "$TMP/deaf.sh" deaf2
wait_file "$TMP/deaf2.running"
t0=$(now)
kill -TERM $EXEC_PID
sleep 0.3
kill -TERM $EXEC_PID
wait $EXEC_PID
RC=$?
t1=$(now)
wait $FAKE_PID
check "a second SIGTERM: SIGKILL (exit 137)" [ $RC -eq 137 ]
check "a second SIGTERM: at once, not after the 10 s grace" elapsed_below "$t0" "$t1" 3

# ---- lines that are not reports -----------------------------------------------------------------------
cat >"$TMP/odd.sh" <<'EOF'
printf 'hello world\n[1, 2]\n{"step": 1} x\n{}\n{"step": 2}\r\n  {"a": {"b": [1, {}]}}  \n{"step":\n\n{"x": "}"}\n' >&3
printf '{"step": 9}' >&3
EOF
start_fake odd --replies none,none,none,none,none
run_exec odd sh "$TMP/odd.sh"
wait $FAKE_PID
pycheck "lines that are not JSON objects go unchanged; objects get the node member" "$TMP/odd.json" <<'PYEOF'
import json, re, sys
r = json.load(open(sys.argv[1]))
assert r["errors"] == [], r["errors"]
L = r["lines"]
node = r'"node":\{"energy_j":[0-9.e+-]+,"cpu_s":[0-9.e+-]+\}'
want = ["hello world", "[1, 2]", '{"step": 1} x', None, None, None, '{"step":', "", None, None]
pat = {3: r'\{' + node + r'\}', 4: r'\{"step": 2,' + node + r'\}', 5: r'  \{"a": \{"b": \[1, \{\}\]\},' + node + r'\}',
       8: r'\{"x": "\}",' + node + r'\}', 9: r'\{"step": 9,' + node + r'\}'}
assert len(L) == len(want), L
for i, (w, line) in enumerate(zip(want, L)):
    if w is not None:
        assert line == w, (i, line)
    else:
        assert re.fullmatch(pat[i], line), (i, line)
assert r["exit"]["status"] == 0, r
PYEOF

# ---- exit statuses and signals ------------------------------------------------------------------------
start_fake st3
run_exec st3 sh -c 'exit 3'
wait $FAKE_PID
check "exit 3: exec exits 3" [ $RC -eq 3 ]
pycheck "exit 3: the exit line says status 3, signal 0" "$TMP/st3.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["exit"]["status"] == 3 and r["exit"]["signal"] == 0 and r["eof"], r
PYEOF
start_fake usr1
run_exec usr1 sh -c 'kill -USR1 $$'
wait $FAKE_PID
check "killed by SIGUSR1: exec exits 138" [ $RC -eq 138 ]
pycheck "killed by SIGUSR1: the exit line says signal 10, status 0" "$TMP/usr1.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["exit"]["status"] == 0 and r["exit"]["signal"] == 10, r
PYEOF
start_fake nocmd
run_exec nocmd "$TMP/no/such/command"
wait $FAKE_PID
check "a command that cannot start: exit 127, says why" sh -c "[ $RC -eq 127 ] && grep -q '^ecosweep: exec: cannot run $TMP/no/such/command: No such file or directory' '$TMP/nocmd.err'"
pycheck "a command that cannot start: the exit line says status 127" "$TMP/nocmd.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["errors"] == [] and r["exit"]["status"] == 127 and r["exit"]["signal"] == 0 and r["lines"] == [], r
PYEOF

# ---- what the trial leaves behind ------------------------------------------------------------------------
# A child in its group and a setsid orphan (killed through the cgroup, where
# one can be made here): both hold fd 3 open, so exec waits 1 s for its end.
cat >"$TMP/orphans.sh" <<'EOF'
sleep 30 &
echo $! >"$ECOSWEEP_TRIAL_DIR/orphans.child"
setsid sh -c 'echo $$ >"$ECOSWEEP_TRIAL_DIR/orphans.setsid"; exec sleep 30' &
while [ ! -s "$ECOSWEEP_TRIAL_DIR/orphans.setsid" ]; do sleep 0.01; done
echo '{"step": 1}' >&3
read r <&3
EOF
start_fake orphans
t0=$(now)
run_exec orphans sh "$TMP/orphans.sh"
t1=$(now)
wait $FAKE_PID
sleep 0.2
check "leftovers: exec exits 0" [ $RC -eq 0 ]
check "leftovers: ... within the 1 s it waits for fd 3 (and a bit)" elapsed_below "$t0" "$t1" 3
check "leftovers: the child left in its group is killed" gone "$(cat "$TMP/orphans.child")"
if [ "$("$ES" measure --json -- true 2>/dev/null | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["cpu_time"])')" = cgroup ]; then
  check "leftovers: a setsid orphan is killed (its cgroup)" gone "$(cat "$TMP/orphans.setsid")"
else
  kill "$(cat "$TMP/orphans.setsid")" 2>/dev/null
  echo "# no cgroup v2 here: setsid orphans are not exec's to kill"
fi
pycheck "leftovers: the exit line says status 0" "$TMP/orphans.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["errors"] == [] and r["exit"]["status"] == 0 and len(r["reports"]) == 1, r
PYEOF

# ---- line lengths --------------------------------------------------------------------------------------------
cat >"$TMP/long.py" <<'EOF'
import os
fd = 3
pad = 65536 - len('{"step": 1, "pad": ""}')
os.write(fd, ('{"step": 1, "pad": "%s"}\n' % ("p" * pad)).encode())   # exactly ES_REPORT_MAX
os.write(fd, b"x" * 70000 + b"\n")                                      # over it
os.write(fd, b'{"step": 2}\n')                                          # not relayed any more
EOF
start_fake long --replies none
run_exec long "$PY" "$TMP/long.py"
wait $FAKE_PID
pycheck "a report of exactly 64 KiB gets its node member; an over-long line: its first 65537 bytes, then nothing" "$TMP/long.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["errors"] == [], r["errors"]
L = r["lines"]
assert len(L) == 2, [len(x) for x in L]
assert L[0].rindex('"node":{') == 65536 and len(L[0]) <= 65536 + 128 and len(r["reports"]) == 1, len(L[0])
assert L[1] == "x" * 65537, len(L[1])
assert r["exit"]["status"] == 0, r["exit"]
PYEOF

# ---- a silent scheduler (connect hangs): 10 s ------------------------------------------------------------
start_fake silent --never-accept --timeout 14
t0=$(now)
HOSTPORT=127.0.0.1:$PORT run_exec silent sh -c "touch '$TMP/silent.started'"
t1=$(now)
kill $FAKE_PID 2>/dev/null
wait $FAKE_PID 2>/dev/null
check "connect hangs: exit 255 after 10 s, trial not started" sh -c "[ $RC -eq 255 ] && [ ! -e '$TMP/silent.started' ]"
check "connect hangs: says it timed out" [ "$(cat "$TMP/silent.err")" = "ecosweep: exec: cannot reach the scheduler at 127.0.0.1:$PORT: connection timed out" ]
check "connect hangs: gives up at 10 s" elapsed_at_least "$t0" "$t1" 9.5
check "connect hangs: not much later" elapsed_below "$t0" "$t1" 13

# ---- usage ---------------------------------------------------------------------------------------------------
ECOSWEEP_TOKEN=$TOKEN ECOSWEEP_TRIAL_ID=7 "$ES" exec -- true 2>"$TMP/u1.err"
check "no ECOSWEEP_CONNECT: exit 2, says so" sh -c "[ $? -eq 2 ] && grep -q '^ecosweep: exec: ECOSWEEP_CONNECT is not set' '$TMP/u1.err'"
ECOSWEEP_CONNECT=127.0.0.1:1 ECOSWEEP_TOKEN=xyz ECOSWEEP_TRIAL_ID=7 "$ES" exec -- true 2>"$TMP/u2.err"
check "a bad token: exit 2, says so" sh -c "[ $? -eq 2 ] && grep -q '^ecosweep: exec: ECOSWEEP_TOKEN: not 32 hex digits' '$TMP/u2.err'"
ECOSWEEP_CONNECT=127.0.0.1:1 ECOSWEEP_TOKEN=$TOKEN ECOSWEEP_TRIAL_ID=7 "$ES" exec -- 2>"$TMP/u3.err"
check "no command: exit 2" [ $? -eq 2 ]

# ---- a host meter (fake RAPL, 40 W) --------------------------------------------------------------------------
"$PY" "$HERE/fake_rapl.py" "$TMP/rapl" 40 60000000 &
RAPL_PID=$!
i=0
while [ ! -f "$TMP/rapl/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
cat >"$TMP/busy.py" <<'EOF'
import os, time
for step in (1, 2):
    t = time.process_time()
    while time.process_time() - t < 0.2:
        pass
    os.write(3, b'{"step": %d}\n' % step)
    os.read(3, 100)
EOF
start_fake rapl
ECOSWEEP_POWERCAP_ROOT="$TMP/rapl" run_exec rapl "$PY" "$TMP/busy.py"
wait $FAKE_PID
kill $RAPL_PID 2>/dev/null
wait $RAPL_PID 2>/dev/null
pycheck "rapl on the node: labelled rapl, the trial's CPU share of the package" "$TMP/rapl.json" <<PYEOF
import json, sys
r = json.load(open(sys.argv[1]))
assert $RC == 0 and r["errors"] == [], r
assert r["hello"]["meter"] == "rapl" and r["hello"]["estimate"] is False, r["hello"]
e = [x["node"]["energy_j"] for x in r["reports"]] + [r["exit"]["energy_j"]]
assert len(e) == 3 and 0 < e[0] < e[1] <= e[2], e
x = r["exit"]
assert x["cpu_s"] >= 0.35 and x["energy_j"] <= 40 * x["wall_s"] * 1.05, x
PYEOF

# ---- GPUs (the NVML stand-in): only the trial's own -------------------------------------------------------------
STANDIN=$BUILD_DIR/tests/libnvml_standin.so
if [ -f "$STANDIN" ]; then
  printf 'GPU-1111aaaa 200000 energy\nGPU-2222bbbb 100000 energy\n' >"$TMP/gpus.txt"
  start_fake gpu
  ECOSWEEP_NVML_LIB="$STANDIN" ECOSWEEP_NVML_STANDIN="$TMP/gpus.txt" CUDA_VISIBLE_DEVICES=GPU-2222bbbb \
    run_exec gpu sh -c 'sleep 0.5; echo "{\"step\": 1}" >&3; read r <&3'
  wait $FAKE_PID
  pycheck "GPUs on the node: labelled +nvml, the trial's GPU (100 W) in full, not the other" "$TMP/gpu.json" <<PYEOF
import json, sys
r = json.load(open(sys.argv[1]))
assert $RC == 0 and r["errors"] == [], r
assert r["hello"]["meter"].endswith("+nvml"), r["hello"]
x = r["exit"]
gpu_j = x["energy_j"] - 10 * x["cpu_s"] - 1 * x["wall_s"]   # less the estimate's CPU and (generous) RAM terms
assert 0.8 * 100 * x["wall_s"] <= x["energy_j"] and gpu_j <= 1.1 * 100 * x["wall_s"], x
assert r["reports"][0]["node"]["energy_j"] >= 0.8 * 100 * 0.5, r["reports"]
PYEOF
else
  echo "# $STANDIN not built: the GPU case not run"
fi

finish
