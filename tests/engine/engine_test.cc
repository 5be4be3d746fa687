// Tests of the scan engine: source resolution, counting, problem reporting, time filters and
// output that does not depend on the number of threads.
#include "engine/engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "event/event.h"
#include "pattern/pattern.h"
#include "testing/files.h"

namespace trailwatch::engine {
namespace {
using test_support::Gzip;
using test_support::TempDir;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Helpers.

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// 2024-07-31T12:36:52Z and the seconds after it.
constexpr std::int64_t kT0 = 1722429412000;
std::string Time(int seconds_after) { return FormatIso8601(kT0 + seconds_after * 1000); }

// A CloudTrail record, compact.
std::string Ev(std::string_view name, int seconds_after,
               std::string_view source = "secretsmanager.amazonaws.com") {
  return R"({"eventVersion":"1.10","eventTime":")" + Time(seconds_after) + R"(","eventSource":")" +
         std::string(source) + R"(","eventName":")" + std::string(name) +
         R"(","awsRegion":"us-east-1"})";
}

std::string CloudTrail(const std::vector<std::string>& records) {
  std::string out = R"({"Records":[)";
  for (std::size_t i = 0; i < records.size(); ++i) out += (i ? "," : "") + records[i];
  return out + "]}";
}

std::string Ndjson(const std::vector<std::string>& records) {
  std::string out;
  for (const std::string& r : records) out += r + "\n";
  return out;
}

// `aws logs filter-log-events` output: (timestamp, message) pairs.
std::string CloudWatch(const std::vector<std::pair<std::int64_t, std::string>>& events) {
  std::string out = R"({"events":[)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    out += (i ? "," : "") + std::string(R"({"logStreamName":"s","timestamp":)") +
           std::to_string(events[i].first) + R"(,"message":)" + Quote(events[i].second) + "}";
  }
  return out + R"(],"searchedLogStreams":[]})";
}

// Programs compiled against one registry, as `trailwatch scan` does.
struct Scan {
  event::PathRegistry registry;
  ScanOptions options;
};

std::unique_ptr<Scan> MakeScan(const std::vector<std::string>& patterns) {
  auto s = std::make_unique<Scan>();
  s->options.event_time_slot = RegisterEventTime(&s->registry);
  for (const std::string& text : patterns) {
    pattern::CompileOptions co;
    co.registry = &s->registry;
    auto program = pattern::Compile(text, co);
    EXPECT_TRUE(program.ok()) << text << ": " << program.status().ToString();
    if (program.ok()) s->options.programs.push_back(*program);
  }
  s->options.paths = event::PathSet::Build(s->registry.paths(), false);
  return s;
}

const std::string kGetSecret = R"({ $.eventName = "GetSecretValue" })";
const std::string kSignIn = R"({ $.eventSource = "signin.amazonaws.com" })";
const std::string kAnyName = R"({ $.eventName = * })";

// Everything the observer saw, in order.
struct Call {
  enum Kind { kMatches, kProblem } kind;
  std::string input;
  std::string text;
  friend bool operator==(const Call&, const Call&) = default;
};

std::ostream& operator<<(std::ostream& os, const Call& c) {
  return os << (c.kind == Call::kMatches ? "matches " : "problem ") << c.input << ": " << c.text;
}

class Recorder final : public ScanObserver {
 public:
  void OnMatches(const Input& input, std::string_view ndjson) override {
    calls.push_back({Call::kMatches, input.name, std::string(ndjson)});
  }
  void OnProblem(const Input& input, std::string_view message) override {
    calls.push_back({Call::kProblem, input.name, std::string(message)});
  }
  void OnProgress(const ScanStats& so_far, std::size_t done, std::size_t total) override {
    ++progress_calls;
    last_progress = so_far;
    last_done = done;
    last_total = total;
  }

