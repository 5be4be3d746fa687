#include "iam/glob.h"

#include <array>
#include <cstddef>

namespace trailwatch::iam::internal {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Index just past the UTF-8 code point starting at i.
std::size_t NextCodePoint(std::string_view s, std::size_t i) {
  ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return i;
}

// Splits at unescaped colons into at most six components; returns how many were found.
std::size_t SplitArn(std::string_view s, bool escaped, std::array<std::string_view, 6>* parts) {
  std::size_t count = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size() && count < 5; ++i) {
    if (escaped && s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == ':') {
      (*parts)[count++] = s.substr(start, i - start);
      start = i + 1;
    }
  }
  (*parts)[count++] = s.substr(start);
  return count;
}

}  // namespace

std::string GlobFromPolicyText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string GlobEscape(std::string_view literal) {
  std::string out;
  out.reserve(literal.size());
  for (char c : literal) {
    if (c == '\\' || c == '*' || c == '?') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string GlobUnescape(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) ++i;
    out.push_back(pattern[i]);
  }
  return out;
}

bool GlobHasWildcard(std::string_view pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
    } else if (pattern[i] == '*' || pattern[i] == '?') {
      return true;
    }
  }
  return false;
}

bool GlobMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star_p = kNone;  // pattern index just after the last '*' seen
  std::size_t star_t = 0;      // text index that '*' is currently extended to
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char c = pattern[p];
      if (c == '*') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (c == '?') {
        ++p;
        t = NextCodePoint(text, t);
        continue;
      }
      std::size_t width = 1;
      char literal = c;
      if (c == '\\' && p + 1 < pattern.size()) {
        literal = pattern[p + 1];
        width = 2;
      }
      if (ignore_case ? Lower(literal) == Lower(text[t]) : literal == text[t]) {
        p += width;
        ++t;
        continue;
      }
    }
    // Mismatch: let the last '*' swallow one more code point and retry from there.
    if (star_p == kNone) return false;
    star_t = NextCodePoint(text, star_t);
    t = star_t;
    p = star_p;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool ArnMatch(std::string_view pattern, std::string_view arn) {
  if (pattern == "*") return true;
  std::array<std::string_view, 6> want;
  std::array<std::string_view, 6> have;
  if (SplitArn(pattern, true, &want) != 6 || SplitArn(arn, false, &have) != 6) return false;
  for (std::size_t i = 0; i < 6; ++i) {
    if (!GlobMatch(want[i], have[i], false)) return false;
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

}  // namespace trailwatch::iam::internal
