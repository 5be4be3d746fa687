// S3, what trailwatch reads CloudTrail with: ListObjectsV2 and GetObject on one bucket, over
// Client (signing, retries, credentials). Virtual-hosted addressing on AWS, path-style on
// custom endpoints (moto, LocalStack, MinIO), as the SDKs do.
#ifndef TRAILWATCH_AWS_S3_H_
#define TRAILWATCH_AWS_S3_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "common/clock.h"
#include "common/status.h"

namespace trailwatch::aws {

struct S3Object {
  std::string key;
  std::int64_t size = 0;
};

struct S3ListPage {
  std::vector<S3Object> objects;
  std::vector<std::string> common_prefixes;  // with a delimiter
  std::string next_token;                    // empty on the last page
};

// A ListObjectsV2 answer (XML); `where` names the listing in errors.
Result<S3ListPage> ParseListPage(std::string_view xml, std::string_view where);

class S3Bucket {
 public:
  // `options.endpoint`: the service endpoint ("https://s3.us-east-1.amazonaws.com" or a custom
  // one); `path_style`: address the bucket in the path rather than the host name.
  S3Bucket(std::string bucket, ClientOptions options, bool path_style, const Clock& clock);
  ~S3Bucket();

  const std::string& name() const { return bucket_; }

  // One page of ListObjectsV2 (up to 1000 keys) under `prefix`; with `delimiter`, the
  // "directories" as common prefixes. `token`: the previous page's next_token.
  Result<S3ListPage> List(std::string_view prefix, std::string_view delimiter,
                          std::string_view token);
  Result<std::string> Get(std::string_view key);

 private:
  // Errors as "s3://bucket/key: NoSuchKey: The specified key does not exist. (HTTP 404)",
  // with advice for the usual ones (403, NoSuchBucket, expired credentials).
  Status Error(std::string_view key, const Response& r) const;

  std::string bucket_;
  std::string path_prefix_;  // "/bucket" path-style, "" virtual-hosted
  std::unique_ptr<Client> client_;
};

// S3 and the settings around it from the environment (credentials.h): region, endpoint
// (path-style when custom), 3 attempts per request; `credentials` may be shared between
// buckets (DefaultCredentials(env) when null).
Result<std::unique_ptr<S3Bucket>> OpenS3Bucket(const std::string& bucket, const Environment& env,
                                               std::shared_ptr<CredentialsProvider> credentials,
                                               const Clock& clock);

}  // namespace trailwatch::aws

#endif  // TRAILWATCH_AWS_S3_H_
