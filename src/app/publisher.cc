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

std::string SubscriptionArn(std::string_view topic_arn, const rules::Subscription& s) {
  return fmt::format("{}:{}", topic_arn,
                     StableUuid(fmt::format("{}|{}|{}", topic_arn, s.protocol, s.endpoint)));
}

std::vector<rules::Subscription> Publisher::SubscriptionsOf(std::string_view topic_arn) const {
  std::vector<rules::Subscription> subs;
  if (auto t = topics_.find(topic_arn); t != topics_.end()) subs = t->second->subscriptions;
  const std::string_view topic_name = topic_arn.substr(topic_arn.rfind(':') + 1);
  if (auto x = options_.extra.find(std::string(topic_name)); x != options_.extra.end()) {
    subs.insert(subs.end(), x->second.begin(), x->second.end());
  }
  return subs;
}

std::vector<SubscriptionRef> Publisher::Subscriptions() const {
  std::vector<SubscriptionRef> out;
  for (const auto& [arn, topic] : topics_) {
    for (rules::Subscription& s : SubscriptionsOf(arn)) {
      out.push_back({arn, SubscriptionArn(arn, s), std::move(s)});
    }
  }
  return out;
}

Result<notify::Delivery> Publisher::Confirmation(const SubscriptionRef& s, std::string_view token,
                                                 std::string_view subscribe_base,
                                                 std::int64_t now_ms) const {
  auto protocol = notify::ParseProtocol(s.subscription.protocol);
  if (!protocol.ok()) return protocol.status();
  if (options_.signer == nullptr) return Status::InvalidArgument("no signing key");
  notify::SnsMessage sns;
  sns.type = notify::SnsMessageType::kSubscriptionConfirmation;
  sns.message_id = StableUuid(fmt::format("confirm|{}|{}", s.subscription_arn, token));
  sns.topic_arn = s.topic_arn;
  sns.message = notify::SubscriptionConfirmationText(s.topic_arn);
  sns.timestamp_ms = now_ms;
  sns.token = std::string(token);
  sns.subscribe_url = notify::SubscribeUrl(subscribe_base, s.topic_arn, token);
  auto body = notify::EnvelopeJson(sns, *options_.signer);
  if (!body.ok()) return body.status();
  notify::Delivery d;
  d.protocol = *protocol;
  d.endpoint = s.subscription.endpoint;
  d.message_id = sns.message_id;
  d.time_ms = now_ms;
  d.body = std::move(*body);
  if (*protocol != notify::Protocol::kEmailJson) d.headers = notify::EnvelopeHeaders(sns);
  return d;
}

Publisher::Publisher(const rules::RuleSet& set, PublisherOptions options)
    : set_(set), options_(std::move(options)) {
  for (const rules::MetricAlarm& a : set_.alarms) alarms_[a.config.name] = &a;
  for (const rules::CompositeAlarm& c : set_.composites) composites_[c.name] = &c;
  for (const rules::Topic& t : set_.topics) topics_[t.arn] = &t;
}

std::vector<Publication> Publisher::Render(const alarm::TimelineEntry& e,
                                           const std::vector<std::string>& events,
                                           std::vector<std::string>* skipped,
                                           Notice* notice) const {
  const rules::MetricAlarm* metric = nullptr;
  const rules::CompositeAlarm* composite = nullptr;
  if (e.composite) {
    auto it = composites_.find(e.alarm);
    if (it == composites_.end()) return {};
    composite = it->second;
  } else {
    auto it = alarms_.find(e.alarm);
    if (it == alarms_.end()) return {};
    metric = it->second;
  }
  const rules::LoadOptions& load = options_.load;
  Message m;
  notify::CompositeAlarmInfo info;
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
    m.message = notify::CompositeAlarmMessage(info, e.transition, e.triggering);
  } else {
    m.message =
        notify::MetricAlarmMessage(metric->config, e.transition, options_.config_updated_ms);
  }
  m.change =
      fmt::format("{}|{}|{}", e.alarm_arn, e.time_ms, alarm::StateName(e.transition.new_state));
  m.subject = notify::AlarmSubject(e.transition.new_state, e.alarm, load.region);
  m.time_ms = e.time_ms;
  m.reason = e.transition.reason;
  if (!options_.email.alarm_link_base.empty()) m.link = options_.email.alarm_link_base + e.alarm;
  m.events = ParseEventSummaries(events);
  m.topics = e.transition.actions;
  m.source = e.alarm;
  const std::vector<notify::EventSummary>* summaries = &m.events;
  m.email = [&, summaries](const notify::EmailOptions& eo) {
    return composite ? notify::CompositeAlarmEmail(info, e.transition, e.triggering, *summaries, eo)
                     : notify::MetricAlarmEmail(metric->config, e.transition, *summaries, eo);
  };
  return Publish(m, skipped, notice);
}

