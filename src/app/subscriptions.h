// SNS's subscription confirmation for http and https subscribers (spec cloudwatch.md §4.5):
// the first time the daemon runs with a subscription it sends the endpoint a signed
// SubscriptionConfirmation whose SubscribeURL points back at the daemon
// (`<daemon>/sns/?Action=ConfirmSubscription&TopicArn=…&Token=…`); visiting it confirms, as
// SNS-aware receivers do on their own. Notifications are delivered whether or not the
// subscription is confirmed: the operator configured the endpoint, and withholding alerts from
// a receiver that ignores confirmations would lose them (docs/notifications.md).
#ifndef TRAILWATCH_APP_SUBSCRIPTIONS_H_
#define TRAILWATCH_APP_SUBSCRIPTIONS_H_

#include <string>

#include "app/publisher.h"
#include "common/clock.h"
#include "common/status.h"
#include "notify/notify.h"
#include "server/server.h"
#include "store/store.h"

namespace trailwatch::app {

class Confirmations {
 public:
  // `subscribe_base`: the SubscribeURL before its query ("http://127.0.0.1:4580/sns/").
  Confirmations(store::Store* store, const Publisher* publisher, std::string subscribe_base,
                const Clock& clock);

  // Queues a SubscriptionConfirmation for each http/https subscription that has never had
  // one, and records its token (store checkpoint "sns:subscription:<subscription ARN>").
  Status SendNew(notify::Outbox* outbox);

  // GET /sns/?Action=ConfirmSubscription&TopicArn=…&Token=…: AWS's ConfirmSubscriptionResponse
  // (XML) for a known token, AWS's ErrorResponse otherwise.
  server::Reply Confirm(const aws::HttpRequest& request);

  // {"subscriptions":[{"topicArn","subscriptionArn","protocol","endpoint","status"}]}; status
  // is "PendingConfirmation", "Confirmed" or, for protocols SNS does not ask to confirm here
  // (email, slack, file), "NotRequired".
  std::string ListJson() const;

 private:
  store::Store* store_;
  const Publisher* publisher_;
  std::string subscribe_base_;
  const Clock& clock_;
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_SUBSCRIPTIONS_H_
