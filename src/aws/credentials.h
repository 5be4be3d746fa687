// Where trailwatch's AWS clients get credentials, region and endpoints: the AWS SDKs'
// conventions (design.md §3), so that a machine set up for the `aws` CLI works as is.
//
// Credentials, first that has some: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN); the profile (AWS_PROFILE, else "default") in the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials) and config file (AWS_CONFIG_FILE,
// else ~/.aws/config): role_arn (with source_profile, credential_source or
// web_identity_token_file; STS AssumeRole), credential_process, or keys; AWS_ROLE_ARN with
// AWS_WEB_IDENTITY_TOKEN_FILE (EKS service accounts); the ECS container endpoint
// (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI with
// AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]); EC2 instance metadata (IMDSv2,
// AWS_EC2_METADATA_SERVICE_ENDPOINT, off with AWS_EC2_METADATA_DISABLED=true). Temporary
// credentials are fetched again 5 minutes before they expire.
#ifndef TRAILWATCH_AWS_CREDENTIALS_H_
#define TRAILWATCH_AWS_CREDENTIALS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "common/clock.h"
#include "common/status.h"

namespace trailwatch::aws {

// The process environment, injectable for tests.
struct Environment {
  // Variable lookup; default: the process's.
  std::function<std::optional<std::string>(const std::string&)> get;
  static Environment Process();
  // The value, or "" when unset.
  std::string Get(const std::string& name) const;
};

// The profile's settings from the shared config and credentials files (the credentials file
// wins on a key both set); empty when neither file has the profile.
struct Profile {
  std::string name;
  std::map<std::string, std::string, std::less<>> values;  // aws_access_key_id, region, ...
  std::string Value(std::string_view key) const;
};
// Reads AWS_PROFILE (else "default") from the files. Errors name the file and line.
Result<Profile> LoadProfile(const Environment& env);
// Reads the profile `name` from the files.
Result<Profile> LoadNamedProfile(const Environment& env, const std::string& name);

struct TimedCredentials {
  Credentials credentials;
  std::optional<std::int64_t> expires_ms;  // nullopt: long-term keys
  std::string source;                      // "environment", "profile default", "ECS", "IMDS"
};

// Thread-safe.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Credentials valid for at least a few more minutes.
  virtual Result<Credentials> Get() = 0;
  // After the service refused the current ones as expired: fetches new ones when they can
  // change (temporary credentials), and says whether they did.
  virtual bool Refresh() = 0;
};

// Fixed credentials (tests, the demo).
std::shared_ptr<CredentialsProvider> StaticCredentials(Credentials credentials);

// The default chain (above), resolved at the first Get. Errors list what was tried.
std::shared_ptr<CredentialsProvider> DefaultCredentials(Environment env, const Clock& clock);

// AWS_REGION, AWS_DEFAULT_REGION, the profile's region; "" when none.
std::string ResolveRegion(const Environment& env, const Profile& profile);

// The endpoint of a service: AWS_ENDPOINT_URL_<ID> (ID: "S3", "SQS", "CLOUDWATCH_LOGS",
// "SNS", "CLOUDWATCH"), AWS_ENDPOINT_URL, the profile's endpoint_url, else
// https://<host_prefix>.<region>.amazonaws.com. `custom` says it was not AWS's own.
struct Endpoint {
  std::string url;
  bool custom = false;
};
Endpoint ResolveEndpoint(const Environment& env, const Profile& profile, std::string_view id,
                         std::string_view host_prefix, std::string_view region);

}  // namespace trailwatch::aws

#endif  // TRAILWATCH_AWS_CREDENTIALS_H_
