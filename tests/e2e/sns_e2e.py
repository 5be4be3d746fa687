#!/usr/bin/env python3
"""End to end: the `sns` subscription protocol against moto server (a real SNS/SQS API).

Usage: sns_e2e.py --binary PATH/trailwatch

moto runs on a free loopback port with an SNS topic and an SQS queue subscribed to it.
`trailwatch up` (AWS_ENDPOINT_URL pointing at moto, test credentials in a profile of a
credentials file, read through the default chain)
subscribes that topic, and a second one that does not exist, to the packs' topic. A secret
read by the admin (outside pack:secrets' empty allowlist) raises the Secrets-SecretRead alarm
and the outside-allowlist alert; each must arrive in the queue once, as SNS delivers it (an SNS
envelope whose Subject and Message are trailwatch's, intact), and the publication to the
missing topic must be dead-lettered with SNS's NotFound, not retried. With `metrics_export`,
the daemon's counters must reach moto's CloudWatch (PutMetricData). No secret value and no
AWS secret key may appear in the daemon's log.

Exit 0 when every check passed, 1 otherwise, 77 when boto3 or moto is missing.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from e2e_util import FAILURES, check, free_port, require, wait_for

require("boto3", "moto.server")
import boto3  # noqa: E402 - after the check that it is there
from botocore.config import Config  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account, and trailwatch's
PACK_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:trailwatch-security-alerts"
SECRET_VALUE = "sns-e2e-" + os.urandom(8).hex()
MOTO_KEY, MOTO_SECRET = "testing", "testing-secret-" + os.urandom(6).hex()








def get_json(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.loads(r.read().decode("utf-8"))
    except OSError:
        return {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tw-sns-e2e-")
    procs = []
    try:
        moto_port = free_port()
        moto_url = f"http://127.0.0.1:{moto_port}"
        moto_log = open(os.path.join(work, "moto.log"), "w")
        procs.append(subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(moto_port)],
                                      stdout=moto_log, stderr=moto_log))
        aws = dict(endpoint_url=moto_url, region_name=REGION, aws_access_key_id=MOTO_KEY,
                   aws_secret_access_key=MOTO_SECRET)
        sns = boto3.client("sns", **aws)
        sqs = boto3.client("sqs", **aws)
        if not wait_for(lambda: _up(sns), 30):
            check(False, "moto server did not start")
            return 1
        topic = sns.create_topic(Name="security-fanout")["TopicArn"]
        queue = sqs.create_queue(QueueName="security-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        missing = f"arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic"

        config = os.path.join(work, "trailwatch.yaml")
        with open(config, "w") as f:
            f.write("subscriptions:\n  trailwatch-security-alerts:\n"
                    f"    - {{protocol: sns, endpoint: \"{topic}\"}}\n"
                    f"    - {{protocol: sns, endpoint: \"{missing}\"}}\n"
                    "metrics_export: {namespace: Trailwatch-E2E, interval_seconds: 1}\n")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        data = os.path.join(work, "data")
        # The keys come from a profile, not the environment: the sink uses the whole chain.
        credentials = os.path.join(work, "aws-credentials")
        with open(credentials, "w") as f:
            f.write(f"[trailwatch-sns]\naws_access_key_id = {MOTO_KEY}\naws_secret_access_key = {MOTO_SECRET}\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL=moto_url, AWS_SHARED_CREDENTIALS_FILE=credentials,
                   AWS_CONFIG_FILE=os.path.join(work, "no-aws-config"), AWS_PROFILE="trailwatch-sns",
                   AWS_EC2_METADATA_DISABLED="true")
        up_log_path = os.path.join(work, "up.log")
        up_log = open(up_log_path, "w")
        up = subprocess.Popen([args.binary, "up", "--config", config, "--data-dir", data, "--listen",
                               f"127.0.0.1:{port}"], stdout=up_log, stderr=up_log, env=env)
        procs.append(up)
        if not wait_for(lambda: get_json(url + "/api/health").get("status") == "ok", 30):
            check(False, "trailwatch up did not start: " + open(up_log_path).read())
            return 1
        creds = json.load(open(os.path.join(data, "admin-credentials.json")))["AccessKey"]
        sm = boto3.client("secretsmanager", endpoint_url=url, region_name=REGION,
                          aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                          config=Config(retries={"max_attempts": 1}))
        sm.create_secret(Name="prod/api-key", SecretString=SECRET_VALUE)
        started = time.time()
        sm.get_secret_value(SecretId="prod/api-key")

        messages = []

        def two():
            r = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in r.get("Messages", []):
                messages.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
            return len(messages) >= 2
        wait_for(two, 20)
        elapsed = time.time() - started
        time.sleep(2)  # nothing more may come
        two()
        subjects = sorted(m.get("Subject", "") for m in messages)
        check(subjects == ['ALARM: "Secrets-SecretRead" in US East (N. Virginia)',
                           'ALERT (high): "Secrets-SecretReadOutsideAllowlist" in US East (N. Virginia)'],
              f"the queue got the alarm and the alert once each, via SNS: {subjects}")
        print(f"read -> both messages in the SQS queue: {elapsed:.2f} s", flush=True)
        for m in messages:
            check(m.get("Type") == "Notification" and m.get("TopicArn") == topic,
                  f"an SNS notification from {topic}: {m.get('Type')} {m.get('TopicArn')}")
            body = json.loads(m.get("Message", "{}"))
            if m.get("Subject", "").startswith("ALARM"):
                check(body.get("AlarmName") == "Secrets-SecretRead" and body.get("NewStateValue") == "ALARM",
                      f"the alarm's Message is CloudWatch's alarm JSON: {str(body)[:200]}")
            else:
                who = [e.get("principal") for e in body.get("events", [])]
                check(body.get("detection") == "Secrets-SecretReadOutsideAllowlist"
                      and who == [f"arn:aws:iam::{ACCOUNT}:user/admin"],
                      f"the alert's Message is its alert line, naming the admin: {str(body)[:200]}")

        def dead():
            msgs = get_json(url + "/api/outbox?state=dead").get("messages", [])
            return [x for x in msgs if x.get("endpoint") == missing]
        gone = wait_for(lambda: len(dead()) == 2, 15)
        check(gone, f"both publications to the missing topic are dead-lettered: {dead()}")
        check(all("NotFound" in x.get("lastError", "") and x.get("attempts") == 1 for x in dead()),
              f"after one attempt, with SNS's NotFound: {dead()}")
        delivered = [x for x in get_json(url + "/api/outbox?state=delivered").get("messages", [])
                     if x.get("endpoint") == topic]
        check(len(delivered) == 2, f"the outbox shows both publications delivered: {delivered}")

        # metrics_export: the daemon's counters reach CloudWatch (PutMetricData).
        cloudwatch = boto3.client("cloudwatch", **aws)

        def exported(name):
            stats = cloudwatch.get_metric_statistics(
                Namespace="Trailwatch-E2E", MetricName=name, StartTime=time.time() - 600,
                EndTime=time.time() + 60, Period=60, Statistics=["Sum"])
            return sum(d["Sum"] for d in stats.get("Datapoints", []))
        processed = wait_for(lambda: exported("EventsProcessed") >= 2, 10, interval=0.5)
        check(processed, f"metrics_export: EventsProcessed in CloudWatch counts the calls ({exported('EventsProcessed')})")
        check(exported("NotificationsSent") >= 2,
              f"metrics_export: NotificationsSent ({exported('NotificationsSent')})")
        names = {m["MetricName"] for m in cloudwatch.list_metrics(Namespace="Trailwatch-E2E")["Metrics"]}
        check({"EventsProcessed", "AlarmStateChanges", "DetectionAlerts", "NotificationsQueued"} <= names,
              f"metrics_export: the metrics listed: {sorted(names)}")

        up.send_signal(signal.SIGTERM)
        check(up.wait(timeout=60) == 0, "SIGTERM: trailwatch up exits 0")
        log = open(up_log_path).read()
        check(SECRET_VALUE not in log and MOTO_SECRET not in log,
              "neither the secret value nor the AWS secret key is in the log")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"sns_e2e: {len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


def _up(sns):
    try:
        sns.list_topics()
        return True
    except Exception:  # noqa: BLE001 - moto is still starting
        return False


if __name__ == "__main__":
    sys.exit(main())
