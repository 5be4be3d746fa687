// The audit journal: delivery marks for the trail, evaluation marks and the take-up point for
// the live monitor.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/store.h"
#include "store_testing.h"
#include "testing/files.h"

namespace trailwatch::store {
namespace {

using test_support::TempDir;

// Appends one entry per event time.
Status Append(Store& store, const std::vector<std::int64_t>& times) {
  return store.Write([&times](Transaction& tx) {
    for (std::int64_t t : times) {
      JournalEntry e;
      e.event_time_ms = t;
      e.account = "123456789012";
      e.region = "us-east-1";
      e.record_json = "{\"t\":" + std::to_string(t) + "}";
      if (auto seq = tx.AppendJournal(e); !seq.ok()) return seq.status();
    }
    return Status::Ok();
  });
}

std::vector<std::int64_t> Seqs(const std::vector<JournalEntry>& entries) {
  std::vector<std::int64_t> out;
  for (const JournalEntry& e : entries) out.push_back(e.seq);
  return out;
}

TEST(JournalTest, ReadAndMarkDelivered) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(Append(*store, {100, 101, 102, 103, 104}).ok());
  auto first = store->ReadUndelivered(3);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].record_json, "{\"t\":100}");
  EXPECT_LT((*first)[0].seq, (*first)[1].seq);
  ASSERT_TRUE(store->MarkDelivered((*first)[2].seq).ok());
  auto rest = store->ReadUndelivered(10);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].record_json, "{\"t\":103}");
  EXPECT_EQ((*rest)[0].account, "123456789012");
}

// Only entries that are delivered, evaluated and old go, oldest first, at most max_rows at a
// time, and none after the first unevaluated entry within its replay window (a restart
// replays from there); seqs are never reused after a prune.
TEST(JournalTest, PruneDeletesOnlyDeliveredEvaluatedOldEntries) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  // seqs 1-8, event times 100-107.
  ASSERT_TRUE(Append(*store, {100, 101, 102, 103, 104, 105, 106, 107}).ok());
  ASSERT_TRUE(store->MarkDelivered(6).ok());  // 7 and 8 are not in a log file
  ASSERT_TRUE(store->MarkMonitored({1, 2, 3, 5, 6, 7, 8}, 107).ok());  // 4 is not evaluated
  const struct {
    const char* name;
    std::int64_t before_ms;
    std::int64_t replay_window_ms;
    std::size_t max_rows;
    std::int64_t deleted;
    std::vector<std::int64_t> left;
  } steps[] = {
      {"nothing is older than 100", 100, 1'000'000, 100, 0, {1, 2, 3, 4, 5, 6, 7, 8}},
      {"at most max_rows, oldest first", 110, 1'000'000, 2, 2, {3, 4, 5, 6, 7, 8}},
      {"none from the first unevaluated on", 110, 1'000'000, 100, 1, {4, 5, 6, 7, 8}},
      {"at any age", 1'000'000, 1'000'000, 100, 0, {4, 5, 6, 7, 8}},
      {"but those after its replay window go", 1'000'000, 1, 100, 1, {4, 5, 7, 8}},
  };
  for (const auto& step : steps) {
    SCOPED_TRACE(step.name);
    auto deleted = store->PruneJournal(step.before_ms, step.replay_window_ms, step.max_rows);
    ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
    EXPECT_EQ(*deleted, step.deleted);
    auto left = store->ReadJournalFrom(0, 100);
    ASSERT_TRUE(left.ok());
    EXPECT_EQ(Seqs(*left), step.left);
  }
  ASSERT_TRUE(store->MarkMonitored({4}, 107).ok());
  auto evaluated = store->PruneJournal(1'000'000, 1'000'000, 100);
  ASSERT_TRUE(evaluated.ok());
  EXPECT_EQ(*evaluated, 2) << "the undelivered 7 and 8 stay";
  ASSERT_TRUE(store->MarkDelivered(8).ok());
  auto all = store->PruneJournal(1'000'000, 1'000'000, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, 2);
  ASSERT_TRUE(Append(*store, {200}).ok());
  auto next = store->ReadJournalFrom(0, 100);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(Seqs(*next), std::vector<std::int64_t>{9});
}

// An entry older than before_ms whose seq comes after a newer entry's (calls finishing out of
// order, a clock step) is kept until a later prune reaches it; none is deleted early.
TEST(JournalTest, PruneStopsAtTheFirstRecentEntry) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(Append(*store, {100, 300, 200, 400}).ok());  // seqs 1-4
  ASSERT_TRUE(store->MarkDelivered(4).ok());
  ASSERT_TRUE(store->MarkMonitored({1, 2, 3, 4}, 400).ok());
  const struct {
    std::int64_t before_ms;
    std::int64_t deleted;
    std::vector<std::int64_t> left;
  } steps[] = {
      {250, 1, {2, 3, 4}},  // seq 3 (200) is after seq 2 (300): it waits
      {350, 2, {4}},
      {1'000, 1, {}},
  };
  for (const auto& step : steps) {
    SCOPED_TRACE(step.before_ms);
    auto deleted = store->PruneJournal(step.before_ms, 1'000'000, 100);
    ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
    EXPECT_EQ(*deleted, step.deleted);
    auto left = store->ReadJournalFrom(0, 100);
    ASSERT_TRUE(left.ok());
    EXPECT_EQ(Seqs(*left), step.left);
  }
}

