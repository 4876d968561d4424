#!/bin/sh
# nvml_check.sh - checks the "nvml" meter against nvidia-smi on a machine
# with a real NVIDIA GPU (about a minute; not part of `make test`).
#
# It builds tests/gpu/nvml_probe.c with meters/meter_nvml.c alone (a GPU box
# may lack libuv and the rest of ecosweep's dependencies), then, over one
# window:
#   - samples nvidia-smi's power.draw of every GPU every 100 ms,
#   - runs the probe, which reads the meter every 100 ms,
#   - loads every visible GPU with fp16 matmuls for NVML_CHECK_LOAD_S seconds
#     (default 30) when python3 has torch with CUDA, else leaves them idle,
#     with a few idle seconds on either side so that nvidia-smi's averaged
#     power.draw (1 s on recent drivers) ramps inside the window.
# Then, per GPU (matched by UUID), it integrates power.draw by the trapezoid
# rule over the probe's window and prints the meter's joules, nvidia-smi's,
# their ratio and the average watts.
#
# Exit status: 0 when every GPU's ratio is within NVML_CHECK_TOL (default
# 0.10) of 1, 1 when one is not or something failed, 2 when there is no
# nvidia-smi or it sees no GPU.
#
# Environment: CC (default cc), NVML_CHECK_LOAD_S, NVML_CHECK_TOL, and
# ECOSWEEP_NVML_LIB, which the probe honours like ecosweep does.
#
# What it does not do: check ecosweep itself, pick GPUs (CUDA_VISIBLE_DEVICES
# limits the load; every GPU is still compared), or judge nvidia-smi's own
# accuracy: it is the reference, and a 10 % band allows for its sampling.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
load_s=${NVML_CHECK_LOAD_S:-30}
tol=${NVML_CHECK_TOL:-0.10}
pre_s=2
post_s=3
cc=${CC:-cc}

say() { echo "nvml_check: $*"; }

if ! command -v nvidia-smi >/dev/null 2>&1; then
  say "no nvidia-smi on PATH: this check needs a machine with an NVIDIA GPU and its driver" >&2
  exit 2
fi
if ! gpus=$(nvidia-smi --query-gpu=index,uuid --format=csv,noheader 2>&1) || [ -z "$gpus" ]; then
  say "nvidia-smi finds no GPU: ${gpus:-no output}" >&2
  exit 2
