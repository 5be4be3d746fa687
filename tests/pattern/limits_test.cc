// Every named limit, hit on purpose: long patterns, deep nesting, odd bytes, huge messages.
#include <gtest/gtest.h>

#include "pattern/ast.h"
#include "pattern/pattern.h"

namespace trailwatch::pattern {
namespace {

std::string Nested(int depth) {
  return "{ " + std::string(static_cast<std::size_t>(depth), '(') + "$.a = 1" +
         std::string(static_cast<std::size_t>(depth), ')') + " }";
}

TEST(LimitsTest, PatternOf1024CharactersIsAcceptedAnd1025Rejected) {
  const std::string base = "{ $.a = \"";
  std::string ok = base + std::string(1024 - base.size() - 3, 'x') + "\" }";
  ASSERT_EQ(ok.size(), 1024u);
  EXPECT_TRUE(Compile(ok).ok());
  std::string too_long = base + std::string(1025 - base.size() - 3, 'x') + "\" }";
  auto r = Compile(too_long);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().location()->column, 1025u);
  EXPECT_NE(r.status().message().find("at most 1024"), std::string::npos);
}

TEST(LimitsTest, TenThousandNestedParenthesesFailCleanly) {
  // Default limits stop it at the length check; raised limits reach the depth guard.
  EXPECT_FALSE(Compile(Nested(10000)).ok());
  CompileOptions raised;
  raised.limits.max_length = 1 << 20;
  auto r = Compile(Nested(10000), raised);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested deeper than 256"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(r.status().location()->column, 3u + 256u);  // the 257th '('
}

TEST(LimitsTest, NestingUpToTheLimitWorks) {
  CompileOptions raised;
  raised.limits.max_length = 1 << 20;
  auto r = Compile(Nested(256), raised);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Matcher m(*r);
  EXPECT_TRUE(m.Matches("{\"a\": 1}"));
  EXPECT_FALSE(m.Matches("{\"a\": 2}"));
}

TEST(LimitsTest, InvalidUtf8) {
  const std::string bad = "caf\xC3";  // truncated sequence
  // Terms match bytes.
  auto terms = Compile("\"" + bad + "\"");
  ASSERT_TRUE(terms.ok());
  Matcher m(*terms);
  EXPECT_TRUE(m.Matches("x " + bad + " y"));
  // A regex may not contain multi-byte (or broken) characters.
  auto re = Compile("%" + bad + "%");
  ASSERT_FALSE(re.ok());
  EXPECT_NE(re.status().message().find("multi-byte"), std::string::npos);
  // A message that is not valid UTF-8 is not JSON, so JSON patterns do not match it.
  auto json = Compile("{ $.a = * }");
  ASSERT_TRUE(json.ok());
  Matcher jm(*json);
  EXPECT_TRUE(jm.Matches("{\"a\": \"ok\"}"));
  EXPECT_FALSE(jm.Matches("{\"a\": \"" + bad + "\"}"));
  // Regexes search messages with broken bytes without failing.
  auto any = Compile("%y$%");
  ASSERT_TRUE(any.ok());
  Matcher am(*any);
  EXPECT_TRUE(am.Matches(bad + "y"));
}

TEST(LimitsTest, OneMegabyteMessage) {
  const std::string filler(1 << 20, 'a');
  const std::string json = "{\"pad\": \"" + filler + "\", \"deep\": {\"x\": [1, 2, {\"y\": \"" +
                           filler + "needle\"}]}, \"eventName\": \"GetSecretValue\"}";
  struct Case {
    const char* pattern;
    std::string message;
    bool want;
  } cases[] = {
      {"{ $.eventName = GetSecretValue }", json, true},
      {"{ $.deep.x[2].y = \"*needle\" }", json, true},
      {"{ $.deep.x[*].y = %needle$% }", json, true},
      {"{ $.deep.x[5] = * }", json, false},
      {"needle", json, true},
      {"-needle", json, false},
      {"%a{10}needle%", json, true},
      {"[..., last]", filler + " " + filler, true},
  };
  for (const Case& c : cases) {
    auto p = Compile(c.pattern);
    ASSERT_TRUE(p.ok()) << c.pattern << ": " << p.status().ToString();
    Matcher m(*p);
    EXPECT_EQ(m.Matches(c.message), c.want) << c.pattern;
  }
}

TEST(LimitsTest, RegexQuotaCountsAcrossThePattern) {
  EXPECT_TRUE(Compile("{ $.a = %x% && $.b = %y% }").ok());
  auto r = Compile("{ $.a = %x% && $.b = %y% && $.c = %z% }");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().location()->column, 35u);
  CompileOptions raised;
  raised.limits.max_regexes = 3;
  EXPECT_TRUE(Compile("{ $.a = %x% && $.b = %y% && $.c = %z% }", raised).ok());
}

TEST(LimitsTest, ProgramIsSharedAcrossMatchers) {
  // One immutable program, several per-thread matchers with independent scratch.
  auto p = Compile("{ $.a[*].b = %^v% }");
  ASSERT_TRUE(p.ok());
  Matcher m1(*p);
  Matcher m2(*p);
  EXPECT_TRUE(m1.Matches("{\"a\": [{\"b\": \"v1\"}]}"));
  EXPECT_FALSE(m2.Matches("{\"a\": [{\"b\": \"w1\"}]}"));
  EXPECT_TRUE(m1.Matches("{\"a\": [{\"c\": 1}, {\"b\": \"v2\"}]}"));
}

}  // namespace
}  // namespace trailwatch::pattern
