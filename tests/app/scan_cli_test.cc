// End-to-end tests of `trailwatch scan` on the real binary: the Stratus Red Team detonation logs
// in ../shared/testdata (skipped when absent), output formats, stdin, time filters, exit codes
// and error messages. Event counts are checked against Python's json module when python3 is
// installed.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/process.h"
#include "testing/files.h"

namespace {
namespace fs = std::filesystem;

using trailwatch::test_support::Gzip;
using trailwatch::test_support::ReadFile;
using trailwatch::test_support::TempDir;
using trailwatch::testing::Output;
using trailwatch::testing::RunProcess;

const std::string kAnyEvent = "{ $.eventName = * }";

// `trailwatch scan` with `args`, stdin from `stdin_path` when given.
Output Scan(std::vector<std::string> args, const std::string& stdin_path = "") {
  args.insert(args.begin(), {TRAILWATCH_BINARY, "scan", "--progress", "never"});
  return RunProcess(args, stdin_path);
}

std::string Describe(const Output& r) {
  return "exit " + std::to_string(r.exit_code) + r.spawn_error + "\nstderr:\n" + r.err;
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    out.emplace_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// The "N malformed" of the summary line on stderr; nullopt when there is none.
std::optional<std::uint64_t> SummaryCount(const std::string& err, std::string_view what) {
  const std::size_t line = err.rfind("trailwatch: scan: ");
  if (line == std::string::npos) return std::nullopt;
  const std::string summary = err.substr(line, err.find('\n', line) - line);
  const std::size_t at = summary.find(std::string(" ") + std::string(what));
  if (at == std::string::npos) return std::nullopt;
  std::size_t begin = at;
  while (begin > 0 && summary[begin - 1] >= '0' && summary[begin - 1] <= '9') --begin;
  if (begin == at) return std::nullopt;
  return std::stoull(summary.substr(begin, at - begin));
}

// True when `json` has no white space outside its strings.
bool IsCompact(std::string_view json) {
  bool in_string = false;
  bool escaped = false;
  for (const char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      return false;
    }
  }
  return !in_string;
}

// The value of "eventTime" in a compact record.
std::string EventTime(const std::string& record) {
  const std::string key = "\"eventTime\":\"";
  const std::size_t at = record.find(key);
  if (at == std::string::npos) return {};
  const std::size_t begin = at + key.size();
  return record.substr(begin, record.find('"', begin) - begin);
}

bool HavePython() {
  static const bool have = [] {
    const Output r = RunProcess({"python3", "-c", "import json"}, "", true);
    return r.spawn_error.empty() && r.exit_code == 0;
  }();
  return have;
}

// ---------------------------------------------------------------------------------------------
// The Stratus Red Team detonation logs: 35 pretty-printed JSON arrays and a LICENSE.

class StratusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string shared;
    if (const char* env = std::getenv("TRAILWATCH_SHARED_DIR"); env && *env) {
      shared = env;
    } else {
      shared = std::string(TRAILWATCH_SOURCE_DIR) + "/../shared";
    }
    dir_ = shared + "/testdata/stratus-detonation-logs";
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) {
      GTEST_SKIP() << "the Stratus detonation logs are not at " << dir_
                   << " (set TRAILWATCH_SHARED_DIR to the shared folder)";
    }
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().extension() == ".json") files_.push_back(entry.path().string());
    }
    std::sort(files_.begin(), files_.end());
    ASSERT_FALSE(files_.empty()) << dir_;
    license_ = dir_ + "/LICENSE";
  }

  // Record counts per file from Python's json module; empty when python3 is missing.
  std::map<std::string, std::uint64_t> PythonCounts() const {
    std::map<std::string, std::uint64_t> counts;
    if (!HavePython()) return counts;
    std::vector<std::string> argv = {"python3", "-c",
                                     "import json, sys\n"
                                     "for f in sys.argv[1:]:\n"
                                     "    print(len(json.load(open(f, encoding='utf-8'))))\n"};
    argv.insert(argv.end(), files_.begin(), files_.end());
    const Output r = RunProcess(argv, "", true);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const std::vector<std::string> lines = Lines(r.out);
    EXPECT_EQ(lines.size(), files_.size());
    for (std::size_t i = 0; i < lines.size() && i < files_.size(); ++i) {
      counts[files_[i]] = std::stoull(lines[i]);
    }
    return counts;
  }

  std::string dir_;
  std::string license_;
  std::vector<std::string> files_;
};

