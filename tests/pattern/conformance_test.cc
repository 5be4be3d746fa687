// Conformance of the filter pattern language with the cases collected in
// shared/spec/cloudwatch.md: §1 (regex, term, JSON and space-delimited patterns), §5.4 (the CIS
// patterns of §5.2 over minimal CloudTrail events) and §6 (Secrets Manager patterns).
//
// Every case runs through the public API (Compile + Matcher). Where the spec marks behaviour
// [UNDOC]/[CONFLICT], the tests pin the choices written down in docs/filter-patterns.md.
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pattern/pattern.h"

namespace trailwatch::pattern {
namespace {

struct Case {
  std::string_view pattern;
  std::string_view message;
  bool want_match;
  // Checked when set (and the event matches): the values AWS reports in extractedValues.
  std::optional<ExtractedValues> want_extracted = std::nullopt;
};

std::string Describe(const ExtractedValues& values) {
  std::string out = "{";
  for (const auto& [name, value] : values) {
    if (out.size() > 1) out += ", ";
    out += name + "=\"" + value + "\"";
  }
  return out + "}";
}

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "pattern: " << c.pattern << "\n    message: " << c.message);
    auto program = Compile(c.pattern);
    if (!program.ok()) {
      ADD_FAILURE() << "pattern does not compile: " << program.status().ToString();
      continue;
    }
    Matcher matcher(*program);
    const bool matched = matcher.Matches(c.message);
    EXPECT_EQ(matched, c.want_match)
        << "pattern " << c.pattern << " on message " << c.message
        << (c.want_match ? ": expected a match" : ": expected no match");
    if (matched && c.want_match && c.want_extracted) {
      const ExtractedValues got = matcher.Extracted();
      EXPECT_EQ(got, *c.want_extracted)
          << "extracted " << Describe(got) << ", want " << Describe(*c.want_extracted);
    }
  }
}

void ExpectCompiles(const std::vector<std::string_view>& patterns) {
  for (std::string_view p : patterns) {
    auto program = Compile(p);
    EXPECT_TRUE(program.ok()) << "pattern: " << p << "\n    error: " << program.status().ToString();
  }
}

// ---------------------------------------------------------------------------------------------
// §1.1 Regular expressions
// ---------------------------------------------------------------------------------------------

TEST(RegexConformance, DocTable) {
  RunCases({
      {"%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", true},
      {"%AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST", true},
      {"%AUTHORIZED%", "[SUCCESS 200] authorized request", false},

      {"%^[hc]at%", "hat on the rack", true},
      {"%^[hc]at%", "cat in the hat", true},
      {"%^[hc]at%", "that", false},  // derived: not at the start

      {"%[hc]at$%", "where is my hat", true},
      {"%[hc]at$%", "a black cat", true},
      {"%[hc]at$%", "hats", false},  // derived

      {"%colou?r%", "color", true},
      {"%colou?r%", "colour", true},

      {"%[abcx-z]%", "a", true},
      {"%[abcx-z]%", "b", true},
      {"%[abcx-z]%", "c", true},
      {"%[abcx-z]%", "x", true},
      {"%[abcx-z]%", "y", true},
      {"%[abcx-z]%", "z", true},

      {"%a{3,5}%", "aaa", true},
      {"%a{3,5}%", "aaaa", true},
      {"%a{3,5}%", "aaaaa", true},
      {"%a{3,5}%", "aa", false},  // derived

      {"%gra|ey%", "gray", true},
      {"%gra|ey%", "grey", true},

      {"%^starting|^initializing|^shutting down%", "starting the server", true},
      {"%^starting|^initializing|^shutting down%", "initializing the cache", true},
      {"%^starting|^initializing|^shutting down%", "shutting down", true},
      {"%^starting|^initializing|^shutting down%", "skipping initializing the cache", false},

      {R"(%\[.\]%)", "[a]", true},
      {R"(%\[.\]%)", "[b]", true},
      {R"(%\[.\]%)", "[7]", true},
      {R"(%\[.\]%)", "[@]", true},
      {R"(%\[.\]%)", "[]]", true},
      {R"(%\[.\]%)", "[ ]", true},

      {"%ab*c%", "ac", true},
      {"%ab*c%", "abc", true},
      {"%ab*c%", "abbbc", true},

      {"%ab[0-9]*%", "ab", true},
      {"%ab[0-9]*%", "ab0", true},
      {"%ab[0-9]*%", "ab129", true},

      {"%ab+c%", "abc", true},
      {"%ab+c%", "abbc", true},
      {"%ab+c%", "abbbc", true},
      {"%ab+c%", "ac", false},

      {"%.at%", "hat", true},
      {"%.at%", "cat", true},
      {"%.at%", "bat", true},
      {"%.at%", "4at", true},
      {"%.at%", "#at", true},
      {"%.at%", " at", true},

      {R"(%10\.10\.0\.1%)", "10.10.0.1", true},
      {R"(%10\.10\.0\.1%)", "10010,051", false},
      {"%10.10.0.1%", "10.10.0.1", true},
      {"%10.10.0.1%", "10010,051", true},

      {R"(%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%)", "client 192.168.0.1 connected", true},
      {R"(%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%)", "10.0.0.255", true},

      {"%[Ee]rror|[Ff]ail%", "Error", true},
      {"%[Ee]rror|[Ff]ail%", "error", true},
      {"%[Ee]rror|[Ff]ail%", "Fail", true},
      {"%[Ee]rror|[Ff]ail%", "fail", true},

      // The doc's `%abcc|ab[^c]$` with its closing '%' restored.
      {"%abcc|ab[^c]$%", "abcc and more", true},
      {"%abcc|ab[^c]$%", "aba", true},
      {"%abcc|ab[^c]$%", "aac and more", false},
  });
}

