// Composite alarm rules (spec: shared/spec/cloudwatch.md §3.9).
//
//   AlarmRule text --CompileRule--> CompositeRule (immutable) --Evaluate(child states)--> bool
//
// Grammar (white space -- space, tab, CR, LF -- is allowed between all tokens):
//
//   rule     := or_expr
//   or_expr  := and_expr ( 'OR' and_expr )*
//   and_expr := unary ( 'AND' unary )*
//   unary    := 'NOT' unary | primary
//   primary  := '(' or_expr ')' | 'TRUE' | 'FALSE'
//             | ( 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' ) '(' child ')'
//   child    := bare | '"' ( [^"\\] | '\"' | '\\' )* '"'
//   bare     := one or more bytes other than white space, '(', ')' and '"'
//
// AWS leaves precedence undocumented; we bind NOT tighter than AND, and AND tighter than OR,
// as in most languages. Keywords and function names are upper case, as in every AWS example;
// lower-case spellings are rejected with an error naming the upper-case form rather than
// guessed at. A child is an alarm name or an alarm ARN
// (arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>); ARNs are kept as written but
// looked up by their trailing alarm name. Choices are written down in docs/alarms.md.
//
// A CompositeRule is immutable and may be shared by any number of threads.
#ifndef TRAILWATCH_ALARM_COMPOSITE_H_
#define TRAILWATCH_ALARM_COMPOSITE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alarm/alarm.h"
#include "common/status.h"

namespace trailwatch::alarm {

// AWS's limits on AlarmRule, named. Tests lower or raise them to reach deeper code paths.
struct CompositeLimits {
  std::size_t max_length = 10240;  // AlarmRule length in bytes (AWS: 1-10240 characters)
  std::size_t max_children = 100;  // distinct child alarms in one rule
  // Elements: child references, TRUE/FALSE and parenthesised groups (one per pair).
  std::size_t max_elements = 500;
  // Nesting of '(' groups and NOT operators. AWS names no limit; ours guards the recursive
  // parser (and the recursive evaluator) so hostile input fails cleanly, not by stack overflow.
  // 500 elements cannot usefully nest deeper than this.
  std::uint32_t max_depth = 100;
};

// The source name used in error locations: errors read "AlarmRule:1:17: ...".
inline constexpr std::string_view kAlarmRuleSource = "AlarmRule";

// One reference to a child alarm, as written in the rule.
struct ChildRef {
  std::string written;       // the argument, unquoted and unescaped: a name or an ARN
  std::string name;          // the lookup key: `written`, or the ARN's trailing alarm name
  std::string region;        // from an ARN; empty for a plain name
  std::string account;       // from an ARN; empty for a plain name
  std::uint32_t child = 0;   // index into CompositeRule::children()
  std::uint32_t offset = 0;  // byte offset of the argument in the rule
};

class CompositeRule;

// Validates `alarm_rule` the way PutCompositeAlarm does (length, syntax, child and element
// limits) and reports the first error with its line and column under the source "AlarmRule".
Result<std::shared_ptr<const CompositeRule>> CompileRule(std::string_view alarm_rule,
                                                         const CompositeLimits& limits = {});

class CompositeRule {
 public:
  // The compiled tree, kept in one vector; the last node is the root.
  struct Node {
    enum class Kind : std::uint8_t { kTrue, kFalse, kState, kNot, kAnd, kOr };
    Kind kind = Kind::kTrue;
    State state = State::kAlarm;          // kState: ALARM(), OK() or INSUFFICIENT_DATA()
    std::uint32_t ref = 0;                // kState: index into references()
    std::vector<std::uint32_t> operands;  // kNot: one; kAnd, kOr: two or more
    std::uint32_t offset = 0;             // byte offset where the node starts
  };

  const std::string& text() const { return text_; }
  // Distinct child alarm names (ARNs resolved to their names), in order of first appearance.
  const std::vector<std::string>& children() const { return children_; }
  // Every reference in order of appearance, with the spelling the user wrote.
  const std::vector<ChildRef>& references() const { return refs_; }
  const std::vector<Node>& nodes() const { return nodes_; }

  // Whether the rule is true, i.e. the composite should be in ALARM. `state_of` is called
  // once per distinct child with its name (not its ARN); nullopt -- an alarm we do not know --
  // counts as INSUFFICIENT_DATA, since AWS refuses such rules at PutCompositeAlarm time and
  // a child deleted afterwards has no state to report.
  bool Evaluate(const std::function<std::optional<State>(std::string_view child)>& state_of) const;
  // The same with the states already looked up, one per children() entry in that order.
  // REQUIRES: child_states.size() == children().size().
  bool EvaluateStates(std::span<const State> child_states) const;

  // A compact S-expression, stable for golden tests, e.g.
  //   (or (alarm "A") (and (ok "B") (not (insufficient-data "C" :arn "arn:...:alarm:C"))))
  std::string Dump() const;

 private:
  friend Result<std::shared_ptr<const CompositeRule>> CompileRule(std::string_view,
                                                                  const CompositeLimits&);
  CompositeRule() = default;
  bool Eval(std::uint32_t node, std::span<const State> states) const;
  void DumpNode(std::uint32_t node, std::string* out) const;

  std::string text_;
  std::vector<std::string> children_;
  std::vector<ChildRef> refs_;
  std::vector<Node> nodes_;
};

// Composite alarms by name, for whole-configuration checks.
using CompositeSet = std::map<std::string, std::shared_ptr<const CompositeRule>, std::less<>>;

// Fails when composites refer to each other in a cycle (A's rule names B, B's names A),
// naming the alarms in it: "composite alarms form a cycle: A -> B -> A ...". AWS accepts such
// rules but then never evaluates the alarms in the cycle; we reject them at load instead, so a
// silently dead alarm cannot ship. Children that are not composites end the search. Alarms are
// visited in name order, so the reported cycle is deterministic.
Status CheckCycles(const CompositeSet& composites);

// A child alarm whose state change made a composite alarm change (TriggeringChildren in
// alarm messages).
struct ChildChange {
  std::string arn;
  State state = State::kAlarm;
  std::int64_t time_ms = 0;
};

// The StateReason AWS gives a composite alarm whose child changed state, e.g.
//   "arn:aws:cloudwatch:us-east-1:427809481713:alarm:Disk transitioned to ALARM at
//    Wednesday 10 November, 2021 02:45:55 UTC"
// (one line). `time_ms` is the child's transition time, milliseconds since the epoch;
// sub-second parts are truncated toward the past.
std::string CompositeReason(std::string_view child_arn, State new_child_state,
                            std::int64_t time_ms);

}  // namespace trailwatch::alarm

#endif  // TRAILWATCH_ALARM_COMPOSITE_H_
