"""hv_progress.py - the search benchmark's one way of scoring a search
(standard library only), shared by optuna_surrogate.py,
ecosweep_hv_trace.py and search_table.py so that every method is measured
alike.

A search is a sequence of finished trials, in the order they finished,
each with the joules it cost and its point (accuracy, joules) - for every
method the trial's last report (DESIGN.md §6), or no point when the trial
failed. Walking the sequence, joules spent = the running sum of the
trials' costs; after each trial, the hypervolume of all points so far is
taken against the reference point of tests/bench/reference_hv.c
(maximise accuracy, minimise joules; a point counts only when it is
strictly better than the reference on both). joules_to_reach() gives,
per target fraction of the reference hypervolume, the joules spent when
the search first reached it (None: never).

Medians across seeds (median_reached): a seed that never reached a target
counts as +infinity; the median is None ("not reached") when more than half
of the seeds missed it; with an even number of seeds and exactly half
missing, the lower middle value is used.
"""
import json
import math

TARGETS = (0.80, 0.90, 0.95)


def target_key(fraction):
    """"80" for 0.80: the key used in the JSON lines."""
    return str(int(round(fraction * 100)))


def load_reference(path):
    """(reference accuracy, reference joules, reference hypervolume) from
    the JSON that reference_hv prints."""
    with open(path) as f:
        ref = json.load(f)
    if ref.get("objectives") != ["accuracy", "energy_j"]:
        raise ValueError(path + ": objectives must be [\"accuracy\", \"energy_j\"]")
    acc, joules = ref["reference"]
    return float(acc), float(joules), float(ref["hypervolume"])


def hypervolume(points, ref_acc, ref_j):
    """Area dominated by points [(accuracy, joules)...] (accuracy up,
    joules down) within the box bounded by (ref_acc, ref_j)."""
    pts = sorted((j, -a) for a, j in points if a > ref_acc and j < ref_j)
    area, best = 0.0, -ref_acc  # best = lowest -accuracy so far
    for j, neg_a in pts:
        if neg_a < best:
            area += (ref_j - j) * (best - neg_a)
            best = neg_a
    return area


class Progress:
    """A search scored as it goes: add() each finished trial in order."""

    def __init__(self, ref_acc, ref_j, ref_hv, targets=TARGETS):
        self.ref_acc, self.ref_j, self.ref_hv = ref_acc, ref_j, ref_hv
        self.targets = targets
        self.reached = {target_key(t): None for t in targets}
        self.front = []  # non-dominated points so far
        self.spent = 0.0
        self.hv = 0.0
        self.trials = 0

    def add(self, cost, point):
        """cost: the trial's joules; point: (accuracy, joules) or None."""
        self.trials += 1
        self.spent += cost
        if point is not None:
            acc, j = point
            if not any(fa >= acc and fj <= j for fa, fj in self.front):
                self.front = [(fa, fj) for fa, fj in self.front if not (acc >= fa and j <= fj)]
                self.front.append((acc, j))
                self.hv = hypervolume(self.front, self.ref_acc, self.ref_j)
        for t in self.targets:
            k = target_key(t)
            if self.reached[k] is None and self.hv >= t * self.ref_hv:
                self.reached[k] = self.spent

    def done(self):
        """Every target reached: later trials cannot change the figures."""
        return all(v is not None for v in self.reached.values())

    def fraction(self):
        return self.hv / self.ref_hv


def joules_to_reach(trials, ref_acc, ref_j, ref_hv, targets=TARGETS):
    """trials: [(cost_joules, point or None)...] in finishing order, point
    = (accuracy, joules). Returns ({key: joules or None}, final fraction,
    total joules)."""
    p = Progress(ref_acc, ref_j, ref_hv, targets)
    for cost, point in trials:
        p.add(cost, point)
    return p.reached, p.fraction(), p.spent


def median_reached(values):
    """Median over seeds of joules-to-reach values (None = not reached),
    or None when more than half are None."""
    n = len(values)
    if n == 0:
        return None
    xs = sorted(math.inf if v is None else v for v in values)
    missing = sum(1 for v in values if v is None)
    if 2 * missing > n:
        return None
    if n % 2:
        return xs[n // 2]
    lo, hi = xs[n // 2 - 1], xs[n // 2]
    return lo if math.isinf(hi) else (lo + hi) / 2


def summary_line(method, family, seeds, per_seed, extra=None):
    """The JSON line for one method: per_seed = [(reached, fraction,
    spent)...] in the order of seeds. Keys: method, family, seeds,
    joules_to {"80": [per seed]...}, median_joules_to {"80": j...},
    final_hv_fraction, joules_spent, then extra's."""
    line = {"method": method, "family": family, "seeds": list(seeds)}
    line["joules_to"] = {target_key(t): [r[0][target_key(t)] for r in per_seed] for t in TARGETS}
    line["median_joules_to"] = {k: median_reached(v) for k, v in line["joules_to"].items()}
    line["final_hv_fraction"] = [round(r[1], 6) for r in per_seed]
    line["joules_spent"] = [r[2] for r in per_seed]
    if extra:
        line.update(extra)
    return line
