// Template and describe-JSON structure: Parameters, Resources, and dispatch by resource type.
#include <fmt/format.h>

#include <string>
#include <utility>

#include "rules/rules_internal.h"

namespace trailwatch::rules::internal {

Status Loader::Load(const YAML::Node& root, RuleSet* out) {
  if (!root.IsMap()) {
    return Error(root, "",
                 "a rule file is a CloudFormation template (a mapping with Resources) or the "
                 "JSON of describe-metric-filters / describe-alarms");
  }
  Status s;
  if (Find(root, "Resources").IsDefined() || Find(root, "AWSTemplateFormatVersion").IsDefined()) {
    s = LoadTemplate(root, out);
  } else if (Find(root, "metricFilters").IsDefined()) {
    mode_ = Mode::kDescribeFilters;
    s = LoadDescribe(root, out);
  } else if (Find(root, "MetricAlarms").IsDefined() || Find(root, "CompositeAlarms").IsDefined()) {
    mode_ = Mode::kDescribeAlarms;
    s = LoadDescribe(root, out);
  } else {
    s = Error(root, "",
              "no Resources section (and no metricFilters / MetricAlarms / CompositeAlarms of "
              "the describe commands)");
  }
  for (auto& n : notes_) out->notes.push_back(std::move(n));
  notes_.clear();
  return s;
}

Status Loader::LoadParameters(const YAML::Node& params) {
  if (!params.IsMap()) return Error(params, "Parameters", "must be a mapping");
  for (const auto& kv : params) {
    const std::string name = kv.first.Scalar();
    const std::string path = "Parameters." + name;
    if (Status s = CheckKeys(
            kv.second, path, "a parameter",
            {"Type", "Default", "Description", "AllowedValues", "AllowedPattern",
             "ConstraintDescription", "MaxLength", "MinLength", "MaxValue", "MinValue", "NoEcho"});
        !s.ok()) {
      return s;
    }
    std::optional<std::string> value;
    if (const YAML::Node d = Find(kv.second, "Default"); d.IsDefined()) {
      if (!d.IsScalar()) return Error(d, path + ".Default", "must be a scalar");
      value = d.Scalar();
    }
    const auto o = options_.parameters.find(name);
    if (o != options_.parameters.end()) value = o->second;
    // CloudFormation refuses a value outside AllowedValues, given or default.
    if (const YAML::Node allowed = Find(kv.second, "AllowedValues"); allowed.IsDefined() && value) {
      if (!allowed.IsSequence()) return Error(allowed, path + ".AllowedValues", "must be a list");
      std::string listed;
      bool found = false;
      for (const auto& a : allowed) {
        if (!a.IsScalar()) return Error(a, path + ".AllowedValues", "must list scalars");
        found = found || a.Scalar() == *value;
        listed += (listed.empty() ? "" : ", ") + a.Scalar();
      }
      if (!found) {
        return Error(
            allowed, path,
            fmt::format("{}value '{}' is not one of its AllowedValues ({})",
                        o != options_.parameters.end() ? "the given " : "", *value, listed));
      }
    }
    params_[name] = std::move(value);
  }
  return Status::Ok();
}

Status Loader::LoadTemplate(const YAML::Node& root, RuleSet* out) {
  if (Status s =
          CheckKeys(root, "", "a template",
                    {"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters",
                     "Mappings", "Conditions", "Resources", "Outputs", "Rules", "Transform"});
      !s.ok()) {
    return s;
  }
  if (const YAML::Node p = Find(root, "Parameters"); p.IsDefined()) {
    if (Status s = LoadParameters(p); !s.ok()) return s;
    for (const auto& [name, unused] : params_) out->parameters.insert(name);
  }
  if (const YAML::Node c = Find(root, "Conditions"); c.IsDefined()) {
    if (!c.IsMap()) return Error(c, "Conditions", "must be a mapping");
    for (const auto& kv : c) conditions_[kv.first.Scalar()] = kv.second;
  }
  const YAML::Node resources = Find(root, "Resources");
  if (!resources.IsDefined()) return Missing(root, "", "Resources");
  if (!resources.IsMap()) return Error(resources, "Resources", "must be a mapping");

  // First pass: every logical ID and type, so Ref and GetAtt can look ahead.
  std::vector<std::string> order;
  for (const auto& kv : resources) {
    const std::string id = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    const std::string path = "Resources." + id;
    if (Status s =
            CheckKeys(kv.second, path, "a resource",
                      {"Type", "Properties", "DependsOn", "Condition", "Metadata", "DeletionPolicy",
                       "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy"});
        !s.ok()) {
      return s;
    }
    const YAML::Node type = Find(kv.second, "Type");
    if (!type.IsDefined()) return Missing(kv.second, path, "Type");
    if (!type.IsScalar()) return Error(type, path + ".Type", "must be a string");
    if (resources_.contains(id)) {
      return Error(kv.first, path, "logical ID defined twice");
    }
    resources_[id] =
        ResourceInfo{type.Scalar(), kv.second, Find(kv.second, "Properties"), kv.first.Mark()};
    order.push_back(id);
  }

  // Topics before subscriptions, so a subscription finds its topic wherever it is written.
  std::vector<std::pair<std::string, Subscription>> subscriptions;
  std::vector<YAML::Mark> subscription_marks;
  for (const std::string& id : order) {
    const ResourceInfo& info = resources_.find(id)->second;
    const std::string path = "Resources." + id + ".Properties";
    auto enabled = ResourceEnabled(info, "Resources." + id);
    if (!enabled.ok()) return enabled.status();
    if (!*enabled) {
      const SourceLocation loc = At(info.mark);
      Note(fmt::format("{}:{}:{}: Resources.{} is skipped: its Condition is false", source_,
                       loc.line, loc.column, id));
      continue;
    }
    const YAML::Node props =
        info.properties.IsDefined() ? info.properties : YAML::Node(YAML::NodeType::Map);
    const YAML::Mark where = info.properties.IsDefined() ? info.properties.Mark() : info.mark;
    if (info.type == kMetricFilterType) {
      auto r = ReadMetricFilter(*this, id, props, where, path);
      if (!r.ok()) return r.status();
      r->where = At(info.mark);
      out->metric_filters.push_back(std::move(*r));
    } else if (info.type == kAlarmType) {
      auto r = ReadAlarm(*this, id, props, where, path);
      if (!r.ok()) return r.status();
      r->where = At(info.mark);
      out->alarms.push_back(std::move(*r));
    } else if (info.type == kCompositeType) {
      auto r = ReadComposite(*this, id, props, where, path);
      if (!r.ok()) return r.status();
      r->where = At(info.mark);
      out->composites.push_back(std::move(*r));
    } else if (info.type == kTopicType) {
      auto r = ReadTopic(*this, id, props, where, path);
      if (!r.ok()) return r.status();
      r->where = At(info.mark);
      out->topics.push_back(std::move(*r));
    } else if (info.type == kDetectionType) {
      auto r = ReadDetection(*this, id, props, where, path);
      if (!r.ok()) return r.status();
      r->where = At(info.mark);
      out->detections.push_back(std::move(*r));
    } else if (info.type == kSubscriptionType) {
      auto r = ReadSubscription(*this, props, where, path);
      if (!r.ok()) return r.status();
      subscriptions.push_back(std::move(*r));
      subscription_marks.push_back(info.mark);
    } else {
      const SourceLocation loc = At(info.mark);
      Note(fmt::format("ignored resource type {} at {}:{}:{}", info.type, source_, loc.line,
                       loc.column));
    }
  }
  for (std::size_t i = 0; i < subscriptions.size(); ++i) {
    auto& [arn, sub] = subscriptions[i];
    Topic* topic = nullptr;
    for (Topic& t : out->topics) {
      if (t.arn == arn) topic = &t;
    }
    if (topic == nullptr) {
      // A topic defined elsewhere (another rule file, a pack): Merge attaches it there.
      Topic ext;
      ext.arn = arn;
      ext.name = arn.substr(arn.rfind(':') + 1);
      ext.logical_id = ext.name;
      ext.external = true;
      ext.where = At(subscription_marks[i]);
      out->topics.push_back(std::move(ext));
      topic = &out->topics.back();
    }
    topic->subscriptions.push_back(std::move(sub));
  }
  return Status::Ok();
}

Status Loader::LoadDescribe(const YAML::Node& root, RuleSet* out) {
  const bool filters = mode_ == Mode::kDescribeFilters;
  const std::vector<std::string_view> keys =
      filters ? std::vector<std::string_view>{"metricFilters"}
              : std::vector<std::string_view>{"MetricAlarms", "CompositeAlarms"};
  for (std::string_view key : keys) {
    const YAML::Node list = Find(root, key);
    if (!list.IsDefined()) continue;
    if (!list.IsSequence()) return Error(list, std::string(key), "must be a list");
    std::size_t i = 0;
    for (const auto& item : list) {
      const std::string path = fmt::format("{}[{}]", key, i++);
      if (!item.IsMap()) return Error(item, path, "must be a mapping");
      if (key == "metricFilters") {
        auto r = ReadMetricFilter(*this, "", item, item.Mark(), path);
        if (!r.ok()) return r.status();
        r->logical_id = r->filter_name;
        out->metric_filters.push_back(std::move(*r));
      } else if (key == "MetricAlarms") {
        auto r = ReadAlarm(*this, "", item, item.Mark(), path);
        if (!r.ok()) return r.status();
        r->logical_id = r->config.name;
        out->alarms.push_back(std::move(*r));
      } else {
        auto r = ReadComposite(*this, "", item, item.Mark(), path);
        if (!r.ok()) return r.status();
        r->logical_id = r->name;
        out->composites.push_back(std::move(*r));
      }
    }
  }
  return Status::Ok();
}

}  // namespace trailwatch::rules::internal
