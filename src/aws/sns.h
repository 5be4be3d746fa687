// Amazon SNS Publish (the query protocol, XML answers): how trailwatch forwards alarm messages
// to a real SNS topic (the `sns` subscription protocol), so that teams keep their existing
// SNS fan-out (SQS, Lambda, PagerDuty…).
#ifndef TRAILWATCH_AWS_SNS_H_
#define TRAILWATCH_AWS_SNS_H_

#include <optional>
#include <string>
#include <string_view>

#include "aws/client.h"
#include "common/status.h"

namespace trailwatch::aws {

struct SnsPublish {
  std::string topic_arn;
  std::optional<std::string> subject;  // SNS: ASCII, at most 100 characters
  std::string message;
};

// The outcome of one Publish: the MessageId SNS assigned, or AWS's error.
struct SnsPublishResult {
  bool ok = false;
  std::string message_id;
  int http_status = 0;
  std::string error_code;  // "NotFound", "AuthorizationError", "Throttling", …
  std::string error_message;
  // Whether trying again later can succeed: throttling, 5xx, and expired or not yet valid
  // credentials and signatures (renewed credentials, a corrected clock).
  bool retryable = false;
};

// POSTs Action=Publish with `client` (whose service must be "sns"). Transport failures are
// errors (IoError); every HTTP answer is a result.
Result<SnsPublishResult> Publish(Client& client, const SnsPublish& publish);

// The endpoint for SNS in `region`: AWS_ENDPOINT_URL_SNS, else AWS_ENDPOINT_URL, else
// https://sns.<region>.amazonaws.com (the SDKs' endpoint override variables).
std::string SnsEndpoint(std::string_view region);

// The region of an SNS topic ARN ("arn:aws:sns:eu-west-1:123456789012:t" → "eu-west-1"), or
// "" when it is no topic ARN.
std::string TopicRegion(std::string_view topic_arn);

}  // namespace trailwatch::aws

#endif  // TRAILWATCH_AWS_SNS_H_
