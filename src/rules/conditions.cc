// CloudFormation Conditions: Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition references, and
// resource Condition attributes (Fn::If itself is resolved with the other intrinsics); and the
// scalar readers Number, Count and Boolean.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string>

#include "rules/rules_internal.h"

namespace trailwatch::rules::internal {

Result<bool> Loader::NamedCondition(const std::string& name, const YAML::Mark& mark,
                                    const std::string& path) {
  if (auto it = condition_values_.find(name); it != condition_values_.end()) return it->second;
  auto it = conditions_.find(name);
  if (it == conditions_.end()) {
    return Error(mark, path, fmt::format("no condition '{}' in Conditions", name));
  }
  if (evaluating_.contains(name)) {
    return Error(mark, path, fmt::format("condition '{}' depends on itself", name));
  }
  evaluating_.insert(name);
  auto v = ConditionValue(it->second, "Conditions." + name);
  evaluating_.erase(name);
  if (!v.ok()) return v.status();
  condition_values_[name] = *v;
  return *v;
}

Result<bool> Loader::ConditionValue(const YAML::Node& node, const std::string& path) {
  if (++work_ > kMaxWork) return Error(node, path, "template too complex to resolve");
  YAML::Node arg;
  auto name = IntrinsicName(node, path, &arg);
  if (!name.ok()) return name.status();
  if (node.IsMap() && node.size() == 1 && Find(node, "Condition").IsDefined()) {
    arg.reset(Find(node, "Condition"));
    name = std::optional<std::string>("Fn::Condition");
  }
  if (!name->has_value()) {
    return Error(node, path, "expected a condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or)");
  }
  const std::string& fn = **name;
  const std::string where = path + "." + fn;
  if (depth_ >= kMaxDepth) return Error(node, path, "conditions nested too deeply");
  struct Depth {
    std::uint32_t* d;
    ~Depth() { --*d; }
  } guard{&(++depth_)};
  if (fn == "Fn::Condition") {
    if (!arg.IsScalar()) return Error(node, where, "expects a condition name");
    return NamedCondition(arg.Scalar(), node.Mark(), path);
  }
  if (fn == "Fn::Equals") {
    if (!arg.IsSequence() || arg.size() != 2) return Error(node, where, "expects [a, b]");
    auto a = String(arg[0], where + "[0]");
    if (!a.ok()) return a.status();
    auto b = String(arg[1], where + "[1]");
    if (!b.ok()) return b.status();
    return *a == *b;
  }
  if (fn == "Fn::Not" || fn == "Fn::And" || fn == "Fn::Or") {
    if (!arg.IsSequence() || arg.size() == 0 || (fn == "Fn::Not" && arg.size() != 1)) {
      return Error(node, where, "expects a list of conditions");
    }
    bool all = true;
    bool any = false;
    std::size_t i = 0;
    for (const auto& c : arg) {
      auto v = ConditionValue(c, fmt::format("{}[{}]", where, i++));
      if (!v.ok()) return v.status();
      all = all && *v;
      any = any || *v;
    }
    if (fn == "Fn::Not") return !all;
    return fn == "Fn::And" ? all : any;
  }
  return Error(node, path, fmt::format("{} is not a condition function", fn));
}

Result<bool> Loader::ResourceEnabled(const ResourceInfo& info, const std::string& path) {
  const YAML::Node c = Find(info.node, "Condition");
  if (!c.IsDefined()) return true;
  if (!c.IsScalar()) return Error(c, path + ".Condition", "must be a condition name");
  return NamedCondition(c.Scalar(), c.Mark(), path + ".Condition");
}

Result<double> Loader::Number(const YAML::Node& node, const std::string& path) {
  auto s = String(node, path);
  if (!s.ok()) return s.status();
  double v = 0;
  const char* end = s->data() + s->size();
  auto [p, ec] = std::from_chars(s->data(), end, v);
  if (s->empty() || ec != std::errc() || p != end || !std::isfinite(v)) {
    return Error(node, path, fmt::format("'{}' is not a number", *s));
  }
  return v;
}

Result<std::uint32_t> Loader::Count(const YAML::Node& node, const std::string& path) {
  auto s = String(node, path);
  if (!s.ok()) return s.status();
  std::uint32_t v = 0;
  const char* end = s->data() + s->size();
  auto [p, ec] = std::from_chars(s->data(), end, v);
  if (s->empty() || ec != std::errc() || p != end) {
    return Error(node, path, fmt::format("'{}' is not a non-negative integer", *s));
  }
  return v;
}

Result<bool> Loader::Boolean(const YAML::Node& node, const std::string& path) {
  auto s = String(node, path);
  if (!s.ok()) return s.status();
  if (*s == "true" || *s == "True" || *s == "TRUE") return true;
  if (*s == "false" || *s == "False" || *s == "FALSE") return false;
  return Error(node, path, fmt::format("'{}' is not a boolean (true or false)", *s));
}

}  // namespace trailwatch::rules::internal
