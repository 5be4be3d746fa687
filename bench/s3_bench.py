#!/usr/bin/env python3
"""`scripts/bench s3`: `trailwatch scan` reading the synthetic corpus from S3 (moto server on
loopback) against the same files on local disk, in one run.

    s3_bench.py --trailwatch BIN --corpus DIR [--runs N] [--threads N] [--out JSON]

DIR is scripts/gen-cloudtrail-corpus's output: its s3/ tree (CloudTrail's S3 layout) is uploaded
to a bucket, then both scans count GetSecretValue events (the counts must agree with the
manifest). The best of N runs of each is kept. Target: remote within 2x of local.
"""
import argparse
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time

PATTERN = '{ $.eventName = "GetSecretValue" }'
BUCKET = "bench-trail"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def timed_scan(trailwatch, source, threads, env):
    start = time.monotonic()
    p = subprocess.run([trailwatch, "scan", source, "--filter-pattern", PATTERN, "--output", "count",
                        "--progress", "never", "--threads", str(threads)],
                       capture_output=True, text=True, env=env, timeout=1800)
    elapsed = time.monotonic() - start
    if p.returncode != 0:
        sys.exit(f"s3_bench: scan {source} failed ({p.returncode}): {p.stderr[-1000:]}")
    return elapsed, int(p.stdout.strip()), p.stderr.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trailwatch", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--out")
    args = ap.parse_args()
    try:
        import boto3
        import moto.server  # noqa: F401
    except ImportError as e:
        sys.exit(f"s3_bench: needs boto3 and moto[server] for {sys.executable}: {e}")
    manifest = json.load(open(os.path.join(args.corpus, "manifest.json")))
    local = os.path.join(args.corpus, "s3")
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(local) for f in fs)
    gz_bytes = sum(os.path.getsize(f) for f in files)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        key_id, secret = "AKIABENCHS3EXAMPLE01", "bench-secret"
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key_id,
                          aws_secret_access_key=secret)
        for _ in range(150):
            try:
                s3.list_buckets()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.2)
        s3.create_bucket(Bucket=BUCKET)
        started = time.monotonic()

        def put(path):
            key = os.path.relpath(path, local)
            with open(path, "rb") as f:
                s3.put_object(Bucket=BUCKET, Key=key, Body=f.read())
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(put, files))
        upload = time.monotonic() - started

        # The floor of the remote path: moto serving every object (boto3 GETs, 4 threads).
        def get(path):
            return len(s3.get_object(Bucket=BUCKET, Key=os.path.relpath(path, local))["Body"].read())
        floor = None
        for _ in range(args.runs):
            started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                got = sum(pool.map(get, files))
            if got != gz_bytes:
                sys.exit(f"s3_bench: moto served {got} bytes of {gz_bytes}")
            elapsed = time.monotonic() - started
            floor = elapsed if floor is None else min(floor, elapsed)

        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL=url, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID=key_id,
                   AWS_SECRET_ACCESS_KEY=secret, AWS_EC2_METADATA_DISABLED="true")
        rows = {}
        for name, source in (("local disk", local), ("moto S3", f"s3://{BUCKET}/")):
            best = None
            for _ in range(args.runs):
                elapsed, count, summary = timed_scan(args.trailwatch, source, args.threads, env)
                if count != manifest["get_secret_value"]:
                    sys.exit(f"s3_bench: {name} counted {count}, the manifest says "
                             f"{manifest['get_secret_value']}")
                best = elapsed if best is None else min(best, elapsed)
            rows[name] = best
        events = manifest["events"]
        decoded = manifest["gz_decoded_bytes"]
        print(f"s3 bench: {len(files)} objects, {gz_bytes / 1e6:.1f} MB gzip ({decoded / 1e6:.1f} MB JSON), "
              f"{events} events; uploaded to moto in {upload:.1f} s; --threads {args.threads}; best of {args.runs}")
        print(f"{'source':<12} {'seconds':>8} {'events/s':>12} {'MB/s (JSON)':>12}")
        for name, t in rows.items():
            print(f"{name:<12} {t:>8.2f} {events / t:>12,.0f} {decoded / t / 1e6:>12.1f}")
        print(f"{'moto alone':<12} {floor:>8.2f} {'':>12} {decoded / floor / 1e6:>12.1f}   "
              f"(GET of every object with boto3, 4 threads: the remote floor on this machine)")
        ratio = rows["moto S3"] / rows["local disk"]
        verdict = "PASS" if ratio <= 2 else "MISS"
        print(f"remote / local time: {ratio:.2f}x (target <= 2x): {verdict}; "
              f"moto alone / local: {floor / rows['local disk']:.2f}x; "
              f"remote / moto alone: {rows['moto S3'] / floor:.2f}x")
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"objects": len(files), "events": events, "seconds": rows, "ratio": ratio,
                           "moto_floor_seconds": floor,
                           "upload_seconds": upload, "threads": args.threads}, f, indent=2)
    finally:
        moto.terminate()
        moto.wait(timeout=10)


if __name__ == "__main__":
    main()
