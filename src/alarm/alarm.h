// alarm: CloudWatch-style metric alarms as a pure, clock-free library.
//
// The caller owns time and data: it asks EvaluationSlotStarts() which period starts make up the
// evaluation range at an evaluation time, fetches one optional Datapoint per slot (newest first)
// from wherever the metric lives, calls Evaluate() and hands the Decision to Alarm::Apply(),
// which changes the state, records history and says which actions to run. Nothing here reads a
// clock, so the whole decision logic is testable against AWS's published tables
// (docs/alarms.md, "Alarm evaluation"; spec cloudwatch.md section 3).
//
// Composite alarms live in composite.h and reuse State from here.
//
// Thread safety: all types are plain values; an Alarm must not be used from two threads at once.
#ifndef TRAILWATCH_ALARM_ALARM_H_
#define TRAILWATCH_ALARM_ALARM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "metrics/metrics.h"

namespace trailwatch::alarm {

enum class State : std::uint8_t { kOk, kAlarm, kInsufficientData };

// "OK", "ALARM", "INSUFFICIENT_DATA".
std::string_view StateName(State state);
Result<State> ParseState(std::string_view text);

// Static-threshold operators; the statistic value is the left operand.
enum class Comparison : std::uint8_t {
  kGreaterThanOrEqualToThreshold,
  kGreaterThanThreshold,
  kLessThanThreshold,
  kLessThanOrEqualToThreshold,
};

// AWS enum spelling, e.g. "GreaterThanOrEqualToThreshold".
std::string_view ComparisonName(Comparison op);
Result<Comparison> ParseComparison(std::string_view text);
// The phrase StateReason uses: "greater than or equal to", "less than", ...
std::string_view ComparisonPhrase(Comparison op);
// True when `value op threshold` holds, i.e. the datapoint breaches.
bool Breaches(Comparison op, double value, double threshold);

enum class TreatMissing : std::uint8_t { kMissing, kIgnore, kBreaching, kNotBreaching };

// "missing", "ignore", "breaching", "notBreaching".
std::string_view TreatMissingName(TreatMissing treat);
Result<TreatMissing> ParseTreatMissing(std::string_view text);

// PutMetricAlarm for a single-metric, static-threshold alarm.
struct AlarmConfig {
  std::string name;  // AlarmName
  std::string description;
  bool actions_enabled = true;
  metrics::MetricKey metric;
  metrics::StatisticSpec statistic;
  std::optional<std::string> unit;  // only echoed in StateReasonData; datapoints carry none
  std::uint32_t period_seconds = 60;
  std::uint32_t evaluation_periods = 1;              // N
  std::optional<std::uint32_t> datapoints_to_alarm;  // M; unset means N (and short reasons)
  double threshold = 0;
  Comparison comparison = Comparison::kGreaterThanOrEqualToThreshold;
  TreatMissing treat_missing = TreatMissing::kMissing;
  // EvaluateLowSampleCountPercentile: true = "ignore" (keep state when too few samples),
  // false = "evaluate" (the default).
  bool ignore_low_sample_percentile = false;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
  // Whether PutMetricAlarm named TreatMissingData / EvaluateLowSampleCountPercentile. Only
  // echoed: alarm messages print "" for a field that was never set (spec 4.2).
  bool treat_missing_set = false;
  bool low_sample_percentile_set = false;
  std::string region = "us-east-1";
  std::string account = "000000000000";
  // Size of the evaluation range in periods. AWS does not document it; unset means
  // EvaluationRange(N). Must be >= N when set. Not an AWS field.
  std::optional<std::uint32_t> evaluation_range;

