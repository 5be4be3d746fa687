// Shared by the conformance tests: a case table runner over the public API (Compile +
// Matcher), so each spec section's file holds only its tables.
#ifndef TRAILWATCH_TESTS_PATTERN_CONFORMANCE_H_
#define TRAILWATCH_TESTS_PATTERN_CONFORMANCE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pattern/pattern.h"

namespace trailwatch::pattern {

struct Case {
  std::string_view pattern;
  std::string_view message;
  bool want_match;
  // Checked when set (and the event matches): the values AWS reports in extractedValues.
  std::optional<ExtractedValues> want_extracted = std::nullopt;
};

std::string Describe(const ExtractedValues& values);
// Compiles each pattern and checks match and extracted values; failures name both.
void RunCases(const std::vector<Case>& cases);
void ExpectCompiles(const std::vector<std::string_view>& patterns);

}  // namespace trailwatch::pattern

#endif  // TRAILWATCH_TESTS_PATTERN_CONFORMANCE_H_
