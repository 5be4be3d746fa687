// A deliberately simple reference interpreter for filter patterns, for differential testing
// (in the style of RE2's tester). It walks the Ast directly and reads JSON with simdjson's DOM
// API, so it shares neither the compiler, the evaluator nor the On-Demand extractor with the
// production path. Speed is not a goal; obviousness is.
#ifndef TRAILWATCH_TESTS_PATTERN_REFERENCE_H_
#define TRAILWATCH_TESTS_PATTERN_REFERENCE_H_

#include <string_view>

#include "pattern/ast.h"
#include "pattern/pattern.h"

namespace trailwatch::testing {

// Whether `message` matches the parsed pattern `ast`.
bool ReferenceMatch(const pattern::Ast& ast, std::string_view message);

// The extracted values ($name / $N) of a space-delimited pattern for `message`, in event
// field order; empty for other kinds of pattern or when the event has too few fields.
pattern::ExtractedValues ReferenceExtract(const pattern::Ast& ast, std::string_view message);

}  // namespace trailwatch::testing

#endif  // TRAILWATCH_TESTS_PATTERN_REFERENCE_H_
