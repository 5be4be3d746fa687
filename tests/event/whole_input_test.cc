// When the Reader parses an input whole and hands its records over parsed (event/whole_input),
// and when it must not. reader_test.cc checks that both ways deliver the same records for every
// input of its tables; this checks which way was taken.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "event/event.h"
#include "testing/files.h"

namespace trailwatch::event {
namespace {

class Counter final : public RecordHandler {
 public:
  bool WantsParsedRecords() const override { return true; }
  void OnParsedRecord(const ParsedRecord& record, const RecordInfo& info) override {
    ++parsed;
    indexes.push_back(info.index);
    if (info.index % 2 == 0) texts.emplace_back(record.json());
  }
  void OnRecord(std::string_view json, const RecordInfo& info) override {
    ++text;
    indexes.push_back(info.index);
    if (info.index % 2 == 0) texts.emplace_back(json);
  }
  void OnMalformed(std::uint64_t index, std::string_view reason) override {
    malformed.push_back(std::to_string(index) + ": " + std::string(reason));
  }
  int parsed = 0;
  int text = 0;
  std::vector<std::uint64_t> indexes;
  std::vector<std::string> texts;  // of the even-numbered records
  std::vector<std::string> malformed;
};

const std::string kA = R"({"eventTime":"2024-07-31T12:00:00Z","eventName":"A","n":[1,2.5]})";
const std::string kB = R"({"eventTime":"2024-07-31T12:00:01Z","text":"q \" } ] , \\ \u00e9"})";
const std::string kC = R"({"eventTime":"2024-07-31T12:00:02Z","nested":{"a":[{"b":{}}]}})";

using test_support::CloudTrailFile;

struct Case {
  std::string name;
  std::string input;
  bool whole;  // parsed whole (every record through OnParsedRecord) or read as text
  std::vector<std::string> even_texts;
  std::size_t malformed = 0;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> Cases() {
  const std::string pretty =
      "{\n  \"Records\": [\n    " + kA + ",\n    " + kB + ",\n    " + kC + "\n  ]\n}\n";
  return {
      {"CloudTrailFile", CloudTrailFile({kA, kB, kC}), true, {kA, kC}},
      {"CloudTrailFileWithOtherMembers",
       R"({"x":1,"Records":[)" + kA + "," + kB + R"(],"digestPublicKeyFingerprint":"f"})",
       true,
       {kA}},
      {"PrettyCloudTrailIsMinified", pretty, true, {kA, kC}},
      {"JsonArray", "[" + kA + "," + kB + "," + kC + "]", true, {kA, kC}},
      {"NonObjectElementsAreMalformed", "[" + kA + ",1,[2]," + kC + "]", true, {kA}, 2},
      {"EmptyRecords", R"({"Records":[]})", true, {}},
      // Damaged, ambiguous or unusual inputs are read record by record, as text.
      {"Damaged", CloudTrailFile({kA, kB}) + "x", false, {kA}, 1},
      {"MissingComma", R"({"Records":[)" + kA + " " + kB + "]}", false, {kA}, 1},
      {"TwoRecordsArrays",
       R"({"Records":[)" + kA + R"(],"Records":[)" + kB + "]}",
       false,
       {kA, kB}},
      // Not CloudTrail: one JSON object, which is the record.
      {"RecordsNotAnArray", R"({"Records":{"a":1}})", false, {R"({"Records":{"a":1}})"}},
      {"HugeNumber",
       CloudTrailFile({kA, R"({"eventTime":"2024-07-31T12:00:01Z","n":1e400})", kC}),
       false,
       {kA, kC}},
      {"ConcatenatedArrays", "[" + kA + "][" + kB + "," + kC + "]", false, {kA, kC}},
  };
}

class WholeInputTest : public ::testing::TestWithParam<Case> {};

TEST_P(WholeInputTest, ParsesValidCloudTrailAndArraysWholeOnly) {
  const Case& c = GetParam();
  for (const bool gzip : {false, true}) {
    Reader reader;
    Counter h;
    const ReadResult r = reader.Read(gzip ? test_support::Gzip(c.input) : c.input, &h);
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    if (c.whole) {
      EXPECT_EQ(h.text, 0);
      EXPECT_EQ(static_cast<std::uint64_t>(h.parsed), r.records);
    } else {
      EXPECT_EQ(h.parsed, 0);
    }
    EXPECT_EQ(h.texts, c.even_texts);
    EXPECT_EQ(h.malformed.size(), c.malformed) << ::testing::PrintToString(h.malformed);
    EXPECT_EQ(r.malformed, c.malformed);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, WholeInputTest, ::testing::ValuesIn(Cases()),
                         [](const auto& p) { return p.param.name; });

TEST(WholeInputTest, LargerThanTheRecordLimitIsReadAsText) {
  // A record could exceed the limit only in an input that does; such inputs go the way that
  // measures each record.
  ReadOptions options;
  options.max_record_bytes = kA.size() + 10;
  Reader reader(options);
  Counter h;
  const std::string big =
      R"({"eventTime":"2024-07-31T12:00:01Z","pad":")" + std::string(2 * kA.size(), 'x') + "\"}";
  reader.Read(CloudTrailFile({kA, big, kC}), &h);
  EXPECT_EQ(h.parsed, 0);
  EXPECT_EQ(h.indexes, (std::vector<std::uint64_t>{0, 2}));
  ASSERT_EQ(h.malformed.size(), 1u);
  EXPECT_NE(h.malformed[0].find("1: record is"), std::string::npos) << h.malformed[0];
}

TEST(WholeInputTest, OneReaderReadsManyFilesWhole) {
  // Each file's record texts are found in that file, not in the previous one.
  Reader reader;
  const std::vector<std::vector<std::string>> files = {{kA, kB, kC}, {kC, kA}, {kB}, {kA, kB}};
  for (const auto& records : files) {
    Counter h;
    reader.Read(CloudTrailFile(records), &h);
    EXPECT_EQ(static_cast<std::size_t>(h.parsed), records.size());
    std::vector<std::string> even;
    for (std::size_t i = 0; i < records.size(); i += 2) even.push_back(records[i]);
    EXPECT_EQ(h.texts, even);
  }
}

TEST(WholeInputTest, HandlersThatReadTextAreNotGivenParsedRecords) {
  struct Plain final : RecordHandler {
    void OnRecord(std::string_view json, const RecordInfo& info) override {
      EXPECT_TRUE(info.padded);  // records come from the minified-record buffer
      texts.emplace_back(json);
    }
    void OnMalformed(std::uint64_t, std::string_view) override {}
    std::vector<std::string> texts;
  } h;
  Reader reader;
  reader.Read(CloudTrailFile({kA, kB}), &h);
  EXPECT_EQ(h.texts, (std::vector<std::string>{kA, kB}));
}

}  // namespace
}  // namespace trailwatch::event
