#include "alarm/timeline.h"

#include <algorithm>
#include <map>

namespace trailwatch::alarm {
namespace {

// One metric alarm being replayed.
struct Replayed {
  Alarm alarm;
  std::int64_t interval_ms;
  std::int64_t period_ms;
  std::int64_t range_ms;  // EvaluationRange x Period: how far back an evaluation looks
  const std::vector<std::pair<std::int64_t, std::int64_t>>* events;  // (time, event), sorted
  bool quiet = false;  // the last evaluation saw no datapoint at all
};

std::int64_t FloorTo(std::int64_t t, std::int64_t step) {
  const std::int64_t r = t % step;
  return r < 0 ? t - r - step : t - r;
}

bool AnyIn(const std::vector<std::pair<std::int64_t, std::int64_t>>& events, std::int64_t from,
           std::int64_t to) {
  auto it = std::lower_bound(events.begin(), events.end(), std::make_pair(from, INT64_MIN));
  return it != events.end() && it->first < to;
}

}  // namespace

Result<std::vector<TimelineEntry>> RunTimeline(const std::vector<AlarmConfig>& alarms,
                                               const std::vector<CompositeDefinition>& composites,
                                               std::vector<Observation> observations,
                                               const TimelineOptions& options) {
  // Metrics read by a sub-minute alarm need 10-second buckets from their first observation.
  std::map<metrics::MetricKey, std::int64_t> resolution;
  for (const AlarmConfig& c : alarms) {
    auto& r = resolution[c.metric];
    if (r == 0 || c.period_seconds < 60) {
      r = c.period_seconds < 60 ? metrics::Series::kHighResolutionMs
                                : metrics::Series::kStandardResolutionMs;
    }
  }
  std::sort(observations.begin(), observations.end(),
            [](const Observation& a, const Observation& b) {
              return std::tie(a.time_ms, a.event) < std::tie(b.time_ms, b.event);
            });
  metrics::MetricStore store;
  std::map<metrics::MetricKey, std::vector<std::pair<std::int64_t, std::int64_t>>> events;
  auto add = [&](const Observation& o) {
    auto it = resolution.find(o.metric);
    const std::int64_t res =
        it == resolution.end() ? metrics::Series::kStandardResolutionMs : it->second;
    store.Get(o.metric, res).Add(o.time_ms, o.value);
    auto& list = events[o.metric];
    const std::pair<std::int64_t, std::int64_t> item(o.time_ms, o.event);
    list.insert(std::upper_bound(list.begin(), list.end(), item), item);
  };
  // Late observations join the store only at the first evaluation that would have seen them
  // live: t >= arrival - lateness. Sorted by that instant.
  std::vector<std::pair<std::int64_t, const Observation*>> late;
  for (const Observation& o : observations) {
    const std::int64_t due = o.arrival_ms.value_or(o.time_ms) - options.lateness_ms;
    if (due > o.time_ms) {
      late.emplace_back(due, &o);
    } else {
      add(o);
    }
  }
  std::stable_sort(late.begin(), late.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (options.late_observations) *options.late_observations = late.size();
  std::size_t next_late = 0;

  std::vector<Replayed> replayed;
  std::int64_t step = 3'600'000;
  std::int64_t tail = 0;
  for (const AlarmConfig& c : alarms) {
    auto created = Alarm::Create(c);
    if (!created.ok()) return created.status().WithContext(c.name);
    const std::int64_t period = std::int64_t{c.period_seconds} * 1000;
    const std::int64_t interval = EvaluationIntervalMs(c);
    // Every alarm's metric gets its list now: late observations may fill it later.
    const auto* ev = &events[c.metric];
    replayed.push_back(
        {std::move(*created), interval, period, std::int64_t{EvaluationRange(c)} * period, ev});
    step = std::min(step, interval);
    tail = std::max(tail, std::int64_t{EvaluationRange(c)} * period + interval);
  }

  std::vector<TimelineEntry> out;
  if (replayed.empty() && composites.empty()) return out;
  std::int64_t start =
      options.start_ms.value_or(observations.empty() ? 0 : observations.front().time_ms);
  std::int64_t end =
      options.end_ms.value_or(observations.empty() ? start : observations.back().time_ms + tail);
  if (!options.start_ms && observations.empty()) return out;

  std::map<std::string, State, std::less<>> states;
  for (const Replayed& r : replayed) states[r.alarm.config().name] = r.alarm.state();
  std::vector<State> composite_states(composites.size(), State::kInsufficientData);
  for (std::size_t i = 0; i < composites.size(); ++i) {
    states[composites[i].name] = State::kInsufficientData;
  }

  for (std::int64_t t = FloorTo(start, step) + step; t <= end; t += step) {
    for (; next_late < late.size() && late[next_late].first <= t; ++next_late) {
      add(*late[next_late].second);
    }
    // Alarms that changed at t (ARN, name), for composite reasons and TriggeringChildren.
    std::vector<std::pair<std::string, std::string>> changed;
    for (Replayed& r : replayed) {
      if (t % r.interval_ms != 0) continue;
      const AlarmConfig& c = r.alarm.config();
      // Long quiet stretches: once an evaluation has seen an empty range, more empty ranges
      // decide the same, so skip them until data comes back into range.
      const bool empty_range = !AnyIn(*r.events, t - r.range_ms, t);
      if (empty_range && r.quiet) continue;
      r.quiet = empty_range;
      std::vector<std::optional<metrics::Datapoint>> range;
      const metrics::Series* series = store.Find(c.metric);
      for (std::int64_t slot : EvaluationSlotStarts(c, t)) {
        range.push_back(series ? series->Aggregate(slot, r.period_ms, c.statistic) : std::nullopt);
      }
      const Decision d = Evaluate(c, range, r.alarm.state(), t);
      auto transition = r.alarm.Apply(d, t);
      if (!transition) continue;
      TimelineEntry e;
      e.time_ms = t;
      e.alarm = c.name;
      e.alarm_arn = c.Arn();
      if (transition->new_state == State::kAlarm) {
        // The events behind the breaching datapoints among the N newest present in the range
        // (the ones the evaluation used), oldest first.
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
                 e.events.size() < options.max_contributing;
               ++it) {
            if (it->second >= 0) e.events.push_back(it->second);
          }
        }
      }
      e.transition = std::move(*transition);
      states[c.name] = e.transition.new_state;
      changed.emplace_back(e.alarm_arn, c.name);
      out.push_back(std::move(e));
    }
    // Composites follow their children at the same instant; a composite over composites may
    // need a second pass, and cycles are rejected when rules are loaded.
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
        states[def.name] = next;
        changed.emplace_back(def.arn, def.name);
        out.push_back(std::move(e));
        any = true;
      }
      if (!any) break;
    }
  }
  return out;
}

}  // namespace trailwatch::alarm
