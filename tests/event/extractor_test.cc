#include <gtest/gtest.h>

#include "event/event.h"

namespace trailwatch::event {
namespace {

JsonPath P(std::initializer_list<PathStep> steps) { return JsonPath{steps}; }
PathStep K(const char* k) { return {PathStep::Kind::kKey, k, 0}; }
PathStep I(std::uint32_t i) { return {PathStep::Kind::kIndex, {}, i}; }
PathStep Any() { return {PathStep::Kind::kAnyChild, {}, 0}; }

std::string Describe(const Value& v) {
  switch (v.kind) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBool:
      return v.boolean ? "bool:true" : "bool:false";
    case ValueKind::kNumber:
      return "num:" + std::string(v.text);
    case ValueKind::kString:
      return "str:" + std::string(v.text);
    case ValueKind::kObject:
      return "object";
    case ValueKind::kArray:
      return "array";
  }
  return "?";
}

std::vector<std::string> Values(const EventView& view, std::size_t slots) {
  std::vector<std::string> out;
  for (std::uint32_t s = 0; s < slots; ++s) {
    view.AnyValue(s, [&](const Value& v) {
      out.push_back(std::to_string(s) + "=" + Describe(v));
      return false;
    });
  }
  return out;
}

// Extracts the records of a CloudTrail file the way a scan does: parsed with the whole file
// when the DOM accepts it (OnParsedRecord), else from their text.
class FileExtractor final : public RecordHandler {
 public:
  FileExtractor(std::shared_ptr<const PathSet> set, std::size_t slots)
      : set_(std::move(set)), slots_(slots) {}
  bool WantsParsedRecords() const override { return true; }
  void OnParsedRecord(const ParsedRecord& record, const RecordInfo&) override {
    ++parsed;
    ex_.Extract(*set_, record, &view_);
    values.push_back(Values(view_, slots_));
  }
  void OnRecord(std::string_view json, const RecordInfo&) override {
    ex_.Extract(*set_, json, &view_);
    values.push_back(Values(view_, slots_));
  }
  void OnMalformed(std::uint64_t, std::string_view) override {}
  int parsed = 0;
  std::vector<std::vector<std::string>> values;

