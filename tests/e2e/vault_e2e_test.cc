// End to end (design.md §8): the real `aws` CLI and boto3 against `trailwatch up` — the whole
// secret lifecycle, a user denied by policy, wrong and unknown keys, a skewed clock, an unknown
// operation, kill -9 after acknowledged writes, the trail's records and validate-logs with
// tampering, and no secret value on disk. The driver is tests/e2e/vault_e2e.py (boto3 is
// Python); it exits 77 when boto3 or the aws CLI is missing.
#include "e2e/driver.h"

namespace {

TEST(VaultEndToEnd, AwsCliAndBoto3AgainstTrailwatchUp) { RUN_E2E_DRIVER("vault_e2e.py"); }

}  // namespace
