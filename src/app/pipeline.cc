#include "app/pipeline.h"

#include <fmt/format.h>

#include <charconv>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "app/metrics_export.h"
#include "app/monitor.h"
#include "app/publisher.h"
#include "app/sns_deliverer.h"
#include "app/subscriptions.h"
#include "common/files.h"
#include "common/json_text.h"
#include "common/time.h"
#include "ingest/ingest.h"
#include "notify/notify.h"
#include "rules/rules.h"

namespace trailwatch::app {
namespace {

// At start the monitor replays at most this many journal records that the last run
// evaluated (the newest of its history), besides all that it did not.
constexpr std::size_t kMaxReplay = 200'000;
constexpr std::size_t kReplayChunk = 10'000;
// How often the monitor's watermark is stored when no journal record needs marking.
constexpr std::int64_t kIdleWatermarkMs = 5'000;

server::Reply Json(std::string body, int status = 200) {
  server::Reply r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

std::string Lines(const std::vector<std::string>& lines) {
  std::string out = "[";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += ',';
    out += lines[i];
  }
  return out + "]";
}

// %XX escapes of a path segment; a malformed escape is kept as is.
std::string PercentDecode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    unsigned value = 0;
    if (in[i] == '%' && i + 3 <= in.size()) {
      const char* first = in.data() + i + 1;
      auto [ptr, ec] = std::from_chars(first, first + 2, value, 16);
      if (ec == std::errc() && ptr == first + 2) {
        out.push_back(static_cast<char>(value));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  return out;
}

// A followed source's records go to the monitor like the vault's.
class MonitorSink final : public ingest::RecordSink {
 public:
  MonitorSink(Monitor* monitor, std::FILE* log) : monitor_(monitor), log_(log) {}
  void OnRecord(std::string_view json, const ingest::RecordOrigin&) override {
    batch_.emplace_back(json);
    if (batch_.size() >= 1000) Flush();
  }
  void OnProblem(const ingest::Problem& p) override {
    fmt::print(log_, "trailwatch: source {}: record {}: {}\n", p.path, p.record, p.reason);
  }
  // Records reach the monitor before their positions become durable: a crash in between
  // reads them again (at least once, docs/sources.md).
  Status Commit(store::Store& store, std::span<const ingest::FileCheckpoint> files,
                std::int64_t now_ms) override {
    Flush();
    return RecordSink::Commit(store, files, now_ms);
  }

 private:
  void Flush() {
    if (!batch_.empty()) monitor_->Submit(std::move(batch_));
    batch_.clear();
  }
  Monitor* monitor_;
  std::FILE* log_;
  std::vector<std::string> batch_;
};

}  // namespace

struct Pipeline::Impl {
  const Config config;
  store::Store* store;
  const Clock& clock;
  std::FILE* log;
  rules::RuleSet rules;
  std::unique_ptr<notify::MessageSigner> signer;
  std::unique_ptr<notify::Deliverer> file_deliverer, http_deliverer, smtp_deliverer, sns_deliverer;
  std::unique_ptr<notify::Outbox> outbox;
  std::unique_ptr<Publisher> publisher;
  std::unique_ptr<Confirmations> confirmations;
  std::unique_ptr<Monitor> monitor;
  std::unique_ptr<MonitorSink> sink;
  std::vector<std::unique_ptr<ingest::FileFollower>> followers;
  std::vector<std::unique_ptr<ingest::RemoteFollower>> remote_followers;  // s3://, logs://, sqs://
  std::mutex stop_mu;
  bool stopped = false;
  std::unique_ptr<MetricsExporter> exporter;  // metrics_export; null when off
  std::function<void(const Notice&)> on_notice;
  // The seqs evaluated since the last MarkMonitored, and the time up to which the monitor
  // has handed everything to the outbox, as known and as stored (monitor thread only).
  std::vector<std::int64_t> evaluated;
  std::int64_t watermark = INT64_MIN;
  std::int64_t stored_watermark = INT64_MIN;
  bool enqueue_failed = false;  // since the last Evaluated (monitor thread only)
  std::chrono::steady_clock::time_point last_mark = std::chrono::steady_clock::now();

