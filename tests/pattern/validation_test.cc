// Validation of filter patterns (spec: shared/spec/cloudwatch.md §1): patterns AWS rejects must
// fail to compile with a useful message at the right 1-based column; tricky patterns AWS
// accepts must compile.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pattern/pattern.h"

namespace trailwatch::pattern {
namespace {

struct Rejected {
  std::string pattern;
  std::string message;  // a substring of the error message
  std::uint32_t column;
};

std::string Nested(int depth) {
  return "{" + std::string(static_cast<std::size_t>(depth), '(') + "$.a=1" +
         std::string(static_cast<std::size_t>(depth), ')') + "}";
}

void ExpectRejected(const std::vector<Rejected>& cases) {
  for (const Rejected& c : cases) {
    SCOPED_TRACE(testing::Message() << "pattern: " << c.pattern);
    auto program = Compile(c.pattern);
    if (program.ok()) {
      ADD_FAILURE() << "pattern " << c.pattern << " compiled; want error containing \"" << c.message
                    << "\" at column " << c.column;
      continue;
    }
    const Status status = program.status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
    EXPECT_NE(status.message().find(c.message), std::string::npos)
        << "pattern " << c.pattern << ": message \"" << status.message() << "\" does not contain \""
        << c.message << "\"";
    if (!status.location()) {
      ADD_FAILURE() << "pattern " << c.pattern << ": error has no location: " << status.ToString();
      continue;
    }
    EXPECT_EQ(status.location()->source, "filter pattern");
    EXPECT_EQ(status.location()->line, 1u) << status.ToString();
    EXPECT_EQ(status.location()->column, c.column)
        << "pattern " << c.pattern << ": " << status.ToString();
    EXPECT_EQ(status.ToString().rfind("filter pattern:1:" + std::to_string(c.column) + ": ", 0), 0u)
        << status.ToString();
  }
}

TEST(PatternValidation, RegexDialect) {
  ExpectRejected({
      // Characters outside AWS's set.
      {"%something!%", "character '!' is not supported in regular expressions", 11},
      {R"(%a"b%)", "character '\"' is not supported", 3},
      {"%a&b%", "character '&' is not supported", 3},
      {"%\xC3\xA9%", "multi-byte characters are not supported", 2},
      {"%a\tb%", "control character 0x09", 3},
      // No groups.
      {"%(abc)%", "parentheses are not supported in regular expressions", 2},
      {"%abc)%", "parentheses are not supported", 5},
      {R"(%a\(%)", "character '(' is not supported", 4},
      {"{ $.a = %(x)% }", "parentheses are not supported", 10},
      {"[a=%x)%]", "parentheses are not supported", 6},
      // Escapes other than \d \D \s \S \w \W \xhh and escaped symbols.
      {R"(%a\bc%)", R"('\b' is not supported in regular expressions)", 3},
      {R"({ $.a = %\b% })", R"('\b' is not supported)", 10},
      {R"(%\n%)", R"('\n' is not supported)", 2},
      {R"(%\xZZ%)", R"('\x' must be followed by two hex digits)", 2},
      {R"(%\x3%)", R"('\x' must be followed by two hex digits)", 2},
      {R"(%abc\%)", "regular expression ends with a lone '\\'", 5},
      // '{' that does not form a repetition.
      {"%a{x}%", "'{' must start a repetition", 3},
      {"%{%", "'{' must start a repetition", 2},
      {"%a{}%", "'{' must start a repetition", 3},
      {"%a{,}%", "'{' must start a repetition", 3},
      {"%a{2%", "'{' must start a repetition", 3},
      {"%a{5,2}%", "has its bounds reversed", 3},
      {"%a{1001}%", "repetition counts above 1000", 3},
      // Unclosed class, missing '%', empty regex.
      {"%[abc%", "'[' in regular expression has no closing ']'", 2},
      {"%abc", "must end with '%'", 1},
      {"  %abc", "must end with '%'", 3},
      {"%", "must end with '%'", 1},
      {"%%", "empty regular expression", 1},
      {"{ $.a = %% }", "empty regular expression", 9},
      {"{ $.a = %abc }", "has no closing '%'", 9},
  });
}

TEST(PatternValidation, RegexQuota) {
  ExpectRejected({
      {"{ $.a = %x% || $.b = %y% || $.c = %z% }", "at most 2 regular expressions are allowed", 35},
      {"[a=%x%, b=%y%, c=%z%]", "at most 2 regular expressions are allowed", 18},
      {"[a=%x% || a=%y% || a=%z%]", "at most 2 regular expressions are allowed", 22},
  });
}

TEST(PatternValidation, Length) {
  ExpectRejected({
      {std::string(1025, 'a'), "filter pattern is 1025 characters long; at most 1024 are allowed",
       1025},
      {"{ $.a = \"" + std::string(1013, 'x') + "\" }", "at most 1024 are allowed", 1025},
      {std::string(2000, 'a'), "filter pattern is 2000 characters long", 1025},
  });
}

TEST(PatternValidation, JsonStructure) {
  ExpectRejected({
      // AWS's own wording for an unclosed JSON pattern.
      {"{ $.a = 1", "If a filter pattern starts with '{' it must end with '}'", 9},
      {"{ $.a = 1   ", "If a filter pattern starts with '{' it must end with '}'", 9},
      {"{", "If a filter pattern starts with '{' it must end with '}'", 1},
      {"{ $.a = 1 } x", "If a filter pattern starts with '{' it must end with '}'", 13},
      {"{ }", "empty JSON pattern", 3},
      // Unbalanced parentheses.
      {"{ ($.a = 1 }", "expected ')' to close the '(' at column 3, found '}'", 12},
      {"{ (($.a = 1) }", "expected ')' to close the '(' at column 3", 14},
      {"{ $.a = 1) }", "expected '&&', '||' or '}', found ')'", 10},
      {"{ ($.a = 1)) }", "expected '&&', '||' or '}', found ')'", 12},
      {"{ () }", "expected a selector such as $.eventName or '(', found ')'", 4},
      // Trailing junk after the closing brace.
      {"{ $.a = 1 } }", "unexpected text after the closing '}'", 13},
      {"{ $.a = 1 }}", "unexpected text after the closing '}'", 12},
      // Operators.
      {"{ $.a = 1 & $.b = 2 }", "'&' must be doubled: '&&'", 11},
      {"{ $.a = 1 | $.b = 2 }", "'|' must be doubled: '||'", 11},
      {"{ $.a ! 1 }", "'!' must be part of '!='", 7},
      {"{ $.a = 1 || }", "expected a selector such as $.eventName", 14},
      {"{ && $.a = 1 }", "expected a selector such as $.eventName", 3},
      {"{ $.a = 1 $.b = 2 }", "expected '&&', '||' or '}', found '$.b'", 11},
      {"{ a = 1 }", "expected a selector such as $.eventName or '(', found 'a'", 3},
      {"{ $.a }", "expected a comparison operator, IS or NOT EXISTS after the selector", 7},
      {"{ $.a = }", "expected a value after '='", 9},
      {"{ $.a == 1 }", "expected a value after '='", 8},
      // EXISTS without NOT, IS NOT.
      {"{ $.a EXISTS }", "'EXISTS' is not supported", 7},
      {"{ ($.eventSource = secretsmanager.amazonaws.com) && ($.errorCode EXISTS) }",
       "'EXISTS' is not supported", 66},
      {"{ $.a = \"\xC3\xA9\" && $.b EXISTS }", "'EXISTS' is not supported", 20},  // é is one column
      {"{ $.a IS NOT NULL }", "'IS NOT' is not supported", 10},
      {"{ $.a IS MAYBE }", "expected NULL, TRUE or FALSE after IS", 10},
      {"{ $.a IS }", "expected NULL, TRUE or FALSE after IS", 10},
      {"{ $.a NOT NULL }", "expected EXISTS after NOT", 11},
      // Relational operators need numbers.
      {"{ $.a < abc }", "'<' compares numbers; 'abc' is not a number", 9},
      {R"({ $.a > "5" })", "'>' compares numbers", 9},
      {"{ $.a >= * }", "'>=' compares numbers", 10},
      {"{ $.a <= %5% }", "'<=' compares numbers", 10},
      {"{ $.a < 1e }", "'<' compares numbers", 9},
      // Unterminated strings.
      {R"({ $.a = "abc })", "unterminated quoted string", 9},
      {R"({ $.a = "abc\" })", "unterminated quoted string", 9},
      {"{ $.['a = 1 }", "unterminated quoted key", 5},
  });
}

TEST(PatternValidation, Selectors) {
  ExpectRejected({
      {"{ $ = 1 }", "selector '$' must name a field", 3},
      {"{ $.a. = 1 }", "expected a field name, '*' or ['key'] after '.'", 7},
      {"{ $.a[x] = 1 }", "expected an array index, '*' or a quoted key after '['", 7},
      {"{ $.a[0 = 1 }", "'[' in selector has no closing ']'", 6},
      {"{ $.a[99999999999] = 1 }", "array index is too large", 7},
      // One wildcard per selector.
      {"{ $.a[*].b[*] = 1 }", "a selector may contain at most one wildcard", 3},
      {"{ $.a.*[*] = 1 }", "a selector may contain at most one wildcard", 3},
      {"{ $.a = 1 && $.*.*.c = 1 }", "a selector may contain at most one wildcard", 14},
      // At most three wildcard selectors per pattern.
      {"{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 || $.d[*] = 1 }",
       "at most 3 wildcard selectors are allowed", 45},
      {"{ $.a[*] = 1 || $.b.* = 1 || $.c[*].d = 1 || $.e.*.f = 1 }",
       "at most 3 wildcard selectors are allowed", 46},
  });
}

TEST(PatternValidation, Nesting) {
  ExpectRejected({
      {Nested(257), "parentheses are nested deeper than 256 levels", 258},
  });
}

TEST(PatternValidation, DelimitedStructure) {
  ExpectRejected({
      {"[a, b", "If a filter pattern starts with '[' it must end with ']'", 5},
      {"[", "If a filter pattern starts with '[' it must end with ']'", 1},
      {"[a] b]", "unexpected text after the closing ']'", 5},
      {"[a]]", "unexpected text after the closing ']'", 4},
      // The invalid 2020-2021 doc example: conditions in one slot must test the same field.
      {"[..., status_code = 4* && bytes > 1000]",
       "conditions joined by '&&' or '||' in one field must all test that field ('status_code')",
       27},
      {"[a = 1 || b = 2]", "must all test that field ('a')", 11},
      {"[a = 1 || a]", "expected a comparison operator after 'a'", 12},
      // One ellipsis.
      {"[..., a, ...]", "only one '...' is allowed", 10},
      {"[..., ...]", "only one '...' is allowed", 7},
      // Names, separators, values.
      {"[a.b]", "field name 'a.b' may contain only letters, digits, '_' and '-'", 2},
      {"[a, a]", "field name 'a' is used twice", 5},
      {"[a b]", "expected ',' or ']', found 'b'", 4},
      {"[$.a]", "expected a field name, '...' or ',', found '$.a'", 2},
      {"[a = ]", "expected a value after '='", 6},
      {"[a < x]", "'<' compares numbers; 'x' is not a number", 6},
      {R"([a > "10"])", "'>' compares numbers", 6},
      {"[a = 1 & a = 2]", "'&' must be doubled: '&&'", 8},
      {"[a = 1 | a = 2]", "'|' must be doubled: '||'", 8},
      {R"([a = "x])", "unterminated quoted string", 6},
  });
}

