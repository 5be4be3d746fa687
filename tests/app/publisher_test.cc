// Alarm changes and detection alerts rendered per subscription protocol for the outbox.
#include "app/publisher.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/time.h"
#include "testing/files.h"

namespace trailwatch::app {
namespace {

constexpr const char* kRules = R"(
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: security-alerts
      Subscription:
        - {Protocol: email, Endpoint: secops@example.com}
        - {Protocol: https, Endpoint: "https://hooks.example.com/tw"}
        - {Protocol: sqs, Endpoint: "arn:aws:sqs:us-east-1:123456789012:q"}
  Filter:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: trail
      FilterPattern: '{ $.eventName = "GetSecretValue" }'
      MetricTransformations: [{MetricNamespace: T, MetricName: Reads, MetricValue: "1"}]
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: SecretRead
      Namespace: T
      MetricName: Reads
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      AlarmActions: [!Ref Topic]
)";

const std::string kEvent =
    R"({"eventTime":"2026-11-21T10:00:05Z","principal":"arn:aws:iam::123456789012:user/mallory",)"
    R"("accessKeyId":"AKIAEXAMPLEMALLORY01","eventSource":"secretsmanager.amazonaws.com",)"
    R"("eventName":"GetSecretValue","resource":"prod/db","sourceIPAddress":"203.0.113.9",)"
    R"("userAgent":"aws-cli/2.15","awsRegion":"us-east-1","recipientAccountId":"123456789012",)"
    R"("eventID":"e-1"})";

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto set = rules::LoadRuleText(kRules, "rules.yaml");
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    set_ = std::move(*set);
    auto signer = notify::MessageSigner::LoadOrCreate(dir_.path() + "/sns",
                                                      "http://127.0.0.1:4580/sns", clock_);
    ASSERT_TRUE(signer.ok()) << signer.status().ToString();
    signer_ = std::make_unique<notify::MessageSigner>(std::move(*signer));
    PublisherOptions o;
    o.signer = signer_.get();
    o.email.alarm_link_base = "http://127.0.0.1:4580/api/alarms/";
    // trailwatch's own protocols come from the config (rule files take AWS's only).
    o.extra["security-alerts"] = {{"slack", "https://hooks.slack.com/services/T/B/X"},
                                  {"file", dir_.path() + "/alerts.log"}};
    publisher_ = std::make_unique<Publisher>(set_, o);
  }

  alarm::TimelineEntry Change() const {
    alarm::TimelineEntry e;
    e.time_ms = *ParseIso8601Millis("2026-11-21T10:00:05Z");
    e.alarm = "SecretRead";
    e.alarm_arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:SecretRead";
    e.transition.time_ms = e.time_ms;
    e.transition.old_state = alarm::State::kInsufficientData;
    e.transition.new_state = alarm::State::kAlarm;
    e.transition.reason = "Threshold Crossed: 1 datapoint [1.0 (21/11/26 09:59:00)] was ...";
    e.transition.actions = {"arn:aws:sns:us-east-1:123456789012:security-alerts"};
    e.events = {0};
    return e;
  }

  test_support::TempDir dir_;
  FakeClock clock_{TimePoint(std::chrono::milliseconds(1'795'000'000'000))};
  rules::RuleSet set_;
  std::unique_ptr<notify::MessageSigner> signer_;
  std::unique_ptr<Publisher> publisher_;
};

TEST_F(PublisherTest, AlarmChangeGoesToEverySubscriptionTrailwatchDelivers) {
  std::vector<std::string> skipped;
  const auto pubs = publisher_->Render(Change(), {kEvent}, &skipped);
  ASSERT_EQ(pubs.size(), 1u);
  EXPECT_EQ(pubs[0].label.topic_arn, "arn:aws:sns:us-east-1:123456789012:security-alerts");
  EXPECT_EQ(pubs[0].label.source, "SecretRead");
  ASSERT_EQ(skipped.size(), 1u);  // sqs is AWS's to deliver
  EXPECT_NE(skipped[0].find("sqs"), std::string::npos);
  const auto& d = pubs[0].deliveries;
  ASSERT_EQ(d.size(), 4u);  // email, https, and the config's slack and file
  const struct {
    notify::Protocol protocol;
    const char* fragment;
  } want[] = {
      {notify::Protocol::kEmail, "Who / What / Where / When"},
      {notify::Protocol::kHttps, "\"SignatureVersion\" : \"2\""},
      {notify::Protocol::kSlack, "arn:aws:iam::123456789012:user/mallory"},
      {notify::Protocol::kFile,
       "\"topicArn\":\"arn:aws:sns:us-east-1:123456789012:security-alerts\""},
  };
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(d[i].protocol, want[i].protocol);
    EXPECT_NE(d[i].body.find(want[i].fragment), std::string::npos) << d[i].body;
    EXPECT_EQ(d[i].message_id, d[0].message_id);  // one SNS message per publish
  }
  EXPECT_EQ(d[0].subject, "ALARM: \"SecretRead\" in US East (N. Virginia)");
  EXPECT_NE(d[0].body.find("203.0.113.9"), std::string::npos);
  EXPECT_NE(d[0].body.find("prod/db"), std::string::npos);
  EXPECT_FALSE(d[1].headers.empty());
  // The same change published again gets the same id (the outbox sends it once); another
  // change does not.
  const auto again = publisher_->Render(Change(), {kEvent});
  EXPECT_EQ(again[0].deliveries[0].message_id, d[0].message_id);
  alarm::TimelineEntry later = Change();
  later.time_ms += 60'000;
  EXPECT_NE(publisher_->Render(later, {kEvent})[0].deliveries[0].message_id, d[0].message_id);
}

TEST_F(PublisherTest, DetectionAlertCarriesItsLineAsTheMessage) {
  AlertLine a;
  a.time_ms = *ParseIso8601Millis("2026-11-21T10:00:05Z");
  a.detection = "Secrets-SecretReadOutsideAllowlist";
  a.text =
      R"({"type":"alert","time":"2026-11-21T10:00:05Z","detection":"Secrets-SecretReadOutsideAllowlist","severity":"high","count":1,"events":[]})"
      "\n";
  a.actions = {"arn:aws:sns:us-east-1:123456789012:security-alerts"};
  a.events = {kEvent};
  const auto pubs = publisher_->RenderAlert(a);
  ASSERT_EQ(pubs.size(), 1u);
  const auto& d = pubs[0].deliveries;
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].subject,
            "ALERT (high): \"Secrets-SecretReadOutsideAllowlist\" in US East (N. "
            "Virginia)");
  EXPECT_NE(d[0].body.find("mallory"), std::string::npos) << d[0].body;
  const auto line = nlohmann::json::parse(d[3].body);
  EXPECT_EQ(nlohmann::json::parse(line["message"].get<std::string>())["detection"], a.detection);
}

// The monitor's summaries become the message renderers' events, field by field.
TEST(ParseEventSummariesTest, ReadsEveryFieldAndSkipsWhatIsNotAnObject) {
  const auto got = ParseEventSummaries({kEvent, "[1]", "{broken"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].principal, "arn:aws:iam::123456789012:user/mallory");
  EXPECT_EQ(got[0].access_key_id, "AKIAEXAMPLEMALLORY01");
  EXPECT_EQ(got[0].resource, "prod/db");
  EXPECT_EQ(got[0].source_ip, "203.0.113.9");
  EXPECT_EQ(got[0].event_id, "e-1");
}

}  // namespace
}  // namespace trailwatch::app
