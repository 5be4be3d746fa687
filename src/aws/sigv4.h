// AWS Signature Version 4 (AWS4-HMAC-SHA256): signing requests as the AWS SDKs do, and verifying
// them as AWS services do.
//
// The signer serves trailwatch's own AWS clients (S3, SQS, SNS, CloudWatch Logs): it returns the
// headers to add (header form) or the query string to send (presigned form). The verifier serves
// the vault: it authenticates requests from the AWS CLI, boto3 and the other SDKs and, when it
// refuses one, gives the error AWS's JSON-protocol services give (type, message, HTTP status;
// see docs/sigv4.md for which texts are confirmed).
//
// Requests are modelled as received on the wire: the path and query are raw (percent-encoded as
// sent), headers keep their order, case and duplicates, and the body is the exact payload bytes.
//
// Thread safety: SigningKeyCache and Verifier are safe to use from many threads at once; the
// free functions are stateless.
#ifndef TRAILWATCH_AWS_SIGV4_H_
#define TRAILWATCH_AWS_SIGV4_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace trailwatch::aws {

struct HttpHeader {
  std::string name;   // any case; compared case-insensitively
  std::string value;  // as received; may span lines (obsolete folding)
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // raw path as on the wire, without the query ("/", "/a%20b")
  std::string query;   // raw query string without '?', "" when none
  std::vector<HttpHeader> headers;
  std::string body;
};

// Every value of header `name` (case-insensitive), in order.
std::vector<std::string_view> HeaderValues(const std::vector<HttpHeader>& headers,
                                           std::string_view name);

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

// How the path becomes the canonical URI.
enum class UriEncoding {
  // Every service but S3: remove "." and ".." segments and empty segments, then percent-encode
  // the (already encoded) wire path once more, so "%20" is signed as "%2520".
  kNormalizedDoubleEncoded,
  // S3: the wire path as it is; only bytes that may not appear in a URI are encoded.
  kS3,
};

struct SigningOptions {
  std::string region;   // "us-east-1"
  std::string service;  // signing name: "secretsmanager", "s3", "logs", ...
  TimePoint time;       // the request time; whole seconds are used
  UriEncoding uri_encoding = UriEncoding::kNormalizedDoubleEncoded;
  // Sign "UNSIGNED-PAYLOAD" instead of the body's SHA-256 (S3 presigned URLs, S3 over TLS).
  bool unsigned_payload = false;
  // Add and sign x-amz-content-sha256 (S3 requires it in the header form).
  bool add_content_sha256_header = false;
  // False adds X-Amz-Security-Token only after signing (some services, e.g. IoT, want that).
  bool sign_session_token = true;
  // Presigned form only: X-Amz-Expires, 1 to 604800 seconds.
  std::chrono::seconds expires{3600};
};

// The intermediate texts, for tests and for debugging a mismatch on the client side. None of
// them contains the secret key.
struct SignatureParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // 64 lower-case hex digits
};

struct HeaderSignature {
  SignatureParts parts;
  // Authorization, X-Amz-Date, X-Amz-Security-Token (with a session token) and
  // x-amz-content-sha256 (when asked); they replace request headers of the same names.
  std::vector<HttpHeader> headers_to_add;
};

struct PresignedQuery {
  SignatureParts parts;
  std::string query;  // the complete raw query string to send, X-Amz-Signature last
};

// Signs every header of `request` except Authorization and the hop-by-hop ones botocore skips
// (connection, expect, user-agent, x-amzn-trace-id, ...). REQUIRES a Host header. Fails on
// empty or slash-containing region/service/key id and on a missing Host header.
Result<HeaderSignature> SignRequest(const HttpRequest& request, const Credentials& credentials,
                                    const SigningOptions& options);
// The presigned-URL (query) form: the X-Amz-* parameters are added to the query; no headers
// are added. Also fails when options.expires is outside 1..604800 seconds.
Result<PresignedQuery> PresignRequest(const HttpRequest& request, const Credentials& credentials,
                                      const SigningOptions& options);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
// `date` is YYYYMMDD. Raw 32 bytes: as secret as the key itself.
std::string DeriveSigningKey(std::string_view secret_access_key, std::string_view date,
                             std::string_view region, std::string_view service);

// Signing keys by (secret, date, region, service), so a busy server derives each once a day.
// Bounded: it forgets everything when full rather than growing.
class SigningKeyCache {
 public:
  explicit SigningKeyCache(std::size_t max_entries = 1024) : max_entries_(max_entries) {}
  std::string Get(std::string_view secret_access_key, std::string_view date,
                  std::string_view region, std::string_view service);

 private:
  std::mutex mu_;
  std::size_t max_entries_;
  std::map<std::string, std::string, std::less<>> keys_;  // guarded by mu_
};

// An authentication failure as AWS reports it: the JSON error's "__type" and "message", and the
// HTTP status. Messages never contain a secret key or a signature the server computed.
struct AuthError {
  std::string type;  // "InvalidSignatureException", ...
  std::string message;
  int http_status = 400;
};

struct CredentialScope {
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
};

struct VerifiedRequest {
  std::string access_key_id;
  CredentialScope scope;
  std::string session_token;  // X-Amz-Security-Token as sent; the caller decides what it means
  std::vector<std::string> signed_headers;  // lower case, as listed by the client
  bool presigned = false;
  std::int64_t request_time = 0;  // seconds since the epoch (X-Amz-Date or Date)
};

class [[nodiscard]] VerifyResult {
 public:
  VerifyResult(VerifiedRequest v) : v_(std::move(v)) {}  // NOLINT(google-explicit-constructor)
  VerifyResult(AuthError e) : v_(std::move(e)) {}        // NOLINT(google-explicit-constructor)
  bool ok() const { return std::holds_alternative<VerifiedRequest>(v_); }
  // REQUIRES: ok().
  const VerifiedRequest& value() const { return std::get<VerifiedRequest>(v_); }
  // REQUIRES: !ok().
  const AuthError& error() const { return std::get<AuthError>(v_); }

 private:
  std::variant<VerifiedRequest, AuthError> v_;
};

struct VerifierConfig {
  std::string region;   // the region this server answers for
  std::string service;  // the signing name it expects, e.g. "secretsmanager"
  UriEncoding uri_encoding = UriEncoding::kNormalizedDoubleEncoded;
  // S3's payload rules: the header form signs what x-amz-content-sha256 declares (checked
  // against the body when it is a digest) and presigned URLs sign UNSIGNED-PAYLOAD. Without
  // them, the SHA-256 of the body is always what is signed.
  bool s3_payload = false;
  // With s3_payload: accept x-amz-content-sha256: UNSIGNED-PAYLOAD in the header form.
  bool allow_unsigned_payload = false;
  std::chrono::seconds max_skew{300};  // AWS: 5 minutes (S3: 15)
};

// Returns the secret key of an access key id; a NotFound status for an unknown key (answered
// with UnrecognizedClientException), any other error for a failed lookup (InternalFailure).
using SecretLookup = std::function<Result<std::string>(std::string_view access_key_id)>;

class Verifier {
 public:
  Verifier(VerifierConfig config, SecretLookup lookup, const Clock& clock);

  // Authenticates `request` signed in the header form (Authorization) or the presigned query
  // form (X-Amz-Algorithm, X-Amz-Credential, ... in the query).
  VerifyResult Verify(const HttpRequest& request) const;

 private:
  VerifierConfig config_;
  SecretLookup lookup_;
  const Clock& clock_;
  mutable SigningKeyCache keys_;
};

}  // namespace trailwatch::aws

#endif  // TRAILWATCH_AWS_SIGV4_H_
