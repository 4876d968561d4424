#!/bin/sh
# clients.sh - integration tests of the trial-side clients and the example
# trials (DESIGN.md §4), against a fake scheduler instead of ecosweep.
#
# Covers workers/client/ecosweep.py, workers/client/ecosweep_trial.h, the
# shell, Python, digits and bench example trials, and bench_baseline. The
# fake scheduler (a Python stdlib script written below) gives the trial a
# socketpair as fd 3 plus the ECOSWEEP_* environment, checks every report
# line, and answers from a script of replies ("continue", "stop", or "eof":
# hang up). It does not test ecosweep itself.
#
# Run from the repository root after the build. Prints "PASS: name" or
# "FAIL: name" (details on "# " lines) per case; exits non-zero if any
# failed. C example binaries come from $ECOSWEEP_BUILD_DIR/examples (default
# build/examples); a missing one is compiled into a temporary directory.

PY=/usr/bin/python3
CC=${CC:-cc}
CFLAGS_STRICT="-O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Werror"
BUILD_DIR=${ECOSWEEP_BUILD_DIR:-build}
ROOT=$(pwd)

unset ECOSWEEP_FD ECOSWEEP_PARAMS ECOSWEEP_TRIAL_ID ECOSWEEP_MAX_RESOURCE \
  ECOSWEEP_TRIAL_DIR ECOSWEEP_RESUMED ECOSWEEP_CONNECT ECOSWEEP_TOKEN DIGITS_CSV
PYTHONPATH="$ROOT/workers/client${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0

# case NAME CMD...: run CMD, PASS if it exits 0; on failure show its output.
case_() {
  name=$1
  shift
  if "$@" >"$tmp/case.log" 2>&1; then
    echo "PASS: $name"
  else
    echo "FAIL: $name"
    sed 's/^/# /' "$tmp/case.log" | head -40
    failed=$((failed + 1))
  fi
}

