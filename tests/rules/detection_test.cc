// Trailwatch::Detection resources: properties, defaults, parameters, errors with
// file:line:col, duplicate names across files, and the pack:secrets detections.
#include <gtest/gtest.h>

#include <string>

#include "rules/rules.h"

namespace trailwatch::rules {
namespace {

std::string Loc(const Status& s) {
  if (!s.location().has_value()) return "";
  return s.location()->source + ":" + std::to_string(s.location()->line) + ":" +
         std::to_string(s.location()->column);
}

constexpr const char* kFull = R"y(Parameters:
  Allowed:
    Type: CommaDelimitedList
    Default: "arn:aws:iam::123456789012:role/app-*, arn:aws:iam::123456789012:user/ci"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: alerts
  Burst:
    Type: Trailwatch::Detection
    Properties:
      DetectionName: secret-burst
      Description: many reads
      Severity: critical
      FilterPattern: '{ $.eventName = "GetSecretValue" }'
      Threshold:
        Count: 6
        WindowSeconds: 600
      GroupBy: [$.userIdentity.arn, $.requestParameters.secretId]
      DedupWindowSeconds: 3600
      Allowlist:
        PrincipalArns: !Ref Allowed
        SourceIpCidrs: [10.0.0.0/8, "2001:db8::/32"]
        UserAgentPatterns: ["aws-sdk-go/*"]
      AlertActions: [!Ref Topic]
  Plain:
    Type: Trailwatch::Detection
    Properties:
      FilterPattern: '{ $.eventName = "DeleteSecret" }'
)y";

TEST(DetectionRulesTest, ReadsEveryPropertyAndDefaults) {
  auto r = LoadRuleText(kFull, "d.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->detections.size(), 2u);
  const Detection& d = r->detections[0];
  EXPECT_EQ(d.logical_id, "Burst");
  EXPECT_EQ(Loc(Status::InvalidArgument("").At(d.where)), "d.yaml:10:3");
  const detect::DetectionConfig& c = d.config;
  EXPECT_EQ(c.name, "secret-burst");
  EXPECT_EQ(c.description, "many reads");
  EXPECT_EQ(c.severity, detect::Severity::kCritical);
  EXPECT_EQ(c.filter_pattern, "{ $.eventName = \"GetSecretValue\" }");
  ASSERT_TRUE(c.threshold.has_value());
  EXPECT_EQ(c.threshold->count, 6u);
  EXPECT_EQ(c.threshold->window_seconds, 600u);
  EXPECT_EQ(c.group_by,
            (std::vector<std::string>{"$.userIdentity.arn", "$.requestParameters.secretId"}));
  EXPECT_EQ(c.dedup_window_seconds, 3600u);
  // A comma-separated parameter becomes a list, entries trimmed.
  EXPECT_EQ(c.allowlist.principal_arns,
            (std::vector<std::string>{"arn:aws:iam::123456789012:role/app-*",
                                      "arn:aws:iam::123456789012:user/ci"}));
  EXPECT_EQ(c.allowlist.source_ip_cidrs, (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));
  EXPECT_EQ(c.allowlist.user_agent_patterns, (std::vector<std::string>{"aws-sdk-go/*"}));
  EXPECT_EQ(c.actions, (std::vector<std::string>{"arn:aws:sns:us-east-1:123456789012:alerts"}));

  const detect::DetectionConfig& p = r->detections[1].config;
  EXPECT_EQ(p.name, "Plain");  // the logical ID
  EXPECT_EQ(p.severity, detect::Severity::kMedium);
  EXPECT_FALSE(p.threshold.has_value());
  EXPECT_TRUE(p.group_by.empty());
  EXPECT_EQ(p.dedup_window_seconds, 0u);
  EXPECT_TRUE(p.allowlist.principal_arns.empty());
  EXPECT_TRUE(p.actions.empty());
}

TEST(DetectionRulesTest, ParameterOverridesReplaceDefaults) {
  LoadOptions o;
  o.parameters["Allowed"] = "";
  auto r = LoadRuleText(kFull, "d.yaml", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->detections[0].config.allowlist.principal_arns.empty());
  o.parameters["Allowed"] = "arn:aws:iam::*:role/x";
  r = LoadRuleText(kFull, "d.yaml", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->detections[0].config.allowlist.principal_arns,
            (std::vector<std::string>{"arn:aws:iam::*:role/x"}));
}

const std::string kHead = R"y(Resources:
  D:
    Type: Trailwatch::Detection
    Properties:
      FilterPattern: '{ $.eventName = "GetSecretValue" }'
)y";

TEST(DetectionRulesTest, ErrorsNamePlaceAndProperty) {
  const struct {
    const char* name;
    std::string text;
    const char* where;
    const char* message;
  } cases[] = {
      {"unknown property", kHead + "      Treshold: {Count: 1, WindowSeconds: 1}\n", "t.yaml:6:7",
       "Resources.D.Properties.Treshold: unknown property of Trailwatch::Detection (valid: "
       "DetectionName, Description, Severity, FilterPattern"},
      {"missing pattern",
       "Resources:\n  D:\n    Type: Trailwatch::Detection\n    Properties:\n"
       "      Severity: low\n",
       "t.yaml:5:7", "Resources.D.Properties: missing required property FilterPattern"},
      {"bad pattern column",
       "Resources:\n  D:\n    Type: Trailwatch::Detection\n    Properties:\n"
       "      FilterPattern: '{ $.a = 1 }} '\n",
       "t.yaml:5:34", "Resources.D.Properties.FilterPattern: unexpected text after the closing"},
      {"bad severity", kHead + "      Severity: urgent\n", "t.yaml:6:17",
       "Severity: unknown severity 'urgent' (valid: low, medium, high, critical)"},
      {"unknown threshold key", kHead + "      Threshold: {Count: 2, Window: 60}\n", "t.yaml:6:29",
       "Threshold.Window: unknown property of a Threshold"},
      {"threshold without window", kHead + "      Threshold: {Count: 2}\n", "t.yaml:6:18",
       "Threshold: missing required property WindowSeconds"},
      {"threshold count 0", kHead + "      Threshold: {Count: 0, WindowSeconds: 60}\n",
       "t.yaml:6:26", "Threshold.Count: must be at least 1"},
      {"window too long", kHead + "      Threshold: {Count: 2, WindowSeconds: 9999999}\n",
       "t.yaml:6:44", "Threshold.WindowSeconds: must be 1-604800 seconds"},
      {"group by not a selector", kHead + "      GroupBy: [userIdentity.arn]\n", "t.yaml:6:17",
       "GroupBy[0]: 'userIdentity.arn' must be a JSON selector"},
      {"bad cidr in list",
       kHead + "      Allowlist:\n        SourceIpCidrs: [10.0.0.0/8, 1.2.3/4]\n", "t.yaml:7:37",
       "Allowlist.SourceIpCidrs[1]: '1.2.3/4' is no IPv4 or IPv6 address or CIDR"},
      {"bad ipv6 prefix", kHead + "      Allowlist:\n        SourceIpCidrs: ['2001:db8::/129']\n",
       "t.yaml:7:25", "Allowlist.SourceIpCidrs[0]"},
      {"unknown allowlist key", kHead + "      Allowlist: {Principals: [x]}\n", "t.yaml:6:19",
       "Allowlist.Principals: unknown property of an Allowlist (valid: PrincipalArns, "
       "SourceIpCidrs, UserAgentPatterns)"},
      {"too many actions", kHead + "      AlertActions: [a, b, c, d, e, f]\n", "t.yaml:6:21",
       "AlertActions: at most 5 actions allowed"},
      {"dedup not a number", kHead + "      DedupWindowSeconds: soon\n", "t.yaml:6:27",
       "DedupWindowSeconds"},
  };
  for (const auto& c : cases) {
    auto r = LoadRuleText(c.text, "t.yaml");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(Loc(r.status()), c.where) << c.name << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.name << ": " << r.status().ToString();
  }
}

TEST(DetectionRulesTest, DuplicateNamesNameBothPlaces) {
  auto a = LoadRuleText(kHead, "a.yaml");
  auto b = LoadRuleText("\n" + kHead, "b.yaml");
  ASSERT_TRUE(a.ok() && b.ok());
  RuleSet all;
  ASSERT_TRUE(Merge(&all, std::move(*a)).ok());
  const Status s = Merge(&all, std::move(*b));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(Loc(s), "b.yaml:3:3");
  EXPECT_NE(s.message().find("detection name 'D' is defined twice; the first is at a.yaml:2:3"),
            std::string::npos)
      << s.ToString();
  EXPECT_EQ(all.detections.size(), 1u);  // unchanged on failure
  // Within one file too (DetectionName makes two logical IDs one name).
  auto twice = LoadRuleText(
      "Resources:\n"
      "  A: {Type: Trailwatch::Detection, Properties: {DetectionName: x, FilterPattern: ''}}\n"
      "  B: {Type: Trailwatch::Detection, Properties: {DetectionName: x, FilterPattern: ''}}\n",
      "t.yaml");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(Loc(twice.status()), "t.yaml:3:3");
}

TEST(DetectionRulesTest, SecretsPackDetections) {
  auto r = LoadRuleFile("pack:secrets");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->detections.size(), 2u);
  const detect::DetectionConfig& outside = r->detections[0].config;
  EXPECT_EQ(outside.name, "Secrets-SecretReadOutsideAllowlist");
  EXPECT_FALSE(outside.threshold.has_value());
  // The allowlist parameters default to empty: every reader is outside.
  EXPECT_TRUE(outside.allowlist.principal_arns.empty());
  EXPECT_TRUE(outside.allowlist.source_ip_cidrs.empty());
  EXPECT_EQ(
      outside.actions,
      (std::vector<std::string>{"arn:aws:sns:us-east-1:123456789012:trailwatch-security-alerts"}));
  const detect::DetectionConfig& burst = r->detections[1].config;
  EXPECT_EQ(burst.name, "Secrets-SecretReadBurst");
  ASSERT_TRUE(burst.threshold.has_value());
  EXPECT_EQ(burst.threshold->count, 6u);             // more than 5 ...
  EXPECT_EQ(burst.threshold->window_seconds, 600u);  // ... in 10 minutes
  EXPECT_EQ(burst.group_by, (std::vector<std::string>{"$.userIdentity.arn"}));

  LoadOptions o;
  o.parameters["SecretReadAllowedPrincipals"] = "arn:aws:iam::*:role/app-*";
  o.parameters["SecretReadAllowedSourceCidrs"] = "10.0.0.0/8,fd00::/8";
  auto mine = LoadRuleFile("pack:secrets", o);
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ(mine->detections[0].config.allowlist.principal_arns,
            (std::vector<std::string>{"arn:aws:iam::*:role/app-*"}));
  EXPECT_EQ(mine->detections[0].config.allowlist.source_ip_cidrs,
            (std::vector<std::string>{"10.0.0.0/8", "fd00::/8"}));
  o.parameters["SecretReadAllowedSourceCidrs"] = "10.0.0.0/33";
  auto bad = LoadRuleFile("pack:secrets", o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Allowlist.SourceIpCidrs[0]"), std::string::npos)
      << bad.status().ToString();
}

}  // namespace
}  // namespace trailwatch::rules
