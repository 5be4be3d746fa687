// Tests of ingest::FileFollower on real files in a temporary directory, with a real store.
// Polls are driven by PollOnce() and time by a FakeClock, except in the one latency test.
#include "ingest/ingest.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "testing/files.h"

namespace trailwatch::ingest {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::Gzip;
using test_support::TempDir;

// A compact CloudTrail record; the reader delivers it unchanged.
std::string Rec(int n) {
  return R"({"eventVersion":"1.09","eventTime":"2025-03-02T10:00:)" +
         std::string(n < 10 ? "0" : "") + std::to_string(n) +
         R"(Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"e-)" +
         std::to_string(n) + R"("})";
}

std::string Lines(std::initializer_list<int> ns) {
  std::string out;
  for (int n : ns) out += Rec(n) + "\n";
  return out;
}

std::string TrailFile(std::initializer_list<int> ns) {
  std::string out = R"({"Records":[)";
  bool first = true;
  for (int n : ns) {
    out += (first ? "" : ",") + Rec(n);
    first = false;
  }
  return out + "]}";
}

void Append(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

struct Delivered {
  std::string path;
  std::uint64_t record;
  std::uint64_t offset;
  std::string json;
};

class TestSink : public RecordSink {
 public:
  void OnRecord(std::string_view json, const RecordOrigin& origin) override {
    std::lock_guard lock(mu_);
    got_.push_back({std::string(origin.path), origin.record, origin.offset, std::string(json)});
    cv_.notify_all();
  }
  void OnProblem(const Problem& p) override {
    std::lock_guard lock(mu_);
    problems_.push_back(std::string(p.path) + ": " + std::string(p.reason));
  }
  Status Commit(store::Store& store, std::span<const FileCheckpoint> files,
                std::int64_t now_ms) override {
    if (fail_commits) return Status::IoError("disk full (test)");
    return RecordSink::Commit(store, files, now_ms);
  }

  std::vector<Delivered> got() const {
    std::lock_guard lock(mu_);
    return got_;
  }
  std::vector<std::string> events() const {  // the eventIDs, in delivery order
    std::vector<std::string> out;
    for (const Delivered& d : got()) {
      const std::size_t at = d.json.find("\"eventID\":\"");
      out.push_back(at == std::string::npos
                        ? d.json
                        : d.json.substr(at + 11, d.json.find('"', at + 11) - at - 11));
    }
    return out;
  }
  std::vector<std::string> problems() const {
    std::lock_guard lock(mu_);
    return problems_;
  }
  bool WaitFor(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
  }
  bool fail_commits = false;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Delivered> got_;
  std::vector<std::string> problems_;
};

using Ids = std::vector<std::string>;

class FollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    in_ = dir_.path() + "/in";
    fs::create_directories(in_);
    OpenStore();
  }

  void OpenStore() {
    store_.reset();
    store::StoreOptions o;
    o.path = dir_.path() + "/trailwatch.db";
    auto s = store::Store::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  std::unique_ptr<FileFollower> Make(TestSink* sink, std::vector<std::string> paths = {}) {
    FollowerOptions o;
    o.paths = paths.empty() ? std::vector<std::string>{in_} : std::move(paths);
    o.store = store_.get();
    o.clock = &clock_;
    o.incomplete_grace = 5s;
    auto f = FileFollower::Create(std::move(o), sink);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(f).value() : nullptr;
  }

  std::string Write(const std::string& rel, std::string_view text) {
    return dir_.Write("in/" + rel, text);
  }

  TempDir dir_;
  std::string in_;
  std::unique_ptr<store::Store> store_;
  FakeClock clock_{TimePoint(std::chrono::milliseconds(1700000000000))};
};

TEST_F(FollowerTest, GzipLogFileInSubdirectoryIsDeliveredOnce) {
  TestSink sink;
  auto f = Make(&sink);
  const std::string gz = Gzip(TrailFile({1, 2, 3}));
  const std::string path =
      Write("AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/02/a.json.gz", gz);
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2", "e-3"}));
  EXPECT_EQ(sink.got()[0].path, path);
  EXPECT_EQ(sink.got()[2].record, 2u);
  EXPECT_EQ(sink.got()[1].json, Rec(2));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.got().size(), 3u);
  const FollowerStats st = f->stats();
  EXPECT_EQ(st.records, 3u);
  EXPECT_EQ(st.files_seen, 1u);
  EXPECT_EQ(st.bytes, gz.size());
  EXPECT_EQ(st.malformed, 0u);
  const auto pos = f->Positions();
  ASSERT_EQ(pos.size(), 1u);
  EXPECT_TRUE(pos[0].complete);
  EXPECT_EQ(pos[0].mode, FileCheckpoint::Mode::kDocument);
  EXPECT_EQ(pos[0].records, 3u);
}