std::vector<Publication> Publisher::RenderAlert(const AlertLine& alert,
                                                std::vector<std::string>* skipped,
                                                Notice* notice) const {
  Message m;
  m.message = alert.text;
  while (!m.message.empty() && m.message.back() == '\n') m.message.pop_back();
  const auto j = nlohmann::json::parse(m.message, nullptr, false);
  notify::DetectionAlertInfo info;
  info.detection = alert.detection;
  info.severity = j.is_object() ? Get(j, "severity") : "";
  info.region = options_.load.region;
  info.time_ms = alert.time_ms;
  info.count = j.is_object() ? j.value("count", std::uint64_t{0}) : 0;
  info.rollup = j.is_object() && j.value("rollup", false);
  m.change = fmt::format("alert|{}", m.message);
  m.subject = notify::DetectionSubject(info.severity, alert.detection, options_.load.region);
  m.time_ms = alert.time_ms;
  m.reason = fmt::format("{} matching {} ({} severity)", info.count,
                         info.count == 1 ? "event" : "events", info.severity);
  m.events = ParseEventSummaries(alert.events);
  m.topics = alert.actions;
  m.source = alert.detection;
  const std::vector<notify::EventSummary>* summaries = &m.events;
  m.email = [&info, summaries](const notify::EmailOptions& eo) {
    return notify::DetectionEmail(info, *summaries, eo);
  };
  return Publish(m, skipped, notice);
}

std::vector<Publication> Publisher::Publish(const Message& m, std::vector<std::string>* skipped,
                                            Notice* notice) const {
  if (notice) *notice = {m.subject, m.reason, m.time_ms, m.events};
  std::vector<Publication> out;
  for (const std::string& topic_arn : m.topics) {
    if (!notify::IsSnsTopicArn(topic_arn)) continue;
    const std::vector<rules::Subscription> subs = SubscriptionsOf(topic_arn);
    Publication pub;
    pub.label = {topic_arn, m.source};
    // One SNS message per publish: its id is shared by every subscriber of the topic.
    const std::string message_id = StableUuid(m.change + "|" + topic_arn);
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
      d.time_ms = m.time_ms;
      const std::string subscription_arn = SubscriptionArn(topic_arn, s);
      notify::SnsMessage sns;
      sns.message_id = message_id;
      sns.topic_arn = topic_arn;
      sns.subscription_arn = subscription_arn;
      sns.subject = m.subject;
      sns.message = m.message;
      sns.timestamp_ms = m.time_ms;
      switch (*protocol) {
        case notify::Protocol::kEmail: {
          notify::EmailOptions eo = options_.email;
          eo.subscription_arn = subscription_arn;
          eo.endpoint = s.endpoint;
          d.subject = m.subject;
          d.body = m.email(eo);
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
            if (skipped) {
              skipped->push_back(s.protocol + " " + s.endpoint + ": " + body.status().message());
            }
            continue;
          }
          d.body = std::move(*body);
          if (*protocol != notify::Protocol::kEmailJson) d.headers = notify::EnvelopeHeaders(sns);
          break;
        }
        case notify::Protocol::kSlack:
          d.body = notify::SlackPayload(m.subject, m.reason, m.link, m.events);
          break;
        case notify::Protocol::kSns:
          d.subject = m.subject;
          d.body = m.message;
          break;
        case notify::Protocol::kFile:
          d.body =
              notify::FileLine(m.time_ms, message_id, topic_arn, m.subject, m.message, m.events);
          break;
      }
      pub.deliveries.push_back(std::move(d));
    }
    if (!pub.deliveries.empty()) out.push_back(std::move(pub));
  }
  return out;
}

}  // namespace trailwatch::app
