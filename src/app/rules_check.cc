#include <fmt/format.h>

#include "app/commands.h"
#include "rules/rules.h"

namespace trailwatch::app {

int RunRulesCheck(const std::vector<std::string>& files, std::FILE* out, std::FILE* err) {
  rules::RuleSet all;
  for (const std::string& f : files) {
    auto loaded = rules::LoadRuleFile(f);
    if (!loaded.ok()) {
      fmt::print(err, "trailwatch: {}\n", loaded.status().ToString());
      return 2;
    }
    for (const std::string& note : loaded->notes) fmt::print(err, "trailwatch: note: {}\n", note);
    fmt::print(out,
               "{}: {} metric filters, {} alarms, {} composite alarms, {} topics, {} detections\n",
               f, loaded->metric_filters.size(), loaded->alarms.size(), loaded->composites.size(),
               loaded->topics.size(), loaded->detections.size());
    // Checked together too: names must be unique across every file a scan would load.
    if (Status s = rules::Merge(&all, std::move(*loaded)); !s.ok()) {
      fmt::print(err, "trailwatch: {}\n", s.ToString());
      return 2;
    }
  }
  if (Status s = rules::CheckReferences(all); !s.ok()) {
    fmt::print(err, "trailwatch: {}\n", s.ToString());
    return 2;
  }
  return 0;
}

}  // namespace trailwatch::app
