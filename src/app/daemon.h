// The running stack of `trailwatch up` (design.md §5): the vault (Secrets Manager API, SigV4,
// IAM, envelope encryption), the trail (journal → CloudTrail log files and digests), the
// monitor and its notifications (app/pipeline.h), the REST API, all on one port. `up` runs one
// until a signal; `demo` runs one in-process and drives it with real signed calls.
#ifndef TRAILWATCH_APP_DAEMON_H_
#define TRAILWATCH_APP_DAEMON_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "app/config.h"
#include "app/identity.h"
#include "app/publisher.h"
#include "common/status.h"

namespace trailwatch::app {

struct DaemonHooks {
  // Every alarm state change and detection alert, as it is published (monitor's thread).
  std::function<void(const Notice&)> on_notice;
};

class Daemon {
 public:
  // Opens (or creates) the data dir — on first start with an administrator whose key is
  // written 0600 there — loads the rules and starts serving. Signals are the caller's
  // business: block SIGINT/SIGTERM before, so that no thread of the daemon takes them.
  static Result<std::unique_ptr<Daemon>> Start(const Config& config, std::FILE* log,
                                               DaemonHooks hooks = {});
  ~Daemon();  // Stop()
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // "http://127.0.0.1:4580" (the port actually bound, also for port 0).
  std::string url() const;
  // Users, access keys and policies of this data dir.
  Identity& identity();
  // Delivers the journal's undelivered audit records into a log file now (as the trail's
  // timer would), so callers need not wait for the delivery interval.
  Status DeliverTrail();

  // Stops taking requests, finishes those in flight, evaluates what the monitor holds (its
  // notifications wait in the outbox), delivers the trail and signs a final digest.
  // Idempotent; the first call's outcome is returned again.
  Status Stop();

 private:
  struct Impl;
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_DAEMON_H_
