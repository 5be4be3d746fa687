// `scan --rules`: metric filters turn matching events into metric observations (one hook per
// scan worker), the alarms are replayed over them in event time (alarm/timeline.h), and every
// state change is printed as one NDJSON line with the events that caused it. Detections run
// alongside (app/scan_detections.h); their alert lines are merged in by time.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "alarm/timeline.h"
#include "app/commands.h"
#include "app/compiled_rules.h"
#include "app/scan_detections.h"
#include "app/timeline_output.h"
#include "common/time.h"
#include "engine/engine.h"
#include "rules/rules.h"

namespace trailwatch::app {
namespace {

MetricHook& Metrics(const std::unique_ptr<engine::EventHook>& hook) {
  return *static_cast<RulesHook&>(*hook).metric;
}

class Quiet final : public engine::ScanObserver {
 public:
  explicit Quiet(std::FILE* err) : err_(err) {}
  void OnMatches(const engine::Input&, std::string_view) override {}
  void OnProblem(const engine::Input& input, std::string_view message) override {
    fmt::print(err_, "trailwatch: {}: {}\n", input.name, message);
  }

 private:
  std::FILE* err_;
};

}  // namespace

int RunScanRules(const ScanCommandOptions& options, std::FILE* out, std::FILE* err) {
  auto fail = [err](const std::string& message) {
    fmt::print(err, "trailwatch: {}\n", message);
    return 2;
  };
  // One account and region for every ARN: the loader's (alarms, topics) and ours (composites).
  rules::LoadOptions load_options;
  for (const std::string& p : options.parameters) {
    const std::size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(fmt::format("--parameter: expected NAME=VALUE, got '{}'", p));
    }
    load_options.parameters[p.substr(0, eq)] = p.substr(eq + 1);
  }
  rules::RuleSet set;
  for (const std::string& r : options.rules) {
    auto loaded = rules::LoadRuleFile(r, load_options);
    if (!loaded.ok()) return fail(loaded.status().ToString());
    for (const std::string& note : loaded->notes) fmt::print(err, "trailwatch: note: {}\n", note);
    if (Status s = rules::Merge(&set, std::move(*loaded)); !s.ok()) return fail(s.ToString());
  }
  if (Status s = rules::CheckReferences(set); !s.ok()) return fail(s.ToString());
  if (Status s = rules::CheckParameters(set, load_options); !s.ok()) {
    return fail("--parameter: " + s.ToString());
  }
  if (options.notify == "send") {
    return fail("--notify send is not available in scan yet; --notify dry-run prints the messages");
  }
  alarm::TimelineOptions span;
  if (options.lateness) {
    auto lateness = ParseDuration(*options.lateness);
    if (!lateness.ok()) return fail("--lateness: " + lateness.status().message());
    span.lateness_ms = *lateness;
  }
  std::size_t late = 0;
  span.late_observations = &late;

  engine::ScanOptions scan;
  event::PathRegistry registry;
  scan.event_time_slot = engine::RegisterEventTime(&registry);
  bool delimited = false;
  auto compiled = CompileMetricFilters(set, load_options, &registry, &scan, &delimited);
  if (!compiled.ok()) return fail(compiled.status().ToString());
  const std::vector<CompiledFilter>& filters = (*compiled)->filters;
  std::unique_ptr<DetectionScan> detections;
  if (!set.detections.empty()) {
    auto d = DetectionScan::Create(set, &registry, &scan, &delimited);
    if (!d.ok()) return fail(d.status().ToString());
    detections = std::move(*d);
  }
  scan.paths = event::PathSet::Build(registry.paths(), delimited);
  scan.collect_matches = false;
  if (Status st = ConfigureScan(options, &scan); !st.ok()) return fail(st.message());
  scan.make_hook = [&] {
    return std::unique_ptr<engine::EventHook>(
        new RulesHook(std::make_unique<MetricHook>(**compiled, scan.programs),
                      detections ? detections->MakeHook() : nullptr));
  };

  auto inputs = ResolveScanSources(options, scan, err);
  if (!inputs.ok()) return fail(inputs.status().ToString());
  Quiet quiet(err);
  std::vector<std::unique_ptr<engine::EventHook>> hooks;
  const auto started = std::chrono::steady_clock::now();
  const engine::ScanStats stats = engine::RunScan(*inputs, scan, &quiet, &hooks);

