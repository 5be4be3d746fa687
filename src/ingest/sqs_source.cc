// ListSqs (ingest.h) and FollowSqs (follower_util.h): log files announced on an SQS queue.
#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "aws/sqs.h"
#include "ingest/follower_util.h"
#include "ingest/ingest.h"
#include "ingest/prefetch.h"
#include "ingest/s3_internal.h"

namespace trailwatch::ingest {
namespace {

constexpr std::size_t kKeptKeys = 10'000;
constexpr std::size_t kKeptEventIds = 200'000;

// The eventID of a compact CloudTrail record, found textually; "" when it has none.
std::string_view EventId(std::string_view json) {
  constexpr std::string_view kKey = R"("eventID":")";
  const std::size_t at = json.find(kKey);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + kKey.size();
  const std::size_t end = json.find('"', begin);
  return end == std::string_view::npos ? std::string_view() : json.substr(begin, end - begin);
}

// A bounded set: the newest `limit` strings inserted.
class Recent {
 public:
  explicit Recent(std::size_t limit) : limit_(limit) {}
  bool contains(const std::string& s) const { return set_.contains(s); }
  void insert(std::string s) {
    if (!set_.insert(s).second) return;
    order_.push_back(std::move(s));
    if (order_.size() > limit_) {
      set_.erase(order_.front());
      order_.pop_front();
    }
  }
  const std::deque<std::string>& order() const { return order_; }

 private:
  std::size_t limit_;
  std::unordered_set<std::string> set_;
  std::deque<std::string> order_;
};

// The day folder ("2024/07/31") of a key in CloudTrail's layout; empty for other keys.
std::string_view KeyDay(std::string_view key) {
  constexpr std::string_view kMarker = "/CloudTrail/";
  const std::size_t at = key.find(kMarker);
  if (at == std::string_view::npos) return {};
  const std::size_t region_end = key.find('/', at + kMarker.size());
  if (region_end == std::string_view::npos || key.size() < region_end + 12) return {};
  const std::string_view day = key.substr(region_end + 1, 10);
  for (std::size_t i = 0; i < day.size(); ++i) {
    const bool slash = i == 4 || i == 7;
    if (slash ? day[i] != '/' : (day[i] < '0' || day[i] > '9')) return {};
  }
  return day;
}

Result<std::string> QueueOf(std::string_view url) {
  if (!url.starts_with("sqs://") || url.size() == 6) {
    return Status::InvalidArgument(
        fmt::format("{}: expected sqs://QUEUE-NAME or sqs://QUEUE-URL", url));
  }
  return std::string(url.substr(6));
}

// Long enough to drain a long backlog before the first messages come back; a scan that dies
// meanwhile delays the queue's consumer by at most this.
constexpr int kScanVisibilitySeconds = 120;
// A dead-letter queue's maxReceiveCount below this leaves the consumer too few receives.
constexpr int kMinScanReceiveCount = 3;

}  // namespace

