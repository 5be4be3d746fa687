// The daemon's pipeline over a real store: audit records the journal holds but the monitor
// never evaluated (a crash between the commit and the evaluation) are evaluated at the next
// start and their alerts published; evaluated records are marked, so a restart publishes
// nothing twice; and a restart takes up the alarms' and detections' windows where the last
// run left them.
#include "app/pipeline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "common/time.h"
#include "testing/files.h"

namespace trailwatch::app {
namespace {

std::string Read(const std::string& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

std::size_t CountLines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

std::string SecretRead(std::int64_t time_ms, const char* user) {
  return std::string(R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser",)") +
         R"("arn":"arn:aws:iam::123456789012:user/)" + user +
         R"(","accountId":"123456789012"},"eventTime":")" + FormatIso8601(time_ms) +
         R"(","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue",)"
         R"("awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","eventID":"e-)" +
         user + R"(","requestParameters":{"secretId":"prod/db"}})";
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    store::StoreOptions so;
    so.path = dir_.path() + "/trailwatch.db";
    auto s = store::Store::Open(so);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    config_.data_dir = dir_.path();
    config_.rules = {"pack:secrets"};
    config_.subscriptions["trailwatch-security-alerts"].push_back({"file", Notifications()});
  }

  std::string Notifications() const { return dir_.path() + "/notifications.ndjson"; }

  // Appends records to the journal as the vault does and returns the entries, seqs set.
  std::vector<store::JournalEntry> Journal(std::int64_t time_ms,
                                           const std::vector<std::string>& records) {
    std::vector<store::JournalEntry> out;
    EXPECT_TRUE(store_
                    ->Write([&](store::Transaction& tx) {
                      out.clear();
                      for (const std::string& r : records) {
                        store::JournalEntry e;
                        e.event_time_ms = time_ms;
                        e.account = "123456789012";
                        e.region = "us-east-1";
                        e.record_json = r;
                        auto seq = tx.AppendJournal(e);
                        if (!seq.ok()) return seq.status();
                        e.seq = *seq;
                        out.push_back(std::move(e));
                      }
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  // A started pipeline on the test's store, logging to pipeline.log.
  std::unique_ptr<Pipeline> Start() {
    if (log_ == nullptr) log_ = std::fopen((dir_.path() + "/pipeline.log").c_str(), "a");
    auto p = Pipeline::Create(config_, store_.get(), clock_, log_);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok()) return nullptr;
    EXPECT_TRUE((*p)->Start().ok());
    return std::move(*p);
  }

  // Waits until `lines` notifications are in the file (or `seconds`), then a little longer:
  // nothing more may come.
  void WaitFor(std::size_t lines, int seconds = 10) {
    for (int i = 0; i < seconds * 20 && CountLines(Read(Notifications())) < lines; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }

  // Runs a pipeline until `lines` notifications are in the file (or `seconds`), then stops it.
  void RunUntil(std::size_t lines, int seconds = 10) {
    auto p = Start();
    ASSERT_NE(p, nullptr);
    WaitFor(lines, seconds);
    p->Stop();
  }

  void TearDown() override {
    if (log_ != nullptr) std::fclose(log_);
  }

  std::int64_t NowSecondMs() const {
    const std::int64_t now = clock_.Now().time_since_epoch().count();
    return now - now % 1000;
  }

  std::FILE* log_ = nullptr;

  test_support::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  Config config_;
};

// The journal is pruned of what is both in a trail log file and evaluated, once older than the
// monitor's replay window plus an hour; anything missing a mark stays at any age, and so does
// everything after the first unevaluated record, which a restart replays from.
TEST_F(PipelineTest, PruneKeepsWhatTheTrailOrTheMonitorStillNeeds) {
  log_ = std::fopen((dir_.path() + "/pipeline.log").c_str(), "a");
  ASSERT_NE(log_, nullptr);
  auto p = Pipeline::Create(config_, store_.get(), clock_, log_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const std::int64_t now = NowSecondMs();
  const std::int64_t days_ago = now - 3 * 86'400'000LL;
  const std::int64_t just_now = now - 60'000;
  auto old = Journal(
      days_ago, {SecretRead(days_ago, "a"), SecretRead(days_ago, "b"), SecretRead(days_ago, "c")});
  auto recent = Journal(just_now, {SecretRead(just_now, "d")});
  auto old_undelivered = Journal(days_ago, {SecretRead(days_ago, "e")});
  ASSERT_EQ(old.size(), 3u);
  ASSERT_TRUE(store_->MarkDelivered(recent[0].seq).ok());
  // "b" was never evaluated (a crash); everything else was.
  ASSERT_TRUE(
      store_->MarkMonitored({old[0].seq, old[2].seq, recent[0].seq, old_undelivered[0].seq}, now)
          .ok());
  ASSERT_TRUE((*p)->Prune().ok());
  auto left = store_->ReadJournalFrom(0, 100);
  ASSERT_TRUE(left.ok());
  std::vector<std::int64_t> seqs;
  for (const auto& e : *left) seqs.push_back(e.seq);
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{old[1].seq, old[2].seq, recent[0].seq,
                                             old_undelivered[0].seq}));
  ASSERT_TRUE(store_->MarkMonitored({old[1].seq}, now).ok());
  ASSERT_TRUE((*p)->Prune().ok());
  left = store_->ReadJournalFrom(0, 100);
  ASSERT_TRUE(left.ok());
  seqs.clear();
  for (const auto& e : *left) seqs.push_back(e.seq);
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{recent[0].seq, old_undelivered[0].seq}));
}