 private:
  std::shared_ptr<const PathSet> set_;
  std::size_t slots_;
  Extractor ex_;
  EventView view_;
};

// All values of every slot, as "slot=value" in slot order then document order. A message that
// is a JSON object is also extracted as a record of a CloudTrail file, parsed with the file,
// which must find the same values.
std::vector<std::string> Extract(const std::vector<JsonPath>& paths, std::string_view message,
                                 bool* is_json = nullptr) {
  auto set = PathSet::Build(paths, false);
  Extractor ex;
  EventView view;
  ex.Extract(*set, message, &view);
  if (is_json) *is_json = view.is_json_object();
  std::vector<std::string> out = Values(view, paths.size());
  if (view.is_json_object()) {
    FileExtractor file(set, paths.size());
    Reader reader;
    const std::string doc =
        R"({"Records":[)" + std::string(message) + "," + std::string(message) + "]}";
    reader.Read(doc, &file);
    EXPECT_EQ(file.values, (std::vector<std::vector<std::string>>{out, out})) << message;
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(ExtractorTest, ValuesOfEveryKind) {
  const char* msg =
      R"({"s":"a\"b\u00e9","n":-12.50e1,"t":true,"f":false,"z":null,"o":{"k":1},"a":[1,"x"]})";
  Strings got = Extract({P({K("s")}), P({K("n")}), P({K("t")}), P({K("f")}), P({K("z")}),
                         P({K("o")}), P({K("a")}), P({K("missing")})},
                        msg);
  EXPECT_EQ(got, (Strings{"0=str:a\"b\xC3\xA9", "1=num:-125", "2=bool:true", "3=bool:false",
                          "4=null", "5=object", "6=array"}));
}

TEST(ExtractorTest, WildcardsIndexesAndOverlappingPaths) {
  const char* msg = R"({"a":{"b":1,"c":{"b":2}},"x":[{"b":3},{"b":4},[5]],"b":6})";
  struct Case {
    std::vector<JsonPath> paths;
    Strings want;
  } cases[] = {
      {{P({K("a"), K("b")})}, {"0=num:1"}},
      // $.*.b: members of the root that have a member "b"; only "a" does.
      {{P({Any(), K("b")})}, {"0=num:1"}},
      {{P({K("x"), I(1), K("b")})}, {"0=num:4"}},
      {{P({K("x"), Any(), K("b")})}, {"0=num:3", "0=num:4"}},
      {{P({K("x"), I(2), I(0)})}, {"0=num:5"}},
      {{P({K("x"), I(7)})}, {}},
      {{P({Any()})}, {"0=object", "0=array", "0=num:6"}},
      // $.a.b and $.*.b walk member "a" together.
      {{P({K("a"), K("b")}), P({Any(), K("b")})}, {"0=num:1", "1=num:1"}},
      {{P({K("a")}), P({K("a"), K("c"), K("b")})}, {"0=object", "1=num:2"}},
  };
  for (const Case& c : cases) {
    std::string names;
    for (const auto& p : c.paths) names += p.ToString() + " ";
    EXPECT_EQ(Extract(c.paths, msg), c.want) << names;
  }
}

TEST(ExtractorTest, NumbersHaveCanonicalText) {
  const char* msg = R"({"i":404,"neg":-7,"big":18446744073709551615,"d":1.50,"e":1E3,"z":-0.0})";
  EXPECT_EQ(
      Extract({P({K("i")}), P({K("neg")}), P({K("big")}), P({K("d")}), P({K("e")}), P({K("z")})},
              msg),
      (Strings{"0=num:404", "1=num:-7", "2=num:18446744073709551615", "3=num:1.5", "4=num:1000",
               "5=num:-0"}));
}

// simdjson's DOM refuses numbers beyond 64 bits; they are valid JSON, so an attacker who puts
// one in a request parameter must not hide the event from JSON patterns.
TEST(ExtractorTest, NumbersBeyondSixtyFourBitsFallBackToAValidatingWalk) {
  bool is_json = false;
  EXPECT_EQ(Extract({P({K("a")}), P({K("b")}), P({K("c"), Any()})},
                    R"({"a":1e400,"b":"x","c":[123456789012345678901234567890, -1e-400, null]})",
                    &is_json),
            (Strings{"0=num:1e400", "1=str:x", "2=num:123456789012345678901234567890",
                     "2=num:-1e-400", "2=null"}));
  EXPECT_TRUE(is_json);
  // ... and that walk validates everything too.
  for (const char* bad :
       {R"({"a":1e400,"b":tru})", R"({"a":1e400,"b":[1 2]})", R"({"a":1e400,"b":01})",
        R"({"a":1e400} x)", R"({"a":1e400,"b":"\q"})", R"({"a":1e400,"b":{"q"}})"}) {
    EXPECT_TRUE(Extract({P({K("a")})}, bad, &is_json).empty()) << bad;
    EXPECT_FALSE(is_json) << bad;
  }
}

TEST(ExtractorTest, DuplicateKeysYieldEveryValue) {
  EXPECT_EQ(Extract({P({K("a")})}, R"({"a":1,"a":"two"})"), (Strings{"0=num:1", "0=str:two"}));
}

TEST(ExtractorTest, EscapedKeysAreUnescaped) {
  EXPECT_EQ(Extract({P({K("a.b")})}, R"({"a\u002eb":"dotted"})"), (Strings{"0=str:dotted"}));
}

TEST(ExtractorTest, NotAJsonObject) {
  struct Case {
    std::string message;
    bool want_json;
  } cases[] = {
      {R"({"a":1})", true},
      {"  \t{\"a\":1}\n ", true},
      {"", false},
      {"[1,2]", false},
      {"\"a\"", false},
      {"42", false},
      {R"({"a":1} trailing)", false},
      {R"({"a":1}{"a":2})", false},
      {R"({"a":1)", false},
      {R"({"a":)", false},
      {"plain text log line", false},
      {"2024-01-01 {\"a\":1}", false},
      {"{\"a\":\"\xFF\"}", false},
      // Malformed JSON anywhere makes the message not JSON, even where no path looks.
      {R"({"a":nul})", false},
      {R"({"a":1,"b":tru})", false},
      {R"({"a":1,"b":truex})", false},
      {R"({"a":1,"b":01})", false},
      {R"({"a":01})", false},
      {R"({"a":1.})", false},
      {R"({"a":1,"b":1e})", false},
      {R"({"a":1,"b":-})", false},
      {R"({"a":1,"b":'q'})", false},
      {R"({"a":1,"b":"\q"})", false},
      {R"({"a":1,"b":"\u12"})", false},
      {R"({"a":1,"b":[1 2]})", false},
      {R"({"a":1,"b":[1,]})", false},
      {R"({"a":1,"b":{"q"}})", false},
  };
  for (const Case& c : cases) {
    bool is_json = true;
    Strings got = Extract({P({K("a")})}, c.message, &is_json);
    EXPECT_EQ(is_json, c.want_json) << c.message;
    if (!c.want_json) {
      EXPECT_TRUE(got.empty()) << c.message;
    }
  }
}

TEST(ExtractorTest, ReusesBuffersAcrossEvents) {
  auto set = PathSet::Build(std::vector<JsonPath>{P({K("a")})}, false);
  Extractor ex;
  EventView view;
  ex.Extract(*set, R"({"a":"first-and-long-value"})", &view);
  ex.Extract(*set, R"({"b":1})", &view);
  EXPECT_FALSE(view.HasValue(0));
  ex.Extract(*set, R"({"a":"x"})", &view);
  std::string got;
  view.AnyValue(0, [&](const Value& v) {
    got = v.text;
    return true;
  });
  EXPECT_EQ(got, "x");
}

TEST(JsonPathTest, ToStringAndRegistry) {
  EXPECT_EQ(P({K("a"), I(3), Any(), K("b-c_1")}).ToString(), "$.a[3][*].b-c_1");
  EXPECT_EQ(P({K("cluster.name")}).ToString(), "$.['cluster.name']");
  EXPECT_EQ(P({K("it's")}).ToString(), "$.['it\\'s']");
  PathRegistry reg;
  EXPECT_EQ(reg.Add(P({K("a")})), 0u);
  EXPECT_EQ(reg.Add(P({K("b")})), 1u);
  EXPECT_EQ(reg.Add(P({K("a")})), 0u);
  EXPECT_EQ(reg.paths().size(), 2u);
}

TEST(SplitDelimitedTest, FieldsQuotesAndBrackets) {
  struct Case {
    std::string message;
    Strings want;
  } cases[] = {
      {"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /a HTTP/1.0\" 200 1534",
       {"127.0.0.1", "-", "frank", "10/Oct/2000:13:25:15 -0700", "GET /a HTTP/1.0", "200", "1534"}},
      {"  a   b\tc  ", {"a", "b", "c"}},
      {"", {}},
      {"\"\" []", {"", ""}},
      {"\"say \\\"hi\\\"\" x", {"say \\\"hi\\\"", "x"}},
      {"\"unterminated rest", {"unterminated rest"}},
      {"[a b]c d", {"a b", "c", "d"}},
  };
  for (const Case& c : cases) {
    std::vector<DelimitedField> fields;
    SplitDelimited(c.message, &fields);
    Strings got;
    for (const auto& f : fields) got.emplace_back(f.value);
    EXPECT_EQ(got, c.want) << c.message;
  }
}

}  // namespace
}  // namespace trailwatch::event
