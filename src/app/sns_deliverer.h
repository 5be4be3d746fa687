// The `sns` subscription protocol: trailwatch publishes the alarm message to a real SNS topic
// (the subscription's endpoint is the topic ARN), so an existing SNS fan-out keeps working.
// It lives in app because notify (the outbox and the other deliverers) sits below the AWS
// clients (aws/sns.h).
#ifndef TRAILWATCH_APP_SNS_DELIVERER_H_
#define TRAILWATCH_APP_SNS_DELIVERER_H_

#include <memory>

#include "common/clock.h"
#include "notify/notify.h"

namespace trailwatch::app {

// Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; the endpoint
// from AWS_ENDPOINT_URL_SNS / AWS_ENDPOINT_URL, else AWS's for the topic's region. Throttling,
// 5xx and network trouble are retried (the outbox's SNS policy); other refusals (NotFound,
// AuthorizationError, no credentials) are not.
std::unique_ptr<notify::Deliverer> NewSnsDeliverer(const Clock& clock);

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_SNS_DELIVERER_H_
