// The durable outbox: rows in the store, dispatcher threads, one durable record per attempt.
//
// Exactly-once towards acknowledged deliveries rests on one rule: an attempt's outcome is
// written (RecordOutboxAttempt, committed through Store::Write) before the row can be taken
// again, and only pending rows are ever taken. A crash between a receiver's acknowledgement
// and that commit leaves the row pending, so it is sent again after the restart; that is the
// at-least-once case receivers dedup by message id.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "notify/notify.h"
#include "store/store.h"

namespace trailwatch::notify {
namespace {

using Json = nlohmann::json;

std::string HeadersJson(const std::vector<Header>& headers) {
  Json array = Json::array();
  for (const auto& [name, value] : headers) array.push_back(Json::array({name, value}));
  // Replacement keeps a header with bad UTF-8 storable instead of throwing.
  return array.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<std::vector<Header>> ParseHeaders(const std::string& text) {
  const Json array = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!array.is_array()) return std::nullopt;
  std::vector<Header> out;
  for (const Json& pair : array) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return std::nullopt;
    }
    out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return out;
}

// The endpoint as logs may show it: a webhook URL's path is often its secret (Slack's are),
// so URLs keep only their scheme and host.
OutboxEntry ToEntry(store::OutboxRow row) {
  OutboxEntry e;
  e.id = row.id;
  if (auto p = ParseProtocol(row.protocol); p.ok()) e.delivery.protocol = *p;
  e.delivery.endpoint = std::move(row.endpoint);
  e.delivery.message_id = std::move(row.message_id);
  e.delivery.time_ms = row.time_ms;
  e.delivery.subject = std::move(row.subject);
  e.delivery.body = std::move(row.body);
  if (auto headers = ParseHeaders(row.headers_json)) e.delivery.headers = std::move(*headers);
  e.label.topic_arn = std::move(row.topic_arn);
  e.label.source = std::move(row.source);
  if (auto state = ParseOutboxState(row.state); state.ok()) e.state = *state;
  e.attempts = static_cast<int>(row.attempts);
  e.created_ms = row.created_ms;
  e.next_attempt_ms = row.next_attempt_ms;
  e.finished_ms = row.finished_ms;
  e.last_error = std::move(row.last_error);
  e.last_code = static_cast<int>(row.last_code);
  return e;
}

}  // namespace

struct Outbox::Impl {
  Impl(store::Store& s, DelivererMap d, OutboxOptions o)
      : store(s),
        deliverers(std::move(d)),
        options(std::move(o)),
        clock(options.clock != nullptr ? *options.clock : SystemClock::Instance()) {
    if (options.workers == 0) options.workers = 1;
    if (options.poll_interval.count() <= 0) options.poll_interval = std::chrono::milliseconds(1);
  }

  std::int64_t NowMs() const { return clock.Now().time_since_epoch().count(); }

  RetryPolicy PolicyFor(Protocol p) const {
    auto it = options.policies.find(p);
    return it != options.policies.end() ? it->second : DefaultRetryPolicy(p);
  }

  void Log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  void Wake() {
    {
      std::lock_guard lock(mu);
      ++kicks;
    }
    cv.notify_all();
  }

  // Sleeps until kicked, stopped or `wait` has passed; false when stopping.
  bool Sleep(std::uint64_t seen, std::chrono::milliseconds wait) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, wait, [&] { return stopping || kicks != seen; });
    return !stopping;
  }

  void WorkerLoop();
  // Takes the most overdue row whose endpoint has no attempt in flight, or says how long to
  // sleep. False when stopping.
  bool Claim(std::optional<store::OutboxRow>* row, std::chrono::milliseconds* wait,
             std::uint64_t* seen);
  void Release(const std::string& endpoint);
  void Attempt(const store::OutboxRow& row);
  // Writes the attempt's outcome, retrying the write (never the delivery) while the store
  // refuses it. False when it could not be written before Stop.
  bool Record(const store::OutboxAttempt& attempt);

  store::Store& store;
  const DelivererMap deliverers;
  OutboxOptions options;
  const Clock& clock;

  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool stopping = false;
  std::uint64_t kicks = 0;        // bumped by Kick(), Enqueue() and finished attempts
  std::vector<std::string> busy;  // endpoints with an attempt in flight
  std::vector<std::thread> threads;

  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> dead{0};
};

void Outbox::Impl::WorkerLoop() {
  for (;;) {
    std::optional<store::OutboxRow> row;
    std::chrono::milliseconds wait{0};
    std::uint64_t seen = 0;
    if (!Claim(&row, &wait, &seen)) return;
    if (!row) {
      if (!Sleep(seen, wait)) return;
      continue;
    }
    Attempt(*row);
    Release(row->endpoint);
  }
}

