// End-to-end tests of `trailwatch test-pattern`: runs the real binary and compares its stdout
// byte for byte with what `aws logs test-metric-filter` prints (Python's
// json.dumps(indent=4, ensure_ascii=False)), with event numbers counted from 1.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/process.h"

namespace {

using trailwatch::testing::Output;

// Runs argv with stdin from /dev/null.
Output RunProcess(const std::vector<std::string>& argv, bool search_path = false) {
  return trailwatch::testing::RunProcess(argv, "", search_path);
}

std::vector<std::string> TestPattern(std::string_view pattern,
                                     const std::vector<std::string>& messages) {
  std::vector<std::string> argv = {TRAILWATCH_BINARY, "test-pattern", "--filter-pattern",
                                   std::string(pattern), "--log-event-messages"};
  argv.insert(argv.end(), messages.begin(), messages.end());
  return argv;
}

// A fresh temporary directory, removed with its files at the end of the test.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/trailwatch-cli-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    for (const std::string& f : files_) std::remove(f.c_str());
    if (!path_.empty()) rmdir(path_.c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  std::string Write(const std::string& name, std::string_view contents) {
    std::string file = path_ + "/" + name;
    std::ofstream out(file, std::ios::binary);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    files_.push_back(file);
    return file;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

void ExpectSuccess(const Output& r, std::string_view golden) {
  ASSERT_TRUE(r.spawn_error.empty()) << r.spawn_error;
  EXPECT_EQ(r.exit_code, 0) << "stderr: " << r.err;
  EXPECT_EQ(r.out, golden);
  EXPECT_EQ(r.err.rfind("trailwatch: test-pattern: ", 0), 0u) << r.err;
}

// The AWS API reference's TestMetricFilter examples (2014).
const std::vector<std::string> kLog2014 = {
    "02 May 2014 00:34:12,525 [INFO] Starting the application",
    "02 May 2014 00:35:14,245 [DEBUG] Database connection established",
    "02 May 2014 00:34:14,663 [INFO] Executing SQL Query",
    "02 May 2014 00:34:16,142 [ERROR] Unhanded exception: InvalidQueryException",
    "02 May 2014 00:34:16,224 [ERROR] Terminating the application",
};

const std::vector<std::string> kApache2014 = {
    R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355)",
};

const std::vector<std::string> kHtml2014 = {
    R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /about-us/index.html HTTP/1.0" 200 5324)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 404 4355)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /products/index.html HTTP/1.0" 400 1534)",
};

constexpr std::string_view kErrorGolden = R"golden({
    "matches": [
        {
            "eventNumber": 4,
            "eventMessage": "02 May 2014 00:34:16,142 [ERROR] Unhanded exception: InvalidQueryException",
            "extractedValues": {}
        },
        {
            "eventNumber": 5,
            "eventMessage": "02 May 2014 00:34:16,224 [ERROR] Terminating the application",
            "extractedValues": {}
        }
    ]
}
)golden";

TEST(TestPatternCli, TermExamples2014) {
  ExpectSuccess(RunProcess(TestPattern(R"("[ERROR]")", kLog2014)), kErrorGolden);
  ExpectSuccess(RunProcess(TestPattern(R"("[ERROR]" Exception)", kLog2014)), R"golden({
    "matches": [
        {
            "eventNumber": 4,
            "eventMessage": "02 May 2014 00:34:16,142 [ERROR] Unhanded exception: InvalidQueryException",
            "extractedValues": {}
        }
    ]
}
)golden");
}

constexpr std::string_view kStatus200Golden = R"golden({
    "matches": [
        {
            "eventNumber": 1,
            "eventMessage": "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 1534",
            "extractedValues": {
                "$1": "127.0.0.1",
                "$2": "-",
                "$3": "frank",
                "$4": "10/Oct/2000:13:25:15 -0700",
                "$5": "GET /apache_pb.gif HTTP/1.0",
                "$status_code": "200",
                "$size": "1534"
            }
        },
        {
            "eventNumber": 3,
            "eventMessage": "127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 4355",
            "extractedValues": {
                "$1": "127.0.0.1",
                "$2": "-",
                "$3": "frank",
                "$4": "10/Oct/2000:13:50:35 -0700",
                "$5": "GET /apache_pb.gif HTTP/1.0",
                "$status_code": "200",
                "$size": "4355"
            }
        }
    ]
}
)golden";

