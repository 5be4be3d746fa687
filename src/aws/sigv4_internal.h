// Internal to src/aws: the pieces of the canonical request and the parsers of the signature
// carriers, shared by the signer, the verifier, the tests and the fuzzer.
#ifndef TRAILWATCH_AWS_SIGV4_INTERNAL_H_
#define TRAILWATCH_AWS_SIGV4_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "aws/sigv4.h"

namespace trailwatch::aws::internal {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::int64_t kMaxPresignExpires = 604800;  // one week

// RFC 3986 unreserved characters stay; every other byte becomes %XX (upper-case hex). With
// `keep_slash`, '/' stays too (paths).
std::string UriEncode(std::string_view bytes, bool keep_slash);
// %XX sequences decoded; a '%' not followed by two hex digits is kept as it is. In query
// strings '+' means a space: botocore sends a space in a parameter as '+' and signs it as %20.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// The CanonicalURI line for a raw wire path.
std::string CanonicalUri(std::string_view raw_path, UriEncoding encoding);
// Removes "." and ".." segments and empty segments, keeping a leading and a trailing '/', as
// botocore's normalize_url_path does. "" becomes "/".
std::string NormalizePath(std::string_view path);

// Splits a raw query into (name, value) pairs, still encoded; "a" gives ("a", "").
std::vector<std::pair<std::string, std::string>> SplitQuery(std::string_view raw_query);
// The CanonicalQueryString line: each name and value decoded ('+' as a space) and re-encoded
// strictly, sorted
// by name then value. Parameters named `skip` (exact, case-sensitive) are left out.
std::string CanonicalQuery(std::string_view raw_query, std::string_view skip = {});

// Lower-case ASCII.
std::string ToLower(std::string_view s);
// Trims and collapses every run of white space (including folded line breaks) to one space.
std::string CanonicalHeaderValue(std::string_view value);

// CanonicalHeaders (each line "name:value\n") for `names` (lower case, in the order given);
// values of repeated headers are joined with ',' in the order received; a name the request
// lacks gets an empty value.
std::string CanonicalHeaders(const std::vector<HttpHeader>& headers,
                             const std::vector<std::string>& names);

// "20150830T123600Z" <-> seconds since the epoch. Parsing is strict: exactly that shape and a
// real date and time.
std::string FormatAmzDate(std::int64_t seconds);
std::optional<std::int64_t> ParseAmzDate(std::string_view text);
// The Date header: IMF-fixdate ("Sun, 30 Aug 2015 12:36:00 GMT") or the X-Amz-Date shape.
std::optional<std::int64_t> ParseHttpDate(std::string_view text);

// The whole canonical request.
std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash);
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// The parameters of an Authorization header, or of a presigned query, before any check.
struct AuthFields {
  std::string algorithm;
  std::optional<std::string> credential;
  std::optional<std::string> signed_headers;
  std::optional<std::string> signature;
};

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." (commas with or without
// spaces after them). Fails with an IncompleteSignatureException when a parameter is not
// key=value; missing parameters are left unset for the caller to report.
std::variant<AuthFields, AuthError> ParseAuthorizationHeader(std::string_view header);

// "AKID/20150830/us-east-1/service/aws4_request" split at '/'. Fails unless there are exactly
// five parts.
std::variant<std::vector<std::string>, AuthError> SplitCredential(std::string_view credential);

// The errors of the verifier, with AWS's types, texts and statuses (docs/sigv4.md).
AuthError MissingAuthenticationToken();
AuthError IncompleteSignature(std::string message);
AuthError InvalidSignature(std::string message);
AuthError UnrecognizedClient();
AuthError SignatureDoesNotMatch();
AuthError PresignExpired();
AuthError InternalFailure();
// IncompleteSignatureException for an Authorization header without some of its parts.
AuthError MissingAuthorizationParts(const AuthFields& fields, bool has_date,
                                    std::string_view header);

}  // namespace trailwatch::aws::internal

#endif  // TRAILWATCH_AWS_SIGV4_INTERNAL_H_