bool Outbox::Impl::Claim(std::optional<store::OutboxRow>* row, std::chrono::milliseconds* wait,
                         std::uint64_t* seen) {
  std::vector<std::string> exclude;
  {
    std::lock_guard lock(mu);
    if (stopping) return false;
    *seen = kicks;
    exclude = busy;
  }
  const std::int64_t now = NowMs();
  std::vector<store::OutboxRow> due;
  std::optional<std::int64_t> next;
  Status st = store.Read([&](store::Transaction& tx) {
    auto rows = tx.DueOutbox(now, 1, exclude);
    if (!rows.ok()) return rows.status();
    due = std::move(rows).value();
    if (!due.empty()) return Status::Ok();
    auto n = tx.NextOutboxAttempt();
    if (!n.ok()) return n.status();
    next = *n;
    return Status::Ok();
  });
  *wait = options.poll_interval;
  if (!st.ok()) {
    Log("outbox: cannot read the queue: " + st.ToString());
    return true;
  }
  if (due.empty()) {
    // A row due now but not taken belongs to a busy endpoint; its attempt's end wakes us.
    if (next && *next > now) {
      *wait = std::min(options.poll_interval, std::chrono::milliseconds(*next - now));
    }
    return true;
  }
  {
    std::lock_guard lock(mu);
    if (stopping) return false;
    // Another worker may have taken the endpoint since we looked; then look again at once.
    if (std::find(busy.begin(), busy.end(), due.front().endpoint) != busy.end()) {
      *wait = std::chrono::milliseconds(0);
      return true;
    }
    busy.push_back(due.front().endpoint);
  }
  // Our read may predate an attempt another worker finished (and recorded) on this row just
  // before we took its endpoint; acting on it would send an acknowledged message again. Now
  // that we hold the endpoint nobody else records on it, so a fresh read is the truth.
  std::optional<store::OutboxRow> fresh;
  st = store.Read([&](store::Transaction& tx) {
    auto r = tx.FindOutbox(due.front().id);
    if (!r.ok()) return r.status();
    fresh = std::move(r).value();
    return Status::Ok();
  });
  if (!st.ok() || !fresh || fresh->state != "pending" || fresh->next_attempt_ms > now) {
    Release(due.front().endpoint);
    if (st.ok()) *wait = std::chrono::milliseconds(0);
    return true;
  }
  *row = std::move(fresh);
  return true;
}

void Outbox::Impl::Release(const std::string& endpoint) {
  {
    std::lock_guard lock(mu);
    std::erase(busy, endpoint);
    ++kicks;  // the endpoint is free again: its next row may be due
  }
  cv.notify_all();
}

void Outbox::Impl::Attempt(const store::OutboxRow& row) {
  DeliveryResult result;
  auto protocol = ParseProtocol(row.protocol);
  auto headers = ParseHeaders(row.headers_json);
  if (!protocol.ok()) {
    result = {false, false, 0, "unknown protocol '" + row.protocol + "'"};
  } else if (!headers) {
    result = {false, false, 0, "the stored headers are not a JSON list of pairs"};
  } else if (auto it = deliverers.find(*protocol); it == deliverers.end() || !it->second) {
    result = {false, false, 0, "no deliverer is configured for protocol " + row.protocol};
  } else {
    Delivery d;
    d.protocol = *protocol;
    d.endpoint = row.endpoint;
    d.message_id = row.message_id;
    d.time_ms = row.time_ms;
    d.subject = row.subject;
    d.body = row.body;
    d.headers = std::move(*headers);
    result = it->second->Deliver(d);
  }

  const std::int64_t at = NowMs();
  const int attempts = static_cast<int>(row.attempts) + 1;
  store::OutboxAttempt a;
  a.id = row.id;
  a.at_ms = at;
  a.code = result.code;
  if (result.ok) {
    a.state = "delivered";
  } else {
    a.error = result.error;
    std::optional<std::int64_t> delay;
    if (result.retryable && protocol.ok()) {
      const RetryPolicy policy = PolicyFor(*protocol);
      delay = RetryDelayMs(policy, attempts);
      if (delay && policy.max_total_ms > 0 && at + *delay - row.created_ms > policy.max_total_ms) {
        delay.reset();
      }
    }
    if (delay) {
      a.state = "pending";
      a.next_attempt_ms = at + *delay;
    } else {
      a.state = "dead";
    }
  }
  if (!Record(a)) return;

  const std::string who = fmt::format("outbox: {} {} message {}", row.protocol,
                                      RedactedEndpoint(row.protocol, row.endpoint), row.message_id);
  if (result.ok) {
    sent.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  failed.fetch_add(1, std::memory_order_relaxed);
  if (a.state == "dead") {
    dead.fetch_add(1, std::memory_order_relaxed);
    Log(fmt::format("{}: dead after {} attempt(s){}: {}", who, attempts,
                    result.retryable ? "" : " (not retryable)", result.error));
  } else {
    Log(fmt::format("{}: attempt {} failed, retry in {} ms: {}", who, attempts,
                    a.next_attempt_ms - at, result.error));
  }
}

bool Outbox::Impl::Record(const store::OutboxAttempt& attempt) {
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mu);
      seen = kicks;
    }
    Status st =
        store.Write([&attempt](store::Transaction& tx) { return tx.RecordOutboxAttempt(attempt); });
    if (st.ok()) return true;
    if (st.code() == StatusCode::kNotFound) return false;  // finished already; nothing to do
    Log(fmt::format("outbox: cannot record attempt on row {}: {}", attempt.id, st.ToString()));
    // The row stays pending; after a restart it is attempted again (at-least-once).
    if (!Sleep(seen, options.poll_interval)) return false;
  }
}

