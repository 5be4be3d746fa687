// Lexer and recursive-descent parser for AlarmRule. Recursion happens only at '(' and NOT and
// is capped by CompositeLimits::max_depth, so hostile nesting fails with an error, not a stack
// overflow.
#include <fmt/format.h>

#include <array>
#include <unordered_map>

#include "alarm/composite_internal.h"

namespace trailwatch::alarm::internal {
namespace {

enum class Tok : std::uint8_t { kEnd, kLParen, kRParen, kWord, kString };

struct Token {
  Tok kind = Tok::kEnd;
  std::uint32_t offset = 0;
  std::string_view text;  // kWord: the word; kString: the raw content between the quotes
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Upper(a[i]) != Upper(b[i])) return false;
  }
  return true;
}

constexpr std::array<std::string_view, 8> kKeywords = {
    "AND", "OR", "NOT", "TRUE", "FALSE", "ALARM", "OK", "INSUFFICIENT_DATA"};

// The upper-case keyword `word` spells in another case, if any.
std::string_view MisCasedKeyword(std::string_view word) {
  for (std::string_view k : kKeywords) {
    if (word != k && EqualsIgnoreCase(word, k)) return k;
  }
  return {};
}

// AWS alarm names are 1-255 characters without ASCII control characters.
constexpr std::size_t kMaxAlarmNameLength = 255;

class Parser {
 public:
  Parser(std::string_view text, const CompositeLimits& limits) : text_(text), limits_(limits) {}

  Result<ParsedRule> Parse() {
    if (text_.empty()) return Error(0, "AlarmRule is empty; it must be 1 to 10240 characters");
    if (text_.size() > limits_.max_length) {
      return Error(limits_.max_length,
                   fmt::format("AlarmRule is {} characters long; at most {} are allowed",
                               text_.size(), limits_.max_length));
    }
    if (Status s = Advance(); !s.ok()) return s;
    std::uint32_t root = 0;
    if (Status s = OrExpr(&root); !s.ok()) return s;
    if (tok_.kind == Tok::kRParen) {
      return Error(tok_.offset, "unbalanced ')': there is no '(' for it to close");
    }
    if (tok_.kind != Tok::kEnd) return Unexpected("AND, OR or the end of the rule");
    // Operands are pushed before the operators that use them, so the root must come last.
    if (root + 1 != out_.nodes.size()) return Status::Internal("composite rule root misplaced");
    return std::move(out_);
  }

 private:
  Status OrExpr(std::uint32_t* out) { return Chain("OR", CompositeRule::Node::Kind::kOr, out); }

  // One level of left-to-right chaining: `next ( keyword next )*`, flattened into one n-ary
  // node so `A OR B OR C` evaluates without deep recursion.
  Status Chain(std::string_view keyword, CompositeRule::Node::Kind kind, std::uint32_t* out) {
    const std::uint32_t start = tok_.offset;
    std::vector<std::uint32_t> operands(1);
    const bool is_or = kind == CompositeRule::Node::Kind::kOr;
    if (Status s = is_or ? AndExpr(&operands[0]) : Unary(&operands[0]); !s.ok()) return s;
    while (IsKeyword(keyword)) {
      if (Status s = Advance(); !s.ok()) return s;
      operands.emplace_back();
      if (Status s = is_or ? AndExpr(&operands.back()) : Unary(&operands.back()); !s.ok()) {
        return s;
      }
    }
    if (operands.size() == 1) {
      *out = operands[0];
      return Status::Ok();
    }
    CompositeRule::Node node;
    node.kind = kind;
    node.offset = start;
    node.operands = std::move(operands);
    *out = Push(std::move(node));
    return Status::Ok();
  }

  Status AndExpr(std::uint32_t* out) { return Chain("AND", CompositeRule::Node::Kind::kAnd, out); }

  Status Unary(std::uint32_t* out) {
    if (!IsKeyword("NOT")) return Primary(out);
    const std::uint32_t start = tok_.offset;
    if (Status s = Enter(start); !s.ok()) return s;
    if (Status s = Advance(); !s.ok()) return s;
    CompositeRule::Node node;
    node.kind = CompositeRule::Node::Kind::kNot;
    node.offset = start;
    node.operands.resize(1);
    if (Status s = Unary(&node.operands[0]); !s.ok()) return s;
    --depth_;
    *out = Push(std::move(node));
    return Status::Ok();
  }

