// End to end (issue 6): the live pipeline of `trailwatch up` against real receivers — an SMTP
// server (aiosmtpd), an HTTP receiver and a file subscription. Mails name who, what and where;
// webhook envelopes verify as AWS documents; SMTP down then up delivers once; kill -9 with mails
// pending delivers them once after the restart; a file dropped into a followed directory and a
// line appended to an NDJSON file alert within 2 s and are not re-read after a restart; a read
// in the daemon's first second alarms at once; no secret value in any notification, log or
// alerts file. The driver is tests/e2e/live_e2e.py (boto3 is Python); it exits 77 when boto3 or
// aiosmtpd is missing.
#include "e2e/driver.h"

namespace {

TEST(LiveEndToEnd, AlertsReachSmtpWebhookAndFile) { RUN_E2E_DRIVER("live_e2e.py"); }

}  // namespace
