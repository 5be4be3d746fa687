// trailwatch.yaml: the daemon's configuration (design.md §5). Every key is optional; the
// embedded defaults run a complete stack with no file at all. Command-line flags override the
// file (the commands apply them, then ValidateConfig).
#ifndef TRAILWATCH_APP_CONFIG_H_
#define TRAILWATCH_APP_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace trailwatch::app {

struct SmtpConfig {
  std::string url;  // smtp://host:port or smtps://host:port
  std::string from;
  std::string username;
  std::string password_file;  // the password is read from this file, never from the config
};

struct SubscriptionConfig {
  std::string protocol;  // email, email-json, http, https, slack, sns, file
  std::string endpoint;
};

struct Config {
  std::string account_id = "123456789012";
  std::string region = "us-east-1";
  std::string listen = "127.0.0.1:4580";
  std::string data_dir = "./trailwatch-data";
  std::vector<std::string> rules = {"pack:cis", "pack:secrets"};
  std::vector<std::string> sources;  // besides the local trail, which is always a source
  std::optional<SmtpConfig> smtp;
  // Topic name -> subscriptions added to the topic of that name in the rule files.
  std::map<std::string, std::vector<SubscriptionConfig>> subscriptions;
  // Template parameter values for every rule file and pack (e.g. pack:secrets'
  // SecretReadAllowedPrincipals), as `--parameter-overrides` would give them.
  std::map<std::string, std::string, std::less<>> parameters;
  // The local trail: log files every delivery_seconds, digests every digest_seconds.
  std::uint32_t trail_delivery_seconds = 60;
  std::uint32_t trail_digest_seconds = 3600;
  // How often AWS sources (s3://, logs://) are polled.
  std::uint32_t aws_poll_seconds = 30;
  // trailwatch's own counters to CloudWatch (PutMetricData) every interval; empty namespace:
  // off.
  std::string metrics_namespace;
  std::uint32_t metrics_interval_seconds = 60;
  // HTTPS for the daemon's port when both are set.
  std::string tls_cert;
  std::string tls_key;
  std::string log_format = "text";  // text | json
  // Where receivers and readers reach this daemon (e-mail links, SigningCertURL, SubscribeURL),
  // e.g. behind NAT or a reverse proxy: http(s)://host[:port][/path]. Empty: the listen
  // address.
  std::string public_url;

  // "127.0.0.1:4580" split; validated by ParseConfig.
  std::string ListenHost() const;
  std::uint16_t ListenPort() const;
  // public_url without a trailing '/', or the scheme (https with tls) and listen address.
  std::string BaseUrl() const;
};

// Parses YAML text; `source` names it in errors, which carry line and column and the key
// ("trailwatch.yaml:3:9: listen: expected HOST:PORT, got 'localhost'"). Unknown keys are errors.
Result<Config> ParseConfig(std::string_view text, std::string_view source);
// Reads and parses a file.
Result<Config> LoadConfig(const std::string& path);

// LoadConfig(*path), or the embedded defaults when there is no file.
Result<Config> LoadConfigOrDefaults(const std::optional<std::string>& path);

// Checks the values a flag may have set after the file was read (same rules as the file).
Status ValidateConfig(const Config& config);

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_CONFIG_H_