  Status Primary(std::uint32_t* out) {
    const std::uint32_t start = tok_.offset;
    if (tok_.kind == Tok::kLParen) {
      if (Status s = Enter(start); !s.ok()) return s;
      if (Status s = CountElement(start); !s.ok()) return s;
      if (Status s = Advance(); !s.ok()) return s;
      if (Status s = OrExpr(out); !s.ok()) return s;
      if (tok_.kind != Tok::kRParen) {
        return Unexpected(
            fmt::format("AND, OR or ')' to close the '(' at column {}", Column(start)));
      }
      --depth_;
      return Advance();
    }
    if (tok_.kind != Tok::kWord) {
      return Error(start, fmt::format("expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), TRUE, "
                                      "FALSE, NOT or '(', found {}",
                                      Describe()));
    }
    CompositeRule::Node node;
    node.offset = start;
    const std::string_view word = tok_.text;
    if (word == "TRUE" || word == "FALSE") {
      node.kind =
          word == "TRUE" ? CompositeRule::Node::Kind::kTrue : CompositeRule::Node::Kind::kFalse;
      if (Status s = CountElement(start); !s.ok()) return s;
      *out = Push(std::move(node));
      return Advance();
    }
    if (word == "ALARM" || word == "OK" || word == "INSUFFICIENT_DATA") {
      node.kind = CompositeRule::Node::Kind::kState;
      node.state = word == "ALARM" ? State::kAlarm
                   : word == "OK"  ? State::kOk
                                   : State::kInsufficientData;
      if (Status s = Call(word, &node.ref); !s.ok()) return s;
      *out = Push(std::move(node));
      return Status::Ok();
    }
    if (std::string_view k = MisCasedKeyword(word); !k.empty()) return MisCased(k);
    if (word == "AND" || word == "OR") {
      return Error(start, fmt::format("expected an operand (ALARM(...), OK(...), "
                                      "INSUFFICIENT_DATA(...), TRUE, FALSE, NOT or '('), found {}",
                                      Describe()));
    }
    if (Status s = Advance(); !s.ok()) return s;
    if (tok_.kind == Tok::kLParen) {
      return Error(start, fmt::format("unknown function '{}'; expected ALARM, OK or "
                                      "INSUFFICIENT_DATA",
                                      word));
    }
    return Error(start, fmt::format("expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), TRUE, "
                                    "FALSE, NOT or '(', found '{}' (alarm names go inside "
                                    "ALARM(...), OK(...) or INSUFFICIENT_DATA(...))",
                                    word));
  }

  // `function` '(' child ')', with tok_ at the function name.
  Status Call(std::string_view function, std::uint32_t* ref) {
    if (Status s = Advance(); !s.ok()) return s;
    if (tok_.kind != Tok::kLParen) {
      return Error(tok_.offset,
                   fmt::format("expected '(' after {}, found {}", function, Describe()));
    }
    const std::uint32_t open = tok_.offset;
    if (Status s = Advance(); !s.ok()) return s;
    ChildRef child;
    child.offset = tok_.offset;
    if (tok_.kind == Tok::kString) {
      child.written = Unescape(tok_.text);
    } else if (tok_.kind == Tok::kWord) {
      child.written = std::string(tok_.text);
    } else {
      return Error(tok_.offset,
                   fmt::format("expected an alarm name or ARN inside {}(...), found {}", function,
                               Describe()));
    }
    if (Status s = Resolve(&child); !s.ok()) return s;
    if (Status s = CountElement(child.offset); !s.ok()) return s;
    if (Status s = Advance(); !s.ok()) return s;
    if (tok_.kind != Tok::kRParen) {
      return Error(tok_.offset, fmt::format("expected ')' to close {}( at column {}, found {} "
                                            "(double-quote alarm names that contain spaces, "
                                            "parentheses or quotes)",
                                            function, Column(open), Describe()));
    }
    auto [it, inserted] =
        child_index_.try_emplace(child.name, static_cast<std::uint32_t>(out_.children.size()));
    if (inserted) {
      if (out_.children.size() >= limits_.max_children) {
        return Error(child.offset,
                     fmt::format("the rule names more than {} child alarms", limits_.max_children));
      }
      out_.children.push_back(child.name);
    }
    child.child = it->second;
    *ref = static_cast<std::uint32_t>(out_.refs.size());
    out_.refs.push_back(std::move(child));
    return Advance();
  }

