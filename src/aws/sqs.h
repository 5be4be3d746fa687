// SQS, where S3 and CloudTrail announce new log files: ReceiveMessage (long polling),
// DeleteMessage, ChangeMessageVisibilityBatch and GetQueueAttributes over Client (AWS JSON 1.0,
// signing, retries, credentials).
#ifndef TRAILWATCH_AWS_SQS_H_
#define TRAILWATCH_AWS_SQS_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "common/clock.h"
#include "common/status.h"

namespace trailwatch::aws {

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
};

class SqsQueue {
 public:
  // `queue`: a queue URL (https://sqs.us-east-1.amazonaws.com/123456789012/name, or a custom
  // endpoint's) or a name, resolved with GetQueueUrl at the first call.
  SqsQueue(std::string queue, ClientOptions options, const Clock& clock);
  ~SqsQueue();

  // Up to 10 messages, waiting up to `wait_seconds` (0-20) for the first; hidden from other
  // receivers for `visibility_seconds` (unset: the queue's VisibilityTimeout).
  Result<std::vector<SqsMessage>> Receive(int wait_seconds,
                                          std::optional<int> visibility_seconds = std::nullopt);
  Status Delete(const SqsMessage& message);
  // GetQueueAttributes: whether the queue is FIFO and after how many receives its redrive
  // policy moves a message to a dead-letter queue (nullopt: no dead-letter queue).
  struct Info {
    bool fifo = false;
    std::optional<int> max_receive_count;
  };
  Result<Info> Describe();
  // Makes received messages visible again at once (ChangeMessageVisibilityBatch, 0 s), ten per
  // request: handing them back unprocessed.
  Status Release(const std::vector<SqsMessage>& messages);
  const std::string& url() const { return url_; }

 private:
  Result<std::string> Call(std::string_view op, const std::string& body);
  Status ResolveUrl();

  std::string queue_;
  std::string url_;
  std::unique_ptr<Client> client_;
};

// SQS with the environment's settings (credentials.h): region, endpoint (AWS_ENDPOINT_URL_SQS,
// ...), the default credentials chain, 3 attempts.
Result<std::unique_ptr<SqsQueue>> OpenSqsQueue(const std::string& queue, const Environment& env,
                                               const Clock& clock);

// The S3 objects a message announces, as (bucket, key): S3 event notifications
// (ObjectCreated:*; keys URL-decoded), CloudTrail's notifications ({"s3Bucket",
// "s3ObjectKey":[...]}), EventBridge "Object Created" events, each raw or inside an SNS
// envelope. Empty for anything else (s3:TestEvent, ...). Errors for a body that is not JSON.
Result<std::vector<std::pair<std::string, std::string>>> AnnouncedObjects(std::string_view body);

}  // namespace trailwatch::aws

#endif  // TRAILWATCH_AWS_SQS_H_