  // Records in the journal which records the monitor has evaluated and how far it has got
  // (what the next start resumes from); at most once a second (it is one more write for the
  // store's writer), every few seconds when idle, and at Stop.
  void Evaluated(std::vector<std::int64_t> seqs, std::int64_t through, bool now) {
    if (enqueue_failed) {
      enqueue_failed = false;  // these records' notifications did not all reach the outbox
    } else {
      evaluated.insert(evaluated.end(), seqs.begin(), seqs.end());
      watermark = std::max(watermark, through);
    }
    const auto t = std::chrono::steady_clock::now();
    const bool idle_due = watermark >= stored_watermark + kIdleWatermarkMs;
    if (evaluated.empty() && !idle_due && !(now && watermark > stored_watermark)) return;
    if (!now && t - last_mark < std::chrono::seconds(1)) return;
    if (watermark == INT64_MIN) return;
    last_mark = t;
    if (Status s = store->MarkMonitored(evaluated, watermark); !s.ok()) {
      fmt::print(log, "trailwatch: monitor: cannot mark evaluated records: {}\n", s.ToString());
      return;  // kept: the next call tries again
    }
    evaluated.clear();
    stored_watermark = watermark;
  }

  // Replays the journal into the monitor (Monitor::Resume): what the last run evaluated
  // within the rules' history, quietly, and what a crash left unevaluated.
  Status Resume() {
    const std::int64_t now = clock.Now().time_since_epoch().count();
    auto from = store->MonitorResumePoint(now - monitor->HistoryMs(), kMaxReplay);
    if (!from.ok()) return from.status().WithContext("journal");
    std::optional<std::string> stored;
    Status st = store->Read([&](store::Transaction& tx) {
      auto w = tx.GetCheckpoint(store::kMonitorWatermark);
      if (!w.ok()) return w.status();
      stored = std::move(*w);
      return Status::Ok();
    });
    if (!st.ok()) return st.WithContext("journal");
    // Without a watermark (a data dir from before it), what happened before now counts as
    // emitted.
    std::int64_t quiet_until = now;
    if (stored) {
      auto [ptr, ec] =
          std::from_chars(stored->data(), stored->data() + stored->size(), quiet_until);
      if (ec != std::errc() || ptr != stored->data() + stored->size()) quiet_until = now;
    }
    std::int64_t next_seq = *from;
    std::size_t quiet = 0, unevaluated = 0;
    auto next = [&]() -> Result<std::vector<ReplayRecord>> {
      auto rows = store->ReadJournalFrom(next_seq, kReplayChunk);
      if (!rows.ok()) return rows.status().WithContext("journal");
      std::vector<ReplayRecord> out;
      out.reserve(rows->size());
      for (store::JournalEntry& e : *rows) {
        next_seq = e.seq + 1;
        (e.monitored ? quiet : unevaluated) += 1;
        // Each record arrives at its event time, so the schedule has not passed it and early
        // alarms fire at the event (the same change, and message ids, as the last run's).
        out.push_back({std::move(e.record_json), e.event_time_ms, e.seq, e.monitored});
      }
      return out;
    };
    const auto started = std::chrono::steady_clock::now();
    st = monitor->Resume(next, quiet_until);
    if (quiet + unevaluated > 0) {
      fmt::print(log,
                 "trailwatch: monitor: resumed from {} audit records of the last {} minutes in "
                 "{:.2f} s; {} were committed but not evaluated before the last stop\n",
                 quiet + unevaluated, monitor->HistoryMs() / 60'000,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                 unevaluated);
    }
    return st;
  }

  Impl(Config c, store::Store* s, const Clock& k, std::FILE* l)
      : config(std::move(c)), store(s), clock(k), log(l) {}

  // Queues what `source` (an alarm or a detection) publishes.
  void Queue(std::string_view source, const std::vector<Publication>& publications,
             const std::vector<std::string>& skipped) {
    for (const Publication& p : publications) {
      auto queued = outbox->Enqueue(p.deliveries, p.label);
      if (!queued.ok()) {
        // The records behind it stay unmarked, so the next start evaluates them again.
        enqueue_failed = true;
        fmt::print(log, "trailwatch: notifications for {}: {}\n", source,
                   queued.status().ToString());
      }
    }
    for (const std::string& s : skipped) {
      fmt::print(log, "trailwatch: {}: subscription {} not delivered by trailwatch\n", source, s);
    }
  }

  void Publish(const alarm::TimelineEntry& e, const std::vector<std::string>& events) {
    std::vector<std::string> skipped;
    Notice notice;
    Queue(e.alarm, publisher->Render(e, events, &skipped, &notice), skipped);
    if (on_notice) on_notice(notice);
  }

  void PublishAlert(const AlertLine& a) {
    std::vector<std::string> skipped;
    Notice notice;
    Queue(a.detection, publisher->RenderAlert(a, &skipped, &notice), skipped);
    if (on_notice) on_notice(notice);
  }

  std::string MetricsText() const {
    const MonitorStats m = monitor->Stats();
    const notify::OutboxStats o = outbox->Stats();
    std::string out;
    auto counter = [&](const char* name, const char* help, std::uint64_t v) {
      out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, v);
    };
    auto gauge = [&](const char* name, const char* help, std::uint64_t v) {
      out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name, help, v);
    };
    counter("trailwatch_events_total", "CloudTrail records processed by the monitor.", m.records);
    counter("trailwatch_events_malformed_total", "Records that were not valid CloudTrail.",
            m.malformed);
    counter("trailwatch_events_matched_total", "Records matched by a metric filter.", m.matched);
    counter("trailwatch_metric_observations_total", "Metric datapoints published.", m.observations);
    counter("trailwatch_alarm_state_changes_total", "Alarm state changes.", m.changes);
    counter("trailwatch_detection_alerts_total", "Detection alerts and roll-ups.", m.alerts);
    gauge("trailwatch_events_queued", "Records waiting for the monitor.", m.queued);
    const store::StoreStats st = store->Stats();
    counter("trailwatch_store_commits_total",
            "Write transactions committed (one fsync each) for vault writes and audit records.",
            st.batches);
    counter("trailwatch_store_writes_total",
            "Write jobs those commits carried; jobs per commit is the group-commit batch size.",
            st.jobs);
    gauge("trailwatch_events_held",
          "Events kept in memory for alarm changes and alerts that may still name them.",
          m.held_events);
    out +=
        "# HELP trailwatch_alarm_state Current alarm state (1 for the state it is in).\n"
        "# TYPE trailwatch_alarm_state gauge\n";
    for (const auto& a : monitor->Alarms()) {
      for (alarm::State s :
           {alarm::State::kOk, alarm::State::kAlarm, alarm::State::kInsufficientData}) {
        std::string name;
        AppendJsonString(&name, a.name);  // a quoted, escaped label value
        out += fmt::format("trailwatch_alarm_state{{alarm={},state=\"{}\"}} {}\n", name,
                           alarm::StateName(s), a.state == s ? 1 : 0);
      }
    }
    counter("trailwatch_deliveries_sent_total", "Notifications delivered.", o.sent);
    counter("trailwatch_deliveries_failed_total", "Failed delivery attempts.", o.failed_attempts);
    counter("trailwatch_deliveries_dead_total", "Notifications dead-lettered.", o.dead);
    gauge("trailwatch_deliveries_queued", "Notifications waiting in the outbox.", o.queued);
    out +=
        "# HELP trailwatch_event_latency_seconds From a record's arrival to the end of its "
        "evaluation.\n# TYPE trailwatch_event_latency_seconds histogram\n";
    for (std::size_t i = 0; i < m.latency_buckets.size(); ++i) {
      out += fmt::format("trailwatch_event_latency_seconds_bucket{{le=\"{}\"}} {}\n",
                         m.latency_buckets[i], m.latency_counts[i]);
    }
    out += fmt::format("trailwatch_event_latency_seconds_bucket{{le=\"+Inf\"}} {}\n", m.records);
    out += fmt::format("trailwatch_event_latency_seconds_sum {}\n", m.latency_sum);
    out += fmt::format("trailwatch_event_latency_seconds_count {}\n", m.records);
    return out;
  }

