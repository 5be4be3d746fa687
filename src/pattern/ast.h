// The syntax tree of a CloudWatch Logs filter pattern. Internal to pattern/ (tests and the
// reference interpreter use it too); the public API is pattern.h.
//
// Grammar (whitespace is allowed between all tokens of structured patterns):
//
//   pattern     := match_all | regex | json | delimited | terms
//   match_all   := "" | white space only | '"' white space '"'
//   regex       := '%' aws_regex '%'                         ; the whole pattern
//   terms       := term ( white term )*
//   term        := ( '-' | '?' )? ( '"' chars '"' | bare )   ; '-' and '?' may stand apart
//   json        := '{' or_expr '}'
//   or_expr     := and_expr ( '||' and_expr )*
//   and_expr    := primary ( '&&' primary )*
//   primary     := '(' or_expr ')' | selector cmp value
//                | selector 'IS' ( 'NULL' | 'TRUE' | 'FALSE' ) | selector 'NOT' 'EXISTS'
//   selector    := '$' ( '.' name | '.*' | '[' digits ']' | '[*]' | '.'? '[' quoted ']' )+
//   cmp         := '=' | '!=' | '<' | '>' | '<=' | '>='
//   value       := '"' chars '"' | bare | number | '*' | '%' aws_regex '%'
//   delimited   := '[' ( field ( ',' field )* )? ']'
//   field       := (empty) | '...' | name | name cmp value ( ( '&&' | '||' ) name cmp value )*
//   name        := [A-Za-z0-9_-]+
//   number      := [+-]? ( digits ( '.' digits? )? | '.' digits ) ( [eE] [+-]? digits )?
//
// '&&' binds tighter than '||'. Every node records the byte offset where it starts, so
// diagnostics and the compiler can point at the text.
#ifndef TRAILWATCH_PATTERN_AST_H_
#define TRAILWATCH_PATTERN_AST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "event/event.h"
#include "pattern/pattern.h"

namespace trailwatch::pattern {

enum class CmpOp : std::uint8_t { kEq, kNe, kLt, kGt, kLe, kGe };
std::string_view CmpOpText(CmpOp op);

// The right-hand side of a comparison.
struct Operand {
  enum class Kind : std::uint8_t {
    kString,  // literal text, optionally with a leading and/or trailing '*' wildcard
    kNumber,  // a numeric literal; `text` keeps the spelling for textual comparison
    kAny,     // '*' or "*": any present value
    kRegex,   // %...%; `text` is the body in AWS's dialect
  };
  Kind kind = Kind::kString;
  std::string text;
  bool leading_star = false;
  bool trailing_star = false;
  bool quoted = false;
  double number = 0;
  std::uint32_t offset = 0;
};

struct Condition {
  CmpOp op = CmpOp::kEq;
  Operand operand;
};

struct JsonExpr {
  enum class Kind : std::uint8_t { kAnd, kOr, kCompare, kIsNull, kIsTrue, kIsFalse, kNotExists };
  Kind kind = Kind::kCompare;
  std::vector<JsonExpr> children;  // kAnd, kOr: two or more
  event::JsonPath path;            // leaf kinds
  Condition condition;             // kCompare
  std::uint32_t offset = 0;
};

struct Term {
  enum class Kind : std::uint8_t { kRequired, kOptional, kExcluded };
  Kind kind = Kind::kRequired;
  std::string text;
  bool quoted = false;
  std::uint32_t offset = 0;
};

struct FieldSpec {
  enum class Kind : std::uint8_t { kUnnamed, kEllipsis, kNamed };
  Kind kind = Kind::kUnnamed;
  std::string name;
  // Conditions as an OR of AND-groups; empty when the field has none.
  std::vector<std::vector<Condition>> any_of;
  std::uint32_t offset = 0;
};

struct Ast {
  PatternKind kind = PatternKind::kMatchAll;
  std::vector<Term> terms;        // kTerms
  Operand regex;                  // kRegex
  JsonExpr json;                  // kJson
  std::vector<FieldSpec> fields;  // kDelimited
};

// Parses and validates `text`. Errors carry the source "filter pattern" with line and column.
Result<Ast> Parse(std::string_view text, const Limits& limits);

// A compact S-expression of the tree, stable for golden tests, e.g.
//   (json (or (= $.a "x") (and (!= $.b num:1) (is-null $.c))))
std::string DumpAst(const Ast& ast);

// Parses a whole string as a number in the filter pattern grammar. Returns false otherwise.
bool ParseNumber(std::string_view s, double* out);

// Translates a regex body in AWS's dialect to RE2 syntax, or explains why AWS rejects it.
// `offset` is the body's byte offset in the pattern, for the error position.
Result<std::string> TranslateRegex(std::string_view body, std::uint32_t offset,
                                   std::string_view pattern);

// Builds the error for byte `offset` of `pattern` (line and column computed from it).
Status PatternError(std::string_view pattern, std::size_t offset, std::string message);

}  // namespace trailwatch::pattern

#endif  // TRAILWATCH_PATTERN_AST_H_
