// Composite alarm rules: golden dumps, truth tables, every rejection with its column, cycle
// detection and the byte-exact reason text.
#include "alarm/composite.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace trailwatch::alarm {
namespace {

struct Golden {
  std::string rule;
  std::string dump;
};

void ExpectDumps(const std::vector<Golden>& cases) {
  for (const Golden& c : cases) {
    auto rule = CompileRule(c.rule);
    ASSERT_TRUE(rule.ok()) << c.rule << " -> " << rule.status().ToString();
    EXPECT_EQ((*rule)->Dump(), c.dump) << c.rule;
    EXPECT_EQ((*rule)->text(), c.rule);
  }
}

TEST(CompositeRuleTest, SpecExamples) {
  ExpectDumps({
      {"ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)",
       R"((and (alarm "CPUUtilizationTooHigh") (alarm "DiskReadOpsTooHigh")))"},
      {"ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)",
       R"((and (alarm "CPUUtilizationTooHigh") (not (alarm "DeploymentInProgress"))))"},
      {"(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)",
       R"((and (or (alarm "CPUUtilizationTooHigh") (alarm "DiskReadOpsTooHigh")) (ok "NetworkOutTooHigh")))"},
      {R"((ALARM("CPUUtilizationTooHigh") OR ALARM("DiskReadOpsTooHigh")) AND OK("NetworkOutTooHigh"))",
       R"((and (or (alarm "CPUUtilizationTooHigh") (alarm "DiskReadOpsTooHigh")) (ok "NetworkOutTooHigh")))"},
  });
}

TEST(CompositeRuleTest, Precedence) {
  ExpectDumps({
      {"ALARM(A) OR ALARM(B) AND NOT ALARM(C)",
       R"((or (alarm "A") (and (alarm "B") (not (alarm "C")))))"},
      {"NOT ALARM(A) AND ALARM(B)", R"((and (not (alarm "A")) (alarm "B")))"},
      {"NOT (ALARM(A) AND ALARM(B))", R"((not (and (alarm "A") (alarm "B"))))"},
      {"ALARM(A) AND ALARM(B) OR ALARM(C) AND ALARM(D)",
       R"((or (and (alarm "A") (alarm "B")) (and (alarm "C") (alarm "D"))))"},
      {"ALARM(A) OR ALARM(B) OR ALARM(C)", R"((or (alarm "A") (alarm "B") (alarm "C")))"},
      {"(ALARM(A) OR ALARM(B)) OR ALARM(C)", R"((or (or (alarm "A") (alarm "B")) (alarm "C")))"},
      {"NOT NOT TRUE", "(not (not true))"},
      {"TRUE", "true"},
      {"FALSE", "false"},
      {"((FALSE))", "false"},
      {"OK(A) AND INSUFFICIENT_DATA(B)", R"((and (ok "A") (insufficient-data "B")))"},
      // White space of any kind between tokens, none where it is optional.
      {"\tALARM ( A )\nAND\r\nOK(B) ", R"((and (alarm "A") (ok "B")))"},
      {"(ALARM(A))AND(OK(B))", R"((and (alarm "A") (ok "B")))"},
  });
}

TEST(CompositeRuleTest, NamesQuotedAndArns) {
  ExpectDumps({
      {R"x(ALARM("my alarm (prod)"))x", R"x((alarm "my alarm (prod)"))x"},
      {R"x(ALARM("say \"hi\""))x", R"x((alarm "say \"hi\""))x"},
      {R"x(ALARM("back\\slash"))x", R"x((alarm "back\\slash"))x"},
      {R"x(ALARM("AND"))x", R"x((alarm "AND"))x"},
      {"ALARM(TRUE)", R"x((alarm "TRUE"))x"},
      {"ALARM(my-alarm.v2:x/y)", R"x((alarm "my-alarm.v2:x/y"))x"},
      {"ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:Disk)",
       R"x((alarm "Disk" :arn "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Disk"))x"},
      {R"x(OK("arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:a:b c"))x",
       R"x((ok "a:b c" :arn "arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:a:b c"))x"},
  });
}

