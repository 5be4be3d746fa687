// The verifier's refusals: each malformed, mis-scoped, stale or forged request gets the error
// type, message and HTTP status AWS's JSON services give (docs/sigv4.md says which texts are
// confirmed), and no message ever carries the secret key or the server's signature.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aws/sigv4.h"
#include "aws/sigv4_internal.h"
#include "aws/sigv4_test_util.h"
#include "common/crypto.h"
#include "common/encoding.h"

namespace trailwatch::aws {
namespace {

using testing::AmzTime;

constexpr char kKeyId[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kWhen[] = "20150830T123600Z";
constexpr char kSignatureMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

// A Secrets Manager call as the AWS CLI sends it to --endpoint-url http://127.0.0.1:4580.
HttpRequest GetSecretValue() {
  HttpRequest r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Host", "127.0.0.1:4580"},
               {"Content-Type", "application/x-amz-json-1.1"},
               {"X-Amz-Target", "secretsmanager.GetSecretValue"},
               {"User-Agent", "aws-cli/2.15.0"},
               {"Content-Length", "22"}};
  r.body = R"({"SecretId":"prod/db"})";
  return r;
}

SigningOptions Options(std::string region = "us-east-1", std::string service = "secretsmanager") {
  SigningOptions o;
  o.region = std::move(region);
  o.service = std::move(service);
  o.time = AmzTime(kWhen);
  return o;
}

HttpRequest Signed(HttpRequest r, const SigningOptions& o = Options(),
                   const Credentials& c = {kKeyId, kSecret, ""}) {
  auto s = SignRequest(r, c, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  for (const HttpHeader& h : s->headers_to_add) r.headers.push_back(h);
  return r;
}

HttpRequest Presigned(HttpRequest r, const SigningOptions& o = Options()) {
  auto p = PresignRequest(r, {kKeyId, kSecret, ""}, o);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  r.query = p->query;
  return r;
}

void SetHeader(HttpRequest* r, std::string_view name, std::string value) {
  for (HttpHeader& h : r->headers) {
    if (internal::ToLower(h.name) == internal::ToLower(name)) {
      h.value = std::move(value);
      return;
    }
  }
  r->headers.push_back({std::string(name), std::move(value)});
}

class VerifierTest : public ::testing::Test {
 protected:
  VerifyResult Verify(const HttpRequest& r) const {
    return Verifier(config_, testing::LookupOf({{kKeyId, kSecret}}), clock_).Verify(r);
  }
  // Expects a refusal with exactly this type, message and status.
  void ExpectError(const HttpRequest& r, std::string_view type, std::string_view message,
                   int status = 400) const {
    const VerifyResult v = Verify(r);
    ASSERT_FALSE(v.ok()) << "accepted";
    EXPECT_EQ(v.error().type, type);
    EXPECT_EQ(v.error().message, message);
    EXPECT_EQ(v.error().http_status, status);
  }

  VerifierConfig config_{"us-east-1", "secretsmanager"};
  FakeClock clock_{AmzTime(kWhen)};
};

TEST_F(VerifierTest, AcceptsWhatTheSignerSigns) {
  const VerifyResult v = Verify(Signed(GetSecretValue()));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v.value().access_key_id, kKeyId);
  EXPECT_EQ(v.value().scope.region, "us-east-1");
  EXPECT_EQ(v.value().scope.service, "secretsmanager");
  EXPECT_EQ(v.value().request_time, testing::AmzSeconds(kWhen));
  // botocore's rule: everything but user-agent (and the other hop-by-hop headers) is signed.
  EXPECT_EQ(v.value().signed_headers,
            (std::vector<std::string>{"content-length", "content-type", "host", "x-amz-date",
                                      "x-amz-target"}));
}

TEST_F(VerifierTest, SessionTokenIsReturned) {
  const VerifyResult v = Verify(Signed(GetSecretValue(), Options(), {kKeyId, kSecret, "tok"}));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v.value().session_token, "tok");
}

TEST_F(VerifierTest, UnsignedHeadersMayChange) {
  HttpRequest r = Signed(GetSecretValue());
  SetHeader(&r, "User-Agent", "something else");
  r.headers.push_back({"X-Amzn-Trace-Id", "Root=1-abc"});
  EXPECT_TRUE(Verify(r).ok());
}

TEST_F(VerifierTest, MissingAuthentication) {
  ExpectError(GetSecretValue(), "MissingAuthenticationTokenException",
              "Missing Authentication Token");
}

TEST_F(VerifierTest, MalformedAuthorizationHeaders) {
  struct Case {
    std::string authorization;
    bool with_date;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"Bearer abc", true,
       "Authorization header requires 'Credential' parameter. Authorization header requires "
       "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
       "Authorization=Bearer abc"},
      {"Basic dXNlcjpwYXNz", false,
       "Authorization header requires 'Credential' parameter. Authorization header requires "
       "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
       "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
       "Authorization=Basic dXNlcjpwYXNz"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request, "
       "SignedHeaders=host;x-amz-date",
       true,
       "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 "
       "Credential=AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request, "
       "SignedHeaders=host;x-amz-date"},
      {"AWS4-HMAC-SHA256 Credential= AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request, "
       "SignedHeaders=host, Signature=00",
       true,
       "'AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request' not a valid key=value pair "
       "(missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential= "
       "AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, "
       "Signature=00'."},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/us-east-1/secretsmanager/aws4_request, "
       "SignedHeaders=host, Signature=00",
       true,
       "Credential must have exactly 5 slash-delimited elements, e.g. "
       "keyid/date/region/service/term, got 'AKIDEXAMPLE/us-east-1/secretsmanager/aws4_request'"},
      {"AWS4-HMAC-SHA1 Credential=AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request, "
       "SignedHeaders=host, Signature=00",
       true, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'."},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request, "
       "SignedHeaders=x-amz-date, Signature=00",
       true, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.authorization);
    HttpRequest r = GetSecretValue();
    r.headers.push_back({"Authorization", c.authorization});
    if (c.with_date) r.headers.push_back({"X-Amz-Date", kWhen});
    ExpectError(r, "IncompleteSignatureException", c.message);
  }
}

