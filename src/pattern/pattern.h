// pattern: the CloudWatch Logs filter pattern language (spec: shared/spec/cloudwatch.md §1).
//
//   text --Parse--> Ast --Compile--> Program (immutable) --Matches(EventView)--> bool
//
// Compile() validates the pattern the way AWS does (length, regex dialect and quotas, JSON
// syntax, selector wildcards) and reports the first error with its line and column. A Program
// is immutable and may be shared by any number of threads; evaluation allocates nothing.
// It lists the JSON paths it reads so that a caller evaluating many programs walks each event
// once (see event/event.h). Matcher bundles a program with per-thread scratch for callers that
// evaluate one pattern.
//
// Choices where AWS is undocumented are written down in docs/filter-patterns.md.
#ifndef TRAILWATCH_PATTERN_PATTERN_H_
#define TRAILWATCH_PATTERN_PATTERN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "event/event.h"

namespace trailwatch::pattern {

enum class PatternKind : std::uint8_t { kMatchAll, kTerms, kRegex, kJson, kDelimited };
std::string_view PatternKindName(PatternKind kind);

// AWS's limits, named. Tests raise them to reach deeper code paths.
struct Limits {
  std::size_t max_length = 1024;             // filterPattern length (PutMetricFilter)
  std::uint32_t max_depth = 256;             // nested parentheses; guards the recursive parser
  std::uint32_t max_regexes = 2;             // regexes in one JSON or space-delimited pattern
  std::uint32_t max_wildcard_selectors = 3;  // [*] or .* selectors in one JSON pattern
};

struct CompileOptions {
  Limits limits;
  // When set, JSON paths get their slots from this shared registry, so that several programs
  // read one EventView; the caller then builds the PathSet. When null the program builds
  // its own PathSet (path_set()).
  event::PathRegistry* registry = nullptr;
};

// Extracted values in field order: {"$ip", "127.0.0.1"}, {"$1", "-"}, ...
using ExtractedValues = std::vector<std::pair<std::string, std::string>>;

class Program {
 public:
  virtual ~Program() = default;

  PatternKind kind() const { return kind_; }
  const std::string& text() const { return text_; }
  // The JSON paths this program reads (empty unless kind() is kJson).
  virtual std::vector<event::JsonPath> json_paths() const = 0;
  virtual bool needs_delimited_fields() const = 0;
  // Only for programs compiled without a registry.
  const event::PathSet& path_set() const { return *path_set_; }

  // REQUIRES: `view` was extracted with a PathSet containing this program's paths.
  virtual bool Matches(const event::EventView& view) const noexcept = 0;
  // The values AWS reports in extractedValues for a matching event: $name / $N for
  // space-delimited patterns, nothing for the other kinds.
  virtual ExtractedValues Extract(const event::EventView& view) const = 0;

 protected:
  Program(PatternKind kind, std::string text) : kind_(kind), text_(std::move(text)) {}
  std::shared_ptr<const event::PathSet> path_set_;

 private:
  PatternKind kind_;
  std::string text_;
};

Result<std::shared_ptr<const Program>> Compile(std::string_view text,
                                               const CompileOptions& options = {});

// Parses a property selector on its own, as metric filters' MetricValue and Dimensions write
// it ("$.requestParameters.secretId", "$.['a.b']"). Errors name the column.
Result<event::JsonPath> ParseSelector(std::string_view text);

// One program plus the per-thread scratch to run it on message strings. Not thread-safe;
// use one per thread.
class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const Program> program);
  bool Matches(std::string_view message);
  // Extracted values of the message last passed to Matches().
  ExtractedValues Extracted() const { return program_->Extract(view_); }

 private:
  std::shared_ptr<const Program> program_;
  event::Extractor extractor_;
  event::EventView view_;
};

}  // namespace trailwatch::pattern

#endif  // TRAILWATCH_PATTERN_PATTERN_H_
