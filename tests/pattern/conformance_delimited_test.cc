// Conformance with shared/spec/cloudwatch.md §1.4 (space-delimited patterns). Every case runs
// through the public API (Compile + Matcher); where the spec marks behaviour [UNDOC]/[CONFLICT],
// the tests pin the choices written down in docs/filter-patterns.md.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "pattern/conformance.h"

namespace trailwatch::pattern {
namespace {

// ---------------------------------------------------------------------------------------------
// §1.4 Space-delimited patterns
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kS1 =
    R"(127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534)";

TEST(DelimitedConformance, EventS1) {
  RunCases({
      {"[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]", kS1, true,
       ExtractedValues{{"$ip", "127.0.0.1"},
                       {"$user", "Prod"},
                       {"$username", "frank"},
                       {"$timestamp", "10/Oct/2000:13:25:15 -0700"},
                       {"$request", "GET /index.html HTTP/1.0"},
                       {"$status_code", "404"},
                       {"$bytes", "1534"}}},
      {R"([ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes])",
       kS1, true},
      {"[..., request =*.html*, status_code = 4*, bytes]", kS1, true,
       ExtractedValues{{"$1", "127.0.0.1"},
                       {"$2", "Prod"},
                       {"$3", "frank"},
                       {"$4", "10/Oct/2000:13:25:15 -0700"},
                       {"$request", "GET /index.html HTTP/1.0"},
                       {"$status_code", "404"},
                       {"$bytes", "1534"}}},
      {"[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = "
       "410, bytes]",
       kS1, true},
      {"[ip, server, username, timestamp, request, status_code, bytes > 1000]", kS1, true,
       ExtractedValues{{"$ip", "127.0.0.1"},
                       {"$server", "Prod"},
                       {"$username", "frank"},
                       {"$timestamp", "10/Oct/2000:13:25:15 -0700"},
                       {"$request", "GET /index.html HTTP/1.0"},
                       {"$status_code", "404"},
                       {"$bytes", "1534"}}},

      // Derived variations that must fail.
      {R"([ip=%127\.0\.0\.[2-9]%, user, username, timestamp, request, status_code, bytes])", kS1,
       false},
      {"[..., request =*.gif*, status_code = 4*, bytes]", kS1, false},
      {"[..., status_code = 5*, bytes]", kS1, false},
      {"[ip, user, username, timestamp, request, status_code = 403 || status_code = 410, bytes]",
       kS1, false},
      {"[ip, server, username, timestamp, request, status_code, bytes > 2000]", kS1, false},
  });
}

TEST(DelimitedConformance, OlderSyntaxExamplesParse) {
  ExpectCompiles({
      "[..., status_code, bytes]",
      "[ip, user, ..., status_code, bytes]",
      "[ip, user, ...]",
      "[ip, user, username, timestamp, request, status_code = 200, bytes]",
      "[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]",
      "[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]",
  });
}

constexpr std::string_view kApache2014[] = {
    R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355)",
};

TEST(DelimitedConformance, TestMetricFilter2014) {
  constexpr std::string_view kAll =
      "[ip, identity, user_id, timestamp, request, status_code, size]";
  constexpr std::string_view kSize = "[..., size]";
  constexpr std::string_view kStatus = "[..., status_code=200, size]";
  RunCases({
      {kAll, kApache2014[0], true,
       ExtractedValues{{"$ip", "127.0.0.1"},
                       {"$identity", "-"},
                       {"$user_id", "frank"},
                       {"$timestamp", "10/Oct/2000:13:25:15 -0700"},
                       {"$request", "GET /apache_pb.gif HTTP/1.0"},
                       {"$status_code", "200"},
                       {"$size", "1534"}}},
      {kAll, kApache2014[1], true},
      {kAll, kApache2014[2], true},

      {kSize, kApache2014[0], true,
       ExtractedValues{{"$1", "127.0.0.1"},
                       {"$2", "-"},
                       {"$3", "frank"},
                       {"$4", "10/Oct/2000:13:25:15 -0700"},
                       {"$5", "GET /apache_pb.gif HTTP/1.0"},
                       {"$6", "200"},
                       {"$size", "1534"}}},
      {kSize, kApache2014[1], true},
      {kSize, kApache2014[2], true},

      {"[]", kApache2014[0], true,
       ExtractedValues{{"$1", "127.0.0.1"},
                       {"$2", "-"},
                       {"$3", "frank"},
                       {"$4", "10/Oct/2000:13:25:15 -0700"},
                       {"$5", "GET /apache_pb.gif HTTP/1.0"},
                       {"$6", "200"},
                       {"$7", "1534"}}},
      {"[]", kApache2014[1], true},
      {"[]", kApache2014[2], true},

      {kStatus, kApache2014[0], true,
       ExtractedValues{{"$1", "127.0.0.1"},
                       {"$2", "-"},
                       {"$3", "frank"},
                       {"$4", "10/Oct/2000:13:25:15 -0700"},
                       {"$5", "GET /apache_pb.gif HTTP/1.0"},
                       {"$status_code", "200"},
                       {"$size", "1534"}}},
      {kStatus, kApache2014[1], false},
      {kStatus, kApache2014[2], true,
       ExtractedValues{{"$1", "127.0.0.1"},
                       {"$2", "-"},
                       {"$3", "frank"},
                       {"$4", "10/Oct/2000:13:50:35 -0700"},
                       {"$5", "GET /apache_pb.gif HTTP/1.0"},
                       {"$status_code", "200"},
                       {"$size", "4355"}}},
  });
}

TEST(DelimitedConformance, TestMetricFilter2014TrailingEmptySlot) {
  constexpr std::string_view kEvents[] = {
      R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534)",
      R"(127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /about-us/index.html HTTP/1.0" 200 5324)",
      R"(127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 404 4355)",
      R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /products/index.html HTTP/1.0" 400 1534)",
  };
  constexpr std::string_view kPattern = "[..., request=*.html*, status_code=4*,]";
  RunCases({
      {kPattern, kEvents[0], true,
       ExtractedValues{{"$1", "127.0.0.1"},
                       {"$2", "-"},
                       {"$3", "frank"},
                       {"$4", "10/Oct/2000:13:25:15 -0700"},
                       {"$request", "GET /index.html HTTP/1.0"},
                       {"$status_code", "404"},
                       {"$7", "1534"}}},
      {kPattern, kEvents[1], false},
      {kPattern, kEvents[2], false},
      {kPattern, kEvents[3], true,
       ExtractedValues{{"$1", "127.0.0.1"},
                       {"$2", "-"},
                       {"$3", "frank"},
                       {"$4", "10/Oct/2000:13:25:15 -0700"},
                       {"$request", "GET /products/index.html HTTP/1.0"},
                       {"$status_code", "400"},
                       {"$7", "1534"}}},
  });
}

