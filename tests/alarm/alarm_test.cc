// Configuration validation, the evaluation schedule and the Alarm state machine (actions only on
// transitions, ActionsEnabled, Put keeps state, history).
#include "alarm/alarm.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "alarm/alarm_test_util.h"

namespace trailwatch::alarm {
namespace {

using testing::T;

AlarmConfig ValidConfig() {
  AlarmConfig c;
  c.name = "RootAccountUsage";
  c.metric = metrics::MetricKey{"CISBenchmark", "RootAccountUsage", {}};
  c.period_seconds = 300;
  c.evaluation_periods = 1;
  c.threshold = 1;
  c.ok_actions = {"arn:aws:sns:us-east-1:123456789012:ok"};
  c.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:alarm"};
  c.insufficient_data_actions = {"arn:aws:sns:us-east-1:123456789012:insufficient"};
  c.region = "eu-west-1";
  c.account = "123456789012";
  return c;
}

TEST(ValidateTest, AcceptsValid) {
  EXPECT_TRUE(Validate(ValidConfig()).ok());
  for (std::uint32_t p : {10u, 20u, 30u, 60u, 120u, 3600u, 86400u}) {
    AlarmConfig c = ValidConfig();
    c.period_seconds = p;
    EXPECT_TRUE(Validate(c).ok()) << p;
  }
  AlarmConfig c = ValidConfig();
  c.period_seconds = 3600;
  c.evaluation_periods = 168;  // exactly 7 days
  EXPECT_TRUE(Validate(c).ok());
  c.period_seconds = 60;
  c.evaluation_periods = 1440;  // exactly 1 day
  c.datapoints_to_alarm = 1440;
  EXPECT_TRUE(Validate(c).ok());
  c = ValidConfig();
  c.name = std::string(255, 'a');
  c.description = std::string(1024, 'd');
  c.alarm_actions = std::vector<std::string>(5, "arn");
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, RejectsAndNamesTheField) {
  struct Case {
    std::function<void(AlarmConfig&)> mutate;
    const char* field;
  };
  const Case cases[] = {
      {[](AlarmConfig& c) { c.name.clear(); }, "AlarmName"},
      {[](AlarmConfig& c) { c.name = std::string(256, 'a'); }, "AlarmName"},
      {[](AlarmConfig& c) { c.name = "a\nb"; }, "AlarmName"},
      {[](AlarmConfig& c) { c.name = "a\x7f"; }, "AlarmName"},
      {[](AlarmConfig& c) { c.description = std::string(1025, 'd'); }, "AlarmDescription"},
      {[](AlarmConfig& c) { c.period_seconds = 0; }, "Period"},
      {[](AlarmConfig& c) { c.period_seconds = 15; }, "Period"},
      {[](AlarmConfig& c) { c.period_seconds = 90; }, "Period"},
      {[](AlarmConfig& c) { c.evaluation_periods = 0; }, "EvaluationPeriods"},
      {[](AlarmConfig& c) { c.datapoints_to_alarm = 0; }, "DatapointsToAlarm"},
      {[](AlarmConfig& c) { c.datapoints_to_alarm = 2; }, "DatapointsToAlarm"},
      {[](AlarmConfig& c) {
         c.period_seconds = 60;
         c.evaluation_periods = 1441;
       },
       "EvaluationPeriods"},
      {[](AlarmConfig& c) {
         c.period_seconds = 3600;
         c.evaluation_periods = 169;
       },
       "EvaluationPeriods"},
      {[](AlarmConfig& c) { c.ok_actions = std::vector<std::string>(6, "arn"); }, "OKActions"},
      {[](AlarmConfig& c) { c.alarm_actions = std::vector<std::string>(6, "arn"); },
       "AlarmActions"},
      {[](AlarmConfig& c) { c.insufficient_data_actions = std::vector<std::string>(6, "arn"); },
       "InsufficientDataActions"},
      {[](AlarmConfig& c) { c.evaluation_range = 0; }, "evaluation_range"},
  };
  for (const Case& c : cases) {
    AlarmConfig config = ValidConfig();
    c.mutate(config);
    const Status s = Validate(config);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(s.message().rfind(c.field, 0), 0u) << s.message();
  }
}

TEST(ScheduleTest, EvaluationRange) {
  EXPECT_EQ(EvaluationRange(1u), 3u);
  EXPECT_EQ(EvaluationRange(3u), 5u);
  EXPECT_EQ(EvaluationRange(6u), 8u);
  EXPECT_EQ(EvaluationRange(9u), 12u);
  AlarmConfig c = ValidConfig();
  c.evaluation_periods = 3;
  EXPECT_EQ(EvaluationRange(c), 5u);
  c.evaluation_range = 3;
  EXPECT_EQ(EvaluationRange(c), 3u);
}

TEST(ScheduleTest, SlotStarts) {
  AlarmConfig c = ValidConfig();
  c.period_seconds = 60;
  // Evaluated 19:00:38 -> newest datapoint 18:59:00 (AWS capture).
  std::vector<std::int64_t> s = EvaluationSlotStarts(c, T("2024-10-26T19:00:38.853Z"));
  EXPECT_EQ(s, (std::vector<std::int64_t>{T("2024-10-26T18:59:00Z"), T("2024-10-26T18:58:00Z"),
                                          T("2024-10-26T18:57:00Z")}));
  EXPECT_EQ(EvaluationIntervalMs(c), 60'000);
  // Period 300 slides by the minute: evaluated 18:32:31 -> newest slot starts 18:27:00.
  c.period_seconds = 300;
  s = EvaluationSlotStarts(c, T("2024-10-26T18:32:31Z"));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0], T("2024-10-26T18:27:00Z"));
  EXPECT_EQ(s[1], T("2024-10-26T18:22:00Z"));
  // High resolution: every 10 s.
  c.period_seconds = 10;
  c.evaluation_periods = 3;
  EXPECT_EQ(EvaluationIntervalMs(c), 10'000);
  s = EvaluationSlotStarts(c, T("2024-10-26T12:00:07Z"));
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0], T("2024-10-26T11:59:50Z"));
  EXPECT_EQ(s[4], T("2024-10-26T11:59:10Z"));
  // Multi-day (Period x N > 1 day): hourly, data up to :00.
  c.period_seconds = 3600;
  c.evaluation_periods = 48;
  EXPECT_EQ(EvaluationIntervalMs(c), 3'600'000);
  s = EvaluationSlotStarts(c, T("2024-10-26T10:03:00Z"));
  EXPECT_EQ(s.size(), 64u);  // 48 + max(16, 2)
  EXPECT_EQ(s[0], T("2024-10-26T09:00:00Z"));
}

