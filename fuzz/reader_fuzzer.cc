// Fuzzes the input reader (format detection, gzip, record splitting) and, for every record it
// delivers, extraction and one JSON pattern, as `scan` runs them. Differential: the input is
// read once with records as text and once with records parsed with their input where the
// reader can (as `scan` does); records, indexes, texts, matches and problems must agree.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "event/event.h"
#include "pattern/pattern.h"

namespace {

using namespace trailwatch;

class Handler final : public event::RecordHandler {
 public:
  explicit Handler(bool parsed) : parsed_(parsed) {
    pattern::CompileOptions options;
    options.registry = &registry_;
    auto program = pattern::Compile(
        "{ $.eventName = \"GetSecretValue\" || $.errorCode = \"AccessDenied*\" }", options);
    if (program.ok()) program_ = *program;
    event::JsonPath time;
    time.steps.push_back({event::PathStep::Kind::kKey, "eventTime", 0});
    registry_.Add(time);
    paths_ = event::PathSet::Build(registry_.paths(), false);
  }

  void OnRecord(std::string_view json, const event::RecordInfo& info) override {
    extractor_.Extract(*paths_, json, &view_);
    Seen(json, info);
  }
  bool WantsParsedRecords() const override { return parsed_; }
  void OnParsedRecord(const event::ParsedRecord& record, const event::RecordInfo& info) override {
    extractor_.Extract(*paths_, record, &view_);
    // Texts are asked for some records only, as a scan does (the matching ones).
    Seen(info.index % 3 == 1 ? record.json() : std::string_view(), info);
  }
  void OnMalformed(std::uint64_t index, std::string_view reason) override {
    log_.push_back("malformed " + std::to_string(index) + " " + std::string(reason));
  }

  // What was seen since the last call.
  std::vector<std::string> Take() { return std::move(log_); }

 private:
  void Seen(std::string_view json, const event::RecordInfo& info) {
    const bool match = program_ && view_.is_json_object() && program_->Matches(view_);
    std::string line = std::to_string(info.index) + (view_.is_json_object() ? " object" : " -") +
                       (match ? " match" : "");
    if (info.index % 3 == 1) line += " " + std::string(json);
    log_.push_back(std::move(line));
  }

  bool parsed_;
  std::vector<std::string> log_;
  event::PathRegistry registry_;
  std::shared_ptr<const pattern::Program> program_;
  std::shared_ptr<const event::PathSet> paths_;
  event::Extractor extractor_;
  event::EventView view_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 16)) return -1;
  static Handler text(false);
  static Handler parsed(true);
  // Small limits so that gzip bombs and huge records hit the limits quickly.
  event::ReadOptions options;
  options.max_record_bytes = 1u << 14;
  options.max_input_bytes = 1u << 22;
  static event::Reader reader(options);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const event::ReadResult a = reader.Read(input, &text);
  const event::ReadResult b = reader.Read(input, &parsed);
  if (text.Take() != parsed.Take() || a.records != b.records || a.malformed != b.malformed ||
      a.format != b.format || a.status.ToString() != b.status.ToString()) {
    std::abort();  // the two ways of reading disagree
  }
  return 0;
}
