// Tests of metrics: MetricKey, StatisticSpec parsing and printing, event-time buckets, every
// statistic (nearest-rank percentiles included), period boundaries, retention and MetricStore.
#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace trailwatch::metrics {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kTenSeconds = 10'000;
// 2024-07-31T12:36:00Z: a minute boundary in the range of real CloudTrail times.
constexpr std::int64_t kT0 = 1722429360000;

StatisticSpec Spec(std::string_view text) {
  Result<StatisticSpec> spec = StatisticSpec::Parse(text);
  EXPECT_TRUE(spec.ok()) << text << ": " << spec.status().ToString();
  return spec.ok() ? *spec : StatisticSpec{};
}

// The statistic's value, or NaN when there is no datapoint (so tables can say "missing").
double Value(const Series& s, std::int64_t start, std::int64_t period, std::string_view stat) {
  std::optional<Datapoint> dp = s.Aggregate(start, period, Spec(stat));
  return dp ? dp->value : std::nan("");
}

// ---- Statistics -------------------------------------------------------------------------

TEST(SeriesTest, EveryStatisticOverKnownSamples) {
  Series s;
  // Sorted: 1 1 2 3 4 5 6 9 (n = 8); nearest rank of p is ceil(8p / 100).
  for (double v : {3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0}) s.Add(kT0 + 1000, v);
  struct Case {
    const char* stat;
    double want;
  } cases[] = {
      {"Sum", 31},   {"SampleCount", 8}, {"Average", 3.875}, {"Minimum", 1}, {"Maximum", 9},
      {"p0", 1},     {"p0.0", 1},        {"p12.5", 1},       {"p12.51", 1},  {"p25", 1},
      {"p25.01", 2}, {"p37.5", 2},       {"p37.51", 3},      {"p50", 3},     {"p62.5", 4},
      {"p87.5", 6},  {"p87.51", 9},      {"p90", 9},         {"p99", 9},     {"p99.9", 9},
      {"p100", 9},
  };
  for (const Case& c : cases) {
    std::optional<Datapoint> dp = s.Aggregate(kT0, kMinute, Spec(c.stat));
    ASSERT_TRUE(dp.has_value()) << c.stat;
    EXPECT_DOUBLE_EQ(dp->value, c.want) << c.stat;
    EXPECT_EQ(dp->sample_count, 8) << c.stat;
    EXPECT_EQ(dp->start_ms, kT0) << c.stat;
  }
}

TEST(SeriesTest, PercentilesOverThousandSamplesInFiveBuckets) {
  std::vector<double> values;
  for (int i = 1; i <= 1000; ++i) values.push_back(i);
  std::mt19937 rng(7);
  std::shuffle(values.begin(), values.end(), rng);
  Series s;
  for (std::size_t i = 0; i < values.size(); ++i) {
    s.Add(kT0 + static_cast<std::int64_t>(i % 5) * kMinute + 17, values[i]);
  }
  ASSERT_EQ(s.bucket_count(), 5u);
  struct Case {
    const char* stat;
    double want;
  } cases[] = {
      {"p0", 1},         {"p0.1", 1},           {"p0.15", 2},       {"p0.2", 2},
      {"p1", 10},        {"p50", 500},          {"p50.05", 501},    {"p90", 900},
      {"p99", 990},      {"p99.9", 999},        {"p99.91", 1000},   {"p99.99", 1000},
      {"p100", 1000},    {"Sum", 500500},       {"Average", 500.5}, {"Minimum", 1},
      {"Maximum", 1000}, {"SampleCount", 1000},
  };
  for (const Case& c : cases) {
    EXPECT_DOUBLE_EQ(Value(s, kT0, 5 * kMinute, c.stat), c.want) << c.stat;
  }
}