TEST(RegexConformance, HexEscapesAndClasses) {
  RunCases({
      {R"(%\x3A%)", "a:b", true},
      {R"(%\x3A%)", "ab", false},
      {R"(%\x28%)", "f(x)", true},
      {R"(%\x28%)", "fx", false},
      // \s is tab, space and newline; \w is [a-zA-Z_0-9].
      {R"(%a\sb%)", "a b", true},
      {R"(%a\sb%)", "a\tb", true},
      {R"(%a\sb%)", "a\nb", true},
      {R"(%a\sb%)", "ab", false},
      {R"(%^\w+$%)", "abc_09", true},
      {R"(%^\w+$%)", "abc-09", false},
      {R"(%^\d+$%)", "12345", true},
      {R"(%^\d+$%)", "123a5", false},
      {R"(%^\D+$%)", "abc", true},
      {R"(%\S%)", "   ", false},
      {"%a{2,}%", "aa", true},
      {"%a{2,}%", "a", false},
      {"%^a{,2}$%", "aa", true},
      {"%^a{,2}$%", "aaa", false},
      {"%[^c]at%", "bat", true},
      {"%[^c]at%", "cat", false},
      // Case sensitive.
      {"%ERROR%", "error", false},
  });
}

// ---------------------------------------------------------------------------------------------
// §1.2 Term patterns
// ---------------------------------------------------------------------------------------------

// Current doc, event set A.
constexpr std::string_view kA400 = "[ERROR 400] BAD REQUEST";
constexpr std::string_view kA401 = "[ERROR 401] UNAUTHORIZED REQUEST";
constexpr std::string_view kA419 = "[ERROR 419] MISSING ARGUMENTS";
constexpr std::string_view kA420 = "[ERROR 420] INVALID ARGUMENTS";

TEST(TermConformance, CurrentDocSetA) {
  RunCases({
      {"ERROR", kA400, true},
      {"ERROR", kA401, true},
      {"ERROR", kA419, true},
      {"ERROR", kA420, true},

      {"ERROR ARGUMENTS", kA400, false},
      {"ERROR ARGUMENTS", kA401, false},
      {"ERROR ARGUMENTS", kA419, true},
      {"ERROR ARGUMENTS", kA420, true},

      {"?ERROR ?ARGUMENTS", kA400, true},
      {"?ERROR ?ARGUMENTS", kA401, true},
      {"?ERROR ?ARGUMENTS", kA419, true},
      {"?ERROR ?ARGUMENTS", kA420, true},
      {"?ERROR ?ARGUMENTS", "[INFO] INVALID ARGUMENTS PROVIDED", true},
      {"?ERROR ?ARGUMENTS", "[INFO] all good", false},  // derived: neither term

      // The ? terms are ignored when mixed with other terms.
      {"?ERROR ?ARGUMENTS REQUEST", "[INFO] REQUEST FAILED", true},
      {"?ERROR ?ARGUMENTS REQUEST", "[WARN] UNAUTHORIZED REQUEST", true},
      {"?ERROR ?ARGUMENTS REQUEST", "[ERROR] 400 BAD REQUEST", true},
      {"?ERROR ?ARGUMENTS REQUEST", kA419, false},  // derived: REQUEST is required

      {R"("INTERNAL SERVER ERROR")", "[ERROR 500] INTERNAL SERVER ERROR", true},
      {R"("INTERNAL SERVER ERROR")", "[ERROR 500] INTERNAL ERROR", false},  // derived

      {"ERROR -ARGUMENTS", kA400, true},
      {"ERROR -ARGUMENTS", kA401, true},
      {"ERROR -ARGUMENTS", kA419, false},
      {"ERROR -ARGUMENTS", kA420, false},

      {R"(" ")", kA400, true},
      {R"(" ")", kA420, true},
      {R"(" ")", "[INFO] INVALID ARGUMENTS PROVIDED", true},
  });
}

