// Policy::Parse: the grammar accepted, the documents rejected with their messages, JSON paths
// and line:column, and the size quotas.
#include "iam/policy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace trailwatch::iam {
namespace {

constexpr const char* kSecret =
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";

ParseOptions Options(PolicyKind kind) {
  ParseOptions o;
  o.kind = kind;
  o.limit = kind == PolicyKind::kIdentity ? kInlineUserPolicyLimit : kSecretResourcePolicyLimit;
  return o;
}

TEST(PolicyTest, AcceptsTheGrammar) {
  struct Case {
    const char* name;
    PolicyKind kind;
    const char* text;
    std::size_t statements;
  };
  const Case cases[] = {
      {"statement object", PolicyKind::kIdentity,
       R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}})",
       1},
      {"statement array, lists, Id, Sids", PolicyKind::kIdentity,
       R"({"Version":"2012-10-17","Id":"reads","Statement":[
            {"Sid":"Read1","Effect":"Allow","Action":["secretsmanager:Get*","secretsmanager:Describe*"],
             "Resource":["arn:aws:secretsmanager:*:111122223333:secret:prod/*"]},
            {"Sid":"NoDelete","Effect":"Deny","NotAction":"secretsmanager:Get*","NotResource":"*"}]})",
       2},
      {"no Version", PolicyKind::kIdentity,
       R"({"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})", 1},
      {"old Version", PolicyKind::kIdentity,
       R"({"Version":"2008-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})",
       1},
      {"every operator", PolicyKind::kIdentity,
       R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
          "StringEquals":{"aws:username":"a"},"StringNotEquals":{"aws:username":["b","c"]},
          "StringEqualsIgnoreCase":{"aws:username":"A"},"StringNotEqualsIgnoreCase":{"aws:username":"B"},
          "StringLike":{"aws:username":"a*"},"StringNotLike":{"aws:username":"b?"},
          "NumericEquals":{"aws:MultiFactorAuthAge":1},"NumericNotEquals":{"aws:MultiFactorAuthAge":"2"},
          "NumericLessThan":{"aws:MultiFactorAuthAge":"3.5"},"NumericLessThanEquals":{"aws:MultiFactorAuthAge":"-4"},
          "NumericGreaterThan":{"aws:MultiFactorAuthAge":"5e2"},"NumericGreaterThanEquals":{"aws:MultiFactorAuthAge":"6"},
          "DateEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"},"DateNotEquals":{"aws:CurrentTime":"1767225600"},
          "DateLessThan":{"aws:CurrentTime":"2026-01-01"},"DateLessThanEquals":{"aws:EpochTime":1767225600},
          "DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00.5+02:00"},"DateGreaterThanEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"},
          "Bool":{"aws:SecureTransport":true},"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"},
          "BinaryEquals":{"aws:username":"QmluYXJ5"},
          "IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]},"NotIpAddress":{"aws:SourceIp":"10.0.0.1"},
          "ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/a"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"},
          "ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/b"},"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"},
          "Null":{"aws:TagKeys":"false"},
          "ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]},"ForAllValues:StringLikeIfExists":{"aws:TagKeys":"x*"},
          "StringEqualsIfExists":{"secretsmanager:ResourceTag/team":"${aws:username}"}}}})",
       1},
      {"resource policy principals", PolicyKind::kResource,
       R"({"Version":"2012-10-17","Statement":[
            {"Sid":"Grant to bob","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/bob",
              "111122223333","arn:aws:iam::111122223333:root","arn:aws:sts::111122223333:assumed-role/r/s",
              "arn:aws:iam::111122223333:role/path/app"]},
             "Action":"secretsmanager:GetSecretValue","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*"},
            {"Effect":"Deny","Principal":{"Service":"secretsmanager.amazonaws.com","AWS":"*",
              "Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
             "Action":"secretsmanager:*","Resource":"*"},
            {"Effect":"Deny","NotPrincipal":{"AWS":["111122223333"]},"Action":"secretsmanager:*","Resource":"*"}]})",
       4},
      {"json with escapes and unicode", PolicyKind::kIdentity,
       "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"secretsmanager:\\u0047et*\","
       "\"Resource\":\"arn:aws:secretsmanager:*:*:secret:caf\xC3\xA9/*\"}}",
       1},
  };
  for (const Case& c : cases) {
    auto p = Policy::Parse(c.text, Options(c.kind));
    ASSERT_TRUE(p.ok()) << c.name << ": " << p.status().ToString();
    EXPECT_EQ(p->statement_count(), c.statements) << c.name;
    EXPECT_EQ(p->kind(), c.kind) << c.name;
  }
}

