// Alarm messages as CloudWatch publishes them to SNS (spec cloudwatch.md 4.2, 4.3).
#include <fmt/format.h>

#include "common/json_text.h"
#include "notify/notify.h"

namespace trailwatch::notify {
namespace {

using alarm::State;

// CloudWatch stamps messages "2022-09-25T18:50:37.811+0000".
std::string Stamp(std::int64_t ms) { return alarm::FormatReasonDataTime(ms); }

void Key(std::string* out, std::string_view key) {
  if (out->back() != '{') *out += ',';
  AppendJsonString(out, key);
  *out += ':';
}

void String(std::string* out, std::string_view key, std::string_view value) {
  Key(out, key);
  AppendJsonString(out, value);
}

void StringOrNull(std::string* out, std::string_view key, std::string_view value) {
  Key(out, key);
  if (value.empty()) {
    *out += "null";
  } else {
    AppendJsonString(out, value);
  }
}

void List(std::string* out, std::string_view key, const std::vector<std::string>& values) {
  Key(out, key);
  *out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) *out += ',';
    AppendJsonString(out, values[i]);
  }
  *out += ']';
}

// Trigger.Statistic is the upper-case enum name. SUM, AVERAGE, MAXIMUM are observed; MINIMUM
// follows; SAMPLE_COUNT is our guess at the undocumented spelling (docs/notifications.md).
std::string_view StatisticEnum(metrics::StatisticSpec::Kind kind) {
  switch (kind) {
    case metrics::StatisticSpec::Kind::kSum:
      return "SUM";
    case metrics::StatisticSpec::Kind::kSampleCount:
      return "SAMPLE_COUNT";
    case metrics::StatisticSpec::Kind::kAverage:
      return "AVERAGE";
    case metrics::StatisticSpec::Kind::kMinimum:
      return "MINIMUM";
    case metrics::StatisticSpec::Kind::kMaximum:
    case metrics::StatisticSpec::Kind::kPercentile:
      break;
  }
  return "MAXIMUM";
}

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The first `keep` code points of `s`.
std::string_view FirstCodePoints(std::string_view s, std::size_t keep) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (seen == keep) return s.substr(0, i);
    ++seen;
  }
  return s;
}

void Head(std::string* out, std::string_view name, std::string_view description,
          std::string_view account) {
  String(out, "AlarmName", name);
  StringOrNull(out, "AlarmDescription", description);
  String(out, "AWSAccountId", account);
}

}  // namespace

namespace {

// `HEAD: "name" in Region`, the name cut to keep the subject under 100 characters.
std::string Subject(std::string_view head_word, std::string_view alarm_name,
                    std::string_view region) {
  constexpr std::size_t kMaxSubject = 99;
  const std::string head = fmt::format("{}: \"", head_word);
  const std::string tail = fmt::format("\" in {}", RegionDisplayName(region));
  const std::size_t fixed = CodePoints(head) + CodePoints(tail);
  if (fixed + CodePoints(alarm_name) <= kMaxSubject) {
    return fmt::format("{}{}{}", head, alarm_name, tail);
  }
  const std::size_t keep = kMaxSubject > fixed + 3 ? kMaxSubject - fixed - 3 : 0;
  return fmt::format("{}{}...{}", head, FirstCodePoints(alarm_name, keep), tail);
}

}  // namespace

std::string AlarmSubject(State new_state, std::string_view alarm_name, std::string_view region) {
  return Subject(alarm::StateName(new_state), alarm_name, region);
}

std::string DetectionSubject(std::string_view severity, std::string_view detection,
                             std::string_view region) {
  std::string head = "ALERT";
  if (!severity.empty()) head = fmt::format("ALERT ({})", severity);
  return Subject(head, detection, region);
}

