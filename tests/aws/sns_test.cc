// aws::Publish (SNS's query protocol) against a real HTTP server on loopback that checks the
// signature and the form body and answers as SNS does: the MessageId on success, AWS's XML
// errors classified as retryable (throttling, 5xx) or not; and the endpoint and region rules.
// tests/e2e/sns_e2e.py runs the same path against moto server.
#include "aws/sns.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <chrono>
#include <string>
#include <thread>

#include "aws/verifying_server.h"

namespace trailwatch::aws {
namespace {

constexpr char kKeyId[] = "AKIDEXAMPLESNS000001";
constexpr char kSecret[] = "sns-test-secret-key-0000000000000000000000";

class SnsTest : public ::testing::Test {
 protected:
  Result<SnsPublishResult> Call(const SnsPublish& p) {
    ClientOptions o;
    o.endpoint = server_.url();
    o.region = "eu-west-1";
    o.service = "sns";
    o.credentials = {kKeyId, kSecret, ""};
    Client client(o, clock_);
    return Publish(client, p);
  }

  SystemClock clock_;
  int status_ = 200;
  std::string reply_;
  std::string body_;
  testing::VerifyingServer server_{"eu-west-1", "sns", kKeyId, kSecret,
                                   [this](const HttpRequest& r, httplib::Response& res) {
                                     body_ = r.body;
                                     res.status = status_;
                                     res.set_content(reply_, "text/xml");
                                   }};
};

TEST_F(SnsTest, PublishSendsTheFormAndReadsTheMessageId) {
  reply_ =
      "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult>"
      "<MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>"
      "<ResponseMetadata><RequestId>f187a3c1</RequestId></ResponseMetadata></PublishResponse>";
  SnsPublish p;
  p.topic_arn = "arn:aws:sns:eu-west-1:123456789012:alerts";
  p.subject = "ALARM: \"x\" in EU (Ireland)";
  p.message = R"({"AlarmName":"x & y"})";
  auto r = Call(p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->ok) << r->error_code;
  EXPECT_EQ(r->message_id, "94f20ce6-13c5-43a0-9a9e-ca52d816e90b");
  EXPECT_EQ(body_,
            "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%"
            "3A123456789012%3Aalerts&Message=%7B%22AlarmName%22%3A%22x%20%26%20y%22%7D&Subject="
            "ALARM%3A%20%22x%22%20in%20EU%20%28Ireland%29");
}

TEST_F(SnsTest, ErrorsAreClassified) {
  struct Case {
    int status;
    std::string code;
    bool retryable;
  };
  const Case cases[] = {
      {404, "NotFound", false},     {403, "AuthorizationError", false}, {400, "Throttling", true},
      {500, "InternalError", true}, {403, "ExpiredToken", true},  // renewed credentials will do
  };
  for (const Case& c : cases) {
    status_ = c.status;
    reply_ = "<ErrorResponse><Error><Type>Sender</Type><Code>" + c.code +
             "</Code><Message>m</Message></Error></ErrorResponse>";
    auto r = Call({"arn:aws:sns:eu-west-1:123456789012:alerts", std::nullopt, "{}"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(r->ok);
    EXPECT_EQ(r->error_code, c.code);
    EXPECT_EQ(r->http_status, c.status);
    EXPECT_EQ(r->retryable, c.retryable) << c.code;
  }
}

TEST(SnsNames, TopicRegionAndEndpoint) {
  EXPECT_EQ(TopicRegion("arn:aws:sns:eu-west-1:123456789012:t"), "eu-west-1");
  EXPECT_EQ(TopicRegion("arn:aws-us-gov:sns:us-gov-west-1:123456789012:t"), "us-gov-west-1");
  EXPECT_EQ(TopicRegion("arn:aws:sqs:eu-west-1:123456789012:q"), "");
  EXPECT_EQ(TopicRegion("not-an-arn"), "");
  unsetenv("AWS_ENDPOINT_URL_SNS");
  unsetenv("AWS_ENDPOINT_URL");
  EXPECT_EQ(SnsEndpoint("eu-west-1"), "https://sns.eu-west-1.amazonaws.com");
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000", 1);
  EXPECT_EQ(SnsEndpoint("eu-west-1"), "http://127.0.0.1:5000");
  setenv("AWS_ENDPOINT_URL_SNS", "http://127.0.0.1:5001", 1);
  EXPECT_EQ(SnsEndpoint("eu-west-1"), "http://127.0.0.1:5001");
  unsetenv("AWS_ENDPOINT_URL_SNS");
  unsetenv("AWS_ENDPOINT_URL");
}

}  // namespace
}  // namespace trailwatch::aws
