#!/usr/bin/env python3
"""End to end: the live pipeline of `trailwatch up` (issue 6) against real receivers.

Usage: live_e2e.py --binary PATH/trailwatch

Runs the real binary with a trailwatch.yaml that subscribes a real SMTP server (smtp_sink.py,
aiosmtpd), an HTTP receiver (webhook_sink.py, in this process) and a file to the packs' topic,
follows a directory, and sets pack:secrets' allowlist through `parameters:`. Then:

 1. boto3 calls as three principals (an allowed reader, an intruder without a policy, the
    admin): the SMTP server receives exactly the alarms and detection alerts the packs define,
    once each, naming who (principal ARN), what (the secret id) and where (127.0.0.1).
 2. every webhook POST is an SNS envelope whose signature verifies the way AWS documents it
    (tests/notify/verify_sns.py, with the certificate fetched from SigningCertURL); one POST per
    publication, unique MessageIds, the same ids as the mails and the file lines.
 3. SMTP down: the mail waits in /api/outbox?state=pending; SMTP back up on the same port: the
    mail arrives exactly once (the e-mail policy's first retry is 10 s after the failure).
 4. kill -9 with mails pending: after the restart every pending mail arrives once, and nothing
    already delivered (mail, webhook, file) is sent again.
 5. follow mode: a CloudTrail file dropped into the followed directory and a line appended to
    an NDJSON file there reach the file and webhook subscriptions within 2 s (the latency is
    printed); a restart re-alerts nothing from them (nor reads any record again).
 6. a read answered in the daemon's first second puts Secrets-SecretRead in ALARM at once, as
    docs/daemon.md says of every CIS and secrets alarm.
The checks of 2 run after each phase; the whole-run ones (ids, counts) after phase 5.
Secret values must appear in no mail, webhook body, log or alerts file.

Exit 0 when every check passed, 1 when one failed (each failure printed as FAIL), 77 when
boto3 or aiosmtpd is missing.
"""
import argparse
import collections
import email
import email.policy
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from e2e_util import FAILURES, check, free_port, require, wait_for

require("boto3", "botocore")
import boto3  # noqa: E402 - after the check that it is there
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from webhook_sink import WebhookSink  # noqa: E402

SMTP_SINK = os.path.join(HERE, "smtp_sink.py")
VERIFY_SNS = os.path.join(HERE, "..", "notify", "verify_sns.py")

REGION = "us-east-1"
REGION_NAME = "US East (N. Virginia)"
ACCOUNT = "123456789012"
TOPIC = "trailwatch-security-alerts"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC}"
MAIL_TO = "security@example.com"
MAIL_FROM = "trailwatch@example.com"
READER = f"arn:aws:iam::{ACCOUNT}:user/reader"
INTRUDER = f"arn:aws:iam::{ACCOUNT}:user/intruder"
ADMIN = f"arn:aws:iam::{ACCOUNT}:user/admin"
OUTSIDER = f"arn:aws:iam::{ACCOUNT}:user/outsider"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
SECRET_NAME = "prod/payments/db"
# Values that must never show up in a notification, a log or an alerts file.
SECRET_VALUES = ["s3cr3t-" + os.urandom(8).hex() for _ in range(3)]
SETTLE = 3.0  # seconds of quiet after which "nothing more arrived" is believed
LATENCIES = collections.OrderedDict()




def note(*args):
    print("  ", *args, flush=True)






def alarm_subject(name, state="ALARM"):
    return f'{state}: "{name}" in {REGION_NAME}'


def alert_subject(name, severity="high"):
    return f'ALERT ({severity}): "{name}" in {REGION_NAME}'


def key_alarm(name):
    return (alarm_subject(name), "")


def key_alert(name, principal):
    return (alert_subject(name), principal)


def fmt_keys(keys):
    return sorted(f"{s}{' by ' + p if p else ''}" for s, p in keys)


# ---------------------------------------------------------------------------------------------
# Receivers


def aiosmtpd_python():
    """An interpreter that can import aiosmtpd: `python3` on PATH, else /usr/bin/python3."""
    for candidate in ("python3", "/usr/bin/python3"):
        path = shutil.which(candidate)
        if path and subprocess.run([path, "-c", "import aiosmtpd"], capture_output=True).returncode == 0:
            return path
    return None


