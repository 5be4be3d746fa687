// Compiler optimisations that must not change meaning: an OR of exact string equalities on one
// selector is evaluated as one set lookup.
#include <gtest/gtest.h>

#include "pattern/pattern.h"

namespace trailwatch::pattern {
namespace {

TEST(ProgramTest, OrOfExactStringsOnOneSelectorKeepsItsMeaning) {
  const char* pattern =
      "{ ($.e = CreateTrail) || ($.e = \"StopLogging\") || ($.e = 404) || ($.e = true) || "
      "($.e = Get*) || ($.other = x) || ($.e = \"Ev*ent\") }";
  struct Case {
    const char* event;
    bool want;
  } cases[] = {
      {R"({"e":"CreateTrail"})", true},
      {R"({"e":"StopLogging"})", true},
      {R"({"e":"DeleteTrail"})", false},
      {R"({"e":"createtrail"})", false},    // case sensitive
      {R"({"e":"CreateTrailX"})", false},   // exact, not a prefix
      {R"({"e":"GetSecretValue"})", true},  // the wildcard stays a wildcard
      {R"({"e":"Ev*ent"})", true},          // a middle star is literal
      {R"({"e":"Event"})", false},
      {R"({"e":404})", true},  // numeric literal: numeric comparison
      {R"({"e":4.04e2})", true},
      {R"({"e":"404"})", true},  // ... and textual against a string
      {R"({"e":true})", true},   // "true" as text of a boolean
      {R"({"e":"true"})", true},
      {R"({"e":null})", false},             // null never compares
      {R"({"e":["CreateTrail"]})", false},  // an array is not a value
      {R"({"e":{"CreateTrail":1}})", false},
      {R"({"other":"x"})", true},                // the other selector still counts
      {R"({"f":"CreateTrail"})", false},         // missing field
      {R"({"e":"CreateTrail","e":"x"})", true},  // any of several values
      {"not json CreateTrail", false},
  };
  auto program = Compile(pattern);
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  Matcher m(*program);
  for (const Case& c : cases) EXPECT_EQ(m.Matches(c.event), c.want) << c.event;
  const auto paths = (*program)->json_paths();
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0].ToString(), "$.e");
  EXPECT_EQ(paths[1].ToString(), "$.other");
}

}  // namespace
}  // namespace trailwatch::pattern
