// The compiled forms of each pattern kind. Internal to pattern/.
#ifndef TRAILWATCH_PATTERN_PROGRAM_H_
#define TRAILWATCH_PATTERN_PROGRAM_H_

#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "pattern/ast.h"
#include "pattern/pattern.h"

namespace trailwatch::pattern {

// One comparison's right-hand side, ready to test values.
struct ValueTest {
  CmpOp op = CmpOp::kEq;
  Operand::Kind kind = Operand::Kind::kString;
  std::string text;
  bool leading_star = false;
  bool trailing_star = false;
  double number = 0;
  std::shared_ptr<const RE2> regex;

  // A JSON value (spec §1.3.2; choices in docs/filter-patterns.md).
  bool TestJson(const event::Value& v) const noexcept;
  // A space-delimited field's text.
  bool TestField(std::string_view field) const noexcept;

 private:
  bool TextMatches(std::string_view s) const noexcept;  // wildcard or regex, before negation
};

Result<ValueTest> CompileTest(const Condition& c, std::string_view pattern);
Result<std::shared_ptr<const RE2>> CompileRegex(const Operand& op, std::string_view pattern);

class MatchAllProgram final : public Program {
 public:
  explicit MatchAllProgram(std::string text) : Program(PatternKind::kMatchAll, std::move(text)) {
    path_set_ = event::PathSet::Build({}, false);
  }
  std::vector<event::JsonPath> json_paths() const override { return {}; }
  bool needs_delimited_fields() const override { return false; }
  bool Matches(const event::EventView&) const noexcept override { return true; }
  ExtractedValues Extract(const event::EventView&) const override { return {}; }
};

class TermsProgram final : public Program {
 public:
  TermsProgram(std::string text, const Ast& ast);
  std::vector<event::JsonPath> json_paths() const override { return {}; }
  bool needs_delimited_fields() const override { return false; }
  bool Matches(const event::EventView& view) const noexcept override;
  ExtractedValues Extract(const event::EventView&) const override { return {}; }

 private:
  std::vector<std::string> required_;
  std::vector<std::string> excluded_;
  std::vector<std::string> optional_;  // used only when there are no required terms
};

class RegexProgram final : public Program {
 public:
  RegexProgram(std::string text, std::shared_ptr<const RE2> re)
      : Program(PatternKind::kRegex, std::move(text)), re_(std::move(re)) {
    path_set_ = event::PathSet::Build({}, false);
  }
  std::vector<event::JsonPath> json_paths() const override { return {}; }
  bool needs_delimited_fields() const override { return false; }
  bool Matches(const event::EventView& view) const noexcept override;
  ExtractedValues Extract(const event::EventView&) const override { return {}; }

 private:
  std::shared_ptr<const RE2> re_;
};

// A set of exact strings, looked up with one hash and one comparison (an OR chain of
// `$.eventName = X` tests is asked of every event).
class StringSet {
 public:
  explicit StringSet(std::vector<std::string> members);
  bool Contains(std::string_view s) const noexcept {
    if ((lengths_ & event::PathSet::Node::LengthBit(s.size())) == 0) return false;
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = event::PathSet::HashKey(s) & mask;; i = (i + 1) & mask) {
      const std::int32_t k = table_[i];
      if (k < 0) return false;
      if (members_[static_cast<std::size_t>(k)] == s) return true;
    }
  }

 private:
  std::vector<std::string> members_;
  std::vector<std::int32_t> table_;  // open addressing, -1 = empty; at most half full
  std::uint64_t lengths_ = 0;
};

class JsonProgram final : public Program {
 public:
  struct Node {
    JsonExpr::Kind kind = JsonExpr::Kind::kCompare;
    std::uint32_t slot = 0;         // leaves
    std::uint32_t test = 0;         // kCompare: index into tests_
    std::uint32_t first_child = 0;  // kAnd/kOr: range in children_
    std::uint32_t child_count = 0;
    // kCompare: >= 0 when the node stands for "any of these exact strings" (sets_[set]).
    std::int32_t set = -1;
  };
  static Result<std::shared_ptr<const Program>> Build(std::string text, const Ast& ast,
                                                      event::PathRegistry* registry);
  std::vector<event::JsonPath> json_paths() const override { return paths_; }
  bool needs_delimited_fields() const override { return false; }
  bool Matches(const event::EventView& view) const noexcept override;
  ExtractedValues Extract(const event::EventView&) const override { return {}; }

 private:
  explicit JsonProgram(std::string text) : Program(PatternKind::kJson, std::move(text)) {}
  Result<std::uint32_t> Add(const JsonExpr& e, event::PathRegistry* registry);
  // An OR's children; exact string equalities on one selector become one set lookup.
  Result<std::vector<std::uint32_t>> AddDisjuncts(const JsonExpr& e, event::PathRegistry* registry);
  std::uint32_t Slot(const event::JsonPath& path, event::PathRegistry* registry);
  bool Eval(std::uint32_t node, const event::EventView& view) const noexcept;

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> children_;
  std::vector<ValueTest> tests_;
  std::vector<StringSet> sets_;
  std::vector<event::JsonPath> paths_;
  std::uint32_t root_ = 0;
};

class DelimitedProgram final : public Program {
 public:
  static Result<std::shared_ptr<const Program>> Build(std::string text, const Ast& ast);
  std::vector<event::JsonPath> json_paths() const override { return {}; }
  bool needs_delimited_fields() const override { return true; }
  bool Matches(const event::EventView& view) const noexcept override;
  ExtractedValues Extract(const event::EventView& view) const override;

 private:
  struct Field {
    FieldSpec::Kind kind = FieldSpec::Kind::kUnnamed;
    std::string name;
    std::vector<std::vector<ValueTest>> any_of;
    bool Test(std::string_view value) const noexcept;
  };
  explicit DelimitedProgram(std::string text) : Program(PatternKind::kDelimited, std::move(text)) {}
  // Calls fn(field index in fields_ or -1 for ellipsis, event position (1-based), value) for
  // each event field; false when the event has too few fields.
  template <typename Fn>
  bool Align(const event::EventView& view, Fn&& fn) const;

  std::vector<Field> fields_;
  int ellipsis_ = -1;
};

}  // namespace trailwatch::pattern

#endif  // TRAILWATCH_PATTERN_PROGRAM_H_
