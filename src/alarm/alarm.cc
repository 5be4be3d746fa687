// Enums, configuration validation, the evaluation schedule and the Alarm state machine.
#include "alarm/alarm.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "fmt/format.h"

namespace trailwatch::alarm {
namespace {

constexpr std::array<std::string_view, 3> kStateNames = {"OK", "ALARM", "INSUFFICIENT_DATA"};
constexpr std::array<std::string_view, 4> kComparisonNames = {
    "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
    "LessThanOrEqualToThreshold"};
constexpr std::array<std::string_view, 4> kComparisonPhrases = {
    "greater than or equal to", "greater than", "less than", "less than or equal to"};
constexpr std::array<std::string_view, 4> kTreatNames = {"missing", "ignore", "breaching",
                                                         "notBreaching"};

constexpr std::int64_t kDaySeconds = 86'400;
constexpr std::int64_t kWeekSeconds = 7 * kDaySeconds;
constexpr std::size_t kMaxActions = 5;
constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kMaxDescriptionLength = 1024;

// Finds `text` in `names` and returns its index as the enum.
template <typename E, std::size_t K>
Result<E> ParseName(const std::array<std::string_view, K>& names, std::string_view text,
                    std::string_view what) {
  for (std::size_t i = 0; i < K; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  std::string valid;
  for (std::string_view n : names) {
    if (!valid.empty()) valid += ", ";
    valid += n;
  }
  return Status::InvalidArgument(
      fmt::format("{}: unknown value '{}' (valid: {})", what, text, valid));
}

Status CheckActions(const std::vector<std::string>& actions, std::string_view field) {
  if (actions.size() > kMaxActions) {
    return Status::InvalidArgument(
        fmt::format("{}: at most {} actions allowed, got {}", field, kMaxActions, actions.size()));
  }
  return Status::Ok();
}

}  // namespace

std::string_view StateName(State state) { return kStateNames[static_cast<std::size_t>(state)]; }
Result<State> ParseState(std::string_view text) {
  return ParseName<State>(kStateNames, text, "StateValue");
}

std::string_view ComparisonName(Comparison op) {
  return kComparisonNames[static_cast<std::size_t>(op)];
}
Result<Comparison> ParseComparison(std::string_view text) {
  return ParseName<Comparison>(kComparisonNames, text, "ComparisonOperator");
}
std::string_view ComparisonPhrase(Comparison op) {
  return kComparisonPhrases[static_cast<std::size_t>(op)];
}

bool Breaches(Comparison op, double value, double threshold) {
  switch (op) {
    case Comparison::kGreaterThanOrEqualToThreshold:
      return value >= threshold;
    case Comparison::kGreaterThanThreshold:
      return value > threshold;
    case Comparison::kLessThanThreshold:
      return value < threshold;
    case Comparison::kLessThanOrEqualToThreshold:
      return value <= threshold;
  }
  return false;
}

std::string_view TreatMissingName(TreatMissing treat) {
  return kTreatNames[static_cast<std::size_t>(treat)];
}
Result<TreatMissing> ParseTreatMissing(std::string_view text) {
  return ParseName<TreatMissing>(kTreatNames, text, "TreatMissingData");
}

std::string AlarmConfig::Arn() const {
  return fmt::format("arn:aws:cloudwatch:{}:{}:alarm:{}", region, account, name);
}

Status Validate(const AlarmConfig& config) {
  if (config.name.empty() || config.name.size() > kMaxNameLength) {
    return Status::InvalidArgument(fmt::format("AlarmName: must be 1-{} characters, got {}",
                                               kMaxNameLength, config.name.size()));
  }
  for (char c : config.name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Status::InvalidArgument("AlarmName: must not contain control characters");
    }
  }
  if (config.description.size() > kMaxDescriptionLength) {
    return Status::InvalidArgument(fmt::format("AlarmDescription: at most {} characters, got {}",
                                               kMaxDescriptionLength, config.description.size()));
  }
  const std::uint32_t p = config.period_seconds;
  if (Status s = metrics::ValidatePeriodSeconds(p); !s.ok()) return s.WithContext("Period");
  const std::uint32_t n = config.evaluation_periods;
  if (n < 1) return Status::InvalidArgument("EvaluationPeriods: must be at least 1");
  if (config.datapoints_to_alarm.has_value()) {
    const std::uint32_t m = *config.datapoints_to_alarm;
    if (m < 1 || m > n) {
      return Status::InvalidArgument(fmt::format(
          "DatapointsToAlarm: must be between 1 and EvaluationPeriods ({}), got {}", n, m));
    }
  }
  const std::int64_t window = std::int64_t{p} * std::int64_t{n};
  const std::int64_t limit = p < 3600 ? kDaySeconds : kWeekSeconds;
  if (window > limit) {
    return Status::InvalidArgument(
        fmt::format("EvaluationPeriods: Period x EvaluationPeriods = {} s exceeds {} s{}", window,
                    limit, p < 3600 ? " (1 day for periods under an hour)" : " (7 days)"));
  }
  if (config.evaluation_range.has_value() && *config.evaluation_range < n) {
    return Status::InvalidArgument(
        fmt::format("evaluation_range: must be at least EvaluationPeriods ({}), got {}", n,
                    *config.evaluation_range));
  }
  if (config.statistic.kind == metrics::StatisticSpec::Kind::kPercentile &&
      !(config.statistic.percentile >= 0 && config.statistic.percentile <= 100)) {
    return Status::InvalidArgument("ExtendedStatistic: percentile must be in 0..100");
  }
  if (Status s = CheckActions(config.ok_actions, "OKActions"); !s.ok()) return s;
  if (Status s = CheckActions(config.alarm_actions, "AlarmActions"); !s.ok()) return s;
  if (Status s = CheckActions(config.insufficient_data_actions, "InsufficientDataActions");
      !s.ok()) {
    return s;
  }
  return Status::Ok();
}

std::uint32_t EvaluationRange(std::uint32_t n) { return n + std::max<std::uint32_t>(n / 3, 2); }

std::uint32_t EvaluationRange(const AlarmConfig& config) {
  return config.evaluation_range.value_or(EvaluationRange(config.evaluation_periods));
}

std::int64_t EvaluationIntervalMs(const AlarmConfig& config) {
  const std::int64_t window_s =
      std::int64_t{config.period_seconds} * std::int64_t{config.evaluation_periods};
  if (window_s > kDaySeconds) return 3'600'000;  // multi-day alarms: hourly, data up to :00
  if (config.period_seconds < 60) return 10'000;
  return 60'000;
}

std::vector<std::int64_t> EvaluationSlotStarts(const AlarmConfig& config, std::int64_t time_ms) {
  const std::int64_t interval = EvaluationIntervalMs(config);
  std::int64_t t = time_ms - time_ms % interval;
  if (time_ms % interval < 0) t -= interval;  // floor for times before the epoch
  const std::int64_t period_ms = std::int64_t{config.period_seconds} * 1000;
  const std::uint32_t r = EvaluationRange(config);
  std::vector<std::int64_t> starts;
  starts.reserve(r);
  for (std::uint32_t i = 1; i <= r; ++i) starts.push_back(t - std::int64_t{i} * period_ms);
  return starts;
}

Result<Alarm> Alarm::Create(AlarmConfig config) {
  if (Status s = Validate(config); !s.ok()) return s;
  return Alarm(std::move(config));
}

Status Alarm::Put(AlarmConfig config) {
  if (Status s = Validate(config); !s.ok()) return s;
  config_ = std::move(config);
  return Status::Ok();
}

std::optional<Transition> Alarm::Apply(const Decision& decision, std::int64_t time_ms) {
  if (!decision.state.has_value() || *decision.state == state_) return std::nullopt;
  Transition t;
  t.time_ms = time_ms;
  t.old_state = state_;
  t.new_state = *decision.state;
  t.reason = decision.reason;
  t.reason_data = decision.reason_data;
  if (config_.actions_enabled) {
    switch (t.new_state) {
      case State::kOk:
        t.actions = config_.ok_actions;
        break;
      case State::kAlarm:
        t.actions = config_.alarm_actions;
        break;
      case State::kInsufficientData:
        t.actions = config_.insufficient_data_actions;
        break;
    }
  }
  state_ = t.new_state;
  reason_ = t.reason;
  reason_data_ = t.reason_data;
  transitioned_ms_ = time_ms;
  history_.push_back(t);
  const std::int64_t cutoff = time_ms - kHistoryRetentionMs;
  std::erase_if(history_, [cutoff](const Transition& h) { return h.time_ms < cutoff; });
  return t;
}

}  // namespace trailwatch::alarm
