// Tests of event::Reader: format detection, record splitting and the handling of bad input.
// Inputs are built in memory; gzip is written with zlib (deflateInit2 with 16 + MAX_WBITS).
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "event/event.h"
#include "testing/files.h"

namespace trailwatch::event {
namespace {
using test_support::Gzip;

// ---------------------------------------------------------------------------------------------
// Helpers.

// gzip of `data` as one member.

// Two gzip members, split in the middle of the text.
std::string GzipTwoMembers(std::string_view data) {
  const std::size_t half = data.size() / 2;
  return Gzip(data.substr(0, half)) + Gzip(data.substr(half));
}

// What zlib alone recovers from a damaged gzip stream: an independent reference.
std::string ZlibSalvage(std::string_view gz) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buf[1 << 14];
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc != Z_OK) break;
  }
  inflateEnd(&zs);
  return out;
}

// Indents compact JSON the way pretty printers do (strings are left alone).
std::string Pretty(std::string_view compact, std::size_t indent = 2,
                   std::string_view newline = "\n") {
  std::string out;
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  auto line = [&] {
    out += newline;
    out.append(depth * indent, ' ');
  };
  for (const char c : compact) {
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out += c;
        break;
      case '{':
      case '[':
        out += c;
        ++depth;
        line();
        break;
      case '}':
      case ']':
        --depth;
        line();
        out += c;
        break;
      case ',':
        out += c;
        line();
        break;
      case ':':
        out += ": ";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A JSON string literal holding `s`.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Records in compact form, as the reader must deliver them. Strings hold spaces, escapes,
// braces and brackets that a careless splitter or minifier would trip over.
const std::string kR1 =
    R"({"eventVersion":"1.10","eventTime":"2024-07-31T12:36:52Z",)"
    R"("eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue",)"
    R"("requestParameters":{"secretId":"a b  c"},"n":[1,2.5,-3e2],"ok":true,"none":null})";
const std::string kR2 =
    R"({"eventTime":"2024-07-31T12:36:53Z","eventName":"ConsoleLogin",)"
    R"("text":"quote \" brace } bracket ] comma , colon : \\","uni":"\u00e9\u4e2d é"})";
const std::string kR3 =
    R"({"eventTime":"2024-07-31T12:36:54Z","eventName":"ListBuckets","empty":{},"arr":[],)"
    R"("nested":{"a":[{"b":[1,{"c":"{\"d\":1}"}]}]}})";

struct Rec {
  std::string json;
  std::uint64_t index = 0;
  std::int64_t timestamp_ms = -1;
};
struct Bad {
  std::uint64_t index = 0;
  std::string reason;
};

class Collector final : public RecordHandler {
 public:
  // kText: records as text. kParsed*: records parsed with their file where the reader can;
  // their text is asked for (twice) for all of them, or only for those with an odd index.
  enum class Mode { kText, kParsedAll, kParsedOdd };
  explicit Collector(Mode mode = Mode::kText) : mode_(mode) {}

  void OnRecord(std::string_view json, const RecordInfo& info) override {
    records.push_back({std::string(json), info.index, info.timestamp_ms});
  }
  bool WantsParsedRecords() const override { return mode_ != Mode::kText; }
  void OnParsedRecord(const ParsedRecord& record, const RecordInfo& info) override {
    ++parsed;
    std::string json;
    if (mode_ == Mode::kParsedAll || info.index % 2 == 1) {
      json = std::string(record.json());
      EXPECT_EQ(record.json(), json) << "asked again";
    }
    records.push_back({json, info.index, info.timestamp_ms});
  }
  void OnMalformed(std::uint64_t index, std::string_view reason) override {
    malformed.push_back({index, std::string(reason)});
  }
  std::vector<Rec> records;
  std::vector<Bad> malformed;
  int parsed = 0;  // records that came through OnParsedRecord

 private:
  Mode mode_;
};

struct Outcome {
  ReadResult result;
  std::vector<Rec> records;
  std::vector<Bad> malformed;

  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const Rec& r : records) out.push_back(r.json);
    return out;
  }
  std::string Describe() const {
    std::string s = "format=" + std::string(InputFormatName(result.format)) +
                    " records=" + std::to_string(records.size()) +
                    " status=" + result.status.ToString() + "\n";
    for (const Bad& b : malformed) {
      s += "  malformed " + (b.index == kWholeInput ? "whole" : std::to_string(b.index)) + ": " +
           b.reason + "\n";
    }
    return s;
  }
};

Outcome ReadWith(std::string_view bytes, ReadOptions options, Collector* c) {
  Reader reader(options);
  Outcome o;
  o.result = reader.Read(bytes, c);
  o.records = std::move(c->records);
  o.malformed = std::move(c->malformed);
  return o;
}

// Reads `bytes` as a scan does not (records as text) and as it does (records parsed with their
// file, their text asked for all of them, or for every other one only): all must agree.
Outcome Read(std::string_view bytes, ReadOptions options = {}) {
  Collector text;
  const Outcome o = ReadWith(bytes, options, &text);
  if (bytes.size() > (1u << 20)) return o;  // the large-record tests: once is enough
  for (const auto mode : {Collector::Mode::kParsedAll, Collector::Mode::kParsedOdd}) {
    Collector parsed(mode);
    const Outcome p = ReadWith(bytes, options, &parsed);
    EXPECT_EQ(p.Describe(), o.Describe());
    EXPECT_EQ(p.result.records, o.result.records);
    EXPECT_EQ(p.result.malformed, o.result.malformed);
    EXPECT_EQ(p.result.decoded_bytes, o.result.decoded_bytes);
    EXPECT_EQ(p.result.status.ToString(), o.result.status.ToString());
    EXPECT_EQ(p.result.format, o.result.format);
    EXPECT_EQ(p.records.size(), o.records.size());
    for (std::size_t i = 0; i < std::min(o.records.size(), p.records.size()); ++i) {
      EXPECT_EQ(p.records[i].index, o.records[i].index);
      EXPECT_EQ(p.records[i].timestamp_ms, o.records[i].timestamp_ms);
      if (mode == Collector::Mode::kParsedAll || p.records[i].index % 2 == 1) {
        EXPECT_EQ(p.records[i].json, o.records[i].json) << "record " << i;
      }
    }
  }
  return o;
}

