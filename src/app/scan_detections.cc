#include "app/scan_detections.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <tuple>
#include <unordered_map>

#include "app/event_description.h"
#include "common/json_text.h"
#include "common/time.h"
#include "detect/detect.h"
#include "pattern/pattern.h"

namespace trailwatch::app {
namespace {

struct Match {
  std::size_t detection;
  detect::EventFields fields;
  std::vector<std::string> group_values;
  std::string summary;  // the event's summary object, as the alarm lines print events
};

}  // namespace

struct DetectionScan::Impl {
  const rules::RuleSet* set = nullptr;
  std::size_t first_program = 0;
  EventDescription description;                      // with each detection's GroupBy paths
  std::vector<std::vector<std::uint32_t>> group_by;  // per detection, per GroupBy selector
};

namespace {

class Hook final : public engine::EventHook {
 public:
  explicit Hook(const DetectionScan::Impl& impl) : impl_(impl), describe_(impl.description) {}

  void OnEvent(const event::EventView&, const event::RecordText& json, std::int64_t time,
               const std::vector<bool>& matched, std::size_t, std::uint64_t) override {
    bool extracted = false;
    const std::size_t n = impl_.set->detections.size();
    for (std::size_t d = 0; d < n; ++d) {
      if (!matched[impl_.first_program + d]) continue;
      if (!extracted) {
        describe_.Extract(json);
        extracted = true;
      }
      Match m{d, describe_.Fields(time), {}, describe_.Summary()};
      for (std::uint32_t slot : impl_.group_by[d]) m.group_values.push_back(describe_.Get(slot));
      matches.push_back(std::move(m));
    }
  }

  std::vector<Match> matches;

 private:
  const DetectionScan::Impl& impl_;
  EventDescription::Reader describe_;
};

// `"key":{"a":"x",...}` with the empty values left out.
void AppendObject(std::string* out, std::string_view key,
                  std::initializer_list<std::pair<std::string_view, const std::string*>> fields) {
  *out += ",\"";
  *out += key;
  *out += "\":{";
  bool first = true;
  for (const auto& [name, value] : fields) {
    if (value->empty()) continue;
    *out += first ? "\"" : ",\"";
    first = false;
    *out += name;
    *out += "\":";
    AppendJsonString(out, *value);
  }
  *out += '}';
}

std::string AlertText(const detect::Alert& a, const std::vector<Match>& matches) {
  const detect::EventFields& f = a.trigger;
  std::string out = "{\"type\":\"alert\",\"time\":";
  AppendJsonString(&out, FormatIso8601(a.time_ms));
  out += ",\"detection\":";
  AppendJsonString(&out, a.detection);
  out += ",\"severity\":";
  AppendJsonString(&out, detect::SeverityName(a.severity));
  if (a.rollup) out += ",\"rollup\":true";
  AppendObject(&out, "who",
               {{"principal", &f.principal_arn},
                {"accessKeyId", &f.access_key_id},
                {"userAgent", &f.user_agent}});
  AppendObject(&out, "what",
               {{"eventSource", &f.event_source},
                {"eventName", &f.event_name},
                {"resource", &f.resource},
                {"errorCode", &f.error_code}});
  AppendObject(&out, "where",
               {{"sourceIPAddress", &f.source_ip},
                {"awsRegion", &f.region},
                {"recipientAccountId", &f.account}});
  out += fmt::format(",\"count\":{}", a.count);
  if (!a.group.empty()) {
    out += ",\"group\":{";
    for (std::size_t i = 0; i < a.group.size(); ++i) {
      if (i > 0) out += ',';
      AppendJsonString(&out, a.group[i].first);
      out += ':';
      AppendJsonString(&out, a.group[i].second);
    }
    out += '}';
  }
  if (a.dedup_until_ms > 0) {
    out += ",\"dedupUntil\":";
    AppendJsonString(&out, FormatIso8601(a.dedup_until_ms));
  }
  out += ",\"actions\":[";
  for (std::size_t i = 0; i < a.actions.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(&out, a.actions[i]);
  }
  out += "],\"events\":[";
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    if (i > 0) out += ',';
    out += matches[static_cast<std::size_t>(a.events[i])].summary;
  }
  out += "]}\n";
  return out;
}

}  // namespace

