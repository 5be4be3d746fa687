#include <gtest/gtest.h>

#include "common/time.h"
#include "notify/notify.h"

namespace trailwatch::notify {
namespace {

std::int64_t Ms(const char* iso) { return *ParseIso8601Millis(iso); }

// The real payload of spec cloudwatch.md 4.2, as AWS sends it (compact).
TEST(MetricAlarmMessage, ReproducesTheObservedPayload) {
  alarm::AlarmConfig c;
  c.name = "Test alarm";
  c.account = "017790921725";
  c.region = "ca-central-1";
  c.metric = metrics::MetricKey::Make("AWS/Lambda", "ConcurrentExecutions");
  c.statistic = *metrics::StatisticSpec::Parse("Sum");
  c.period_seconds = 60;
  c.evaluation_periods = 1;
  c.datapoints_to_alarm = 1;
  c.comparison = alarm::Comparison::kGreaterThanThreshold;
  c.threshold = 5;
  c.treat_missing = alarm::TreatMissing::kMissing;
  c.treat_missing_set = true;
  c.alarm_actions = {"arn:aws:sns:ca-central-1:017790921725:test-sre-bot"};
  alarm::Transition t;
  t.time_ms = Ms("2022-09-25T18:50:37.811Z");
  t.old_state = alarm::State::kInsufficientData;
  t.new_state = alarm::State::kAlarm;
  t.reason =
      "Threshold Crossed: 1 out of the last 1 datapoints [6.0 (25/09/22 18:49:00)] was greater "
      "than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).";
  EXPECT_EQ(
      MetricAlarmMessage(c, t, Ms("2022-09-25T18:48:56.505Z")),
      R"j({"AlarmName":"Test alarm","AlarmDescription":null,"AWSAccountId":"017790921725",)j"
      R"j("AlarmConfigurationUpdatedTimestamp":"2022-09-25T18:48:56.505+0000",)j"
      R"j("NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 out of the last 1 )j"
      R"j(datapoints [6.0 (25/09/22 18:49:00)] was greater than the threshold (5.0) (minimum 1 )j"
      R"j(datapoint for OK -> ALARM transition).","StateChangeTime":"2022-09-25T18:50:37.811+0000",)j"
      R"j("Region":"Canada (Central)","AlarmArn":"arn:aws:cloudwatch:ca-central-1:017790921725:)j"
      R"j(alarm:Test alarm","OldStateValue":"INSUFFICIENT_DATA","OKActions":[],"AlarmActions":)j"
      R"j(["arn:aws:sns:ca-central-1:017790921725:test-sre-bot"],"InsufficientDataActions":[],)j"
      R"j("Trigger":{"MetricName":"ConcurrentExecutions","Namespace":"AWS/Lambda",)j"
      R"j("StatisticType":"Statistic","Statistic":"SUM","Unit":null,"Dimensions":[],"Period":60,)j"
      R"j("EvaluationPeriods":1,"DatapointsToAlarm":1,"ComparisonOperator":"GreaterThanThreshold",)j"
      R"j("Threshold":5.0,"TreatMissingData":"missing","EvaluateLowSampleCountPercentile":""}})j");
}

TEST(MetricAlarmMessage, TriggerVariants) {
  alarm::AlarmConfig c;
  c.name = "p99 latency";
  c.description = "Latency \"high\"";
  c.metric = metrics::MetricKey::Make("App", "Latency", {{"Service", "api"}, {"Az", "a"}});
  c.statistic = *metrics::StatisticSpec::Parse("p99.9");
  c.unit = "Milliseconds";
  c.period_seconds = 300;
  c.evaluation_periods = 3;
  c.threshold = 0.059;
  c.low_sample_percentile_set = true;
  c.ignore_low_sample_percentile = true;
  alarm::Transition t;
  t.new_state = alarm::State::kOk;
  const std::string m = MetricAlarmMessage(c, t, 0);
  const struct {
    const char* fragment;
  } expected[] = {
      {R"j("AlarmDescription":"Latency \"high\"")j"},
      {R"j("StatisticType":"ExtendedStatistic","ExtendedStatistic":"p99.9","Unit":"Milliseconds")j"},
      {R"j("Dimensions":[{"value":"a","name":"Az"},{"value":"api","name":"Service"}])j"},
      {R"j("EvaluationPeriods":3,"ComparisonOperator")j"},  // no DatapointsToAlarm when unset
      {R"j("Threshold":0.059,"TreatMissingData":"","EvaluateLowSampleCountPercentile":"ignore"})j"},
      {R"j("AlarmConfigurationUpdatedTimestamp":"1970-01-01T00:00:00.000+0000")j"},
  };
  for (const auto& e : expected) EXPECT_NE(m.find(e.fragment), std::string::npos) << e.fragment;
}

TEST(MetricAlarmMessage, StatisticNames) {
  const struct {
    const char* statistic;
    const char* expected;
  } cases[] = {{"Sum", "SUM"},
               {"Average", "AVERAGE"},
               {"Maximum", "MAXIMUM"},
               {"Minimum", "MINIMUM"},
               {"SampleCount", "SAMPLE_COUNT"}};
  for (const auto& c : cases) {
    alarm::AlarmConfig config;
    config.statistic = *metrics::StatisticSpec::Parse(c.statistic);
    const std::string m = MetricAlarmMessage(config, {}, 0);
    EXPECT_NE(m.find(std::string(R"j("Statistic":")j") + c.expected + "\""), std::string::npos)
        << c.statistic;
  }
}

