// ListS3 (ingest.h): CloudTrail-aware listing of an S3 prefix and fetching of its objects; the
// pieces the s3:// and sqs:// followers share (s3_internal.h).
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "common/time.h"
#include "ingest/ingest.h"
#include "ingest/prefetch.h"
#include "ingest/s3_internal.h"

namespace trailwatch::ingest {
namespace s3 {
namespace {

// A wider range is listed whole (and filtered by the day in the key) rather than day by day.
constexpr std::int64_t kMaxListedDays = 3660;
constexpr int kMaxDepth = 32;

bool Keep(const std::string& key) {
  return !key.ends_with('/') && key.find("/CloudTrail-Digest/") == std::string::npos;
}

}  // namespace

std::string DayPath(std::int64_t ms) {
  std::string d = FormatIso8601(ms - ((ms % kDayMs) + kDayMs) % kDayMs).substr(0, 10);
  std::replace(d.begin(), d.end(), '-', '/');
  return d;
}

std::string_view LastSegment(std::string_view prefix) {
  if (prefix.ends_with('/')) prefix.remove_suffix(1);
  const std::size_t slash = prefix.rfind('/');
  return slash == std::string_view::npos ? prefix : prefix.substr(slash + 1);
}

bool IsRegionLevel(std::string_view prefix) {
  if (!prefix.ends_with('/')) return false;
  prefix.remove_suffix(1);
  const std::size_t slash = prefix.rfind('/');
  if (slash == std::string_view::npos) return false;
  return LastSegment(prefix.substr(0, slash + 1)) == "CloudTrail";
}

Result<std::pair<std::string, std::string>> ParseS3Url(std::string_view url) {
  if (!url.starts_with("s3://")) return Status::InvalidArgument(fmt::format("{}: not s3://", url));
  std::string_view rest = url.substr(5);
  const std::size_t slash = rest.find('/');
  std::string bucket(rest.substr(0, slash));
  std::string prefix(slash == std::string_view::npos ? "" : rest.substr(slash + 1));
  if (bucket.empty()) {
    return Status::InvalidArgument(fmt::format("{}: expected s3://BUCKET[/PREFIX]", url));
  }
  return std::make_pair(std::move(bucket), std::move(prefix));
}

BucketPool::BucketPool(std::string bucket, aws::Environment env, const Clock& clock,
                       std::shared_ptr<aws::CredentialsProvider> credentials)
    : bucket_(std::move(bucket)),
      env_(std::move(env)),
      credentials_(credentials ? std::move(credentials) : aws::DefaultCredentials(env_, clock)),
      clock_(clock) {}

Result<std::unique_ptr<aws::S3Bucket>> BucketPool::Take() {
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      auto b = std::move(free_.back());
      free_.pop_back();
      return b;
    }
  }
  return aws::OpenS3Bucket(bucket_, env_, credentials_, clock_);
}

void BucketPool::Give(std::unique_ptr<aws::S3Bucket> b) {
  std::lock_guard lock(mu_);
  free_.push_back(std::move(b));
}

Result<std::string> BucketPool::Get(const std::string& key) {
  auto b = Take();
  if (!b.ok()) return b.status();
  auto bytes = (*b)->Get(key);
  Give(std::move(*b));
  return bytes;
}

Result<aws::S3ListPage> BucketPool::List(const std::string& prefix, std::string_view delimiter,
                                         const std::string& token) {
  auto b = Take();
  if (!b.ok()) return b.status();
  auto page = (*b)->List(prefix, delimiter, token);
  Give(std::move(*b));
  return page;
}

Status ListKeys(BucketPool& pool, const std::string& prefix, std::vector<std::string>* keys,
                std::uint64_t* requests) {
  std::string token;
  do {
    auto page = pool.List(prefix, "", token);
    ++*requests;
    if (!page.ok()) return page.status();
    for (aws::S3Object& o : page->objects) {
      if (Keep(o.key)) keys->push_back(std::move(o.key));
    }
    token = std::move(page->next_token);
  } while (!token.empty());
  return Status::Ok();
}

