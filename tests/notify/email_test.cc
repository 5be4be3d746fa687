#include <gtest/gtest.h>

#include <sstream>

#include "common/time.h"
#include "notify/notify.h"

namespace trailwatch::notify {
namespace {

std::int64_t Ms(const char* iso) { return *ParseIso8601Millis(iso); }

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The alarm of the captured mail in spec cloudwatch.md 4.4.
alarm::AlarmConfig Cis310() {
  alarm::AlarmConfig c;
  c.name = "CIS.3.10";
  c.account = "486183375590";
  c.region = "us-east-1";
  c.metric = metrics::MetricKey::Make("LogMetrics", "CIS.3.10");
  c.statistic = *metrics::StatisticSpec::Parse("Sum");
  c.period_seconds = 300;
  c.evaluation_periods = 1;
  c.comparison = alarm::Comparison::kGreaterThanThreshold;
  c.threshold = 1;
  c.treat_missing_set = true;
  c.alarm_actions = {"arn:aws:sns:us-east-1:486183375590:MySNSTopic"};
  return c;
}

alarm::Transition Cis310Transition() {
  alarm::Transition t;
  t.time_ms = Ms("2021-09-15T18:32:31.123Z");
  t.old_state = alarm::State::kOk;
  t.new_state = alarm::State::kAlarm;
  t.reason =
      "Threshold Crossed: 1 out of the last 1 datapoints [2.0 (15/09/21 18:27:00)] was greater "
      "than the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).";
  return t;
}

EmailOptions Footer() {
  EmailOptions o;
  o.unsubscribe_base = "https://sns.us-east-1.amazonaws.com/unsubscribe.html";
  o.subscription_arn = "arn:aws:sns:us-east-1:486183375590:MySNSTopic:0b1c";
  o.endpoint = "secops+cw@example.com";
  return o;
}

// Line by line against the captured mail; only the footer's wording is ours (no AWS support
// link).
TEST(MetricAlarmEmail, MatchesTheCapturedLayout) {
  const std::vector<std::string> expected = {
      "You are receiving this email because your Amazon CloudWatch Alarm \"CIS.3.10\" in the US "
      "East (N. Virginia) region has entered the ALARM state, because \"Threshold Crossed: 1 out "
      "of the last 1 datapoints [2.0 (15/09/21 18:27:00)] was greater than the threshold (1.0) "
      "(minimum 1 datapoint for OK -> ALARM transition).\" at \"Wednesday 15 September, 2021 "
      "18:32:31 UTC\".",
      "",
      "View this alarm in the AWS Management Console:",
      "https://us-east-1.console.aws.amazon.com/cloudwatch/"
      "deeplink.js?region=us-east-1#alarmsV2:alarm/CIS.3.10",
      "",
      "Alarm Details:",
      "- Name:                       CIS.3.10",
      "- Description:",
      "- State Change:               OK -> ALARM",
      "- Reason for State Change:    Threshold Crossed: 1 out of the last 1 datapoints [2.0 "
      "(15/09/21 18:27:00)] was greater than the threshold (1.0) (minimum 1 datapoint for OK -> "
      "ALARM transition).",
      "- Timestamp:                  Wednesday 15 September, 2021 18:32:31 UTC",
      "- AWS Account:                486183375590",
      "- Alarm Arn:                  arn:aws:cloudwatch:us-east-1:486183375590:alarm:CIS.3.10",
      "",
      "Threshold:",
      "- The alarm is in the ALARM state when the metric is GreaterThanThreshold 1.0 for at least "
      "1 of the last 1 period(s) of 300 seconds.",
      "",
      "Monitored Metric:",
      "- MetricNamespace:                     LogMetrics",
      "- MetricName:                          CIS.3.10",
      "- Dimensions:",
      "- Period:                              300 seconds",
      "- Statistic:                           Sum",
      "- Unit:                                not specified",
      "- TreatMissingData:                    missing",
      "",
      "",
      "State Change Actions:",
      "- OK:",
      "- ALARM: [arn:aws:sns:us-east-1:486183375590:MySNSTopic]",
      "- INSUFFICIENT_DATA:",
      "",
      "",
      "--",
      "If you wish to stop receiving notifications from this topic, please click or visit the "
      "link below to unsubscribe:",
      "https://sns.us-east-1.amazonaws.com/"
      "unsubscribe.html?SubscriptionArn=arn:aws:sns:us-east-1:486183375590:MySNSTopic:0b1c&"
      "Endpoint=secops%2Bcw@example.com",
      "",
      "Please do not reply directly to this email.",
  };
  const std::string body = MetricAlarmEmail(Cis310(), Cis310Transition(), {}, Footer());
  const std::vector<std::string> lines = SplitLines(body);
  ASSERT_EQ(lines.size(), expected.size()) << body;
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i], expected[i]) << "line " << i;
  EXPECT_EQ(body.back(), '\n');
}

