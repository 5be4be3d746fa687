#include "app/publisher.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/encoding.h"

namespace trailwatch::app {
namespace {

// A UUID-shaped id (version 5 layout) from a SHA-256 of `seed`: the same change, topic and
// endpoint always give the same id.
std::string StableUuid(std::string_view seed) {
  std::string h = HexEncode(Sha256(seed)).substr(0, 32);
  h[12] = '5';
  h[16] = "89ab"[static_cast<unsigned char>(h[16]) % 4];
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4),
                     h.substr(16, 4), h.substr(20, 12));
}

std::string Get(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<notify::EventSummary> ParseEventSummaries(const std::vector<std::string>& events) {
  std::vector<notify::EventSummary> out;
  for (const std::string& text : events) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) continue;
    notify::EventSummary s;
    s.event_time = Get(j, "eventTime");
    s.principal = Get(j, "principal");
    s.access_key_id = Get(j, "accessKeyId");
    s.event_source = Get(j, "eventSource");
    s.event_name = Get(j, "eventName");
    s.resource = Get(j, "resource");
    s.error_code = Get(j, "errorCode");
    s.source_ip = Get(j, "sourceIPAddress");
    s.user_agent = Get(j, "userAgent");
    s.aws_region = Get(j, "awsRegion");
    s.recipient_account_id = Get(j, "recipientAccountId");
    s.event_id = Get(j, "eventID");
    out.push_back(std::move(s));
  }
  return out;
}

Publisher::Publisher(const rules::RuleSet& set, PublisherOptions options)
    : set_(set), options_(std::move(options)) {
  for (const rules::MetricAlarm& a : set_.alarms) alarms_[a.config.name] = &a;
  for (const rules::CompositeAlarm& c : set_.composites) composites_[c.name] = &c;
  for (const rules::Topic& t : set_.topics) topics_[t.arn] = &t;
}

std::vector<Publication> Publisher::Render(const alarm::TimelineEntry& e,
                                           const std::vector<std::string>& events,
                                           std::vector<std::string>* skipped) const {
  std::vector<Publication> out;
  const rules::MetricAlarm* metric = nullptr;
  const rules::CompositeAlarm* composite = nullptr;
  if (e.composite) {
    auto it = composites_.find(e.alarm);
    if (it == composites_.end()) return out;
    composite = it->second;
  } else {
    auto it = alarms_.find(e.alarm);
    if (it == alarms_.end()) return out;
    metric = it->second;
  }
  const rules::LoadOptions& load = options_.load;
  notify::CompositeAlarmInfo info;
  std::string message;
  if (composite) {
    info = {composite->name,
            composite->description,
            e.alarm_arn,
            load.account_id,
            load.region,
            composite->alarm_rule,
            composite->ok_actions,
            composite->alarm_actions,
            composite->insufficient_data_actions};
    message = notify::CompositeAlarmMessage(info, e.transition, e.triggering);
  } else {
    message = notify::MetricAlarmMessage(metric->config, e.transition, options_.config_updated_ms);
  }
  const std::string subject = notify::AlarmSubject(e.transition.new_state, e.alarm, load.region);
  const std::vector<notify::EventSummary> summaries = ParseEventSummaries(events);
  const std::string change =
      fmt::format("{}|{}|{}", e.alarm_arn, e.time_ms, alarm::StateName(e.transition.new_state));

  for (const std::string& topic_arn : e.transition.actions) {
    if (!notify::IsSnsTopicArn(topic_arn)) continue;
    std::vector<rules::Subscription> subs;
    if (auto t = topics_.find(topic_arn); t != topics_.end()) subs = t->second->subscriptions;
    const std::string topic_name = topic_arn.substr(topic_arn.rfind(':') + 1);
    if (auto x = options_.extra.find(topic_name); x != options_.extra.end()) {
      subs.insert(subs.end(), x->second.begin(), x->second.end());
    }
    Publication pub;
    pub.label = {topic_arn, e.alarm};
    // One SNS message per publish: its id is shared by every subscriber of the topic.
    const std::string message_id = StableUuid(change + "|" + topic_arn);
    for (const rules::Subscription& s : subs) {
      auto protocol = notify::ParseProtocol(s.protocol);
      if (!protocol.ok()) {
        if (skipped) skipped->push_back(s.protocol + " " + s.endpoint);
        continue;
      }
      notify::Delivery d;
      d.protocol = *protocol;
      d.endpoint = s.endpoint;
      d.message_id = message_id;
      d.time_ms = e.time_ms;
      const std::string subscription_arn =
          topic_arn + ":" + StableUuid(topic_arn + "|" + s.protocol + "|" + s.endpoint);
      notify::SnsMessage sns;
      sns.message_id = message_id;
      sns.topic_arn = topic_arn;
      sns.subscription_arn = subscription_arn;
      sns.subject = subject;
      sns.message = message;
      sns.timestamp_ms = e.time_ms;
      switch (*protocol) {
        case notify::Protocol::kEmail: {
          notify::EmailOptions eo = options_.email;
          eo.subscription_arn = subscription_arn;
          eo.endpoint = s.endpoint;
          d.subject = subject;
          d.body =
              composite
                  ? notify::CompositeAlarmEmail(info, e.transition, e.triggering, summaries, eo)
                  : notify::MetricAlarmEmail(metric->config, e.transition, summaries, eo);
          break;
        }
        case notify::Protocol::kEmailJson:
        case notify::Protocol::kHttp:
        case notify::Protocol::kHttps: {
          if (options_.signer == nullptr) {
            if (skipped) skipped->push_back(s.protocol + " " + s.endpoint + " (no signing key)");
            continue;
          }
          auto body = notify::EnvelopeJson(sns, *options_.signer);
          if (!body.ok()) {
            if (skipped)
              skipped->push_back(s.protocol + " " + s.endpoint + ": " + body.status().message());
            continue;
          }
          d.body = std::move(*body);
          if (*protocol != notify::Protocol::kEmailJson) d.headers = notify::EnvelopeHeaders(sns);
          break;
        }
        case notify::Protocol::kSlack:
          d.body = notify::SlackPayload(subject, e.transition.reason,
                                        options_.email.alarm_link_base.empty()
                                            ? std::string()
                                            : options_.email.alarm_link_base + e.alarm,
                                        summaries);
          break;
        case notify::Protocol::kFile:
          d.body = notify::FileLine(e.time_ms, message_id, topic_arn, subject, message, summaries);
          break;
      }
      pub.deliveries.push_back(std::move(d));
    }
    if (!pub.deliveries.empty()) out.push_back(std::move(pub));
  }
  return out;
}

}  // namespace trailwatch::app
