#!/usr/bin/env python3
"""End to end: `trailwatch scan s3://…` against moto server (a real S3 API).

Usage: s3_e2e.py --binary PATH/trailwatch [--testdata DIR]

The Stratus detonation logs (../shared/testdata; the driver exits 77 when they are absent) are
uploaded gzip'ed in CloudTrail's S3 layout — AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/,
one account under an organization prefix (AWSLogs/o-…/<account>/…), a digest folder, and one
object outside the layout — and written to a local folder with the same keys. Then:

- `scan s3://bucket/` prints exactly what `scan <local folder>` prints (every record, in key
  order), and counts the same with a filter pattern and with `--rules pack:cis`;
- with --start-time/--end-time it lists only the days of the range and the day after (checked
  on moto's request log) and matches the local scan of the same range;
- credentials come from each link tried: environment variables, a profile in a credentials file
  (AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE), and none at all is a clear error; a missing bucket
  is a clear error naming it;
- `up` with an s3:// source: the objects there at the first start are history (not read), a
  new one is alerted within a few polls, one delivered while up was down is read after the
  restart, nothing twice.

Exit 0 when every check passed, 1 otherwise, 77 when boto3, moto or the test data is missing.
"""
import argparse
import collections
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

from e2e_util import FAILURES, aws_env, check, finish, follow_config, notifications, require, start_moto, start_up, wait_for

require("boto3", "moto.server")
import boto3  # noqa: E402 - after the check that it is there

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = "tw-e2e-trail"
ORG = "o-exampleorg1"
KEY_ID, SECRET = "AKIAS3E2EEXAMPLE0001", "s3-e2e-" + os.urandom(8).hex()


def layout(testdata):
    """{key: gzip bytes}: each Stratus file's records grouped by account, region and day."""
    objects = {}
    org_account = None
    for name in sorted(os.listdir(testdata)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(testdata, name)) as f:
            doc = json.load(f)
        records = doc["Records"] if isinstance(doc, dict) else doc
        groups = collections.OrderedDict()
        for r in records:
            key = (r.get("recipientAccountId", "000000000000"), r.get("awsRegion", REGION),
                   r["eventTime"][:10])
            groups.setdefault(key, []).append(r)
        for (account, region, day), recs in groups.items():
            if org_account is None:
                org_account = account
            root = f"AWSLogs/{ORG}/{account}" if account == org_account else f"AWSLogs/{account}"
            stamp = day.replace("-", "") + "T" + recs[-1]["eventTime"][11:16].replace(":", "") + "Z"
            unique = re.sub(r"[^a-z0-9]", "", name.lower())[-16:]
            key = (f"{root}/CloudTrail/{region}/{day.replace('-', '/')}/"
                   f"{account}_CloudTrail_{region}_{stamp}_{unique}.json.gz")
            objects[key] = gzip.compress(json.dumps({"Records": recs}).encode(), mtime=0)
    # A digest (skipped, never listed with a time range) and an object outside the layout.
    digest = {"awsAccountId": org_account, "logFiles": [], "digestPublicKeyFingerprint": "00"}
    objects[f"AWSLogs/{ORG}/{org_account}/CloudTrail-Digest/{REGION}/2024/08/01/"
            f"{org_account}_CloudTrail-Digest_{REGION}_x_{REGION}_20240801T000000Z.json.gz"] = \
        gzip.compress(json.dumps(digest).encode(), mtime=0)
    extra = {"eventVersion": "1.08", "eventTime": "2024-08-01T12:00:00Z", "eventName": "ExtraEvent",
             "eventSource": "s3.amazonaws.com", "awsRegion": REGION}
    objects["exports/extra.ndjson"] = (json.dumps(extra) + "\n").encode()
    return objects


def run(binary, args, env):
    p = subprocess.run([binary, "scan", *args, "--progress", "never", "--threads", "2"],
                       capture_output=True, text=True, env=env, timeout=300)
    return p.returncode, p.stdout, p.stderr


