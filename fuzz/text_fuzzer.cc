// The small hand-written text parsers of the daemon: the SNS SubscribeURL's form-encoded query
// (common/encoding.h ParseFormQuery), the JSON log's line transform (common/log.h
// JsonLogLine), whose output must always be one valid JSON object with a "msg" string, and
// what the AWS clients read from AWS: S3's ListObjectsV2 XML (aws/s3.h ParseListPage),
// FilterLogEvents JSON (aws/logs.h ParseLogEventsPage), SQS notifications (aws/sqs.h
// AnnouncedObjects), error codes (aws/client.h ErrorCode, IsRetryable), and the credentials
// STS answers and a credential_process prints (aws/credential_sources.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "aws/client.h"
#include "aws/credential_sources.h"
#include "aws/logs.h"
#include "aws/s3.h"
#include "aws/sqs.h"
#include "common/encoding.h"
#include "common/log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto query = trailwatch::ParseFormQuery(text);
  for (const auto& [name, value] : query) {
    if (name.size() > size || value.size() > size) std::abort();  // decoding never grows
  }
  const std::string line = trailwatch::JsonLogLine(text, 1'763'745'876'123);
  const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("msg") || !j["msg"].is_string()) std::abort();
  auto events = trailwatch::aws::ParseLogEventsPage(std::string(text), "logs://fuzz");
  if (events.ok() && events->body != text) std::abort();
  (void)trailwatch::aws::AnnouncedObjects(text);
  auto page = trailwatch::aws::ParseListPage(text, "s3://fuzz");
  if (page.ok() && page->objects.size() > size) std::abort();
  for (const char* action : {"AssumeRole", "AssumeRoleWithWebIdentity"}) {
    auto sts = trailwatch::aws::ParseStsCredentials(text, action, "arn:aws:iam::1:role/fuzz");
    if (sts.ok() && (sts->credentials.access_key_id.empty() || !sts->expires_ms)) std::abort();
  }
  auto process = trailwatch::aws::ParseProcessCredentials(text, "profile fuzz credential_process");
  if (process.ok() && process->credentials.secret_access_key.empty()) std::abort();
  trailwatch::aws::Response r;
  r.status = 400 + static_cast<int>(size % 200);
  r.body = std::string(text);
  (void)trailwatch::aws::IsRetryable(r);
  return 0;
}