TEST(SeriesTest, PercentilesWithTies) {
  struct Case {
    std::vector<double> samples;
    const char* stat;
    double want;
  } cases[] = {
      {{5, 5, 5, 7}, "p0", 5},     {{5, 5, 5, 7}, "p50", 5},  {{5, 5, 5, 7}, "p75", 5},
      {{5, 5, 5, 7}, "p75.01", 7}, {{5, 5, 5, 7}, "p100", 7}, {{4, 4, 4}, "p0", 4},
      {{4, 4, 4}, "p50", 4},       {{4, 4, 4}, "p100", 4},    {{0, 0, 1, 1}, "p50", 0},
      {{0, 0, 1, 1}, "p50.01", 1}, {{2.5}, "p0", 2.5},        {{2.5}, "p99.9", 2.5},
  };
  for (const Case& c : cases) {
    Series s;
    for (double v : c.samples) s.Add(kT0, v);
    EXPECT_DOUBLE_EQ(Value(s, kT0, kMinute, c.stat), c.want)
        << c.stat << " over " << c.samples.size() << " samples";
  }
}

TEST(SeriesTest, NegativeValueMeansNoPercentileButOtherStatistics) {
  Series s;
  s.Add(kT0, 3);
  s.Add(kT0 + 5, -1);
  EXPECT_FALSE(s.Aggregate(kT0, kMinute, Spec("p50")).has_value());
  EXPECT_DOUBLE_EQ(Value(s, kT0, kMinute, "Sum"), 2);
  EXPECT_DOUBLE_EQ(Value(s, kT0, kMinute, "Minimum"), -1);
  // A later minute without negatives still has percentiles.
  s.Add(kT0 + kMinute, 8);
  EXPECT_DOUBLE_EQ(Value(s, kT0 + kMinute, kMinute, "p50"), 8);
}