TEST_F(VerifierTest, WrongScope) {
  ExpectError(Signed(GetSecretValue(), Options("eu-west-1")), "InvalidSignatureException",
              "Credential should be scoped to a valid region, not 'eu-west-1'. ");
  ExpectError(Signed(GetSecretValue(), Options("us-east-1", "kms")), "InvalidSignatureException",
              "Credential should be scoped to correct service: 'secretsmanager'. ");
  HttpRequest r = Signed(GetSecretValue());
  SetHeader(&r, "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws5, "
            "SignedHeaders=host;x-amz-date, Signature=00");
  ExpectError(r, "InvalidSignatureException",
              "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5'. ");
  SetHeader(&r, "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150831/us-east-1/secretsmanager/"
            "aws4_request, SignedHeaders=host;x-amz-date, Signature=00");
  ExpectError(r, "InvalidSignatureException",
              "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
              "from HTTP: '20150831' != '20150830', from '20150830T123600Z'.");
}

TEST_F(VerifierTest, ClockSkew) {
  const HttpRequest r = Signed(GetSecretValue());
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_TRUE(Verify(r).ok()) << "exactly 5 minutes late is still current";
  clock_.Advance(std::chrono::seconds(1));
  ExpectError(r, "InvalidSignatureException",
              "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
              "(20150830T124101Z - 5 min.)");
  clock_.Advance(std::chrono::minutes(-11));
  ExpectError(r, "InvalidSignatureException",
              "Signature not yet current: 20150830T123600Z is still later than 20150830T123501Z "
              "(20150830T123001Z + 5 min.)");
}

TEST_F(VerifierTest, DateHeaderStandsInForXAmzDate) {
  // No X-Amz-Date: the HTTP Date header gives the time, still signed in the basic ISO form.
  HttpRequest r = GetSecretValue();
  r.headers.push_back({"Date", "Sun, 30 Aug 2015 12:36:00 GMT"});
  const std::vector<std::string> names = {"date", "host"};
  const std::string canonical =
      internal::CanonicalRequest("POST", "/", "", internal::CanonicalHeaders(r.headers, names),
                                 "date;host", HexEncode(Sha256(r.body)));
  const std::string scope = "20150830/us-east-1/secretsmanager/aws4_request";
  const std::string signature =
      HexEncode(HmacSha256(DeriveSigningKey(kSecret, "20150830", "us-east-1", "secretsmanager"),
                           internal::StringToSign(kWhen, scope, canonical)));
  r.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope +
                                            ", SignedHeaders=date;host, Signature=" + signature});
  const VerifyResult v = Verify(r);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v.value().request_time, testing::AmzSeconds(kWhen));
  SetHeader(&r, "Date", "Sun, 30 Aug 2015 12:36:01 GMT");
  ExpectError(r, "InvalidSignatureException", kSignatureMismatch);
  EXPECT_EQ(internal::ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT"), testing::AmzSeconds(kWhen));
  EXPECT_EQ(internal::ParseHttpDate("Sun, 31 Feb 2015 12:36:00 GMT"), std::nullopt);
  EXPECT_EQ(internal::ParseHttpDate("Sun, 30 Foo 2015 12:36:00 GMT"), std::nullopt);
}

