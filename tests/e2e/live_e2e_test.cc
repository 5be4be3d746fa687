// End to end (issue 6): the live pipeline of `trailwatch up` against real receivers — an SMTP
// server (aiosmtpd), an HTTP receiver and a file subscription. Mails name who, what and where;
// webhook envelopes verify as AWS documents; SMTP down then up delivers once; kill -9 with mails
// pending delivers them once after the restart; a file dropped into a followed directory and a
// line appended to an NDJSON file alert within 2 s and are not re-read after a restart; a read
// in the daemon's first second alarms at once; no secret value in any notification, log or
// alerts file. The driver is tests/e2e/live_e2e.py (boto3 is Python); it exits 77 when boto3 or
// aiosmtpd is missing.
#include <gtest/gtest.h>

#include "app/process.h"

namespace {

TEST(LiveEndToEnd, AlertsReachSmtpWebhookAndFile) {
  const trailwatch::testing::Output r = trailwatch::testing::RunProcess(
      {"python3", std::string(TRAILWATCH_SOURCE_DIR) + "/tests/e2e/live_e2e.py", "--binary",
       TRAILWATCH_BINARY},
      "", /*search_path=*/true);
  if (r.exit_code == 77) GTEST_SKIP() << r.out;
  ASSERT_TRUE(r.spawn_error.empty()) << "python3 could not start: " << r.spawn_error;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
