#include "aws/logs.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <utility>

namespace trailwatch::aws {

Result<LogEventsPage> ParseLogEventsPage(std::string body, std::string_view where) {
  LogEventsPage page;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object())
    return Status::Corruption(fmt::format("{}: FilterLogEvents answered no JSON", where));
  // Fields of the wrong type (null nextToken, say) count as absent.
  auto text = [](const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (auto events = j.find("events"); events != j.end() && events->is_array()) {
    for (const auto& e : *events) {
      if (!e.is_object()) continue;
      LogEvent ev;
      if (auto t = e.find("timestamp"); t != e.end() && t->is_number_integer()) {
        ev.timestamp_ms = t->get<std::int64_t>();
      }
      ev.event_id = text(e, "eventId");
      ev.message = text(e, "message");
      page.events.push_back(std::move(ev));
    }
  }
  page.next_token = text(j, "nextToken");
  page.body = std::move(body);
  return page;
}

LogsClient::LogsClient(ClientOptions options, const Clock& clock) {
  options.service = "logs";
  client_ = std::make_unique<Client>(std::move(options), clock);
}

LogsClient::~LogsClient() = default;

Result<LogEventsPage> LogsClient::Filter(std::string_view group,
                                         std::optional<std::int64_t> start_ms,
                                         std::optional<std::int64_t> end_ms,
                                         std::string_view token) {
  nlohmann::json request = {{"logGroupName", group}};
  if (start_ms) request["startTime"] = *start_ms;
  // FilterLogEvents' endTime is inclusive.
  if (end_ms) request["endTime"] = *end_ms - 1;
  if (!token.empty()) request["nextToken"] = token;
  auto r = client_->CallJson("Logs_20140328.FilterLogEvents", request.dump());
  const std::string where = fmt::format("logs://{}", group);
  if (!r.ok()) return r.status().WithContext(where);
  if (r->status != 200) {
    const JsonError e = ParseJsonError(*r).value_or(JsonError{});
    std::string advice;
    if (e.type == "ResourceNotFoundException") {
      advice =
          " (check the log group's name and region, and AWS_ENDPOINT_URL_CLOUDWATCH_LOGS "
          "for a non-AWS endpoint)";
    } else if (e.type == "AccessDeniedException" || r->status == 403) {
      advice = " (the credentials need logs:FilterLogEvents on the log group)";
    } else if (e.type.starts_with("ExpiredToken")) {
      advice = " (the session credentials have expired: renew them)";
    }
    const std::string text =
        fmt::format("{}: {}{}{} (HTTP {}){}", where, e.type, e.message.empty() ? "" : ": ",
                    e.message, r->status, advice);
    if (r->status == 400 && e.type == "ResourceNotFoundException") return Status::NotFound(text);
    return r->status < 500 ? Status::InvalidArgument(text) : Status::IoError(text);
  }
  return ParseLogEventsPage(std::move(r->body), where);
}

Result<std::unique_ptr<LogsClient>> OpenLogs(const Environment& env, const Clock& clock) {
  auto profile = LoadProfile(env);
  if (!profile.ok()) return profile.status();
  return std::make_unique<LogsClient>(
      ServiceOptions(env, *profile, "CLOUDWATCH_LOGS", "logs", clock), clock);
}

}  // namespace trailwatch::aws
