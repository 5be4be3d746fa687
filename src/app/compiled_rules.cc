#include "app/compiled_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace trailwatch::app {
namespace {

constexpr std::int64_t kMinute = 60'000;

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

}  // namespace

Result<std::unique_ptr<CompiledMetricFilters>> CompileMetricFilters(const rules::RuleSet& set,
                                                                    const rules::LoadOptions& load,
                                                                    event::PathRegistry* registry,
                                                                    engine::ScanOptions* scan,
                                                                    bool* needs_delimited_fields) {
  auto out = std::make_unique<CompiledMetricFilters>();
  out->description.Finish();
  for (const rules::MetricFilter& mf : set.metric_filters) {
    pattern::CompileOptions co;
    co.registry = registry;
    auto program = pattern::Compile(mf.filter_pattern, co);
    if (!program.ok()) return program.status().WithContext(mf.logical_id);
    *needs_delimited_fields |= (*program)->needs_delimited_fields();
    CompiledFilter cf;
    cf.program = scan->programs.size();
    scan->programs.push_back(std::move(*program));
    const rules::MetricTransformation& t = mf.transformation;
    cf.name_space = t.metric_namespace;
    cf.name = t.metric_name;
    cf.default_value = t.default_value;
    auto value = CompileSource(t.metric_value, registry);
    if (!value.ok()) return value.status().WithContext(mf.logical_id + ": MetricValue");
    cf.value = *value;
    for (const auto& [name, ref] : t.dimensions) {
      auto source = CompileSource(ref, registry);
      if (!source.ok()) return source.status().WithContext(mf.logical_id + ": Dimensions");
      cf.dimensions.emplace_back(name, *source);
    }
    out->filters.push_back(std::move(cf));
  }
  for (const rules::MetricAlarm& a : set.alarms) out->alarms.push_back(a.config);
  for (const rules::CompositeAlarm& c : set.composites) {
    auto rule = alarm::CompileRule(c.alarm_rule);
    if (!rule.ok()) return rule.status().WithContext(c.logical_id);
    alarm::CompositeDefinition d;
    d.name = c.name;
    alarm::AlarmConfig named;
    named.name = c.name;
    named.region = load.region;
    named.account = load.account_id;
    d.arn = named.Arn();
    d.rule = std::move(*rule);
    d.actions_enabled = c.actions_enabled;
    d.ok_actions = c.ok_actions;
    d.alarm_actions = c.alarm_actions;
    d.insufficient_data_actions = c.insufficient_data_actions;
    out->composites.push_back(std::move(d));
  }
  return out;
}

MetricHook::MetricHook(const CompiledMetricFilters& compiled,
                       const std::vector<std::shared_ptr<const pattern::Program>>& programs)
    : matched_minutes_(compiled.filters.size()),
      filters_(compiled.filters),
      programs_(programs),
      describe_(compiled.description) {
  last_matched_minute_.assign(filters_.size(), INT64_MIN);
}

void MetricHook::OnEvent(const event::EventView& view, const event::RecordText& json,
                         std::int64_t time, const std::vector<bool>& matched, std::size_t input,
                         std::uint64_t record) {
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

std::optional<std::string> MetricHook::Text(const event::EventView& view, std::size_t program,
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

bool MetricHook::ToNumber(std::string_view text, double* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::int64_t MetricHook::Summarize(const event::RecordText& json_text, std::size_t input,
                                   std::uint64_t record) {
  describe_.Extract(json_text);
  summaries_.push_back({input, record, describe_.Summary()});
  return static_cast<std::int64_t>(summaries_.size() - 1);
}

}  // namespace trailwatch::app
