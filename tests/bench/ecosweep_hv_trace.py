#!/usr/bin/env python3
"""ecosweep_hv_trace.py - score ecosweep sweeps of the search benchmark
exactly as optuna_surrogate.py scores Optuna's studies (hv_progress.py),
from their output directories. Standard library only.

usage: ecosweep_hv_trace.py [--method NAME] DIR [DIR ...] REFERENCE_JSON

Each DIR is one sweep of examples/bench/surrogate.json (one seed).
REFERENCE_JSON is what tests/bench/reference_hv prints. From DIR's
journal.jsonl, in the order of the "end" events: joules spent = the
running sum of ended trials' energy_j (every status: a failed trial's
joules are spent too); a completed or stopped trial adds its point
(accuracy, energy_j) - its last report's accuracy (the end event's
metrics, else its last "report" event's) and all the joules it consumed
(DESIGN.md §6). Points are scored against the reference front's
hypervolume; the joules at which 80 / 90 / 95 % of it is first reached are
printed as one JSON line (hv_progress.summary_line, family "ecosweep"),
with one entry per DIR and the medians, ready for search_table.py. The
method name defaults to "ecosweep SAMPLER+HALVING+SELECTION" from the
first sweep's spec. Exit 1 on an unreadable journal, 2 on bad usage.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hv_progress  # noqa: E402

POINT_STATUSES = ("completed", "stopped")


def read_journal(directory):
    """(sweep event, [(cost, point or None)...] in end order)."""
    path = os.path.join(directory, "journal.jsonl")
    with open(path) as f:
        lines = f.read().split("\n")
    sweep = None
    last_metrics = {}
    trials = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            if no == len(lines) or (no == len(lines) - 1 and lines[-1] == ""):
                break  # a torn last line
            raise ValueError("%s:%d: not JSON" % (path, no))
        kind = ev.get("event")
        if kind == "sweep" and sweep is None:
            sweep = ev
        elif kind == "report":
            if isinstance(ev.get("metrics"), dict):
                last_metrics[ev["trial"]] = ev["metrics"]
        elif kind == "end":
            cost = float(ev.get("energy_j") or 0.0)
            metrics = ev.get("metrics") if isinstance(ev.get("metrics"), dict) else last_metrics.get(ev["trial"], {})
            point = None
            if ev.get("status") in POINT_STATUSES and isinstance(metrics.get("accuracy"), (int, float)):
                point = (float(metrics["accuracy"]), cost)
            trials.append((cost, point))
    if sweep is None:
        raise ValueError(path + ": no sweep event")
    return sweep, trials


def method_name(sweep):
    st = (sweep.get("spec") or {}).get("strategy") or {}
    return "ecosweep %s+%s+%s" % (st.get("sampler", "random"), st.get("halving", "none"), st.get("selection", "pareto"))


def main(argv):
    method = None
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--method":
        method, args = args[1], args[2:]
    if len(args) < 2 or any(a.startswith("--") for a in args):
        print("usage: ecosweep_hv_trace.py [--method NAME] DIR [DIR ...] REFERENCE_JSON", file=sys.stderr)
        return 2
    dirs, ref_path = args[:-1], args[-1]
    try:
        ref = hv_progress.load_reference(ref_path)
        runs = [read_journal(d) for d in dirs]
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("ecosweep_hv_trace: %s" % e, file=sys.stderr)
        return 1
    per_seed = []
    seeds = []
    for d, (sweep, trials) in zip(dirs, runs):
        reached, fraction, spent = hv_progress.joules_to_reach(trials, *ref)
        per_seed.append((reached, fraction, spent))
        seeds.append(sweep.get("seed"))
        print("ecosweep_hv_trace: %s: %d trials, %.4g J spent, final %.1f %% of the reference HV; to 80/90/95 %%: %s"
              % (d, len(trials), spent, 100 * fraction,
                 " / ".join("-" if reached[k] is None else "%.4g J" % reached[k] for k in ("80", "90", "95"))),
              file=sys.stderr)
    extra = {"dirs": dirs, "trials_run": [len(t) for _, t in runs]}
    print(json.dumps(hv_progress.summary_line(method or method_name(runs[0][0]), "ecosweep", seeds, per_seed, extra)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