TEST_F(StratusTest, PerFileCountsMatchPythonAndTheNdjsonOutput) {
  const std::map<std::string, std::uint64_t> python = PythonCounts();
  if (python.empty()) std::fprintf(stderr, "note: python3 not found; counts not cross-checked\n");
  std::uint64_t total = 0;
  std::string concatenated;
  for (const std::string& file : files_) {
    SCOPED_TRACE(file);
    const Output count = Scan({file, "--filter-pattern", kAnyEvent, "--output", "count"});
    ASSERT_EQ(count.exit_code, 0) << Describe(count);
    ASSERT_FALSE(count.out.empty());
    const std::uint64_t n = std::stoull(count.out);
    EXPECT_EQ(count.out, std::to_string(n) + "\n");
    EXPECT_GT(n, 0u);
    if (!python.empty()) {
      EXPECT_EQ(n, python.at(file));
    }
    EXPECT_EQ(SummaryCount(count.err, "malformed"), 0u) << count.err;
    EXPECT_EQ(SummaryCount(count.err, "events"), n) << count.err;

    const Output ndjson = Scan({file, "--filter-pattern", kAnyEvent});
    ASSERT_EQ(ndjson.exit_code, 0) << Describe(ndjson);
    const std::vector<std::string> lines = Lines(ndjson.out);
    EXPECT_EQ(lines.size(), n);
    for (const std::string& line : lines) {
      // One compact record per line.
      ASSERT_TRUE(line.starts_with("{\"") && line.ends_with("}")) << line.substr(0, 80);
      ASSERT_TRUE(IsCompact(line)) << "not minified: " << line.substr(0, 80);
    }
    total += n;
    concatenated += ndjson.out;
  }
  if (!python.empty()) {
    std::uint64_t python_total = 0;
    for (const auto& [file, n] : python) python_total += n;
    EXPECT_EQ(total, python_total);
  }
  // The folder at once: the files in path order, the LICENSE reported but not fatal.
  const Output folder = Scan({dir_, "--filter-pattern", kAnyEvent});
  EXPECT_EQ(folder.exit_code, 0) << Describe(folder);
  EXPECT_EQ(folder.out, concatenated);
  EXPECT_EQ(SummaryCount(folder.err, "inputs"), files_.size() + 1);
  EXPECT_EQ(SummaryCount(folder.err, "events"), total);
  EXPECT_EQ(SummaryCount(folder.err, "matched"), total);
}

TEST_F(StratusTest, OutputIsTheSameForOneAndTwoThreadsAndAnyFileOrder) {
  const Output one = Scan({dir_, "--filter-pattern", kAnyEvent, "--threads", "1"});
  ASSERT_EQ(one.exit_code, 0) << Describe(one);
  ASSERT_FALSE(one.out.empty());
  for (int repeat = 0; repeat < 3; ++repeat) {
    const Output two = Scan({dir_, "--filter-pattern", kAnyEvent, "--threads", "2"});
    ASSERT_EQ(two.exit_code, 0) << Describe(two);
    EXPECT_EQ(two.out, one.out) << "repeat " << repeat;
  }
  const Output count_one =
      Scan({dir_, "--filter-pattern", kAnyEvent, "--threads", "1", "--output", "count"});
  const Output count_two =
      Scan({dir_, "--filter-pattern", kAnyEvent, "--threads", "2", "--output", "count"});
  EXPECT_EQ(count_one.out, std::to_string(Lines(one.out).size()) + "\n");
  EXPECT_EQ(count_two.out, count_one.out);

  // Files named in reverse order: the same records, in the order of the files given, and
  // still the same for one and two threads.
  std::vector<std::string> args = {"--filter-pattern", kAnyEvent, "--threads", "1"};
  args.insert(args.end(), files_.rbegin(), files_.rend());
  const Output reversed_one = Scan(args);
  args[3] = "2";
  const Output reversed_two = Scan(args);
  ASSERT_EQ(reversed_one.exit_code, 0) << Describe(reversed_one);
  EXPECT_EQ(Sorted(Lines(reversed_one.out)), Sorted(Lines(one.out)));
  EXPECT_EQ(reversed_two.out, reversed_one.out);
  EXPECT_NE(reversed_one.out, one.out);  // the order follows the arguments
  // The first file given comes first.
  const Output last_file = Scan({files_.back(), "--filter-pattern", kAnyEvent});
  EXPECT_TRUE(reversed_one.out.starts_with(last_file.out));
}

