// CloudWatch Logs, where trails delivered to a log group are read: FilterLogEvents over Client
// (AWS JSON 1.1, signing, retries, credentials).
#ifndef TRAILWATCH_AWS_LOGS_H_
#define TRAILWATCH_AWS_LOGS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "common/clock.h"
#include "common/status.h"

namespace trailwatch::aws {

struct LogEvent {
  std::int64_t timestamp_ms = 0;
  std::string event_id;
  std::string message;
};

struct LogEventsPage {
  std::string body;  // the answer as sent (what `aws logs filter-log-events` prints)
  std::vector<LogEvent> events;
  std::string next_token;  // empty on the last page
};

// A FilterLogEvents answer (JSON); `where` names the group in errors. Fields of the wrong
// type count as absent.
Result<LogEventsPage> ParseLogEventsPage(std::string body, std::string_view where);

class LogsClient {
 public:
  LogsClient(ClientOptions options, const Clock& clock);
  ~LogsClient();

  // One page of FilterLogEvents over `group`, events with timestamps in [start, end).
  Result<LogEventsPage> Filter(std::string_view group, std::optional<std::int64_t> start_ms,
                               std::optional<std::int64_t> end_ms, std::string_view token);

 private:
  std::unique_ptr<Client> client_;
};

// CloudWatch Logs with the environment's settings (credentials.h): region, endpoint
// (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, ...), the default credentials chain, 3 attempts.
Result<std::unique_ptr<LogsClient>> OpenLogs(const Environment& env, const Clock& clock);

}  // namespace trailwatch::aws

#endif  // TRAILWATCH_AWS_LOGS_H_
