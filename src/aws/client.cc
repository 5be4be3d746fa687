#include "aws/client.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "net/curl.h"

namespace trailwatch::aws {
namespace {

std::size_t KeepBody(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// Header lines as they arrive; the status line and the blank line are not headers. A new
// status line (after a 100 Continue or a redirect) starts over.
std::size_t KeepHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<std::vector<HttpHeader>*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    headers->clear();
  } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers->push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return size * n;
}

// "http://host:port" → "host:port", as the Host header and the signature need it.
std::string HostOf(std::string_view endpoint) {
  if (const std::size_t scheme = endpoint.find("://"); scheme != std::string_view::npos) {
    endpoint.remove_prefix(scheme + 3);
  }
  return std::string(endpoint.substr(0, endpoint.find('/')));
}

}  // namespace

std::string_view Response::Header(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (h.name.size() == name.size() &&
        ::strncasecmp(h.name.data(), name.data(), name.size()) == 0) {
      return h.value;
    }
  }
  return {};
}

std::optional<JsonError> ParseJsonError(const Response& response) {
  if (response.status >= 200 && response.status < 300) return std::nullopt;
  JsonError e;
  const auto j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_object()) {
    for (const char* key : {"__type", "code"}) {
      if (auto it = j.find(key); it != j.end() && it->is_string()) {
        e.type = it->get<std::string>();
        break;
      }
    }
    for (const char* key : {"message", "Message"}) {
      if (auto it = j.find(key); it != j.end() && it->is_string()) {
        e.message = it->get<std::string>();
        break;
      }
    }
  }
  if (const std::size_t hash = e.type.rfind('#'); hash != std::string::npos) {
    e.type.erase(0, hash + 1);
  }
  // Some services put the type only in a header.
  if (e.type.empty()) e.type = std::string(response.Header("x-amzn-ErrorType"));
  if (const std::size_t colon = e.type.find(':'); colon != std::string::npos) e.type.resize(colon);
  if (e.type.empty()) e.type = fmt::format("HTTP{}", response.status);
  return e;
}

std::string FormEncode(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string ErrorCode(const Response& response) {
  if (response.status >= 200 && response.status < 300) return "";
  const std::string_view body = response.body;
  const std::size_t open = body.find("<Code>");
  if (open != std::string_view::npos) {
    const std::size_t close = body.find("</Code>", open);
    if (close != std::string_view::npos) {
      return std::string(body.substr(open + 6, close - open - 6));
    }
  }
  return ParseJsonError(response)->type;
}

bool IsRetryable(const Response& response) {
  if (response.status == 429 || response.status >= 500) return true;
  if (response.status < 400) return false;
  static constexpr std::string_view kThrottling[] = {"Throttling",
                                                     "ThrottlingException",
                                                     "ThrottledException",
                                                     "RequestThrottled",
                                                     "RequestThrottledException",
                                                     "TooManyRequestsException",
                                                     "SlowDown",
                                                     "RequestLimitExceeded",
                                                     "ProvisionedThroughputExceededException",
                                                     "BandwidthLimitExceeded",
                                                     "PriorRequestNotComplete",
                                                     "TransactionInProgressException"};
  const std::string code = ErrorCode(response);
  for (std::string_view t : kThrottling) {
    if (code == t) return true;
  }
  return false;
}

struct Client::Impl {
  ClientOptions options;
  const Clock& clock;
  std::string host;
  net::CurlHandle curl;  // kept between requests: the connection is reused
};

Client::Client(ClientOptions options, const Clock& clock) {
  net::InitCurl();
  // "http://h:4566/" and "http://h:4566" are one endpoint; the path is the request's.
  while (options.endpoint.ends_with('/')) options.endpoint.pop_back();
  std::string host = HostOf(options.endpoint);
  impl_ = std::unique_ptr<Impl>(new Impl{std::move(options), clock, std::move(host), {}});
}

Client::~Client() = default;

Result<Response> Client::Send(HttpRequest request) {
  Impl& p = *impl_;
  bool refreshed = false;
  for (int attempt = 1;; ++attempt) {
    Credentials credentials = p.options.credentials;
    if (p.options.provider) {
      auto c = p.options.provider->Get();
      if (!c.ok()) return c.status().WithContext("AWS credentials");
      credentials = std::move(*c);
    }
    auto r = SendOnce(request, credentials);
    if (r.ok() && !refreshed && p.options.provider && (r->status == 400 || r->status == 403) &&
        ErrorCode(*r).starts_with("ExpiredToken")) {
      // Temporary credentials that expired before their stated time (or were revoked): fetch
      // new ones once and try again at once.
      refreshed = true;
      if (p.options.provider->Refresh()) {
        --attempt;
        continue;
      }
    }
    const bool retry = r.ok() ? IsRetryable(*r) : r.status().code() == StatusCode::kIoError;
    if (!retry || attempt >= p.options.max_attempts) return r;
    // Full jitter: a random wait up to the exponential bound, so that clients throttled
    // together do not come back together.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const std::int64_t bound = std::min<std::int64_t>(20'000, std::int64_t{100} << (attempt - 1));
    const auto wait =
        std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, bound)(rng));
    if (p.options.sleep) {
      p.options.sleep(wait);
    } else {
      std::this_thread::sleep_for(wait);
    }
  }
}

