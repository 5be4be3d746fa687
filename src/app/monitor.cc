#include "app/monitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "app/compiled_rules.h"
#include "app/timeline_output.h"
#include "common/time.h"
#include "engine/engine.h"

namespace trailwatch::app {
namespace {

constexpr std::size_t kRecentLines = 1000;
constexpr std::int64_t kPruneEveryMs = 60'000;
const std::vector<double> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,   0.25,   0.5,   1,    2.5,   5};

struct Batch {
  std::vector<std::string> records;
  std::chrono::steady_clock::time_point submitted;
  std::vector<std::int64_t> journal_seqs;
  std::vector<std::int64_t> arrivals;  // empty: the wall clock when processed
};

struct StoredSummary {
  std::int64_t id;
  std::int64_t arrival_ms;
  std::string json;
};

}  // namespace

struct Monitor::Impl {
  Impl(const rules::RuleSet& s, MonitorOptions o, const Clock& c)
      : set(s), options(std::move(o)), clock(c) {}

  const rules::RuleSet& set;
  MonitorOptions options;
  const Clock& clock;

  event::PathRegistry registry;
  engine::ScanOptions scan;
  std::unique_ptr<CompiledMetricFilters> compiled;
  std::unique_ptr<DetectionScan> detections;
  std::unique_ptr<DetectionScan::Live> live;  // null without detections
  std::unique_ptr<engine::RecordMatcher> matcher;
  std::unique_ptr<TimelinePrinter> printer;
  std::FILE* timeline = nullptr;
  std::uint64_t next_record = 0;
  // How long a contributing event's summary may still be named by a change: the longest
  // evaluation range plus the lateness.
  std::int64_t keep_ms = 0;
  std::int64_t history_ms = 0;  // Monitor::HistoryMs
  std::int64_t last_prune_ms = 0;
  // While resuming: changes made by the schedule up to this time are not emitted again.
  std::int64_t quiet_until = INT64_MIN;
  std::deque<StoredSummary> summaries;
  std::int64_t next_summary = 0;

  // Guards the queue and `stopping`.
  mutable std::mutex queue_mu;
  std::condition_variable wake;
  std::vector<Batch> queue;
  std::size_t queued_records = 0;
  bool stopping = false;
  bool idle = false;  // the thread waits for a first record (Submit must wake it)
  std::thread thread;

  // Guards what the API reads: the evaluator, the recent lines, the stats.
  mutable std::mutex state_mu;
  std::unique_ptr<alarm::Evaluator> evaluator;
  // DefaultValue (AWS: the value published for a minute in which log events arrived but none
  // matched): the minutes with events, each with the DefaultValue filters that matched in it,
  // until the minute has closed; the filters concerned; the last minute published.
  std::map<std::int64_t, std::vector<bool>> default_minutes;
  std::vector<std::size_t> default_filters;
  std::int64_t defaults_done = INT64_MIN;
  std::deque<std::pair<std::string, std::string>> recent;  // (alarm, line)
  MonitorStats stats;

  std::int64_t NowMs() const { return clock.Now().time_since_epoch().count(); }

