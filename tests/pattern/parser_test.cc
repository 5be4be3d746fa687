// Golden S-expression dumps of the parser's output: one line per pattern, readable at a glance.
#include <gtest/gtest.h>

#include "pattern/ast.h"

namespace trailwatch::pattern {
namespace {

struct Golden {
  const char* pattern;
  const char* dump;
};

void ExpectDumps(const std::vector<Golden>& cases) {
  for (const Golden& c : cases) {
    auto ast = Parse(c.pattern, Limits{});
    ASSERT_TRUE(ast.ok()) << c.pattern << " -> " << ast.status().ToString();
    EXPECT_EQ(DumpAst(*ast), c.dump) << c.pattern;
    // Re-parsing with other white space gives the same tree (libsinsp's accept helper idea).
    std::string spaced = c.pattern;
    char quote = 0;
    for (char& ch : spaced) {
      if (quote == 0 && (ch == '"' || ch == '\'')) {
        quote = ch;
      } else if (ch == quote) {
        quote = 0;
      } else if (quote == 0 && ch == ' ') {
        ch = '\t';
      }
    }
    auto again = Parse(spaced, Limits{});
    if (again.ok() && ast->kind != PatternKind::kTerms && ast->kind != PatternKind::kRegex) {
      EXPECT_EQ(DumpAst(*again), c.dump) << "tabs: " << c.pattern;
    }
  }
}

TEST(ParserTest, MatchAll) {
  ExpectDumps({
      {"", "(match-all)"},
      {" ", "(match-all)"},
      {"\" \"", "(match-all)"},
      {"  \t ", "(match-all)"},
  });
}

TEST(ParserTest, Terms) {
  ExpectDumps({
      {"ERROR", "(terms (req \"ERROR\"))"},
      {"ERROR ARGUMENTS", "(terms (req \"ERROR\") (req \"ARGUMENTS\"))"},
      {"?ERROR ?ARGUMENTS REQUEST",
       "(terms (opt \"ERROR\") (opt \"ARGUMENTS\") (req \"REQUEST\"))"},
      {"\"INTERNAL SERVER ERROR\"", "(terms (req \"INTERNAL SERVER ERROR\"))"},
      {"ERROR -ARGUMENTS", "(terms (req \"ERROR\") (not \"ARGUMENTS\"))"},
      {"\"ERROR\" - \"Exiting\"", "(terms (req \"ERROR\") (not \"Exiting\"))"},
      {"\"[ERROR]\" Exception", "(terms (req \"[ERROR]\") (req \"Exception\"))"},
      {"?\"clean up\" ?xyz", "(terms (opt \"clean up\") (opt \"xyz\"))"},
      {"\"say \\\"hi\\\"\"", "(terms (req \"say \\\"hi\\\"\"))"},
      {"-DEBUG", "(terms (not \"DEBUG\"))"},
      {"ERROR %foo%", "(terms (req \"ERROR\") (req \"%foo%\"))"},
  });
}

TEST(ParserTest, Regex) {
  ExpectDumps({
      {"%AUTHORIZED%", "(regex %AUTHORIZED%)"},
      {"%^[hc]at%", "(regex %^[hc]at%)"},
      {"  %a{3,5}%  ", "(regex %a{3,5}%)"},
  });
}

TEST(ParserTest, Json) {
  ExpectDumps({
      {"{ $.eventType = \"UpdateTrail\" }", "(json (= $.eventType \"UpdateTrail\"))"},
      {"{ $.sourceIPAddress != 123.123.* }", "(json (!= $.sourceIPAddress \"123.123.\"*))"},
      {"{ $.arrayKey[0] = \"value\" }", "(json (= $.arrayKey[0] \"value\"))"},
      {"{ $.objectList[1].id = 2 }", "(json (= $.objectList[1].id num:2))"},
      {"{ $.eventType = %Trail% }", "(json (= $.eventType %Trail%))"},
      {"{ $.arrayKey[*] = %val.{2}% }", "(json (= $.arrayKey[*] %val.{2}%))"},
      {"{ $.* = * }", "(json (= $[*] *))"},
      {"{ $.['cluster.name'] = \"c\" }", "(json (= $.['cluster.name'] \"c\"))"},
      {"{ $['a b'] = x }", "(json (= $.['a b'] \"x\"))"},
      {"{ $.SomeObject IS NULL }", "(json (is-null $.SomeObject))"},
      {"{ $.ThisFlag IS TRUE }", "(json (is-true $.ThisFlag))"},
      {"{ $.ThisFlag IS FALSE }", "(json (is-false $.ThisFlag))"},
      {"{ $.SomeOtherObject NOT EXISTS }", "(json (not-exists $.SomeOtherObject))"},
      {"{ $.eventType = \"*\" }", "(json (= $.eventType *))"},
      {"{ $.a = \"*Event\" }", "(json (= $.a *\"Event\"))"},
      {"{ $.a = \"Ev*ent\" }", "(json (= $.a \"Ev*ent\"))"},
      {"{ $.a = \"\\*x\\*\" }", "(json (= $.a \"*x*\"))"},
      {"{ $.a = \"*AccessDenied*\" }", "(json (= $.a *\"AccessDenied\"*))"},
      {"{ $.latency > +1000 }", "(json (> $.latency num:+1000))"},
      {"{ $.n[0] = 1e-3 }", "(json (= $.n[0] num:1e-3))"},
      {"{ $.n <= 55.5 }", "(json (<= $.n num:55.5))"},
      {"{ $.a = 1 || $.b = 2 && $.c = 3 }",
       "(json (or (= $.a num:1) (and (= $.b num:2) (= $.c num:3))))"},
      {"{ ($.a = 1 || $.b = 2) && $.c = 3 }",
       "(json (and (or (= $.a num:1) (= $.b num:2)) (= $.c num:3)))"},
      {"{((($.a=x)))}", "(json (= $.a \"x\"))"},
      {"{ $.coordinates[0][1] = nonmatch }", "(json (= $.coordinates[0][1] \"nonmatch\"))"},
      {"{$.userIdentity.type=\"Root\" && $.userIdentity.invokedBy NOT EXISTS && "
       "$.eventType !=\"AwsServiceEvent\"}",
       "(json (and (= $.userIdentity.type \"Root\") (not-exists $.userIdentity.invokedBy) "
       "(!= $.eventType \"AwsServiceEvent\")))"},
      {"{ $.eventSource = kms.amazonaws.com }", "(json (= $.eventSource \"kms.amazonaws.com\"))"},
  });
}

TEST(ParserTest, Delimited) {
  ExpectDumps({
      {"[]", "(delimited)"},
      {"[ip, user, ...]", "(delimited (field ip) (field user) (...))"},
      {"[..., status_code=200, size]",
       "(delimited (...) (field status_code (or (and (= status_code num:200)))) (field size))"},
      {"[..., request=*.html*, status_code=4*,]",
       "(delimited (...) (field request (or (and (= request *\".html\"*)))) "
       "(field status_code (or (and (= status_code \"4\"*)))) (slot))"},
      {"[w1=ERROR || w1=WARNING, w2]",
       "(delimited (field w1 (or (and (= w1 \"ERROR\")) (and (= w1 \"WARNING\")))) (field w2))"},
      {"[w1!=ERROR && w1!=WARNING, w2]",
       "(delimited (field w1 (or (and (!= w1 \"ERROR\") (!= w1 \"WARNING\")))) (field w2))"},
      {"[ip=%127\\.0\\.0\\.[1-9]%, rest]",
       "(delimited (field ip (or (and (= ip %127\\.0\\.0\\.[1-9]%)))) (field rest))"},
      {"[a, , b]", "(delimited (field a) (slot) (field b))"},
      {"[bytes > 1000]", "(delimited (field bytes (or (and (> bytes num:1000)))))"},
  });
}

}  // namespace
}  // namespace trailwatch::pattern
