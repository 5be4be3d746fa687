// The daemon's monitor against `scan --rules`: the same events, arriving live one by one on a
// clock, give the same timeline lines as the replay over a file of them.
#include "app/monitor.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "app/commands.h"
#include "common/time.h"
#include "testing/files.h"

namespace trailwatch::app {
namespace {

std::string Record(const char* time, const char* source, const char* name, const char* type,
                   const char* extra = "") {
  return fmt::format(
      R"({{"eventVersion":"1.08","userIdentity":{{"type":"{}","arn":"arn:aws:iam::123456789012:{}",)"
      R"("accountId":"123456789012","accessKeyId":"AKIAEXAMPLE000000001"}},"eventTime":"{}",)"
      R"("eventSource":"{}","eventName":"{}","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7",)"
      R"("userAgent":"aws-cli/2.15","eventID":"{}-{}","eventType":"AwsApiCall",)"
      R"("recipientAccountId":"123456789012"{}}})",
      type, std::string(type) == "Root" ? "root" : "user/alice", time, source, name, name, time,
      extra);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

TEST(MonitorTest, LiveGivesTheLinesOfScanRules) {
  test_support::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::vector<std::string> records = {
      Record("2024-07-31T10:00:05Z", "signin.amazonaws.com", "ConsoleLogin", "Root"),
      Record("2024-07-31T10:01:00Z", "secretsmanager.amazonaws.com", "GetSecretValue", "IAMUser"),
      Record("2024-07-31T10:03:10Z", "cloudtrail.amazonaws.com", "StopLogging", "IAMUser"),
      Record("2024-07-31T10:03:40Z", "cloudtrail.amazonaws.com", "StopLogging", "IAMUser"),
      Record("2024-07-31T10:20:00Z", "cloudtrail.amazonaws.com", "DeleteTrail", "IAMUser"),
      Record("2024-07-31T10:21:30Z", "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress",
             "IAMUser"),
      Record("2024-07-31T10:40:00Z", "iam.amazonaws.com", "PutUserPolicy", "IAMUser"),
      Record(
          "2024-07-31T10:41:00Z", "signin.amazonaws.com", "ConsoleLogin", "IAMUser",
          R"(,"responseElements":{"ConsoleLogin":"Failure"},"errorMessage":"Failed authentication")"),
  };
  const std::string input = dir.path() + "/events.ndjson";
  {
    std::ofstream f(input);
    for (const std::string& r : records) f << r << "\n";
  }

  // The replay.
  ScanCommandOptions so;
  so.sources = {input};
  so.rules = {"pack:cis", "pack:secrets"};
  so.threads = 1;
  so.progress = "never";
  const std::string scanned_path = dir.path() + "/scan.ndjson";
  std::FILE* out = std::fopen(scanned_path.c_str(), "w");
  std::FILE* err = std::fopen((dir.path() + "/scan.err").c_str(), "w");
  ASSERT_EQ(RunScanRules(so, out, err), 0);
  std::fclose(out);
  std::fclose(err);
  std::stringstream scanned;
  scanned << std::ifstream(scanned_path).rdbuf();
  const std::vector<std::string> want = Lines(scanned.str());
  ASSERT_GE(want.size(), 6u) << scanned.str();

  // Live: each record arrives 200 ms after its event time.
  auto set = rules::LoadRuleFile("pack:cis");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  auto secrets = rules::LoadRuleFile("pack:secrets");
  ASSERT_TRUE(secrets.ok()) << secrets.status().ToString();
  ASSERT_TRUE(rules::Merge(&*set, std::move(*secrets)).ok());
  FakeClock clock(
      TimePoint(std::chrono::milliseconds(*ParseIso8601Millis("2024-07-31T09:59:00Z"))));
  MonitorOptions mo;
  mo.timeline_path = dir.path() + "/alerts.ndjson";
  std::vector<std::string> changed;
  std::vector<std::string> alerted;
  mo.on_alert = [&](const AlertLine& a) {
    alerted.push_back(a.detection);
    EXPECT_FALSE(a.events.empty()) << a.detection;
  };
  mo.on_change = [&](const alarm::TimelineEntry& e, const std::vector<std::string>& events) {
    changed.push_back(e.alarm);
    if (e.transition.new_state == alarm::State::kAlarm) {
      EXPECT_FALSE(events.empty()) << e.alarm;
    }
  };
  auto monitor = Monitor::Create(*set, mo, clock);
  ASSERT_TRUE(monitor.ok()) << monitor.status().ToString();
  for (const std::string& r : records) {
    const std::int64_t at = *ParseIso8601Millis(r.substr(r.find("eventTime") + 12, 20)) + 200;
    clock.Advance(std::chrono::milliseconds(at - clock.Now().time_since_epoch().count()));
    (*monitor)->Submit({r});
    (*monitor)->Drain();
  }
  (*monitor)->Submit({"{not json", R"({"eventName":"NoTime"})"});
  clock.Advance(std::chrono::hours(2));
  (*monitor)->Drain();
  const MonitorStats stats = (*monitor)->Stats();
  EXPECT_EQ(stats.records, records.size() + 2);
  EXPECT_EQ(stats.malformed, 2u);
  EXPECT_EQ(stats.changes + stats.alerts, want.size());
  EXPECT_GE(stats.alerts, 1u);  // the secret read outside the (empty) allowlist
  (*monitor)->Stop();

  // The same lines; live writes each as it happens, the replay merges them by time.
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  std::stringstream live;
  live << std::ifstream(mo.timeline_path).rdbuf();
  EXPECT_EQ(sorted(Lines(live.str())), sorted(want));
  EXPECT_EQ(changed.size() + alerted.size(), want.size());
  EXPECT_EQ(stats.alerts, alerted.size());
  // The API's view: recent lines per alarm, and states.
  EXPECT_EQ(sorted((*monitor)->Recent(1000)), sorted(want));
  const auto root_lines = (*monitor)->Recent(10, "CIS-4.3-RootAccountUsage");
  ASSERT_FALSE(root_lines.empty());
  EXPECT_NE(root_lines[0].find("\"new\":\"ALARM\""), std::string::npos);
  EXPECT_NE(root_lines[0].find("\"time\":\"2024-07-31T10:00:05Z\""), std::string::npos)
      << "the root alarm fires at the event, not at the end of the minute";
  EXPECT_FALSE((*monitor)->Alarms().empty());
}

TEST(MonitorTest, ABusySecretHoldsFewEventDescriptions) {
  // One principal reads a secret 10 times a second for five minutes: pack:secrets' SecretRead
  // metric, its read-outside-allowlist detection (an hour of dedup) and its burst detection all
  // match every read. What the monitor holds to describe events must not follow the rate, and
  // what it names must still be described.
  auto set = rules::LoadRuleFile("pack:secrets");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  const std::int64_t t0 = *ParseIso8601Millis("2024-07-31T10:00:00Z");
  FakeClock clock{TimePoint(std::chrono::milliseconds(t0))};
  MonitorOptions mo;
  std::vector<AlertLine> alerts;
  mo.on_alert = [&](const AlertLine& a) { alerts.push_back(a); };
  std::size_t changes = 0;
  mo.on_change = [&](const alarm::TimelineEntry& e, const std::vector<std::string>& events) {
    ++changes;
    for (const std::string& ev : events) EXPECT_NE(ev, "{}") << e.alarm;
  };
  auto monitor = Monitor::Create(*set, mo, clock);
  ASSERT_TRUE(monitor.ok()) << monitor.status().ToString();
  std::uint64_t most = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string time = FormatIso8601(t0 + i * 100);
    if (i % 10 == 0) clock.Advance(std::chrono::seconds(1));
    (*monitor)->Submit(
        {Record(time.c_str(), "secretsmanager.amazonaws.com", "GetSecretValue", "IAMUser")});
    if (i % 50 == 49) {
      (*monitor)->Drain();
      most = std::max(most, (*monitor)->Stats().held_events);
    }
  }
  clock.Advance(std::chrono::hours(2));
  (*monitor)->Drain();
  // Summaries: 10 per 10 s of the one metric (30 buckets), kept for the alarm's range plus
  // the lateness; matches: the last 10 of each detection's dedup window, and a threshold's.
  EXPECT_LE(most, 30u * 10u + 2u * 10u + 2u * 1024u) << "held events follow the rate";
  EXPECT_GT(changes, 0u);
  ASSERT_EQ(alerts.size(), 4u);  // two detections: an alert and an hour later a roll-up each
  for (const AlertLine& a : alerts) {
    EXPECT_FALSE(a.events.empty()) << a.detection;
    for (const std::string& ev : a.events) EXPECT_NE(ev, "{}") << a.detection;
  }
  EXPECT_LE((*monitor)->Stats().held_events, 30u * 10u);
}

// A restart (Resume): the records of the last run replay quietly up to its watermark, so the
// new monitor emits exactly the changes and alerts the uninterrupted run made after it, and
// its /api history holds all of them.
TEST(MonitorTest, ResumeEmitsOnlyWhatTheLastRunDidNot) {
  test_support::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::vector<std::string> records = {
      Record("2024-07-31T10:00:05Z", "signin.amazonaws.com", "ConsoleLogin", "Root"),
      Record("2024-07-31T10:01:00Z", "secretsmanager.amazonaws.com", "GetSecretValue", "IAMUser"),
      Record("2024-07-31T10:03:10Z", "cloudtrail.amazonaws.com", "StopLogging", "IAMUser"),
      Record("2024-07-31T10:12:00Z", "cloudtrail.amazonaws.com", "StopLogging", "IAMUser"),
      Record("2024-07-31T10:13:00Z", "secretsmanager.amazonaws.com", "GetSecretValue", "IAMUser"),
      Record("2024-07-31T10:14:00Z", "iam.amazonaws.com", "PutUserPolicy", "IAMUser"),
  };
  auto time_of = [](const std::string& r) {
    return *ParseIso8601Millis(r.substr(r.find("eventTime") + 12, 20));
  };
  auto set = rules::LoadRuleFile("pack:cis");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  auto secrets = rules::LoadRuleFile("pack:secrets");
  ASSERT_TRUE(secrets.ok()) << secrets.status().ToString();
  ASSERT_TRUE(rules::Merge(&*set, std::move(*secrets)).ok());
  // The resumed schedule starts at the first record, so the uninterrupted one does too.
  const std::int64_t start = time_of(records.front());
  const std::int64_t end = *ParseIso8601Millis("2024-07-31T11:00:00Z");
  const std::int64_t watermark = *ParseIso8601Millis("2024-07-31T10:10:00Z");

  // The uninterrupted run.
  FakeClock clock{TimePoint(std::chrono::milliseconds(start))};
  MonitorOptions mo;
  mo.timeline_path = dir.path() + "/whole.ndjson";
  auto whole = Monitor::Create(*set, mo, clock);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  for (const std::string& r : records) {
    clock.Advance(std::chrono::milliseconds(time_of(r) - clock.Now().time_since_epoch().count()));
    (*whole)->Submit({r});
    (*whole)->Drain();
  }
  clock.Advance(std::chrono::milliseconds(end - clock.Now().time_since_epoch().count()));
  (*whole)->Stop();
  const std::vector<std::string> all = (*whole)->Recent(1000);
  std::vector<std::string> after_watermark;
  for (const std::string& line : all) {
    const auto at = line.find("\"time\":\"");
    ASSERT_NE(at, std::string::npos) << line;
    if (*ParseIso8601Millis(line.substr(at + 8, 20)) > watermark) {
      after_watermark.push_back(line);
    }
  }
  ASSERT_GE(all.size(), after_watermark.size() + 2) << "changes on both sides of the watermark";
  ASSERT_GE(after_watermark.size(), 2u);

  // The restarted run: the records up to the watermark were evaluated by the last run.
  mo.timeline_path = dir.path() + "/resumed.ndjson";
  std::vector<std::int64_t> reported;
  std::int64_t through = 0;
  mo.on_journal = [&](std::vector<std::int64_t> seqs, std::int64_t t) {
    reported.insert(reported.end(), seqs.begin(), seqs.end());
    through = t;
  };
  auto resumed = Monitor::Create(*set, mo, clock);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  std::vector<ReplayRecord> replay;
  std::vector<std::int64_t> loud;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const bool quiet = time_of(records[i]) <= watermark;
    replay.push_back({records[i], time_of(records[i]), static_cast<std::int64_t>(i + 1), quiet});
    if (!quiet) loud.push_back(static_cast<std::int64_t>(i + 1));
  }
  std::vector<std::vector<ReplayRecord>> chunks = {
      {replay.begin(), replay.begin() + 2}, {replay.begin() + 2, replay.end()}, {}};
  std::size_t next = 0;
  ASSERT_TRUE(
      (*resumed)
          ->Resume([&]() -> Result<std::vector<ReplayRecord>> { return chunks[next++]; }, watermark)
          .ok());
  EXPECT_EQ(next, chunks.size());
  EXPECT_EQ(reported, loud) << "only the records the last run did not evaluate";
  EXPECT_EQ(through, watermark);
  (*resumed)->Drain();
  (*resumed)->Stop();
  std::stringstream emitted;
  emitted << std::ifstream(mo.timeline_path).rdbuf();
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(Lines(emitted.str())), sorted(after_watermark));
  EXPECT_EQ(sorted((*resumed)->Recent(1000)), sorted(all)) << "the history survives a restart";
  EXPECT_EQ((*resumed)->Stats().changes + (*resumed)->Stats().alerts, after_watermark.size());
  EXPECT_EQ((*resumed)->Stats().records, loud.size()) << "/metrics counts this run's records";
  EXPECT_GE((*resumed)->HistoryMs(), 2 * 3600'000) << "the secrets pack dedups for an hour";
}

// Runs `records` through `scan --rules rules_path` and, one by one (each 200 ms after its event
// time), through a live monitor; returns (replay lines, live lines), both sorted.
std::pair<std::vector<std::string>, std::vector<std::string>> ReplayAndLive(
    const test_support::TempDir& dir, const std::string& rules_path,
    const std::vector<std::string>& records) {
  const std::string input = dir.path() + "/dv-events.ndjson";
  {
    std::ofstream f(input);
    for (const std::string& r : records) f << r << "\n";
  }
  ScanCommandOptions so;
  so.sources = {input};
  so.rules = {rules_path};
  so.threads = 1;
  so.progress = "never";
  const std::string scanned_path = dir.path() + "/dv-scan.ndjson";
  std::FILE* out = std::fopen(scanned_path.c_str(), "w");
  std::FILE* err = std::fopen((dir.path() + "/dv-scan.err").c_str(), "w");
  EXPECT_EQ(RunScanRules(so, out, err), 0);
  std::fclose(out);
  std::fclose(err);
  std::stringstream scanned;
  scanned << std::ifstream(scanned_path).rdbuf();

  auto set = rules::LoadRuleFile(rules_path);
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  FakeClock clock(
      TimePoint(std::chrono::milliseconds(*ParseIso8601Millis("2024-07-31T09:59:00Z"))));
  MonitorOptions mo;
  mo.timeline_path = dir.path() + "/dv-alerts.ndjson";
  auto monitor = Monitor::Create(*set, mo, clock);
  EXPECT_TRUE(monitor.ok()) << monitor.status().ToString();
  for (const std::string& r : records) {
    const std::int64_t at = *ParseIso8601Millis(r.substr(r.find("eventTime") + 12, 20)) + 200;
    clock.Advance(std::chrono::milliseconds(at - clock.Now().time_since_epoch().count()));
    (*monitor)->Submit({r});
    (*monitor)->Drain();
  }
  // The minutes close and the lateness passes on the ticker, a second at a time.
  for (int i = 0; i < 900; ++i) {
    clock.Advance(std::chrono::seconds(1));
    (*monitor)->Drain();
  }
  (*monitor)->Stop();
  std::stringstream live;
  live << std::ifstream(mo.timeline_path).rdbuf();
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  return {sorted(Lines(scanned.str())), sorted(Lines(live.str()))};
}

// DefaultValue: a minute with events but no match publishes the default live as in the replay,
// so an alarm on "fewer than 1 read a minute" goes to ALARM for the quiet minute and back.
TEST(MonitorTest, DefaultValueMinutesAlarmLiveAsInTheReplay) {
  test_support::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string rules = dir.Write("dv.yaml", R"(Resources:
  Reads:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: trail
      FilterPattern: '{ $.eventName = "GetSecretValue" }'
      MetricTransformations:
        - {MetricName: Reads, MetricNamespace: T, MetricValue: "1", DefaultValue: 0}
  NoReads:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: NoReads
      MetricName: Reads
      Namespace: T
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: LessThanThreshold
)");
  const std::vector<std::string> records = {
      Record("2024-07-31T10:00:05Z", "secretsmanager.amazonaws.com", "GetSecretValue", "IAMUser"),
      Record("2024-07-31T10:01:10Z", "secretsmanager.amazonaws.com", "ListSecrets", "IAMUser"),
      Record("2024-07-31T10:01:40Z", "secretsmanager.amazonaws.com", "ListSecrets", "IAMUser"),
      Record("2024-07-31T10:02:20Z", "secretsmanager.amazonaws.com", "GetSecretValue", "IAMUser"),
  };
  const auto [want, got] = ReplayAndLive(dir, rules, records);
  // INSUFFICIENT_DATA -> OK (10:00 read), -> ALARM (10:01 only ListSecrets: the default 0),
  // -> OK (10:02 read), -> INSUFFICIENT_DATA (no events after 10:02).
  ASSERT_EQ(want.size(), 4u);
  EXPECT_EQ(got, want);
  bool alarm = false;
  for (const std::string& line : got) {
    alarm = alarm || line.find(R"("new":"ALARM")") != std::string::npos;
  }
  EXPECT_TRUE(alarm) << "the quiet minute's default 0 breaches";
}

// A started monitor wakes for a submission while it waits (one record from an idle vault),
// and for a full batch while it gathers; neither waits for the tick or the gather delay, set
// here to a minute so that waiting for them would show.
TEST(MonitorTest, AStartedMonitorWakesForAnIdleSubmissionAndForAFullBatch) {
  auto set = rules::LoadRuleFile("pack:secrets");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  const struct {
    const char* name;
    std::chrono::microseconds gather;
    std::vector<std::size_t> submissions;  // records per Submit, back to back
  } cases[] = {
      {"one record to an idle monitor", std::chrono::milliseconds(2), {1}},
      {"the rest of a batch while it gathers", std::chrono::minutes(1), {1, 3}},
      {"a full batch at once", std::chrono::minutes(1), {4}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::int64_t> evaluated;
    MonitorOptions mo;
    mo.tick = std::chrono::minutes(1);
    mo.gather = c.gather;
    mo.gather_records = 4;
    mo.on_journal = [&](std::vector<std::int64_t> seqs, std::int64_t) {
      std::lock_guard lock(mu);
      evaluated.insert(evaluated.end(), seqs.begin(), seqs.end());
      cv.notify_all();
    };
    auto monitor = Monitor::Create(*set, mo, SystemClock::Instance());
    ASSERT_TRUE(monitor.ok()) << monitor.status().ToString();
    (*monitor)->Start();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let it reach its wait
    const std::string time =
        FormatIso8601(SystemClock::Instance().Now().time_since_epoch().count());
    std::int64_t seq = 0;
    for (std::size_t n : c.submissions) {
      std::vector<std::string> records;
      std::vector<std::int64_t> seqs;
      for (std::size_t i = 0; i < n; ++i) {
        records.push_back(
            Record(time.c_str(), "secretsmanager.amazonaws.com", "GetSecretValue", "IAMUser"));
        seqs.push_back(++seq);
      }
      (*monitor)->Submit(std::move(records), std::move(seqs));
      // Lets the monitor take the first submission and start gathering.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    bool all = false;
    {
      std::unique_lock lock(mu);
      all = cv.wait_for(lock, std::chrono::seconds(20),
                        [&] { return evaluated.size() == static_cast<std::size_t>(seq); });
    }
    EXPECT_TRUE(all) << "evaluated " << evaluated.size() << " of " << seq;
    (*monitor)->Stop();
  }
}

}  // namespace
}  // namespace trailwatch::app