  // Emits `entries`: to the timeline, the console and on_change, and to the history of /api.
  // `quiet` (default: whether the schedule made them before quiet_until) keeps them to the
  // history, for the changes the last run emitted.
  void Emit(std::vector<alarm::TimelineEntry>& entries, std::optional<bool> quiet = {}) {
    for (alarm::TimelineEntry& e : entries) {
      // The printer indexes summaries by the entry's event numbers: renumber into a local list.
      std::vector<std::string> local;
      for (std::int64_t& id : e.events) {
        const auto it =
            std::lower_bound(summaries.begin(), summaries.end(), id,
                             [](const StoredSummary& s, std::int64_t want) { return s.id < want; });
        local.push_back(it != summaries.end() && it->id == id ? it->json : std::string("{}"));
        id = static_cast<std::int64_t>(local.size() - 1);
      }
      std::string line;
      printer->Print(e, local, &line);
      while (!line.empty() && line.back() == '\n') line.pop_back();
      if (quiet.value_or(e.time_ms <= quiet_until)) {
        Remember(e.alarm, std::move(line));
        continue;
      }
      if (timeline) {
        std::fputs(line.c_str(), timeline);
        std::fputc('\n', timeline);
      }
      if (options.console) {
        fmt::print(options.console, "trailwatch: {} {} {} -> {}: {}\n", FormatIso8601(e.time_ms),
                   e.alarm, alarm::StateName(e.transition.old_state),
                   alarm::StateName(e.transition.new_state), e.transition.reason);
      }
      ++stats.changes;
      Remember(e.alarm, std::move(line));
      if (options.on_change) options.on_change(e, local);
    }
    if (timeline && !entries.empty()) std::fflush(timeline);
    if (options.console && !entries.empty()) std::fflush(options.console);
    entries.clear();
  }

  void Remember(const std::string& source, std::string line) {
    recent.emplace_back(source, std::move(line));
    if (recent.size() > kRecentLines) recent.pop_front();
  }

  // As Emit, for detection alerts.
  void EmitAlerts(std::vector<AlertLine>& alerts, std::optional<bool> quiet = {}) {
    for (AlertLine& a : alerts) {
      while (!a.text.empty() && a.text.back() == '\n') a.text.pop_back();
      if (quiet.value_or(a.time_ms <= quiet_until)) {
        Remember(a.detection, std::move(a.text));
        continue;
      }
      if (timeline) {
        std::fputs(a.text.c_str(), timeline);
        std::fputc('\n', timeline);
      }
      if (options.console) {
        fmt::print(options.console, "trailwatch: {} ALERT {}: {}\n", FormatIso8601(a.time_ms),
                   a.detection, a.text);
      }
      ++stats.alerts;
      Remember(a.detection, a.text);
      if (options.on_alert) options.on_alert(a);
    }
    if (timeline && !alerts.empty()) std::fflush(timeline);
    if (options.console && !alerts.empty()) std::fflush(options.console);
    alerts.clear();
  }

  // The DefaultValue datapoints of the minutes that closed (a second ago, before the early
  // alarms' evaluation of that minute, 2 s after it), stamped as arriving when their minute
  // ended — what `scan --rules` adds for the same minutes.
  void PublishDefaults(std::int64_t now, std::vector<alarm::TimelineEntry>* out) {
    constexpr std::int64_t kMinuteMs = 60'000;
    constexpr std::int64_t kCloseMs = 1'000;
    for (auto it = default_minutes.begin();
         it != default_minutes.end() && it->first + kMinuteMs + kCloseMs <= now;
         it = default_minutes.erase(it)) {
      for (std::size_t f : default_filters) {
        if (it->second[f]) continue;
        const CompiledFilter& cf = compiled->filters[f];
        evaluator->Add({metrics::MetricKey::Make(cf.name_space, cf.name), it->first,
                        *cf.default_value, -1, it->first + kMinuteMs},
                       out);
        ++stats.observations;
      }
      defaults_done = it->first;
    }
  }

  void NoteMinutes(const MetricHook& hook) {
    if (default_filters.empty()) return;
    for (std::int64_t m : hook.minutes_) {
      if (m > defaults_done) {
        default_minutes.try_emplace(m, std::vector<bool>(compiled->filters.size()));
      }
    }
    for (std::size_t f : default_filters) {
      for (std::int64_t m : hook.matched_minutes_[f]) {
        if (auto it = default_minutes.find(m); it != default_minutes.end()) it->second[f] = true;
      }
    }
  }