  std::vector<Call> Of(Call::Kind kind) const {
    std::vector<Call> out;
    for (const Call& c : calls) {
      if (c.kind == kind) out.push_back(c);
    }
    return out;
  }
  std::vector<std::string> Problems(const std::string& input) const {
    std::vector<std::string> out;
    for (const Call& c : calls) {
      if (c.kind == Call::kProblem && c.input == input) out.push_back(c.text);
    }
    return out;
  }
  std::string Matches(const std::string& input) const {
    std::string out;
    for (const Call& c : calls) {
      if (c.kind == Call::kMatches && c.input == input) out += c.text;
    }
    return out;
  }

  std::vector<Call> calls;
  int progress_calls = 0;
  ScanStats last_progress;
  std::size_t last_done = 0;
  std::size_t last_total = 0;
};

std::vector<Input> Files(const std::vector<std::string>& paths) {
  std::vector<Input> out;
  for (const std::string& p : paths) out.push_back({p, false, nullptr});
  return out;
}

// ---------------------------------------------------------------------------------------------
// ResolveSources.

TEST(ResolveSourcesTest, FileDirectoryStdinAndOrder) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string single = dir.Write("single.json", "{}");
  const std::string root = dir.path() + "/logs";
  // Written out of order; listed in sorted path order, recursively.
  for (const char* f : {"logs/b/2.json", "logs/c.json", "logs/a/z/0.json", "logs/a/1.json",
                        "logs/a/y.json.gz", "logs/b/sub/deeper/x.json"}) {
    dir.Write(f, "{}");
  }
  fs::create_directories(root + "/empty/nested");

  struct Case {
    std::vector<std::string> sources;
    std::vector<Input> want;
  };
  const std::vector<Input> tree = {
      {root + "/a/1.json", false, nullptr},
      {root + "/a/y.json.gz", false, nullptr},
      {root + "/a/z/0.json", false, nullptr},
      {root + "/b/2.json", false, nullptr},
      {root + "/b/sub/deeper/x.json", false, nullptr},
      {root + "/c.json", false, nullptr},
  };
  std::vector<Input> mixed = {{"-", true, nullptr}, {single, false, nullptr}};
  mixed.insert(mixed.end(), tree.begin(), tree.end());
  mixed.push_back({single, false, nullptr});
  const std::vector<Case> cases = {
      {{single}, {{single, false, nullptr}}},
      {{root}, tree},
      {{"-"}, {{"-", true, nullptr}}},
      {{"-", single, root, single}, mixed},  // argument order is kept
      {{root + "/empty"}, {}},
      {{}, {}},
  };
  for (const Case& c : cases) {
    const auto got = ResolveSources(c.sources);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), c.want.size());
    for (std::size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_EQ((*got)[i].name, c.want[i].name) << i;
      EXPECT_EQ((*got)[i].is_stdin, c.want[i].is_stdin) << i;
    }
  }
}

TEST(ResolveSourcesTest, MissingPathIsNotFoundAndNamed) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string good = dir.Write("good.json", "{}");
  const std::string missing = dir.path() + "/no-such-file.json.gz";
  for (const std::vector<std::string>& sources :
       {std::vector<std::string>{missing}, std::vector<std::string>{good, "-", missing}}) {
    const auto got = ResolveSources(sources);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
    EXPECT_NE(got.status().ToString().find(missing), std::string::npos) << got.status().ToString();
  }
}

// ---------------------------------------------------------------------------------------------
// RunScan: counts and problems on a fixed set of inputs.

class RunScanTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }
  TempDir dir_;
};