TEST_F(StratusTest, LicenseIsMalformedExitZeroUnlessStrict) {
  for (const bool strict : {false, true}) {
    std::vector<std::string> args = {dir_, "--filter-pattern", kAnyEvent, "--output", "count"};
    if (strict) args.push_back("--strict");
    const Output r = Scan(args);
    SCOPED_TRACE(strict ? "--strict" : "default");
    EXPECT_EQ(r.exit_code, strict ? 2 : 0) << Describe(r);
    EXPECT_NE(r.err.find("trailwatch: " + license_ + ": "), std::string::npos) << r.err;
    // Reported once.
    const std::string needle = license_ + ":";
    std::size_t mentions = 0;
    for (std::size_t at = r.err.find(needle); at != std::string::npos;
         at = r.err.find(needle, at + 1)) {
      ++mentions;
    }
    EXPECT_EQ(mentions, 1u) << r.err;
    EXPECT_EQ(SummaryCount(r.err, "malformed"), 1u) << r.err;
    EXPECT_GT(std::stoull(r.out), 0u);  // the records are still counted
  }
  // The LICENSE alone.
  const Output alone = Scan({license_, "--filter-pattern", kAnyEvent, "--output", "count"});
  EXPECT_EQ(alone.exit_code, 0) << Describe(alone);
  EXPECT_EQ(alone.out, "0\n");
}