TEST(PolicyTest, Accessors) {
  auto p = Policy::Parse(
      R"({"Version":"2012-10-17","Id":"doc-1","Statement":[{"Sid":"A1","Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*"}]})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->version(), "2012-10-17");
  EXPECT_EQ(p->id(), "doc-1");
  EXPECT_EQ(p->statement_sid(0), "A1");
  EXPECT_EQ(p->statement_sid(1), "");
  // Copies share the compiled form.
  const Policy copy = *p;
  EXPECT_EQ(&copy.impl(), &p->impl());
}

struct ErrorCase {
  const char* name;
  PolicyKind kind;
  const char* text;
  const char* message;
  std::uint32_t line;
  std::uint32_t column;
};

TEST(PolicyTest, RejectsMalformedDocuments) {
  using K = PolicyKind;
  const ErrorCase cases[] = {
      {"not json", K::kIdentity, "{\"Statement\": [}", "Syntax errors in policy.", 0, 0},
      {"empty", K::kIdentity, "", "Syntax errors in policy.", 0, 0},
      {"not an object", K::kIdentity, "[1]",
       "Syntax errors in policy. (the policy must be a JSON object)", 1, 1},
      {"trailing garbage", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} x)",
       "Syntax errors in policy.", 0, 0},
      {"duplicate key", K::kIdentity,
       "{\"Statement\":{\"Effect\":\"Allow\",\n\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":"
       "\"*\"}}",
       "Syntax errors in policy. (duplicate key \"Effect\")", 2, 1},
      {"duplicate condition operator", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"Bool":{"aws:SecureTransport":"false"}}}})",
       "Syntax errors in policy. (duplicate key \"Bool\")", 1, 111},
      {"too deep", K::kIdentity, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
       "Syntax errors in policy.", 0, 0},
      {"too deep objects", K::kIdentity,
       "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
       "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
       "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}"
       "}",
       "Syntax errors in policy. (nesting too deep)", 0, 0},
      {"bad version", K::kIdentity,
       R"({"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})",
       "Invalid Version; use \"2012-10-17\" (or the older \"2008-10-17\") (at Version)", 1, 12},
      {"unknown top-level field", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"},"Extra":1})",
       "Unknown field Extra (at Extra)", 1, 61},
      {"missing statement", K::kIdentity, R"({"Version":"2012-10-17"})",
       "Missing required field Statement", 1, 1},
      {"empty statement list", K::kIdentity, R"({"Statement":[]})",
       "Policy document must contain at least one statement (at Statement)", 1, 14},
      {"statement not an object", K::kIdentity,
       R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},"Allow"]})",
       "Statement must be an object (at Statement[1])", 1, 62},
      {"statement a string", K::kIdentity, R"({"Statement":"Allow"})",
       "Statement must be an object or an array of objects (at Statement)", 1, 14},
      {"unknown statement field", K::kIdentity,
       R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Principle":"*"}]})",
       "Unknown field Principle (at Statement[0].Principle)", 1, 61},
      {"missing effect", K::kIdentity, R"({"Statement":{"Action":"*","Resource":"*"}})",
       "Missing required field Effect (at Statement)", 1, 14},
      {"bad effect", K::kIdentity,
       R"({"Statement":{"Effect":"allow","Action":"*","Resource":"*"}})",
       "Invalid effect: allow (at Statement.Effect)", 1, 24},
      {"missing action", K::kIdentity, R"({"Statement":{"Effect":"Allow","Resource":"*"}})",
       "Policy statement must contain actions. (at Statement)", 1, 14},
      {"empty action list", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}})",
       "Policy statement must contain actions. (at Statement.Action)", 1, 41},
      {"action and not action", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}})",
       "Statement cannot contain both Action and NotAction (at Statement)", 1, 14},
      {"action without vendor", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":["secretsmanager:Get*","GetSecretValue"],"Resource":"*"}})",
       "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (at "
       "Statement.Action)",
       1, 64},
      {"action not a string", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":["s3:Get*",7],"Resource":"*"}})",
       "Action must be a string or an array of strings (at Statement.Action[1])", 1, 52},
      {"missing resource", K::kIdentity, R"({"Statement":{"Effect":"Allow","Action":"*"}})",
       "Policy statement must contain resources. (at Statement)", 1, 14},
      {"resource not an ARN", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"prod/db"}})",
       "Resource prod/db must be in ARN format or \"*\". (at Statement.Resource)", 1, 56},
      {"resource and not resource", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}})",
       "Statement cannot contain both Resource and NotResource (at Statement)", 1, 14},
      {"principal in identity policy", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}})",
       "Policy document should not specify a principal. (at Statement.Principal)", 1, 44},
      {"sid not alphanumeric in identity policy", K::kIdentity,
       R"({"Statement":{"Sid":"read all","Effect":"Allow","Action":"*","Resource":"*"}})",
       "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "
       "expression [0-9A-Za-z]* (at Statement.Sid)",
       1, 21},
      {"duplicate sid", K::kIdentity,
       R"({"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]})",
       "Statement IDs (SID) in a single policy must be unique. (at Statement[1].Sid)", 1, 79},
      {"missing principal", K::kResource,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})",
       "Missing required field Principal (at Statement)", 1, 14},
      {"principal and not principal", K::kResource,
       R"({"Statement":{"Effect":"Deny","Principal":"*","NotPrincipal":"*","Action":"*","Resource":"*"}})",
       "Statement cannot contain both Principal and NotPrincipal (at Statement)", 1, 14},
      {"not principal with allow", K::kResource,
       R"({"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}})",
       "NotPrincipal must be used with \"Effect\": \"Deny\" (at Statement.NotPrincipal)", 1, 47},
      {"principal wildcard in ARN", K::kResource,
       R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"*","Resource":"*"}})",
       "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111122223333:user/*\" (at "
       "Statement.Principal.AWS)",
       1, 51},
      {"principal not an ARN", K::kResource,
       R"({"Statement":{"Effect":"Allow","Principal":{"AWS":["bob"]},"Action":"*","Resource":"*"}})",
       "Invalid principal in policy: \"AWS\":\"bob\" (at Statement.Principal.AWS)", 1, 52},
      {"principal bad string", K::kResource,
       R"({"Statement":{"Effect":"Allow","Principal":"bob","Action":"*","Resource":"*"}})",
       "Invalid principal in policy: \"bob\" (at Statement.Principal)", 1, 44},
      {"principal unknown type", K::kResource,
       R"({"Statement":{"Effect":"Allow","Principal":{"User":"bob"},"Action":"*","Resource":"*"}})",
       "Invalid principal in policy: unknown principal type User (at Statement.Principal.User)", 1,
       45},
      {"principal empty object", K::kResource,
       R"({"Statement":{"Effect":"Allow","Principal":{},"Action":"*","Resource":"*"}})",
       "Invalid principal in policy (at Statement.Principal)", 1, 44},
      {"condition not an object", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}})",
       "Condition must be an object (at Statement.Condition)", 1, 72},
      {"unknown operator", K::kIdentity,
       R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLikeIgnoreCase":{"aws:username":"a"}}}]})",
       "Invalid condition operator StringLikeIgnoreCase (at "
       "Statement[1].Condition.StringLikeIgnoreCase)",
       1, 121},
      {"operator without keys", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{}}}})",
       "Condition operator StringLike must map condition keys to values (at "
       "Statement.Condition.StringLike)",
       1, 86},
      {"condition key without vendor", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"username":"a"}}}})",
       "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (at "
       "Statement.Condition.StringLike.username)",
       1, 87},
      {"condition value object", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:username":{"a":1}}}}})",
       "Condition values must be strings, numbers or booleans (at "
       "Statement.Condition.StringLike.aws:username)",
       1, 102},
      {"condition value null in list", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:username":["a",null]}}}})",
       "Condition values must be strings, numbers or booleans (at "
       "Statement.Condition.StringLike.aws:username)",
       1, 107},
      {"condition empty list", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:username":[]}}}})",
       "Condition key aws:username has no values (at Statement.Condition.StringLike.aws:username)",
       1, 102},
      {"bad ip", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}}}})",
       "Invalid IP address or CIDR block 10.0.0.0/33 (at "
       "Statement.Condition.IpAddress.aws:SourceIp)",
       1, 115},
      {"bad number", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"1h"}}}})",
       "Invalid numeric value 1h (at Statement.Condition.NumericLessThan.aws:MultiFactorAuthAge)",
       1, 117},
      {"bad date", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2026-02-30"}}}})",
       "Invalid date value 2026-02-30; use ISO 8601 or epoch seconds (at "
       "Statement.Condition.DateLessThan.aws:CurrentTime)",
       1, 107},
      {"bad bool", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}})",
       "Invalid boolean value yes; use true or false (at "
       "Statement.Condition.Bool.aws:SecureTransport)",
       1, 103},
      {"NullIfExists", K::kIdentity,
       R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}})",
       "Invalid condition operator NullIfExists (at Statement.Condition.NullIfExists)", 1, 73},
      {"multi-line location", K::kIdentity,
       "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": "
       "\"Allow\",\n"
       "      \"Action\": \"secretsmanager:GetSecretValue\",\n      \"Resource\": \"*\",\n"
       "      \"Condition\": {\"StringLike\": {\"aws:SourceIp\": 1}, \"IpAddress\": "
       "{\"aws:SourceIp\": \"x\"}}\n"
       "    }\n  ]\n}\n",
       "Invalid IP address or CIDR block x (at Statement[0].Condition.IpAddress.aws:SourceIp)", 8,
       86},
  };
  for (const ErrorCase& c : cases) {
    ParseOptions o = Options(c.kind);
    o.source = "policy.json";
    auto p = Policy::Parse(c.text, o);
    ASSERT_FALSE(p.ok()) << c.name;
    const Status& s = p.status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.name;
    if (c.line == 0) {
      // JSON syntax errors: AWS's text first, the parser's detail after it.
      EXPECT_TRUE(s.message().starts_with(c.message)) << c.name << ": " << s.message();
      continue;
    }
    EXPECT_EQ(s.message(), c.message) << c.name;
    ASSERT_TRUE(s.location().has_value()) << c.name;
    EXPECT_EQ(s.location()->source, "policy.json") << c.name;
    EXPECT_EQ(s.location()->line, c.line) << c.name;
    EXPECT_EQ(s.location()->column, c.column) << c.name;
  }
}