// Test names from the `name` member of a case.
struct ByName {
  template <typename Case>
  std::string operator()(const ::testing::TestParamInfo<Case>& param_info) const {
    return param_info.param.name;
  }
};

// The invariants of every read: the counts in ReadResult agree with the handler calls,
// and indexes of records and per-record problems increase strictly.
void CheckConsistent(const Outcome& o) {
  EXPECT_EQ(o.result.records, o.records.size());
  EXPECT_EQ(o.result.malformed, o.malformed.size());
  std::vector<std::uint64_t> seen;
  for (const Rec& r : o.records) seen.push_back(r.index);
  for (const Bad& b : o.malformed) {
    if (b.index != kWholeInput) seen.push_back(b.index);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << "an index twice";
  for (std::size_t i = 1; i < o.records.size(); ++i) {
    EXPECT_LT(o.records[i - 1].index, o.records[i].index) << "records out of order";
  }
}

// ---------------------------------------------------------------------------------------------
// Every format, plain, gzip'ed and as two gzip members.

struct FormatCase {
  std::string name;
  std::string input;
  InputFormat format;
  std::vector<std::string> records;        // compact, in order
  std::vector<std::int64_t> timestamps{};  // empty: all -1
};
void PrintTo(const FormatCase& c, std::ostream* os) { *os << c.name; }

const std::string kCloudTrail = R"({"Records":[)" + kR1 + "," + kR2 + "," + kR3 + "]}";
const std::string kArray = "[" + kR1 + "," + kR2 + "," + kR3 + "]";

std::string LogEvent(std::int64_t ts, const std::string& message, std::string_view extra) {
  return R"({"logStreamName":"111122223333_CloudTrail_us-east-1","timestamp":)" +
         std::to_string(ts) + R"(,"message":)" + Quote(message) + std::string(extra) + "}";
}

const std::string kFilterLogEvents = Pretty(
    R"({"events":[)" +
        Join({LogEvent(1722429412000, kR1, R"(,"ingestionTime":1722429413000,"eventId":"1")"),
              LogEvent(1722429413000, kR2, R"(,"ingestionTime":1722429414000,"eventId":"2")"),
              LogEvent(1722429414000, kR3, R"(,"ingestionTime":1722429415000,"eventId":"3")")},
             ",") +
        R"(],"searchedLogStreams":[{"logStreamName":"111122223333_CloudTrail_us-east-1",)"
        R"("searchedCompletely":true}]})",
    4);

const std::string kGetLogEvents = Pretty(
    R"({"events":[{"timestamp":1722429412000,"message":)" + Quote(kR1) +
        R"(,"ingestionTime":1722429413000},{"timestamp":1722429413000,"message":)" + Quote(kR2) +
        R"(,"ingestionTime":1722429414000}],"nextForwardToken":"f/3838",)"
        R"("nextBackwardToken":"b/3837"})",
    4);

const std::string kDataMessage =
    R"({"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"CloudTrail/logs",)"
    R"("logStream":"111122223333_CloudTrail_us-east-1","subscriptionFilters":["all"],)"
    R"("logEvents":[{"id":"3800","timestamp":1722429412000,"message":)" +
    Quote(kR1) + R"(},{"id":"3801","timestamp":1722429414500,"message":)" + Quote(kR3) + "}]}";

const std::string kEventBridge =
    R"({"version":"0","id":"6f5e1c2a-1111-2222-3333-444455556666",)"
    R"("detail-type":"AWS API Call via CloudTrail","source":"aws.secretsmanager",)"
    R"("account":"111122223333","time":"2024-07-31T12:36:52Z","region":"us-east-1",)"
    R"("resources":[],"detail":)" +
    kR1 + "}";

const std::string kDigest =
    R"({"awsAccountId":"111122223333","digestStartTime":"2024-07-31T11:00:00Z",)"
    R"("digestEndTime":"2024-07-31T12:00:00Z","digestS3Bucket":"trail-bucket",)"
    R"("digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/07/31/x.json.gz",)"
    R"("digestPublicKeyFingerprint":"0123456789abcdef0123456789abcdef",)"
    R"("digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"2024-07-31T11:55:00Z",)"
    R"("oldestEventTime":"2024-07-31T11:01:00Z","previousDigestS3Bucket":null,)"
    R"("previousDigestS3Object":null,"previousDigestHashValue":null,)"
    R"("previousDigestHashAlgorithm":null,"previousDigestSignature":null,)"
    R"("logFiles":[{"s3Bucket":"trail-bucket","s3Object":"AWSLogs/x.json.gz",)"
    R"("hashValue":"00ff","hashAlgorithm":"SHA-256","newestEventTime":"2024-07-31T11:55:00Z",)"
    R"("oldestEventTime":"2024-07-31T11:01:00Z"}]})";

const std::string kBom = "\xEF\xBB\xBF";

