#!/usr/bin/env python3
"""A stand-in RAPL powercap tree whose counters advance in real time.

usage: fake_rapl.py ROOT PACKAGE_WATTS RANGE_UJ [CORE_WATTS]

Makes ROOT/intel-rapl:0 (package-0) with its core subzone intel-rapl:0:0
and the intel-rapl-mmio:0 duplicate of the package, then rewrites every
energy_uj every 2 ms as watts x elapsed time, modulo max_energy_range_uj
(so the counters wrap), until killed. Files are replaced by rename, so a
reader never sees half a number. Used by tests/integration/energy.sh and
tests/bench/overhead.sh: ecosweep must count the package once, never the
core subzone or the mmio copy, and see every wrap.
"""
import os
import sys
import time

root, watts, range_uj = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
core_watts = float(sys.argv[4]) if len(sys.argv) > 4 else watts * 0.6
zones = {
    "intel-rapl:0": ("package-0", watts),
    "intel-rapl:0/intel-rapl:0:0": ("core", core_watts),
    "intel-rapl-mmio:0": ("package-0", watts),
}


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


for rel, (name, _) in zones.items():
    d = os.path.join(root, rel)
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, "name"), name + "\n")
    write(os.path.join(d, "max_energy_range_uj"), "%d\n" % range_uj)
    write(os.path.join(d, "energy_uj"), "0\n")
os.symlink("intel-rapl:0/intel-rapl:0:0", os.path.join(root, "intel-rapl:0:0"))
write(os.path.join(root, "ready"), "1\n")
t0 = time.monotonic()
while True:
    dt = time.monotonic() - t0
    for rel, (_, w) in zones.items():
        uj = int(w * dt * 1e6) % range_uj
        write(os.path.join(root, rel, "energy_uj"), "%d\n" % uj)
    time.sleep(0.002)
