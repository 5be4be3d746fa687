// The matching primitives of src/iam: wildcard globs, ARN component matching, policy variables,
// CIDR blocks and the date/number parsers used by the condition operators.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "iam/condition.h"
#include "iam/glob.h"
#include "iam/variables.h"

namespace trailwatch::iam::internal {
namespace {

struct GlobCase {
  const char* pattern;
  const char* text;
  bool ignore_case;
  bool expected;
};

TEST(PolicyGlobTest, Table) {
  const GlobCase cases[] = {
      {"*", "", false, true},
      {"*", "anything:at/all", false, true},
      {"", "", false, true},
      {"", "a", false, false},
      {"abc", "abc", false, true},
      {"abc", "abd", false, false},
      {"abc", "ABC", false, false},
      {"abc", "ABC", true, true},
      {"secretsmanager:Get*", "secretsmanager:GetSecretValue", false, true},
      {"secretsmanager:get*", "SecretsManager:GetSecretValue", true, true},
      {"secretsmanager:get*", "SecretsManager:GetSecretValue", false, false},
      {"secretsmanager:List*", "secretsmanager:GetSecretValue", true, false},
      {"a?c", "abc", false, true},
      {"a?c", "ac", false, false},
      {"a?c", "abbc", false, false},
      {"a?c",
       "a\xC3\xA9"
       "c",
       false, true},  // '?' takes one code point, not one byte
      {"a*b*c", "aXXbYYc", false, true},
      {"a*b*c", "aXXbYY", false, false},
      {"*b", "aaab", false, true},
      {"*b", "aaba", false, false},
      {"**", "x", false, true},
      {"a\\*c", "a*c", false, true},  // escaped: literal star
      {"a\\*c", "abc", false, false},
      {"a\\?c", "a?c", false, true},
      {"a\\\\c", "a\\c", false, true},
      {"prod/*", "prod/db/main", false, true},
      {"prod/*", "production", false, false},
  };
  for (const GlobCase& c : cases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.text, c.ignore_case), c.expected)
        << c.pattern << " vs " << c.text;
  }
}

TEST(PolicyGlobTest, HostilePatternIsFast) {
  // Backtracking implementations go exponential here; ours is O(pattern x text).
  const std::string pattern = std::string(50, '*') + "b";
  const std::string text(20000, 'a');
  EXPECT_FALSE(GlobMatch(pattern, text, false));
}

TEST(PolicyGlobTest, EscapeRoundTrip) {
  EXPECT_EQ(GlobEscape("a*b?c\\d"), "a\\*b\\?c\\\\d");
  EXPECT_EQ(GlobUnescape(GlobEscape("a*b?c\\d")), "a*b?c\\d");
  EXPECT_EQ(GlobFromPolicyText("a*\\b"), "a*\\\\b");
  EXPECT_TRUE(GlobHasWildcard("a*"));
  EXPECT_FALSE(GlobHasWildcard("a\\*"));
  EXPECT_TRUE(GlobMatch(GlobEscape("x*y"), "x*y", false));
  EXPECT_FALSE(GlobMatch(GlobEscape("x*y"), "xzy", false));
}

TEST(PolicyGlobTest, ArnComponents) {
  const GlobCase cases[] = {
      {"arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/alice", false, true},
      {"arn:aws:iam::111122223333:user/*", "arn:aws:iam::111122223333:user/alice", false, true},
      {"arn:aws:iam::*:user/alice", "arn:aws:iam::444455556666:user/alice", false, true},
      {"arn:aws:iam::111122223333:user/*", "arn:aws:iam::111122223333:role/admin", false, false},
      // A wildcard stays inside its component: five components never match six.
      {"arn:aws:iam::*", "arn:aws:iam::111122223333:user/alice", false, false},
      {"arn:aws:iam:*", "arn:aws:iam::111122223333:user/alice", false, false},
      // The resource component keeps its own colons.
      {"arn:aws:secretsmanager:*:111122223333:secret:prod/*",
       "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf", false, true},
      {"arn:aws:lambda:*:*:function:rotate*",
       "arn:aws:lambda:us-east-1:111122223333:function:rotate-db:live", false, true},
      {"arn:aws:iam::111122223333:user/Alice", "arn:aws:iam::111122223333:user/alice", false,
       false},  // case-sensitive
      {"*", "not-even-an-arn", false, true},
      {"arn:aws:iam::111122223333:user/alice", "not-an-arn", false, false},
      {"arn:*:*:*:*:*", "arn:aws:s3:::bucket", false, true},
  };
  for (const GlobCase& c : cases) {
    EXPECT_EQ(ArnMatch(GlobFromPolicyText(c.pattern), c.text), c.expected)
        << c.pattern << " vs " << c.text;
  }
}

