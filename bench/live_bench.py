"""`scripts/bench live`: alert latency and the live engine's sustained event rate of `trailwatch up`.

    live_bench.py --trailwatch BIN --vault-load BIN --out FILE.json
                  [--calls 1000] [--rate 50] [--clients 8] [--seconds 10] [--keep]

Runs one `trailwatch up` (data dir in a temporary directory; rules pack:cis, pack:secrets and
bench/live_rules.yaml, whose detection Bench-SecretReadPerCall alerts on every GetSecretValue
outside its allowlist and publishes to the topic trailwatch-bench-live) with a real SMTP server
(aiosmtpd) and a real HTTP server (ThreadingHTTPServer) subscribed to that topic through
trailwatch.yaml (`smtp:`, `subscriptions:`), both run by bench/live_sinks.py, which notes the
time.time() at which each message is complete.

1. Alert latency. The user `reader` (made with `trailwatch iam create-user` and
   `put-user-policy`: GetSecretValue and DescribeSecret on the secret; not in the allowlist)
   calls GetSecretValue CALLS times at RATE calls/s (a steady pacer, one keep-alive connection,
   SigV4 by botocore). Latency = the receiver's receipt time - the time the client had read the
   API response, same machine clock. Each mail is matched to its call by the `Event ID` of its
   Who / What / Where / When section, each POST by the request id in the SNS Message's alert
   line (`group`, since the detection groups by $.requestID) and its eventID; the trail written
   by `up` (its log files, delivered at shutdown) maps each call's x-amzn-RequestId to its
   eventID. Every call must get exactly one mail and one POST, or the run fails.
2. Sustained event rate with the vault busy: bench/vault_load.cc (CLIENTS keep-alive clients,
   the administrator, who is in the allowlist: no notifications) for SECONDS against the same
   `up`, polling /metrics every 100 ms: vault req/s, events evaluated/s, the largest
   trailwatch_events_queued seen, how long the queue took to drain after the load, and the
   trailwatch_event_latency_seconds histogram of the phase. Meanwhile the reader goes on at
   RATE calls/s (RATE * (SECONDS - 1) calls), so the alert latency is measured under load too.

After SIGTERM (the trail is delivered) the outbox table of trailwatch.db is read (read-only) to
split each notification's latency into API response -> queued in the outbox and queued ->
received. Prints a table; writes everything to --out. Exit 1 when a notification is missing,
duplicated or unmatched, or a call failed.
"""
import argparse
import email
import glob
import gzip
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import http.client
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
DETECTION = "Bench-SecretReadPerCall"
TOPIC = "trailwatch-bench-live"
SECRET = "bench/live"
REGION = "us-east-1"
P99_TARGET_MS = 500.0