DetectionScan::DetectionScan(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DetectionScan::~DetectionScan() = default;

std::size_t DetectionScan::size() const { return impl_->set->detections.size(); }

Result<std::unique_ptr<DetectionScan>> DetectionScan::Create(const rules::RuleSet& set,
                                                             event::PathRegistry* registry,
                                                             engine::ScanOptions* scan,
                                                             bool* needs_delimited_fields) {
  auto impl = std::make_unique<Impl>();
  impl->set = &set;
  impl->first_program = scan->programs.size();
  for (const rules::Detection& d : set.detections) {
    pattern::CompileOptions co;
    co.registry = registry;
    auto program = pattern::Compile(d.config.filter_pattern, co);
    if (!program.ok()) return program.status().WithContext(d.logical_id);
    *needs_delimited_fields |= (*program)->needs_delimited_fields();
    scan->programs.push_back(std::move(*program));
  }
  for (const rules::Detection& d : set.detections) {
    std::vector<std::uint32_t> slots;
    for (const std::string& selector : d.config.group_by) {
      auto path = pattern::ParseSelector(selector);
      if (!path.ok()) return path.status().WithContext(d.logical_id + ": GroupBy");
      slots.push_back(impl->description.Add(*path));
    }
    impl->group_by.push_back(std::move(slots));
  }
  impl->description.Finish();
  return std::unique_ptr<DetectionScan>(new DetectionScan(std::move(impl)));
}

std::unique_ptr<engine::EventHook> DetectionScan::MakeHook() const {
  return std::make_unique<Hook>(*impl_);
}

Result<std::vector<AlertLine>> DetectionScan::Run(
    const std::vector<engine::EventHook*>& hooks) const {
  std::vector<Match> matches;
  for (engine::EventHook* h : hooks) {
    auto& hook = static_cast<Hook&>(*h);
    for (Match& m : hook.matches) matches.push_back(std::move(m));
    hook.matches.clear();
  }
  // Event time first; the rest only makes the order total, so that the input order cannot
  // leak into the alerts.
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    return std::tie(a.fields.time_ms, a.fields.event_id, a.summary, a.detection) <
           std::tie(b.fields.time_ms, b.fields.event_id, b.summary, b.detection);
  });
  std::vector<detect::DetectionConfig> configs;
  for (const rules::Detection& d : impl_->set->detections) configs.push_back(d.config);
  auto evaluator = detect::Evaluator::Create(std::move(configs));
  if (!evaluator.ok()) return evaluator.status();
  std::vector<detect::Alert> alerts;
  for (std::size_t i = 0; i < matches.size(); ++i) {
    detect::Event e{matches[i].detection, matches[i].fields, matches[i].group_values,
                    static_cast<std::int64_t>(i)};
    (*evaluator)->Process(e, &alerts);
  }
  // The end of the input closes every dedup window: its roll-up is due at the window's end.
  (*evaluator)->Flush(INT64_MAX, &alerts);
  std::vector<AlertLine> lines;
  for (const detect::Alert& a : alerts) {
    AlertLine line{a.time_ms, AlertText(a, matches), a.detection, a.actions, {}};
    lines.push_back(std::move(line));
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const AlertLine& x, const AlertLine& y) { return x.time_ms < y.time_ms; });
  return lines;
}

struct DetectionScan::Live::State {
  // Matches are forgotten in batches of this many, once the evaluator no longer holds them.
  static constexpr std::size_t kPruneEvery = 1024;

  std::unique_ptr<detect::Evaluator> evaluator;
  // Matches an alert may still name, by ref: those the evaluator holds (HeldRefs) and those
  // taken since the last Prune. Memory follows the open windows, not the event rate: a dedup
  // window of an hour over a secret read 100 times a second names 10 reads, not 360,000.
  std::unordered_map<std::int64_t, Match> held;
  std::int64_t next_ref = 0;
  std::size_t since_prune = 0;
  std::int64_t pruned_ms = INT64_MIN / 2;  // Flush's clock at the last Prune
  std::int64_t keep_ms = 0;                // the longest threshold or dedup window

