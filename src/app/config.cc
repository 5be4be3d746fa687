#include "app/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/files.h"

namespace trailwatch::app {
namespace {

constexpr std::string_view kProtocols[] = {"email", "email-json", "http", "https",
                                           "slack", "sns",        "file"};

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  Status Error(const YAML::Node& node, std::string_view key, std::string_view message) const {
    return Status::InvalidArgument(fmt::format("{}: {}", key, message))
        .At({std::string(source_), static_cast<std::uint32_t>(node.Mark().line + 1),
             static_cast<std::uint32_t>(node.Mark().column + 1)});
  }

  Result<std::string> String(const YAML::Node& node, std::string_view key) const {
    if (!node.IsScalar()) return Error(node, key, "expected a string");
    return node.Scalar();
  }

  Result<std::vector<std::string>> Strings(const YAML::Node& node, std::string_view key) const {
    if (!node.IsSequence()) return Error(node, key, "expected a list of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < node.size(); ++i) {
      auto s = String(node[i], fmt::format("{}[{}]", key, i));
      if (!s.ok()) return s.status();
      out.push_back(std::move(*s));
    }
    return out;
  }

  Result<std::uint32_t> Seconds(const YAML::Node& node, std::string_view key) const {
    auto s = String(node, key);
    if (!s.ok()) return s.status();
    std::uint32_t v = 0;
    auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || ptr != s->data() + s->size() || v == 0 || v > 86400) {
      return Error(node, key, fmt::format("expected seconds from 1 to 86400, got '{}'", *s));
    }
    return v;
  }

  // Fails on keys outside `valid`, naming the first unknown one where it is.
  Status Keys(const YAML::Node& map, std::string_view where,
              std::initializer_list<std::string_view> valid) const {
    if (!map.IsMap()) return Error(map, where, "expected a mapping");
    for (const auto& kv : map) {
      const std::string k = kv.first.Scalar();
      if (std::find(valid.begin(), valid.end(), k) == valid.end()) {
        std::string known;
        for (std::string_view v : valid) known += (known.empty() ? "" : ", ") + std::string(v);
        return Error(kv.first, where.empty() ? k : fmt::format("{}.{}", where, k),
                     fmt::format("unknown key (valid: {})", known));
      }
    }
    return Status::Ok();
  }

 private:
  std::string_view source_;
};

Result<std::pair<std::string, std::uint16_t>> SplitListen(std::string_view listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument(fmt::format("expected HOST:PORT, got '{}'", listen));
  }
  std::uint16_t port = 0;
  const std::string_view p = listen.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size()) {
    return Status::InvalidArgument(fmt::format("expected HOST:PORT, got '{}'", listen));
  }
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:4580
  }
  return std::pair(std::move(host), port);
}

Status CheckValues(const Config& c) {
  if (c.account_id.size() != 12 ||
      c.account_id.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument(
        fmt::format("account_id: expected 12 digits, got '{}'", c.account_id));
  }
  if (c.region.empty() ||
      c.region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    return Status::InvalidArgument(fmt::format("region: '{}' is not a region code", c.region));
  }
  if (auto l = SplitListen(c.listen); !l.ok()) return l.status().WithContext("listen");
  if (c.data_dir.empty()) return Status::InvalidArgument("data_dir: must not be empty");
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Status::InvalidArgument("tls: cert and key go together");
  }
  if (c.log_format != "text" && c.log_format != "json") {
    return Status::InvalidArgument(
        fmt::format("log_format: expected text or json, got '{}'", c.log_format));
  }
  if (!c.public_url.empty()) {
    const std::string_view u = c.public_url;
    const bool scheme = u.starts_with("http://") || u.starts_with("https://");
    const std::string_view host = u.substr(u.find("//") + 2);
    if (!scheme || host.empty() || host.front() == '/' ||
        u.find_first_of("?# \t\r\n") != std::string_view::npos) {
      return Status::InvalidArgument(
          fmt::format("public_url: expected http(s)://host[:port][/path] without query, got '{}'",
                      c.public_url));
    }
  }
  return Status::Ok();
}

}  // namespace

std::string Config::ListenHost() const {
  auto l = SplitListen(listen);
  return l.ok() ? l->first : std::string();
}