TEST_F(RunScanTest, CountsMatchesAndProblems) {
  const std::string a = dir_.Write(
      "a.json",
      CloudTrail({Ev("GetSecretValue", 0), Ev("ConsoleLogin", 1, "signin.amazonaws.com"),
                  R"({"eventName":"NoTime"})", R"({"eventName":"BadTime","eventTime":"yesterday"})",
                  R"({"eventName":"NumberTime","eventTime":5})", Ev("ListBuckets", 2)}));
  const std::string b = dir_.Write(
      "b.ndjson.gz", Gzip(Ndjson({Ev("GetSecretValue", 3), Ev("GetSecretValue", 4),
                                  R"({"eventName":"Broken","eventTime":)", Ev("DeleteTrail", 5)})));
  const std::string cw_no_time = R"({"eventName":"GetSecretValue","note":"no eventTime"})";
  const std::string c = dir_.Write("c.json", CloudWatch({{kT0 + 6000, cw_no_time},
                                                         {kT0 + 7000, Ev("PutObject", 7)},
                                                         {kT0 + 8000, "not json at all"}}));
  const std::string digest = dir_.Write(
      "digest.json",
      R"({"awsAccountId":"111122223333","digestPublicKeyFingerprint":"ab","logFiles":[]})");
  const std::string license = dir_.Write("LICENSE", "Apache License\nVersion 2.0\n");
  const std::string many_bad = dir_.Write("many-bad.json", R"({"Records":[1,2,3,4,5,6]})");

  auto scan = MakeScan({kGetSecret, kSignIn});
  Recorder rec;
  const std::vector<Input> inputs = Files({a, b, c, digest, license, many_bad});
  const ScanStats st = RunScan(inputs, scan->options, &rec);

  EXPECT_EQ(st.inputs, 6u);
  EXPECT_EQ(st.events, 3u + 3u + 2u);
  EXPECT_EQ(st.matched, 5u);
  EXPECT_EQ(st.matched_by_program, (std::vector<std::uint64_t>{4, 1}));
  EXPECT_EQ(st.malformed, 3u + 1u + 1u + 1u + 6u);
  EXPECT_EQ(st.out_of_range, 0u);
  EXPECT_EQ(st.digests, 1u);
  std::uint64_t size = 0;
  for (const Input& in : inputs) size += fs::file_size(in.name);
  EXPECT_EQ(st.bytes_read, size);
  EXPECT_GT(st.bytes_decoded, st.bytes_read);  // b.ndjson.gz decodes to more than it reads

  // Matching records, per input, compact, in input order; CloudWatch messages as stored.
  EXPECT_EQ(rec.Matches(a),
            Ev("GetSecretValue", 0) + "\n" + Ev("ConsoleLogin", 1, "signin.amazonaws.com") + "\n");
  EXPECT_EQ(rec.Matches(b), Ev("GetSecretValue", 3) + "\n" + Ev("GetSecretValue", 4) + "\n");
  EXPECT_EQ(rec.Matches(c), cw_no_time + "\n");

  EXPECT_EQ(rec.Problems(a),
            (std::vector<std::string>{"record 2: no eventTime", "record 3: invalid eventTime",
                                      "record 4: invalid eventTime"}));
  EXPECT_EQ(rec.Problems(b), (std::vector<std::string>{"record 2: not a valid JSON object"}));
  EXPECT_EQ(rec.Problems(c), (std::vector<std::string>{"record 2: not a valid JSON object"}));
  EXPECT_TRUE(rec.Problems(digest).empty());  // digests are skipped silently
  const std::vector<std::string> license_problems = rec.Problems(license);
  ASSERT_EQ(license_problems.size(), 1u);
  EXPECT_NE(license_problems[0].find("not JSON"), std::string::npos) << license_problems[0];
  EXPECT_EQ(license_problems[0].find("record "), std::string::npos) << license_problems[0];
  // Capped at problems_per_input (3), then one line for the rest.
  EXPECT_EQ(rec.Problems(many_bad),
            (std::vector<std::string>{
                "record 0: record is not a JSON object", "record 1: record is not a JSON object",
                "record 2: record is not a JSON object", "3 more problems not shown"}));

  // Observer calls come grouped by input, in input order.
  std::vector<std::string> order;
  for (const Call& call : rec.calls) {
    if (order.empty() || order.back() != call.input) order.push_back(call.input);
  }
  EXPECT_EQ(order, (std::vector<std::string>{a, b, c, license, many_bad}));

  // The last progress report has the totals.
  EXPECT_GE(rec.progress_calls, 1);
  EXPECT_EQ(rec.last_done, 6u);
  EXPECT_EQ(rec.last_total, 6u);
  EXPECT_EQ(rec.last_progress.events, st.events);
  EXPECT_EQ(rec.last_progress.malformed, st.malformed);
}