def listed_prefixes(moto_log_path, start):
    """The prefix= of every ListObjectsV2 request moto logged after byte `start`, decoded."""
    out = []
    with open(moto_log_path, errors="replace") as f:
        f.seek(start)
        for line in f:
            m = re.search(r'"GET /' + BUCKET + r'/?\?([^ ]*) HTTP', line)
            if m and "list-type=2" in m.group(1):
                q = urllib.parse.parse_qs(m.group(1), keep_blank_values=True)
                out.append(q.get("prefix", [""])[0])
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--testdata", default=os.path.join(HERE, "..", "..", "..", "shared", "testdata",
                                                           "stratus-detonation-logs"))
    args = parser.parse_args()
    if not os.path.isdir(args.testdata):
        print(f"SKIP: {args.testdata} is absent (the Stratus detonation logs)")
        return 77
    work = tempfile.mkdtemp(prefix="tw-s3-e2e-")
    procs = []
    try:
        moto_url, moto_log_path, moto_log = start_moto(work, procs)
        s3 = boto3.client("s3", endpoint_url=moto_url, region_name=REGION, aws_access_key_id=KEY_ID,
                          aws_secret_access_key=SECRET)
        s3.create_bucket(Bucket=BUCKET)
        objects = layout(args.testdata)
        local = os.path.join(work, "local")
        for key, body in objects.items():
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)
            path = os.path.join(local, key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(body)
        accounts = {k.split("/")[-7] for k in objects if "/CloudTrail/" in k}
        regions = {k.split("/")[-5] for k in objects if "/CloudTrail/" in k}
        check(len(accounts) >= 2 and len(regions) >= 2, f"several accounts and regions: {accounts} {len(regions)}")
        print(f"uploaded {len(objects)} objects: {len(accounts)} accounts, {len(regions)} regions, "
              f"one under {ORG}", flush=True)

        keys_env = aws_env(moto_url, KEY_ID, SECRET, work)
        env = {k: v for k, v in keys_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}

        # 1. Everything: the same records, in the same order, as the local copy.
        every = ["--filter-pattern", "{ $.eventName = * }"]
        rc_l, out_l, err_l = run(args.binary, [local, *every], keys_env)
        started = time.time()
        rc_r, out_r, err_r = run(args.binary, [f"s3://{BUCKET}/", *every], keys_env)
        elapsed = time.time() - started
        check(rc_l == 0 and rc_r == 0, f"both scans exit 0 ({rc_l}, {rc_r}): {err_r[-500:]}")
        lines = out_r.splitlines()
        check(len(lines) == 311, f"s3:// prints every record, the extra one included: {len(lines)} lines")
        check(out_r == out_l, "s3:// prints exactly what the local scan of the same keys prints")
        check(SECRET not in err_r + out_r, "the secret key appears nowhere in the output")
        print(f"scan s3://{BUCKET}/: {len(lines)} records in {elapsed:.2f} s; {err_r.strip()}", flush=True)

        for flags in (["--filter-pattern", '{ $.eventSource = "secretsmanager.amazonaws.com" }',
                       "--output", "count"],
                      ["--rules", "pack:cis"]):
            rc_l, out_l, _ = run(args.binary, [os.path.join(local, "AWSLogs"), *flags], keys_env)
            rc_r, out_r, err_r = run(args.binary, [f"s3://{BUCKET}/AWSLogs/", *flags], keys_env)
            check(rc_l == 0 and rc_r == 0 and out_r == out_l and out_r.strip(),
                  f"{' '.join(flags)}: s3:// and local agree ({out_r.strip()[:120]!r} vs "
                  f"{out_l.strip()[:120]!r}) {err_r[-300:]}")

        # 2. A time range lists only its days and the day after.
        moto_log.flush()
        log_start = os.path.getsize(moto_log_path)  # the requests of this scan come after
        span = ["--start-time", "2024-08-01T00:00:00Z", "--end-time", "2024-08-02T00:00:00Z"]
        rc_r, out_r, err_r = run(args.binary, [f"s3://{BUCKET}/", *every, *span], keys_env)
        rc_l, out_l, _ = run(args.binary, [local, *every, *span], keys_env)
        check(rc_r == 0 and out_r == out_l and len(out_r.splitlines()) == 98,
              f"the time range gives the local scan's records ({len(out_r.splitlines())} vs "
              f"{len(out_l.splitlines())}): {err_r[-300:]}")
        time.sleep(0.5)
        prefixes = listed_prefixes(moto_log_path, log_start)
        days = {m.group(0) for p in prefixes for m in [re.search(r"\d{4}/\d{2}/\d{2}", p)] if m}
        check(days == {"2024/08/01", "2024/08/02"}, f"only the range's day and the next were listed: {sorted(days)}")
        check(not any("CloudTrail-Digest" in p for p in prefixes), "the digest folder was not listed")
        check(len(prefixes) > 0 and all(p == "" or p.endswith("/") for p in prefixes),
              f"every listing is of a folder: {prefixes[:10]}")
        print(f"time range: {len(prefixes)} ListObjectsV2 requests, days {sorted(days)}", flush=True)

        # Only an end: every day up to the end's (and the next) is read, none after.
        until = ["--end-time", "2024-07-31T00:00:00Z"]
        rc_r, out_r, err_r = run(args.binary, [f"s3://{BUCKET}/AWSLogs/", *every, *until], keys_env)
        rc_l, out_l, _ = run(args.binary, [os.path.join(local, "AWSLogs"), *every, *until], keys_env)
        check(rc_r == 0 and out_r == out_l and len(out_r.splitlines()) == 36,
              f"--end-time alone gives the local scan's records ({len(out_r.splitlines())} vs "
              f"{len(out_l.splitlines())}): {err_r[-300:]}")

        # 3. Credentials: a profile file; none at all; a missing bucket.
        creds = os.path.join(work, "credentials")
        with open(creds, "w") as f:
            f.write(f"[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n\n"
                    f"[e2e]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
        profile_env = dict(env, AWS_PROFILE="e2e", AWS_SHARED_CREDENTIALS_FILE=creds)
        rc, out, err = run(args.binary, [f"s3://{BUCKET}/exports/", *every], profile_env)
        check(rc == 0 and len(out.splitlines()) == 1, f"credentials from profile e2e of a credentials file: {rc} {err[-300:]}")
        rc, out, err = run(args.binary, [f"s3://{BUCKET}/", *every], env)
        check(rc == 2 and "no AWS credentials" in err, f"no credentials: exit 2 and says so: {rc} {err[-300:]}")
        rc, out, err = run(args.binary, ["s3://no-such-bucket-tw/", *every], keys_env)
        check(rc == 2 and "NoSuchBucket" in err and "no-such-bucket-tw" in err,
              f"a missing bucket: exit 2 naming it: {rc} {err[-300:]}")

        # 4. `up` follows a bucket: what was there at the first start is history; a new object
        # is read within a poll; one delivered while it was down is read after the restart, and
        # nothing is read twice.
        follow_bucket = "tw-e2e-follow"
        s3.create_bucket(Bucket=follow_bucket)
        region_folder = f"AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/"

        def put_read(name):
            """An object holding a GetSecretValue by user/<name>: pack:secrets alerts once per reader."""
            now = time.time()
            day = time.strftime("%Y/%m/%d", time.gmtime(now))
            stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime(now))
            record = {"eventVersion": "1.08",
                      "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
                                       "accountId": ACCOUNT},
                      "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                      "eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue",
                      "awsRegion": REGION, "sourceIPAddress": "198.51.100.7", "eventID": f"e2e-{name}",
                      "eventType": "AwsApiCall", "requestParameters": {"secretId": "prod/db"},
                      "recipientAccountId": ACCOUNT}
            key = f"{region_folder}{day}/{ACCOUNT}_CloudTrail_{REGION}_{stamp}_{name}.json.gz"
            s3.put_object(Bucket=follow_bucket, Key=key,
                          Body=gzip.compress(json.dumps({"Records": [record]}).encode()))

        put_read("history-reader")
        config, data, notes = follow_config(work, f"s3://{follow_bucket}/AWSLogs/")

        def lines():
            return notifications(notes)

        def start():
            return start_up(args.binary, config, data, os.path.join(work, "up.log"), keys_env, procs,
                            "with an s3:// source")

        up = start()
        time.sleep(3)  # three polls: the history object must not be read
        check(not lines(), f"the object there before the first start is not read: {[l.get('subject') for l in lines()]}")
        put_read("live-reader")
        seen = wait_for(lambda: [l for l in lines() if "user/live-reader" in json.dumps(l)], 15, interval=0.2)
        check(seen, f"a new object's secret read is alerted within a few polls: {open(os.path.join(work, 'up.log')).read()[-500:]}")
        up.terminate()
        check(up.wait(timeout=30) == 0, "SIGTERM: up exits 0")
        before = len(lines())
        put_read("down-reader")
        up = start()
        seen = wait_for(lambda: [l for l in lines() if "user/down-reader" in json.dumps(l)], 15, interval=0.2)
        check(seen, "the object delivered while up was down is read after the restart")
        time.sleep(3)
        after = lines()
        text = json.dumps(after)
        alerts = [json.dumps(l) for l in after if "SecretReadOutsideAllowlist" in l.get("subject", "")]
        check(len(alerts) == 2 and sum("user/live-reader" in a for a in alerts) == 1
              and sum("user/down-reader" in a for a in alerts) == 1 and "history-reader" not in text,
              f"nothing read twice, the history never: {[l.get('subject') for l in after]}")
        check(len(after) > before, f"the restart added notifications ({before} -> {len(after)})")
        up.terminate()
        check(up.wait(timeout=30) == 0, "SIGTERM: up exits 0 after the restart")
        print(f"up: followed s3://{follow_bucket}/AWSLogs/; {len(after)} notifications", flush=True)
    finally:
        code = finish("s3_e2e", work, procs)
    return code


if __name__ == "__main__":
    sys.exit(main())
