// `trailwatch demo` (what `make run` runs) on the real binary: it finishes well inside its
// 30-second budget, every call answers as the story says, the alerts a newcomer should see
// arrive with who / what / where, no secret value is printed, and the temporary data dir is
// gone afterwards.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "app/process.h"

namespace {

using trailwatch::testing::Output;
using trailwatch::testing::RunProcess;

std::size_t Count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// The demo's secret value is "demo-" and 24 hex digits.
bool HasSecretValue(std::string_view text) {
  for (std::size_t at = text.find("demo-"); at != std::string_view::npos;
       at = text.find("demo-", at + 1)) {
    std::size_t hex = 0;
    while (at + 5 + hex < text.size() &&
           std::isxdigit(static_cast<unsigned char>(text[at + 5 + hex])) != 0) {
      ++hex;
    }
    if (hex >= 24) return true;
  }
  return false;
}

TEST(DemoCli, TellsTheStoryInUnderThirtySeconds) {
  const auto start = std::chrono::steady_clock::now();
  const Output r = RunProcess({TRAILWATCH_BINARY, "demo"});
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(seconds, 30.0);

  // Every call answered as the story says: 8 allowed calls, one refusal.
  EXPECT_EQ(Count(r.out, "-> HTTP 200 OK"), 8u) << r.out;
  EXPECT_EQ(Count(r.out, "-> HTTP 400 AccessDeniedException"), 1u) << r.out;

  // The alerts, each once.
  struct Expected {
    std::string subject;
    std::string who;
  };
  const Expected expected[] = {
      {R"(>>> ALARM: "Secrets-SecretRead" in US East (N. Virginia))", "user/reader"},
      {R"(>>> ALERT (high): "Secrets-SecretReadOutsideAllowlist" in US East (N. Virginia))",
       "user/intruder"},
      {R"(>>> ALARM: "Secrets-AccessDenied" in US East (N. Virginia))", "user/intruder"},
      {R"(>>> ALARM: "CIS-4.1-UnauthorizedApiCalls" in US East (N. Virginia))", "user/intruder"},
      {R"(>>> ALERT (high): "Secrets-SecretReadBurst" in US East (N. Virginia))", "user/reader"},
  };
  for (const Expected& e : expected) {
    EXPECT_EQ(Count(r.out, e.subject), 1u) << e.subject << "\n" << r.out;
    // Its who / what / where block follows the subject.
    const std::size_t at = r.out.find(e.subject);
    if (at == std::string::npos) continue;
    const std::string block = r.out.substr(at, r.out.find("\n\n", at) - at);
    EXPECT_NE(block.find("- Who:                        arn:aws:iam::123456789012:" + e.who),
              std::string::npos)
        << block;
    EXPECT_NE(block.find("- Resource:                   prod/payments/db-password"),
              std::string::npos)
        << block;
    EXPECT_NE(block.find("- Source IP:                  127.0.0.1"), std::string::npos) << block;
  }
  EXPECT_EQ(Count(r.out, ">>> "), std::size(expected)) << "no other alerts";
  // The reader is on the allowlist: no outside-allowlist alert names it.
  EXPECT_EQ(Count(r.out, "5 alerts in"), 1u) << r.out;

  EXPECT_NE(r.out.find("CloudTrail/us-east-1/"), std::string::npos) << "the trail file is shown";
  EXPECT_NE(r.out.find("aws --endpoint-url http://127.0.0.1:"), std::string::npos);
  EXPECT_FALSE(HasSecretValue(r.out + r.err));

  // The temporary data dir is removed.
  const std::size_t dir = r.out.find("trailwatch-demo-");
  ASSERT_NE(dir, std::string::npos);
  const std::size_t begin = r.out.rfind(' ', dir) + 1;
  const std::string path = r.out.substr(begin, r.out.find('/', dir) - begin);
  EXPECT_FALSE(std::filesystem::exists(path)) << path;
}

}  // namespace
