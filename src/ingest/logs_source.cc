// ListLogs (ingest.h) and FollowLogs (follower_util.h): CloudTrail in a CloudWatch Logs group.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <set>

#include "aws/logs.h"
#include "common/json_text.h"
#include "ingest/follower_util.h"
#include "ingest/ingest.h"

namespace trailwatch::ingest {
namespace {

constexpr std::string_view kLogsCheckpointPrefix = "ingest:logs:";

Result<std::string> GroupOf(std::string_view url) {
  if (!url.starts_with("logs://") || url.size() == 7) {
    return Status::InvalidArgument(fmt::format("{}: expected logs://LOG-GROUP", url));
  }
  return std::string(url.substr(7));
}

}  // namespace

Result<RemoteListing> ListLogs(std::string_view url, std::optional<std::int64_t> start_ms,
                               std::optional<std::int64_t> end_ms, const aws::Environment& env,
                               const Clock& clock) {
  auto group = GroupOf(url);
  if (!group.ok()) return group.status();
  auto client = aws::OpenLogs(env, clock);
  if (!client.ok()) return client.status();
  // The first page now, so that a missing group or a credentials problem is an error of the
  // command rather than of one input.
  auto first = (*client)->Filter(*group, start_ms, end_ms, "");
  if (!first.ok()) return first.status();
  RemoteListing out;
  out.list_requests = 1;
  RemoteInput in;
  in.name = std::string(url);
  std::shared_ptr<aws::LogsClient> shared = std::move(*client);
  in.read = [shared, group = *group, start_ms, end_ms, page = std::move(*first),
             started = false](std::string* bytes) mutable -> Result<bool> {
    if (started) {
      if (page.next_token.empty()) return false;
      auto next = shared->Filter(group, start_ms, end_ms, page.next_token);
      if (!next.ok()) return next.status();
      page = std::move(*next);
    }
    started = true;
    *bytes = std::move(page.body);
    return true;
  };
  out.inputs.push_back(std::move(in));
  return out;
}

namespace {

class LogsFollower final : public RemoteFollower {
 public:
  LogsFollower(RemoteFollowerOptions o, RecordSink* s, const Clock& c)
      : RemoteFollower(s, o.url, o.poll_interval),
        options(std::move(o)),
        sink(s),
        clock(c),
        reader(options.read) {}
  ~LogsFollower() override { Stop(); }

  RemoteFollowerOptions options;
  RecordSink* sink;
  const Clock& clock;
  std::string group;
  std::unique_ptr<aws::LogsClient> client;
  event::Reader reader;
  bool known = false;
  std::int64_t newest = 0;  // the newest timestamp read
  // Without a checkpoint the first poll only notes the ids already in the lookback: they are
  // history. A late event that arrives afterwards with an older timestamp is still read.
  bool baseline = false;
  std::set<std::string> recent_ids;  // ids read with timestamps >= newest - lookback
  std::map<std::string, std::int64_t> id_times;

  std::int64_t NowMs() const { return clock.Now().time_since_epoch().count(); }
  std::int64_t LookbackMs() const { return options.lookback.count(); }
  std::string Name() const { return fmt::format("{}{}", kLogsCheckpointPrefix, group); }

  Status Load() {
    if (known) return Status::Ok();
    std::optional<std::string> state;
    if (options.store) {
      Status st = options.store->Read([&](store::Transaction& tx) {
        auto v = tx.GetCheckpoint(Name());
        if (!v.ok()) return v.status();
        state = std::move(*v);
        return Status::Ok();
      });
      if (!st.ok()) return st;
    }
    known = true;
    if (!state) {
      newest = NowMs();
      baseline = true;
      return Status::Ok();
    }
    // "<newest>\n<timestamp> <id>\n..."
    std::size_t at = 0;
    for (bool first = true; at < state->size(); first = false) {
      std::size_t nl = state->find('\n', at);
      if (nl == std::string::npos) nl = state->size();
      const std::string_view line(state->data() + at, nl - at);
      at = nl + 1;
      std::int64_t t = 0;
      auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), t);
      if (ec != std::errc()) continue;
      if (first) {
        newest = t;
      } else if (ptr < line.data() + line.size()) {
        std::string id(ptr + 1, line.data() + line.size());
        id_times[id] = t;
        recent_ids.insert(std::move(id));
      }
    }
    return Status::Ok();
  }

  Status Save() {
    if (options.store == nullptr) return Status::Ok();
    std::string state = std::to_string(newest) + "\n";
    for (const auto& [id, t] : id_times) state += fmt::format("{} {}\n", t, id);
    const std::int64_t now = NowMs();
    if (Status s = sink->Commit(*options.store, {}, now); !s.ok()) return s;
    return options.store->Write(
        [&](store::Transaction& tx) { return tx.PutCheckpoint(Name(), state, now); });
  }

  Status Poll(RemoteFollowerStats* delta) override {
    Status status = Load();
    bool changed = false;
    std::string token;
    const std::int64_t from = newest - LookbackMs();
    while (status.ok()) {
      auto page = client->Filter(group, from, std::nullopt, token);
      ++delta->list_requests;
      if (!page.ok()) {
        status = page.status();
        break;
      }
      ++delta->objects;
      for (const aws::LogEvent& e : page->events) {
        if (recent_ids.contains(e.event_id)) continue;
        recent_ids.insert(e.event_id);
        id_times[e.event_id] = e.timestamp_ms;
        newest = std::max(newest, e.timestamp_ms);
        changed = true;
        if (baseline) continue;
        // A page of one event: the reader handles the message (a record) with its timestamp.
        std::string one = fmt::format(R"({{"events":[{{"timestamp":{},"message":)", e.timestamp_ms);
        AppendJsonString(&one, e.message);
        one += "}]}";
        Deliver(one, delta);
      }
      token = std::move(page->next_token);
      if (token.empty()) break;
    }
    // Forget the ids that fell out of the lookback.
    for (auto it = id_times.begin(); it != id_times.end();) {
      if (it->second < newest - LookbackMs()) {
        recent_ids.erase(it->first);
        it = id_times.erase(it);
      } else {
        ++it;
      }
    }
    if (baseline && status.ok()) {
      baseline = false;
      changed = true;  // the checkpoint marks the baseline as taken, even of an empty group
    }
    // A baseline cut short is not saved: a restart takes it again rather than alerting on
    // the history its unread pages hold.
    if (changed && !baseline) {
      if (Status s = Save(); !s.ok() && status.ok()) status = s;
    }
    return status;
  }

  void Deliver(const std::string& doc, RemoteFollowerStats* delta) {
    SinkHandler handler(sink, options.url, delta);
    reader.Read(doc, &handler);
  }
};

}  // namespace

Result<std::unique_ptr<RemoteFollower>> FollowLogs(RemoteFollowerOptions options,
                                                   RecordSink* sink) {
  auto group = GroupOf(options.url);
  if (!group.ok()) return group.status();
  const Clock& clock = options.clock ? *options.clock : SystemClock::Instance();
  auto client = aws::OpenLogs(options.env, clock);
  if (!client.ok()) return client.status();
  auto f = std::make_unique<LogsFollower>(std::move(options), sink, clock);
  f->group = std::move(*group);
  f->client = std::move(*client);
  return std::unique_ptr<RemoteFollower>(std::move(f));
}

}  // namespace trailwatch::ingest
