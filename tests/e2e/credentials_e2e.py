#!/usr/bin/env python3
"""End to end: the credentials chain's links that call something, against moto server with
its IAM authentication switched on (after the set-up, every request must be signed with keys
moto issued, and be allowed by their policies).

Usage: credentials_e2e.py --binary PATH/trailwatch

A bucket holds one CloudTrail file of 3 GetSecretValue records. User tw-reader may only
assume role tw-trail-reader, which may read the bucket; user tw-direct may read it itself.
Each case runs `trailwatch scan s3://bucket/ --output count`:

- keys moto never issued, and tw-reader's own keys: refused (so authentication is on and the
  role is what grants the reading);
- a profile with role_arn and source_profile (tw-reader's keys), one with role_arn and
  credential_source = EcsContainer (a container endpoint handing out tw-reader's keys),
  AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE (the EKS way): STS hands out the role's
  temporary credentials, the scan counts 3;
- a profile with credential_process printing tw-direct's keys: counts 3;
- no secret key appears in any output.

Exit 0 when every check passed, 1 otherwise, 77 when boto3 or moto is missing.
"""
import argparse
import gzip
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request

from e2e_util import FAILURES, check, finish, require, start_moto

require("boto3", "moto.server")
import boto3  # noqa: E402 - after the check that it is there

REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = "tw-credentials-trail"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/tw-trail-reader"
KEY = f"AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2026/11/01/{ACCOUNT}_CloudTrail_{REGION}_20261101T0000Z_creds.json.gz"


def policy(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tw-credentials-e2e-")
    procs = []
    try:
        moto_url, _, _ = start_moto(work, procs)
        setup = dict(endpoint_url=moto_url, region_name=REGION, aws_access_key_id="AKIASETUP0000000000",
                     aws_secret_access_key="setup")
        iam, s3 = boto3.client("iam", **setup), boto3.client("s3", **setup)
        s3.create_bucket(Bucket=BUCKET)
        records = [{"eventVersion": "1.08", "eventTime": f"2026-11-01T00:0{i}:00Z",
                    "eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue",
                    "eventID": f"creds-{i}", "awsRegion": REGION} for i in range(3)]
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=gzip.compress(json.dumps({"Records": records}).encode()))
        read_bucket = {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"],
                       "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]}
        keys = {}
        for user, statements in (("tw-reader", [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE}]),
                                 ("tw-direct", [read_bucket])):
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=policy(statements))
            k = iam.create_access_key(UserName=user)["AccessKey"]
            keys[user] = (k["AccessKeyId"], k["SecretAccessKey"])
        iam.create_role(RoleName="tw-trail-reader", AssumeRolePolicyDocument=policy([
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/tw-reader"},
             "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.example"},
             "Action": "sts:AssumeRoleWithWebIdentity"}]))
        iam.put_role_policy(RoleName="tw-trail-reader", PolicyName="read", PolicyDocument=policy([read_bucket]))

        def reset_auth(free_requests):
            """Authentication on after `free_requests` more requests."""
            urllib.request.urlopen(urllib.request.Request(
                f"{moto_url}/moto-api/reset-auth", data=free_requests, method="POST",
                headers={"Content-Type": "application/octet-stream"}))
        # From here on moto checks every request's signature and policies.
        reset_auth(b"0")

        reader_id, reader_secret = keys["tw-reader"]

        class Container(http.server.BaseHTTPRequestHandler):
            """The ECS container credentials endpoint, handing out tw-reader's keys."""
            def do_GET(self):  # noqa: N802 - the http.server API
                ok = self.path == "/creds" and self.headers.get("Authorization") == "e2e-container-token"
                body = json.dumps({"AccessKeyId": reader_id, "SecretAccessKey": reader_secret,
                                   "Token": "", "Expiration": "2099-01-01T00:00:00Z"}).encode() if ok else b""
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass
        container = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Container)
        threading.Thread(target=container.serve_forever, daemon=True).start()
        container_url = f"http://127.0.0.1:{container.server_address[1]}/creds"
        direct_id, direct_secret = keys["tw-direct"]
        aws_dir = os.path.join(work, ".aws")
        os.makedirs(aws_dir)
        script = os.path.join(work, "direct-creds.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n" + "echo '" + json.dumps({"Version": 1, "AccessKeyId": direct_id,
                                                           "SecretAccessKey": direct_secret}) + "'\n")
        os.chmod(script, 0o700)
        with open(os.path.join(aws_dir, "credentials"), "w") as f:
            f.write(f"[reader]\naws_access_key_id = {reader_id}\naws_secret_access_key = {reader_secret}\n")
        with open(os.path.join(aws_dir, "config"), "w") as f:
            f.write(f"[profile role]\nrole_arn = {ROLE}\nsource_profile = reader\nrole_session_name = e2e\n"
                    f"[profile role-ecs]\nrole_arn = {ROLE}\ncredential_source = EcsContainer\n"
                    f"[profile process]\ncredential_process = {script}\n")
        token = os.path.join(work, "token")
        with open(token, "w") as f:
            f.write("eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl\n")

        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        base.update(AWS_ENDPOINT_URL=moto_url, AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
                    HOME=work)
        outputs = []

        def scan(extra_env):
            env = dict(base, **extra_env)
            p = subprocess.run([args.binary, "scan", f"s3://{BUCKET}/", "--output", "count", "--progress", "never",
                                "--filter-pattern", '{ $.eventName = "GetSecretValue" }'],
                               env=env, capture_output=True, text=True, timeout=120)
            outputs.append(p.stdout + p.stderr)
            return p

        cases = [
            ("keys moto never issued", {"AWS_ACCESS_KEY_ID": "AKIANOTISSUED0000000", "AWS_SECRET_ACCESS_KEY": "x"}, False),
            ("tw-reader's own keys (it may only assume the role)",
             {"AWS_ACCESS_KEY_ID": reader_id, "AWS_SECRET_ACCESS_KEY": reader_secret}, False),
            ("profile: role_arn + source_profile", {"AWS_PROFILE": "role"}, True),
            ("profile: role_arn + credential_source = EcsContainer (the task role's keys)",
             {"AWS_PROFILE": "role-ecs", "AWS_CONTAINER_CREDENTIALS_FULL_URI": container_url,
              "AWS_CONTAINER_AUTHORIZATION_TOKEN": "e2e-container-token"}, True),
            ("profile: credential_process", {"AWS_PROFILE": "process"}, True),
            # moto answers an unsigned request with a 500 once authentication is on, though AWS
            # takes AssumeRoleWithWebIdentity unsigned: the one request before authentication
            # resumes is the STS call; the S3 calls with the role's credentials are checked.
            ("AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE", {"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": token}, True),
        ]
        for name, extra, allowed in cases:
            if "WEB_IDENTITY" in name:
                reset_auth(b"1")
            p = scan(extra)
            if allowed:
                check(p.returncode == 0 and p.stdout.strip() == "3", f"{name}: counts 3: {p.stdout.strip()!r} {p.stderr[-600:]}")
            else:
                check(p.returncode != 0 and p.stdout.strip() == "", f"{name}: refused: {p.returncode} {p.stderr[-300:]}")
            print(f"{name}: exit {p.returncode}, {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ''}", flush=True)
        for secret in (reader_secret, direct_secret):
            check(all(secret not in o for o in outputs), "no secret key in any output")
    finally:
        code = finish("credentials_e2e", work, procs)
    return code


if __name__ == "__main__":
    sys.exit(main())