TEST(SeriesTest, NonFiniteValuesAreIgnored) {
  Series s;
  s.Add(kT0, std::numeric_limits<double>::quiet_NaN());
  s.Add(kT0, std::numeric_limits<double>::infinity());
  EXPECT_EQ(s.bucket_count(), 0u);
  s.Add(kT0, 2);
  s.Add(kT0, -std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(Value(s, kT0, kMinute, "Sum"), 2);
  EXPECT_DOUBLE_EQ(Value(s, kT0, kMinute, "SampleCount"), 1);
}

// ---- Buckets and periods ----------------------------------------------------------------

TEST(SeriesTest, BucketsFollowResolution) {
  struct Case {
    std::int64_t resolution;
    std::vector<std::int64_t> offsets;
    std::size_t want_buckets;
  } cases[] = {
      {Series::kStandardResolutionMs, {0, 59'999}, 1},
      {Series::kStandardResolutionMs, {0, 59'999, 60'000}, 2},
      {Series::kHighResolutionMs, {0, 9'999}, 1},
      {Series::kHighResolutionMs, {0, 9'999, 10'000, 19'999, 25'000}, 3},
      {Series::kHighResolutionMs, {-1, 0}, 2},  // -1 ms belongs to the bucket before
      {Series::kStandardResolutionMs, {}, 0},
  };
  for (const Case& c : cases) {
    Series s(c.resolution);
    EXPECT_EQ(s.resolution_ms(), c.resolution);
    for (std::int64_t off : c.offsets) s.Add(kT0 + off, 1);
    EXPECT_EQ(s.bucket_count(), c.want_buckets) << c.resolution << " ms, " << c.offsets.size();
  }
}

TEST(SeriesTest, PeriodsAreInclusiveExclusive) {
  Series hi(Series::kHighResolutionMs);
  // One value per 10 s bucket: 1 at +0 s, 2 at +10 s, ... 6 at +50 s, each at the very
  // start or very end of its bucket.
  for (int i = 0; i < 6; ++i) {
    std::int64_t at = kT0 + i * kTenSeconds + (i % 2 == 0 ? 0 : kTenSeconds - 1);
    hi.Add(at, i + 1);
  }
  Series std_res;
  std_res.Add(kT0 - 1, 100);          // last millisecond of the minute before
  std_res.Add(kT0, 1);                // first millisecond of the minute
  std_res.Add(kT0 + kMinute - 1, 2);  // last millisecond of the minute
  std_res.Add(kT0 + kMinute, 1000);   // first millisecond of the next minute
  std_res.Add(kT0 + 5 * kMinute, 7);  // first millisecond after a 5-minute period
  struct Case {
    const Series* series;
    std::int64_t start;
    std::int64_t period;
    double want_sum;  // NaN: no datapoint
  } cases[] = {
      {&hi, kT0, 10'000, 1},
      {&hi, kT0 + 10'000, 10'000, 2},
      {&hi, kT0, 20'000, 3},
      {&hi, kT0 + 20'000, 20'000, 7},
      {&hi, kT0, 30'000, 6},
      {&hi, kT0 + 30'000, 30'000, 15},
      {&hi, kT0, 60'000, 21},
      {&hi, kT0 + 60'000, 10'000, std::nan("")},
      {&std_res, kT0, kMinute, 3},
      {&std_res, kT0 - kMinute, kMinute, 100},
      {&std_res, kT0 + kMinute, kMinute, 1000},
      {&std_res, kT0, 5 * kMinute, 1003},
      {&std_res, kT0 + kMinute, 5 * kMinute, 1007},
      {&std_res, kT0 + 2 * kMinute, kMinute, std::nan("")},
  };
  for (const Case& c : cases) {
    double got = Value(*c.series, c.start, c.period, "Sum");
    if (std::isnan(c.want_sum)) {
      EXPECT_TRUE(std::isnan(got)) << "start +" << c.start - kT0 << " period " << c.period;
    } else {
      EXPECT_DOUBLE_EQ(got, c.want_sum) << "start +" << c.start - kT0 << " period " << c.period;
    }
  }
}

TEST(SeriesTest, FiveMinutePeriodOverFiveBuckets) {
  Series s;
  for (int m = 0; m < 5; ++m) s.Add(kT0 + m * kMinute + 30'000, m + 1);
  s.Add(kT0 + 5 * kMinute, 100);  // the next period
  struct Case {
    const char* stat;
    double want;
  } cases[] = {{"Sum", 15},    {"SampleCount", 5}, {"Average", 3}, {"Minimum", 1},
               {"Maximum", 5}, {"p50", 3},         {"p100", 5}};
  for (const Case& c : cases) {
    EXPECT_DOUBLE_EQ(Value(s, kT0, 5 * kMinute, c.stat), c.want) << c.stat;
  }
  // The window slides by a minute (spec section 3.3): minutes 1..5.
  EXPECT_DOUBLE_EQ(Value(s, kT0 + kMinute, 5 * kMinute, "Sum"), 2 + 3 + 4 + 5 + 100);
}

TEST(SeriesTest, SubMinutePeriodOnStandardSeriesSeesWholeMinuteAtItsStart) {
  Series s;
  s.Add(kT0 + 45'000, 4);
  EXPECT_DOUBLE_EQ(Value(s, kT0, 10'000, "Sum"), 4);
  EXPECT_FALSE(s.Aggregate(kT0 + 40'000, 10'000, Spec("Sum")).has_value());
}

TEST(SeriesTest, OutOfOrderEventsGiveTheSameResult) {
  std::vector<std::pair<std::int64_t, double>> events;
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::int64_t> when(0, 10 * kMinute - 1);
  std::uniform_int_distribution<int> what(0, 40);
  for (int i = 0; i < 500; ++i) events.emplace_back(kT0 + when(rng), what(rng) * 0.5);
  Series in_order(Series::kHighResolutionMs);
  Series shuffled(Series::kHighResolutionMs);
  std::vector<std::pair<std::int64_t, double>> sorted = events;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [t, v] : sorted) in_order.Add(t, v);
  std::shuffle(events.begin(), events.end(), rng);
  for (const auto& [t, v] : events) shuffled.Add(t, v);

  for (const char* stat :
       {"Sum", "SampleCount", "Average", "Minimum", "Maximum", "p0", "p50", "p90", "p99.9"}) {
    for (std::int64_t period : {10'000, 30'000, 60'000, 300'000}) {
      for (std::int64_t start = kT0 - period; start < kT0 + 11 * kMinute; start += period) {
        std::optional<Datapoint> a = in_order.Aggregate(start, period, Spec(stat));
        std::optional<Datapoint> b = shuffled.Aggregate(start, period, Spec(stat));
        ASSERT_EQ(a.has_value(), b.has_value()) << stat << " " << start - kT0 << " " << period;
        if (a) {
          EXPECT_EQ(a->value, b->value) << stat << " " << start - kT0 << " " << period;
          EXPECT_EQ(a->sample_count, b->sample_count);
        }
      }
    }
  }
}

TEST(SeriesTest, MissingPeriodsHaveNoDatapoint) {
  Series empty;
  EXPECT_FALSE(empty.Aggregate(kT0, kMinute, Spec("SampleCount")).has_value());
  Series s;
  s.Add(kT0, 1);
  s.Add(kT0 + 2 * kMinute, 1);
  for (const char* stat : {"Sum", "SampleCount", "Average", "Minimum", "Maximum", "p50"}) {
    EXPECT_FALSE(s.Aggregate(kT0 + kMinute, kMinute, Spec(stat)).has_value()) << stat;
    EXPECT_FALSE(s.Aggregate(kT0 - kMinute, kMinute, Spec(stat)).has_value()) << stat;
    EXPECT_FALSE(s.Aggregate(kT0 + 3 * kMinute, kMinute, Spec(stat)).has_value()) << stat;
    EXPECT_TRUE(s.Aggregate(kT0, 3 * kMinute, Spec(stat)).has_value()) << stat;
  }
}

TEST(SeriesTest, DropBeforeKeepsBucketsThatEndAfterTheCut) {
  struct Case {
    std::int64_t cut;  // offset from kT0
    std::size_t want_buckets;
  } cases[] = {
      {0, 3},           {kMinute - 1, 3}, {kMinute, 2}, {2 * kMinute + 1, 1}, {3 * kMinute - 1, 1},
      {3 * kMinute, 0}, {-kMinute, 3},
  };
  for (const Case& c : cases) {
    Series s;
    for (int m = 0; m < 3; ++m) s.Add(kT0 + m * kMinute + 10, 1);
    s.DropBefore(kT0 + c.cut);
    EXPECT_EQ(s.bucket_count(), c.want_buckets) << "cut +" << c.cut;
  }
  Series hi(Series::kHighResolutionMs);
  hi.Add(kT0, 1);
  hi.Add(kT0 + kTenSeconds, 2);
  hi.DropBefore(kT0 + kTenSeconds);
  EXPECT_EQ(hi.bucket_count(), 1u);
  EXPECT_DOUBLE_EQ(Value(hi, kT0, kMinute, "Sum"), 2);
  hi.DropBefore(std::numeric_limits<std::int64_t>::min());  // no overflow, no effect
  EXPECT_EQ(hi.bucket_count(), 1u);
}

// ---- MetricStore ------------------------------------------------------------------------

TEST(MetricStoreTest, GetFindDropAndIterate) {
  MetricStore store;
  MetricKey root = MetricKey::Make("CISBenchmark", "RootAccountUsage");
  MetricKey reads =
      MetricKey::Make("CloudTrailMetrics", "Reads", {{"eventName", "GetSecretValue"}});
  EXPECT_EQ(store.Find(root), nullptr);

  store.Get(reads, Series::kHighResolutionMs).Add(kT0, 1);
  store.Get(root).Add(kT0 + 5 * kMinute, 1);
  // The resolution of an existing series does not change.
  EXPECT_EQ(store.Get(reads).resolution_ms(), Series::kHighResolutionMs);
  ASSERT_NE(store.Find(root), nullptr);
  EXPECT_EQ(store.Find(root)->resolution_ms(), Series::kStandardResolutionMs);
  EXPECT_DOUBLE_EQ(Value(*store.Find(root), kT0 + 5 * kMinute, kMinute, "Sum"), 1);

  std::vector<std::string> keys;
  for (const auto& [key, series] : store.series()) keys.push_back(key.ToString());
  EXPECT_EQ(keys, (std::vector<std::string>{"CISBenchmark/RootAccountUsage",
                                            "CloudTrailMetrics/Reads{eventName=GetSecretValue}"}));

  store.DropBefore(kT0 + kMinute);  // empties and erases the Reads series
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.Find(reads), nullptr);
  EXPECT_NE(store.Find(root), nullptr);
}

// ---- MetricKey --------------------------------------------------------------------------

TEST(MetricKeyTest, MakeSortsDimensionsAndToStringPrintsThem) {
  struct Case {
    MetricKey key;
    std::string want;
  } cases[] = {
      {MetricKey::Make("CISBenchmark", "RootAccountUsage"), "CISBenchmark/RootAccountUsage"},
      {MetricKey::Make("CloudTrailMetrics", "Reads", {{"eventName", "GetSecretValue"}}),
       "CloudTrailMetrics/Reads{eventName=GetSecretValue}"},
      {MetricKey::Make("NS", "M", {{"z", "1"}, {"a", "2"}, {"m", "3"}}), "NS/M{a=2,m=3,z=1}"},
  };
  for (const Case& c : cases) EXPECT_EQ(c.key.ToString(), c.want);
  EXPECT_EQ(MetricKey::Make("N", "M", {{"b", "1"}, {"a", "2"}}),
            MetricKey::Make("N", "M", {{"a", "2"}, {"b", "1"}}));
}

TEST(MetricKeyTest, OrdersByNamespaceThenNameThenDimensions) {
  std::vector<MetricKey> ordered = {
      MetricKey::Make("A", "Z"),
      MetricKey::Make("B", "A"),
      MetricKey::Make("B", "B"),
      MetricKey::Make("B", "B", {{"a", "1"}}),
      MetricKey::Make("B", "B", {{"a", "2"}}),
      MetricKey::Make("B", "B", {{"b", "0"}}),
  };
  for (std::size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_TRUE(ordered[i] < ordered[i + 1]) << ordered[i].ToString();
    EXPECT_FALSE(ordered[i + 1] < ordered[i]) << ordered[i].ToString();
    EXPECT_FALSE(ordered[i] == ordered[i + 1]);
  }
}

// ---- StatisticSpec ----------------------------------------------------------------------

TEST(StatisticSpecTest, ParseAndNameRoundTrip) {
  using Kind = StatisticSpec::Kind;
  struct Case {
    const char* text;
    Kind kind;
    double percentile;
    const char* name;
  } cases[] = {
      {"Sum", Kind::kSum, 0, "Sum"},
      {"SampleCount", Kind::kSampleCount, 0, "SampleCount"},
      {"Average", Kind::kAverage, 0, "Average"},
      {"Minimum", Kind::kMinimum, 0, "Minimum"},
      {"Maximum", Kind::kMaximum, 0, "Maximum"},
      {"p99", Kind::kPercentile, 99, "p99"},
      {"p99.9", Kind::kPercentile, 99.9, "p99.9"},
      {"p99.90", Kind::kPercentile, 99.9, "p99.9"},
      {"p99.99", Kind::kPercentile, 99.99, "p99.99"},
      {"p95.45", Kind::kPercentile, 95.45, "p95.45"},
      {"p50.05", Kind::kPercentile, 50.05, "p50.05"},
      {"p0.01", Kind::kPercentile, 0.01, "p0.01"},
      {"p0.0", Kind::kPercentile, 0, "p0"},
      {"p0", Kind::kPercentile, 0, "p0"},
      {"p100", Kind::kPercentile, 100, "p100"},
      {"p100.0", Kind::kPercentile, 100, "p100"},
      {"p100.00", Kind::kPercentile, 100, "p100"},
      {"p5", Kind::kPercentile, 5, "p5"},
  };
  for (const Case& c : cases) {
    Result<StatisticSpec> spec = StatisticSpec::Parse(c.text);
    ASSERT_TRUE(spec.ok()) << c.text << ": " << spec.status().ToString();
    EXPECT_EQ(spec->kind, c.kind) << c.text;
    EXPECT_DOUBLE_EQ(spec->percentile, c.percentile) << c.text;
    EXPECT_EQ(spec->Name(), c.name) << c.text;
    Result<StatisticSpec> again = StatisticSpec::Parse(spec->Name());
    ASSERT_TRUE(again.ok()) << c.name;
    EXPECT_EQ(*again, *spec) << c.name;
  }
}

TEST(StatisticSpecTest, NameOfConstructedPercentileRoundsToHundredths) {
  StatisticSpec spec;
  spec.kind = StatisticSpec::Kind::kPercentile;
  spec.percentile = 99.5;
  EXPECT_EQ(spec.Name(), "p99.5");
  spec.percentile = 12.345678;
  EXPECT_EQ(spec.Name(), "p12.35");
}

TEST(StatisticSpecTest, RejectsWithErrorsNamingTheText) {
  struct Case {
    const char* text;
    StatusCode code;
    const char* message_part;
  } cases[] = {
      {"p101", StatusCode::kInvalidArgument, "\"p101\" is out of range"},
      {"p100.01", StatusCode::kInvalidArgument, "\"p100.01\" is out of range"},
      {"p1000", StatusCode::kInvalidArgument, "\"p1000\" is out of range"},
      {"p123456789012345678901", StatusCode::kInvalidArgument, "out of range"},
      {"p", StatusCode::kInvalidArgument, "\"p\" has no number"},
      {"P99", StatusCode::kInvalidArgument, "\"P99\": percentiles are written with a lower-case p"},
      {"sum", StatusCode::kInvalidArgument, "\"sum\": did you mean \"Sum\"?"},
      {"SAMPLECOUNT", StatusCode::kInvalidArgument, "did you mean \"SampleCount\"?"},
      {"Avg", StatusCode::kInvalidArgument, "unknown statistic \"Avg\""},
      {"", StatusCode::kInvalidArgument, "empty statistic"},
      {" Sum", StatusCode::kInvalidArgument, "unknown statistic \" Sum\""},
      {"Sum ", StatusCode::kInvalidArgument, "unknown statistic \"Sum \""},
      {"p99.999", StatusCode::kInvalidArgument, "malformed percentile \"p99.999\""},
      {"p99.", StatusCode::kInvalidArgument, "malformed percentile \"p99.\""},
      {"p.5", StatusCode::kInvalidArgument, "malformed percentile \"p.5\""},
      {"p-1", StatusCode::kInvalidArgument, "malformed percentile \"p-1\""},
      {"p099", StatusCode::kInvalidArgument, "malformed percentile \"p099\""},
      {"p00", StatusCode::kInvalidArgument, "malformed percentile \"p00\""},
      {"p 99", StatusCode::kInvalidArgument, "malformed percentile \"p 99\""},
      {"p9x", StatusCode::kInvalidArgument, "malformed percentile \"p9x\""},
      {"p1e2", StatusCode::kInvalidArgument, "malformed percentile \"p1e2\""},
      {"p+5", StatusCode::kInvalidArgument, "malformed percentile \"p+5\""},
      {"tm90", StatusCode::kUnimplemented, "\"tm90\" is not supported"},
      {"wm99", StatusCode::kUnimplemented, "\"wm99\" is not supported"},
      {"IQM", StatusCode::kUnimplemented, "\"IQM\" is not supported"},
      {"TM(10%:90%)", StatusCode::kUnimplemented, "\"TM(10%:90%)\" is not supported"},
      {"PR(100:2000)", StatusCode::kUnimplemented, "\"PR(100:2000)\" is not supported"},
  };
  for (const Case& c : cases) {
    Result<StatisticSpec> spec = StatisticSpec::Parse(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_EQ(spec.status().code(), c.code) << c.text;
    EXPECT_NE(spec.status().message().find(c.message_part), std::string::npos)
        << c.text << ": " << spec.status().message();
  }
}

// ---- Low sample count and periods -------------------------------------------------------

TEST(StatisticSpecTest, LowSampleCountRuleOfSpecSection35) {
  struct Case {
    const char* stat;
    double samples;
    bool want_low;
  } cases[] = {
      {"p99", 999, true},   {"p99", 1000, false},  {"p50", 19, true},       {"p50", 20, false},
      {"p90", 99, true},    {"p90", 100, false},   {"p10", 99, true},       {"p10", 100, false},
      {"p49.99", 20, true}, {"p99.9", 9999, true}, {"p99.9", 10000, false}, {"p0.01", 99999, true},
      {"p0", 1, false},     {"p100", 1, false},    {"Sum", 0, false},       {"Average", 1, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsLowSampleCount(Spec(c.stat), c.samples), c.want_low)
        << c.stat << " with " << c.samples;
  }
}

TEST(PeriodTest, ValidatePeriodSeconds) {
  for (std::int64_t ok : {10, 20, 30, 60, 120, 300, 3600, 86400}) {
    EXPECT_TRUE(ValidatePeriodSeconds(ok).ok()) << ok;
  }
  for (std::int64_t bad : {0, -60, -10, 1, 5, 15, 40, 45, 59, 61, 90}) {
    Status s = ValidatePeriodSeconds(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find(std::to_string(bad)), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace trailwatch::metrics