  // One record arriving at `now`; `quiet`: a record the last run evaluated (Resume).
  void Process(std::string_view record, std::int64_t now, bool quiet = false) {
    std::vector<alarm::TimelineEntry> entries;
    // What was due before this record arrived must not see it.
    PublishDefaults(now, &entries);
    evaluator->AdvanceTo(now - 1, &entries);
    Emit(entries);
    // The counters (/metrics) are this run's: a replayed record was counted by the last.
    const std::uint64_t count = quiet ? 0 : 1;
    stats.records += count;
    auto matched = matcher->Process(record, 0, next_record++);
    if (!matched.ok()) {
      stats.malformed += count;
      return;
    }
    if (*matched) stats.matched += count;
    auto& rules_hook = static_cast<RulesHook&>(*matcher->hook());
    if (live) {
      std::vector<AlertLine> alerts;
      live->Take(rules_hook.detections.get(), &alerts);
      EmitAlerts(alerts, quiet);
    }
    MetricHook& hook = *rules_hook.metric;
    const std::int64_t first_id = next_summary;
    next_summary += static_cast<std::int64_t>(hook.summaries_.size());
    // Only the summaries of events the evaluator may still name are kept: a busy metric
    // (every GetSecretValue) would otherwise hold one per event for the whole lateness.
    std::vector<bool> named(hook.summaries_.size(), false);
    for (alarm::Observation& o : hook.observations_) {
      // Live, a record arrives when it is read, on the wall clock.
      o.arrival_ms = now;
      const std::int64_t local = o.event;
      if (local >= 0) o.event = first_id + local;
      if (evaluator->Add(o, &entries) && local >= 0) named[static_cast<std::size_t>(local)] = true;
      stats.observations += count;
    }
    for (std::size_t i = 0; i < hook.summaries_.size(); ++i) {
      if (named[i]) {
        summaries.push_back(
            {first_id + static_cast<std::int64_t>(i), now, std::move(hook.summaries_[i].json)});
      }
    }
    Emit(entries, quiet);
    NoteMinutes(hook);
    hook.observations_.clear();
    hook.summaries_.clear();
    hook.minutes_.clear();
    for (auto& m : hook.matched_minutes_) m.clear();
  }

  void Tick(std::int64_t now) {
    std::vector<alarm::TimelineEntry> entries;
    PublishDefaults(now, &entries);
    evaluator->AdvanceTo(now, &entries);
    Emit(entries);
    if (live) {
      std::vector<AlertLine> alerts;
      live->Flush(now, &alerts);
      EmitAlerts(alerts);
    }
    if (now - last_prune_ms >= kPruneEveryMs) {
      last_prune_ms = now;
      evaluator->Prune(now - options.lateness_ms);
      while (!summaries.empty() && summaries.front().arrival_ms < now - keep_ms) {
        summaries.pop_front();
      }
    }
  }

  void RunBatches(std::vector<Batch> batches) {
    std::vector<std::int64_t> seqs;
    std::lock_guard lock(state_mu);
    for (Batch& b : batches) {
      seqs.insert(seqs.end(), b.journal_seqs.begin(), b.journal_seqs.end());
      for (std::size_t i = 0; i < b.records.size(); ++i) {
        Process(b.records[i], i < b.arrivals.size() ? b.arrivals[i] : NowMs());
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - b.submitted).count();
      for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        if (seconds <= kLatencyBuckets[i]) stats.latency_counts[i] += b.records.size();
      }
      stats.latency_sum += seconds * static_cast<double>(b.records.size());
    }
    const std::int64_t now = NowMs();
    Tick(now);
    // Also with none, at every tick, so that a caller batching the marks can flush when idle.
    if (options.on_journal) options.on_journal(std::move(seqs), now);
  }

  // A fresh evaluator whose schedule starts at `start_ms`: observations of earlier events
  // take no part in early evaluations.
  Status StartEvaluator(std::int64_t start_ms) {
    alarm::Evaluator::Options eo;
    eo.start_ms = start_ms;
    eo.lateness_ms = options.lateness_ms;
    auto e = alarm::Evaluator::Create(compiled->alarms, compiled->composites, eo);
    if (!e.ok()) return e.status();
    evaluator = std::move(*e);
    return Status::Ok();
  }

  std::vector<Batch> Take() {
    std::vector<Batch> out;
    out.swap(queue);
    queued_records = 0;
    return out;
  }

  void Loop() {
    for (;;) {
      std::vector<Batch> batches;
      bool stop = false;
      {
        std::unique_lock lock(queue_mu);
        idle = true;
        wake.wait_for(lock, options.tick, [&] { return stopping || !queue.empty(); });
        idle = false;
        if (!stopping && !queue.empty() && queued_records < options.gather_records) {
          // Submit does not wake this wait, except for a full batch or Stop.
          wake.wait_for(lock, options.gather,
                        [&] { return stopping || queued_records >= options.gather_records; });
        }
        batches = Take();
        stop = stopping;
      }
      RunBatches(std::move(batches));
      if (stop) return;
    }
  }
};

