// Values, positions and CloudFormation intrinsics for the Loader.
#include <fmt/format.h>

#include <string>
#include <utility>

#include "rules/rules_internal.h"

namespace trailwatch::rules::internal {
namespace {

constexpr std::size_t kMaxValueBytes = 1 << 20;

bool IsPlainTag(const std::string& tag) {
  return tag.empty() || tag == "?" || tag == "!" || tag.rfind("tag:yaml.org,2002:", 0) == 0;
}

// Appends the UTF-8 length of code point `cp`.
std::size_t Utf8Length(std::uint32_t cp) {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string JoinNames(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

SourceLocation Loader::At(const YAML::Mark& mark) const {
  SourceLocation loc{source_, 0, 0};
  if (mark.line >= 0 && mark.column >= 0) {
    loc.line = static_cast<std::uint32_t>(mark.line) + 1;
    loc.column = static_cast<std::uint32_t>(mark.column) + 1;
  }
  return loc;
}

Status Loader::Error(const YAML::Mark& mark, const std::string& path,
                     std::string_view message) const {
  std::string m = path.empty()      ? std::string(message)
                  : message.empty() ? path
                                    : fmt::format("{}: {}", path, message);
  return Status::InvalidArgument(std::move(m)).At(At(mark));
}

Status Loader::Embedded(const YAML::Node& node, const std::string& path,
                        const Status& inner) const {
  SourceLocation loc = At(node);
  const auto& il = inner.location();
  const std::string& value = node.IsScalar() ? node.Scalar() : std::string();
  if (il.has_value() && il->line == 1 && il->column >= 1 && node.IsScalar() &&
      IsPlainTag(node.Tag()) && node.Mark().pos >= 0) {
    // Map each byte of the value to its column in the file by re-reading the source: plain
    // scalars are verbatim; quoted ones are decoded. Anything else (multi-line, folded, block)
    // fails the comparison and keeps the scalar's own position.
    const auto pos = static_cast<std::size_t>(node.Mark().pos);
    std::vector<std::uint32_t> cols;  // source offset (from pos) of each value byte
    std::string decoded;
    const char quote = pos < text_.size() ? text_[pos] : '\0';
    if (quote == '\'' || quote == '"') {
      std::size_t i = pos + 1;
      while (i < text_.size() && text_[i] != '\n' && decoded.size() <= value.size()) {
        const char c = text_[i];
        const auto off = static_cast<std::uint32_t>(i - pos);
        if (quote == '\'' && c == '\'') {
          if (i + 1 < text_.size() && text_[i + 1] == '\'') {
            decoded += '\'';
            cols.push_back(off);
            i += 2;
            continue;
          }
          break;
        }
        if (quote == '"' && c == '"') break;
        if (quote == '"' && c == '\\' && i + 1 < text_.size()) {
          const char e = text_[i + 1];
          if (e == 'u' && i + 5 < text_.size()) {
            std::uint32_t cp = 0;
            for (std::size_t k = 2; k < 6; ++k) {
              cp = cp * 16 + static_cast<std::uint32_t>(std::max(0, HexValue(text_[i + k])));
            }
            for (std::size_t k = 0; k < Utf8Length(cp); ++k) {
              decoded += '?';
              cols.push_back(off);
            }
            i += 6;
          } else {
            decoded += '?';
            cols.push_back(off);
            i += 2;
          }
          continue;
        }
        decoded += c;
        cols.push_back(off);
        ++i;
      }
      if (i >= text_.size() || text_[i] != quote) cols.clear();
      if (decoded.size() != value.size()) cols.clear();
    } else if (text_.compare(pos, value.size(), value) == 0 &&
               value.find('\n') == std::string::npos) {
      for (std::size_t k = 0; k < value.size(); ++k) cols.push_back(static_cast<std::uint32_t>(k));
    }
    const std::size_t index = il->column - 1;
    if (!cols.empty()) {
      // An error just past the end (e.g. "unterminated") points one past the last byte.
      const std::uint32_t off = index < cols.size() ? cols[index] : cols.back() + 1;
      loc.column += off;
    }
  }
  std::string m = fmt::format("{}: {}", path, inner.message());
  return Status::InvalidArgument(std::move(m)).At(std::move(loc));
}

YAML::Node Loader::Find(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) {
      if (kv.second.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
      return kv.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

Status Loader::CheckKeys(const YAML::Node& map, const std::string& path, std::string_view what,
                         std::initializer_list<std::string_view> valid,
                         std::initializer_list<std::string_view> ignored) {
  if (!map.IsMap()) return Error(map, path, fmt::format("{} must be a mapping", what));
  for (const auto& kv : map) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    bool known = false;
    for (std::string_view v : valid) known = known || v == key;
    if (known) continue;
    bool skip = false;
    for (std::string_view v : ignored) skip = skip || v == key;
    if (skip) {
      Note(fmt::format("{}.{} is ignored (trailwatch does not use it) at {}:{}:{}", path, key,
                       source_, At(kv.first).line, At(kv.first).column));
      continue;
    }
    if (mode_ != Mode::kTemplate) continue;
    return Error(kv.first, path + "." + key,
                 fmt::format("unknown property of {} (valid: {})", what, JoinNames(valid)));
  }
  return Status::Ok();
}

Status Loader::Missing(const YAML::Node& map, const std::string& path, std::string_view key) {
  return Error(map, path, fmt::format("missing required property {}", key));
}

Result<std::optional<std::string>> Loader::IntrinsicName(const YAML::Node& node,
                                                         const std::string& path,
                                                         YAML::Node* arg) const {
  if (mode_ != Mode::kTemplate) return std::optional<std::string>();
  const std::string& tag = node.Tag();
  if (!IsPlainTag(tag)) {
    if (tag.size() < 2 || tag[0] != '!') {
      return Error(node, path, fmt::format("unsupported YAML tag '{}'", tag));
    }
    arg->reset(node);
    const std::string name = tag.substr(1);
    return std::optional<std::string>(name == "Ref" ? name : "Fn::" + name);
  }
  if (node.IsMap() && node.size() == 1) {
    const auto kv = *node.begin();
    if (kv.first.IsScalar()) {
      const std::string& key = kv.first.Scalar();
      if (key == "Ref" || key.rfind("Fn::", 0) == 0) {
        arg->reset(kv.second);
        return std::optional<std::string>(key);
      }
    }
  }
  return std::optional<std::string>();
}

Result<std::string> Loader::String(const YAML::Node& node, const std::string& path) {
  if (++work_ > kMaxWork) return Error(node, path, "template too complex to resolve");
  YAML::Node arg;
  auto name = IntrinsicName(node, path, &arg);
  if (!name.ok()) return name.status();
  if (name->has_value()) {
    if (depth_ >= kMaxDepth) return Error(node, path, "intrinsic functions nested too deeply");
    ++depth_;
    auto r = Resolve(**name, arg, node.Mark(), path);
    --depth_;
    if (r.ok() && r->size() > kMaxValueBytes) return Error(node, path, "value too long");
    return r;
  }
  if (node.IsScalar()) return node.Scalar();
  if (node.IsSequence()) return Error(node, path, "expected a string, got a list");
  if (node.IsMap()) return Error(node, path, "expected a string, got a mapping");
  return Error(node, path, "expected a string");
}

Result<std::vector<std::string>> Loader::StringList(const YAML::Node& node,
                                                    const std::string& path) {
  if (!node.IsSequence()) return Error(node, path, "expected a list");
  std::vector<std::string> out;
  std::size_t i = 0;
  for (const auto& item : node) {
    no_value_ = false;
    auto s = String(item, fmt::format("{}[{}]", path, i++));
    if (!s.ok()) return s.status();
    // `!If [Cond, x, !Ref AWS::NoValue]` leaves the element out, as CloudFormation does.
    if (no_value_) continue;
    out.push_back(std::move(*s));
  }
  no_value_ = false;
  return out;
}

Result<std::string> Loader::Resolve(const std::string& name, const YAML::Node& arg,
                                    const YAML::Mark& mark, const std::string& path) {
  const std::string where = path + "." + name;
  if (name == "Ref") {
    if (!arg.IsScalar()) return Error(mark, where, "expects a parameter or resource name");
    return Ref(arg.Scalar(), mark, path);
  }
  if (name == "Fn::GetAtt") {
    std::string id;
    std::string attr;
    if (arg.IsScalar()) {
      const std::string& s = arg.Scalar();
      const auto dot = s.find('.');
      if (dot == std::string::npos) {
        return Error(mark, where, fmt::format("'{}' is not Resource.Attribute", s));
      }
      id = s.substr(0, dot);
      attr = s.substr(dot + 1);
    } else if (arg.IsSequence() && arg.size() == 2) {
      auto a = String(arg[0], where + "[0]");
      if (!a.ok()) return a.status();
      auto b = String(arg[1], where + "[1]");
      if (!b.ok()) return b.status();
      id = std::move(*a);
      attr = std::move(*b);
    } else {
      return Error(mark, where, "expects Resource.Attribute or [Resource, Attribute]");
    }
    return GetAtt(id, attr, mark, path);
  }
  if (name == "Fn::Join") {
    if (!arg.IsSequence() || arg.size() != 2) {
      return Error(mark, where, "expects [delimiter, [values...]]");
    }
    auto sep = String(arg[0], where + "[0]");
    if (!sep.ok()) return sep.status();
    auto items = StringList(arg[1], where + "[1]");
    if (!items.ok()) return items.status();
    std::string out;
    for (std::size_t i = 0; i < items->size(); ++i) {
      if (i > 0) out += *sep;
      out += (*items)[i];
      if (out.size() > kMaxValueBytes) return Error(mark, where, "value too long");
    }
    return out;
  }
  if (name == "Fn::If") {
    if (!arg.IsSequence() || arg.size() != 3 || !arg[0].IsScalar()) {
      return Error(mark, where, "expects [condition name, value if true, value if false]");
    }
    auto cond = NamedCondition(arg[0].Scalar(), mark, where);
    if (!cond.ok()) return cond.status();
    return String(arg[*cond ? 1 : 2], fmt::format("{}[{}]", where, *cond ? 1 : 2));
  }
  if (name == "Fn::Sub") {
    std::map<std::string, std::string> vars;
    YAML::Node tmpl = arg;
    if (arg.IsSequence()) {
      if (arg.size() != 2 || !arg[1].IsMap()) {
        return Error(mark, where, "expects a string or [string, {Name: value, ...}]");
      }
      tmpl.reset(arg[0]);
      for (const auto& kv : arg[1]) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
        auto v = String(kv.second, where + "[1]." + key);
        if (!v.ok()) return v.status();
        vars[key] = std::move(*v);
      }
    }
    if (!tmpl.IsScalar()) return Error(mark, where, "expects a string template");
    return Sub(tmpl.Scalar(), vars, mark, path);
  }
  return Error(mark, path,
               fmt::format("{} is not supported (trailwatch resolves Ref, Fn::Sub, Fn::GetAtt, "
                           "Fn::Join and Fn::If)",
                           name));
}

Result<std::string> Loader::Sub(const std::string& tmpl,
                                const std::map<std::string, std::string>& vars,
                                const YAML::Mark& mark, const std::string& path) {
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const std::size_t open = tmpl.find("${", i);
    if (open == std::string::npos) {
      out.append(tmpl, i);
      break;
    }
    out.append(tmpl, i, open - i);
    const std::size_t close = tmpl.find('}', open + 2);
    if (close == std::string::npos) {
      return Error(mark, path + ".Fn::Sub", fmt::format("unterminated '${{' in '{}'", tmpl));
    }
    const std::string var = tmpl.substr(open + 2, close - open - 2);
    if (!var.empty() && var[0] == '!') {
      // ${!Literal} writes "${Literal}" (CloudFormation's escape).
      out += "${" + var.substr(1) + "}";
    } else if (auto it = vars.find(var); it != vars.end()) {
      out += it->second;
    } else if (const auto dot = var.find('.');
               dot != std::string::npos && var.rfind("AWS::", 0) != 0) {
      auto v = GetAtt(var.substr(0, dot), var.substr(dot + 1), mark, path);
      if (!v.ok()) return v.status();
      out += *v;
    } else {
      auto v = Ref(var, mark, path);
      if (!v.ok()) return v.status();
      out += *v;
    }
    if (out.size() > kMaxValueBytes) return Error(mark, path, "value too long");
    i = close + 1;
  }
  return out;
}

Result<std::string> Loader::Ref(const std::string& name, const YAML::Mark& mark,
                                const std::string& path) {
  if (name == "AWS::Region") return options_.region;
  if (name == "AWS::AccountId") return options_.account_id;
  if (name == "AWS::StackName") return options_.stack_name;
  if (name == "AWS::Partition") return std::string("aws");
  if (name == "AWS::URLSuffix") return std::string("amazonaws.com");
  if (name == "AWS::NoValue") {
    no_value_ = true;
    return std::string();
  }
  if (name == "AWS::StackId") {
    return fmt::format("arn:aws:cloudformation:{}:{}:stack/{}/trailwatch", options_.region,
                       options_.account_id, options_.stack_name);
  }
  if (auto it = params_.find(name); it != params_.end()) {
    if (!it->second.has_value()) {
      return Error(mark, path,
                   fmt::format("parameter '{}' has no Default; trailwatch has no way to be "
                               "given parameter values, so give it one",
                               name));
    }
    return *it->second;
  }
  auto it = resources_.find(name);
  if (it == resources_.end()) {
    return Error(mark, path, fmt::format("Ref to '{}', which is no parameter or resource", name));
  }
  const std::string& type = it->second.type;
  auto n = NameOf(name, path);
  if (!n.ok()) return n.status();
  if (type == kTopicType) {
    return fmt::format("arn:aws:sns:{}:{}:{}", options_.region, options_.account_id, *n);
  }
  return *n;
}

Result<std::string> Loader::GetAtt(const std::string& id, const std::string& attr,
                                   const YAML::Mark& mark, const std::string& path) {
  auto it = resources_.find(id);
  if (it == resources_.end()) {
    return Error(mark, path, fmt::format("Fn::GetAtt names '{}', which is no resource", id));
  }
  const std::string& type = it->second.type;
  auto n = NameOf(id, path);
  if (!n.ok()) return n.status();
  if (type == kTopicType && attr == "TopicName") return *n;
  if (type == kTopicType && attr == "TopicArn") {
    return fmt::format("arn:aws:sns:{}:{}:{}", options_.region, options_.account_id, *n);
  }
  if ((type == kAlarmType || type == kCompositeType) && attr == "Arn") {
    return fmt::format("arn:aws:cloudwatch:{}:{}:alarm:{}", options_.region, options_.account_id,
                       *n);
  }
  if (type == "AWS::Logs::LogGroup" && attr == "Arn") {
    return fmt::format("arn:aws:logs:{}:{}:log-group:{}:*", options_.region, options_.account_id,
                       *n);
  }
  return Error(mark, path,
               fmt::format("Fn::GetAtt {}.{} is not supported for {} (supported: "
                           "AWS::SNS::Topic TopicName/TopicArn, alarm Arn, log group Arn)",
                           id, attr, type));
}

Result<std::string> Loader::NameOf(const std::string& id, const std::string& path) {
  if (auto it = names_.find(id); it != names_.end()) return it->second;
  const ResourceInfo& info = resources_.find(id)->second;
  std::string_view prop;
  if (info.type == kTopicType) prop = "TopicName";
  if (info.type == kAlarmType || info.type == kCompositeType) prop = "AlarmName";
  if (info.type == kMetricFilterType) prop = "FilterName";
  if (info.type == "AWS::Logs::LogGroup") prop = "LogGroupName";
  if (info.type == kDetectionType) prop = "DetectionName";
  std::string name = id;
  const YAML::Node node = prop.empty() ? YAML::Node() : Find(info.properties, prop);
  if (node.IsDefined()) {
    if (resolving_.contains(id)) {
      return Error(info.mark, path, fmt::format("circular reference through '{}'", id));
    }
    resolving_.insert(id);
    auto v = String(node, fmt::format("Resources.{}.Properties.{}", id, prop));
    resolving_.erase(id);
    if (!v.ok()) return v.status();
    name = std::move(*v);
  }
  names_[id] = name;
  return name;
}

}  // namespace trailwatch::rules::internal
