// The notifications an SQS queue carries, as aws::AnnouncedObjects reads them (the queue itself
// runs on moto server in tests/e2e/sqs_e2e.py).
#include "aws/sqs.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace trailwatch::aws {
namespace {

using Objects = std::vector<std::pair<std::string, std::string>>;

TEST(AnnouncedObjects, EveryNotificationShape) {
  const std::string s3_event =
      R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",)"
      R"("s3":{"bucket":{"name":"trail"},"object":{"key":"AWSLogs/1/a+b%3Dc.json.gz","size":9}}},)"
      R"({"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete",)"
      R"("s3":{"bucket":{"name":"trail"},"object":{"key":"gone"}}}]})";
  const std::string cloudtrail = R"({"s3Bucket":"trail","s3ObjectKey":["k1","k2"]})";
  std::string wrapped = R"({"Type":"Notification","MessageId":"m","Message":)";
  wrapped += "\"" + std::string(R"({\"s3Bucket\":\"trail\",\"s3ObjectKey\":[\"k3\"]})") + "\"}";
  const std::string eventbridge = R"({"detail-type":"Object Created","source":"aws.s3",)"
                                  R"("detail":{"bucket":{"name":"trail"},"object":{"key":"k4"}}})";
  const struct {
    std::string name;
    std::string body;
    Objects want;
  } cases[] = {
      {"S3 event, key form-decoded, deletions ignored",
       s3_event,
       {{"trail", "AWSLogs/1/a b=c.json.gz"}}},
      {"CloudTrail notification", cloudtrail, {{"trail", "k1"}, {"trail", "k2"}}},
      {"SNS-wrapped CloudTrail notification", wrapped, {{"trail", "k3"}}},
      {"EventBridge Object Created", eventbridge, {{"trail", "k4"}}},
      {"s3:TestEvent", R"({"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"trail"})", {}},
      {"JSON of another kind", "[1,2]", {}},
  };
  for (const auto& c : cases) {
    auto got = AnnouncedObjects(c.body);
    ASSERT_TRUE(got.ok()) << c.name << ": " << got.status().ToString();
    EXPECT_EQ(*got, c.want) << c.name;
  }
  EXPECT_FALSE(AnnouncedObjects("this is not json").ok());
}

}  // namespace
}  // namespace trailwatch::aws
