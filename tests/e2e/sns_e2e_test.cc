// End to end (issue 6, the `sns` protocol): `trailwatch up` publishes its alarm messages to a
// real SNS API (moto server) whose topic fans out to SQS; the queue receives each once, intact;
// a missing topic is dead-lettered with SNS's NotFound. The driver is tests/e2e/sns_e2e.py; it
// exits 77 when boto3 or moto is missing.
#include "e2e/driver.h"

namespace {

TEST(SnsEndToEnd, AlarmMessagesReachAnSqsQueueThroughSns) { RUN_E2E_DRIVER("sns_e2e.py"); }

}  // namespace