  void Lines(std::vector<detect::Alert>& alerts, std::vector<AlertLine>* out) {
    for (const detect::Alert& a : alerts) {
      std::vector<Match> named;
      detect::Alert renumbered = a;
      std::vector<std::string> events;
      for (std::int64_t& ref : renumbered.events) {
        const auto it = held.find(ref);
        named.push_back(it != held.end() ? it->second : Match{0, {}, {}, "{}"});
        events.push_back(named.back().summary);
        ref = static_cast<std::int64_t>(named.size() - 1);
      }
      out->push_back(
          {a.time_ms, AlertText(renumbered, named), a.detection, a.actions, std::move(events)});
    }
    alerts.clear();
  }

  // Keeps only the matches the evaluator still holds. Alerts already emitted have their
  // lines, so only held refs can be named again.
  void Prune() {
    std::vector<std::int64_t> refs;
    evaluator->HeldRefs(&refs);
    std::unordered_map<std::int64_t, Match> kept;
    kept.reserve(refs.size());
    for (std::int64_t ref : refs) {
      if (auto it = held.find(ref); it != held.end()) kept.emplace(ref, std::move(it->second));
    }
    held.swap(kept);
    since_prune = 0;
  }
};

DetectionScan::Live::Live(std::unique_ptr<State> state) : state_(std::move(state)) {}
DetectionScan::Live::~Live() = default;

Result<std::unique_ptr<DetectionScan::Live>> DetectionScan::StartLive() const {
  auto state = std::make_unique<Live::State>();
  std::vector<detect::DetectionConfig> configs;
  for (const rules::Detection& d : impl_->set->detections) {
    configs.push_back(d.config);
    std::int64_t w = std::int64_t{d.config.dedup_window_seconds} * 1000;
    if (d.config.threshold) {
      w = std::max(w, std::int64_t{d.config.threshold->window_seconds} * 1000);
    }
    state->keep_ms = std::max(state->keep_ms, w);
  }
  auto evaluator = detect::Evaluator::Create(std::move(configs));
  if (!evaluator.ok()) return evaluator.status();
  state->evaluator = std::move(*evaluator);
  return std::unique_ptr<Live>(new Live(std::move(state)));
}

std::int64_t DetectionScan::Live::KeepMs() const { return state_->keep_ms; }
std::size_t DetectionScan::Live::HeldMatches() const { return state_->held.size(); }

void DetectionScan::Live::Take(engine::EventHook* hook, std::vector<AlertLine>* out) {
  State& s = *state_;
  auto& h = static_cast<Hook&>(*hook);
  std::vector<detect::Alert> alerts;
  for (Match& m : h.matches) {
    const std::int64_t ref = s.next_ref++;
    detect::Event e{m.detection, m.fields, m.group_values, ref};
    s.held.emplace(ref, std::move(m));
    s.evaluator->Process(e, &alerts);
    ++s.since_prune;
  }
  h.matches.clear();
  s.Lines(alerts, out);
  if (s.since_prune >= State::kPruneEvery) s.Prune();
}

void DetectionScan::Live::Flush(std::int64_t now_ms, std::vector<AlertLine>* out) {
  State& s = *state_;
  std::vector<detect::Alert> alerts;
  s.evaluator->Flush(now_ms, &alerts);
  const bool closed = !alerts.empty();  // roll-ups let go of the events they named
  s.Lines(alerts, out);
  // Flush runs after every batch the daemon takes; sweeping the groups each time would cost
  // more than the matches it frees.
  if (s.since_prune >= State::kPruneEvery ||
      ((s.since_prune > 0 || closed) && now_ms - s.pruned_ms >= 1000)) {
    s.Prune();
    s.pruned_ms = now_ms;
  }
}

}  // namespace trailwatch::app