Outbox::Outbox(store::Store& store, DelivererMap deliverers, OutboxOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(deliverers), std::move(options))) {}

Outbox::~Outbox() { Stop(); }

Status Outbox::Start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->started || impl_->stopping) {
    return Status::InvalidArgument("outbox: already started or stopped");
  }
  impl_->started = true;
  for (std::size_t i = 0; i < impl_->options.workers; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->WorkerLoop(); });
  }
  return Status::Ok();
}

void Outbox::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  for (std::thread& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

Result<std::size_t> Outbox::Enqueue(const std::vector<Delivery>& deliveries,
                                    const OutboxLabel& label) {
  const std::int64_t now = impl_->NowMs();
  std::vector<store::OutboxRow> rows;
  rows.reserve(deliveries.size());
  for (const Delivery& d : deliveries) {
    if (d.endpoint.empty()) return Status::InvalidArgument("outbox: a delivery has no endpoint");
    if (d.message_id.empty()) {
      return Status::InvalidArgument("outbox: a delivery has no message id");
    }
    if (auto it = impl_->deliverers.find(d.protocol);
        it == impl_->deliverers.end() || it->second == nullptr) {
      return Status::InvalidArgument(fmt::format(
          "outbox: no deliverer is configured for protocol {}", ProtocolName(d.protocol)));
    }
    store::OutboxRow r;
    r.created_ms = now;
    r.protocol = std::string(ProtocolName(d.protocol));
    r.endpoint = d.endpoint;
    r.message_id = d.message_id;
    r.subject = d.subject;
    r.body = d.body;
    r.headers_json = HeadersJson(d.headers);
    r.time_ms = d.time_ms;
    r.topic_arn = label.topic_arn;
    r.source = label.source;
    r.next_attempt_ms = now;
    rows.push_back(std::move(r));
  }
  std::size_t added = 0;
  Status st = impl_->store.Write([&](store::Transaction& tx) {
    added = 0;  // a job is run once, but stays correct if it were run again
    for (const store::OutboxRow& r : rows) {
      auto id = tx.InsertOutbox(r);
      if (!id.ok()) return id.status();
      if (id->has_value()) ++added;
    }
    return Status::Ok();
  });
  if (!st.ok()) return st.WithContext("outbox: enqueueing");
  if (added > 0) impl_->Wake();
  return added;
}

void Outbox::Kick() { impl_->Wake(); }

Result<std::vector<OutboxEntry>> Outbox::List(const OutboxQuery& query) const {
  store::OutboxFilter filter;
  if (query.state) filter.state = std::string(OutboxStateName(*query.state));
  filter.topic_arn = query.topic_arn;
  filter.before_id = query.before_id;
  filter.with_body = query.with_body;
  std::vector<store::OutboxRow> rows;
  Status st = impl_->store.Read([&](store::Transaction& tx) {
    auto r = tx.ListOutbox(filter, query.limit);
    if (!r.ok()) return r.status();
    rows = std::move(r).value();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  std::vector<OutboxEntry> out;
  out.reserve(rows.size());
  for (store::OutboxRow& r : rows) out.push_back(ToEntry(std::move(r)));
  return out;
}

OutboxStats Outbox::Stats() const {
  OutboxStats s;
  s.sent = impl_->sent.load(std::memory_order_relaxed);
  s.failed_attempts = impl_->failed.load(std::memory_order_relaxed);
  s.dead = impl_->dead.load(std::memory_order_relaxed);
  Status st = impl_->store.Read([&](store::Transaction& tx) {
    auto counts = tx.CountOutbox();
    if (!counts.ok()) return counts.status();
    s.queued = static_cast<std::uint64_t>(counts->pending);
    return Status::Ok();
  });
  (void)st;  // on a read error `queued` stays 0; /metrics has nothing better to show
  return s;
}

}  // namespace trailwatch::notify