TEST_F(FollowerTest, TruncatedGzipWaitsUntilItDecompressesFully) {
  TestSink sink;
  auto f = Make(&sink);
  const std::string gz = Gzip(TrailFile({1, 2}));
  const std::string path = Write("b.json.gz", gz.substr(0, gz.size() / 2));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_TRUE(sink.got().empty());
  Append(path, gz.substr(gz.size() / 2));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2"}));
  EXPECT_TRUE(sink.problems().empty());
}

TEST_F(FollowerTest, PrettyDocumentBeingWrittenIsReadWhenItParses) {
  const std::string text = test_support::ReadFile(std::string(TRAILWATCH_SOURCE_DIR) +
                                                  "/testdata/ingest/trail-file.json");
  ASSERT_FALSE(text.empty());
  TestSink sink;
  auto f = Make(&sink);
  const std::string path = Write("trail-file.json", text.substr(0, text.size() - 40));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_TRUE(sink.got().empty());
  Append(path, text.substr(text.size() - 40));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(),
            (Ids{"ingest-fixture-0001", "ingest-fixture-0002", "ingest-fixture-0003"}));
}

TEST_F(FollowerTest, NdjsonAppendedInPiecesWaitsForLineEnds) {
  TestSink sink;
  auto f = Make(&sink);
  const std::string first = Lines({1, 2});
  const std::string third = Rec(3);
  const std::string path = Write("app.ndjson", first + third.substr(0, 20));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2"}));
  Append(path, third.substr(20));  // complete, but no line end yet
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.got().size(), 2u);
  Append(path, "\n\n" + Rec(4) + "\n" + Rec(5).substr(0, 10));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2", "e-3", "e-4"}));
  const auto got = sink.got();
  EXPECT_EQ(got[2].offset, first.size());
  EXPECT_EQ(got[3].record, 3u);
  const auto pos = f->Positions();
  ASSERT_EQ(pos.size(), 1u);
  EXPECT_EQ(pos[0].mode, FileCheckpoint::Mode::kLines);
  EXPECT_EQ(pos[0].offset, first.size() + third.size() + 2 + Rec(4).size() + 1);
}

TEST_F(FollowerTest, UnterminatedLastLineIsReadAfterTheGracePeriod) {
  TestSink sink;
  auto f = Make(&sink);
  const std::string path = Write("app.ndjson", Lines({1}) + Rec(2));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1"}));
  clock_.Advance(6s);
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2"}));
  Append(path, "\n" + Rec(3) + "\n");  // the writer ends the line after all
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2", "e-3"}));
}

TEST_F(FollowerTest, SingleLineThatGrowsIntoNdjsonDeliversEachRecordOnce) {
  TestSink sink;
  auto f = Make(&sink);
  const std::string path = Write("one.json", Rec(1));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1"}));
  Append(path, "\n" + Lines({2, 3}));
  ASSERT_TRUE(f->PollOnce().ok());
  Append(path, Lines({4}));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2", "e-3", "e-4"}));
}

TEST_F(FollowerTest, HiddenAndTemporaryNamesWaitUntilRenamed) {
  TestSink sink;
  auto f = Make(&sink);
  const std::string tmp = Write("c.json.tmp", TrailFile({1}));
  Write(".d.json", TrailFile({2}));
  Write("part.gz.part", Gzip(TrailFile({3})));
  Write(".hidden/e.json", TrailFile({4}));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_TRUE(sink.got().empty());
  fs::rename(tmp, in_ + "/c.json");
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1"}));
  EXPECT_EQ(sink.got()[0].path, in_ + "/c.json");
}

TEST_F(FollowerTest, TruncationAndReplacementStartTheFileAgain) {
  TestSink sink;
  auto f = Make(&sink);
  const std::string path = Write("app.log", Lines({1, 2, 3}));
  ASSERT_TRUE(f->PollOnce().ok());
  // Truncated in place (copytruncate) and written again, shorter.
  Write("app.log", Lines({4}));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2", "e-3", "e-4"}));
  // Rewritten in place to the same length: the fingerprint of its first bytes differs.
  Write("app.log", Lines({5}));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events().back(), "e-5");
  // Replaced by another file (a new inode) that is longer than what was read.
  const std::string next = dir_.Write("staging", Lines({6, 7}));
  fs::rename(next, path);
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2", "e-3", "e-4", "e-5", "e-6", "e-7"}));
}