struct VariableCase {
  const char* text;
  bool variables;
  const char* literal;  // nullptr: unresolvable
};

TEST(PolicyGlobTest, Variables) {
  const std::map<std::string, std::vector<std::string>> context = {
      {"aws:username", {"alice"}},
      {"aws:tagkeys", {"a", "b"}},
      {"aws:userid", {"AIDA*?"}},
  };
  const KeyLookup lookup = [&](std::string_view key) -> const std::vector<std::string>* {
    auto it = context.find(ToLower(key));
    return it == context.end() ? nullptr : &it->second;
  };
  const VariableCase cases[] = {
      {"home/${aws:username}/*", true, "home/alice/*"},
      {"home/${AWS:UserName}", true, "home/alice"},             // key names ignore case
      {"home/${aws:username}", false, "home/${aws:username}"},  // 2008-10-17: literal
      {"${aws:missing}", true, nullptr},
      {"${aws:missing, 'nobody'}", true, "nobody"},
      {"${ aws:missing , 'it''s' }", true, "it's"},
      {"${aws:tagkeys}", true, nullptr},  // multi-valued keys are not variables
      {"${aws:tagkeys, 'd'}", true, "d"},
      {"${*}${?}${$}", true, "*?$"},
      {"${unterminated", true, "${unterminated"},
      {"${aws:username, unquoted}", true, "${aws:username, unquoted}"},
      {"no variables", true, "no variables"},
  };
  for (const VariableCase& c : cases) {
    const ValueTemplate t = ValueTemplate::Compile(c.text, c.variables);
    const std::optional<std::string> literal = t.Literal(lookup);
    if (c.literal == nullptr) {
      EXPECT_FALSE(literal.has_value()) << c.text;
      EXPECT_FALSE(t.Pattern(lookup).has_value()) << c.text;
    } else {
      ASSERT_TRUE(literal.has_value()) << c.text;
      EXPECT_EQ(*literal, c.literal) << c.text;
    }
  }
  // Substituted values and ${*} are literal in patterns; policy wildcards stay wildcards.
  const ValueTemplate t = ValueTemplate::Compile("${aws:userid}/${*}/*", true);
  const std::string pattern = t.Pattern(lookup).value();
  EXPECT_TRUE(GlobMatch(pattern, "AIDA*?/*/anything", false));
  EXPECT_FALSE(GlobMatch(pattern, "AIDAXY/*/anything", false));
  EXPECT_FALSE(GlobMatch(pattern, "AIDA*?/x/anything", false));
}

TEST(PolicyGlobTest, CidrBlocks) {
  struct Case {
    const char* range;
    const char* address;
    bool expected;
  };
  const Case cases[] = {
      {"203.0.113.0/24", "203.0.113.77", true},
      {"203.0.113.0/24", "203.0.114.1", false},
      {"203.0.113.5", "203.0.113.5", true},  // no prefix: one address
      {"203.0.113.5", "203.0.113.6", false},
      {"203.0.113.5/24", "203.0.113.200", true},  // host bits ignored
      {"0.0.0.0/0", "198.51.100.1", true},
      {"10.0.0.0/9", "10.127.255.255", true},
      {"10.0.0.0/9", "10.128.0.0", false},
      {"2001:db8::/32", "2001:DB8:1234::1", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"::1", "::1", true},
      {"203.0.113.0/24", "::ffff:203.0.113.1", false},  // families never mix
      {"::/0", "203.0.113.1", false},
  };
  for (const Case& c : cases) {
    const auto range = ParseCidr(c.range);
    const auto address = ParseCidr(c.address);
    ASSERT_TRUE(range && address) << c.range << " " << c.address;
    EXPECT_EQ(InRange(*range, *address), c.expected) << c.range << " " << c.address;
  }
  for (const char* bad : {"", "203.0.113.0/33", "::/129", "203.0.113", "300.1.1.1", "a.b.c.d",
                          "203.0.113.0/", "203.0.113.0/-1", "1.2.3.4/024x", "fe80::1%eth0"}) {
    EXPECT_FALSE(ParseCidr(bad).has_value()) << bad;
  }
}

