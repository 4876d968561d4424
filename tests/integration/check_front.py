#!/usr/bin/env python3
"""Independent check of a sweep's outputs (standard library only).

usage: check_front.py DIR

Recomputes, from trials.csv and the objectives in front.json, the
non-dominated set of completed and stopped trials, and checks that
front.json and front.csv hold exactly that set, that summary.json's trial
joules are the sum over trials.csv, and (for 2 objectives) the
hypervolume against front.json's reference. Written separately from the
C code under test; shares nothing with it.
"""
import csv
import json
import math
import sys


def fail(msg):
    print("check_front: " + msg)
    sys.exit(1)


def hso(points, ref):
    """Exact hypervolume by slicing on the last objective (minimisation)."""
    if not points:
        return 0.0
    k = len(ref)
    if k == 1:
        return ref[0] - min(p[0] for p in points)
    levels = sorted(set(p[-1] for p in points))
    total = 0.0
    for i, z in enumerate(levels):
        top = levels[i + 1] if i + 1 < len(levels) else ref[-1]
        below = [p[:-1] for p in points if p[-1] <= z]
        total += (top - z) * hso(below, ref[:-1])
    return total


def main():
    d = sys.argv[1]
    with open(d + "/front.json") as f:
        front = json.load(f)
    with open(d + "/summary.json") as f:
        summary = json.load(f)
    with open(d + "/trials.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(d + "/front.csv", newline="") as f:
        front_rows = list(csv.DictReader(f))
    objs = front["objectives"]
    with open(d + "/journal.jsonl") as f:
        sweep = json.loads(f.readline())
    constraints = sweep["spec"].get("constraints", [])
    names = {row_key for row_key in (rows[0].keys() if rows else [])}

    def value(row, metric):
        col = metric
        if metric != "energy_j" and "metric." + metric in names:
            col = "metric." + metric
        v = row.get(col, "")
        return float(v) if v not in ("", None) else None

    pts = []
    for r in rows:
        if r["status"] not in ("completed", "stopped"):
            continue
        vals = [value(r, o["metric"]) for o in objs]
        if any(v is None or not math.isfinite(v) for v in vals):
            continue
        # minimisation form
        pts.append((int(r["id"]), [-v if o["goal"] == "max" else v for v, o in zip(vals, objs)]))

    # Constrained domination: only feasible trials (or, when none is, the
    # least violating ones) compete.
    def violation(row):
        total = 0.0
        for c in constraints:
            v = value(row, c["metric"])
            if v is None:
                return math.inf
            if "min" in c and v < c["min"]:
                total += c["min"] - v
            if "max" in c and v > c["max"]:
                total += v - c["max"]
        return total

    if constraints and pts:
        byid = {int(r["id"]): r for r in rows}
        viol = {i: violation(byid[i]) for i, _ in pts}
        least = min(viol.values())
        pts = [(i, p) for i, p in pts if viol[i] == least]
        if front.get("feasible") != (least == 0):
            fail("front.json feasible=%r, expected %r" % (front.get("feasible"), least == 0))

    def dominates(a, b):
        return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))

    expect = sorted(i for i, p in pts if not any(dominates(q, p) for _, q in pts))
    got = sorted(t["id"] for t in front["trials"])
    if expect != got:
        fail("front.json ids %s, expected %s" % (got, expect))
    got_csv = sorted(int(r["id"]) for r in front_rows)
    if got_csv != expect:
        fail("front.csv ids %s, expected %s" % (got_csv, expect))
    total = sum(float(r["energy_j"]) for r in rows)
    if not math.isclose(summary["energy_j"]["trials"], total, rel_tol=1e-9, abs_tol=1e-12):
        fail("summary trials joules %r != sum %r" % (summary["energy_j"]["trials"], total))
    e = summary["energy_j"]
    if not math.isclose(e["trials"] + e["overhead"], e["total"], rel_tol=1e-12, abs_tol=1e-12):
        fail("trials + overhead != total in summary.json")
    if summary["trials"]["total"] != len(rows):
        fail("summary total %r != %d rows" % (summary["trials"]["total"], len(rows)))
    if len(objs) >= 3 and front["hypervolume"] is not None and "hypervolume_se" not in front:
        ref = [-r if o["goal"] == "max" else r for r, o in zip(front["reference"], objs)]
        fp = [p for i, p in pts if i in set(expect) and all(x < r for x, r in zip(p, ref))]
        hv = hso(fp, ref)
        if not math.isclose(hv, front["hypervolume"], rel_tol=1e-9, abs_tol=1e-12):
            fail("hypervolume %r, expected %r (%d objectives)" % (front["hypervolume"], hv, len(objs)))
    if len(objs) == 2 and front["hypervolume"] is not None:
        ref = [-r if o["goal"] == "max" else r for r, o in zip(front["reference"], objs)]
        fp = sorted(p for i, p in pts if i in set(expect) and p[0] < ref[0] and p[1] < ref[1])
        hv, prev_y = 0.0, ref[1]
        for x, y in fp:
            if y < prev_y:
                hv += (ref[0] - x) * (prev_y - y)
                prev_y = y
        if not math.isclose(hv, front["hypervolume"], rel_tol=1e-9, abs_tol=1e-12):
            fail("hypervolume %r, expected %r" % (front["hypervolume"], hv))
    print("check_front: ok (%d trials, %d on the front)" % (len(rows), len(expect)))


main()