TEST(PolicyTest, ErrorToStringNamesFileLineAndPath) {
  ParseOptions o;
  o.source = "alice-inline";
  auto p = Policy::Parse(
      "{\n\"Statement\": {\"Effect\": \"Permit\", \"Action\": \"*\", \"Resource\": \"*\"}}", o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().ToString(),
            "alice-inline:2:25: Invalid effect: Permit (at Statement.Effect)");
}

TEST(PolicyTest, IdentitySizeQuotaIgnoresWhiteSpace) {
  const std::string head = R"({"Statement":{"Effect":"Allow","Action":"*","Resource":")";
  const std::string tail = R"("}})";
  // Exactly 2,048 characters without white space, plus a lot of white space: accepted.
  std::string arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:";
  arn += std::string(2048 - head.size() - tail.size() - arn.size(), 'a');
  std::string text = head + arn + tail + std::string(5000, ' ');
  auto ok = Policy::Parse(text, Options(PolicyKind::kIdentity));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  // One more character is over the quota.
  text = head + arn + "b" + tail;
  auto over = Policy::Parse(text, Options(PolicyKind::kIdentity));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(over.status().message(), "Cannot exceed quota for PolicySize: 2048");
  // Multi-byte characters count once: 2,048 characters in 2,050 bytes.
  std::string accented = "arn:aws:secretsmanager:*:*:secret:";
  accented += std::string(2048 - head.size() - tail.size() - accented.size() - 2, 'a');
  accented = head + accented + "\xC3\xA9\xC3\xA9" + tail;
  ASSERT_EQ(accented.size(), 2050u);
  EXPECT_TRUE(Policy::Parse(accented, Options(PolicyKind::kIdentity)).ok());
}

