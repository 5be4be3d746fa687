// FilterLogEvents answers as aws::ParseLogEventsPage reads them (the calls themselves run
// against moto server in tests/e2e/logs_e2e.py).
#include "aws/logs.h"

#include <gtest/gtest.h>

#include <string>

namespace trailwatch::aws {
namespace {

TEST(LogEventsPage, EventsTokenAndBodyKept) {
  const std::string body =
      R"({"events":[{"logStreamName":"s","timestamp":1722470400000,"message":"{\"a\":1}",)"
      R"("ingestionTime":1722470400100,"eventId":"37"},{"timestamp":"bad","message":null}],)"
      R"("searchedLogStreams":[],"nextToken":"next/1"})";
  auto page = ParseLogEventsPage(body, "logs://g");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].timestamp_ms, 1722470400000);
  EXPECT_EQ(page->events[0].event_id, "37");
  EXPECT_EQ(page->events[0].message, R"({"a":1})");
  EXPECT_EQ(page->events[1].timestamp_ms, 0) << "a field of the wrong type counts as absent";
  EXPECT_EQ(page->events[1].message, "");
  EXPECT_EQ(page->next_token, "next/1");
  EXPECT_EQ(page->body, body);
}

TEST(LogEventsPage, NullTokenEndsAndNonJsonIsAnError) {
  auto last = ParseLogEventsPage(R"({"events":[],"nextToken":null})", "logs://g");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->next_token.empty());
  auto bad = ParseLogEventsPage("<html>", "logs://g");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "logs://g: FilterLogEvents answered no JSON");
}

}  // namespace
}  // namespace trailwatch::aws