TEST(TestPatternCli, SpaceDelimitedExamples2014) {
  ExpectSuccess(RunProcess(TestPattern("[..., status_code=200, size]", kApache2014)),
                kStatus200Golden);

  ExpectSuccess(
      RunProcess(TestPattern("[ip, identity, user_id, timestamp, request, status_code, size]",
                             {kApache2014[0]})),
      R"golden({
    "matches": [
        {
            "eventNumber": 1,
            "eventMessage": "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 1534",
            "extractedValues": {
                "$ip": "127.0.0.1",
                "$identity": "-",
                "$user_id": "frank",
                "$timestamp": "10/Oct/2000:13:25:15 -0700",
                "$request": "GET /apache_pb.gif HTTP/1.0",
                "$status_code": "200",
                "$size": "1534"
            }
        }
    ]
}
)golden");

  ExpectSuccess(RunProcess(TestPattern("[]", {kApache2014[1]})), R"golden({
    "matches": [
        {
            "eventNumber": 1,
            "eventMessage": "127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] \"GET /apache_pb.gif HTTP/1.0\" 500 5324",
            "extractedValues": {
                "$1": "127.0.0.1",
                "$2": "-",
                "$3": "frank",
                "$4": "10/Oct/2000:13:35:22 -0700",
                "$5": "GET /apache_pb.gif HTTP/1.0",
                "$6": "500",
                "$7": "5324"
            }
        }
    ]
}
)golden");

  ExpectSuccess(RunProcess(TestPattern("[..., request=*.html*, status_code=4*,]", kHtml2014)),
                R"golden({
    "matches": [
        {
            "eventNumber": 1,
            "eventMessage": "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534",
            "extractedValues": {
                "$1": "127.0.0.1",
                "$2": "-",
                "$3": "frank",
                "$4": "10/Oct/2000:13:25:15 -0700",
                "$request": "GET /index.html HTTP/1.0",
                "$status_code": "404",
                "$7": "1534"
            }
        },
        {
            "eventNumber": 4,
            "eventMessage": "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /products/index.html HTTP/1.0\" 400 1534",
            "extractedValues": {
                "$1": "127.0.0.1",
                "$2": "-",
                "$3": "frank",
                "$4": "10/Oct/2000:13:25:15 -0700",
                "$request": "GET /products/index.html HTTP/1.0",
                "$status_code": "400",
                "$7": "1534"
            }
        }
    ]
}
)golden");
}

TEST(TestPatternCli, NoMatch) {
  const Output r = RunProcess(TestPattern("NOSUCHTERM", kLog2014));
  ExpectSuccess(r, "{\n    \"matches\": []\n}\n");
  EXPECT_EQ(r.err.rfind("trailwatch: test-pattern: 5 events, ", 0), 0u) << r.err;
}

TEST(TestPatternCli, FileModeStripsCarriageReturns) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string file = dir.Write(
      "events.log",
      "02 May 2014 00:34:12,525 [INFO] Starting the application\r\n"
      "02 May 2014 00:34:16,142 [ERROR] Unhanded exception: InvalidQueryException\r\n"
      "02 May 2014 00:34:14,663 [INFO] Executing SQL Query\n"
      "02 May 2014 00:34:16,224 [ERROR] Terminating the application");  // no final newline
  const Output r = RunProcess(
      {TRAILWATCH_BINARY, "test-pattern", "--filter-pattern", R"("[ERROR]")", "--file", file});
  ExpectSuccess(r, R"golden({
    "matches": [
        {
            "eventNumber": 2,
            "eventMessage": "02 May 2014 00:34:16,142 [ERROR] Unhanded exception: InvalidQueryException",
            "extractedValues": {}
        },
        {
            "eventNumber": 4,
            "eventMessage": "02 May 2014 00:34:16,224 [ERROR] Terminating the application",
            "extractedValues": {}
        }
    ]
}
)golden");
  EXPECT_EQ(r.err.rfind("trailwatch: test-pattern: 4 events, ", 0), 0u) << r.err;

  // A file with the 2014 delimited examples gives the same output as the messages do.
  std::string contents;
  for (const std::string& m : kApache2014) contents += m + "\r\n";
  const std::string apache = dir.Write("apache.log", contents);
  ExpectSuccess(RunProcess({TRAILWATCH_BINARY, "test-pattern", "--filter-pattern",
                            "[..., status_code=200, size]", "--file", apache}),
                kStatus200Golden);
}

