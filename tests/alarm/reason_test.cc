// StateReason and StateReasonData byte-exact against AWS captures (spec cloudwatch.md 3.7), and
// the Java-style number and time formatting they rely on.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "alarm/alarm.h"
#include "alarm/alarm_test_util.h"

namespace trailwatch::alarm {
namespace {

using testing::T;
using Slots = std::vector<std::optional<metrics::Datapoint>>;

TEST(JavaDoubleTest, MatchesDoubleToString) {
  struct Case {
    double value;
    const char* text;
  };
  const Case cases[] = {
      {1.0, "1.0"},
      {0.059, "0.059"},
      {2147483648.0, "2.147483648E9"},
      {3.6266666666666665, "3.6266666666666665"},
      {0.050002640067216934, "0.050002640067216934"},
      {99.7027322404378, "99.7027322404378"},
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {-2.5, "-2.5"},
      {100.0, "100.0"},
      {1141.0, "1141.0"},
      {0.1 + 0.2, "0.30000000000000004"},
      {0.001, "0.001"},
      {0.0009, "9.0E-4"},
      {1.5e-4, "1.5E-4"},
      {9999999.0, "9999999.0"},
      {9999999.5, "9999999.5"},
      {1e7, "1.0E7"},
      {-1e7, "-1.0E7"},
      {123456789.0, "1.23456789E8"},
      {1e21, "1.0E21"},
      {2e23, "2.0E23"},
      {1e23, "1.0E23"},
      {4.9e-324, "4.9E-324"},
      {1.7976931348623157e308, "1.7976931348623157E308"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
      {std::numeric_limits<double>::infinity(), "Infinity"},
      {-std::numeric_limits<double>::infinity(), "-Infinity"},
  };
  for (const Case& c : cases) EXPECT_EQ(JavaDouble(c.value), c.text);
}

TEST(AwsDoubleTest, PlainUpToTheLimit) {
  EXPECT_EQ(AwsDouble(2147483648.0), "2147483648.0");  // AWS capture (threshold)
  EXPECT_EQ(AwsDouble(1e7), "10000000.0");
  EXPECT_EQ(AwsDouble(9007199254740993.0), "9007199254740992.0");
  EXPECT_EQ(AwsDouble(1e16), "1.0E16");
  EXPECT_EQ(AwsDouble(0.0009), "9.0E-4");
  EXPECT_EQ(AwsDouble(3.6266666666666665), "3.6266666666666665");
  EXPECT_EQ(AwsDouble(-0.059), "-0.059");
}

TEST(ReasonTimeTest, Formats) {
  EXPECT_EQ(FormatReasonTime(0), "01/01/70 00:00:00");
  EXPECT_EQ(FormatReasonTime(T("2024-10-26T18:59:00Z")), "26/10/24 18:59:00");
  EXPECT_EQ(FormatReasonTime(T("2000-02-29T23:59:59.999Z")), "29/02/00 23:59:59");
  EXPECT_EQ(FormatReasonTime(-1000), "31/12/69 23:59:59");
  EXPECT_EQ(FormatReasonDataTime(T("2024-10-26T19:00:38.853Z")), "2024-10-26T19:00:38.853+0000");
  EXPECT_EQ(FormatReasonDataTime(0), "1970-01-01T00:00:00.000+0000");
  // Composite reasons and alarm mails: Java's EEEE dd MMMM, yyyy HH:mm:ss 'UTC'.
  EXPECT_EQ(FormatLongTime(T("2021-09-15T18:32:31.999Z")),
            "Wednesday 15 September, 2021 18:32:31 UTC");
  EXPECT_EQ(FormatLongTime(T("2022-11-06T17:43:53Z")), "Sunday 06 November, 2022 17:43:53 UTC");
  EXPECT_EQ(FormatLongTime(T("2024-02-29T00:00:00Z")), "Thursday 29 February, 2024 00:00:00 UTC");
  EXPECT_EQ(FormatLongTime(0), "Thursday 01 January, 1970 00:00:00 UTC");
}

AlarmConfig Config(std::uint32_t n, std::optional<std::uint32_t> m, Comparison op, double threshold,
                   std::uint32_t period = 60, TreatMissing treat = TreatMissing::kMissing) {
  AlarmConfig c;
  c.name = "reason";
  c.evaluation_periods = n;
  c.datapoints_to_alarm = m;
  c.comparison = op;
  c.threshold = threshold;
  c.period_seconds = period;
  c.treat_missing = treat;
  return c;
}

metrics::Datapoint P(const char* iso, double value, double samples = 1) {
  return {T(iso), value, samples};
}

struct ReasonCase {
  AlarmConfig config;
  Slots range;
  State expected_state;
  const char* reason;
};

TEST(ReasonTest, AwsCaptures) {
  using C = Comparison;
  const ReasonCase cases[] = {
      // Short form (no DatapointsToAlarm).
      {Config(1, std::nullopt, C::kGreaterThanOrEqualToThreshold, 1.0),
       {P("2024-10-26T18:59:00Z", 3.0), std::nullopt, std::nullopt},
       State::kAlarm,
       "Threshold Crossed: 1 datapoint [3.0 (26/10/24 18:59:00)] was greater than or equal to "
       "the threshold (1.0)."},
      {Config(3, std::nullopt, C::kGreaterThanThreshold, 60.0, 300),
       {P("2022-03-11T10:58:00Z", 0.050002640067216934),
        P("2022-03-11T10:53:00Z", 0.04333311112870379),
        P("2022-03-11T10:48:00Z", 0.03166697224583412), std::nullopt, std::nullopt},
       State::kOk,
       "Threshold Crossed: 3 datapoints [0.050002640067216934 (11/03/22 10:58:00), "
       "0.04333311112870379 (11/03/22 10:53:00), 0.03166697224583412 (11/03/22 10:48:00)] were "
       "not greater than the threshold (60.0)."},
      // Long form (DatapointsToAlarm set).
      {Config(1, 1, C::kGreaterThanOrEqualToThreshold, 80.0),
       {P("2018-11-02T14:39:00Z", 99.7027322404378), std::nullopt, std::nullopt},
       State::kAlarm,
       "Threshold Crossed: 1 out of the last 1 datapoints [99.7027322404378 (02/11/18 "
       "14:39:00)] was greater than or equal to the threshold (80.0) (minimum 1 datapoint for "
       "OK -> ALARM transition)."},
      {Config(3, 3, C::kGreaterThanOrEqualToThreshold, 30.0, 300),
       {P("2020-10-09T21:24:00Z", 1141.0), P("2020-10-09T21:19:00Z", 1226.0),
        P("2020-10-09T21:14:00Z", 1390.0), std::nullopt, std::nullopt},
       State::kAlarm,
       "Threshold Crossed: 3 out of the last 3 datapoints [1141.0 (09/10/20 21:24:00), 1226.0 "
       "(09/10/20 21:19:00), 1390.0 (09/10/20 21:14:00)] were greater than or equal to the "
       "threshold (30.0) (minimum 3 datapoints for OK -> ALARM transition)."},
      {Config(1, 1, C::kLessThanThreshold, 1.0, 300),
       {P("2022-08-26T03:40:00Z", 3.6266666666666665), std::nullopt, std::nullopt},
       State::kOk,
       "Threshold Crossed: 1 out of the last 1 datapoints [3.6266666666666665 (26/08/22 "
       "03:40:00)] was not less than the threshold (1.0) (minimum 1 datapoint for ALARM -> OK "
       "transition)."},
      {Config(3, 3, C::kGreaterThanThreshold, 0.005, 300),
       {P("2026-07-17T04:13:00Z", 0.002), P("2026-07-17T04:08:00Z", 0.002),
        P("2026-07-17T04:03:00Z", 0.01), std::nullopt, std::nullopt},
       State::kOk,
       "Threshold Crossed: 2 out of the last 3 datapoints [0.002 (17/07/26 04:13:00), 0.002 "
       "(17/07/26 04:08:00)] were not greater than the threshold (0.005) (minimum 1 datapoint "
       "for ALARM -> OK transition)."},
      // Missing-data forms.
      {Config(1, std::nullopt, C::kGreaterThanOrEqualToThreshold, 1.0, 60,
              TreatMissing::kBreaching),
       {std::nullopt, std::nullopt, std::nullopt},
       State::kAlarm,
       "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint "
       "was treated as [Breaching]."},
      {Config(2, std::nullopt, C::kGreaterThanOrEqualToThreshold, 1.0, 60,
              TreatMissing::kBreaching),
       Slots(4), State::kAlarm,
       "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints "
       "were treated as [Breaching]."},
      {Config(3, 3, C::kGreaterThanOrEqualToThreshold, 1.0, 60, TreatMissing::kNotBreaching),
       Slots(5), State::kOk,
       "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints "
       "were treated as [NonBreaching]."},
      {Config(2, std::nullopt, C::kLessThanThreshold, 1.0, 60, TreatMissing::kBreaching),
       {P("2026-04-20T18:45:00Z", 0.0), std::nullopt, std::nullopt, std::nullopt},
       State::kAlarm,
       "Threshold Crossed: 1 datapoint [0.0 (20/04/26 18:45:00)] was less than the threshold "
       "(1.0) and 1 missing datapoint was treated as [Breaching]."},
      {Config(2, std::nullopt, C::kGreaterThanOrEqualToThreshold, 1.0, 60,
              TreatMissing::kBreaching),
       {P("2026-08-03T11:42:00Z", 0.0), std::nullopt, std::nullopt, std::nullopt},
       State::kOk,
       "Threshold Crossed: 1 datapoint [0.0 (03/08/26 11:42:00)] was not greater than or equal "
       "to the threshold (1.0) and 1 missing datapoint was treated as [Breaching]."},
      // M = 1: the filled period alone alarms; the good real point is still listed.
      {Config(2, 1, C::kGreaterThanOrEqualToThreshold, 1.0, 60, TreatMissing::kBreaching),
       {P("2026-08-03T11:42:00Z", 0.0), std::nullopt, std::nullopt, std::nullopt},
       State::kAlarm,
       "Threshold Crossed: 1 datapoint [0.0 (03/08/26 11:42:00)] was not greater than or equal "
       "to the threshold (1.0) and 1 missing datapoint was treated as [Breaching]."},
      {Config(8, std::nullopt, C::kLessThanOrEqualToThreshold, 0.0, 60,
              TreatMissing::kNotBreaching),
       {P("2026-08-19T09:36:00Z", 2.0), std::nullopt, std::nullopt, std::nullopt, std::nullopt,
        std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
       State::kOk,
       "Threshold Crossed: 1 datapoint [2.0 (19/08/26 09:36:00)] was not less than or equal to "
       "the threshold (0.0) and 7 missing datapoints were treated as [NonBreaching]."},
      // Insufficient data.
      {Config(1, std::nullopt, C::kGreaterThanOrEqualToThreshold, 1.0), Slots(3),
       State::kInsufficientData, "Insufficient Data: 1 datapoint was unknown."},
      {Config(3, 2, C::kGreaterThanOrEqualToThreshold, 1.0), Slots(5), State::kInsufficientData,
       "Insufficient Data: 3 datapoints were unknown."},
  };
  for (const ReasonCase& c : cases) {
    const Decision d =
        Evaluate(c.config, c.range, State::kInsufficientData, T("2026-08-19T09:37:01Z"));
    ASSERT_TRUE(d.state.has_value()) << c.reason;
    EXPECT_EQ(*d.state, c.expected_state) << c.reason;
    EXPECT_EQ(d.reason, c.reason);
  }
}

TEST(ReasonDataTest, AwsExampleByteExact) {
  AlarmConfig config = Config(1, std::nullopt, Comparison::kGreaterThanOrEqualToThreshold, 1.0);
  const Slots range = {P("2024-10-26T18:59:00Z", 3.0, 3.0), std::nullopt, std::nullopt};
  const Decision d = Evaluate(config, range, State::kOk, T("2024-10-26T19:00:38.853Z"));
  EXPECT_EQ(d.reason_data,
            R"({"version":"1.0","queryDate":"2024-10-26T19:00:38.853+0000",)"
            R"("startDate":"2024-10-26T18:59:00.000+0000","statistic":"Sum","period":60,)"
            R"("recentDatapoints":[3.0],"threshold":1.0,"evaluatedDatapoints":[)"
            R"({"timestamp":"2024-10-26T18:59:00.000+0000","sampleCount":3.0,"value":3.0}]})");
}

TEST(ReasonDataTest, UnitAndMissingPeriods) {
  AlarmConfig config =
      Config(3, std::nullopt, Comparison::kGreaterThanThreshold, 0.5, 60, TreatMissing::kBreaching);
  config.unit = "Count";
  config.statistic = {metrics::StatisticSpec::Kind::kAverage, 0};
  // Newest slot missing, then a real point: the newest missing periods fill.
  const Slots range = {std::nullopt, P("2024-10-26T18:58:00Z", 1.0, 4.0), std::nullopt,
                       std::nullopt, std::nullopt};
  const Decision d = Evaluate(config, range, State::kOk, T("2024-10-26T19:00:05Z"));
  EXPECT_EQ(d.state, State::kAlarm);
  EXPECT_EQ(d.reason_data,
            R"({"version":"1.0","queryDate":"2024-10-26T19:00:05.000+0000",)"
            R"("startDate":"2024-10-26T18:58:00.000+0000","unit":"Count",)"
            R"("statistic":"Average","period":60,"recentDatapoints":[1.0],"threshold":0.5,)"
            R"("evaluatedDatapoints":[{"timestamp":"2024-10-26T18:59:00.000+0000"},)"
            R"({"timestamp":"2024-10-26T18:58:00.000+0000","sampleCount":4.0,"value":1.0},)"
            R"({"timestamp":"2024-10-26T18:57:00.000+0000"}]})");
}

TEST(ReasonDataTest, NoDatapointsHasNoStartDate) {
  AlarmConfig config = Config(1, std::nullopt, Comparison::kGreaterThanThreshold, 0.0, 60,
                              TreatMissing::kNotBreaching);
  const Decision d = Evaluate(config, Slots(3), State::kAlarm, T("2024-10-26T19:00:38.853Z"));
  EXPECT_EQ(d.state, State::kOk);
  EXPECT_EQ(d.reason_data,
            R"({"version":"1.0","queryDate":"2024-10-26T19:00:38.853+0000",)"
            R"("statistic":"Sum","period":60,"recentDatapoints":[],"threshold":0.0,)"
            R"("evaluatedDatapoints":[{"timestamp":"2024-10-26T18:59:00.000+0000"}]})");
}

}  // namespace
}  // namespace trailwatch::alarm
