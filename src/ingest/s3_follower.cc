// S3Follower (ingest.h): a CloudTrail bucket followed by polling, with per-folder checkpoints.
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

}  // namespace

struct S3Follower::Impl {
  S3FollowerOptions options;
  RecordSink* sink;
  const Clock& clock;
  std::string bucket, prefix;
  std::unique_ptr<s3::BucketPool> pool;
  event::Reader reader;
  std::map<std::string, Folder> folders;  // by folder prefix

  std::mutex poll_mu;  // one poll at a time
  mutable std::mutex stats_mu;
  RemoteFollowerStats stats;

  PollLoop loop;

  Impl(S3FollowerOptions o, RecordSink* s, const Clock& c)
      : options(std::move(o)), sink(s), clock(c), reader(options.read) {}

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

  Status Poll() {
    std::lock_guard lock(poll_mu);
    RemoteFollowerStats delta;
    Status status = Status::Ok();
    std::uint64_t polls = 0;
    {
      std::lock_guard s(stats_mu);
      polls = stats.polls;
    }
    if (folders.empty() || polls % kRediscoverEvery == 0) status = Discover(&delta);
    for (auto& [name, f] : folders) {
      if (!status.ok()) break;
      status = PollFolder(name, f, &delta);
    }
    std::lock_guard s(stats_mu);
    AddPoll(&stats, delta, !status.ok());
    return status;
  }
};

S3Follower::S3Follower(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

S3Follower::~S3Follower() { Stop(); }

Result<std::unique_ptr<S3Follower>> S3Follower::Create(S3FollowerOptions options,
                                                       RecordSink* sink) {
  auto parsed = s3::ParseS3Url(options.url);
  if (!parsed.ok()) return parsed.status();
  const Clock& clock = options.clock ? *options.clock : SystemClock::Instance();
  auto impl = std::make_unique<Impl>(std::move(options), sink, clock);
  impl->bucket = parsed->first;
  impl->prefix = parsed->second;
  impl->pool = std::make_unique<s3::BucketPool>(impl->bucket, impl->options.env, clock);
  return std::unique_ptr<S3Follower>(new S3Follower(std::move(impl)));
}

void S3Follower::Start() {
  Impl* p = impl_.get();
  p->loop.Start(
      p->options.poll_interval, [p] { return p->Poll(); }, p->sink, p->options.url);
}

void S3Follower::Stop() { impl_->loop.Stop(); }

Status S3Follower::PollOnce() { return impl_->Poll(); }

RemoteFollowerStats S3Follower::stats() const {
  std::lock_guard lock(impl_->stats_mu);
  return impl_->stats;
}

}  // namespace trailwatch::ingest
