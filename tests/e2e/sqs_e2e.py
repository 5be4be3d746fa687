#!/usr/bin/env python3
"""End to end: `trailwatch scan sqs://` and `up` with an sqs:// source against moto server (real S3, SQS, SNS APIs).

Usage: sqs_e2e.py --binary PATH/trailwatch

A bucket announces new objects on a queue (S3 event notifications, configured on the bucket;
moto sends them), and an SNS topic the queue subscribes to carries CloudTrail-style
notifications ({"s3Bucket", "s3ObjectKey": [...]}, SNS-wrapped) for a second bucket. Each
object holds one GetSecretValue by its own user, so pack:secrets alerts once per object read.

- an object uploaded is alerted (S3 notification), and one announced through SNS (CloudTrail's
  notification) too;
- the same object announced again is not read again; a message that is not JSON is reported
  and deleted;
- an object uploaded while up is down is alerted once after the restart;
- at the end the queue is empty: every message was deleted once handled.

`scan sqs://` first: the objects announced (S3 notification, SNS-wrapped CloudTrail
notification, one announced twice) are printed once each; a second scan prints the same; the
messages are visible again right after; a time range leaves the objects out; a queue whose
dead-letter queue takes messages after one receive is refused; then `up` reads those messages
too.

Exit 0 when every check passed, 1 otherwise, 77 when boto3 or moto is missing.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

from e2e_util import FAILURES, aws_env, check, finish, follow_config, notifications, require, start_moto, start_up, wait_for

require("boto3", "moto.server")
import boto3  # noqa: E402 - after the check that it is there

REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET, OTHER = "tw-sqs-trail", "tw-sqs-other"
QUEUE = "trail-notifications"
KEY_ID, SECRET = "AKIASQSE2EEXAMPLE001", "sqs-e2e-" + os.urandom(8).hex()


def read_object(name):
    now = time.time()
    record = {"eventVersion": "1.08",
              "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "accountId": ACCOUNT},
              "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
              "eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue", "awsRegion": REGION,
              "sourceIPAddress": "198.51.100.7", "eventID": f"e2e-{name}", "requestParameters": {"secretId": "prod/db"},
              "recipientAccountId": ACCOUNT}
    day = time.strftime("%Y/%m/%d", time.gmtime(now))
    stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime(now))
    key = f"AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/{day}/{ACCOUNT}_CloudTrail_{REGION}_{stamp}_{name}.json.gz"
    return key, gzip.compress(json.dumps({"Records": [record]}).encode())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tw-sqs-e2e-")
    procs = []
    try:
        moto_url, _, _ = start_moto(work, procs)
        aws = dict(endpoint_url=moto_url, region_name=REGION, aws_access_key_id=KEY_ID,
                   aws_secret_access_key=SECRET)
        s3, sqs, sns = boto3.client("s3", **aws), boto3.client("sqs", **aws), boto3.client("sns", **aws)
        queue_url = sqs.create_queue(QueueName=QUEUE, Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        s3.create_bucket(Bucket=BUCKET)
        s3.create_bucket(Bucket=OTHER)
        s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]})
        topic = sns.create_topic(Name="cloudtrail-notes")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

        config, data, notes = follow_config(work, f"sqs://{QUEUE}")
        env = aws_env(moto_url, KEY_ID, SECRET, work)
        log_path = os.path.join(work, "up.log")

        def lines():
            return notifications(notes)

        def alerts_for(name):
            return [l for l in lines() if "SecretReadOutsideAllowlist" in l.get("subject", "")
                    and f"user/{name}" in json.dumps(l)]

        def start():
            return start_up(args.binary, config, data, log_path, env, procs, "with an sqs:// source")

        # `scan sqs://`: what the queue announces now, read without consuming it.
        key_s1, body_s1 = read_object("sqs-scan-1")
        s3.put_object(Bucket=BUCKET, Key=key_s1, Body=body_s1)
        key_s2, body_s2 = read_object("sqs-scan-2")
        s3.put_object(Bucket=OTHER, Key=key_s2, Body=body_s2)
        sns.publish(TopicArn=topic, Message=json.dumps({"s3Bucket": OTHER, "s3ObjectKey": [key_s2]}))
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"s3Bucket": BUCKET, "s3ObjectKey": [key_s1]}))

        def scan(*extra):
            return subprocess.run([args.binary, "scan", f"sqs://{QUEUE}", "--progress", "never",
                                   "--filter-pattern", '{ $.eventName = "GetSecretValue" }', *extra],
                                  env=env, capture_output=True, text=True, timeout=120)

        def visible():
            a = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])
        before = visible()
        first, second = scan(), scan()
        ids = sorted(json.loads(l)["eventID"] for l in first.stdout.splitlines() if l.strip())
        check(first.returncode == 0 and ids == ["e2e-sqs-scan-1", "e2e-sqs-scan-2"],
              f"scan sqs:// prints the announced objects' records, each object once: {ids} {first.stderr[-500:]}")
        check("the messages stay on the queue" in first.stderr, "scan sqs:// reports what it read: " + first.stderr)
        check(second.returncode == 0 and second.stdout == first.stdout,
              "a second scan reads the same: the first consumed nothing: " + second.stderr[-500:])
        check(visible() == before and before[0] >= 3,
              f"the messages are visible again at once: {before} before, {visible()} after")
        ranged = scan("--start-time", "2020-01-01T00:00:00Z", "--end-time", "2020-01-02T00:00:00Z")
        check(ranged.returncode == 0 and ranged.stdout == "" and "2 objects outside the time range" in ranged.stderr,
              "a time range leaves out the objects of other days: " + ranged.stderr[-500:])
        print("scan sqs://: " + first.stderr.strip().splitlines()[-2], flush=True)
        # A queue whose dead-letter queue takes a message at its second receive: a scan would
        # spend the consumer's only receive.
        dlq_arn = sqs.get_queue_attributes(QueueUrl=sqs.create_queue(QueueName="trail-dlq")["QueueUrl"],
                                           AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.create_queue(QueueName="trail-strict", Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})})
        strict = subprocess.run([args.binary, "scan", "sqs://trail-strict", "--progress", "never",
                                 "--filter-pattern", '{ $.eventName = "GetSecretValue" }'],
                                env=env, capture_output=True, text=True, timeout=120)
        check(strict.returncode == 2 and "dead-letter queue after 1 receive" in strict.stderr,
              "a queue with maxReceiveCount 1 is not scanned: " + strict.stderr[-400:])

        proc = start()
        check(wait_for(lambda: alerts_for("sqs-scan-1") and alerts_for("sqs-scan-2"), 20, interval=0.1),
              "up reads what the scans left on the queue")
        key1, body1 = read_object("sqs-reader-1")
        started = time.time()
        s3.put_object(Bucket=BUCKET, Key=key1, Body=body1)
        got = wait_for(lambda: alerts_for("sqs-reader-1"), 20, interval=0.1)
        check(got, "an object announced by S3's notification is alerted: " + open(log_path).read()[-800:])
        if got:
            print(f"S3 put -> alert through SQS: {time.time() - started:.2f} s", flush=True)

        key2, body2 = read_object("sqs-reader-2")
        s3.put_object(Bucket=OTHER, Key=key2, Body=body2)
        sns.publish(TopicArn=topic, Message=json.dumps({"s3Bucket": OTHER, "s3ObjectKey": [key2]}))
        check(wait_for(lambda: alerts_for("sqs-reader-2"), 20, interval=0.1),
              "an object announced by a CloudTrail notification through SNS is alerted")

        # The same object again, and a message that is no notification.
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"s3Bucket": BUCKET, "s3ObjectKey": [key1]}))
        sqs.send_message(QueueUrl=queue_url, MessageBody="this is not json")
        check(wait_for(lambda: "not JSON; deleted" in open(log_path).read(), 20, interval=0.2),
              "a message that is not JSON is reported and deleted: " + open(log_path).read()[-500:])
        time.sleep(2)
        check(len(alerts_for("sqs-reader-1")) == 1, f"an object announced twice is read once: {len(alerts_for('sqs-reader-1'))}")

        proc.terminate()
        check(proc.wait(timeout=30) == 0, "SIGTERM: up exits 0")
        key3, body3 = read_object("sqs-reader-3")
        s3.put_object(Bucket=BUCKET, Key=key3, Body=body3)
        proc = start()
        check(wait_for(lambda: alerts_for("sqs-reader-3"), 20, interval=0.1),
              "an object announced while up was down is alerted after the restart")
        time.sleep(3)
        for name in ("sqs-scan-1", "sqs-scan-2", "sqs-reader-1", "sqs-reader-2", "sqs-reader-3"):
            check(len(alerts_for(name)) == 1, f"{name}: alerted once ({len(alerts_for(name))})")

        def empty():
            a = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            return a["ApproximateNumberOfMessages"] == "0" and a["ApproximateNumberOfMessagesNotVisible"] == "0"
        check(wait_for(empty, 10, interval=0.2), "every message was deleted once handled")
        proc.terminate()
        check(proc.wait(timeout=30) == 0, "SIGTERM: up exits 0 after the restart")
        check(SECRET not in open(log_path).read(), "the secret key is not in the log")
    finally:
        code = finish("sqs_e2e", work, procs)
    return code


if __name__ == "__main__":
    sys.exit(main())