TEST(TermConformance, OlderDoc) {
  constexpr std::string_view kFatal = "[ERROR] A fatal exception has occurred";
  constexpr std::string_view kExiting = "Exiting with ERRORCODE: -1";
  constexpr std::string_view kCaught = "[ERROR] Caught IllegalArgumentException";
  constexpr std::string_view kUnhandled = "[ERROR] Unhandled Exception";
  RunCases({
      {"ERROR", kFatal, true},
      {"ERROR", kExiting, true},

      {"ERROR -Exiting", kFatal, true},
      {"ERROR -Exiting", kExiting, false},
      // The 2018 docs' spelling.
      {R"("ERROR" - "Exiting")", kFatal, true},
      {R"("ERROR" - "Exiting")", kExiting, false},

      {"ERROR Exception", kCaught, true},
      {"ERROR Exception", kUnhandled, true},
      {"ERROR Exception", kExiting, false},  // derived

      {R"("Failed to process the request")", "[WARN] Failed to process the request", true},
      {R"("Failed to process the request")",
       "[ERROR] Unable to continue: Failed to process the request", true},
      {R"("Failed to process the request")", "[WARN] Failed to process request", false},

      {"?Error ?fatal", "[Error] Unhandled Exception", true},
      {"?Error ?fatal", kFatal, true},
      {"?Error ?fatal", kCaught, false},
      {"?Error ?fatal", kExiting, false},
  });
}

TEST(TermConformance, OlderDocSetB) {
  constexpr std::string_view kB1 = "ERROR WARN message";
  constexpr std::string_view kB2 = "ERROR message";
  constexpr std::string_view kB3 = "WARN message";
  RunCases({
      {"ERROR", kB1, true},
      {"ERROR", kB2, true},
      {"ERROR", kB3, false},

      {"?ERROR ?WARN", kB1, true},
      {"?ERROR ?WARN", kB2, true},
      {"?ERROR ?WARN", kB3, true},

      {"ERROR WARN", kB1, true},
      {"ERROR WARN", kB2, false},
      {"ERROR WARN", kB3, false},

      {"ERROR -WARN", kB1, false},
      {"ERROR -WARN", kB2, true},
      {"ERROR -WARN", kB3, false},
  });
}

// The AWS API reference's TestMetricFilter examples (2014), events numbered 0-4.
constexpr std::string_view kLog2014[] = {
    "02 May 2014 00:34:12,525 [INFO] Starting the application",
    "02 May 2014 00:35:14,245 [DEBUG] Database connection established",
    "02 May 2014 00:34:14,663 [INFO] Executing SQL Query",
    "02 May 2014 00:34:16,142 [ERROR] Unhanded exception: InvalidQueryException",
    "02 May 2014 00:34:16,224 [ERROR] Terminating the application",
};

TEST(TermConformance, TestMetricFilter2014) {
  const ExtractedValues none;
  RunCases({
      {R"("[ERROR]")", kLog2014[0], false},
      {R"("[ERROR]")", kLog2014[1], false},
      {R"("[ERROR]")", kLog2014[2], false},
      {R"("[ERROR]")", kLog2014[3], true, none},
      {R"("[ERROR]")", kLog2014[4], true, none},

      {R"("[ERROR]" Exception)", kLog2014[0], false},
      {R"("[ERROR]" Exception)", kLog2014[1], false},
      {R"("[ERROR]" Exception)", kLog2014[2], false},
      {R"("[ERROR]" Exception)", kLog2014[3], true, none},
      {R"("[ERROR]" Exception)", kLog2014[4], false},
  });
}

TEST(TermConformance, ThirdPartyRadekPysny) {
  RunCases({
      {"ERROR", "error=cannot process ticket", false},
      {"ERROR", "rpc error", false},
      {"ERROR", "Error: entity not found!", false},
      {"ERROR", "NotFoundError", false},
      {"ERROR", "ErRoR", false},
      {"ERROR", "ERRORNEOUS PROGRAM", true},

      {R"("ERROR][grpc")", "2025-03-28 [ERROR][grpc] failed", true},
      {R"("ERROR][grpc")", "[ERROR] [grpc]", false},

      {R"(?"clean up" ?xyz)", "map clean up", true},
      {R"(?"clean up" ?xyz)", "xyz", true},
      {R"(?"clean up" ?xyz)", "xyz will do clean up", true},
      {R"(?"clean up" ?xyz)", "abc xy yz xz", false},
      {R"(?"clean up" ?xyz)", "map is cleaned up", false},
      {R"(?"clean up" ?xyz)", kA419, false},
  });
}

// [UNDOC] choices (docs/filter-patterns.md).
TEST(TermConformance, ChosenBehaviour) {
  RunCases({
      // `" "` and the empty pattern match everything, even events without a space.
      {R"(" ")", "nospace", true},
      {R"(" ")", "", true},
      {"", "anything", true},
      {"", "", true},
      // Exclusion-only patterns match the events that lack the term.
      {"-DEBUG", "[INFO] ok", true},
      {"-DEBUG", "[DEBUG] noisy", false},
      {"-DEBUG -TRACE", "[INFO] ok", true},
      {"-DEBUG -TRACE", "[TRACE] noisy", false},
      // `?a ?b -c` is (a or b) and not c.
      {"?alpha ?beta -gamma", "alpha", true},
      {"?alpha ?beta -gamma", "beta", true},
      {"?alpha ?beta -gamma", "alpha beta", true},
      {"?alpha ?beta -gamma", "alpha gamma", false},
      {"?alpha ?beta -gamma", "delta", false},
      {"?alpha ?beta -gamma", "gamma", false},
      // Quoted exclusions.
      {R"(ERROR -"BAD REQUEST")", kA400, false},
      {R"(ERROR -"BAD REQUEST")", kA401, true},
  });
}

