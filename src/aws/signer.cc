// The client side: signing a request in the header form or the presigned query form.
#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sigv4.h"
#include "aws/sigv4_internal.h"
#include "common/crypto.h"
#include "common/encoding.h"

namespace trailwatch::aws {
namespace {

using internal::ToLower;

// Headers botocore never signs: hop-by-hop ones a proxy may change, and the two that SDKs
// rewrite on retries.
constexpr std::array<std::string_view, 11> kUnsignedHeaders = {"connection",
                                                               "expect",
                                                               "keep-alive",
                                                               "proxy-authenticate",
                                                               "proxy-authorization",
                                                               "te",
                                                               "trailer",
                                                               "transfer-encoding",
                                                               "upgrade",
                                                               "user-agent",
                                                               "x-amzn-trace-id"};

bool IsNeverSigned(std::string_view lower_name) {
  return lower_name == "authorization" ||
         std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), lower_name) !=
             kUnsignedHeaders.end();
}

Status CheckInputs(const HttpRequest& request, const Credentials& credentials,
                   const SigningOptions& options) {
  auto bad_scope_part = [](std::string_view s) {
    return s.empty() || s.find('/') != std::string_view::npos;
  };
  if (bad_scope_part(options.region)) return Status::InvalidArgument("SigV4: bad region");
  if (bad_scope_part(options.service)) return Status::InvalidArgument("SigV4: bad service");
  if (bad_scope_part(credentials.access_key_id)) {
    return Status::InvalidArgument("SigV4: bad access key id");
  }
  if (HeaderValues(request.headers, "host").empty()) {
    return Status::InvalidArgument("SigV4: the request has no Host header");
  }
  return Status::Ok();
}

std::int64_t Seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Sorted, unique, lower-case names of the headers to sign.
std::vector<std::string> NamesToSign(const std::vector<HttpHeader>& headers,
                                     bool sign_session_token) {
  std::vector<std::string> names;
  for (const HttpHeader& h : headers) {
    std::string lower = ToLower(h.name);
    if (IsNeverSigned(lower)) continue;
    if (!sign_session_token && lower == "x-amz-security-token") continue;
    names.push_back(std::move(lower));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string Join(const std::vector<std::string>& names, char separator) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out.push_back(separator);
    out.append(n);
  }
  return out;
}

std::string Scope(std::string_view date, const SigningOptions& options) {
  std::string scope(date);
  scope.append("/").append(options.region).append("/").append(options.service).append("/");
  scope.append(internal::kTerminator);
  return scope;
}

SignatureParts Sign(const HttpRequest& request, const std::vector<HttpHeader>& headers,
                    std::string_view canonical_query, const std::vector<std::string>& names,
                    std::string_view payload_hash, std::string_view amz_date,
                    const Credentials& credentials, const SigningOptions& options) {
  SignatureParts parts;
  parts.canonical_request = internal::CanonicalRequest(
      request.method, internal::CanonicalUri(request.path, options.uri_encoding), canonical_query,
      internal::CanonicalHeaders(headers, names), Join(names, ';'), payload_hash);
  const std::string_view date = amz_date.substr(0, 8);
  parts.string_to_sign =
      internal::StringToSign(amz_date, Scope(date, options), parts.canonical_request);
  const std::string key =
      DeriveSigningKey(credentials.secret_access_key, date, options.region, options.service);
  parts.signature = HexEncode(HmacSha256(key, parts.string_to_sign));
  return parts;
}

std::string PayloadHash(const HttpRequest& request, const SigningOptions& options) {
  if (options.unsigned_payload) return std::string(internal::kUnsignedPayload);
  return HexEncode(Sha256(request.body));
}

}  // namespace

std::string DeriveSigningKey(std::string_view secret_access_key, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::string seed = "AWS4";
  seed.append(secret_access_key);
  const std::string k_date = HmacSha256(seed, date);
  const std::string k_region = HmacSha256(k_date, region);
  const std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, internal::kTerminator);
}

std::string SigningKeyCache::Get(std::string_view secret_access_key, std::string_view date,
                                 std::string_view region, std::string_view service) {
  // Keyed by a digest of the secret so the cache holds no second copy of it.
  std::string id = Sha256(secret_access_key);
  for (std::string_view part : {date, region, service}) {
    id.push_back('\0');
    id.append(part);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = keys_.find(id); it != keys_.end()) return it->second;
  }
  std::string key = DeriveSigningKey(secret_access_key, date, region, service);
  std::lock_guard<std::mutex> lock(mu_);
  if (keys_.size() >= max_entries_) keys_.clear();
  keys_.emplace(std::move(id), key);
  return key;
}