// Messages with characters JSON must escape, written the way json.dumps(ensure_ascii=False)
// writes them.
const std::vector<std::string> kTricky = {
    R"(say "hi")",
    R"(back\slash)",
    "line1\nline2",
    "tab\there",
    "carriage\rreturn",
    "ctrl\x01"
    "char\x1f",
    "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80",
    "slash / and \x7f del",
};

constexpr std::string_view kTrickyGolden =
    "{\n"
    "    \"matches\": [\n"
    "        {\n"
    "            \"eventNumber\": 1,\n"
    "            \"eventMessage\": \"say \\\"hi\\\"\",\n"
    "            \"extractedValues\": {}\n"
    "        },\n"
    "        {\n"
    "            \"eventNumber\": 2,\n"
    "            \"eventMessage\": \"back\\\\slash\",\n"
    "            \"extractedValues\": {}\n"
    "        },\n"
    "        {\n"
    "            \"eventNumber\": 3,\n"
    "            \"eventMessage\": \"line1\\nline2\",\n"
    "            \"extractedValues\": {}\n"
    "        },\n"
    "        {\n"
    "            \"eventNumber\": 4,\n"
    "            \"eventMessage\": \"tab\\there\",\n"
    "            \"extractedValues\": {}\n"
    "        },\n"
    "        {\n"
    "            \"eventNumber\": 5,\n"
    "            \"eventMessage\": \"carriage\\rreturn\",\n"
    "            \"extractedValues\": {}\n"
    "        },\n"
    "        {\n"
    "            \"eventNumber\": 6,\n"
    "            \"eventMessage\": \"ctrl\\u0001char\\u001f\",\n"
    "            \"extractedValues\": {}\n"
    "        },\n"
    "        {\n"
    "            \"eventNumber\": 7,\n"
    "            \"eventMessage\": \"h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80\",\n"
    "            \"extractedValues\": {}\n"
    "        },\n"
    "        {\n"
    "            \"eventNumber\": 8,\n"
    "            \"eventMessage\": \"slash / and \x7f del\",\n"
    "            \"extractedValues\": {}\n"
    "        }\n"
    "    ]\n"
    "}\n";

TEST(TestPatternCli, EscapesLikePythonJsonDumps) {
  ExpectSuccess(RunProcess(TestPattern(R"(" ")", kTricky)), kTrickyGolden);
}

TEST(TestPatternCli, InvalidPatternExitsTwo) {
  for (std::string_view pattern :
       {std::string_view("{ $.a EXISTS }"), std::string_view("{ $.a = 1"),
        std::string_view("%something!%"), std::string_view("[..., a = 4* && b > 1000]")}) {
    SCOPED_TRACE(testing::Message() << "pattern: " << pattern);
    const Output r = RunProcess(TestPattern(pattern, {"x"}));
    ASSERT_TRUE(r.spawn_error.empty()) << r.spawn_error;
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("trailwatch: filter pattern:1:", 0), 0u) << r.err;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.back(), '\n') << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "want exactly one line: " << r.err;
  }
  const Output r = RunProcess(TestPattern("{ $.a EXISTS }", {"x"}));
  EXPECT_EQ(r.err.rfind("trailwatch: filter pattern:1:7: 'EXISTS' is not supported", 0), 0u)
      << r.err;
  const Output brace = RunProcess(TestPattern("{ $.a = 1", {"x"}));
  EXPECT_NE(brace.err.find("If a filter pattern starts with '{' it must end with '}'"),
            std::string::npos)
      << brace.err;
}

TEST(TestPatternCli, MissingMessagesExitsTwo) {
  const Output r = RunProcess({TRAILWATCH_BINARY, "test-pattern", "--filter-pattern", "ERROR"});
  ASSERT_TRUE(r.spawn_error.empty()) << r.spawn_error;
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(r.err.empty());
}

