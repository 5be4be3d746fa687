#include "rules/rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace trailwatch::rules {
namespace {

const std::string kData = std::string(TRAILWATCH_SOURCE_DIR) + "/testdata/rules/";

std::string Loc(const Status& s) {
  if (!s.location().has_value()) return "";
  return s.location()->source + ":" + std::to_string(s.location()->line) + ":" +
         std::to_string(s.location()->column);
}

const MetricAlarm* FindAlarm(const RuleSet& set, std::string_view name) {
  for (const auto& a : set.alarms) {
    if (a.config.name == name) return &a;
  }
  return nullptr;
}

TEST(RulesTest, TemplateWithEveryTypeAndIntrinsic) {
  auto r = LoadRuleFile(kData + "template.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->topics.size(), 1u);
  const Topic& t = r->topics[0];
  EXPECT_EQ(t.name, "trailwatch-alerts");
  EXPECT_EQ(t.arn, "arn:aws:sns:us-east-1:123456789012:trailwatch-alerts");
  ASSERT_EQ(t.subscriptions.size(), 2u);
  EXPECT_EQ(t.subscriptions[0].endpoint, "sec@example.com");
  EXPECT_EQ(t.subscriptions[1].protocol, "https");

  ASSERT_EQ(r->metric_filters.size(), 2u);
  const MetricFilter& root = r->metric_filters[0];
  EXPECT_EQ(root.filter_name, "root-usage");
  EXPECT_EQ(root.log_group_name, "CloudTrail/logs");
  EXPECT_EQ(root.transformation.default_value, 0.0);
  EXPECT_EQ(root.where.line, 22u);
  const MetricFilter& reads = r->metric_filters[1];
  EXPECT_EQ(reads.filter_name, "ReadsFilter");
  EXPECT_EQ(reads.log_group_name, "CloudTrail/logs");
  EXPECT_EQ(reads.transformation.metric_namespace, "CloudTrailMetrics");
  ASSERT_EQ(reads.transformation.dimensions.size(), 1u);
  EXPECT_EQ(reads.transformation.dimensions[0].second, "$.eventName");
  EXPECT_EQ(reads.transformation.unit, "Count");

  const MetricAlarm* a = FindAlarm(*r, "root-usage");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->config.description, "Root used in us-east-1 (trailwatch-alerts)");
  EXPECT_EQ(a->config.threshold, 2.0);
  EXPECT_EQ(a->config.period_seconds, 300u);
  EXPECT_EQ(a->config.treat_missing, alarm::TreatMissing::kNotBreaching);
  EXPECT_EQ(a->config.alarm_actions, std::vector<std::string>{t.arn});
  EXPECT_EQ(a->config.ok_actions, std::vector<std::string>{t.arn});
  EXPECT_EQ(a->config.insufficient_data_actions, std::vector<std::string>{t.arn});

  const MetricAlarm* m = FindAlarm(*r, "ReadsAlarm");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->config.metric.ToString(), "CloudTrailMetrics/Reads{eventName=GetSecretValue}");
  EXPECT_EQ(m->config.statistic.Name(), "p99");
  EXPECT_TRUE(m->config.ignore_low_sample_percentile);
  EXPECT_FALSE(m->config.actions_enabled);

  ASSERT_EQ(r->composites.size(), 1u);
  EXPECT_EQ(r->composites[0].alarm_rule,
            "ALARM(root-usage) OR "
            "ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:ReadsAlarm)");
  EXPECT_EQ(r->composites[0].alarm_actions, std::vector<std::string>{t.arn});

  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_EQ(r->notes[0],
            "ignored resource type AWS::S3::Bucket at " + kData + "template.yaml:101:3");
}

