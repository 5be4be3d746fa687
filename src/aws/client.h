// trailwatch's own AWS client: one signed request at a time over libcurl, to AWS or to any
// endpoint that speaks its protocols (moto, LocalStack, trailwatch's vault). It signs with
// SigV4 (sigv4.h) and speaks AWS JSON 1.1; the S3, SQS, CloudWatch Logs and SNS clients build
// on Send.
//
// Thread safety: a Client keeps one connection open between requests and serves one request
// at a time; use one Client per thread.
#ifndef TRAILWATCH_AWS_CLIENT_H_
#define TRAILWATCH_AWS_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "common/status.h"

namespace trailwatch::aws {

struct ClientOptions {
  // Scheme, host and optional port: "https://secretsmanager.us-east-1.amazonaws.com",
  // "http://127.0.0.1:4580". No path.
  std::string endpoint;
  std::string region;   // signing region
  std::string service;  // signing name ("secretsmanager", "s3", ...); "s3" signs as S3 wants
  Credentials credentials;
  // When set, the credentials of each request (temporary ones renewed before they expire, and
  // once more when the service says they have): overrides `credentials`.
  std::shared_ptr<CredentialsProvider> provider;
  // Requests go unsigned (STS AssumeRoleWithWebIdentity: the token is the credential).
  bool anonymous = false;
  // Attempts per request on throttling, 5xx and network trouble (AWS's standard retry mode
  // makes 3), apart by exponential backoff with full jitter (100 ms, 200 ms, ... up to 20 s).
  int max_attempts = 1;
  std::function<void(std::chrono::milliseconds)> sleep;  // default: this thread sleeps
  std::string user_agent = "trailwatch";
  std::int64_t connect_timeout_ms = 5000;
  std::int64_t timeout_ms = 30000;
  bool verify_tls = true;
  std::string ca_file;  // empty: the system's CAs
};

struct Response {
  int status = 0;  // HTTP status
  std::vector<HttpHeader> headers;
  std::string body;

  // The first value of header `name` (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

// An AWS JSON-protocol error: "__type" without its namespace prefix
// ("com.amazonaws...#ResourceNotFoundException" → "ResourceNotFoundException") and "message"
// (or "Message").
struct JsonError {
  std::string type;
  std::string message;
};
// The error a JSON-protocol response carries; nullopt for a 2xx or a body that is no error.
std::optional<JsonError> ParseJsonError(const Response& response);
// A form (query protocol) value: RFC 3986 unreserved characters stay, the rest is %XX, as the
// SDKs encode form bodies.
std::string FormEncode(std::string_view s);
// The error code of a non-2xx response, JSON (`__type`) or XML (`<Code>`): "SlowDown",
// "NoSuchBucket", "HTTP503" when the body names none; "" for a 2xx.
std::string ErrorCode(const Response& response);
// Whether AWS's SDKs retry it: throttling codes, 429 and 5xx.
bool IsRetryable(const Response& response);

// A client's options as the SDKs set one up for a service: the environment's or profile's
// region (`default_region` when neither sets one), ResolveEndpoint(id, host_prefix), signing
// name `host_prefix`, the default credentials chain, 3 attempts. Callers adjust the rest.
ClientOptions ServiceOptions(const Environment& env, const Profile& profile, std::string_view id,
                             std::string_view host_prefix, const Clock& clock,
                             std::string_view default_region = "us-east-1");

class Client {
 public:
  Client(ClientOptions options, const Clock& clock);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Adds Host and the SigV4 headers and sends, again (up to max_attempts) on throttling, 5xx
  // and network trouble. `request.path` and `query` are raw (already percent-encoded). Any
  // HTTP status is a Response; only transport failures (connect, TLS, timeout) and missing
  // credentials are errors. The error text never contains credentials.
  Result<Response> Send(HttpRequest request);

  // AWS JSON: POST / with X-Amz-Target `target` ("secretsmanager.GetSecretValue"), protocol
  // version 1.1 (most services) or "1.0" (SQS, DynamoDB).
  Result<Response> CallJson(std::string_view target, std::string body,
                            std::string_view version = "1.1");
  // AWS query protocol: POST / of a form ("Action=...&Version=...&...", values FormEncode'd).
  Result<Response> CallQuery(std::string body);

 private:
  Result<Response> SendOnce(HttpRequest request, const Credentials& credentials);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwatch::aws

#endif  // TRAILWATCH_AWS_CLIENT_H_