// ---------------------------------------------------------------------------------------------
// §1.3 JSON patterns
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kJ1 =
    R"({"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", )"
    R"("arrayKey": ["value", "another value"], )"
    R"("objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], )"
    R"("SomeObject": null, "cluster.name": "c"})";
// The 2018-2021 version of J1.
constexpr std::string_view kJ1Old =
    R"({"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", )"
    R"("arrayKey": ["value", "another value"], )"
    R"("objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], )"
    R"("SomeObject": null, "ThisFlag": true})";

TEST(JsonConformance, EventJ1) {
  RunCases({
      {R"({ $.eventType = "UpdateTrail" })", kJ1, true},
      {R"({ $.sourceIPAddress != 123.123.* })", kJ1, true},
      {R"({ $.arrayKey[0] = "value" })", kJ1, true},
      {R"({ $.objectList[1].id = 2 })", kJ1, true},
      {R"({ $.eventType = %Trail% })", kJ1, true},
      {R"({ $.arrayKey[*] = %val.{2}% })", kJ1, true},
      {R"({ $.* = %111\.111\.111\.1[0-9]{1,2}% })", kJ1, true},
      {R"({ $.['cluster.name'] = "c" })", kJ1, true},
      {R"({ $.SomeObject IS NULL })", kJ1, true},
      {R"({ $.SomeOtherObject NOT EXISTS })", kJ1, true},
      {R"({ $.ThisFlag IS TRUE })", kJ1Old, true},
      {R"({ $.eventType = "*" && $.sourceIPAddress != 123.123.* })", kJ1, true},

      // The same patterns on the older J1 where they still apply.
      {R"({ $.eventType = "UpdateTrail" })", kJ1Old, true},
      {R"({ $.SomeObject IS NULL })", kJ1Old, true},
      {R"({ $.['cluster.name'] = "c" })", kJ1Old, false},

      // Derived non-matches.
      {R"({ $.arrayKey = "value" })", kJ1, false},     // array node
      {R"({ $.objectList != 1 })", kJ1, false},        // array node
      {R"({ $.SomeObject NOT EXISTS })", kJ1, false},  // exists, is null
      {R"({ $.missing != "x" })", kJ1, false},         // missing field

      // More derived from the rules.
      {R"({ $.ThisFlag IS TRUE })", kJ1, false},
      {R"({ $.ThisFlag IS FALSE })", kJ1Old, false},
      {R"({ $.eventType = "updatetrail" })", kJ1, false},  // case sensitive
      {R"({ $.eventType = %^Trail% })", kJ1, false},
      {R"({ $.arrayKey[1] = "another value" })", kJ1, true},
      {R"({ $.arrayKey[2] = * })", kJ1, false},
      {R"({ $.objectList[0].name = "b" })", kJ1, false},
      {R"({ $.sourceIPAddress = 111.111.* })", kJ1, true},
      {R"({ $.sourceIPAddress != 111.111.* })", kJ1, false},
  });
}

constexpr std::string_view kJ2 = R"({"user": {"id": 1, "email": "John.Stiles@example.com"}, )"
                                 R"("users": [{"id": 2, "email": "John.Doe@example.com"}, )"
                                 R"({"id": 3, "email": "Jane.Doe@example.com"}], )"
                                 R"("actions": ["GET", "PUT", "DELETE"], )"
                                 R"("coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]})";

TEST(JsonConformance, EventJ2) {
  RunCases({
      {R"({ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") })", kJ2, true},
      // && binds tighter than ||.
      {R"p({ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" })p",
       kJ2, true},
      {R"p({ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" })p",
       kJ2, false},
      {R"p({ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" })p", kJ2,
       false},
      // 2018 spelling with bare strings.
      {R"p({ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch })p",
       kJ2, true},

      // Derived.
      {R"({ $.coordinates[0][1] = 1 })", kJ2, true},
      {R"({ $.coordinates[2][0] = 7 })", kJ2, true},
      {R"({ $.coordinates[0] = 0 })", kJ2, false},  // array node
      {R"({ $.users[*].email = "Jane.Doe@example.com" })", kJ2, true},
      {R"({ $.users[*].id > 2 })", kJ2, true},
      {R"({ $.users[*].id > 3 })", kJ2, false},
      {R"({ $.actions[*] = "PUT" })", kJ2, true},
      {R"({ $.actions[2] = "GET" })", kJ2, false},
      {R"({ $.user = 1 })", kJ2, false},  // object node
  });
}

TEST(JsonConformance, OlderOrExamples) {
  constexpr std::string_view kBar = R"({"foo": "bar"})";
  constexpr std::string_view kBaz = R"({"foo": "baz"})";
  RunCases({
      {"{$.foo = bar}", kBar, true},
      {"{$.foo = bar}", kBaz, false},
      {"{$.foo = baz }", kBar, false},
      {"{$.foo = baz }", kBaz, true},
      {"{$.foo = bar || $.foo = baz }", kBar, true},
      {"{$.foo = bar || $.foo = baz }", kBaz, true},
      {"{$.foo = bar || $.foo = baz }", R"({"foo": "qux"})", false},
  });
}

