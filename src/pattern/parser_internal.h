// Entry points shared by the parser's source files.
#ifndef TRAILWATCH_PATTERN_PARSER_INTERNAL_H_
#define TRAILWATCH_PATTERN_PARSER_INTERNAL_H_

#include <string_view>

#include "pattern/ast.h"

namespace trailwatch::pattern {

// `text` is the whole pattern, already known to start with '{' / '[' and end with '}' / ']'
// (after white space).
Result<Ast> ParseJson(std::string_view text, const Limits& limits);
Result<Ast> ParseDelimited(std::string_view text, const Limits& limits);

}  // namespace trailwatch::pattern

#endif  // TRAILWATCH_PATTERN_PARSER_INTERNAL_H_
