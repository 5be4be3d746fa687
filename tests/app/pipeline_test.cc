// The daemon's pipeline over a real store: audit records the journal holds but the monitor
// never evaluated (a crash between the commit and the evaluation) are evaluated at the next
// start and their alerts published; evaluated records are marked, so a restart publishes
// nothing twice.
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

  // Appends records to the journal as the vault does, without handing them to any monitor.
  void Journal(std::int64_t time_ms, const std::vector<std::string>& records) {
    ASSERT_TRUE(store_
                    ->Write([&](store::Transaction& tx) {
                      for (const std::string& r : records) {
                        store::JournalEntry e;
                        e.event_time_ms = time_ms;
                        e.account = "123456789012";
                        e.region = "us-east-1";
                        e.record_json = r;
                        if (auto seq = tx.AppendJournal(e); !seq.ok()) return seq.status();
                      }
                      return Status::Ok();
                    })
                    .ok());
  }

  // Runs a pipeline until `lines` notifications are in the file (or `seconds`), then stops it.
  void RunUntil(std::size_t lines, int seconds = 10) {
    std::FILE* log = std::fopen((dir_.path() + "/pipeline.log").c_str(), "a");
    auto p = Pipeline::Create(config_, store_.get(), clock_, log);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ASSERT_TRUE((*p)->Start().ok());
    for (int i = 0; i < seconds * 20 && CountLines(Read(Notifications())) < lines; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // nothing more may come
    (*p)->Stop();
    std::fclose(log);
  }

  test_support::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  Config config_;
};

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
  auto left = store_->ReadUnmonitored(10);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << "the record is marked evaluated";

  // A restart evaluates nothing again, so publishes nothing.
  RunUntil(3, /*seconds=*/2);
  EXPECT_EQ(Read(Notifications()), first);
}

}  // namespace
}  // namespace trailwatch::app
