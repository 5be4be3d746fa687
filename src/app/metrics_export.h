// metrics_export (docs/configuration.md): the daemon's own counters to CloudWatch with
// PutMetricData, every interval and once more at shutdown.
#ifndef TRAILWATCH_APP_METRICS_EXPORT_H_
#define TRAILWATCH_APP_METRICS_EXPORT_H_

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "app/config.h"
#include "app/monitor.h"
#include "aws/client.h"
#include "common/clock.h"
#include "common/status.h"
#include "notify/notify.h"

namespace trailwatch::app {

class MetricsExporter {
 public:
  // Region, endpoint (AWS_ENDPOINT_URL_CLOUDWATCH, ...) and credentials from the environment
  // (aws/credentials.h); the region falls back to the config's.
  static Result<std::unique_ptr<MetricsExporter>> Create(const Config& config,
                                                         const Monitor* monitor,
                                                         const notify::Outbox* outbox,
                                                         const Clock& clock, std::FILE* log);
  ~MetricsExporter();

  void Start();
  // Exports once more (the last interval's counts) and stops. Idempotent.
  void Stop();
  // One export now: counters as deltas since the last export (CloudWatch sums them per
  // period), gauges as they are. Failures are logged.
  void Export();

 private:
  MetricsExporter(const Config& config, const Monitor* monitor, const notify::Outbox* outbox,
                  const Clock& clock, std::FILE* log, std::unique_ptr<aws::Client> client);

  const std::string namespace_;
  const std::uint32_t interval_seconds_;
  const Monitor* monitor_;
  const notify::Outbox* outbox_;
  const Clock& clock_;
  std::FILE* log_;
  std::unique_ptr<aws::Client> client_;
  std::map<std::string, std::uint64_t> exported_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_METRICS_EXPORT_H_
