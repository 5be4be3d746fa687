// Fuzzes rule-file loading: the input is the text of a rule file (YAML or JSON).
//
// Besides memory errors (ASan/UBSan), it checks that no yaml-cpp exception escapes (it would
// abort the fuzzer), that every error has a message, and that loading is deterministic: the
// same text gives the same error, or the same counts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rules/rules.h"

namespace {

// Templates are small; longer inputs only slow each run down.
constexpr std::size_t kMaxInput = 16384;

void Check(bool ok) {
  if (!ok) std::abort();
}

std::string Summary(const trailwatch::Result<trailwatch::rules::RuleSet>& r) {
  if (!r.ok()) return r.status().ToString();
  return std::to_string(r->metric_filters.size()) + "/" + std::to_string(r->alarms.size()) + "/" +
         std::to_string(r->composites.size()) + "/" + std::to_string(r->topics.size()) + "/" +
         std::to_string(r->notes.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto first = trailwatch::rules::LoadRuleText(text, "fuzz.yaml");
  Check(first.ok() || !first.status().message().empty());
  auto second = trailwatch::rules::LoadRuleText(text, "fuzz.yaml");
  Check(Summary(first) == Summary(second));
  if (first.ok()) {
    trailwatch::rules::RuleSet merged;
    (void)trailwatch::rules::Merge(&merged, std::move(first).value());
  }
  return 0;
}
