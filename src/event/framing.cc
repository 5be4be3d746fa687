// Finding where JSON values end without parsing them, for the reader and the stream reader.
#include "event/framing.h"

#include <cstring>

namespace trailwatch::event::internal {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t SkipSpace(std::string_view s, std::size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

std::size_t ValueEnd(std::string_view data, std::size_t pos) {
  int depth = 0;
  bool in_string = false;
  std::size_t string_begin = 0;
  for (const std::size_t n = data.size(); pos < n; ++pos) {
    if (in_string) {
      // Strings are most of CloudTrail's bytes: jump from quote to quote (memchr) instead of
      // walking them; a quote after an odd run of backslashes is escaped.
      const void* quote = std::memchr(data.data() + pos, '"', n - pos);
      if (quote == nullptr) return std::string_view::npos;
      pos = static_cast<std::size_t>(static_cast<const char*>(quote) - data.data());
      std::size_t k = pos;
      while (k > string_begin && data[k - 1] == '\\') --k;
      if ((pos - k) % 2 == 1) continue;
      in_string = false;
      if (depth == 0) return pos + 1;
      continue;
    }
    const char c = data[pos];
    if (c == '"') {
      in_string = true;
      string_begin = pos + 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return pos;
      if (--depth == 0) return pos + 1;
    } else if (depth == 0 && (c == ',' || IsSpace(c))) {
      return pos;
    }
  }
  return depth > 0 || in_string ? std::string_view::npos : data.size();
}

bool IsTrailFile(std::string_view value) {
  if (value.empty() || value[0] != '{') return false;
  std::size_t i = SkipSpace(value, 1);
  if (value.substr(i, 9) != "\"Records\"") return false;
  i = SkipSpace(value, i + 9);
  if (i >= value.size() || value[i] != ':') return false;
  i = SkipSpace(value, i + 1);
  return i < value.size() && value[i] == '[';
}

std::size_t FindRecordsArray(std::string_view data) {
  const std::size_t key = data.find("\"Records\"");
  if (key == std::string_view::npos) return key;
  std::size_t i = SkipSpace(data, key + 9);
  if (i >= data.size() || data[i] != ':') return std::string_view::npos;
  i = SkipSpace(data, i + 1);
  if (i >= data.size() || data[i] != '[') return std::string_view::npos;
  return i + 1;
}

}  // namespace trailwatch::event::internal