TEST(DelimitedConformance, ApacheAnd404Examples) {
  constexpr std::string_view kPattern = "[ip, id, user, timestamp, request, status_code=404, size]";
  constexpr std::string_view kFourXx = "[ip, id, user, timestamp, request, status_code=4*, size]";
  RunCases({
      {kPattern,
       R"(127.0.0.1 - bob [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 404 2326)",
       true,
       ExtractedValues{{"$ip", "127.0.0.1"},
                       {"$id", "-"},
                       {"$user", "bob"},
                       {"$timestamp", "10/Oct/2000:13:55:36 -0700"},
                       {"$request", "GET /apache_pb.gif HTTP/1.0"},
                       {"$status_code", "404"},
                       {"$size", "2326"}}},
      {kPattern,
       R"(127.0.0.1 - bob [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326)",
       false},
      {kFourXx, R"(127.0.0.1 - - [24/Sep/2013:11:49:52 -0700] "GET /index.html HTTP/1.1" 404 287)",
       true},
      {kFourXx, R"(127.0.0.1 - - [24/Sep/2013:11:50:51 -0700] "GET /~test/ HTTP/1.1" 200 3)",
       false},
      {kFourXx, R"(127.0.0.1 - - [24/Sep/2013:11:50:51 -0700] "GET /favicon.ico HTTP/1.1" 404 308)",
       true},
  });
}

constexpr std::string_view kW[] = {
    "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200",
    "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310",
    "WARNING 09/25/2014 12:00:02 Invalid user request",
    "ERROR 09/25/2014 12:00:02 Failed to process request",
};

