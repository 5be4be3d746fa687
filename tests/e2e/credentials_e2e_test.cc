// End to end (issue 7): the credentials chain's STS and credential_process links against moto
// server with IAM authentication on: a role assumed with a source profile, with the
// environment's keys and with a web identity token, and a credential_process, each reads a
// bucket that only they may read. The driver is tests/e2e/credentials_e2e.py; it exits 77 when
// boto3 or moto is missing.
#include "e2e/driver.h"

namespace {

TEST(CredentialsEndToEnd, RolesAndProcessesAgainstAuthenticatedMoto) {
  RUN_E2E_DRIVER("credentials_e2e.py");
}

}  // namespace
