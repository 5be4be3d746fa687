#include "app/metrics_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "aws/cloudwatch.h"
#include "aws/credentials.h"

namespace trailwatch::app {

Result<std::unique_ptr<MetricsExporter>> MetricsExporter::Create(const Config& config,
                                                                 const Monitor* monitor,
                                                                 const notify::Outbox* outbox,
                                                                 const Clock& clock,
                                                                 std::FILE* log) {
  const aws::Environment env = aws::Environment::Process();
  auto profile = aws::LoadProfile(env);
  if (!profile.ok()) return profile.status();
  auto client = std::make_unique<aws::Client>(
      aws::ServiceOptions(env, *profile, "CLOUDWATCH", "monitoring", clock, config.region), clock);
  return std::unique_ptr<MetricsExporter>(
      new MetricsExporter(config, monitor, outbox, clock, log, std::move(client)));
}

MetricsExporter::MetricsExporter(const Config& config, const Monitor* monitor,
                                 const notify::Outbox* outbox, const Clock& clock, std::FILE* log,
                                 std::unique_ptr<aws::Client> client)
    : namespace_(config.metrics_namespace),
      interval_seconds_(config.metrics_interval_seconds),
      monitor_(monitor),
      outbox_(outbox),
      clock_(clock),
      log_(log),
      client_(std::move(client)) {}

MetricsExporter::~MetricsExporter() { Stop(); }

void MetricsExporter::Export() {
  const MonitorStats m = monitor_->Stats();
  const notify::OutboxStats o = outbox_->Stats();
  std::vector<aws::MetricDatum> data;
  auto counter = [&](const char* name, std::uint64_t v) {
    std::uint64_t& last = exported_[name];
    data.push_back({name, static_cast<double>(v - std::min(v, last)), "Count"});
    last = v;
  };
  counter("EventsProcessed", m.records);
  counter("EventsMalformed", m.malformed);
  counter("EventsMatched", m.matched);
  counter("AlarmStateChanges", m.changes);
  counter("DetectionAlerts", m.alerts);
  counter("NotificationsSent", o.sent);
  counter("NotificationAttemptsFailed", o.failed_attempts);
  counter("NotificationsDeadLettered", o.dead);
  data.push_back({"NotificationsQueued", static_cast<double>(o.queued), "Count"});
  data.push_back({"EventsQueued", static_cast<double>(m.queued), "Count"});
  if (Status s =
          aws::PutMetricData(*client_, namespace_, data, clock_.Now().time_since_epoch().count());
      !s.ok()) {
    fmt::print(log_, "trailwatch: metrics_export: {}\n", s.ToString());
  }
}

void MetricsExporter::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    for (;;) {
      bool stop = false;
      {
        std::unique_lock lock(mu_);
        stop = wake_.wait_for(lock, std::chrono::seconds(interval_seconds_),
                              [&] { return stopping_; });
      }
      Export();
      if (stop) return;
    }
  });
}

void MetricsExporter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace trailwatch::app