TEST(CompositeRuleTest, ChildrenAndReferences) {
  auto rule = CompileRule(
      "ALARM(B) AND (OK(A) OR ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:B)) AND "
      "NOT ALARM(\"C\")");
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  EXPECT_EQ((*rule)->children(), (std::vector<std::string>{"B", "A", "C"}));
  const auto& refs = (*rule)->references();
  ASSERT_EQ(refs.size(), 4u);
  EXPECT_EQ(refs[0].written, "B");
  EXPECT_EQ(refs[0].offset, 6u);
  EXPECT_EQ(refs[2].written, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:B");
  EXPECT_EQ(refs[2].name, "B");
  EXPECT_EQ(refs[2].region, "us-east-1");
  EXPECT_EQ(refs[2].account, "123456789012");
  EXPECT_EQ(refs[2].child, 0u);
  EXPECT_EQ(refs[3].written, "C");
  EXPECT_EQ(refs[3].child, 2u);
}

// Every assignment of states to the children A, B (and C), against a C++ oracle.
struct TruthCase {
  std::string rule;
  std::function<bool(State, State, State)> oracle;
};

TEST(CompositeRuleTest, TruthTables) {
  const State kAll[] = {State::kOk, State::kAlarm, State::kInsufficientData};
  auto is = [](State s, State want) { return s == want; };
  const std::vector<TruthCase> cases = {
      {"ALARM(A)", [&](State a, State, State) { return is(a, State::kAlarm); }},
      {"OK(A)", [&](State a, State, State) { return is(a, State::kOk); }},
      {"INSUFFICIENT_DATA(A)",
       [&](State a, State, State) { return is(a, State::kInsufficientData); }},
      {"TRUE", [](State, State, State) { return true; }},
      {"FALSE", [](State, State, State) { return false; }},
      {"NOT ALARM(A)", [&](State a, State, State) { return !is(a, State::kAlarm); }},
      {"ALARM(A) AND OK(B)",
       [&](State a, State b, State) { return is(a, State::kAlarm) && is(b, State::kOk); }},
      {"ALARM(A) OR ALARM(B) AND NOT ALARM(C)",
       [&](State a, State b, State c) {
         return is(a, State::kAlarm) || (is(b, State::kAlarm) && !is(c, State::kAlarm));
       }},
      {"(ALARM(A) OR ALARM(B)) AND NOT ALARM(C)",
       [&](State a, State b, State c) {
         return (is(a, State::kAlarm) || is(b, State::kAlarm)) && !is(c, State::kAlarm);
       }},
      {"NOT (OK(A) AND OK(B)) OR INSUFFICIENT_DATA(C)",
       [&](State a, State b, State c) {
         return !(is(a, State::kOk) && is(b, State::kOk)) || is(c, State::kInsufficientData);
       }},
      {"ALARM(A) AND TRUE OR FALSE", [&](State a, State, State) { return is(a, State::kAlarm); }},
  };
  for (const TruthCase& c : cases) {
    auto rule = CompileRule(c.rule);
    ASSERT_TRUE(rule.ok()) << c.rule << " -> " << rule.status().ToString();
    for (State a : kAll) {
      for (State b : kAll) {
        for (State s3 : kAll) {
          const std::map<std::string, State, std::less<>> states = {{"A", a}, {"B", b}, {"C", s3}};
          int calls = 0;
          const bool got = (*rule)->Evaluate([&](std::string_view name) -> std::optional<State> {
            ++calls;
            auto it = states.find(name);
            return it == states.end() ? std::nullopt : std::optional<State>(it->second);
          });
          EXPECT_EQ(got, c.oracle(a, b, s3))
              << c.rule << " A=" << static_cast<int>(a) << " B=" << static_cast<int>(b)
              << " C=" << static_cast<int>(s3);
          EXPECT_EQ(calls, static_cast<int>((*rule)->children().size())) << c.rule;
        }
      }
    }
  }
}

TEST(CompositeRuleTest, UnknownChildIsInsufficientData) {
  auto rule = CompileRule("INSUFFICIENT_DATA(Gone) AND NOT OK(Gone)");
  ASSERT_TRUE(rule.ok());
  EXPECT_TRUE((*rule)->Evaluate([](std::string_view) { return std::nullopt; }));
}

TEST(CompositeRuleTest, ArnChildIsLookedUpByName) {
  auto rule = CompileRule("ALARM(arn:aws:cloudwatch:eu-west-1:123456789012:alarm:Disk)");
  ASSERT_TRUE(rule.ok());
  std::vector<std::string> asked;
  EXPECT_TRUE((*rule)->Evaluate([&](std::string_view name) -> std::optional<State> {
    asked.emplace_back(name);
    return State::kAlarm;
  }));
  EXPECT_EQ(asked, std::vector<std::string>{"Disk"});
  const State states[] = {State::kOk};
  EXPECT_FALSE((*rule)->EvaluateStates(states));
}

struct Rejection {
  std::string rule;
  std::uint32_t column;
  std::string message_part;
};

void ExpectRejected(const std::vector<Rejection>& cases, const CompositeLimits& limits = {}) {
  for (const Rejection& c : cases) {
    auto rule = CompileRule(c.rule, limits);
    ASSERT_FALSE(rule.ok()) << c.rule.substr(0, 80);
    const Status& s = rule.status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.rule.substr(0, 80);
    ASSERT_TRUE(s.location().has_value()) << c.rule.substr(0, 80);
    EXPECT_EQ(s.location()->source, "AlarmRule");
    EXPECT_EQ(s.location()->line, 1u) << c.rule.substr(0, 80);
    EXPECT_EQ(s.location()->column, c.column) << c.rule.substr(0, 80) << ": " << s.ToString();
    EXPECT_NE(s.message().find(c.message_part), std::string::npos)
        << c.rule.substr(0, 80) << ": " << s.ToString();
  }
}

TEST(CompositeRuleTest, SyntaxErrors) {
  ExpectRejected({
      {"", 1, "AlarmRule is empty"},
      {"   ", 4, "expected ALARM(...)"},
      {"(ALARM(A) OR ALARM(B)", 22, "')' to close the '(' at column 1"},
      {"ALARM(A))", 9, "unbalanced ')'"},
      {"ALARM(A", 8, "expected ')' to close ALARM( at column 6"},
      {"ALARM A", 7, "expected '(' after ALARM"},
      {"ALARM()", 7, "expected an alarm name or ARN"},
      {"ALARM(\"\")", 7, "the alarm name is empty"},
      {"ALARM(\"A)", 7, "unterminated quoted alarm name"},
      {"ALARM(my alarm)", 10, "double-quote alarm names"},
      {"FOO(A)", 1, "unknown function 'FOO'"},
      {"Alarm(A)", 1, "write 'ALARM'"},
      {"ALARM(A) and OK(B)", 10, "write 'AND'"},
      {"ALARM(A) AND ok(B)", 14, "write 'OK'"},
      {"not ALARM(A)", 1, "write 'NOT'"},
      {"true", 1, "write 'TRUE'"},
      {"(TRUE or FALSE)", 7, "write 'OR'"},
      {"ALARM(A) OK(B)", 10, "expected AND, OR or the end of the rule, found 'OK'"},
      {"ALARM(A) junk", 10, "found 'junk'"},
      {"ALARM(A) AND", 13, "found the end of the rule"},
      {"AND ALARM(A)", 1, "expected an operand"},
      {"ALARM(A) AND OR OK(B)", 14, "expected an operand"},
      {"NOT", 4, "found the end of the rule"},
      {"()", 2, "found ')'"},
      {"CPU", 1, "alarm names go inside"},
      {"ALARM(arn:aws:sns:us-east-1:123456789012:alarm:X)", 7, "not a CloudWatch alarm ARN"},
      {"ALARM(arn:aws:cloudwatch:us-east-1:1234:alarm:X)", 7, "not a CloudWatch alarm ARN"},
      {"ALARM(arn:aws:cloudwatch:us-east-1:123456789012:metric:X)", 7, "not a CloudWatch alarm"},
      {"ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:)", 7, "alarm name is empty"},
      {"ALARM(\"a\tb\")", 7, "control characters"},
      {"ALARM(" + std::string(256, 'x') + ")", 7, "at most 255"},
  });
}

TEST(CompositeRuleTest, ErrorsOnLaterLinesCountLines) {
  auto rule = CompileRule("ALARM(A)\nAND\n  ok(B)");
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.status().ToString(),
            "AlarmRule:3:3: 'ok' is not recognised: keywords and function names are upper case; "
            "write 'OK'");
}