std::uint16_t Config::ListenPort() const {
  auto l = SplitListen(listen);
  return l.ok() ? l->second : 0;
}

std::string Config::BaseUrl() const {
  if (!public_url.empty()) {
    std::string_view u = public_url;
    while (u.ends_with('/')) u.remove_suffix(1);
    return std::string(u);
  }
  const std::string host = ListenHost();
  return fmt::format("{}://{}:{}", tls_cert.empty() ? "http" : "https",
                     host.find(':') != std::string::npos ? "[" + host + "]" : host, ListenPort());
}

Status ValidateConfig(const Config& config) { return CheckValues(config); }

Result<Config> ParseConfig(std::string_view text, std::string_view source) {
  Reader r(source);
  Config c;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(e.msg).At({std::string(source),
                                              static_cast<std::uint32_t>(e.mark.line + 1),
                                              static_cast<std::uint32_t>(e.mark.column + 1)});
  }
  if (root.IsNull()) return c;  // an empty file: the defaults
  if (Status s = r.Keys(root, "",
                        {"account_id", "region", "listen", "data_dir", "rules", "sources", "smtp",
                         "subscriptions", "trail", "tls", "log_format", "parameters", "public_url",
                         "aws_poll_seconds", "metrics_export"});
      !s.ok()) {
    return s;
  }
  // Values are checked where they are, so errors point into the file.
  auto scalar = [&](const char* key, std::string* out) -> Status {
    const YAML::Node n = root[key];
    if (!n) return Status::Ok();
    auto s = r.String(n, key);
    if (!s.ok()) return s.status();
    *out = std::move(*s);
    if (Status v = CheckValues(c); !v.ok() && v.message().starts_with(key)) {
      return r.Error(n, key, v.message().substr(std::strlen(key) + 2));
    }
    return Status::Ok();
  };
  for (auto [key, field] :
       std::initializer_list<std::pair<const char*, std::string*>>{{"account_id", &c.account_id},
                                                                   {"region", &c.region},
                                                                   {"listen", &c.listen},
                                                                   {"data_dir", &c.data_dir},
                                                                   {"log_format", &c.log_format},
                                                                   {"public_url", &c.public_url}}) {
    if (Status s = scalar(key, field); !s.ok()) return s;
  }
  for (auto [key, field] : std::initializer_list<std::pair<const char*, std::vector<std::string>*>>{
           {"rules", &c.rules}, {"sources", &c.sources}}) {
    if (const YAML::Node n = root[key]) {
      auto list = r.Strings(n, key);
      if (!list.ok()) return list.status();
      *field = std::move(*list);
    }
  }
  if (const YAML::Node n = root["smtp"]) {
    if (Status s = r.Keys(n, "smtp", {"url", "from", "username", "password_file"}); !s.ok()) {
      return s;
    }
    SmtpConfig smtp;
    for (auto [key, field] : std::initializer_list<std::pair<const char*, std::string*>>{
             {"url", &smtp.url},
             {"from", &smtp.from},
             {"username", &smtp.username},
             {"password_file", &smtp.password_file}}) {
      if (const YAML::Node v = n[key]) {
        auto s = r.String(v, fmt::format("smtp.{}", key));
        if (!s.ok()) return s.status();
        *field = std::move(*s);
      }
    }
    if (!smtp.url.starts_with("smtp://") && !smtp.url.starts_with("smtps://")) {
      return r.Error(
          n["url"] ? n["url"] : n, "smtp.url",
          fmt::format("expected smtp://HOST:PORT or smtps://HOST:PORT, got '{}'", smtp.url));
    }
    c.smtp = std::move(smtp);
  }
  if (const YAML::Node n = root["subscriptions"]) {
    if (!n.IsMap()) return r.Error(n, "subscriptions", "expected topic: [subscriptions]");
    for (const auto& kv : n) {
      const std::string topic = kv.first.Scalar();
      const std::string where = fmt::format("subscriptions.{}", topic);
      if (!kv.second.IsSequence()) return r.Error(kv.second, where, "expected a list");
      for (std::size_t i = 0; i < kv.second.size(); ++i) {
        const YAML::Node sub = kv.second[i];
        const std::string at = fmt::format("{}[{}]", where, i);
        if (Status s = r.Keys(sub, at, {"protocol", "endpoint"}); !s.ok()) return s;
        if (!sub["protocol"] || !sub["endpoint"]) {
          return r.Error(sub, at, "needs protocol and endpoint");
        }
        auto protocol = r.String(sub["protocol"], at + ".protocol");
        auto endpoint = r.String(sub["endpoint"], at + ".endpoint");
        if (!protocol.ok()) return protocol.status();
        if (!endpoint.ok()) return endpoint.status();
        if (std::find(std::begin(kProtocols), std::end(kProtocols), *protocol) ==
            std::end(kProtocols)) {
          return r.Error(sub["protocol"], at + ".protocol",
                         fmt::format("unknown protocol '{}' (valid: email, email-json, http, "
                                     "https, slack, sns, file)",
                                     *protocol));
        }
        c.subscriptions[topic].push_back({std::move(*protocol), std::move(*endpoint)});
      }
    }
  }
  if (const YAML::Node n = root["parameters"]) {
    if (!n.IsMap()) return r.Error(n, "parameters", "expected NAME: value");
    for (const auto& kv : n) {
      const std::string where = fmt::format("parameters.{}", kv.first.Scalar());
      // A list is the CommaDelimitedList value, as `aws cloudformation deploy
      // --parameter-overrides Name=a,b` would pass it.
      if (kv.second.IsSequence()) {
        auto list = r.Strings(kv.second, where);
        if (!list.ok()) return list.status();
        c.parameters[kv.first.Scalar()] = fmt::format("{}", fmt::join(*list, ","));
        continue;
      }
      auto value = r.String(kv.second, where);
      if (!value.ok()) return value.status();
      c.parameters[kv.first.Scalar()] = std::move(*value);
    }
  }
  if (const YAML::Node n = root["trail"]) {
    if (Status s = r.Keys(n, "trail", {"delivery_seconds", "digest_seconds"}); !s.ok()) return s;
    if (const YAML::Node v = n["delivery_seconds"]) {
      auto s = r.Seconds(v, "trail.delivery_seconds");
      if (!s.ok()) return s.status();
      c.trail_delivery_seconds = *s;
    }
    if (const YAML::Node v = n["digest_seconds"]) {
      auto s = r.Seconds(v, "trail.digest_seconds");
      if (!s.ok()) return s.status();
      c.trail_digest_seconds = *s;
    }
  }
  if (const YAML::Node n = root["metrics_export"]) {
    if (Status s = r.Keys(n, "metrics_export", {"namespace", "interval_seconds"}); !s.ok()) {
      return s;
    }
    c.metrics_namespace = "Trailwatch";
    if (const YAML::Node v = n["namespace"]) {
      auto s = r.String(v, "metrics_export.namespace");
      if (!s.ok()) return s.status();
      if (s->empty()) return r.Error(v, "metrics_export.namespace", "must not be empty");
      c.metrics_namespace = std::move(*s);
    }
    if (const YAML::Node v = n["interval_seconds"]) {
      auto s = r.Seconds(v, "metrics_export.interval_seconds");
      if (!s.ok()) return s.status();
      c.metrics_interval_seconds = *s;
    }
  }
  if (const YAML::Node v = root["aws_poll_seconds"]) {
    auto s = r.Seconds(v, "aws_poll_seconds");
    if (!s.ok()) return s.status();
    c.aws_poll_seconds = *s;
  }
  if (const YAML::Node n = root["tls"]) {
    if (Status s = r.Keys(n, "tls", {"cert", "key"}); !s.ok()) return s;
    for (auto [key, field] : std::initializer_list<std::pair<const char*, std::string*>>{
             {"cert", &c.tls_cert}, {"key", &c.tls_key}}) {
      if (const YAML::Node v = n[key]) {
        auto s = r.String(v, fmt::format("tls.{}", key));
        if (!s.ok()) return s.status();
        *field = std::move(*s);
      }
    }
    if (c.tls_cert.empty() != c.tls_key.empty()) {
      return r.Error(n, "tls", "cert and key go together");
    }
  }
  return c;
}

Result<Config> LoadConfig(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status().WithContext("config");
  return ParseConfig(*text, path);
}

Result<Config> LoadConfigOrDefaults(const std::optional<std::string>& path) {
  if (!path) return Config{};
  return LoadConfig(*path);
}

}  // namespace trailwatch::app
