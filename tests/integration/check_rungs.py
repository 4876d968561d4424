#!/usr/bin/env python3
"""Independent check of early-stopping decisions (standard library only).

usage: check_rungs.py DIR ETA SELECTION

Replays journal.jsonl: for every report that carries a "rung" decision
taken at once (asha, hyperband: "continue" or "stop"), recomputes the
promotion rule of DESIGN §3 from the results recorded at that rung so far
(this one included; hyperband: within the trial's bracket, from its start
event) and checks the decision. SELECTION is "pareto"
(non-dominated rank, then larger crowding distance, then lower id) or
"scalar" (first objective, then lower id). Objectives at a rung: the
report's metrics and its energy_j, in the spec's goals. Written apart from
the C code under test; shares nothing with it.
"""
import json
import math
import sys


def fail(msg):
    print("check_rungs: " + msg)
    sys.exit(1)


def dominates(a, b):
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def pareto_order(points):
    """points: list of (id, vector) in minimisation form -> ids best first."""
    remaining = list(points)
    order = []
    while remaining:
        front = [p for p in remaining if not any(dominates(q[1], p[1]) for q in remaining)]
        k = len(front[0][1])
        dist = {p[0]: 0.0 for p in front}
        for j in range(k):
            s = sorted(front, key=lambda p: p[1][j])
            lo, hi = s[0][1][j], s[-1][1][j]
            if hi == lo:
                continue
            dist[s[0][0]] = math.inf
            dist[s[-1][0]] = math.inf
            for i in range(1, len(s) - 1):
                dist[s[i][0]] += (s[i + 1][1][j] - s[i - 1][1][j]) / (hi - lo)
        front.sort(key=lambda p: (-dist[p[0]], p[0]))
        order += [p[0] for p in front]
        ids = {p[0] for p in front}
        remaining = [p for p in remaining if p[0] not in ids]
    return order


def main():
    d, eta, selection = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    events = [json.loads(l) for l in open(d + "/journal.jsonl")]
    spec = events[0]["spec"]
    objs = spec["objectives"]
    top = spec.get("resource", {}).get("max", 1)
    rungs = {}
    bracket = {}
    checked = 0
    for ev in events:
        if ev.get("event") == "start":
            bracket[ev["trial"]] = ev.get("bracket", 0)
        if ev.get("event") != "report" or "rung" not in ev or ev.get("decision") not in ("continue", "stop"):
            continue
        if ev["rung"] >= top * (1 - 1e-9):
            continue  # the last rung (= max): the trial just finishes
        vec = []
        for o in objs:
            v = ev["energy_j"] if o["metric"] == "energy_j" else ev["metrics"][o["metric"]]
            vec.append(-v if o["goal"] == "max" else v)
        rung = rungs.setdefault((bracket.get(ev["trial"], 0), ev["rung"]), [])
        rung.append((ev["trial"], vec))
        if selection == "scalar":
            order = [p[0] for p in sorted(rung, key=lambda p: (p[1][0], p[0]))]
        else:
            order = pareto_order(rung)
        pos = order.index(ev["trial"])
        expect = "continue" if pos < math.ceil(len(rung) / eta - 1e-12) else "stop"
        if ev["decision"] != expect:
            fail("trial %d at rung %g: %s, expected %s (position %d of %d)" % (
                ev["trial"], ev["rung"], ev["decision"], expect, pos, len(rung)))
        checked += 1
    if checked == 0:
        fail("no rung decisions found")
    print("check_rungs: ok (%d decisions)" % checked)


main()
