// The official SigV4 test suite (aws-c-auth tests/aws-signing-test-suite/v4, in
// ../shared/testdata/sigv4; skipped when absent): for every case, the signer must reproduce the
// canonical request, string to sign and signature byte for byte in the header and the
// presigned form, and the verifier must accept the signed request and refuse it after any one
// byte of a signed header or of the body changes. Plus AWS's documented S3 examples.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aws/sigv4_internal.h"
#include "aws/sigv4_test_util.h"
#include "common/encoding.h"

namespace trailwatch::aws {
namespace {

using testing::LoadVector;
using testing::Vector;

std::vector<Vector> AllVectors() {
  std::vector<Vector> out;
  const auto dir = testing::VectorDir();
  if (!dir) return out;
  const std::vector<std::string> names = testing::VectorNames(*dir);
  for (const std::string& name : names) {
    auto v = LoadVector(*dir, name);
    // A vector that does not load would otherwise drop out of every test unnoticed.
    EXPECT_TRUE(v.has_value()) << "cannot load SigV4 vector " << name;
    if (v) out.push_back(std::move(*v));
  }
  return out;
}

class SigV4Vectors : public ::testing::Test {
 protected:
  void SetUp() override {
    vectors_ = AllVectors();
    if (vectors_.empty()) {
      GTEST_SKIP() << "the SigV4 test suite is not at $TRAILWATCH_SHARED_DIR/testdata/sigv4/v4 "
                      "(set TRAILWATCH_SHARED_DIR to the shared folder)";
    }
  }

  Verifier MakeVerifier(const Vector& v, const FakeClock& clock) const {
    VerifierConfig config;
    config.region = v.region;
    config.service = v.service;
    config.uri_encoding = v.normalize ? UriEncoding::kNormalizedDoubleEncoded : UriEncoding::kS3;
    return Verifier(
        config, testing::LookupOf({{v.credentials.access_key_id, v.credentials.secret_access_key}}),
        clock);
  }

