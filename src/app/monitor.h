// The daemon's monitor (design.md §1, §5): CloudTrail records in — from the vault in-process,
// at once, and from followed sources — through the rule set's metric filters into live alarm
// evaluation (alarm::Evaluator) and through its detections (detect::Evaluator), out as
// timeline lines (the lines `scan --rules` prints, so a
// replay of the same events can be compared line for line), console lines and a callback the
// daemon turns into notifications.
//
// Records are queued by Submit (any thread, never blocks on evaluation) and processed by one
// thread, which also advances the alarms' schedule on a ticker with the wall clock.
#ifndef TRAILWATCH_APP_MONITOR_H_
#define TRAILWATCH_APP_MONITOR_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alarm/timeline.h"
#include "app/scan_detections.h"
#include "common/clock.h"
#include "common/status.h"
#include "rules/rules.h"

namespace trailwatch::app {

struct MonitorOptions {
  rules::LoadOptions load;
  // Allowed lateness of the alarms' scheduled evaluations (design.md §6).
  std::int64_t lateness_ms = 5 * 60'000;
  // Every state change as one NDJSON line, appended (the alerts file); empty: none.
  std::string timeline_path;
  // One human line per state change; null: none.
  std::FILE* console = nullptr;
  // Called on the monitor thread for every state change, with the contributing events'
  // summaries (the JSON objects of the timeline line), e.g. to queue notifications.
  std::function<void(const alarm::TimelineEntry&, const std::vector<std::string>& events)>
      on_change;
  // The same for every detection alert (Trailwatch::Detection), with its line.
  std::function<void(const AlertLine&)> on_alert;
  // Called on the monitor thread with the journal seqs (Submit's) whose records have been
  // evaluated, once their notifications have been handed to on_change/on_alert, and the time
  // up to which every change and alert has been handed over; at every tick, with no seqs
  // when nothing was evaluated.
  std::function<void(std::vector<std::int64_t> journal_seqs, std::int64_t emitted_through_ms)>
      on_journal;
  std::chrono::milliseconds tick{250};
  // How long records submitted one at a time (the vault's, one per call) may wait for others
  // before the monitor thread wakes for them; `gather_records` wake it at once. A wake-up per
  // call cost about one context switch per call under load.
  std::chrono::microseconds gather{2000};
  std::size_t gather_records = 256;
};

// A record the last run already saw, or should have: what Monitor::Resume replays.
struct ReplayRecord {
  std::string json;
  std::int64_t arrival_ms = 0;
  std::int64_t journal_seq = 0;  // reported to on_journal unless quiet
  // The last run evaluated it and emitted what it caused.
  bool quiet = false;
};

struct MonitorStats {
  std::uint64_t records = 0;    // records processed
  std::uint64_t malformed = 0;  // not a JSON object, or no valid eventTime
  std::uint64_t matched = 0;    // records some metric filter matched
  std::uint64_t observations = 0;
  std::uint64_t changes = 0;  // alarm state changes
  std::uint64_t alerts = 0;   // detection alerts and roll-ups
  std::uint64_t queued = 0;   // submitted, not yet processed
  // Events described in memory because a later alarm change or alert may name them: at most
  // 10 per metric per 10 s of event time, and what open detection windows hold, whatever the
  // event rate.
  std::uint64_t held_events = 0;
  // Seconds from Submit to the end of processing, for the latency histogram.
  std::vector<double> latency_buckets;        // upper bounds
  std::vector<std::uint64_t> latency_counts;  // cumulative, per bucket
  double latency_sum = 0;
};

class Monitor {
 public:
  // Compiles the metric filters and alarms of `set` (which must outlive the monitor).
  static Result<std::unique_ptr<Monitor>> Create(const rules::RuleSet& set, MonitorOptions options,
                                                 const Clock& clock);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // How far back in event time records still matter to the rules: the longest alarm
  // evaluation range plus the lateness, the longest detection window or dedup window.
  std::int64_t HistoryMs() const;

  // Before Start and before anything is processed: takes up where the last run left off, so
  // that a restart neither forgets an open window nor repeats an alert. `next` yields the
  // records oldest first, a chunk at a time (empty when done); the state starts afresh at the
  // first one's arrival. Changes and alerts that quiet records cause, and those the schedule
  // makes up to `quiet_until_ms`, only fill the history of /api (the last run emitted them);
  // the others are emitted as usual.
  Status Resume(const std::function<Result<std::vector<ReplayRecord>>()>& next,
                std::int64_t quiet_until_ms);

  void Start();
  // Processes what was submitted, then stops the thread. Idempotent.
  void Stop();

  // Queues records (CloudTrail records as compact JSON) for processing; `journal_seqs`: their
  // seqs in the audit journal (empty: not from the journal), reported to on_journal;
  // `arrivals`: when each arrived on the wall clock (empty: now, when processed), for records
  // taken up again after a crash.
  void Submit(std::vector<std::string> records, std::vector<std::int64_t> journal_seqs = {},
              std::vector<std::int64_t> arrivals = {});
  // Processes everything submitted so far and advances the schedule to the clock's now; for
  // tests and for shutdown. Not while Start()ed.
  void Drain();

  MonitorStats Stats() const;
  std::vector<alarm::Evaluator::AlarmStatus> Alarms() const;
  // The last `limit` timeline lines (without line ends), oldest first; with `alarm`, only
  // that alarm's.
  std::vector<std::string> Recent(std::size_t limit, std::string_view alarm = {}) const;

 private:
  struct Impl;
  explicit Monitor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_MONITOR_H_