Decision To(State s, std::string reason = "r") { return Decision{s, std::move(reason), "{}"}; }

TEST(AlarmTest, InitialState) {
  auto alarm = Alarm::Create(ValidConfig());
  ASSERT_TRUE(alarm.ok());
  EXPECT_EQ(alarm->state(), State::kInsufficientData);
  EXPECT_EQ(alarm->state_reason(), "Unchecked: Initial alarm creation");
  EXPECT_TRUE(alarm->history().empty());
  EXPECT_EQ(alarm->config().Arn(),
            "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:RootAccountUsage");
  AlarmConfig bad = ValidConfig();
  bad.period_seconds = 7;
  EXPECT_FALSE(Alarm::Create(bad).ok());
}

TEST(AlarmTest, ActionsOnlyOnTransitions) {
  auto alarm = *Alarm::Create(ValidConfig());
  auto t = alarm.Apply(To(State::kAlarm, "went bad"), 1000);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->old_state, State::kInsufficientData);
  EXPECT_EQ(t->new_state, State::kAlarm);
  EXPECT_EQ(t->actions, ValidConfig().alarm_actions);
  EXPECT_EQ(alarm.state_reason(), "went bad");
  EXPECT_EQ(alarm.state_transitioned_ms(), 1000);
  // Same state again: nothing fires, reason kept.
  EXPECT_FALSE(alarm.Apply(To(State::kAlarm, "still bad"), 2000).has_value());
  EXPECT_EQ(alarm.state_reason(), "went bad");
  // Keep-state decision.
  EXPECT_FALSE(alarm.Apply(Decision{}, 3000).has_value());
  t = alarm.Apply(To(State::kOk), 4000);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->actions, ValidConfig().ok_actions);
  t = alarm.Apply(To(State::kInsufficientData), 5000);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->actions, ValidConfig().insufficient_data_actions);
  ASSERT_EQ(alarm.history().size(), 3u);
  EXPECT_EQ(alarm.history()[1].old_state, State::kAlarm);
  EXPECT_EQ(alarm.history()[1].new_state, State::kOk);
  EXPECT_EQ(alarm.history()[1].time_ms, 4000);
  EXPECT_EQ(alarm.history()[1].reason_data, "{}");
}

