// Conformance with shared/spec/cloudwatch.md §1.1 (regular expressions) and §1.2 (terms). Every
// case runs through the public API (Compile + Matcher); where the spec marks behaviour
// [UNDOC]/[CONFLICT], the tests pin the choices written down in docs/filter-patterns.md.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "pattern/conformance.h"

namespace trailwatch::pattern {
namespace {

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

}  // namespace
}  // namespace trailwatch::pattern
