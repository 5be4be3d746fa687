// Trailwatch::Detection (docs/detections.md): a filter pattern with a threshold, dedup window,
// allowlists and alert actions.
#include <fmt/format.h>

#include <string>
#include <utility>

#include "detect/detect.h"
#include "pattern/pattern.h"
#include "rules/rules_internal.h"

namespace trailwatch::rules::internal {
namespace {

constexpr std::size_t kMaxGroupBy = 5;
constexpr std::size_t kMaxActions = 5;
constexpr std::size_t kMaxAllowlistEntries = 1000;
// A window longer than a week holds too much per group to be a per-event detection; that is a
// metric alarm's job.
constexpr std::uint32_t kMaxWindowSeconds = 7 * 24 * 3600;

// A list, or one string of comma-separated entries: what `!Ref` to a CommaDelimitedList (or
// String) parameter gives, so that an allowlist can be a parameter. Empty entries are dropped,
// so a parameter whose Default is "" means "nobody".
Result<std::vector<std::string>> ListOrCommaString(Loader& l, const YAML::Node& node,
                                                   const std::string& path) {
  if (node.IsSequence()) return l.StringList(node, path);
  auto s = l.String(node, path);
  if (!s.ok()) return s.status();
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s->size()) {
    std::size_t comma = s->find(',', start);
    if (comma == std::string::npos) comma = s->size();
    std::string item = s->substr(start, comma - start);
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    start = comma + 1;
  }
  return out;
}

Result<std::uint32_t> Seconds(Loader& l, const YAML::Node& node, const std::string& path,
                              std::uint32_t min) {
  auto n = l.Count(node, path);
  if (!n.ok()) return n.status();
  if (*n < min || *n > kMaxWindowSeconds) {
    return l.Error(node, path, fmt::format("must be {}-{} seconds", min, kMaxWindowSeconds));
  }
  return *n;
}

Status ReadThreshold(Loader& l, const YAML::Node& node, const std::string& path,
                     detect::Threshold* out) {
  if (Status s = l.CheckKeys(node, path, "a Threshold", {"Count", "WindowSeconds"}); !s.ok()) {
    return s;
  }
  const YAML::Node count = Loader::Find(node, "Count");
  if (!count.IsDefined()) return l.Missing(node, path, "Count");
  auto c = l.Count(count, path + ".Count");
  if (!c.ok()) return c.status();
  if (*c < 1) return l.Error(count, path + ".Count", "must be at least 1");
  out->count = *c;
  const YAML::Node window = Loader::Find(node, "WindowSeconds");
  if (!window.IsDefined()) return l.Missing(node, path, "WindowSeconds");
  auto w = Seconds(l, window, path + ".WindowSeconds", 1);
  if (!w.ok()) return w.status();
  out->window_seconds = *w;
  return Status::Ok();
}

Status ReadAllowlist(Loader& l, const YAML::Node& node, const std::string& path,
                     detect::Allowlist* out) {
  if (Status s = l.CheckKeys(node, path, "an Allowlist",
                             {"PrincipalArns", "SourceIpCidrs", "UserAgentPatterns"});
      !s.ok()) {
    return s;
  }
  for (auto [key, target] : {std::pair<std::string_view, std::vector<std::string>*>{
                                 "PrincipalArns", &out->principal_arns},
                             {"SourceIpCidrs", &out->source_ip_cidrs},
                             {"UserAgentPatterns", &out->user_agent_patterns}}) {
    const YAML::Node v = Loader::Find(node, key);
    if (!v.IsDefined()) continue;
    const std::string p = path + "." + std::string(key);
    auto list = ListOrCommaString(l, v, p);
    if (!list.ok()) return list.status();
    if (list->size() > kMaxAllowlistEntries) {
      return l.Error(v, p, fmt::format("at most {} entries allowed", kMaxAllowlistEntries));
    }
    if (key == "SourceIpCidrs") {
      for (std::size_t i = 0; i < list->size(); ++i) {
        if (Status s = detect::CheckCidr((*list)[i]); !s.ok()) {
          // Point at the entry when the list is written out, else at the value.
          const YAML::Node at = v.IsSequence() && i < v.size() ? v[i] : v;
          return l.Error(at, fmt::format("{}[{}]", p, i), s.message());
        }
      }
    }
    *target = std::move(*list);
  }
  return Status::Ok();
}

}  // namespace