TEST(DelimitedConformance, WExamples) {
  constexpr std::string_view kError = "[w1=ERROR, w2]";
  constexpr std::string_view kErrorOrWarning = "[w1=ERROR || w1=WARNING, w2]";
  constexpr std::string_view kNeither = "[w1!=ERROR && w1!=WARNING, w2]";
  constexpr std::string_view kErrorOrWarnRegex = "[w1=ERROR || w1=%WARN%, w2]";
  constexpr std::string_view kUrl =
      "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]";
  constexpr std::string_view kPartUrl =
      "[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, "
      "response_time]";
  RunCases({
      // Without '...' the last field takes the rest of the line.
      {kError, kW[0], false},
      {kError, kW[1], false},
      {kError, kW[2], false},
      {kError, kW[3], true,
       ExtractedValues{{"$w1", "ERROR"}, {"$w2", "09/25/2014 12:00:02 Failed to process request"}}},

      {kErrorOrWarning, kW[0], false},
      {kErrorOrWarning, kW[1], false},
      {kErrorOrWarning, kW[2], true,
       ExtractedValues{{"$w1", "WARNING"}, {"$w2", "09/25/2014 12:00:02 Invalid user request"}}},
      {kErrorOrWarning, kW[3], true},

      {kNeither, kW[0], true,
       ExtractedValues{{"$w1", "INFO"},
                       {"$w2", "09/25/2014 12:00:00 GET /service/resource/67 1200"}}},
      {kNeither, kW[1], true},
      {kNeither, kW[2], false},
      {kNeither, kW[3], false},

      {kErrorOrWarnRegex, kW[0], false},
      {kErrorOrWarnRegex, kW[1], false},
      {kErrorOrWarnRegex, kW[2], true},
      {kErrorOrWarnRegex, kW[3], true},

      {kUrl, kW[0], true,
       ExtractedValues{{"$logLevel", "INFO"},
                       {"$date", "09/25/2014"},
                       {"$time", "12:00:00"},
                       {"$method", "GET"},
                       {"$url", "/service/resource/67"},
                       {"$response_time", "1200"}}},
      {kUrl, kW[1], false},
      {kUrl, kW[2], false},
      {kUrl, kW[3], false},

      {kPartUrl, kW[0], false},
      {kPartUrl, kW[1], true,
       ExtractedValues{{"$logLevel", "INFO"},
                       {"$date", "09/25/2014"},
                       {"$time", "12:00:01"},
                       {"$method", "POST"},
                       {"$url", "/service/resource/67/part/111"},
                       {"$response_time", "1310"}}},
      {kPartUrl, kW[2], false},
      {kPartUrl, kW[3], false},
  });
}

// The older OR examples, under the chosen "last field takes the rest" rule.
TEST(DelimitedConformance, OlderOrExamplesAndFieldCount) {
  RunCases({
      {"[w1=ERROR, w2]", "ERROR message", true,
       ExtractedValues{{"$w1", "ERROR"}, {"$w2", "message"}}},
      {"[w1=ERROR || w1=WARN, w2]", "ERROR message", true},
      {"[w1=ERROR || w1=WARN, w2]", "WARN message", true},
      {"[w1=ERROR || w1=WARN, w2]", "INFO message", false},
      // [CONFLICT] the older doc says no; the chosen rule lets w2 absorb "WARN message".
      {"[w1=ERROR || w1=WARN, w2]", "ERROR WARN message", true,
       ExtractedValues{{"$w1", "ERROR"}, {"$w2", "WARN message"}}},
      // The event needs at least as many fields as the pattern.
      {"[w1=ERROR, w2]", "ERROR", false},
      {"[a, b, c]", "x y", false},
      {"[a, b, c]", "x y z", true, ExtractedValues{{"$a", "x"}, {"$b", "y"}, {"$c", "z"}}},
      {"[a, b]", "x y z", true, ExtractedValues{{"$a", "x"}, {"$b", "y z"}}},
      {"[a]", "x y z", true, ExtractedValues{{"$a", "x y z"}}},
      // With '...' the fields around it are anchored at both ends.
      {"[first, ..., last]", "x y z", true,
       ExtractedValues{{"$first", "x"}, {"$2", "y"}, {"$last", "z"}}},
      {"[first, ..., last]", "x z", true, ExtractedValues{{"$first", "x"}, {"$last", "z"}}},
      {"[first, ..., last]", "x", false},
      {"[...]", "x y", true, ExtractedValues{{"$1", "x"}, {"$2", "y"}}},
      // Numeric field conditions.
      {"[a, b > 1000]", "x 1534", true},
      {"[a, b > 1000]", "x 999", false},
      {"[a, b > 1000]", "x abc", false},
      {"[a, b = 404 || b = 410]", "x 410", true},
      {"[a, b = 404 || b = 410]", "x 411", false},
      {"[a, b != 404]", "x 200", true},
      {"[a, b != 404]", "x 404", false},
      // String fields are case sensitive.
      {"[w1=ERROR, w2]", "error message", false},
  });
}

}  // namespace
}  // namespace trailwatch::pattern
