// Internal to metrics: the percentile arithmetic shared by StatisticSpec and Series, done in
// integer hundredths of a percent so that rank boundaries are exact (p99.9 of 1000 samples is
// rank 999, not 1000 through a rounding error in 99.9 / 100 * 1000).
#ifndef TRAILWATCH_METRICS_PERCENTILE_H_
#define TRAILWATCH_METRICS_PERCENTILE_H_

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace trailwatch::metrics::internal {

// The percentile rounded to hundredths (AWS allows two decimal places) and clamped to
// [0, 10000]; NaN gives 0.
inline std::int64_t PercentileHundredths(double percentile) {
  if (!(percentile > 0)) return 0;
  if (percentile >= 100) return 10000;
  return std::llround(percentile * 100);
}

// Nearest rank: the 0-based index, in ascending order, of the smallest sample v such that at
// least p% of the n samples are <= v, i.e. rank ceil(p * n / 100), at least 1.
// REQUIRES: n >= 1, 0 <= hundredths <= 10000.
inline std::size_t NearestRankIndex(std::int64_t hundredths, std::size_t n) {
  std::uint64_t h = static_cast<std::uint64_t>(hundredths);
  std::uint64_t rank = (h * n + 9999) / 10000;
  return rank == 0 ? 0 : static_cast<std::size_t>(rank - 1);
}

}  // namespace trailwatch::metrics::internal

#endif  // TRAILWATCH_METRICS_PERCENTILE_H_
