// The server side: authenticating a signed request the way AWS's JSON-protocol services do.
//
// The checks run from the cheapest and least sensitive to the most: the shape of the
// signature carrier, the credential scope against this server, the time, and only then the
// secret key and the HMAC. Nothing computed from the secret ever reaches an error message.
#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "aws/sigv4.h"
#include "aws/sigv4_internal.h"
#include "common/crypto.h"
#include "common/encoding.h"

namespace trailwatch::aws {
namespace {

using internal::IncompleteSignature;
using internal::InvalidSignature;

// What both signature carriers (header, query) give after parsing.
struct Claim {
  std::vector<std::string> credential;  // key id, date, region, service, terminator
  std::vector<std::string> signed_headers;
  std::string signature;
  std::string amz_date;  // as sent (X-Amz-Date or Date)
  std::int64_t time = 0;
  std::optional<std::int64_t> expires;  // presigned only
  std::string session_token;
};

std::vector<std::string> SplitSignedHeaders(std::string_view list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t semi = list.find(';', pos);
    if (semi == std::string_view::npos) semi = list.size();
    out.push_back(internal::ToLower(list.substr(pos, semi - pos)));
    pos = semi + 1;
  }
  return out;
}

std::optional<std::string> FirstHeader(const HttpRequest& request, std::string_view name) {
  const auto values = HeaderValues(request.headers, name);
  if (values.empty()) return std::nullopt;
  return std::string(values.front());
}

std::variant<Claim, AuthError> FromHeader(const HttpRequest& request, std::string_view header) {
  auto parsed = internal::ParseAuthorizationHeader(header);
  if (auto* e = std::get_if<AuthError>(&parsed)) return *e;
  const auto& fields = std::get<internal::AuthFields>(parsed);
  Claim claim;
  // AWS takes X-Amz-Date first and falls back to Date.
  std::optional<std::string> date = FirstHeader(request, "x-amz-date");
  std::optional<std::int64_t> time;
  if (date) {
    time = internal::ParseAmzDate(internal::CanonicalHeaderValue(*date));
  } else if ((date = FirstHeader(request, "date"))) {
    time = internal::ParseHttpDate(internal::CanonicalHeaderValue(*date));
  }
  if (!fields.credential || !fields.signature || !fields.signed_headers || !time) {
    return internal::MissingAuthorizationParts(fields, time.has_value(), header);
  }
  if (fields.algorithm != internal::kAlgorithm) {
    return IncompleteSignature(fmt::format("Unsupported AWS 'algorithm': '{}'.", fields.algorithm));
  }
  auto credential = internal::SplitCredential(*fields.credential);
  if (auto* e = std::get_if<AuthError>(&credential)) return *e;
  claim.credential = std::move(std::get<std::vector<std::string>>(credential));
  claim.signed_headers = SplitSignedHeaders(*fields.signed_headers);
  claim.signature = *fields.signature;
  claim.amz_date = internal::FormatAmzDate(*time);
  claim.time = *time;
  claim.session_token = FirstHeader(request, "x-amz-security-token").value_or("");
  return claim;
}

std::variant<Claim, AuthError> FromQuery(const HttpRequest& request) {
  std::optional<std::string> algorithm, credential, date, signed_headers, signature, expires, token;
  for (const auto& [raw_name, raw_value] : internal::SplitQuery(request.query)) {
    const std::string name = internal::PercentDecode(raw_name, true);
    std::optional<std::string>* slot = nullptr;
    if (name == "X-Amz-Algorithm") slot = &algorithm;
    if (name == "X-Amz-Credential") slot = &credential;
    if (name == "X-Amz-Date") slot = &date;
    if (name == "X-Amz-SignedHeaders") slot = &signed_headers;
    if (name == "X-Amz-Signature") slot = &signature;
    if (name == "X-Amz-Expires") slot = &expires;
    if (name == "X-Amz-Security-Token") slot = &token;
    if (slot != nullptr && !*slot) *slot = internal::PercentDecode(raw_value, true);
  }
  std::string missing;
  const std::pair<const char*, const std::optional<std::string>*> required[] = {
      {"X-Amz-Algorithm", &algorithm},          {"X-Amz-Credential", &credential},
      {"X-Amz-Signature", &signature},          {"X-Amz-Date", &date},
      {"X-Amz-SignedHeaders", &signed_headers}, {"X-Amz-Expires", &expires}};
  for (const auto& [name, value] : required) {
    if (value->has_value()) continue;
    if (!missing.empty()) missing.push_back(' ');
    missing.append(fmt::format(
        "AWS query-string parameters must include '{}'. Re-examine the query-string parameters.",
        name));
  }
  if (!missing.empty()) return IncompleteSignature(std::move(missing));
  if (*algorithm != internal::kAlgorithm) {
    return IncompleteSignature(fmt::format("Unsupported AWS 'algorithm': '{}'.", *algorithm));
  }
  auto parts = internal::SplitCredential(*credential);
  if (auto* e = std::get_if<AuthError>(&parts)) return *e;
  const auto time = internal::ParseAmzDate(*date);
  if (!time) {
    return IncompleteSignature(
        "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  std::int64_t seconds = 0;
  if (expires->empty() || expires->size() > 7 ||
      expires->find_first_not_of("0123456789") != std::string::npos) {
    return IncompleteSignature("X-Amz-Expires should be a number");
  }
  seconds = std::stoll(*expires);
  if (seconds < 1 || seconds > internal::kMaxPresignExpires) {
    return IncompleteSignature(
        "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  Claim claim;
  claim.credential = std::move(std::get<std::vector<std::string>>(parts));
  claim.signed_headers = SplitSignedHeaders(*signed_headers);
  claim.signature = *signature;
  claim.amz_date = *date;
  claim.time = *time;
  claim.expires = seconds;
  claim.session_token = token.value_or("");
  return claim;
}

bool HasQueryAuth(std::string_view raw_query) {
  for (const auto& [raw_name, raw_value] : internal::SplitQuery(raw_query)) {
    const std::string name = internal::PercentDecode(raw_name, true);
    if (name == "X-Amz-Algorithm" || name == "X-Amz-Credential" || name == "X-Amz-Signature") {
      return true;
    }
  }
  return false;
}

bool IsHexDigest(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

Verifier::Verifier(VerifierConfig config, SecretLookup lookup, const Clock& clock)
    : config_(std::move(config)), lookup_(std::move(lookup)), clock_(clock) {}

VerifyResult Verifier::Verify(const HttpRequest& request) const {
  const auto authorization = HeaderValues(request.headers, "authorization");
  const bool presigned = authorization.empty() && HasQueryAuth(request.query);
  if (authorization.empty() && !presigned) return internal::MissingAuthenticationToken();
  // Two Authorization headers would let a proxy and this server disagree on which one counts.
  if (authorization.size() > 1) return internal::SignatureDoesNotMatch();

  auto parsed = presigned ? FromQuery(request) : FromHeader(request, authorization.front());
  if (auto* e = std::get_if<AuthError>(&parsed)) return *e;
  const Claim& claim = std::get<Claim>(parsed);
  const std::string& key_id = claim.credential[0];
  const std::string& scope_date = claim.credential[1];
  const std::string& region = claim.credential[2];
  const std::string& service = claim.credential[3];
  const std::string& terminator = claim.credential[4];

  if (terminator != internal::kTerminator) {
    return InvalidSignature(fmt::format(
        "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
        terminator));
  }
  if (region != config_.region) {
    return InvalidSignature(
        fmt::format("Credential should be scoped to a valid region, not '{}'. ", region));
  }
  if (service != config_.service) {
    return InvalidSignature(
        fmt::format("Credential should be scoped to correct service: '{}'. ", config_.service));
  }
  if (scope_date != std::string_view(claim.amz_date).substr(0, 8)) {
    return InvalidSignature(
        fmt::format("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                    "date from HTTP: '{}' != '{}', from '{}'.",
                    scope_date, claim.amz_date.substr(0, 8), claim.amz_date));
  }
  bool host_signed = false;
  for (const std::string& name : claim.signed_headers) host_signed |= name == "host";
  if (!host_signed) {
    return IncompleteSignature(
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }

  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  const std::int64_t skew = config_.max_skew.count();
  const std::int64_t minutes = skew / 60;
  if (!claim.expires && claim.time < now - skew) {
    return InvalidSignature(
        fmt::format("Signature expired: {} is now earlier than {} ({} - {} min.)", claim.amz_date,
                    internal::FormatAmzDate(now - skew), internal::FormatAmzDate(now), minutes));
  }
  if (claim.time > now + skew) {
    return InvalidSignature(fmt::format(
        "Signature not yet current: {} is still later than {} ({} + {} min.)", claim.amz_date,
        internal::FormatAmzDate(now + skew), internal::FormatAmzDate(now), minutes));
  }
  if (claim.expires && now > claim.time + *claim.expires) return internal::PresignExpired();

  std::string payload_hash = HexEncode(Sha256(request.body));
  if (config_.s3_payload) {
    // S3 signs whatever x-amz-content-sha256 says; hold the body to that claim.
    const auto declared = FirstHeader(request, "x-amz-content-sha256");
    if (presigned) {
      payload_hash = std::string(internal::kUnsignedPayload);
    } else if (declared && IsHexDigest(*declared)) {
      if (*declared != payload_hash) {
        return AuthError{"XAmzContentSHA256Mismatch",
                         "The provided 'x-amz-content-sha256' header does not match what was "
                         "computed.",
                         400};
      }
    } else if (declared && *declared == internal::kUnsignedPayload &&
               config_.allow_unsigned_payload) {
      payload_hash = *declared;
    } else if (declared) {
      return AuthError{"NotImplemented",
                       "A header you provided implies functionality that is not implemented", 501};
    }
  }

  Result<std::string> secret = lookup_(key_id);
  if (!secret.ok()) {
    return secret.status().code() == StatusCode::kNotFound ? internal::UnrecognizedClient()
                                                           : internal::InternalFailure();
  }

  std::string signed_list;
  for (const std::string& name : claim.signed_headers) {
    if (!signed_list.empty()) signed_list.push_back(';');
    signed_list.append(name);
  }
  const std::string canonical_request = internal::CanonicalRequest(
      request.method, internal::CanonicalUri(request.path, config_.uri_encoding),
      internal::CanonicalQuery(request.query, presigned ? "X-Amz-Signature" : ""),
      internal::CanonicalHeaders(request.headers, claim.signed_headers), signed_list, payload_hash);
  const std::string scope =
      fmt::format("{}/{}/{}/{}", scope_date, region, service, internal::kTerminator);
  const std::string string_to_sign =
      internal::StringToSign(claim.amz_date, scope, canonical_request);
  const std::string key = keys_.Get(*secret, scope_date, region, service);
  const std::string expected = HexEncode(HmacSha256(key, string_to_sign));
  if (!ConstantTimeEquals(expected, claim.signature)) return internal::SignatureDoesNotMatch();

  VerifiedRequest out;
  out.access_key_id = key_id;
  out.scope = {scope_date, region, service};
  out.session_token = claim.session_token;
  out.signed_headers = claim.signed_headers;
  out.presigned = presigned;
  out.request_time = claim.time;
  return out;
}

}  // namespace trailwatch::aws