TEST_F(StratusTest, OutputJsonIsAnArrayOfTheMatches) {
  const std::string pattern = R"({ $.eventSource = "iam.amazonaws.com" })";
  const Output count = Scan({dir_, "--filter-pattern", pattern, "--output", "count"});
  const Output ndjson = Scan({dir_, "--filter-pattern", pattern});
  const Output json = Scan({dir_, "--filter-pattern", pattern, "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  const std::uint64_t n = std::stoull(count.out);
  ASSERT_GT(n, 0u);
  EXPECT_TRUE(json.out.starts_with("[")) << json.out.substr(0, 40);
  EXPECT_TRUE(json.out.ends_with("]\n"));
  // The same records as the NDJSON output, in the same order.
  std::vector<std::string> elements;
  for (std::string line : Lines(json.out)) {
    if (line == "[" || line == "]") continue;
    if (line.ends_with(",")) line.pop_back();
    elements.push_back(line);
  }
  EXPECT_EQ(elements, Lines(ndjson.out));
  EXPECT_EQ(elements.size(), n);
  if (HavePython()) {
    TempDir tmp;
    ASSERT_TRUE(tmp.ok());
    const std::string file = tmp.Write("out.json", json.out);
    const Output py = RunProcess(
        {"python3", "-c", "import json, sys; d = json.load(sys.stdin); print(len(d))"}, file, true);
    EXPECT_EQ(py.exit_code, 0) << py.err;
    EXPECT_EQ(py.out, std::to_string(n) + "\n");
  }
  // No match: still a valid (empty) array.
  const Output none =
      Scan({dir_, "--filter-pattern", R"({ $.eventName = "NoSuchEvent" })", "--output", "json"});
  EXPECT_EQ(none.exit_code, 0);
  std::string compact = none.out;
  compact.erase(std::remove_if(compact.begin(), compact.end(), ::isspace), compact.end());
  EXPECT_EQ(compact, "[]");
}

TEST_F(StratusTest, OutputTableHasAHeaderAndOneRowPerMatch) {
  const std::string pattern = R"({ $.eventName = "GetSecretValue" })";
  const Output count = Scan({dir_, "--filter-pattern", pattern, "--output", "count"});
  const Output table = Scan({dir_, "--filter-pattern", pattern, "--output", "table"});
  ASSERT_EQ(table.exit_code, 0) << Describe(table);
  const std::vector<std::string> lines = Lines(table.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines[0].starts_with("eventTime")) << lines[0];
  for (const char* column : {"eventSource", "eventName", "principal", "sourceIP", "errorCode"}) {
    EXPECT_NE(lines[0].find(column), std::string::npos) << column;
  }
  EXPECT_EQ(lines.size(), std::stoull(count.out) + 1);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EXPECT_TRUE(lines[i].starts_with("2024-")) << lines[i];
    EXPECT_NE(lines[i].find("GetSecretValue"), std::string::npos) << lines[i];
    EXPECT_NE(lines[i].find("secretsmanager.amazonaws.com"), std::string::npos) << lines[i];
  }
}

TEST_F(StratusTest, StdinViaDashAndWithoutSource) {
  const std::string& file = files_.front();
  const Output direct = Scan({file, "--filter-pattern", kAnyEvent});
  ASSERT_EQ(direct.exit_code, 0) << Describe(direct);
  ASSERT_FALSE(direct.out.empty());
  TempDir tmp;
  ASSERT_TRUE(tmp.ok());
  const std::string gz = tmp.Write("in.json.gz", Gzip(ReadFile(file)));
  for (const std::string& input : {file, gz}) {
    const Output dash = Scan({"-", "--filter-pattern", kAnyEvent}, input);
    EXPECT_EQ(dash.exit_code, 0) << Describe(dash);
    EXPECT_EQ(dash.out, direct.out) << input;
    const Output none = Scan({"--filter-pattern", kAnyEvent}, input);
    EXPECT_EQ(none.exit_code, 0) << Describe(none);
    EXPECT_EQ(none.out, direct.out) << input;
  }
}

TEST_F(StratusTest, TimeFiltersSelectTheRightRecords) {
  const Output all = Scan({dir_, "--filter-pattern", kAnyEvent});
  ASSERT_EQ(all.exit_code, 0);
  const std::vector<std::string> records = Lines(all.out);
  for (const std::string& r : records) {
    ASSERT_EQ(EventTime(r).size(), 20u) << r.substr(0, 120);  // YYYY-MM-DDTHH:MM:SSZ
  }
  struct Window {
    std::string start, end;
  };
  for (const Window& w : {Window{"2024-08-01T00:00:00Z", "2024-08-02T00:00:00Z"},
                          Window{"2024-07-31T12:36:48Z", "2024-07-31T12:36:52Z"},
                          Window{"2024-08-02T08:00:00Z", ""}, Window{"", "2024-07-31T00:00:00Z"}}) {
    std::vector<std::string> want;
    for (const std::string& r : records) {
      const std::string t = EventTime(r);
      if ((w.start.empty() || t >= w.start) && (w.end.empty() || t < w.end)) want.push_back(r);
    }
    std::vector<std::string> args = {dir_, "--filter-pattern", kAnyEvent};
    if (!w.start.empty()) args.insert(args.end(), {"--start-time", w.start});
    if (!w.end.empty()) args.insert(args.end(), {"--end-time", w.end});
    const Output r = Scan(args);
    SCOPED_TRACE(w.start + " .. " + w.end);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    ASSERT_FALSE(want.empty());
    ASSERT_LT(want.size(), records.size());
    EXPECT_EQ(Lines(r.out), want);  // the same records, in the same order
    EXPECT_EQ(SummaryCount(r.err, "outside the time range"), records.size() - want.size());
  }
}

// One event at 2024-07-31T13:06:24Z (epoch 1722431184): the edges of the window.
TEST_F(StratusTest, TimeFilterEdges) {
  const std::string file = dir_ + "/aws.defense-evasion.cloudtrail-stop.json";
  if (!fs::exists(file)) GTEST_SKIP() << file << " is missing";
  struct Case {
    std::vector<std::string> flags;
    std::string count;
  };
  for (const Case& c : {
           Case{{}, "1\n"},
           Case{{"--start-time", "2024-07-31T13:06:24Z"}, "1\n"},  // start is inclusive
           Case{{"--end-time", "2024-07-31T13:06:24Z"}, "0\n"},    // end is exclusive
           Case{{"--start-time", "2024-07-31T13:06:24Z", "--end-time", "2024-07-31T13:06:25Z"},
                "1\n"},
           Case{{"--start-time", "2024-07-31T13:06:24.001Z"}, "0\n"},
           Case{{"--start-time", "2024-07-31T15:06:24+02:00"}, "1\n"},
           Case{{"--start-time", "2024-07-31T15:06:25+02:00"}, "0\n"},
           Case{{"--start-time", "2024-07-31"}, "1\n"},
           Case{{"--end-time", "2024-07-31"}, "0\n"},
           Case{{"--start-time", "1722431184"}, "1\n"},
           Case{{"--start-time", "1722431185"}, "0\n"},
           Case{{"--start-time", "-7d"}, "0\n"},  // the data is from 2024
           Case{{"--end-time", "now"}, "1\n"},
       }) {
    std::vector<std::string> args = {file, "--filter-pattern", kAnyEvent, "--output", "count"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    const Output r = Scan(args);
    std::string label;
    for (const std::string& f : c.flags) label += f + " ";
    EXPECT_EQ(r.exit_code, 0) << label << Describe(r);
    EXPECT_EQ(r.out, c.count) << label;
  }
}

// ---------------------------------------------------------------------------------------------
// Usage errors: exit 2 and one line on stderr, nothing on stdout.

void ExpectUsageError(const Output& r, std::string_view prefix, std::string_view mentions) {
  ASSERT_TRUE(r.spawn_error.empty()) << r.spawn_error;
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(r.err.starts_with(prefix)) << r.err;
  EXPECT_NE(r.err.find(mentions), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.err.ends_with("\n")) << r.err;
}

class ScanCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok());
    file_ = tmp_.Write("events.ndjson",
                       R"({"eventTime":"2024-07-31T12:36:52Z","eventName":"GetSecretValue"})"
                       "\n");
  }
  TempDir tmp_;
  std::string file_;
};