std::vector<FormatCase> FormatCases() {
  const std::vector<std::string> all = {kR1, kR2, kR3};
  const std::vector<std::int64_t> cw = {1722429412000, 1722429413000, 1722429414000};
  return {
      {"CloudTrailCompact", kCloudTrail, InputFormat::kCloudTrail, all},
      {"CloudTrailCompactNewline", kCloudTrail + "\n", InputFormat::kCloudTrail, all},
      {"CloudTrailPretty", Pretty(kCloudTrail), InputFormat::kCloudTrail, all},
      {"CloudTrailPrettyCrlfTabs", Pretty(kCloudTrail, 1, "\r\n\t"), InputFormat::kCloudTrail, all},
      {"CloudTrailOtherKeyFirst",
       R"({"Other":{"Records":[1]},"Records":[)" + kR2 + "]}",
       InputFormat::kCloudTrail,
       {kR2}},
      {"CloudTrailEmpty", R"({"Records":[]})", InputFormat::kCloudTrail, {}},
      // `zcat *.json.gz > all.json`: CloudTrail files one after another, records numbered on.
      {"CloudTrailFilesBackToBack",
       R"({"Records":[)" + kR1 + R"(]}{"Records":[)" + kR2 + "," + kR3 + "]}",
       InputFormat::kCloudTrail, all},
      {"CloudTrailFilesPretty",
       Pretty(R"({"Records":[)" + kR1 + "]}") + "\n" + Pretty(R"({"Records":[]})") + "\n" +
           Pretty(R"({"Records":[)" + kR2 + "," + kR3 + "]}"),
       InputFormat::kCloudTrail, all},
      {"CloudTrailFilesOnePerLine",
       R"({"Records":[)" + kR1 + "," + kR2 + "]}\n" + R"({"Records":[)" + kR3 + "]}\n",
       InputFormat::kNdjson, all},
      {"NdjsonWithACloudTrailFileLine", kR1 + "\n" + R"({"Records":[)" + kR2 + "]}\n" + kR3 + "\n",
       InputFormat::kNdjson, all},
      {"ArrayCompact", kArray, InputFormat::kJsonArray, all},
      {"ArrayPretty", Pretty(kArray, 3), InputFormat::kJsonArray, all},
      {"ArrayEmpty", " [ ] ", InputFormat::kJsonArray, {}},
      {"Ndjson", kR1 + "\n" + kR2 + "\n" + kR3 + "\n", InputFormat::kNdjson, all},
      {"NdjsonNoFinalNewline", kR1 + "\n" + kR2, InputFormat::kNdjson, {kR1, kR2}},
      {"NdjsonBlankLinesCrlf", "\r\n" + kR1 + "\r\n\r\n  \t\n" + kR2 + "\r\n" + kR3 + "\r\n\r\n",
       InputFormat::kNdjson, all},
      {"NdjsonSpacedRecords",
       "  " + Pretty(kR1, 0, " ") + "  \n" + kR2 + "\n",
       InputFormat::kNdjson,
       {kR1, kR2}},
      {"ObjectCompact", kR1, InputFormat::kObject, {kR1}},
      {"ObjectNewline", kR2 + "\n", InputFormat::kObject, {kR2}},
      {"ObjectPretty", Pretty(kR3), InputFormat::kObject, {kR3}},
      {"ConcatenatedPretty",  // what `jq '.Records[]'` prints
       Pretty(kR1) + "\n" + Pretty(kR2) + "\n" + Pretty(kR3) + "\n", InputFormat::kNdjson, all},
      {"ConcatenatedNoSeparator", kR1 + kR2, InputFormat::kNdjson, {kR1, kR2}},
      {"FilterLogEvents", kFilterLogEvents, InputFormat::kCloudWatchLogs, all, cw},
      {"GetLogEvents",
       kGetLogEvents,
       InputFormat::kCloudWatchLogs,
       {kR1, kR2},
       {1722429412000, 1722429413000}},
      {"SubscriptionDataMessage",
       kDataMessage,
       InputFormat::kCloudWatchLogs,
       {kR1, kR3},
       {1722429412000, 1722429414500}},
      {"EventBridge", kEventBridge, InputFormat::kEventBridge, {kR1}},
      {"EventBridgePretty", Pretty(kEventBridge), InputFormat::kEventBridge, {kR1}},
      {"Digest", kDigest, InputFormat::kDigest, {}},
      {"DigestPretty", Pretty(kDigest), InputFormat::kDigest, {}},
      {"DigestStarting",
       R"({"awsAccountId":"1","digestPublicKeyFingerprint":"ab","logFiles":[]})",
       InputFormat::kDigest,
       {}},
      {"BomCloudTrail", kBom + kCloudTrail, InputFormat::kCloudTrail, all},
      {"BomArray", kBom + Pretty(kArray), InputFormat::kJsonArray, all},
      {"BomNdjson", kBom + kR1 + "\n" + kR2 + "\n", InputFormat::kNdjson, {kR1, kR2}},
      {"BomObject", kBom + kR3, InputFormat::kObject, {kR3}},
      {"Empty", "", InputFormat::kEmpty, {}},
      {"WhitespaceOnly", " \r\n\t\n  ", InputFormat::kEmpty, {}},
      {"BomOnly", kBom + "\n", InputFormat::kEmpty, {}},
  };
}

enum class Encoding { kPlain, kGzip, kGzipTwoMembers };

std::string FormatCaseName(
    const ::testing::TestParamInfo<std::tuple<FormatCase, Encoding>>& param_info) {
  static constexpr std::string_view kEncodings[] = {"Plain", "Gzip", "GzipTwoMembers"};
  return std::get<0>(param_info.param).name + "_" +
         std::string(kEncodings[static_cast<std::size_t>(std::get<1>(param_info.param))]);
}

class FormatTest : public ::testing::TestWithParam<std::tuple<FormatCase, Encoding>> {};

