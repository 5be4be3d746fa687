// Differential tests against botocore, the signer of the AWS CLI and boto3: python3 signs a
// few requests with botocore.auth (tests/aws/botocore_sign.py, clock pinned), our signer must
// produce the identical Authorization header (or presigned signature), and our verifier must
// accept what botocore sent. Skipped when python3 or botocore is missing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aws/sigv4.h"
#include "aws/sigv4_internal.h"
#include "aws/sigv4_test_util.h"

namespace trailwatch::aws {
namespace {

using testing::SpecLine;

constexpr char kWhen[] = "20260101T093000Z";
const Credentials kCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

struct Case {
  std::string name;
  std::string mode;  // as botocore_sign.py takes it
  std::string method;
  std::string url;
  std::vector<HttpHeader> headers;
  std::vector<std::pair<std::string, std::string>> params;
  std::string body;
  std::string region = "us-east-1";
  std::string service;
  std::string token;
};

std::vector<Case> Cases() {
  return {
      {"secretsmanager-post",
       "header",
       "POST",
       "http://127.0.0.1:4580/",
       {{"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", "secretsmanager.GetSecretValue"},
        {"User-Agent", "aws-cli/1.32.0 Python/3.11.7 Linux/6.1 botocore/1.34.0"},
        {"amz-sdk-invocation-id", "b0c8a1d2-1111-2222-3333-444455556666"},
        {"amz-sdk-request", "attempt=1; max=3"},
        {"X-Amzn-Trace-Id", "Root=1-5f84c7a5-6c2d2a8a1e0f"}},
       {},
       R"({"SecretId":"prod/db/password","VersionStage":"AWSCURRENT"})",
       "us-east-1",
       "secretsmanager",
       ""},
      {"secretsmanager-session-token",
       "header",
       "POST",
       "https://secretsmanager.eu-west-1.amazonaws.com/",
       {{"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", "secretsmanager.ListSecrets"}},
       {},
       "{}",
       "eu-west-1",
       "secretsmanager",
       "FwoGZXIvYXdzEJr//////////wEaDH+tokenWith/Slashes=="},
      {"logs-get-messy-query",
       "header",
       "GET",
       "https://logs.us-east-1.amazonaws.com/a%20b/./c//d/..//e/",
       {{"Accept", "application/json"}, {"X-Custom", "  spaced   out  value "}},
       {{"b", "2"},
        {"a", "1"},
        {"a", "0"},
        {"c", ""},
        {"e", " x+y"},
        {"f", "~"},
        {"g", "a/b=c&d"},
        {"\xc3\xbc", "\xe2\x82\xac"}},
       "",
       "us-east-1",
       "logs",
       ""},
      {"s3-put-signed-payload",
       "s3-header",
       "PUT",
       "https://bucket.s3.us-west-2.amazonaws.com/photos/my%20file%2B1%21.jpg",
       {{"Content-Type", "image/jpeg"}, {"x-amz-meta-owner", "alice"}},
       {},
       "jpeg bytes",
       "us-west-2",
       "s3",
       ""},
      {"s3-get-unsigned-payload",
       "s3-unsigned",
       "GET",
       "https://bucket.s3.us-west-2.amazonaws.com/a//b/../c.txt",
       {{"Range", "bytes=0-9"}},
       {{"versionId", "3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo"}},
       "",
       "us-west-2",
       "s3",
       ""},
      {"s3-presign",
       "s3-presign",
       "GET",
       "https://bucket.s3.amazonaws.com/reports/2026%2001.csv",
       {},
       {{"response-content-disposition", "attachment; filename=\"r.csv\""}},
       "",
       "us-east-1",
       "s3",
       "session/token+1"},
      {"sqs-presign",
       "presign",
       "GET",
       "https://sqs.us-east-1.amazonaws.com/123456789012/q",
       {{"X-Amz-Target", "AmazonSQS.ReceiveMessage"}},
       {{"Action", "ReceiveMessage"}},
       "",
       "us-east-1",
       "sqs",
       ""},
  };
}

std::vector<std::string> Spec(const Case& c) {
  std::vector<std::string> spec = {SpecLine("method", {c.method}),
                                   SpecLine("url", {c.url}),
                                   SpecLine("body", {c.body}),
                                   SpecLine("region", {c.region}),
                                   SpecLine("service", {c.service}),
                                   SpecLine("access_key", {kCreds.access_key_id}),
                                   SpecLine("secret_key", {kCreds.secret_access_key}),
                                   SpecLine("token", {c.token}),
                                   SpecLine("timestamp", {kWhen}),
                                   SpecLine("mode", {c.mode}),
                                   SpecLine("expires", {"900"})};
  for (const HttpHeader& h : c.headers) spec.push_back(SpecLine("header", {h.name, h.value}));
  for (const auto& [k, v] : c.params) spec.push_back(SpecLine("param", {k, v}));
  return spec;
}

// "https://host:port/path?query" split into Host, path and query.
void SplitUrl(const std::string& url, std::string* host, std::string* path, std::string* query) {
  const std::size_t scheme = url.find("://") + 3;
  const std::size_t slash = url.find('/', scheme);
  *host = url.substr(scheme, slash - scheme);
  const std::size_t q = url.find('?', slash);
  *path = url.substr(slash, q == std::string::npos ? std::string::npos : q - slash);
  *query = q == std::string::npos ? "" : url.substr(q + 1);
}

class BotocoreDifferential : public ::testing::TestWithParam<Case> {};

TEST_P(BotocoreDifferential, SameSignatureAndVerifierAccepts) {
  const Case& c = GetParam();
  std::string error;
  const auto boto = testing::RunBotocore(testing::BotocoreScript(), Spec(c), &error);
  if (!boto) {
    if (error.rfind("unavailable", 0) == 0) GTEST_SKIP() << error;
    FAIL() << error;
  }
  const bool s3 = c.service == "s3";
  const bool presign = c.mode.find("presign") != std::string::npos;
  HttpRequest sent;  // what botocore put on the wire
  sent.method = c.method;
  std::string host;
  SplitUrl(boto->url, &host, &sent.path, &sent.query);
  sent.headers = boto->headers;
  sent.body = c.body;
  if (c.mode == "s3-unsigned") {
    EXPECT_EQ(testing::Header(sent, "X-Amz-Content-SHA256"), "UNSIGNED-PAYLOAD");
  }

  // Our signer, given the request botocore signed (its headers before signing, Host, and
  // the query it built from the parameters), must produce the same signature.
  HttpRequest mine = sent;
  mine.headers = {{"Host", host}};
  for (const HttpHeader& h : c.headers) mine.headers.push_back(h);
  SigningOptions o;
  o.region = c.region;
  o.service = c.service;
  o.time = testing::AmzTime(kWhen);
  o.uri_encoding = s3 ? UriEncoding::kS3 : UriEncoding::kNormalizedDoubleEncoded;
  o.unsigned_payload = c.mode == "s3-unsigned" || c.mode == "s3-presign";
  o.add_content_sha256_header = c.mode == "s3-header";
  o.expires = std::chrono::seconds(900);
  const Credentials creds{kCreds.access_key_id, kCreds.secret_access_key, c.token};
  if (presign) {
    // botocore orders the X-Amz-* parameters its own way; the signature must still agree.
    const std::size_t at = sent.query.find("X-Amz-Algorithm=");
    ASSERT_NE(at, std::string::npos) << boto->url;
    mine.query = at == 0 ? "" : sent.query.substr(0, at - 1);
    auto p = PresignRequest(mine, creds, o);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    const std::string boto_signature = sent.query.substr(sent.query.rfind('=') + 1);
    EXPECT_EQ(p->parts.signature, boto_signature) << p->parts.canonical_request;
  } else {
    auto s = SignRequest(mine, creds, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    std::string authorization;
    for (const HttpHeader& h : s->headers_to_add) {
      if (h.name == "Authorization") authorization = h.value;
    }
    EXPECT_EQ(authorization, testing::Header(sent, "Authorization")) << s->parts.canonical_request;
  }

  // Our verifier accepts exactly what botocore sent.
  FakeClock clock(testing::AmzTime(kWhen));
  VerifierConfig config;
  config.region = c.region;
  config.service = c.service;
  config.uri_encoding = o.uri_encoding;
  config.s3_payload = s3;
  config.allow_unsigned_payload = s3;
  Verifier verifier(config, testing::LookupOf({{kCreds.access_key_id, kCreds.secret_access_key}}),
                    clock);
  const VerifyResult v = verifier.Verify(sent);
  ASSERT_TRUE(v.ok()) << v.error().type << ": " << v.error().message;
  EXPECT_EQ(v.value().access_key_id, kCreds.access_key_id);
  EXPECT_EQ(v.value().session_token, c.token);
  EXPECT_EQ(v.value().presigned, presign);
}

INSTANTIATE_TEST_SUITE_P(Requests, BotocoreDifferential, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           std::string name = param_info.param.name;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace trailwatch::aws