TEST(RulesTest, LoadOptionsFeedPseudoParameters) {
  LoadOptions o;
  o.region = "eu-west-1";
  o.account_id = "111122223333";
  o.stack_name = "prod";
  auto r = LoadRuleFile(kData + "template.yaml", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->topics[0].arn, "arn:aws:sns:eu-west-1:111122223333:prod-alerts");
  EXPECT_EQ(FindAlarm(*r, "root-usage")->config.account, "111122223333");
}

TEST(RulesTest, ParameterOverridesAreCheckedAgainstTheTemplates) {
  struct Case {
    std::map<std::string, std::string, std::less<>> parameters;
    std::string error;  // empty: loads and passes CheckParameters
  };
  const Case cases[] = {
      {{{"SecretReadAllowedPrincipals", "arn:aws:iam::123456789012:user/app"}}, ""},
      {{{"CreateTopic", "false"}}, ""},
      {{{"SecretReadAllowedPrincipal", "x"}},
       "parameter 'SecretReadAllowedPrincipal' is declared by none of the rule files (they "
       "declare: CloudTrailLogGroupName, CreateTopic, SecretReadAllowedPrincipals,"},
      {{{"CreateTopic", "maybe"}},
       "Parameters.CreateTopic: the given value 'maybe' is not one of its AllowedValues (true, "
       "false)"},
  };
  for (const Case& c : cases) {
    LoadOptions o;
    o.parameters = c.parameters;
    RuleSet set;
    Status s = Status::Ok();
    for (const char* pack : {"pack:cis", "pack:secrets"}) {
      auto r = LoadRuleFile(pack, o);
      if (!r.ok()) {
        s = r.status();
        break;
      }
      ASSERT_TRUE(Merge(&set, std::move(*r)).ok());
    }
    if (s.ok()) s = CheckParameters(set, o);
    if (c.error.empty()) {
      EXPECT_TRUE(s.ok()) << s.ToString();
    } else {
      EXPECT_NE(s.ToString().find(c.error), std::string::npos) << s.ToString();
    }
  }
}

