// The alarm decision against AWS's two official missing-data tables (20 cells), the
// premature-alarm rule, the comparison operators and low-sample percentiles.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "alarm/alarm.h"
#include "alarm/alarm_test_util.h"

namespace trailwatch::alarm {
namespace {

using testing::Range;
using testing::T;

constexpr std::array<TreatMissing, 4> kColumns = {TreatMissing::kMissing, TreatMissing::kIgnore,
                                                  TreatMissing::kBreaching,
                                                  TreatMissing::kNotBreaching};
constexpr std::array<State, 3> kAllStates = {State::kOk, State::kAlarm, State::kInsufficientData};

// nullopt = "retain current state".
using Cell = std::optional<State>;
constexpr Cell kOk = State::kOk;
constexpr Cell kAlarm = State::kAlarm;
constexpr Cell kInsufficient = State::kInsufficientData;
constexpr Cell kRetain = std::nullopt;

struct TableRow {
  std::uint32_t m;
  const char* points;
  std::array<Cell, 4> expected;  // MISSING, IGNORE, BREACHING, NOT BREACHING
};

std::string CellName(Cell c) {
  return c.has_value() ? std::string(StateName(*c)) : "retain current state";
}

AlarmConfig TableConfig(std::uint32_t m) {
  AlarmConfig c;
  c.name = "table";
  c.evaluation_periods = 3;
  c.datapoints_to_alarm = m;
  c.threshold = 1.0;
  c.comparison = Comparison::kGreaterThanOrEqualToThreshold;
  return c;
}

class OfficialTableTest : public ::testing::TestWithParam<TableRow> {};

TEST_P(OfficialTableTest, MatchesAws) {
  const TableRow& row = GetParam();
  const std::int64_t now = T("2024-10-26T19:00:38Z");
  const auto range = Range(row.points, T("2024-10-26T18:59:00Z"));
  ASSERT_EQ(range.size(), 5u);
  for (std::size_t col = 0; col < kColumns.size(); ++col) {
    AlarmConfig config = TableConfig(row.m);
    config.treat_missing = kColumns[col];
    ASSERT_EQ(EvaluationRange(config), 5u);
    // "retain current state" must hold whatever the current state is.
    for (State current : kAllStates) {
      const Decision d = Evaluate(config, range, current, now);
      EXPECT_EQ(CellName(d.state), CellName(row.expected[col]))
          << "M=" << row.m << " points '" << row.points
          << "' TreatMissingData=" << TreatMissingName(kColumns[col])
          << " current=" << StateName(current);
      EXPECT_EQ(d.reason.empty(), !d.state.has_value()) << d.reason;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(NEquals3, OfficialTableTest,
                         ::testing::Values(
                             // N = 3, M = 3
                             TableRow{3, "0 - X - X", {kOk, kOk, kOk, kOk}},
                             TableRow{3, "0 - - - -", {kOk, kOk, kOk, kOk}},
                             TableRow{3, "- - - - -", {kInsufficient, kRetain, kAlarm, kOk}},
                             TableRow{3, "0 X X - X", {kAlarm, kAlarm, kAlarm, kAlarm}},
                             TableRow{3, "- - X - -", {kAlarm, kRetain, kAlarm, kOk}},
                             // N = 3, M = 2
                             TableRow{2, "0 - X - X", {kAlarm, kAlarm, kAlarm, kAlarm}},
                             TableRow{2, "0 0 X 0 X", {kAlarm, kAlarm, kAlarm, kAlarm}},
                             TableRow{2, "0 - X - -", {kOk, kOk, kAlarm, kOk}},
                             TableRow{2, "- - - - 0", {kOk, kOk, kAlarm, kOk}},
                             TableRow{2, "- - - X -", {kAlarm, kRetain, kAlarm, kOk}}));

// Spec 3.4.3: "- - - - X" and "- - - X -" with M = 3 do not alarm yet; "- - X - -" does even
// with TreatMissingData = missing; an older good point blocks the rule.
TEST(PrematureAlarmTest, Cases) {
  struct Case {
    std::uint32_t m;
    const char* points;
    Cell expected_missing;
  };
  const Case cases[] = {
      {3, "- - - - X", kOk},    {3, "- - - X -", kOk},    {3, "- - X - -", kAlarm},
      {3, "- - X - X", kAlarm}, {2, "- - - X -", kAlarm}, {2, "- - - - X", kOk},
      {2, "0 - X - -", kOk},    {1, "- - - - X", kAlarm}, {3, "X - - - -", kOk},
      {3, "0 - X X -", kOk},
  };
  for (const Case& c : cases) {
    AlarmConfig config = TableConfig(c.m);
    const Decision d = Evaluate(config, Range(c.points, T("2024-10-26T18:59:00Z")), State::kOk,
                                T("2024-10-26T19:00:38Z"));
    EXPECT_EQ(CellName(d.state), CellName(c.expected_missing)) << c.m << " " << c.points;
  }
}

TEST(PrematureAlarmTest, ReasonShowsFewerPointsThanTheMinimum) {
  AlarmConfig config = TableConfig(3);
  const Decision d = Evaluate(config, Range("- - X - -", T("2024-10-26T18:59:00Z")), State::kOk,
                              T("2024-10-26T19:00:38Z"));
  EXPECT_EQ(d.reason,
            "Threshold Crossed: 1 out of the last 3 datapoints [5.0 (26/10/24 18:57:00)] was "
            "greater than or equal to the threshold (1.0) (minimum 3 datapoints for OK -> ALARM "
            "transition).");
}

TEST(ComparisonTest, EachOperatorBelowAtAbove) {
  struct Case {
    Comparison op;
    bool below, at, above;
  };
  const Case cases[] = {
      {Comparison::kGreaterThanOrEqualToThreshold, false, true, true},
      {Comparison::kGreaterThanThreshold, false, false, true},
      {Comparison::kLessThanThreshold, true, false, false},
      {Comparison::kLessThanOrEqualToThreshold, true, true, false},
  };
  for (const Case& c : cases) {
    const double values[] = {9.5, 10.0, 10.5};
    const bool expected[] = {c.below, c.at, c.above};
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(Breaches(c.op, values[i], 10.0), expected[i]) << ComparisonName(c.op);
      AlarmConfig config;
      config.name = "op";
      config.threshold = 10.0;
      config.comparison = c.op;
      const std::vector<std::optional<metrics::Datapoint>> range = {
          metrics::Datapoint{T("2024-10-26T18:59:00Z"), values[i], 1}, std::nullopt, std::nullopt};
      const Decision d =
          Evaluate(config, range, State::kInsufficientData, T("2024-10-26T19:00:01Z"));
      EXPECT_EQ(d.state, expected[i] ? State::kAlarm : State::kOk) << ComparisonName(c.op);
    }
  }
}

TEST(ComparisonTest, ParseAndPrint) {
  for (Comparison op :
       {Comparison::kGreaterThanOrEqualToThreshold, Comparison::kGreaterThanThreshold,
        Comparison::kLessThanThreshold, Comparison::kLessThanOrEqualToThreshold}) {
    const auto parsed = ParseComparison(ComparisonName(op));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, op);
  }
  EXPECT_FALSE(ParseComparison("LessThanLowerThreshold").ok());
  for (TreatMissing t : kColumns) {
    const auto parsed = ParseTreatMissing(TreatMissingName(t));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(TreatMissingName(TreatMissing::kNotBreaching), "notBreaching");
  EXPECT_FALSE(ParseTreatMissing("NotBreaching").ok());
  EXPECT_EQ(StateName(State::kInsufficientData), "INSUFFICIENT_DATA");
  EXPECT_EQ(StateName(State::kOk), "OK");
  EXPECT_EQ(StateName(State::kAlarm), "ALARM");
}

TEST(EvaluateTest, CaseTwoReachesBackForRealPoints) {
  // N = 3, M = 3: newest three real points are X X X although slots between are missing.
  AlarmConfig config = TableConfig(3);
  const Decision d = Evaluate(config, Range("X - X X -", T("2024-10-26T18:59:00Z")), State::kOk,
                              T("2024-10-26T19:00:38Z"));
  EXPECT_EQ(d.state, State::kAlarm);
}

TEST(LowSamplePercentileTest, IgnoreKeepsStateWhenTooFewSamples) {
  AlarmConfig config;
  config.name = "p99";
  config.statistic = {metrics::StatisticSpec::Kind::kPercentile, 99};
  config.threshold = 1.0;
  struct Case {
    bool ignore;
    double percentile;
    double samples;
    bool decided;
  };
  const Case cases[] = {
      {true, 99, 999, false}, {true, 99, 1000, true}, {false, 99, 1, true},  {true, 50, 19, false},
      {true, 50, 20, true},   {true, 10, 99, false},  {true, 10, 100, true}, {true, 100, 1, true},
  };
  for (const Case& c : cases) {
    config.ignore_low_sample_percentile = c.ignore;
    config.statistic.percentile = c.percentile;
    const std::vector<std::optional<metrics::Datapoint>> range = {
        metrics::Datapoint{T("2024-10-26T18:59:00Z"), 5.0, c.samples}, std::nullopt, std::nullopt};
    const Decision d = Evaluate(config, range, State::kOk, T("2024-10-26T19:00:01Z"));
    EXPECT_EQ(d.state.has_value(), c.decided) << c.percentile << " " << c.samples;
  }
  // Not a percentile: never low-sample.
  config.statistic = {metrics::StatisticSpec::Kind::kSum, 0};
  const std::vector<std::optional<metrics::Datapoint>> range = {
      metrics::Datapoint{T("2024-10-26T18:59:00Z"), 5.0, 1}};
  EXPECT_EQ(Evaluate(config, range, State::kOk, 0).state, State::kAlarm);
}

}  // namespace
}  // namespace trailwatch::alarm