class SmtpSink:
    def __init__(self, python, port, directory, log_path):
        self.python = python
        self.port = port
        self.dir = directory
        self.log = open(log_path, "a")
        self.proc = None
        os.makedirs(directory, exist_ok=True)

    def start(self):
        self.proc = subprocess.Popen([self.python, SMTP_SINK, "--port", str(self.port), "--dir", self.dir],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                if line.startswith("READY"):
                    return self
                if not line and self.proc.poll() is not None:
                    break
        raise RuntimeError(f"the SMTP sink did not start on port {self.port} (rc {self.proc.poll()})")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def mails(self):
        out = []
        for name in sorted(os.listdir(self.dir)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(self.dir, name), encoding="utf-8") as f:
                rec = json.load(f)
            msg = email.message_from_string(rec["data"], policy=email.policy.default)
            # The message came over SMTP with CRLF line ends; compare text with LF ones.
            body = msg.get_content().replace("\r\n", "\n") if not msg.is_multipart() else ""
            mid = str(msg.get("Message-ID", "")).strip().strip("<>")
            subject = str(msg.get("Subject", ""))
            whos = re.findall(r"^- Who:[ \t]*(\S.*?)[ \t]*$", body, re.M)
            principal = whos[0] if subject.startswith("ALERT") and whos else ""
            out.append({"name": name, "received": rec["received"], "mail_from": rec["mail_from"],
                        "rcpt_tos": rec["rcpt_tos"], "raw": rec["data"], "msg": msg, "body": body,
                        "subject": subject, "message_id": mid.split("@")[0], "key": (subject, principal),
                        "whos": whos})
        return out


class Daemon:
    def __init__(self, binary, config, data_dir, port, work):
        self.binary = binary
        self.config = config
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.work = work
        self.proc = None
        self.log_path = None

    def start(self):
        n = len([f for f in os.listdir(self.work) if f.startswith("up-")]) + 1
        self.log_path = os.path.join(self.work, f"up-{n}.log")
        log = open(self.log_path, "w")
        self.started = time.time()
        self.proc = subprocess.Popen([self.binary, "up", "--config", self.config, "--data-dir", self.data_dir,
                                      "--listen", f"127.0.0.1:{self.port}"], stdout=log, stderr=log)
        log.close()
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"trailwatch up exited early (rc {self.proc.returncode}):\n" + self.output())
            try:
                with urllib.request.urlopen(self.url + "/api/health", timeout=1) as r:
                    if r.status == 200:
                        self.ready = time.time()
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("trailwatch up did not answer /api/health:\n" + self.output())

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "timeout"

    def output(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8")

    def get_json(self, path):
        status, body = self.get(path)
        return json.loads(body) if status == 200 else {}

    def outbox(self, state):
        return self.get_json(f"/api/outbox?state={state}").get("messages", [])

    def alarm_states(self):
        return {a["name"]: a["state"] for a in self.get_json("/api/alarms").get("alarms", [])}

    def metric(self, name):
        _, text = self.get("/metrics")
        m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
        return float(m.group(1)) if m else None


def sm_client(url, key):
    return boto3.client("secretsmanager", endpoint_url=url, region_name=REGION,
                        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                        config=Config(retries={"max_attempts": 1}))


def error_code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


# ---------------------------------------------------------------------------------------------
# The channels: what each receiver got, as comparable keys


class Channels:
    """Everything the receivers and the data dir hold, and what is new since a mark."""

    def __init__(self, smtp, webhook, file_sub, data_dir):
        self.smtp = smtp
        self.webhook = webhook
        self.file_sub = file_sub
        self.timeline_path = os.path.join(data_dir, "alerts.ndjson")
        self.first_seen = {}  # file-subscription line index -> time this script first saw it

    @staticmethod
    def _lines(path):
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [line for line in f.read().split("\n") if line]

    def file_lines(self):
        out = []
        for i, line in enumerate(self._lines(self.file_sub)):
            self.first_seen.setdefault(i, time.time())
            try:
                j = json.loads(line)
            except ValueError:
                j = {"unparsable": line}
            principal = ""
            subject = j.get("subject", "")
            if subject.startswith("ALERT"):
                try:
                    principal = json.loads(j.get("message", "{}")).get("who", {}).get("principal", "")
                except ValueError:
                    pass
            out.append({"index": i, "seen": self.first_seen[i], "json": j, "raw": line, "subject": subject,
                        "message_id": j.get("messageId", ""), "key": (subject, principal)})
        return out

    def posts(self):
        """Webhook requests; SubscriptionConfirmations are marked and not notifications."""
        out = []
        for i, r in enumerate(self.webhook.snapshot()):
            try:
                j = json.loads(r["body"])
            except ValueError:
                j = {}
            kind = j.get("Type", "")
            subject = j.get("Subject", "")
            principal = ""
            if kind == "Notification" and subject.startswith("ALERT"):
                try:
                    principal = json.loads(j.get("Message", "{}")).get("who", {}).get("principal", "")
                except ValueError:
                    pass
            out.append({"index": i, "received": r["received"], "request": r, "json": j, "type": kind,
                        "subject": subject, "message_id": j.get("MessageId", ""), "key": (subject, principal)})
        return out

    def notifications(self):
        return [p for p in self.posts() if p["type"] != "SubscriptionConfirmation"]

    def timeline(self):
        out = []
        for line in self._lines(self.timeline_path):
            j = json.loads(line)
            if j.get("type") == "alert":
                key = (alert_subject(j["detection"], j.get("severity", "")), j.get("who", {}).get("principal", ""))
            else:
                key = (alarm_subject(j.get("alarm", ""), j.get("new", "")), "")
            out.append({"json": j, "raw": line, "key": key})
        return out

    def mark(self):
        return {"mails": {m["name"] for m in self.smtp.mails()}, "posts": len(self.webhook.snapshot()),
                "file": len(self._lines(self.file_sub)), "timeline": len(self._lines(self.timeline_path))}

    def since(self, mark):
        return {"mails": [m for m in self.smtp.mails() if m["name"] not in mark["mails"]],
                "posts": [p for p in self.notifications() if p["index"] >= mark["posts"]],
                "file": [f for f in self.file_lines() if f["index"] >= mark["file"]],
                "timeline": self.timeline()[mark["timeline"]:]}


def keys_of(items):
    return collections.Counter(i["key"] for i in items)


def wait_and_compare(ch, mark, expected, what, channels=("mails", "posts", "file", "timeline"), timeout=15):
    """Waits until every channel holds at least `expected` (a Counter of keys) since `mark`, then
    SETTLE seconds more, and checks that each holds exactly that: nothing missing, duplicated or
    extra. Returns the new items."""
    def enough():
        new = ch.since(mark)
        return all(not (expected - keys_of(new[c])) for c in channels)
    wait_for(enough, timeout, interval=0.1)
    time.sleep(SETTLE)
    new = ch.since(mark)
    for c in channels:
        got = keys_of(new[c])
        if got != expected:
            missing, extra = fmt_keys((expected - got).elements()), fmt_keys((got - expected).elements())
            check(False, f"{what}: {c} got {fmt_keys(got.elements())}, expected {fmt_keys(expected.elements())}"
                         f" (missing {missing}, extra {extra})")
    return new


# ---------------------------------------------------------------------------------------------
# Checks on the content


def check_mail_names(mail, principal, resource, source_ip, what):
    body = mail["body"]
    check(principal in mail["whos"], f"{what}: the mail names the principal {principal} (Who: {mail['whos']})")
    check(re.search(rf"^- Resource:[ \t]+{re.escape(resource)}[ \t]*$", body, re.M) is not None,
          f"{what}: the mail names the resource {resource}")
    check(re.search(rf"^- Source IP:[ \t]+{re.escape(source_ip)}[ \t]*$", body, re.M) is not None,
          f"{what}: the mail names the source IP {source_ip}")


def check_mail_headers(mail):
    msg = mail["msg"]
    ok = (mail["mail_from"] == MAIL_FROM and mail["rcpt_tos"] == [MAIL_TO] and MAIL_FROM in str(msg["From"])
          and MAIL_TO in str(msg["To"]) and msg["Date"] and re.fullmatch(r"[0-9a-f-]{36}", mail["message_id"]))
    check(ok, f"mail {mail['subject']!r}: envelope {mail['mail_from']} -> {mail['rcpt_tos']}, From {msg['From']}, "
              f"To {msg['To']}, Message-ID {msg['Message-ID']}")


class SnsVerifier:
    def __init__(self, daemon_url, work):
        self.daemon_url = daemon_url
        self.work = work
        self.certs = {}  # SigningCertURL -> path of the PEM
        self.verified = set()  # indexes of posts already verified

    def cert(self, url):
        if url not in self.certs:
            with urllib.request.urlopen(url, timeout=5) as r:
                pem = r.read()
            path = os.path.join(self.work, f"cert-{len(self.certs)}.pem")
            with open(path, "wb") as f:
                f.write(pem)
            self.certs[url] = path
        return self.certs[url]

    def verify_body(self, body, cert_url):
        path = os.path.join(self.work, "envelope.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(body)
        r = subprocess.run([sys.executable, VERIFY_SNS, path, self.cert(cert_url)], capture_output=True, text=True)
        return r.returncode == 0 and r.stdout.strip() == "OK", (r.stdout + r.stderr).strip()

    def verify(self, posts):
        """Verifies the posts not yet verified (while a daemon serves the certificate)."""
        for p in posts:
            if p["index"] in self.verified:
                continue
            self.verified.add(p["index"])
            j, h = p["json"], p["request"]["headers"]
            what = f"webhook POST {p['index']} ({p['type']} {p['subject']!r})"
            check(p["request"]["method"] == "POST" and p["request"]["path"] == "/hook", f"{what}: POST /hook")
            cert_url = j.get("SigningCertURL", "")
            if not check(re.fullmatch(re.escape(self.daemon_url) + r"/sns/SimpleNotificationService-[0-9a-f]{32}\.pem",
                                      cert_url) is not None, f"{what}: SigningCertURL {cert_url!r} is the daemon's"):
                continue
            ok, out = self.verify_body(p["request"]["body"], cert_url)
            check(ok, f"{what}: signature verifies (verify_sns.py: {out})")
            check(j.get("SignatureVersion") == "2", f"{what}: SignatureVersion 2")
            check(h.get("x-amz-sns-message-type") == j.get("Type"), f"{what}: x-amz-sns-message-type")
            check(h.get("x-amz-sns-message-id") == j.get("MessageId"), f"{what}: x-amz-sns-message-id")
            check(h.get("x-amz-sns-topic-arn") == TOPIC_ARN == j.get("TopicArn"), f"{what}: topic ARN")
            check(h.get("user-agent") == "Amazon Simple Notification Service Agent", f"{what}: User-Agent")
            check(h.get("content-type", "").lower().startswith("text/plain"), f"{what}: Content-Type")
            if p["type"] == "Notification":
                check((h.get("x-amz-sns-subscription-arn") or "").startswith(TOPIC_ARN + ":"),
                      f"{what}: x-amz-sns-subscription-arn")
                check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", j.get("Timestamp", "")) is not None,
                      f"{what}: Timestamp with milliseconds")
                try:
                    json.loads(j.get("Message", ""))
                except ValueError:
                    check(False, f"{what}: Message is JSON")
            else:
                check(p["type"] == "SubscriptionConfirmation", f"{what}: an unexpected Type {p['type']!r}")

    def negative(self, post):
        """A changed byte must not verify, or the checks above would prove nothing."""
        j = dict(post["json"])
        j["Message"] = j["Message"].replace("{", "{ ", 1)
        ok, _ = self.verify_body(json.dumps(j), j["SigningCertURL"])
        check(not ok, "verify_sns.py rejects a notification whose Message was changed")


def record(event_name, source, principal, ip, **extra):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    ident = {"type": "IAMUser", "principalId": "AIDA" + os.urandom(6).hex().upper(), "arn": principal,
             "accountId": ACCOUNT, "accessKeyId": "AKIA" + os.urandom(8).hex().upper()}
    if principal == ROOT:
        ident = {"type": "Root", "principalId": ACCOUNT, "arn": ROOT, "accountId": ACCOUNT}
    r = {"eventVersion": "1.08", "userIdentity": ident, "eventTime": now, "eventSource": source,
         "eventName": event_name, "awsRegion": REGION, "sourceIPAddress": ip, "userAgent": "live-e2e/1.0",
         "requestParameters": None, "responseElements": None, "requestID": os.urandom(8).hex(),
         "eventID": "%s-%s-4%s-8%s-%s" % (os.urandom(4).hex(), os.urandom(2).hex(), os.urandom(2).hex()[1:],
                                          os.urandom(2).hex()[1:], os.urandom(6).hex()),
         "readOnly": True, "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCOUNT,
         "eventCategory": "Management"}
    r.update(extra)
    return r


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    python_smtp = aiosmtpd_python()
    if python_smtp is None:
        print("SKIP: aiosmtpd is importable neither by `python3` nor by /usr/bin/python3 "
              "(install the Debian package python3-aiosmtpd)")
        return 77
    binary = os.path.abspath(args.binary)
    began = time.time()
    work = tempfile.mkdtemp(prefix="trailwatch-live-e2e-")
    data = os.path.join(work, "data")
    watched = os.path.join(work, "watched")
    os.makedirs(watched)
    file_sub = os.path.join(work, "alerts-file.ndjson")
    smtp = SmtpSink(python_smtp, free_port(), os.path.join(work, "mail"), os.path.join(work, "smtp-sink.log"))
    webhook = WebhookSink().start()
    port = free_port()
    config = os.path.join(work, "trailwatch.yaml")
    with open(config, "w") as f:
        f.write(f"""# written by tests/e2e/live_e2e.py
smtp: {{url: "smtp://127.0.0.1:{smtp.port}", from: "{MAIL_FROM}"}}
subscriptions:
  {TOPIC}:
    - {{protocol: email, endpoint: {MAIL_TO}}}
    - {{protocol: http, endpoint: "{webhook.url}/hook"}}
    - {{protocol: file, endpoint: {json.dumps(file_sub)}}}
sources: [{json.dumps(watched)}]
parameters: {{SecretReadAllowedPrincipals: "{READER}"}}
trail: {{delivery_seconds: 1}}
""")
    # An NDJSON file followed from the start: a harmless record now, an outsider's read later.
    stream = os.path.join(watched, "stream.ndjson")
    with open(stream, "w") as f:
        f.write(json.dumps(record("ListSecrets", "secretsmanager.amazonaws.com",
                                  f"arn:aws:iam::{ACCOUNT}:user/lister", "10.1.2.3")) + "\n")
    ch = Channels(smtp, webhook, file_sub, data)
    daemon = None
    daemons = []
    creds_secrets = []
    try:
        smtp.start()
        daemon = Daemon(binary, config, data, port, work).start()
        daemons.append(daemon)
        verifier = SnsVerifier(daemon.url, work)
        admin_key = json.load(open(os.path.join(data, "admin-credentials.json")))["AccessKey"]
        creds_secrets.append(admin_key["SecretAccessKey"])
        admin = sm_client(daemon.url, admin_key)

        # ---- 1. mails carry who / what / where ----------------------------------------------
        print("phase 1: reads by an allowed reader, an intruder and the admin", flush=True)
        mark = ch.mark()
        arn = admin.create_secret(Name=SECRET_NAME, SecretString=SECRET_VALUES[0])["ARN"]

        def iam(*argv):
            r = subprocess.run([binary, "iam", *argv, "--data-dir", data, "--config", config],
                               capture_output=True, text=True)
            check(r.returncode == 0, f"trailwatch iam {argv[0]} {argv[2]}: rc {r.returncode} {r.stderr.strip()}")
            return r.stdout

        reader_key = json.loads(iam("create-user", "--user-name", "reader"))["AccessKey"]
        iam("put-user-policy", "--user-name", "reader", "--policy-name", "read-payments-db", "--policy-document",
            json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn}]}))
        intruder_key = json.loads(iam("create-user", "--user-name", "intruder"))["AccessKey"]
        creds_secrets += [reader_key["SecretAccessKey"], intruder_key["SecretAccessKey"]]
        reader = sm_client(daemon.url, reader_key)
        intruder = sm_client(daemon.url, intruder_key)
        # Records stamped (to the second) before the monitor started are not evaluated early:
        # phase 6 checks that on its own, so the reads here come after the daemon's first second.
        wait_for(lambda: time.time() >= int(daemon.ready) + 1, 2)
        check(reader.get_secret_value(SecretId=SECRET_NAME)["SecretString"] == SECRET_VALUES[0],
              "reader may read the secret (put-user-policy while up runs)")
        code = error_code(lambda: intruder.get_secret_value(SecretId=SECRET_NAME))
        check(code == "AccessDeniedException", f"intruder is denied: {code}")
        check(admin.get_secret_value(SecretId=SECRET_NAME)["SecretString"] == SECRET_VALUES[0], "admin reads")
        # pack:secrets: the first read puts Secrets-SecretRead in ALARM (later reads change
        # nothing); the denied read puts Secrets-AccessDenied and pack:cis's CIS-4.1 in ALARM;
        # Secrets-SecretReadOutsideAllowlist alerts once per principal outside the allowlist
        # (the intruder, whose attempt is a read too, and the admin; not the reader).
        # Secrets-SecretReadBurst needs 6 reads by one principal: nobody gets there.
        expected = collections.Counter([
            key_alarm("Secrets-SecretRead"), key_alarm("Secrets-AccessDenied"),
            key_alarm("CIS-4.1-UnauthorizedApiCalls"),
            key_alert("Secrets-SecretReadOutsideAllowlist", INTRUDER),
            key_alert("Secrets-SecretReadOutsideAllowlist", ADMIN)])
        new = wait_and_compare(ch, mark, expected, "phase 1")
        by_key = {m["key"]: m for m in new["mails"]}
        for k, m in by_key.items():
            check_mail_headers(m)
        for k, principal in ((key_alarm("Secrets-AccessDenied"), INTRUDER),
                             (key_alarm("CIS-4.1-UnauthorizedApiCalls"), INTRUDER),
                             (key_alert("Secrets-SecretReadOutsideAllowlist", INTRUDER), INTRUDER),
                             (key_alert("Secrets-SecretReadOutsideAllowlist", ADMIN), ADMIN),
                             (key_alarm("Secrets-SecretRead"), READER)):
            if k in by_key:
                check_mail_names(by_key[k], principal, SECRET_NAME, "127.0.0.1", k[0])
        if key_alarm("Secrets-AccessDenied") in by_key:
            check(re.search(r"^- Error Code:[ \t]+AccessDenied", by_key[key_alarm("Secrets-AccessDenied")]["body"],
                            re.M) is not None, "the access-denied mail names the error code")
            check("has entered the ALARM state" in by_key[key_alarm("Secrets-AccessDenied")]["body"],
                  "the alarm mail has AWS's first line")
        alarms = daemon.alarm_states()
        check(alarms.get("Secrets-SecretRead") == "ALARM" and alarms.get("Secrets-AccessDenied") == "ALARM"
              and alarms.get("Secrets-SecretDeleted") == "INSUFFICIENT_DATA",
              f"/api/alarms: {{{', '.join(f'{k}: {v}' for k, v in alarms.items() if k.startswith('Secrets'))}}}")
        verifier.verify(ch.posts())
        if new["posts"]:
            verifier.negative(new["posts"][0])

        # ---- 3. SMTP down -> pending -> SMTP up -> exactly once -------------------------------
        print("phase 3: SMTP down, a new alarm, SMTP back on the same port", flush=True)
        smtp.stop()
        mark = ch.mark()
        admin.put_secret_value(SecretId=arn, SecretString=SECRET_VALUES[1])
        caused = time.time()

        def pending_mails(sources):
            rows = [m for m in daemon.outbox("pending") if m["protocol"] == "email" and m["source"] in sources
                    and m["attempts"] >= 1 and m.get("lastError")]
            return rows if {m["source"] for m in rows} == set(sources) else None

        rows = wait_for(lambda: pending_mails({"Secrets-SecretValueChanged"}), 15, interval=0.1)
        check(rows, "the mail for Secrets-SecretValueChanged is pending in /api/outbox?state=pending after a "
                    f"failed attempt: {daemon.outbox('pending')}")
        if rows:
            note(f"pending: attempts={rows[0]['attempts']} lastError={rows[0]['lastError']!r}")
        # The webhook and the file got it at once; only the mail waits.
        wait_and_compare(ch, mark, collections.Counter([key_alarm("Secrets-SecretValueChanged")]),
                         "phase 3 (webhook, file, alerts.ndjson while SMTP is down)",
                         channels=("posts", "file", "timeline"))
        smtp.start()
        up_at = time.time()
        got = wait_for(lambda: [m for m in ch.since(mark)["mails"]], 40, interval=0.1)
        if check(got, "the queued mail arrives after SMTP is back"):
            LATENCIES["SMTP back up -> queued mail received"] = got[0]["received"] - up_at
            LATENCIES["alarm caused -> mail received (first retry)"] = got[0]["received"] - caused
        new = wait_and_compare(ch, mark, collections.Counter([key_alarm("Secrets-SecretValueChanged")]),
                               "phase 3 (mail once after SMTP is back)", channels=("mails",), timeout=1)
        for m in new["mails"]:
            check_mail_names(m, ADMIN, arn, "127.0.0.1", "Secrets-SecretValueChanged")
        delivered = [m for m in daemon.outbox("delivered") if m["protocol"] == "email"
                     and m["source"] == "Secrets-SecretValueChanged"]
        check(len(delivered) == 1 and delivered[0]["attempts"] >= 2,
              f"the outbox lists the mail delivered after a retry: {delivered}")

        # ---- 4. kill -9 with mails pending ----------------------------------------------------
        print("phase 4: SMTP down, two new alarms, kill -9, SMTP up, restart", flush=True)
        smtp.stop()
        mark = ch.mark()
        admin.put_resource_policy(SecretId=arn, ResourcePolicy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": {"AWS": INTRUDER},
                                                    "Action": "secretsmanager:*", "Resource": "*"}]}))
        admin.create_secret(Name="prod/old/token", SecretString=SECRET_VALUES[2])
        admin.delete_secret(SecretId="prod/old/token", ForceDeleteWithoutRecovery=True)
        sources = {"Secrets-ResourcePolicyChanged", "Secrets-SecretDeleted"}
        rows = wait_for(lambda: pending_mails(sources), 15, interval=0.1)
        check(rows, f"two mails pending before the kill: {daemon.outbox('pending')}")
        expected4 = collections.Counter(key_alarm(s) for s in sources)
        wait_and_compare(ch, mark, expected4, "phase 4 (webhook, file, alerts.ndjson before the kill)",
                         channels=("posts", "file", "timeline"))
        # Webhook and file deliveries recorded as delivered: the kill cannot make them repeat.
        done = wait_for(lambda: len([m for m in daemon.outbox("delivered") if m["source"] in sources
                                     and m["protocol"] in ("http", "file")]) == 4, 10, interval=0.1)
        check(done, "webhook and file deliveries are recorded delivered before the kill")
        verifier.verify(ch.posts())
        check(daemon.stop(signal.SIGKILL) == -signal.SIGKILL, "trailwatch up dies of SIGKILL")
        killed = ch.mark()
        smtp.start()
        daemon = Daemon(binary, config, data, port, work).start()
        daemons.append(daemon)
        restarted = daemon.started
        got = wait_for(lambda: len(ch.since(mark)["mails"]) >= 2 and ch.since(mark)["mails"], 40, interval=0.1)
        if check(got, "the mails pending at the kill arrive after the restart"):
            LATENCIES["restart after kill -9 -> both pending mails received"] = \
                max(m["received"] for m in got) - restarted
        new = wait_and_compare(ch, mark, expected4, "phase 4 (mails after the restart)", channels=("mails",),
                               timeout=1)
        after = ch.since(killed)
        check(not after["posts"] and not after["file"] and not after["timeline"],
              f"nothing re-sent after kill -9: webhook {[p['subject'] for p in after['posts']]}, file "
              f"{[f['subject'] for f in after['file']]}, alerts.ndjson {[t['key'] for t in after['timeline']]}")
        for m in new["mails"]:
            check_mail_names(m, ADMIN, arn if "Policy" in m["subject"] else "prod/old/token", "127.0.0.1",
                             m["subject"])
        check(not [m for m in daemon.outbox("pending")], f"nothing pending: {daemon.outbox('pending')}")

        # ---- 5. follow mode ------------------------------------------------------------------
        print("phase 5: a CloudTrail file dropped, an NDJSON line appended, a restart", flush=True)
        mark = ch.mark()
        login = record("ConsoleLogin", "signin.amazonaws.com", ROOT, "198.51.100.7",
                       eventType="AwsConsoleSignIn", readOnly=False,
                       responseElements={"ConsoleLogin": "Success"},
                       additionalEventData={"LoginTo": "https://console.aws.amazon.com/", "MobileVersion": "No",
                                            "MFAUsed": "No"})
        tmp = os.path.join(watched, "root-login.json.tmp")
        with open(tmp, "w") as f:
            f.write(json.dumps({"Records": [login]}))
        dropped = time.time()
        os.rename(tmp, os.path.join(watched, "root-login.json"))
        root_subject = alarm_subject("CIS-4.3-RootAccountUsage")

        def first(channel, subject, since=mark):
            items = [i for i in ch.since(since)[channel] if i["subject"] == subject]
            return items[0] if items else None

        f_item = wait_for(lambda: first("file", root_subject), 10)
        w_item = wait_for(lambda: first("posts", root_subject), 10)
        m_item = wait_for(lambda: first("mails", root_subject), 10)
        if check(f_item and w_item, "the root login reaches the file and webhook subscriptions"):
            LATENCIES["CloudTrail file dropped -> file subscription"] = f_item["seen"] - dropped
            LATENCIES["CloudTrail file dropped -> webhook"] = w_item["received"] - dropped
            check(f_item["seen"] - dropped < 2 and w_item["received"] - dropped < 2,
                  f"the root login alarm arrives within 2 s of the drop (file "
                  f"{f_item['seen'] - dropped:.2f} s, webhook {w_item['received'] - dropped:.2f} s)")
        if m_item:
            LATENCIES["CloudTrail file dropped -> mail"] = m_item["received"] - dropped
        # ConsoleLogin by root without MFA: CIS-4.3 (root usage) and CIS-4.2 (no MFA); not
        # SecurityHub-CloudWatch.3, which is for IAM users.
        expected5a = collections.Counter([key_alarm("CIS-4.3-RootAccountUsage"),
                                          key_alarm("CIS-4.2-ConsoleSignInWithoutMfa")])
        new = wait_and_compare(ch, mark, expected5a, "phase 5 (root console login)")
        for m in new["mails"]:
            check(ROOT in m["whos"] and re.search(r"^- Source IP:[ \t]+198\.51\.100\.7[ \t]*$", m["body"], re.M),
                  f"{m['subject']}: the mail names {ROOT} and 198.51.100.7")

        mark = ch.mark()
        read = record("GetSecretValue", "secretsmanager.amazonaws.com", OUTSIDER, "203.0.113.7",
                      requestParameters={"secretId": SECRET_NAME})
        with open(stream, "a") as f:
            f.write(json.dumps(read) + "\n")
        appended = time.time()
        read_subject = alert_subject("Secrets-SecretReadOutsideAllowlist")
        f_item = wait_for(lambda: first("file", read_subject, mark), 10)
        w_item = wait_for(lambda: first("posts", read_subject, mark), 10)
        if check(f_item and w_item, "the appended NDJSON line reaches the file and webhook subscriptions"):
            LATENCIES["NDJSON line appended -> file subscription"] = f_item["seen"] - appended
            LATENCIES["NDJSON line appended -> webhook"] = w_item["received"] - appended
            check(f_item["seen"] - appended < 2 and w_item["received"] - appended < 2,
                  f"the appended line's alert arrives within 2 s (file {f_item['seen'] - appended:.2f} s, "
                  f"webhook {w_item['received'] - appended:.2f} s)")
        # Secrets-SecretRead has been in ALARM since phase 1's reads, and the restarts kept it
        # there (docs/daemon.md, restarts): the outsider's read is one more breaching datapoint,
        # not a new notification. The outsider is new to the dedup windows, so it is alerted.
        states = daemon.alarm_states()
        check(states.get("Secrets-SecretRead") == "ALARM",
              f"/api/alarms after two restarts: Secrets-SecretRead is still ALARM ({states.get('Secrets-SecretRead')})")
        expected5b = collections.Counter([key_alert("Secrets-SecretReadOutsideAllowlist", OUTSIDER)])
        new = wait_and_compare(ch, mark, expected5b, "phase 5 (NDJSON line appended)")
        for m in new["mails"]:
            check_mail_names(m, OUTSIDER, SECRET_NAME, "203.0.113.7", m["subject"])
        verifier.verify(ch.posts())

        commits = daemon.metric("trailwatch_store_commits_total")
        writes = daemon.metric("trailwatch_store_writes_total")
        check(commits and writes and writes >= commits,
              f"/metrics: the vault's calls were committed (commits {commits}, writes {writes})")
        mark = ch.mark()
        check(daemon.stop() == 0, "SIGTERM: trailwatch up exits 0")
        daemon = Daemon(binary, config, data, port, work).start()
        daemons.append(daemon)
        time.sleep(SETTLE)  # followers poll every 250 ms: 3 s is a dozen polls
        after = ch.since(mark)
        check(not any(after.values()), "a restart re-alerts nothing from the followed files: "
                                       f"{ {k: [i['key'] for i in v] for k, v in after.items() if v} }")
        events = daemon.metric("trailwatch_events_total")
        check(events == 0, f"after the restart the monitor read no record again (trailwatch_events_total {events})")
        subs = {x["protocol"]: x for x in daemon.get_json("/api/subscriptions").get("subscriptions", [])}
        check(subs.get("http", {}).get("status") == "Confirmed",
              f"/api/subscriptions: the webhook confirmed its subscription: {subs.get('http')}")
        check(subs.get("email", {}).get("status") == "NotRequired", f"/api/subscriptions: email {subs.get('email')}")
        check(daemon.stop() == 0, "SIGTERM: trailwatch up exits 0 (after the restart)")
        daemon = None

        # ---- 2. webhook and cross-channel checks over the whole run --------------------------
        print("phase 2 (whole run): webhook envelopes, signatures and ids", flush=True)
        posts = ch.posts()
        notes = [p for p in posts if p["type"] != "SubscriptionConfirmation"]
        confirmations = [p for p in posts if p["type"] == "SubscriptionConfirmation"]
        # SNS asks an http/https subscriber once to confirm: at the first start, not after the
        # restarts (a clean one, a kill -9 and another clean one).
        check(len(confirmations) == 1, "one SubscriptionConfirmation over the whole run, at the first "
                                       f"start: {len(confirmations)}")
        check(len(webhook.confirmations) == 1 and webhook.confirmations[0][1] == 200,
              f"visiting its SubscribeURL confirms (200): {webhook.confirmations}")
        check(len(verifier.verified) == len(posts), f"every POST was verified ({len(verifier.verified)}/{len(posts)})")
        post_ids = [p["message_id"] for p in notes]
        file_ids = [f["message_id"] for f in ch.file_lines()]
        mail_ids = [m["message_id"] for m in smtp.mails()]
        timeline = ch.timeline()
        check(len(post_ids) == len(set(post_ids)), f"webhook MessageIds are unique: {post_ids}")
        check(len(file_ids) == len(set(file_ids)), "file messageIds are unique")
        check(len(mail_ids) == len(set(mail_ids)), "mail Message-IDs are unique")
        check(set(post_ids) == set(file_ids) == set(mail_ids),
              "one message per publication: the same ids by webhook, file and mail")
        check(len(timeline) == len(post_ids) == len(mail_ids) == len(file_ids),
              f"one POST, one mail, one file line per alerts.ndjson line: {len(timeline)} lines, "
              f"{len(post_ids)} POSTs, {len(mail_ids)} mails, {len(file_ids)} file lines")
        for m in smtp.mails():
            if m["subject"].startswith("ALERT"):
                check(READER not in m["whos"], f"no alert names the allowed reader: {m['subject']}")
        print(f"   {len(timeline)} changes, {len(post_ids)} POSTs verified, {len(mail_ids)} mails", flush=True)

        # ---- 6. a read in the daemon's first second --------------------------------------------
        # docs/daemon.md: Secrets-SecretRead "can only move toward breaching" and changes to ALARM
        # at once. The vault stamps eventTime to the second, so a call answered in the daemon's
        # first wall-clock second carries an eventTime before the monitor's start instant.
        print("phase 6: a read in the first second after a restart", flush=True)
        for _ in range(3):
            # Start just after a second boundary, early enough in the minute that the next
            # scheduled evaluation (at the minute, + 2 s) cannot fall in the 2.5 s below.
            wait_for(lambda: time.time() % 1 < 0.03 and time.time() % 60 < 55, 10, interval=0.002)
            launched = time.time()
            daemon = Daemon(binary, config, data, port, work).start()
            daemons.append(daemon)
            admin = sm_client(daemon.url, admin_key)
            admin.get_secret_value(SecretId=SECRET_NAME)
            answered = time.time()
            if int(answered) == int(launched):
                break
            note(f"the daemon took {answered - launched:.2f} s to start and answer; trying again")
            check(daemon.stop() == 0, "SIGTERM: trailwatch up exits 0")
            daemon = None
        if daemon is not None:
            alarmed = wait_for(lambda: daemon.alarm_states().get("Secrets-SecretRead") == "ALARM", 2.5, interval=0.05)
            check(alarmed, "a read answered in the daemon's first second (started "
                           f"{launched % 60:.3f}, answered {answered % 60:.3f} s past the minute) puts "
                           "Secrets-SecretRead in ALARM at once; it is "
                           f"{daemon.alarm_states().get('Secrets-SecretRead')}"
                           " 2.5 s later (likely cause: its eventTime, cut to the second, is before the "
                           "monitor's start instant, and src/alarm/timeline.cc Evaluator::Add skips early "
                           "evaluation for that; the alarm waits for the next minute's scheduled evaluation)")
            check(daemon.stop() == 0, "SIGTERM: trailwatch up exits 0 (phase 6)")
            daemon = None
        else:
            note("phase 6 inconclusive: the daemon never answered within its first second")
    except Exception as e:  # noqa: BLE001 - reported as a failure with the daemon's output
        import traceback
        traceback.print_exc()
        check(False, f"unexpected error: {e!r}")
        if daemon is not None:
            print(daemon.output()[-4000:])
    finally:
        if daemon is not None and daemon.proc.poll() is None:
            daemon.stop(signal.SIGKILL)
        smtp.stop()
        webhook.stop()

    # ---- no secret value anywhere ----------------------------------------------------------------
    places = {}
    for m in smtp.mails():
        places[f"mail {m['name']}"] = m["raw"]
    for p in webhook.snapshot():
        places[f"webhook POST {p['path']}"] = json.dumps(p)
    for d in daemons:
        places[d.log_path] = d.output()
    for path in (file_sub, os.path.join(data, "alerts.ndjson")):
        if os.path.exists(path):
            places[path] = open(path, encoding="utf-8").read()
    for where, text in places.items():
        for v in SECRET_VALUES:
            check(v not in text, f"a secret value is in {where}")
        for v in creds_secrets:
            check(v not in text, f"a secret access key is in {where}")

    print("latencies:")
    for k, v in LATENCIES.items():
        print(f"  {k}: {v:.3f} s")
    print(f"live_e2e: {len(FAILURES)} failure(s) in {time.time() - began:.1f} s")
    if args.keep or FAILURES:
        print("work directory kept:", work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
