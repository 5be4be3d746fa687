#include "app/timeline_output.h"

#include "common/json_text.h"
#include "common/time.h"
#include "notify/notify.h"

namespace trailwatch::app {

TimelinePrinter::TimelinePrinter(const rules::RuleSet& set, const rules::LoadOptions& load,
                                 bool dry_run, std::int64_t config_updated_ms)
    : load_(load), dry_run_(dry_run), config_updated_ms_(config_updated_ms) {
  for (const rules::MetricAlarm& a : set.alarms) alarms_[a.config.name] = &a;
  for (const rules::CompositeAlarm& c : set.composites) composites_[c.name] = &c;
  for (const rules::Topic& t : set.topics) topics_[t.arn] = &t;
}

void TimelinePrinter::Print(const alarm::TimelineEntry& e,
                            const std::vector<std::string>& summaries, std::string* out) const {
  *out += "{\"type\":\"alarm\",\"time\":";
  AppendJsonString(out, FormatIso8601(e.time_ms));
  *out += ",\"alarm\":";
  AppendJsonString(out, e.alarm);
  *out += ",\"arn\":";
  AppendJsonString(out, e.alarm_arn);
  *out += e.composite ? ",\"composite\":true" : "";
  *out += ",\"old\":";
  AppendJsonString(out, alarm::StateName(e.transition.old_state));
  *out += ",\"new\":";
  AppendJsonString(out, alarm::StateName(e.transition.new_state));
  *out += ",\"reason\":";
  AppendJsonString(out, e.transition.reason);
  if (!e.transition.reason_data.empty()) *out += ",\"reasonData\":" + e.transition.reason_data;
  *out += ",\"actions\":[";
  for (std::size_t i = 0; i < e.transition.actions.size(); ++i) {
    if (i > 0) *out += ',';
    AppendJsonString(out, e.transition.actions[i]);
  }
  *out += "],\"events\":[";
  for (std::size_t i = 0; i < e.events.size(); ++i) {
    if (i > 0) *out += ',';
    *out += summaries[static_cast<std::size_t>(e.events[i])];
  }
  *out += ']';
  if (dry_run_) AppendNotifications(e, out);
  *out += "}\n";
}

// One entry per SNS topic among the transition's actions (other actions publish no message):
// the Subject and Message CloudWatch would publish, and the subscriptions the rule files give
// that topic.
void TimelinePrinter::AppendNotifications(const alarm::TimelineEntry& e, std::string* out) const {
  std::string message;
  if (e.composite) {
    auto it = composites_.find(e.alarm);
    if (it == composites_.end()) return;
    const rules::CompositeAlarm& c = *it->second;
    notify::CompositeAlarmInfo info{c.name,           c.description,   e.alarm_arn,
                                    load_.account_id, load_.region,    c.alarm_rule,
                                    c.ok_actions,     c.alarm_actions, c.insufficient_data_actions};
    message = notify::CompositeAlarmMessage(info, e.transition, e.triggering);
  } else {
    auto it = alarms_.find(e.alarm);
    if (it == alarms_.end()) return;
    message = notify::MetricAlarmMessage(it->second->config, e.transition, config_updated_ms_);
  }
  const std::string subject = notify::AlarmSubject(e.transition.new_state, e.alarm, load_.region);
  *out += ",\"notifications\":[";
  bool first = true;
  for (const std::string& action : e.transition.actions) {
    if (!notify::IsSnsTopicArn(action)) continue;
    *out += first ? "{\"topic\":" : ",{\"topic\":";
    first = false;
    AppendJsonString(out, action);
    *out += ",\"subject\":";
    AppendJsonString(out, subject);
    *out += ",\"message\":";
    AppendJsonString(out, message);
    *out += ",\"subscriptions\":[";
    if (auto t = topics_.find(action); t != topics_.end()) {
      for (std::size_t i = 0; i < t->second->subscriptions.size(); ++i) {
        const rules::Subscription& s = t->second->subscriptions[i];
        *out += i > 0 ? ",{\"protocol\":" : "{\"protocol\":";
        AppendJsonString(out, s.protocol);
        *out += ",\"endpoint\":";
        AppendJsonString(out, s.endpoint);
        *out += '}';
      }
    }
    *out += "]}";
  }
  *out += ']';
}

}  // namespace trailwatch::app