TEST(PolicyGlobTest, DatesNumbersBools) {
  EXPECT_EQ(ParseDateMillis("2024-07-31T12:00:00Z"), 1722427200000);
  EXPECT_EQ(ParseDateMillis("1722427200"), 1722427200000);
  EXPECT_EQ(ParseDateMillis("2024-07-31"), 1722384000000);
  EXPECT_EQ(ParseDateMillis("-10"), -10000);
  EXPECT_FALSE(ParseDateMillis("yesterday").has_value());
  EXPECT_FALSE(ParseDateMillis("9999999999999999").has_value());
  EXPECT_EQ(ParseNumber("42"), 42.0);
  EXPECT_EQ(ParseNumber("-1.5"), -1.5);
  EXPECT_FALSE(ParseNumber("").has_value());
  EXPECT_FALSE(ParseNumber("12abc").has_value());
  EXPECT_FALSE(ParseNumber("inf").has_value());
  EXPECT_FALSE(ParseNumber("nan").has_value());
  EXPECT_EQ(ParseBool("TRUE"), true);
  EXPECT_EQ(ParseBool("false"), false);
  EXPECT_FALSE(ParseBool("yes").has_value());
}

TEST(PolicyGlobTest, OperatorNames) {
  struct Case {
    const char* name;
    bool valid;
    Family family;
    bool negated;
    bool if_exists;
    SetQualifier set;
  };
  const Case cases[] = {
      {"StringEquals", true, Family::kString, false, false, SetQualifier::kNone},
      {"StringNotLikeIfExists", true, Family::kString, true, true, SetQualifier::kNone},
      {"ForAnyValue:StringLike", true, Family::kString, false, false, SetQualifier::kForAnyValue},
      {"ForAllValues:ArnNotEqualsIfExists", true, Family::kArn, true, true,
       SetQualifier::kForAllValues},
      {"NotIpAddress", true, Family::kIp, true, false, SetQualifier::kNone},
      {"DateGreaterThanEquals", true, Family::kDate, false, false, SetQualifier::kNone},
      {"BoolIfExists", true, Family::kBool, false, true, SetQualifier::kNone},
      {"Null", true, Family::kNull, false, false, SetQualifier::kNone},
      {"NullIfExists", false, Family::kNull, false, false, SetQualifier::kNone},
      {"ForAnyValue:Null", false, Family::kNull, false, false, SetQualifier::kNone},
      {"stringequals", false, Family::kString, false, false, SetQualifier::kNone},
      {"StringLikeIgnoreCase", false, Family::kString, false, false, SetQualifier::kNone},
      {"ForSomeValues:StringLike", false, Family::kString, false, false, SetQualifier::kNone},
      {"IfExists", false, Family::kString, false, false, SetQualifier::kNone},
  };
  for (const Case& c : cases) {
    const std::optional<Operator> op = ParseOperator(c.name);
    ASSERT_EQ(op.has_value(), c.valid) << c.name;
    if (!op) continue;
    EXPECT_EQ(op->family, c.family) << c.name;
    EXPECT_EQ(op->negated, c.negated) << c.name;
    EXPECT_EQ(op->if_exists, c.if_exists) << c.name;
    EXPECT_EQ(op->set, c.set) << c.name;
  }
}

}  // namespace
}  // namespace trailwatch::iam::internal