TEST_F(RunScanTest, ProblemsPerInputIsConfigurable) {
  const std::string bad = dir_.Write("bad.json", R"({"Records":[1,2,3,4,5,6,7]})");
  struct Case {
    std::size_t per_input;
    std::size_t shown;  // record lines
    std::string more;   // the summary line, empty when none
  };
  for (const Case& c :
       {Case{0, 0, "7 more problems not shown"}, Case{1, 1, "6 more problems not shown"},
        Case{7, 7, ""}, Case{100, 7, ""}}) {
    auto scan = MakeScan({kAnyName});
    scan->options.problems_per_input = c.per_input;
    Recorder rec;
    const ScanStats st = RunScan(Files({bad}), scan->options, &rec);
    EXPECT_EQ(st.malformed, 7u);
    const std::vector<std::string> problems = rec.Problems(bad);
    ASSERT_EQ(problems.size(), c.shown + (c.more.empty() ? 0 : 1)) << c.per_input;
    for (std::size_t i = 0; i < c.shown; ++i) {
      EXPECT_EQ(problems[i], "record " + std::to_string(i) + ": record is not a JSON object");
    }
    if (!c.more.empty()) {
      EXPECT_EQ(problems.back(), c.more);
    }
  }
}

TEST_F(RunScanTest, SeveralProgramsCountAnEventOnce) {
  const std::string f =
      dir_.Write("f.json", CloudTrail({Ev("GetSecretValue", 0), Ev("ListSecrets", 1),
                                       Ev("ConsoleLogin", 2, "signin.amazonaws.com")}));
  auto scan = MakeScan({kGetSecret, R"({ $.eventSource = "secretsmanager.amazonaws.com" })",
                        R"({ $.eventName = "NoSuchEvent" })"});
  Recorder rec;
  const ScanStats st = RunScan(Files({f}), scan->options, &rec);
  EXPECT_EQ(st.events, 3u);
  EXPECT_EQ(st.matched, 2u);
  EXPECT_EQ(st.matched_by_program, (std::vector<std::uint64_t>{1, 2, 0}));
  EXPECT_EQ(rec.Matches(f), Ev("GetSecretValue", 0) + "\n" + Ev("ListSecrets", 1) + "\n");
}

TEST_F(RunScanTest, CountOnlyCollectsNothing) {
  const std::string f = dir_.Write("f.json", CloudTrail({Ev("GetSecretValue", 0)}));
  auto scan = MakeScan({kGetSecret});
  scan->options.collect_matches = false;
  Recorder rec;
  const ScanStats st = RunScan(Files({f}), scan->options, &rec);
  EXPECT_EQ(st.matched, 1u);
  EXPECT_TRUE(rec.Of(Call::kMatches).empty());
}

// A file that disappears between ResolveSources and the scan, and one that cannot be read.
TEST_F(RunScanTest, UnreadableInputsAreCountedAndTheScanGoesOn) {
  const std::string good = dir_.Write("good.json", CloudTrail({Ev("GetSecretValue", 0)}));
  const std::string gone = dir_.path() + "/gone.json";
  std::vector<std::string> paths = {gone, good};
  std::string locked;
  if (geteuid() != 0) {  // root reads anything
    locked = dir_.Write("locked.json", CloudTrail({Ev("GetSecretValue", 1)}));
    chmod(locked.c_str(), 0);
    paths.push_back(locked);
  }
  auto scan = MakeScan({kGetSecret});
  Recorder rec;
  const ScanStats st = RunScan(Files(paths), scan->options, &rec);
  EXPECT_EQ(st.inputs, paths.size());
  EXPECT_EQ(st.matched, 1u);
  EXPECT_EQ(st.malformed, paths.size() - 1);
  EXPECT_EQ(rec.Problems(gone).size(), 1u);
  if (!locked.empty()) {
    EXPECT_EQ(rec.Problems(locked).size(), 1u);
  }
  EXPECT_EQ(rec.Matches(good), Ev("GetSecretValue", 0) + "\n");
}

