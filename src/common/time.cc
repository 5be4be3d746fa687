#include "common/time.h"

#include <fmt/format.h>

#include <charconv>

namespace trailwatch {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3u : 9u)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at s[*i].
bool Digits(std::string_view s, std::size_t* i, std::size_t n, unsigned* out) {
  if (*i + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const char c = s[*i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *i += n;
  *out = v;
  return true;
}

}  // namespace

std::optional<std::int64_t> ParseIso8601Millis(std::string_view s) {
  std::size_t i = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(s, &i, 4, &year) || i >= s.size() || s[i++] != '-') return std::nullopt;
  if (!Digits(s, &i, 2, &month) || i >= s.size() || s[i++] != '-') return std::nullopt;
  if (!Digits(s, &i, 2, &day)) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  std::int64_t millis = 0;
  std::int64_t offset_minutes = 0;
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
    ++i;
    if (!Digits(s, &i, 2, &hour) || i >= s.size() || s[i++] != ':') return std::nullopt;
    if (!Digits(s, &i, 2, &minute)) return std::nullopt;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!Digits(s, &i, 2, &second)) return std::nullopt;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        std::size_t n = 0;
        std::int64_t scale = 100;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
          millis += (s[i] - '0') * scale;
          scale /= 10;
          ++i;
          ++n;
        }
        if (n == 0) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;  // 60: leap second
    if (i >= s.size()) return std::nullopt;                            // a time needs a zone
    if (s[i] == 'Z' || s[i] == 'z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      const int sign = s[i++] == '-' ? -1 : 1;
      unsigned oh = 0, om = 0;
      if (!Digits(s, &i, 2, &oh)) return std::nullopt;
      if (i < s.size() && s[i] == ':') ++i;
      if (!Digits(s, &i, 2, &om) || oh > 23 || om > 59) return std::nullopt;
      offset_minutes = sign * static_cast<std::int64_t>(oh * 60 + om);
    } else {
      return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
  }
  const std::int64_t days = DaysFromCivil(year, month, day);
  const std::int64_t seconds =
      days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

std::string FormatIso8601(std::int64_t millis) {
  std::int64_t secs = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  const std::int64_t ms = millis - secs * 1000;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const std::int64_t rem = secs - days * 86400;
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", y, m, d, rem / 3600,
                                rem % 3600 / 60, rem % 60);
  if (ms != 0) out += fmt::format(".{:03}", ms);
  return out + "Z";
}

namespace {

// Milliseconds in one `unit` (s, m, h, d, w); 0 for anything else.
std::int64_t UnitMillis(char unit) {
  switch (unit) {
    case 's':
      return 1000;
    case 'm':
      return 60 * 1000;
    case 'h':
      return 3600 * 1000;
    case 'd':
      return 86400 * 1000;
    case 'w':
      return 7 * 86400 * 1000;
    default:
      return 0;
  }
}

// "<digits><unit>" in milliseconds; nullopt if malformed. Beyond about 290 million years the
// arithmetic would overflow; nobody means that.
std::optional<std::int64_t> DigitsWithUnit(std::string_view text) {
  if (text.size() < 2 || text[0] < '0' || text[0] > '9') return std::nullopt;
  std::int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  const std::int64_t unit = UnitMillis(text.back());
  if (ec != std::errc() || ptr != text.data() + text.size() - 1 || unit == 0 ||
      n > (std::int64_t{1} << 53) / unit) {
    return std::nullopt;
  }
  return n * unit;
}

}  // namespace

Result<std::int64_t> ParseDuration(std::string_view text) {
  if (auto ms = DigitsWithUnit(text)) return *ms;
  if (!text.empty() && text.size() <= 12 &&
      text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t secs = 0;
    std::from_chars(text.data(), text.data() + text.size(), secs);
    return secs * 1000;
  }
  return Status::InvalidArgument(fmt::format(
      "'{}' is not a duration: use digits with s, m, h, d or w (90s, 5m, 2h) or seconds", text));
}

Result<std::int64_t> ParseTimeArgument(std::string_view text, TimePoint now) {
  const std::int64_t now_ms = now.time_since_epoch().count();
  if (text == "now") return now_ms;
  if (text.size() >= 3 && text[0] == '-') {
    if (auto ms = DigitsWithUnit(text.substr(1))) return now_ms - *ms;
  }
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos &&
      text.size() <= 12) {
    std::int64_t secs = 0;
    std::from_chars(text.data(), text.data() + text.size(), secs);
    return secs * 1000;
  }
  if (auto t = ParseIso8601Millis(text)) return *t;
  return Status::InvalidArgument(fmt::format(
      "'{}' is not a time: use ISO 8601 (2024-07-31T12:36:52Z), epoch seconds, or a relative "
      "time such as -7d, -12h, -30m",
      text));
}

}  // namespace trailwatch