  // Merge the workers' findings; events are numbered in input order so that the output does
  // not depend on which thread read what.
  std::vector<std::pair<std::pair<std::size_t, std::uint64_t>, std::pair<std::size_t, std::size_t>>>
      order;
  std::set<std::int64_t> minutes;
  std::vector<std::set<std::int64_t>> matched_minutes(filters.size());
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  for (std::size_t h = 0; h < hooks.size(); ++h) {
    auto& hook = Metrics(hooks[h]);
    for (std::size_t j = 0; j < hook.summaries_.size(); ++j) {
      order.push_back({{hook.summaries_[j].input, hook.summaries_[j].record}, {h, j}});
    }
    minutes.insert(hook.minutes_.begin(), hook.minutes_.end());
    for (std::size_t f = 0; f < filters.size(); ++f) {
      matched_minutes[f].insert(hook.matched_minutes_[f].begin(), hook.matched_minutes_[f].end());
    }
    first = std::min(first, hook.first_);
    last = std::max(last, hook.last_);
  }
  std::sort(order.begin(), order.end());
  std::vector<std::string> summaries(order.size());
  std::map<std::pair<std::size_t, std::size_t>, std::int64_t> global;
  for (std::size_t g = 0; g < order.size(); ++g) {
    const auto [h, j] = order[g].second;
    summaries[g] = std::move(Metrics(hooks[h]).summaries_[j].json);
    global[{h, j}] = static_cast<std::int64_t>(g);
  }
  std::vector<alarm::Observation> observations;
  for (std::size_t h = 0; h < hooks.size(); ++h) {
    for (alarm::Observation& o : Metrics(hooks[h]).observations_) {
      if (o.event >= 0) o.event = global[{h, static_cast<std::size_t>(o.event)}];
      observations.push_back(std::move(o));
    }
  }
  // DefaultValue: one observation for each minute in which events arrived but none matched
  // (spec 2.3's recommendation).
  for (std::size_t f = 0; f < filters.size(); ++f) {
    if (!filters[f].default_value || !filters[f].dimensions.empty()) continue;
    for (std::int64_t m : minutes) {
      if (matched_minutes[f].count(m) != 0) continue;
      observations.push_back({metrics::MetricKey::Make(filters[f].name_space, filters[f].name), m,
                              *filters[f].default_value, -1, std::nullopt});
    }
  }

  const std::vector<alarm::AlarmConfig>& alarms = (*compiled)->alarms;
  const std::vector<alarm::CompositeDefinition>& composites = (*compiled)->composites;
  if (first <= last) {
    span.start_ms = scan.start_ms.value_or(first);
    std::int64_t tail = 0;
    for (const auto& a : alarms) {
      tail = std::max(tail, std::int64_t{alarm::EvaluationRange(a)} * a.period_seconds * 1000 +
                                alarm::EvaluationIntervalMs(a));
    }
    span.end_ms = scan.end_ms.value_or(last + tail);
  }
  auto timeline = alarm::RunTimeline(alarms, composites, std::move(observations), span);
  if (!timeline.ok()) return fail(timeline.status().ToString());
  TimelinePrinter printer(set, load_options, options.notify == "dry-run",
                          span.start_ms.value_or(0));
  std::vector<AlertLine> alerts;
  if (detections) {
    std::vector<engine::EventHook*> detection_hooks;
    for (const auto& h : hooks) {
      detection_hooks.push_back(static_cast<RulesHook&>(*h).detections.get());
    }
    auto a = detections->Run(detection_hooks);
    if (!a.ok()) return fail(a.status().ToString());
    alerts = std::move(*a);
  }
  // One timeline in time order; at the same instant the alarm lines come first.
  std::string text;
  std::size_t to_alarm = 0;
  std::size_t next_alert = 0;
  for (const alarm::TimelineEntry& e : *timeline) {
    for (; next_alert < alerts.size() && alerts[next_alert].time_ms < e.time_ms; ++next_alert) {
      text += alerts[next_alert].text;
    }
    printer.Print(e, summaries, &text);
    to_alarm += e.transition.new_state == alarm::State::kAlarm;
  }
  for (; next_alert < alerts.size(); ++next_alert) text += alerts[next_alert].text;
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(err,
             "trailwatch: scan: {} inputs, {} events, {} malformed, {} metric filters, {} alarms, "
             "{} state changes ({} to ALARM), {} late observations, {} detections, {} alerts, "
             "{:.2f} s\n",
             stats.inputs, stats.events, stats.malformed, filters.size(),
             alarms.size() + composites.size(), timeline->size(), to_alarm, late,
             set.detections.size(), alerts.size(), secs);
  return options.strict && stats.malformed > 0 ? 2 : 0;
}

}  // namespace trailwatch::app
