// rules: rule files → a validated RuleSet (design.md §4).
//
// A rule file is a CloudFormation template (YAML with the short-form tags !Ref !Sub !GetAtt
// !Join and their long forms, or JSON) whose AWS::Logs::MetricFilter, AWS::CloudWatch::Alarm,
// AWS::CloudWatch::CompositeAlarm, AWS::SNS::Topic and AWS::SNS::Subscription resources are
// read with their AWS property names and meaning, and Trailwatch::Detection resources
// (docs/detections.md) with theirs; or the JSON that `aws logs
// describe-metric-filters` and `aws cloudwatch describe-alarms` print. `pack:NAME` names a
// built-in pack (packs/NAME.yaml, compiled into the binary). Other resource types are ignored
// with a note. Every error names file:line:column and the property.
#ifndef TRAILWATCH_RULES_RULES_H_
#define TRAILWATCH_RULES_RULES_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alarm/alarm.h"
#include "common/status.h"
#include "detect/detect.h"

namespace trailwatch::rules {

struct MetricTransformation {
  std::string metric_name;
  std::string metric_namespace;
  // A number ("1"), or a reference: "$.field" (JSON patterns) or "$name" / "$N" (space-
  // delimited patterns).
  std::string metric_value;
  std::optional<double> default_value;
  // Dimension name -> "$.field" / "$name"; at most 3; exclusive with default_value.
  std::vector<std::pair<std::string, std::string>> dimensions;
  std::optional<std::string> unit;
};

struct MetricFilter {
  std::string logical_id;  // the resource's logical ID, or the filter name for describe JSON
  std::string filter_name;
  std::string log_group_name;
  std::string filter_pattern;
  MetricTransformation transformation;
  SourceLocation where;
};

struct MetricAlarm {
  std::string logical_id;
  alarm::AlarmConfig config;  // validated with alarm::Validate
  SourceLocation where;
};

struct CompositeAlarm {
  std::string logical_id;
  std::string name;
  std::string description;
  std::string alarm_rule;  // compiled with alarm::CompileRule at load (errors name its column)
  bool actions_enabled = true;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> ok_actions;
  std::vector<std::string> insufficient_data_actions;
  SourceLocation where;
};

// A Trailwatch::Detection resource (docs/detections.md): per-event alerts.
struct Detection {
  std::string logical_id;
  detect::DetectionConfig config;  // validated with detect::Validate; pattern compiled at load
  SourceLocation where;
};

struct Subscription {
  std::string protocol;  // email, email-json, http, https, sqs, lambda, sms, application, firehose
  std::string endpoint;
};

struct Topic {
  std::string logical_id;
  std::string name;  // TopicName, or the logical ID when the template leaves it out
  std::string arn;   // arn:aws:sns:<region>:<account>:<name>
  std::vector<Subscription> subscriptions;
  SourceLocation where;
  // True for a topic this file does not define but subscribes to (an AWS::SNS::Subscription
  // whose TopicArn names no topic here, e.g. a pack's topic): it holds only those
  // subscriptions, and Merge adds them to the topic with the same ARN instead of reporting a
  // duplicate.
  bool external = false;
};

struct RuleSet {
  std::vector<MetricFilter> metric_filters;
  std::vector<MetricAlarm> alarms;
  std::vector<CompositeAlarm> composites;
  std::vector<Topic> topics;
  std::vector<Detection> detections;
  // Things worth telling the user that are not errors ("ignored resource type AWS::S3::Bucket
  // at rules.yaml:40:3").
  std::vector<std::string> notes;
  // The template parameters the loaded files declare (for CheckParameters).
  std::set<std::string, std::less<>> parameters;
};

struct LoadOptions {
  std::string account_id = "123456789012";  // AWS::AccountId, and ARNs
  std::string region = "us-east-1";         // AWS::Region
  std::string stack_name = "trailwatch";    // AWS::StackName
  // Parameter values that replace the templates' Defaults (as `aws cloudformation deploy
  // --parameter-overrides` does); names a template does not declare are ignored.
  std::map<std::string, std::string, std::less<>> parameters;
};

// Loads a file path or "pack:NAME". Errors carry the file, line and column.
Result<RuleSet> LoadRuleFile(std::string_view path_or_pack, const LoadOptions& options = {});
// Loads rule text; `source` names it in errors.
Result<RuleSet> LoadRuleText(std::string_view text, std::string_view source,
                             const LoadOptions& options = {});
// Adds `from` to `into`; a second resource with the same alarm, filter or detection name is
// an error naming both places.
Status Merge(RuleSet* into, RuleSet from);

// Checks what only the whole set can tell, as PutCompositeAlarm would once every file is
// loaded: each composite's children exist (metric or composite alarms, by name), and no
// alarm is the child of more than kMaxCompositeParents composites. Errors point at the
// composite's AlarmRule.
inline constexpr std::size_t kMaxCompositeParents = 150;
Status CheckReferences(const RuleSet& set);

// Every parameter value given in `options` names a parameter that some file of `set`
// declares: a misspelt override would otherwise be ignored silently (as an allowlist left
// empty). The error lists the declared names.
Status CheckParameters(const RuleSet& set, const LoadOptions& options);

// The names of the built-in packs ("cis", "secrets").
std::vector<std::string> PackNames();

}  // namespace trailwatch::rules

#endif  // TRAILWATCH_RULES_RULES_H_
