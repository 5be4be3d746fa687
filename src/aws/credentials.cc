#include "aws/credentials.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <ini.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "aws/credential_sources.h"
#include "common/files.h"
#include "common/time.h"
#include "net/curl.h"

namespace trailwatch::aws {
namespace {

// Temporary credentials are replaced this long before they expire (the SDKs' window).
constexpr std::int64_t kRefreshBeforeMs = 5 * 60'000;
constexpr std::int64_t kMetadataTimeoutMs = 1000;
constexpr const char* kImdsEndpoint = "http://169.254.169.254";
constexpr const char* kEcsEndpoint = "http://169.254.170.2";

std::string Home(const Environment& env) {
  std::string home = env.Get("HOME");
  return home.empty() ? "/root" : home;
}

struct IniTarget {
  std::string_view section;  // the one section wanted
  std::map<std::string, std::string, std::less<>>* values;
  bool found = false;
};

// Reads `section` of an INI file into `values` (keys already there are kept). A missing file
// is no error.
Status ReadIniSection(const std::string& path, std::string_view section,
                      std::map<std::string, std::string, std::less<>>* values, bool* found) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return Status::Ok();
    return text.status();
  }
  IniTarget target{section, values};
  const int bad = ini_parse_string(
      text->c_str(),
      [](void* user, const char* sec, const char* name, const char* value) -> int {
        auto* t = static_cast<IniTarget*>(user);
        if (t->section != sec) return 1;
        t->found = true;
        if (name != nullptr && value != nullptr) t->values->try_emplace(name, value);
        return 1;
      },
      &target);
  if (bad != 0) {
    return Status::InvalidArgument(fmt::format("{}:{}: not a valid INI line", path, bad));
  }
  *found = *found || target.found;
  return Status::Ok();
}

// One unsigned request to a metadata endpoint; the body of a 200, else an error.
Result<std::string> Fetch(const std::string& method, const std::string& url,
                          const std::vector<std::string>& headers) {
  net::InitCurl();
  net::CurlHandle curl;
  if (!curl) return Status::IoError("cannot start libcurl");
  CURL* h = curl.get();
  std::string body;
  net::CurlList list;
  for (const std::string& header : headers) list.Append(header);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method != "GET") {  // an empty body, with its Content-Length: 0
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");  // link-local endpoints are never proxied
  curl_easy_setopt(
      h, CURLOPT_WRITEFUNCTION, +[](char* data, std::size_t size, std::size_t n, void* user) {
        static_cast<std::string*>(user)->append(data, size * n);
        return size * n;
      });
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  net::SetTlsAndTimeouts(h, true, "", kMetadataTimeoutMs, 2 * kMetadataTimeoutMs);
  const net::CurlOutcome o = curl.Perform();
  if (o.code != CURLE_OK) return Status::IoError(fmt::format("{}: {}", url, o.message));
  if (o.response != 200) {
    return Status::IoError(fmt::format("{}: HTTP {}", url, o.response));
  }
  return body;
}

// {"AccessKeyId","SecretAccessKey","Token","Expiration"}: what the container and instance
// endpoints return.
Result<TimedCredentials> ParseCredentialsJson(const std::string& body, std::string source) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  auto text = [&](const char* key) -> std::string {
    if (!j.is_object()) return "";
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
  };
  TimedCredentials c;
  c.credentials.access_key_id = text("AccessKeyId");
  c.credentials.secret_access_key = text("SecretAccessKey");
  c.credentials.session_token = text("Token");
  c.source = std::move(source);
  if (c.credentials.access_key_id.empty() || c.credentials.secret_access_key.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: the answer has no AccessKeyId and SecretAccessKey", c.source));
  }
  if (const std::string e = text("Expiration"); !e.empty()) {
    c.expires_ms = ParseIso8601Millis(e);
    if (!c.expires_ms) {
      return Status::InvalidArgument(fmt::format("{}: bad Expiration '{}'", c.source, e));
    }
  }
  return c;
}

std::optional<TimedCredentials> FromEnvironment(const Environment& env) {
  TimedCredentials c;
  c.credentials.access_key_id = env.Get("AWS_ACCESS_KEY_ID");
  c.credentials.secret_access_key = env.Get("AWS_SECRET_ACCESS_KEY");
  c.credentials.session_token = env.Get("AWS_SESSION_TOKEN");
  c.source = "environment";
  if (c.credentials.access_key_id.empty() || c.credentials.secret_access_key.empty()) {
    return std::nullopt;
  }
  return c;
}

