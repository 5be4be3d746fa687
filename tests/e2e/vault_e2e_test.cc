// End to end (design.md §8): the real `aws` CLI and boto3 against `trailwatch up` — the whole
// secret lifecycle, a user denied by policy, wrong and unknown keys, a skewed clock, an unknown
// operation, kill -9 after acknowledged writes, the trail's records and validate-logs with
// tampering, and no secret value on disk. The driver is tests/e2e/vault_e2e.py (boto3 is
// Python); it exits 77 when boto3 or the aws CLI is missing.
#include <gtest/gtest.h>

#include "app/process.h"

namespace {

TEST(VaultEndToEnd, AwsCliAndBoto3AgainstTrailwatchUp) {
  const trailwatch::testing::Output r = trailwatch::testing::RunProcess(
      {"python3", std::string(TRAILWATCH_SOURCE_DIR) + "/tests/e2e/vault_e2e.py", "--binary",
       TRAILWATCH_BINARY},
      "", /*search_path=*/true);
  if (r.exit_code == 77) GTEST_SKIP() << r.out;
  ASSERT_TRUE(r.spawn_error.empty()) << "python3 could not start: " << r.spawn_error;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