TEST(PatternValidation, Terms) {
  ExpectRejected({
      {R"("abc)", "unterminated quoted term", 1},
      {R"(ERROR "abc def)", "unterminated quoted term", 7},
      {R"(-"abc)", "unterminated quoted term", 2},
      {"-", "'-' must be followed by a term", 1},
      {"ERROR ?", "'?' must be followed by a term", 7},
      {"ERROR -   ", "'-' must be followed by a term", 7},
      {R"(ab"cd")", "'\"' inside an unquoted term", 3},
      {R"("abc"def)", "a quoted term must be followed by white space", 6},
  });
}

TEST(PatternValidation, LineAndColumnOnLaterLines) {
  auto program = Compile("{ $.a = 1\n  && $.b EXISTS }");
  ASSERT_FALSE(program.ok());
  const Status status = program.status();
  ASSERT_TRUE(status.location().has_value()) << status.ToString();
  EXPECT_EQ(status.location()->line, 2u);
  EXPECT_EQ(status.location()->column, 10u);
  EXPECT_EQ(status.ToString().rfind("filter pattern:2:10: 'EXISTS' is not supported", 0), 0u)
      << status.ToString();
}

TEST(PatternValidation, ToStringFormat) {
  auto program = Compile("{ $.a EXISTS }");
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().ToString().rfind("filter pattern:1:7: 'EXISTS' is not supported", 0),
            0u)
      << program.status().ToString();
}