// ECS (and EKS Pod Identity) container credentials; nullopt when not in a container.
Result<std::optional<TimedCredentials>> FromContainer(const Environment& env) {
  std::string url;
  if (const std::string rel = env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); !rel.empty()) {
    url = kEcsEndpoint + rel;
  } else {
    url = env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  }
  if (url.empty()) return std::optional<TimedCredentials>();
  std::vector<std::string> headers;
  std::string token = env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (const std::string file = env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty()) {
    auto t = ReadFile(file);
    if (!t.ok()) return t.status().WithContext("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    token = *t;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  }
  if (!token.empty()) headers.push_back("Authorization: " + token);
  auto body = Fetch("GET", url, headers);
  if (!body.ok()) return body.status().WithContext("container credentials");
  auto c = ParseCredentialsJson(*body, "ECS container credentials");
  if (!c.ok()) return c.status();
  return std::optional<TimedCredentials>(std::move(*c));
}

// EC2 instance role credentials over IMDSv2 (a session token first, as IMDSv1 may be off).
Result<std::optional<TimedCredentials>> FromInstance(const Environment& env) {
  if (env.Get("AWS_EC2_METADATA_DISABLED") == "true") return std::optional<TimedCredentials>();
  std::string base = env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) base = kImdsEndpoint;
  while (base.ends_with('/')) base.pop_back();
  auto token =
      Fetch("PUT", base + "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds: 21600"});
  if (!token.ok()) return std::optional<TimedCredentials>();  // not on EC2
  const std::string auth = "X-aws-ec2-metadata-token: " + *token;
  const std::string prefix = base + "/latest/meta-data/iam/security-credentials/";
  auto role = Fetch("GET", prefix, {auth});
  if (!role.ok()) return role.status().WithContext("instance metadata (no instance role?)");
  std::string name = role->substr(0, role->find('\n'));
  if (name.empty()) return Status::NotFound("instance metadata: the instance has no role");
  auto body = Fetch("GET", prefix + name, {auth});
  if (!body.ok()) return body.status().WithContext("instance metadata");
  auto c = ParseCredentialsJson(*body, "EC2 instance role " + name);
  if (!c.ok()) return c.status();
  return std::optional<TimedCredentials>(std::move(*c));
}

constexpr int kMaxSourceProfiles = 4;

AssumeRoleParams RoleParams(const Profile& p) {
  AssumeRoleParams params;
  params.role_arn = p.Value("role_arn");
  params.session_name = p.Value("role_session_name");
  params.external_id = p.Value("external_id");
  if (const std::string d = p.Value("duration_seconds"); !d.empty()) {
    params.duration_seconds = std::atoi(d.c_str());
  }
  return params;
}

Result<std::optional<TimedCredentials>> FromProfile(const Environment& env, const Profile& p,
                                                    const Clock& clock, int depth = 0);

// The credentials a role_arn profile assumes the role with.
Result<Credentials> RoleSource(const Environment& env, const Profile& p, const Clock& clock,
                               int depth) {
  const std::string where = "profile " + p.name;
  if (const std::string name = p.Value("source_profile"); !name.empty()) {
    if (depth >= kMaxSourceProfiles) {
      return Status::InvalidArgument(
          fmt::format("{}: source_profile chain longer than {}", where, kMaxSourceProfiles));
    }
    auto source = LoadNamedProfile(env, name);
    if (!source.ok()) return source.status();
    if (source->values.empty()) {
      return Status::NotFound(fmt::format("{}: source_profile {} not found", where, name));
    }
    // A profile may be its own source: its keys assume its role.
    if (name == p.name) {
      Profile keys_only = *source;
      keys_only.values.erase("role_arn");
      source = std::move(keys_only);
    }
    auto c = FromProfile(env, *source, clock, depth + 1);
    if (!c.ok()) return c.status();
    if (!*c) {
      return Status::NotFound(fmt::format("{}: source_profile {} has no credentials", where, name));
    }
    return (*c)->credentials;
  }
  const std::string from = p.Value("credential_source");
  Result<std::optional<TimedCredentials>> c = std::optional<TimedCredentials>();
  if (from == "Environment") {
    c = FromEnvironment(env);
  } else if (from == "EcsContainer") {
    c = FromContainer(env);
  } else if (from == "Ec2InstanceMetadata") {
    c = FromInstance(env);
  } else {
    return Status::InvalidArgument(fmt::format(
        "{}: role_arn needs source_profile, credential_source (Environment, EcsContainer, "
        "Ec2InstanceMetadata) or web_identity_token_file{}",
        where, from.empty() ? "" : fmt::format("; credential_source {} is none of them", from)));
  }
  if (!c.ok()) return c.status().WithContext(where);
  if (!*c) return Status::NotFound(fmt::format("{}: no credentials from {}", where, from));
  return (*c)->credentials;
}

