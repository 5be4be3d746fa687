#include "alarm/timeline.h"

#include <algorithm>
#include <map>

namespace trailwatch::alarm {
namespace {

// (time, event), sorted. Only what an evaluation can use is kept: per 10-second bucket (every
// period is 10, 20, 30 s or a multiple of 60 s, and evaluation slots start on multiples of 10 s,
// so a slot is whole buckets) the earliest max_contributing events (Contributing names the
// earliest of each slot) and the earliest observation without an event (DefaultValue), which
// with them tells AnyIn whether the bucket holds data. Memory then follows the number of
// buckets in range, not the event rate.
using EventList = std::vector<std::pair<std::int64_t, std::int64_t>>;
constexpr std::int64_t kEventBucketMs = 10'000;

// One metric alarm being evaluated.
struct Evaluated {
  Alarm alarm;
  std::int64_t interval_ms;
  std::int64_t period_ms;
  std::int64_t range_ms;  // EvaluationRange x Period: how far back an evaluation looks
  const EventList* events;
  bool early;          // CanOnlyMoveTowardBreaching
  bool quiet = false;  // the last evaluation saw no datapoint at all
  // The newest instant this alarm was evaluated at; an early change moves it ahead of the
  // scheduled evaluations still waiting for late data.
  std::int64_t evaluated_ms = INT64_MIN;
};

std::int64_t FloorTo(std::int64_t t, std::int64_t step) {
  const std::int64_t r = t % step;
  return r < 0 ? t - r - step : t - r;
}

bool AnyIn(const EventList& events, std::int64_t from, std::int64_t to) {
  auto it = std::lower_bound(events.begin(), events.end(), std::make_pair(from, INT64_MIN));
  return it != events.end() && it->first < to;
}

}  // namespace

bool CanOnlyMoveTowardBreaching(const AlarmConfig& config) {
  using Kind = metrics::StatisticSpec::Kind;
  const bool greater = config.comparison == Comparison::kGreaterThanThreshold ||
                       config.comparison == Comparison::kGreaterThanOrEqualToThreshold;
  const bool less = config.comparison == Comparison::kLessThanThreshold ||
                    config.comparison == Comparison::kLessThanOrEqualToThreshold;
  switch (config.statistic.kind) {
    case Kind::kSum:
    case Kind::kSampleCount:
    case Kind::kMaximum:
      return greater;
    case Kind::kMinimum:
      return less;
    case Kind::kAverage:
    case Kind::kPercentile:
      return false;
  }
  return false;
}

struct Evaluator::Impl {
  Options options;
  std::map<metrics::MetricKey, std::int64_t> resolution;  // per metric read by an alarm
  metrics::MetricStore store;
  std::map<metrics::MetricKey, EventList> events;
  std::vector<Evaluated> alarms;
  std::vector<CompositeDefinition> composites;
  std::vector<State> composite_states;
  std::vector<std::optional<std::int64_t>> composite_since;
  std::map<std::string, State, std::less<>> states;
  std::int64_t step = 3'600'000;
  // The next scheduled instant of the early alarms [0] and of the others [1]; each class runs
  // its evaluation at t once the clock has passed t plus its lateness.
  std::int64_t next_ms[2] = {0, 0};
  std::int64_t Lateness(int cls) const {
    return cls == 0 ? std::min(options.early_lateness_ms, options.lateness_ms)
                    : options.lateness_ms;
  }

  // Returns whether o.event is kept for Contributing (see EventList).
  bool AddObservation(const Observation& o) {
    auto it = resolution.find(o.metric);
    const std::int64_t res =
        it == resolution.end() ? metrics::Series::kStandardResolutionMs : it->second;
    store.Get(o.metric, res).Add(o.time_ms, o.value);
    auto& list = events[o.metric];
    const std::pair<std::int64_t, std::int64_t> item(o.time_ms, o.event);
    list.insert(std::upper_bound(list.begin(), list.end(), item), item);
    // Trim the item's bucket: one event too many (or a second marker) at most.
    const std::int64_t start = FloorTo(o.time_ms, kEventBucketMs);
    const auto first = std::lower_bound(list.begin(), list.end(), std::make_pair(start, INT64_MIN));
    const auto end =
        std::lower_bound(first, list.end(), std::make_pair(start + kEventBucketMs, INT64_MIN));
    const bool with_event = o.event >= 0;
    const std::size_t cap = with_event ? std::max<std::size_t>(options.max_contributing, 1) : 1;
    std::size_t same = 0;
    auto last = end;  // the latest entry of the item's kind in the bucket
    for (auto e = first; e != end; ++e) {
      if ((e->second >= 0) == with_event) {
        ++same;
        last = e;
      }
    }
    if (same <= cap) return with_event;
    list.erase(last);
    return with_event && std::binary_search(list.begin(), list.end(), item);
  }

