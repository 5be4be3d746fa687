// `scan --rules`: metric filters turn matching events into metric observations (one hook per
// scan worker), the alarms are replayed over them in event time (alarm/timeline.h), and every
// state change is printed as one NDJSON line with the events that caused it.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <thread>

#include "alarm/timeline.h"
#include "app/commands.h"
#include "app/timeline_output.h"
#include "common/json_text.h"
#include "common/time.h"
#include "engine/engine.h"
#include "rules/rules.h"

namespace trailwatch::app {
namespace {

constexpr std::int64_t kMinute = 60'000;

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

struct SummaryFields {
  std::uint32_t event_time, principal, identity_type, invoked_by, event_source, event_name,
      source_ip, user_agent, error_code, event_id, region, account;
  // What the call acted on, most specific first: the secret, then the usual request
  // parameters of the services CIS watches, then the first of `resources`.
  std::vector<std::uint32_t> resource;
};

event::JsonPath Path(std::initializer_list<const char*> keys) {
  event::JsonPath p;
  for (const char* k : keys) p.steps.push_back({event::PathStep::Kind::kKey, k, 0});
  return p;
}

Result<Source> CompileSource(std::string_view text, event::PathRegistry* registry) {
  Source s;
  if (text.empty()) return Status::InvalidArgument("empty value");
  if (text[0] != '$') {
    double v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      return Status::InvalidArgument(
          fmt::format("'{}' is neither a number nor a $ reference", text));
    }
    s.constant = v;
    return s;
  }
  if (text.size() > 1 && (text[1] == '.' || text[1] == '[')) {
    auto path = pattern::ParseSelector(text);
    if (!path.ok()) return path.status();
    s.kind = Source::Kind::kSlot;
    s.slot = registry->Add(*path);
    return s;
  }
  s.kind = Source::Kind::kField;
  s.field = std::string(text);
  return s;
}

class MetricHook final : public engine::EventHook {
 public:
  MetricHook(const std::vector<CompiledFilter>& filters,
             const std::vector<std::shared_ptr<const pattern::Program>>& programs,
             const SummaryFields& fields, std::shared_ptr<const event::PathSet> summary_paths)
      : matched_minutes_(filters.size()),
        filters_(filters),
        programs_(programs),
        fields_(fields),
        summary_paths_(std::move(summary_paths)) {
    last_matched_minute_.assign(filters.size(), INT64_MIN);
  }

  void OnEvent(const event::EventView& view, std::string_view json, std::int64_t time,
               const std::vector<bool>& matched, std::size_t input, std::uint64_t record) override {
    const std::int64_t minute = time - time % kMinute;
    // Arrival on the input's own event-time clock (alarm/timeline.h): each input is one
    // stream, read in order; inputs are concurrent streams, so their order does not matter.
    if (input != input_) {
      input_ = input;
      clock_ = time;
    }
    clock_ = std::max(clock_, time);
    if (minute != last_minute_) {  // events come mostly in time order; spare the set
      minutes_.insert(minute);
      last_minute_ = minute;
    }
    first_ = std::min(first_, time);
    last_ = std::max(last_, time);
    std::int64_t summary = -1;
    for (std::size_t f = 0; f < filters_.size(); ++f) {
      const CompiledFilter& cf = filters_[f];
      if (!matched[cf.program]) continue;
      // Only DefaultValue needs the minutes a filter matched in (see RunScanRules).
      if (cf.default_value && cf.dimensions.empty() && last_matched_minute_[f] != minute) {
        matched_minutes_[f].insert(minute);
        last_matched_minute_[f] = minute;
      }
      // $name / $N fields of a space-delimited pattern: extracted once per matched filter.
      std::optional<pattern::ExtractedValues> fields;
      // AWS leaves a missing or non-numeric value undocumented; the event publishes nothing
      // (spec 2.3's recommendation, docs/alarms.md).
      double value = cf.value.constant;
      if (cf.value.kind != Source::Kind::kConstant) {
        const std::optional<std::string> value_text = Text(view, cf.program, cf.value, &fields);
        if (!value_text || !ToNumber(*value_text, &value)) continue;
      }
      std::vector<std::pair<std::string, std::string>> dims;
      bool complete = true;
      for (const auto& [name, source] : cf.dimensions) {
        auto text = Text(view, cf.program, source, &fields);
        if (!text) {
          complete = false;
          break;
        }
        dims.emplace_back(name, std::move(*text));
      }
      if (!complete) continue;
      if (summary < 0) summary = Summarize(json, input, record);
      observations_.push_back({metrics::MetricKey::Make(cf.name_space, cf.name, std::move(dims)),
                               time, value, summary, clock_});
    }
  }

  std::vector<alarm::Observation> observations_;
  std::vector<Summary> summaries_;
  std::set<std::int64_t> minutes_;
  std::vector<std::set<std::int64_t>> matched_minutes_;
  std::int64_t first_ = INT64_MAX;
  std::int64_t last_ = INT64_MIN;

