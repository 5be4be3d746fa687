// AWS::CloudWatch::Alarm, and the MetricAlarms entries of describe-alarms (same spelling).
#include <fmt/format.h>

#include <array>
#include <string>
#include <utility>

#include "rules/rules_internal.h"

namespace trailwatch::rules::internal {
namespace {

constexpr std::size_t kMaxAlarmDimensions = 30;

// A Metrics list that is one MetricStat returning data is an ordinary single-metric alarm
// written the long way; anything else is metric math, which the evaluator cannot run yet.
Status ReadMetricStat(Loader& l, const YAML::Node& metrics, const std::string& path,
                      alarm::AlarmConfig* config, YAML::Node* stat_node, YAML::Node* period_node) {
  if (!metrics.IsSequence() || metrics.size() != 1) {
    return l.Error(metrics, path,
                   "metric math is not supported yet: only a single MetricStat query with "
                   "ReturnData is accepted");
  }
  const YAML::Node q = metrics[0];
  const std::string qp = path + "[0]";
  if (Status s = l.CheckKeys(q, qp, "a MetricDataQuery",
                             {"Id", "MetricStat", "ReturnData", "Label", "Period", "AccountId"});
      !s.ok()) {
    if (Loader::Find(q, "Expression").IsDefined()) {
      return l.Error(Loader::Find(q, "Expression"), qp + ".Expression",
                     "metric math is not supported yet: only a single MetricStat query with "
                     "ReturnData is accepted");
    }
    return s;
  }
  if (const YAML::Node rd = Loader::Find(q, "ReturnData"); rd.IsDefined()) {
    auto b = l.Boolean(rd, qp + ".ReturnData");
    if (!b.ok()) return b.status();
    if (!*b) return l.Error(rd, qp + ".ReturnData", "the only query must return data");
  }
  const YAML::Node ms = Loader::Find(q, "MetricStat");
  if (!ms.IsDefined()) return l.Missing(q, qp, "MetricStat");
  const std::string mp = qp + ".MetricStat";
  if (Status s = l.CheckKeys(ms, mp, "a MetricStat", {"Metric", "Period", "Stat", "Unit"});
      !s.ok()) {
    return s;
  }
  const YAML::Node metric = Loader::Find(ms, "Metric");
  if (!metric.IsDefined()) return l.Missing(ms, mp, "Metric");
  if (Status s = l.CheckKeys(metric, mp + ".Metric", "a Metric",
                             {"MetricName", "Namespace", "Dimensions"});
      !s.ok()) {
    return s;
  }
  for (std::string_view key : {"MetricName", "Namespace"}) {
    const YAML::Node v = Loader::Find(metric, key);
    if (!v.IsDefined()) return l.Missing(metric, mp + ".Metric", key);
    auto s = l.String(v, mp + ".Metric." + std::string(key));
    if (!s.ok()) return s.status();
    (key == "MetricName" ? config->metric.name : config->metric.name_space) = std::move(*s);
  }
  stat_node->reset(Loader::Find(ms, "Stat"));
  if (!stat_node->IsDefined()) return l.Missing(ms, mp, "Stat");
  period_node->reset(Loader::Find(ms, "Period"));
  if (!period_node->IsDefined()) return l.Missing(ms, mp, "Period");
  if (const YAML::Node u = Loader::Find(ms, "Unit"); u.IsDefined()) {
    auto s = l.String(u, mp + ".Unit");
    if (!s.ok()) return s.status();
    if (Status st = CheckUnit(l, u, mp + ".Unit", *s); !st.ok()) return st;
    config->unit = std::move(*s);
  }
  // Dimensions are read by the caller from the Metric map.
  return Status::Ok();
}

Status ReadDimensions(Loader& l, const YAML::Node& d, const std::string& path,
                      std::vector<std::pair<std::string, std::string>>* out) {
  if (Status s = ReadPairList(l, d, path, "Name", nullptr, out); !s.ok()) return s;
  if (out->size() > kMaxAlarmDimensions) {
    return l.Error(d, path, fmt::format("at most {} dimensions allowed", kMaxAlarmDimensions));
  }
  return Status::Ok();
}

}  // namespace

Result<MetricAlarm> ReadAlarm(Loader& l, const std::string& logical_id, const YAML::Node& props,
                              const YAML::Mark& where, const std::string& path) {
  if (Status s = l.CheckKeys(props, path, "AWS::CloudWatch::Alarm",
                             {"AlarmName",
                              "AlarmDescription",
                              "ActionsEnabled",
                              "AlarmActions",
                              "OKActions",
                              "InsufficientDataActions",
                              "MetricName",
                              "Namespace",
                              "Dimensions",
                              "Statistic",
                              "ExtendedStatistic",
                              "Period",
                              "EvaluationPeriods",
                              "DatapointsToAlarm",
                              "Threshold",
                              "ComparisonOperator",
                              "TreatMissingData",
                              "EvaluateLowSampleCountPercentile",
                              "Unit",
                              "Metrics",
                              "ThresholdMetricId"},
                             {"Tags"});
      !s.ok()) {
    return s;
  }
  auto prop = [&](std::string_view key) { return path + "." + std::string(key); };
  MetricAlarm a;
  a.logical_id = logical_id;
  a.where = l.At(where);
  alarm::AlarmConfig& c = a.config;
  c.region = l.options().region;
  c.account = l.options().account_id;
  c.name = logical_id;

  if (const YAML::Node t = Loader::Find(props, "ThresholdMetricId"); t.IsDefined()) {
    return l.Error(t, prop("ThresholdMetricId"),
                   "anomaly detection alarms are not supported yet (only static thresholds)");
  }
  if (const YAML::Node n = Loader::Find(props, "AlarmName"); n.IsDefined()) {
    auto s = l.String(n, prop("AlarmName"));
    if (!s.ok()) return s.status();
    c.name = std::move(*s);
  } else if (l.mode() != Mode::kTemplate) {
    return l.Error(where, path, "missing required property AlarmName");
  }
  if (const YAML::Node n = Loader::Find(props, "AlarmDescription"); n.IsDefined()) {
    auto s = l.String(n, prop("AlarmDescription"));
    if (!s.ok()) return s.status();
    c.description = std::move(*s);
  }
  if (Status st = ReadActions(l, props, path, &c.actions_enabled, &c.alarm_actions, &c.ok_actions,
                              &c.insufficient_data_actions);
      !st.ok()) {
    return st;
  }

  // The metric: MetricName/Namespace/... or a one-query Metrics list.
  YAML::Node stat_node = Loader::Find(props, "Statistic");
  YAML::Node ext_node = Loader::Find(props, "ExtendedStatistic");
  YAML::Node period_node = Loader::Find(props, "Period");
  std::string stat_path = prop("Statistic");
  std::string period_path = prop("Period");
  std::vector<std::pair<std::string, std::string>> dims;
  const YAML::Node metrics = Loader::Find(props, "Metrics");
  if (metrics.IsDefined()) {
    for (std::string_view k : {"MetricName", "Namespace", "Dimensions", "Statistic",
                               "ExtendedStatistic", "Period", "Unit"}) {
      if (const YAML::Node n = Loader::Find(props, k); n.IsDefined()) {
        return l.Error(n, prop(k), "cannot be used together with Metrics");
      }
    }
    if (Status s = ReadMetricStat(l, metrics, prop("Metrics"), &c, &stat_node, &period_node);
        !s.ok()) {
      return s;
    }
    stat_path = prop("Metrics") + "[0].MetricStat.Stat";
    period_path = prop("Metrics") + "[0].MetricStat.Period";
    const YAML::Node metric = Loader::Find(Loader::Find(metrics[0], "MetricStat"), "Metric");
    if (const YAML::Node d = Loader::Find(metric, "Dimensions"); d.IsDefined()) {
      if (Status s =
              ReadDimensions(l, d, prop("Metrics") + "[0].MetricStat.Metric.Dimensions", &dims);
          !s.ok()) {
        return s;
      }
    }
  } else {
    for (std::string_view key : {"MetricName", "Namespace"}) {
      const YAML::Node v = Loader::Find(props, key);
      if (!v.IsDefined()) {
        return l.Error(where, path, fmt::format("missing required property {} (or Metrics)", key));
      }
      auto s = l.String(v, prop(key));
      if (!s.ok()) return s.status();
      (key == "MetricName" ? c.metric.name : c.metric.name_space) = std::move(*s);
    }
    if (const YAML::Node d = Loader::Find(props, "Dimensions"); d.IsDefined()) {
      if (Status s = ReadDimensions(l, d, prop("Dimensions"), &dims); !s.ok()) return s;
    }
    if (stat_node.IsDefined() == ext_node.IsDefined()) {
      return l.Error(stat_node.IsDefined() ? stat_node.Mark() : where,
                     stat_node.IsDefined() ? prop("Statistic") : path,
                     "exactly one of Statistic and ExtendedStatistic is required");
    }
    if (ext_node.IsDefined()) {
      stat_node.reset(ext_node);
      stat_path = prop("ExtendedStatistic");
    }
    if (!period_node.IsDefined()) {
      return l.Error(where, path, "missing required property Period");
    }
    if (const YAML::Node u = Loader::Find(props, "Unit"); u.IsDefined()) {
      auto s = l.String(u, prop("Unit"));
      if (!s.ok()) return s.status();
      if (Status st = CheckUnit(l, u, prop("Unit"), *s); !st.ok()) return st;
      c.unit = std::move(*s);
    }
  }
  c.metric = metrics::MetricKey::Make(std::move(c.metric.name_space), std::move(c.metric.name),
                                      std::move(dims));
  {
    auto s = l.String(stat_node, stat_path);
    if (!s.ok()) return s.status();
    const bool extended = stat_path.ends_with("ExtendedStatistic");
    const bool plain_name =
        *s == "SampleCount" || *s == "Average" || *s == "Sum" || *s == "Minimum" || *s == "Maximum";
    if (!extended && !plain_name && !stat_path.ends_with("Stat")) {
      return l.Error(stat_node, stat_path,
                     fmt::format("unknown statistic '{}' (valid: SampleCount, Average, Sum, "
                                 "Minimum, Maximum; percentiles go in ExtendedStatistic)",
                                 *s));
    }
    if (extended && plain_name) {
      return l.Error(stat_node, stat_path,
                     fmt::format("'{}' belongs in Statistic; ExtendedStatistic takes "
                                 "percentiles such as p99",
                                 *s));
    }
    auto spec = metrics::StatisticSpec::Parse(*s);
    if (!spec.ok()) return l.Error(stat_node, stat_path, spec.status().message());
    c.statistic = *spec;
  }
  {
    auto p = l.Count(period_node, period_path);
    if (!p.ok()) return p.status();
    c.period_seconds = *p;
    if (Status s = metrics::ValidatePeriodSeconds(*p); !s.ok()) {
      return l.Error(period_node, period_path, s.message());
    }
  }
  const YAML::Node n_node = Loader::Find(props, "EvaluationPeriods");
  if (!n_node.IsDefined())
    return l.Error(where, path, "missing required property EvaluationPeriods");
  auto n = l.Count(n_node, prop("EvaluationPeriods"));
  if (!n.ok()) return n.status();
  c.evaluation_periods = *n;
  if (const YAML::Node m = Loader::Find(props, "DatapointsToAlarm"); m.IsDefined()) {
    auto v = l.Count(m, prop("DatapointsToAlarm"));
    if (!v.ok()) return v.status();
    c.datapoints_to_alarm = *v;
  }
  const YAML::Node threshold = Loader::Find(props, "Threshold");
  if (!threshold.IsDefined()) return l.Error(where, path, "missing required property Threshold");
  auto th = l.Number(threshold, prop("Threshold"));
  if (!th.ok()) return th.status();
  c.threshold = *th;
  const YAML::Node op = Loader::Find(props, "ComparisonOperator");
  if (!op.IsDefined()) {
    return l.Error(where, path, "missing required property ComparisonOperator");
  }
  {
    auto s = l.String(op, prop("ComparisonOperator"));
    if (!s.ok()) return s.status();
    // The parser's message starts with the property name ("ComparisonOperator: ...").
    auto parsed = alarm::ParseComparison(*s);
    if (!parsed.ok()) return l.Error(op, path + "." + parsed.status().message(), "");
    c.comparison = *parsed;
  }
  if (const YAML::Node t = Loader::Find(props, "TreatMissingData"); t.IsDefined()) {
    auto s = l.String(t, prop("TreatMissingData"));
    if (!s.ok()) return s.status();
    auto parsed = alarm::ParseTreatMissing(*s);
    if (!parsed.ok()) return l.Error(t, path + "." + parsed.status().message(), "");
    c.treat_missing = *parsed;
    c.treat_missing_set = true;
  }
  if (const YAML::Node e = Loader::Find(props, "EvaluateLowSampleCountPercentile"); e.IsDefined()) {
    auto s = l.String(e, prop("EvaluateLowSampleCountPercentile"));
    if (!s.ok()) return s.status();
    if (*s != "evaluate" && *s != "ignore") {
      return l.Error(e, prop("EvaluateLowSampleCountPercentile"),
                     fmt::format("unknown value '{}' (valid: evaluate, ignore)", *s));
    }
    c.ignore_low_sample_percentile = *s == "ignore";
    c.low_sample_percentile_set = true;
  }

  if (Status s = alarm::Validate(c); !s.ok()) {
    // Validate names the AWS field first ("DatapointsToAlarm: must be ..."); point there.
    const std::string& m = s.message();
    const auto colon = m.find(": ");
    const std::string field = colon == std::string::npos ? std::string() : m.substr(0, colon);
    const YAML::Node at = field.empty() ? YAML::Node() : Loader::Find(props, field);
    if (at.IsDefined()) return l.Error(at, path + "." + field, m.substr(colon + 2));
    return l.Error(where, path, m);
  }
  return a;
}

}  // namespace trailwatch::rules::internal
