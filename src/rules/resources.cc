// AWS::Logs::MetricFilter, AWS::CloudWatch::CompositeAlarm, AWS::SNS::Topic and
// AWS::SNS::Subscription (and the describe-metric-filters shape of a filter).
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <string>
#include <utility>

#include "alarm/composite.h"
#include "pattern/pattern.h"
#include "rules/rules_internal.h"

namespace trailwatch::rules::internal {
namespace {

constexpr std::size_t kMaxDimensions = 3;
constexpr std::size_t kMaxMetricValue = 100;
constexpr std::size_t kMaxMetricName = 255;
constexpr std::size_t kMaxFilterName = 512;

constexpr std::array<std::string_view, 9> kProtocols = {
    "email", "email-json", "http", "https", "sqs", "lambda", "sms", "application", "firehose"};

// The describe JSON spells properties in lowerCamelCase.
std::string Prop(const Loader& l, std::string_view name) {
  std::string s(name);
  if (l.mode() == Mode::kDescribeFilters && !s.empty()) {
    s[0] = static_cast<char>(s[0] - 'A' + 'a');
  }
  return s;
}

bool IsNumber(const std::string& s) {
  double v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  return !s.empty() && ec == std::errc() && p == end;
}

Status CheckMetricName(Loader& l, const YAML::Node& node, const std::string& path,
                       const std::string& value) {
  if (value.empty() || value.size() > kMaxMetricName) {
    return l.Error(node, path, fmt::format("must be 1-{} characters", kMaxMetricName));
  }
  if (value.find_first_of(":*$") != std::string::npos) {
    return l.Error(node, path, fmt::format("'{}' must not contain ':', '*' or '$'", value));
  }
  return Status::Ok();
}

Result<MetricTransformation> ReadTransformation(Loader& l, const YAML::Node& node,
                                                const std::string& path) {
  const bool cfn = l.mode() == Mode::kTemplate;
  if (cfn) {
    if (Status s = l.CheckKeys(
            node, path, "a MetricTransformation",
            {"MetricName", "MetricNamespace", "MetricValue", "DefaultValue", "Dimensions", "Unit"});
        !s.ok()) {
      return s;
    }
  } else if (!node.IsMap()) {
    return l.Error(node, path, "must be a mapping");
  }
  MetricTransformation t;
  for (auto [key, target] :
       {std::pair<std::string_view, std::string*>{"MetricName", &t.metric_name},
        {"MetricNamespace", &t.metric_namespace},
        {"MetricValue", &t.metric_value}}) {
    const std::string name = Prop(l, key);
    const YAML::Node v = Loader::Find(node, name);
    if (!v.IsDefined()) return l.Missing(node, path, name);
    auto s = l.String(v, path + "." + name);
    if (!s.ok()) return s.status();
    *target = std::move(*s);
    if (key != "MetricValue") {
      if (Status st = CheckMetricName(l, v, path + "." + name, *target); !st.ok()) return st;
    }
  }
  const std::string value_path = path + "." + Prop(l, "MetricValue");
  const YAML::Node value_node = Loader::Find(node, Prop(l, "MetricValue"));
  if (t.metric_value.size() > kMaxMetricValue) {
    return l.Error(value_node, value_path,
                   fmt::format("at most {} characters allowed", kMaxMetricValue));
  }
  const bool reference = t.metric_value.size() > 1 && t.metric_value[0] == '$';
  if (!reference && !IsNumber(t.metric_value)) {
    return l.Error(value_node, value_path,
                   fmt::format("'{}' is neither a number nor a $ reference ($.field for JSON "
                               "patterns, $name or $N for space-delimited ones)",
                               t.metric_value));
  }
  if (const YAML::Node d = Loader::Find(node, Prop(l, "DefaultValue")); d.IsDefined()) {
    auto v = l.Number(d, path + "." + Prop(l, "DefaultValue"));
    if (!v.ok()) return v.status();
    t.default_value = *v;
  }
  const std::string dims_path = path + "." + Prop(l, "Dimensions");
  if (const YAML::Node d = Loader::Find(node, Prop(l, "Dimensions")); d.IsDefined()) {
    if (cfn) {
      auto dollar_reference = [&l](const YAML::Node& v, const std::string& p,
                                   const std::string& value) {
        if (value.size() < 2 || value[0] != '$') {
          return l.Error(v, p, fmt::format("'{}' must be a $ reference ($.field or $name)", value));
        }
        return Status::Ok();
      };
      if (Status s = ReadPairList(l, d, dims_path, "Key", dollar_reference, &t.dimensions);
          !s.ok()) {
        return s;
      }
    } else {
      if (!d.IsMap()) return l.Error(d, dims_path, "must be a mapping");
      for (const auto& kv : d) {
        auto vs = l.String(kv.second, dims_path + "." + kv.first.Scalar());
        if (!vs.ok()) return vs.status();
        t.dimensions.emplace_back(kv.first.Scalar(), std::move(*vs));
      }
    }
    if (t.dimensions.size() > kMaxDimensions) {
      return l.Error(d, dims_path,
                     fmt::format("at most {} dimensions allowed, got {}", kMaxDimensions,
                                 t.dimensions.size()));
    }
    if (!t.dimensions.empty() && t.default_value.has_value()) {
      return l.Error(d, dims_path,
                     "DefaultValue and Dimensions are mutually exclusive (AWS: a metric with "
                     "dimensions cannot have a default value)");
    }
  }
  if (const YAML::Node u = Loader::Find(node, Prop(l, "Unit")); u.IsDefined()) {
    auto s = l.String(u, path + "." + Prop(l, "Unit"));
    if (!s.ok()) return s.status();
    if (Status st = CheckUnit(l, u, path + "." + Prop(l, "Unit"), *s); !st.ok()) return st;
    t.unit = std::move(*s);
  }
  return t;
}

}  // namespace

Status ReadActions(Loader& l, const YAML::Node& props, const std::string& path,
                   bool* actions_enabled, std::vector<std::string>* alarm_actions,
                   std::vector<std::string>* ok_actions,
                   std::vector<std::string>* insufficient_data_actions) {
  constexpr std::size_t kMaxActions = 5;  // PutMetricAlarm, PutCompositeAlarm
  if (const YAML::Node e = Loader::Find(props, "ActionsEnabled"); e.IsDefined()) {
    auto b = l.Boolean(e, path + ".ActionsEnabled");
    if (!b.ok()) return b.status();
    *actions_enabled = *b;
  }
  for (auto [key, target] :
       {std::pair<std::string_view, std::vector<std::string>*>{"AlarmActions", alarm_actions},
        {"OKActions", ok_actions},
        {"InsufficientDataActions", insufficient_data_actions}}) {
    const YAML::Node a = Loader::Find(props, key);
    if (!a.IsDefined()) continue;
    const std::string p = path + "." + std::string(key);
    auto list = l.StringList(a, p);
    if (!list.ok()) return list.status();
    if (list->size() > kMaxActions) {
      return l.Error(a, p, fmt::format("at most {} actions allowed", kMaxActions));
    }
    *target = std::move(*list);
  }
  return Status::Ok();
}

Status CheckUnit(Loader& l, const YAML::Node& node, const std::string& path,
                 const std::string& unit) {
  static constexpr std::array<std::string_view, 27> kUnits = {"Seconds",
                                                              "Microseconds",
                                                              "Milliseconds",
                                                              "Bytes",
                                                              "Kilobytes",
                                                              "Megabytes",
                                                              "Gigabytes",
                                                              "Terabytes",
                                                              "Bits",
                                                              "Kilobits",
                                                              "Megabits",
                                                              "Gigabits",
                                                              "Terabits",
                                                              "Percent",
                                                              "Count",
                                                              "Bytes/Second",
                                                              "Kilobytes/Second",
                                                              "Megabytes/Second",
                                                              "Gigabytes/Second",
                                                              "Terabytes/Second",
                                                              "Bits/Second",
                                                              "Kilobits/Second",
                                                              "Megabits/Second",
                                                              "Gigabits/Second",
                                                              "Terabits/Second",
                                                              "Count/Second",
                                                              "None"};
  for (std::string_view u : kUnits) {
    if (u == unit) return Status::Ok();
  }
  std::string valid;
  for (std::string_view u : kUnits) valid += (valid.empty() ? "" : ", ") + std::string(u);
  return l.Error(node, path, fmt::format("unknown unit '{}' (valid: {})", unit, valid));
}

Status ReadPairList(
    Loader& l, const YAML::Node& list, const std::string& path, const char* key,
    const std::function<Status(const YAML::Node&, const std::string&, const std::string&)>& check,
    std::vector<std::pair<std::string, std::string>>* out) {
  if (!list.IsSequence()) {
    return l.Error(list, path, fmt::format("must be a list of {{{}, Value}}", key));
  }
  std::size_t i = 0;
  for (const auto& item : list) {
    const std::string p = fmt::format("{}[{}]", path, i++);
    if (Status s = l.CheckKeys(item, p, "a dimension", {key, "Value"}); !s.ok()) return s;
    const YAML::Node k = Loader::Find(item, key);
    const YAML::Node v = Loader::Find(item, "Value");
    if (!k.IsDefined()) return l.Missing(item, p, key);
    if (!v.IsDefined()) return l.Missing(item, p, "Value");
    auto ks = l.String(k, p + "." + key);
    if (!ks.ok()) return ks.status();
    auto vs = l.String(v, p + ".Value");
    if (!vs.ok()) return vs.status();
    if (check) {
      if (Status s = check(v, p + ".Value", *vs); !s.ok()) return s;
    }
    out->emplace_back(std::move(*ks), std::move(*vs));
  }
  return Status::Ok();
}

Result<MetricFilter> ReadMetricFilter(Loader& l, const std::string& logical_id,
                                      const YAML::Node& props, const YAML::Mark& where,
                                      const std::string& path) {
  const bool cfn = l.mode() == Mode::kTemplate;
  if (cfn) {
    if (Status s = l.CheckKeys(props, path, "AWS::Logs::MetricFilter",
                               {"FilterName", "FilterPattern", "LogGroupName",
                                "MetricTransformations", "ApplyOnTransformedLogs"});
        !s.ok()) {
      return s;
    }
  }
  MetricFilter f;
  f.logical_id = logical_id;
  f.where = l.At(where);
  f.filter_name = logical_id;
  const std::string name_key = Prop(l, "FilterName");
  if (const YAML::Node n = Loader::Find(props, name_key); n.IsDefined()) {
    auto s = l.String(n, path + "." + name_key);
    if (!s.ok()) return s.status();
    if (s->empty() || s->size() > kMaxFilterName || s->find_first_of(":*") != std::string::npos) {
      return l.Error(
          n, path + "." + name_key,
          fmt::format("'{}' must be 1-{} characters without ':' or '*'", *s, kMaxFilterName));
    }
    f.filter_name = std::move(*s);
  } else if (!cfn) {
    return l.Error(where, path, fmt::format("missing required property {}", name_key));
  }

  const std::string group_key = Prop(l, "LogGroupName");
  const YAML::Node group = Loader::Find(props, group_key);
  if (!group.IsDefined()) {
    return l.Error(where, path, fmt::format("missing required property {}", group_key));
  }
  auto g = l.String(group, path + "." + group_key);
  if (!g.ok()) return g.status();
  const bool group_ok = !g->empty() && g->size() <= 512 &&
                        g->find_first_not_of(
                            "._-/#ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                            "vwxyz0123456789") == std::string::npos;
  if (!group_ok) {
    return l.Error(group, path + "." + group_key,
                   fmt::format("'{}' is no log group name (1-512 of A-Z a-z 0-9 . - _ / #)", *g));
  }
  f.log_group_name = std::move(*g);

  const std::string pattern_key = Prop(l, "FilterPattern");
  const std::string pattern_path = path + "." + pattern_key;
  const YAML::Node pattern = Loader::Find(props, pattern_key);
  if (pattern.IsDefined()) {
    auto p = l.String(pattern, pattern_path);
    if (!p.ok()) return p.status();
    f.filter_pattern = std::move(*p);
  } else if (cfn) {
    return l.Error(where, path, "missing required property FilterPattern");
  }
  auto program = pattern::Compile(f.filter_pattern);
  if (!program.ok()) {
    return pattern.IsDefined() ? l.Embedded(pattern, pattern_path, program.status())
                               : l.Error(where, pattern_path, program.status().message());
  }

  const std::string mt_key = Prop(l, "MetricTransformations");
  const std::string mt_path = path + "." + mt_key;
  const YAML::Node mts = Loader::Find(props, mt_key);
  if (!mts.IsDefined()) {
    return l.Error(where, path, fmt::format("missing required property {}", mt_key));
  }
  if (!mts.IsSequence() || mts.size() != 1) {
    return l.Error(mts, mt_path,
                   fmt::format("must be a list of exactly 1 MetricTransformation, got {}",
                               mts.IsSequence() ? std::to_string(mts.size()) : "no list"));
  }
  auto t = ReadTransformation(l, mts[0], mt_path + "[0]");
  if (!t.ok()) return t.status();
  f.transformation = std::move(*t);
  if (!f.transformation.dimensions.empty()) {
    // Dimensions are only published for patterns that name fields (spec 2.1).
    const auto kind = (*program)->kind();
    if (kind != pattern::PatternKind::kJson && kind != pattern::PatternKind::kDelimited) {
      return l.Error(mts[0], mt_path + "[0]." + Prop(l, "Dimensions"),
                     fmt::format("dimensions need a JSON or space-delimited pattern, and this "
                                 "pattern is {}",
                                 pattern::PatternKindName(kind)));
    }
  }
  return f;
}

Result<CompositeAlarm> ReadComposite(Loader& l, const std::string& logical_id,
                                     const YAML::Node& props, const YAML::Mark& where,
                                     const std::string& path) {
  if (Status s = l.CheckKeys(props, path, "AWS::CloudWatch::CompositeAlarm",
                             {"AlarmName", "AlarmRule", "AlarmDescription", "ActionsEnabled",
                              "AlarmActions", "OKActions", "InsufficientDataActions"},
                             {"ActionsSuppressor", "ActionsSuppressorWaitPeriod",
                              "ActionsSuppressorExtensionPeriod", "Tags"});
      !s.ok()) {
    return s;
  }
  CompositeAlarm c;
  c.logical_id = logical_id;
  c.where = l.At(where);
  const YAML::Node name = Loader::Find(props, "AlarmName");
  if (!name.IsDefined()) return l.Error(where, path, "missing required property AlarmName");
  auto n = l.String(name, path + ".AlarmName");
  if (!n.ok()) return n.status();
  c.name = std::move(*n);
  if (c.name.empty() || c.name.size() > 255) {
    return l.Error(name, path + ".AlarmName", "must be 1-255 characters");
  }
  const YAML::Node rule = Loader::Find(props, "AlarmRule");
  if (!rule.IsDefined()) return l.Error(where, path, "missing required property AlarmRule");
  auto r = l.String(rule, path + ".AlarmRule");
  if (!r.ok()) return r.status();
  c.alarm_rule = std::move(*r);
  if (auto compiled = alarm::CompileRule(c.alarm_rule); !compiled.ok()) {
    return l.Embedded(rule, path + ".AlarmRule", compiled.status());
  }
  if (const YAML::Node d = Loader::Find(props, "AlarmDescription"); d.IsDefined()) {
    auto s = l.String(d, path + ".AlarmDescription");
    if (!s.ok()) return s.status();
    c.description = std::move(*s);
  }
  if (Status st = ReadActions(l, props, path, &c.actions_enabled, &c.alarm_actions, &c.ok_actions,
                              &c.insufficient_data_actions);
      !st.ok()) {
    return st;
  }
  return c;
}

namespace {

Result<Subscription> ReadSubscriptionFields(Loader& l, const YAML::Node& node,
                                            const YAML::Mark& where, const std::string& path,
                                            bool endpoint_required) {
  Subscription sub;
  const YAML::Node protocol = Loader::Find(node, "Protocol");
  if (!protocol.IsDefined()) return l.Error(where, path, "missing required property Protocol");
  auto p = l.String(protocol, path + ".Protocol");
  if (!p.ok()) return p.status();
  bool known = false;
  for (std::string_view v : kProtocols) known = known || v == *p;
  if (!known) {
    std::string valid;
    for (std::string_view v : kProtocols) valid += (valid.empty() ? "" : ", ") + std::string(v);
    return l.Error(protocol, path + ".Protocol",
                   fmt::format("unknown protocol '{}' (valid: {})", *p, valid));
  }
  sub.protocol = std::move(*p);
  const YAML::Node endpoint = Loader::Find(node, "Endpoint");
  if (endpoint.IsDefined()) {
    auto e = l.String(endpoint, path + ".Endpoint");
    if (!e.ok()) return e.status();
    sub.endpoint = std::move(*e);
  } else if (endpoint_required) {
    return l.Error(where, path, "missing required property Endpoint");
  }
  return sub;
}

}  // namespace

Result<Topic> ReadTopic(Loader& l, const std::string& logical_id, const YAML::Node& props,
                        const YAML::Mark& where, const std::string& path) {
  if (Status s =
          l.CheckKeys(props, path, "AWS::SNS::Topic", {"TopicName", "DisplayName", "Subscription"},
                      {"KmsMasterKeyId", "Tags", "FifoTopic", "ContentBasedDeduplication",
                       "DataProtectionPolicy", "ArchivePolicy", "TracingConfig",
                       "DeliveryStatusLogging", "SignatureVersion", "FifoThroughputScope"});
      !s.ok()) {
    return s;
  }
  Topic t;
  t.logical_id = logical_id;
  t.where = l.At(where);
  t.name = logical_id;
  if (const YAML::Node n = Loader::Find(props, "TopicName"); n.IsDefined()) {
    auto s = l.String(n, path + ".TopicName");
    if (!s.ok()) return s.status();
    if (s->empty() || s->size() > 256 ||
        s->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") !=
            std::string::npos) {
      return l.Error(n, path + ".TopicName",
                     fmt::format("'{}' must be 1-256 of A-Z a-z 0-9 - _ (and .fifo)", *s));
    }
    t.name = std::move(*s);
  }
  t.arn = fmt::format("arn:aws:sns:{}:{}:{}", l.options().region, l.options().account_id, t.name);
  if (const YAML::Node subs = Loader::Find(props, "Subscription"); subs.IsDefined()) {
    if (!subs.IsSequence()) {
      return l.Error(subs, path + ".Subscription", "must be a list of {Endpoint, Protocol}");
    }
    std::size_t i = 0;
    for (const auto& item : subs) {
      const std::string p = fmt::format("{}.Subscription[{}]", path, i++);
      if (Status s = l.CheckKeys(item, p, "a subscription", {"Endpoint", "Protocol"}); !s.ok()) {
        return s;
      }
      auto sub = ReadSubscriptionFields(l, item, item.Mark(), p, true);
      if (!sub.ok()) return sub.status();
      t.subscriptions.push_back(std::move(*sub));
    }
  }
  return t;
}

Result<std::pair<std::string, Subscription>> ReadSubscription(Loader& l, const YAML::Node& props,
                                                              const YAML::Mark& where,
                                                              const std::string& path) {
  if (Status s =
          l.CheckKeys(props, path, "AWS::SNS::Subscription", {"TopicArn", "Protocol", "Endpoint"},
                      {"FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
                       "DeliveryPolicy", "Region", "SubscriptionRoleArn", "ReplayPolicy"});
      !s.ok()) {
    return s;
  }
  const YAML::Node arn = Loader::Find(props, "TopicArn");
  if (!arn.IsDefined()) return l.Error(where, path, "missing required property TopicArn");
  auto a = l.String(arn, path + ".TopicArn");
  if (!a.ok()) return a.status();
  if (a->rfind("arn:", 0) != 0 || a->find(":sns:") == std::string::npos) {
    return l.Error(arn, path + ".TopicArn", fmt::format("'{}' is no SNS topic ARN", *a));
  }
  auto sub = ReadSubscriptionFields(l, props, where, path, false);
  if (!sub.ok()) return sub.status();
  return std::pair<std::string, Subscription>(std::move(*a), std::move(*sub));
}

}  // namespace trailwatch::rules::internal