TEST_F(VerifierTest, UnknownKeyAndFailedLookup) {
  HttpRequest r = Signed(GetSecretValue(), Options(), {"AKIDUNKNOWN", kSecret, ""});
  ExpectError(r, "UnrecognizedClientException",
              "The security token included in the request is invalid.");
  Verifier broken(
      config_, [](std::string_view) -> Result<std::string> { return Status::IoError("db down"); },
      clock_);
  const VerifyResult v = broken.Verify(Signed(GetSecretValue()));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().type, "InternalFailure");
  EXPECT_EQ(v.error().http_status, 500);
}

TEST_F(VerifierTest, ForgedSignatureLeaksNothing) {
  const HttpRequest good = Signed(GetSecretValue());
  const HttpRequest forged = Signed(GetSecretValue(), Options(), {kKeyId, "not-the-secret", ""});
  const VerifyResult v = Verify(forged);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().type, "InvalidSignatureException");
  EXPECT_EQ(v.error().message, kSignatureMismatch);
  // The signature the server computed (the good one) and the secret stay out of the message.
  const std::string authorization = testing::Header(good, "Authorization");
  const std::string server_signature = authorization.substr(authorization.rfind('=') + 1);
  EXPECT_EQ(v.error().message.find(server_signature), std::string::npos);
  EXPECT_EQ(v.error().message.find(kSecret), std::string::npos);

  HttpRequest twice = good;
  twice.headers.push_back({"authorization", testing::Header(good, "Authorization")});
  ExpectError(twice, "InvalidSignatureException", kSignatureMismatch);
}

TEST_F(VerifierTest, PresignedForm) {
  HttpRequest r = GetSecretValue();
  r.method = "GET";
  r.query = "Action=ListSecrets&MaxResults=10";
  SigningOptions o = Options();
  o.expires = std::chrono::seconds(60);
  const HttpRequest p = Presigned(r, o);
  ASSERT_TRUE(Verify(p).ok());
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_TRUE(Verify(p).ok()) << "valid through its last second";
  clock_.Advance(std::chrono::seconds(1));
  ExpectError(p, "AccessDeniedException", "Request has expired", 403);
  clock_.Advance(std::chrono::minutes(-20));
  ExpectError(p, "InvalidSignatureException",
              "Signature not yet current: 20150830T123600Z is still later than 20150830T122201Z "
              "(20150830T121701Z + 5 min.)");
}

TEST_F(VerifierTest, PresignedFormRefusals) {
  HttpRequest r = GetSecretValue();
  r.method = "GET";
  r.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20150830T123600Z";
  ExpectError(r, "IncompleteSignatureException",
              "AWS query-string parameters must include 'X-Amz-Credential'. Re-examine the "
              "query-string parameters. AWS query-string parameters must include "
              "'X-Amz-Signature'. Re-examine the query-string parameters. AWS query-string "
              "parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string "
              "parameters. AWS query-string parameters must include 'X-Amz-Expires'. Re-examine "
              "the query-string parameters.");
  r.query.clear();
  HttpRequest p = Presigned(r);
  const std::string good = p.query;
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"X-Amz-Expires=3600", "X-Amz-Expires=604801"},
           {"X-Amz-Expires=3600", "X-Amz-Expires=-1"},
           {"X-Amz-Date=20150830T123600Z&X-Amz-Sig", "X-Amz-Date=2015-08-30&X-Amz-Sig"}}) {
    p.query = good;
    const std::size_t at = p.query.rfind(from);
    ASSERT_NE(at, std::string::npos) << from;
    p.query.replace(at, from.size(), to);
    const VerifyResult v = Verify(p);
    ASSERT_FALSE(v.ok()) << to;
    EXPECT_EQ(v.error().type, "IncompleteSignatureException") << to;
  }
}

