#!/usr/bin/env python3
"""End to end: the real AWS CLI and boto3 against `trailwatch up` (issue: the vault).

Usage: vault_e2e.py --binary PATH/trailwatch
Exit 0 when every check passed, 1 when one failed (each failure printed), 77 when a tool it
needs (boto3, the aws CLI) is missing. Secret values are never printed.
"""
import argparse
import datetime
import glob
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from e2e_util import FAILURES, check, free_port, require

require("boto3", "botocore")
import boto3  # noqa: E402 - after the check that it is there
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "123456789012"
# Values that must never show up in logs, audit records or files on disk.
SECRET1 = "s3cr3t-" + os.urandom(8).hex()
SECRET2 = "s3cr3t-" + os.urandom(8).hex()






class Daemon:
    def __init__(self, binary, data_dir, tls=None):
        self.binary = binary
        self.data_dir = data_dir
        self.port = free_port()
        self.tls = tls  # (cert, key) PEM paths
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.log = open(os.path.join(os.path.dirname(data_dir), f"up-{self.port}.log"), "w+")
        self.proc = None

    def start(self):
        argv = [self.binary, "up", "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}"]
        if self.tls:
            argv += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("trailwatch up exited early: " + self.output())
            try:
                import ssl
                ctx = ssl._create_unverified_context()
                with urllib.request.urlopen(self.url + "/api/health", timeout=1, context=ctx) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("trailwatch up did not answer /api/health: " + self.output())

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()


def client(url, key_id, secret):
    return boto3.client("secretsmanager", endpoint_url=url, region_name=REGION,
                        aws_access_key_id=key_id, aws_secret_access_key=secret, verify=False,
                        config=Config(retries={"max_attempts": 1}))


def https_records(binary, work):
    """HTTPS with --tls-cert/--tls-key: the records of calls over TLS carry tlsDetails."""
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                           "-days", "1", "-keyout", key, "-out", cert], capture_output=True)
    if made.returncode != 0:
        print("SKIP https: the openssl command failed")
        return
    data = os.path.join(work, "tls-data")
    d = Daemon(binary, data, tls=(cert, key)).start()
    creds = json.load(open(os.path.join(data, "admin-credentials.json")))["AccessKey"]
    import urllib3
    urllib3.disable_warnings()
    sm = client(d.url, creds["AccessKeyId"], creds["SecretAccessKey"])
    sm.create_secret(Name="tls/one", SecretString=SECRET1)
    check(sm.get_secret_value(SecretId="tls/one")["SecretString"] == SECRET1, "HTTPS round trip")
    check(d.stop() == 0, "HTTPS daemon stops cleanly")
    recs = records(data)
    check(len(recs) == 2 and all(r.get("tlsDetails", {}).get("tlsVersion", "").startswith("TLSv1.")
                                 and r["tlsDetails"].get("cipherSuite") for r in recs),
          f"records over TLS carry tlsDetails: {[r.get('tlsDetails') for r in recs]}")


def error_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    return None, None


