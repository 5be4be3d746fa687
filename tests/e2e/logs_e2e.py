#!/usr/bin/env python3
"""End to end: CloudTrail in a CloudWatch Logs group (moto server), `scan logs://…` and `up`.

Usage: logs_e2e.py --binary PATH/trailwatch [--testdata DIR]

The Stratus detonation logs (../shared/testdata; exit 77 when absent) are put into a log group
as CloudTrail delivers them there — one compact record per log event, timestamped with its
eventTime — moved to the last few hours, as CloudWatch Logs refuses events older than 14 days.
The same records go to a local NDJSON file. Then:

- `scan logs://group` prints the records the local scan prints (compared as sets of lines:
  FilterLogEvents orders by stream), with and without a time range; a missing group is an
  error naming it;
- `up` with a logs:// source: the events there at the first start are history (not read), a
  new event is alerted within a few polls, so is one ingested after the start with a timestamp
  two minutes older, one put while up was down is read after the restart, nothing twice.

Exit 0 when every check passed, 1 otherwise, 77 when boto3, moto or the test data is missing.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from e2e_util import FAILURES, aws_env, check, finish, follow_config, notifications, require, start_moto, start_up, wait_for

require("boto3", "moto.server")
import boto3  # noqa: E402 - after the check that it is there

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"
ACCOUNT = "123456789012"
GROUP = "aws-cloudtrail-logs-e2e"
KEY_ID, SECRET = "AKIALOGSE2EEXAMPLE01", "logs-e2e-" + os.urandom(8).hex()


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def restamped(testdata, end_ms):
    """The Stratus records, oldest first, their eventTime moved so the newest is at end_ms."""
    records = []
    for name in sorted(os.listdir(testdata)):
        if name.endswith(".json"):
            with open(os.path.join(testdata, name)) as f:
                doc = json.load(f)
            records += doc["Records"] if isinstance(doc, dict) else doc
    def ms(r):
        return int(time.mktime(time.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ")) * 1000)
    records.sort(key=ms)
    # Squeezed into the last 3 hours, order kept.
    first, last = ms(records[0]), ms(records[-1])
    span = max(1, last - first)
    out = []
    for r in records:
        t = end_ms - 3 * 3600_000 + (ms(r) - first) * 3 * 3600_000 // span
        t -= t % 1000
        r = dict(r, eventTime=iso(t))
        out.append((t, json.dumps(r, separators=(",", ":"))))
    return out


def run(binary, args, env):
    p = subprocess.run([binary, "scan", *args, "--progress", "never"], capture_output=True, text=True,
                       env=env, timeout=300)
    return p.returncode, p.stdout, p.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--testdata", default=os.path.join(HERE, "..", "..", "..", "shared", "testdata",
                                                           "stratus-detonation-logs"))
    args = parser.parse_args()
    if not os.path.isdir(args.testdata):
        print(f"SKIP: {args.testdata} is absent (the Stratus detonation logs)")
        return 77
    work = tempfile.mkdtemp(prefix="tw-logs-e2e-")
    procs = []
    try:
        moto_url, _, _ = start_moto(work, procs)
        logs = boto3.client("logs", endpoint_url=moto_url, region_name=REGION, aws_access_key_id=KEY_ID,
                            aws_secret_access_key=SECRET)
        logs.create_log_group(logGroupName=GROUP)
        stream = f"{ACCOUNT}_CloudTrail_{REGION}"
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        now = int(time.time() * 1000)
        events = restamped(args.testdata, now - 60_000)
        for i in range(0, len(events), 100):
            r = logs.put_log_events(logGroupName=GROUP, logStreamName=stream,
                                    logEvents=[{"timestamp": t, "message": m} for t, m in events[i:i + 100]])
            check(not r.get("rejectedLogEventsInfo"), f"moto took the events: {r.get('rejectedLogEventsInfo')}")
        local = os.path.join(work, "events.ndjson")
        with open(local, "w") as f:
            f.writelines(m + "\n" for _, m in events)

        env = aws_env(moto_url, KEY_ID, SECRET, work)
        every = ["--filter-pattern", "{ $.eventName = * }"]
        for name, span in (("everything", []),
                           ("a time range", ["--start-time", iso(now - 2 * 3600_000),
                                             "--end-time", iso(now - 3600_000)])):
            rc_r, out_r, err_r = run(args.binary, [f"logs://{GROUP}", *every, *span], env)
            rc_l, out_l, _ = run(args.binary, [local, *every, *span], env)
            check(rc_r == 0 and rc_l == 0 and sorted(out_r.splitlines()) == sorted(out_l.splitlines())
                  and out_r.strip(),
                  f"{name}: logs:// gives the local scan's records ({len(out_r.splitlines())} vs "
                  f"{len(out_l.splitlines())}): {err_r[-300:]}")
            print(f"scan logs://{GROUP} ({name}): {len(out_r.splitlines())} records; {err_r.strip()}", flush=True)
        rc, _, err = run(args.binary, ["logs://no-such-group", *every], env)
        check(rc == 2 and "ResourceNotFoundException" in err and "no-such-group" in err,
              f"a missing group: exit 2 naming it: {rc} {err[-300:]}")

        # `up` follows the group.
        config, data, notes = follow_config(work, f"logs://{GROUP}")

        def lines():
            return notifications(notes)

        def put_read(name, age_ms=0):
            t = int(time.time() * 1000) - age_ms
            record = {"eventVersion": "1.08",
                      "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
                                       "accountId": ACCOUNT},
                      "eventTime": iso(t), "eventSource": "secretsmanager.amazonaws.com",
                      "eventName": "GetSecretValue", "awsRegion": REGION, "sourceIPAddress": "198.51.100.7",
                      "eventID": f"e2e-{name}", "requestParameters": {"secretId": "prod/db"},
                      "recipientAccountId": ACCOUNT}
            logs.put_log_events(logGroupName=GROUP, logStreamName=stream,
                                logEvents=[{"timestamp": t, "message": json.dumps(record)}])

        def start():
            return start_up(args.binary, config, data, os.path.join(work, "up.log"), env, procs,
                            "with a logs:// source")

        def alerts_for(name):
            return [l for l in lines() if "SecretReadOutsideAllowlist" in l.get("subject", "")
                    and f"user/{name}" in json.dumps(l)]

        proc = start()
        time.sleep(3)
        check(not lines(), f"the events there before the first start are not read: {[l.get('subject') for l in lines()]}")
        put_read("logs-live-reader")
        check(wait_for(lambda: alerts_for("logs-live-reader"), 15, interval=0.2),
              "a new event is alerted within a few polls: " + open(os.path.join(work, "up.log")).read()[-500:])
        # CloudTrail delivers to CloudWatch Logs minutes after the call: the timestamp predates the start.
        put_read("logs-late-reader", age_ms=120_000)
        check(wait_for(lambda: alerts_for("logs-late-reader"), 15, interval=0.2),
              "an event ingested after the first start with an older timestamp is read")
        proc.terminate()
        check(proc.wait(timeout=30) == 0, "SIGTERM: up exits 0")
        put_read("logs-down-reader")
        proc = start()
        check(wait_for(lambda: alerts_for("logs-down-reader"), 15, interval=0.2),
              "the event put while up was down is read after the restart")
        time.sleep(3)
        check(all(len(alerts_for(n)) == 1 for n in ("logs-live-reader", "logs-late-reader", "logs-down-reader")),
              f"nothing read twice: {[l.get('subject') for l in lines()]}")
        proc.terminate()
        check(proc.wait(timeout=30) == 0, "SIGTERM: up exits 0 after the restart")
        print(f"up: followed logs://{GROUP}; {len(lines())} notifications", flush=True)
    finally:
        code = finish("logs_e2e", work, procs)
    return code


if __name__ == "__main__":
    sys.exit(main())
