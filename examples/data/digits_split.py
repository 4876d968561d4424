"""The UCI digits in examples/data/digits.csv, split exactly as
examples/digits/digits_trial.c splits them (the same Fisher-Yates shuffle
driven by splitmix64 from the same seed, the last 20 % held out), so every
example is scored on the same 359 images. Used by examples/sklearn and
examples/torch (numpy only)."""
import numpy as np

SPLIT_SEED = 20240501  # the C example's: the same validation rows
_MASK = (1 << 64) - 1


def _splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & _MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return state, z ^ (z >> 31)


def load_digits(path, dtype=np.float64):
    """(x_train, y_train, x_test, y_test) as numpy arrays: pixels scaled to
    [0, 1], labels as int64."""
    data = np.loadtxt(path, delimiter=",", dtype=dtype)
    x, y = data[:, :64] / 16.0, data[:, 64].astype(np.int64)
    n = len(y)
    order = list(range(n))
    state = SPLIT_SEED
    for i in range(n, 1, -1):  # Fisher-Yates, as shuffle() in the C trial
        state, r = _splitmix64(state)
        j = r % i
        order[i - 1], order[j] = order[j], order[i - 1]
    order = np.array(order)
    n_test = n // 5
    train, test = order[: n - n_test], order[n - n_test:]
    return x[train], y[train], x[test], y[test]
