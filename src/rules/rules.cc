// Entry points: LoadRuleFile, LoadRuleText, Merge and the built-in packs.
#include "rules/rules.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "alarm/composite.h"
#include "common/files.h"
#include "rules/rules_internal.h"

namespace trailwatch::rules {
namespace {

constexpr std::string_view kPackPrefix = "pack:";

std::string Where(const SourceLocation& loc) {
  return fmt::format("{}:{}:{}", loc.source, loc.line, loc.column);
}

Status Duplicate(std::string_view what, const std::string& name, const SourceLocation& second,
                 const SourceLocation& first) {
  return Status::InvalidArgument(
             fmt::format("{} '{}' is defined twice; the first is at {}", what, name, Where(first)))
      .At(second);
}

// Composite rules that name each other in a loop never evaluate (spec 3.9); reject them where
// the first composite of the cycle is defined.
Status CheckCompositeCycles(const RuleSet& set) {
  alarm::CompositeSet composites;
  for (const CompositeAlarm& c : set.composites) {
    auto rule = alarm::CompileRule(c.alarm_rule);
    if (rule.ok()) composites[c.name] = *rule;
  }
  Status s = alarm::CheckCycles(composites);
  if (s.ok()) return s;
  // "composite alarms form a cycle: A -> B -> A; ..." names the first alarm after ": ".
  const std::string& m = s.message();
  const auto start = m.find(": ");
  const auto end = m.find(" -> ", start == std::string::npos ? 0 : start);
  if (start != std::string::npos && end != std::string::npos) {
    const std::string first = m.substr(start + 2, end - start - 2);
    for (const CompositeAlarm& c : set.composites) {
      if (c.name == first) {
        return Status::InvalidArgument(fmt::format("AlarmRule: {}", m)).At(c.where);
      }
    }
  }
  return s;
}

}  // namespace

Result<RuleSet> LoadRuleText(std::string_view text, std::string_view source,
                             const LoadOptions& options) {
  internal::Loader loader(text, source, options);
  RuleSet loaded;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (Status s = loader.Load(root, &loaded); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports syntax errors (and a few misuse errors) by exception; its mark is
    // 0-based like the node marks.
    return Status::InvalidArgument(e.msg).At(loader.At(e.mark));
  }
  // Merging into an empty set applies the duplicate-name checks within the file.
  RuleSet out;
  if (Status s = Merge(&out, std::move(loaded)); !s.ok()) return s;
  return out;
}

Result<RuleSet> LoadRuleFile(std::string_view path_or_pack, const LoadOptions& options) {
  if (path_or_pack.starts_with(kPackPrefix)) {
    const std::string_view name = path_or_pack.substr(kPackPrefix.size());
    for (std::size_t i = 0; i < internal::kPackCount; ++i) {
      if (internal::kPacks[i].name == name) {
        return LoadRuleText(internal::kPacks[i].text, path_or_pack, options);
      }
    }
    std::string known;
    for (const std::string& n : PackNames()) known += (known.empty() ? "" : ", ") + n;
    return Status::NotFound(
        fmt::format("no built-in pack '{}' (packs: {})", name, known.empty() ? "none" : known));
  }
  const std::string path(path_or_pack);
  auto text = ReadFile(path);
  if (!text.ok()) return text.status().WithContext("rule file");
  return LoadRuleText(*text, path, options);
}

Status CheckReferences(const RuleSet& set) {
  std::set<std::string, std::less<>> names;
  for (const MetricAlarm& a : set.alarms) names.insert(a.config.name);
  for (const CompositeAlarm& c : set.composites) names.insert(c.name);
  std::map<std::string, std::size_t, std::less<>> parents;
  for (const CompositeAlarm& c : set.composites) {
    auto rule = alarm::CompileRule(c.alarm_rule);
    if (!rule.ok()) return rule.status().WithContext(c.logical_id);  // checked at load already
    std::string missing;
    for (const std::string& child : (*rule)->children()) {
      if (names.count(child) == 0) missing += (missing.empty() ? "" : ", ") + child;
      if (++parents[child] > kMaxCompositeParents) {
        return Status::InvalidArgument(
                   fmt::format("AlarmRule: alarm '{}' is already the child of {} composite alarms "
                               "(AWS's limit)",
                               child, kMaxCompositeParents))
            .At(c.where);
      }
    }
    if (!missing.empty()) {
      // AWS: "Could not save the composite alarm as alarms [..] in the alarm rule do not exist".
      return Status::InvalidArgument(
                 fmt::format("AlarmRule: alarms [{}] in the alarm rule of '{}' do not exist in the "
                             "loaded rule files",
                             missing, c.name))
          .At(c.where);
    }
  }
  return Status::Ok();
}

Status CheckParameters(const RuleSet& set, const LoadOptions& options) {
  for (const auto& [name, value] : options.parameters) {
    if (set.parameters.contains(name)) continue;
    std::string declared;
    for (const std::string& p : set.parameters) declared += (declared.empty() ? "" : ", ") + p;
    return Status::InvalidArgument(
        fmt::format("parameter '{}' is declared by none of the rule files (they declare: {})", name,
                    declared.empty() ? "none" : declared));
  }
  return Status::Ok();
}

Status Merge(RuleSet* into, RuleSet from) {
  // Check everything first so a failed Merge leaves `into` unchanged. AWS keys: alarm names
  // (metric and composite alarms share one namespace) and filter names per log group.
  std::map<std::string, SourceLocation> alarms;
  std::map<std::pair<std::string, std::string>, SourceLocation> filters;
  for (const MetricAlarm& a : into->alarms) alarms.emplace(a.config.name, a.where);
  for (const CompositeAlarm& c : into->composites) alarms.emplace(c.name, c.where);
  for (const MetricFilter& f : into->metric_filters) {
    filters.emplace(std::pair(f.log_group_name, f.filter_name), f.where);
  }
  for (const MetricAlarm& a : from.alarms) {
    auto [it, fresh] = alarms.emplace(a.config.name, a.where);
    if (!fresh) return Duplicate("alarm name", a.config.name, a.where, it->second);
  }
  for (const CompositeAlarm& c : from.composites) {
    auto [it, fresh] = alarms.emplace(c.name, c.where);
    if (!fresh) return Duplicate("alarm name", c.name, c.where, it->second);
  }
  for (const MetricFilter& f : from.metric_filters) {
    auto [it, fresh] = filters.emplace(std::pair(f.log_group_name, f.filter_name), f.where);
    if (!fresh) {
      return Duplicate(fmt::format("metric filter on log group {}", f.log_group_name),
                       f.filter_name, f.where, it->second);
    }
  }
  std::map<std::string, SourceLocation> detections;
  for (const Detection& d : into->detections) detections.emplace(d.config.name, d.where);
  for (const Detection& d : from.detections) {
    auto [it, fresh] = detections.emplace(d.config.name, d.where);
    if (!fresh) return Duplicate("detection name", d.config.name, d.where, it->second);
  }
  {
    RuleSet probe;
    probe.composites = into->composites;
    probe.composites.insert(probe.composites.end(), from.composites.begin(), from.composites.end());
    if (Status s = CheckCompositeCycles(probe); !s.ok()) return s;
  }

  auto move_all = [](auto& dst, auto& src) {
    for (auto& x : src) dst.push_back(std::move(x));
  };
  move_all(into->metric_filters, from.metric_filters);
  move_all(into->alarms, from.alarms);
  move_all(into->composites, from.composites);
  move_all(into->detections, from.detections);
  move_all(into->notes, from.notes);
  into->parameters.merge(from.parameters);
  // Topics are not duplicates: every pack defines the shared topic trailwatch-security-alerts
  // (design.md section 4), as separately deployed stacks would. Two definitions of one ARN are
  // one topic with the subscriptions of both; a definition replaces an external entry (a
  // subscription to a topic defined elsewhere) and keeps its subscriptions.
  for (Topic& t : from.topics) {
    auto same = std::find_if(into->topics.begin(), into->topics.end(),
                             [&](const Topic& x) { return x.arn == t.arn; });
    if (same == into->topics.end()) {
      into->topics.push_back(std::move(t));
      continue;
    }
    if (same->external && !t.external) {
      std::vector<Subscription> subs = std::move(same->subscriptions);
      *same = std::move(t);
      move_all(same->subscriptions, subs);
    } else {
      for (Subscription& sub : t.subscriptions) {
        const bool known = std::any_of(
            same->subscriptions.begin(), same->subscriptions.end(), [&](const Subscription& x) {
              return x.protocol == sub.protocol && x.endpoint == sub.endpoint;
            });
        if (!known) same->subscriptions.push_back(std::move(sub));
      }
    }
  }
  return Status::Ok();
}

std::vector<std::string> PackNames() {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < internal::kPackCount; ++i) {
    names.emplace_back(internal::kPacks[i].name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace trailwatch::rules