// A remote input (s3://, logs://) read part by part: records are numbered across the parts,
// a failing part is one problem, and what came before it counts.
TEST_F(RunScanTest, RemoteInputsReadPartByPart) {
  const std::vector<std::string> parts = {
      CloudTrail({Ev("GetSecretValue", 0), Ev("ListSecrets", 1)}),
      Ndjson({Ev("GetSecretValue", 2), "{\"eventName\":\"NoTime\"}"})};
  Input remote;
  remote.name = "logs://group";
  std::size_t next = 0;
  remote.read = [&](std::string* bytes) -> Result<bool> {
    if (next == parts.size()) return Status::IoError("connection reset");
    *bytes = parts[next++];
    return true;
  };
  auto scan = MakeScan({kGetSecret});
  Recorder rec;
  const ScanStats st = RunScan({remote}, scan->options, &rec);
  EXPECT_EQ(st.inputs, 1u);
  EXPECT_EQ(st.events, 3u);
  EXPECT_EQ(st.matched, 2u);
  EXPECT_EQ(st.malformed, 2u) << "the record without eventTime and the failed read";
  EXPECT_EQ(st.bytes_read, parts[0].size() + parts[1].size());
  EXPECT_EQ(rec.Matches("logs://group"),
            Ev("GetSecretValue", 0) + "\n" + Ev("GetSecretValue", 2) + "\n");
  const auto problems = rec.Problems("logs://group");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("record 3: no eventTime"), std::string::npos)
      << "numbered across the parts: " << problems[0];
  EXPECT_NE(problems[1].find("cannot read: connection reset"), std::string::npos) << problems[1];
}

