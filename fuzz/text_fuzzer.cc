// The small hand-written text parsers of the daemon: the SNS SubscribeURL's form-encoded query
// (common/encoding.h ParseFormQuery) and the JSON log's line transform (common/log.h
// JsonLogLine), whose output must always be one valid JSON object with a "msg" string.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/encoding.h"
#include "common/log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto query = trailwatch::ParseFormQuery(text);
  for (const auto& [name, value] : query) {
    if (name.size() > size || value.size() > size) std::abort();  // decoding never grows
  }
  const std::string line = trailwatch::JsonLogLine(text, 1'763'745'876'123);
  const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("msg") || !j["msg"].is_string()) std::abort();
  return 0;
}
