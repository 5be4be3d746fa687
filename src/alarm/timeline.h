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

// Evaluation in event time, one step at a time: the daemon drives it live (AdvanceTo on a
// ticker with the wall clock minus the lateness, Add as records arrive) and RunTimeline drives
// it over history with the same calls, which is what makes a replay give the live transitions.
//
// Scheduled evaluations happen at multiples of each alarm's evaluation interval, once the
// arrival clock has passed the instant plus the allowed lateness. An alarm whose current period
// can only move toward breaching as data arrives (CanOnlyMoveTowardBreaching, e.g. the CIS
// alarms: Sum >= 1) is also evaluated whenever an observation of its metric arrives, and goes
// to ALARM then rather than minutes later; since late data can only tip such an alarm into
// ALARM, which that evaluation catches, its scheduled evaluations wait only
// Options::early_lateness_ms. The observation order within an input therefore matters for
// early alarms (as it does live) and not for the others, within the lateness.
//
// Not thread-safe; the caller serialises calls.
class Evaluator {
 public:
  struct Options {
    std::int64_t start_ms = 0;  // the first scheduled evaluation is the first instant after it
    std::optional<std::int64_t> end_ms;  // no evaluation after it
    std::size_t max_contributing = 10;
    // How long past t the evaluation at t waits for data (design.md 6).
    std::int64_t lateness_ms = 5 * 60'000;
    // The same for early alarms: late data can only tip them into ALARM, which Add catches on
    // arrival, so they need only cover the gap between an event and its arrival.
    std::int64_t early_lateness_ms = 2'000;
  };

  static Result<std::unique_ptr<Evaluator>> Create(
      const std::vector<AlarmConfig>& alarms, const std::vector<CompositeDefinition>& composites,
      const Options& options);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // The arrival clock (the wall clock live; the event-time clock of the input in a replay)
  // has reached `clock_ms`: runs every scheduled evaluation due by then (instant + lateness
  // <= clock_ms) and not yet run, appending the state changes to `out`.
  void AdvanceTo(std::int64_t clock_ms, std::vector<TimelineEntry>* out);
  // Adds an observation arriving now (after the last AdvanceTo), then evaluates early the
  // alarms it may tip into ALARM; such a change is stamped with the observation's time, or
  // with the alarm's last evaluation when the observation came later than that. Returns
  // whether o.event (>= 0) may yet be named as a contributing event: per 10 seconds of event
  // time and metric only the earliest max_contributing can be, so the caller need keep no
  // more of what describes events (a busy metric does not grow memory with its rate).
  bool Add(const Observation& o, std::vector<TimelineEntry>* out);
  // Forgets data and contributing events that no evaluation at or after `from_ms` can use;
  // the daemon calls it to keep memory bounded.
  void Prune(std::int64_t from_ms);

  // Current state of every alarm and composite, metric alarms first in the order given.
  struct AlarmStatus {
    std::string name;
    std::string arn;
    bool composite = false;
    State state = State::kInsufficientData;
    std::string reason;
    std::optional<std::int64_t> since_ms;
  };
  std::vector<AlarmStatus> States() const;

 private:
  struct Impl;
  explicit Evaluator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether more data in the current period can only push the statistic toward the threshold:
// Sum, SampleCount or Maximum with a GreaterThan... comparison, Minimum with LessThan...
// (for Sum this assumes non-negative values, which metric filters publish unless a filter
// takes its value from a negative field).
bool CanOnlyMoveTowardBreaching(const AlarmConfig& config);

// Replays `observations` through `alarms` and `composites` (children by name among `alarms`
// and other composites) with an Evaluator, feeding observations in arrival order as a live
// evaluator would have received them. Returns every state change in time order (ties: metric
// alarms in the order given, then composites). Errors: an invalid alarm configuration.
Result<std::vector<TimelineEntry>> RunTimeline(const std::vector<AlarmConfig>& alarms,
                                               const std::vector<CompositeDefinition>& composites,
                                               std::vector<Observation> observations,
                                               const TimelineOptions& options = {});

}  // namespace trailwatch::alarm

#endif  // TRAILWATCH_ALARM_TIMELINE_H_
