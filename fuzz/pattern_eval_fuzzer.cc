// Fuzzes evaluation: the input is "pattern", then a NUL or newline, then the message (with no
// separator the whole input is both). A pattern that compiles is matched against the message
// and against a few fixed CloudTrail-like and plain-text messages, and its extracted values are
// computed.
//
// For JSON patterns it also checks that the two ways of running a program agree: a Matcher
// (the program's own PathSet) and a program compiled against a shared registry whose slots
// are shifted by another program's paths, evaluated on one shared extraction.
// (Whether a message counts as JSON must not depend on which paths are read.)
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "event/event.h"
#include "pattern/pattern.h"

namespace {

namespace event = trailwatch::event;
namespace pattern = trailwatch::pattern;

constexpr std::size_t kMaxInput = 4096;

constexpr std::array<std::string_view, 7> kFixedMessages = {
    R"({"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE"},"eventTime":"2026-11-02T09:14:03Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"},"readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true})",
    R"({"userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"type":"Role","userName":"deploy"},"attributes":{"mfaAuthenticated":"false"}}},"eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","errorCode":"Client.UnauthorizedOperation","requestParameters":{"groupId":"sg-0123","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}},"resources":[{"ARN":"arn:aws:ec2:us-east-1:111122223333:security-group/sg-0123"},{"ARN":null}],"readOnly":false,"bytes":1.5e3,"count":-7})",
    R"({"eventName":"GetSecretValue","eventSource":"secretsmanager.amazonaws.com","errorCode":"InvalidRequestException","errorMessage":"You can't perform this operation on the secret because it was marked for deletion.","requestParameters":{"secretId":"prod/db"},"responseElements":null,"tags":["a","b",{"k":"v"}],"flag":true,"none":null,"esc":"tab\there \"q\" \u00e9"})",
    R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534)",
    R"(2026-11-02T09:14:03Z ERROR [main] Exception in thread "main" java.lang.NullPointerException)",
    R"([{"eventName":"ConsoleLogin"}])",
    "",
};

// A program whose paths go into the shared registry first, so the fuzzed program's slots do
// not start at zero.
constexpr std::string_view kOtherPattern =
    R"({ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" })";

void Check(bool ok) {
  if (!ok) std::abort();
}

// Scratch reused across inputs (like a long-running process would).
struct Scratch {
  event::Extractor extractor;
  event::EventView view;
};

void Run(pattern::Matcher& matcher, const pattern::Program* shared_program,
         const event::PathSet* shared_paths, Scratch* scratch, std::string_view message) {
  const bool matched = matcher.Matches(message);
  const pattern::ExtractedValues values = matcher.Extracted();
  for (const auto& [name, value] : values) Check(!name.empty() && name[0] == '$');
  if (shared_program != nullptr) {
    scratch->extractor.Extract(*shared_paths, message, &scratch->view);
    const bool shared_matched = shared_program->Matches(scratch->view);
    if (shared_matched != matched) {
      std::fprintf(stderr, "Matcher says %d, shared registry says %d\npattern: %s\nmessage: %.*s\n",
                   matched, shared_matched, shared_program->text().c_str(),
                   static_cast<int>(message.size()), message.data());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return -1;  // keep the input out of the corpus
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find_first_of(std::string_view("\0\n", 2));
  const std::string_view text = split == std::string_view::npos ? input : input.substr(0, split);
  const std::string_view message =
      split == std::string_view::npos ? input : input.substr(split + 1);

  auto program = pattern::Compile(text);
  if (!program.ok()) return 0;
  pattern::Matcher matcher(*program);

  // The same pattern compiled against a registry shared with another program.
  static Scratch* const scratch = new Scratch;
  event::PathRegistry registry;
  pattern::CompileOptions options;
  options.registry = &registry;
  std::shared_ptr<const pattern::Program> shared_program;
  std::shared_ptr<const event::PathSet> shared_paths;
  if ((*program)->kind() == pattern::PatternKind::kJson) {
    auto other = pattern::Compile(kOtherPattern, options);
    Check(other.ok());
    auto again = pattern::Compile(text, options);
    Check(again.ok());
    shared_program = *again;
    shared_paths = event::PathSet::Build(registry.paths(), false);
  }

  Run(matcher, shared_program.get(), shared_paths.get(), scratch, message);
  for (std::string_view fixed : kFixedMessages) {
    Run(matcher, shared_program.get(), shared_paths.get(), scratch, fixed);
  }
  return 0;
}
