// StateReason text and StateReasonData JSON in the formats AWS emits (spec cloudwatch.md 3.7).
#include <cstdint>
#include <string>
#include <vector>

#include "alarm/alarm.h"
#include "alarm/evaluate_internal.h"
#include "common/json_text.h"
#include "fmt/format.h"

namespace trailwatch::alarm::internal {
namespace {

std::string Plural(std::uint32_t count, std::string_view word) {
  return fmt::format("{} {}{}", count, word, count == 1 ? "" : "s");
}
std::string_view WasWere(std::size_t count) { return count == 1 ? "was" : "were"; }

std::string_view FilledAs(TreatMissing treat) {
  return treat == TreatMissing::kBreaching ? "[Breaching]" : "[NonBreaching]";
}

// "[3.0 (26/10/24 18:59:00), 1.0 (26/10/24 18:58:00)]"
std::string PointList(const std::vector<metrics::Datapoint>& points) {
  std::string out = "[";
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{} ({})", AwsDouble(points[i].value), FormatReasonTime(points[i].start_ms));
  }
  out += ']';
  return out;
}

}  // namespace

std::string BuildReason(const AlarmConfig& config, const Outcome& outcome) {
  const std::uint32_t n = config.evaluation_periods;
  if (outcome.kind == OutcomeKind::kInsufficient) {
    // Observed "1 datapoint was unknown." on N = 1 alarms; the count being N and the plural
    // wording are our extrapolation.
    return fmt::format("Insufficient Data: {} {} unknown.", Plural(n, "datapoint"), WasWere(n));
  }
  const std::string threshold = AwsDouble(config.threshold);
  std::string filled_suffix;
  if (outcome.filled > 0) {
    filled_suffix = fmt::format(" {} {} treated as {}", Plural(outcome.filled, "missing datapoint"),
                                WasWere(outcome.filled), FilledAs(config.treat_missing));
  }

  // The listed datapoints are those that agree with the new state (breaching for ALARM,
  // non-breaching for OK). When none does (the decision rests on filled periods, or on too few
  // breaches with missing data) all real ones are listed with their own wording instead.
  std::vector<metrics::Datapoint> real;
  std::vector<metrics::Datapoint> agreeing;
  for (const EvaluatedSlot& s : outcome.slots) {
    if (!s.point.has_value()) continue;
    real.push_back(*s.point);
    if (Breaches(config.comparison, s.point->value, config.threshold) ==
        (outcome.state == State::kAlarm)) {
      agreeing.push_back(*s.point);
    }
  }
  if (real.empty()) {
    return fmt::format("Threshold Crossed: no datapoints were received for {} and{}.",
                       Plural(outcome.filled, "period"), filled_suffix);
  }
  const std::vector<metrics::Datapoint>& listed = agreeing.empty() ? real : agreeing;
  const bool listed_breach = Breaches(config.comparison, listed[0].value, config.threshold);
  const std::string phrase =
      fmt::format("{}{}", listed_breach ? "" : "not ", ComparisonPhrase(config.comparison));
  const auto count = static_cast<std::uint32_t>(listed.size());

  if (outcome.filled > 0) {
    return fmt::format("Threshold Crossed: {} {} {} {} the threshold ({}) and{}.",
                       Plural(count, "datapoint"), PointList(listed), WasWere(count), phrase,
                       threshold, filled_suffix);
  }
  if (config.datapoints_to_alarm.has_value()) {
    // The parenthetical names the direction by the target state only.
    const bool to_alarm = outcome.state == State::kAlarm;
    const std::uint32_t minimum = to_alarm ? config.M() : n - config.M() + 1;
    return fmt::format(
        "Threshold Crossed: {} out of the last {} datapoints {} {} {} the threshold ({}) "
        "(minimum {} for {} transition).",
        count, n, PointList(listed), WasWere(count), phrase, threshold,
        Plural(minimum, "datapoint"), to_alarm ? "OK -> ALARM" : "ALARM -> OK");
  }
  return fmt::format("Threshold Crossed: {} {} {} {} the threshold ({}).",
                     Plural(count, "datapoint"), PointList(listed), WasWere(count), phrase,
                     threshold);
}

std::string BuildReasonData(const AlarmConfig& config, const Outcome& outcome,
                            std::int64_t query_time_ms) {
  std::string out = R"({"version":"1.0","queryDate":")";
  out += FormatReasonDataTime(query_time_ms);
  out += '"';
  // startDate: the oldest evaluated real datapoint; absent when none was received.
  for (auto it = outcome.slots.rbegin(); it != outcome.slots.rend(); ++it) {
    if (it->point.has_value()) {
      out += R"(,"startDate":")" + FormatReasonDataTime(it->point->start_ms) + '"';
      break;
    }
  }
  if (config.unit.has_value()) {
    out += R"(,"unit":)";
    AppendJsonString(&out, *config.unit);
  }
  out += R"(,"statistic":)";
  AppendJsonString(&out, config.statistic.Name());
  out += fmt::format(R"(,"period":{},"recentDatapoints":[)", config.period_seconds);
  bool first = true;
  for (const EvaluatedSlot& s : outcome.slots) {
    if (!s.point.has_value()) continue;
    if (!first) out += ',';
    first = false;
    out += AwsDouble(s.point->value);
  }
  out += fmt::format(R"(],"threshold":{},"evaluatedDatapoints":[)", AwsDouble(config.threshold));
  for (std::size_t i = 0; i < outcome.slots.size(); ++i) {
    const EvaluatedSlot& s = outcome.slots[i];
    if (i > 0) out += ',';
    out += R"({"timestamp":")" + FormatReasonDataTime(s.start_ms) + '"';
    if (s.point.has_value()) {
      out += fmt::format(R"(,"sampleCount":{},"value":{})", AwsDouble(s.point->sample_count),
                         AwsDouble(s.point->value));
    }
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace trailwatch::alarm::internal
