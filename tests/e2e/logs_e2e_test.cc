// End to end (issue 7): CloudTrail in a CloudWatch Logs group on moto server — `scan logs://…`
// reads what a scan of the same records on disk reads, and `up` follows the group across a
// restart without reading anything twice. The driver is tests/e2e/logs_e2e.py; it exits 77
// when boto3, moto or ../shared/testdata is missing.
#include "e2e/driver.h"

namespace {

TEST(LogsEndToEnd, ScanAndFollowALogGroup) { RUN_E2E_DRIVER("logs_e2e.py"); }

}  // namespace