std::string OrOfChildren(int n) {
  std::string rule;
  for (int i = 0; i < n; ++i) rule += (i ? " OR ALARM(c" : "ALARM(c") + std::to_string(i) + ")";
  return rule;
}

TEST(CompositeRuleTest, Limits) {
  // Exactly at each limit compiles.
  std::string max_len = "ALARM(\"" + std::string(255, 'x') + "\")";
  while (max_len.size() + 9 <= 10240) max_len += " AND TRUE";
  max_len += std::string(10240 - max_len.size(), ' ');
  ASSERT_EQ(max_len.size(), 10240u);
  auto at_len = CompileRule(max_len, {.max_elements = 100000});
  EXPECT_TRUE(at_len.ok()) << at_len.status().ToString();
  auto at_children = CompileRule(OrOfChildren(100));
  ASSERT_TRUE(at_children.ok()) << at_children.status().ToString();
  EXPECT_EQ((*at_children)->children().size(), 100u);
  // Repeating a child, even spelled as an ARN, does not count it twice.
  EXPECT_TRUE(
      CompileRule(OrOfChildren(100) + " OR OK(arn:aws:cloudwatch:us-east-1:123456789012:alarm:c0)")
          .ok());
  std::string five_hundred = OrOfChildren(100);
  for (int i = 0; i < 400; ++i) five_hundred += " OR TRUE";
  EXPECT_TRUE(CompileRule(five_hundred).ok());
  std::string nested_100 = std::string(99, '(') + "NOT TRUE" + std::string(99, ')');
  EXPECT_TRUE(CompileRule(nested_100).ok());

  const std::string long_rule = "TRUE" + std::string(10237, ' ');
  const std::string c100 = OrOfChildren(100);
  ExpectRejected({
      {long_rule, 10241, "10241 characters long; at most 10240"},
      {c100 + " OR ALARM(extra)", static_cast<std::uint32_t>(c100.size() + 11),
       "more than 100 child alarms"},
      {five_hundred + " OR FALSE", static_cast<std::uint32_t>(five_hundred.size() + 5),
       "more than 500 elements"},
      {std::string(100, '(') + "NOT TRUE" + std::string(100, ')'), 101, "deeper than 100 levels"},
      {std::string(5000, '(') + "TRUE" + std::string(5000, ')'), 101, "deeper than 100 levels"},
  });
}