TEST(JsonConformance, NumericSyntaxExamplesParse) {
  ExpectCompiles({
      "{ $.bandwidth > 75 }",
      "{ $.latency < 50 }",
      "{ $.refreshRate >= 60 }",
      "{ $.responseTime <= 5 }",
      "{ $.errorCode = 400}",
      "{ $.errorCode != 500 }",
      "{ $.number[0] = 1e-3 }",
      "{ $.number[0] != 1e+3 }",
      "{ $.number[0] = 1e+3 }",
      "{ $.latency >= 500 }",
      "{ $.numbers[0] < 10e3 }",
      "{ $.numbers[0] < 10e-3 }",
      "{ $.processes[4].averageRuntime <= 55.5 }",
      "{ $.latency > +1000 }",
  });
}

TEST(JsonConformance, NumericComparisons) {
  RunCases({
      {"{ $.bandwidth > 75 }", R"({"bandwidth": 76})", true},
      {"{ $.bandwidth > 75 }", R"({"bandwidth": 75})", false},
      {"{ $.latency < 50 }", R"({"latency": 49.9})", true},
      {"{ $.latency < 50 }", R"({"latency": 50})", false},
      {"{ $.refreshRate >= 60 }", R"({"refreshRate": 60})", true},
      {"{ $.responseTime <= 5 }", R"({"responseTime": 5})", true},
      {"{ $.responseTime <= 5 }", R"({"responseTime": 6})", false},
      {"{ $.errorCode = 400}", R"({"errorCode": 400})", true},
      {"{ $.errorCode != 500 }", R"({"errorCode": 400})", true},
      {"{ $.errorCode != 500 }", R"({"errorCode": 500})", false},
      {"{ $.number[0] = 1e-3 }", R"({"number": [0.001]})", true},
      {"{ $.number[0] = 1e+3 }", R"({"number": [1000]})", true},
      {"{ $.number[0] != 1e+3 }", R"({"number": [1000]})", false},
      {"{ $.numbers[0] < 10e3 }", R"({"numbers": [9999]})", true},
      {"{ $.numbers[0] < 10e-3 }", R"({"numbers": [0.01]})", false},
      {"{ $.numbers[0] < 10e-3 }", R"({"numbers": [0.009]})", true},
      {"{ $.processes[4].averageRuntime <= 55.5 }",
       R"({"processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]})", true},
      {"{ $.latency > +1000 }", R"({"latency": 1001})", true},
      {"{ $.latency > +1000 }", R"({"latency": -1001})", false},
      {"{ $.latency = * }", R"({"latency": 50})", true},
  });
}

