// End to end (issue 7): `trailwatch up` follows an SQS queue of S3 event notifications and
// SNS-wrapped CloudTrail notifications on moto server: each announced object is read once,
// across a restart, and every message is deleted once handled. The driver is
// tests/e2e/sqs_e2e.py; it exits 77 when boto3 or moto is missing.
#include "e2e/driver.h"

namespace {

TEST(SqsEndToEnd, NotificationsDriveUp) { RUN_E2E_DRIVER("sqs_e2e.py"); }

}  // namespace