  std::vector<std::optional<metrics::Datapoint>> Range(const Evaluated& r, std::int64_t t) const {
    const AlarmConfig& c = r.alarm.config();
    std::vector<std::optional<metrics::Datapoint>> range;
    const metrics::Series* series = store.Find(c.metric);
    for (std::int64_t slot : EvaluationSlotStarts(c, t)) {
      range.push_back(series ? series->Aggregate(slot, r.period_ms, c.statistic) : std::nullopt);
    }
    return range;
  }

  // Evaluates `r` as at instant `t` and records a change at `at` (t for scheduled
  // evaluations, the arrival instant for early ones). Only changes to ALARM when `alarm_only`.
  bool Evaluate(Evaluated& r, std::int64_t t, std::int64_t at, bool alarm_only,
                std::vector<TimelineEntry>* out) {
    const AlarmConfig& c = r.alarm.config();
    const auto range = Range(r, t);
    const Decision d = alarm::Evaluate(c, range, r.alarm.state(), t);
    if (alarm_only && d.state != State::kAlarm) return false;
    auto transition = r.alarm.Apply(d, at);
    if (!transition) return false;
    TimelineEntry e;
    e.time_ms = at;
    e.alarm = c.name;
    e.alarm_arn = c.Arn();
    if (transition->new_state == State::kAlarm) Contributing(r, t, range, &e.events);
    e.transition = std::move(*transition);
    states[c.name] = e.transition.new_state;
    out->push_back(std::move(e));
    return true;
  }

  // The events behind the breaching datapoints among the N newest present in the range (the
  // ones the evaluation used), oldest first.
  void Contributing(const Evaluated& r, std::int64_t t,
                    const std::vector<std::optional<metrics::Datapoint>>& range,
                    std::vector<std::int64_t>* events_out) const {
    const AlarmConfig& c = r.alarm.config();
    const std::vector<std::int64_t> slots = EvaluationSlotStarts(c, t);
    std::vector<std::int64_t> used;
    std::uint32_t present = 0;
    for (std::size_t i = 0; i < range.size() && present < c.evaluation_periods; ++i) {
      if (!range[i]) continue;
      ++present;
      if (Breaches(c.comparison, range[i]->value, c.threshold)) used.push_back(slots[i]);
    }
    std::sort(used.begin(), used.end());
    for (std::int64_t from : used) {
      auto it =
          std::lower_bound(r.events->begin(), r.events->end(), std::make_pair(from, INT64_MIN));
      for (; it != r.events->end() && it->first < from + r.period_ms &&
             events_out->size() < options.max_contributing;
           ++it) {
        if (it->second >= 0) events_out->push_back(it->second);
      }
    }
  }

  // Composites follow their children at the same instant; a composite over composites may
  // need a second pass, and cycles are rejected when rules are loaded. `changed` holds the
  // (ARN, name) of the alarms that changed at `t`.
  void EvaluateComposites(std::int64_t t, std::vector<std::pair<std::string, std::string>> changed,
                          std::vector<TimelineEntry>* out) {
    for (std::size_t pass = 0; pass <= composites.size(); ++pass) {
      bool any = false;
      for (std::size_t i = 0; i < composites.size(); ++i) {
        const CompositeDefinition& def = composites[i];
        const bool on = def.rule->Evaluate([&](std::string_view child) -> std::optional<State> {
          auto it = states.find(child);
          if (it == states.end()) return std::nullopt;
          return it->second;
        });
        const State next = on ? State::kAlarm : State::kOk;
        if (next == composite_states[i]) continue;
        TimelineEntry e;
        e.time_ms = t;
        e.alarm = def.name;
        e.alarm_arn = def.arn;
        e.composite = true;
        e.transition.time_ms = t;
        e.transition.old_state = composite_states[i];
        e.transition.new_state = next;
        const std::vector<std::string>& children = def.rule->children();
        for (const auto& [arn, name] : changed) {
          if (e.triggering.size() == 10) break;
          if (std::find(children.begin(), children.end(), name) == children.end()) continue;
          e.triggering.push_back({arn, states[name], t});
        }
        if (e.triggering.empty()) {
          e.transition.reason = "composite alarm rule evaluated";
        } else {
          // AWS names the child whose change made the rule flip.
          e.transition.reason =
              CompositeReason(e.triggering.front().arn, e.triggering.front().state, t);
        }
        if (def.actions_enabled) {
          e.transition.actions = next == State::kAlarm ? def.alarm_actions : def.ok_actions;
        }
        composite_states[i] = next;
        composite_since[i] = t;
        states[def.name] = next;
        changed.emplace_back(def.arn, def.name);
        out->push_back(std::move(e));
        any = true;
      }
      if (!any) break;
    }
  }