// §1.3.2 rules and the [UNDOC] choices of docs/filter-patterns.md.
TEST(JsonConformance, EvaluationRulesAndChosenBehaviour) {
  RunCases({
      // Rule 1: the whole message must be one JSON object.
      {"{ $.a = 1 }", R"({"a": 1})", true},
      {"{ $.a = 1 }", R"(START {"a": 1})", false},
      {"{ $.a = 1 }", R"({"a": 1} trailing)", false},
      {"{ $.a = 1 }", "[1, 2]", false},
      {"{ $.a = 1 }", "a = 1", false},
      {"{ $.a = 1 }", R"({"a": 1)", false},
      // Rule 3: a selector on an array or object fails for = and != alike.
      {"{$.users = 1}", R"({"users": [1, 2, 3]})", false},
      {"{$.users != 1}", R"({"users": [1, 2, 3]})", false},
      {"{$.users[*] = 1}", R"({"users": [1, 2, 3]})", true},
      {"{$.users[0] != 1}", R"({"users": [1, 2, 3]})", false},
      {"{$.users[1] != 1}", R"({"users": [1, 2, 3]})", true},
      {"{$.o = *}", R"({"o": {"k": 1}})", false},
      {"{$.o = *}", R"({"o": []})", false},
      // Rule 4: a missing field fails every comparison, != included.
      {R"p({($.errorCode = "AccessDenied") && ($.userIdentity.invokedBy != "cloudfront.amazonaws.com")})p",
       R"({"errorCode": "AccessDenied", "userIdentity": {"type": "IAMUser"}})", false},
      {R"p({($.errorCode = "AccessDenied") && ($.userIdentity.invokedBy != "cloudfront.amazonaws.com")})p",
       R"({"errorCode": "AccessDenied", "userIdentity": {"invokedBy": "ec2.amazonaws.com"}})",
       true},
      {R"p({ ($.user.phone != "08000000000") || ($.user.phone NOT EXISTS) })p", R"({"user": {}})",
       true},
      {R"p({ ($.user.phone != "08000000000") || ($.user.phone NOT EXISTS) })p",
       R"({"user": {"phone": "08000000000"}})", false},
      {"{ $.x > 1 }", "{}", false},
      // Rule 5: IS NULL / IS TRUE / IS FALSE test the JSON literals only.
      {"{ $.a IS NULL }", R"({"a": null})", true},
      {"{ $.a IS NULL }", R"({})", false},
      {"{ $.a IS NULL }", R"({"a": "null"})", false},
      {"{ $.a IS TRUE }", R"({"a": true})", true},
      {"{ $.a IS TRUE }", R"({"a": "true"})", false},
      {"{ $.a IS TRUE }", R"({"a": false})", false},
      {"{ $.a IS FALSE }", R"({"a": false})", true},
      {"{ $.a IS FALSE }", R"({"a": true})", false},
      // Rule 6: NOT EXISTS is false for a present null.
      {"{ $.a NOT EXISTS }", R"({"a": null})", false},
      {"{ $.a NOT EXISTS }", R"({"b": 1})", true},
      {"{ $.a.b NOT EXISTS }", R"({"a": {"c": 1}})", true},
      // JSON null never compares; only IS NULL sees it.
      {"{ $.a = * }", R"({"a": null})", false},
      {R"({ $.a != "x" })", R"({"a": null})", false},
      {"{ $.a != 1 }", R"({"a": null})", false},
      // `= *` (bare or quoted) matches present strings, numbers and booleans.
      {"{ $.a = * }", R"({"a": "s"})", true},
      {"{ $.a = * }", R"({"a": ""})", true},
      {"{ $.a = * }", R"({"a": 0})", true},
      {"{ $.a = * }", R"({"a": true})", true},
      {"{ $.a = * }", R"({"a": false})", true},
      {"{ $.a = * }", R"({"b": 1})", false},
      {R"({ $.a = "*" })", R"({"a": "s"})", true},
      {R"({ $.a = "*" })", R"({"b": "s"})", false},
      {"{ $.ThisFlag = * }", kJ1Old, true},
      {"{ $.SomeObject = * }", kJ1, false},
      // Rule 7: wildcards at the start and/or end; a star in the middle is literal.
      {"{ $.e = *Event }", R"({"e": "PutEvent"})", true},
      {"{ $.e = *Event }", R"({"e": "GetEvent"})", true},
      {"{ $.e = *Event }", R"({"e": "EventId"})", false},
      {"{ $.e = Event* }", R"({"e": "EventId"})", true},
      {"{ $.e = Event* }", R"({"e": "EventName"})", true},
      {"{ $.e = Event* }", R"({"e": "PutEvent"})", false},
      {"{ $.e = *ven* }", R"({"e": "Event"})", true},
      {R"({ $.e = "Ev*ent" })", R"({"e": "Ev*ent"})", true},
      {R"({ $.e = "Ev*ent" })", R"({"e": "EvXent"})", false},
      {R"({ $.e = "Ev*ent" })", R"({"e": "Event"})", false},
      {"{ $.e = Ev*ent }", R"({"e": "Ev*ent"})", true},
      {"{ $.e = Ev*ent }", R"({"e": "EvXent"})", false},
      {"{ $.sourceIPAddress != 123.123.* }", R"({"sourceIPAddress": "111.111.111.111"})", true},
      {"{ $.sourceIPAddress != 123.123.* }", R"({"sourceIPAddress": "123.123.4.5"})", false},
      {R"({ $.s = "x\"y" })", R"({"s": "x\"y"})", true},
      // Rule 8: `=` with a numeric literal compares numerically against JSON numbers and
      // textually against strings; relational operators on strings are false.
      {"{ $.n = 400 }", R"({"n": 400})", true},
      {"{ $.n = 400 }", R"({"n": 400.0})", true},
      {"{ $.n = 400 }", R"({"n": 4e2})", true},
      {"{ $.n = 400 }", R"({"n": "400"})", true},
      {"{ $.n = 400 }", R"({"n": "400.0"})", false},
      {"{ $.n = 4e2 }", R"({"n": 400})", true},
      {"{ $.n = 4e2 }", R"({"n": "400"})", false},
      {"{ $.n != 400 }", R"({"n": 401})", true},
      {"{ $.n != 400 }", R"({"n": "401"})", true},
      {"{ $.n != 400 }", R"({"n": 400.0})", false},
      {"{ $.n != 400 }", R"({"n": "400"})", false},
      {"{ $.n > 1 }", R"({"n": "400"})", false},
      {"{ $.n > 1 }", R"({"n": 400})", true},
      {"{ $.n >= 1 }", R"({"n": true})", false},
      {"{ $.n = -1.5 }", R"({"n": -1.5})", true},
      // Rule 9: a regex searches the string value.
      {"{ $.eventType = %Trail% }", R"({"eventType": "UpdateTrail"})", true},
      {"{ $.eventType = %^Trail% }", R"({"eventType": "UpdateTrail"})", false},
      {"{ $.eventType != %Trail% }", R"({"eventType": "UpdateTrail"})", false},
      {"{ $.eventType != %Trail% }", R"({"eventType": "PutObject"})", true},
      // [*] and .* both match any array element or object member.
      {R"({ $.arrayKey.* = "another value" })", kJ1, true},
      {R"({ $.objectList[*].name = "b" })", kJ1, true},
      {"{ $.objectList.*.id = 2 }", kJ1, true},
      {"{ $.objectList[*].id = 3 }", kJ1, false},
      {R"({ $[*] = "UpdateTrail" })", kJ1, true},
      {R"({ $.* = "UpdateTrail" })", kJ1, true},
      {"{ $.user[*] = 1 }", kJ2, true},
      {"{ $.user.* = 1 }", kJ2, true},
      {"{ $.coordinates[*][2] = 9 }", kJ2, true},
      {"{ $.coordinates[*][2] = 3 }", kJ2, false},
  });
}

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

