"""train.py - an ecosweep trial: a PyTorch MLP on the digits (CPU), with the
arithmetic's precision and post-training int8 quantisation as energy levers.

The resource is epochs: for epoch 1..ECOSWEEP_MAX_RESOURCE it trains one
epoch and reports

    {"step": epoch, "metrics": {"accuracy": ..., "infer_ms_per_1k": ...,
                                "loss": ...}}

accuracy is on the held-out 20 % of examples/data/digits.csv (the same rows
as examples/digits and examples/sklearn), measured on the model as it would
be deployed: int8-quantised when quantize is true (int8 weights, activations
quantised on the fly: no autocast), else under bf16 autocast when precision
is "bf16". infer_ms_per_1k is the CPU time (time.process_time, one
thread) that model takes to classify 1,000 samples, in batches of 64,
timed over repeated passes of the test set (the fastest of 5 blocks); the
scheduler adds energy_j (the joules of the whole trial: training plus
evaluation). The model's
shape does not change between epochs, so the inference time is measured
once, at the first report, and repeated in the later ones.

Parameters (ECOSWEEP_PARAMS; these defaults standalone):
    precision "fp32" | "bf16"  training (and inference, unless quantised)
                               under torch.autocast("cpu", dtype=torch.bfloat16)
    quantize  false | true     torch.ao.quantization.quantize_dynamic on the
                               nn.Linear layers (int8 weights) after training
    lr 1e-2, width 64, batch 32 (Adam, two hidden layers of `width`)

When the scheduler says stop, the trial exits at once. After each epoch it
saves a checkpoint (model, optimizer, epoch) in ECOSWEEP_TRIAL_DIR; a
relaunched trial (ECOSWEEP_RESUMED=1) continues from it.

    PYTHONPATH=workers/client python3 examples/torch/train.py
"""

import argparse
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import ecosweep  # noqa: E402

# The digits and the C example's split, shared by the Python examples.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
import digits_split  # noqa: E402

DEFAULTS = {
    "precision": "fp32",
    "quantize": False,
    "lr": 1e-2,
    "width": 64,
    "batch": 32,
    "max_resource": 27,
}
INFER_BATCH = 64
INFER_MIN_CPU_S = 0.25  # time at least this much CPU for the inference figure
INFER_BLOCKS = 5


def load_digits(path):
    """(x_train, y_train, x_test, y_test) as tensors (examples/data/digits_split.py)."""
    t = torch.from_numpy
    return tuple(t(a) for a in digits_split.load_digits(path, np.float32))


def as_bool(value):
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)


def autocast(enabled):
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled)


def deployed(model, quantize):
    """The model as it would be served: an int8 copy, or the model itself."""
    if not quantize:
        return model
    return torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)


def predict(model, x, bf16):
    with torch.inference_mode(), autocast(bf16):
        return torch.cat([model(x[i:i + INFER_BATCH]).argmax(1) for i in range(0, len(x), INFER_BATCH)])


def infer_ms_per_1k(model, x, bf16):
    """CPU milliseconds per 1,000 samples, after one warm-up pass: the
    fastest of INFER_BLOCKS blocks of whole passes over x, each block at
    least INFER_MIN_CPU_S / INFER_BLOCKS of CPU time (the minimum is the
    figure least disturbed by other processes sharing the CPU's caches)."""
    predict(model, x, bf16)
    best = None
    for _ in range(INFER_BLOCKS):
        samples, t0 = 0, time.process_time()
        while True:
            predict(model, x, bf16)
            samples += len(x)
            spent = time.process_time() - t0
            if spent >= INFER_MIN_CPU_S / INFER_BLOCKS:
                break
        per_1k = 1e6 * spent / samples
        best = per_1k if best is None else min(best, per_1k)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="examples/data/digits.csv")
    ap.add_argument("--seed", type=int, default=1, help="weights and minibatch order")
    args = ap.parse_args()

    torch.set_num_threads(1)  # one trial per CPU: no oversubscription
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)

    t = ecosweep.Trial(defaults=DEFAULTS)
    p = t.params
    bf16 = p["precision"] == "bf16"
    quantize = as_bool(p["quantize"])
    width, batch = int(p["width"]), int(p["batch"])
    x_train, y_train, x_test, y_test = load_digits(args.data)

    model = nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                          nn.Linear(width, 10))
    opt = torch.optim.Adam(model.parameters(), lr=float(p["lr"]))
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)

    ckpt = os.path.join(t.trial_dir, "checkpoint.pt")
    first = 1
    if t.resumed and os.path.exists(ckpt):
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["gen"])
        first = state["epoch"] + 1

    infer_ms = None
    for epoch in range(first, int(t.max_resource) + 1):
        model.train()
        total, batches = 0.0, 0
        order = torch.randperm(len(y_train), generator=gen)
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            with autocast(bf16):
                loss = loss_fn(model(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss)
            batches += 1
        if "ECOSWEEP_TRIAL_DIR" in os.environ:  # not standalone: no file in the cwd
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "gen": gen.get_state(), "epoch": epoch}, ckpt + ".tmp")
            os.replace(ckpt + ".tmp", ckpt)  # a kill mid-save leaves the old one

        model.eval()
        served = deployed(model, quantize)
        served_bf16 = bf16 and not quantize  # the int8 model has its own arithmetic
        accuracy = float((predict(served, x_test, served_bf16) == y_test).float().mean())
        if infer_ms is None:
            infer_ms = infer_ms_per_1k(served, x_test, served_bf16)
        if not t.report(epoch, accuracy=accuracy, infer_ms_per_1k=infer_ms, loss=total / batches):
            break  # told to stop by a rung or a budget
        if not t.in_sweep:
            print("epoch %d: accuracy %.4f, %.2f CPU ms per 1,000 samples" % (epoch, accuracy, infer_ms))


if __name__ == "__main__":
    main()
