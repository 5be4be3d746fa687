// `scan --rules` detections: the Trailwatch::Detection resources of the loaded rule files run
// over the scanned events, and each alert becomes one `{"type":"alert",…}` timeline line
// (design.md §3, docs/detections.md).
#ifndef TRAILWATCH_APP_SCAN_DETECTIONS_H_
#define TRAILWATCH_APP_SCAN_DETECTIONS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/engine.h"
#include "rules/rules.h"

namespace trailwatch::app {

struct AlertLine {
  std::int64_t time_ms = 0;
  std::string text;  // one NDJSON line, with its '\n'
  std::string detection;
  std::vector<std::string> actions;  // SNS topic ARNs
  std::vector<std::string> events;   // the contributing events' summary objects
};

class DetectionScan {
 public:
  // Compiles each detection's pattern against `registry` and appends the programs to
  // scan->programs; call before scan->paths is built. `set` must outlive the object.
  static Result<std::unique_ptr<DetectionScan>> Create(const rules::RuleSet& set,
                                                       event::PathRegistry* registry,
                                                       engine::ScanOptions* scan,
                                                       bool* needs_delimited_fields);
  ~DetectionScan();

  std::size_t size() const;
  // One per scan worker: records the detections' matches of the events it sees.
  std::unique_ptr<engine::EventHook> MakeHook() const;
  // Replays the matches recorded by `hooks` (made by MakeHook) through a detect::Evaluator
  // in event time, ties broken by eventID and then the record's summary, so that neither the
  // thread count nor the order of the inputs changes the result. Returns the alert lines in
  // time order.
  Result<std::vector<AlertLine>> Run(const std::vector<engine::EventHook*>& hooks) const;

  // The daemon's use: one hook (MakeHook) fed record by record, and an evaluator that lives
  // as long as the daemon. Not thread-safe.
  class Live {
   public:
    ~Live();
    // Evaluates the matches `hook` recorded since the last call, in the order they came.
    void Take(engine::EventHook* hook, std::vector<AlertLine>* out);
    // Roll-ups of the dedup windows that ended by `now_ms`; forgets what no window needs.
    void Flush(std::int64_t now_ms, std::vector<AlertLine>* out);
    // The longest threshold or dedup window, in ms.
    std::int64_t KeepMs() const;
    // Matches kept because a later alert (a roll-up, a threshold crossing) may name them.
    std::size_t HeldMatches() const;

   private:
    friend class DetectionScan;
    struct State;
    explicit Live(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  Result<std::unique_ptr<Live>> StartLive() const;

  struct Impl;  // defined in the .cc; named there by the per-worker hooks

 private:
  explicit DetectionScan(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_SCAN_DETECTIONS_H_
