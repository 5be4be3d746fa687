// A rule set compiled for the engine: the metric filters' (and detections') programs on one
// path registry, how each filter turns a matching event into metric observations, and the
// who/what/where/when summary of the events behind them. Shared by `scan --rules` (history)
// and the daemon's monitor (live), so both see the same observations.
#ifndef TRAILWATCH_APP_COMPILED_RULES_H_
#define TRAILWATCH_APP_COMPILED_RULES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "alarm/timeline.h"
#include "app/event_description.h"
#include "common/status.h"
#include "engine/engine.h"
#include "event/event.h"
#include "pattern/pattern.h"
#include "rules/rules.h"

namespace trailwatch::app {

// Where a metric value or dimension comes from: a number, a JSON selector, or a field of a
// space-delimited pattern ($name / $N).
struct Source {
  enum class Kind { kConstant, kSlot, kField } kind = Kind::kConstant;
  double constant = 0;
  std::uint32_t slot = 0;
  std::string field;  // "$name"
};

struct CompiledFilter {
  std::size_t program = 0;
  std::string name_space;
  std::string name;
  Source value;
  std::vector<std::pair<std::string, Source>> dimensions;
  std::optional<double> default_value;
};

// The who/what/where/when of a contributing event.
struct Summary {
  std::size_t input = 0;
  std::uint64_t record = 0;
  std::string json;  // the summary object, ready to print
};

// The metric filters of a rule set, compiled.
struct CompiledMetricFilters {
  std::vector<CompiledFilter> filters;
  // What the contributing events' summaries tell (finished).
  EventDescription description;
  // The alarms and composites of the set, ready for alarm::Evaluator.
  std::vector<alarm::AlarmConfig> alarms;
  std::vector<alarm::CompositeDefinition> composites;
};

// Compiles the metric filters of `set` against `registry`, appending their programs to
// scan->programs (call before scan->paths is built); `*needs_delimited_fields` is set when a
// pattern needs space-delimited fields. Errors name the resource.
Result<std::unique_ptr<CompiledMetricFilters>> CompileMetricFilters(const rules::RuleSet& set,
                                                                    const rules::LoadOptions& load,
                                                                    event::PathRegistry* registry,
                                                                    engine::ScanOptions* scan,
                                                                    bool* needs_delimited_fields);

// Turns the metric filters' matches into observations (one hook per scan worker, or one for
// the daemon's monitor). The public members are what it found; the caller drains them.
class MetricHook final : public engine::EventHook {
 public:
  // `compiled` and `programs` must outlive the hook.
  MetricHook(const CompiledMetricFilters& compiled,
             const std::vector<std::shared_ptr<const pattern::Program>>& programs);

  void OnEvent(const event::EventView& view, const event::RecordText& json, std::int64_t time,
               const std::vector<bool>& matched, std::size_t input, std::uint64_t record) override;

  // Observations with `event` indexing summaries_ and arrival_ms on the input's event-time
  // clock (alarm/timeline.h).
  std::vector<alarm::Observation> observations_;
  std::vector<Summary> summaries_;
  // Minutes with events, and per filter the minutes it matched in (for DefaultValue).
  std::set<std::int64_t> minutes_;
  std::vector<std::set<std::int64_t>> matched_minutes_;
  std::int64_t first_ = INT64_MAX;
  std::int64_t last_ = INT64_MIN;

 private:
  std::optional<std::string> Text(const event::EventView& view, std::size_t program,
                                  const Source& s,
                                  std::optional<pattern::ExtractedValues>* fields) const;
  static bool ToNumber(std::string_view text, double* out);
  std::int64_t Summarize(const event::RecordText& json_text, std::size_t input,
                         std::uint64_t record);

  const std::vector<CompiledFilter>& filters_;
  const std::vector<std::shared_ptr<const pattern::Program>>& programs_;
  EventDescription::Reader describe_;
  std::int64_t last_minute_ = INT64_MIN;
  std::vector<std::int64_t> last_matched_minute_;  // per filter: spares the set
  std::size_t input_ = SIZE_MAX;
  std::int64_t clock_ = INT64_MIN;
};

// A scan worker's (or the monitor's) hooks: the metric filters' and the detections'.
class RulesHook final : public engine::EventHook {
 public:
  RulesHook(std::unique_ptr<MetricHook> m, std::unique_ptr<engine::EventHook> d)
      : metric(std::move(m)), detections(std::move(d)) {}
  void OnEvent(const event::EventView& view, const event::RecordText& json, std::int64_t time,
               const std::vector<bool>& matched, std::size_t input, std::uint64_t record) override {
    metric->OnEvent(view, json, time, matched, input, record);
    if (detections) detections->OnEvent(view, json, time, matched, input, record);
  }
  std::unique_ptr<MetricHook> metric;
  std::unique_ptr<engine::EventHook> detections;  // null without detections
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_COMPILED_RULES_H_
