// End to end (issue 7): `trailwatch scan s3://…` against moto server reads exactly what a
// scan of the same keys on disk reads, lists only the days of a time range, and takes its
// credentials from the environment or a profile. The driver is tests/e2e/s3_e2e.py; it exits
// 77 when boto3, moto or ../shared/testdata is missing.
#include "e2e/driver.h"

namespace {

TEST(S3EndToEnd, ScanOfABucketEqualsScanOfItsKeysOnDisk) { RUN_E2E_DRIVER("s3_e2e.py"); }

}  // namespace