 private:
  std::optional<std::string> Text(const event::EventView& view, std::size_t program,
                                  const Source& s,
                                  std::optional<pattern::ExtractedValues>* fields) const {
    if (s.kind == Source::Kind::kConstant) return fmt::format("{}", s.constant);
    if (s.kind == Source::Kind::kField) {
      if (!*fields) *fields = programs_[program]->Extract(view);
      for (auto& [name, value] : **fields) {
        if (name == s.field) return value;
      }
      return std::nullopt;
    }
    std::optional<std::string> out;
    view.AnyValue(s.slot, [&](const event::Value& v) {
      if (v.kind == event::ValueKind::kString || v.kind == event::ValueKind::kNumber ||
          v.kind == event::ValueKind::kBool) {
        out = std::string(v.text);
      }
      return true;
    });
    return out;
  }

  static bool ToNumber(std::string_view text, double* out) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return ec == std::errc() && ptr == text.data() + text.size();
  }

  std::int64_t Summarize(std::string_view json_text, std::size_t input, std::uint64_t record) {
    summary_extractor_.Extract(*summary_paths_, json_text, &summary_view_);
    auto get = [&](std::uint32_t slot) {
      std::string v;
      summary_view_.AnyValue(slot, [&](const event::Value& x) {
        if (x.kind == event::ValueKind::kString || x.kind == event::ValueKind::kNumber) {
          v = std::string(x.text);
        }
        return true;
      });
      return v;
    };
    std::string principal = get(fields_.principal);
    if (principal.empty()) principal = get(fields_.invoked_by);
    if (principal.empty()) principal = get(fields_.identity_type);
    std::string resource;
    for (std::uint32_t slot : fields_.resource) {
      resource = get(slot);
      if (!resource.empty()) break;
    }
    std::string json = "{";
    bool first = true;
    auto field = [&](std::string_view key, const std::string& value) {
      if (value.empty()) return;
      json += first ? "\"" : ",\"";
      first = false;
      json += key;
      json += "\":";
      AppendJsonString(&json, value);
    };
    field("eventTime", get(fields_.event_time));
    field("principal", principal);
    field("eventSource", get(fields_.event_source));
    field("eventName", get(fields_.event_name));
    field("resource", resource);
    field("sourceIPAddress", get(fields_.source_ip));
    field("userAgent", get(fields_.user_agent));
    field("errorCode", get(fields_.error_code));
    field("awsRegion", get(fields_.region));
    field("recipientAccountId", get(fields_.account));
    field("eventID", get(fields_.event_id));
    json += "}";
    summaries_.push_back({input, record, std::move(json)});
    return static_cast<std::int64_t>(summaries_.size() - 1);
  }