TEST_P(FormatTest, DetectsFormatAndDeliversCompactRecordsInOrder) {
  const auto& [c, encoding] = GetParam();
  std::string bytes = c.input;
  if (encoding == Encoding::kGzip) bytes = Gzip(c.input);
  if (encoding == Encoding::kGzipTwoMembers) bytes = GzipTwoMembers(c.input);
  const Outcome o = Read(bytes);
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  EXPECT_EQ(o.result.format, c.format) << InputFormatName(o.result.format);
  EXPECT_TRUE(o.result.status.ok()) << o.result.status.ToString();
  EXPECT_TRUE(o.malformed.empty());
  EXPECT_EQ(o.texts(), c.records);
  EXPECT_EQ(o.result.decoded_bytes, c.input.size());
  for (std::size_t i = 0; i < o.records.size(); ++i) {
    EXPECT_EQ(o.records[i].index, i);
    const std::int64_t want = c.timestamps.empty() ? -1 : c.timestamps[i];
    EXPECT_EQ(o.records[i].timestamp_ms, want) << "record " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(All, FormatTest,
                         ::testing::Combine(::testing::ValuesIn(FormatCases()),
                                            ::testing::Values(Encoding::kPlain, Encoding::kGzip,
                                                              Encoding::kGzipTwoMembers)),
                         FormatCaseName);

TEST(ReaderTest, FormatNamesAreDistinct) {
  std::vector<std::string> names;
  for (const InputFormat f :
       {InputFormat::kEmpty, InputFormat::kCloudTrail, InputFormat::kJsonArray,
        InputFormat::kNdjson, InputFormat::kObject, InputFormat::kCloudWatchLogs,
        InputFormat::kEventBridge, InputFormat::kDigest, InputFormat::kUnknown}) {
    names.emplace_back(InputFormatName(f));
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
}

// CloudWatch Logs messages are handed on exactly as stored, not re-minified.
TEST(ReaderTest, CloudWatchMessagesAreKeptExactly) {
  const std::string pretty = Pretty(kR1);
  const Outcome o = Read(R"({"events":[{"timestamp":5,"message":)" + Quote(pretty) + "}]}");
  ASSERT_EQ(o.records.size(), 1u) << o.Describe();
  EXPECT_EQ(o.records[0].json, pretty);
  EXPECT_EQ(o.records[0].timestamp_ms, 5);
}

// Many records: indexes run 0..n-1 and nothing is lost at buffer boundaries.
TEST(ReaderTest, ManyRecordsKeepOrderAndIndexes) {
  std::vector<std::string> records;
  for (int i = 0; i < 5000; ++i) {
    records.push_back(R"({"eventTime":"2024-07-31T12:36:52Z","eventName":"E)" + std::to_string(i) +
                      R"(","pad":")" + std::string(static_cast<std::size_t>(i % 97), 'x') + "\"}");
  }
  const std::string ct = R"({"Records":[)" + Join(records, ",") + "]}";
  const std::string ndjson = Join(records, "\n");
  for (const std::string& input : {ct, Pretty(ct), ndjson, Gzip(Pretty(ct)), Gzip(ndjson)}) {
    const Outcome o = Read(input);
    CheckConsistent(o);
    ASSERT_TRUE(o.malformed.empty()) << o.Describe();
    ASSERT_EQ(o.texts(), records);
    EXPECT_EQ(o.records.back().index, 4999u);
  }
}

// One Reader reads several inputs; its reused buffers must not leak from one to the next.
TEST(ReaderTest, ReaderIsReusable) {
  Reader reader;
  const std::vector<std::pair<std::string, std::vector<std::string>>> inputs = {
      {Gzip(Pretty(kCloudTrail)), {kR1, kR2, kR3}},
      {kR2, {kR2}},
      {"", {}},
      {"[" + kR3 + "]", {kR3}},
      {kFilterLogEvents, {kR1, kR2, kR3}},
      {kR1 + "\n" + kR2, {kR1, kR2}},
  };
  for (int round = 0; round < 2; ++round) {
    for (const auto& [input, want] : inputs) {
      Collector c;
      const ReadResult r = reader.Read(input, &c);
      EXPECT_TRUE(r.status.ok());
      EXPECT_TRUE(c.malformed.empty());
      std::vector<std::string> got;
      for (const Rec& rec : c.records) got.push_back(rec.json);
      EXPECT_EQ(got, want);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Records that are not objects: each is reported with its index and skipped.

TEST(MalformedTest, NonObjectRecordsAreSkippedWithTheirIndex) {
  const std::string items = Join(
      {kR1, "42", R"("a string")", R"([1,{"a":[2]}])", "null", "true", "-1.5e3", "[]", kR2}, ",");
  for (const std::string& input :
       {R"({"Records":[)" + items + "]}", Pretty(R"({"Records":[)" + items + "]}"),
        "[" + items + "]", Gzip("[" + items + "]")}) {
    const Outcome o = Read(input);
    SCOPED_TRACE(o.Describe());
    CheckConsistent(o);
    EXPECT_TRUE(o.result.status.ok());
    ASSERT_EQ(o.records.size(), 2u);
    EXPECT_EQ(o.records[0].json, kR1);
    EXPECT_EQ(o.records[0].index, 0u);
    EXPECT_EQ(o.records[1].json, kR2);
    EXPECT_EQ(o.records[1].index, 8u);
    ASSERT_EQ(o.malformed.size(), 7u);
    for (std::size_t i = 0; i < o.malformed.size(); ++i) {
      EXPECT_EQ(o.malformed[i].index, i + 1);
      EXPECT_NE(o.malformed[i].reason.find("not a JSON object"), std::string::npos);
    }
  }
}

TEST(MalformedTest, NonObjectBetweenConcatenatedObjects) {
  const Outcome o = Read(Pretty(kR1) + "\n42\n" + Pretty(kR2) + "\n");
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  EXPECT_EQ(o.texts(), (std::vector<std::string>{kR1, kR2}));
  ASSERT_EQ(o.malformed.size(), 1u);
  EXPECT_EQ(o.malformed[0].index, 1u);
  EXPECT_EQ(o.records[1].index, 2u);
}

// ---------------------------------------------------------------------------------------------
// JSON that breaks off: the records before the damage are delivered, then one problem for the
// whole input, and the status says so.

struct BrokenCase {
  std::string name;
  std::string input;
  std::vector<std::string> delivered;
};
void PrintTo(const BrokenCase& c, std::ostream* os) { *os << c.name; }

class BrokenJsonTest : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenJsonTest, DeliversWhatPrecedesTheDamage) {
  const BrokenCase& c = GetParam();
  const Outcome o = Read(c.input);
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  EXPECT_EQ(o.texts(), c.delivered);
  ASSERT_EQ(o.malformed.size(), 1u);
  EXPECT_EQ(o.malformed[0].index, kWholeInput);
  EXPECT_FALSE(o.malformed[0].reason.empty());
  EXPECT_EQ(o.result.status.code(), StatusCode::kCorruption);
}

INSTANTIATE_TEST_SUITE_P(
    Table, BrokenJsonTest,
    ::testing::Values(
        BrokenCase{"ArrayMissingComma", "[" + kR1 + "," + kR2 + " " + kR3 + "]", {kR1, kR2}},
        BrokenCase{
            "CloudTrailStrayBrace", R"({"Records":[)" + kR1 + "," + kR2 + ",}]}", {kR1, kR2}},
        BrokenCase{"ArrayCutAfterComma", "[" + kR1 + "," + kR2 + ",", {kR1, kR2}},
        BrokenCase{"CloudTrailCutInsideString",
                   R"({"Records":[)" + kR1 + "," + kR2 + R"(,{"eventName":"Cut)",
                   {kR1, kR2}},
        BrokenCase{"PrettyCloudTrailCutInsideString",
                   Pretty(R"({"Records":[)" + kR1 + "," + kR2 + "," + kR3 + "]}")
                       .substr(0, Pretty(R"({"Records":[)" + kR1 + "," + kR2 + ",").size() + 20),
                   {kR1, kR2}},
        BrokenCase{"ArrayTrailingGarbage", "[" + kR1 + "," + kR2 + "] trailing", {kR1, kR2}},
        BrokenCase{"CloudTrailFileThenOneCutShort",
                   R"({"Records":[)" + kR1 + R"(]}{"Records":[)" + kR2 + R"(,{"eventTime":"20)",
                   {kR1, kR2}},

        BrokenCase{"ArrayOfGarbage", "[\x01\x02\xff]", {}},
        BrokenCase{"ObjectGarbage", "{\x01\xff\xfe junk", {}},
        BrokenCase{"ConcatenatedCutInsideObject",
                   Pretty(kR1) + "\n" + Pretty(kR2) + "\n{\n  \"eventName\": \"Cut",
                   {kR1, kR2}},
        BrokenCase{"ConcatenatedStrayBracket", Pretty(kR1) + "\n]\n" + Pretty(kR2), {kR1}},
        // What the reader fuzzer found taking simdjson's document stream 18 s (quadratic):
        // one object, never closed, whose strings lost their closing quotes.
        BrokenCase{"UnclosedObjectOfBrokenStrings",
                   R"({"Recorcs":[{"eventVersion":"1.0Eo,)" +
                       [] {
                         std::string s;
                         for (int i = 0; i < 2000; ++i) {
                           s += R"("userIdentity":{"type":"IAMUsero,"arn":"arn:aws:iam::1o,)";
                         }
                         return s;
                       }(),
                   {}}),
    ByName());

// ---------------------------------------------------------------------------------------------
// Damaged gzip.

struct BigInput {
  std::vector<std::string> records;
  std::vector<std::size_t> record_end;  // offset just after each record in `text`
  std::string text;
};

// A CloudTrail file that does not compress to nothing: ~1,500 records with varied content.
BigInput MakeBigInput() {
  BigInput b;
  b.text = R"({"Records":[)";
  std::uint64_t x = 12345;
  for (int i = 0; i < 1500; ++i) {
    std::string noise;
    for (int k = 0; k < 12; ++k) {
      x = x * 6364136223846793005u + 1442695040888963407u;
      char buf[20];
      std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x >> 1));
      noise += buf;
    }
    b.records.push_back(R"({"eventTime":"2024-07-31T12:36:52Z","eventName":"Event)" +
                        std::to_string(i) + R"(","requestID":")" + noise + "\"}");
    if (i > 0) b.text += ",";
    b.text += b.records.back();
    b.record_end.push_back(b.text.size());
  }
  b.text += "]}";
  return b;
}

