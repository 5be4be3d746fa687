// Recursive descent for JSON and space-delimited patterns. Recursion happens only at '(' and
// is capped by Limits::max_depth, so hostile nesting fails with an error, not a stack overflow.
#include <fmt/format.h>

#include "pattern/ast.h"
#include "pattern/lexer.h"
#include "pattern/parser_internal.h"

namespace trailwatch::pattern {
namespace {

bool IsNameText(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

bool IsCmp(Tok k) {
  return k == Tok::kEq || k == Tok::kNe || k == Tok::kLt || k == Tok::kGt || k == Tok::kLe ||
         k == Tok::kGe;
}

CmpOp ToCmp(Tok k) {
  switch (k) {
    case Tok::kNe:
      return CmpOp::kNe;
    case Tok::kLt:
      return CmpOp::kLt;
    case Tok::kGt:
      return CmpOp::kGt;
    case Tok::kLe:
      return CmpOp::kLe;
    case Tok::kGe:
      return CmpOp::kGe;
    default:
      return CmpOp::kEq;
  }
}

// Splits a wildcard value into its leading/trailing '*' and literal text. In quoted strings
// \" \\ and \* are escapes (\* is a literal star); '*' in the middle is literal (spec §1.3.2).
void SetStringOperand(std::string_view raw, bool quoted, Operand* op) {
  op->kind = Operand::Kind::kString;
  op->quoted = quoted;
  if (raw == "*") {
    op->kind = Operand::Kind::kAny;
    return;
  }
  std::size_t b = 0;
  std::size_t e = raw.size();
  if (b < e && raw[b] == '*') {
    op->leading_star = true;
    ++b;
  }
  const bool escaped_end =
      quoted && e >= 2 && raw[e - 2] == '\\' && !(e >= 3 && raw[e - 3] == '\\');
  if (e > b && raw[e - 1] == '*' && !escaped_end) {
    op->trailing_star = true;
    --e;
  }
  std::string text;
  for (std::size_t i = b; i < e; ++i) {
    if (quoted && raw[i] == '\\' && i + 1 < e &&
        (raw[i + 1] == '"' || raw[i + 1] == '\\' || raw[i + 1] == '*')) {
      ++i;
    }
    text += raw[i];
  }
  op->text = std::move(text);
}

class Parser {
 public:
  Parser(std::string_view text, const Limits& limits) : text_(text), limits_(limits), lex_(text) {}

  Result<Ast> Json() {
    Ast ast;
    ast.kind = PatternKind::kJson;
    if (Status s = Advance(); !s.ok()) return s;
    if (Status s = Expect(Tok::kLBrace, "'{'"); !s.ok()) return s;
    if (tok_.kind == Tok::kRBrace) return Error(tok_.offset, "empty JSON pattern '{ }'");
    if (Status s = OrExpr(&ast.json); !s.ok()) return s;
    if (tok_.kind != Tok::kRBrace) {
      return Error(tok_.offset, fmt::format("expected '&&', '||' or '}}', found {}", Describe()));
    }
    if (Status s = Advance(); !s.ok()) return s;
    if (tok_.kind != Tok::kEnd) return Error(tok_.offset, "unexpected text after the closing '}'");
    return ast;
  }

  Result<Ast> Delimited() {
    Ast ast;
    ast.kind = PatternKind::kDelimited;
    if (Status s = Advance(); !s.ok()) return s;
    if (Status s = Expect(Tok::kLBracket, "'['"); !s.ok()) return s;
    if (tok_.kind == Tok::kRBracket) return FinishDelimited(&ast);
    bool ellipsis_seen = false;
    while (true) {
      FieldSpec field;
      field.offset = tok_.offset;
      if (tok_.kind == Tok::kComma || tok_.kind == Tok::kRBracket) {
        field.kind = FieldSpec::Kind::kUnnamed;
      } else if (tok_.kind == Tok::kWord && tok_.text == "...") {
        if (ellipsis_seen) return Error(tok_.offset, "only one '...' is allowed in a pattern");
        ellipsis_seen = true;
        field.kind = FieldSpec::Kind::kEllipsis;
        if (Status s = Advance(); !s.ok()) return s;
      } else if (tok_.kind == Tok::kWord) {
        if (Status s = NamedField(&field, ast.fields); !s.ok()) return s;
      } else {
        return Error(tok_.offset,
                     fmt::format("expected a field name, '...' or ',', found {}", Describe()));
      }
      ast.fields.push_back(std::move(field));
      if (tok_.kind == Tok::kComma) {
        if (Status s = Advance(); !s.ok()) return s;
        continue;
      }
      if (tok_.kind == Tok::kRBracket) break;
      return Error(tok_.offset, fmt::format("expected ',' or ']', found {}", Describe()));
    }
    return FinishDelimited(&ast);
  }

 private:
  Result<Ast> FinishDelimited(Ast* ast) {
    if (Status s = Advance(); !s.ok()) return s;
    if (tok_.kind != Tok::kEnd) return Error(tok_.offset, "unexpected text after the closing ']'");
    return std::move(*ast);
  }

  Status NamedField(FieldSpec* field, const std::vector<FieldSpec>& before) {
    field->kind = FieldSpec::Kind::kNamed;
    field->name = std::string(tok_.text);
    if (!IsNameText(field->name)) {
      return Error(tok_.offset, fmt::format("field name '{}' may contain only letters, digits, "
                                            "'_' and '-'",
                                            field->name));
    }
    for (const FieldSpec& f : before) {
      if (f.kind == FieldSpec::Kind::kNamed && f.name == field->name) {
        return Error(tok_.offset, fmt::format("field name '{}' is used twice", field->name));
      }
    }
    if (Status s = Advance(); !s.ok()) return s;
    if (!IsCmp(tok_.kind)) return Status::Ok();
    field->any_of.emplace_back();
    while (true) {
      Condition cond;
      cond.op = ToCmp(tok_.kind);
      if (Status s = Advance(); !s.ok()) return s;
      if (Status s = Value(cond.op, &cond.operand); !s.ok()) return s;
      field->any_of.back().push_back(std::move(cond));
      if (tok_.kind != Tok::kAnd && tok_.kind != Tok::kOr) return Status::Ok();
      if (tok_.kind == Tok::kOr) field->any_of.emplace_back();
      if (Status s = Advance(); !s.ok()) return s;
      if (tok_.kind != Tok::kWord || tok_.text != field->name) {
        return Error(tok_.offset,
                     fmt::format("conditions joined by '&&' or '||' in one field must all test "
                                 "that field ('{}'), found {}",
                                 field->name, Describe()));
      }
      if (Status s = Advance(); !s.ok()) return s;
      if (!IsCmp(tok_.kind)) {
        return Error(tok_.offset, fmt::format("expected a comparison operator after '{}', found {}",
                                              field->name, Describe()));
      }
    }
  }

  Status OrExpr(JsonExpr* out) {
    JsonExpr first;
    if (Status s = AndExpr(&first); !s.ok()) return s;
    if (tok_.kind != Tok::kOr) {
      *out = std::move(first);
      return Status::Ok();
    }
    out->kind = JsonExpr::Kind::kOr;
    out->offset = first.offset;
    out->children.push_back(std::move(first));
    while (tok_.kind == Tok::kOr) {
      if (Status s = Advance(); !s.ok()) return s;
      JsonExpr next;
      if (Status s = AndExpr(&next); !s.ok()) return s;
      out->children.push_back(std::move(next));
    }
    return Status::Ok();
  }

  Status AndExpr(JsonExpr* out) {
    JsonExpr first;
    if (Status s = Primary(&first); !s.ok()) return s;
    if (tok_.kind != Tok::kAnd) {
      *out = std::move(first);
      return Status::Ok();
    }
    out->kind = JsonExpr::Kind::kAnd;
    out->offset = first.offset;
    out->children.push_back(std::move(first));
    while (tok_.kind == Tok::kAnd) {
      if (Status s = Advance(); !s.ok()) return s;
      JsonExpr next;
      if (Status s = Primary(&next); !s.ok()) return s;
      out->children.push_back(std::move(next));
    }
    return Status::Ok();
  }

  Status Primary(JsonExpr* out) {
    if (tok_.kind == Tok::kLParen) {
      const std::uint32_t open = tok_.offset;
      if (++depth_ > limits_.max_depth) {
        return Error(
            open, fmt::format("parentheses are nested deeper than {} levels", limits_.max_depth));
      }
      if (Status s = Advance(); !s.ok()) return s;
      if (Status s = OrExpr(out); !s.ok()) return s;
      if (tok_.kind != Tok::kRParen) {
        return Error(tok_.offset,
                     fmt::format("expected ')' to close the '(' at column {}, found {}",
                                 Column(open), Describe()));
      }
      --depth_;
      return Advance();
    }
    if (tok_.kind != Tok::kSelector) {
      return Error(tok_.offset, fmt::format("expected a selector such as $.eventName or '(', "
                                            "found {}",
                                            Describe()));
    }
    out->offset = tok_.offset;
    out->path = std::move(tok_.path);
    if (Status s = CheckWildcards(out->path, tok_.offset); !s.ok()) return s;
    if (Status s = Advance(); !s.ok()) return s;
    if (IsCmp(tok_.kind)) {
      out->kind = JsonExpr::Kind::kCompare;
      out->condition.op = ToCmp(tok_.kind);
      if (Status s = Advance(); !s.ok()) return s;
      return Value(out->condition.op, &out->condition.operand);
    }
    if (tok_.kind == Tok::kWord && tok_.text == "IS") {
      if (Status s = Advance(); !s.ok()) return s;
      if (tok_.kind == Tok::kWord) {
        if (tok_.text == "NULL")
          out->kind = JsonExpr::Kind::kIsNull;
        else if (tok_.text == "TRUE")
          out->kind = JsonExpr::Kind::kIsTrue;
        else if (tok_.text == "FALSE")
          out->kind = JsonExpr::Kind::kIsFalse;
        else if (tok_.text == "NOT") {
          return Error(tok_.offset, "'IS NOT' is not supported; use '!=' or 'NOT EXISTS'");
        } else {
          return Error(tok_.offset, "expected NULL, TRUE or FALSE after IS");
        }
        return Advance();
      }
      return Error(tok_.offset, "expected NULL, TRUE or FALSE after IS");
    }
    if (tok_.kind == Tok::kWord && tok_.text == "NOT") {
      if (Status s = Advance(); !s.ok()) return s;
      if (tok_.kind != Tok::kWord || tok_.text != "EXISTS") {
        return Error(tok_.offset, "expected EXISTS after NOT");
      }
      out->kind = JsonExpr::Kind::kNotExists;
      return Advance();
    }
    if (tok_.kind == Tok::kWord && tok_.text == "EXISTS") {
      return Error(tok_.offset,
                   "'EXISTS' is not supported; test that a field exists with "
                   "'= *', or that it is absent with 'NOT EXISTS'");
    }
    return Error(tok_.offset, fmt::format("expected a comparison operator, IS or NOT EXISTS "
                                          "after the selector, found {}",
                                          Describe()));
  }

  Status Value(CmpOp op, Operand* out) {
    out->offset = tok_.offset;
    switch (tok_.kind) {
      case Tok::kString:
        SetStringOperand(tok_.text, true, out);
        break;
      case Tok::kRegex: {
        out->kind = Operand::Kind::kRegex;
        out->text = std::string(tok_.text);
        if (++regexes_ > limits_.max_regexes) {
          return Error(tok_.offset, fmt::format("at most {} regular expressions are allowed in "
                                                "one filter pattern",
                                                limits_.max_regexes));
        }
        if (out->text.empty()) return Error(tok_.offset, "empty regular expression '%%'");
        auto re = TranslateRegex(out->text, tok_.offset + 1, text_);
        if (!re.ok()) return re.status();
        break;
      }
      case Tok::kWord:
        if (ParseNumber(tok_.text, &out->number)) {
          out->kind = Operand::Kind::kNumber;
          out->text = std::string(tok_.text);
        } else {
          SetStringOperand(tok_.text, false, out);
        }
        break;
      default:
        return Error(tok_.offset, fmt::format("expected a value after '{}', found {}",
                                              CmpOpText(op), Describe()));
    }
    if (op != CmpOp::kEq && op != CmpOp::kNe && out->kind != Operand::Kind::kNumber) {
      return Error(tok_.offset, fmt::format("'{}' compares numbers; {} is not a number",
                                            CmpOpText(op), Quote(tok_)));
    }
    return Advance();
  }

  Status CheckWildcards(const event::JsonPath& path, std::uint32_t offset) {
    std::uint32_t n = 0;
    for (const auto& step : path.steps) n += step.kind == event::PathStep::Kind::kAnyChild;
    if (n > 1) return Error(offset, "a selector may contain at most one wildcard ([*] or .*)");
    wildcards_ += n;
    if (wildcards_ > limits_.max_wildcard_selectors) {
      return Error(offset, fmt::format("at most {} wildcard selectors are allowed in one filter "
                                       "pattern",
                                       limits_.max_wildcard_selectors));
    }
    return Status::Ok();
  }

  Status Advance() { return lex_.Next(&tok_); }
  Status Expect(Tok kind, std::string_view what) {
    if (tok_.kind != kind) return Error(tok_.offset, fmt::format("expected {}", what));
    return Advance();
  }
  Status Error(std::uint32_t offset, std::string message) const {
    return PatternError(text_, offset, std::move(message));
  }
  std::uint32_t Column(std::uint32_t offset) const {
    auto loc = PatternError(text_, offset, "").location();
    return loc ? loc->column : 0;
  }
  static std::string Quote(const Token& t) {
    if (t.kind == Tok::kString) return fmt::format("\"{}\"", t.text);
    if (t.kind == Tok::kRegex) return fmt::format("%{}%", t.text);
    return fmt::format("'{}'", t.text);
  }
  std::string Describe() const {
    if (tok_.kind == Tok::kWord || tok_.kind == Tok::kSelector) return Quote(tok_);
    return std::string(TokName(tok_.kind));
  }

  std::string_view text_;
  Limits limits_;
  Lexer lex_;
  Token tok_;
  std::uint32_t depth_ = 0;
  std::uint32_t regexes_ = 0;
  std::uint32_t wildcards_ = 0;
};

}  // namespace

Result<Ast> ParseJson(std::string_view text, const Limits& limits) {
  return Parser(text, limits).Json();
}

Result<Ast> ParseDelimited(std::string_view text, const Limits& limits) {
  return Parser(text, limits).Delimited();
}

}  // namespace trailwatch::pattern
