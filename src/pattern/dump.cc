#include <fmt/format.h>

#include "pattern/ast.h"

namespace trailwatch::pattern {
namespace {

void DumpString(std::string_view s, std::string* out) {
  *out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') *out += '\\';
    *out += c;
  }
  *out += '"';
}

void DumpOperand(const Operand& op, std::string* out) {
  switch (op.kind) {
    case Operand::Kind::kAny:
      *out += "*";
      return;
    case Operand::Kind::kNumber:
      *out += "num:" + op.text;
      return;
    case Operand::Kind::kRegex:
      *out += "%" + op.text + "%";
      return;
    case Operand::Kind::kString:
      if (op.leading_star) *out += '*';
      DumpString(op.text, out);
      if (op.trailing_star) *out += '*';
      return;
  }
}

void DumpCondition(std::string_view subject, const Condition& c, std::string* out) {
  *out += fmt::format("({} {} ", CmpOpText(c.op), subject);
  DumpOperand(c.operand, out);
  *out += ')';
}

void DumpJson(const JsonExpr& e, std::string* out) {
  switch (e.kind) {
    case JsonExpr::Kind::kAnd:
    case JsonExpr::Kind::kOr:
      *out += e.kind == JsonExpr::Kind::kAnd ? "(and" : "(or";
      for (const JsonExpr& c : e.children) {
        *out += ' ';
        DumpJson(c, out);
      }
      *out += ')';
      return;
    case JsonExpr::Kind::kCompare:
      DumpCondition(e.path.ToString(), e.condition, out);
      return;
    case JsonExpr::Kind::kIsNull:
      *out += "(is-null " + e.path.ToString() + ")";
      return;
    case JsonExpr::Kind::kIsTrue:
      *out += "(is-true " + e.path.ToString() + ")";
      return;
    case JsonExpr::Kind::kIsFalse:
      *out += "(is-false " + e.path.ToString() + ")";
      return;
    case JsonExpr::Kind::kNotExists:
      *out += "(not-exists " + e.path.ToString() + ")";
      return;
  }
}

}  // namespace

std::string_view CmpOpText(CmpOp op) {
  switch (op) {
    case CmpOp::kEq:
      return "=";
    case CmpOp::kNe:
      return "!=";
    case CmpOp::kLt:
      return "<";
    case CmpOp::kGt:
      return ">";
    case CmpOp::kLe:
      return "<=";
    case CmpOp::kGe:
      return ">=";
  }
  return "?";
}

std::string_view PatternKindName(PatternKind kind) {
  switch (kind) {
    case PatternKind::kMatchAll:
      return "match-all";
    case PatternKind::kTerms:
      return "terms";
    case PatternKind::kRegex:
      return "regex";
    case PatternKind::kJson:
      return "json";
    case PatternKind::kDelimited:
      return "delimited";
  }
  return "?";
}

std::string DumpAst(const Ast& ast) {
  std::string out;
  switch (ast.kind) {
    case PatternKind::kMatchAll:
      return "(match-all)";
    case PatternKind::kRegex:
      return "(regex %" + ast.regex.text + "%)";
    case PatternKind::kTerms:
      out = "(terms";
      for (const Term& t : ast.terms) {
        out += t.kind == Term::Kind::kRequired   ? " (req "
               : t.kind == Term::Kind::kOptional ? " (opt "
                                                 : " (not ";
        DumpString(t.text, &out);
        out += ')';
      }
      return out + ')';
    case PatternKind::kJson:
      out = "(json ";
      DumpJson(ast.json, &out);
      return out + ')';
    case PatternKind::kDelimited:
      out = "(delimited";
      for (const FieldSpec& f : ast.fields) {
        switch (f.kind) {
          case FieldSpec::Kind::kUnnamed:
            out += " (slot)";
            break;
          case FieldSpec::Kind::kEllipsis:
            out += " (...)";
            break;
          case FieldSpec::Kind::kNamed:
            out += " (field " + f.name;
            if (!f.any_of.empty()) {
              out += " (or";
              for (const auto& group : f.any_of) {
                out += " (and";
                for (const Condition& c : group) {
                  out += ' ';
                  DumpCondition(f.name, c, &out);
                }
                out += ')';
              }
              out += ')';
            }
            out += ')';
            break;
        }
      }
      return out + ')';
  }
  return out;
}

}  // namespace trailwatch::pattern