Result<HeaderSignature> SignRequest(const HttpRequest& request, const Credentials& credentials,
                                    const SigningOptions& options) {
  if (Status s = CheckInputs(request, credentials, options); !s.ok()) return s;
  const std::string amz_date = internal::FormatAmzDate(Seconds(options.time));
  const std::string payload_hash = PayloadHash(request, options);
  const bool with_token = !credentials.session_token.empty();
  const bool with_content_sha = options.add_content_sha256_header || options.unsigned_payload;

  HeaderSignature out;
  out.headers_to_add.push_back({"X-Amz-Date", amz_date});
  if (with_token) out.headers_to_add.push_back({"X-Amz-Security-Token", credentials.session_token});
  if (with_content_sha) out.headers_to_add.push_back({"x-amz-content-sha256", payload_hash});

  // The request as it will be sent: our headers replace any stale ones (a retried request).
  std::vector<HttpHeader> headers;
  for (const HttpHeader& h : request.headers) {
    const std::string lower = ToLower(h.name);
    const bool replaced = lower == "authorization" || lower == "x-amz-date" ||
                          (with_token && lower == "x-amz-security-token") ||
                          (with_content_sha && lower == "x-amz-content-sha256");
    if (!replaced) headers.push_back(h);
  }
  headers.insert(headers.end(), out.headers_to_add.begin(), out.headers_to_add.end());
  const std::vector<std::string> names = NamesToSign(headers, options.sign_session_token);

  out.parts = Sign(request, headers, internal::CanonicalQuery(request.query), names, payload_hash,
                   amz_date, credentials, options);
  std::string authorization(internal::kAlgorithm);
  authorization.append(" Credential=").append(credentials.access_key_id).append("/");
  authorization.append(Scope(std::string_view(amz_date).substr(0, 8), options));
  authorization.append(", SignedHeaders=").append(Join(names, ';'));
  authorization.append(", Signature=").append(out.parts.signature);
  out.headers_to_add.push_back({"Authorization", std::move(authorization)});
  return out;
}

Result<PresignedQuery> PresignRequest(const HttpRequest& request, const Credentials& credentials,
                                      const SigningOptions& options) {
  if (Status s = CheckInputs(request, credentials, options); !s.ok()) return s;
  const std::int64_t expires = options.expires.count();
  if (expires < 1 || expires > internal::kMaxPresignExpires) {
    return Status::InvalidArgument("SigV4: X-Amz-Expires must be 1 to 604800 seconds");
  }
  const std::string amz_date = internal::FormatAmzDate(Seconds(options.time));
  const std::vector<std::string> names = NamesToSign(request.headers, /*sign_session_token=*/true);
  const bool with_token = !credentials.session_token.empty();

  auto param = [](std::string_view name, std::string_view value) {
    std::string p(name);
    p.push_back('=');
    p.append(internal::UriEncode(value, /*keep_slash=*/false));
    return p;
  };
  // The order the AWS test suite and the SDKs emit; the canonical form sorts anyway.
  std::vector<std::string> added = {
      param("X-Amz-Algorithm", internal::kAlgorithm),
      param("X-Amz-Credential", credentials.access_key_id + "/" +
                                    Scope(std::string_view(amz_date).substr(0, 8), options)),
      param("X-Amz-Date", amz_date),
      param("X-Amz-SignedHeaders", Join(names, ';')),
      param("X-Amz-Expires", std::to_string(expires)),
  };
  std::string signed_query = request.query;
  for (const std::string& p : added) {
    if (!signed_query.empty()) signed_query.push_back('&');
    signed_query.append(p);
  }
  std::string token_param;
  if (with_token) token_param = param("X-Amz-Security-Token", credentials.session_token);
  if (with_token && options.sign_session_token) signed_query.append("&").append(token_param);

  PresignedQuery out;
  out.parts = Sign(request, request.headers, internal::CanonicalQuery(signed_query), names,
                   PayloadHash(request, options), amz_date, credentials, options);
  out.query = std::move(signed_query);
  if (with_token && !options.sign_session_token) out.query.append("&").append(token_param);
  out.query.append("&").append(param("X-Amz-Signature", out.parts.signature));
  return out;
}

}  // namespace trailwatch::aws