const BigInput& Big() {
  static const BigInput* big = new BigInput(MakeBigInput());
  return *big;
}

std::size_t CompleteRecords(const BigInput& b, std::size_t prefix) {
  return static_cast<std::size_t>(
      std::upper_bound(b.record_end.begin(), b.record_end.end(), prefix) - b.record_end.begin());
}

// The records delivered are the first ones of the input, in order, with their indexes.
void ExpectPrefix(const Outcome& o, const BigInput& b) {
  ASSERT_LE(o.records.size(), b.records.size());
  for (std::size_t i = 0; i < o.records.size(); ++i) {
    ASSERT_EQ(o.records[i].json, b.records[i]) << "record " << i;
    ASSERT_EQ(o.records[i].index, i);
  }
}

std::size_t CountContaining(const Outcome& o, std::string_view needle) {
  std::size_t n = 0;
  for (const Bad& b : o.malformed) n += b.reason.find(needle) != std::string::npos;
  return n;
}

class TruncatedGzipTest : public ::testing::TestWithParam<int> {};

// Cut at 10%..90% of the compressed size, and just before the 8-byte trailer.
TEST_P(TruncatedGzipTest, DeliversRecordsBeforeTheCutAndReportsIt) {
  const BigInput& b = Big();
  const std::string gz = Gzip(b.text);
  const std::size_t cut =
      GetParam() == 100 ? gz.size() - 8 : gz.size() * static_cast<std::size_t>(GetParam()) / 100;
  const std::string truncated = gz.substr(0, cut);
  const std::string salvaged = ZlibSalvage(truncated);
  ASSERT_TRUE(b.text.starts_with(salvaged));
  const std::size_t complete = CompleteRecords(b, salvaged.size());
  ASSERT_GT(complete, 1u);

  const Outcome o = Read(truncated);
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  ExpectPrefix(o, b);
  // Every record whose bytes were recovered in full is delivered (the last one may be held
  // back while the splitter looks for the comma after it).
  EXPECT_GE(o.records.size() + 1, complete) << "complete records recovered: " << complete;
  EXPECT_LE(o.records.size(), complete);
  EXPECT_FALSE(o.result.status.ok());
  EXPECT_EQ(CountContaining(o, "truncated"), 1u);
  for (const Bad& bad : o.malformed) EXPECT_EQ(bad.index, kWholeInput) << bad.reason;
}

INSTANTIATE_TEST_SUITE_P(Cuts, TruncatedGzipTest,
                         ::testing::Values(10, 25, 33, 50, 67, 75, 90, 100));

// One damaged file is one problem: the truncation is not reported again as broken JSON.
TEST(MalformedTest, TruncatedGzipIsOneProblem) {
  const BigInput& b = Big();
  const std::string gz = Gzip(b.text);
  const Outcome o = Read(gz.substr(0, gz.size() / 2));
  EXPECT_EQ(o.malformed.size(), 1u) << o.Describe();
  EXPECT_EQ(o.result.malformed, 1u);
}

struct CorruptCase {
  std::string name;
  // Where 4 bytes are flipped: at this percentage of the compressed size, or 0 for the
  // trailer's CRC-32, -1 for its ISIZE.
  int where;
  bool all_records;  // the damage is after all data (trailer): every record is delivered
};
void PrintTo(const CorruptCase& c, std::ostream* os) { *os << c.name; }