TEST_F(FollowerTest, RotationByRenameDoesNotRepeatTheRotatedFile) {
  TestSink sink;
  auto f = Make(&sink);
  const std::string path = Write("app.log", Lines({1, 2}));
  ASSERT_TRUE(f->PollOnce().ok());
  Append(path, Lines({3}));       // written just before the rotation
  fs::rename(path, path + ".1");  // logrotate: the old file moves away...
  Write("app.log", Lines({4}));   // ...and a new one takes its name
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2", "e-4", "e-3"}));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.got().size(), 4u);
}

TEST_F(FollowerTest, MalformedInputIsCountedNamedAndSkipped) {
  TestSink sink;
  auto f = Make(&sink);
  const std::string bad = Write("bad.json", "this is not JSON at all");
  Write("lines.ndjson", Lines({1}) + "{\"broken\":\n" + Lines({2}));
  const std::string gz = Gzip(TrailFile({3}));
  Write("cut.json.gz", gz.substr(0, gz.size() - 9));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2"}));
  ASSERT_EQ(sink.problems().size(), 1u);  // the bad line; the others may still be written
  EXPECT_NE(sink.problems()[0].find("lines.ndjson"), std::string::npos);
  clock_.Advance(6s);
  ASSERT_TRUE(f->PollOnce().ok());
  const auto problems = sink.problems();
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[1].find(bad), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("cut.json.gz"), std::string::npos) << problems[2];
  // What precedes the damage is read, as scan reads it.
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2", "e-3"}));
  EXPECT_EQ(f->stats().malformed, 3u);
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(f->stats().malformed, 3u);  // given up on once, not every poll
}

TEST_F(FollowerTest, NdjsonWithADamagedFirstLineIsStillFollowedLineByLine) {
  TestSink sink;
  auto f = Make(&sink);
  const std::string path = Write("app.ndjson", "{\"cut\":\n" + Lines({1, 2}));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2"}));
  EXPECT_EQ(sink.problems().size(), 1u);
  Append(path, Lines({3}));
  ASSERT_TRUE(f->PollOnce().ok());
  Append(path, Lines({4}));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2", "e-3", "e-4"}));
  EXPECT_EQ(sink.problems().size(), 1u);
  ASSERT_EQ(f->Positions().size(), 1u);
  EXPECT_EQ(f->Positions()[0].mode, FileCheckpoint::Mode::kLines);
}

TEST_F(FollowerTest, DigestFilesAreSkipped) {
  TestSink sink;
  auto f = Make(&sink);
  Write("111122223333_CloudTrail-Digest_eu-west-1_x.json.gz",
        Gzip(R"({"awsAccountId":"111122223333","digestPublicKeyFingerprint":"ab","logFiles":[]})"));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_TRUE(sink.got().empty());
  EXPECT_TRUE(sink.problems().empty());
  EXPECT_EQ(f->stats().digests, 1u);
}

TEST_F(FollowerTest, RestartRepeatsNothingAndReadsWhatArrivedMeanwhile) {
  const std::string log = Write("app.ndjson", Lines({1, 2}));
  Write("2025/a.json.gz", Gzip(TrailFile({3, 4})));
  {
    TestSink sink;
    auto f = Make(&sink);
    ASSERT_TRUE(f->PollOnce().ok());
    // Sorted paths: "2025/…" before "app…".
    EXPECT_EQ(sink.events(), (Ids{"e-3", "e-4", "e-1", "e-2"}));
    EXPECT_GE(f->stats().commits, 1u);
  }
  // Down: the log grows, a file arrives, another is renamed into place.
  Append(log, Lines({5}));
  Write("2025/b.json.gz", Gzip(TrailFile({6})));
  fs::rename(Write("2025/a.json.gz.tmp", TrailFile({7})), in_ + "/2025/c.json");
  OpenStore();  // what was committed is on disk
  TestSink sink;
  auto f = Make(&sink);
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-6", "e-7", "e-5"}));
  std::vector<std::pair<std::string, std::string>> saved;
  ASSERT_TRUE(store_
                  ->Read([&](store::Transaction& tx) {
                    auto rows = tx.ListCheckpoints(kCheckpointPrefix);
                    if (rows.ok()) saved = *rows;
                    return rows.status();
                  })
                  .ok());
  ASSERT_EQ(saved.size(), 4u);
  EXPECT_EQ(saved[3].first, CheckpointName(log));
  auto cp = FileCheckpoint::FromState(log, saved[3].second);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->records, 3u);
  EXPECT_EQ(cp->offset, Lines({1, 2, 5}).size());
}