TEST(PolicyTest, ResourcePolicySizeQuotaCountsEverything) {
  const std::string head =
      R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}})";
  std::string text =
      head + std::string(kSecretResourcePolicyLimit.max_characters - head.size(), ' ');
  EXPECT_TRUE(Policy::Parse(text, Options(PolicyKind::kResource)).ok());
  text.push_back(' ');
  auto over = Policy::Parse(text, Options(PolicyKind::kResource));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(), "Cannot exceed quota for PolicySize: 20480");
}

TEST(PolicyTest, ResourcePolicySidsMayHaveSpaces) {
  auto p = Policy::Parse(
      R"({"Statement":{"Sid":"Allow bob to read","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":")" +
          std::string(kSecret) + R"("}})",
      Options(PolicyKind::kResource));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->statement_sid(0), "Allow bob to read");
}

// The fuzzer's seeds double as fixtures: identity-* and resource-* parse as their kind,
// malformed-* are rejected.
TEST(PolicyTest, FuzzSeedCorpus) {
  const std::filesystem::path dir =
      std::filesystem::path(TRAILWATCH_SOURCE_DIR) / "testdata" / "fuzz" / "policy";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const bool resource = name.starts_with("resource-");
    auto p = Policy::Parse(text.str(),
                           Options(resource ? PolicyKind::kResource : PolicyKind::kIdentity));
    EXPECT_EQ(p.ok(), !name.starts_with("malformed-")) << name << ": " << p.status().ToString();
    ++seen;
  }
  EXPECT_GE(seen, 5);
}

}  // namespace
}  // namespace trailwatch::iam
