#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "store_testing.h"
#include "testing/files.h"

namespace trailwatch::store {
namespace {

using test_support::TempDir;

SecretRow MakeSecret(const std::string& name) {
  SecretRow r;
  r.name = name;
  r.arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf";
  r.description = "d";
  r.created_ms = 1000;
  r.last_changed_ms = 1000;
  return r;
}

VersionRow MakeVersion(std::int64_t secret_id, const std::string& vid) {
  VersionRow v;
  v.secret_id = secret_id;
  v.version_id = vid;
  v.nonce = std::string(12, '\x01');
  v.ciphertext = "CT-" + vid;
  v.wrapped_key = std::string(60, '\x02');
  v.created_ms = 2000;
  return v;
}

TEST(StoreTest, OpenCreatesPrivateFileAndSchema) {
  TempDir dir;
  const std::string path = dir.path() + "/trailwatch.db";
  auto store = OpenAt(path);
  ASSERT_NE(store, nullptr);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Store::SchemaVersion(), 7);
}

TEST(StoreTest, SecretsVersionsStagesRoundTrip) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  std::int64_t id = 0;
  ASSERT_TRUE(store
                  ->Write([&](Transaction& tx) {
                    auto r = tx.InsertSecret(MakeSecret("app/db"));
                    if (!r.ok()) return r.status();
                    id = *r;
                    if (Status s = tx.InsertVersion(MakeVersion(id, "v1")); !s.ok()) return s;
                    if (Status s = tx.InsertVersion(MakeVersion(id, "v2")); !s.ok()) return s;
                    if (Status s = tx.SetStage(id, "AWSCURRENT", "v1"); !s.ok()) return s;
                    if (Status s = tx.SetStage(id, "AWSPENDING", "v2"); !s.ok()) return s;
                    return tx.SetStage(id, "AWSCURRENT", "v2");  // moves the label
                  })
                  .ok());
  ASSERT_TRUE(store
                  ->Read([&](Transaction& tx) {
                    auto by_name = tx.FindSecretByName("app/db");
                    EXPECT_TRUE(by_name.ok() && by_name->has_value());
                    auto by_prefix = tx.FindSecretsByArnPrefix(
                        "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db");
                    EXPECT_EQ(by_prefix->size(), 1u);
                    auto versions = tx.ListVersions(id);
                    EXPECT_EQ(versions->size(), 2u);
                    EXPECT_TRUE((*versions)[0].stages.empty());
                    EXPECT_EQ((*versions)[1].stages,
                              (std::vector<std::string>{"AWSCURRENT", "AWSPENDING"}));
                    EXPECT_EQ((*versions)[1].ciphertext, "CT-v2");
                    // FindVersion reads one version by key: the same row as the list's.
                    for (const VersionRow& listed : *versions) {
                      auto found = tx.FindVersion(id, listed.version_id);
                      EXPECT_TRUE(found.ok() && found->has_value()) << listed.version_id;
                      if (!found.ok() || !found->has_value()) continue;
                      EXPECT_EQ((*found)->version_id, listed.version_id);
                      EXPECT_EQ((*found)->stages, listed.stages);
                      EXPECT_EQ((*found)->ciphertext, listed.ciphertext);
                      EXPECT_EQ((*found)->nonce, listed.nonce);
                      EXPECT_EQ((*found)->wrapped_key, listed.wrapped_key);
                      EXPECT_EQ((*found)->created_ms, listed.created_ms);
                      EXPECT_EQ((*found)->binary, listed.binary);
                    }
                    auto missing = tx.FindVersion(id, "v3");
                    EXPECT_TRUE(missing.ok() && !missing->has_value());
                    EXPECT_TRUE(tx.FindVersion(id + 1, "v1").ok());
                    auto current = tx.VersionForStage(id, "AWSCURRENT");
                    EXPECT_EQ(current->value_or(""), "v2");
                    return Status::Ok();
                  })
                  .ok());
}

