// Log file delivery: {"Records":[...]} gzip'ed under the S3 key layout of spec 2.1.
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time.h"
#include "trail/internal.h"
#include "trail/trail.h"

namespace trailwatch::trail {

Result<LogFileInfo> WriteLogFile(const TrailLocation& where, std::string_view account_id,
                                 std::string_view region, std::span<const std::string> records,
                                 std::int64_t delivered_ms) {
  if (!internal::SafeSegment(account_id) || !internal::SafeSegment(region)) {
    return Status::InvalidArgument(
        fmt::format("bad account id or region for a log file: '{}', '{}'", account_id, region));
  }
  if (records.empty()) return Status::InvalidArgument("a log file needs at least one record");
  LogFileInfo info;
  info.account_id = account_id;
  info.region = region;
  info.delivered_ms = delivered_ms;
  info.record_count = records.size();
  info.oldest_event_ms = std::numeric_limits<std::int64_t>::max();
  info.newest_event_ms = std::numeric_limits<std::int64_t>::min();
  std::string body = "{\"Records\":[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto j = nlohmann::json::parse(records[i], nullptr, /*allow_exceptions=*/false);
    const auto it = j.is_object() ? j.find("eventTime") : j.end();
    std::optional<std::int64_t> t;
    if (it != j.end() && it->is_string()) t = ParseIso8601Millis(it->get_ref<const std::string&>());
    if (!t) {
      return Status::InvalidArgument(
          fmt::format("record {} is not a JSON object with an eventTime", i + 1));
    }
    info.oldest_event_ms = std::min(info.oldest_event_ms, *t);
    info.newest_event_ms = std::max(info.newest_event_ms, *t);
    if (i > 0) body += ',';
    body += records[i];
  }
  body += "]}";
  info.sha256_hex = HexEncode(Sha256(body));

  auto unique = RandomString(16, kAlphanumeric);
  if (!unique.ok()) return unique.status();
  info.key = fmt::format("AWSLogs/{0}/CloudTrail/{1}/{2}/{0}_CloudTrail_{1}_{3}_{4}.json.gz",
                         account_id, region, internal::DatePath(delivered_ms),
                         internal::MinuteStamp(delivered_ms), *unique);
  auto gz = internal::GzipCompress(body);
  if (!gz.ok()) return gz.status();
  Status s = WriteFileAtomic(internal::JoinPath(where.root, info.key), *gz);
  if (!s.ok()) return s;
  return info;
}

}  // namespace trailwatch::trail
