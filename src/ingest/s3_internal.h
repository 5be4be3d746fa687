// What ListS3, ListSqs (scan) and the S3 and SQS followers (up) share: the bucket pool,
// CloudTrail's key layout, inputs fetched ahead.
#ifndef TRAILWATCH_INGEST_S3_INTERNAL_H_
#define TRAILWATCH_INGEST_S3_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "aws/s3.h"
#include "common/clock.h"
#include "common/status.h"
#include "ingest/ingest.h"

namespace trailwatch::ingest::s3 {

inline constexpr std::int64_t kDayMs = 86'400'000;

// "2024/07/31": the UTC day holding `ms`, as CloudTrail's key layout writes it.
std::string DayPath(std::int64_t ms);
// ".../CloudTrail/<region>/": a folder whose children are years.
bool IsRegionLevel(std::string_view prefix);
std::string_view LastSegment(std::string_view prefix);
// "s3://bucket/prefix" -> (bucket, prefix).
Result<std::pair<std::string, std::string>> ParseS3Url(std::string_view url);

// Buckets (each one connection) for several threads, made as needed, sharing credentials.
class BucketPool {
 public:
  // `credentials` null: the environment's default chain, resolved for this pool alone. Share
  // one provider between the pools of a source, so that a role is assumed (or a
  // credential_process run) once.
  BucketPool(std::string bucket, aws::Environment env, const Clock& clock,
             std::shared_ptr<aws::CredentialsProvider> credentials = nullptr);
  Result<std::unique_ptr<aws::S3Bucket>> Take();
  void Give(std::unique_ptr<aws::S3Bucket> b);
  Result<std::string> Get(const std::string& key);
  Result<aws::S3ListPage> List(const std::string& prefix, std::string_view delimiter,
                               const std::string& token);
  const std::string& bucket() const { return bucket_; }

 private:
  const std::string bucket_;
  const aws::Environment env_;
  const std::shared_ptr<aws::CredentialsProvider> credentials_;
  const Clock& clock_;
  std::mutex mu_;
  std::vector<std::unique_ptr<aws::S3Bucket>> free_;
};

// Every key under `prefix` (all pages), leaving out folders and digest files; `requests`
// counts the pages.
Status ListKeys(BucketPool& pool, const std::string& prefix, std::vector<std::string>* keys,
                std::uint64_t* requests);

// The ".../CloudTrail/<region>/" folders under `prefix` (itself when it is one), walking
// folders with a delimiter; digest folders are skipped. Keys met on the way (objects outside
// the layout) go to `other`.
Status RegionFolders(BucketPool& pool, const std::string& prefix, std::vector<std::string>* regions,
                     std::vector<std::string>* other, std::uint64_t* requests, int depth = 0);

struct Object {
  std::string bucket, key;
  bool operator<(const Object& o) const {
    return std::tie(bucket, key) < std::tie(o.bucket, o.key);
  }
};

// Appends an input per object (named s3://bucket/key), in this order; `get` fetches one, from
// a few threads at once ahead of the parsing (prefetch.h).
void AddObjectInputs(std::vector<Object> objects,
                     std::function<Result<std::string>(const Object&)> get, RemoteListing* out);

}  // namespace trailwatch::ingest::s3

#endif  // TRAILWATCH_INGEST_S3_INTERNAL_H_