TEST_F(ScanCliTest, InvalidTimeArguments) {
  struct Case {
    std::string flag, value;
  };
  for (const Case& c : {Case{"--start-time", "yesterday"}, Case{"--start-time", "2023-02-29"},
                        Case{"--start-time", "-7x"}, Case{"--end-time", "2024-13-01"},
                        Case{"--end-time", "soon"}}) {
    const Output r = Scan({file_, "--filter-pattern", kAnyEvent, c.flag, c.value});
    SCOPED_TRACE(c.flag + " " + c.value);
    ExpectUsageError(r, "trailwatch: " + c.flag + ": ", "'" + c.value + "'");
  }
}

TEST_F(ScanCliTest, NonexistentSource) {
  const std::string missing = tmp_.path() + "/no-such-dir/cloudtrail.json.gz";
  const Output r = Scan({file_, missing, "--filter-pattern", kAnyEvent});
  ExpectUsageError(r, "trailwatch: ", missing);
}

TEST_F(ScanCliTest, InvalidPatternNamesLineAndColumn) {
  for (const std::string pattern :
       {"{ $.eventName = }", R"({ $.eventName = "x")", R"({ $.eventName = "x" && })",
        "{ eventName = 1 }", R"({ $.eventName = "x" }})"}) {
    const Output r = Scan({file_, "--filter-pattern", pattern});
    SCOPED_TRACE(pattern);
    ExpectUsageError(r, "trailwatch: filter pattern:1:", "");
    // "trailwatch: filter pattern:1:COL: message" with a column inside the pattern (+1 for
    // the end).
    const std::string rest = r.err.substr(std::string("trailwatch: filter pattern:1:").size());
    const std::size_t colon = rest.find(':');
    ASSERT_NE(colon, std::string::npos) << r.err;
    ASSERT_GT(colon, 0u) << r.err;
    const std::string column = rest.substr(0, colon);
    ASSERT_EQ(column.find_first_not_of("0123456789"), std::string::npos) << r.err;
    EXPECT_GE(std::stoul(column), 1u);
    EXPECT_LE(std::stoul(column), pattern.size() + 1);
    EXPECT_TRUE(rest.substr(colon).starts_with(": ")) << r.err;
  }
}