Result<RemoteListing> ListSqs(std::string_view url, std::optional<std::int64_t> start_ms,
                              std::optional<std::int64_t> end_ms, const aws::Environment& env,
                              const Clock& clock) {
  auto queue = QueueOf(url);
  if (!queue.ok()) return queue.status();
  auto sqs = aws::OpenSqsQueue(*queue, env, clock);
  if (!sqs.ok()) return sqs.status();
  RemoteListing out;
  // Each receive counts towards a dead-letter queue's maxReceiveCount: a scan must not be what
  // moves notifications there.
  auto info = (*sqs)->Describe();
  if (!info.ok()) return info.status();
  if (info->max_receive_count) {
    if (*info->max_receive_count < kMinScanReceiveCount) {
      return Status::InvalidArgument(fmt::format(
          "{}: the queue moves a message to its dead-letter queue after {} receive(s); a scan "
          "receives each message once, which could send notifications there before their "
          "consumer reads them: scan the bucket they announce instead (s3://BUCKET/PREFIX)",
          url, *info->max_receive_count));
    }
    out.notes.push_back(fmt::format(
        "each message's receive count went up by one (the queue's dead-letter queue takes them "
        "after {})",
        *info->max_receive_count));
  }
  if (info->fifo) {
    out.notes.push_back(
        "a FIFO queue returns no message of a group while an earlier one is hidden: messages "
        "that another consumer holds now, and those behind them, are not read");
  }
  std::vector<aws::SqsMessage> received;
  std::unordered_map<std::string, std::size_t> message_ids;  // id -> index in `received`
  std::unordered_set<std::string> object_ids;
  std::vector<s3::Object> objects;
  const std::string first_day = start_ms ? s3::DayPath(*start_ms) : "";
  const std::string last_day = end_ms ? s3::DayPath(*end_ms - 1 + s3::kDayMs) : "";
  std::size_t out_of_range = 0;
  bool came_back = false;  // a visibility ran out: the backlog is longer than a scan can hide
  Status status = Status::Ok();
  for (bool more = true; more;) {
    // A long poll of 1 s asks every SQS server: an empty answer means the queue is drained.
    auto batch = (*sqs)->Receive(1, kScanVisibilitySeconds);
    ++out.list_requests;
    if (!batch.ok()) {
      status = batch.status();
      break;
    }
    more = !batch->empty();
    for (aws::SqsMessage& m : *batch) {
      if (auto [it, added] = message_ids.try_emplace(m.message_id, received.size()); !added) {
        // Back after its visibility ran out: only the newest receipt handle hands it back.
        received[it->second].receipt_handle = std::move(m.receipt_handle);
        came_back = true;
        more = false;
        continue;
      }
      auto announced = aws::AnnouncedObjects(m.body);
      if (!announced.ok()) {
        out.notes.push_back(
            fmt::format("message {}: {}; skipped", m.message_id, announced.status().message()));
      } else {
        for (auto& [bucket, key] : *announced) {
          if (!object_ids.insert(bucket + "/" + key).second) continue;
          const std::string_view day = KeyDay(key);
          if (!day.empty() &&
              ((!first_day.empty() && day < first_day) || (!last_day.empty() && day > last_day))) {
            ++out_of_range;
            continue;
          }
          objects.push_back({bucket, key});
        }
      }
      received.push_back(std::move(m));
    }
  }
  out.messages = received.size();
  if (Status released = (*sqs)->Release(received); !released.ok()) {
    const std::string note =
        fmt::format("{}; they come back after {} s", released.message(), kScanVisibilitySeconds);
    if (!status.ok()) return status.WithContext(note);
    out.notes.push_back(note);
  }
  if (!status.ok()) return status;
  if (came_back) {
    out.notes.push_back(fmt::format(
        "messages came back after {} s, before the queue was drained; the rest were not read",
        kScanVisibilitySeconds));
  }
  // In key order, as s3:// lists: the output does not depend on the order SQS delivers in.
  std::sort(objects.begin(), objects.end());
  if (out_of_range > 0) {
    out.notes.push_back(fmt::format("{} objects outside the time range left out", out_of_range));
  }
  auto pools = std::make_shared<std::map<std::string, std::unique_ptr<s3::BucketPool>>>();
  const auto credentials = aws::DefaultCredentials(env, clock);
  for (const s3::Object& o : objects) {
    auto& pool = (*pools)[o.bucket];
    if (!pool) pool = std::make_unique<s3::BucketPool>(o.bucket, env, clock, credentials);
  }
  s3::AddObjectInputs(
      std::move(objects), [pools](const s3::Object& o) { return pools->at(o.bucket)->Get(o.key); },
      &out);
  return out;
}

namespace {

class SqsFollower final : public RemoteFollower {
 public:
  // Long polling waits on the queue: no pause between polls.
  SqsFollower(RemoteFollowerOptions o, RecordSink* s, const Clock& c)
      : RemoteFollower(s, o.url, std::chrono::milliseconds(1)),
        options(std::move(o)),
        sink(s),
        clock(c),
        reader(options.read) {}
  ~SqsFollower() override { Stop(); }

  RemoteFollowerOptions options;
  RecordSink* sink;
  const Clock& clock;
  std::string queue;
  std::unique_ptr<aws::SqsQueue> sqs;
  std::map<std::string, std::unique_ptr<s3::BucketPool>> buckets;
  std::shared_ptr<aws::CredentialsProvider> credentials;  // shared by the buckets' pools
  event::Reader reader;
  bool loaded = false;
  Recent keys{kKeptKeys};
  Recent event_ids{kKeptEventIds};

  std::string Name() const { return "ingest:sqs:" + queue; }