// ---------------------------------------------------------------------------------------------
// §5.4 CIS patterns (§5.2) over minimal CloudTrail events
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kCisEvents[] = {
    // E1
    R"({"eventVersion":"1.08","userIdentity":{"type":"Root","accountId":"111122223333"},"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventType":"AwsConsoleSignIn","sourceIPAddress":"198.51.100.7","responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"}})",
    // E2
    R"({"userIdentity":{"type":"IAMUser","userName":"alice"},"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventType":"AwsConsoleSignIn","sourceIPAddress":"198.51.100.7","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"MFAUsed":"No"}})",
    // E3
    R"({"userIdentity":{"type":"Root","invokedBy":"support.amazonaws.com"},"eventSource":"iam.amazonaws.com","eventName":"ListUsers","eventType":"AwsApiCall","sourceIPAddress":"support.amazonaws.com"})",
    // E4
    R"({"userIdentity":{"type":"AssumedRole"},"eventSource":"s3.amazonaws.com","eventName":"HeadBucket","errorCode":"AccessDenied","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9"})",
    // E5
    R"({"userIdentity":{"type":"IAMUser"},"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","errorCode":"Client.UnauthorizedOperation","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9"})",
    // E6
    R"({"userIdentity":{"type":"IAMUser"},"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9"})",
    // E7
    R"({"userIdentity":{"type":"IAMUser"},"eventSource":"kms.amazonaws.com","eventName":"ScheduleKeyDeletion","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9"})",
    // E8
    R"({"userIdentity":{"type":"IAMUser"},"eventSource":"ec2.amazonaws.com","eventName":"ModifySecurityGroupRules","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9"})",
};

struct CisCase {
  std::string_view name;
  std::string_view pattern;
  std::set<int> matching_events;  // 1-based E1..E8; every other event must not match
};

