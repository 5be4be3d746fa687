// End to end: `trailwatch scan --rules` and `trailwatch rules check` on the real binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/process.h"
#include "testing/files.h"

namespace {

using trailwatch::test_support::ReadFile;
using trailwatch::testing::Output;
using trailwatch::testing::RunProcess;

std::string Source(const std::string& relative) {
  return std::string(TRAILWATCH_SOURCE_DIR) + "/" + relative;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

Output Scan(std::vector<std::string> args) {
  args.insert(args.begin(), {TRAILWATCH_BINARY, "scan", "--progress", "never"});
  return RunProcess(args);
}

TEST(ScanRulesTest, RootUsageTimelineIsTheGoldenOneWhateverTheThreads) {
  // Hand-checked (spec 5.3): the root ConsoleLogin at 09:14:03 makes the 09:15 evaluation see
  // Sum 1 in [09:10, 09:15) -> ALARM; the root StopLogging at 09:17:12 keeps a datapoint in the
  // 3-period range until 09:32, so the alarm returns to INSUFFICIENT_DATA at 09:33. The
  // ListUsers call invoked by support.amazonaws.com is not root usage.
  const std::string golden = ReadFile(Source("testdata/scan-rules/root.timeline.ndjson"));
  ASSERT_FALSE(golden.empty());
  for (const char* threads : {"1", "2"}) {
    const Output r = Scan({Source("testdata/examples/cloudtrail-sample.ndjson"), "--rules",
                           Source("testdata/scan-rules/root.yaml"), "--threads", threads});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, golden) << "threads " << threads;
  }
  const std::vector<std::string> lines = Lines(golden);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\"time\":\"2026-11-02T09:15:00Z\""), std::string::npos);
  EXPECT_NE(lines[0].find("\"new\":\"ALARM\""), std::string::npos);
  EXPECT_NE(lines[0].find("\"eventID\":\"0b1c2d3e-0000-4000-8000-000000000001\""),
            std::string::npos);
  EXPECT_NE(lines[0].find("\"actions\":[\"arn:aws:sns:us-east-1:123456789012:security-alerts\"]"),
            std::string::npos);
  EXPECT_NE(lines[1].find("\"new\":\"INSUFFICIENT_DATA\""), std::string::npos);
  EXPECT_NE(lines[1].find("\"time\":\"2026-11-02T09:33:00Z\""), std::string::npos);
}

TEST(ScanRulesTest, FilterPatternAndRulesTogetherIsBadUsage) {
  const Output r = Scan({Source("testdata/examples/cloudtrail-sample.ndjson"), "--rules",
                         "pack:cis", "--filter-pattern", "ERROR"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not both"), std::string::npos);
}

TEST(RulesCheckTest, PacksAreValidAndErrorsNameFileLineAndColumn) {
  const Output ok = RunProcess({TRAILWATCH_BINARY, "rules", "check", "pack:cis", "pack:secrets"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("pack:cis: 16 metric filters, 16 alarms"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("pack:secrets: 7 metric filters, 7 alarms"), std::string::npos) << ok.out;

  const std::string bad = (std::filesystem::temp_directory_path() / "trailwatch-bad-rule.yaml");
  std::ofstream(bad) << "Resources:\n"
                        "  F:\n"
                        "    Type: AWS::Logs::MetricFilter\n"
                        "    Properties:\n"
                        "      LogGroupName: g\n"
                        "      FilterPattern: \"{ $.errorCode EXISTS }\"\n"
                        "      MetricTransformations: [{MetricName: m, MetricNamespace: n, "
                        "MetricValue: \"1\"}]\n";
  const Output r = RunProcess({TRAILWATCH_BINARY, "rules", "check", bad});
  std::filesystem::remove(bad);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("trailwatch: " + bad + ":6:37: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("EXISTS"), std::string::npos);
}

TEST(ScanRulesTest, PacksOverStratusDetonationLogs) {
  const char* shared = std::getenv("TRAILWATCH_SHARED_DIR");
  const std::string dir =
      std::string(shared ? shared : "../shared") + "/testdata/stratus-detonation-logs";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " is absent";
  const Output one =
      Scan({dir, "--rules", "pack:cis", "--rules", "pack:secrets", "--threads", "1"});
  const Output two =
      Scan({dir, "--rules", "pack:cis", "--rules", "pack:secrets", "--threads", "2"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, two.out);
  std::size_t to_alarm = 0;
  std::vector<std::string> trail_events;
  for (const std::string& line : Lines(one.out)) {
    if (line.find("\"new\":\"ALARM\"") == std::string::npos) continue;
    ++to_alarm;
    if (line.find("\"alarm\":\"CIS-4.5-CloudTrailConfigChanges\"") != std::string::npos) {
      const auto at = line.find("\"eventName\":\"");
      trail_events.push_back(line.substr(at + 13, line.find('"', at + 13) - at - 13));
    }
  }
  // docs/packs.md: which techniques trigger which alarms.
  EXPECT_EQ(to_alarm, 13u);
  EXPECT_EQ(trail_events, (std::vector<std::string>{"DeleteTrail", "StopLogging"}));
}

}  // namespace
