// Builds small trails for the trail tests: a writer on a fake clock delivering log files over a
// few digest periods, plus helpers to read and tamper with what it wrote.
#ifndef TRAILWATCH_TESTS_TRAIL_TRAIL_FIXTURE_H_
#define TRAILWATCH_TESTS_TRAIL_TRAIL_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "testing/files.h"
#include "trail/trail.h"

namespace trailwatch::trail::testing {

inline constexpr std::int64_t kT0 = 1741078800000;  // 2025-03-04T09:00:00Z
inline constexpr std::int64_t kMinute = 60 * 1000;
inline constexpr std::int64_t kHour = 60 * kMinute;
inline constexpr char kAccount[] = "111122223333";
inline constexpr char kRegion[] = "eu-west-1";

// A record for `call_index`, at `event_ms`.
std::string Record(int call_index, std::int64_t event_ms);

struct Trail {
  test_support::TempDir dir;
  std::string trail_dir;    // <dir>/trail
  std::string signing_dir;  // <dir>/trail-signing
  std::unique_ptr<FakeClock> clock;
  std::vector<LogFileInfo> logs;         // in delivery order
  std::vector<std::string> digest_keys;  // oldest first, as found on disk
};

// Opens a writer at 09:10, delivers `files_per_period` log files (two records each, 5 minutes
// apart) in each of `periods` hourly digest periods, ticks past each hour and closes. With
// `second_region`, us-east-1 gets one log file in the first period too (a second chain).
std::unique_ptr<Trail> BuildTrail(int periods, int files_per_period, bool second_region = false);

// Digest keys under the trail for one region, oldest first.
std::vector<std::string> DigestKeys(const std::string& trail_dir, const std::string& region);
std::string Path(const Trail& t, const std::string& key);
// The uncompressed content of a gzip file ("" when it cannot be read).
std::string Inflate(const std::string& path);
void WriteGzip(const std::string& path, const std::string& text);

}  // namespace trailwatch::trail::testing

#endif  // TRAILWATCH_TESTS_TRAIL_TRAIL_FIXTURE_H_
