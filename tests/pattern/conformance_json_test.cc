// Conformance with shared/spec/cloudwatch.md §1.3 (JSON patterns). Every case runs through the
// public API (Compile + Matcher); where the spec marks behaviour [UNDOC]/[CONFLICT], the tests pin
// the choices written down in docs/filter-patterns.md.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "pattern/conformance.h"

namespace trailwatch::pattern {
namespace {

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

}  // namespace
}  // namespace trailwatch::pattern