def lifecycle(sm):
    r = sm.create_secret(Name="prod/db/password", SecretString=SECRET1,
                         Description="the payments database",
                         Tags=[{"Key": "team", "Value": "payments"}])
    arn = r["ARN"]
    check(re.fullmatch(rf"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/db/password-[A-Za-z0-9]{{6}}", arn),
          "CreateSecret ARN has the 6-character suffix: " + arn)
    v1 = r["VersionId"]
    g = sm.get_secret_value(SecretId="prod/db/password")
    check(g["SecretString"] == SECRET1, "GetSecretValue returns the value")
    check(g["VersionStages"] == ["AWSCURRENT"], "first version is AWSCURRENT")
    p = sm.put_secret_value(SecretId=arn, SecretString=SECRET2)
    check("AWSCURRENT" in p["VersionStages"], "PutSecretValue makes AWSCURRENT")
    prev = sm.get_secret_value(SecretId=arn, VersionStage="AWSPREVIOUS")
    check(prev["SecretString"] == SECRET1 and prev["VersionId"] == v1, "AWSPREVIOUS is the old value")
    # A partial ARN (without the suffix) finds the secret too.
    partial = arn[:-7]
    check(sm.get_secret_value(SecretId=partial)["SecretString"] == SECRET2, "partial ARN lookup")
    d = sm.describe_secret(SecretId=arn)
    check(len(d["VersionIdsToStages"]) == 2, "DescribeSecret lists both versions")
    check(d["Tags"] == [{"Key": "team", "Value": "payments"}], "DescribeSecret tags")
    check("SecretString" not in json.dumps(d, default=str), "DescribeSecret has no value")
    listed = sm.list_secrets(Filters=[{"Key": "name", "Values": ["prod/"]}])["SecretList"]
    check([s["Name"] for s in listed] == ["prod/db/password"], "ListSecrets name filter")
    sm.tag_resource(SecretId=arn, Tags=[{"Key": "env", "Value": "prod"}])
    sm.untag_resource(SecretId=arn, TagKeys=["team"])
    check(sm.describe_secret(SecretId=arn)["Tags"] == [{"Key": "env", "Value": "prod"}], "tag/untag")
    sm.update_secret(SecretId=arn, Description="rotated monthly")
    check(sm.describe_secret(SecretId=arn)["Description"] == "rotated monthly", "UpdateSecret description")
    versions = sm.list_secret_version_ids(SecretId=arn)["Versions"]
    check(len(versions) == 2, "ListSecretVersionIds")
    pw = sm.get_random_password(PasswordLength=24, ExcludePunctuation=True)["RandomPassword"]
    check(len(pw) == 24 and pw.isalnum(), "GetRandomPassword")
    code, _ = error_of(lambda: sm.create_secret(Name="prod/db/password", SecretString="x"))
    check(code == "ResourceExistsException", f"duplicate CreateSecret: {code}")
    code, _ = error_of(lambda: sm.get_secret_value(SecretId="nope"))
    check(code == "ResourceNotFoundException", f"unknown secret: {code}")
    sm.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    code, _ = error_of(lambda: sm.get_secret_value(SecretId=arn))
    check(code == "InvalidRequestException", f"value of a secret scheduled for deletion: {code}")
    sm.restore_secret(SecretId=arn)
    check(sm.get_secret_value(SecretId=arn)["SecretString"] == SECRET2, "RestoreSecret")
    return arn


