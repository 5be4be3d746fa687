// End to end (issue 6, the `sns` protocol): `trailwatch up` publishes its alarm messages to a
// real SNS API (moto server) whose topic fans out to SQS; the queue receives each once, intact;
// a missing topic is dead-lettered with SNS's NotFound. The driver is tests/e2e/sns_e2e.py; it
// exits 77 when boto3 or moto is missing.
#include <gtest/gtest.h>

#include "app/process.h"

namespace {

TEST(SnsEndToEnd, AlarmMessagesReachAnSqsQueueThroughSns) {
  const trailwatch::testing::Output r = trailwatch::testing::RunProcess(
      {"python3", std::string(TRAILWATCH_SOURCE_DIR) + "/tests/e2e/sns_e2e.py", "--binary",
       TRAILWATCH_BINARY},
      "", /*search_path=*/true);
  if (r.exit_code == 77) GTEST_SKIP() << r.out;
  ASSERT_TRUE(r.spawn_error.empty()) << "python3 could not start: " << r.spawn_error;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