  std::uint32_t M() const { return datapoints_to_alarm.value_or(evaluation_periods); }
  // "arn:aws:cloudwatch:<region>:<account>:alarm:<name>"
  std::string Arn() const;
};

// AWS's PutMetricAlarm rules (spec 3.1). The message names the offending field.
Status Validate(const AlarmConfig& config);

// Periods fetched per evaluation: N + max(floor(N/3), 2). [UNDOC] AWS only documents N = 3 ->
// 5; this is LocalStack's formula, which matches it. AlarmConfig::evaluation_range overrides.
std::uint32_t EvaluationRange(std::uint32_t n);
std::uint32_t EvaluationRange(const AlarmConfig& config);

// How often the alarm is evaluated: 10 s for Period < 60, one hour when Period x N > 1 day,
// else one minute. Evaluations happen at multiples of this interval (epoch-aligned).
std::int64_t EvaluationIntervalMs(const AlarmConfig& config);

// The start times (ms) of the EvaluationRange() period slots evaluated at `time_ms`, newest
// first. `time_ms` is first rounded down to the evaluation interval; the newest slot is
// [t - Period, t), so for Period 300 evaluated at 18:32:31 it starts at 18:27:00.
std::vector<std::int64_t> EvaluationSlotStarts(const AlarmConfig& config, std::int64_t time_ms);

// The outcome of one evaluation.
struct Decision {
  std::optional<State> state;  // nullopt: keep the current state (ignore, low-sample ignore)
  std::string reason;          // StateReason; empty when the state is kept
  std::string reason_data;     // StateReasonData JSON; empty when the state is kept
};

// Decides the alarm state from the evaluation range: `range` holds one slot per period,
// index 0 = newest, nullopt = no datapoint. Implements spec 3.4.1-3.4.3 (reproducing both
// official missing-data tables and the premature-alarm rule) and 3.5. "Retain current state"
// is returned as a Decision without a state, so `current` is not needed by today's rules; it is
// part of the signature for rules that word reasons by the old state. `query_time_ms` is the
// queryDate of StateReasonData.
Decision Evaluate(const AlarmConfig& config,
                  const std::vector<std::optional<metrics::Datapoint>>& range, State current,
                  std::int64_t query_time_ms);

// A state change, as recorded in history and returned by Alarm::Apply.
struct Transition {
  std::int64_t time_ms = 0;
  State old_state = State::kInsufficientData;
  State new_state = State::kInsufficientData;
  std::string reason;
  std::string reason_data;
  // ARNs of the new state's action list; empty when ActionsEnabled is false.
  std::vector<std::string> actions;
};

class Alarm {
 public:
  static constexpr std::string_view kInitialReason = "Unchecked: Initial alarm creation";
  // DescribeAlarmHistory keeps 30 days.
  static constexpr std::int64_t kHistoryRetentionMs = 30LL * 24 * 3600 * 1000;

  // Validates; a new alarm is INSUFFICIENT_DATA with kInitialReason.
  static Result<Alarm> Create(AlarmConfig config);

  // PutMetricAlarm on an existing alarm: the configuration is replaced, the state is kept.
  Status Put(AlarmConfig config);

  // Applies an evaluation result. Returns the transition when the state changed; actions are
  // listed only then, and only when ActionsEnabled. Keeping or re-confirming the state returns
  // nullopt and leaves reason and history alone (AWS updates StateReason only on change).
  std::optional<Transition> Apply(const Decision& decision, std::int64_t time_ms);

  const AlarmConfig& config() const { return config_; }
  State state() const { return state_; }
  const std::string& state_reason() const { return reason_; }
  const std::string& state_reason_data() const { return reason_data_; }
  // Time of the last state change; nullopt until the first one.
  std::optional<std::int64_t> state_transitioned_ms() const { return transitioned_ms_; }
  // Transitions, oldest first, pruned to kHistoryRetentionMs before the newest.
  const std::vector<Transition>& history() const { return history_; }

 private:
  explicit Alarm(AlarmConfig config) : config_(std::move(config)) {}

  AlarmConfig config_;
  State state_ = State::kInsufficientData;
  std::string reason_{kInitialReason};
  std::string reason_data_;
  std::optional<std::int64_t> transitioned_ms_;
  std::vector<Transition> history_;
};

// Formatting shared with composite alarms and tests.
// Java's Double.toString: shortest round-trip digits, at least one fraction digit, plain for
// magnitudes in [1e-3, 1e7) ("1.0", "0.059"), else "1.0E7" / "1.5E-4". NaN, Infinity as Java.
std::string JavaDouble(double value);
// The numbers in StateReason/StateReasonData. Java's digits, but AWS prints 2147483648.0 where
// Double.toString gives 2.147483648E9, so plain notation extends up to kAwsPlainLimit. [UNDOC]
// where AWS switches to exponent notation; 1e16 keeps every exactly representable integer
// plain.
inline constexpr double kAwsPlainLimit = 1e16;
std::string AwsDouble(double value);
// "26/10/24 18:59:00" (UTC), as StateReason stamps datapoints.
std::string FormatReasonTime(std::int64_t ms);
// "2024-10-26T18:59:00.000+0000", as StateReasonData stamps times.
std::string FormatReasonDataTime(std::int64_t ms);
// "Wednesday 15 September, 2021 18:32:31 UTC" (Java's EEEE dd MMMM, yyyy HH:mm:ss 'UTC'), as
// composite alarm reasons and alarm e-mails write times; sub-second parts are truncated.
std::string FormatLongTime(std::int64_t ms);

}  // namespace trailwatch::alarm

#endif  // TRAILWATCH_ALARM_ALARM_H_