// The profile's credentials, the SDKs' way: a role (assumed with another profile's, the
// environment's, the container's or the instance's credentials, or a web identity token);
// keys; credential_process. nullopt when it names none; an error for IAM Identity Center
// (SSO) and MFA-protected roles, which need a person at a browser or a keyboard.
Result<std::optional<TimedCredentials>> FromProfile(const Environment& env, const Profile& p,
                                                    const Clock& clock, int depth) {
  const std::string where = "profile " + p.name;
  if (!p.Value("role_arn").empty()) {
    if (!p.Value("mfa_serial").empty()) {
      return Status::InvalidArgument(fmt::format(
          "{}: the role needs an MFA code (mfa_serial), which a daemon cannot type; use a role "
          "without MFA or credential_process",
          where));
    }
    const AssumeRoleParams params = RoleParams(p);
    if (const std::string file = p.Value("web_identity_token_file"); !file.empty()) {
      auto c = WebIdentityCredentials(env, p, params, file, clock);
      if (!c.ok()) return c.status().WithContext(where);
      return {std::move(*c)};
    }
    auto source = RoleSource(env, p, clock, depth);
    if (!source.ok()) return source.status();
    auto c = AssumeRoleCredentials(env, p, params, *source, clock);
    if (!c.ok()) return c.status().WithContext(where);
    return {std::move(*c)};
  }
  if (!p.Value("sso_session").empty() || !p.Value("sso_start_url").empty()) {
    return Status::InvalidArgument(fmt::format(
        "{} signs in with IAM Identity Center (SSO), which trailwatch does not do itself; set "
        "credential_process = aws configure export-credentials --profile {} --format process "
        "in a profile of its own and use that one",
        where, p.name));
  }
  TimedCredentials c;
  c.credentials.access_key_id = p.Value("aws_access_key_id");
  c.credentials.secret_access_key = p.Value("aws_secret_access_key");
  c.credentials.session_token = p.Value("aws_session_token");
  c.source = where;
  if (!c.credentials.access_key_id.empty() && !c.credentials.secret_access_key.empty()) return {c};
  if (const std::string command = p.Value("credential_process"); !command.empty()) {
    auto from_process = CredentialsFromProcess(command, where + " credential_process");
    if (!from_process.ok()) return from_process.status();
    return {std::move(*from_process)};
  }
  return std::optional<TimedCredentials>();
}

// AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE (EKS IAM roles for service accounts).
Result<std::optional<TimedCredentials>> FromWebIdentityEnvironment(const Environment& env,
                                                                   const Profile& profile,
                                                                   const Clock& clock) {
  const std::string file = env.Get("AWS_WEB_IDENTITY_TOKEN_FILE");
  const std::string role = env.Get("AWS_ROLE_ARN");
  if (file.empty() || role.empty()) return std::optional<TimedCredentials>();
  AssumeRoleParams params;
  params.role_arn = role;
  params.session_name = env.Get("AWS_ROLE_SESSION_NAME");
  auto c = WebIdentityCredentials(env, profile, params, file, clock);
  if (!c.ok()) return c.status().WithContext("AWS_WEB_IDENTITY_TOKEN_FILE");
  return {std::move(*c)};
}

class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials c) : c_(std::move(c)) {}
  Result<Credentials> Get() override { return c_; }
  bool Refresh() override { return false; }

 private:
  Credentials c_;
};

class ChainProvider final : public CredentialsProvider {
 public:
  ChainProvider(Environment env, const Clock& clock) : env_(std::move(env)), clock_(clock) {}

  Result<Credentials> Get() override {
    std::lock_guard lock(mu_);
    const std::int64_t now = clock_.Now().time_since_epoch().count();
    if (cached_ && (!cached_->expires_ms || *cached_->expires_ms - now > kRefreshBeforeMs)) {
      return cached_->credentials;
    }
    auto c = Resolve();
    if (!c.ok()) {
      // Still valid for a while: keep using them and try again at the next call.
      if (cached_ && cached_->expires_ms && *cached_->expires_ms > now) {
        return cached_->credentials;
      }
      return c.status();
    }
    cached_ = std::move(*c);
    return cached_->credentials;
  }

