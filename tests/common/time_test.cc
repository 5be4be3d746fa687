// Tests of common/time: ISO 8601 parsing and formatting, and --start-time/--end-time arguments.
#include "common/time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace trailwatch {
namespace {

// 2024-07-31T12:36:52Z, a time in the Stratus detonation logs.
constexpr std::int64_t kT = 1722429412000;
constexpr std::int64_t kDay = 86400000;

struct ParseCase {
  std::string_view text;
  std::optional<std::int64_t> want;  // nullopt: must be rejected
};

class ParseIso8601Test : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseIso8601Test, Parses) {
  const ParseCase& c = GetParam();
  EXPECT_EQ(ParseIso8601Millis(c.text), c.want) << "text: '" << c.text << "'";
}

INSTANTIATE_TEST_SUITE_P(
    Valid, ParseIso8601Test,
    ::testing::Values(
        // As CloudTrail writes it.
        ParseCase{"2024-07-31T12:36:52Z", kT}, ParseCase{"1970-01-01T00:00:00Z", 0},
        ParseCase{"1969-12-31T23:59:59Z", -1000}, ParseCase{"2024-12-31T23:59:59Z", 1735689599000},
        ParseCase{"2025-01-01T00:00:00Z", 1735689600000},
        // Fractions: milliseconds, shorter, longer (truncated), comma.
        ParseCase{"2024-07-31T12:36:52.123Z", kT + 123},
        ParseCase{"2024-07-31T12:36:52.1Z", kT + 100},
        ParseCase{"2024-07-31T12:36:52.05Z", kT + 50}, ParseCase{"2024-07-31T12:36:52.000Z", kT},
        ParseCase{"2024-07-31T12:36:52.123456789Z", kT + 123},
        ParseCase{"2024-07-31T12:36:52,5Z", kT + 500},
        // Offsets.
        ParseCase{"2024-07-31T12:36:52+00:00", kT}, ParseCase{"2024-07-31T12:36:52-00:00", kT},
        ParseCase{"2024-07-31T18:06:52+05:30", kT}, ParseCase{"2024-07-31T18:06:52+0530", kT},
        ParseCase{"2024-07-31T04:36:52-08:00", kT}, ParseCase{"2024-07-31T04:36:52-0800", kT},
        ParseCase{"2024-08-01T01:36:52.250+13:00", kT + 250},
        // Variants users type: space, lower case, no seconds.
        ParseCase{"2024-07-31 12:36:52Z", kT}, ParseCase{"2024-07-31t12:36:52z", kT},
        ParseCase{"2024-07-31T12:36Z", kT - 52000},
        // A date alone: midnight UTC.
        ParseCase{"2024-07-31", 1722384000000}, ParseCase{"2024-02-29", 1709164800000},
        ParseCase{"2000-02-29", 951782400000}, ParseCase{"1900-03-01", -2203891200000},
        // A leap second reads as the next second.
        ParseCase{"2024-12-31T23:59:60Z", 1735689600000}));

INSTANTIATE_TEST_SUITE_P(
    Invalid, ParseIso8601Test,
    ::testing::Values(
        // Impossible dates.
        ParseCase{"2023-02-29", std::nullopt}, ParseCase{"1900-02-29", std::nullopt},
        ParseCase{"2024-13-01", std::nullopt}, ParseCase{"2024-00-10", std::nullopt},
        ParseCase{"2024-04-31", std::nullopt}, ParseCase{"2024-01-00", std::nullopt},
        ParseCase{"2024-01-32", std::nullopt}, ParseCase{"2023-02-29T00:00:00Z", std::nullopt},
        // Out-of-range times and offsets.
        ParseCase{"2024-07-31T24:00:00Z", std::nullopt},
        ParseCase{"2024-07-31T12:60:00Z", std::nullopt},
        ParseCase{"2024-07-31T12:36:61Z", std::nullopt},
        ParseCase{"2024-07-31T12:36:52+24:00", std::nullopt},
        ParseCase{"2024-07-31T12:36:52+05:60", std::nullopt},
        // Incomplete or extra text.
        ParseCase{"", std::nullopt}, ParseCase{"2024", std::nullopt},
        ParseCase{"2024-07", std::nullopt}, ParseCase{"2024-07-31T", std::nullopt},
        ParseCase{"2024-07-31T12Z", std::nullopt},
        ParseCase{"2024-07-31T12:36:52", std::nullopt},  // a time needs a zone
        ParseCase{"2024-07-31T12:36:52.Z", std::nullopt},
        ParseCase{"2024-07-31T12:36:52+5", std::nullopt},
        ParseCase{"2024-07-31T12:36:52+05:3", std::nullopt},
        ParseCase{"2024-07-31T12:36:52Zjunk", std::nullopt},
        ParseCase{"2024-07-31T12:36:52Z ", std::nullopt},
        ParseCase{" 2024-07-31T12:36:52Z", std::nullopt}, ParseCase{"2024-07-31 ", std::nullopt},
        ParseCase{"2024-07-31X", std::nullopt},
        // Other shapes and garbage.
        ParseCase{"2024-7-31", std::nullopt}, ParseCase{"24-07-31", std::nullopt},
        ParseCase{"2024/07/31", std::nullopt}, ParseCase{"20240731T123652Z", std::nullopt},
        ParseCase{"1722429412", std::nullopt}, ParseCase{"garbage", std::nullopt},
        ParseCase{"2024-07-31T12:36:52Q", std::nullopt},
        ParseCase{"\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x92\xEF\xBC\x94-07-31", std::nullopt}));

