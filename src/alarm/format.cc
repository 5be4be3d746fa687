// Number and time formatting in the exact spellings AWS uses in StateReason/StateReasonData.
#include "fmt/format.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <string>
#include <system_error>

#include "alarm/alarm.h"

namespace trailwatch::alarm {
namespace {

struct Civil {
  std::int64_t year;
  int month, day, hour, minute, second, millis;
};

// Days-from-civil inverse (H. Hinnant's algorithm): valid for any int64 day count we meet and
// independent of the C library's time_t range and locale.
Civil ToCivil(std::int64_t ms) {
  constexpr std::int64_t kMsPerDay = 86'400'000;
  std::int64_t days = ms / kMsPerDay;
  std::int64_t rem = ms % kMsPerDay;
  if (rem < 0) {
    rem += kMsPerDay;
    --days;
  }
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  Civil c{};
  c.year = yoe + era * 400 + (m <= 2 ? 1 : 0);
  c.month = static_cast<int>(m);
  c.day = static_cast<int>(d);
  c.hour = static_cast<int>(rem / 3'600'000);
  c.minute = static_cast<int>(rem / 60'000 % 60);
  c.second = static_cast<int>(rem / 1000 % 60);
  c.millis = static_cast<int>(rem % 1000);
  return c;
}

}  // namespace

namespace {

// Java's Double.toString digit selection with plain notation for magnitudes in
// [1e-3, plain_limit).
std::string FormatDouble(double value, double plain_limit) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  // Shortest round-trip digits in scientific form, e.g. "-3.6266666666666665e+00"; Java (JDK
  // 19+, Raffaello Giulietti's algorithm) picks the same shortest digit string...
  std::array<char, 64> buf{};
  auto res =
      std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::scientific);
  std::string sci(buf.data(), res.ptr);
  if (sci.find('.') == std::string::npos) {
    // ...except that Java never picks fewer than two digits: with one, it takes the 2-digit
    // decimal closest to the exact value (Double.MIN_VALUE is "4.9E-324", not "5.0E-324").
    res =
        std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::scientific, 1);
    sci.assign(buf.data(), res.ptr);
  }
  const std::size_t e_pos = sci.find('e');
  std::string digits;
  bool negative = false;
  for (std::size_t i = 0; i < e_pos; ++i) {
    if (sci[i] == '-') {
      negative = true;
    } else if (sci[i] != '.') {
      digits.push_back(sci[i]);
    }
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::size_t exp_begin = e_pos + 1;
  if (sci[exp_begin] == '+') ++exp_begin;  // from_chars accepts '-' but not '+'
  int exponent = 0;
  std::from_chars(sci.data() + exp_begin, sci.data() + sci.size(), exponent);
  std::string out = negative ? "-" : "";
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < plain_limit) {
    if (exponent >= 0) {
      const auto int_len = static_cast<std::size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out += digits;
        out.append(int_len - digits.size(), '0');
        out += ".0";
      } else {
        out += digits.substr(0, int_len);
        out += '.';
        out += digits.substr(int_len);
      }
    } else {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out += digits;
    }
    return out;
  }
  out += digits[0];
  out += '.';
  out += digits.size() > 1 ? digits.substr(1) : "0";
  out += 'E';
  out += std::to_string(exponent);
  return out;
}

}  // namespace

std::string JavaDouble(double value) { return FormatDouble(value, 1e7); }

std::string AwsDouble(double value) { return FormatDouble(value, kAwsPlainLimit); }

std::string FormatReasonTime(std::int64_t ms) {
  const Civil c = ToCivil(ms);
  const std::int64_t yy = ((c.year % 100) + 100) % 100;
  return fmt::format("{:02}/{:02}/{:02} {:02}:{:02}:{:02}", c.day, c.month, yy, c.hour, c.minute,
                     c.second);
}

std::string FormatReasonDataTime(std::int64_t ms) {
  const Civil c = ToCivil(ms);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000", c.year, c.month, c.day,
                     c.hour, c.minute, c.second, c.millis);
}

std::string FormatLongTime(std::int64_t ms) {
  using namespace std::chrono;  // NOLINT(build/namespaces): calendar types only
  static constexpr std::array<std::string_view, 7> kWeekdays = {
      "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  const sys_seconds t = floor<seconds>(sys_time<milliseconds>(milliseconds(ms)));
  const sys_days day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<seconds> hms(t - day);
  return fmt::format("{} {:02} {}, {:04} {:02}:{:02}:{:02} UTC",
                     kWeekdays[weekday(day).c_encoding()], static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

}  // namespace trailwatch::alarm