  const std::vector<CompiledFilter>& filters_;
  const std::vector<std::shared_ptr<const pattern::Program>>& programs_;
  const SummaryFields& fields_;
  std::shared_ptr<const event::PathSet> summary_paths_;
  event::Extractor summary_extractor_;
  event::EventView summary_view_;
  std::int64_t last_minute_ = INT64_MIN;
  std::vector<std::int64_t> last_matched_minute_;  // per filter: spares the set
  std::size_t input_ = SIZE_MAX;
  std::int64_t clock_ = INT64_MIN;
};

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
  const rules::LoadOptions load_options;
  rules::RuleSet set;
  for (const std::string& r : options.rules) {
    auto loaded = rules::LoadRuleFile(r, load_options);
    if (!loaded.ok()) return fail(loaded.status().ToString());
    for (const std::string& note : loaded->notes) fmt::print(err, "trailwatch: note: {}\n", note);
    if (Status s = rules::Merge(&set, std::move(*loaded)); !s.ok()) return fail(s.ToString());
  }
  if (Status s = rules::CheckReferences(set); !s.ok()) return fail(s.ToString());
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
  // The summary fields are read only for events a filter matched (few), from a second
  // extraction, so that the per-event walk carries just the filters' own paths.
  event::PathRegistry summary_registry;
  SummaryFields fields{};
  fields.event_time = engine::RegisterEventTime(&summary_registry);
  fields.principal = summary_registry.Add(Path({"userIdentity", "arn"}));
  fields.identity_type = summary_registry.Add(Path({"userIdentity", "type"}));
  fields.invoked_by = summary_registry.Add(Path({"userIdentity", "invokedBy"}));
  fields.event_source = summary_registry.Add(Path({"eventSource"}));
  fields.event_name = summary_registry.Add(Path({"eventName"}));
  for (auto keys : std::initializer_list<std::initializer_list<const char*>>{
           {"requestParameters", "secretId"},
           {"additionalEventData", "SecretId"},
           {"requestParameters", "name"},
           {"requestParameters", "bucketName"},
           {"requestParameters", "userName"},
           {"requestParameters", "roleName"},
           {"requestParameters", "policyArn"},
           {"requestParameters", "groupId"},
           {"requestParameters", "keyId"},
           {"requestParameters", "instanceId"},
           {"requestParameters", "trailName"}}) {
    fields.resource.push_back(summary_registry.Add(Path(keys)));
  }
  {
    event::JsonPath first_resource = Path({"resources"});
    first_resource.steps.push_back({event::PathStep::Kind::kIndex, {}, 0});
    first_resource.steps.push_back({event::PathStep::Kind::kKey, "ARN", 0});
    fields.resource.push_back(summary_registry.Add(first_resource));
  }
  fields.source_ip = summary_registry.Add(Path({"sourceIPAddress"}));
  fields.user_agent = summary_registry.Add(Path({"userAgent"}));
  fields.error_code = summary_registry.Add(Path({"errorCode"}));
  fields.event_id = summary_registry.Add(Path({"eventID"}));
  fields.region = summary_registry.Add(Path({"awsRegion"}));
  fields.account = summary_registry.Add(Path({"recipientAccountId"}));

  std::vector<CompiledFilter> filters;
  bool delimited = false;
  for (const rules::MetricFilter& mf : set.metric_filters) {
    pattern::CompileOptions co;
    co.registry = &registry;
    auto program = pattern::Compile(mf.filter_pattern, co);
    if (!program.ok()) return fail(program.status().WithContext(mf.logical_id).ToString());
    delimited |= (*program)->needs_delimited_fields();
    CompiledFilter cf;
    cf.program = scan.programs.size();
    scan.programs.push_back(std::move(*program));
    const rules::MetricTransformation& t = mf.transformation;
    cf.name_space = t.metric_namespace;
    cf.name = t.metric_name;
    cf.default_value = t.default_value;
    auto value = CompileSource(t.metric_value, &registry);
    if (!value.ok())
      return fail(value.status().WithContext(mf.logical_id + ": MetricValue").ToString());
    cf.value = *value;
    for (const auto& [name, ref] : t.dimensions) {
      auto source = CompileSource(ref, &registry);
      if (!source.ok())
        return fail(source.status().WithContext(mf.logical_id + ": Dimensions").ToString());
      cf.dimensions.emplace_back(name, *source);
    }
    filters.push_back(std::move(cf));
  }
  scan.paths = event::PathSet::Build(registry.paths(), delimited);
  const auto summary_paths = event::PathSet::Build(summary_registry.paths(), false);
  scan.collect_matches = false;
  if (Status st = ConfigureScan(options, &scan); !st.ok()) return fail(st.message());
  scan.make_hook = [&] {
    return std::unique_ptr<engine::EventHook>(
        new MetricHook(filters, scan.programs, fields, summary_paths));
  };

  std::vector<std::string> sources = options.sources;
  if (sources.empty()) sources.push_back("-");
  auto inputs = engine::ResolveSources(sources);
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
    auto& hook = static_cast<MetricHook&>(*hooks[h]);
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
    summaries[g] = std::move(static_cast<MetricHook&>(*hooks[h]).summaries_[j].json);
    global[{h, j}] = static_cast<std::int64_t>(g);
  }
  std::vector<alarm::Observation> observations;
  for (std::size_t h = 0; h < hooks.size(); ++h) {
    for (alarm::Observation& o : static_cast<MetricHook&>(*hooks[h]).observations_) {
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

  std::vector<alarm::AlarmConfig> alarms;
  for (const rules::MetricAlarm& a : set.alarms) alarms.push_back(a.config);
  std::vector<alarm::CompositeDefinition> composites;
  for (const rules::CompositeAlarm& c : set.composites) {
    auto rule = alarm::CompileRule(c.alarm_rule);
    if (!rule.ok()) return fail(rule.status().WithContext(c.logical_id).ToString());
    alarm::CompositeDefinition d;
    d.name = c.name;
    alarm::AlarmConfig named;
    named.name = c.name;
    named.region = load_options.region;
    named.account = load_options.account_id;
    d.arn = named.Arn();
    d.rule = std::move(*rule);
    d.actions_enabled = c.actions_enabled;
    d.ok_actions = c.ok_actions;
    d.alarm_actions = c.alarm_actions;
    d.insufficient_data_actions = c.insufficient_data_actions;
    composites.push_back(std::move(d));
  }
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
  std::string text;
  std::size_t to_alarm = 0;
  for (const alarm::TimelineEntry& e : *timeline) {
    printer.Print(e, summaries, &text);
    to_alarm += e.transition.new_state == alarm::State::kAlarm;
  }
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(err,
             "trailwatch: scan: {} inputs, {} events, {} malformed, {} metric filters, {} alarms, "
             "{} state changes ({} to ALARM), {} late observations, {:.2f} s\n",
             stats.inputs, stats.events, stats.malformed, filters.size(),
             alarms.size() + composites.size(), timeline->size(), to_alarm, late, secs);
  return options.strict && stats.malformed > 0 ? 2 : 0;
}

}  // namespace trailwatch::app
