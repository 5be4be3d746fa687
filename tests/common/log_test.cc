// `log_format: json`: each text line the components write becomes one JSON object with the
// time, a level, the component (the first word when it names one) and the message; partial
// lines wait for their end, and every line is valid JSON whatever bytes it holds.
#include "common/log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace trailwatch {
namespace {

constexpr std::int64_t kTime = 1'763'745'876'123;  // 2025-11-21T17:24:36.123Z

TEST(JsonLogLine, FieldsFromTheTextLine) {
  const struct {
    const char* line;
    const char* json;
  } cases[] = {
      {"trailwatch: listening on http://127.0.0.1:4580 (data dir d)",
       R"j({"time":"2025-11-21T17:24:36.123Z","level":"info","msg":"listening on http://127.0.0.1:4580 (data dir d)"})j"},
      {"trailwatch: outbox: email a@b message m delivered",
       R"j({"time":"2025-11-21T17:24:36.123Z","level":"info","component":"outbox","msg":"email a@b message m delivered"})j"},
      {"trailwatch: trail: cannot write x: disk full",
       R"j({"time":"2025-11-21T17:24:36.123Z","level":"error","component":"trail","msg":"cannot write x: disk full"})j"},
      // "Secrets-SecretRead:" is no component name; quotes and control bytes are escaped.
      {"trailwatch: 2026-11-21T17:04:02Z \"x\"\t-> ALARM: y",
       R"j({"time":"2025-11-21T17:24:36.123Z","level":"info","msg":"2026-11-21T17:04:02Z \"x\"\t-> ALARM: y"})j"},
  };
  for (const auto& c : cases) EXPECT_EQ(JsonLogLine(c.line, kTime), c.json) << c.line;
}

class FixedClock : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::milliseconds(kTime)); }
};

TEST(OpenJsonLog, WholeLinesOnlyAndTheRestAtClose) {
  std::FILE* sink = std::tmpfile();
  ASSERT_NE(sink, nullptr);
  FixedClock clock;
  std::FILE* log = OpenJsonLog(sink, clock);
  ASSERT_NE(log, nullptr);
  std::fputs("trailwatch: one\ntrailwatch: t", log);
  std::fputs("wo\ntrailwatch: unfinished", log);
  std::fclose(log);
  std::rewind(sink);
  std::string out(4096, '\0');
  out.resize(std::fread(out.data(), 1, out.size(), sink));
  std::fclose(sink);
  EXPECT_EQ(out, R"j({"time":"2025-11-21T17:24:36.123Z","level":"info","msg":"one"})j"
                 "\n"
                 R"j({"time":"2025-11-21T17:24:36.123Z","level":"info","msg":"two"})j"
                 "\n"
                 R"j({"time":"2025-11-21T17:24:36.123Z","level":"info","msg":"unfinished"})j"
                 "\n");
}

}  // namespace
}  // namespace trailwatch
