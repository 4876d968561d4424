#!/usr/bin/env python3
"""A trial that keeps one CPU busy for DUTY of every 20 ms for SECONDS,
then reports once. usage: duty.py DUTY SECONDS (DUTY in 0..1)."""
import os
import socket
import sys
import time

duty, seconds = float(sys.argv[1]), float(sys.argv[2])
end = time.monotonic() + seconds
x = 0
while time.monotonic() < end:
    t = time.monotonic()
    while time.monotonic() - t < 0.02 * duty:
        x += 1
    if duty < 1:
        time.sleep(0.02 * (1 - duty))
chan = socket.socket(fileno=int(os.environ.get("ECOSWEEP_FD", "3")))
chan.sendall(b'{"step": 1, "metrics": {"score": %g}}\n' % duty)
chan.recv(64)