TEST(CompositeRuleTest, DeepNestingFailsCleanly) {
  // 10,000 levels: too long for AWS; with the length limit lifted, the depth limit still stops
  // the recursive parser long before the stack could overflow.
  const std::string parens = std::string(10000, '(') + "TRUE" + std::string(10000, ')');
  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "NOT ";
  nots += "TRUE";
  ExpectRejected({{parens, 10241, "at most 10240"}});
  const CompositeLimits unlimited_length{.max_length = 1 << 20, .max_elements = 1 << 20};
  ExpectRejected({{parens, 101, "nested deeper than 100 levels"},
                  {nots, 401, "nested deeper than 100 levels"}},
                 unlimited_length);
}

CompositeSet Composites(const std::vector<std::pair<std::string, std::string>>& rules) {
  CompositeSet set;
  for (const auto& [name, text] : rules) {
    auto rule = CompileRule(text);
    EXPECT_TRUE(rule.ok()) << text;
    if (rule.ok()) set.emplace(name, *rule);
  }
  return set;
}

TEST(CompositeCyclesTest, AcyclicSetsPass) {
  EXPECT_TRUE(CheckCycles({}).ok());
  EXPECT_TRUE(CheckCycles(Composites({{"Top", "ALARM(Mid) OR ALARM(Cpu)"},
                                      {"Mid", "ALARM(Cpu) AND OK(Disk)"},
                                      {"Other", "ALARM(Mid) AND NOT ALARM(Top)"}}))
                  .ok());
}

