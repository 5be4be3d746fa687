"""Helpers the end-to-end drivers share (they run as scripts from this folder).

FAILURES collects what check() found wrong; a driver exits 1 when it is not empty.
"""
import socket
import time

FAILURES = []


def check(ok, what):
    """Records and prints `what` as a failure unless `ok`; returns `ok`."""
    if not ok:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return ok


def free_port():
    """A loopback TCP port nothing listens on right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout, interval=0.02):
    """Polls pred() until it returns something truthy or the deadline passes; returns its last value."""
    deadline = time.time() + timeout
    while True:
        value = pred()
        if value or time.time() >= deadline:
            return value
        time.sleep(interval)