TEST(AlarmTest, ActionsDisabledStillChangesState) {
  AlarmConfig c = ValidConfig();
  c.actions_enabled = false;
  auto alarm = *Alarm::Create(c);
  auto t = alarm.Apply(To(State::kAlarm), 1000);
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->actions.empty());
  EXPECT_EQ(alarm.state(), State::kAlarm);
}

TEST(AlarmTest, PutKeepsState) {
  auto alarm = *Alarm::Create(ValidConfig());
  ASSERT_TRUE(alarm.Apply(To(State::kAlarm, "bad"), 1000).has_value());
  AlarmConfig c = ValidConfig();
  c.threshold = 100;
  c.alarm_actions.clear();
  ASSERT_TRUE(alarm.Put(c).ok());
  EXPECT_EQ(alarm.state(), State::kAlarm);
  EXPECT_EQ(alarm.state_reason(), "bad");
  EXPECT_EQ(alarm.config().threshold, 100);
  c.evaluation_periods = 0;
  EXPECT_FALSE(alarm.Put(c).ok());
  EXPECT_EQ(alarm.config().evaluation_periods, 1u);
  EXPECT_EQ(alarm.history().size(), 1u);
}

TEST(AlarmTest, HistoryKeepsThirtyDays) {
  auto alarm = *Alarm::Create(ValidConfig());
  ASSERT_TRUE(alarm.Apply(To(State::kAlarm), 0).has_value());
  ASSERT_TRUE(alarm.Apply(To(State::kOk), Alarm::kHistoryRetentionMs).has_value());
  EXPECT_EQ(alarm.history().size(), 2u);
  ASSERT_TRUE(alarm.Apply(To(State::kAlarm), Alarm::kHistoryRetentionMs + 1).has_value());
  ASSERT_EQ(alarm.history().size(), 2u);
  EXPECT_EQ(alarm.history()[0].time_ms, Alarm::kHistoryRetentionMs);
}

TEST(AlarmTest, EndToEndWithEvaluate) {
  AlarmConfig c = ValidConfig();
  c.period_seconds = 60;
  auto alarm = *Alarm::Create(c);
  const std::int64_t now = T("2024-10-26T19:00:38Z");
  std::vector<std::optional<metrics::Datapoint>> range(3);
  range[0] = metrics::Datapoint{T("2024-10-26T18:59:00Z"), 3.0, 3.0};
  auto t = alarm.Apply(Evaluate(c, range, alarm.state(), now), now);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->new_state, State::kAlarm);
  EXPECT_EQ(alarm.state_reason(),
            "Threshold Crossed: 1 datapoint [3.0 (26/10/24 18:59:00)] was greater than or equal "
            "to the threshold (1.0).");
  // Next minute, the metric is quiet: back to INSUFFICIENT_DATA only when the whole range is
  // empty (the datapoint ages out after R = 3 evaluations).
  range = {std::nullopt, range[0], std::nullopt};
  EXPECT_FALSE(alarm.Apply(Evaluate(c, range, alarm.state(), now + 60'000), now + 60'000));
  range = {std::nullopt, std::nullopt, std::nullopt};
  t = alarm.Apply(Evaluate(c, range, alarm.state(), now + 180'000), now + 180'000);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->new_state, State::kInsufficientData);
  EXPECT_EQ(alarm.state_reason(), "Insufficient Data: 1 datapoint was unknown.");
}

}  // namespace
}  // namespace trailwatch::alarm