  // The scheduled evaluation at t of the alarms of class `cls` (0: early alarms). Composites
  // follow the others' schedule, and an early alarm's change at once.
  void Scheduled(std::int64_t t, int cls, std::vector<TimelineEntry>* out) {
    std::vector<std::pair<std::string, std::string>> changed;
    for (Evaluated& r : alarms) {
      if (r.early != (cls == 0)) continue;
      if (t % r.interval_ms != 0 || t <= r.evaluated_ms) continue;
      r.evaluated_ms = t;
      // Long quiet stretches: once an evaluation has seen an empty range, more empty ranges
      // decide the same, so skip them until data comes back into range.
      const bool empty_range = !AnyIn(*r.events, t - r.range_ms, t);
      if (empty_range && r.quiet) continue;
      r.quiet = empty_range;
      if (Evaluate(r, t, t, /*alarm_only=*/false, out)) {
        changed.emplace_back(out->back().alarm_arn, out->back().alarm);
      }
    }
    if (cls == 1 || !changed.empty()) EvaluateComposites(t, std::move(changed), out);
  }
};

Evaluator::Evaluator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Evaluator::~Evaluator() = default;

Result<std::unique_ptr<Evaluator>> Evaluator::Create(
    const std::vector<AlarmConfig>& alarms, const std::vector<CompositeDefinition>& composites,
    const Options& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  // Metrics read by a sub-minute alarm need 10-second buckets from their first observation.
  for (const AlarmConfig& c : alarms) {
    auto& r = impl->resolution[c.metric];
    if (r == 0 || c.period_seconds < 60) {
      r = c.period_seconds < 60 ? metrics::Series::kHighResolutionMs
                                : metrics::Series::kStandardResolutionMs;
    }
  }
  for (const AlarmConfig& c : alarms) {
    auto created = Alarm::Create(c);
    if (!created.ok()) return created.status().WithContext(c.name);
    const std::int64_t period = std::int64_t{c.period_seconds} * 1000;
    const std::int64_t interval = EvaluationIntervalMs(c);
    // Every alarm's metric gets its list now: std::map keeps the pointer valid.
    const EventList* ev = &impl->events[c.metric];
    impl->alarms.push_back({std::move(*created), interval, period,
                            std::int64_t{EvaluationRange(c)} * period, ev,
                            CanOnlyMoveTowardBreaching(c)});
    impl->step = std::min(impl->step, interval);
  }
  impl->composites = composites;
  impl->composite_states.assign(composites.size(), State::kInsufficientData);
  impl->composite_since.assign(composites.size(), std::nullopt);
  for (const Evaluated& r : impl->alarms) impl->states[r.alarm.config().name] = r.alarm.state();
  for (const CompositeDefinition& c : composites) impl->states[c.name] = State::kInsufficientData;
  impl->next_ms[0] = impl->next_ms[1] = FloorTo(options.start_ms, impl->step) + impl->step;
  return std::unique_ptr<Evaluator>(new Evaluator(std::move(impl)));
}

void Evaluator::AdvanceTo(std::int64_t clock_ms, std::vector<TimelineEntry>* out) {
  Impl& m = *impl_;
  if (m.alarms.empty() && m.composites.empty()) return;
  const std::int64_t end = m.options.end_ms.value_or(INT64_MAX);
  for (;;) {
    // The class whose next evaluation is due first; early alarms first on a tie.
    int cls = -1;
    std::int64_t due = INT64_MAX;
    for (int c = 0; c < 2; ++c) {
      if (m.next_ms[c] > end) continue;
      const std::int64_t d = m.next_ms[c] + m.Lateness(c);
      if (d < due) {
        due = d;
        cls = c;
      }
    }
    if (cls < 0 || due > clock_ms) return;
    m.Scheduled(m.next_ms[cls], cls, out);
    m.next_ms[cls] += m.step;
  }
}

bool Evaluator::Add(const Observation& o, std::vector<TimelineEntry>* out) {
  Impl& m = *impl_;
  const bool kept = m.AddObservation(o);
  std::vector<std::pair<std::string, std::string>> changed;
  std::int64_t stamp = o.time_ms;
  for (Evaluated& r : m.alarms) {
    if (!r.early || r.alarm.state() == State::kAlarm || !(r.alarm.config().metric == o.metric)) {
      continue;
    }
    // A late observation changes the state when it is learnt, after what was evaluated.
    const std::int64_t at = std::max(o.time_ms, r.evaluated_ms);
    if (at < m.options.start_ms || (m.options.end_ms && at > *m.options.end_ms)) continue;
    // As the evaluation that closes the period holding `at` would see it so far.
    const std::int64_t t = FloorTo(at, r.interval_ms) + r.interval_ms;
    if (m.Evaluate(r, t, at, /*alarm_only=*/true, out)) {
      r.evaluated_ms = at;
      r.quiet = false;
      stamp = std::max(stamp, at);
      changed.emplace_back(out->back().alarm_arn, out->back().alarm);
    }
  }
  if (!changed.empty()) m.EvaluateComposites(stamp, std::move(changed), out);
  return kept;
}

void Evaluator::Prune(std::int64_t from_ms) {
  Impl& m = *impl_;
  std::int64_t keep = from_ms;
  for (const Evaluated& r : m.alarms) keep = std::min(keep, from_ms - r.range_ms - r.interval_ms);
  m.store.DropBefore(keep);
  for (auto& [key, list] : m.events) {
    auto it = std::lower_bound(list.begin(), list.end(), std::make_pair(keep, INT64_MIN));
    list.erase(list.begin(), it);
  }
}

std::vector<Evaluator::AlarmStatus> Evaluator::States() const {
  std::vector<AlarmStatus> out;
  for (const Evaluated& r : impl_->alarms) {
    out.push_back({r.alarm.config().name, r.alarm.config().Arn(), false, r.alarm.state(),
                   r.alarm.state_reason(), r.alarm.state_transitioned_ms()});
  }
  for (std::size_t i = 0; i < impl_->composites.size(); ++i) {
    out.push_back({impl_->composites[i].name, impl_->composites[i].arn, true,
                   impl_->composite_states[i], "", impl_->composite_since[i]});
  }
  return out;
}

Result<std::vector<TimelineEntry>> RunTimeline(const std::vector<AlarmConfig>& alarms,
                                               const std::vector<CompositeDefinition>& composites,
                                               std::vector<Observation> observations,
                                               const TimelineOptions& options) {
  std::vector<TimelineEntry> out;
  if (alarms.empty() && composites.empty()) return out;
  for (const AlarmConfig& c : alarms) {
    if (Status st = Validate(c); !st.ok()) return st.WithContext(c.name);
  }
  if (!options.start_ms && observations.empty()) return out;
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  for (const Observation& o : observations) {
    first = std::min(first, o.time_ms);
    last = std::max(last, o.time_ms);
  }
  std::int64_t tail = 0;
  for (const AlarmConfig& c : alarms) {
    tail = std::max(
        tail, std::int64_t{EvaluationRange(c)} * c.period_seconds * 1000 + EvaluationIntervalMs(c));
  }
  Evaluator::Options eo;
  eo.start_ms = options.start_ms.value_or(first);
  eo.end_ms = options.end_ms.value_or(observations.empty() ? eo.start_ms : last + tail);
  eo.max_contributing = options.max_contributing;
  eo.lateness_ms = options.lateness_ms;
  auto evaluator = Evaluator::Create(alarms, composites, eo);
  if (!evaluator.ok()) return evaluator.status();

  // In arrival order, as a live evaluator receives them; ties in reading order (the caller
  // numbers events by input and record), then by time for DefaultValue observations.
  auto arrival = [](const Observation& o) { return o.arrival_ms.value_or(o.time_ms); };
  std::stable_sort(observations.begin(), observations.end(),
                   [&](const Observation& a, const Observation& b) {
                     return std::make_tuple(arrival(a), a.event, a.time_ms) <
                            std::make_tuple(arrival(b), b.event, b.time_ms);
                   });
  std::size_t late = 0;
  for (const Observation& o : observations) {
    // The evaluations due before `o` arrived must not see it.
    (*evaluator)->AdvanceTo(arrival(o) - 1, &out);
    if (arrival(o) - options.lateness_ms > o.time_ms) ++late;
    (*evaluator)->Add(o, &out);
  }
  (*evaluator)->AdvanceTo(INT64_MAX, &out);
  if (options.late_observations) *options.late_observations = late;
  // Two schedules (early alarms run ahead of the lateness) interleave; report in time order.
  std::stable_sort(out.begin(), out.end(), [](const TimelineEntry& a, const TimelineEntry& b) {
    return a.time_ms < b.time_ms;
  });
  return out;
}

}  // namespace trailwatch::alarm