// The take-up point: the first unevaluated entry or the first inside the window, whichever
// comes first, the window capped at max_rows entries before the end.
TEST(JournalTest, MonitorResumePoint) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->MonitorResumePoint(0, 100), 1) << "empty journal: nothing to take up";
  // seqs 1..6; one entry (seq 5) has an earlier event time than the one before it, as when
  // two calls finish in the other order.
  ASSERT_TRUE(Append(*store, {1000, 2000, 3000, 4000, 3500, 5000}).ok());
  ASSERT_TRUE(store->MarkMonitored({1, 2, 3, 4, 5, 6}, 5000).ok());
  struct Case {
    std::int64_t since_ms;
    std::size_t max_rows;
    std::int64_t want;
  };
  const std::vector<Case> cases = {
      {0, 100, 1},     // everything is inside the window
      {3000, 100, 3},  // the first entry at or after since
      {3600, 100, 4},  // 4000 (seq 4) comes before 3500 (seq 5) in the journal
      {6000, 100, 7},  // nothing inside: the end
      {0, 2, 5},       // capped at the last two
  };
  for (const Case& c : cases) {
    auto from = store->MonitorResumePoint(c.since_ms, c.max_rows);
    ASSERT_TRUE(from.ok()) << from.status().ToString();
    EXPECT_EQ(*from, c.want) << "since " << c.since_ms << " max " << c.max_rows;
  }
  // Unevaluated entries are always taken up, window or not, cap or not.
  ASSERT_TRUE(Append(*store, {7000, 8000}).ok());  // seqs 7, 8
  ASSERT_TRUE(store->MarkMonitored({8}, 8000).ok());
  EXPECT_EQ(*store->MonitorResumePoint(9000, 1), 7);
  EXPECT_EQ(*store->MonitorResumePoint(3000, 100), 3);
}

TEST(JournalTest, ReadFromCarriesMarksAndMarkMonitoredSetsTheWatermark) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(Append(*store, {1000, 2000, 3000, 4000, 5000, 6000, 7000}).ok());
  ASSERT_TRUE(store->MarkMonitored({7, 3, 4}, 4500).ok());  // two ranges, out of order
  auto rows = store->ReadJournalFrom(2, 4);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(Seqs(*rows), (std::vector<std::int64_t>{2, 3, 4, 5}));
  std::vector<bool> monitored;
  for (const JournalEntry& e : *rows) monitored.push_back(e.monitored);
  EXPECT_EQ(monitored, (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ((*rows)[1].event_time_ms, 3000);
  EXPECT_EQ((*rows)[1].record_json, "{\"t\":3000}");
  EXPECT_TRUE(store->ReadJournalFrom(8, 10)->empty());

  std::string watermark;
  ASSERT_TRUE(store
                  ->Read([&](Transaction& tx) {
                    auto w = tx.GetCheckpoint(kMonitorWatermark);
                    if (!w.ok()) return w.status();
                    watermark = w->value_or("");
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(watermark, "4500");
  EXPECT_EQ(*store->MonitorResumePoint(100'000, 100), 1) << "seq 1 was never evaluated";
}

// Schema 4 added the evaluation marks: records written before it count as evaluated. Schema
// 5 indexed the journal by event time.
TEST(JournalTest, RecordsFromBeforeSchemaFourCountAsEvaluated) {
  TempDir dir;
  const std::string path = dir.path() + "/t.db";
  {
    auto store = OpenAt(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(Append(*store, {1000, 2000}).ok());
  }
  ASSERT_TRUE(ExecSql(
      path, "DROP INDEX outbox_finished; " TW_JOURNAL_BACK_TO_SCHEMA_3 "PRAGMA user_version=3"));
  auto store = OpenAt(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->MonitorResumePoint(5000, 100), 3) << "older records count as evaluated";
  auto rows = store->ReadJournalFrom(1, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_TRUE(rows->at(0).monitored);
  EXPECT_EQ(*store->MonitorResumePoint(1500, 100), 2) << "the time index works after migrating";
}

// Schema 7 moved the delivery and evaluation flags out of the rows: a journal at schema 6
// keeps which records were delivered (a prefix) and which were evaluated.
TEST(JournalTest, SchemaSixFlagsBecomeMarks) {
  TempDir dir;
  const std::string path = dir.path() + "/t.db";
  {
    auto store = OpenAt(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(Append(*store, {1000, 2000, 3000, 4000}).ok());
  }
  ASSERT_TRUE(ExecSql(path, TW_JOURNAL_BACK_TO_SCHEMA_6
                      "UPDATE audit_journal SET delivered = 1 WHERE seq <= 2; "
                      "UPDATE audit_journal SET monitored = 1 WHERE seq IN (1, 2, 4); "
                      "PRAGMA user_version=6"));
  auto store = OpenAt(path);
  ASSERT_NE(store, nullptr);
  auto rows = store->ReadJournalFrom(1, 10);
  ASSERT_TRUE(rows.ok());
  std::vector<bool> delivered, monitored;
  for (const JournalEntry& e : *rows) {
    delivered.push_back(e.delivered);
    monitored.push_back(e.monitored);
  }
  EXPECT_EQ(delivered, (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(monitored, (std::vector<bool>{true, true, false, true}));
  auto undelivered = store->ReadUndelivered(10);
  ASSERT_TRUE(undelivered.ok());
  EXPECT_EQ(Seqs(*undelivered), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(*store->MonitorResumePoint(5000, 100), 3) << "from the unevaluated record";
  ASSERT_TRUE(store->MarkDelivered(4).ok());
  ASSERT_TRUE(store->MarkMonitored({3}, 4000).ok());
  EXPECT_EQ(*store->PruneJournal(1'000'000, 1, 100), 4);
}

}  // namespace
}  // namespace trailwatch::store
