// metrics: CloudWatch-style time series built from metric-filter observations.
//
// A metric is identified by namespace, name and dimensions. Observations are kept per minute
// bucket (or per 10-second bucket for high-resolution periods) in event time, with every value,
// so that Sum, SampleCount, Average, Minimum, Maximum and exact percentiles can be computed
// over any period that is a multiple of the bucket size.
//
// Thread safety: MetricStore is not synchronised; one owner (the alarm evaluator) uses it.
#ifndef TRAILWATCH_METRICS_METRICS_H_
#define TRAILWATCH_METRICS_METRICS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "common/status.h"

namespace trailwatch::metrics {

struct MetricKey {
  std::string name_space;  // "CISBenchmark", "CloudTrailMetrics"
  std::string name;
  // Dimension name -> value, sorted by name (MetricKey::Make sorts).
  std::vector<std::pair<std::string, std::string>> dimensions;

  static MetricKey Make(std::string name_space, std::string name,
                        std::vector<std::pair<std::string, std::string>> dimensions = {});
  // "CISBenchmark/RootAccountUsage" or "CloudTrailMetrics/Reads{eventName=GetSecretValue}"
  std::string ToString() const;
  friend bool operator==(const MetricKey&, const MetricKey&) = default;
  friend bool operator<(const MetricKey& a, const MetricKey& b) {
    return std::tie(a.name_space, a.name, a.dimensions) <
           std::tie(b.name_space, b.name, b.dimensions);
  }
};

// A statistic as PutMetricAlarm names it: Statistic (Sum, SampleCount, Average, Minimum,
// Maximum) or ExtendedStatistic pNN / pNN.N.
struct StatisticSpec {
  enum class Kind : std::uint8_t { kSum, kSampleCount, kAverage, kMinimum, kMaximum, kPercentile };
  Kind kind = Kind::kSum;
  double percentile = 0;  // kPercentile: 0..100

  // "Sum", "SampleCount", "Average", "Minimum", "Maximum", "p99", "p99.9", "p0.0", "p100".
  static Result<StatisticSpec> Parse(std::string_view text);
  // The spelling CloudWatch uses in StateReasonData and alarm messages ("Sum", "p99").
  std::string Name() const;
  friend bool operator==(const StatisticSpec&, const StatisticSpec&) = default;
};

// One period's aggregate.
struct Datapoint {
  std::int64_t start_ms = 0;  // period start, event time
  double value = 0;           // the statistic
  double sample_count = 0;    // observations in the period
};

// StatisticSpec::Parse accepts exactly the AWS spellings: the five statistic names
// (case-sensitive) and percentiles "p" + 0..100 with up to two decimal places ("p99",
// "p99.9", "p95.45", "p0.0", "p100"), as the CloudWatch concepts page allows ("using up to two
// decimal places (for example, p95.45)"). Errors are kInvalidArgument naming the text, except
// the other AWS extended statistics (tm90, IQM, TM(10%:90%), ...) which are kUnimplemented.
// StatisticSpec::Name prints a percentile with the fewest digits that keep its value (to two
// decimal places): p99, p99.9, p95.45, p0 (from "p0.0"), p100.

// Whether a percentile alarm is in the "low sample count" case of EvaluateLowSampleCountPercentile
// (spec section 3.5): for p in [0.5, 1.0) fewer than 10 / (1 - p) samples, for p in (0, 0.5)
// fewer than 10 / p (p as a fraction). AWS states no rule for p0 and p100, which are exactly the
// minimum and maximum however few the samples are, so they are never low. Always false for
// Sum, SampleCount, Average, Minimum and Maximum.
bool IsLowSampleCount(const StatisticSpec& spec, double sample_count);

// Alarm periods CloudWatch accepts: 10, 20, 30 or any positive multiple of 60 seconds
// (PutMetricAlarm `Period`). kInvalidArgument names the value otherwise.
Status ValidatePeriodSeconds(std::int64_t period_seconds);

// The observations of one metric (one MetricKey), grouped into buckets of resolution_ms() by
// event time. Every value of a bucket is kept, so percentiles are exact; count, sum, minimum
// and maximum are kept beside them so the other statistics do not touch the values.
//
// Resolution is fixed when the series is made: kStandardResolutionMs (60 s, what CloudWatch Logs
// metric filters publish) or kHighResolutionMs (10 s, for alarms with a 10, 20 or 30 second
// period). A 10/20/30 s period over a standard series is allowed but, as on AWS, most such
// periods have no datapoint: a bucket counts in the period its start falls in.
//
// Non-finite values (NaN, +-inf) are ignored by Add: CloudWatch rejects them on PutMetricData,
// and one NaN would poison Sum and Average for the whole period.
//
// Percentiles use the nearest-rank definition, since CloudWatch documents none: the smallest
// sample v such that at least p% of the period's samples are <= v (p0 is the minimum, p100 the
// maximum). AWS: "Percentile statistics are available for the metric only if none of its values
// are negative"; a period holding a negative value therefore has no percentile datapoint.
//
// Thread safety: none; const methods may run concurrently only while no non-const one does.
class Series {
 public:
  static constexpr std::int64_t kStandardResolutionMs = 60'000;
  static constexpr std::int64_t kHighResolutionMs = 10'000;