TEST(StoreTest, DuplicateNameIsInvalidArgumentAndRollsBackOnlyThatJob) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->Write([](Transaction& tx) { return tx.InsertSecret(MakeSecret("a")).status(); }).ok());
  Status dup = store->Write([](Transaction& tx) {
    (void)tx.AppendJournal(JournalEntry{0, 1, "1", "r", "{\"lost\":true}", false, false});
    return tx.InsertSecret(MakeSecret("a")).status();
  });
  EXPECT_EQ(dup.code(), StatusCode::kInvalidArgument);
  auto journal = store->ReadUndelivered(10);
  ASSERT_TRUE(journal.ok());
  EXPECT_TRUE(journal->empty()) << "the failed job's journal entry must be rolled back";
}

TEST(StoreTest, NestedRollsBackOnlyInner) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store
          ->Write([](Transaction& tx) {
            if (Status s = tx.Nested([](Transaction& t) {
                  return t.InsertSecret(MakeSecret("inner")).ok() && false;
                });
                !s.ok()) {
              return s;
            }
            return tx.AppendJournal(JournalEntry{0, 1, "1", "r", "{}", false, false}).status();
          })
          .ok());
  ASSERT_TRUE(store
                  ->Read([](Transaction& tx) {
                    EXPECT_FALSE(tx.FindSecretByName("inner")->has_value());
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(store->ReadUndelivered(10)->size(), 1u);
}

TEST(StoreTest, CheckpointsPutReplaceAndListByPrefix) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  struct Put {
    std::string name;
    std::string state;
  };
  const std::vector<Put> puts = {{"source:/a", "1"},
                                 {"source:/b", "2"},
                                 {"alarm:x", "OK"},
                                 {"source:/a", "10"},
                                 {"source_other", "9"}};
  for (const Put& p : puts) {
    ASSERT_TRUE(
        store->Write([&](Transaction& tx) { return tx.PutCheckpoint(p.name, p.state, 5); }).ok());
  }
  ASSERT_TRUE(store
                  ->Read([](Transaction& tx) {
                    EXPECT_EQ(tx.GetCheckpoint("source:/a")->value_or(""), "10");
                    EXPECT_FALSE(tx.GetCheckpoint("source:/zzz")->has_value());
                    auto listed = tx.ListCheckpoints("source:");
                    EXPECT_TRUE(listed.ok());
                    const std::vector<std::pair<std::string, std::string>> want = {
                        {"source:/a", "10"}, {"source:/b", "2"}};
                    EXPECT_EQ(*listed, want);
                    EXPECT_EQ(tx.ListCheckpoints("")->size(), 4u);
                    return Status::Ok();
                  })
                  .ok());
}

// What schema 4 added, taken away again to make an older database.
#define DROP_MONITORED TW_JOURNAL_BACK_TO_SCHEMA_3

// A database written by the first release (schema 1) gains the checkpoints and outbox tables
// on Open.
TEST(StoreTest, MigratesVersionOneForward) {
  TempDir dir;
  const std::string path = dir.path() + "/t.db";
  { ASSERT_NE(OpenAt(path), nullptr); }
  // Back to schema 1: without the checkpoints (2), the outbox (3) and `monitored` (4).
  ASSERT_TRUE(ExecSql(
      path, "DROP TABLE checkpoints; DROP TABLE outbox; " DROP_MONITORED "PRAGMA user_version=1"));
  auto store = OpenAt(path);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Write([](Transaction& tx) { return tx.PutCheckpoint("k", "v", 1); }).ok());
}