# ---- the fake scheduler ------------------------------------------------------
cat >"$tmp/fake.py" <<'PYEOF'
"""Fake ecosweep scheduler: run one trial, script the replies, check.

fake.py [--replies R,R,...] [--env K=V]... [--no-fd] [--check EXPR]... -- CMD...

Replies: continue | stop | eof (hang up); after the list, continue. With
--no-fd the trial gets no socket and its "@ecosweep " stdout lines are the
reports. Each --check is a Python expression over r = {"reports": [...],
"exit": int, "stdout": str, "stderr": str, "out": [stdout lines that are
JSON], "errors": [...]} and must be true. Exit 0 when all hold.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time


def parse_report(line, errors):
    def no_constants(name):
        raise ValueError("non-finite number " + name)

    try:
        obj = json.loads(line, parse_constant=no_constants)
    except ValueError as e:
        errors.append("not JSON (%s): %r" % (e, line))
        return None
    ok = (
        isinstance(obj, dict)
        and set(obj) == {"step", "metrics"}
        and isinstance(obj["step"], (int, float))
        and not isinstance(obj["step"], bool)
        and isinstance(obj["metrics"], dict)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in obj["metrics"].values())
    )
    if not ok:
        errors.append("not a report: %r" % line)
    return obj


def main(argv):
    replies, env_extra, checks, no_fd = [], {}, [], False
    i = 0
    while argv[i] != "--":
        if argv[i] == "--replies":
            replies = [r for r in argv[i + 1].split(",") if r]
            i += 2
        elif argv[i] == "--env":
            k, _, v = argv[i + 1].partition("=")
            env_extra[k] = v
            i += 2
        elif argv[i] == "--check":
            checks.append(argv[i + 1])
            i += 2
        elif argv[i] == "--no-fd":
            no_fd = True
            i += 1
        else:
            sys.exit("fake.py: bad argument " + argv[i])
    cmd = argv[i + 1:]

    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOSWEEP_")}
    # Inside the test's temporary directory, which clients.sh removes.
    trial_dir = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(__file__)))
    env.update({"ECOSWEEP_TRIAL_ID": "7", "ECOSWEEP_MAX_RESOURCE": "3",
                "ECOSWEEP_TRIAL_DIR": trial_dir, "ECOSWEEP_PARAMS": "{}"})
    if not no_fd:
        env["ECOSWEEP_FD"] = "3"
    env.update(env_extra)

    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    r = {"reports": [], "errors": [], "raw": []}
    deadline = time.monotonic() + 30
    if no_fd:
        proc = subprocess.Popen(cmd, env=env, stdout=out_f, stderr=err_f)
    else:
        ours, theirs = socket.socketpair()
        cfd = theirs.fileno()

        def put_on_fd3():
            os.dup2(cfd, 3)
            os.set_inheritable(3, True)

        proc = subprocess.Popen(cmd, env=env, stdout=out_f, stderr=err_f,
                                close_fds=False, preexec_fn=put_on_fd3)
        theirs.close()
        buf = b""
        hung_up = False
        while not hung_up:
            ours.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = ours.recv(65536)
            except socket.timeout:
                r["errors"].append("timed out waiting for the trial")
                break
            except ConnectionResetError:
                data = b""
            if not data:
                if buf:
                    r["errors"].append("unterminated last line: %r" % buf)
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode("utf-8")
                r["raw"].append(text)
                r["reports"].append(parse_report(text, r["errors"]))
                reply = replies.pop(0) if replies else "continue"
                if reply == "eof":
                    ours.close()
                    hung_up = True
                    break
                try:
                    ours.sendall((reply + "\n").encode())
                except OSError:
                    pass
        if not hung_up:
            ours.close()
    try:
        r["exit"] = proc.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        r["exit"] = proc.wait()
        r["errors"].append("trial did not exit")
    out_f.seek(0)
    err_f.seek(0)
    r["stdout"] = out_f.read().decode("utf-8", "replace")
    r["stderr"] = err_f.read().decode("utf-8", "replace")
    r["out"] = []
    for line in r["stdout"].splitlines():
        if no_fd and line.startswith("@ecosweep "):
            r["raw"].append(line[10:])
            r["reports"].append(parse_report(line[10:], r["errors"]))
            continue
        try:
            r["out"].append(json.loads(line))
        except ValueError:
            pass
    bad = [c for c in checks if not eval(c, {"math": __import__("math"), "r": r})]
    if r["errors"] or bad:
        for c in bad:
            print("check failed: " + c)
        print(json.dumps(r, indent=1, default=str))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
PYEOF
fake() { "$PY" "$tmp/fake.py" "$@"; }

# Parameters with every kind of value and a string full of escapes.
PARAMS='{"lr": 1e-3, "width": 64, "name": "a\"b\\c\/d\n\t\u00e9", "flag": true, "none": null, "neg": -2.5E2}'
NAME_HEX=$("$PY" -c 'print("a\"b\\c/d\n\t\u00e9".encode().hex())')

# ---- Python client -------------------------------------------------------------
cat >"$tmp/py_trial.py" <<'PYEOF'
import json
import ecosweep

t = ecosweep.Trial(defaults={"lr": 1.0, "extra": 5})
print(json.dumps({"params": t.params, "max_resource": t.max_resource,
                  "type": type(t.max_resource).__name__, "trial_id": t.trial_id,
                  "trial_dir": t.trial_dir, "in_sweep": t.in_sweep, "resumed": t.resumed}))
try:
    t.report(1, loss=float("nan"))
    print(json.dumps({"nan": "sent"}))
except ValueError:
    print(json.dumps({"nan": "ValueError"}))
n = 0
for step in range(1, t.max_resource + 1):
    n += 1
    if not t.report(step, accuracy=0.5 + step / 10, loss=1.0 / step):
        break
print(json.dumps({"reports": n, "should_stop": t.should_stop}))
PYEOF

py_standalone() {
  "$PY" - 3>"$tmp/fd3.out" >"$tmp/py.out" <<'PYEOF' || return 1
import ecosweep
t = ecosweep.Trial(defaults={"lr": 0.5, "name": "a", "max_resource": 4})
assert t.params == {"lr": 0.5, "name": "a"}, t.params
assert t.max_resource == 4 and not t.in_sweep and not t.resumed, vars(t)
assert t.trial_id is None and t.trial_dir == "."
assert t.report(1, accuracy=0.5) is True and t.report(2.5, loss=3) is True
assert not t.should_stop
assert ecosweep.Trial().max_resource == 1
assert ecosweep.Trial(max_resource=7).max_resource == 7
try:
    t.report(1, loss=float("inf"))
    raise SystemExit("inf accepted")
except ValueError:
    pass
PYEOF
  [ ! -s "$tmp/fd3.out" ] || { echo "wrote to fd 3:"; cat "$tmp/fd3.out"; return 1; }
  [ ! -s "$tmp/py.out" ] || { echo "wrote to stdout:"; cat "$tmp/py.out"; return 1; }
}
case_ "python client standalone: defaults, report returns True, silent" py_standalone

case_ "python client under a scheduler: params, reports, continue then stop" \
  fake --replies continue,stop --env "ECOSWEEP_PARAMS=$PARAMS" --env ECOSWEEP_RESUMED=1 \
  --check 'r["exit"] == 0 and len(r["reports"]) == 2' \
  --check 'r["reports"][0] == {"step": 1, "metrics": {"accuracy": 0.6, "loss": 1.0}}' \
  --check 'r["reports"][1]["step"] == 2' \
  --check 'r["out"][0]["params"]["name"] == "a\"b\\c/d\n\t\u00e9" and r["out"][0]["params"]["lr"] == 1e-3' \
  --check 'r["out"][0]["params"]["extra"] == 5 and r["out"][0]["params"]["flag"] is True' \
  --check 'r["out"][0]["params"]["none"] is None and r["out"][0]["params"]["neg"] == -250' \
  --check 'r["out"][0]["max_resource"] == 3 and r["out"][0]["type"] == "int"' \
  --check 'r["out"][0]["trial_id"] == 7 and r["out"][0]["in_sweep"] and r["out"][0]["resumed"]' \
  --check 'r["out"][1] == {"nan": "ValueError"}' \
  --check 'r["out"][-1] == {"reports": 2, "should_stop": True}' \
  -- "$PY" "$tmp/py_trial.py"

case_ "python client: end-of-file on fd 3 means stop" \
  fake --replies eof --env ECOSWEEP_MAX_RESOURCE=5 \
  --check 'r["exit"] == 0 and len(r["reports"]) == 1' \
  --check 'r["out"][-1] == {"reports": 1, "should_stop": True}' \
  -- "$PY" "$tmp/py_trial.py"

case_ "python client: non-integral max_resource stays a float" \
  fake --env ECOSWEEP_MAX_RESOURCE=2.5 --no-fd \
  --check 'r["out"][0]["max_resource"] == 2.5 and r["out"][0]["type"] == "float"' \
  -- "$PY" -c 'import ecosweep, json; t = ecosweep.Trial(); print(json.dumps({"max_resource": t.max_resource, "type": type(t.max_resource).__name__}))'

case_ "python client: @ecosweep lines on stdout without ECOSWEEP_FD" \
  fake --no-fd --env "ECOSWEEP_PARAMS=$PARAMS" \
  --check 'r["exit"] == 0 and len(r["reports"]) == 3' \
  --check '[x["step"] for x in r["reports"]] == [1, 2, 3]' \
  --check 'r["out"][-1] == {"reports": 3, "should_stop": False}' \
  -- "$PY" "$tmp/py_trial.py"

case_ "python example trial: reports until told stop" \
  fake --replies continue,continue,stop --env ECOSWEEP_MAX_RESOURCE=9 \
  --env 'ECOSWEEP_PARAMS={"lr": 0.03, "depth": 4, "optimizer": "adam"}' \
  --check 'r["exit"] == 0 and len(r["reports"]) == 3' \
  --check 'r["reports"][0]["metrics"]["loss"] > r["reports"][2]["metrics"]["loss"]' \
  -- "$PY" examples/python/trial.py

# ---- C client ----------------------------------------------------------------------
cat >"$tmp/c_trial.c" <<'CEOF'
/* c_trial.c - exercises ecosweep_trial.h for clients.sh. */
#include <stdio.h>

#include "ecosweep_trial.h"

static void hex(const char *s) {
  for (; *s; s++)
    printf("%02x", (unsigned)(unsigned char)*s);
}

int main(void) {
  es_trial t;
  const char *names[] = {"accuracy", "loss"};
  double values[2], bad = NAN;
  const char *name, *flag, *width_text, *missing, *none;
  int nan_rc, inf_step_rc, rc, n = 0;

  if (es_trial_init(&t) != 0)
    return 9;
  name = es_trial_param_string(&t, "name", "def");
  flag = es_trial_param_string(&t, "flag", "def");
  width_text = es_trial_param_string(&t, "width", "def");
  missing = es_trial_param_string(&t, "missing", "def");
  none = es_trial_param_string(&t, "none", "def");
  nan_rc = es_trial_report(&t, 1, 1, names, &bad);
  inf_step_rc = es_trial_report(&t, INFINITY, 0, NULL, NULL);
  printf("{\"name\": \"");
  hex(name); /* still intact after the later calls: results are stable */
  printf("\", \"flag\": \"%s\", \"width_text\": \"%s\", \"missing\": \"%s\", \"none\": \"%s\", ", flag,
         width_text, missing, none);
  printf("\"lr\": %.17g, \"width\": %ld, \"flag_num\": %g, \"neg\": %g, \"lr_long\": %ld, \"dflt\": %g, ",
         es_trial_param_double(&t, "lr", 9), es_trial_param_long(&t, "width", 9),
         es_trial_param_double(&t, "flag", 9), es_trial_param_double(&t, "neg", 9),
         es_trial_param_long(&t, "lr", 9), es_trial_param_double(&t, "name", 9));
  printf("\"max_resource\": %g, \"trial_id\": %ld, \"in_sweep\": %d, \"resumed\": %d, ", t.max_resource,
         t.trial_id, t.in_sweep, t.resumed);
  printf("\"nan_rc\": %d, \"inf_step_rc\": %d}\n", nan_rc, inf_step_rc);
  fflush(stdout);
  for (long step = 1; step <= (long)t.max_resource; step++) {
    values[0] = 0.5 + (double)step / 10;
    values[1] = 1.0 / (double)step;
    n++;
    rc = es_trial_report(&t, (double)step, 2, names, values);
    if (rc < 0)
      return 8;
    if (rc == 0)
      break;
  }
  printf("{\"reports\": %d, \"stopped\": %d}\n", n, t.stopped);
  return 0;
}
CEOF

c_compile() {
  for std in c99 c11; do
    $CC -std=$std -Wall -Wextra -Wpedantic -Werror -I"$ROOT/workers/client" \
      -c "$tmp/c_trial.c" -o "$tmp/c_trial_$std.o" || return 1
  done
  $CC $CFLAGS_STRICT -I"$ROOT/workers/client" "$tmp/c_trial.c" -o "$tmp/c_trial" -lm
}
case_ "C client: header compiles clean (-std=c99/c11 -Wall -Wextra -Wpedantic -Werror)" c_compile

case_ "C client under a scheduler: params, reports, NaN refused, continue then stop" \
  fake --replies continue,stop --env "ECOSWEEP_PARAMS=$PARAMS" --env ECOSWEEP_RESUMED=1 \
  --check 'r["exit"] == 0 and len(r["reports"]) == 2' \
  --check 'r["reports"][0] == {"step": 1, "metrics": {"accuracy": 0.6, "loss": 1.0}}' \
  --check "r[\"out\"][0][\"name\"] == \"$NAME_HEX\"" \
  --check 'r["out"][0]["flag"] == "true" and r["out"][0]["width_text"] == "64"' \
  --check 'r["out"][0]["missing"] == "def" and r["out"][0]["none"] == "def"' \
  --check 'r["out"][0]["lr"] == 1e-3 and r["out"][0]["width"] == 64 and r["out"][0]["flag_num"] == 1' \
  --check 'r["out"][0]["neg"] == -250 and r["out"][0]["lr_long"] == 0 and r["out"][0]["dflt"] == 9' \
  --check 'r["out"][0]["max_resource"] == 3 and r["out"][0]["trial_id"] == 7' \
  --check 'r["out"][0]["in_sweep"] == 1 and r["out"][0]["resumed"] == 1' \
  --check 'r["out"][0]["nan_rc"] == -1 and r["out"][0]["inf_step_rc"] == -1' \
  --check 'r["out"][-1] == {"reports": 2, "stopped": 1}' \
  -- "$tmp/c_trial"

case_ "C client: end-of-file on fd 3 means stop" \
  fake --replies eof --env ECOSWEEP_MAX_RESOURCE=5 \
  --check 'r["exit"] == 0 and len(r["reports"]) == 1 and r["out"][-1] == {"reports": 1, "stopped": 1}' \
  -- "$tmp/c_trial"

case_ "C client: @ecosweep lines on stdout without ECOSWEEP_FD" \
  fake --no-fd --env "ECOSWEEP_PARAMS=$PARAMS" \
  --check 'r["exit"] == 0 and [x["step"] for x in r["reports"]] == [1, 2, 3]' \
  --check 'r["out"][-1] == {"reports": 3, "stopped": 0}' \
  -- "$tmp/c_trial"

c_standalone() {
  [ -x "$tmp/c_trial" ] || return 1
  "$tmp/c_trial" 3>"$tmp/fd3.out" >"$tmp/c.out" || return 1
  [ ! -s "$tmp/fd3.out" ] || { echo "wrote to fd 3"; return 1; }
  # 646566 is "def" in hex: the default.
  for want in '"name": "646566"' '"in_sweep": 0' '"max_resource": 1,' '"trial_id": -1' \
    '"lr": 9,' '"nan_rc": -1' '"reports": 1, "stopped": 0'; do
    grep -qF "$want" "$tmp/c.out" || { echo "no $want in:"; cat "$tmp/c.out"; return 1; }
  done
  ECOSWEEP_PARAMS='{"lr": 1,' "$tmp/c_trial" >/dev/null 2>&1
  [ $? -eq 9 ] || { echo "malformed ECOSWEEP_PARAMS accepted"; return 1; }
}
case_ "C client standalone: defaults, silent, malformed ECOSWEEP_PARAMS refused" c_standalone

# ---- example trials ----------------------------------------------------------------
case_ "shell example under a scheduler: continue then stop" \
  fake --replies continue,stop \
  --check 'r["exit"] == 0 and len(r["reports"]) == 2' \
  --check 'r["reports"][0]["metrics"]["score"] < r["reports"][1]["metrics"]["score"]' \
  --check 'abs(r["reports"][1]["metrics"]["score"] - (1 - math.exp(-2))) < 1e-12' \
  -- sh examples/shell/trial.sh --x 0.5 --y 0.2

case_ "shell example: runs to max_resource, end-of-file means stop" sh -c '
  "$1" "$2" --check "r[\"exit\"] == 0 and len(r[\"reports\"]) == 3" -- sh examples/shell/trial.sh --x 1 --y 0 &&
  "$1" "$2" --replies eof --check "r[\"exit\"] == 0 and len(r[\"reports\"]) == 1" -- sh examples/shell/trial.sh --x 1 --y 0
' sh "$PY" "$tmp/fake.py"

# example_bin NAME SOURCE [EXTRA...]: the built binary, else compile one.
example_bin() {
  if [ -x "$BUILD_DIR/examples/$1" ]; then
    echo "$BUILD_DIR/examples/$1"
  elif $CC $CFLAGS_STRICT -I"$ROOT/workers/client" -o "$tmp/$1" "$2" -lm >"$tmp/cc_$1.log" 2>&1; then
    echo "$tmp/$1"
  else
    cat "$tmp/cc_$1.log" >&2
    echo "$tmp/missing-$1"
  fi
}
DIGITS=$(example_bin digits_trial examples/digits/digits_trial.c)
BENCH_TRIAL=$(example_bin bench_trial examples/bench/bench_trial.c)
BENCH_BASELINE=$(example_bin bench_baseline examples/bench/bench_baseline.c)

case_ "digits trial under a scheduler: accuracy and loss per epoch, stops when told" \
  fake --replies continue,stop --env ECOSWEEP_MAX_RESOURCE=4 \
  --env 'ECOSWEEP_PARAMS={"width": 16, "precision": "double", "lr": 0.1}' \
  --check 'r["exit"] == 0 and [x["step"] for x in r["reports"]] == [1, 2]' \
  --check 'all(set(x["metrics"]) == {"accuracy", "loss"} for x in r["reports"])' \
  --check 'all(0 <= x["metrics"]["accuracy"] <= 1 for x in r["reports"])' \
  --check 'r["reports"][1]["metrics"]["loss"] < r["reports"][0]["metrics"]["loss"]' \
  -- "$DIGITS" --data examples/data/digits.csv

digits_determinism() {
  for p in float double; do
    a=$(ECOSWEEP_PARAMS="{\"width\": 12, \"precision\": \"$p\"}" ECOSWEEP_MAX_RESOURCE=2 \
      ECOSWEEP_TRIAL_ID=1 "$DIGITS") || return 1
    b=$(ECOSWEEP_PARAMS="{\"width\": 12, \"precision\": \"$p\"}" ECOSWEEP_MAX_RESOURCE=2 \
      ECOSWEEP_TRIAL_ID=2 "$DIGITS") || return 1
    [ "$a" = "$b" ] || { echo "$p: runs differ:"; echo "$a"; echo "$b"; return 1; }
    [ "$(echo "$a" | grep -c '^@ecosweep {"step": ')" -eq 2 ] || { echo "$a"; return 1; }
  done
  if DIGITS_CSV="$tmp/no-such.csv" "$DIGITS" >/dev/null 2>"$tmp/err"; then
    echo "a missing data file was not an error"
    return 1
  fi
  grep -q 'no-such.csv' "$tmp/err" || { cat "$tmp/err"; return 1; }
}
case_ "digits trial: deterministic in both precisions, missing data is an error" digits_determinism

bench_trial_case() {
  fake --env 'ECOSWEEP_PARAMS={"x": 42}' --env ECOSWEEP_MAX_RESOURCE=1 \
    --check 'r["exit"] == 0 and r["reports"] == [{"step": 1, "metrics": {"score": 42}}]' \
    -- "$BENCH_TRIAL"
}
case_ "bench trial: one report of its x" bench_trial_case

bench_baseline_case() {
  out=$("$BENCH_BASELINE" 50 2 "$BENCH_TRIAL") || { echo "$out"; return 1; }
  echo "$out" | grep -Eq '^baseline_s=[0-9]+\.[0-9]+$' || { echo "$out"; return 1; }
  # A trial that never reports must make it fail.
  if "$BENCH_BASELINE" 3 2 /bin/true >/dev/null 2>&1; then
    echo "trials without reports passed"
    return 1
  fi
}
case_ "bench_baseline: 50 trials of bench_trial at 2 in flight" bench_baseline_case

[ "$failed" -eq 0 ]