TEST(CompositeCyclesTest, CyclesAreNamed) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> rules;
    std::string cycle;
  };
  const std::vector<Case> cases = {
      {{{"Self", "ALARM(Self) OR TRUE"}}, "Self -> Self"},
      {{{"A", "ALARM(B)"}, {"B", "OK(A)"}}, "A -> B -> A"},
      {{{"A", "ALARM(Cpu) AND ALARM(B)"},
        {"B", "ALARM(C)"},
        {"C", "NOT ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:B)"}},
       "B -> C -> B"},
      {{{"A", "ALARM(B)"}, {"B", "ALARM(C)"}, {"C", "ALARM(D)"}, {"D", "INSUFFICIENT_DATA(A)"}},
       "A -> B -> C -> D -> A"},
  };
  for (const Case& c : cases) {
    Status s = CheckCycles(Composites(c.rules));
    ASSERT_FALSE(s.ok()) << c.cycle;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(),
              "composite alarms form a cycle: " + c.cycle +
                  "; AWS never evaluates alarms in a cycle, so trailwatch rejects it (set one "
                  "of the rules to FALSE to break it)");
  }
}

TEST(CompositeCyclesTest, LongChainDoesNotRecurse) {
  std::vector<std::pair<std::string, std::string>> rules;
  for (int i = 0; i < 20000; ++i) {
    rules.emplace_back("c" + std::to_string(i), "ALARM(c" + std::to_string(i + 1) + ")");
  }
  EXPECT_TRUE(CheckCycles(Composites(rules)).ok());
}

TEST(CompositeReasonTest, ByteExact) {
  const std::string arn = "arn:aws:cloudwatch:us-east-1:427809481713:alarm:";
  // 2021-11-10T02:45:55Z, the spec's example.
  EXPECT_EQ(CompositeReason(arn + "Disk", State::kAlarm, 1636512355000),
            arn + "Disk transitioned to ALARM at Wednesday 10 November, 2021 02:45:55 UTC");
  // Milliseconds are dropped; days are zero-padded (EEEE dd MMMM, yyyy).
  EXPECT_EQ(CompositeReason(arn + "Cpu", State::kOk, 1631730751999),
            arn + "Cpu transitioned to OK at Wednesday 15 September, 2021 18:32:31 UTC");
  EXPECT_EQ(CompositeReason(arn + "X", State::kInsufficientData, 1667756633000),
            arn + "X transitioned to INSUFFICIENT_DATA at Sunday 06 November, 2022 17:43:53 UTC");
  EXPECT_EQ(CompositeReason("a", State::kAlarm, 0),
            "a transitioned to ALARM at Thursday 01 January, 1970 00:00:00 UTC");
  EXPECT_EQ(CompositeReason("a", State::kAlarm, -1),
            "a transitioned to ALARM at Wednesday 31 December, 1969 23:59:59 UTC");
  EXPECT_EQ(CompositeReason("a", State::kAlarm, 951782400000),
            "a transitioned to ALARM at Tuesday 29 February, 2000 00:00:00 UTC");
}

}  // namespace
}  // namespace trailwatch::alarm