// Runs `fn` with file descriptor 0 reading `path`.
template <typename Fn>
void WithStdin(const std::string& path, Fn&& fn) {
  const int saved = dup(0);
  const int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(saved, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(dup2(fd, 0), 0);
  close(fd);
  std::cin.clear();
  fn();
  dup2(saved, 0);
  close(saved);
  std::cin.clear();
}

TEST_F(RunScanTest, ReadsStdin) {
  const std::string contents = Ndjson({Ev("GetSecretValue", 0), Ev("ListSecrets", 1)});
  for (const std::string& data :
       {contents, Gzip(contents), CloudTrail({Ev("GetSecretValue", 0), Ev("ListSecrets", 1)})}) {
    const std::string file = dir_.Write("stdin.data", data);
    auto scan = MakeScan({kGetSecret});
    Recorder rec;
    ScanStats st;
    WithStdin(file, [&] { st = RunScan({{"-", true, nullptr}}, scan->options, &rec); });
    EXPECT_EQ(st.events, 2u);
    EXPECT_EQ(st.bytes_read, data.size());
    EXPECT_EQ(rec.Matches("-"), Ev("GetSecretValue", 0) + "\n");
  }
}

TEST_F(RunScanTest, NoInputs) {
  auto scan = MakeScan({kGetSecret});
  Recorder rec;
  const ScanStats st = RunScan({}, scan->options, &rec);
  EXPECT_EQ(st.inputs, 0u);
  EXPECT_EQ(st.events, 0u);
  EXPECT_TRUE(rec.calls.empty());
  EXPECT_EQ(rec.last_total, 0u);
}

// ---------------------------------------------------------------------------------------------
// Time filters: start inclusive, end exclusive; a CloudWatch `timestamp` stands in for a
// missing eventTime, and eventTime wins when both are there.

TEST_F(RunScanTest, TimeFilters) {
  const std::string ct = dir_.Write(
      "ct.json",
      CloudTrail({Ev("GetSecretValue", 0), Ev("GetSecretValue", 1), Ev("GetSecretValue", 2)}));
  const std::string no_time = R"({"eventName":"GetSecretValue"})";
  const std::string cw = dir_.Write(
      "cw.json", CloudWatch({{kT0, no_time}, {kT0 + 1000, no_time}, {kT0 + 2000, no_time}}));
  // eventTime T0 with timestamp T2: the eventTime counts.
  const std::string both =
      dir_.Write("both.json", CloudWatch({{kT0 + 2000, Ev("GetSecretValue", 0)}}));

  struct Case {
    std::optional<std::int64_t> start, end;
    std::uint64_t events;  // of 7
  };
  const std::int64_t t1 = kT0 + 1000;
  const std::int64_t t2 = kT0 + 2000;
  for (const Case& c : {
           Case{std::nullopt, std::nullopt, 7},
           Case{t1, std::nullopt, 4},  // T1 and T2 of ct and cw
           Case{std::nullopt, t1, 3},  // T0 of ct, cw and both
           Case{t1, t2, 2},            // T1 only
           Case{t1, t1 + 1, 2},        // a 1 ms window still holds T1
           Case{t1 + 1, t2, 0},        // just after T1
           Case{t2, std::nullopt, 2},  // both.json is at T0 by its eventTime
           Case{kT0, kT0, 0},          // empty window
       }) {
    auto scan = MakeScan({kGetSecret});
    scan->options.start_ms = c.start;
    scan->options.end_ms = c.end;
    Recorder rec;
    const ScanStats st = RunScan(Files({ct, cw, both}), scan->options, &rec);
    const std::string label =
        (c.start ? FormatIso8601(*c.start) : "-") + " .. " + (c.end ? FormatIso8601(*c.end) : "-");
    EXPECT_EQ(st.events, c.events) << label;
    EXPECT_EQ(st.matched, c.events) << label;
    EXPECT_EQ(st.out_of_range, 7 - c.events) << label;
    EXPECT_EQ(st.malformed, 0u) << label;
  }
}

// Records without a usable time are malformed, also when a time filter is set.
TEST_F(RunScanTest, MissingAndInvalidEventTimeAreMalformed) {
  struct Case {
    std::string record;
    std::string problem;
  };
  const std::vector<Case> cases = {
      {R"({"eventName":"x"})", "no eventTime"},
      {R"({"eventName":"x","eventTime":null})", "invalid eventTime"},
      {R"({"eventName":"x","eventTime":""})", "invalid eventTime"},
      {R"({"eventName":"x","eventTime":"2023-02-29T00:00:00Z"})", "invalid eventTime"},
      {R"({"eventName":"x","eventTime":"2024-07-31T12:36:52"})", "invalid eventTime"},
      {R"({"eventName":"x","eventTime":1722429412})", "invalid eventTime"},
      {R"({"eventName":"x","eventTime":{"t":"2024-07-31T12:36:52Z"}})", "invalid eventTime"},
      {R"({"eventName":"x","eventTime":["2024-07-31T12:36:52Z"]})", "invalid eventTime"},
  };
  std::vector<std::string> records = {Ev("GetSecretValue", 0)};
  for (const Case& c : cases) records.push_back(c.record);
  const std::string f = dir_.Write("f.ndjson", Ndjson(records));
  for (const bool filtered : {false, true}) {
    auto scan = MakeScan({kAnyName});
    scan->options.problems_per_input = 100;
    if (filtered) scan->options.start_ms = kT0 + 1;
    Recorder rec;
    const ScanStats st = RunScan(Files({f}), scan->options, &rec);
    EXPECT_EQ(st.malformed, cases.size());
    EXPECT_EQ(st.events, filtered ? 0u : 1u);
    EXPECT_EQ(st.out_of_range, filtered ? 1u : 0u);
    std::vector<std::string> want;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      want.push_back("record " + std::to_string(i + 1) + ": " + cases[i].problem);
    }
    EXPECT_EQ(rec.Problems(f), want);
  }
}