TEST(MetricAlarmEmail, Variants) {
  alarm::AlarmConfig c = Cis310();
  c.name = "Root use / console";
  c.description = "Root account used";
  c.metric = metrics::MetricKey::Make("CIS", "Root", {{"InstanceId", "i-1"}, {"Az", "a"}});
  c.statistic = *metrics::StatisticSpec::Parse("p99");
  c.unit = "Count";
  c.evaluation_periods = 5;
  c.datapoints_to_alarm = 3;
  c.ok_actions = {"arn:aws:sns:us-east-1:1:a", "arn:aws:sns:us-east-1:1:b"};
  alarm::Transition t = Cis310Transition();
  t.old_state = alarm::State::kAlarm;
  t.new_state = alarm::State::kOk;
  t.reason = "Threshold Crossed: no datapoints were received.";
  EmailOptions o;
  o.alarm_link_base = "https://trailwatch.example.com/#/alarms/";
  const std::string body = MetricAlarmEmail(c, t, {}, o);
  const struct {
    const char* fragment;
  } expected[] = {
      {"region has entered the OK state, because \"Threshold Crossed: no datapoints were "
       "received.\" at \"Wednesday 15 September, 2021 18:32:31 UTC\".\n"},
      {"\nhttps://trailwatch.example.com/#/alarms/Root%20use%20%2F%20console\n"},
      {"\n- Description:                Root account used\n"},
      {"\n- State Change:               ALARM -> OK\n"},
      {"GreaterThanThreshold 1.0 for at least 3 of the last 5 period(s) of 300 seconds.\n"},
      {"\n- Dimensions:                          [Az = a] [InstanceId = i-1]\n"},
      {"\n- Statistic:                           p99\n"},
      {"\n- Unit:                                Count\n"},
      {"\n- OK: [arn:aws:sns:us-east-1:1:a, arn:aws:sns:us-east-1:1:b]\n"},
      {"\n\n--\nPlease do not reply directly to this email.\n"},  // no unsubscribe base
  };
  for (const auto& e : expected) EXPECT_NE(body.find(e.fragment), std::string::npos) << e.fragment;
  EXPECT_EQ(body.find("Who / What"), std::string::npos);
}

EventSummary Event(int i) {
  EventSummary e;
  e.event_time = "2021-09-15T18:27:0" + std::to_string(i) + "Z";
  e.principal = "arn:aws:iam::486183375590:user/mallory";
  e.access_key_id = i == 1 ? "AKIAEXAMPLE1" : "";
  e.event_source = "secretsmanager.amazonaws.com";
  e.event_name = "GetSecretValue";
  e.resource = "arn:aws:secretsmanager:us-east-1:486183375590:secret:prod/db-AbCdEf";
  e.error_code = i == 2 ? "AccessDenied" : "";
  e.source_ip = "203.0.113.7";
  e.user_agent = "aws-cli/2.15.0";
  e.aws_region = "us-east-1";
  e.recipient_account_id = "486183375590";
  e.event_id = "0000000" + std::to_string(i);
  return e;
}