  // REQUIRES: resolution_ms is kStandardResolutionMs or kHighResolutionMs.
  explicit Series(std::int64_t resolution_ms = kStandardResolutionMs);

  std::int64_t resolution_ms() const { return resolution_ms_; }

  // Adds one observation at event time time_ms (epoch milliseconds; late and out-of-order
  // events land in their own bucket). Non-finite values are ignored.
  void Add(std::int64_t time_ms, double value);

  // The statistic over the buckets whose start lies in [start_ms, start_ms + period_ms), with
  // the datapoint stamped start_ms. nullopt when no observation lies there, and for a
  // percentile when one of them is negative.
  // REQUIRES: period_ms > 0. For exact periods, start_ms and period_ms are multiples of
  // resolution_ms(); otherwise a bucket counts wholly in the period holding its start.
  std::optional<Datapoint> Aggregate(std::int64_t start_ms, std::int64_t period_ms,
                                     const StatisticSpec& spec) const;

  // Retention: drops every bucket that ends at or before time_ms. A bucket that straddles
  // time_ms is kept whole, so no observation at or after time_ms is lost.
  void DropBefore(std::int64_t time_ms);

  std::size_t bucket_count() const { return buckets_.size(); }
  bool empty() const { return buckets_.empty(); }

 private:
  struct Bucket {
    std::vector<double> values;  // in arrival order; sorted copies are made per query
    double sum = 0;
    double min = 0;
    double max = 0;
  };

  std::int64_t resolution_ms_;
  std::map<std::int64_t, Bucket> buckets_;  // bucket start (ms, floored) -> bucket
};

// All series, by metric. Pointers and references to a Series stay valid until DropBefore
// erases it (std::map nodes never move).
//
// Thread safety: as Series.
class MetricStore {
 public:
  // The series for key, created empty with resolution_ms if absent. The resolution of an
  // existing series is never changed (minute buckets cannot be split): callers that need a
  // high-resolution series (alarms with a 10, 20 or 30 s period) ask for it before the first
  // observation, and check resolution_ms() when it matters.
  // REQUIRES: resolution_ms is Series::kStandardResolutionMs or Series::kHighResolutionMs.
  Series& Get(const MetricKey& key, std::int64_t resolution_ms = Series::kStandardResolutionMs);

  // nullptr when the metric has no series.
  const Series* Find(const MetricKey& key) const;

  // Series::DropBefore on every series, then erases the series left empty, so that metrics
  // with many dimension values do not keep memory forever. A later Get recreates them.
  void DropBefore(std::int64_t time_ms);

  // Iteration in MetricKey order: for (const auto& [key, series] : store.series()).
  const std::map<MetricKey, Series>& series() const { return series_; }
  std::size_t size() const { return series_.size(); }

 private:
  std::map<MetricKey, Series> series_;
};

}  // namespace trailwatch::metrics

#endif  // TRAILWATCH_METRICS_METRICS_H_
