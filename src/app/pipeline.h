// The monitoring half of `trailwatch up` (design.md §1, §5): the rule files, the monitor fed by
// the vault in-process and by followed sources, notifications through the durable outbox, and
// the REST API and /metrics over them. up.cc owns the vault half and the order of shutdown.
#ifndef TRAILWATCH_APP_PIPELINE_H_
#define TRAILWATCH_APP_PIPELINE_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/publisher.h"
#include "common/clock.h"
#include "common/status.h"
#include "server/server.h"
#include "store/store.h"

namespace trailwatch::app {

class Pipeline {
 public:
  // Loads the rules, opens alerts.ndjson, the SNS signing key and the outbox in the data dir.
  // Errors name the rule file or the setting. `on_notice` (optional) hears every alarm change
  // and detection alert once it is queued for delivery, on the monitor's thread.
  static Result<std::unique_ptr<Pipeline>> Create(
      const Config& config, store::Store* store, const Clock& clock, std::FILE* log,
      std::function<void(const Notice&)> on_notice = nullptr);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // The vault's records, once durable in the journal (vault::VaultOptions::recorded). Any
  // thread. Evaluated records are marked in the journal (within a second, and at Stop), so
  // that the next start evaluates what a crash left behind.
  void Submit(std::vector<store::JournalEntry> records);
  // /api/alarms, /api/alarms/{name}/history, /api/alerts, /api/outbox, /metrics and the SNS
  // signing certificate. Before the server starts.
  void AddRoutes(server::Server* http);
  // Deletes what the store no longer needs, so that it does not grow with every call: journal
  // entries already in trail log files and evaluated, once older than anything the monitor
  // replays at its next start (HistoryMs) plus an hour; outbox messages delivered or
  // dead-lettered more than 7 days ago. In chunks, so vault writes interleave. Any thread.
  Status Prune();
  // Starts the monitor, the outbox dispatchers and the followers.
  Status Start();
  // Stops the followers, processes what the monitor has queued, queues its notifications and
  // stops the outbox (pending deliveries stay in the store for the next start). Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_PIPELINE_H_