TEST(CisConformance, PatternsOverMinimalCloudTrailEvents) {
  // The bracketed results of §5.4 are noted per row; the remaining cells follow from the
  // rules (none of the other events has the event names or fields the pattern asks for).
  const std::vector<CisCase> cases =
      {
          // [E4: match, E5: match, E6: no match]
          {"4.1 v1.2/v1.3",
           R"p({ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") })p",
           {4, 5}},
          {"4.1 Security Hub CloudWatch.2",
           R"p({($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")})p",
           {4, 5}},
          // [E4: match, E5: match, E6: match]
          {"4.1 v1.4/v1.5 erratum",
           R"p({ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") })p",
           {1, 2, 3, 4, 5, 6, 7, 8}},
          // [E4: no match (HeadBucket), E5: match, E6: no match]
          {"4.1 v2.0+",
           R"p({ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") })p",
           {5}},
          // [E1: match, E2: match]
          {"4.2 no MFA",
           R"p({ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") })p",
           {1, 2}},
          // [E1: no match (Root), E2: no match (not Success)]
          {"4.2 no MFA, SSO variant / Security Hub CloudWatch.3",
           R"p({ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") })p",
           {}},
          // [E1: match, E3: no match (invokedBy exists)]
          {"root usage",
           R"p({ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" })p",
           {1}},
          {"root usage, Security Hub CloudWatch.1",
           R"p({$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"})p",
           {1}},
          {"IAM policy changes",
           R"p({($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)})p",
           {}},
          {"CloudTrail configuration changes",
           R"p({ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) })p",
           {}},
          // [E1: no match, E2: match]
          {"console authentication failures",
           R"p({ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") })p",
           {2}},
          // [E7: match]
          {"disabling or scheduled deletion of CMKs",
           R"p({($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) })p",
           {7}},
          {"S3 bucket policy changes",
           R"p({ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) })p",
           {}},
          {"AWS Config configuration changes",
           R"p({ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel) ||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) })p",
           {}},
          // [E8: no match]
          {"security group changes v1.2-v4.0",
           R"p({ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) })p",
           {}},
          // [E8: match]
          {"security group changes v5.0",
           R"p({ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) })p",
           {8}},
          {"NACL changes",
           R"p({ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) })p",
           {}},
          {"network gateway changes",
           R"p({ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) })p",
           {}},
          {"route table changes", R"p({ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) })p", {}},
          {"VPC changes",
           R"p({ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) })p",
           {}},
          {"AWS Organizations changes",
           R"p({ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) })p",
           {}},
      };
  for (const CisCase& c : cases) {
    SCOPED_TRACE(testing::Message() << "CIS " << c.name << ": " << c.pattern);
    auto program = Compile(c.pattern);
    if (!program.ok()) {
      ADD_FAILURE() << "pattern does not compile: " << program.status().ToString();
      continue;
    }
    Matcher matcher(*program);
    int number = 0;
    for (std::string_view event : kCisEvents) {
      ++number;
      const bool want = c.matching_events.count(number) > 0;
      EXPECT_EQ(matcher.Matches(event), want)
          << "CIS " << c.name << " on E" << number << " " << event
          << (want ? ": expected a match" : ": expected no match");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// §6 Secrets Manager patterns
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kRotationFailed =
    R"({"eventVersion":"1.08","userIdentity":{"accountId":"123456789012","invokedBy":"secretsmanager.amazonaws.com"},)"
    R"("eventTime":"2022-09-13T02:17:48Z","eventSource":"secretsmanager.amazonaws.com","eventName":"RotationFailed",)"
    R"("awsRegion":"us-east-2","sourceIPAddress":"secretsmanager.amazonaws.com","userAgent":"secretsmanager.amazonaws.com",)"
    R"("errorMessage":"Error when executing lambda arn:aws:lambda:us-east-2:123456789012:function:SecretsManagertest-alternating-users-rotation2 during setSecret step",)"
    R"("requestParameters":null,"responseElements":null,)"
    R"("additionalEventData":{"SecretId":"arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret-a1b2c3"},)"
    R"("requestID":"Rotation-arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret-a1b2c3-eeb681b1-a07d-4aeb-9b61-1ee6590ec295",)"
    R"("eventID":"EXAMPLE3-90ab-cdef-fedc-ba987EXAMPLE","readOnly":false,"eventType":"AwsServiceEvent",)"
    R"("managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"})";

TEST(SecretsManagerConformance, PatternsCompile) {
  ExpectCompiles({
      R"p({ $.eventName = "GetSecretValue" && $.errorMessage = "*secret because it was marked for deletion*" })p",
      R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.requestParameters.secretId = "<secret-arn>") && ($.eventName = "GetSecretValue" || $.eventName = "PutSecretValue" || $.eventName = "UpdateSecret" || $.eventName = "DeleteSecret") })p",
      R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.eventName = DeleteSecret) })p",
      R"p({ ($.eventSource = "secretsmanager.amazonaws.com") && (($.eventName = DeleteSecret) || ($.eventName = PutSecretValue) || ($.eventName = UpdateSecret) || ($.eventName = RotateSecret)) })p",
      R"p({ ($.eventSource = secretsmanager.amazonaws.com) && (($.eventName = PutResourcePolicy) || ($.eventName = DeleteResourcePolicy) || ($.eventName = DeleteSecret)) })p",
      R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.eventName = RotationFailed) })p",
      R"p({ $.eventName = RotateSecret && $.errorCode = * })p",
      R"p({ ($.eventSource = "secretsmanager.amazonaws.com") && ($.eventName = "GetSecretValue") && ($.requestParameters.secretId = "Production_Database_Credentials") })p",
      R"p({ $.eventName = "GetSecretValue" && $.requestParameters.secretId = "*wallet*" })p",
      R"p({ ($.errorCode = "AccessDenied") && ($.eventName = "GetSecretValue") })p",
      R"p({ $.eventSource = "secretsmanager.amazonaws.com" && $.eventName = "GetSecretValue" })p",
      "GetSecretValue",
  });
}

TEST(SecretsManagerConformance, ExistsIsInvalidOnAws) {
  constexpr std::string_view kPattern =
      R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.errorCode EXISTS) })p";
  auto program = Compile(kPattern);
  EXPECT_FALSE(program.ok()) << "pattern: " << kPattern;
  // The replacement the spec recommends compiles.
  ExpectCompiles({R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.errorCode = *) })p"});
}

TEST(SecretsManagerConformance, RotationFailedRecord) {
  RunCases({
      {R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.eventName = RotationFailed) })p",
       kRotationFailed, true},
      {R"p({ $.eventName = RotateSecret && $.errorCode = * })p", kRotationFailed, false},
      {R"p({ $.eventName = "GetSecretValue" && $.errorMessage = "*secret because it was marked for deletion*" })p",
       kRotationFailed, false},
      {R"p({ $.eventType = "AwsServiceEvent" && $.userIdentity.invokedBy = "secretsmanager.amazonaws.com" && $.requestParameters IS NULL })p",
       kRotationFailed, true},
      {R"p({ $.additionalEventData.SecretId = "*MyDatabaseSecret*" })p", kRotationFailed, true},
      {R"p({ $.readOnly IS FALSE && $.managementEvent IS TRUE })p", kRotationFailed, true},
      {R"p({ $.eventName = "GetSecretValue" && $.errorMessage = "*secret because it was marked for deletion*" })p",
       R"({"eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","errorCode":"InvalidRequestException","errorMessage":"You can't perform this operation on the secret because it was marked for deletion."})",
       true},
  });
}

}  // namespace
}  // namespace trailwatch::pattern