// ---------------------------------------------------------------------------------------------
// Output does not depend on the number of threads or on scheduling.

class DeterminismTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    // 60 inputs of different sizes and formats (more than the engine's look-ahead window),
    // some with bad records.
    static const char* kNames[] = {"GetSecretValue", "ListSecrets", "ConsoleLogin", "DeleteTrail",
                                   "GetSecretValue"};
    for (int f = 0; f < 60; ++f) {
      std::vector<std::string> records;
      const int n = (f * 37) % 90;
      for (int i = 0; i < n; ++i) {
        records.push_back(Ev(kNames[(f + i) % 5], f * 100 + i));
        if ((f + i) % 23 == 0) records.push_back(R"({"eventName":"GetSecretValue"})");
      }
      char name[32];
      std::snprintf(name, sizeof name, "d%02d/f%02d", f % 7, f);
      std::string path;
      switch (f % 4) {
        case 0:
          path = dir_.Write(std::string(name) + ".json", CloudTrail(records));
          break;
        case 1:
          path = dir_.Write(std::string(name) + ".json.gz", Gzip(CloudTrail(records)));
          break;
        case 2:
          path = dir_.Write(std::string(name) + ".ndjson", Ndjson(records));
          break;
        default: {
          std::vector<std::pair<std::int64_t, std::string>> events;
          for (const std::string& r : records) events.push_back({kT0, r});
          path = dir_.Write(std::string(name) + ".cw.json", CloudWatch(events));
        }
      }
      (void)path;
    }
    auto resolved = ResolveSources({dir_.path()});
    ASSERT_TRUE(resolved.ok());
    inputs_ = *resolved;
    ASSERT_EQ(inputs_.size(), 60u);
  }

  struct Run {
    std::vector<Call> calls;
    ScanStats stats;
  };
  Run ScanWith(const std::vector<Input>& inputs, unsigned threads) {
    auto scan = MakeScan({kGetSecret});
    scan->options.threads = threads;
    scan->options.start_ms = kT0 + 500 * 1000;  // drops some, keeps most
    Recorder rec;
    Run r;
    r.stats = RunScan(inputs, scan->options, &rec);
    // Matches may come in several chunks per input; what counts is the text, in order.
    for (Call& c : rec.calls) {
      if (!r.calls.empty() && c.kind == Call::kMatches && r.calls.back().kind == Call::kMatches &&
          r.calls.back().input == c.input) {
        r.calls.back().text += c.text;
      } else {
        r.calls.push_back(std::move(c));
      }
    }
    return r;
  }

  static std::vector<std::string> Lines(const std::vector<Call>& calls) {
    std::vector<std::string> out;
    for (const Call& c : calls) {
      if (c.kind != Call::kMatches) continue;
      std::istringstream in(c.text);
      for (std::string line; std::getline(in, line);) out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static void ExpectSameStats(const ScanStats& a, const ScanStats& b) {
    EXPECT_EQ(a.inputs, b.inputs);
    EXPECT_EQ(a.events, b.events);
    EXPECT_EQ(a.matched, b.matched);
    EXPECT_EQ(a.malformed, b.malformed);
    EXPECT_EQ(a.out_of_range, b.out_of_range);
    EXPECT_EQ(a.bytes_read, b.bytes_read);
    EXPECT_EQ(a.bytes_decoded, b.bytes_decoded);
    EXPECT_EQ(a.matched_by_program, b.matched_by_program);
  }

  TempDir dir_;
  std::vector<Input> inputs_;
};

TEST_F(DeterminismTest, SameCallsForAnyThreadCount) {
  const Run one = ScanWith(inputs_, 1);
  ASSERT_GT(one.stats.matched, 100u);
  ASSERT_GT(one.stats.malformed, 0u);
  ASSERT_GT(one.stats.out_of_range, 0u);
  for (const unsigned threads : {2u, 4u, 8u}) {
    for (int repeat = 0; repeat < 3; ++repeat) {
      const Run many = ScanWith(inputs_, threads);
      EXPECT_EQ(many.calls, one.calls) << threads << " threads";
      ExpectSameStats(many.stats, one.stats);
    }
  }
}

TEST_F(DeterminismTest, ReversedInputOrder) {
  const Run forward = ScanWith(inputs_, 1);
  std::vector<Input> reversed(inputs_.rbegin(), inputs_.rend());
  const Run backward = ScanWith(reversed, 1);
  ExpectSameStats(forward.stats, backward.stats);
  EXPECT_EQ(Lines(backward.calls), Lines(forward.calls));
  // Per input the same output; across inputs, the order of the inputs given.
  std::map<std::string, std::vector<Call>> per_input;
  for (const Call& c : forward.calls) per_input[c.input].push_back(c);
  std::vector<Call> want;
  for (const Input& in : reversed) {
    const auto it = per_input.find(in.name);
    if (it != per_input.end()) want.insert(want.end(), it->second.begin(), it->second.end());
  }
  EXPECT_EQ(backward.calls, want);
  for (const unsigned threads : {2u, 4u}) {
    EXPECT_EQ(ScanWith(reversed, threads).calls, backward.calls) << threads << " threads";
  }
}

// ---------------------------------------------------------------------------------------------
// RecordMatcher: the daemon's record-at-a-time path.

// Records what the hook saw.
class SeenHook final : public EventHook {
 public:
  struct Seen {
    std::int64_t time;
    std::vector<bool> matched;
    std::size_t input;
    std::uint64_t record;
  };
  void OnEvent(const event::EventView&, const event::RecordText&, std::int64_t time_ms,
               const std::vector<bool>& matched, std::size_t input, std::uint64_t record) override {
    seen.push_back({time_ms, matched, input, record});
  }
  std::vector<Seen> seen;
};

TEST(RecordMatcherTest, MatchesLikeRunScanAndRejectsWhatRunScanCountsAsMalformed) {
  auto scan = MakeScan({kGetSecret, kSignIn});
  scan->options.make_hook = [] { return std::make_unique<SeenHook>(); };
  RecordMatcher matcher(scan->options);
  const struct {
    const char* record;
    std::optional<bool> any;  // nullopt: rejected
    std::vector<bool> matched;
  } cases[] = {
      {R"({"eventTime":"2024-07-31T10:00:01Z","eventName":"GetSecretValue"})", true, {true, false}},
      {R"({"eventTime":"2024-07-31T10:00:02Z","eventSource":"signin.amazonaws.com"})",
       true,
       {false, true}},
      {R"({"eventTime":"2024-07-31T10:00:03Z","eventName":"ListSecrets"})", false, {false, false}},
      {R"({"eventName":"GetSecretValue"})", std::nullopt, {}},
      {R"({"eventTime":"yesterday","eventName":"GetSecretValue"})", std::nullopt, {}},
      {R"(["not","an","object"])", std::nullopt, {}},
      {"{truncated", std::nullopt, {}},
  };
  std::uint64_t n = 0;
  std::size_t hooked = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.record);
    auto got = matcher.Process(c.record, 3, n++);
    auto* hook = static_cast<SeenHook*>(matcher.hook());
    if (!c.any) {
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(hook->seen.size(), hooked);
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, *c.any);
    ASSERT_EQ(hook->seen.size(), ++hooked);
    EXPECT_EQ(hook->seen.back().matched, c.matched);
    EXPECT_EQ(hook->seen.back().input, 3u);
    EXPECT_EQ(hook->seen.back().record, n - 1);
  }
  EXPECT_EQ(static_cast<SeenHook*>(matcher.hook())->seen[0].time,
            *ParseIso8601Millis("2024-07-31T10:00:01Z"));
}

}  // namespace
}  // namespace trailwatch::engine
