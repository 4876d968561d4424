"""ecosweep trial client: read a trial's parameters, report its progress.

Speaks the trial protocol of DESIGN.md section 4 from the trial's side:

    import ecosweep
    t = ecosweep.Trial(defaults={"lr": 0.1})
    for epoch in range(1, t.max_resource + 1):
        ...train...
        if not t.report(epoch, accuracy=acc, loss=loss):
            break                       # the scheduler said stop

Three modes, picked from the environment:
- in a sweep with ECOSWEEP_FD: one JSON line per report on that socket,
  one reply line ("continue" / "stop") read back; end-of-file means stop;
- ECOSWEEP_PARAMS without ECOSWEEP_FD: "@ecosweep {json}" lines on stdout
  (one-way: a stop arrives as SIGTERM), report() always returns True;
- standalone (neither): the defaults are the parameters, report() writes
  nothing and returns True, so the script runs on its own.

Standard library only; Python 3.7+. It does not talk to remote schedulers
(ECOSWEEP_CONNECT) and keeps no state on disk.
"""

import json
import numbers
import os
import sys

__all__ = ["Trial"]


def _number(text, what):
    """Parse an environment number: int when integral, else float."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError("ecosweep: %s is not a number: %r" % (what, text))
    if value.is_integer():
        return int(value)
    return value


def _metric_value(name, value):
    """A metric as a JSON-ready number; TypeError for anything else."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("ecosweep: metric %r is not a number: %r" % (name, value))
    return value if isinstance(value, int) else float(value)


class Trial:
    """One trial's view of the sweep.

    Attributes: params (dict), max_resource (int when integral, else float),
    trial_id (int, or None standalone), trial_dir (str; "." standalone),
    in_sweep (bool), resumed (bool: a relaunch after an interruption).

    defaults fills in parameters the sweep does not set (and all of them
    standalone); its "max_resource" key, or the max_resource keyword,
    gives max_resource when ECOSWEEP_MAX_RESOURCE is absent (else 1).
    """

    def __init__(self, defaults=None, max_resource=None):
        env = os.environ
        defaults = dict(defaults or {})
        default_resource = defaults.pop("max_resource", 1)
        if max_resource is not None:
            default_resource = max_resource

        fd_text = env.get("ECOSWEEP_FD")
        params_text = env.get("ECOSWEEP_PARAMS")
        self.in_sweep = fd_text is not None or params_text is not None
        self.resumed = env.get("ECOSWEEP_RESUMED") == "1"

        self.params = defaults
        if params_text is not None:
            given = json.loads(params_text)
            if not isinstance(given, dict):
                raise ValueError("ecosweep: ECOSWEEP_PARAMS is not a JSON object")
            self.params.update(given)

        if "ECOSWEEP_MAX_RESOURCE" in env:
            self.max_resource = _number(env["ECOSWEEP_MAX_RESOURCE"], "ECOSWEEP_MAX_RESOURCE")
        else:
            self.max_resource = default_resource

        trial_id = env.get("ECOSWEEP_TRIAL_ID")
        self.trial_id = int(trial_id) if trial_id is not None else None
        self.trial_dir = env.get("ECOSWEEP_TRIAL_DIR", ".")

        self._fd = None
        if fd_text is not None:
            self._fd = int(fd_text)
            # Programs this trial starts must not hold the channel open:
            # the scheduler reads its end-of-file as the trial's exit.
            os.set_inheritable(self._fd, False)
        self._stdout_mode = self._fd is None and params_text is not None
        self._stopped = False

    @property
    def should_stop(self):
        """True once the scheduler has said stop (or hung up)."""
        return self._stopped

    def report(self, step, **metrics):
        """Send one report; True to continue, False when told to stop.

        Raises ValueError for a NaN or infinite value and TypeError for a
        value that is not a number, before anything is sent.
        """
        if isinstance(step, bool) or not isinstance(step, numbers.Real):
            raise TypeError("ecosweep: step is not a number: %r" % (step,))
        step = step if isinstance(step, int) else float(step)
        clean = {name: _metric_value(name, v) for name, v in metrics.items()}
        line = json.dumps({"step": step, "metrics": clean}, allow_nan=False)

        if self._fd is None:
            if self._stdout_mode:
                sys.stdout.write("@ecosweep " + line + "\n")
                sys.stdout.flush()
            return True

        try:
            self._write_all((line + "\n").encode("utf-8"))
            reply = self._read_line()
        except (BrokenPipeError, ConnectionResetError):
            reply = None  # the scheduler is gone: same as end-of-file
        if reply == "continue":
            return True
        if reply is None or reply == "stop":
            self._stopped = True
            return False
        raise ValueError("ecosweep: unexpected reply from the scheduler: %r" % reply)

    def _write_all(self, data):
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)  # retried on EINTR by Python (PEP 475)
            view = view[n:]

    def _read_line(self):
        """The reply line without its newline, or None at end-of-file.

        Reads one byte at a time so that nothing past the line is consumed.
        """
        chunks = []
        while True:
            byte = os.read(self._fd, 1)
            if not byte:
                return None
            if byte == b"\n":
                return b"".join(chunks).decode("utf-8", "replace").rstrip("\r")
            chunks.append(byte)