TEST(TestPatternCli, UnreadableFileExitsTwo) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string missing = dir.path() + "/no-such-file.log";
  const Output r = RunProcess(
      {TRAILWATCH_BINARY, "test-pattern", "--filter-pattern", "ERROR", "--file", missing});
  ASSERT_TRUE(r.spawn_error.empty()) << r.spawn_error;
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
}

// Optional: regenerate goldens with Python's json.dumps(indent=4, ensure_ascii=False), the
// AWS CLI's own printer. Messages and extracted values travel as hex so nothing needs quoting.
constexpr std::string_view kPythonPrinter = R"py(
import json, sys
matches = []
for arg in sys.argv[1:]:
    kind, rest = arg[0], arg[1:]
    if kind == "E":
        matches.append({"eventNumber": int(rest), "eventMessage": "", "extractedValues": {}})
    elif kind == "M":
        matches[-1]["eventMessage"] = bytes.fromhex(rest).decode("utf-8")
    elif kind == "K":
        key = bytes.fromhex(rest).decode("utf-8")
    elif kind == "V":
        matches[-1]["extractedValues"][key] = bytes.fromhex(rest).decode("utf-8")
text = json.dumps({"matches": matches}, indent=4, ensure_ascii=False) + "\n"
sys.stdout.buffer.write(text.encode("utf-8"))
)py";

std::string Hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += kDigits[u >> 4];
    out += kDigits[u & 0xF];
  }
  return out;
}

struct PyMatch {
  int event_number;
  std::string message;
  std::vector<std::pair<std::string, std::string>> extracted;
};

Output PythonGolden(const std::vector<PyMatch>& matches) {
  std::vector<std::string> argv = {"python3", "-c", std::string(kPythonPrinter)};
  for (const PyMatch& m : matches) {
    argv.push_back("E" + std::to_string(m.event_number));
    argv.push_back("M" + Hex(m.message));
    for (const auto& [k, v] : m.extracted) {
      argv.push_back("K" + Hex(k));
      argv.push_back("V" + Hex(v));
    }
  }
  return RunProcess(argv, /*search_path=*/true);
}

TEST(TestPatternCli, GoldensAgreeWithPython) {
  if (!RunProcess({"python3", "-c", "pass"}, true).spawn_error.empty()) {
    GTEST_SKIP() << "python3 is not available";
  }
  {
    std::vector<PyMatch> matches;
    for (std::size_t i = 0; i < kTricky.size(); ++i) {
      matches.push_back({static_cast<int>(i + 1), kTricky[i], {}});
    }
    const Output py = PythonGolden(matches);
    ASSERT_EQ(py.exit_code, 0) << py.err;
    EXPECT_EQ(py.out, kTrickyGolden);
    ExpectSuccess(RunProcess(TestPattern(R"(" ")", kTricky)), py.out);
  }
  {
    const Output py = PythonGolden({{4, kLog2014[3], {}}, {5, kLog2014[4], {}}});
    ASSERT_EQ(py.exit_code, 0) << py.err;
    EXPECT_EQ(py.out, kErrorGolden);
  }
  {
    const Output py = PythonGolden({{1,
                                     kApache2014[0],
                                     {{"$1", "127.0.0.1"},
                                      {"$2", "-"},
                                      {"$3", "frank"},
                                      {"$4", "10/Oct/2000:13:25:15 -0700"},
                                      {"$5", "GET /apache_pb.gif HTTP/1.0"},
                                      {"$status_code", "200"},
                                      {"$size", "1534"}}},
                                    {3,
                                     kApache2014[2],
                                     {{"$1", "127.0.0.1"},
                                      {"$2", "-"},
                                      {"$3", "frank"},
                                      {"$4", "10/Oct/2000:13:50:35 -0700"},
                                      {"$5", "GET /apache_pb.gif HTTP/1.0"},
                                      {"$status_code", "200"},
                                      {"$size", "4355"}}}});
    ASSERT_EQ(py.exit_code, 0) << py.err;
    EXPECT_EQ(py.out, kStatus200Golden);
  }
}

}  // namespace
