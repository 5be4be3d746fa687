// The plain-text body SNS mails to `email` subscribers (spec cloudwatch.md 4.4), plus
// trailwatch's own "Who / What / Where / When" section.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "notify/notify.h"
#include "notify/text.h"

namespace trailwatch::notify {
namespace {

using alarm::State;

// Values start in column 31 under "Alarm Details" and column 40 under "Monitored Metric".
constexpr std::size_t kDetailsColumn = 31;
constexpr std::size_t kMetricColumn = 40;

// "- Label:" padded to `column` (0: one space), then the value. Without a value the line ends
// at the colon, as in AWS's mails ("- Description:").
void Line(std::string* out, std::string_view label, std::string_view value, std::size_t column) {
  const std::size_t start = out->size();
  *out += "- ";
  *out += label;
  *out += ':';
  if (!value.empty()) {
    const std::size_t used = out->size() - start;
    out->append(used + 1 < column ? column - 1 - used : 1, ' ');
    *out += value;
  }
  *out += '\n';
}

std::string Bracketed(const std::vector<std::string>& arns) {
  if (arns.empty()) return "";
  std::string out = "[";
  for (std::size_t i = 0; i < arns.size(); ++i) {
    if (i > 0) out += ", ";
    out += arns[i];
  }
  return out + "]";
}

std::string AlarmLink(const EmailOptions& o, std::string_view region, std::string_view name) {
  if (!o.alarm_link_base.empty()) return o.alarm_link_base + PercentEncode(name);
  return fmt::format(
      "https://{0}.console.aws.amazon.com/cloudwatch/deeplink.js?region={0}#alarmsV2:alarm/{1}",
      region, PercentEncode(name));
}

void ConsoleLink(std::string* out, const EmailOptions& o, std::string_view region,
                 std::string_view name) {
  *out += "View this alarm in the AWS Management Console:\n";
  *out += AlarmLink(o, region, name);
  *out += "\n\n";
}

// The shared head of "Alarm Details"; composites add their rule after it.
struct Details {
  std::string_view name;
  std::string_view description;
  const alarm::Transition* transition;
  std::string_view account;
  std::string_view arn;
};

void AlarmDetails(std::string* out, const Details& d) {
  *out += "Alarm Details:\n";
  Line(out, "Name", d.name, kDetailsColumn);
  Line(out, "Description", d.description, kDetailsColumn);
  Line(out, "State Change",
       fmt::format("{} -> {}", alarm::StateName(d.transition->old_state),
                   alarm::StateName(d.transition->new_state)),
       kDetailsColumn);
  Line(out, "Reason for State Change", d.transition->reason, kDetailsColumn);
  Line(out, "Timestamp", alarm::FormatLongTime(d.transition->time_ms), kDetailsColumn);
  Line(out, "AWS Account", d.account, kDetailsColumn);
  Line(out, "Alarm Arn", d.arn, kDetailsColumn);
}

void Actions(std::string* out, const std::vector<std::string>& ok,
             const std::vector<std::string>& alarm_actions,
             const std::vector<std::string>& insufficient) {
  *out += "State Change Actions:\n";
  Line(out, "OK", Bracketed(ok), 0);
  Line(out, "ALARM", Bracketed(alarm_actions), 0);
  Line(out, "INSUFFICIENT_DATA", Bracketed(insufficient), 0);
}

void EventLines(std::string* out, std::size_t index, const EventSummary& e) {
  *out += fmt::format("[{}] {} {}\n", index, e.event_time, e.event_name);
  // Unknown fields are left out (AWS's own blocks keep empty lines; this section is ours).
  auto known = [out](std::string_view label, std::string_view value) {
    if (!value.empty()) Line(out, label, value, kDetailsColumn);
  };
  Line(out, "Who", e.principal.empty() ? "unknown" : e.principal, kDetailsColumn);
  known("Access Key", e.access_key_id);
  Line(out, "What", fmt::format("{} {}", e.event_source, e.event_name), kDetailsColumn);
  known("Resource", e.resource);
  known("Error Code", e.error_code);
  known("Source IP", e.source_ip);
  known("User Agent", e.user_agent);
  known("Region", e.aws_region);
  known("Account", e.recipient_account_id);
  known("When", e.event_time);
  known("Event ID", e.event_id);
}

}  // namespace

std::string EventSummaryText(std::size_t index, const EventSummary& e) {
  std::string out;
  EventLines(&out, index, e);
  return out;
}

namespace {

// Ours, not AWS's: who did what, from where, when. Placed after AWS's blocks so that AWS's
// part of the body stays a verbatim prefix for anything that parses it.
void WhoWhatWhereWhen(std::string* out, const std::vector<EventSummary>& events) {
  if (events.empty()) return;
  const std::size_t listed = std::min(events.size(), kMaxListedEvents);
  *out += "\n\nWho / What / Where / When (trailwatch):\n";
  if (listed < events.size()) {
    *out += fmt::format("The first {} of {} contributing events:\n", listed, events.size());
  } else {
    *out += fmt::format("Contributing events: {}\n", listed);
  }
  for (std::size_t i = 0; i < listed; ++i) {
    *out += '\n';
    EventLines(out, i + 1, events[i]);
  }
}

// SNS's footer for every email subscription.
void Footer(std::string* out, const EmailOptions& o) {
  *out += "\n\n--\n";
  if (!o.unsubscribe_base.empty()) {
    *out +=
        "If you wish to stop receiving notifications from this topic, please click or visit the "
        "link below to unsubscribe:\n";
    *out += fmt::format("{}?SubscriptionArn={}&Endpoint={}\n\n", o.unsubscribe_base,
                        PercentEncode(o.subscription_arn), PercentEncode(o.endpoint));
  }
  *out += "Please do not reply directly to this email.\n";
}

std::string ThresholdSentence(const alarm::AlarmConfig& c) {
  return fmt::format(
      "The alarm is in the ALARM state when the metric is {} {} for at least {} of the last {} "
      "period(s) of {} seconds.",
      alarm::ComparisonName(c.comparison), alarm::JavaDouble(c.threshold), c.M(),
      c.evaluation_periods, c.period_seconds);
}

std::string DimensionsText(const metrics::MetricKey& m) {
  std::string out;
  for (const auto& [name, value] : m.dimensions) {
    if (!out.empty()) out += ' ';
    out += fmt::format("[{} = {}]", name, value);
  }
  return out;
}

}  // namespace

std::string MetricAlarmEmail(const alarm::AlarmConfig& c, const alarm::Transition& t,
                             const std::vector<EventSummary>& events, const EmailOptions& o) {
  std::string out = fmt::format(
      "You are receiving this email because your Amazon CloudWatch Alarm \"{}\" in the {} "
      "region has entered the {} state, because \"{}\" at \"{}\".\n\n",
      c.name, RegionDisplayName(c.region), alarm::StateName(t.new_state), t.reason,
      alarm::FormatLongTime(t.time_ms));
  ConsoleLink(&out, o, c.region, c.name);
  const std::string arn = c.Arn();
  AlarmDetails(&out, {c.name, c.description, &t, c.account, arn});
  out += "\nThreshold:\n- ";
  out += ThresholdSentence(c);
  out += "\n\nMonitored Metric:\n";
  Line(&out, "MetricNamespace", c.metric.name_space, kMetricColumn);
  Line(&out, "MetricName", c.metric.name, kMetricColumn);
  Line(&out, "Dimensions", DimensionsText(c.metric), kMetricColumn);
  Line(&out, "Period", fmt::format("{} seconds", c.period_seconds), kMetricColumn);
  Line(&out, "Statistic", c.statistic.Name(), kMetricColumn);
  Line(&out, "Unit", c.unit.value_or("not specified"), kMetricColumn);
  Line(&out, "TreatMissingData", alarm::TreatMissingName(c.treat_missing), kMetricColumn);
  out += "\n\n";
  Actions(&out, c.ok_actions, c.alarm_actions, c.insufficient_data_actions);
  WhoWhatWhereWhen(&out, events);
  Footer(&out, o);
  return out;
}

std::string CompositeAlarmEmail(const CompositeAlarmInfo& info, const alarm::Transition& t,
                                const std::vector<TriggeringChild>& triggering,
                                const std::vector<EventSummary>& events, const EmailOptions& o) {
  std::string out = fmt::format(
      "You are receiving this email because your Amazon CloudWatch Alarm \"{}\" in the {} "
      "region has transitioned to {} state on {}, because \"{}\".\n\n",
      info.name, RegionDisplayName(info.region), alarm::StateName(t.new_state),
      alarm::FormatLongTime(t.time_ms), t.reason);
  ConsoleLink(&out, o, info.region, info.name);
  AlarmDetails(&out, {info.name, info.description, &t, info.account, info.arn});
  Line(&out, "Alarm Rule", info.alarm_rule, kDetailsColumn);
  out += "\nTriggering children (max. 10):\n";
  for (std::size_t i = 0; i < triggering.size() && i < 10; ++i) {
    Line(&out, triggering[i].arn,
         fmt::format("{} at {}", alarm::StateName(triggering[i].state),
                     alarm::FormatLongTime(triggering[i].time_ms)),
         0);
  }
  out += "\n\n";
  Actions(&out, info.ok_actions, info.alarm_actions, info.insufficient_data_actions);
  WhoWhatWhereWhen(&out, events);
  Footer(&out, o);
  return out;
}

std::string DetectionEmail(const DetectionAlertInfo& a, const std::vector<EventSummary>& events,
                           const EmailOptions& o) {
  std::string out = fmt::format(
      "You are receiving this email because the trailwatch detection \"{}\" ({} severity) "
      "raised an alert in the {} region on {}: {} {} matched.\n",
      a.detection, a.severity, RegionDisplayName(a.region), alarm::FormatLongTime(a.time_ms),
      a.count, a.count == 1 ? "event" : "events");
  if (a.rollup) {
    out += "This is a roll-up: these events were held back by the detection's dedup window.\n";
  }
  WhoWhatWhereWhen(&out, events);
  Footer(&out, o);
  return out;
}

}  // namespace trailwatch::notify
