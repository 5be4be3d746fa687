// Condition operators, table-driven: each case is one Condition block in an otherwise
// unconditional Allow statement and a request context; the expectation is whether the
// condition holds (the request is allowed).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "iam/policy.h"

namespace trailwatch::iam {
namespace {

using Context = std::vector<std::pair<std::string, std::vector<std::string>>>;

struct Case {
  const char* name;
  const char* condition;  // the JSON object after "Condition":
  Context context;
  bool holds;
};

constexpr const char* kUser = "arn:aws:iam::111122223333:user/alice";

bool Holds(const std::string& condition, const Context& context, const char* version,
           std::string* error) {
  const std::string text = std::string(R"({"Version":")") + version +
                           R"(","Statement":{"Effect":"Allow","Action":"secretsmanager:*",)"
                           R"("Resource":"*","Condition":)" +
                           condition + "}}";
  auto policy = Policy::Parse(text);
  if (!policy.ok()) {
    *error = policy.status().ToString();
    return false;
  }
  Request r;
  r.principal_arn = kUser;
  r.principal_account = "111122223333";
  r.action = "secretsmanager:GetSecretValue";
  r.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
  for (const auto& [key, values] : context) r.context.Set(key, values);
  const std::vector<NamedPolicy> policies = {{"inline", *policy}};
  return Evaluate(r, policies, nullptr).allowed();
}

void RunTable(const std::vector<Case>& cases, const char* version = "2012-10-17") {
  for (const Case& c : cases) {
    std::string error;
    EXPECT_EQ(Holds(c.condition, c.context, version, &error), c.holds) << c.name;
    EXPECT_EQ(error, "") << c.name;
  }
}

TEST(PolicyConditionTest, StringOperators) {
  RunTable({
      {"equals",
       R"({"StringEquals":{"aws:username":"alice"}})",
       {{"aws:username", {"alice"}}},
       true},
      {"equals is case-sensitive",
       R"({"StringEquals":{"aws:username":"Alice"}})",
       {{"aws:username", {"alice"}}},
       false},
      {"equals: values are ORed",
       R"({"StringEquals":{"aws:username":["bob","alice"]}})",
       {{"aws:username", {"alice"}}},
       true},
      {"equals: no wildcards",
       R"({"StringEquals":{"aws:username":"al*"}})",
       {{"aws:username", {"alice"}}},
       false},
      {"equals: missing key", R"({"StringEquals":{"aws:username":"alice"}})", {}, false},
      {"not equals: other value",
       R"({"StringNotEquals":{"aws:username":"bob"}})",
       {{"aws:username", {"alice"}}},
       true},
      {"not equals: same value",
       R"({"StringNotEquals":{"aws:username":"alice"}})",
       {{"aws:username", {"alice"}}},
       false},
      {"not equals: values are NORed",
       R"({"StringNotEquals":{"aws:username":["bob","alice"]}})",
       {{"aws:username", {"alice"}}},
       false},
      {"not equals: missing key holds", R"({"StringNotEquals":{"aws:username":"bob"}})", {}, true},
      {"equals ignore case",
       R"({"StringEqualsIgnoreCase":{"aws:username":"ALICE"}})",
       {{"aws:username", {"alice"}}},
       true},
      {"not equals ignore case",
       R"({"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}})",
       {{"aws:username", {"alice"}}},
       false},
      {"not equals ignore case: missing",
       R"({"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}})",
       {},
       true},
      {"like *",
       R"({"StringLike":{"secretsmanager:Name":"prod/*"}})",
       {{"secretsmanager:Name", {"prod/db"}}},
       true},
      {"like ?",
       R"({"StringLike":{"secretsmanager:Name":"prod/d?"}})",
       {{"secretsmanager:Name", {"prod/db"}}},
       true},
      {"like: no match",
       R"({"StringLike":{"secretsmanager:Name":"dev/*"}})",
       {{"secretsmanager:Name", {"prod/db"}}},
       false},
      {"like is case-sensitive",
       R"({"StringLike":{"secretsmanager:Name":"PROD/*"}})",
       {{"secretsmanager:Name", {"prod/db"}}},
       false},
      {"like: missing", R"({"StringLike":{"secretsmanager:Name":"*"}})", {}, false},
      {"not like",
       R"({"StringNotLike":{"secretsmanager:Name":"dev/*"}})",
       {{"secretsmanager:Name", {"prod/db"}}},
       true},
      {"not like: matching",
       R"({"StringNotLike":{"secretsmanager:Name":["dev/*","prod/*"]}})",
       {{"secretsmanager:Name", {"prod/db"}}},
       false},
      {"not like: missing holds", R"({"StringNotLike":{"secretsmanager:Name":"dev/*"}})", {}, true},
      {"key names ignore case",
       R"({"StringEquals":{"AWS:UserName":"alice"}})",
       {{"aws:username", {"alice"}}},
       true},
      {"tag key",
       R"({"StringEquals":{"secretsmanager:ResourceTag/Team":"payments"}})",
       {{"secretsmanager:resourcetag/team", {"payments"}}},
       true},
      {"plain operator on several values: any",
       R"({"StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}})",
       {{"secretsmanager:VersionStage", {"AWSPENDING", "AWSCURRENT"}}},
       true},
      {"plain negated operator on several values: none",
       R"({"StringNotEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}})",
       {{"secretsmanager:VersionStage", {"AWSPENDING", "AWSCURRENT"}}},
       false},
      {"number value compared as text",
       R"({"StringEquals":{"aws:userid":42}})",
       {{"aws:userid", {"42"}}},
       true},
  });
}

TEST(PolicyConditionTest, IfExists) {
  RunTable({
      {"missing key holds", R"({"StringEqualsIfExists":{"aws:username":"alice"}})", {}, true},
      {"present key is tested",
       R"({"StringEqualsIfExists":{"aws:username":"alice"}})",
       {{"aws:username", {"bob"}}},
       false},
      {"present key matches",
       R"({"StringLikeIfExists":{"aws:username":"a*"}})",
       {{"aws:username", {"alice"}}},
       true},
      {"negated, missing", R"({"StringNotEqualsIfExists":{"aws:username":"alice"}})", {}, true},
      {"negated, present",
       R"({"StringNotEqualsIfExists":{"aws:username":"alice"}})",
       {{"aws:username", {"alice"}}},
       false},
      {"numeric, missing",
       R"({"NumericLessThanIfExists":{"secretsmanager:RecoveryWindowInDays":"7"}})",
       {},
       true},
      {"ip, missing", R"({"IpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}})", {}, true},
      {"bool, missing", R"({"BoolIfExists":{"aws:SecureTransport":"true"}})", {}, true},
      {"bool, present false",
       R"({"BoolIfExists":{"aws:SecureTransport":"true"}})",
       {{"aws:SecureTransport", {"false"}}},
       false},
      {"arn, missing",
       R"({"ArnLikeIfExists":{"secretsmanager:resource/AllowRotationLambdaArn":"*"}})",
       {},
       true},
      {"date, missing",
       R"({"DateLessThanIfExists":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}})",
       {},
       true},
  });
}

TEST(PolicyConditionTest, NumericOperators) {
  const Context seven = {{"secretsmanager:RecoveryWindowInDays", {"7"}}};
  RunTable({
      {"equals", R"({"NumericEquals":{"secretsmanager:RecoveryWindowInDays":"7"}})", seven, true},
      {"equals decimal", R"({"NumericEquals":{"secretsmanager:RecoveryWindowInDays":"7.0"}})",
       seven, true},
      {"equals json number", R"({"NumericEquals":{"secretsmanager:RecoveryWindowInDays":7}})",
       seven, true},
      {"equals other", R"({"NumericEquals":{"secretsmanager:RecoveryWindowInDays":"8"}})", seven,
       false},
      {"not equals", R"({"NumericNotEquals":{"secretsmanager:RecoveryWindowInDays":"8"}})", seven,
       true},
      {"not equals same", R"({"NumericNotEquals":{"secretsmanager:RecoveryWindowInDays":"7"}})",
       seven, false},
      {"not equals missing",
       R"({"NumericNotEquals":{"secretsmanager:RecoveryWindowInDays":"7"}})",
       {},
       true},
      {"less than", R"({"NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"8"}})", seven,
       true},
      {"less than equal boundary",
       R"({"NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"7"}})", seven, false},
      {"less than equals",
       R"({"NumericLessThanEquals":{"secretsmanager:RecoveryWindowInDays":"7"}})", seven, true},
      {"greater than", R"({"NumericGreaterThan":{"secretsmanager:RecoveryWindowInDays":"6.5"}})",
       seven, true},
      {"greater than boundary",
       R"({"NumericGreaterThan":{"secretsmanager:RecoveryWindowInDays":"7"}})", seven, false},
      {"greater than equals",
       R"({"NumericGreaterThanEquals":{"secretsmanager:RecoveryWindowInDays":"7"}})", seven, true},
      {"greater than equals, 30 > 7",
       R"({"NumericGreaterThanEquals":{"secretsmanager:RecoveryWindowInDays":"30"}})", seven,
       false},
      {"missing", R"({"NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"8"}})", {}, false},
      {"request value not a number",
       R"({"NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"8"}})",
       {{"secretsmanager:RecoveryWindowInDays", {"seven"}}},
       false},
      {"negated, request value not a number",
       R"({"NumericNotEquals":{"secretsmanager:RecoveryWindowInDays":"8"}})",
       {{"secretsmanager:RecoveryWindowInDays", {"seven"}}},
       true},
  });
}

TEST(PolicyConditionTest, DateOperators) {
  const Context now = {{"aws:CurrentTime", {"2026-03-01T12:00:00Z"}},
                       {"aws:EpochTime", {"1772366400"}}};  // the same instant
  RunTable({
      {"less than", R"({"DateLessThan":{"aws:CurrentTime":"2026-12-31T23:59:59Z"}})", now, true},
      {"less than, past", R"({"DateLessThan":{"aws:CurrentTime":"2025-12-31T23:59:59Z"}})", now,
       false},
      {"less than equals", R"({"DateLessThanEquals":{"aws:CurrentTime":"2026-03-01T12:00:00Z"}})",
       now, true},
      {"greater than", R"({"DateGreaterThan":{"aws:CurrentTime":"2026-01-01"}})", now, true},
      {"greater than equals",
       R"({"DateGreaterThanEquals":{"aws:CurrentTime":"2026-03-01T13:00:00+01:00"}})", now, true},
      {"equals, offsets", R"({"DateEquals":{"aws:CurrentTime":"2026-03-01T07:00:00-05:00"}})", now,
       true},
      {"not equals", R"({"DateNotEquals":{"aws:CurrentTime":"2026-03-01T12:00:01Z"}})", now, true},
      {"not equals, same", R"({"DateNotEquals":{"aws:CurrentTime":"2026-03-01T12:00:00Z"}})", now,
       false},
      {"epoch policy value", R"({"DateLessThan":{"aws:CurrentTime":"1772366401"}})", now, true},
      {"epoch request value", R"({"DateEquals":{"aws:EpochTime":"2026-03-01T12:00:00Z"}})", now,
       true},
      {"epoch against epoch", R"({"DateGreaterThan":{"aws:EpochTime":1772366399}})", now, true},
      {"missing", R"({"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}})", {}, false},
      {"negated, missing",
       R"({"DateNotEquals":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}})",
       {},
       true},
      {"unparsable request time",
       R"({"DateLessThan":{"aws:CurrentTime":"2030-01-01"}})",
       {{"aws:CurrentTime", {"soon"}}},
       false},
  });
}

TEST(PolicyConditionTest, BoolAndNull) {
  RunTable({
      {"bool true",
       R"({"Bool":{"aws:SecureTransport":"true"}})",
       {{"aws:SecureTransport", {"true"}}},
       true},
      {"bool json literal",
       R"({"Bool":{"aws:SecureTransport":true}})",
       {{"aws:SecureTransport", {"true"}}},
       true},
      {"bool ignores case",
       R"({"Bool":{"aws:SecureTransport":"TRUE"}})",
       {{"aws:SecureTransport", {"True"}}},
       true},
      {"bool mismatch",
       R"({"Bool":{"aws:SecureTransport":"false"}})",
       {{"aws:SecureTransport", {"true"}}},
       false},
      {"bool missing", R"({"Bool":{"aws:SecureTransport":"false"}})", {}, false},
      {"bool request not boolean",
       R"({"Bool":{"aws:SecureTransport":"true"}})",
       {{"aws:SecureTransport", {"1"}}},
       false},
      {"null true, absent", R"({"Null":{"aws:username":"true"}})", {}, true},
      {"null true, present",
       R"({"Null":{"aws:username":"true"}})",
       {{"aws:username", {"alice"}}},
       false},
      {"null false, present",
       R"({"Null":{"aws:username":"false"}})",
       {{"aws:username", {"alice"}}},
       true},
      {"null false, absent", R"({"Null":{"aws:username":"false"}})", {}, false},
      {"null json literal", R"({"Null":{"aws:TagKeys":false}})", {{"aws:TagKeys", {"a"}}}, true},
      {"binary",
       R"({"BinaryEquals":{"secretsmanager:SecretBinary":"QmluYXJ5"}})",
       {{"secretsmanager:SecretBinary", {"QmluYXJ5"}}},
       true},
  });
}

TEST(PolicyConditionTest, IpAddress) {
  const Context v4 = {{"aws:SourceIp", {"203.0.113.77"}}};
  const Context v6 = {{"aws:SourceIp", {"2001:db8:1234:5678::9"}}};
  RunTable({
      {"v4 in block", R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", v4, true},
      {"v4 outside", R"({"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}})", v4, false},
      {"v4 list ORed", R"({"IpAddress":{"aws:SourceIp":["198.51.100.0/24","203.0.113.0/24"]}})", v4,
       true},
      {"v4 single address", R"({"IpAddress":{"aws:SourceIp":"203.0.113.77"}})", v4, true},
      {"v6 in block", R"({"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}})", v6, true},
      {"v6 outside", R"({"IpAddress":{"aws:SourceIp":"2001:db8:1234:5679::/64"}})", v6, false},
      {"v6 request, v4 block", R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})", v6, false},
      {"mixed list", R"({"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}})", v6,
       true},
      {"missing", R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})", {}, false},
      {"not ip: outside", R"({"NotIpAddress":{"aws:SourceIp":"198.51.100.0/24"}})", v4, true},
      {"not ip: inside", R"({"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", v4, false},
      {"not ip: missing", R"({"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {}, true},
      {"request not an address",
       R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})",
       {{"aws:SourceIp", {"secretsmanager.amazonaws.com"}}},
       false},
  });
}

TEST(PolicyConditionTest, ArnOperators) {
  const Context lambda = {{"secretsmanager:resource/AllowRotationLambdaArn",
                           {"arn:aws:lambda:us-east-1:111122223333:function:rotate-db"}}};
  RunTable({
      {"arn like",
       R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}})",
       {},
       true},  // aws:PrincipalArn defaults to the request's principal
      {"arn equals with wildcard",
       R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:user/alice"}})",
       {},
       true},
      {"arn like other user",
       R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/bob"}})",
       {},
       false},
      {"resource component wildcard",
       R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:*"}})",
       {},
       true},
      {"five components never match",
       R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*"}})",
       {},
       false},
      {"arn not like", R"({"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}})", {}, true},
      {"arn not equals, same",
       R"({"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}})",
       {},
       false},
      {"rotation lambda",
       R"({"ArnLike":{"secretsmanager:resource/AllowRotationLambdaArn":"arn:aws:lambda:*:111122223333:function:rotate-*"}})",
       lambda, true},
      {"arn like, missing key",
       R"({"ArnLike":{"secretsmanager:resource/AllowRotationLambdaArn":"*"}})",
       {},
       false},
      {"arn not like, missing key",
       R"({"ArnNotLike":{"secretsmanager:resource/AllowRotationLambdaArn":"arn:aws:lambda:*:*:function:x"}})",
       {},
       true},
      {"explicit principal arn in context wins",
       R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/admin"}})",
       {{"aws:PrincipalArn", {"arn:aws:iam::111122223333:role/admin"}}},
       true},
      {"principal account default",
       R"({"StringEquals":{"aws:PrincipalAccount":"111122223333"}})",
       {},
       true},
  });
}

TEST(PolicyConditionTest, SetQualifiers) {
  const Context tags = {{"aws:TagKeys", {"team", "env"}}};
  RunTable({
      {"any: one matches", R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["env","owner"]}})", tags,
       true},
      {"any: none matches", R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["owner"]}})", tags,
       false},
      {"any: missing key", R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}})", {}, false},
      {"any: empty string is no data",
       R"({"ForAnyValue:StringEquals":{"aws:TagKeys":[""]}})",
       {{"aws:TagKeys", {""}}},
       false},
      {"all: subset", R"({"ForAllValues:StringEquals":{"aws:TagKeys":["team","env","owner"]}})",
       tags, true},
      {"all: not a subset", R"({"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}})", tags,
       false},
      {"all: missing key holds",
       R"({"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}})",
       {},
       true},
      {"all: empty string holds",
       R"({"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}})",
       {{"aws:TagKeys", {""}}},
       true},
      {"all: like", R"({"ForAllValues:StringLike":{"aws:TagKeys":["t*","e?v"]}})", tags, true},
      {"all not like: none match",
       R"({"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}})",
       {{"aws:TagKeys", {"key2:audit"}}},
       true},
      {"all not like: one matches",
       R"({"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}})",
       {{"aws:TagKeys", {"key1:legal", "key2:hr"}}},
       false},
      {"all not like: missing",
       R"({"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}})",
       {},
       true},
      {"any not equals: one differs", R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":"team"}})",
       tags, true},
      {"any not equals: all equal",
       R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":"team"}})",
       {{"aws:TagKeys", {"team"}}},
       false},
      {"any not equals: missing",
       R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":"team"}})",
       {},
       false},
      {"any if exists: missing",
       R"({"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"x"}})",
       {},
       true},
      {"all ignore case",
       R"({"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":["TEAM","ENV"]}})", tags, true},
  });
}

TEST(PolicyConditionTest, CombinationsAreAnded) {
  const Context both = {{"aws:SourceIp", {"203.0.113.7"}}, {"aws:SecureTransport", {"true"}}};
  const Context insecure = {{"aws:SourceIp", {"203.0.113.7"}}, {"aws:SecureTransport", {"false"}}};
  RunTable({
      {"two operators, both hold",
       R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"Bool":{"aws:SecureTransport":"true"}})",
       both, true},
      {"two operators, one fails",
       R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"Bool":{"aws:SecureTransport":"true"}})",
       insecure, false},
      {"two keys under one operator",
       R"({"StringEquals":{"aws:username":"alice","secretsmanager:Name":"prod/db"}})",
       {{"aws:username", {"alice"}}, {"secretsmanager:Name", {"prod/db"}}},
       true},
      {"two keys under one operator, one missing",
       R"({"StringEquals":{"aws:username":"alice","secretsmanager:Name":"prod/db"}})",
       {{"aws:username", {"alice"}}},
       false},
      {"empty condition block", R"({})", {}, true},
  });
}

TEST(PolicyConditionTest, PolicyVariablesInConditions) {
  RunTable({
      {"tag equals user name",
       R"({"StringEquals":{"secretsmanager:ResourceTag/owner":"${aws:username}"}})",
       {{"aws:username", {"alice"}}, {"secretsmanager:ResourceTag/owner", {"alice"}}},
       true},
      {"tag differs",
       R"({"StringEquals":{"secretsmanager:ResourceTag/owner":"${aws:username}"}})",
       {{"aws:username", {"alice"}}, {"secretsmanager:ResourceTag/owner", {"bob"}}},
       false},
      {"unresolvable variable: statement does not apply",
       R"({"StringEquals":{"secretsmanager:ResourceTag/owner":"${aws:username}"}})",
       {{"secretsmanager:ResourceTag/owner", {"alice"}}},
       false},
      {"unresolvable variable, negated operator: does not apply either",
       R"({"StringNotEquals":{"secretsmanager:ResourceTag/owner":"${aws:username}"}})",
       {{"secretsmanager:ResourceTag/owner", {"alice"}}},
       false},
      {"default value",
       R"({"StringEquals":{"secretsmanager:Name":"${aws:username, 'shared'}"}})",
       {{"secretsmanager:Name", {"shared"}}},
       true},
      {"variable in like",
       R"({"StringLike":{"secretsmanager:Name":"${aws:username}/*"}})",
       {{"aws:username", {"alice"}}, {"secretsmanager:Name", {"alice/db"}}},
       true},
      {"variable value is literal in like",
       R"({"StringLike":{"secretsmanager:Name":"${aws:username}/db"}})",
       {{"aws:username", {"*"}}, {"secretsmanager:Name", {"alice/db"}}},
       false},
      {"principal arn variable",
       R"({"ArnEquals":{"secretsmanager:resource/AllowRotationLambdaArn":"${aws:PrincipalArn}"}})",
       {{"secretsmanager:resource/AllowRotationLambdaArn", {kUser}}},
       true},
  });
  // Without Version 2012-10-17 the text is literal.
  RunTable({{"2008-10-17: no variables",
             R"({"StringEquals":{"secretsmanager:Name":"${aws:username}"}})",
             {{"aws:username", {"alice"}}, {"secretsmanager:Name", {"${aws:username}"}}},
             true}},
           "2008-10-17");
}

}  // namespace
}  // namespace trailwatch::iam
