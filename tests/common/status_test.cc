#include "common/status.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/json_text.h"

namespace trailwatch {
namespace {

TEST(StatusTest, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ToStringNamesSourceLineAndColumn) {
  struct Case {
    SourceLocation loc;
    std::string want;
  } cases[] = {
      {{"filter pattern", 1, 7}, "filter pattern:1:7: bad"},
      {{"rules.yaml", 12, 0}, "rules.yaml:12: bad"},
      {{"", 3, 4}, "bad"},
  };
  for (const Case& c : cases) {
    Status s = Status::InvalidArgument("bad").At(c.loc);
    EXPECT_EQ(s.ToString(), c.want);
  }
}

TEST(StatusTest, WithContextKeepsLocation) {
  Status s = Status::InvalidArgument("bad").At({"f", 2, 3}).WithContext("rule R1");
  EXPECT_EQ(s.ToString(), "f:2:3: rule R1: bad");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> good(42);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  Result<int> bad(Status::NotFound("nope"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

TEST(ClockTest, FakeClockAdvances) {
  FakeClock clock(TimePoint(std::chrono::milliseconds(1000)));
  clock.Advance(std::chrono::milliseconds(500));
  EXPECT_EQ(clock.Now().time_since_epoch().count(), 1500);
}

TEST(JsonTextTest, EscapesLikePythonJsonDumps) {
  struct Case {
    std::string in;
    std::string want;
  } cases[] = {
      {"plain", "\"plain\""},
      {"a\"b\\c", "\"a\\\"b\\\\c\""},
      {"\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\""},
      {std::string("\x01\x1f", 2), "\"\\u0001\\u001f\""},
      {"caf\xC3\xA9", "\"caf\xC3\xA9\""},            // UTF-8 kept as is
      {"bad\xFF", "\"bad\xEF\xBF\xBD\""},            // invalid byte -> U+FFFD
      {"\xE2\x82", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},  // truncated sequence
      {"", "\"\""},
      {"\"lead and trail\\", "\"\\\"lead and trail\\\\\""},
      {"ab\ncd\xC3\xA9"
       "ef\x7fgh",
       "\"ab\\ncd\xC3\xA9"
       "ef\x7fgh\""},  // runs between escapes
  };
  for (const Case& c : cases) {
    std::string out;
    AppendJsonString(&out, c.in);
    EXPECT_EQ(out, c.want) << c.in;
  }
}

}  // namespace
}  // namespace trailwatch