def transcript(sm):
    """The same calls against any endpoint: per call, the response's keys or the error code."""
    out = []

    def call(name, fn):
        try:
            r = fn()
            r.pop("ResponseMetadata", None)
            out.append((name, "ok", sorted(r)))
        except ClientError as e:
            out.append((name, "error", e.response["Error"]["Code"]))

    call("CreateSecret", lambda: sm.create_secret(Name="diff/one", SecretString="v1",
                                                  Tags=[{"Key": "k", "Value": "v"}]))
    call("CreateSecret duplicate", lambda: sm.create_secret(Name="diff/one", SecretString="v1"))
    call("GetSecretValue", lambda: sm.get_secret_value(SecretId="diff/one"))
    call("GetSecretValue missing", lambda: sm.get_secret_value(SecretId="diff/none"))
    call("GetSecretValue bad stage", lambda: sm.get_secret_value(SecretId="diff/one", VersionStage="AWSPENDING"))
    call("PutSecretValue", lambda: sm.put_secret_value(SecretId="diff/one", SecretString="v2"))
    call("DescribeSecret", lambda: sm.describe_secret(SecretId="diff/one"))
    call("ListSecretVersionIds", lambda: sm.list_secret_version_ids(SecretId="diff/one"))
    call("UpdateSecret", lambda: sm.update_secret(SecretId="diff/one", Description="d"))
    call("TagResource", lambda: sm.tag_resource(SecretId="diff/one", Tags=[{"Key": "a", "Value": "b"}]))
    call("UntagResource", lambda: sm.untag_resource(SecretId="diff/one", TagKeys=["a"]))
    call("GetRandomPassword", lambda: sm.get_random_password(PasswordLength=20))
    call("PutResourcePolicy", lambda: sm.put_resource_policy(SecretId="diff/one", ResourcePolicy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                                "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})))
    call("GetResourcePolicy", lambda: sm.get_resource_policy(SecretId="diff/one"))
    call("DeleteResourcePolicy", lambda: sm.delete_resource_policy(SecretId="diff/one"))
    call("DeleteSecret both options", lambda: sm.delete_secret(SecretId="diff/one", RecoveryWindowInDays=7,
                                                               ForceDeleteWithoutRecovery=True))
    call("DeleteSecret", lambda: sm.delete_secret(SecretId="diff/one", RecoveryWindowInDays=7))
    call("GetSecretValue deleted", lambda: sm.get_secret_value(SecretId="diff/one"))
    call("DeleteSecret again", lambda: sm.delete_secret(SecretId="diff/one"))
    call("RestoreSecret", lambda: sm.restore_secret(SecretId="diff/one"))
    call("DeleteSecret force", lambda: sm.delete_secret(SecretId="diff/one", ForceDeleteWithoutRecovery=True))
    return out


# Where moto 5 does not follow AWS and trailwatch does (docs/vault.md lists them).
KNOWN_MOTO_DIFFERENCES = {
    "DescribeSecret": "moto leaves out RotationEnabled and LastAccessedDate, which AWS returns",
    "ListSecretVersionIds": "moto returns NextToken on the last page; AWS leaves it out",
}


def differential(binary, work, admin_url, creds):
    """The transcript against moto server and against trailwatch; keys and error types must match."""
    port = free_port()
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        else:
            print("SKIP differential: moto server did not start")
            return
        theirs = transcript(client(url, "testing", "testing"))
    finally:
        moto.terminate()
        moto.wait(timeout=10)
    ours = transcript(client(admin_url, creds["AccessKeyId"], creds["SecretAccessKey"]))
    check(len(theirs) == len(ours), "same number of calls")
    for a, b in zip(theirs, ours):
        if a == b:
            continue
        if a[0] in KNOWN_MOTO_DIFFERENCES:
            print(f"note: {a[0]}: {KNOWN_MOTO_DIFFERENCES[a[0]]}")
            continue
        check(False, f"differs from moto: {a[0]}: moto {a[1:]} trailwatch {b[1:]}")


def signed_post(url, key_id, secret, target, body, skew=None, sent_target=None):
    """A raw signed request, for what boto3 will not send (unknown operations, skewed clocks).
    With sent_target, the request is signed without X-Amz-Target, which is added afterwards:
    a captured signature replayed as another operation."""
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if sent_target is None:
        headers["X-Amz-Target"] = target
    req = botocore.awsrequest.AWSRequest(method="POST", url=url + "/", data=body, headers=headers)
    creds = botocore.credentials.Credentials(key_id, secret)
    real = botocore.auth.get_current_datetime
    if skew is not None:
        botocore.auth.get_current_datetime = lambda: real() + skew
    try:
        botocore.auth.SigV4Auth(creds, "secretsmanager", REGION).add_auth(req)
    finally:
        botocore.auth.get_current_datetime = real
    prepared = req.prepare()
    data = prepared.body if isinstance(prepared.body, bytes) else prepared.body.encode()
    sent = dict(prepared.headers)
    if sent_target is not None:
        sent["X-Amz-Target"] = sent_target
    r = urllib.request.Request(prepared.url, data=data, headers=sent, method="POST")
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def records(data_dir):
    out = []
    for path in sorted(glob.glob(os.path.join(data_dir, "trail", "AWSLogs", "*", "CloudTrail", "**", "*.json.gz"),
                              recursive=True)):
        with gzip.open(path) as f:
            out.extend(json.load(f)["Records"])
    return out


def plaintext_hits(data_dir, values, allowed):
    """Every file of the data dir holding one of `values` (gzip'ed trail files decompressed),
    except the `allowed` ones (the bootstrap credentials, which must hold the admin key)."""
    hits = []
    for root, _, files in os.walk(data_dir):
        for name in files:
            path = os.path.join(root, name)
            if path in allowed:
                continue
            with open(path, "rb") as f:
                data = f.read()
            if name.endswith(".gz"):
                data += gzip.decompress(data)
            hits.extend(path for v in values if v.encode() in data)
    return hits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    if shutil.which("aws") is None:
        print("SKIP: the aws CLI is not on PATH")
        return 77
    work = tempfile.mkdtemp(prefix="trailwatch-e2e-")
    data = os.path.join(work, "data")
    try:
        d = Daemon(args.binary, data).start()
        creds = json.load(open(os.path.join(data, "admin-credentials.json")))["AccessKey"]
        check(oct(os.stat(os.path.join(data, "admin-credentials.json")).st_mode & 0o777) == "0o600",
              "bootstrap credentials are 0600")
        check(creds["SecretAccessKey"] not in d.output(), "the bootstrap secret is never logged")
        admin = client(d.url, creds["AccessKeyId"], creds["SecretAccessKey"])
        arn = lifecycle(admin)
        differential(args.binary, work, d.url, creds)
        https_records(args.binary, work)

        # The AWS CLI, with the credentials file the daemon wrote.
        env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=os.path.join(data, "credentials"),
                   AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            env.pop(k, None)
        cli = subprocess.run(["aws", "--endpoint-url", d.url, "secretsmanager", "get-secret-value",
                              "--secret-id", "prod/db/password", "--query", "Name", "--output", "text"],
                             env=env, capture_output=True, text=True)
        check(cli.returncode == 0 and cli.stdout.strip() == "prod/db/password",
              f"aws CLI get-secret-value: rc={cli.returncode} {cli.stderr.strip()}")

        # A second user, denied by policy.
        bob_out = subprocess.run([args.binary, "iam", "create-user", "--user-name", "bob", "--data-dir", data,
                                  "--policy-document",
                                  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                  '"Action":"secretsmanager:ListSecrets","Resource":"*"}]}'],
                                 capture_output=True, text=True)
        check(bob_out.returncode == 0, "iam create-user: " + bob_out.stderr)
        bob_key = json.loads(bob_out.stdout)["AccessKey"]
        check(set(bob_key) == {"UserName", "AccessKeyId", "Status", "SecretAccessKey", "CreateDate"},
              "create-user prints create-access-key's shape")
        bob = client(d.url, bob_key["AccessKeyId"], bob_key["SecretAccessKey"])
        code, message = error_of(lambda: bob.get_secret_value(SecretId="prod/db/password"))
        check(code == "AccessDeniedException", f"bob is denied: {code}")
        check(f"arn:aws:iam::{ACCOUNT}:user/bob is not authorized to perform: secretsmanager:GetSecretValue"
              in message, "denial message: " + message)
        check(len(bob.list_secrets()["SecretList"]) == 1, "bob may list")

        code, _ = error_of(lambda: client(d.url, bob_key["AccessKeyId"], "wrong" * 8).list_secrets())
        check(code == "InvalidSignatureException", f"wrong secret key: {code}")
        code, _ = error_of(lambda: client(d.url, "AKIAUNKNOWNUNKNOWN00", "x" * 40).list_secrets())
        check(code == "UnrecognizedClientException", f"unknown access key: {code}")
        status, body = signed_post(d.url, creds["AccessKeyId"], creds["SecretAccessKey"],
                                   "secretsmanager.ListSecrets", "{}", skew=datetime.timedelta(minutes=10))
        check(status == 400 and body.get("__type") == "InvalidSignatureException" and
              "Signature" in body.get("message", ""), f"skewed clock: {status} {body}")
        status, body = signed_post(d.url, creds["AccessKeyId"], creds["SecretAccessKey"],
                                   "secretsmanager.Frobnicate", "{}")
        check(status == 400 and "UnknownOperation" in body.get("__type", ""), f"unknown operation: {status} {body}")
        # A signature that does not cover X-Amz-Target could be replayed as another operation.
        status, body = signed_post(d.url, creds["AccessKeyId"], creds["SecretAccessKey"], None,
                                   json.dumps({"SecretId": arn, "ForceDeleteWithoutRecovery": True}),
                                   sent_target="secretsmanager.DeleteSecret")
        check(status == 400 and body.get("__type") == "IncompleteSignatureException" and
              "X-Amz-Target" in body.get("message", ""), f"unsigned X-Amz-Target: {status} {body}")
        check(admin.describe_secret(SecretId=arn)["ARN"] == arn, "the retargeted request deleted nothing")

        # Crash: values acknowledged before kill -9 survive, and so do their audit records.
        acked = []
        for i in range(5):
            value = f"{SECRET2}-{i}"
            acked.append((admin.put_secret_value(SecretId=arn, SecretString=value)["VersionId"], value))
        d.stop(signal.SIGKILL)
        d = Daemon(args.binary, data).start()
        admin = client(d.url, creds["AccessKeyId"], creds["SecretAccessKey"])
        for version, value in acked:
            got = admin.get_secret_value(SecretId=arn, VersionId=version)["SecretString"]
            check(got == value, f"acknowledged version {version} survives kill -9")
        check(d.stop() == 0, "clean shutdown exits 0: " + d.output()[-500:])

        recs = records(data)
        names = [r["eventName"] for r in recs]
        check(names.count("PutSecretValue") >= 6, f"every PutSecretValue has a record: {names.count('PutSecretValue')}")
        denied = [r for r in recs if r.get("errorCode") == "AccessDenied"]
        check(len(denied) == 1 and denied[0]["userIdentity"]["userName"] == "bob" and
              denied[0]["eventName"] == "GetSecretValue", "the denied call is an AccessDenied record")
        ids = [r["eventID"] for r in recs]
        check(len(ids) == len(set(ids)), "eventIDs are unique")
        for r in recs:
            for key in ("eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
                        "sourceIPAddress", "requestID", "eventID", "readOnly", "eventType",
                        "managementEvent", "recipientAccountId", "eventCategory"):
                if key not in r:
                    check(False, f"record {r['eventName']} lacks {key}")
        leaked = plaintext_hits(
            data, [SECRET1, SECRET2, creds["SecretAccessKey"], bob_key["SecretAccessKey"]] + [v for _, v in acked],
            {os.path.join(data, "admin-credentials.json"), os.path.join(data, "credentials")})
        check(not leaked, f"secret values are on disk in {sorted(set(leaked))}")

        v = subprocess.run([args.binary, "validate-logs", "--trail-dir", os.path.join(data, "trail")],
                           capture_output=True, text=True)
        check(v.returncode == 0, "validate-logs on an intact trail: " + v.stdout + v.stderr)
        logs = sorted(glob.glob(os.path.join(data, "trail", "AWSLogs", "*", "CloudTrail", "**", "*.json.gz"),
                                recursive=True))
        check(len(logs) >= 1, "log files were delivered")
        if logs:
            with gzip.open(logs[0]) as f:
                doc = json.load(f)
            doc["Records"][0]["sourceIPAddress"] = "203.0.113.66"
            with gzip.open(logs[0], "wb") as f:
                f.write(json.dumps(doc).encode())
            v = subprocess.run([args.binary, "validate-logs", "--trail-dir", os.path.join(data, "trail")],
                               capture_output=True, text=True)
            check(v.returncode == 1 and "INVALID" in v.stdout + v.stderr, "validate-logs catches a modified log file")
            os.remove(logs[0])
            v = subprocess.run([args.binary, "validate-logs", "--trail-dir", os.path.join(data, "trail")],
                               capture_output=True, text=True)
            check(v.returncode == 1, "validate-logs catches a deleted log file")
        for log in (d.output(),):
            for value in (SECRET1, SECRET2, creds["SecretAccessKey"]):
                check(value not in log, "a secret value is in the daemon's log")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"vault_e2e: {len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
