// Series and MetricStore: event-time buckets and the statistics over them.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <vector>

#include "metrics/metrics.h"
#include "metrics/percentile.h"

namespace trailwatch::metrics {
namespace {

// Floor, not truncation: an event before 1970 still belongs to the bucket that starts before it.
std::int64_t FloorToMultiple(std::int64_t t, std::int64_t step) {
  std::int64_t q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}

}  // namespace

Series::Series(std::int64_t resolution_ms) : resolution_ms_(resolution_ms) {}

void Series::Add(std::int64_t time_ms, double value) {
  if (!std::isfinite(value)) return;
  Bucket& b = buckets_[FloorToMultiple(time_ms, resolution_ms_)];
  if (b.values.empty()) {
    b.min = value;
    b.max = value;
  } else {
    b.min = std::min(b.min, value);
    b.max = std::max(b.max, value);
  }
  b.values.push_back(value);
  b.sum += value;
}

std::optional<Datapoint> Series::Aggregate(std::int64_t start_ms, std::int64_t period_ms,
                                           const StatisticSpec& spec) const {
  auto first = buckets_.lower_bound(start_ms);
  auto last = buckets_.lower_bound(start_ms + period_ms);
  if (first == last) return std::nullopt;

  std::size_t count = 0;
  double sum = 0;
  double min = first->second.min;
  double max = first->second.max;
  for (auto it = first; it != last; ++it) {
    const Bucket& b = it->second;
    count += b.values.size();
    sum += b.sum;
    min = std::min(min, b.min);
    max = std::max(max, b.max);
  }

  Datapoint dp;
  dp.start_ms = start_ms;
  dp.sample_count = static_cast<double>(count);
  switch (spec.kind) {
    case StatisticSpec::Kind::kSum:
      dp.value = sum;
      break;
    case StatisticSpec::Kind::kSampleCount:
      dp.value = dp.sample_count;
      break;
    case StatisticSpec::Kind::kAverage:
      dp.value = sum / dp.sample_count;
      break;
    case StatisticSpec::Kind::kMinimum:
      dp.value = min;
      break;
    case StatisticSpec::Kind::kMaximum:
      dp.value = max;
      break;
    case StatisticSpec::Kind::kPercentile: {
      if (min < 0) return std::nullopt;  // AWS: no percentiles over negative values
      std::vector<double> values;
      values.reserve(count);
      for (auto it = first; it != last; ++it) {
        values.insert(values.end(), it->second.values.begin(), it->second.values.end());
      }
      std::size_t index =
          internal::NearestRankIndex(internal::PercentileHundredths(spec.percentile), count);
      auto nth = values.begin() + static_cast<std::ptrdiff_t>(index);
      std::nth_element(values.begin(), nth, values.end());
      dp.value = *nth;
      break;
    }
  }
  return dp;
}

void Series::DropBefore(std::int64_t time_ms) {
  // Buckets starting at or before time_ms - resolution end at or before time_ms.
  if (time_ms < std::numeric_limits<std::int64_t>::min() + resolution_ms_) return;
  buckets_.erase(buckets_.begin(), buckets_.upper_bound(time_ms - resolution_ms_));
}

Series& MetricStore::Get(const MetricKey& key, std::int64_t resolution_ms) {
  return series_.try_emplace(key, resolution_ms).first->second;
}

const Series* MetricStore::Find(const MetricKey& key) const {
  auto it = series_.find(key);
  return it == series_.end() ? nullptr : &it->second;
}

void MetricStore::DropBefore(std::int64_t time_ms) {
  for (auto it = series_.begin(); it != series_.end();) {
    it->second.DropBefore(time_ms);
    it = it->second.empty() ? series_.erase(it) : std::next(it);
  }
}

}  // namespace trailwatch::metrics
