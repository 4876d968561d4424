#!/usr/bin/python3
"""optuna_surrogate.py - the search benchmark's Optuna baselines: Optuna
3.1 (Debian's python3-optuna, run with /usr/bin/python3) searching the
surrogate of examples/bench/surrogate.c, scored exactly as ecosweep's
strategies are (hv_progress.py).

The surrogate is the same C code, called through ctypes from a shared
library built from it, e.g.
    cc -std=c11 -O2 -shared -fPIC -o /tmp/libsurrogate.so \\
       examples/bench/surrogate.c -lm
The search space is read from examples/bench/surrogate.json (the spec the
ecosweep runs use), so both search the same space.

Variants, each with NSGAIISampler, TPESampler and RandomSampler (their
defaults), each with seeds 1..5 (the seed is passed to the sampler), each
a sequential study (trials are scored in the order they ran):
  full    every trial trains all 81 epochs; its point is (accuracy after
          epoch 81, joules of epochs 1..81), and it costs those joules.
          Each trial also reports its learning curve to Optuna for
          pruning, as a user would; Optuna refuses in a multi-objective
          study (NotImplementedError from Trial.report), which each
          result line records and stderr says once.
  epochs  the number of epochs E (int 1..81) is one more searched
          parameter; the point is (accuracy after E, joules of epochs
          1..E), and the trial costs those joules: Optuna can find cheap
          models without pruning. The strongest fair baseline.
Trial budgets, fixed: 1,000 trials per NSGA-II and random study - enough
for NSGA-II with epochs searched to pass 95 % of the reference
hypervolume in most seeds; more only adds joules after the targets. TPE:
150 trials, because Optuna 3.1's multi-objective TPE recomputes its
hypervolume-based split for every parameter of every trial (about 0.1 s
a trial at 150, growing with the trials), and 10 TPE studies of 300 took
the run past its 3-minute allowance on 2 cores. A study also ends as soon
as it has reached 95 %: nothing later can change its figures.

Output: one JSON line per (variant, sampler) on stdout (see
hv_progress.summary_line), with per-seed joules to 80 / 90 / 95 % of the
reference hypervolume and their medians; search_table.py prints the
table. Progress and the pruning note go to stderr.

usage: optuna_surrogate.py --lib LIB.so --reference REF.json
         [--spec examples/bench/surrogate.json] [--trials 300]
         [--seeds 1,2,3,4,5] [--samplers nsga2,tpe,random]
         [--variants full,epochs] [--jobs 2]
"""
import argparse
import ctypes
import json
import logging
import multiprocessing
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hv_progress  # noqa: E402

import optuna  # noqa: E402

MAX_EPOCHS = 81
PARAMS = ("lr", "width", "depth", "batch", "dropout", "weight_decay", "optimizer", "precision")
SAMPLERS = {
    "nsga2": lambda seed: optuna.samplers.NSGAIISampler(seed=seed),
    "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
}
VARIANT_NAMES = {"full": "full fidelity", "epochs": "epochs searched"}

# Set in each process by setup().
LIB = None
SPACE = None
REF = None
CATEGORIES = {}


def load_library(path):
    lib = ctypes.CDLL(os.path.abspath(path))
    d, l, i = ctypes.c_double, ctypes.c_long, ctypes.c_int
    lib.sg_curve_flat.argtypes = [d, l, l, l, d, d, i, i, l, ctypes.POINTER(d), ctypes.POINTER(d)]
    lib.sg_curve_flat.restype = i
    # The categorical values' indices, from the library's own name tables.
    cats = {}
    for param, table, n in (("optimizer", "sg_optimizer_names", 3), ("precision", "sg_precision_names", 3)):
        names = (ctypes.c_char_p * n).in_dll(lib, table)
        cats[param] = {names[k].decode(): k for k in range(n)}
    return lib, cats


def load_space(path):
    with open(path) as f:
        spec = json.load(f)
    space = spec["parameters"]
    if tuple(space) != PARAMS:
        raise SystemExit("optuna_surrogate: %s: parameters must be %s" % (path, ", ".join(PARAMS)))
    return space


def setup(lib_path, spec_path, ref_path):
    global LIB, SPACE, REF, CATEGORIES
    LIB, CATEGORIES = load_library(lib_path)
    SPACE = load_space(spec_path)
    REF = hv_progress.load_reference(ref_path)
    for name in ("optimizer", "precision"):
        for v in SPACE[name]["values"]:
            if v not in CATEGORIES[name]:
                raise SystemExit("optuna_surrogate: %s value %r unknown to the surrogate" % (name, v))
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    optuna.logging.disable_default_handler()
    logging.getLogger("optuna").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")  # ExperimentalWarning and the like


def curve(p, epochs):
    """(accuracies, cumulative joules) for epochs 1..epochs."""
    acc = (ctypes.c_double * epochs)()
    cum = (ctypes.c_double * epochs)()
    rc = LIB.sg_curve_flat(p["lr"], p["width"], p["depth"], p["batch"], p["dropout"], p["weight_decay"],
                           CATEGORIES["optimizer"][p["optimizer"]], CATEGORIES["precision"][p["precision"]],
                           epochs, acc, cum)
    if rc != 0:
        raise RuntimeError("sg_curve_flat failed")
    return list(acc), list(cum)


