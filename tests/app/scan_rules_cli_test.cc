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

// --notify dry-run: each state change also carries what CloudWatch would publish to the
// topic (spec cloudwatch.md 4.2, 4.3) and where the rule files subscribe it.
TEST(ScanRulesTest, NotifyDryRunPrintsTheSnsMessageAndSubject) {
  const Output r = Scan({Source("testdata/examples/cloudtrail-sample.ndjson"), "--rules",
                         Source("testdata/scan-rules/root.yaml"), "--notify", "dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = Lines(r.out);
  const std::vector<std::string> golden =
      Lines(ReadFile(Source("testdata/scan-rules/root.timeline.ndjson")));
  ASSERT_EQ(lines.size(), golden.size());
  // The line is the plain timeline line plus "notifications".
  const std::string prefix = golden[0].substr(0, golden[0].size() - 1);
  ASSERT_EQ(lines[0].rfind(prefix + ",\"notifications\":[{", 0), 0u) << lines[0];
  const struct {
    std::string fragment;
  } expected[] = {
      {R"j("topic":"arn:aws:sns:us-east-1:123456789012:security-alerts")j"},
      {R"j("subject":"ALARM: \"RootAccountUsage\" in US East (N. Virginia)")j"},
      // The Message is a JSON document inside a JSON string, compact, keys in AWS's order.
      {R"j("message":"{\"AlarmName\":\"RootAccountUsage\",\"AlarmDescription\":null,)j"
       R"j(\"AWSAccountId\":\"123456789012\",\"AlarmConfigurationUpdatedTimestamp\":)j"
       R"j(\"2026-11-02T09:14:03.000+0000\",\"NewStateValue\":\"ALARM\",)j"},
      {R"j(\"StateChangeTime\":\"2026-11-02T09:15:00.000+0000\",\"Region\":\"US East (N. )j"
       R"j(Virginia)\",\"AlarmArn\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:)j"
       R"j(RootAccountUsage\",\"OldStateValue\":\"INSUFFICIENT_DATA\",\"OKActions\":[],)j"},
      {R"j(\"Trigger\":{\"MetricName\":\"RootAccountUsage\",\"Namespace\":\"CISBenchmark\",)j"
       R"j(\"StatisticType\":\"Statistic\",\"Statistic\":\"SUM\",\"Unit\":null,)j"
       R"j(\"Dimensions\":[],\"Period\":300,\"EvaluationPeriods\":1,\"ComparisonOperator\":)j"
       R"j(\"GreaterThanOrEqualToThreshold\",\"Threshold\":1.0,\"TreatMissingData\":\"\",)j"
       R"j(\"EvaluateLowSampleCountPercentile\":\"\"}}")j"},
      {R"j("subscriptions":[{"protocol":"email","endpoint":"secops@example.com"}]}]})j"},
  };
  for (const auto& e : expected) {
    EXPECT_NE(lines[0].find(e.fragment), std::string::npos) << e.fragment << "\n" << lines[0];
  }
  // The return to INSUFFICIENT_DATA runs no action (the alarm has none for it): no message.
  EXPECT_NE(lines[1].find(R"j("actions":[],"events":[],"notifications":[]})j"), std::string::npos)
      << lines[1];
}

// Events of one input read out of order: within --lateness the timeline is the golden one;
// beyond it the late event counts only from the evaluation after it arrived.
TEST(ScanRulesTest, LatenessDecidesWhenAnOutOfOrderEventCounts) {
  const std::vector<std::string> sample =
      Lines(ReadFile(Source("testdata/examples/cloudtrail-sample.ndjson")));
  ASSERT_EQ(sample.size(), 4u);
  // The root ConsoleLogin (09:14:03) read after the StopLogging of 09:17:12.
  trailwatch::test_support::TempDir dir;
  const std::string path = dir.Write(
      "late.ndjson", sample[1] + "\n" + sample[2] + "\n" + sample[3] + "\n" + sample[0] + "\n");
  const std::string golden = ReadFile(Source("testdata/scan-rules/root.timeline.ndjson"));
  const Output within = Scan({path, "--rules", Source("testdata/scan-rules/root.yaml")});
  ASSERT_EQ(within.exit_code, 0) << within.err;
  EXPECT_EQ(within.out, golden);
  EXPECT_NE(within.err.find(" 0 late observations"), std::string::npos) << within.err;

  const Output beyond =
      Scan({path, "--rules", Source("testdata/scan-rules/root.yaml"), "--lateness", "2m"});
  ASSERT_EQ(beyond.exit_code, 0) << beyond.err;
  const std::vector<std::string> lines = Lines(beyond.out);
  ASSERT_EQ(lines.size(), 2u) << beyond.out;
  // Arrived at 09:17:12, due 2 minutes earlier: first seen by the 09:16 evaluation.
  EXPECT_NE(lines[0].find(R"j("time":"2026-11-02T09:16:00Z")j"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(R"j("new":"ALARM")j"), std::string::npos);
  EXPECT_NE(beyond.err.find(" 1 late observations"), std::string::npos) << beyond.err;

  for (const char* bad : {"5 minutes", "-1m", ""}) {
    const Output r =
        Scan({path, "--rules", Source("testdata/scan-rules/root.yaml"), "--lateness", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--lateness"), std::string::npos) << r.err;
  }
}

TEST(ScanRulesTest, NotifyAndLatenessNeedRules) {
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--notify", "dry-run"}, {"--lateness", "5m"}}) {
    std::vector<std::string> args = {Source("testdata/examples/cloudtrail-sample.ndjson"),
                                     "--filter-pattern", "ERROR"};
    args.insert(args.end(), extra.begin(), extra.end());
    const Output r = Scan(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("need --rules"), std::string::npos) << r.err;
  }
}

TEST(RulesCheckTest, CompositeChildrenMustExistAcrossTheLoadedFiles) {
  trailwatch::test_support::TempDir dir;
  const std::string composite =
      dir.Write("composite.yaml",
                "Resources:\n"
                "  Both:\n"
                "    Type: AWS::CloudWatch::CompositeAlarm\n"
                "    Properties:\n"
                "      AlarmName: Both\n"
                "      AlarmRule: ALARM(RootAccountUsage) AND ALARM(Nope)\n");
  const Output missing = RunProcess(
      {TRAILWATCH_BINARY, "rules", "check", composite, Source("testdata/scan-rules/root.yaml")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find(composite + ":2:3: AlarmRule: alarms [Nope] in the alarm rule"),
            std::string::npos)
      << missing.err;
  const std::string fixed = dir.Write(
      "composite2.yaml",
      "Resources:\n"
      "  Both:\n"
      "    Type: AWS::CloudWatch::CompositeAlarm\n"
      "    Properties:\n"
      "      AlarmName: Both\n"
      "      AlarmRule: ALARM(RootAccountUsage) AND ALARM(\"CIS-4.1-UnauthorizedApiCalls\")\n");
  const Output ok = RunProcess({TRAILWATCH_BINARY, "rules", "check", fixed,
                                Source("testdata/scan-rules/root.yaml"), "pack:cis"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
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

  trailwatch::test_support::TempDir dir;
  const std::string bad = dir.Write("bad-rule.yaml",
                                    "Resources:\n"
                                    "  F:\n"
                                    "    Type: AWS::Logs::MetricFilter\n"
                                    "    Properties:\n"
                                    "      LogGroupName: g\n"
                                    "      FilterPattern: \"{ $.errorCode EXISTS }\"\n"
                                    "      MetricTransformations: [{MetricName: m, "
                                    "MetricNamespace: n, MetricValue: \"1\"}]\n");
  const Output r = RunProcess({TRAILWATCH_BINARY, "rules", "check", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("trailwatch: " + bad + ":6:37: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("EXISTS"), std::string::npos);
}

TEST(ScanRulesTest, PacksOverStratusDetonationLogs) {
  const char* shared = std::getenv("TRAILWATCH_SHARED_DIR");
  const std::string dir = std::string(shared ? shared : TRAILWATCH_SOURCE_DIR "/../shared") +
                          "/testdata/stratus-detonation-logs";
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