std::string MetricAlarmMessage(const alarm::AlarmConfig& c, const alarm::Transition& t,
                               std::int64_t config_updated_ms) {
  std::string out = "{";
  Head(&out, c.name, c.description, c.account);
  String(&out, "AlarmConfigurationUpdatedTimestamp", Stamp(config_updated_ms));
  String(&out, "NewStateValue", alarm::StateName(t.new_state));
  String(&out, "NewStateReason", t.reason);
  String(&out, "StateChangeTime", Stamp(t.time_ms));
  String(&out, "Region", RegionDisplayName(c.region));
  String(&out, "AlarmArn", c.Arn());
  String(&out, "OldStateValue", alarm::StateName(t.old_state));
  List(&out, "OKActions", c.ok_actions);
  List(&out, "AlarmActions", c.alarm_actions);
  List(&out, "InsufficientDataActions", c.insufficient_data_actions);
  Key(&out, "Trigger");
  out += '{';
  String(&out, "MetricName", c.metric.name);
  String(&out, "Namespace", c.metric.name_space);
  if (c.statistic.kind == metrics::StatisticSpec::Kind::kPercentile) {
    String(&out, "StatisticType", "ExtendedStatistic");
    String(&out, "ExtendedStatistic", c.statistic.Name());
  } else {
    String(&out, "StatisticType", "Statistic");
    String(&out, "Statistic", StatisticEnum(c.statistic.kind));
  }
  StringOrNull(&out, "Unit", c.unit.value_or(""));
  Key(&out, "Dimensions");
  out += '[';
  for (std::size_t i = 0; i < c.metric.dimensions.size(); ++i) {
    if (i > 0) out += ',';
    out += "{";
    String(&out, "value", c.metric.dimensions[i].second);
    String(&out, "name", c.metric.dimensions[i].first);
    out += '}';
  }
  out += ']';
  Key(&out, "Period");
  out += std::to_string(c.period_seconds);
  Key(&out, "EvaluationPeriods");
  out += std::to_string(c.evaluation_periods);
  if (c.datapoints_to_alarm) {
    Key(&out, "DatapointsToAlarm");
    out += std::to_string(*c.datapoints_to_alarm);
  }
  String(&out, "ComparisonOperator", alarm::ComparisonName(c.comparison));
  Key(&out, "Threshold");
  out += alarm::JavaDouble(c.threshold);
  String(&out, "TreatMissingData",
         c.treat_missing_set ? alarm::TreatMissingName(c.treat_missing) : "");
  String(&out, "EvaluateLowSampleCountPercentile",
         !c.low_sample_percentile_set     ? ""
         : c.ignore_low_sample_percentile ? "ignore"
                                          : "evaluate");
  out += "}}";
  return out;
}

std::string CompositeAlarmMessage(const CompositeAlarmInfo& info, const alarm::Transition& t,
                                  const std::vector<TriggeringChild>& triggering) {
  std::string out = "{";
  Head(&out, info.name, info.description, info.account);
  String(&out, "NewStateValue", alarm::StateName(t.new_state));
  String(&out, "NewStateReason", t.reason);
  String(&out, "StateChangeTime", Stamp(t.time_ms));
  String(&out, "Region", RegionDisplayName(info.region));
  String(&out, "AlarmArn", info.arn);
  List(&out, "OKActions", info.ok_actions);
  List(&out, "AlarmActions", info.alarm_actions);
  List(&out, "InsufficientDataActions", info.insufficient_data_actions);
  String(&out, "OldStateValue", alarm::StateName(t.old_state));
  String(&out, "AlarmRule", info.alarm_rule);
  Key(&out, "TriggeringChildren");
  out += '[';
  for (std::size_t i = 0; i < triggering.size(); ++i) {
    if (i > 0) out += ',';
    out += '{';
    String(&out, "Arn", triggering[i].arn);
    Key(&out, "State");
    out += '{';
    String(&out, "Value", alarm::StateName(triggering[i].state));
    String(&out, "Timestamp", Stamp(triggering[i].time_ms));
    out += "}}";
  }
  out += "]}";
  return out;
}

bool IsSnsTopicArn(std::string_view arn) {
  // arn:<partition>:sns:<region>:<account>:<name>
  std::vector<std::string_view> parts;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= arn.size(); ++i) {
    if (i == arn.size() || arn[i] == ':') {
      parts.push_back(arn.substr(from, i - from));
      from = i + 1;
    }
  }
  return parts.size() == 6 && parts[0] == "arn" && !parts[1].empty() && parts[2] == "sns" &&
         !parts[5].empty();
}

}  // namespace trailwatch::notify