struct FormatCase {
  std::int64_t millis;
  std::string_view want;
};

class FormatIso8601Test : public ::testing::TestWithParam<FormatCase> {};

TEST_P(FormatIso8601Test, FormatsAndReadsBack) {
  const FormatCase& c = GetParam();
  EXPECT_EQ(FormatIso8601(c.millis), c.want);
  EXPECT_EQ(ParseIso8601Millis(c.want), c.millis);
}

INSTANTIATE_TEST_SUITE_P(
    Table, FormatIso8601Test,
    ::testing::Values(FormatCase{0, "1970-01-01T00:00:00Z"}, FormatCase{kT, "2024-07-31T12:36:52Z"},
                      FormatCase{kT + 123, "2024-07-31T12:36:52.123Z"},
                      FormatCase{kT + 5, "2024-07-31T12:36:52.005Z"},
                      FormatCase{kT + 500, "2024-07-31T12:36:52.500Z"},
                      FormatCase{-1000, "1969-12-31T23:59:59Z"},
                      FormatCase{-1, "1969-12-31T23:59:59.999Z"},
                      FormatCase{-kDay, "1969-12-31T00:00:00Z"},
                      FormatCase{951782400000, "2000-02-29T00:00:00Z"},
                      FormatCase{1709164800000 + kDay - 1, "2024-02-29T23:59:59.999Z"},
                      FormatCase{-2203891200000, "1900-03-01T00:00:00Z"},
                      FormatCase{253402300799999, "9999-12-31T23:59:59.999Z"},
                      FormatCase{-62167219200000, "0000-01-01T00:00:00Z"}));

// Parse(Format(t)) == t across years 0000..9999, including negative times and every
// millisecond remainder class.
TEST(FormatIso8601RoundTrip, ManyTimes) {
  constexpr std::int64_t kMin = -62167219200000;  // 0000-01-01
  constexpr std::int64_t kMax = 253402300799999;  // 9999-12-31T23:59:59.999
  std::uint64_t x = 0x9E3779B97F4A7C15u;
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    const auto span = static_cast<std::uint64_t>(kMax - kMin) + 1;
    std::int64_t t = kMin + static_cast<std::int64_t>(x % span);
    if (i % 4 == 0) t -= t % 1000;  // whole seconds too
    const std::string text = FormatIso8601(t);
    ASSERT_EQ(ParseIso8601Millis(text), t) << text;
    ++checked;
  }
  // Every day boundary of a leap year and the days around the epoch.
  for (std::int64_t d = -400; d <= 400; ++d) {
    const std::int64_t t = 1704067200000 + d * kDay;  // 2024-01-01 ± 400 days
    ASSERT_EQ(ParseIso8601Millis(FormatIso8601(t)), t) << FormatIso8601(t);
    ASSERT_EQ(ParseIso8601Millis(FormatIso8601(t - 1)), t - 1) << FormatIso8601(t - 1);
    ASSERT_EQ(ParseIso8601Millis(FormatIso8601(d * kDay)), d * kDay);
    checked += 3;
  }
  EXPECT_EQ(checked, 20000 + 3 * 801);
}