  std::string AlarmsJson() const {
    std::string out = "{\"alarms\":[";
    bool first = true;
    for (const auto& a : monitor->Alarms()) {
      out += first ? "{" : ",{";
      first = false;
      out += "\"name\":";
      AppendJsonString(&out, a.name);
      out += ",\"arn\":";
      AppendJsonString(&out, a.arn);
      out += a.composite ? ",\"composite\":true" : "";
      out += ",\"state\":";
      AppendJsonString(&out, alarm::StateName(a.state));
      out += ",\"reason\":";
      AppendJsonString(&out, a.reason);
      if (a.since_ms) {
        out += ",\"since\":";
        AppendJsonString(&out, FormatIso8601(*a.since_ms));
      }
      out += '}';
    }
    return out + "]}";
  }

  std::string OutboxJson(const aws::HttpRequest& r) const {
    notify::OutboxQuery q;
    // ?state=pending|delivered|dead
    const std::string& query = r.query;
    for (std::string_view s : {"pending", "delivered", "dead"}) {
      if (query.find(fmt::format("state={}", s)) != std::string::npos) {
        q.state = *notify::ParseOutboxState(s);
      }
    }
    auto entries = outbox->List(q);
    if (!entries.ok()) return "{\"error\":\"outbox unavailable\"}";
    std::string out = "{\"messages\":[";
    for (std::size_t i = 0; i < entries->size(); ++i) {
      const notify::OutboxEntry& e = (*entries)[i];
      out += i > 0 ? ",{" : "{";
      out +=
          fmt::format("\"id\":{},\"state\":\"{}\",\"protocol\":\"{}\",\"endpoint\":", e.id,
                      notify::OutboxStateName(e.state), notify::ProtocolName(e.delivery.protocol));
      AppendJsonString(&out, notify::RedactedEndpoint(notify::ProtocolName(e.delivery.protocol),
                                                      e.delivery.endpoint));
      out += ",\"messageId\":";
      AppendJsonString(&out, e.delivery.message_id);
      out += ",\"topicArn\":";
      AppendJsonString(&out, e.label.topic_arn);
      out += ",\"source\":";
      AppendJsonString(&out, e.label.source);
      out += fmt::format(",\"attempts\":{},\"created\":\"{}\"", e.attempts,
                         FormatIso8601(e.created_ms));
      if (e.finished_ms) out += fmt::format(",\"finished\":\"{}\"", FormatIso8601(*e.finished_ms));
      if (!e.last_error.empty()) {
        out += ",\"lastError\":";
        AppendJsonString(&out, e.last_error);
      }
      out += '}';
    }
    return out + "]}";
  }
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Pipeline::~Pipeline() { Stop(); }

Result<std::unique_ptr<Pipeline>> Pipeline::Create(const Config& config, store::Store* store,
                                                   const Clock& clock, std::FILE* log,
                                                   std::function<void(const Notice&)> on_notice) {
  auto impl = std::make_unique<Impl>(config, store, clock, log);
  Impl& p = *impl;
  p.on_notice = std::move(on_notice);
  rules::LoadOptions load;
  load.account_id = config.account_id;
  load.region = config.region;
  load.parameters = config.parameters;
  for (const std::string& r : config.rules) {
    auto loaded = rules::LoadRuleFile(r, load);
    if (!loaded.ok()) return loaded.status();
    if (Status s = rules::Merge(&p.rules, std::move(*loaded)); !s.ok()) return s;
  }
  if (Status s = rules::CheckParameters(p.rules, load); !s.ok()) return s.WithContext("parameters");
  if (Status s = rules::CheckReferences(p.rules); !s.ok()) return s;

  const std::string base_url = config.BaseUrl();
  if (config.public_url.empty() &&
      (config.ListenHost() == "0.0.0.0" || config.ListenHost() == "::")) {
    fmt::print(log,
               "trailwatch: warning: links in notifications name {}, which no receiver can reach; "
               "set public_url\n",
               base_url);
  }
  auto signer = notify::MessageSigner::LoadOrCreate(config.data_dir + "/sns-signing",
                                                    fmt::format("{}/sns", base_url), clock);
  if (!signer.ok()) return signer.status();
  p.signer = std::make_unique<notify::MessageSigner>(std::move(*signer));

  notify::DelivererMap deliverers;
  p.file_deliverer = notify::NewFileDeliverer();
  deliverers[notify::Protocol::kFile] = p.file_deliverer.get();
  p.sns_deliverer = NewSnsDeliverer(clock);
  deliverers[notify::Protocol::kSns] = p.sns_deliverer.get();
  p.http_deliverer = notify::NewHttpDeliverer({});
  for (auto proto : {notify::Protocol::kHttp, notify::Protocol::kHttps, notify::Protocol::kSlack}) {
    deliverers[proto] = p.http_deliverer.get();
  }
  if (config.smtp) {
    notify::SmtpOptions so;
    so.url = config.smtp->url;
    so.from = config.smtp->from;
    so.username = config.smtp->username;
    if (!config.smtp->password_file.empty()) {
      auto password = ReadFile(config.smtp->password_file);
      if (!password.ok()) return password.status().WithContext("smtp.password_file");
      so.password = *password;
      while (!so.password.empty() && (so.password.back() == '\n' || so.password.back() == '\r')) {
        so.password.pop_back();
      }
    }
    p.smtp_deliverer = notify::NewSmtpDeliverer(std::move(so));
    deliverers[notify::Protocol::kEmail] = p.smtp_deliverer.get();
    deliverers[notify::Protocol::kEmailJson] = p.smtp_deliverer.get();
  }
  notify::OutboxOptions oo;
  oo.clock = &clock;
  oo.log = [log](std::string_view line) { fmt::print(log, "trailwatch: {}\n", line); };
  p.outbox = std::make_unique<notify::Outbox>(*store, std::move(deliverers), std::move(oo));

  PublisherOptions po;
  po.load = load;
  po.config_updated_ms = clock.Now().time_since_epoch().count();
  po.signer = p.signer.get();
  po.email.alarm_link_base = fmt::format("{}/api/alarms/", base_url);
  for (const auto& [topic, subs] : config.subscriptions) {
    for (const SubscriptionConfig& s : subs) po.extra[topic].push_back({s.protocol, s.endpoint});
  }
  p.publisher = std::make_unique<Publisher>(p.rules, std::move(po));
  p.confirmations = std::make_unique<Confirmations>(store, p.publisher.get(),
                                                    fmt::format("{}/sns/", base_url), clock);

  MonitorOptions mo;
  mo.load = load;
  mo.on_journal = [raw = &p](std::vector<std::int64_t> seqs, std::int64_t through) {
    raw->Evaluated(std::move(seqs), through, /*now=*/false);
  };
  mo.timeline_path = config.data_dir + "/alerts.ndjson";
  mo.console = log;
  Impl* raw = &p;
  mo.on_change = [raw](const alarm::TimelineEntry& e, const std::vector<std::string>& events) {
    raw->Publish(e, events);
  };
  mo.on_alert = [raw](const AlertLine& a) { raw->PublishAlert(a); };
  auto monitor = Monitor::Create(p.rules, std::move(mo), clock);
  if (!monitor.ok()) return monitor.status();
  p.monitor = std::move(*monitor);

  p.sink = std::make_unique<MonitorSink>(p.monitor.get(), log);
  for (const std::string& source : config.sources) {
    if (source.starts_with("sqs://") || source.starts_with("logs://") ||
        source.starts_with("s3://")) {
      ingest::RemoteFollowerOptions ro;
      ro.url = source;
      ro.store = store;
      ro.clock = &clock;
      ro.poll_interval = std::chrono::seconds(config.aws_poll_seconds);
      // Long polls end within this, so that a shutdown does not wait long.
      ro.wait_seconds = static_cast<int>(std::min<std::uint32_t>(5, config.aws_poll_seconds));
      auto follower = ingest::FollowRemote(std::move(ro), p.sink.get());
      if (!follower.ok()) return follower.status().WithContext("sources: " + source);
      p.remote_followers.push_back(std::move(*follower));
      continue;
    }
    ingest::FollowerOptions fo;
    fo.paths = {source};
    fo.store = store;
    fo.clock = &clock;
    auto follower = ingest::FileFollower::Create(std::move(fo), p.sink.get());
    if (!follower.ok()) return follower.status().WithContext("sources: " + source);
    p.followers.push_back(std::move(*follower));
  }
  if (!config.metrics_namespace.empty()) {
    auto exporter = MetricsExporter::Create(config, p.monitor.get(), p.outbox.get(), clock, log);
    if (!exporter.ok()) return exporter.status().WithContext("metrics_export");
    p.exporter = std::move(*exporter);
  }
  fmt::print(log,
             "trailwatch: monitoring {} metric filters, {} alarms, {} composite alarms, {} "
             "detections, {} sources besides the vault\n",
             p.rules.metric_filters.size(), p.rules.alarms.size(), p.rules.composites.size(),
             p.rules.detections.size(), p.followers.size() + p.remote_followers.size());
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

Status Pipeline::Prune() {
  constexpr std::int64_t kJournalMarginMs = 3'600'000;
  constexpr std::int64_t kOutboxKeepMs = 7 * 86'400'000LL;
  constexpr std::size_t kChunk = 5000;
  Impl& p = *impl_;
  const std::int64_t now = p.clock.Now().time_since_epoch().count();
  const std::int64_t before = now - p.monitor->HistoryMs() - kJournalMarginMs;
  // One write per chunk, until a chunk comes back short.
  auto in_chunks = [](const std::function<Result<std::int64_t>()>& chunk) -> Status {
    for (;;) {
      auto n = chunk();
      if (!n.ok()) return n.status();
      if (static_cast<std::size_t>(*n) < kChunk) return Status::Ok();
    }
  };
  Status st = in_chunks([&] {
    return p.store->PruneJournal(before, p.monitor->HistoryMs() + kJournalMarginMs, kChunk);
  });
  if (!st.ok()) return st.WithContext("pruning the journal");
  st = in_chunks([&]() -> Result<std::int64_t> {
    std::int64_t n = 0;
    Status written = p.store->Write([&](store::Transaction& tx) -> Status {
      auto pruned = tx.PruneOutbox(now - kOutboxKeepMs, kChunk);
      if (pruned.ok()) n = *pruned;
      return pruned.ok() ? Status::Ok() : pruned.status();
    });
    if (!written.ok()) return written;
    return n;
  });
  return st.ok() ? st : st.WithContext("pruning the outbox");
}

void Pipeline::Submit(std::vector<store::JournalEntry> records) {
  std::vector<std::string> texts;
  std::vector<std::int64_t> seqs;
  texts.reserve(records.size());
  seqs.reserve(records.size());
  for (store::JournalEntry& e : records) {
    texts.push_back(std::move(e.record_json));
    seqs.push_back(e.seq);
  }
  impl_->monitor->Submit(std::move(texts), std::move(seqs));
}

void Pipeline::AddRoutes(server::Server* http) {
  Impl* p = impl_.get();
  http->Route("GET", "/api/alarms",
              [p](const aws::HttpRequest&, const server::Peer&) { return Json(p->AlarmsJson()); });
  http->Route("GET", "/api/alarms/*", [p](const aws::HttpRequest& r, const server::Peer&) {
    // /api/alarms/{name}/history, the name URL-encoded as the client sent it.
    std::string_view rest =
        std::string_view(r.path).substr(std::string_view("/api/alarms/").size());
    if (!rest.ends_with("/history")) return Json(R"({"error":"not found"})", 404);
    rest.remove_suffix(std::string_view("/history").size());
    const std::string name = PercentDecode(rest);
    return Json("{\"history\":" + Lines(p->monitor->Recent(1000, name)) + "}");
  });
  http->Route("GET", "/api/alerts", [p](const aws::HttpRequest&, const server::Peer&) {
    return Json("{\"alerts\":" + Lines(p->monitor->Recent(100)) + "}");
  });
  http->Route("GET", "/api/outbox", [p](const aws::HttpRequest& r, const server::Peer&) {
    return Json(p->OutboxJson(r));
  });
  http->Route("GET", "/metrics", [p](const aws::HttpRequest&, const server::Peer&) {
    server::Reply r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = p->MetricsText();
    return r;
  });
  http->Route("GET", "/api/subscriptions", [p](const aws::HttpRequest&, const server::Peer&) {
    return Json(p->confirmations->ListJson());
  });
  http->Route("GET", "/sns/*", [p](const aws::HttpRequest& r, const server::Peer&) {
    if (r.path == "/sns/") return p->confirmations->Confirm(r);
    if (r.path != "/sns/" + p->signer->CertificateFileName()) {
      return Json(R"({"error":"not found"})", 404);
    }
    server::Reply reply;
    reply.content_type = "application/x-pem-file";
    reply.body = p->signer->CertificatePem();
    return reply;
  });
}

Status Pipeline::Start() {
  if (Status s = impl_->outbox->Start(); !s.ok()) return s;
  if (Status s = impl_->Resume(); !s.ok()) return s;
  if (Status s = impl_->confirmations->SendNew(impl_->outbox.get()); !s.ok()) {
    return s.WithContext("subscription confirmations");
  }
  impl_->monitor->Start();
  for (auto& f : impl_->followers) f->Start();
  for (auto& f : impl_->remote_followers) f->Start();
  if (impl_->exporter) impl_->exporter->Start();
  return Status::Ok();
}

void Pipeline::Stop() {
  std::lock_guard lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  for (auto& f : impl_->followers) f->Stop();
  for (auto& f : impl_->remote_followers) f->Stop();
  impl_->monitor->Stop();
  impl_->Evaluated({}, INT64_MIN, /*now=*/true);
  if (impl_->exporter) impl_->exporter->Stop();  // the last interval's counts too
  impl_->outbox->Stop();
}

}  // namespace trailwatch::app
