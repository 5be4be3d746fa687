// The credentials chain's links that run something to get credentials (credentials.h):
// a profile's credential_process, and STS's AssumeRole and AssumeRoleWithWebIdentity.
#ifndef TRAILWATCH_AWS_CREDENTIAL_SOURCES_H_
#define TRAILWATCH_AWS_CREDENTIAL_SOURCES_H_

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "common/clock.h"
#include "common/status.h"

namespace trailwatch::aws {

// Runs `command` (with /bin/sh -c, stdout read, stderr passed through) and reads the JSON it
// prints ({"Version":1,"AccessKeyId","SecretAccessKey","SessionToken","Expiration"}). Errors
// name `source` and never quote the output (it holds secrets).
Result<TimedCredentials> CredentialsFromProcess(const std::string& command,
                                                const std::string& source);

// What a credential_process printed; errors name `source` and never quote the output.
Result<TimedCredentials> ParseProcessCredentials(std::string_view output,
                                                 const std::string& source);
// The credentials in an STS `<action>Response` (AssumeRole, AssumeRoleWithWebIdentity).
Result<TimedCredentials> ParseStsCredentials(std::string_view xml, std::string_view action,
                                             const std::string& role_arn);

struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name;  // empty: "trailwatch-<unix ms>"
  std::string external_id;   // AssumeRole only
  int duration_seconds = 3600;
};

// STS AssumeRole signed with `source`, at the environment's and profile's STS endpoint
// (AWS_ENDPOINT_URL_STS, ..., else https://sts.<region>.amazonaws.com; us-east-1 when no
// region is set).
Result<TimedCredentials> AssumeRoleCredentials(const Environment& env, const Profile& profile,
                                               const AssumeRoleParams& params,
                                               const Credentials& source, const Clock& clock);

// STS AssumeRoleWithWebIdentity (unsigned) with the token in `token_file` (read at each call:
// Kubernetes rotates it).
Result<TimedCredentials> WebIdentityCredentials(const Environment& env, const Profile& profile,
                                                const AssumeRoleParams& params,
                                                const std::string& token_file, const Clock& clock);

}  // namespace trailwatch::aws

#endif  // TRAILWATCH_AWS_CREDENTIAL_SOURCES_H_