Status RegionFolders(BucketPool& pool, const std::string& prefix, std::vector<std::string>* regions,
                     std::vector<std::string>* other, std::uint64_t* requests, int depth) {
  if (IsRegionLevel(prefix)) {
    regions->push_back(prefix);
    return Status::Ok();
  }
  if (depth > kMaxDepth) return ListKeys(pool, prefix, other, requests);
  std::vector<std::string> children;
  std::string token;
  do {
    auto page = pool.List(prefix, "/", token);
    ++*requests;
    if (!page.ok()) return page.status();
    for (aws::S3Object& o : page->objects) {
      if (Keep(o.key)) other->push_back(std::move(o.key));
    }
    for (std::string& p : page->common_prefixes) children.push_back(std::move(p));
    token = std::move(page->next_token);
  } while (!token.empty());
  for (const std::string& child : children) {
    if (LastSegment(child) == "CloudTrail-Digest") continue;
    if (Status s = RegionFolders(pool, child, regions, other, requests, depth + 1); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

void AddObjectInputs(std::vector<Object> objects,
                     std::function<Result<std::string>(const Object&)> get, RemoteListing* out) {
  auto shared = std::make_shared<const std::vector<Object>>(std::move(objects));
  // The GETs run ahead of the parsing threads (which take the inputs in order), so that
  // waiting on the network overlaps parsing.
  auto prefetch = std::make_shared<Prefetcher>(
      shared->size(), [shared, get = std::move(get)](std::size_t i) { return get((*shared)[i]); });
  for (std::size_t i = 0; i < shared->size(); ++i) {
    RemoteInput in;
    in.name = fmt::format("s3://{}/{}", (*shared)[i].bucket, (*shared)[i].key);
    in.read = [prefetch, i, done = false](std::string* bytes) mutable -> Result<bool> {
      if (done) return false;
      auto got = prefetch->Take(i);
      if (!got.ok()) return got.status();
      *bytes = std::move(*got);
      done = true;
      return true;
    };
    out->inputs.push_back(std::move(in));
  }
}

}  // namespace s3

namespace {

// A region's keys that may hold events of [start, end): the day folders from the start's to
// the day after the end's (late deliveries land in the next day's folder).
Status RegionKeys(s3::BucketPool& pool, const std::string& region,
                  std::optional<std::int64_t> start, std::optional<std::int64_t> end,
                  std::int64_t now, std::vector<std::string>* keys, std::uint64_t* requests) {
  const std::int64_t last = (end ? *end - 1 : now) + s3::kDayMs;
  const std::string last_day = s3::DayPath(last);
  if (!start || (last - *start) / s3::kDayMs > s3::kMaxListedDays) {
    std::vector<std::string> all;
    if (Status s = s3::ListKeys(pool, region, &all, requests); !s.ok()) return s;
    for (std::string& k : all) {
      if (k.compare(region.size(), 10, last_day) <= 0) keys->push_back(std::move(k));
    }
    return Status::Ok();
  }
  for (std::int64_t d = *start; s3::DayPath(d) <= last_day; d += s3::kDayMs) {
    if (Status s = s3::ListKeys(pool, region + s3::DayPath(d) + "/", keys, requests); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<RemoteListing> ListS3(std::string_view url, std::optional<std::int64_t> start_ms,
                             std::optional<std::int64_t> end_ms, const aws::Environment& env,
                             const Clock& clock) {
  auto parsed = s3::ParseS3Url(url);
  if (!parsed.ok()) return parsed.status();
  const auto& [bucket, prefix] = *parsed;
  auto pool = std::make_shared<s3::BucketPool>(bucket, env, clock);
  std::vector<std::string> keys;
  RemoteListing out;
  if (!start_ms && !end_ms) {
    if (Status s = s3::ListKeys(*pool, prefix, &keys, &out.list_requests); !s.ok()) return s;
  } else {
    std::vector<std::string> regions;
    if (Status s = s3::RegionFolders(*pool, prefix, &regions, &keys, &out.list_requests); !s.ok()) {
      return s;
    }
    const std::int64_t now = clock.Now().time_since_epoch().count();
    for (const std::string& r : regions) {
      if (Status s = RegionKeys(*pool, r, start_ms, end_ms, now, &keys, &out.list_requests);
          !s.ok()) {
        return s;
      }
    }
  }
  std::sort(keys.begin(), keys.end());
  std::vector<s3::Object> objects;
  objects.reserve(keys.size());
  for (std::string& key : keys) objects.push_back({bucket, std::move(key)});
  s3::AddObjectInputs(
      std::move(objects), [pool](const s3::Object& o) { return pool->Get(o.key); }, &out);
  return out;
}

}  // namespace trailwatch::ingest