fi
case $load_s in '' | *[!0-9]*) say "NVML_CHECK_LOAD_S must be whole seconds, not '$load_s'" >&2; exit 1 ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvml_check.XXXXXX") || exit 1
smi_pid=
probe_pid=
load_pid=
# shellcheck disable=SC2317 # reached through the trap
cleanup() {
  for p in $load_pid $probe_pid $smi_pid; do kill "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

say "GPUs:"
echo "$gpus" | sed 's/^/  /'

# No -Werror: another compiler on the GPU box may warn where ours does not.
if ! "$cc" -std=c11 -D_GNU_SOURCE -Wall -O2 -I"$root" -o "$tmp/nvml_probe" "$root/tests/gpu/nvml_probe.c" \
  "$root/meters/meter_nvml.c" -ldl; then
  say "cannot build the probe with $cc" >&2
  exit 1
fi

load=idle
if command -v python3 >/dev/null 2>&1 &&
  python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
  load=torch
fi
window=$((pre_s + load_s + post_s))
say "load: $load for ${load_s} s inside a ${window} s window"

nvidia-smi --query-gpu=timestamp,index,uuid,power.draw --format=csv,noheader,nounits -lms 100 \
  >"$tmp/smi.csv" 2>"$tmp/smi.err" &
smi_pid=$!
sleep 1 # nvidia-smi's first samples come before the window starts

"$tmp/nvml_probe" "$window" 100 >"$tmp/probe.out" 2>"$tmp/probe.err" &
probe_pid=$!
sleep "$pre_s"

if [ "$load" = torch ]; then
  # An absolute deadline: importing torch and starting CUDA take seconds,
  # and the load must end inside the window whatever they took.
  deadline=$(($(date +%s) + load_s))
  python3 - "$deadline" >"$tmp/load.log" 2>&1 <<'EOF' &
import sys, time
import torch

deadline = float(sys.argv[1])
devs = [torch.device("cuda", i) for i in range(torch.cuda.device_count())]
mats = [(torch.randn(8192, 8192, device=d, dtype=torch.float16),
         torch.randn(8192, 8192, device=d, dtype=torch.float16)) for d in devs]
rounds = 0
while time.time() < deadline:
    for a, b in mats:  # queued on every GPU before waiting on any
        for _ in range(4):
            c = a @ b
    for d in devs:
        torch.cuda.synchronize(d)
    rounds += 1
print("load: %d rounds of 4 matmuls 8192^2 fp16 on %d GPU(s)" % (rounds, len(devs)))
EOF
  load_pid=$!
fi

wait "$probe_pid"
probe_rc=$?
probe_pid=
if [ -n "$load_pid" ]; then
  kill "$load_pid" 2>/dev/null # normally over by now
  wait "$load_pid" 2>/dev/null
  load_pid=
  sed 's/^/  /' "$tmp/load.log" | tail -5
fi
sleep 1 # a last nvidia-smi sample after the window's end
kill "$smi_pid" 2>/dev/null
wait "$smi_pid" 2>/dev/null
smi_pid=

if [ "$probe_rc" -ne 0 ]; then
  say "the probe failed (status $probe_rc):" >&2
  cat "$tmp/probe.err" "$tmp/probe.out" >&2
  exit 1
fi
sed 's/^/  /' "$tmp/probe.out"
if ! [ -s "$tmp/smi.csv" ]; then
  say "nvidia-smi gave no power samples:" >&2
  cat "$tmp/smi.err" >&2
  exit 1
fi

# probe.out first, then nvidia-smi's "YYYY/MM/DD HH:MM:SS.mmm, index, uuid, watts".
awk -v tol="$tol" '
function days(y, m, d) { # days since a fixed epoch (proleptic Gregorian)
  if (m <= 2) { y -= 1; m += 12 }
  return 365 * y + int(y / 4) - int(y / 100) + int(y / 400) + int((153 * (m - 3) + 2) / 5) + d
}
function secs(stamp,   p, dt, tm) {
  split(stamp, p, " "); split(p[1], dt, "/"); split(p[2], tm, ":")
  return days(dt[1] + 0, dt[2] + 0, dt[3] + 0) * 86400 + tm[1] * 3600 + tm[2] * 60 + tm[3]
}
FNR == NR {
  if ($1 == "window_start") ws = secs($2 " " $3)
  else if ($1 == "window_end") we = secs($2 " " $3)
  else if ($1 ~ /^gpu[0-9]+$/) { n++; name[n] = $1; uuid[n] = $2; how[n] = $3; meter[n] = $4 }
  next
}
{
  split($0, f, /, */)
  u = f[3]; w = f[4]
  if (w !~ /^[0-9]+(\.[0-9]+)?$/) { na[u]++; next }
  t = secs(f[1]); w += 0
  if ((u in lt) && t > lt[u]) {
    a = lt[u]; b = t
    ca = a < ws ? ws : a; cb = b > we ? we : b
    if (cb > ca) { # the part of this segment inside the window, interpolated
      wa = lw[u] + (w - lw[u]) * (ca - a) / (b - a)
      wb = lw[u] + (w - lw[u]) * (cb - a) / (b - a)
      e[u] += 0.5 * (wa + wb) * (cb - ca)
      cov[u] += cb - ca
    }
  }
  lt[u] = t; lw[u] = w
}
END {
  if (n == 0 || !(we > ws)) { print "nvml_check: no GPU or no window in the probe output"; exit 1 }
  span = we - ws; bad = 0
  for (i = 1; i <= n; i++) {
    u = uuid[i]
    if (cov[u] < 0.95 * span) {
      printf "%s %s: nvidia-smi power.draw covers %.1f of the %.1f s window (%d unreadable samples): FAIL\n",
             name[i], u, cov[u], span, na[u]
      bad = 1; continue
    }
    ratio = e[u] > 0 ? meter[i] / e[u] : 0
    ok = ratio >= 1 - tol && ratio <= 1 + tol
    printf "%s %s (%s): meter %.1f J, nvidia-smi %.1f J, ratio %.3f, avg %.1f W over %.1f s: %s\n",
           name[i], u, how[i], meter[i], e[u], ratio, meter[i] / span, span, ok ? "ok" : "FAIL"
    if (!ok) bad = 1
  }
  exit bad
}' "$tmp/probe.out" "$tmp/smi.csv"
st=$?
if [ "$st" -eq 0 ]; then
  say "PASS: every GPU within $tol of nvidia-smi"
else
  say "FAIL" >&2
fi
exit "$st"
