// Timeline: alarms replayed over recorded history in event time.
//
// A live evaluator at minute t sees every observation with event time before t that has
// arrived; with an allowed lateness L it waits until t + L to evaluate minute t. Replaying
// history, every observation has "arrived", so the evaluation at t uses exactly the
// observations with time < t — whatever order they were read in. That is what makes `scan
// --rules` over history give the transitions a live system would have produced.
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
};

struct TimelineOptions {
  // The span to evaluate. Unset: from the first observation to the time every alarm has seen
  // its last datapoint leave its evaluation range.
  std::optional<std::int64_t> start_ms;
  std::optional<std::int64_t> end_ms;
  std::size_t max_contributing = 10;
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
