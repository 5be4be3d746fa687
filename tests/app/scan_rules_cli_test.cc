// End to end: `trailwatch scan --rules` and `trailwatch rules check` on the real binary.
#include <gtest/gtest.h>

#include <algorithm>
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
  // Hand-checked (spec 5.3): the root ConsoleLogin at 09:14:03 gives Sum 1 in [09:10, 09:15)
  // -> ALARM as it arrives (Sum >= 1 can only move toward breaching: alarm/timeline.h), not at
  // the 09:15 evaluation; the root StopLogging at 09:17:12 keeps a datapoint in the 3-period
  // range until 09:32, so the alarm returns to INSUFFICIENT_DATA at 09:33. The ListUsers call
  // invoked by support.amazonaws.com is not root usage.
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
  EXPECT_NE(lines[0].find("\"time\":\"2026-11-02T09:14:03Z\""), std::string::npos);
  EXPECT_NE(lines[0].find("\"new\":\"ALARM\""), std::string::npos);
  // Who: the principal and its access key.
  EXPECT_NE(lines[0].find("\"accessKeyId\":\""), std::string::npos) << lines[0];
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
      {R"j(\"StateChangeTime\":\"2026-11-02T09:14:03.000+0000\",\"Region\":\"US East (N. )j"
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

// Events of one input read out of order. The root alarm (Sum >= 1) changes to ALARM as the
// first root event is read, as it would live; whether the earlier event read later counts as
// late depends on --lateness, and either way it still counts for the evaluations after it.
TEST(ScanRulesTest, LatenessDecidesWhenAnOutOfOrderEventCounts) {
  const std::vector<std::string> sample =
      Lines(ReadFile(Source("testdata/examples/cloudtrail-sample.ndjson")));
  ASSERT_EQ(sample.size(), 4u);
  // The root ConsoleLogin (09:14:03) read after the StopLogging of 09:17:12.
  trailwatch::test_support::TempDir dir;
  const std::string path = dir.Write(
      "late.ndjson", sample[1] + "\n" + sample[2] + "\n" + sample[3] + "\n" + sample[0] + "\n");
  const struct {
    const char* lateness;
    const char* late;
  } cases[] = {{"5m", " 0 late observations"}, {"2m", " 1 late observations"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.lateness);
    const Output r =
        Scan({path, "--rules", Source("testdata/scan-rules/root.yaml"), "--lateness", c.lateness});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<std::string> lines = Lines(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out;
    EXPECT_NE(lines[0].find(R"j("time":"2026-11-02T09:17:12Z")j"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find(R"j("new":"ALARM")j"), std::string::npos);
    EXPECT_NE(lines[1].find(R"j("time":"2026-11-02T09:33:00Z")j"), std::string::npos) << lines[1];
    EXPECT_NE(r.err.find(c.late), std::string::npos) << r.err;
  }

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

// --parameter fills a pack's parameters as `aws cloudformation deploy --parameter-overrides`
// would: the allowlisted reader raises no outside-the-allowlist alert, the other one does; a
// name no rule file declares, or a value outside AllowedValues, is an error.
TEST(ScanRulesTest, ParametersFillThePacksAllowlist) {
  trailwatch::test_support::TempDir dir;
  std::string records;
  for (const char* user : {"app", "mallory"}) {
    records += std::string(R"j({"eventVersion":"1.08","eventTime":"2026-11-03T10:00:00Z",)j") +
               R"j("eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue",)j" +
               R"j("awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","eventID":")j" + user +
               R"j(","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/)j" +
               user + R"j("}})j" + "\n";
  }
  const std::string path = dir.Write("reads.ndjson", records);
  const Output r = Scan({path, "--rules", "pack:secrets", "--parameter",
                         "SecretReadAllowedPrincipals=arn:aws:iam::123456789012:user/app"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> alerted;
  for (const std::string& line : Lines(r.out)) {
    if (line.find("Secrets-SecretReadOutsideAllowlist") == std::string::npos) continue;
    alerted.push_back(line.find("user/mallory") != std::string::npos ? "mallory" : line);
  }
  EXPECT_EQ(alerted, std::vector<std::string>{"mallory"}) << r.out;

  const struct {
    const char* parameter;
    const char* error;
  } bad[] = {
      {"SecretReadAllowedPrincipal=x",
       "parameter 'SecretReadAllowedPrincipal' is declared by none"},
      {"CreateTopic=maybe", "the given value 'maybe' is not one of its AllowedValues"},
      {"novalue", "--parameter: expected NAME=VALUE, got 'novalue'"},
  };
  for (const auto& b : bad) {
    const Output e = Scan({path, "--rules", "pack:secrets", "--parameter", b.parameter});
    EXPECT_EQ(e.exit_code, 2) << b.parameter;
    EXPECT_NE(e.err.find(b.error), std::string::npos) << e.err;
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

// Detections (docs/detections.md), hand-checked against the fixture:
// - app-orders' 8 reads from 10.0.1.5 (10:00:00-10:00:35, every 5 s) are allowlisted by
//   principal glob, but the 6th crosses the burst threshold at 10:00:25 and opens a 1 h dedup
//   window whose 2 further reads roll up at 11:00:25;
// - mallory's read at 10:02:10 alerts; her reads at 10:03 and 10:04 (AccessDenied) fall in the
//   10 min dedup window and roll up at 10:12:10; her read at 10:20 alerts again;
// - bob from 2001:db8:100::17 is allowlisted by IPv6 CIDR, from 2001:db8:200::5 (10:06) he is
//   not;
// - ci's BatchGetSecretValue is allowlisted by user agent; ListUsers matches nothing.
// The fixture is not in time order, and is also given split in two files, in both orders.
TEST(ScanRulesTest, DetectionsTimelineIsTheGoldenOneWhateverTheThreadsAndInputOrder) {
  const std::string golden = ReadFile(Source("testdata/scan-rules/detections.timeline.ndjson"));
  ASSERT_FALSE(golden.empty());
  const std::vector<std::string> records =
      Lines(ReadFile(Source("testdata/scan-rules/secrets-reads.ndjson")));
  ASSERT_EQ(records.size(), 16u);
  trailwatch::test_support::TempDir dir;
  std::string first, second;
  for (std::size_t i = 0; i < records.size(); ++i) (i % 2 ? second : first) += records[i] + "\n";
  const std::string a = dir.Write("a.ndjson", first);
  const std::string b = dir.Write("b.ndjson", second);
  const std::string rules = Source("testdata/scan-rules/detections.yaml");
  for (const char* threads : {"1", "2"}) {
    for (const auto& inputs : std::vector<std::vector<std::string>>{
             {Source("testdata/scan-rules/secrets-reads.ndjson")}, {a, b}, {b, a}}) {
      std::vector<std::string> args = inputs;
      args.insert(args.end(), {"--rules", rules, "--threads", threads});
      const Output r = Scan(args);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out, golden) << "threads " << threads << ", " << inputs.size() << " inputs";
      EXPECT_NE(r.err.find(" 2 detections, 6 alerts"), std::string::npos) << r.err;
    }
  }
  const struct {
    std::vector<std::string> fragments;
  } expected[] = {
      {{R"j({"type":"alert","time":"2026-11-03T10:00:25Z","detection":"SecretReadBurst")j",
        R"j("principal":"arn:aws:sts::123456789012:assumed-role/app-orders/i-0a1b2c3d4e5f60718")j",
        R"j("count":6,)j", R"j("dedupUntil":"2026-11-03T11:00:25Z")j",
        R"j("eventTime":"2026-11-03T10:00:00Z")j"}},
      {{R"j({"type":"alert","time":"2026-11-03T10:02:10Z","detection":"SecretReadOutsideAllowlist","severity":"high",)j"
        R"j("who":{"principal":"arn:aws:iam::123456789012:user/mallory","accessKeyId":"AKIAEXAMPLEMALLORY01","userAgent":"aws-cli/2.15.30"},)j"
        R"j("what":{"eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","resource":"prod/db"},)j"
        R"j("where":{"sourceIPAddress":"198.51.100.23","awsRegion":"eu-west-1","recipientAccountId":"123456789012"},)j"
        R"j("count":1,"group":{"$.userIdentity.arn":"arn:aws:iam::123456789012:user/mallory"},)j"
        R"j("dedupUntil":"2026-11-03T10:12:10Z","actions":["arn:aws:sns:us-east-1:123456789012:security-alerts"],)j"
        R"j("events":[{"eventTime":"2026-11-03T10:02:10Z",)j"}},
      {{R"j({"type":"alert","time":"2026-11-03T10:06:00Z","detection":"SecretReadOutsideAllowlist")j",
        R"j("sourceIPAddress":"2001:db8:200::5")j"}},
      {{R"j({"type":"alert","time":"2026-11-03T10:12:10Z","detection":"SecretReadOutsideAllowlist","severity":"high","rollup":true,)j",
        R"j("what":{"eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","resource":"prod/stripe","errorCode":"AccessDeniedException"})j",
        R"j("count":2,)j", R"j("eventTime":"2026-11-03T10:03:00Z")j",
        R"j("eventTime":"2026-11-03T10:04:00Z")j"}},
      {{R"j({"type":"alert","time":"2026-11-03T10:20:00Z","detection":"SecretReadOutsideAllowlist")j",
        R"j("count":1,)j"}},
      {{R"j({"type":"alert","time":"2026-11-03T11:00:25Z","detection":"SecretReadBurst","severity":"medium","rollup":true,)j",
        R"j("count":2,)j", R"j("eventTime":"2026-11-03T10:00:30Z")j",
        R"j("eventTime":"2026-11-03T10:00:35Z")j"}},
  };
  const std::vector<std::string> lines = Lines(golden);
  ASSERT_EQ(lines.size(), std::size(expected));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    for (const std::string& f : expected[i].fragments) {
      EXPECT_NE(lines[i].find(f), std::string::npos) << "line " << i << " lacks " << f << "\n"
                                                     << lines[i];
    }
  }
  // Nothing from the allowlisted principal, address or user agent.
  for (const char* allowed : {"2001:db8:100::17", "trailwatch-healthcheck", "ListUsers"}) {
    EXPECT_EQ(golden.find(allowed), std::string::npos) << allowed;
  }
}

// With an alarm beside the detections, the alarm lines are merged in by time and the alert
// lines stay the same. (The alarm's own transitions are pinned by the alarm tests.)
TEST(ScanRulesTest, AlertAndAlarmLinesShareOneTimeline) {
  const std::vector<std::string> golden =
      Lines(ReadFile(Source("testdata/scan-rules/detections.timeline.ndjson")));
  for (const char* threads : {"1", "2"}) {
    const Output r = Scan({Source("testdata/scan-rules/secrets-reads.ndjson"), "--rules",
                           Source("testdata/scan-rules/detections.yaml"), "--rules",
                           Source("testdata/scan-rules/access-denied.yaml"), "--threads", threads});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> alerts;
    std::size_t alarms = 0;
    std::string last_time;
    for (const std::string& line : Lines(r.out)) {
      const auto at = line.find("\"time\":\"") + 8;
      const std::string time = line.substr(at, line.find('"', at) - at);
      EXPECT_GE(time, last_time) << line;
      last_time = time;
      if (line.rfind("{\"type\":\"alert\",", 0) == 0) {
        alerts.push_back(line);
      } else {
        ASSERT_EQ(line.rfind("{\"type\":\"alarm\",", 0), 0u) << line;
        EXPECT_NE(line.find("\"alarm\":\"SecretsAccessDenied\""), std::string::npos) << line;
        ++alarms;
      }
    }
    EXPECT_EQ(alerts, golden);
    EXPECT_GE(alarms, 2u);  // to ALARM (mallory's AccessDenied at 10:04) and back
    EXPECT_NE(r.out.find("\"new\":\"ALARM\""), std::string::npos);
  }
}

TEST(RulesCheckTest, CountsDetections) {
  const Output ok = RunProcess({TRAILWATCH_BINARY, "rules", "check", "pack:secrets",
                                Source("testdata/scan-rules/detections.yaml")});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("pack:secrets: 7 metric filters, 7 alarms, 0 composite alarms, 1 topics, "
                        "2 detections"),
            std::string::npos)
      << ok.out;
  EXPECT_NE(ok.out.find("detections.yaml: 0 metric filters, 0 alarms, 0 composite alarms, 1 "
                        "topics, 2 detections"),
            std::string::npos)
      << ok.out;
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

// pack:secrets' detections over the Stratus Red Team detonations: the two secrets techniques
// read as two principals (docs/packs.md). With the allowlists empty, each principal raises one
// outside-the-allowlist alert and a roll-up of its other reads an hour later; only the
// 20-secret sweep crosses the burst threshold (6 in 10 minutes), with the remaining 14 reads
// rolled up.
TEST(ScanRulesTest, SecretsPackDetectionsOverStratusDetonationLogs) {
  const char* shared = std::getenv("TRAILWATCH_SHARED_DIR");
  const std::string dir = std::string(shared ? shared : TRAILWATCH_SOURCE_DIR "/../shared") +
                          "/testdata/stratus-detonation-logs";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " is absent";
  const Output one = Scan({dir, "--rules", "pack:secrets", "--threads", "1"});
  const Output two = Scan({dir, "--rules", "pack:secrets", "--threads", "2"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, two.out);
  std::vector<std::string> alerts;
  for (const std::string& line : Lines(one.out)) {
    if (line.rfind("{\"type\":\"alert\"", 0) != 0) continue;
    const auto name = line.find("\"detection\":\"") + 13;
    const auto principal = line.find("\"principal\":\"arn:aws:iam::") + 26;
    const auto count = line.find("\"count\":") + 8;
    alerts.push_back(line.substr(name, line.find('"', name) - name) +
                     (line.find("\"rollup\":true") != std::string::npos ? " rollup " : " ") +
                     line.substr(principal, 12) + " " +
                     line.substr(count, line.find(',', count) - count));
  }
  std::sort(alerts.begin(), alerts.end());
  EXPECT_EQ(alerts, (std::vector<std::string>{
                        "Secrets-SecretReadBurst 903144391865 6",
                        "Secrets-SecretReadBurst rollup 903144391865 14",
                        "Secrets-SecretReadOutsideAllowlist 165109126369 1",
                        "Secrets-SecretReadOutsideAllowlist 903144391865 1",
                        "Secrets-SecretReadOutsideAllowlist rollup 165109126369 4",
                        "Secrets-SecretReadOutsideAllowlist rollup 903144391865 19",
                    }));
}

}  // namespace
