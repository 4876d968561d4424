#!/bin/sh
# What a running sweep shows: piped, a plain status line every
# $ECOSWEEP_PROGRESS_S seconds and alerts marked "!!"; on a terminal (a
# pty), one line redrawn in place with "\r" and the alert in reverse video;
# --quiet, nothing but errors.
. "$(dirname "$0")/common.inc"
cd "$TMP" || exit 1
cat > p.json <<J
{"command": ["sh", "-c", "sleep 0.25; sh $HERE/trials/modes.sh ok"],
 "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "budget": {"trials": 8}, "workers": {"count": 2}, "seed": 3,
 "alerts": [{"at": 0.5, "command": ["true"]}]}
J
ECOSWEEP_PROGRESS_S=0.3 "$ES" run p.json -o piped 2> piped.err
check "piped: exits 0" [ $? -eq 0 ]
check "piped: plain status lines" [ "$(grep -cE '^ecosweep: [0-9]+/8 done \([0-9]+ running, [0-9]+ stopped, [0-9]+ failed\) \| [0-9.e+-]+ (m|k|M)?J est\., [0-9.e+-]+ g CO2e \| front [0-9]+(, HV [0-9.e+-]+)? \| [0-9hms]+ elapsed, ETA [0-9hms?]+$' piped.err)" -ge 2 ]
check "piped: no terminal control characters" sh -c "! grep -q \"\$(printf '\\r')\" piped.err"
check "piped: the alert stands out" grep -q '^!! ecosweep: ALERT: 50% of budget.trials spent' piped.err
check "piped: the status counts up to the end" grep -q 'ecosweep: [0-9]/8 done' piped.err

"$ES" run p.json -o quiet --quiet 2> quiet.err
check "--quiet: no status line" sh -c "! grep -q 'done (' quiet.err"

# A terminal: run it on a pty and keep what it drew.
"$PY" - "$ES" > tty.out 2>&1 <<'PYEOF'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execv(sys.argv[1], [sys.argv[1], "run", "p.json", "-o", "tty"])
out = b""
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
os.waitpid(pid, 0)
sys.stdout.write(repr(out))
PYEOF
check "terminal: the status line is redrawn in place" grep -q 'r\\x1b\[Kecosweep: [0-9]*/8 done' tty.out
check "terminal: the alert in reverse video" grep -q 'x1b\[1;7mecosweep: ALERT: 50% of budget.trials spent' tty.out
check "terminal: trial lines print above the status line" grep -q 'x1b\[Kecosweep: trial [0-9]* completed' tty.out
check "terminal: the final status shows every trial" grep -q 'ecosweep: 8/8 done (0 running' tty.out
finish