// A fixed "now", as a FakeClock would give it.
TimePoint Now() {
  const FakeClock clock{TimePoint(std::chrono::milliseconds(kT))};
  return clock.Now();
}

struct ArgCase {
  std::string_view text;
  std::int64_t want;
};

class ParseTimeArgumentTest : public ::testing::TestWithParam<ArgCase> {};

TEST_P(ParseTimeArgumentTest, Parses) {
  const ArgCase& c = GetParam();
  const Result<std::int64_t> r = ParseTimeArgument(c.text, Now());
  ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().ToString();
  EXPECT_EQ(*r, c.want) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseTimeArgumentTest,
    ::testing::Values(
        ArgCase{"now", kT}, ArgCase{"-7d", kT - 7 * kDay}, ArgCase{"-1d", kT - kDay},
        ArgCase{"-12h", kT - 12 * 3600000}, ArgCase{"-30m", kT - 30 * 60000},
        ArgCase{"-45s", kT - 45000}, ArgCase{"-2w", kT - 14 * kDay}, ArgCase{"-0d", kT},
        ArgCase{"-365d", kT - 365 * kDay}, ArgCase{"-90m", kT - 90 * 60000},
        // Epoch seconds.
        ArgCase{"0", 0}, ArgCase{"1722429412", kT}, ArgCase{"1722384000", 1722384000000},
        // ISO 8601.
        ArgCase{"2024-07-31T12:36:52Z", kT}, ArgCase{"2024-07-31T12:36:52.123Z", kT + 123},
        ArgCase{"2024-07-31", 1722384000000}, ArgCase{"2024-07-31T14:36:52+02:00", kT}));

class ParseTimeArgumentErrorTest : public ::testing::TestWithParam<std::string_view> {};

TEST_P(ParseTimeArgumentErrorTest, RejectsAndQuotesTheText) {
  const std::string_view text = GetParam();
  const Result<std::int64_t> r = ParseTimeArgument(text, Now());
  ASSERT_FALSE(r.ok()) << "'" << text << "' parsed as " << *r;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string quoted = "'" + std::string(text) + "'";
  EXPECT_NE(r.status().message().find(quoted), std::string::npos) << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(Table, ParseTimeArgumentErrorTest,
                         ::testing::Values("", "yesterday", "-7x", "-d", "7d", "+7d", "-7", "-7dd",
                                           "- 7d", "-7 d", "-1.5h", "NOW", "now ", "2023-02-29",
                                           "2024-13-01", "2024-07-31T12:36:52", "17224294120000",
                                           "1722429412.5", "-7D",
                                           // A double minus is not a time in the future.
                                           "--7d"));

// Amounts too large for 64-bit milliseconds must be an error, not signed overflow. Run in a
// child process so that a sanitizer abort fails this test only.
TEST(ParseTimeArgumentDeathTest, HugeRelativeAmountIsAnErrorNotOverflow) {
  for (const char* text : {"-999999999999999999w", "-9223372036854775807s", "-200000000000d"}) {
    EXPECT_EXIT(
        {
          const Result<std::int64_t> r = ParseTimeArgument(text, Now());
          std::exit(r.ok() ? 1 : 0);
        },
        ::testing::ExitedWithCode(0), "")
        << text;
  }
}

TEST(ParseDuration, Table) {
  const struct {
    std::string_view text;
    std::int64_t want;  // -1: an error
  } cases[] = {
      {"0", 0},
      {"300", 300'000},
      {"90s", 90'000},
      {"5m", 300'000},
      {"2h", 7'200'000},
      {"1d", kDay},
      {"1w", 7 * kDay},
      {"0m", 0},
      {"", -1},
      {"5", 5'000},
      {"-5m", -1},
      {"5 m", -1},
      {"5M", -1},
      {"m", -1},
      {"1.5h", -1},
      {"5mm", -1},
      {"999999999999999999w", -1},
      {"1234567890123", -1},
  };
  for (const auto& c : cases) {
    const Result<std::int64_t> r = ParseDuration(c.text);
    if (c.want < 0) {
      EXPECT_FALSE(r.ok()) << c.text;
      if (!r.ok()) {
        EXPECT_NE(r.status().message().find("'" + std::string(c.text) + "'"), std::string::npos);
      }
    } else {
      ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().ToString();
      EXPECT_EQ(*r, c.want) << c.text;
    }
  }
}

}  // namespace
}  // namespace trailwatch
