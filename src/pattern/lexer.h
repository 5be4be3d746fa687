// Tokens of JSON and space-delimited patterns. Term patterns and whole-pattern regexes have
// no token structure and are scanned by the parser directly.
#ifndef TRAILWATCH_PATTERN_LEXER_H_
#define TRAILWATCH_PATTERN_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "event/event.h"

namespace trailwatch::pattern {

enum class Tok : std::uint8_t {
  kEnd,
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kAnd,
  kOr,
  kEq,
  kNe,
  kLt,
  kGt,
  kLe,
  kGe,
  kSelector,  // $.a.b: `path` holds the steps
  kString,    // "...": `text` is the raw content between the quotes (escapes not decoded)
  kRegex,     // %...%: `text` is the body
  kWord,      // a bare token: names, values, numbers, keywords, '...'
};

struct Token {
  Tok kind = Tok::kEnd;
  std::uint32_t offset = 0;  // byte offset of the token's first character
  std::string_view text;
  event::JsonPath path;
};

std::string_view TokName(Tok kind);

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}
  // Reads the next token into *tok. Errors name the offending column.
  Status Next(Token* tok);
  std::uint32_t offset() const { return static_cast<std::uint32_t>(pos_); }

 private:
  Status LexSelector(Token* tok);
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Bytes that can appear in a bare token: everything but white space and the characters that
// are syntax somewhere in the language.
bool IsWordByte(char c);

}  // namespace trailwatch::pattern

#endif  // TRAILWATCH_PATTERN_LEXER_H_
