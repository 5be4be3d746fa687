// AWS's regex dialect (spec §1.1) to RE2. AWS allows letters, digits, the symbols
// : _ # = @ / ; , - and space, and the operators ^ $ ? [ ] { } | \ * + . ; no groups, no
// multi-byte characters. \d \w keep their meaning; \s is exactly tab, newline and space;
// \xhh is a literal byte.
#include <fmt/format.h>

#include "pattern/ast.h"

namespace trailwatch::pattern {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAllowedSymbol(char c) {
  switch (c) {
    case ':':
    case '_':
    case '#':
    case '=':
    case '@':
    case '/':
    case ';':
    case ',':
    case '-':
    case ' ':
    case '^':
    case '$':
    case '?':
    case '[':
    case ']':
    case '{':
    case '}':
    case '|':
    case '\\':
    case '*':
    case '+':
    case '.':
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<std::string> TranslateRegex(std::string_view body, std::uint32_t offset,
                                   std::string_view pattern) {
  auto err = [&](std::size_t i, std::string msg) {
    return PatternError(pattern, offset + i, std::move(msg));
  };
  std::string out;
  out.reserve(body.size() + 8);
  bool in_class = false;
  std::size_t class_start = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return err(i, "multi-byte characters are not supported in regular expressions");
    if (c == '(' || c == ')') {
      return err(i,
                 "parentheses are not supported in regular expressions (match them with "
                 "\\x28 and \\x29)");
    }
    if (!IsAlnum(c) && !IsAllowedSymbol(c)) {
      if (u < 0x20 || u == 0x7f) {
        return err(i, fmt::format("control character 0x{:02X} is not supported in regular "
                                  "expressions (use \\xhh)",
                                  u));
      }
      return err(i, fmt::format("character '{}' is not supported in regular expressions (match "
                                "it with \\x{:02X})",
                                c, u));
    }
    if (c == '\\') {
      if (i + 1 >= body.size()) return err(i, "regular expression ends with a lone '\\'");
      const char e = body[i + 1];
      if (e == 'x') {
        if (i + 3 >= body.size() || !IsHex(body[i + 2]) || !IsHex(body[i + 3])) {
          return err(i, "'\\x' must be followed by two hex digits, e.g. \\x3A");
        }
        out += "\\x";
        out += body[i + 2];
        out += body[i + 3];
        i += 3;
        continue;
      }
      if (e == 's' || e == 'S') {
        // AWS: whitespace is tab, space and newline; RE2's \s also has \f and \r.
        if (!in_class)
          out += e == 's' ? "[\\t\\n ]" : "[^\\t\\n ]";
        else
          out += e == 's' ? "\\t\\n " : "\\S";
        ++i;
        continue;
      }
      if (e == 'd' || e == 'D' || e == 'w' || e == 'W') {
        out += '\\';
        out += e;
        ++i;
        continue;
      }
      if (IsAlnum(e)) {
        return err(i, fmt::format("'\\{}' is not supported in regular expressions; the escapes "
                                  "are \\d \\D \\s \\S \\w \\W and \\xhh",
                                  e));
      }
      if (static_cast<unsigned char>(e) >= 0x80 || e == '(' || e == ')' || !IsAllowedSymbol(e)) {
        return err(i + 1, fmt::format("character '{}' is not supported in regular expressions "
                                      "(match it with \\x{:02X})",
                                      e, static_cast<unsigned char>(e)));
      }
      out += '\\';
      out += e;
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']' &&
          !(i == class_start + 1 || (i == class_start + 2 && body[class_start + 1] == '^'))) {
        in_class = false;
      }
      if (c == '[') {
        out += "\\[";  // RE2 would read "[:" as a POSIX class; AWS has none
        continue;
      }
      out += c;
      continue;
    }
    switch (c) {
      case '[':
        in_class = true;
        class_start = i;
        out += c;
        break;
      case '{': {
        // {n}, {n,}, {,m} or {n,m}; AWS lets either bound be left out.
        std::size_t j = i + 1;
        std::string lo;
        std::string hi;
        while (j < body.size() && IsDigit(body[j])) lo += body[j++];
        bool comma = j < body.size() && body[j] == ',';
        if (comma) {
          ++j;
          while (j < body.size() && IsDigit(body[j])) hi += body[j++];
        }
        if (j >= body.size() || body[j] != '}' || (lo.empty() && hi.empty())) {
          return err(i, "'{' must start a repetition such as {3}, {2,5}, {2,} or {,5}");
        }
        if (lo.size() > 4 || hi.size() > 4 || (lo.empty() ? 0 : std::stoi(lo)) > 1000 ||
            (hi.empty() ? 0 : std::stoi(hi)) > 1000) {
          return err(i, "repetition counts above 1000 are not supported");
        }
        if (!lo.empty() && !hi.empty() && std::stoi(lo) > std::stoi(hi)) {
          return err(i, fmt::format("repetition {{{},{}}} has its bounds reversed", lo, hi));
        }
        out += '{';
        out += lo.empty() ? "0" : lo;
        if (comma) out += ',';
        out += hi;
        out += '}';
        i = j;
        break;
      }
      default:
        out += c;
    }
  }
  if (in_class) return err(class_start, "'[' in regular expression has no closing ']'");
  return out;
}

}  // namespace trailwatch::pattern
