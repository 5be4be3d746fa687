// MetricKey, StatisticSpec and the period and sample-count rules of CloudWatch alarms.
#include "metrics/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/percentile.h"

namespace trailwatch::metrics {
namespace {

struct NamedStatistic {
  std::string_view name;
  StatisticSpec::Kind kind;
};

constexpr std::array<NamedStatistic, 5> kNamedStatistics = {{
    {"Sum", StatisticSpec::Kind::kSum},
    {"SampleCount", StatisticSpec::Kind::kSampleCount},
    {"Average", StatisticSpec::Kind::kAverage},
    {"Minimum", StatisticSpec::Kind::kMinimum},
    {"Maximum", StatisticSpec::Kind::kMaximum},
}};

constexpr std::string_view kExpected =
    "expected Sum, SampleCount, Average, Minimum, Maximum or a percentile p0.0..p100";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The extended statistics AWS accepts besides percentiles (spec section 3.1). They are valid
// CloudWatch, so the error says "not supported" rather than "unknown".
bool IsOtherExtendedStatistic(std::string_view text) {
  for (std::string_view prefix : {"tm", "tc", "ts", "wm"}) {
    if (text.size() > 2 && text.substr(0, 2) == prefix && IsDigit(text[2])) return true;
  }
  if (text == "IQM") return true;
  for (std::string_view prefix : {"PR(", "TM(", "TC(", "TS(", "WM("}) {
    if (text.substr(0, 3) == prefix && text.back() == ')') return true;
  }
  return false;
}

// "p" then an integer part without leading zeros and up to two decimals. The value is held in
// hundredths so that range checks and printing are exact.
Result<StatisticSpec> ParsePercentile(std::string_view text) {
  std::string_view body = text.substr(1);
  if (body.empty()) {
    return Status::InvalidArgument(
        fmt::format("percentile \"{}\" has no number: write e.g. p99 or p99.9", text));
  }
  auto malformed = [&] {
    return Status::InvalidArgument(fmt::format(
        "malformed percentile \"{}\": expected pNN or pNN.NN (0 to 100, up to two decimal "
        "places)",
        text));
  };
  std::size_t i = 0;
  std::int64_t whole = 0;
  while (i < body.size() && IsDigit(body[i])) {
    // More than three digits is out of range anyway; stop before the value could overflow.
    if (i == 3) {
      return Status::InvalidArgument(
          fmt::format("percentile \"{}\" is out of range: must be between p0.0 and p100", text));
    }
    whole = whole * 10 + (body[i] - '0');
    ++i;
  }
  if (i == 0 || (i > 1 && body[0] == '0')) return malformed();
  std::int64_t hundredths = whole * 100;
  if (i < body.size()) {
    if (body[i] != '.') return malformed();
    std::string_view frac = body.substr(i + 1);
    if (frac.empty() || frac.size() > 2 || !std::all_of(frac.begin(), frac.end(), IsDigit)) {
      return malformed();
    }
    std::int64_t f = frac[0] - '0';
    f = f * 10 + (frac.size() == 2 ? frac[1] - '0' : 0);
    hundredths += f;
  }
  if (hundredths > 100 * 100) {
    return Status::InvalidArgument(
        fmt::format("percentile \"{}\" is out of range: must be between p0.0 and p100", text));
  }
  StatisticSpec spec;
  spec.kind = StatisticSpec::Kind::kPercentile;
  spec.percentile = static_cast<double>(hundredths) / 100.0;
  return spec;
}

}  // namespace

MetricKey MetricKey::Make(std::string name_space, std::string name,
                          std::vector<std::pair<std::string, std::string>> dimensions) {
  // Sorting by value too keeps the order total even for (invalid) repeated dimension names.
  std::sort(dimensions.begin(), dimensions.end());
  return MetricKey{std::move(name_space), std::move(name), std::move(dimensions)};
}

std::string MetricKey::ToString() const {
  std::string out = fmt::format("{}/{}", name_space, name);
  if (dimensions.empty()) return out;
  out += '{';
  for (std::size_t i = 0; i < dimensions.size(); ++i) {
    if (i > 0) out += ',';
    out += fmt::format("{}={}", dimensions[i].first, dimensions[i].second);
  }
  out += '}';
  return out;
}

Result<StatisticSpec> StatisticSpec::Parse(std::string_view text) {
  for (const NamedStatistic& s : kNamedStatistics) {
    if (text == s.name) {
      StatisticSpec spec;
      spec.kind = s.kind;
      return spec;
    }
  }
  if (!text.empty() && text[0] == 'p') return ParsePercentile(text);
  if (IsOtherExtendedStatistic(text)) {
    return Status(StatusCode::kUnimplemented,
                  fmt::format("extended statistic \"{}\" is not supported: only Sum, "
                              "SampleCount, Average, Minimum, Maximum and percentiles are",
                              text));
  }
  for (const NamedStatistic& s : kNamedStatistics) {
    if (EqualsIgnoreCase(text, s.name)) {
      return Status::InvalidArgument(
          fmt::format("unknown statistic \"{}\": did you mean \"{}\"? (names are case-sensitive)",
                      text, s.name));
    }
  }
  if (text.size() > 1 && text[0] == 'P' && IsDigit(text[1])) {
    return Status::InvalidArgument(fmt::format(
        "unknown statistic \"{}\": percentiles are written with a lower-case p, e.g. \"p{}\"", text,
        text.substr(1)));
  }
  if (text.empty()) return Status::InvalidArgument(fmt::format("empty statistic: {}", kExpected));
  return Status::InvalidArgument(fmt::format("unknown statistic \"{}\": {}", text, kExpected));
}

std::string StatisticSpec::Name() const {
  switch (kind) {
    case Kind::kSum:
      return "Sum";
    case Kind::kSampleCount:
      return "SampleCount";
    case Kind::kAverage:
      return "Average";
    case Kind::kMinimum:
      return "Minimum";
    case Kind::kMaximum:
      return "Maximum";
    case Kind::kPercentile:
      break;
  }
  std::int64_t h = internal::PercentileHundredths(percentile);
  std::int64_t whole = h / 100;
  std::int64_t frac = h % 100;
  if (frac == 0) return fmt::format("p{}", whole);
  if (frac % 10 == 0) return fmt::format("p{}.{}", whole, frac / 10);
  return fmt::format("p{}.{:02}", whole, frac);
}

bool IsLowSampleCount(const StatisticSpec& spec, double sample_count) {
  if (spec.kind != StatisticSpec::Kind::kPercentile) return false;
  std::int64_t h = internal::PercentileHundredths(spec.percentile);
  if (h <= 0 || h >= 10000) return false;
  // With f = h / 10000: n < 10 / (1 - f)  <=>  n * (10000 - h) < 100000, and n < 10 / f  <=>
  // n * h < 100000. Integer-valued doubles keep the boundary exact (n = 1000 for p99 is enough).
  double weight = static_cast<double>(h >= 5000 ? 10000 - h : h);
  return sample_count * weight < 100000.0;
}

Status ValidatePeriodSeconds(std::int64_t period_seconds) {
  if (period_seconds == 10 || period_seconds == 20 || period_seconds == 30 ||
      (period_seconds > 0 && period_seconds % 60 == 0)) {
    return Status::Ok();
  }
  return Status::InvalidArgument(
      fmt::format("invalid period {} s: CloudWatch accepts 10, 20, 30 or a multiple of 60 seconds",
                  period_seconds));
}

}  // namespace trailwatch::metrics