  Status Load() {
    if (loaded || options.store == nullptr) return Status::Ok();
    std::optional<std::string> state;
    Status st = options.store->Read([&](store::Transaction& tx) {
      auto v = tx.GetCheckpoint(Name());
      if (!v.ok()) return v.status();
      state = std::move(*v);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    loaded = true;
    if (!state) return Status::Ok();
    for (std::size_t at = 0; at < state->size();) {
      std::size_t nl = state->find('\n', at);
      if (nl == std::string::npos) nl = state->size();
      if (nl > at) keys.insert(state->substr(at, nl - at));
      at = nl + 1;
    }
    return Status::Ok();
  }

  Status Save() {
    if (options.store == nullptr) return Status::Ok();
    std::string state;
    for (const std::string& k : keys.order()) state += k + "\n";
    const std::int64_t now = clock.Now().time_since_epoch().count();
    // Records first: the sink's own commit hands them on before the keys count as read.
    if (Status s = sink->Commit(*options.store, {}, now); !s.ok()) return s;
    return options.store->Write(
        [&](store::Transaction& tx) { return tx.PutCheckpoint(Name(), state, now); });
  }

  struct Announced {
    std::string bucket, key, id;
  };

  // The objects a batch of messages announces, each once, fetched ahead on a few connections so
  // that a burst of notifications is not read one GET at a time.
  struct Batch {
    std::vector<Announced> objects;
    std::vector<Result<std::vector<std::size_t>>> per_message;  // indexes into objects
    std::vector<std::optional<Status>> taken;                   // per object, once taken
  };

  Batch Plan(const std::vector<aws::SqsMessage>& messages) {
    Batch batch;
    std::map<std::string, std::size_t> index_of;
    for (const aws::SqsMessage& m : messages) {
      auto announced = aws::AnnouncedObjects(m.body);
      if (!announced.ok()) {
        batch.per_message.emplace_back(announced.status());
        continue;
      }
      std::vector<std::size_t> indexes;
      for (auto& [bucket, key] : *announced) {
        std::string id = bucket + "/" + key;
        if (keys.contains(id)) continue;
        auto [it, added] = index_of.try_emplace(id, batch.objects.size());
        if (added) {
          // Made here, not on the fetch threads.
          auto& pool = buckets[bucket];
          if (!pool)
            pool = std::make_unique<s3::BucketPool>(bucket, options.env, clock, credentials);
          batch.objects.push_back({bucket, key, std::move(id)});
        }
        indexes.push_back(it->second);
      }
      batch.per_message.emplace_back(std::move(indexes));
    }
    batch.taken.resize(batch.objects.size());
    return batch;
  }

  Status ReadObject(Batch& batch, Prefetcher& prefetch, std::size_t i, RemoteFollowerStats* delta) {
    if (batch.taken[i]) return *batch.taken[i];  // a second message announcing it
    auto bytes = prefetch.Take(i);
    batch.taken[i] = bytes.status();
    if (!bytes.ok()) return bytes.status();
    const Announced& object = batch.objects[i];
    const std::string name = fmt::format("s3://{}/{}", object.bucket, object.key);
    // A record announced twice under two names (two trails, a copy) counts once.
    SinkHandler handler(sink, name, delta, [this](std::string_view json) {
      const std::string_view id = EventId(json);
      if (id.empty()) return true;
      std::string sid(id);
      if (event_ids.contains(sid)) return false;
      event_ids.insert(std::move(sid));
      return true;
    });
    reader.Read(*bytes, &handler);
    ++delta->objects;
    return Status::Ok();
  }

  // Reads what message `n` of the batch announces; true when the message can be deleted.
  bool Handle(const aws::SqsMessage& m, std::size_t n, Batch& batch, Prefetcher& prefetch,
              RemoteFollowerStats* delta) {
    const auto& indexes = batch.per_message[n];
    if (!indexes.ok()) {
      // Not a notification; left on the queue it would come back forever.
      sink->OnProblem(
          {options.url, event::kWholeInput,
           fmt::format("message {}: {}; deleted", m.message_id, indexes.status().message())});
      return true;
    }
    for (std::size_t i : *indexes) {
      if (keys.contains(batch.objects[i].id)) continue;
      if (Status s = ReadObject(batch, prefetch, i, delta); !s.ok()) {
        // Kept on the queue: it comes back after its visibility timeout.
        sink->OnProblem(
            {options.url, event::kWholeInput,
             fmt::format("message {}: {}; kept for a retry", m.message_id, s.message())});
        return false;
      }
      keys.insert(batch.objects[i].id);
    }
    return true;
  }

  Status Poll(RemoteFollowerStats* delta) override {
    Status status = Load();
    std::vector<aws::SqsMessage> done;
    if (status.ok()) {
      auto messages = sqs->Receive(options.wait_seconds);
      if (!messages.ok()) {
        status = messages.status();
      } else {
        delta->list_requests += messages->size();
        Batch batch = Plan(*messages);
        Prefetcher prefetch(batch.objects.size(), [&](std::size_t i) {
          return buckets.at(batch.objects[i].bucket)->Get(batch.objects[i].key);
        });
        for (std::size_t n = 0; n < messages->size(); ++n) {
          if (Handle((*messages)[n], n, batch, prefetch, delta)) done.push_back((*messages)[n]);
        }
      }
    }
    if (!done.empty()) {
      // Deleted only once their records are committed.
      if (Status s = Save(); !s.ok()) {
        status = s;
      } else {
        for (const aws::SqsMessage& m : done) {
          if (Status d = sqs->Delete(m); !d.ok() && status.ok()) status = d;
        }
      }
    }
    return status;
  }
};

}  // namespace

Result<std::unique_ptr<RemoteFollower>> FollowSqs(RemoteFollowerOptions options, RecordSink* sink) {
  auto queue = QueueOf(options.url);
  if (!queue.ok()) return queue.status();
  const Clock& clock = options.clock ? *options.clock : SystemClock::Instance();
  auto sqs = aws::OpenSqsQueue(*queue, options.env, clock);
  if (!sqs.ok()) return sqs.status();
  auto f = std::make_unique<SqsFollower>(std::move(options), sink, clock);
  f->queue = std::move(*queue);
  f->credentials = aws::DefaultCredentials(f->options.env, clock);
  f->sqs = std::move(*sqs);
  return std::unique_ptr<RemoteFollower>(std::move(f));
}

}  // namespace trailwatch::ingest
