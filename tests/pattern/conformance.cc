#include "pattern/conformance.h"

#include <gtest/gtest.h>

namespace trailwatch::pattern {

std::string Describe(const ExtractedValues& values) {
  std::string out = "{";
  for (const auto& [name, value] : values) {
    if (out.size() > 1) out += ", ";
    out += name + "=\"" + value + "\"";
  }
  return out + "}";
}

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "pattern: " << c.pattern << "\n    message: " << c.message);
    auto program = Compile(c.pattern);
    if (!program.ok()) {
      ADD_FAILURE() << "pattern does not compile: " << program.status().ToString();
      continue;
    }
    Matcher matcher(*program);
    const bool matched = matcher.Matches(c.message);
    EXPECT_EQ(matched, c.want_match)
        << "pattern " << c.pattern << " on message " << c.message
        << (c.want_match ? ": expected a match" : ": expected no match");
    if (matched && c.want_match && c.want_extracted) {
      const ExtractedValues got = matcher.Extracted();
      EXPECT_EQ(got, *c.want_extracted)
          << "extracted " << Describe(got) << ", want " << Describe(*c.want_extracted);
    }
  }
}

void ExpectCompiles(const std::vector<std::string_view>& patterns) {
  for (std::string_view p : patterns) {
    auto program = Compile(p);
    EXPECT_TRUE(program.ok()) << "pattern: " << p << "\n    error: " << program.status().ToString();
  }
}

}  // namespace trailwatch::pattern
