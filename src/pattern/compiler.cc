// Ast -> Program. Regexes are translated and compiled to RE2 here; JSON selectors get slots.
#include <fmt/format.h>

#include <algorithm>

#include "pattern/lexer.h"
#include "pattern/program.h"

namespace trailwatch::pattern {

Result<std::shared_ptr<const RE2>> CompileRegex(const Operand& op, std::string_view pattern) {
  auto translated = TranslateRegex(op.text, op.offset + 1, pattern);
  if (!translated.ok()) return translated.status();
  RE2::Options options;
  options.set_log_errors(false);
  options.set_never_capture(true);
  options.set_max_mem(4 << 20);  // a hostile pattern fails to compile instead of eating memory
  auto re = std::make_shared<const RE2>(*translated, options);
  if (!re->ok()) {
    return PatternError(pattern, op.offset,
                        fmt::format("invalid regular expression %{}%: {}", op.text, re->error()));
  }
  return re;
}

Result<ValueTest> CompileTest(const Condition& c, std::string_view pattern) {
  ValueTest t;
  t.op = c.op;
  t.kind = c.operand.kind;
  t.text = c.operand.text;
  t.leading_star = c.operand.leading_star;
  t.trailing_star = c.operand.trailing_star;
  t.number = c.operand.number;
  if (t.kind == Operand::Kind::kRegex) {
    auto re = CompileRegex(c.operand, pattern);
    if (!re.ok()) return re.status();
    t.regex = std::move(*re);
  }
  return t;
}

TermsProgram::TermsProgram(std::string text, const Ast& ast)
    : Program(PatternKind::kTerms, std::move(text)) {
  path_set_ = event::PathSet::Build({}, false);
  for (const Term& term : ast.terms) {
    switch (term.kind) {
      case Term::Kind::kRequired:
        required_.push_back(term.text);
        break;
      case Term::Kind::kExcluded:
        excluded_.push_back(term.text);
        break;
      case Term::Kind::kOptional:
        optional_.push_back(term.text);
        break;
    }
  }
  // AWS: "If ? terms are mixed with other terms, the ? terms are ignored".
  if (!required_.empty()) optional_.clear();
}

std::uint32_t JsonProgram::Slot(const event::JsonPath& path, event::PathRegistry* registry) {
  if (std::find(paths_.begin(), paths_.end(), path) == paths_.end()) paths_.push_back(path);
  return registry->Add(path);
}

namespace {

// `$.x = "literal"` with no wildcard: true exactly when a value's text equals the literal, so
// several of them on one selector under an OR are one set lookup (the CIS patterns are long
// chains of `$.eventName = X`).
bool IsExactString(const JsonExpr& e) {
  return e.kind == JsonExpr::Kind::kCompare && e.condition.op == CmpOp::kEq &&
         e.condition.operand.kind == Operand::Kind::kString && !e.condition.operand.leading_star &&
         !e.condition.operand.trailing_star;
}

}  // namespace

Result<std::vector<std::uint32_t>> JsonProgram::AddDisjuncts(const JsonExpr& e,
                                                             event::PathRegistry* registry) {
  std::vector<std::uint32_t> kids;
  std::vector<const JsonExpr*> rest;
  std::vector<std::pair<const event::JsonPath*, std::vector<const JsonExpr*>>> groups;
  for (const JsonExpr& child : e.children) {
    if (!IsExactString(child)) {
      rest.push_back(&child);
      continue;
    }
    auto g = std::find_if(groups.begin(), groups.end(),
                          [&](const auto& gr) { return *gr.first == child.path; });
    if (g == groups.end()) {
      groups.push_back({&child.path, {&child}});
    } else {
      g->second.push_back(&child);
    }
  }
  for (const auto& [path, members] : groups) {
    if (members.size() < 2) {
      rest.push_back(members.front());
      continue;
    }
    Node node;
    node.kind = JsonExpr::Kind::kCompare;
    node.slot = Slot(*path, registry);
    std::vector<std::string> set;
    for (const JsonExpr* m : members) set.push_back(m->condition.operand.text);
    node.set = static_cast<std::int32_t>(sets_.size());
    sets_.emplace_back(std::move(set));
    nodes_.push_back(node);
    kids.push_back(static_cast<std::uint32_t>(nodes_.size() - 1));
  }
  for (const JsonExpr* child : rest) {
    auto idx = Add(*child, registry);
    if (!idx.ok()) return idx.status();
    kids.push_back(*idx);
  }
  return kids;
}

Result<std::uint32_t> JsonProgram::Add(const JsonExpr& e, event::PathRegistry* registry) {
  Node node;
  node.kind = e.kind;
  if (e.kind == JsonExpr::Kind::kAnd || e.kind == JsonExpr::Kind::kOr) {
    std::vector<std::uint32_t> kids;
    if (e.kind == JsonExpr::Kind::kOr) {
      auto disjuncts = AddDisjuncts(e, registry);
      if (!disjuncts.ok()) return disjuncts.status();
      kids = std::move(*disjuncts);
    } else {
      kids.reserve(e.children.size());
      for (const JsonExpr& child : e.children) {
        auto idx = Add(child, registry);
        if (!idx.ok()) return idx.status();
        kids.push_back(*idx);
      }
    }
    node.first_child = static_cast<std::uint32_t>(children_.size());
    node.child_count = static_cast<std::uint32_t>(kids.size());
    children_.insert(children_.end(), kids.begin(), kids.end());
  } else {
    node.slot = Slot(e.path, registry);
    if (e.kind == JsonExpr::Kind::kCompare) {
      auto test = CompileTest(e.condition, text());
      if (!test.ok()) return test.status();
      node.test = static_cast<std::uint32_t>(tests_.size());
      tests_.push_back(std::move(*test));
    }
  }
  nodes_.push_back(node);
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

Result<std::shared_ptr<const Program>> JsonProgram::Build(std::string text, const Ast& ast,
                                                          event::PathRegistry* registry) {
  std::shared_ptr<JsonProgram> p(new JsonProgram(std::move(text)));
  event::PathRegistry local;
  auto root = p->Add(ast.json, registry ? registry : &local);
  if (!root.ok()) return root.status();
  p->root_ = *root;
  if (!registry) p->path_set_ = event::PathSet::Build(local.paths(), false);
  return std::shared_ptr<const Program>(std::move(p));
}

Result<std::shared_ptr<const Program>> DelimitedProgram::Build(std::string text, const Ast& ast) {
  std::shared_ptr<DelimitedProgram> p(new DelimitedProgram(std::move(text)));
  p->path_set_ = event::PathSet::Build({}, true);
  for (const FieldSpec& spec : ast.fields) {
    Field f;
    f.kind = spec.kind;
    f.name = spec.name;
    for (const auto& group : spec.any_of) {
      f.any_of.emplace_back();
      for (const Condition& c : group) {
        auto test = CompileTest(c, p->text());
        if (!test.ok()) return test.status();
        f.any_of.back().push_back(std::move(*test));
      }
    }
    if (spec.kind == FieldSpec::Kind::kEllipsis) p->ellipsis_ = static_cast<int>(p->fields_.size());
    p->fields_.push_back(std::move(f));
  }
  return std::shared_ptr<const Program>(std::move(p));
}

Result<std::shared_ptr<const Program>> Compile(std::string_view text,
                                               const CompileOptions& options) {
  auto ast = Parse(text, options.limits);
  if (!ast.ok()) return ast.status();
  using Ptr = std::shared_ptr<const Program>;
  std::string owned(text);
  switch (ast->kind) {
    case PatternKind::kMatchAll:
      return Ptr(std::make_shared<MatchAllProgram>(std::move(owned)));
    case PatternKind::kTerms:
      return Ptr(std::make_shared<TermsProgram>(std::move(owned), *ast));
    case PatternKind::kRegex: {
      auto re = CompileRegex(ast->regex, text);
      if (!re.ok()) return re.status();
      return Ptr(std::make_shared<RegexProgram>(std::move(owned), std::move(*re)));
    }
    case PatternKind::kJson:
      return JsonProgram::Build(std::move(owned), *ast, options.registry);
    case PatternKind::kDelimited:
      return DelimitedProgram::Build(std::move(owned), *ast);
  }
  return Status::Internal("unknown pattern kind");
}

Result<event::JsonPath> ParseSelector(std::string_view text) {
  Lexer lexer(text);
  Token tok;
  if (Status s = lexer.Next(&tok); !s.ok()) return s;
  if (tok.kind != Tok::kSelector) {
    return PatternError(text, tok.offset, "expected a selector such as $.eventName");
  }
  event::JsonPath path = std::move(tok.path);
  if (Status s = lexer.Next(&tok); !s.ok()) return s;
  if (tok.kind != Tok::kEnd)
    return PatternError(text, tok.offset, "unexpected text after the selector");
  return path;
}

Matcher::Matcher(std::shared_ptr<const Program> program) : program_(std::move(program)) {}

bool Matcher::Matches(std::string_view message) {
  extractor_.Extract(program_->path_set(), message, &view_);
  return program_->Matches(view_);
}

}  // namespace trailwatch::pattern