TEST(MetricAlarmEmail, WhoWhatWhereWhen) {
  const std::string body =
      MetricAlarmEmail(Cis310(), Cis310Transition(), {Event(1), Event(2)}, Footer());
  const std::vector<std::string> lines = SplitLines(body);
  const auto start =
      std::find(lines.begin(), lines.end(), "Who / What / Where / When (trailwatch):");
  ASSERT_NE(start, lines.end()) << body;
  // AWS's part is untouched: the section follows the actions, before SNS's footer.
  EXPECT_EQ(*(start - 3), "- INSUFFICIENT_DATA:");
  const std::vector<std::string> expected = {
      "Who / What / Where / When (trailwatch):",
      "Contributing events: 2",
      "",
      "[1] 2021-09-15T18:27:01Z GetSecretValue",
      "- Who:                        arn:aws:iam::486183375590:user/mallory",
      "- Access Key:                 AKIAEXAMPLE1",
      "- What:                       secretsmanager.amazonaws.com GetSecretValue",
      "- Resource:                   "
      "arn:aws:secretsmanager:us-east-1:486183375590:secret:prod/db-AbCdEf",
      "- Source IP:                  203.0.113.7",
      "- User Agent:                 aws-cli/2.15.0",
      "- Region:                     us-east-1",
      "- Account:                    486183375590",
      "- When:                       2021-09-15T18:27:01Z",
      "- Event ID:                   00000001",
      "",
      "[2] 2021-09-15T18:27:02Z GetSecretValue",
      "- Who:                        arn:aws:iam::486183375590:user/mallory",
      "- What:                       secretsmanager.amazonaws.com GetSecretValue",
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_LT(static_cast<std::size_t>(start - lines.begin()) + i, lines.size());
    EXPECT_EQ(*(start + static_cast<std::ptrdiff_t>(i)), expected[i]) << i;
  }
  EXPECT_NE(body.find("- Error Code:                 AccessDenied\n"), std::string::npos);
  EXPECT_NE(body.find("- Event ID:                   00000002\n\n\n--\n"), std::string::npos);
}

TEST(MetricAlarmEmail, ListsAtMostTenEvents) {
  std::vector<EventSummary> events;
  for (int i = 0; i < 12; ++i) events.push_back(Event(i % 10));
  const std::string body = MetricAlarmEmail(Cis310(), Cis310Transition(), events, {});
  EXPECT_NE(body.find("The first 10 of 12 contributing events:\n"), std::string::npos);
  EXPECT_NE(body.find("\n[10] "), std::string::npos);
  EXPECT_EQ(body.find("\n[11] "), std::string::npos);
}

TEST(CompositeAlarmEmail, Layout) {
  CompositeAlarmInfo info;
  info.name = "Breach";
  info.arn = "arn:aws:cloudwatch:us-east-1:427809481713:alarm:Breach";
  info.account = "427809481713";
  info.region = "us-east-1";
  info.alarm_rule = "ALARM(Disk) AND ALARM(CPU)";
  info.alarm_actions = {"arn:aws:sns:us-east-1:427809481713:ops"};
  alarm::Transition t;
  t.time_ms = Ms("2022-11-06T17:43:53.201Z");
  t.old_state = alarm::State::kOk;
  t.new_state = alarm::State::kAlarm;
  t.reason = "forced test reason";
  const std::vector<TriggeringChild> children = {
      {"arn:aws:cloudwatch:us-east-1:427809481713:alarm:Disk", alarm::State::kAlarm,
       Ms("2022-11-06T17:43:50Z")}};
  const std::vector<std::string> lines = SplitLines(CompositeAlarmEmail(info, t, children, {}, {}));
  const std::vector<std::string> expected = {
      "You are receiving this email because your Amazon CloudWatch Alarm \"Breach\" in the US "
      "East (N. Virginia) region has transitioned to ALARM state on Sunday 06 November, 2022 "
      "17:43:53 UTC, because \"forced test reason\".",
      "",
      "View this alarm in the AWS Management Console:",
      "https://us-east-1.console.aws.amazon.com/cloudwatch/"
      "deeplink.js?region=us-east-1#alarmsV2:alarm/Breach",
      "",
      "Alarm Details:",
      "- Name:                       Breach",
      "- Description:",
      "- State Change:               OK -> ALARM",
      "- Reason for State Change:    forced test reason",
      "- Timestamp:                  Sunday 06 November, 2022 17:43:53 UTC",
      "- AWS Account:                427809481713",
      "- Alarm Arn:                  arn:aws:cloudwatch:us-east-1:427809481713:alarm:Breach",
      "- Alarm Rule:                 ALARM(Disk) AND ALARM(CPU)",
      "",
      "Triggering children (max. 10):",
      "- arn:aws:cloudwatch:us-east-1:427809481713:alarm:Disk: ALARM at Sunday 06 November, "
      "2022 17:43:50 UTC",
      "",
      "",
      "State Change Actions:",
      "- OK:",
      "- ALARM: [arn:aws:sns:us-east-1:427809481713:ops]",
      "- INSUFFICIENT_DATA:",
      "",
      "",
      "--",
      "Please do not reply directly to this email.",
  };
  ASSERT_EQ(lines.size(), expected.size());
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i], expected[i]) << "line " << i;
}

}  // namespace
}  // namespace trailwatch::notify