Monitor::Monitor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Monitor::~Monitor() { Stop(); }

Result<std::unique_ptr<Monitor>> Monitor::Create(const rules::RuleSet& set, MonitorOptions options,
                                                 const Clock& clock) {
  auto impl = std::make_unique<Impl>(set, std::move(options), clock);
  Impl& m = *impl;
  m.scan.event_time_slot = engine::RegisterEventTime(&m.registry);
  bool delimited = false;
  auto compiled = CompileMetricFilters(set, m.options.load, &m.registry, &m.scan, &delimited);
  if (!compiled.ok()) return compiled.status();
  m.compiled = std::move(*compiled);
  if (!set.detections.empty()) {
    auto d = DetectionScan::Create(set, &m.registry, &m.scan, &delimited);
    if (!d.ok()) return d.status();
    m.detections = std::move(*d);
    auto live = m.detections->StartLive();
    if (!live.ok()) return live.status();
    m.live = std::move(*live);
  }
  m.scan.paths = event::PathSet::Build(m.registry.paths(), delimited);
  const CompiledMetricFilters* cf = m.compiled.get();
  const auto* programs = &m.scan.programs;
  const DetectionScan* detections = m.detections.get();
  m.scan.make_hook = [cf, programs, detections] {
    return std::unique_ptr<engine::EventHook>(
        new RulesHook(std::make_unique<MetricHook>(*cf, *programs),
                      detections ? detections->MakeHook() : nullptr));
  };
  for (std::size_t f = 0; f < m.compiled->filters.size(); ++f) {
    const CompiledFilter& filter = m.compiled->filters[f];
    // As in `scan --rules`: filters with dimensions publish no default (AWS forbids both).
    if (filter.default_value && filter.dimensions.empty()) m.default_filters.push_back(f);
  }
  m.matcher = std::make_unique<engine::RecordMatcher>(m.scan);
  const std::int64_t now = m.NowMs();
  // CloudTrail times are whole seconds: a call in the daemon's first second carries an event
  // time before `now`, and the evaluator ignores observations before its start.
  if (Status s = m.StartEvaluator(now - now % 1000); !s.ok()) return s;
  std::int64_t longest = 0;
  for (const alarm::AlarmConfig& a : m.compiled->alarms) {
    longest = std::max(longest, std::int64_t{alarm::EvaluationRange(a)} * a.period_seconds * 1000 +
                                    alarm::EvaluationIntervalMs(a));
  }
  m.keep_ms = longest + m.options.lateness_ms + 60'000;
  // A dedup window open now may have opened up to a window ago, on an event that came after
  // another window closed: two windows back puts the replay's windows where the live ones are.
  m.history_ms = std::max(m.keep_ms, m.live ? 2 * m.live->KeepMs() + 60'000 : 0);
  m.last_prune_ms = now;
  m.printer = std::make_unique<TimelinePrinter>(set, m.options.load, false, now);
  if (!m.options.timeline_path.empty()) {
    m.timeline = std::fopen(m.options.timeline_path.c_str(), "ae");
    if (m.timeline == nullptr) {
      return Status::IoError(fmt::format("cannot open {} for appending", m.options.timeline_path));
    }
  }
  m.stats.latency_buckets = kLatencyBuckets;
  m.stats.latency_counts.assign(kLatencyBuckets.size(), 0);
  return std::unique_ptr<Monitor>(new Monitor(std::move(impl)));
}

std::int64_t Monitor::HistoryMs() const { return impl_->history_ms; }

Status Monitor::Resume(const std::function<Result<std::vector<ReplayRecord>>()>& next,
                       std::int64_t quiet_until_ms) {
  Impl& m = *impl_;
  std::lock_guard lock(m.state_mu);
  m.quiet_until = quiet_until_ms;
  std::vector<std::int64_t> seqs;
  Status status = Status::Ok();
  for (bool first = true;;) {
    auto chunk = next();
    if (!chunk.ok()) {
      status = chunk.status();
      break;
    }
    if (chunk->empty()) break;
    if (first) {
      first = false;
      const std::int64_t t = std::min(chunk->front().arrival_ms, m.NowMs());
      if (status = m.StartEvaluator(t - t % 1000); !status.ok()) break;
    }
    for (ReplayRecord& r : *chunk) {
      m.Process(r.json, r.arrival_ms, r.quiet);
      if (!r.quiet) seqs.push_back(r.journal_seq);
    }
  }
  // The schedule's changes up to the end of the last run were emitted then.
  const std::int64_t through = std::min(quiet_until_ms, m.NowMs());
  if (quiet_until_ms != INT64_MIN) m.Tick(through);
  m.quiet_until = INT64_MIN;
  if (m.options.on_journal) m.options.on_journal(std::move(seqs), through);
  return status;
}

void Monitor::Start() {
  if (impl_->thread.joinable()) return;
  impl_->thread = std::thread([this] { impl_->Loop(); });
}

void Monitor::Stop() {
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  Drain();
  if (impl_->timeline) {
    std::fclose(impl_->timeline);
    impl_->timeline = nullptr;
  }
}

void Monitor::Submit(std::vector<std::string> records, std::vector<std::int64_t> journal_seqs,
                     std::vector<std::int64_t> arrivals) {
  if (records.empty()) return;
  bool wake = false;
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->queued_records += records.size();
    impl_->queue.push_back({std::move(records), std::chrono::steady_clock::now(),
                            std::move(journal_seqs), std::move(arrivals)});
    wake = impl_->idle || impl_->queued_records >= impl_->options.gather_records;
    if (wake) impl_->idle = false;  // one wake-up is enough
  }
  if (wake) impl_->wake.notify_one();
}

void Monitor::Drain() {
  std::vector<Batch> batches;
  {
    std::lock_guard lock(impl_->queue_mu);
    batches = impl_->Take();
  }
  impl_->RunBatches(std::move(batches));
}

MonitorStats Monitor::Stats() const {
  MonitorStats s;
  {
    std::lock_guard lock(impl_->state_mu);
    s = impl_->stats;
    s.held_events = impl_->summaries.size() + (impl_->live ? impl_->live->HeldMatches() : 0);
  }
  std::lock_guard lock(impl_->queue_mu);
  s.queued = impl_->queued_records;
  return s;
}

std::vector<alarm::Evaluator::AlarmStatus> Monitor::Alarms() const {
  std::lock_guard lock(impl_->state_mu);
  return impl_->evaluator->States();
}

std::vector<std::string> Monitor::Recent(std::size_t limit, std::string_view alarm) const {
  std::lock_guard lock(impl_->state_mu);
  std::vector<std::string> out;
  for (auto it = impl_->recent.rbegin(); it != impl_->recent.rend() && out.size() < limit; ++it) {
    if (alarm.empty() || it->first == alarm) out.push_back(it->second);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace trailwatch::app
