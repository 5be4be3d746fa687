// FollowS3 (follower_util.h): a CloudTrail bucket followed by polling, with per-folder
// checkpoints.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "ingest/follower_util.h"
#include "ingest/ingest.h"
#include "ingest/prefetch.h"
#include "ingest/s3_internal.h"

namespace trailwatch::ingest {
namespace {

constexpr std::uint64_t kRediscoverEvery = 20;
constexpr std::string_view kS3CheckpointPrefix = "ingest:s3:";

struct Folder {
  bool layout = true;          // a CloudTrail region folder (else: the prefix, listed whole)
  bool known = false;          // its checkpoint was loaded (or it was taken up now)
  std::set<std::string> read;  // keys read (for region folders: of the last two days)
};

class S3Follower final : public RemoteFollower {
 public:
  S3Follower(RemoteFollowerOptions o, RecordSink* s, const Clock& c)
      : RemoteFollower(s, o.url, o.poll_interval),
        options(std::move(o)),
        sink(s),
        clock(c),
        reader(options.read) {}
  ~S3Follower() override { Stop(); }

  RemoteFollowerOptions options;
  RecordSink* sink;
  const Clock& clock;
  std::string bucket, prefix;
  std::unique_ptr<s3::BucketPool> pool;
  event::Reader reader;
  std::map<std::string, Folder> folders;  // by folder prefix

  std::int64_t NowMs() const { return clock.Now().time_since_epoch().count(); }
  std::string CheckpointName(const std::string& folder) const {
    return fmt::format("{}{}/{}", kS3CheckpointPrefix, bucket, folder);
  }

  Status Discover(RemoteFollowerStats* delta) {
    std::vector<std::string> regions, other;
    if (Status s = s3::RegionFolders(*pool, prefix, &regions, &other, &delta->list_requests);
        !s.ok()) {
      return s;
    }
    for (const std::string& r : regions) folders.try_emplace(r);
    if (regions.empty()) folders[prefix].layout = false;
    return Status::Ok();
  }

  Status Load(const std::string& name, Folder* f) {
    if (f->known || options.store == nullptr) return Status::Ok();
    std::optional<std::string> state;
    Status st = options.store->Read([&](store::Transaction& tx) {
      auto v = tx.GetCheckpoint(CheckpointName(name));
      if (!v.ok()) return v.status();
      state = std::move(*v);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    if (state) {
      for (std::size_t at = 0; at < state->size();) {
        std::size_t nl = state->find('\n', at);
        if (nl == std::string::npos) nl = state->size();
        if (nl > at) f->read.insert(state->substr(at, nl - at));
        at = nl + 1;
      }
      f->known = true;
    }
    return Status::Ok();
  }

  Status Save(const std::string& name, const Folder& f) {
    if (options.store == nullptr) return Status::Ok();
    std::string state;
    for (const std::string& k : f.read) state += k + "\n";
    const std::int64_t now = NowMs();
    // Records first: the sink's own commit hands them on before the keys count as read.
    if (Status s = sink->Commit(*options.store, {}, now); !s.ok()) return s;
    return options.store->Write(
        [&](store::Transaction& tx) { return tx.PutCheckpoint(CheckpointName(name), state, now); });
  }

  Status PollFolder(const std::string& name, Folder& f, RemoteFollowerStats* delta) {
    if (Status s = Load(name, &f); !s.ok()) return s;
    std::vector<std::string> keys;
    const std::int64_t now = NowMs();
    const std::string today = s3::DayPath(now), yesterday = s3::DayPath(now - s3::kDayMs);
    if (f.layout) {
      for (const std::string& day : {yesterday, today}) {
        if (Status s = s3::ListKeys(*pool, name + day + "/", &keys, &delta->list_requests);
            !s.ok()) {
          return s;
        }
      }
    } else if (Status s = s3::ListKeys(*pool, name, &keys, &delta->list_requests); !s.ok()) {
      return s;
    }
    std::sort(keys.begin(), keys.end());
    if (!f.known) {
      // Following starts now: what is there already is history.
      f.read.insert(keys.begin(), keys.end());
      f.known = true;
      return Save(name, f);
    }
    std::erase_if(keys, [&](const std::string& k) { return f.read.contains(k); });
    bool changed = false;
    Prefetcher prefetch(keys.size(), [&](std::size_t i) { return pool->Get(keys[i]); });
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::string& key = keys[i];
      auto bytes = prefetch.Take(i);
      if (!bytes.ok()) {
        if (changed) (void)Save(name, f);
        return bytes.status();
      }
      const std::string url = fmt::format("s3://{}/{}", bucket, key);
      SinkHandler handler(sink, url, delta);
      reader.Read(*bytes, &handler);
      ++delta->objects;
      f.read.insert(key);
      changed = true;
    }
    if (f.layout) {
      // Only the two days listed can still receive objects.
      std::erase_if(f.read, [&](const std::string& k) {
        const std::string day = k.substr(std::min(name.size(), k.size()), 10);
        return day != today && day != yesterday;
      });
    }
    return changed ? Save(name, f) : Status::Ok();
  }

  Status Poll(RemoteFollowerStats* delta) override {
    Status status = Status::Ok();
    if (folders.empty() || stats().polls % kRediscoverEvery == 0) status = Discover(delta);
    for (auto& [name, f] : folders) {
      if (!status.ok()) break;
      status = PollFolder(name, f, delta);
    }
    return status;
  }
};

}  // namespace

Result<std::unique_ptr<RemoteFollower>> FollowS3(RemoteFollowerOptions options, RecordSink* sink) {
  auto parsed = s3::ParseS3Url(options.url);
  if (!parsed.ok()) return parsed.status();
  const Clock& clock = options.clock ? *options.clock : SystemClock::Instance();
  auto f = std::make_unique<S3Follower>(std::move(options), sink, clock);
  f->bucket = parsed->first;
  f->prefix = parsed->second;
  f->pool = std::make_unique<s3::BucketPool>(f->bucket, f->options.env, clock);
  return std::unique_ptr<RemoteFollower>(std::move(f));
}

}  // namespace trailwatch::ingest