TEST_F(VerifierTest, S3PayloadRules) {
  config_ = {"us-east-1", "s3", UriEncoding::kS3, true, false, std::chrono::seconds(900)};
  HttpRequest r;
  r.method = "PUT";
  r.path = "/bucket/photos/my%20file%2B1.jpg";
  r.headers = {{"Host", "s3.amazonaws.com"}};
  r.body = "hello";
  SigningOptions o = Options("us-east-1", "s3");
  o.uri_encoding = UriEncoding::kS3;
  o.add_content_sha256_header = true;
  HttpRequest signed_body = Signed(r, o);
  EXPECT_TRUE(Verify(signed_body).ok());
  signed_body.body = "hellp";
  ExpectError(signed_body, "XAmzContentSHA256Mismatch",
              "The provided 'x-amz-content-sha256' header does not match what was computed.");

  o.unsigned_payload = true;
  HttpRequest unsigned_body = Signed(r, o);
  EXPECT_EQ(testing::Header(unsigned_body, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  const VerifyResult refused = Verify(unsigned_body);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 501);
  config_.allow_unsigned_payload = true;
  EXPECT_TRUE(Verify(unsigned_body).ok());
}

TEST(CanonicalTest, NormalizePath) {
  const std::vector<std::pair<std::string, std::string>> cases = {{"", "/"},
                                                                  {"/", "/"},
                                                                  {"//", "/"},
                                                                  {"/a/./b", "/a/b"},
                                                                  {"/a/../..", "/"},
                                                                  {"//a//b//", "/a/b/"},
                                                                  {"/a/.", "/a"},
                                                                  {"/a/b/..", "/a"},
                                                                  {"/../a", "/a"},
                                                                  {"a/b", "a/b"},
                                                                  {"/a%2Fb/", "/a%2Fb/"}};
  for (const auto& [in, want] : cases) EXPECT_EQ(internal::NormalizePath(in), want) << in;
}

TEST(CanonicalTest, UriAndQuery) {
  EXPECT_EQ(internal::CanonicalUri("/a%20b/c d", UriEncoding::kNormalizedDoubleEncoded),
            "/a%2520b/c%20d");
  EXPECT_EQ(internal::CanonicalUri("/a%20b/c d/%zz", UriEncoding::kS3), "/a%20b/c%20d/%25zz");
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"", ""},
      {"b=2&a=1&a=0", "a=0&a=1&b=2"},
      {"d&c=&&e", "c=&d=&e="},
      {"x=%7e&y=a+b%2B&z=%2f%2F", "x=~&y=a%20b%2B&z=%2F%2F"},
      {"%E1%88%B4=v&Param=1", "%E1%88%B4=v&Param=1"},
      {"k=%", "k=%25"},
  };
  for (const auto& [in, want] : queries) EXPECT_EQ(internal::CanonicalQuery(in), want) << in;
  EXPECT_EQ(internal::CanonicalHeaderValue("  a \t b\n   c  "), "a b c");
  EXPECT_EQ(internal::FormatAmzDate(testing::AmzSeconds(kWhen)), kWhen);
  for (const char* bad : {"20150830T123600", "20150830 123600Z", "20151330T123600Z",
                          "2015083OT123600Z", "20150830T126000Z", ""}) {
    EXPECT_EQ(internal::ParseAmzDate(bad), std::nullopt) << bad;
  }
}

TEST(SignerTest, RejectsBadInputs) {
  HttpRequest r = GetSecretValue();
  EXPECT_FALSE(SignRequest(r, {kKeyId, kSecret, ""}, Options("")).ok());
  EXPECT_FALSE(SignRequest(r, {kKeyId, kSecret, ""}, Options("us-east-1", "a/b")).ok());
  EXPECT_FALSE(SignRequest(r, {"", kSecret, ""}, Options()).ok());
  SigningOptions o = Options();
  o.expires = std::chrono::seconds(604801);
  EXPECT_FALSE(PresignRequest(r, {kKeyId, kSecret, ""}, o).ok());
  r.headers.erase(r.headers.begin());  // Host
  EXPECT_FALSE(SignRequest(r, {kKeyId, kSecret, ""}, Options()).ok());
}

TEST(SignerTest, ReplacesStaleAuthHeaders) {
  // A retried request still carries the previous attempt's headers.
  HttpRequest first = Signed(GetSecretValue(), Options(), {kKeyId, kSecret, "tok"});
  SigningOptions later = Options();
  later.time = AmzTime("20150830T124000Z");
  auto again = SignRequest(first, {kKeyId, kSecret, "tok"}, later);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->parts.canonical_request.find("20150830T123600Z"), std::string::npos);
  EXPECT_EQ(again->parts.canonical_request.find("authorization"), std::string::npos);
}

}  // namespace
}  // namespace trailwatch::aws