TEST(RulesTest, JsonTemplate) {
  auto r = LoadRuleFile(kData + "template.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->alarms.size(), 1u);
  EXPECT_EQ(r->alarms[0].config.name, "123456789012-logins");
  EXPECT_EQ(r->alarms[0].config.alarm_actions[0], "arn:aws:sns:us-east-1:123456789012:Topic");
  EXPECT_EQ(r->metric_filters[0].filter_pattern, "{ $.eventName = \"ConsoleLogin\" }");
}

TEST(RulesTest, DescribeMetricFilters) {
  auto r = LoadRuleFile(kData + "describe-filters.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->metric_filters.size(), 2u);
  EXPECT_EQ(r->metric_filters[0].logical_id, "RootUsage");
  EXPECT_EQ(r->metric_filters[0].log_group_name, "CloudTrail/logs");
  EXPECT_EQ(r->metric_filters[0].transformation.default_value, 0.0);
  EXPECT_EQ(r->metric_filters[1].transformation.dimensions,
            (std::vector<std::pair<std::string, std::string>>{{"user", "$user"}}));
}

TEST(RulesTest, DescribeAlarms) {
  auto r = LoadRuleFile(kData + "describe-alarms.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->alarms.size(), 1u);
  EXPECT_EQ(r->alarms[0].config.metric.ToString(), "CISBenchmark/RootAccountUsage{Team=sec}");
  EXPECT_EQ(r->alarms[0].config.datapoints_to_alarm, 1u);
  ASSERT_EQ(r->composites.size(), 1u);
  EXPECT_EQ(r->composites[0].name, "Any");
}

TEST(RulesTest, Packs) {
  for (const std::string& name : PackNames()) {
    auto r = LoadRuleFile("pack:" + name);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    EXPECT_FALSE(r->alarms.empty()) << name;
  }
  auto missing = LoadRuleFile("pack:nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  // All packs share one topic; loading them together is not a duplicate.
  RuleSet all;
  for (const std::string& name : PackNames()) {
    auto r = LoadRuleFile("pack:" + name);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(Merge(&all, std::move(*r)).ok()) << name;
  }
  EXPECT_EQ(all.topics.size(), 1u);
}

TEST(RulesTest, PackLikeConditionsAndIf) {
  auto r = LoadRuleText(R"(
Parameters:
  CreateTopic: {Type: String, Default: "false"}
Conditions:
  Create: !Equals [!Ref CreateTopic, "true"]
  NotCreate: !Not [!Condition Create]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Condition: Create
    Properties: {TopicName: shared}
  A:
    Type: AWS::CloudWatch::Alarm
    Properties:
      MetricName: M
      Namespace: N
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanThreshold
      AlarmActions:
        - !If [Create, !Ref Topic, !Sub "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:shared"]
        - !If [NotCreate, !Ref AWS::NoValue, x]
)",
                        "p.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->topics.empty());
  EXPECT_EQ(r->alarms[0].config.alarm_actions,
            std::vector<std::string>{"arn:aws:sns:us-east-1:123456789012:shared"});
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_NE(r->notes[0].find("p.yaml:8:3: Resources.Topic is skipped"), std::string::npos);
}

TEST(RulesTest, ExternalSubscriptionJoinsTopicOnMerge) {
  auto pack = LoadRuleFile(kData + "packs/example-test.yaml");
  ASSERT_TRUE(pack.ok()) << pack.status().ToString();
  auto mine = LoadRuleText(R"(Resources:
  Sub:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Sub arn:aws:sns:${AWS::Region}:${AWS::AccountId}:trailwatch-security-alerts
      Protocol: email
      Endpoint: me@example.com
)",
                           "mine.yaml");
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  ASSERT_EQ(mine->topics.size(), 1u);
  EXPECT_TRUE(mine->topics[0].external);
  RuleSet all;
  ASSERT_TRUE(Merge(&all, std::move(*mine)).ok());
  ASSERT_TRUE(Merge(&all, std::move(*pack)).ok());
  ASSERT_EQ(all.topics.size(), 1u);
  EXPECT_FALSE(all.topics[0].external);
  EXPECT_EQ(all.topics[0].logical_id, "Topic");
  ASSERT_EQ(all.topics[0].subscriptions.size(), 1u);
  EXPECT_EQ(all.topics[0].subscriptions[0].endpoint, "me@example.com");
}

constexpr const char* kAlarmHead = R"(Resources:
  A:
    Type: AWS::CloudWatch::Alarm
    Properties:
      MetricName: M
      Namespace: N
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
)";

constexpr const char* kFilterHead = R"(Resources:
  F:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: g
)";

struct ErrorCase {
  std::string name;
  std::string text;
  std::string where;    // "t.yaml:L:C"
  std::string message;  // substring
};

class RulesErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(RulesErrorTest, NamesPlaceAndProblem) {
  const ErrorCase& c = GetParam();
  auto r = LoadRuleText(c.text, "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Loc(r.status()), c.where) << r.status().ToString();
  EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().ToString();
}

const std::string kMt = R"(      MetricTransformations:
        - MetricName: X
          MetricNamespace: Y
)";

INSTANTIATE_TEST_SUITE_P(
    Errors, RulesErrorTest,
    testing::Values(
        ErrorCase{"YamlSyntax", "Resources: [1,\n  b: {", "t.yaml:2:1", "end of"},
        ErrorCase{"NotAMap", "- 1\n", "t.yaml:1:1", "CloudFormation template"},
        ErrorCase{"UnknownTopLevel", "Resources: {}\nResorces: {}\n", "t.yaml:2:1",
                  "valid: AWSTemplateFormatVersion"},
        ErrorCase{"UnknownProperty", std::string(kFilterHead) + "      FilterPatern: x\n",
                  "t.yaml:6:7",
                  "Resources.F.Properties.FilterPatern: unknown property of "
                  "AWS::Logs::MetricFilter (valid: FilterName, FilterPattern"},
        ErrorCase{"MissingPattern", std::string(kFilterHead) + kMt + "          MetricValue: 1\n",
                  "t.yaml:5:7", "Resources.F.Properties: missing required property FilterPattern"},
        ErrorCase{"PatternIsYamlMapping",
                  std::string(kFilterHead) + "      FilterPattern: { $.a = 1 && EXISTS }\n",
                  "t.yaml:6:22", "FilterPattern: expected a string, got a mapping"},
        ErrorCase{"PatternColumnQuoted",
                  std::string(kFilterHead) + "      FilterPattern: '{ $.a = 1 }} '\n" + kMt +
                      "          MetricValue: 1\n",
                  "t.yaml:6:34",
                  "Resources.F.Properties.FilterPattern: unexpected text after the closing '}'"},
        ErrorCase{"PatternTooLong",
                  std::string(kFilterHead) + "      FilterPattern: " + std::string(1025, 'a') +
                      "\n" + kMt + "          MetricValue: 1\n",
                  "t.yaml:6:1046", "1025 characters long; at most 1024"},
        ErrorCase{"MetricValueBareWord",
                  std::string(kFilterHead) + "      FilterPattern: ''\n" + kMt +
                      "          MetricValue: length\n",
                  "t.yaml:10:24", "MetricTransformations[0].MetricValue: 'length' is neither"},
        ErrorCase{"TwoTransformations",
                  std::string(kFilterHead) +
                      "      FilterPattern: ''\n      MetricTransformations: [{}, {}]\n",
                  "t.yaml:7:30", "exactly 1 MetricTransformation, got 2"},
        ErrorCase{"DefaultAndDimensions",
                  std::string(kFilterHead) + "      FilterPattern: '{ $.a = 1 }'\n" + kMt +
                      "          MetricValue: 1\n          DefaultValue: 0\n"
                      "          Dimensions: [{Key: a, Value: $.a}]\n",
                  "t.yaml:12:23", "mutually exclusive"},
        ErrorCase{"FourDimensions",
                  std::string(kFilterHead) + "      FilterPattern: '{ $.a = 1 }'\n" + kMt +
                      "          MetricValue: 1\n          Dimensions: [{Key: a, Value: $.a}, "
                      "{Key: b, Value: $.a}, {Key: c, Value: $.a}, {Key: d, Value: $.a}]\n",
                  "t.yaml:11:23", "at most 3 dimensions"},
        ErrorCase{"DimensionsOnTermPattern",
                  std::string(kFilterHead) + "      FilterPattern: ERROR\n" + kMt +
                      "          MetricValue: 1\n          Dimensions: [{Key: a, Value: $a}]\n",
                  "t.yaml:8:11", "need a JSON or space-delimited pattern"},
        ErrorCase{"BadUnit",
                  std::string(kFilterHead) + "      FilterPattern: ''\n" + kMt +
                      "          MetricValue: 1\n          Unit: Counts\n",
                  "t.yaml:11:17", "unknown unit 'Counts' (valid: Seconds"},
        ErrorCase{"BadComparison",
                  std::string(kAlarmHead) + "      Statistic: Sum\n"
                                            "      ComparisonOperator: GreaterThan\n",
                  "t.yaml:11:27",
                  "Resources.A.Properties.ComparisonOperator: unknown value 'GreaterThan' "
                  "(valid: GreaterThanOrEqualToThreshold"},
        // One reader serves metric and composite alarms; both keep AWS's limit of 5.
        ErrorCase{"TooManyAlarmActions",
                  std::string(kAlarmHead) +
                      "      Statistic: Sum\n      ComparisonOperator: LessThanThreshold\n"
                      "      AlarmActions: [a, b, c, d, e, f]\n",
                  "t.yaml:12:21", "Resources.A.Properties.AlarmActions: at most 5 actions allowed"},
        ErrorCase{"TooManyCompositeOkActions",
                  "Resources:\n  C:\n    Type: AWS::CloudWatch::CompositeAlarm\n    Properties:\n"
                  "      AlarmName: C\n      AlarmRule: TRUE\n"
                  "      OKActions: [a, b, c, d, e, f]\n",
                  "t.yaml:7:18", "Resources.C.Properties.OKActions: at most 5 actions allowed"},
        ErrorCase{"BadTreatMissing",
                  std::string(kAlarmHead) +
                      "      Statistic: Sum\n      ComparisonOperator: LessThanThreshold\n"
                      "      TreatMissingData: zero\n",
                  "t.yaml:12:25", "TreatMissingData: unknown value 'zero'"},
        ErrorCase{"BadStatistic",
                  std::string(kAlarmHead) + "      Statistic: Avg\n"
                                            "      ComparisonOperator: LessThanThreshold\n",
                  "t.yaml:10:18", "unknown statistic 'Avg' (valid: SampleCount"},
        ErrorCase{"MissingEvaluationPeriods",
                  "Resources:\n  A:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n"
                  "      MetricName: M\n      Namespace: N\n      Statistic: Sum\n"
                  "      Period: 60\n",
                  "t.yaml:5:7", "missing required property EvaluationPeriods"},
        ErrorCase{"ValidateMapsField",
                  std::string(kAlarmHead) +
                      "      Statistic: Sum\n      ComparisonOperator: LessThanThreshold\n"
                      "      DatapointsToAlarm: 3\n",
                  "t.yaml:12:26",
                  "Resources.A.Properties.DatapointsToAlarm: must be between 1 and "
                  "EvaluationPeriods"},
        ErrorCase{"BadPeriod",
                  "Resources:\n  A:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n"
                  "      MetricName: M\n      Namespace: N\n      Statistic: Sum\n"
                  "      Period: 45\n",
                  "t.yaml:8:15", "Resources.A.Properties.Period"},
        ErrorCase{"MetricMath",
                  "Resources:\n  A:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n"
                  "      Metrics:\n        - Id: e\n          Expression: m1 * 2\n",
                  "t.yaml:7:23", "metric math is not supported yet"},
        ErrorCase{"ThresholdMetricId", std::string(kAlarmHead) + "      ThresholdMetricId: ad1\n",
                  "t.yaml:10:26", "anomaly detection"},
        ErrorCase{"CompositeRuleColumn",
                  "Resources:\n  C:\n    Type: AWS::CloudWatch::CompositeAlarm\n"
                  "    Properties:\n      AlarmName: c\n      AlarmRule: ALARM(a) AND alarm(b)\n",
                  "t.yaml:6:31", "Resources.C.Properties.AlarmRule: "},
        ErrorCase{"CompositeCycle",
                  "Resources:\n  C:\n    Type: AWS::CloudWatch::CompositeAlarm\n"
                  "    Properties: {AlarmName: c, AlarmRule: ALARM(d)}\n"
                  "  D:\n    Type: AWS::CloudWatch::CompositeAlarm\n"
                  "    Properties: {AlarmName: d, AlarmRule: ALARM(c)}\n",
                  "t.yaml:2:3", "composite alarms form a cycle: c -> d -> c"},
        ErrorCase{"DuplicateAlarmName",
                  "Resources:\n  C:\n    Type: AWS::CloudWatch::CompositeAlarm\n"
                  "    Properties: {AlarmName: c, AlarmRule: 'TRUE'}\n"
                  "  D:\n    Type: AWS::CloudWatch::CompositeAlarm\n"
                  "    Properties: {AlarmName: c, AlarmRule: 'FALSE'}\n",
                  "t.yaml:5:3", "alarm name 'c' is defined twice; the first is at t.yaml:2:3"},
        ErrorCase{"UnknownIntrinsic",
                  "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n"
                  "      TopicName: !Select [0, [a]]\n",
                  "t.yaml:5:18", "Fn::Select is not supported"},
        ErrorCase{"RefUnknown",
                  "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n"
                  "      TopicName: !Ref Nope\n",
                  "t.yaml:5:18", "Ref to 'Nope', which is no parameter or resource"},
        ErrorCase{"GetAttUnsupported",
                  "Resources:\n  T:\n    Type: AWS::SNS::Topic\n  U:\n    Type: AWS::SNS::Topic\n"
                  "    Properties:\n      TopicName: !GetAtt T.Arn\n",
                  "t.yaml:7:18", "Fn::GetAtt T.Arn is not supported"},
        ErrorCase{"BadProtocol",
                  "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n"
                  "      Subscription: [{Protocol: pigeon, Endpoint: x}]\n",
                  "t.yaml:5:33", "unknown protocol 'pigeon' (valid: email"},
        ErrorCase{"SubscriptionMissingTopicArn",
                  "Resources:\n  S:\n    Type: AWS::SNS::Subscription\n    Properties:\n"
                  "      Protocol: email\n",
                  "t.yaml:5:7", "missing required property TopicArn"},
        ErrorCase{"DescribeMissingGroup",
                  "{\"metricFilters\": [{\"filterName\": \"f\", \"filterPattern\": \"\",\n"
                  "  \"metricTransformations\": []}]}",
                  "t.yaml:1:20", "metricFilters[0]: missing required property logGroupName"}),
    [](const testing::TestParamInfo<ErrorCase>& p) { return p.param.name; });

TEST(RulesTest, RefToParameterWithoutDefault) {
  auto r = LoadRuleText(R"(Parameters:
  Group: {Type: String}
Resources:
  F:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: !Ref Group
)",
                        "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Loc(r.status()), "t.yaml:7:21");
  EXPECT_NE(r.status().message().find("parameter 'Group' has no Default"), std::string::npos);
}

TEST(RulesTest, PatternErrorColumnIsInsideTheScalar) {
  // The pattern's own column is added to the scalar's: plain, single- and double-quoted.
  for (const char* value : {"{ $.a = 1 }}", "'{ $.a = 1 }}'", "\"{ $.a = 1 }}\""}) {
    auto whole =
        LoadRuleText(std::string(kFilterHead) + "      FilterPattern: " + value + "\n", "t.yaml");
    ASSERT_FALSE(whole.ok());
    ASSERT_TRUE(whole.status().location().has_value());
    const std::uint32_t quote = value[0] == '{' ? 0 : 1;
    // "{ $.a = 1 }}": the stray '}' is byte 12 of the pattern; the value starts at column 22.
    EXPECT_EQ(whole.status().location()->column, 22u + quote + 11u) << whole.status().ToString();
  }
}

TEST(RulesTest, MergeRejectsDuplicateFilterAndAlarm) {
  auto a = LoadRuleFile(kData + "template.yaml");
  auto b = LoadRuleFile(kData + "template.yaml");
  ASSERT_TRUE(a.ok() && b.ok());
  RuleSet all;
  ASSERT_TRUE(Merge(&all, std::move(*a)).ok());
  const std::size_t before = all.alarms.size();
  Status s = Merge(&all, std::move(*b));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("is defined twice; the first is at " + kData + "template.yaml:"),
            std::string::npos)
      << s.ToString();
  EXPECT_EQ(all.alarms.size(), before);  // unchanged on failure
}

TEST(RulesTest, NoteForIgnoredProperties) {
  auto r = LoadRuleText(R"(Resources:
  T:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: alias/x
)",
                        "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_NE(r->notes[0].find("KmsMasterKeyId is ignored"), std::string::npos);
}

TEST(RulesTest, MissingFile) {
  auto r = LoadRuleFile(kData + "nope.yaml");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("nope.yaml"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace trailwatch::rules