TEST(StoreTest, UsersKeysPoliciesAndCascade) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store
          ->Write([](Transaction& tx) {
            if (Status s = tx.InsertUser({"alice", "arn:aws:iam::1:user/alice", "AIDA1", 5});
                !s.ok()) {
              return s;
            }
            if (Status s = tx.InsertAccessKey({"AKIA1", "alice", "sealed", "Active", 6}); !s.ok()) {
              return s;
            }
            if (Status s = tx.PutUserPolicy("alice", "p", "{\"v\":1}"); !s.ok()) return s;
            return tx.PutUserPolicy("alice", "p", "{\"v\":2}");
          })
          .ok());
  ASSERT_TRUE(store
                  ->Read([](Transaction& tx) {
                    EXPECT_EQ((*tx.FindAccessKey("AKIA1"))->user_name, "alice");
                    EXPECT_EQ(tx.GetUserPolicy("alice", "p")->value_or(""), "{\"v\":2}");
                    EXPECT_EQ(tx.ListUserPolicies("alice")->size(), 1u);
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(store->Write([](Transaction& tx) { return tx.DeleteUser("alice"); }).ok());
  ASSERT_TRUE(store
                  ->Read([](Transaction& tx) {
                    EXPECT_FALSE(tx.FindAccessKey("AKIA1")->has_value());
                    return Status::Ok();
                  })
                  .ok());
}

TEST(StoreTest, ReopenKeepsEverything) {
  TempDir dir;
  const std::string path = dir.path() + "/t.db";
  {
    auto store = OpenAt(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store
                    ->Write([](Transaction& tx) {
                      auto id = tx.InsertSecret(MakeSecret("keep"));
                      if (!id.ok()) return id.status();
                      if (Status s = tx.InsertVersion(MakeVersion(*id, "v1")); !s.ok()) return s;
                      return tx.SetStage(*id, "AWSCURRENT", "v1");
                    })
                    .ok());
  }
  auto store = OpenAt(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->Read([](Transaction& tx) {
                    auto s = tx.FindSecretByName("keep");
                    EXPECT_TRUE(s->has_value());
                    EXPECT_EQ(tx.VersionForStage((*s)->id, "AWSCURRENT")->value_or(""), "v1");
                    return Status::Ok();
                  })
                  .ok());
}

TEST(StoreTest, ExceptionInJobIsInternalAndIsolated) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  Status s = store->Write([](Transaction& tx) -> Status {
    (void)tx.InsertSecret(MakeSecret("thrown"));
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  ASSERT_TRUE(store
                  ->Read([](Transaction& tx) {
                    EXPECT_FALSE(tx.FindSecretByName("thrown")->has_value());
                    return Status::Ok();
                  })
                  .ok());
}

// Many threads write at once; every job must commit exactly once, failures stay isolated, and
// readers running alongside always see a consistent count.
TEST(StoreTest, ConcurrentWritersGroupCommit) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db", 16);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      Status s = store->Read([](Transaction& tx) {
        auto all = tx.ListSecrets();
        return all.status();
      });
      if (!s.ok()) failures++;
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name = "s" + std::to_string(t) + "-" + std::to_string(i);
        Status s = store->Write([&](Transaction& tx) {
          auto id = tx.InsertSecret(MakeSecret(name));
          if (!id.ok()) return id.status();
          // Every fourth job fails after writing: only it may disappear.
          if (i % 4 == 3) return Status::InvalidArgument("deliberate");
          return tx.AppendJournal(JournalEntry{0, 1, "1", "r", name, false, false}).status();
        });
        if (s.ok() == (i % 4 == 3)) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  stop = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  std::size_t count = 0;
  ASSERT_TRUE(store
                  ->Read([&](Transaction& tx) {
                    count = tx.ListSecrets()->size();
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(count, static_cast<std::size_t>(kThreads * kPerThread * 3 / 4));
  EXPECT_EQ(store->ReadUndelivered(10000)->size(), count);
}

// Jobs queued while the writer is busy are committed together: one batch, one fsync.
TEST(StoreTest, QueuedJobsShareOneCommit) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  std::atomic<bool> started{false};
  std::thread blocker([&] {
    ASSERT_TRUE(store
                    ->Write([&](Transaction&) {
                      started = true;
                      std::this_thread::sleep_for(std::chrono::milliseconds(300));
                      return Status::Ok();
                    })
                    .ok());
  });
  while (!started.load()) std::this_thread::yield();
  const StoreStats before = store->Stats();
  constexpr int kWaiting = 6;
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiting; ++i) {
    threads.emplace_back([&, i] {
      EXPECT_TRUE(store
                      ->Write([i](Transaction& tx) {
                        return tx.InsertSecret(MakeSecret("q" + std::to_string(i))).status();
                      })
                      .ok());
    });
  }
  blocker.join();
  for (auto& t : threads) t.join();
  const StoreStats after = store->Stats();
  EXPECT_EQ(after.jobs - before.jobs, static_cast<std::uint64_t>(kWaiting));
  // The blocker's batch plus, normally, one batch for all waiting jobs.
  EXPECT_LE(after.batches - before.batches, 3u);
}

OutboxRow MakeOutbox(const std::string& endpoint, const std::string& message_id,
                     std::int64_t due_ms) {
  OutboxRow r;
  r.created_ms = 1000;
  r.protocol = "https";
  r.endpoint = endpoint;
  r.message_id = message_id;
  r.subject = "ALARM: \"x\"";
  r.body = "{\"Type\" : \"Notification\"}";
  r.headers_json = R"([["x-amz-sns-message-id","m"]])";
  r.time_ms = 900;
  r.topic_arn = "arn:aws:sns:us-east-1:123456789012:alerts";
  r.source = "RootUsage";
  r.next_attempt_ms = due_ms;
  return r;
}

std::optional<std::int64_t> InsertOutboxRow(Store& store, const OutboxRow& row) {
  std::optional<std::int64_t> id;
  EXPECT_TRUE(store
                  .Write([&](Transaction& tx) {
                    auto r = tx.InsertOutbox(row);
                    if (!r.ok()) return r.status();
                    id = *r;
                    return Status::Ok();
                  })
                  .ok());
  return id;
}

std::vector<std::string> DueIds(Store& store, std::int64_t now, std::size_t limit,
                                const std::vector<std::string>& busy = {}) {
  std::vector<std::string> out;
  EXPECT_TRUE(store
                  .Read([&](Transaction& tx) {
                    auto rows = tx.DueOutbox(now, limit, busy);
                    if (!rows.ok()) return rows.status();
                    for (const OutboxRow& r : *rows) out.push_back(r.message_id);
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

TEST(StoreTest, OutboxInsertIsIdempotentPerEndpointAndMessageId) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  auto first = InsertOutboxRow(*store, MakeOutbox("https://a/", "m1", 10));
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(InsertOutboxRow(*store, MakeOutbox("https://a/", "m1", 10)).has_value());
  // The same message to another endpoint is another row.
  EXPECT_TRUE(InsertOutboxRow(*store, MakeOutbox("https://b/", "m1", 10)).has_value());
  ASSERT_TRUE(store
                  ->Read([&](Transaction& tx) {
                    auto row = tx.FindOutbox(*first);
                    EXPECT_TRUE(row.ok() && row->has_value());
                    const OutboxRow& r = **row;
                    const OutboxRow want = MakeOutbox("https://a/", "m1", 10);
                    EXPECT_EQ(r.protocol, "https");
                    EXPECT_EQ(r.subject, want.subject);
                    EXPECT_EQ(r.body, want.body);
                    EXPECT_EQ(r.headers_json, want.headers_json);
                    EXPECT_EQ(r.time_ms, 900);
                    EXPECT_EQ(r.topic_arn, want.topic_arn);
                    EXPECT_EQ(r.source, "RootUsage");
                    EXPECT_EQ(r.state, "pending");
                    EXPECT_EQ(r.attempts, 0);
                    EXPECT_FALSE(r.finished_ms.has_value());
                    EXPECT_EQ(tx.CountOutbox()->pending, 2);
                    return Status::Ok();
                  })
                  .ok());
}

TEST(StoreTest, OutboxDueOrderSkipsBusyEndpointsAndFutureRows) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  InsertOutboxRow(*store, MakeOutbox("https://a/", "late", 50));
  InsertOutboxRow(*store, MakeOutbox("https://a/", "early", 20));
  InsertOutboxRow(*store, MakeOutbox("mail@example.com", "mail", 30));
  InsertOutboxRow(*store, MakeOutbox("https://\"quoted\"/", "quoted", 40));
  InsertOutboxRow(*store, MakeOutbox("https://a/", "future", 1000));
  struct Case {
    std::int64_t now;
    std::size_t limit;
    std::vector<std::string> busy;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {19, 10, {}, {}},
      {20, 10, {}, {"early"}},
      {100, 10, {}, {"early", "mail", "quoted", "late"}},
      {100, 2, {}, {"early", "mail"}},
      {100, 10, {"https://a/"}, {"mail", "quoted"}},
      {100, 10, {"https://\"quoted\"/", "mail@example.com"}, {"early", "late"}},
      {1000, 10, {"https://a/", "mail@example.com", "https://\"quoted\"/"}, {}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DueIds(*store, c.now, c.limit, c.busy), c.want) << "now " << c.now;
  }
  ASSERT_TRUE(store
                  ->Read([](Transaction& tx) {
                    EXPECT_EQ(tx.NextOutboxAttempt()->value_or(-1), 20);
                    return Status::Ok();
                  })
                  .ok());
}

TEST(StoreTest, OutboxRecordAttemptMovesStatesOnceAndOnlyFromPending) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  const std::int64_t id = InsertOutboxRow(*store, MakeOutbox("https://a/", "m", 10)).value();
  auto record = [&](const OutboxAttempt& a) {
    return store->Write([&](Transaction& tx) { return tx.RecordOutboxAttempt(a); });
  };
  // A failed attempt: still pending, due later, error kept.
  ASSERT_TRUE(record(OutboxAttempt{id, "pending", 500, "HTTP status 503", 503, 20}).ok());
  EXPECT_TRUE(DueIds(*store, 499, 10).empty());
  EXPECT_EQ(DueIds(*store, 500, 10), std::vector<std::string>{"m"});
  // Then delivered: finished, never due again, and a later record cannot change it.
  ASSERT_TRUE(record(OutboxAttempt{id, "delivered", 0, "", 200, 510}).ok());
  EXPECT_TRUE(DueIds(*store, 1'000'000, 10).empty());
  EXPECT_EQ(record(OutboxAttempt{id, "dead", 0, "x", 0, 520}).code(), StatusCode::kNotFound);
  EXPECT_EQ(record(OutboxAttempt{id, "bogus", 0, "x", 0, 520}).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(store
                  ->Read([&](Transaction& tx) {
                    const OutboxRow r = tx.FindOutbox(id)->value();
                    EXPECT_EQ(r.state, "delivered");
                    EXPECT_EQ(r.attempts, 2);
                    EXPECT_EQ(r.last_code, 200);
                    EXPECT_EQ(r.last_error, "");
                    EXPECT_EQ(r.finished_ms.value_or(0), 510);
                    EXPECT_FALSE(tx.NextOutboxAttempt()->has_value());
                    const OutboxCounts c = tx.CountOutbox().value();
                    EXPECT_EQ(c.pending, 0);
                    EXPECT_EQ(c.delivered, 1);
                    return Status::Ok();
                  })
                  .ok());
}

TEST(StoreTest, OutboxListFiltersPagesAndPrunesFinishedRows) {
  TempDir dir;
  auto store = OpenAt(dir.path() + "/t.db");
  ASSERT_NE(store, nullptr);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    OutboxRow r = MakeOutbox("https://a/", "m" + std::to_string(i), 10);
    if (i == 4) r.topic_arn = "arn:aws:sns:us-east-1:123456789012:other";
    ids.push_back(InsertOutboxRow(*store, r).value());
  }
  ASSERT_TRUE(
      store
          ->Write([&](Transaction& tx) {
            Status a = tx.RecordOutboxAttempt({ids[0], "delivered", 0, "", 250, 100});
            if (!a.ok()) return a;
            return tx.RecordOutboxAttempt({ids[1], "dead", 0, "550 no such user", 550, 300});
          })
          .ok());
  auto list = [&](const OutboxFilter& f, std::size_t limit) {
    std::vector<std::string> out;
    EXPECT_TRUE(store
                    ->Read([&](Transaction& tx) {
                      auto rows = tx.ListOutbox(f, limit);
                      if (!rows.ok()) return rows.status();
                      for (const OutboxRow& r : *rows) {
                        out.push_back(r.message_id);
                        EXPECT_EQ(r.body.empty(), !f.with_body);
                      }
                      return Status::Ok();
                    })
                    .ok());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(list({}, 10), (V{"m4", "m3", "m2", "m1", "m0"}));
  EXPECT_EQ(list({"", "", 0, true}, 2), (V{"m4", "m3"}));
  EXPECT_EQ(list({"", "", ids[3], false}, 2), (V{"m2", "m1"}));
  EXPECT_EQ(list({"dead", "", 0, false}, 10), (V{"m1"}));
  EXPECT_EQ(list({"pending", "arn:aws:sns:us-east-1:123456789012:alerts", 0, false}, 10),
            (V{"m3", "m2"}));
  ASSERT_TRUE(store
                  ->Read([](Transaction& tx) {
                    EXPECT_EQ(tx.ListOutbox({"sent", "", 0, false}, 1).status().code(),
                              StatusCode::kInvalidArgument);
                    return Status::Ok();
                  })
                  .ok());
  // Only finished rows older than the bound go, at most max_rows at a time; pending ones stay
  // whatever their age.
  const struct {
    std::int64_t before_ms;
    std::size_t max_rows;
    std::int64_t pruned;
    V left;
  } prunes[] = {
      {1'000'000, 1, 1, {"m4", "m3", "m2", "m1"}},  // m0 finished first
      {1'000'000, 1, 1, {"m4", "m3", "m2"}},
      {1'000'000, 100, 0, {"m4", "m3", "m2"}},
  };
  for (const auto& step : prunes) {
    SCOPED_TRACE(step.left.size());
    std::int64_t pruned = -1;
    ASSERT_TRUE(store
                    ->Write([&](Transaction& tx) {
                      auto n = tx.PruneOutbox(step.before_ms, step.max_rows);
                      if (!n.ok()) return n.status();
                      pruned = *n;
                      return Status::Ok();
                    })
                    .ok());
    EXPECT_EQ(pruned, step.pruned);
    EXPECT_EQ(list({}, 10), step.left);
  }
}

// A database at schema 2 (checkpoints, no outbox) gains the outbox on Open and keeps its rows.
TEST(StoreTest, MigratesVersionTwoForward) {
  TempDir dir;
  const std::string path = dir.path() + "/t.db";
  {
    auto store = OpenAt(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Write([](Transaction& tx) { return tx.PutCheckpoint("k", "v", 1); }).ok());
  }
  ASSERT_TRUE(ExecSql(path, "DROP TABLE outbox; " DROP_MONITORED "PRAGMA user_version=2"));
  auto store = OpenAt(path);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(InsertOutboxRow(*store, MakeOutbox("https://a/", "m", 1)).has_value());
  ASSERT_TRUE(store
                  ->Read([](Transaction& tx) {
                    EXPECT_EQ(tx.GetCheckpoint("k")->value_or(""), "v");
                    return Status::Ok();
                  })
                  .ok());
}

// A database at schema 5 gains the outbox's index for pruning on Open; its rows stay.
TEST(StoreTest, MigratesVersionFiveForward) {
  TempDir dir;
  const std::string path = dir.path() + "/t.db";
  {
    auto store = OpenAt(path);
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(InsertOutboxRow(*store, MakeOutbox("https://a/", "m", 1)).has_value());
  }
  auto indexes = [&path] {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    int n = -1;
    sqlite3_exec(
        db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='outbox_finished'",
        [](void* out, int, char** values, char**) {
          *static_cast<int*>(out) = std::atoi(values[0]);
          return 0;
        },
        &n, nullptr);
    sqlite3_close(db);
    return n;
  };
  ASSERT_TRUE(ExecSql(
      path, "DROP INDEX outbox_finished; " TW_JOURNAL_BACK_TO_SCHEMA_6 "PRAGMA user_version=5"));
  ASSERT_EQ(indexes(), 0);
  auto store = OpenAt(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(indexes(), 1);
  auto counts = store->Read([](Transaction& tx) -> Status {
    auto c = tx.CountOutbox();
    if (!c.ok()) return c.status();
    EXPECT_EQ(c->pending, 1);  // the row from before stays
    return Status::Ok();
  });
  EXPECT_TRUE(counts.ok());
}

TEST(StoreTest, RefusesNewerSchema) {
  TempDir dir;
  const std::string path = dir.path() + "/t.db";
  {
    auto store = OpenAt(path);
    ASSERT_NE(store, nullptr);
  }
  ASSERT_TRUE(ExecSql(path, "PRAGMA user_version=99"));
  StoreOptions o;
  o.path = path;
  auto store = Store::Open(o);
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace trailwatch::store
