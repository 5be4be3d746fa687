// Shared between composite_parser.cc and composite.cc; not part of the public API.
#ifndef TRAILWATCH_ALARM_COMPOSITE_INTERNAL_H_
#define TRAILWATCH_ALARM_COMPOSITE_INTERNAL_H_

#include <string>
#include <string_view>
#include <vector>

#include "alarm/composite.h"
#include "common/status.h"

namespace trailwatch::alarm::internal {

struct ParsedRule {
  std::vector<std::string> children;
  std::vector<ChildRef> refs;
  std::vector<CompositeRule::Node> nodes;  // the last node is the root
};

Result<ParsedRule> ParseRule(std::string_view text, const CompositeLimits& limits);

// The error for byte `offset` of `text`, located as "AlarmRule:line:column".
Status RuleError(std::string_view text, std::size_t offset, std::string message);

}  // namespace trailwatch::alarm::internal

#endif  // TRAILWATCH_ALARM_COMPOSITE_INTERNAL_H_
