// The end-to-end tests are Python drivers (boto3, aiosmtpd, moto are Python) run against the
// real binary; each GoogleTest case runs one and skips when it exits 77 (a tool is missing).
#ifndef TRAILWATCH_TESTS_E2E_DRIVER_H_
#define TRAILWATCH_TESTS_E2E_DRIVER_H_

#include <gtest/gtest.h>

#include <string>

#include "app/process.h"

namespace trailwatch::testing {

// Runs `python3 <source_dir>/tests/e2e/<script> --binary <binary>`.
Output RunE2eDriver(const std::string& source_dir, const std::string& script,
                    const std::string& binary);

}  // namespace trailwatch::testing

// Runs the driver: skips on exit 77, fails with its output on any other non-zero exit.
#define RUN_E2E_DRIVER(script)                                                                 \
  do {                                                                                         \
    const ::trailwatch::testing::Output r_ =                                                   \
        ::trailwatch::testing::RunE2eDriver(TRAILWATCH_SOURCE_DIR, script, TRAILWATCH_BINARY); \
    if (r_.exit_code == 77) GTEST_SKIP() << r_.out;                                            \
    ASSERT_TRUE(r_.spawn_error.empty()) << "python3 could not start: " << r_.spawn_error;      \
    EXPECT_EQ(r_.exit_code, 0) << r_.out << r_.err;                                            \
  } while (false)

#endif  // TRAILWATCH_TESTS_E2E_DRIVER_H_