TEST_F(FollowerTest, PartialLineAtShutdownIsDeliveredOnceAfterRestart) {
  const std::string path = Write("app.ndjson", Lines({1}) + Rec(2).substr(0, 30));
  {
    TestSink sink;
    auto f = Make(&sink);
    ASSERT_TRUE(f->PollOnce().ok());
    EXPECT_EQ(sink.events(), (Ids{"e-1"}));
  }
  Append(path, Rec(2).substr(30) + "\n");
  TestSink sink;
  auto f = Make(&sink);
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-2"}));
  EXPECT_EQ(sink.got()[0].record, 1u);
  EXPECT_EQ(sink.got()[0].offset, Lines({1}).size());
}

TEST_F(FollowerTest, LargeNdjsonIsReadInChunksAndCheckpointedAsItGoes) {
  std::string text;
  const int n = 20000;  // about 3 MB: several read chunks
  for (int i = 0; i < n; ++i) text += Rec(i % 60) + "\n";
  Write("big.ndjson", text);
  TestSink sink;
  FollowerOptions o;
  o.paths = {in_};
  o.store = store_.get();
  o.clock = &clock_;
  o.commit_every_records = 5000;
  auto f = std::move(FileFollower::Create(std::move(o), &sink)).value();
  ASSERT_TRUE(f->PollOnce().ok());
  const auto got = sink.got();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].record, i);
    ASSERT_EQ(got[i].offset, offset);
    offset += got[i].json.size() + 1;
  }
  EXPECT_GE(f->stats().commits, 3u);
  EXPECT_EQ(f->stats().bytes, text.size());
}

TEST_F(FollowerTest, LineLongerThanTheRecordLimitIsReportedAndSkipped) {
  TestSink sink;
  FollowerOptions o;
  o.paths = {in_};
  o.store = store_.get();
  o.clock = &clock_;
  o.read.max_record_bytes = 1000;
  auto f = std::move(FileFollower::Create(std::move(o), &sink)).value();
  const std::string huge = R"({"pad":")" + std::string(1500000, 'x');
  const std::string path = Write("long.ndjson", Lines({1}) + huge);
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1"}));
  EXPECT_TRUE(sink.problems().empty());  // its end may still come
  Append(path, "\"}\n" + Lines({2}));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2"}));
  ASSERT_EQ(sink.problems().size(), 1u);
  EXPECT_NE(sink.problems()[0].find("longer than 1000 bytes"), std::string::npos);
  EXPECT_EQ(sink.got()[1].record, 2u);
}

// A sink that commits its own state with the positions, in one store write: exactly once.
class TransactionalSink : public TestSink {
 public:
  Status Commit(store::Store& store, std::span<const FileCheckpoint> files,
                std::int64_t now_ms) override {
    const std::string seen = std::to_string(got().size());
    return store.Write([&](store::Transaction& tx) {
      if (Status st = tx.PutCheckpoint("test:seen", seen, now_ms); !st.ok()) return st;
      return SaveCheckpoints(tx, files, now_ms);
    });
  }
};

TEST_F(FollowerTest, SinkCanCommitItsWorkWithThePositions) {
  TransactionalSink sink;
  auto f = Make(&sink);
  Write("a.ndjson", Lines({1, 2}));
  ASSERT_TRUE(f->PollOnce().ok());
  std::optional<std::string> seen;
  ASSERT_TRUE(store_
                  ->Read([&](store::Transaction& tx) {
                    auto v = tx.GetCheckpoint("test:seen");
                    if (v.ok()) seen = *v;
                    return v.status();
                  })
                  .ok());
  EXPECT_EQ(seen, "2");
  auto saved = LoadCheckpoints(*store_);
  ASSERT_TRUE(saved.ok());
  ASSERT_EQ(saved->size(), 1u);
  EXPECT_EQ((*saved)[0].records, 2u);
}

TEST_F(FollowerTest, FollowersSharingAStoreKeepToTheirOwnFiles) {
  Write("a/x.ndjson", Lines({1}));
  Write("ab/y.ndjson", Lines({2}));
  TestSink sink_a;
  auto a = Make(&sink_a, {in_ + "/a"});
  ASSERT_TRUE(a->PollOnce().ok());
  EXPECT_EQ(sink_a.events(), (Ids{"e-1"}));
  TestSink sink_b;
  auto b = Make(&sink_b, {in_ + "/ab/"});
  EXPECT_TRUE(b->Positions().empty());  // "a/x.ndjson" is not under "ab"
  ASSERT_TRUE(b->PollOnce().ok());
  EXPECT_EQ(sink_b.events(), (Ids{"e-2"}));
  auto again = Make(&sink_a, {in_ + "/a"});
  ASSERT_EQ(again->Positions().size(), 1u);
  EXPECT_EQ(again->Positions()[0].path, in_ + "/a/x.ndjson");
}

