// S3's ListObjectsV2 answers as aws::ParseListPage reads them (the listing itself runs against
// moto server in tests/e2e/s3_e2e.py).
#include "aws/s3.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trailwatch::aws {
namespace {

TEST(S3ListPage, ParsesKeysPrefixesAndTheNextToken) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>trail</Name>
<Prefix>AWSLogs/</Prefix><IsTruncated>true</IsTruncated>
<Contents><Key>AWSLogs/a&amp;b.json.gz</Key><Size>1234</Size></Contents>
<Contents><Key>AWSLogs/c.json.gz</Key><Size>7</Size></Contents>
<CommonPrefixes><Prefix>AWSLogs/o-abc/</Prefix></CommonPrefixes>
<NextContinuationToken>tok/en=</NextContinuationToken></ListBucketResult>)";
  auto page = ParseListPage(xml, "s3://trail/AWSLogs/");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "AWSLogs/a&b.json.gz");
  EXPECT_EQ(page->objects[0].size, 1234);
  EXPECT_EQ(page->common_prefixes, std::vector<std::string>{"AWSLogs/o-abc/"});
  EXPECT_EQ(page->next_token, "tok/en=");
}

TEST(S3ListPage, BadAnswersAreErrorsNamingTheListing) {
  const struct {
    std::string xml;
    std::string error;
  } cases[] = {
      {"not xml <", "s3://b/p: ListObjectsV2 answered no XML"},
      {"<Other/>", "s3://b/p: no ListBucketResult"},
      {"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
       "s3://b/p: a truncated listing without NextContinuationToken"},
  };
  for (const auto& c : cases) {
    auto page = ParseListPage(c.xml, "s3://b/p");
    ASSERT_FALSE(page.ok()) << c.xml;
    EXPECT_EQ(page.status().message().rfind(c.error, 0), 0u) << page.status().ToString();
  }
  auto last = ParseListPage("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>",
                            "s3://b/p");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->next_token.empty());
}

TEST(S3Errors, CodeFromXmlOrJsonAndWhatIsRetried) {
  const struct {
    int status;
    std::string body;
    std::string code;
    bool retry;
  } cases[] = {
      {503, "<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>", "SlowDown", true},
      {404, "<Error><Code>NoSuchBucket</Code></Error>", "NoSuchBucket", false},
      {400, R"({"__type":"com.amazonaws.logs#ThrottlingException"})", "ThrottlingException", true},
      {403, "<Error><Code>AccessDenied</Code></Error>", "AccessDenied", false},
      {429, "", "HTTP429", true},
      {500, "", "HTTP500", true},
      {200, "<Error><Code>X</Code></Error>", "", false},
  };
  for (const auto& c : cases) {
    Response r;
    r.status = c.status;
    r.body = c.body;
    EXPECT_EQ(ErrorCode(r), c.code) << c.body;
    EXPECT_EQ(IsRetryable(r), c.retry) << c.body;
  }
}

}  // namespace
}  // namespace trailwatch::aws