def fail(msg):
    print(f"scripts/bench live: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def note(msg):
    print(f"scripts/bench: {msg}", file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pct(values, p):
    """vault_load's percentile: the value at index floor(p/100 * (n-1)) of the sorted values."""
    if not values:
        return float("nan")
    v = sorted(values)
    return v[int(p / 100 * (len(v) - 1))]


def stats(values):
    return dict(n=len(values), p50=pct(values, 50), p90=pct(values, 90), p99=pct(values, 99),
                min=min(values) if values else float("nan"),
                max=max(values) if values else float("nan"),
                mean=sum(values) / len(values) if values else float("nan"))


class Client:
    """A keep-alive Secrets Manager client: SigV4 per request (botocore), http.client."""

    def __init__(self, port, key, secret, user_agent):
        self.port = port
        self.creds = Credentials(key, secret)
        self.user_agent = user_agent
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, action, params):
        body = json.dumps(params)
        req = AWSRequest(method="POST", url=f"http://127.0.0.1:{self.port}/", data=body,
                         headers={"Content-Type": "application/x-amz-json-1.1",
                                  "X-Amz-Target": f"secretsmanager.{action}",
                                  "User-Agent": self.user_agent})
        SigV4Auth(self.creds, "secretsmanager", REGION).add_auth(req)
        headers = dict(req.headers.items())
        sent = time.time()
        self.conn.request("POST", "/", body=body.encode(), headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        received = time.time()
        return r.status, r.getheader("x-amzn-RequestId"), data, sent, received


def cpu_seconds(pid):
    """user + system CPU seconds of a process so far (/proc/PID/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def histogram(before, after, name="trailwatch_event_latency_seconds"):
    """The histogram's buckets over [before, after]: [(le, cumulative count)], total, sum."""
    buckets = []
    for k, v in after.items():
        m = re.fullmatch(name + r'_bucket\{le="([^"]+)"\}', k)
        if m:
            le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            buckets.append((le, v - before.get(k, 0)))
    buckets.sort()
    total = after.get(name + "_count", 0) - before.get(name + "_count", 0)
    total_sum = after.get(name + "_sum", 0) - before.get(name + "_sum", 0)
    return buckets, total, total_sum


def bucket_for(buckets, total, q):
    """The upper bound of the bucket holding quantile q (the smallest le covering q*total)."""
    for le, c in buckets:
        if total and c >= q * total:
            return le
    return float("nan")


def fmt_le(le):
    if le != le:
        return "-"
    return "+Inf" if le == float("inf") else f"<= {le * 1000:g} ms"


class Sink:
    """A receiver process of live_sinks.py and the lines it has written so far."""

    def __init__(self, python, kind, work):
        self.path = os.path.join(work, f"{kind}.ndjson")
        open(self.path, "w").close()
        self.proc = subprocess.Popen([python, os.path.join(HERE, "live_sinks.py"), kind, "--out", self.path],
                                     stdout=subprocess.PIPE, stderr=open(os.path.join(work, f"{kind}.err"), "w"),
                                     text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            fail(f"the {kind} receiver did not start: {line!r} {open(os.path.join(work, f'{kind}.err')).read()}")
        self.port = int(line.split()[1])
        self.offset = 0
        self.records = []

    def poll(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1  # only whole lines
        for line in chunk[:end].splitlines():
            self.records.append(json.loads(line))
        self.offset += end
        return len(self.records)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def smtp_python():
    """An interpreter that imports aiosmtpd (Debian's python3-aiosmtpd lives in /usr/bin/python3)."""
    seen = []
    for cand in (sys.executable, shutil.which("python3"), "/usr/bin/python3"):
        if not cand or cand in seen:
            continue
        seen.append(cand)
        if subprocess.run([cand, "-c", "import aiosmtpd"], capture_output=True).returncode == 0:
            return cand
    fail(f"no python with aiosmtpd (tried {', '.join(seen)}); install the Debian package python3-aiosmtpd")


def parse_mail(rec):
    msg = email.message_from_string(rec["data"])
    body = msg.get_payload(decode=True).decode("utf-8", errors="replace")
    return dict(received=rec["received"], subject=msg["Subject"] or "",
                message_id=(msg["Message-ID"] or "").strip("<>").split("@")[0],
                event_ids=re.findall(r"^- Event ID:\s+(\S+)", body, re.M))


def parse_post(rec):
    env = json.loads(rec["data"])
    out = dict(received=rec["received"], topic=env.get("TopicArn", ""), message_id=env.get("MessageId", ""),
               subject=env.get("Subject", ""), type=env.get("Type"), request_id=None, event_ids=[])
    try:
        alert = json.loads(env["Message"])
        out["request_id"] = alert.get("group", {}).get("$.requestID")
        out["event_ids"] = [e.get("eventID") for e in alert.get("events", [])]
        out["detection"] = alert.get("detection")
    except (KeyError, ValueError):
        pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trailwatch", required=True)
    ap.add_argument("--vault-load", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up as on Ctrl-C
    t_start = time.monotonic()
    load_before = os.getloadavg()
    work = tempfile.mkdtemp(prefix="trailwatch-bench-live-")
    procs = []
    ok = False
    try:
        result = run(a, work, procs)
        ok = True
    finally:
        for p in procs:
            p.stop() if isinstance(p, Sink) else (p.poll() is None and p.kill())
        if a.keep or not ok or result["problems"]:
            note(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    result["bench_seconds"] = time.monotonic() - t_start
    result["load_avg"] = [load_before, os.getloadavg()]
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    report(result)
    if result["problems"]:
        print("\nFAILED:", *result["problems"], sep="\n  ")
        sys.exit(1)


def pace(client, n, rate, phase, calls):
    """n GetSecretValue calls at `rate` per second (a steady pacer: call i is due at t0 + i/rate,
    sent at once when late), appended to `calls`."""
    interval = 1.0 / rate
    t0 = time.time() + 0.05
    for i in range(n):
        due = t0 + i * interval
        now = time.time()
        if due > now:
            time.sleep(due - now)
        st, rid, body, sent, received = client.call("GetSecretValue", {"SecretId": SECRET})
        if st != 200 or not rid:
            raise RuntimeError(f"{phase} call {i}: {st} {body[:300]!r}")
        calls.append(dict(phase=phase, i=i, request_id=rid, due=due, sent=sent, response=received))


def wait_for(sinks, n, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if all(s.poll() >= n for s in sinks):
            break
        time.sleep(0.05)
    time.sleep(0.5)  # anything extra (a duplicate) would come now
    for s in sinks:
        s.poll()


def run(a, work, procs):
    tw = a.trailwatch
    py = smtp_python()
    smtp = Sink(py, "smtp", work)
    procs.append(smtp)
    web = Sink(py, "http", work)
    procs.append(web)
    port = free_port()
    data = os.path.join(work, "data")
    config = os.path.join(work, "trailwatch.yaml")
    with open(config, "w") as f:
        f.write(f"""listen: 127.0.0.1:{port}
data_dir: {data}
rules: [pack:cis, pack:secrets, {os.path.join(HERE, 'live_rules.yaml')}]
smtp: {{url: "smtp://127.0.0.1:{smtp.port}", from: "trailwatch@bench.invalid"}}
subscriptions:
  {TOPIC}:
    - {{protocol: email, endpoint: "security@bench.invalid"}}
    - {{protocol: http, endpoint: "http://127.0.0.1:{web.port}/sns"}}
""")
    up_log = open(os.path.join(work, "up.log"), "w")
    up = subprocess.Popen([tw, "up", "--config", config], stdout=up_log, stderr=subprocess.STDOUT)
    procs.append(up)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1).read()
            break
        except OSError:
            if up.poll() is not None:
                fail(f"trailwatch up exited ({up.returncode}): {open(up_log.name).read()[-2000:]}")
            time.sleep(0.1)
    else:
        fail("trailwatch up did not answer /api/health within 10 s")
    admin = json.load(open(os.path.join(data, "admin-credentials.json")))["AccessKey"]
    boss = Client(port, admin["AccessKeyId"], admin["SecretAccessKey"], "trailwatch-bench-live/admin")
    st, _, body, _, _ = boss.call("CreateSecret", {"Name": SECRET, "SecretString": "bench-value-not-a-secret"})
    if st != 200:
        fail(f"CreateSecret: {st} {body[:300]!r}")
    boss.conn.close()
    secret_arn = json.loads(body)["ARN"]
    out = subprocess.run([tw, "iam", "create-user", "--user-name", "reader", "--data-dir", data],
                         capture_output=True, text=True, check=True).stdout
    reader = json.loads(out)["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
              "Resource": secret_arn}]}
    subprocess.run([tw, "iam", "put-user-policy", "--user-name", "reader", "--data-dir", data,
                    "--policy-name", "read-bench-secret", "--policy-document", json.dumps(policy)],
                   capture_output=True, text=True, check=True)
    # `up` sees new users and policies within a second; DescribeSecret (no detection matches it)
    # tells when the reader's key and policy are in effect.
    client = Client(port, reader["AccessKeyId"], reader["SecretAccessKey"], "trailwatch-bench-live/reader")
    for _ in range(100):
        st, _, body, _, _ = client.call("DescribeSecret", {"SecretId": SECRET})
        if st == 200:
            break
        time.sleep(0.1)
    else:
        fail(f"the reader cannot DescribeSecret after 10 s: {st} {body[:300]!r}")
    mconn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def metrics():
        """/metrics as {name or name{labels}: float}, on one keep-alive connection (opened
        again when the server has closed it: its keep-alive timeout is 5 s)."""
        for attempt in (1, 2):
            try:
                mconn.request("GET", "/metrics")
                text = mconn.getresponse().read().decode()
                break
            except (http.client.HTTPException, ConnectionError):
                mconn.close()
                if attempt == 2:
                    raise
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    out[name] = float(value)
                except ValueError:
                    pass
        return out

    # ---- 1. alert latency, idle vault ------------------------------------------------------
    calls = []
    m0 = metrics()
    cpu0 = cpu_seconds(up.pid)
    sinks0 = [cpu_seconds(x.proc.pid) for x in (smtp, web)]
    note(f"live: {a.calls} GetSecretValue calls by reader at {a.rate:g}/s...")
    try:
        pace(client, a.calls, a.rate, "idle", calls)
    except RuntimeError as e:
        fail(str(e))
    client.conn.close()
    wait_for((smtp, web), a.calls, 30)
    m1 = metrics()
    cpu1 = cpu_seconds(up.pid)
    sinks1 = [cpu_seconds(x.proc.pid) for x in (smtp, web)]
    note(f"live: {len(smtp.records)} mails, {len(web.records)} POSTs received")

    # ---- 2. sustained event rate with the vault busy, and alert latency meanwhile -------------
    busy_n = int(a.rate * max(a.seconds - 1, 0))
    note(f"live: vault_load, {a.clients} clients, {a.seconds:g}s, polling /metrics; meanwhile "
         f"{busy_n} more calls by reader at {a.rate:g}/s...")
    polls = []
    before = metrics()
    cpu2 = cpu_seconds(up.pid)
    sinks2 = [cpu_seconds(x.proc.pid) for x in (smtp, web)]
    t_load = time.monotonic()
    vl = subprocess.Popen([a.vault_load, "--endpoint", f"http://127.0.0.1:{port}", "--access-key", admin["AccessKeyId"],
                           "--secret-key", admin["SecretAccessKey"], "--secret-id", SECRET,
                           "--clients", str(a.clients), "--seconds", str(a.seconds)],
                          stdout=subprocess.PIPE, text=True)
    procs.append(vl)
    busy_client = Client(port, reader["AccessKeyId"], reader["SecretAccessKey"], "trailwatch-bench-live/reader")
    busy_errors = []

    def busy():
        time.sleep(0.5)  # vault_load is up to speed
        try:
            pace(busy_client, busy_n, a.rate, "busy", calls)
        except (RuntimeError, OSError) as e:
            busy_errors.append(str(e))
        busy_client.conn.close()

    busy_thread = threading.Thread(target=busy, daemon=True)
    busy_thread.start()
    t_load_end = None
    while True:
        m = metrics()
        t = time.monotonic() - t_load
        polls.append(dict(t=t, events=m.get("trailwatch_events_total", 0), queued=m.get("trailwatch_events_queued", 0),
                          deliveries_queued=m.get("trailwatch_deliveries_queued", 0), load=t_load_end is None))
        if t_load_end is None and vl.poll() is not None:
            t_load_end = t
        if t_load_end is not None and m.get("trailwatch_events_queued", 0) == 0 and \
                len(polls) >= 2 and polls[-1]["events"] == polls[-2]["events"]:
            break
        if t > a.seconds + 60:
            break  # the queue did not drain in a minute: reported below
        time.sleep(0.1)
    load = json.loads(vl.stdout.read())
    after = metrics()
    cpu3 = cpu_seconds(up.pid)
    sinks3 = [cpu_seconds(x.proc.pid) for x in (smtp, web)]
    t_drained = polls[-1]["t"]
    busy_thread.join()
    if busy_errors:
        fail(busy_errors[0])
    wait_for((smtp, web), len(calls), 30)
    mconn.close()
    note(f"live: {len(smtp.records)} mails, {len(web.records)} POSTs received in all")

    # ---- shutdown: the trail maps request ids to event ids ----------------------------------
    up.send_signal(signal.SIGTERM)
    try:
        up.wait(120)
    except subprocess.TimeoutExpired:
        fail("trailwatch up did not stop within 120 s of SIGTERM")
    up_log.close()
    rid_to_eid = {}
    for path in glob.glob(os.path.join(data, "trail", "AWSLogs", "*", "CloudTrail", "*", "*", "*", "*", "*.json.gz")):
        with gzip.open(path) as f:
            for r in json.load(f)["Records"]:
                if r.get("requestID"):
                    rid_to_eid[r["requestID"]] = r.get("eventID")
    outbox = {}
    try:
        db = sqlite3.connect(f"file:{os.path.join(data, 'trailwatch.db')}?mode=ro", uri=True)
        for row in db.execute("SELECT protocol, message_id, created_ms, finished_ms, attempts, state FROM outbox "
                              "WHERE topic_arn LIKE ?", (f"%:{TOPIC}",)):
            outbox[(row[0], row[1])] = dict(created=row[2] / 1000, finished=(row[3] or 0) / 1000,
                                            attempts=row[4], state=row[5])
        db.close()
    except sqlite3.Error as e:
        note(f"live: the outbox table could not be read ({e}); no breakdown")

    # ---- matching ----------------------------------------------------------------------------
    problems = []
    by_rid = {c["request_id"]: c for c in calls}
    by_eid = {}
    for c in calls:
        c["event_id"] = rid_to_eid.get(c["request_id"])
        if c["event_id"] is None:
            problems.append(f"{c['phase']} call {c['i']} (request id {c['request_id']}) is not in the trail")
        else:
            by_eid[c["event_id"]] = c
    extra = {"smtp": [], "http": []}
    for rec in smtp.records:
        mail = parse_mail(rec)
        eids = mail["event_ids"]
        c = by_eid.get(eids[0]) if len(eids) == 1 and DETECTION in mail["subject"] else None
        if c is None:
            extra["smtp"].append(dict(subject=mail["subject"], event_ids=eids))
            continue
        c.setdefault("smtp", []).append(mail["received"])
        c["smtp_message_id"] = mail["message_id"]
    for rec in web.records:
        post = parse_post(rec)
        if post["type"] == "SubscriptionConfirmation":
            continue  # sent once when the daemon first sees the subscription; not an alert
        c = by_rid.get(post["request_id"]) if post.get("detection") == DETECTION and post["topic"].endswith(":" + TOPIC) else None
        if c is None:
            extra["http"].append(dict(subject=post["subject"], request_id=post["request_id"]))
            continue
        if post["event_ids"] != [c["event_id"]]:
            problems.append(f"{c['phase']} call {c['i']}: the POST names event ids {post['event_ids']}, "
                            f"the trail {c['event_id']}")
        c.setdefault("http", []).append(post["received"])
        c["http_message_id"] = post["message_id"]
    for kind, what in (("smtp", "mail"), ("http", "POST")):
        missing = [f"{c['phase']} {c['i']}" for c in calls if not c.get(kind)]
        dups = [f"{c['phase']} {c['i']}" for c in calls if len(c.get(kind, [])) > 1]
        if missing:
            problems.append(f"{len(missing)} of {len(calls)} calls got no {what} (calls {missing[:10]}...)")
        if dups:
            problems.append(f"{len(dups)} calls got more than one {what} (calls {dups[:10]}...)")
        if extra[kind]:
            problems.append(f"{len(extra[kind])} {what}s match no call: {extra[kind][:3]}")

    def latency(phase):
        mine = [c for c in calls if c["phase"] == phase]
        out = dict(calls=len(mine), span_s=(mine[-1]["response"] - mine[0]["sent"]) if mine else 0,
                   api_ms=stats([(c["response"] - c["sent"]) * 1000 for c in mine]),
                   pacer_late_ms=stats([(c["sent"] - c["due"]) * 1000 for c in mine]))
        for kind, proto in (("smtp", "email"), ("http", "http")):
            got = [c for c in mine if c.get(kind)]
            x = stats([(c[kind][0] - c["response"]) * 1000 for c in got])
            x["received"] = len(got)
            queued, rest, attempts = [], [], []
            for c in got:
                row = outbox.get((proto, c.get(f"{kind}_message_id")))
                if row:
                    c[f"{kind}_outbox"] = row
                    queued.append((row["created"] - c["response"]) * 1000)
                    rest.append((c[kind][0] - row["created"]) * 1000)
                    attempts.append(row["attempts"])
            x["queued_after_response_ms"] = stats(queued)
            x["received_after_queued_ms"] = stats(rest)
            x["retried"] = sum(1 for n in attempts if n > 1)
            # The outbox sends one message per endpoint at a time: count the messages that were
            # queued before the previous one to the same endpoint had arrived (they waited).
            order = sorted((c[kind][0], c.get(f"{kind}_outbox")) for c in got)
            x["waited_for_previous"] = sum(1 for (prev, _), (_, row) in zip(order, order[1:])
                                           if row and row["created"] < prev)
            x["receipts_per_s"] = (len(order) - 1) / (order[-1][0] - order[0][0]) if len(order) > 1 else 0
            out[kind] = x
        return out

    idle, busy_lat = latency("idle"), latency("busy")
    h_buckets, h_total, h_sum = histogram(m0, m1)

    # ---- load phase figures --------------------------------------------------------------------
    during = [p for p in polls if p["load"]]
    ev_load = (during[-1]["events"] - during[0]["events"]) / (during[-1]["t"] - during[0]["t"]) if len(during) > 1 else 0
    ev_total = after.get("trailwatch_events_total", 0) - before.get("trailwatch_events_total", 0)
    lb, lt, ls = histogram(before, after)
    drained = polls[-1]["queued"] == 0
    sent = load["requests"] + load["errors"] + busy_lat["calls"]
    if ev_total != sent:
        problems.append(f"load phase: the monitor counted {ev_total:.0f} events for {sent} vault calls")
    if not drained:
        problems.append(f"load phase: the monitor's queue still held {polls[-1]['queued']:.0f} records "
                        f"{t_drained - t_load_end:.0f} s after the load ended")

    version = subprocess.run([tw, "version"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    targets = {f"{phase}_{kind}": x[kind]["p99"] < P99_TARGET_MS
               for phase, x in (("idle", idle), ("busy", busy_lat)) for kind in ("smtp", "http")}
    return dict(
        version=version, cpu=cpu, nproc=len(os.sched_getaffinity(0)), rate=a.rate,
        up_cpu_s=dict(latency_phase=cpu1 - cpu0, load_phase=cpu3 - cpu2),
        receivers_cpu_s=dict(smtp=dict(idle=sinks1[0] - sinks0[0], busy=sinks3[0] - sinks2[0]),
                             http=dict(idle=sinks1[1] - sinks0[1], busy=sinks3[1] - sinks2[1])),
        mails=len(smtp.records), posts=len(web.records),
        latency=dict(idle=idle, busy=busy_lat),
        latency_phase_event_latency=dict(buckets=[(str(le), c) for le, c in h_buckets], count=h_total, sum=h_sum,
                                         p50_bucket=bucket_for(h_buckets, h_total, 0.5),
                                         p99_bucket=bucket_for(h_buckets, h_total, 0.99)),
        load=dict(vault=load, clients=a.clients, seconds=a.seconds, events=ev_total,
                  events_per_s_during_load=ev_load, max_queued=max(p["queued"] for p in polls),
                  load_end_s=t_load_end, drained_s=t_drained, drained=drained,
                  event_latency=dict(buckets=[(str(le), c) for le, c in lb], count=lt, sum=ls,
                                     p50_bucket=bucket_for(lb, lt, 0.5), p99_bucket=bucket_for(lb, lt, 0.99)),
                  deliveries_queued_max=max(p["deliveries_queued"] for p in polls), polls=polls),
        target=dict(p99_ms=P99_TARGET_MS, **targets),
        problems=problems, per_call=calls)


def report(r):
    print(f"live alerting: {r['version']}; nproc {r['nproc']} ({r['cpu']}); "
          f"load {r['load_avg'][0][0]:.2f} -> {r['load_avg'][1][0]:.2f}")
    L, v = r["load"], r["load"]["vault"]
    idle, busy = r["latency"]["idle"], r["latency"]["busy"]
    print(f"alerts: GetSecretValue by reader (outside the allowlist) at {r['rate']:g}/s on one keep-alive connection; "
          f"each call -> one alert -> one mail (aiosmtpd) + one POST (ThreadingHTTPServer)")
    print(f"  idle:  {idle['calls']} calls over {idle['span_s']:.1f} s, the vault otherwise idle")
    print(f"  busy:  {busy['calls']} calls over {busy['span_s']:.1f} s while vault_load ran (below)")
    print("latency = receipt by the receiver - the client's reading of the API response (same clock); "
          "queued = outbox row committed - API response (from trailwatch.db; negative: before the reply); "
          "waited = notifications queued before the previous one to the same endpoint had arrived "
          "(the outbox sends one at a time per endpoint)")
    print()
    hdr = (f"{'phase':<5} {'notification':<10} {'received':>9} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7}"
           f"  {'queued p50/p99 ms':>17} {'waited':>6} {'retried':>7}  {'API p50/p99/max ms':>18}")
    print(hdr)
    print("-" * len(hdr))
    for phase, x in (("idle", idle), ("busy", busy)):
        for kind, label in (("smtp", "email"), ("http", "http POST")):
            y = x[kind]
            q = y["queued_after_response_ms"]
            qs = f"{q['p50']:.1f}/{q['p99']:.1f}" if q["n"] else "-"
            api = x["api_ms"]
            apis = f"{api['p50']:.1f}/{api['p99']:.1f}/{api['max']:.0f}" if kind == "smtp" else ""
            print(f"{phase:<5} {label:<10} {y['received']:>4}/{x['calls']:<4} {y['p50']:>7.1f} {y['p90']:>7.1f} "
                  f"{y['p99']:>7.1f} {y['max']:>7.1f}  {qs:>17} {y['waited_for_previous']:>6} {y['retried']:>7}  {apis:>18}")
    for phase, x in (("idle", idle), ("busy", busy)):
        rc = r["receivers_cpu_s"]
        print(f"{phase}: the endpoints took {x['smtp']['receipts_per_s']:.0f} mails/s and {x['http']['receipts_per_s']:.0f} POSTs/s "
              f"(first to last receipt); receivers' CPU: aiosmtpd {rc['smtp'][phase]:.2f} s, http {rc['http'][phase]:.2f} s")
    e = r["latency_phase_event_latency"]
    print(f"idle phase: monitor event latency (hand-over -> evaluated) p50 {fmt_le(e['p50_bucket'])}, "
          f"p99 {fmt_le(e['p99_bucket'])}; trailwatch up {r['up_cpu_s']['latency_phase'] / idle['calls'] * 1e3:.2f} CPU ms "
          f"per alerting call (mail + signed POST); pacer late p99 {idle['pacer_late_ms']['p99']:.1f} ms")
    print()
    print(f"vault busy: vault_load, {L['clients']} keep-alive clients (the administrator, allowlisted: no alerts), "
          f"{L['seconds']:g} s; rules pack:cis + pack:secrets + bench/live_rules.yaml")
    hdr = (f"{'vault req/s':>11} {'errors':>6} {'API p50/p99/max ms':>18} {'events':>7} {'events/s':>8} {'max queued':>10} "
           f"{'drained':>7} {'event latency p50':>17} {'p99':>10} {'CPU us/event':>12}")
    print(hdr)
    print("-" * len(hdr))
    lat = L["event_latency"]
    apis = f"{v['p50_ms']:.1f}/{v['p99_ms']:.1f}/{v['max_ms']:.0f}"
    print(f"{v['rps']:>11,.0f} {v['errors']:>6} {apis:>18} {L['events']:>7.0f} {L['events_per_s_during_load']:>8,.0f} "
          f"{L['max_queued']:>10.0f} {(L['drained_s'] - L['load_end_s']):>6.1f}s {fmt_le(lat['p50_bucket']):>17} "
          f"{fmt_le(lat['p99_bucket']):>10} {r['up_cpu_s']['load_phase'] / L['events'] * 1e6 if L['events'] else 0:>12.0f}")
    print("(events/s: trailwatch_events_total over the load; max queued: largest trailwatch_events_queued seen, "
          "/metrics polled every 100 ms; drained: from the end of the load to an empty queue; "
          "event latency: trailwatch_event_latency_seconds buckets of the phase; CPU: trailwatch up's user+sys per event)")
    print()
    print("targets (measured in this run):")
    for phase, x, what in (("idle", idle, f"{idle['calls']} calls spread over time"),
                           ("busy", busy, "while the vault is busy")):
        for kind, label in (("smtp", "email"), ("http", "webhook")):
            ok = r["target"][f"{phase}_{kind}"]
            print(f"  {'PASS' if ok else 'MISS'}  {label}, {what}: p99 {x[kind]['p99']:.1f} ms from API response "
                  f"to receipt (target < {r['target']['p99_ms']:.0f} ms; AWS-native: ~5 minutes)")
    print(f"(scripts/bench live took {r['bench_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