TEST_F(ScanCliTest, MissingFilterPattern) {
  const Output r = Scan({file_});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(r.err.starts_with("trailwatch: ")) << r.err;
}

// Bad input of every kind in one folder: each counted and reported, the scan goes on.
TEST_F(ScanCliTest, ConcatenatedCloudTrailFilesOnStdin) {
  // `zcat AWSLogs/.../*.json.gz | trailwatch scan -` and `cat *.json.gz | ...`: every file's
  // records, as from the files themselves.
  auto record = [](int i) {
    return fmt::format(R"({{"eventTime":"2024-07-31T12:{:02}:00Z","eventName":"E{}"}})", i % 60, i);
  };
  std::string plain, gzipped, one_per_line;
  for (int f = 0; f < 3; ++f) {
    std::string file = R"({"Records":[)";
    for (int i = 0; i < 50; ++i) file += (i ? "," : "") + record(f * 50 + i);
    file += "]}";
    tmp_.Write(fmt::format("trail/{}.json", f), file);
    plain += file;
    one_per_line += file + "\n";
    gzipped += Gzip(file);
  }
  const Output direct = Scan({tmp_.path() + "/trail", "--filter-pattern", kAnyEvent});
  ASSERT_EQ(direct.exit_code, 0) << Describe(direct);
  ASSERT_EQ(Lines(direct.out).size(), 150u);
  for (const std::string& input : {plain, one_per_line, gzipped}) {
    const Output dash = Scan({"-", "--filter-pattern", kAnyEvent}, tmp_.Write("stdin", input));
    EXPECT_EQ(dash.exit_code, 0) << Describe(dash);
    EXPECT_EQ(dash.out, direct.out);
    EXPECT_EQ(SummaryCount(dash.err, "malformed"), 0u) << dash.err;
  }
}

TEST_F(ScanCliTest, BadInputsAreReportedAndSkipped) {
  const std::string good = R"({"eventTime":"2024-07-31T12:36:53Z","eventName":"ListBuckets"})";
  std::string truncated = Gzip(std::string(R"({"Records":[)") + good + "," + good + "]}");
  truncated.resize(truncated.size() / 2);
  std::string garbage(256, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 151 + 7);
  const std::string not_object = tmp_.Write("not-object.json", R"({"Records":[1,)" + good + "]}");
  const std::string bad_json = tmp_.Write("bad.json", "[" + good + ", {\"a\": }]");
  const std::string no_time = tmp_.Write("no-time.json", R"({"eventName":"x"})"
                                                         "\n" +
                                                             good);
  const std::string bad_time =
      tmp_.Write("bad-time.json", R"({"eventName":"x","eventTime":"2023-02-29T00:00:00Z"})");
  const std::string binary = tmp_.Write("garbage.bin", garbage);
  const std::string trunc = tmp_.Write("truncated.json.gz", truncated);
  const Output r = Scan({tmp_.path(), "--filter-pattern", kAnyEvent});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  for (const std::string& f : {not_object, bad_json, no_time, bad_time, binary, trunc}) {
    EXPECT_NE(r.err.find("trailwatch: " + f + ": "), std::string::npos) << f << "\n" << r.err;
  }
  EXPECT_NE(r.err.find(not_object + ": record 0: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(no_time + ": record 0: no eventTime"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(bad_time + ": record 0: invalid eventTime"), std::string::npos) << r.err;
  // The good records still come out: events.ndjson, not-object.json, no-time.json.
  EXPECT_GE(Lines(r.out).size(), 3u) << r.out;
  const std::optional<std::uint64_t> malformed = SummaryCount(r.err, "malformed");
  ASSERT_TRUE(malformed.has_value()) << r.err;
  EXPECT_GE(*malformed, 6u);
  const Output strict = Scan({tmp_.path(), "--filter-pattern", kAnyEvent, "--strict"});
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_EQ(strict.out, r.out);
}

}  // namespace
