// The alarm decision: spec cloudwatch.md 3.4.1-3.4.3 (evaluation range, missing data, premature
// alarms) and 3.5 (low-sample percentiles). See docs/alarms.md, "Alarm evaluation".
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "alarm/alarm.h"
#include "alarm/evaluate_internal.h"

namespace trailwatch::alarm {
namespace {

using internal::EvaluatedSlot;
using internal::Outcome;
using internal::OutcomeKind;

// Start of slot `index` (0 = newest). Missing slots have no datapoint to carry their time, so
// it is derived from a real datapoint when there is one (that is what the caller fetched) and
// from the evaluation schedule at query time otherwise.
class SlotClock {
 public:
  SlotClock(const AlarmConfig& config, const std::vector<std::optional<metrics::Datapoint>>& range,
            std::int64_t query_ms)
      : period_ms_(std::int64_t{config.period_seconds} * 1000) {
    for (std::size_t i = 0; i < range.size(); ++i) {
      if (range[i].has_value()) {
        newest_start_ = range[i]->start_ms + static_cast<std::int64_t>(i) * period_ms_;
        return;
      }
    }
    newest_start_ = EvaluationSlotStarts(config, query_ms).front();
  }
  std::int64_t Start(std::size_t index) const {
    return newest_start_ - static_cast<std::int64_t>(index) * period_ms_;
  }

 private:
  std::int64_t period_ms_;
  std::int64_t newest_start_ = 0;
};

// The spec's suggested algorithm (3.4.3). Returns nullopt when the state is to be kept.
std::optional<Outcome> Decide(const AlarmConfig& config,
                              const std::vector<std::optional<metrics::Datapoint>>& range,
                              std::int64_t query_ms) {
  const std::uint32_t n = config.evaluation_periods;
  const std::uint32_t m = config.M();
  const SlotClock clock(config, range, query_ms);
  auto breaches = [&config](const metrics::Datapoint& d) {
    return Breaches(config.comparison, d.value, config.threshold);
  };

  std::vector<std::size_t> real;     // indices of real datapoints, newest first
  std::vector<std::size_t> missing;  // indices of missing slots, newest first
  for (std::size_t i = 0; i < range.size(); ++i) {
    (range[i].has_value() ? real : missing).push_back(i);
  }
  // Slots past the end of a short range are missing too.
  for (std::size_t i = range.size(); i < n; ++i) missing.push_back(i);

  Outcome out;
  auto add_slot = [&](std::size_t i) {
    out.slots.push_back({clock.Start(i), i < range.size() ? range[i] : std::nullopt});
  };
  auto count_breaching = [&] {
    std::uint32_t k = 0;
    for (const EvaluatedSlot& s : out.slots) {
      if (s.point.has_value() && breaches(*s.point)) ++k;
    }
    return k;
  };

  if (real.empty()) {
    for (std::size_t j = 0; j < n; ++j) add_slot(missing[j]);
    switch (config.treat_missing) {
      case TreatMissing::kMissing:
        out.kind = OutcomeKind::kInsufficient;
        out.state = State::kInsufficientData;
        return out;
      case TreatMissing::kIgnore:
        return std::nullopt;
      case TreatMissing::kBreaching:
      case TreatMissing::kNotBreaching:
        out.filled = n;
        out.state = config.treat_missing == TreatMissing::kBreaching ? State::kAlarm : State::kOk;
        return out;
    }
  }

  if (real.size() >= n) {
    // Cases 1 and 2: the newest N real datapoints; TreatMissingData plays no part.
    for (std::size_t j = 0; j < n; ++j) add_slot(real[j]);
    out.state = count_breaching() >= m ? State::kAlarm : State::kOk;
    return out;
  }

  // Case 3: fewer than N real datapoints. Every real one is used, plus as few missing slots
  // as needed (the newest ones) to make N.
  const auto fill = static_cast<std::uint32_t>(n - real.size());
  std::vector<std::size_t> used = real;
  for (std::size_t j = 0; j < fill && j < missing.size(); ++j) used.push_back(missing[j]);
  std::sort(used.begin(), used.end());
  for (std::size_t i : used) add_slot(i);
  const std::uint32_t breaching = count_breaching();

  if (config.treat_missing == TreatMissing::kMissing ||
      config.treat_missing == TreatMissing::kIgnore) {
    // Premature-alarm rule: the oldest real datapoint is at least M periods old (but inside
    // the N-period window) and everything newer is breaching or missing. Requiring *all* real
    // points to breach is what makes row "0 - X - -" of the M = 2 table come out OK.
    const std::size_t oldest_age = real.back() + 1;
    if (breaching == real.size() && m <= oldest_age && oldest_age <= n) {
      if (config.treat_missing == TreatMissing::kIgnore) return std::nullopt;
      out.state = State::kAlarm;
      return out;
    }
    out.state = breaching >= m ? State::kAlarm : State::kOk;
    return out;
  }

  out.filled = fill;
  const std::uint32_t total =
      breaching + (config.treat_missing == TreatMissing::kBreaching ? fill : 0);
  out.state = total >= m ? State::kAlarm : State::kOk;
  return out;
}

}  // namespace

Decision Evaluate(const AlarmConfig& config,
                  const std::vector<std::optional<metrics::Datapoint>>& range, State /*current*/,
                  std::int64_t query_time_ms) {
  Decision decision;
  const std::optional<Outcome> outcome = Decide(config, range, query_time_ms);
  if (!outcome.has_value()) return decision;  // keep state
  if (config.ignore_low_sample_percentile) {
    // EvaluateLowSampleCountPercentile=ignore: a decision resting on a statistically weak
    // percentile is not taken at all.
    for (const EvaluatedSlot& s : outcome->slots) {
      if (s.point.has_value() &&
          metrics::IsLowSampleCount(config.statistic, s.point->sample_count)) {
        return decision;
      }
    }
  }
  decision.state = outcome->state;
  decision.reason = internal::BuildReason(config, *outcome);
  decision.reason_data = internal::BuildReasonData(config, *outcome, query_time_ms);
  return decision;
}

}  // namespace trailwatch::alarm
