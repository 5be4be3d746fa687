#include "app/config.h"

#include <gtest/gtest.h>

namespace trailwatch::app {
namespace {

TEST(Config, EmptyFileGivesTheEmbeddedDefaults) {
  for (const char* text : {"", "# nothing\n", "---\n"}) {
    auto c = ParseConfig(text, "trailwatch.yaml");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->account_id, "123456789012");
    EXPECT_EQ(c->listen, "127.0.0.1:4580");
    EXPECT_EQ(c->ListenHost(), "127.0.0.1");
    EXPECT_EQ(c->ListenPort(), 4580);
    EXPECT_EQ(c->rules, (std::vector<std::string>{"pack:cis", "pack:secrets"}));
    EXPECT_EQ(c->BaseUrl(), "http://127.0.0.1:4580");
    EXPECT_TRUE(ValidateConfig(*c).ok());
  }
}

TEST(Config, TheDesignExampleParses) {
  auto c = ParseConfig(R"(account_id: "111122223333"
region: eu-west-1
listen: "[::1]:4600"
data_dir: /var/lib/trailwatch
rules: [pack:cis, ./my-rules.yaml]
sources:
  - ./incoming
  - s3://my-trail-bucket/AWSLogs/
smtp: {url: "smtp://127.0.0.1:2525", from: "trailwatch@example.com", username: "", password_file: ""}
subscriptions:
  trailwatch-security-alerts:
    - {protocol: email, endpoint: secops@example.com}
    - {protocol: https, endpoint: "https://hooks.example.com/trailwatch"}
trail: {delivery_seconds: 10, digest_seconds: 600}
tls: {cert: /etc/tw/cert.pem, key: /etc/tw/key.pem}
log_format: json
public_url: "https://alerts.example.com/trailwatch/"
aws_poll_seconds: 5
metrics_export: {interval_seconds: 10}
parameters:
  SecretReadAllowedPrincipals: [arn:aws:iam::111122223333:role/app-*, arn:aws:iam::111122223333:user/ci]
  CreateTopic: "false"
)",
                       "trailwatch.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->account_id, "111122223333");
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_EQ(c->ListenHost(), "::1");
  EXPECT_EQ(c->ListenPort(), 4600);
  EXPECT_EQ(c->rules.size(), 2u);
  EXPECT_EQ(c->sources.size(), 2u);
  ASSERT_TRUE(c->smtp.has_value());
  EXPECT_EQ(c->smtp->url, "smtp://127.0.0.1:2525");
  ASSERT_EQ(c->subscriptions["trailwatch-security-alerts"].size(), 2u);
  EXPECT_EQ(c->subscriptions["trailwatch-security-alerts"][1].protocol, "https");
  EXPECT_EQ(c->trail_delivery_seconds, 10u);
  EXPECT_EQ(c->trail_digest_seconds, 600u);
  EXPECT_EQ(c->tls_key, "/etc/tw/key.pem");
  EXPECT_EQ(c->log_format, "json");
  EXPECT_EQ(c->BaseUrl(), "https://alerts.example.com/trailwatch") << "without the last '/'";
  EXPECT_EQ(c->aws_poll_seconds, 5u);
  EXPECT_EQ(c->metrics_namespace, "Trailwatch") << "the default namespace";
  EXPECT_EQ(c->metrics_interval_seconds, 10u);
  c->public_url.clear();
  EXPECT_EQ(c->BaseUrl(), "https://[::1]:4600") << "https with tls, IPv6 in brackets";
  // A list is a CommaDelimitedList value.
  EXPECT_EQ(c->parameters.at("SecretReadAllowedPrincipals"),
            "arn:aws:iam::111122223333:role/app-*,arn:aws:iam::111122223333:user/ci");
  EXPECT_EQ(c->parameters.at("CreateTopic"), "false");
}

TEST(Config, ErrorsNameLineColumnAndKey) {
  const struct {
    const char* text;
    const char* error;
  } cases[] = {
      {"acount_id: 1\n", "c.yaml:1:1: acount_id: unknown key (valid: account_id,"},
      {"account_id: 12345\n", "c.yaml:1:13: account_id: expected 12 digits, got '12345'"},
      {"region: US-EAST-1\n", "c.yaml:1:9: region: 'US-EAST-1' is not a region code"},
      {"listen: localhost\n", "c.yaml:1:9: listen: expected HOST:PORT, got 'localhost'"},
      {"listen: a:99999\n", "c.yaml:1:9: listen: expected HOST:PORT, got 'a:99999'"},
      {"rules: pack:cis\n", "c.yaml:1:8: rules: expected a list of strings"},
      {"rules: [pack:cis, [x]]\n", "c.yaml:1:19: rules[1]: expected a string"},
      {"smtp: {url: \"http://x\"}\n", "c.yaml:1:13: smtp.url: expected smtp://HOST:PORT"},
      {"smtp: {host: x}\n", "c.yaml:1:8: smtp.host: unknown key"},
      {"subscriptions:\n  t:\n    - {protocol: pigeon, endpoint: x}\n",
       "c.yaml:3:18: subscriptions.t[0].protocol: unknown protocol 'pigeon'"},
      {"subscriptions:\n  t:\n    - {protocol: email}\n",
       "c.yaml:3:7: subscriptions.t[0]: needs protocol and endpoint"},
      {"trail: {delivery_seconds: 0}\n",
       "c.yaml:1:27: trail.delivery_seconds: expected seconds from 1 to 86400, got '0'"},
      {"tls: {cert: a.pem}\n", "c.yaml:1:6: tls: cert and key go together"},
      {"log_format: xml\n", "c.yaml:1:13: log_format: expected text or json, got 'xml'"},
      {"listen: [1\n", "c.yaml:2:1: "},
      {"public_url: alerts.example.com\n",
       "c.yaml:1:13: public_url: expected http(s)://host[:port][/path] without query, got "
       "'alerts.example.com'"},
      {"public_url: \"https://\"\n", "c.yaml:1:13: public_url: expected http(s)://"},
      {"metrics_export: {every: 5}\n", "c.yaml:1:18: metrics_export.every: unknown key"},
      {"metrics_export: {namespace: \"\"}\n",
       "c.yaml:1:29: metrics_export.namespace: must not be empty"},
      {"aws_poll_seconds: 0\n", "c.yaml:1:19: aws_poll_seconds: expected seconds from 1 to 86400"},
      {"public_url: \"https://x/?a=1\"\n", "c.yaml:1:13: public_url: expected http(s)://"},
      {"parameters: [a]\n", "c.yaml:1:13: parameters: expected NAME: value"},
      {"parameters: {A: {b: c}}\n", "c.yaml:1:17: parameters.A: expected a string"},
  };
  for (const auto& c : cases) {
    auto r = ParseConfig(c.text, "c.yaml");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().ToString().rfind(c.error, 0), 0u)
        << c.text << " -> " << r.status().ToString();
  }
}

TEST(Config, FlagsAreValidatedLikeTheFile) {
  Config c;
  c.listen = "nowhere";
  EXPECT_FALSE(ValidateConfig(c).ok());
  c.listen = "0.0.0.0:0";
  EXPECT_TRUE(ValidateConfig(c).ok());
  c.tls_cert = "x.pem";
  EXPECT_FALSE(ValidateConfig(c).ok());
}

}  // namespace
}  // namespace trailwatch::app
