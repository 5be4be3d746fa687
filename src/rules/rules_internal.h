// Internals shared by the rules sources: the Loader that reads one parsed document.
//
// The Loader walks yaml-cpp nodes (YAML and JSON alike) and resolves CloudFormation intrinsics
// on demand, so every value keeps the Mark of the node it came from and errors can name
// file:line:column. yaml-cpp throws; every call into it that can throw is inside this folder
// and converted to a Status before it leaves.
#ifndef TRAILWATCH_RULES_RULES_INTERNAL_H_
#define TRAILWATCH_RULES_RULES_INTERNAL_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "rules/rules.h"

namespace trailwatch::rules::internal {

inline constexpr std::string_view kMetricFilterType = "AWS::Logs::MetricFilter";
inline constexpr std::string_view kAlarmType = "AWS::CloudWatch::Alarm";
inline constexpr std::string_view kCompositeType = "AWS::CloudWatch::CompositeAlarm";
inline constexpr std::string_view kTopicType = "AWS::SNS::Topic";
inline constexpr std::string_view kSubscriptionType = "AWS::SNS::Subscription";
inline constexpr std::string_view kDetectionType = "Trailwatch::Detection";

// Nesting of intrinsics and conditions, and nodes visited per file. YAML aliases let a small
// file name the same subtree many times (and even itself), so both are bounded to keep hostile
// input from exhausting the stack or the CPU.
inline constexpr std::uint32_t kMaxDepth = 64;
inline constexpr std::uint64_t kMaxWork = 1'000'000;

// Where the input came from decides the property spelling and whether intrinsics apply.
enum class Mode : std::uint8_t {
  kTemplate,         // CloudFormation: PascalCase properties, intrinsics, strict keys
  kDescribeFilters,  // `aws logs describe-metric-filters`: camelCase, extra keys ignored
  kDescribeAlarms,   // `aws cloudwatch describe-alarms`: PascalCase, extra keys ignored
};

struct ResourceInfo {
  std::string type;
  YAML::Node node;        // the resource map
  YAML::Node properties;  // may be undefined
  YAML::Mark mark;        // the logical ID key
};

class Loader {
 public:
  Loader(std::string_view text, std::string_view source, const LoadOptions& options)
      : text_(text), source_(source), options_(options) {}

  // Reads the parsed root into `out`. Never throws.
  Status Load(const YAML::Node& root, RuleSet* out);

  // ---- values (intrinsics resolved in kTemplate mode) ----
  Result<std::string> String(const YAML::Node& node, const std::string& path);
  Result<std::vector<std::string>> StringList(const YAML::Node& node, const std::string& path);
  Result<double> Number(const YAML::Node& node, const std::string& path);
  Result<std::uint32_t> Count(const YAML::Node& node, const std::string& path);
  Result<bool> Boolean(const YAML::Node& node, const std::string& path);

  // ---- maps ----
  // The value under `key`, or an undefined node when absent or null.
  static YAML::Node Find(const YAML::Node& map, std::string_view key);
  // Fails on a key outside `valid` and `ignored`; `ignored` keys get a note. In describe modes
  // unknown keys are skipped, since the CLI output grows new fields over time.
  Status CheckKeys(const YAML::Node& map, const std::string& path, std::string_view what,
                   std::initializer_list<std::string_view> valid,
                   std::initializer_list<std::string_view> ignored = {});
  Status Missing(const YAML::Node& map, const std::string& path, std::string_view key);

  // ---- positions ----
  SourceLocation At(const YAML::Mark& mark) const;
  SourceLocation At(const YAML::Node& node) const { return At(node.Mark()); }
  Status Error(const YAML::Mark& mark, const std::string& path, std::string_view message) const;
  Status Error(const YAML::Node& node, const std::string& path, std::string_view message) const {
    return Error(node.Mark(), path, message);
  }
  // Re-anchors an error from an embedded language (filter pattern, AlarmRule) whose location
  // is line/column within `node`'s value: exact when the value is a literal scalar written on
  // one line, else the scalar itself.
  Status Embedded(const YAML::Node& node, const std::string& path, const Status& inner) const;

  void Note(std::string note) { notes_.push_back(std::move(note)); }

  Mode mode() const { return mode_; }
  const LoadOptions& options() const { return options_; }
  const std::string& source() const { return source_; }

 private:
  // Template level.
  Status LoadTemplate(const YAML::Node& root, RuleSet* out);
  Status LoadParameters(const YAML::Node& params);
  Status LoadDescribe(const YAML::Node& root, RuleSet* out);
  // Whether the resource's Condition (if any) holds.
  Result<bool> ResourceEnabled(const ResourceInfo& info, const std::string& path);