Result<Detection> ReadDetection(Loader& l, const std::string& logical_id, const YAML::Node& props,
                                const YAML::Mark& where, const std::string& path) {
  if (Status s =
          l.CheckKeys(props, path, "Trailwatch::Detection",
                      {"DetectionName", "Description", "Severity", "FilterPattern", "Threshold",
                       "GroupBy", "DedupWindowSeconds", "Allowlist", "AlertActions"});
      !s.ok()) {
    return s;
  }
  Detection d;
  d.logical_id = logical_id;
  d.where = l.At(where);
  detect::DetectionConfig& c = d.config;
  c.name = logical_id;
  if (const YAML::Node n = Loader::Find(props, "DetectionName"); n.IsDefined()) {
    auto s = l.String(n, path + ".DetectionName");
    if (!s.ok()) return s.status();
    if (s->empty() || s->size() > 255) {
      return l.Error(n, path + ".DetectionName", "must be 1-255 characters");
    }
    c.name = std::move(*s);
  }
  if (const YAML::Node n = Loader::Find(props, "Description"); n.IsDefined()) {
    auto s = l.String(n, path + ".Description");
    if (!s.ok()) return s.status();
    c.description = std::move(*s);
  }
  if (const YAML::Node n = Loader::Find(props, "Severity"); n.IsDefined()) {
    auto s = l.String(n, path + ".Severity");
    if (!s.ok()) return s.status();
    auto sev = detect::ParseSeverity(*s);
    if (!sev) {
      return l.Error(n, path + ".Severity",
                     fmt::format("unknown severity '{}' (valid: low, medium, high, critical)", *s));
    }
    c.severity = *sev;
  }
  const YAML::Node pattern = Loader::Find(props, "FilterPattern");
  if (!pattern.IsDefined()) return l.Error(where, path, "missing required property FilterPattern");
  auto p = l.String(pattern, path + ".FilterPattern");
  if (!p.ok()) return p.status();
  c.filter_pattern = std::move(*p);
  if (auto program = pattern::Compile(c.filter_pattern); !program.ok()) {
    return l.Embedded(pattern, path + ".FilterPattern", program.status());
  }
  if (const YAML::Node t = Loader::Find(props, "Threshold"); t.IsDefined()) {
    detect::Threshold threshold;
    if (Status s = ReadThreshold(l, t, path + ".Threshold", &threshold); !s.ok()) return s;
    c.threshold = threshold;
  }
  if (const YAML::Node g = Loader::Find(props, "GroupBy"); g.IsDefined()) {
    auto list = l.StringList(g, path + ".GroupBy");
    if (!list.ok()) return list.status();
    if (list->size() > kMaxGroupBy) {
      return l.Error(g, path + ".GroupBy", fmt::format("at most {} fields allowed", kMaxGroupBy));
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string& field = (*list)[i];
      const std::string item_path = fmt::format("{}.GroupBy[{}]", path, i);
      if (!field.starts_with("$.") && !field.starts_with("$[")) {
        return l.Error(
            g[i], item_path,
            fmt::format("'{}' must be a JSON selector such as $.userIdentity.arn", field));
      }
      if (auto sel = pattern::ParseSelector(field); !sel.ok()) {
        return l.Embedded(g[i], item_path, sel.status());
      }
    }
    c.group_by = std::move(*list);
  }
  if (const YAML::Node n = Loader::Find(props, "DedupWindowSeconds"); n.IsDefined()) {
    auto s = Seconds(l, n, path + ".DedupWindowSeconds", 0);
    if (!s.ok()) return s.status();
    c.dedup_window_seconds = *s;
  }
  if (const YAML::Node a = Loader::Find(props, "Allowlist"); a.IsDefined()) {
    if (Status s = ReadAllowlist(l, a, path + ".Allowlist", &c.allowlist); !s.ok()) return s;
  }
  if (const YAML::Node a = Loader::Find(props, "AlertActions"); a.IsDefined()) {
    auto list = l.StringList(a, path + ".AlertActions");
    if (!list.ok()) return list.status();
    if (list->size() > kMaxActions) {
      return l.Error(a, path + ".AlertActions",
                     fmt::format("at most {} actions allowed", kMaxActions));
    }
    c.actions = std::move(*list);
  }
  if (Status s = detect::Validate(c); !s.ok()) return l.Error(where, path, s.message());
  return d;
}

}  // namespace trailwatch::rules::internal
