#include "aws/s3.h"

#include <fmt/format.h>

#include <pugixml.hpp>
#include <utility>

#include "aws/sigv4_internal.h"

namespace trailwatch::aws {
namespace {

std::string Text(const pugi::xml_node& parent, const char* name) {
  return parent.child(name).text().as_string();
}

}  // namespace

Result<S3ListPage> ParseListPage(std::string_view xml, std::string_view where) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) {
    return Status::Corruption(fmt::format("{}: ListObjectsV2 answered no XML", where));
  }
  const pugi::xml_node root = doc.child("ListBucketResult");
  if (!root) return Status::Corruption(fmt::format("{}: no ListBucketResult in the answer", where));
  S3ListPage page;
  for (pugi::xml_node c : root.children("Contents")) {
    page.objects.push_back({Text(c, "Key"), c.child("Size").text().as_llong()});
  }
  for (pugi::xml_node c : root.children("CommonPrefixes")) {
    page.common_prefixes.push_back(Text(c, "Prefix"));
  }
  if (std::string_view(root.child("IsTruncated").text().as_string()) == "true") {
    page.next_token = Text(root, "NextContinuationToken");
    if (page.next_token.empty()) {
      return Status::Corruption(
          fmt::format("{}: a truncated listing without NextContinuationToken", where));
    }
  }
  return page;
}

S3Bucket::S3Bucket(std::string bucket, ClientOptions options, bool path_style, const Clock& clock)
    : bucket_(std::move(bucket)) {
  while (options.endpoint.ends_with('/')) options.endpoint.pop_back();
  if (path_style) {
    path_prefix_ = "/" + internal::UriEncode(bucket_, false);
  } else {
    // https://s3.us-east-1.amazonaws.com -> https://bucket.s3.us-east-1.amazonaws.com
    const std::size_t scheme = options.endpoint.find("://");
    const std::size_t at = scheme == std::string::npos ? 0 : scheme + 3;
    options.endpoint.insert(at, bucket_ + ".");
  }
  options.service = "s3";
  client_ = std::make_unique<Client>(std::move(options), clock);
}

S3Bucket::~S3Bucket() = default;

Status S3Bucket::Error(std::string_view key, const Response& r) const {
  pugi::xml_document doc;
  std::string message;
  if (doc.load_buffer(r.body.data(), r.body.size())) message = Text(doc.child("Error"), "Message");
  const std::string code = ErrorCode(r);
  std::string advice;
  if (code == "NoSuchBucket") {
    advice = " (check the bucket name, and AWS_ENDPOINT_URL_S3 for a non-AWS endpoint)";
  } else if (code == "AccessDenied" || r.status == 403) {
    advice = " (the credentials need s3:ListBucket on the bucket and s3:GetObject on its keys)";
  } else if (code.starts_with("ExpiredToken") || code == "TokenRefreshRequired") {
    advice = " (the session credentials have expired: renew them)";
  } else if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed") {
    advice = " (the bucket is in another region: set AWS_REGION to it)";
  }
  const std::string where =
      key.empty() ? fmt::format("s3://{}", bucket_) : fmt::format("s3://{}/{}", bucket_, key);
  const std::string text = fmt::format("{}: {}{}{} (HTTP {}){}", where, code,
                                       message.empty() ? "" : ": ", message, r.status, advice);
  if (r.status == 404) return Status::NotFound(text);
  if (r.status == 403) return Status::InvalidArgument(text);
  return Status::IoError(text);
}

Result<S3ListPage> S3Bucket::List(std::string_view prefix, std::string_view delimiter,
                                  std::string_view token) {
  HttpRequest req;
  req.method = "GET";
  req.path = path_prefix_.empty() ? "/" : path_prefix_ + "/";
  // Any order: the signer sorts the canonical query.
  req.query = "list-type=2&prefix=" + internal::UriEncode(prefix, false);
  if (!delimiter.empty()) req.query += "&delimiter=" + internal::UriEncode(delimiter, false);
  if (!token.empty()) req.query += "&continuation-token=" + internal::UriEncode(token, false);
  auto r = client_->Send(std::move(req));
  if (!r.ok()) return r.status().WithContext(fmt::format("s3://{}/{}", bucket_, prefix));
  if (r->status != 200) return Error(prefix, *r);
  return ParseListPage(r->body, fmt::format("s3://{}/{}", bucket_, prefix));
}

Result<std::string> S3Bucket::Get(std::string_view key) {
  HttpRequest req;
  req.method = "GET";
  req.path = path_prefix_ + "/" + internal::UriEncode(key, true);
  auto r = client_->Send(std::move(req));
  if (!r.ok()) return r.status().WithContext(fmt::format("s3://{}/{}", bucket_, key));
  if (r->status != 200) return Error(key, *r);
  return std::move(r->body);
}

Result<std::unique_ptr<S3Bucket>> OpenS3Bucket(const std::string& bucket, const Environment& env,
                                               std::shared_ptr<CredentialsProvider> credentials,
                                               const Clock& clock) {
  auto profile = LoadProfile(env);
  if (!profile.ok()) return profile.status();
  ClientOptions o = ServiceOptions(env, *profile, "S3", "s3", clock);
  if (credentials) o.provider = std::move(credentials);
  o.timeout_ms = 120'000;  // a large log file over a slow link
  const bool custom = ResolveEndpoint(env, *profile, "S3", "s3", o.region).custom;
  return std::make_unique<S3Bucket>(bucket, std::move(o), custom, clock);
}

}  // namespace trailwatch::aws