def suggest(trial):
    p = {}
    for name, d in SPACE.items():
        if d["type"] == "float":
            p[name] = trial.suggest_float(name, d["low"], d["high"], log=d.get("log", False))
        elif d["type"] == "int":
            p[name] = trial.suggest_int(name, d["low"], d["high"], log=d.get("log", False))
        else:
            p[name] = trial.suggest_categorical(name, d["values"])
    return p


def run_one(job):
    """One study: returns (variant, sampler, seed, reached, fraction,
    spent, trials run, refusal message or None, seconds)."""
    variant, sampler_name, seed, n_trials = job
    t0 = time.time()
    progress = hv_progress.Progress(*REF)
    refusal = []

    def objective(trial):
        p = suggest(trial)
        if variant == "epochs":
            epochs = trial.suggest_int("epochs", 1, MAX_EPOCHS)
        else:
            epochs = MAX_EPOCHS
        acc, cum = curve(p, epochs)
        if variant == "full":
            # What a user would write to let Optuna prune: report the
            # learning curve and ask. A multi-objective study refuses.
            for step in range(epochs):
                try:
                    trial.report(acc[step], step + 1)
                    if trial.should_prune():
                        break
                except NotImplementedError as e:
                    if not refusal:
                        refusal.append("%s: %s" % (type(e).__name__, e))
                    break
        progress.add(cum[-1], (acc[-1], cum[-1]))
        if progress.done():
            trial.study.stop()  # nothing later can change the figures
        return acc[-1], cum[-1]

    study = optuna.create_study(directions=["maximize", "minimize"], sampler=SAMPLERS[sampler_name](seed))
    study.optimize(objective, n_trials=n_trials)
    return (variant, sampler_name, seed, progress.reached, progress.fraction(), progress.spent, progress.trials,
            (refusal[0] if refusal else None), time.time() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--lib", required=True, help="shared library built from examples/bench/surrogate.c")
    ap.add_argument("--reference", required=True, help="reference_hv's JSON output")
    ap.add_argument("--spec", default=os.path.join(here, "..", "..", "examples", "bench", "surrogate.json"))
    ap.add_argument("--trials", type=int, default=1000, help="trials per NSGA-II and random study")
    ap.add_argument("--tpe-trials", type=int, default=150, help="trials per TPE study")
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--samplers", default="nsga2,tpe,random")
    ap.add_argument("--variants", default="full,epochs")
    ap.add_argument("--jobs", type=int, default=2, help="studies run in parallel (processes)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    samplers = args.samplers.split(",")
    variants = args.variants.split(",")
    for s in samplers:
        if s not in SAMPLERS:
            ap.error("unknown sampler " + s)
    for v in variants:
        if v not in VARIANT_NAMES:
            ap.error("unknown variant " + v)

    setup(args.lib, args.spec, args.reference)
    budget = {s: (args.tpe_trials if s == "tpe" else args.trials) for s in samplers}
    jobs = [(v, s, seed, budget[s]) for v in variants for s in samplers for seed in seeds]
    jobs.sort(key=lambda j: j[1] != "tpe")  # the slowest first: the processes end together
    t0 = time.time()
    if args.jobs > 1:
        ctx = multiprocessing.get_context("fork")  # workers inherit setup()
        with ctx.Pool(args.jobs) as pool:
            results = pool.map(run_one, jobs, chunksize=1)
    else:
        results = [run_one(j) for j in jobs]

    said = False
    for v in variants:
        for s in samplers:
            rows = sorted((r for r in results if r[0] == v and r[1] == s), key=lambda r: seeds.index(r[2]))
            refusals = [r[7] for r in rows if r[7]]
            extra = {"variant": v, "sampler": s, "trial_budget": budget[s], "trials_run": [r[6] for r in rows],
                     "seconds": [round(r[8], 2) for r in rows]}
            if v == "full":
                extra["pruning"] = ("refused in %d of %d runs: %s" % (len(refusals), len(rows), refusals[0])
                                    if refusals else "accepted")
                if refusals and not said:
                    print("optuna_surrogate: Optuna %s cannot prune a multi-objective study (%s)"
                          % (optuna.__version__, refusals[0]), file=sys.stderr)
                    said = True
            line = hv_progress.summary_line("optuna %s (%s)" % (s, VARIANT_NAMES[v]), "optuna", seeds,
                                            [(r[3], r[4], r[5]) for r in rows], extra)
            print(json.dumps(line), flush=True)
    print("optuna_surrogate: %d studies (trials: %s) in %.1f s (optuna %s, %d processes)"
          % (len(jobs), ", ".join("%s %d" % kv for kv in budget.items()), time.time() - t0, optuna.__version__,
             args.jobs), file=sys.stderr)


if __name__ == "__main__":
    main()
