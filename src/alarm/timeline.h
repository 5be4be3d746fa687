// Timeline: alarms replayed over recorded history in event time.
//
// A live evaluator at minute t sees every observation with event time before t that has
// arrived; with an allowed lateness L it waits until t + L to evaluate minute t. Replaying
// history, "arrival" is measured on the event-time clock of the input as read: an observation
// arrives when the newest event read so far (itself included) has time `arrival_ms`. So the
// evaluation at t uses the observations with time < t and arrival_ms <= t + L. Events read
// at most L out of order are therefore all used, whatever order they were read in; an event
// read more than L after newer ones is late, as it would have been live, and counts only for
// evaluations after its arrival. That is what makes `scan --rules` over history give the
// transitions a live system would have produced.
#ifndef TRAILWATCH_ALARM_TIMELINE_H_
#define TRAILWATCH_ALARM_TIMELINE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alarm/alarm.h"
#include "alarm/composite.h"
#include "metrics/metrics.h"

namespace trailwatch::alarm {

struct Observation {
  metrics::MetricKey metric;
  std::int64_t time_ms = 0;  // event time
  double value = 0;
  std::int64_t event = -1;  // the caller's index of the event behind it; -1 for DefaultValue
  // The event-time clock when it was read (>= time_ms); unset: time_ms (never late).
  std::optional<std::int64_t> arrival_ms;
};

struct CompositeDefinition {
  std::string name;
  std::string arn;
  std::shared_ptr<const CompositeRule> rule;
  bool actions_enabled = true;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
};

struct TimelineEntry {
  std::int64_t time_ms = 0;  // the evaluation that changed the state
  std::string alarm;
  std::string alarm_arn;
  bool composite = false;
  Transition transition;
  // For a change to ALARM: the events behind the evaluated datapoints, oldest first, at most
  // TimelineOptions::max_contributing (the caller's event indexes).
  std::vector<std::int64_t> events;
  // Composites: the children named in the rule that changed state at this instant, at most 10,
  // in the order they changed.
  std::vector<ChildChange> triggering;
};

struct TimelineOptions {
  // The span to evaluate. Unset: from the first observation to the time every alarm has seen
  // its last datapoint leave its evaluation range.
  std::optional<std::int64_t> start_ms;
  std::optional<std::int64_t> end_ms;
  std::size_t max_contributing = 10;
  // Allowed lateness: how long a live evaluator waits for out-of-order data (design.md 6).
  std::int64_t lateness_ms = 5 * 60'000;
  // Out: observations that arrived later than the lateness allows.
  std::size_t* late_observations = nullptr;
};

// Replays `observations` through `alarms` and `composites` (children by name among `alarms`
// and other composites). Returns every state change in time order (ties: metric alarms in
// the order given, then composites). Errors: an invalid alarm configuration.
Result<std::vector<TimelineEntry>> RunTimeline(const std::vector<AlarmConfig>& alarms,
                                               const std::vector<CompositeDefinition>& composites,
                                               std::vector<Observation> observations,
                                               const TimelineOptions& options = {});

}  // namespace trailwatch::alarm

#endif  // TRAILWATCH_ALARM_TIMELINE_H_
