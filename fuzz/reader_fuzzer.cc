// Fuzzes the input reader (format detection, gzip, record splitting) and, for every record it
// delivers, extraction and one JSON pattern, as `scan` runs them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "event/event.h"
#include "pattern/pattern.h"

namespace {

using namespace trailwatch;

class Handler final : public event::RecordHandler {
 public:
  Handler() {
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

  void OnRecord(std::string_view json, const event::RecordInfo&) override {
    extractor_.Extract(*paths_, json, &view_);
    if (program_ && view_.is_json_object()) matches_ += program_->Matches(view_);
  }
  void OnMalformed(std::uint64_t, std::string_view reason) override {
    malformed_ += reason.empty() ? 0 : 1;
  }

 private:
  event::PathRegistry registry_;
  std::shared_ptr<const pattern::Program> program_;
  std::shared_ptr<const event::PathSet> paths_;
  event::Extractor extractor_;
  event::EventView view_;
  std::size_t matches_ = 0;
  std::size_t malformed_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 16)) return -1;
  static Handler handler;
  // Small limits so that gzip bombs and huge records hit the limits quickly.
  event::ReadOptions options;
  options.max_record_bytes = 1u << 14;
  options.max_input_bytes = 1u << 22;
  static event::Reader reader(options);
  reader.Read(std::string_view(reinterpret_cast<const char*>(data), size), &handler);
  return 0;
}