  // Sets child->name, splitting an ARN; checks the name the way AWS checks AlarmName.
  Status Resolve(ChildRef* child) {
    std::string_view w = child->written;
    if (w.starts_with("arn:")) {
      // arn:partition:cloudwatch:region:account:alarm:name -- the name may contain ':'.
      std::array<std::string_view, 6> part;
      std::size_t pos = 0;
      for (std::string_view& p : part) {
        const std::size_t colon = w.find(':', pos);
        if (colon == std::string_view::npos) {
          p = {};
          pos = std::string_view::npos;
          break;
        }
        p = w.substr(pos, colon - pos);
        pos = colon + 1;
      }
      const bool account_ok =
          part[4].size() == 12 && part[4].find_first_not_of("0123456789") == std::string_view::npos;
      if (pos == std::string_view::npos || part[1].empty() || part[2] != "cloudwatch" ||
          part[3].empty() || !account_ok || part[5] != "alarm") {
        return Error(child->offset,
                     fmt::format("'{}' is not a CloudWatch alarm ARN "
                                 "(arn:aws:cloudwatch:<region>:<12-digit account>:alarm:<name>)",
                                 w));
      }
      child->region = std::string(part[3]);
      child->account = std::string(part[4]);
      child->name = std::string(w.substr(pos));
    } else {
      child->name = child->written;
    }
    if (child->name.empty()) return Error(child->offset, "the alarm name is empty");
    if (child->name.size() > kMaxAlarmNameLength) {
      return Error(child->offset, fmt::format("the alarm name is {} characters long; at most {} "
                                              "are allowed",
                                              child->name.size(), kMaxAlarmNameLength));
    }
    for (char c : child->name) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return Error(child->offset, "alarm names may not contain control characters");
      }
    }
    return Status::Ok();
  }

  // The error for an unexpected token where `expected` should be; a keyword in the wrong case
  // gets the more helpful explanation.
  Status Unexpected(std::string_view expected) const {
    if (tok_.kind == Tok::kWord) {
      if (std::string_view k = MisCasedKeyword(tok_.text); !k.empty()) return MisCased(k);
    }
    return Error(tok_.offset, fmt::format("expected {}, found {}", expected, Describe()));
  }

  Status MisCased(std::string_view keyword) const {
    return Error(tok_.offset, fmt::format("'{}' is not recognised: keywords and function names "
                                          "are upper case; write '{}'",
                                          tok_.text, keyword));
  }

  static std::string Unescape(std::string_view raw) {
    std::string s;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '"' || raw[i + 1] == '\\')) ++i;
      s += raw[i];
    }
    return s;
  }

  Status Enter(std::uint32_t offset) {
    if (++depth_ > limits_.max_depth) {
      return Error(offset, fmt::format("parentheses and NOT are nested deeper than {} levels",
                                       limits_.max_depth));
    }
    return Status::Ok();
  }

  Status CountElement(std::uint32_t offset) {
    if (++elements_ > limits_.max_elements) {
      return Error(offset, fmt::format("the rule has more than {} elements (child alarms, TRUE, "
                                       "FALSE and parenthesised groups)",
                                       limits_.max_elements));
    }
    return Status::Ok();
  }

  std::uint32_t Push(CompositeRule::Node node) {
    out_.nodes.push_back(std::move(node));
    return static_cast<std::uint32_t>(out_.nodes.size() - 1);
  }

  bool IsKeyword(std::string_view k) const { return tok_.kind == Tok::kWord && tok_.text == k; }

  Status Advance() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
    tok_ = Token{};
    tok_.offset = static_cast<std::uint32_t>(pos_);
    if (pos_ == text_.size()) return Status::Ok();
    const char c = text_[pos_];
    if (c == '(' || c == ')') {
      tok_.kind = c == '(' ? Tok::kLParen : Tok::kRParen;
      tok_.text = text_.substr(pos_++, 1);
      return Status::Ok();
    }
    if (c == '"') {
      std::size_t i = pos_ + 1;
      while (i < text_.size() && text_[i] != '"') i += text_[i] == '\\' ? 2u : 1u;
      if (i >= text_.size()) return Error(pos_, "unterminated quoted alarm name");
      tok_.kind = Tok::kString;
      tok_.text = text_.substr(pos_ + 1, i - pos_ - 1);
      pos_ = i + 1;
      return Status::Ok();
    }
    std::size_t i = pos_;
    while (i < text_.size() && !IsSpace(text_[i]) && text_[i] != '(' && text_[i] != ')' &&
           text_[i] != '"') {
      ++i;
    }
    tok_.kind = Tok::kWord;
    tok_.text = text_.substr(pos_, i - pos_);
    pos_ = i;
    return Status::Ok();
  }

  std::string Describe() const {
    switch (tok_.kind) {
      case Tok::kEnd:
        return "the end of the rule";
      case Tok::kLParen:
        return "'('";
      case Tok::kRParen:
        return "')'";
      case Tok::kString:
        return fmt::format("\"{}\"", tok_.text);
      case Tok::kWord:
        return fmt::format("'{}'", tok_.text);
    }
    return "?";
  }

  Status Error(std::size_t offset, std::string message) const {
    return RuleError(text_, offset, std::move(message));
  }
  std::uint32_t Column(std::size_t offset) const {
    auto loc = RuleError(text_, offset, "").location();
    return loc ? loc->column : 0;
  }

  std::string_view text_;
  CompositeLimits limits_;
  std::size_t pos_ = 0;
  Token tok_;
  std::uint32_t depth_ = 0;
  std::size_t elements_ = 0;
  std::unordered_map<std::string, std::uint32_t> child_index_;
  ParsedRule out_;
};

}  // namespace

Status RuleError(std::string_view text, std::size_t offset, std::string message) {
  std::uint32_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const auto column = static_cast<std::uint32_t>(offset - line_start + 1);
  return Status::InvalidArgument(std::move(message))
      .At({std::string(kAlarmRuleSource), line, column});
}

Result<ParsedRule> ParseRule(std::string_view text, const CompositeLimits& limits) {
  return Parser(text, limits).Parse();
}

}  // namespace trailwatch::alarm::internal