TEST_F(PipelineTest, RecordsACrashLeftUnevaluatedAreEvaluatedAtTheNextStart) {
  const std::int64_t now = clock_.Now().time_since_epoch().count();
  // The vault's records carry whole seconds. The record's minute closed before the restart:
  // the alarm must still fire at the event, as it would have live.
  const std::int64_t then = now - now % 60'000 - 5'000;
  Journal(then, {SecretRead(then, "mallory")});
  // The outside-allowlist alert and the Secrets-SecretRead alarm, both from the recovered
  // record.
  RunUntil(2);
  const std::string first = Read(Notifications());
  EXPECT_EQ(CountLines(first), 2u) << first;
  EXPECT_NE(first.find("Secrets-SecretReadOutsideAllowlist"), std::string::npos) << first;
  EXPECT_NE(first.find("user/mallory"), std::string::npos) << first;
  std::string at = FormatIso8601(then);  // "…T18:09:55Z"; the file line has milliseconds
  at.insert(at.size() - 1, ".000");
  EXPECT_NE(first.find(R"({"time":")" + at + R"(","messageId")"), std::string::npos)
      << "stamped at the event time: " << first;
  EXPECT_NE(first.find(R"(ALARM: \"Secrets-SecretRead\")"), std::string::npos) << first;
  auto journal = store_->ReadJournalFrom(1, 10);
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 1u);
  EXPECT_TRUE(journal->front().monitored) << "the record is marked evaluated";

  // A restart evaluates nothing again, so publishes nothing.
  RunUntil(3, /*seconds=*/2);
  EXPECT_EQ(Read(Notifications()), first);
}

// Before the restart mallory reads the secret three times: the outside-allowlist alert (whose
// dedup hour then swallows the next two reads) and the Secrets-SecretRead alarm. After it,
// three more reads: the dedup hour and the alarm's state carry over, so neither repeats, and
// the six reads within ten minutes make the burst alert, three of them from before the
// restart.
TEST_F(PipelineTest, ARestartKeepsDedupWindowsAlarmStatesAndThresholdWindows) {
  auto p = Start();
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 3; ++i)
    p->Submit(Journal(NowSecondMs(), {SecretRead(NowSecondMs(), "mallory")}));
  WaitFor(2);
  p->Stop();
  p.reset();
  const std::string before = Read(Notifications());
  ASSERT_EQ(CountLines(before), 2u) << before;
  EXPECT_NE(before.find("Secrets-SecretReadOutsideAllowlist"), std::string::npos) << before;
  EXPECT_NE(before.find(R"(ALARM: \"Secrets-SecretRead\")"), std::string::npos) << before;

  p = Start();
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 3; ++i)
    p->Submit(Journal(NowSecondMs(), {SecretRead(NowSecondMs(), "mallory")}));
  WaitFor(3);
  p->Stop();
  const std::string after = Read(Notifications());
  ASSERT_EQ(CountLines(after), 3u) << after;
  EXPECT_EQ(after.substr(0, before.size()), before);
  const std::string added = after.substr(before.size());
  EXPECT_NE(added.find("Secrets-SecretReadBurst"), std::string::npos) << added;
  EXPECT_NE(added.find("user/mallory"), std::string::npos) << added;
  const std::string log = Read(dir_.path() + "/pipeline.log");
  EXPECT_NE(log.find("resumed from 3 audit records"), std::string::npos) << log;
}

// public_url: what receivers are told to fetch and call names it, not the listen address.
TEST_F(PipelineTest, PublicUrlIsWhereSnsEnvelopesPoint) {
  config_.public_url = "https://alerts.example.com/trailwatch/";
  // Nothing listens on port 1: the confirmation stays pending in the outbox.
  config_.subscriptions["trailwatch-security-alerts"].push_back(
      {"http", "http://127.0.0.1:1/hook"});
  RunUntil(0, /*seconds=*/0);
  std::vector<store::OutboxRow> rows;
  ASSERT_TRUE(store_
                  ->Read([&](store::Transaction& tx) {
                    store::OutboxFilter f;
                    f.with_body = true;
                    auto r = tx.ListOutbox(f, 10);
                    if (!r.ok()) return r.status();
                    rows = std::move(*r);
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(rows.size(), 1u);
  const std::string& body = rows[0].body;
  EXPECT_NE(body.find(R"("Type" : "SubscriptionConfirmation")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("SubscribeURL" : "https://alerts.example.com/trailwatch/sns/?Action=)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("SigningCertURL" : "https://alerts.example.com/trailwatch/sns/)"),
            std::string::npos)
      << body;
  EXPECT_EQ(body.find("127.0.0.1"), std::string::npos) << body;
}

}  // namespace
}  // namespace trailwatch::app