class CorruptGzipTest : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(CorruptGzipTest, ReportsDamageAndKeepsWhatPrecedesIt) {
  const CorruptCase& c = GetParam();
  const BigInput& b = Big();
  std::string gz = Gzip(b.text);
  std::size_t at = 0;
  if (c.where == 0) {
    at = gz.size() - 8;  // CRC32
  } else if (c.where == -1) {
    at = gz.size() - 4;  // ISIZE
  } else {
    at = gz.size() * static_cast<std::size_t>(c.where) / 100;
  }
  for (std::size_t k = 0; k < 4 && at + k < gz.size(); ++k) {
    gz[at + k] = static_cast<char>(gz[at + k] ^ 0x5A);
  }
  const Outcome o = Read(gz);
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  ExpectPrefix(o, b);
  EXPECT_FALSE(o.result.status.ok());
  EXPECT_GE(CountContaining(o, "gzip"), 1u);
  for (const Bad& bad : o.malformed) EXPECT_EQ(bad.index, kWholeInput) << bad.reason;
  if (c.all_records) {
    EXPECT_EQ(o.records.size(), b.records.size());
    EXPECT_EQ(o.malformed.size(), 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, CorruptGzipTest,
                         ::testing::Values(CorruptCase{"Middle", 50, false},
                                           CorruptCase{"Early", 5, false},
                                           // A checksum mismatch cannot tell a damaged trailer
                                           // from silently altered data (the Middle case shows
                                           // altered records that are still valid JSON), so the
                                           // member is skipped and reported.
                                           CorruptCase{"Crc", 0, false},
                                           CorruptCase{"Isize", -1, false}),
                         ByName());

TEST(MalformedTest, GzipMagicOnly) {
  const Outcome o = Read("\x1f\x8b");
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  EXPECT_TRUE(o.records.empty());
  EXPECT_FALSE(o.result.status.ok());
  ASSERT_GE(o.malformed.size(), 1u);
  EXPECT_EQ(o.malformed[0].index, kWholeInput);
}

TEST(MalformedTest, GarbageAfterGzipMember) {
  const Outcome o = Read(Gzip(kR1) + "this is not gzip");
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  EXPECT_EQ(o.texts(), std::vector<std::string>{kR1});
  EXPECT_FALSE(o.result.status.ok());
  EXPECT_EQ(CountContaining(o, "after gzip member"), 1u);
}

TEST(ReaderTest, ZeroPaddingAfterGzipIsIgnored) {
  const Outcome o = Read(Gzip(kR1) + std::string(512, '\0'));
  EXPECT_EQ(o.texts(), std::vector<std::string>{kR1});
  EXPECT_TRUE(o.result.status.ok()) << o.Describe();
  EXPECT_TRUE(o.malformed.empty());
}

// ---------------------------------------------------------------------------------------------
// Size limits.

struct LimitCase {
  std::string name;
  std::string input;
  std::vector<std::string> delivered;
  std::vector<std::uint64_t> delivered_indexes;
  std::uint64_t too_large_index;
};
void PrintTo(const LimitCase& c, std::ostream* os) { *os << c.name; }

const std::string kSmallA = R"({"eventName":"A"})";
const std::string kSmallB = R"({"eventName":"B"})";
const std::string kLarge = R"({"eventName":"Large","blob":")" + std::string(200, 'x') + "\"}";

class RecordLimitTest : public ::testing::TestWithParam<LimitCase> {};

TEST_P(RecordLimitTest, RecordOverTheLimitIsSkipped) {
  const LimitCase& c = GetParam();
  ReadOptions options;
  options.max_record_bytes = 120;
  for (const std::string& input : {c.input, Gzip(c.input)}) {
    const Outcome o = Read(input, options);
    SCOPED_TRACE(o.Describe());
    CheckConsistent(o);
    EXPECT_EQ(o.texts(), c.delivered);
    for (std::size_t i = 0; i < o.records.size() && i < c.delivered_indexes.size(); ++i) {
      EXPECT_EQ(o.records[i].index, c.delivered_indexes[i]);
    }
    ASSERT_EQ(o.malformed.size(), 1u);
    EXPECT_EQ(o.malformed[0].index, c.too_large_index);
    EXPECT_NE(o.malformed[0].reason.find("limit"), std::string::npos);
    EXPECT_TRUE(o.result.status.ok());  // one record, not the input, is bad
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, RecordLimitTest,
    ::testing::Values(
        LimitCase{"CloudTrail",
                  R"({"Records":[)" + kSmallA + "," + kLarge + "," + kSmallB + "]}",
                  {kSmallA, kSmallB},
                  {0, 2},
                  1},
        LimitCase{"Array", "[" + kLarge + "," + kSmallA + "]", {kSmallA}, {1}, 0},
        LimitCase{"Ndjson",
                  kSmallA + "\n" + kSmallB + "\n" + kLarge + "\n",
                  {kSmallA, kSmallB},
                  {0, 1},
                  2},
        LimitCase{"Concatenated",
                  Pretty(kSmallA) + Pretty(kLarge) + Pretty(kSmallB),
                  {kSmallA, kSmallB},
                  {0, 2},
                  1},
        LimitCase{"CloudWatch",
                  R"({"events":[{"timestamp":1,"message":)" + Quote(kLarge) +
                      R"(},{"timestamp":2,"message":)" + Quote(kSmallA) + "}]}",
                  {kSmallA},
                  {1},
                  0},
        LimitCase{"Object", kLarge, {}, {}, 0},
        LimitCase{"EventBridge", R"({"detail-type":"x","detail":)" + kLarge + "}", {}, {}, 0}),
    ByName());

// A real 100 MB record with the default limits: skipped, and its neighbours delivered.
TEST(MalformedTest, HundredMegabyteRecordIsSkipped) {
  const auto start = std::chrono::steady_clock::now();
  const std::string huge = R"({"eventTime":"2024-07-31T12:36:52Z","eventName":"Huge","blob":")" +
                           std::string(100u << 20, 'x') + "\"}";
  for (const std::string& input : {R"({"Records":[)" + kR1 + "," + huge + "," + kR2 + "]}",
                                   kR1 + "\n" + huge + "\n" + kR2 + "\n"}) {
    const Outcome o = Read(input);
    SCOPED_TRACE(o.Describe());
    CheckConsistent(o);
    ASSERT_EQ(o.texts(), (std::vector<std::string>{kR1, kR2}));
    EXPECT_EQ(o.records[1].index, 2u);
    ASSERT_EQ(o.malformed.size(), 1u);
    EXPECT_EQ(o.malformed[0].index, 1u);
    EXPECT_NE(o.malformed[0].reason.find("limit"), std::string::npos);
  }
  // A single-record input of 100 MB.
  const Outcome single = Read(huge);
  EXPECT_TRUE(single.records.empty());
  ASSERT_EQ(single.malformed.size(), 1u) << single.Describe();
  EXPECT_EQ(single.malformed[0].index, 0u);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("seconds", std::to_string(secs));
}

// Under the limit, a large record is delivered whole.
TEST(ReaderTest, TwentyMegabyteRecordIsDelivered) {
  const std::string big =
      R"({"eventTime":"2024-07-31T12:36:52Z","blob":")" + std::string(20u << 20, 'y') + "\"}";
  const Outcome o = Read(R"({"Records":[)" + kR1 + "," + Pretty(big) + "]}");
  ASSERT_EQ(o.records.size(), 2u) << o.Describe();
  EXPECT_EQ(o.records[1].json, big);
}

