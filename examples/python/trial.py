"""trial.py - an ecosweep trial that uses the Python client.

A toy "training run" with a learning curve, so that early stopping has
something to decide on: the loss falls with each step toward a floor that
depends on the parameters (best near lr = 0.03, depth = 4, with "adam"
slightly ahead of "sgd"). Runs standalone with the defaults below:

    PYTHONPATH=workers/client python3 examples/python/trial.py

Inside a sweep, ecosweep puts workers/client on PYTHONPATH itself.
"""

import math

import ecosweep

DEFAULTS = {"lr": 0.01, "depth": 2, "optimizer": "sgd", "max_resource": 9}


def main():
    t = ecosweep.Trial(defaults=DEFAULTS)
    lr = float(t.params["lr"])
    depth = int(t.params["depth"])
    optimizer = t.params["optimizer"]

    floor = 0.05 + 0.1 * math.log10(lr / 0.03) ** 2 + 0.02 * (depth - 4) ** 2
    if optimizer == "adam":
        floor *= 0.9
    speed = 0.3 + 0.1 * depth  # deeper: fewer steps to approach the floor

    for step in range(1, int(t.max_resource) + 1):
        loss = floor + (1.0 - floor) * math.exp(-speed * step)
        accuracy = 1.0 / (1.0 + loss)
        if not t.report(step, accuracy=accuracy, loss=loss):
            break


if __name__ == "__main__":
    main()
