"""train.py - an ecosweep trial: scikit-learn's MLPClassifier on the digits,
with the fraction of the training set as the fidelity ("data sampling").

Resource level k of ECOSWEEP_MAX_RESOURCE (say 27) means "fit on k/27 of
the training rows". The trial fits a fresh model at each level of the
successive-halving ladder min, min*eta, min*eta^2, ... (--min, --eta; the
spec passes its own resource.min and resource.eta) up to the maximum, and
reports after each fit:

    {"step": k, "metrics": {"accuracy": ..., "loss": ..., "n_train": ...}}

accuracy is on the held-out 20 % of examples/data/digits.csv, the same
rows every trial and the C example (examples/digits) are scored on; loss is
the model's final training loss. The scheduler adds energy_j. When the
scheduler says stop, the trial exits at once. The subsets are nested (a
fixed shuffle's prefixes), so a larger fraction only adds rows.

Parameters (ECOSWEEP_PARAMS; these defaults when run standalone):
    width 64, alpha 1e-4, learning_rate_init 1e-3, activation "relu"

    PYTHONPATH=workers/client python3 examples/sklearn/train.py

A relaunched trial (ECOSWEEP_RESUMED=1) simply starts again: each level
is one fit of at most a few seconds, so there is nothing worth keeping.
"""

import argparse
import os
import sys

# One BLAS thread: the sweep runs one trial per CPU, and a multithreaded
# BLAS in each would oversubscribe them. Must precede importing numpy.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

import ecosweep  # noqa: E402

# The digits and the C example's split, shared by the Python examples.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
import digits_split  # noqa: E402

DEFAULTS = {
    "width": 64,
    "alpha": 1e-4,
    "learning_rate_init": 1e-3,
    "activation": "relu",
    "max_resource": 27,
}


def levels(lo, eta, hi):
    """The ladder lo, lo*eta, ... below hi, then hi itself."""
    out, level = [], lo
    while level < hi:
        out.append(level)
        level *= eta
    out.append(hi)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="examples/data/digits.csv")
    ap.add_argument("--min", type=float, default=1, help="resource.min of the spec")
    ap.add_argument("--eta", type=float, default=3, help="resource.eta of the spec")
    ap.add_argument("--seed", type=int, default=1, help="weights and minibatch order")
    args = ap.parse_args()

    t = ecosweep.Trial(defaults=DEFAULTS)
    p = t.params
    x_train, y_train, x_test, y_test = digits_split.load_digits(args.data)
    # Nested subsets: a fixed permutation of the training rows, then prefixes.
    perm = np.random.RandomState(args.seed).permutation(len(y_train))
    x_train, y_train = x_train[perm], y_train[perm]
    top = t.max_resource

    for level in levels(args.min, args.eta, top):
        n = max(20, int(round(len(y_train) * level / top)))
        model = MLPClassifier(
            hidden_layer_sizes=(int(p["width"]),),
            activation=str(p["activation"]),
            alpha=float(p["alpha"]),
            learning_rate_init=float(p["learning_rate_init"]),
            solver="adam",
            max_iter=100,
            random_state=args.seed,
        )
        with warnings.catch_warnings():
            # Small subsets and few iterations do not converge: expected.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x_train[:n], y_train[:n])
        accuracy = float(model.score(x_test, y_test))
        step = int(level) if float(level).is_integer() else level
        if not t.report(step, accuracy=accuracy, loss=float(model.loss_), n_train=n):
            break  # told to stop by a rung or a budget
        if not t.in_sweep:
            print("level %g/%g: %d rows, accuracy %.4f" % (level, top, n, accuracy))


if __name__ == "__main__":
    main()