TEST(MalformedTest, MaxInputBytesExceeded) {
  std::string ndjson;
  while (ndjson.size() < 2000) ndjson += kR1 + "\n";
  ReadOptions options;
  options.max_input_bytes = 1000;
  for (const std::string& input : {ndjson, Gzip(ndjson), GzipTwoMembers(ndjson)}) {
    const Outcome o = Read(input, options);
    SCOPED_TRACE(o.Describe());
    CheckConsistent(o);
    EXPECT_TRUE(o.records.empty());
    ASSERT_EQ(o.malformed.size(), 1u);
    EXPECT_EQ(o.malformed[0].index, kWholeInput);
    EXPECT_EQ(o.result.status.code(), StatusCode::kResourceExhausted);
  }
  // Exactly at the limit is fine.
  options.max_input_bytes = ndjson.size();
  const Outcome ok = Read(Gzip(ndjson), options);
  EXPECT_TRUE(ok.malformed.empty()) << ok.Describe();
  EXPECT_EQ(ok.records.size(), ndjson.size() / (kR1.size() + 1));
}

// A field of /proc/self/status in kB ("VmRSS", "VmHWM").
std::optional<std::size_t> StatusKb(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
      return std::stoul(line.substr(field.size() + 1));
    }
  }
  return std::nullopt;
}

// How much the peak resident set size grew while `fn` ran, in MB; nullopt when the kernel
// does not let the peak be reset (/proc/self/clear_refs).
template <typename Fn>
std::optional<std::size_t> PeakGrowthMb(Fn&& fn) {
  {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    if (!clear) return std::nullopt;
  }
  const std::optional<std::size_t> before = StatusKb("VmRSS");
  if (!before) return std::nullopt;
  fn();
  const std::size_t peak = StatusKb("VmHWM").value_or(0);
  return (peak - std::min(peak, *before)) / 1024;
}

// ReadOptions::max_input_bytes promises that "a gzip bomb must not exhaust memory": decoding
// must stop near the limit instead of inflating everything and then refusing it.
TEST(MalformedTest, GzipBombStopsNearTheLimit) {
  // 512 MB of one byte in ~0.5 MB of gzip, written in chunks.
  std::string gz;
  {
    z_stream zs{};
    ASSERT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
    const std::string fill(1 << 20, '{');
    char buf[1 << 16];
    for (int i = 0; i < 512; ++i) {
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(fill.data()));
      zs.avail_in = static_cast<uInt>(fill.size());
      const int flush = i == 511 ? Z_FINISH : Z_NO_FLUSH;
      do {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        deflate(&zs, flush);
        gz.append(buf, sizeof buf - zs.avail_out);
      } while (zs.avail_out == 0);
    }
    deflateEnd(&zs);
  }
  ASSERT_LT(gz.size(), 4u << 20);
  ReadOptions options;
  options.max_input_bytes = 1u << 20;
  Outcome o;
  const auto growth = PeakGrowthMb([&] { o = Read(gz, options); });
  if (!growth) GTEST_SKIP() << "cannot reset the peak RSS (/proc/self/clear_refs)";
  EXPECT_TRUE(o.records.empty());
  EXPECT_EQ(o.result.status.code(), StatusCode::kResourceExhausted) << o.Describe();
  EXPECT_LT(*growth, 128u) << "decoding a 512 MB bomb with a 1 MB limit raised the peak RSS by "
                           << *growth << " MB";
}

// Gunzip sizes its first buffer from the gzip trailer (ISIZE). A damaged or truncated stream
// whose last four bytes read as a large ISIZE must not make it allocate (and zero) that much.
TEST(MalformedTest, DamagedTrailerDoesNotDriveAllocation) {
  std::string gz = Gzip(kCloudTrail);
  gz.resize(gz.size() - 8);                  // truncated: no CRC-32 / ISIZE
  gz += std::string("\x00\x00\x00\x30", 4);  // the last bytes happen to read as 768 MB
  Outcome o;
  const auto growth = PeakGrowthMb([&] { o = Read(gz); });
  if (!growth) GTEST_SKIP() << "cannot reset the peak RSS (/proc/self/clear_refs)";
  EXPECT_FALSE(o.result.status.ok()) << o.Describe();
  EXPECT_LT(*growth, 64u) << "reading a " << gz.size()
                          << "-byte damaged gzip raised the peak RSS by " << *growth << " MB";
}

// ---------------------------------------------------------------------------------------------
// Not JSON at all.

std::string RandomBytes(std::size_t n, std::uint64_t seed) {
  std::string s(n, '\0');
  for (char& c : s) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    c = static_cast<char>(seed >> 56);
  }
  s[0] = '\x80';
  return s;
}

struct GarbageCase {
  std::string name;
  std::string input;
};
void PrintTo(const GarbageCase& c, std::ostream* os) { *os << c.name; }

class GarbageTest : public ::testing::TestWithParam<GarbageCase> {};

