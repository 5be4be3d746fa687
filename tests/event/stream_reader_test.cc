// Reader::ReadStream (stdin, inputs too large to hold): it must deliver what Reader::Read
// delivers for the same bytes, and read CloudTrail files one after another in bounded memory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "event/event.h"
#include "testing/files.h"

namespace trailwatch::event {
namespace {

struct Seen final : RecordHandler {
  explicit Seen(bool parsed) : parsed_(parsed) {}
  void OnRecord(std::string_view json, const RecordInfo& info) override {
    lines.push_back(std::to_string(info.index) + " " + std::string(json));
  }
  bool WantsParsedRecords() const override { return parsed_; }
  void OnParsedRecord(const ParsedRecord& record, const RecordInfo& info) override {
    lines.push_back(std::to_string(info.index) + " " + std::string(record.json()));
  }
  void OnMalformed(std::uint64_t index, std::string_view) override {
    lines.push_back(index == kWholeInput ? "problem" : std::to_string(index) + " malformed");
  }
  std::vector<std::string> lines;

 private:
  bool parsed_;
};

const std::string kA = R"({"eventTime":"2024-07-31T12:00:00Z","eventName":"A"})";
const std::string kB = R"({"eventTime":"2024-07-31T12:00:01Z","text":"q \" } ] , \\ {"})";
const std::string kC = R"({"eventTime":"2024-07-31T12:00:02Z","nested":{"a":[{"b":{}}]}})";

using test_support::CloudTrailFile;

struct Case {
  std::string name;
  std::string input;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> Cases() {
  std::string many;  // 300 files of about 1 KB: several of the stream's 1 MB chunks
  for (int i = 0; i < 300; ++i) many += CloudTrailFile({kA, kB, kC, kA, kB, kC, kA, kB, kC});
  std::string big;  // one file larger than a chunk, so that framing waits for more
  {
    std::vector<std::string> records(20000, kB);
    big = CloudTrailFile(records) + "\n" + CloudTrailFile({kA});
  }
  return {
      {"OneFile", CloudTrailFile({kA, kB, kC})},
      {"FilesBackToBack", CloudTrailFile({kA}) + CloudTrailFile({kB, kC})},
      {"FilesOnePerLine", CloudTrailFile({kA}) + "\n" + CloudTrailFile({kB, kC}) + "\n"},
      {"ManyFiles", many},
      {"FileLargerThanAChunk", big},
      {"FileThenOneCutShort",
       CloudTrailFile({kA}) + R"({"Records":[)" + kB + R"(,{"eventTime":"20)"},
      {"FileThenGarbage", CloudTrailFile({kA}) + CloudTrailFile({kB}) + " junk"},
      {"FileThenNdjson", CloudTrailFile({kA}) + "\n" + kB + "\n" + kC + "\n"},
      {"Ndjson", kA + "\n" + kB + "\n" + kC + "\n"},
      {"NdjsonWithAFileLine", kA + "\n" + CloudTrailFile({kB, kC}) + "\n" + kA + "\n"},
      {"Array", "[" + kA + "," + kB + "]"},
  };
}

class StreamReaderTest : public ::testing::TestWithParam<Case> {};

TEST_P(StreamReaderTest, DeliversWhatReadDelivers) {
  const Case& c = GetParam();
  test_support::TempDir dir;
  ASSERT_TRUE(dir.ok());
  for (const bool gzip : {false, true}) {
    for (const bool parsed : {false, true}) {
      SCOPED_TRACE(std::string(gzip ? "gzip" : "plain") + (parsed ? " parsed" : " text"));
      const std::string bytes = gzip ? test_support::Gzip(c.input) : c.input;
      Reader whole;
      Seen want(parsed);
      const ReadResult w = whole.Read(bytes, &want);
      const std::string path = dir.Write("input", bytes);
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      ASSERT_GE(fd, 0);
      Reader streamed;
      Seen got(parsed);
      std::uint64_t taken = 0;
      const ReadResult g = streamed.ReadStream(fd, &got, &taken);
      ::close(fd);
      EXPECT_EQ(got.lines, want.lines);
      EXPECT_EQ(g.records, w.records);
      EXPECT_EQ(g.malformed, w.malformed);
      EXPECT_EQ(g.status.ok(), w.status.ok())
          << g.status.ToString() << " / " << w.status.ToString();
      EXPECT_EQ(taken, bytes.size());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, StreamReaderTest, ::testing::ValuesIn(Cases()),
                         [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace trailwatch::event