  std::vector<Vector> vectors_;
};

TEST_F(SigV4Vectors, SuiteIsComplete) { EXPECT_EQ(vectors_.size(), 38u); }

TEST_F(SigV4Vectors, HeaderFormMatchesByteForByte) {
  for (const Vector& v : vectors_) {
    SCOPED_TRACE(v.name);
    auto signed_request = SignRequest(v.request, v.credentials, testing::OptionsFor(v));
    ASSERT_TRUE(signed_request.ok()) << signed_request.status().ToString();
    EXPECT_EQ(signed_request->parts.canonical_request, v.header_canonical_request);
    EXPECT_EQ(signed_request->parts.string_to_sign, v.header_string_to_sign);
    EXPECT_EQ(signed_request->parts.signature, v.header_signature);
    std::string authorization;
    for (const HttpHeader& h : signed_request->headers_to_add) {
      if (h.name == "Authorization") authorization = h.value;
      // Every added header is in the suite's signed request with the same value.
      EXPECT_EQ(testing::Header(v.header_signed_request, h.name), h.value) << h.name;
    }
    EXPECT_EQ(authorization, testing::Header(v.header_signed_request, "Authorization"));
  }
}

TEST_F(SigV4Vectors, QueryFormMatchesByteForByte) {
  for (const Vector& v : vectors_) {
    SCOPED_TRACE(v.name);
    auto presigned = PresignRequest(v.request, v.credentials, testing::OptionsFor(v));
    ASSERT_TRUE(presigned.ok()) << presigned.status().ToString();
    EXPECT_EQ(presigned->parts.canonical_request, v.query_canonical_request);
    EXPECT_EQ(presigned->parts.string_to_sign, v.query_string_to_sign);
    EXPECT_EQ(presigned->parts.signature, v.query_signature);
    EXPECT_EQ(presigned->query, v.query_signed_request.query);
  }
}

TEST_F(SigV4Vectors, VerifierAcceptsEverySignedRequest) {
  for (const Vector& v : vectors_) {
    SCOPED_TRACE(v.name);
    FakeClock clock(TimePoint(std::chrono::seconds(v.time)));
    const Verifier verifier = MakeVerifier(v, clock);
    const VerifyResult header_form = verifier.Verify(v.header_signed_request);
    ASSERT_TRUE(header_form.ok()) << header_form.error().type << ": "
                                  << header_form.error().message;
    EXPECT_EQ(header_form.value().access_key_id, "AKIDEXAMPLE");
    EXPECT_EQ(header_form.value().scope.date, "20150830");
    EXPECT_FALSE(header_form.value().presigned);
    EXPECT_EQ(header_form.value().session_token,
              testing::Header(v.header_signed_request, "X-Amz-Security-Token"));

    const VerifyResult query_form = verifier.Verify(v.query_signed_request);
    if (v.omit_session_token && !v.credentials.session_token.empty()) {
      // The token rides in the query unsigned; a server signs every query parameter but
      // X-Amz-Signature, so this form cannot verify (nor does it on AWS).
      ASSERT_FALSE(query_form.ok());
      EXPECT_EQ(query_form.error().type, "InvalidSignatureException");
      continue;
    }
    ASSERT_TRUE(query_form.ok()) << query_form.error().type << ": " << query_form.error().message;
    EXPECT_TRUE(query_form.value().presigned);
  }
}

// Changes one byte of `value` (its last one; an empty value gets one).
std::string Flip(std::string value) {
  if (value.empty()) return "x";
  value.back() = value.back() == 'x' ? 'y' : 'x';
  return value;
}

TEST_F(SigV4Vectors, VerifierRefusesAnyChangedSignedByte) {
  for (const Vector& v : vectors_) {
    SCOPED_TRACE(v.name);
    FakeClock clock(TimePoint(std::chrono::seconds(v.time)));
    const Verifier verifier = MakeVerifier(v, clock);
    for (const HttpRequest* signed_request : {&v.header_signed_request, &v.query_signed_request}) {
      if (signed_request == &v.query_signed_request && v.omit_session_token) continue;
      const VerifyResult baseline = verifier.Verify(*signed_request);
      ASSERT_TRUE(baseline.ok());
      for (const std::string& name : baseline.value().signed_headers) {
        HttpRequest changed = *signed_request;
        for (HttpHeader& h : changed.headers) {
          if (internal::ToLower(h.name) == name) {
            h.value = Flip(h.value);
            break;
          }
        }
        const VerifyResult r = verifier.Verify(changed);
        ASSERT_FALSE(r.ok()) << "changed header " << name;
        if (name != "x-amz-date") {
          EXPECT_EQ(r.error().type, "InvalidSignatureException") << name;
        }
      }
      if (!signed_request->body.empty()) {
        HttpRequest changed = *signed_request;
        changed.body = Flip(changed.body);
        const VerifyResult r = verifier.Verify(changed);
        ASSERT_FALSE(r.ok()) << "changed body";
        EXPECT_EQ(r.error().type, "InvalidSignatureException");
      }
      HttpRequest changed = *signed_request;
      changed.method = changed.method == "GET" ? "PUT" : "GET";
      EXPECT_FALSE(verifier.Verify(changed).ok()) << "changed method";
      changed = *signed_request;
      changed.path += "x";
      EXPECT_FALSE(verifier.Verify(changed).ok()) << "changed path";
    }
  }
}

// The presigned GET of AWS's S3 documentation ("Authenticating Requests: Using Query
// Parameters"): examplebucket/test.txt, expires 86400.
TEST(SigV4S3Examples, PresignedGetObject) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/test.txt";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  const Credentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  SigningOptions o;
  o.region = "us-east-1";
  o.service = "s3";
  o.time = testing::AmzTime("20130524T000000Z");
  o.uri_encoding = UriEncoding::kS3;
  o.unsigned_payload = true;
  o.expires = std::chrono::seconds(86400);
  auto p = PresignRequest(r, creds, o);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->parts.signature, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");

  // And the S3 verifier takes it for a day, then answers as for an expired URL.
  r.query = p->query;
  FakeClock clock(testing::AmzTime("20130524T235959Z"));
  VerifierConfig config{"us-east-1", "s3",  UriEncoding::kS3,
                        true,        false, std::chrono::seconds(900)};
  Verifier verifier(config, testing::LookupOf({{creds.access_key_id, creds.secret_access_key}}),
                    clock);
  EXPECT_TRUE(verifier.Verify(r).ok());
  clock.Advance(std::chrono::seconds(2));
  const VerifyResult expired = verifier.Verify(r);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().type, "AccessDeniedException");
  EXPECT_EQ(expired.error().http_status, 403);
}

// The header-signed GET with a Range header from the same documentation.
TEST(SigV4S3Examples, HeaderSignedGetObject) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/test.txt";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  const Credentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  SigningOptions o;
  o.region = "us-east-1";
  o.service = "s3";
  o.time = testing::AmzTime("20130524T000000Z");
  o.uri_encoding = UriEncoding::kS3;
  o.add_content_sha256_header = true;
  auto s = SignRequest(r, creds, o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->parts.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// AWS's documented signing-key derivation example (IAM, 2012-02-15).
TEST(SigV4SigningKey, DocumentedExample) {
  EXPECT_EQ(HexEncode(DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                       "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  SigningKeyCache cache(2);
  for (int round = 0; round < 3; ++round) {
    for (const char* region : {"us-east-1", "eu-west-1", "ap-south-1"}) {
      EXPECT_EQ(cache.Get("secret", "20120215", region, "iam"),
                DeriveSigningKey("secret", "20120215", region, "iam"));
    }
  }
}

}  // namespace
}  // namespace trailwatch::aws
