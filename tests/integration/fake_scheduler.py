#!/usr/bin/env python3
"""A stand-in for the scheduler side of `ecosweep exec` (scheduler/exec.h).

usage: fake_scheduler.py --port-file F --out F [--host H] [--token T]
                         [--trial ID] [--replies R,R,...] [--timeout S]
                         [--never-accept]

Listens on H (127.0.0.1) port 0, writes the port to --port-file (by
rename, so a reader never sees half of it), accepts one connection and
reads it line by line. The first line is the hello: it is checked against
--token and --trial. Every later line that is a JSON object with a "node"
member is a report and gets the next reply of --replies (then "continue"):
  continue | stop   sent as one line
  none              no reply
  close             the connection is closed at once (a scheduler gone)
Other lines are recorded and not answered. An object with "exit" is the
exit line; after it the connection should end.

--never-accept: listen with a backlog of 0, fill it with one connection of
our own and never accept, so a further connect hangs (SYNs dropped); exit
after --timeout.

Writes --out: {"hello": obj, "lines": [every line between the hello and
the exit line, as text], "reports": [parsed reports], "exit": obj or null, "after_exit":
[lines after it], "eof": bool, "closed_by_us": bool, "errors": [...]}.
"""
import argparse
import json
import os
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--token", default="0123456789abcdef0123456789abcdef")
    ap.add_argument("--trial", type=int, default=7)
    ap.add_argument("--replies", default="")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--never-accept", action="store_true")
    a = ap.parse_args()
    replies = [r for r in a.replies.split(",") if r]
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.host, 0))
    srv.listen(0 if a.never_accept else 1)
    filler = None
    if a.never_accept:
        filler = socket.create_connection(srv.getsockname()[:2])
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, a.port_file)
    r = {"hello": None, "lines": [], "reports": [], "exit": None, "after_exit": [], "eof": False,
         "closed_by_us": False, "errors": []}
    if a.never_accept:
        time.sleep(a.timeout)
        filler.close()
        srv.close()
        write(a.out, r)
        return
    srv.settimeout(a.timeout)
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        r["errors"].append("nobody connected")
        write(a.out, r)
        return
    conn.settimeout(a.timeout)
    f = conn.makefile("rb")
    try:
        first = f.readline()
        if not first.endswith(b"\n"):
            r["errors"].append("no hello line: %r" % first[:200])
        else:
            try:
                h = json.loads(first)
                r["hello"] = h
                if h.get("hello") != a.token:
                    r["errors"].append("wrong token %r" % h.get("hello"))
                if h.get("trial") != a.trial:
                    r["errors"].append("wrong trial %r" % h.get("trial"))
            except ValueError as e:
                r["errors"].append("hello not JSON: %s: %r" % (e, first[:200]))
        while True:
            raw = f.readline()
            if not raw:
                r["eof"] = True
                break
            if not raw.endswith(b"\n"):
                r["errors"].append("last line without newline: %r" % raw[:200])
            text = raw[:-1].decode("utf-8", "replace") if raw.endswith(b"\n") else raw.decode("utf-8", "replace")
            if r["exit"] is not None:
                r["after_exit"].append(text)
                continue
            try:
                obj = json.loads(text)
            except ValueError:
                obj = None
            if isinstance(obj, dict) and "exit" in obj and len(obj) == 1:
                r["exit"] = obj["exit"]
                continue
            r["lines"].append(text)
            if not isinstance(obj, dict) or "node" not in obj:
                continue
            r["reports"].append(obj)
            reply = replies.pop(0) if replies else "continue"
            if reply == "close":
                r["closed_by_us"] = True
                conn.shutdown(socket.SHUT_RDWR)
                break
            if reply != "none":
                conn.sendall((reply + "\n").encode())
    except socket.timeout:
        r["errors"].append("timed out after %g s" % a.timeout)
    except OSError as e:
        r["errors"].append("socket: %s" % e)
    conn.close()
    srv.close()
    write(a.out, r)


def write(path, r):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(r, f)
    os.rename(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