TEST_P(GarbageTest, IsOneProblemForTheWholeInput) {
  const Outcome o = Read(GetParam().input);
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  EXPECT_EQ(o.result.format, InputFormat::kUnknown);
  EXPECT_TRUE(o.records.empty());
  ASSERT_EQ(o.malformed.size(), 1u);
  EXPECT_EQ(o.malformed[0].index, kWholeInput);
  EXPECT_NE(o.malformed[0].reason.find("not JSON"), std::string::npos);
  // The input as a whole is damaged, so the status is not OK (event.h: ReadResult::status).
  EXPECT_FALSE(o.result.status.ok());
}

INSTANTIATE_TEST_SUITE_P(
    Table, GarbageTest,
    ::testing::Values(GarbageCase{"Binary", RandomBytes(4096, 7)},
                      GarbageCase{"Nul", std::string("\0\0\0\0", 4)},
                      GarbageCase{"Elf", std::string("\x7f"
                                                     "ELF\x02\x01\x01\0",
                                                     8)},
                      GarbageCase{"Text", "Apache License\n  Version 2.0, January 2004\n"},
                      GarbageCase{"Csv", "eventTime,eventName\n2024-07-31,GetObject\n"},
                      GarbageCase{"Number", "42\n"},
                      GarbageCase{"GzipOfBinary", Gzip(RandomBytes(1000, 9))}),
    ByName());

// ---------------------------------------------------------------------------------------------
// NDJSON with bad lines. The reader splits NDJSON by lines and minifies each line without
// validating it: a damaged line is delivered as a record (the Extractor finds it invalid
// later, and the engine counts it as malformed there). An unterminated string is the one
// defect the minifier itself notices. These tests pin that behaviour.

struct BadLineCase {
  std::string name;
  std::string bad_line;
  std::optional<std::string> delivered_as;  // nullopt: reported by the reader as malformed
};
void PrintTo(const BadLineCase& c, std::ostream* os) { *os << c.name; }

class NdjsonBadLineTest : public ::testing::TestWithParam<BadLineCase> {};

TEST_P(NdjsonBadLineTest, OtherLinesAreStillDelivered) {
  const BadLineCase& c = GetParam();
  const Outcome o = Read(kR1 + "\n" + c.bad_line + "\n" + kR3 + "\n");
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  EXPECT_EQ(o.result.format, InputFormat::kNdjson);
  EXPECT_TRUE(o.result.status.ok());
  if (c.delivered_as) {
    EXPECT_EQ(o.texts(), (std::vector<std::string>{kR1, *c.delivered_as, kR3}));
    EXPECT_TRUE(o.malformed.empty());
  } else {
    EXPECT_EQ(o.texts(), (std::vector<std::string>{kR1, kR3}));
    ASSERT_EQ(o.malformed.size(), 1u);
    EXPECT_EQ(o.malformed[0].index, 1u);
  }
  ASSERT_FALSE(o.records.empty());
  EXPECT_EQ(o.records.back().index, 2u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, NdjsonBadLineTest,
    ::testing::Values(BadLineCase{"InvalidLiteral", R"({"a": tru})", R"({"a":tru})"},
                      BadLineCase{"MissingBrace", R"({"a": 1)", R"({"a":1)"},
                      BadLineCase{"Number", "42", "42"}, BadLineCase{"Array", "[1, 2]", "[1,2]"},
                      BadLineCase{"UnterminatedString", R"({"a": "x)", std::nullopt}),
    ByName());

// A damaged FIRST line must not cost the good lines after it.
TEST(MalformedTest, NdjsonBadFirstLine) {
  const Outcome o = Read(std::string(R"({"a": tru)") + "\n" + kR2 + "\n" + kR3 + "\n");
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  ASSERT_GE(o.records.size(), 2u);
  EXPECT_EQ(o.records[o.records.size() - 2].json, kR2);
  EXPECT_EQ(o.records.back().json, kR3);
  EXPECT_EQ(o.records.back().index, 2u);
}

// ---------------------------------------------------------------------------------------------
// CloudWatch Logs events that are not usable.

TEST(MalformedTest, CloudWatchEventsWithoutStringMessage) {
  const std::string input =
      R"({"events":[{"timestamp":1,"message":)" + Quote(kR1) +
      R"(},{"timestamp":2},{"timestamp":3,"message":{"a":1}},{"timestamp":4,"message":)" +
      Quote(kR2) + "}]}";
  const Outcome o = Read(input);
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  ASSERT_EQ(o.records.size(), 2u);
  EXPECT_EQ(o.records[0].json, kR1);
  EXPECT_EQ(o.records[0].timestamp_ms, 1);
  EXPECT_EQ(o.records[1].json, kR2);
  EXPECT_EQ(o.records[1].index, 3u);
  EXPECT_EQ(o.records[1].timestamp_ms, 4);
  ASSERT_EQ(o.malformed.size(), 2u);
  EXPECT_EQ(o.malformed[0].index, 1u);
  EXPECT_EQ(o.malformed[1].index, 2u);
}

// An element of `events` that is not an object is one bad record, like in Records.
TEST(MalformedTest, CloudWatchEventThatIsNotAnObject) {
  const std::string input = R"({"events":[{"timestamp":1,"message":)" + Quote(kR1) +
                            R"(},42,{"timestamp":3,"message":)" + Quote(kR2) + "}]}";
  const Outcome o = Read(input);
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  EXPECT_EQ(o.texts(), (std::vector<std::string>{kR1, kR2}));
  ASSERT_EQ(o.malformed.size(), 1u);
  EXPECT_EQ(o.malformed[0].index, 1u);
}

TEST(MalformedTest, EventBridgeDetailNotAnObject) {
  const Outcome o = Read(R"({"detail-type":"AWS API Call via CloudTrail","detail":"text"})");
  SCOPED_TRACE(o.Describe());
  CheckConsistent(o);
  EXPECT_EQ(o.result.format, InputFormat::kEventBridge);
  EXPECT_TRUE(o.records.empty());
  ASSERT_EQ(o.malformed.size(), 1u);
  EXPECT_EQ(o.malformed[0].index, 0u);
}

}  // namespace
}  // namespace trailwatch::event
