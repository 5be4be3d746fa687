#include "pattern/lexer.h"

#include <fmt/format.h>

#include "pattern/ast.h"

namespace trailwatch::pattern {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsNameByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Printable(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u >= 0x7f) return fmt::format("byte 0x{:02X}", u);
  return fmt::format("'{}'", c);
}

}  // namespace

bool IsWordByte(char c) {
  if (IsSpace(c)) return false;
  switch (c) {
    case '(':
    case ')':
    case '{':
    case '}':
    case '[':
    case ']':
    case ',':
    case '"':
    case '\'':
    case '%':
    case '=':
    case '!':
    case '<':
    case '>':
    case '&':
    case '|':
    case '$':
    case '\\':
      return false;
    default:
      return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  }
}

std::string_view TokName(Tok kind) {
  switch (kind) {
    case Tok::kEnd:
      return "end of pattern";
    case Tok::kLBrace:
      return "'{'";
    case Tok::kRBrace:
      return "'}'";
    case Tok::kLParen:
      return "'('";
    case Tok::kRParen:
      return "')'";
    case Tok::kLBracket:
      return "'['";
    case Tok::kRBracket:
      return "']'";
    case Tok::kComma:
      return "','";
    case Tok::kAnd:
      return "'&&'";
    case Tok::kOr:
      return "'||'";
    case Tok::kEq:
      return "'='";
    case Tok::kNe:
      return "'!='";
    case Tok::kLt:
      return "'<'";
    case Tok::kGt:
      return "'>'";
    case Tok::kLe:
      return "'<='";
    case Tok::kGe:
      return "'>='";
    case Tok::kSelector:
      return "a selector";
    case Tok::kString:
      return "a quoted string";
    case Tok::kRegex:
      return "a regular expression";
    case Tok::kWord:
      return "a word";
  }
  return "a token";
}

Status Lexer::Next(Token* tok) {
  while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  tok->offset = offset();
  tok->path.steps.clear();
  tok->text = {};
  if (pos_ >= text_.size()) {
    tok->kind = Tok::kEnd;
    return Status::Ok();
  }
  const char c = text_[pos_];
  const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  auto one = [&](Tok k) {
    tok->kind = k;
    tok->text = text_.substr(pos_, 1);
    ++pos_;
    return Status::Ok();
  };
  auto two = [&](Tok k) {
    tok->kind = k;
    tok->text = text_.substr(pos_, 2);
    pos_ += 2;
    return Status::Ok();
  };
  switch (c) {
    case '{':
      return one(Tok::kLBrace);
    case '}':
      return one(Tok::kRBrace);
    case '(':
      return one(Tok::kLParen);
    case ')':
      return one(Tok::kRParen);
    case '[':
      return one(Tok::kLBracket);
    case ']':
      return one(Tok::kRBracket);
    case ',':
      return one(Tok::kComma);
    case '=':
      return one(Tok::kEq);
    case '<':
      return next == '=' ? two(Tok::kLe) : one(Tok::kLt);
    case '>':
      return next == '=' ? two(Tok::kGe) : one(Tok::kGt);
    case '!':
      if (next == '=') return two(Tok::kNe);
      return PatternError(text_, pos_, "'!' must be part of '!=' (there is no NOT operator)");
    case '&':
      if (next == '&') return two(Tok::kAnd);
      return PatternError(text_, pos_, "'&' must be doubled: '&&'");
    case '|':
      if (next == '|') return two(Tok::kOr);
      return PatternError(text_, pos_, "'|' must be doubled: '||'");
    case '$':
      return LexSelector(tok);
    case '"': {
      std::size_t j = pos_ + 1;
      while (j < text_.size() && text_[j] != '"') j += text_[j] == '\\' ? 2u : 1u;
      if (j >= text_.size()) return PatternError(text_, pos_, "unterminated quoted string");
      tok->kind = Tok::kString;
      tok->text = text_.substr(pos_ + 1, j - pos_ - 1);
      pos_ = j + 1;
      return Status::Ok();
    }
    case '%': {
      std::size_t j = text_.find('%', pos_ + 1);
      if (j == std::string_view::npos) {
        return PatternError(text_, pos_, "regular expression starting with '%' has no closing '%'");
      }
      tok->kind = Tok::kRegex;
      tok->text = text_.substr(pos_ + 1, j - pos_ - 1);
      pos_ = j + 1;
      return Status::Ok();
    }
    default:
      break;
  }
  if (!IsWordByte(c)) {
    return PatternError(text_, pos_, fmt::format("unexpected {}", Printable(c)));
  }
  std::size_t j = pos_;
  while (j < text_.size() && IsWordByte(text_[j])) ++j;
  tok->kind = Tok::kWord;
  tok->text = text_.substr(pos_, j - pos_);
  pos_ = j;
  return Status::Ok();
}

Status Lexer::LexSelector(Token* tok) {
  tok->kind = Tok::kSelector;
  const std::size_t start = pos_;
  ++pos_;  // '$'
  auto& steps = tok->path.steps;
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == '.') {
      const char n = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
      if (n == '*') {
        steps.push_back({event::PathStep::Kind::kAnyChild, {}, 0});
        pos_ += 2;
      } else if (n == '[') {
        ++pos_;  // $.['key'] is the documented spelling of $['key']
      } else if (IsNameByte(n)) {
        std::size_t j = pos_ + 1;
        while (j < text_.size() && IsNameByte(text_[j])) ++j;
        steps.push_back(
            {event::PathStep::Kind::kKey, std::string(text_.substr(pos_ + 1, j - pos_ - 1)), 0});
        pos_ = j;
      } else {
        return PatternError(text_, pos_ + 1,
                            "expected a field name, '*' or ['key'] after '.' in selector "
                            "(names may contain letters, digits, '_' and '-')");
      }
    } else if (c == '[') {
      const std::size_t open = pos_;
      ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '*') {
        ++pos_;
        steps.push_back({event::PathStep::Kind::kAnyChild, {}, 0});
      } else if (pos_ < text_.size() && IsDigit(text_[pos_])) {
        std::uint64_t n = 0;
        while (pos_ < text_.size() && IsDigit(text_[pos_])) {
          n = n * 10 + static_cast<std::uint64_t>(text_[pos_] - '0');
          if (n > 0xFFFFFFFFu) return PatternError(text_, open + 1, "array index is too large");
          ++pos_;
        }
        steps.push_back({event::PathStep::Kind::kIndex, {}, static_cast<std::uint32_t>(n)});
      } else if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
        const char q = text_[pos_++];
        std::string key;
        while (pos_ < text_.size() && text_[pos_] != q) {
          if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
          key += text_[pos_++];
        }
        if (pos_ >= text_.size()) return PatternError(text_, open, "unterminated quoted key");
        ++pos_;
        steps.push_back({event::PathStep::Kind::kKey, std::move(key), 0});
      } else {
        return PatternError(text_, pos_,
                            "expected an array index, '*' or a quoted key after '[' in selector");
      }
      if (pos_ >= text_.size() || text_[pos_] != ']') {
        return PatternError(text_, open, "'[' in selector has no closing ']'");
      }
      ++pos_;
    } else {
      break;
    }
  }
  if (steps.empty()) {
    return PatternError(text_, start, "selector '$' must name a field, e.g. $.eventName");
  }
  tok->text = text_.substr(start, pos_ - start);
  return Status::Ok();
}

}  // namespace trailwatch::pattern
