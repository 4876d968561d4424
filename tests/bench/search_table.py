#!/usr/bin/env python3
"""search_table.py - print the search benchmark's table (standard library
only): rows = methods, columns = the median joules each method's search
spent before its points reached 80 / 90 / 95 % of the reference
hypervolume, then a line comparing the best ecosweep row with the best
Optuna row at 90 %.

usage: search_table.py [--reference REFERENCE_JSON] [FILE ...]

Reads JSON lines (from FILEs, else stdin) as written by
optuna_surrogate.py and ecosweep_hv_trace.py (hv_progress.summary_line);
lines that are not JSON objects with "method" and "median_joules_to" are
ignored. "—" marks a target not reached in a majority of seeds; each cell
also says in how many seeds it was reached. Rows keep their input order.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hv_progress  # noqa: E402

KEYS = [hv_progress.target_key(t) for t in hv_progress.TARGETS]


def fmt_joules(j):
    if j is None:
        return "—"
    for unit, scale in (("GJ", 1e9), ("MJ", 1e6), ("kJ", 1e3)):
        if abs(j) >= scale:
            return "%.3g %s" % (j / scale, unit)
    return "%.3g J" % j


def read_rows(paths):
    rows = []
    streams = [open(p) for p in paths] if paths else [sys.stdin]
    for f in streams:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if isinstance(d, dict) and "method" in d and isinstance(d.get("median_joules_to"), dict):
                rows.append(d)
        if f is not sys.stdin:
            f.close()
    return rows


def cell(row, key):
    per_seed = (row.get("joules_to") or {}).get(key) or []
    n = len(per_seed)
    hit = sum(1 for v in per_seed if v is not None)
    text = fmt_joules(row["median_joules_to"].get(key))
    return "%s (%d/%d)" % (text, hit, n) if n else text


def best(rows, family, key):
    cands = [r for r in rows if r.get("family") == family and r["median_joules_to"].get(key) is not None]
    return min(cands, key=lambda r: r["median_joules_to"][key]) if cands else None


def main(argv):
    args = argv[1:]
    ref = None
    if len(args) >= 2 and args[0] == "--reference":
        with open(args[1]) as f:
            ref = json.load(f)
        args = args[2:]
    rows = read_rows(args)
    if not rows:
        print("search_table: no result lines", file=sys.stderr)
        return 1
    if ref:
        print("reference: %d-point front of %d configurations x %d epochs; hypervolume %.6g against "
              "(accuracy %g, %s)" % (ref["front_size"], ref.get("samples", 0), ref.get("epochs", 0),
                                     ref["hypervolume"], ref["reference"][0], fmt_joules(ref["reference"][1])))
    head = ["method"] + ["to %s %% HV" % k for k in KEYS]
    table = [head] + [[r["method"]] + [cell(r, k) for k in KEYS] for r in rows]
    widths = [max(len(t[i]) for t in table) for i in range(len(head))]
    print("median joules the search spent to reach a fraction of the reference hypervolume "
          "(seeds reaching it)")
    for i, t in enumerate(table):
        print("  ".join(t[0].ljust(widths[0]) if j == 0 else t[j].rjust(widths[j]) for j in range(len(t))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for r in rows:
        if r.get("pruning") and r["pruning"] != "accepted":
            print("note: %s: pruning %s" % (r["method"], r["pruning"]))
    e, o = best(rows, "ecosweep", "90"), best(rows, "optuna", "90")
    if e and o:
        je, jo = e["median_joules_to"]["90"], o["median_joules_to"]["90"]
        print("at 90 %%: best ecosweep (%s, %s) / best Optuna (%s, %s) = %.3g"
              % (e["method"], fmt_joules(je), o["method"], fmt_joules(jo), je / jo))
    else:
        missing = " and ".join(f for f, b in (("ecosweep", e), ("Optuna", o)) if b is None)
        print("at 90 %%: no %s row reached it in a majority of seeds: no ratio" % missing)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