  bool Refresh() override {
    std::lock_guard lock(mu_);
    if (!cached_ || !cached_->expires_ms) return false;
    auto c = Resolve();
    if (!c.ok() || (c->credentials.access_key_id == cached_->credentials.access_key_id &&
                    c->credentials.session_token == cached_->credentials.session_token)) {
      return false;
    }
    cached_ = std::move(*c);
    return true;
  }

 private:
  Result<TimedCredentials> Resolve() {
    if (auto c = FromEnvironment(env_)) return *c;
    auto profile = LoadProfile(env_);
    if (!profile.ok()) return profile.status();
    // botocore's order: the profile's role, then the environment's web identity, then the
    // profile's other ways (keys, credential_process).
    if (profile->Value("role_arn").empty()) {
      auto web = FromWebIdentityEnvironment(env_, *profile, clock_);
      if (!web.ok()) return web.status();
      if (*web) return **web;
    }
    auto from_profile = FromProfile(env_, *profile, clock_);
    if (!from_profile.ok()) return from_profile.status();
    if (*from_profile) return **from_profile;
    if (!env_.Get("AWS_PROFILE").empty() && profile->values.empty()) {
      return Status::NotFound(fmt::format(
          "AWS_PROFILE: no profile {} in the AWS config or credentials file", profile->name));
    }
    auto container = FromContainer(env_);
    if (!container.ok()) return container.status();
    if (*container) return **container;
    auto instance = FromInstance(env_);
    if (!instance.ok()) return instance.status();
    if (*instance) return **instance;
    return Status::NotFound(
        "no AWS credentials: tried AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile " +
        profile->name +
        " in ~/.aws/credentials and ~/.aws/config, AWS_ROLE_ARN with "
        "AWS_WEB_IDENTITY_TOKEN_FILE, container credentials and the EC2 instance metadata "
        "service");
  }

  const Environment env_;
  const Clock& clock_;
  std::mutex mu_;
  std::optional<TimedCredentials> cached_;
};

}  // namespace

Environment Environment::Process() {
  Environment e;
  e.get = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  return e;
}

std::string Environment::Get(const std::string& name) const {
  if (!get) return "";
  return get(name).value_or("");
}

std::string Profile::Value(std::string_view key) const {
  auto it = values.find(key);
  return it == values.end() ? "" : it->second;
}

Result<Profile> LoadProfile(const Environment& env) {
  std::string name = env.Get("AWS_PROFILE");
  return LoadNamedProfile(env, name.empty() ? "default" : name);
}

Result<Profile> LoadNamedProfile(const Environment& env, const std::string& name) {
  Profile p;
  p.name = name;
  std::string credentials = env.Get("AWS_SHARED_CREDENTIALS_FILE");
  if (credentials.empty()) credentials = Home(env) + "/.aws/credentials";
  std::string config = env.Get("AWS_CONFIG_FILE");
  if (config.empty()) config = Home(env) + "/.aws/config";
  bool found = false;
  // The credentials file first: its keys win over the config file's.
  if (Status s = ReadIniSection(credentials, p.name, &p.values, &found); !s.ok()) return s;
  const std::string section = p.name == "default" ? "default" : "profile " + p.name;
  if (Status s = ReadIniSection(config, section, &p.values, &found); !s.ok()) return s;
  return p;
}

std::shared_ptr<CredentialsProvider> StaticCredentials(Credentials credentials) {
  return std::make_shared<StaticProvider>(std::move(credentials));
}

std::shared_ptr<CredentialsProvider> DefaultCredentials(Environment env, const Clock& clock) {
  return std::make_shared<ChainProvider>(std::move(env), clock);
}

std::string ResolveRegion(const Environment& env, const Profile& profile) {
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::string r = env.Get(name); !r.empty()) return r;
  }
  return profile.Value("region");
}

Endpoint ResolveEndpoint(const Environment& env, const Profile& profile, std::string_view id,
                         std::string_view host_prefix, std::string_view region) {
  for (const std::string& name :
       {fmt::format("AWS_ENDPOINT_URL_{}", id), std::string("AWS_ENDPOINT_URL")}) {
    if (std::string url = env.Get(name); !url.empty()) return {url, true};
  }
  if (std::string url = profile.Value("endpoint_url"); !url.empty()) return {url, true};
  return {fmt::format("https://{}.{}.amazonaws.com", host_prefix, region), false};
}

}  // namespace trailwatch::aws