TEST(CompositeAlarmMessage, KeysInAwsOrder) {
  CompositeAlarmInfo info;
  info.name = "Breach";
  info.arn = "arn:aws:cloudwatch:us-east-1:427809481713:alarm:Breach";
  info.account = "427809481713";
  info.region = "us-east-1";
  info.alarm_rule = R"j(ALARM("Disk") AND ALARM(CPU))j";
  info.alarm_actions = {"arn:aws:sns:us-east-1:427809481713:ops"};
  alarm::Transition t;
  t.time_ms = Ms("2021-11-10T02:45:55.640Z");
  t.old_state = alarm::State::kOk;
  t.new_state = alarm::State::kAlarm;
  t.reason =
      "arn:aws:cloudwatch:us-east-1:427809481713:alarm:Disk transitioned to ALARM at Wednesday "
      "10 November, 2021 02:45:55 UTC";
  const std::vector<TriggeringChild> children = {
      {"arn:aws:cloudwatch:us-east-1:427809481713:alarm:Disk", alarm::State::kAlarm, t.time_ms}};
  EXPECT_EQ(
      CompositeAlarmMessage(info, t, children),
      R"j({"AlarmName":"Breach","AlarmDescription":null,"AWSAccountId":"427809481713",)j"
      R"j("NewStateValue":"ALARM","NewStateReason":"arn:aws:cloudwatch:us-east-1:427809481713:)j"
      R"j(alarm:Disk transitioned to ALARM at Wednesday 10 November, 2021 02:45:55 UTC",)j"
      R"j("StateChangeTime":"2021-11-10T02:45:55.640+0000","Region":"US East (N. Virginia)",)j"
      R"j("AlarmArn":"arn:aws:cloudwatch:us-east-1:427809481713:alarm:Breach","OKActions":[],)j"
      R"j("AlarmActions":["arn:aws:sns:us-east-1:427809481713:ops"],"InsufficientDataActions":[],)j"
      R"j("OldStateValue":"OK","AlarmRule":"ALARM(\"Disk\") AND ALARM(CPU)","TriggeringChildren":)j"
      R"j([{"Arn":"arn:aws:cloudwatch:us-east-1:427809481713:alarm:Disk","State":{"Value":"ALARM",)j"
      R"j("Timestamp":"2021-11-10T02:45:55.640+0000"}}]})j");
}

TEST(AlarmSubject, ObservedFormsAndTruncation) {
  const struct {
    alarm::State state;
    std::string name;
    const char* region;
    std::string expected;
  } cases[] = {
      {alarm::State::kAlarm, "CPU utlliization of the instance", "us-west-2",
       R"j(ALARM: "CPU utlliization of the instance" in US West (Oregon))j"},
      {alarm::State::kInsufficientData, "test-lambda-parity", "ap-southeast-2",
       R"j(INSUFFICIENT_DATA: "test-lambda-parity" in Asia Pacific (Sydney))j"},
      {alarm::State::kOk, "x", "eu-west-1", R"j(OK: "x" in EU (Ireland))j"},
      {alarm::State::kOk, "x", "xx-moon-1", R"j(OK: "x" in xx-moon-1)j"},
      // AWS cut this one at 100 characters; we keep subjects under 100 (SNS's documented
      // limit), so one character less of the name.
      {alarm::State::kAlarm,
       "HowToTriggerCloudwatchAlarmFromLambdaStack-howtotriggercloudwatchalarmfromlambda1234",
       "us-east-1",
       R"j(ALARM: "HowToTriggerCloudwatchAlarmFromLambdaStack-howtotriggercloudwa..." in US East (N. Virginia))j"},
  };
  for (const auto& c : cases) {
    const std::string s = AlarmSubject(c.state, c.name, c.region);
    EXPECT_EQ(s, c.expected);
    EXPECT_LT(s.size(), 100u);
  }
  // Cuts fall between code points: 80 three-byte characters.
  std::string wide;
  for (int i = 0; i < 80; ++i) wide += "\xe2\x82\xac";
  const std::string s = AlarmSubject(alarm::State::kAlarm, wide, "us-east-1");
  EXPECT_EQ(s.substr(s.find("...") - 3, 3), "\xe2\x82\xac");
}

TEST(IsSnsTopicArn, Table) {
  const struct {
    const char* arn;
    bool sns;
  } cases[] = {
      {"arn:aws:sns:us-east-1:123456789012:trailwatch-security-alerts", true},
      {"arn:aws-us-gov:sns:us-gov-west-1:123456789012:t", true},
      {"arn:aws:sns:us-east-1:123456789012:", false},
      {"arn:aws:lambda:us-east-1:123456789012:function:f", false},
      {"arn:aws:automate:us-east-1:ec2:stop", false},
      {"arn:aws:sns:us-east-1:123456789012:t:sub-id", false},
      {"sns:us-east-1", false},
  };
  for (const auto& c : cases) EXPECT_EQ(IsSnsTopicArn(c.arn), c.sns) << c.arn;
}

}  // namespace
}  // namespace trailwatch::notify
