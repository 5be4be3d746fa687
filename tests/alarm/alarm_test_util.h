// Helpers shared by the alarm tests: building evaluation ranges from the notation of AWS's
// missing-data tables.
#ifndef TRAILWATCH_TESTS_ALARM_ALARM_TEST_UTIL_H_
#define TRAILWATCH_TESTS_ALARM_ALARM_TEST_UTIL_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "alarm/alarm.h"
#include "common/time.h"
#include "metrics/metrics.h"

namespace trailwatch::alarm::testing {

inline std::int64_t T(std::string_view iso) { return *ParseIso8601Millis(iso); }

// "0 - X - X" (oldest left, newest right, as in the AWS tables) -> slots newest first.
// X breaches a ">= 1.0" alarm (value 5.0), 0 does not (value 0.0), - is missing. The newest
// slot starts at `newest_start_ms`; slots are `period_ms` apart.
inline std::vector<std::optional<metrics::Datapoint>> Range(std::string_view pattern,
                                                            std::int64_t newest_start_ms,
                                                            std::int64_t period_ms = 60'000) {
  std::vector<std::optional<metrics::Datapoint>> oldest_first;
  for (char c : pattern) {
    if (c == '-') oldest_first.emplace_back(std::nullopt);
    if (c == 'X') oldest_first.emplace_back(metrics::Datapoint{0, 5.0, 1.0});
    if (c == '0') oldest_first.emplace_back(metrics::Datapoint{0, 0.0, 1.0});
  }
  std::vector<std::optional<metrics::Datapoint>> out(oldest_first.rbegin(), oldest_first.rend());
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].has_value())
      out[i]->start_ms = newest_start_ms - static_cast<std::int64_t>(i) * period_ms;
  }
  return out;
}

}  // namespace trailwatch::alarm::testing

#endif  // TRAILWATCH_TESTS_ALARM_ALARM_TEST_UTIL_H_