TEST(PatternValidation, TrickyPatternsAreAccepted) {
  const std::vector<std::string> accepted = {
      // Match-all spellings.
      "",
      " ",
      "\t \n",
      R"(" ")",
      // Exactly at the length limit.
      std::string(1024, 'a'),
      "{ $.a = \"" + std::string(1012, 'x') + "\" }",
      // Regexes.
      R"(%\x3A%)",
      R"(%\x28.*\x29%)",
      "%^starting|^initializing|^shutting down%",
      "%a{,5}%",
      "%a{2,}%",
      "%a{3}%",
      "%a{0,1000}%",
      "%[^c]at%",
      R"(%\[.\]%)",
      "%[]]%",
      "%[a-z0-9_:#=@/;,-]%",
      R"(%\d\D\s\S\w\W%)",
      R"(%\.\*\+\?\|\^\$\{\}\[\]\\%)",
      R"(%[\d\s]%)",
      "%x%",
      // JSON.
      R"({ $.['cluster.name'] = "c" })",
      R"({ $['cluster.name'] = "c" })",
      R"({ $.["key with space"] = 1 })",
      "{$.a=1}",
      "{   $.a   =   1   }",
      "  { $.a = 1 }  ",
      "{\n  $.a = 1\n  && $.b = 2\n}",
      "{ (($.a = 1)) }",
      "{ $.a-b.c_d1 = 1 }",
      "{ $[0] = 1 }",
      "{ $.a[0][1].b = 1 }",
      "{ $.a[*].b = 1 || $.c.* = 2 || $.d[*] = 3 }",
      "{ $.a = %x% && $.b = %y% }",
      R"({ $.a = "x\"y" })",
      R"({ $.a = "back\\slash" })",
      R"({ $.a = "" })",
      R"({ $.a = "with spaces, (parens), && || { } [ ] $ % !" })",
      "{ $.a = kms.amazonaws.com }",
      "{ $.a = 123.123.* }",
      "{ $.a = arn:aws:iam::123456789012:root/x }",
      "{ $.a = * }",
      R"({ $.a = "*" })",
      "{ $.a != * }",
      "{ $.a = *Event }",
      "{ $.a = Ev*ent }",
      "{ $.a = EXISTS }",
      "{ $.a = -1 }",
      "{ $.a > +1000 }",
      "{ $.a < .5 }",
      "{ $.a < 5. }",
      "{ $.a < 1e+3 }",
      "{ $.a >= -2.5E-3 }",
      "{ $.a IS TRUE && $.b IS FALSE && $.c IS NULL && $.d NOT EXISTS }",
      "{ $.a = 1 || $.b = 2 && $.c = 3 || ($.d = 4 && ($.e = 5 || $.f = 6)) }",
      Nested(256),
      // Space-delimited.
      "[]",
      "[ ]",
      "[...]",
      "[..., x=1,]",
      "[a,,b]",
      "[,]",
      "[a=%x%, b=%y%]",
      "[a=%x% || a=%y%]",
      "[w1!=ERROR&&w1!=WARN, w2]",
      "[a = 404 || a = 410]",
      "[a = 1 && a != 2 || a = 3]",
      R"([a = "quoted value", b])",
      "[a = *.html*]",
      "[a = rh-sched*]",
      "[..., a]",
      "[a, ...]",
      "[ip, user, ..., status_code, bytes]",
      "[a-b, c_d, 3]",
      "[a > 1.5e3, b <= -1]",
      "[ERROR]",
      // Terms.
      "ERROR",
      "ERROR -Exiting",
      R"("ERROR" - "Exiting")",
      R"(?"clean up" ?xyz)",
      R"(-"BAD REQUEST")",
      R"("[ERROR]")",
      R"("ERROR][grpc")",
      R"("quote \" inside")",
      "a & b | c",
      "$.foo",
      "x{y",
      "}{",
      "(x)",
      "ERROR!",
      "100%",
      "a%b%",
      "\xC3\xA9t\xC3\xA9",
  };
  for (const std::string& p : accepted) {
    auto program = Compile(p);
    EXPECT_TRUE(program.ok()) << "pattern: " << p << "\n    error: " << program.status().ToString();
  }
}

}  // namespace
}  // namespace trailwatch::pattern