  // Intrinsics. Returns nullopt in `name` when the node is no intrinsic.
  Result<std::optional<std::string>> IntrinsicName(const YAML::Node& node, const std::string& path,
                                                   YAML::Node* arg) const;
  Result<std::string> Resolve(const std::string& name, const YAML::Node& arg,
                              const YAML::Mark& mark, const std::string& path);
  Result<std::string> Ref(const std::string& name, const YAML::Mark& mark, const std::string& path);
  Result<std::string> GetAtt(const std::string& id, const std::string& attr, const YAML::Mark& mark,
                             const std::string& path);
  Result<std::string> Sub(const std::string& tmpl, const std::map<std::string, std::string>& vars,
                          const YAML::Mark& mark, const std::string& path);
  // Conditions: Fn::Equals, Fn::Not, Fn::And, Fn::Or and Condition references.
  Result<bool> ConditionValue(const YAML::Node& node, const std::string& path);
  Result<bool> NamedCondition(const std::string& name, const YAML::Mark& mark,
                              const std::string& path);
  // The physical name of a resource: its name property, or the logical ID.
  Result<std::string> NameOf(const std::string& id, const std::string& path);

  std::string text_;
  std::string source_;
  LoadOptions options_;
  Mode mode_ = Mode::kTemplate;
  std::map<std::string, std::optional<std::string>, std::less<>> params_;
  std::map<std::string, ResourceInfo, std::less<>> resources_;
  std::map<std::string, std::string, std::less<>> names_;  // NameOf cache
  std::map<std::string, YAML::Node, std::less<>> conditions_;
  std::map<std::string, bool, std::less<>> condition_values_;
  std::set<std::string, std::less<>> evaluating_;  // condition cycle guard
  bool no_value_ = false;                          // the last String() was AWS::NoValue
  std::set<std::string, std::less<>> resolving_;   // NameOf cycle guard
  std::uint32_t depth_ = 0;                        // intrinsic nesting guard
  std::uint64_t work_ = 0;                         // alias-expansion guard
  std::vector<std::string> notes_;
};

// Resource readers (resources.cc, alarm_resource.cc). `path` is "Resources.<id>.Properties"
// for templates and "metricFilters[2]" style for describe JSON.
Result<MetricFilter> ReadMetricFilter(Loader& loader, const std::string& logical_id,
                                      const YAML::Node& props, const YAML::Mark& where,
                                      const std::string& path);
Result<MetricAlarm> ReadAlarm(Loader& loader, const std::string& logical_id,
                              const YAML::Node& props, const YAML::Mark& where,
                              const std::string& path);
Result<CompositeAlarm> ReadComposite(Loader& loader, const std::string& logical_id,
                                     const YAML::Node& props, const YAML::Mark& where,
                                     const std::string& path);
Result<Topic> ReadTopic(Loader& loader, const std::string& logical_id, const YAML::Node& props,
                        const YAML::Mark& where, const std::string& path);
Result<Detection> ReadDetection(Loader& loader, const std::string& logical_id,
                                const YAML::Node& props, const YAML::Mark& where,
                                const std::string& path);
// A standalone subscription: the topic ARN and the subscription.
Result<std::pair<std::string, Subscription>> ReadSubscription(Loader& loader,
                                                              const YAML::Node& props,
                                                              const YAML::Mark& where,
                                                              const std::string& path);

// Fails unless `unit` is one of CloudWatch's units, listing them.
// A CloudFormation list of {<key>, Value} mappings ([{Name: a, Value: b}]), appended to `out`.
// `check` (optional) vets each Value with its node, so errors point at it.
Status ReadPairList(
    Loader& loader, const YAML::Node& list, const std::string& path, const char* key,
    const std::function<Status(const YAML::Node&, const std::string&, const std::string&)>& check,
    std::vector<std::pair<std::string, std::string>>* out);

// ActionsEnabled, AlarmActions, OKActions and InsufficientDataActions (at most 5 each), which
// metric and composite alarms share. `path` is the resource's Properties path.
Status ReadActions(Loader& loader, const YAML::Node& props, const std::string& path,
                   bool* actions_enabled, std::vector<std::string>* alarm_actions,
                   std::vector<std::string>* ok_actions,
                   std::vector<std::string>* insufficient_data_actions);

Status CheckUnit(Loader& loader, const YAML::Node& node, const std::string& path,
                 const std::string& unit);

// "a, b, c"
std::string JoinNames(std::initializer_list<std::string_view> names);

// The built-in packs (packs_data.cc, generated from packs/*.yaml by src/rules/CMakeLists.txt):
// the first kPackCount entries; one empty entry follows so the array is never empty.
struct PackText {
  std::string_view name;
  std::string_view text;
};
extern const PackText kPacks[];
extern const std::size_t kPackCount;

}  // namespace trailwatch::rules::internal

#endif  // TRAILWATCH_RULES_RULES_INTERNAL_H_
