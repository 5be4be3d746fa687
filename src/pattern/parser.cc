// Dispatch on the first character, term patterns, whole-pattern regexes, and the helpers
// the structured parser shares (numbers, error positions). JSON and space-delimited patterns
// are in structured_parser.cc.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string>

#include "pattern/ast.h"
#include "pattern/parser_internal.h"

namespace trailwatch::pattern {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s, std::size_t* lead) {
  std::size_t b = 0;
  while (b < s.size() && IsSpace(s[b])) ++b;
  std::size_t e = s.size();
  while (e > b && IsSpace(s[e - 1])) --e;
  *lead = b;
  return s.substr(b, e - b);
}

// Decodes a quoted term: \" and \\ are escapes; any other backslash is kept as written.
std::string DecodeTerm(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '"' || raw[i + 1] == '\\')) ++i;
    out += raw[i];
  }
  return out;
}

Result<Ast> ParseTerms(std::string_view text, std::size_t begin, std::size_t end) {
  Ast ast;
  ast.kind = PatternKind::kTerms;
  std::size_t i = begin;
  while (true) {
    while (i < end && IsSpace(text[i])) ++i;
    if (i >= end) break;
    Term term;
    term.offset = static_cast<std::uint32_t>(i);
    if (text[i] == '-' || text[i] == '?') {
      term.kind = text[i] == '-' ? Term::Kind::kExcluded : Term::Kind::kOptional;
      const std::size_t sign = i++;
      // The 2018 docs wrote `"ERROR" - "Exiting"`: the sign may stand apart from its term.
      while (i < end && IsSpace(text[i])) ++i;
      if (i >= end) {
        return PatternError(text, sign, fmt::format("'{}' must be followed by a term", text[sign]));
      }
    }
    if (text[i] == '"') {
      const std::size_t open = i++;
      while (i < end && text[i] != '"') i += text[i] == '\\' ? 2u : 1u;
      if (i >= end) return PatternError(text, open, "unterminated quoted term");
      term.text = DecodeTerm(text.substr(open + 1, i - open - 1));
      term.quoted = true;
      ++i;
      if (i < end && !IsSpace(text[i])) {
        return PatternError(text, i, "a quoted term must be followed by white space");
      }
    } else {
      const std::size_t start = i;
      while (i < end && !IsSpace(text[i])) {
        if (text[i] == '"') {
          return PatternError(text, i,
                              "'\"' inside an unquoted term; quote the whole term instead");
        }
        ++i;
      }
      term.text = std::string(text.substr(start, i - start));
    }
    ast.terms.push_back(std::move(term));
  }
  // `" "` is AWS's spelling of "match everything" (spec §1.0).
  if (ast.terms.size() == 1 && ast.terms[0].quoted && ast.terms[0].kind == Term::Kind::kRequired &&
      std::all_of(ast.terms[0].text.begin(), ast.terms[0].text.end(), IsSpace)) {
    ast.kind = PatternKind::kMatchAll;
    ast.terms.clear();
  }
  return ast;
}

}  // namespace

Status PatternError(std::string_view pattern, std::size_t offset, std::string message) {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
  for (std::size_t i = 0; i < offset && i < pattern.size(); ++i) {
    if (pattern[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(pattern[i]) & 0xC0) != 0x80) {
      ++column;  // count characters, not UTF-8 continuation bytes
    }
  }
  return Status::InvalidArgument(std::move(message)).At({"filter pattern", line, column});
}

bool ParseNumber(std::string_view s, double* out) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  auto digits = [&] {
    std::size_t b = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    return i - b;
  };
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  const std::size_t mantissa = i;
  std::size_t int_digits = digits();
  std::size_t frac_digits = 0;
  if (i < n && s[i] == '.') {
    ++i;
    frac_digits = digits();
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  if (i != n) return false;
  // from_chars rejects a leading '+'; the grammar above has already vetted the text.
  const char* b = s.data() + mantissa;
  double v = 0;
  auto [ptr, ec] = std::from_chars(b, s.data() + n, v);
  if (ec == std::errc::result_out_of_range) {
    v = std::strtod(std::string(s.substr(mantissa)).c_str(), nullptr);  // saturates
  } else if (ec != std::errc() || ptr != s.data() + n) {
    return false;
  }
  *out = mantissa > 0 && s[0] == '-' ? -v : v;
  return true;
}

Result<Ast> Parse(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_length) {
    return PatternError(text, limits.max_length,
                        fmt::format("filter pattern is {} characters long; at most {} are allowed",
                                    text.size(), limits.max_length));
  }
  std::size_t lead = 0;
  std::string_view body = Trim(text, &lead);
  if (body.empty()) return Ast{};  // "" and " " match everything
  const std::size_t end = lead + body.size();
  switch (body.front()) {
    case '{':
      if (body.back() != '}') {
        return PatternError(text, end - 1,
                            "If a filter pattern starts with '{' it must end with '}'");
      }
      return ParseJson(text, limits);
    case '[':
      if (body.back() != ']') {
        return PatternError(text, end - 1,
                            "If a filter pattern starts with '[' it must end with ']'");
      }
      return ParseDelimited(text, limits);
    case '%': {
      if (body.size() < 2 || body.back() != '%') {
        return PatternError(text, lead,
                            "a filter pattern that starts with '%' is a regular expression and "
                            "must end with '%'");
      }
      Ast ast;
      ast.kind = PatternKind::kRegex;
      ast.regex.kind = Operand::Kind::kRegex;
      ast.regex.text = std::string(body.substr(1, body.size() - 2));
      ast.regex.offset = static_cast<std::uint32_t>(lead);
      if (ast.regex.text.empty()) return PatternError(text, lead, "empty regular expression '%%'");
      auto translated = TranslateRegex(ast.regex.text, static_cast<std::uint32_t>(lead + 1), text);
      if (!translated.ok()) return translated.status();
      return ast;
    }
    default:
      return ParseTerms(text, lead, end);
  }
}

}  // namespace trailwatch::pattern
