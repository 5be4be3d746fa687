// notify: what CloudWatch publishes to SNS for an alarm state change, byte for byte
// (spec cloudwatch.md section 4), so receivers that parse AWS's messages parse ours.
//
// This header holds the message formats; topics, subscriptions, the durable outbox and the
// deliverers build on them (design.md section 2).
#ifndef TRAILWATCH_NOTIFY_NOTIFY_H_
#define TRAILWATCH_NOTIFY_NOTIFY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alarm/alarm.h"

namespace trailwatch::notify {

// The long region name CloudWatch writes into alarm messages and subjects: "US East (N.
// Virginia)", "EU (Ireland)" (not the console's newer "Europe (...)"). An unknown code is
// returned as is.
std::string RegionDisplayName(std::string_view region);

// The SNS Subject of an alarm message (spec 4.3): `ALARM: "name" in US East (N. Virginia)`.
// A long name is cut and suffixed with "..." inside the quotes so that the subject has at
// most 99 characters (SNS wants fewer than 100); cuts never split a UTF-8 sequence.
std::string AlarmSubject(alarm::State new_state, std::string_view alarm_name,
                         std::string_view region);

// The alarm JSON of a metric alarm's state change (spec 4.2): the SNS `Message` that HTTP/S,
// SQS, Lambda and email-json subscribers receive, compact, keys in AWS's order.
// `config_updated_ms` is AlarmConfigurationUpdatedTimestamp: when the alarm was last put.
std::string MetricAlarmMessage(const alarm::AlarmConfig& config,
                               const alarm::Transition& transition, std::int64_t config_updated_ms);

// What a composite alarm message needs besides the transition.
struct CompositeAlarmInfo {
  std::string name;
  std::string description;  // empty: JSON null
  std::string arn;
  std::string account;
  std::string region;
  std::string alarm_rule;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
};

// A child alarm named in TriggeringChildren: its ARN and the state it changed to, when.
struct TriggeringChild {
  std::string arn;
  alarm::State state = alarm::State::kAlarm;
  std::int64_t time_ms = 0;
};

// The alarm JSON of a composite alarm's state change (spec 4.2, "Composite alarm JSON").
std::string CompositeAlarmMessage(const CompositeAlarmInfo& info,
                                  const alarm::Transition& transition,
                                  const std::vector<TriggeringChild>& triggering);

// True for an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<name>): the only alarm
// actions that publish these messages.
bool IsSnsTopicArn(std::string_view arn);

}  // namespace trailwatch::notify

#endif  // TRAILWATCH_NOTIFY_NOTIFY_H_
