// What SNS would send each subscriber when an alarm changes state (spec cloudwatch.md §4): the
// deliveries of every subscription of every SNS topic among the transition's actions, ready for
// the outbox. Message ids are derived from the change itself, so publishing the same change
// again (after a crash, say) gives the same ids and the outbox sends it once.
#ifndef TRAILWATCH_APP_PUBLISHER_H_
#define TRAILWATCH_APP_PUBLISHER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "alarm/timeline.h"
#include "app/scan_detections.h"
#include "common/status.h"
#include "notify/notify.h"
#include "rules/rules.h"

namespace trailwatch::app {

struct PublisherOptions {
  rules::LoadOptions load;
  std::int64_t config_updated_ms = 0;  // AlarmConfigurationUpdatedTimestamp
  // Signs the HTTP/S and email-json envelopes; without one those subscriptions are skipped
  // with an error.
  const notify::MessageSigner* signer = nullptr;
  notify::EmailOptions email;  // link bases; subscription ARN and endpoint are filled in
  // Subscriptions added by the config file, by topic name.
  std::map<std::string, std::vector<rules::Subscription>> extra;
};

// What a change or alert says, whoever subscribes: for the console and `demo`.
struct Notice {
  std::string subject;  // SNS Subject
  std::string reason;   // the state reason, or the alert's one-line summary
  std::int64_t time_ms = 0;
  std::vector<notify::EventSummary> events;
};

struct Publication {
  notify::OutboxLabel label;
  std::vector<notify::Delivery> deliveries;
};

// A subscription as SNS names it: "<topic ARN>:<UUID>", the UUID derived from the protocol and
// endpoint so that it is the same at every start.
struct SubscriptionRef {
  std::string topic_arn;
  std::string subscription_arn;
  rules::Subscription subscription;
};
std::string SubscriptionArn(std::string_view topic_arn, const rules::Subscription& s);

// The event summaries of a timeline line ({"eventTime","principal",…} objects) as the message
// renderers take them.
std::vector<notify::EventSummary> ParseEventSummaries(const std::vector<std::string>& events);

class Publisher {
 public:
  // `set` must outlive the publisher.
  Publisher(const rules::RuleSet& set, PublisherOptions options);

  // One Publication per SNS topic among the change's actions. Subscriptions whose protocol
  // trailwatch does not deliver (sqs, lambda, …) are skipped; `skipped` (optional) names them.
  // `notice` (optional) receives what the change says.
  std::vector<Publication> Render(const alarm::TimelineEntry& e,
                                  const std::vector<std::string>& events,
                                  std::vector<std::string>* skipped = nullptr,
                                  Notice* notice = nullptr) const;
  // The same for a detection alert: the SNS Message is the alert line itself.
  std::vector<Publication> RenderAlert(const AlertLine& alert,
                                       std::vector<std::string>* skipped = nullptr,
                                       Notice* notice = nullptr) const;

  // Every subscription of every topic the rule files define, with the config's, as Render
  // delivers to them.
  std::vector<SubscriptionRef> Subscriptions() const;
  // The signed SubscriptionConfirmation SNS sends an http/https (or email-json) subscriber,
  // whose SubscribeURL is `subscribe_base` + "?Action=ConfirmSubscription&TopicArn=…&Token=…".
  Result<notify::Delivery> Confirmation(const SubscriptionRef& s, std::string_view token,
                                        std::string_view subscribe_base, std::int64_t now_ms) const;

 private:
  struct Message {
    std::string change;   // what identifies the change, for message ids
    std::string subject;  // SNS Subject
    std::string message;  // SNS Message
    std::int64_t time_ms = 0;
    std::string reason;  // Slack's text under the subject
    std::string link;
    std::function<std::string(const notify::EmailOptions&)> email;  // the email body
    std::vector<notify::EventSummary> events;
    std::vector<std::string> topics;
    std::string source;  // the alarm or detection, for the outbox
  };
  std::vector<Publication> Publish(const Message& m, std::vector<std::string>* skipped,
                                   Notice* notice) const;
  std::vector<rules::Subscription> SubscriptionsOf(std::string_view topic_arn) const;

  const rules::RuleSet& set_;
  PublisherOptions options_;
  std::map<std::string, const rules::MetricAlarm*, std::less<>> alarms_;
  std::map<std::string, const rules::CompositeAlarm*, std::less<>> composites_;
  std::map<std::string, const rules::Topic*, std::less<>> topics_;
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_PUBLISHER_H_
