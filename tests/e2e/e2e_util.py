"""Helpers the end-to-end drivers share (they run as scripts from this folder).

FAILURES collects what check() found wrong; a driver exits 1 when it is not empty.
"""
import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

FAILURES = []


def require(*modules):
    """Exits 77 (CTest's skip) naming the first of `modules` this python cannot import."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            print(f"SKIP: {name} is not installed for", sys.executable, flush=True)
            sys.exit(77)


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


def healthy(port):
    """Whether a trailwatch daemon on loopback `port` answers /api/health with ok."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
            return json.loads(r.read()).get("status") == "ok"
    except OSError:
        return False


def start_moto(work, procs):
    """Starts moto server on a free loopback port, logging to work/moto.log, and waits until it
    answers (exits 1 when it does not within 30 s); returns its URL, the log's path and the open
    log (flush it before reading)."""
    port = free_port()
    log_path = os.path.join(work, "moto.log")
    log = open(log_path, "w")
    procs.append(subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                                  stdout=log, stderr=log))
    url = f"http://127.0.0.1:{port}"

    def answers():
        try:
            with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False
    if not wait_for(answers, 30, interval=0.1):
        log.flush()
        check(False, "moto server did not start: " + open(log_path).read()[-500:])
        sys.exit(1)
    return url, log_path, log


def follow_config(work, source):
    """Writes work/trailwatch.yaml for an `up` that follows `source` (AWS sources polled every
    second) and writes its alerts to a file; returns (config path, data dir, alerts file)."""
    notes = os.path.join(work, "notifications.ndjson")
    config = os.path.join(work, "trailwatch.yaml")
    with open(config, "w") as f:
        f.write(f"sources: [\"{source}\"]\naws_poll_seconds: 1\n"
                f"subscriptions:\n  trailwatch-security-alerts:\n"
                f"    - {{protocol: file, endpoint: \"{notes}\"}}\n")
    return config, os.path.join(work, "data"), notes


def notifications(path):
    """The alerts written to `path` so far, one JSON object per line."""
    try:
        with open(path) as f:
            return [json.loads(x) for x in f if x.strip()]
    except OSError:
        return []


def aws_env(endpoint, key_id, secret, home):
    """The process environment without AWS_* settings, pointed at `endpoint` with these keys
    (instance metadata off, HOME without ~/.aws)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               HOME=home, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret)
    return env


def start_up(binary, config, data, log_path, env, procs, what):
    """Starts `trailwatch up` on a free port, appending its output to log_path; checks that it
    becomes healthy within 30 s."""
    port = free_port()
    log = open(log_path, "a")
    proc = subprocess.Popen([binary, "up", "--config", config, "--data-dir", data, "--listen",
                             f"127.0.0.1:{port}"], stdout=log, stderr=log, env=env)
    procs.append(proc)
    check(wait_for(lambda: healthy(port), 30, interval=0.1),
          f"trailwatch up starts {what}: " + open(log_path).read()[-500:])
    return proc


def stop_all(procs):
    """Terminates what is still running, killing what does not exit within 10 s."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def finish(name, work, procs):
    """Stops `procs`; removes `work` when every check passed, else keeps it and says where.
    Returns the driver's exit code."""
    stop_all(procs)
    if FAILURES:
        print(f"{name}: {len(FAILURES)} failure(s); work directory kept: {work}", flush=True)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0
