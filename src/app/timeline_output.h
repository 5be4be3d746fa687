// The NDJSON lines of `scan --rules` (design.md §3): one per alarm state change, and with
// `--notify dry-run` the SNS messages CloudWatch would publish for it.
#ifndef TRAILWATCH_APP_TIMELINE_OUTPUT_H_
#define TRAILWATCH_APP_TIMELINE_OUTPUT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "alarm/timeline.h"
#include "rules/rules.h"

namespace trailwatch::app {

class TimelinePrinter {
 public:
  // `set` must outlive the printer. `config_updated_ms` stands for the alarms'
  // AlarmConfigurationUpdatedTimestamp: a replay puts every alarm when it starts.
  TimelinePrinter(const rules::RuleSet& set, const rules::LoadOptions& load, bool dry_run,
                  std::int64_t config_updated_ms);

  // Appends the line for `e`; `summaries` are the contributing events' JSON objects.
  void Print(const alarm::TimelineEntry& e, const std::vector<std::string>& summaries,
             std::string* out) const;

 private:
  void AppendNotifications(const alarm::TimelineEntry& e, std::string* out) const;

  const rules::LoadOptions& load_;
  bool dry_run_;
  std::int64_t config_updated_ms_;
  std::map<std::string, const rules::MetricAlarm*, std::less<>> alarms_;
  std::map<std::string, const rules::CompositeAlarm*, std::less<>> composites_;
  std::map<std::string, const rules::Topic*, std::less<>> topics_;
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_TIMELINE_OUTPUT_H_