Result<Response> Client::SendOnce(HttpRequest request, const Credentials& credentials) {
  Impl& p = *impl_;
  if (!p.curl) return Status::IoError("cannot start libcurl");
  request.headers.push_back({"Host", p.host});
  SigningOptions so;
  so.region = p.options.region;
  so.service = p.options.service;
  so.time = p.clock.Now();
  if (p.options.service == "s3") {
    so.uri_encoding = UriEncoding::kS3;
    so.add_content_sha256_header = true;
  }
  if (!p.options.anonymous) {
    auto signature = SignRequest(request, credentials, so);
    if (!signature.ok()) return signature.status();
    for (HttpHeader& h : signature->headers_to_add) request.headers.push_back(std::move(h));
  }

  net::CurlList headers;
  // Every signed header goes out as signed, Host included (libcurl would drop a default
  // port from its own).
  for (const HttpHeader& h : request.headers) headers.Append(h.name + ": " + h.value);
  headers.Append("Expect:");  // no 100-continue round trip
  std::string url = p.options.endpoint + request.path;
  if (!request.query.empty()) url += "?" + request.query;
  Response response;
  CURL* h = p.curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(h, CURLOPT_NOBODY, request.method == "HEAD" ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, p.options.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &KeepBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &KeepHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  net::SetTlsAndTimeouts(h, p.options.verify_tls, p.options.ca_file, p.options.connect_timeout_ms,
                         p.options.timeout_ms);
  const net::CurlOutcome o = p.curl.Perform();
  // The handle outlives this call; it must not keep pointers into it.
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);
  if (o.code != CURLE_OK) {
    return Status::IoError(fmt::format("{} {}: {}", request.method, p.options.endpoint, o.message));
  }
  response.status = static_cast<int>(o.response);
  return response;
}

Result<Response> Client::CallJson(std::string_view target, std::string body,
                                  std::string_view version) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Content-Type", fmt::format("application/x-amz-json-{}", version)},
               {"X-Amz-Target", std::string(target)}};
  r.body = std::move(body);
  return Send(std::move(r));
}

Result<Response> Client::CallQuery(std::string body) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = std::move(body);
  return Send(std::move(r));
}

ClientOptions ServiceOptions(const Environment& env, const Profile& profile, std::string_view id,
                             std::string_view host_prefix, const Clock& clock,
                             std::string_view default_region) {
  ClientOptions o;
  o.region = ResolveRegion(env, profile);
  if (o.region.empty()) o.region = default_region;
  o.endpoint = ResolveEndpoint(env, profile, id, host_prefix, o.region).url;
  o.service = std::string(host_prefix);
  o.provider = DefaultCredentials(env, clock);
  o.max_attempts = 3;
  return o;
}

}  // namespace trailwatch::aws