TEST_F(FollowerTest, FailedCommitIsOfferedAgainWithoutRedelivery) {
  TestSink sink;
  auto f = Make(&sink);
  Write("a.ndjson", Lines({1}));
  sink.fail_commits = true;
  EXPECT_FALSE(f->PollOnce().ok());
  EXPECT_EQ(f->stats().commit_errors, 1u);
  auto saved = LoadCheckpoints(*store_);
  ASSERT_TRUE(saved.ok());
  EXPECT_TRUE(saved->empty());
  sink.fail_commits = false;
  ASSERT_TRUE(f->PollOnce().ok());  // nothing new, but the position is still owed
  saved = LoadCheckpoints(*store_);
  ASSERT_TRUE(saved.ok());
  ASSERT_EQ(saved->size(), 1u);
  EXPECT_EQ((*saved)[0].records, 1u);
  EXPECT_EQ(sink.got().size(), 1u);
}

TEST_F(FollowerTest, FilesNamedExplicitlyAreFollowedWhateverTheirNameAndWhenTheyAppear) {
  TestSink sink;
  const std::string named = in_ + "/later/.x.tmp";
  auto f = Make(&sink, {named});
  ASSERT_TRUE(f->PollOnce().ok());  // not there yet: not an error
  Write("later/.x.tmp", Lines({1}));
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.events(), (Ids{"e-1"}));
}

TEST(FileCheckpointTest, StateRoundTrips) {
  FileCheckpoint cp{"/d/app.log", FileCheckpoint::Mode::kLines, 2049, 1234567, 900, 12,
                    false,        0xfedcba9876543210ull,        900};
  auto back = FileCheckpoint::FromState(cp.path, cp.ToState());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, cp);
  for (const char* bad : {"", "{}", "[1]", R"({"v":2,"mode":"lines"})"}) {
    EXPECT_FALSE(FileCheckpoint::FromState("/x", bad).ok()) << bad;
  }
}

TEST_F(FollowerTest, StratusDetonationLogsAreDeliveredAsTheReaderReadsThem) {
  const char* shared = std::getenv("TRAILWATCH_SHARED_DIR");
  const fs::path src = fs::path(shared ? shared : "") / "testdata/stratus-detonation-logs" /
                       "aws.defense-evasion.cloudtrail-stop.json";
  if (shared == nullptr || !fs::exists(src)) GTEST_SKIP() << "no " << src;
  const std::string text = test_support::ReadFile(src.string());
  struct Count : event::RecordHandler {
    void OnRecord(std::string_view, const event::RecordInfo&) override { ++n; }
    void OnMalformed(std::uint64_t, std::string_view) override {}
    std::size_t n = 0;
  } count;
  event::Reader reader;
  (void)reader.Read(text, &count);
  ASSERT_GT(count.n, 0u);
  TestSink sink;
  auto f = Make(&sink);
  Write("stratus/stop.json", text);
  ASSERT_TRUE(f->PollOnce().ok());
  EXPECT_EQ(sink.got().size(), count.n);
  EXPECT_TRUE(sink.problems().empty());
}

TEST_F(FollowerTest, ThreadDeliversADroppedFileWithinOneSecond) {
  TestSink sink;
  FollowerOptions o;
  o.paths = {in_};
  o.store = store_.get();
  o.poll_interval = 200ms;
  auto made = FileFollower::Create(std::move(o), &sink);
  ASSERT_TRUE(made.ok());
  auto f = std::move(made).value();
  f->Start();
  std::this_thread::sleep_for(100ms);  // the first poll has seen an empty directory
  const auto start = std::chrono::steady_clock::now();
  fs::rename(Write("drop.json.tmp", Gzip(TrailFile({1, 2}))), in_ + "/drop.json.gz");
  ASSERT_TRUE(sink.WaitFor(2, 1000ms));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 1s);
  Append(in_ + "/live.ndjson", Lines({3}));
  ASSERT_TRUE(sink.WaitFor(3, 1000ms));
  f->Stop();
  EXPECT_EQ(sink.events(), (Ids{"e-1", "e-2", "e-3"}));
  EXPECT_GE(f->stats().polls, 2u);
}

}  // namespace
}  // namespace trailwatch::ingest
